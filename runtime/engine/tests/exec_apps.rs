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
