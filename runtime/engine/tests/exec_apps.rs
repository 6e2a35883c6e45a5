//! The applications that run other applications or only write to the log, and `IFTIME`: how
//! a call goes through them, on both engines (the JIT three times on one engine, so that the
//! later calls run what the first ones compiled). The clock reads 12:00 UTC; the call starts
//! with `q` holding the text `${t}`.

use pbx_engine::{Call, Clock, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

const DIALPLAN: &str = r#"
[c]
exten => s,1,ExecIfTime(09:00-17:00,*,*,*,UTC?Set(day=yes))
 same => n,ExecIfTime(17:00-09:00,*,*,*,UTC?Set(night=yes))
 same => n,Set(t=${IFTIME(09:00-17:00,*,*,*,UTC?"in":out)})
 same => n,Set(u=${IFTIME(17:00-09:00,*,*,*,UTC?in:" out ")})
 same => n,Set(v=${IFTIME(17:00-09:00,*,*,*,UTC?in)})
 same => n,TryExec(Set(b=${q}2))
 same => n,Set(s1=${TRYSTATUS})
 same => n,TryExec(NoSuchApp(x))
 same => n,Set(s2=${TRYSTATUS})
 same => n,ExecIfTime(*,*,*,*?Set(w=${q})
 same => n,Log(WARNING,careful)
 same => n,Log(notice,a note)
 same => n,Log(DEBUG,quiet)
 same => n,Log(LOUD,x)
 same => n,TryExec(Hangup())
 same => n,Set(after=hangup)

[nf]
exten => s,1,ExecIfTime(*,*,*,*?NoSuchApp(x))
 same => n,Set(notreached=1)
"#;

/// (variable, value) after the call; `None`: unset.
const VARIABLES: &[(&str, Option<&str>)] = &[
    ("day", Some("yes")),
    ("night", None),
    ("t", Some("in")),
    ("u", Some(" out ")),
    ("v", Some("")),
    // TryExec substitutes its arguments once more, as Exec does: `${q}` gave `${t}`, which
    // gives `in`.
    ("b", Some("in2")),
    ("s1", Some("SUCCESS")),
    ("s2", Some("NOAPP")),
    // ExecIfTime (Asterisk 22's ast_pbx_exec_application) substitutes them once more too.
    ("w", Some("in")),
    // The application hung up: TryExec says so, and the call ends.
    ("TRYSTATUS", Some("FAILED")),
    ("after", None),
];

const LOG: &[&str] = &[
    "WARNING: Could not find application (NoSuchApp)",
    "WARNING: Failed to find closing parenthesis",
    "WARNING: careful",
    "NOTICE: a note",
    "ERROR: Unknown log level: 'LOUD'",
];

fn noon() -> i64 {
    1_704_110_400 // 2024-01-01 12:00:00 UTC
}

#[test]
fn exec_if_time_try_exec_log_and_iftime_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        engine.clock = Clock::exact(noon);
        for run in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            call.vars.set(b"q", Some(b"${t}"));
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            for (name, value) in VARIABLES {
                assert_eq!(
                    call.vars.get(name.as_bytes()),
                    value.map(str::as_bytes),
                    "{name} ({engine_name}, run {run})"
                );
            }
            assert_eq!(call.log, LOG, "{engine_name}, run {run}");
            // ExecIfTime of an application Asterisk does not have fails the call.
            let mut call = Call::new(b"nf", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(
                call.log,
                ["WARNING: Could not find application (NoSuchApp)"]
            );
            assert_eq!(call.vars.get(b"notreached"), None);
        }
    }
}

#[test]
fn mset_sets_each_pair_and_names_what_it_ignores_on_both_engines() {
    let (plan, findings) =
        pbxc_dialplan::lower_text(b"[m]\nexten => s,1,MSet(a=1,\"b\"x,,c=2)\n same => n,MSet()\n");
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            let mut call = Call::new(b"m", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            let what = format!("{engine_name}, run {run}");
            assert_eq!(call.vars.get(b"a"), Some(&b"1"[..]), "{what}");
            assert_eq!(call.vars.get(b"c"), Some(&b"2"[..]), "{what}");
            // pbx_variables.c's words, its missing `)` and its `(null)` for an empty entry.
            assert_eq!(
                call.log,
                [
                    "WARNING: MSet: ignoring entry 'bx' with no '=' (in s@m:1",
                    "WARNING: MSet: ignoring entry '(null)' with no '=' (in s@m:1",
                    "WARNING: MSet requires at least one variable name/value pair.",
                ],
                "{what}"
            );
        }
    }
}

/// `CALLERID(member)` read as func_callerid.c reads it, for a caller whose number is 555 and
/// who has no name: (member, value, whether `Unknown callerid data type` is logged).
const CALLERID_READS: &[(&str, &str, bool)] = &[
    ("num", "555", false),
    ("NUMBER", "555", false),
    ("num-valid", "1", false),
    ("num-pres", "allowed_not_screened", false),
    ("num-plan", "0", false),
    ("num-x", "", true),
    ("name", "", false),
    ("name-valid", "0", false),
    ("name-charset", "iso8859-1", false),
    ("name-pres", "allowed_not_screened", false),
    ("name-x", "", true),
    ("all", "\"\" <555>", false),
    ("pres", "allowed_not_screened", false),
    ("ton", "0", false),
    ("tag", "", false),
    ("subaddr-odd", "0", false),
    ("ani2", "00", false),
    ("ani", "", false),
    ("ani-num-valid", "0", false),
    ("dnid", "", false),
    ("dnid-num-plan", "0", false),
    ("dnid-x", "", true),
    ("priv", "", true),
    ("priv-num", "", false),
    ("rdnis", "", false),
    ("rdnis-num", "", true),
    ("bogus", "", true),
    // Ten sub-names are more than `struct ast_party_members` holds: the read fails, silently.
    ("a-b-c-d-e-f-g-h-i-j", "", false),
];

#[test]
fn callerid_members_read_as_func_callerid_reads_them_on_both_engines() {
    let mut text = "[c]\n".to_string();
    for (i, (member, _, _)) in CALLERID_READS.iter().enumerate() {
        text += &format!("exten => s,{},Set(v{i}=${{CALLERID({member})}})\n", i + 1);
    }
    text += "exten => n,1,Set(pres=${CALLERID(pres)})\n";
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            let what = format!("{engine_name}, run {run}");
            let mut call = Call::new(b"c", b"s", Some(b"555"));
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            let mut errors = Vec::new();
            for (i, (member, value, error)) in CALLERID_READS.iter().enumerate() {
                let got = call
                    .vars
                    .get(format!("v{i}").as_bytes())
                    .unwrap_or_default();
                assert_eq!(
                    String::from_utf8_lossy(got),
                    *value,
                    "CALLERID({member}) ({what})"
                );
                if *error {
                    errors.push(format!("ERROR: Unknown callerid data type '{member}'."));
                }
            }
            assert_eq!(call.log, errors, "{what}");
            // With neither a number nor a name, the combined presentation is unavailable.
            let mut call = Call::new(b"c", b"n", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(call.vars.get(b"pres"), Some(&b"unavailable"[..]), "{what}");
        }
    }
}

/// Exec, TryExec and ExecIfTime substitute their application's arguments into a dynamic
/// string (`ast_str_substitute_variables`): none of the application data's 8 KB limit.
#[test]
fn exec_substitutes_its_arguments_without_the_data_limit_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(
        b"[c]\nexten => s,1,Exec(Set(x=${t}))\n same => n,TryExec(Set(y=${t}))\n same => n,ExecIfTime(*,*,*,*?Set(z=${t}))\n same => n,Set(w=${t})\n",
    );
    assert!(findings.is_empty(), "{findings:?}");
    let big = "b".repeat(4000);
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            call.vars.set(b"big", Some(big.as_bytes()));
            // The first substitution gives Exec the text `Set(x=${big}${big}${big})`.
            call.vars.set(b"t", Some(b"${big}${big}${big}"));
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            let len = |name: &[u8]| call.vars.get(name).map_or(0, <[u8]>::len);
            let what = format!("{engine_name}, run {run}");
            assert_eq!(len(b"x"), 12_000, "{what}");
            assert_eq!(len(b"y"), 12_000, "{what}");
            assert_eq!(len(b"z"), 12_000, "{what}");
            // A plain priority's data substitutes `${t}` once, to its own text.
            assert_eq!(
                call.vars.get(b"w"),
                Some(&b"${big}${big}${big}"[..]),
                "{what}"
            );
        }
    }
}
