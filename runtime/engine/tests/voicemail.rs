//! VoiceMail and VM_INFO (app_voicemail.c) offline, on both engines: the mailbox looked up
//! in voicemail.conf, `VMSTATUS`, and the keys that leave a greeting — `*` to `a`, `0` to
//! `o` with the operator on, any other with `d` — as leave_voicemail decides them.

use std::sync::Arc;

use pbx_engine::{Call, SimulatedChannel};
use pbx_voicemail::{Config, Voicemail};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

/// voicemail.conf as (section, name, value).
fn voicemail(settings: &[(&str, &str, &str)]) -> Arc<Voicemail> {
    Arc::new(Voicemail {
        config: Config::from_settings(
            settings
                .iter()
                .map(|(s, n, v)| (s.as_bytes(), n.as_bytes(), v.as_bytes())),
        ),
        spool: None,
    })
}

/// The mailboxes most tests use: 100 (Alice, with an e-mail) and 101 (no e-mail) in
/// `default`, 200 in `sales` with an exit context of its own.
fn mailboxes(general: &[(&'static str, &'static str)]) -> Arc<Voicemail> {
    let mut settings: Vec<(&str, &str, &str)> =
        general.iter().map(|&(n, v)| ("general", n, v)).collect();
    settings.extend([
        ("default", "100", "1234,Alice,alice@example.com"),
        ("default", "101", "4321,Bob"),
        ("sales", "200", "0000,Sales,,,exitcontext=front-desk"),
    ]);
    voicemail(&settings)
}

/// Each run of `s@c` with `keys` pressed: (engine, call, the trace's places).
fn runs(
    dialplan: &str,
    vm: &Arc<Voicemail>,
    keys: &[u8],
) -> Vec<(&'static str, Call, Vec<String>)> {
    let (plan, findings) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut out = Vec::new();
    for (name, mut engine, times) in engines(&plan) {
        engine.voicemail = vm.clone();
        for _ in 0..times {
            let mut call = Call::new(b"c", b"s", Some(b"100"));
            let mut chan = SimulatedChannel::default().dial(keys);
            let mut places = Vec::new();
            engine.run(&mut call, &mut chan, &mut |step| {
                places.push(format!(
                    "{},{},{}",
                    String::from_utf8_lossy(step.context),
                    String::from_utf8_lossy(step.exten),
                    step.priority
                ))
            });
            out.push((name, call, places));
        }
    }
    out
}

const LEAVES: &str = "
[c]
exten => s,1,VoiceMail(${BOX},${OPTIONS})
 same => n,Set(after=${VMSTATUS})
 same => n,Hangup()
exten => a,1,Set(went=a)
exten => o,1,Set(went=o)

[front-desk]
exten => a,1,Set(went=front-a)
exten => o,1,Set(went=front-o)

[menu]
exten => 5,1,Set(went=menu-5)
";

fn with(boxes: &str, options: &str) -> String {
    LEAVES
        .replace("${BOX}", boxes)
        .replace("${OPTIONS}", options)
}

#[test]
fn a_known_mailbox_takes_the_message_and_the_dialplan_goes_on() {
    for (engine, call, places) in runs(&with("100", "u"), &mailboxes(&[]), b"") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
        assert_eq!(places, ["c,s,1", "c,s,2", "c,s,3"], "{engine}");
        assert!(call.log.is_empty(), "{engine}: {:?}", call.log);
    }
}

/// The code, not the documentation ("Dialplan execution will stop"): FAILED, a warning,
/// and the next priority.
#[test]
fn an_unknown_mailbox_fails_and_the_dialplan_goes_on() {
    for boxes in ["999", "100@sales", "200", "100&200@sales"] {
        for (engine, call, places) in runs(&with(boxes, "u"), &mailboxes(&[]), b"") {
            assert_eq!(get(&call, "after"), "FAILED", "{engine} {boxes}");
            assert_eq!(places.len(), 3, "{engine}");
            let first = boxes.split('@').next().unwrap();
            assert_eq!(
                call.log,
                [format!(
                    "WARNING: Simulated/pbxc-00000001: Exten: {first}: No entry in voicemail config file for '{first}'"
                )],
                "{engine} {boxes}"
            );
        }
    }
}

#[test]
fn star_leaves_for_a_when_there_is_one() {
    for (engine, call, places) in runs(&with("100&101", "u"), &mailboxes(&[]), b"*") {
        assert_eq!(get(&call, "went"), "a", "{engine}");
        assert_eq!(get(&call, "VMSTATUS"), "USEREXIT", "{engine}");
        assert_eq!(places, ["c,s,1", "c,a,1"], "{engine}");
    }
    // The mailbox's exit context is where `a` is looked for and where the call goes.
    for (engine, call, places) in runs(&with("200@sales", "u"), &mailboxes(&[]), b"*") {
        assert_eq!(get(&call, "went"), "front-a", "{engine}");
        assert_eq!(places, ["c,s,1", "front-desk,a,1"], "{engine}");
    }
}

#[test]
fn zero_leaves_for_o_only_with_the_operator_on() {
    let on = mailboxes(&[("operator", "yes")]);
    for (engine, call, places) in runs(&with("100", "u"), &on, b"0") {
        assert_eq!(get(&call, "went"), "o", "{engine}");
        assert_eq!(get(&call, "VMSTATUS"), "USEREXIT", "{engine}");
        assert_eq!(places, ["c,s,1", "c,o,1"], "{engine}");
    }
    // Off (the default), `0` does not stop the greeting, nor end the recording.
    for (engine, call, places) in runs(&with("100", "u"), &mailboxes(&[]), b"0") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
        assert_eq!(places, ["c,s,1", "c,s,2", "c,s,3"], "{engine}");
    }
    // `#` skips the instructions, then `0` during the recording leaves for `o` too.
    for (engine, call, _) in runs(&with("100", "u"), &on, b"#0") {
        assert_eq!(get(&call, "went"), "o", "{engine}");
    }
}

/// `d(context)`: a key that can start an extension there leaves VoiceMail, and the PBX
/// collects the extension in that context.
#[test]
fn d_lets_other_keys_dial_in_its_context() {
    for (engine, call, places) in runs(&with("100", "ud(menu)"), &mailboxes(&[]), b"5") {
        assert_eq!(get(&call, "went"), "menu-5", "{engine}");
        assert_eq!(get(&call, "VMSTATUS"), "USEREXIT", "{engine}");
        assert_eq!(places, ["c,s,1", "menu,5,1"], "{engine}");
    }
    // A key with no extension to start is not listened for: the message is left.
    for (engine, call, _) in runs(&with("100", "ud(menu)"), &mailboxes(&[]), b"7") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
    }
}

#[test]
fn bad_options_end_the_call_as_vm_exec_returns_minus_one() {
    for (options, warning) in [
        (
            "g(loud)",
            "WARNING: Invalid value 'loud' provided for record gain option",
        ),
        (
            "t(beep",
            "WARNING: Missing closing parenthesis for argument 't' in string 'beep'",
        ),
    ] {
        for (engine, call, places) in runs(&with("100", options), &mailboxes(&[]), b"") {
            assert_eq!(places, ["c,s,1"], "{engine} {options}");
            assert_eq!(get(&call, "VMSTATUS"), "", "{engine} {options}");
            assert_eq!(call.log, [warning], "{engine} {options}");
        }
    }
    // An unknown letter is only warned about.
    for (engine, call, _) in runs(&with("100", "uz"), &mailboxes(&[]), b"") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
        assert_eq!(call.log, ["WARNING: Unrecognized option: 'z'"], "{engine}");
    }
}

#[test]
fn a_greetings_only_mailbox_succeeds_without_a_message() {
    let vm = voicemail(&[("default", "100", "1,Greeter,,,maxmsg=0")]);
    for (engine, call, _) in runs(&with("100", "u"), &vm, b"#") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
    }
}

#[test]
fn vm_info_reads_the_mailbox_as_acf_vm_info_does() {
    let dialplan = "
[c]
exten => s,1,Set(a=${VM_INFO(100,exists)}|${VM_INFO(999,EXISTENCE)}|${VM_INFO(100@default,fullname)})
 same => n,Set(b=${VM_INFO(101,email)}|${VM_INFO(100,email)}|${VM_INFO(999,fullname)}|${VM_INFO(200@sales,count)})
 same => n,Set(c=${VM_INFO(100,language)}|${VM_INFO(100,password)}|${VM_INFO(100,pager)}.)
 same => n,Set(d=${VM_INFO(100,colour)}.${VM_INFO(,count)}.${VM_INFO(100)})
";
    for (engine, call, _) in runs(dialplan, &mailboxes(&[]), b"") {
        assert_eq!(get(&call, "a"), "1|0|Alice", "{engine}");
        // No e-mail field reads empty (C would read a NULL); a mailbox unknown reads empty
        // whatever the attribute; nothing is stored offline.
        assert_eq!(get(&call, "b"), "|alice@example.com||0", "{engine}");
        assert_eq!(get(&call, "c"), "en|1234|.", "{engine}");
        assert_eq!(get(&call, "d"), "..", "{engine}");
        assert_eq!(
            call.log,
            [
                "ERROR: Unknown attribute 'colour' for VM_INFO",
                "ERROR: VM_INFO requires an argument (<mailbox>[@<context>],attribute[,folder])",
                "ERROR: VM_INFO requires an argument (<mailbox>[@<context>],attribute[,folder])",
            ],
            "{engine}"
        );
    }
}

/// Only data that is wholly empty asks which mailbox; `VoiceMail(,u)` looks up an empty
/// one and fails, as `VoiceMail(${EMPTY},u)` does.
#[test]
fn no_data_asks_for_a_mailbox_and_an_empty_mailbox_fails() {
    let asks = "[c]\nexten => s,1,VoiceMail()\n same => n,Set(after=${VMSTATUS})\n";
    for (engine, call, _) in runs(asks, &mailboxes(&[]), b"101#") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
    }
    // Nothing dialled: VoiceMail ends with no status.
    for (engine, call, places) in runs(asks, &mailboxes(&[]), b"") {
        assert_eq!(get(&call, "after"), "", "{engine}");
        assert_eq!(places, ["c,s,1", "c,s,2"], "{engine}");
    }
    for (engine, call, _) in runs(&with("", "u"), &mailboxes(&[]), b"") {
        assert_eq!(get(&call, "after"), "FAILED", "{engine}");
        assert_eq!(
            call.log,
            ["WARNING: Simulated/pbxc-00000001: Exten: : No entry in voicemail config file for ''"],
            "{engine}"
        );
    }
}

/// With `s` and neither `b` nor `u` nothing plays before the beep, so nothing listens for
/// `*`: it reaches the recording, which ignores it.
#[test]
fn keys_leave_only_while_something_plays() {
    for (engine, call, places) in runs(&with("100", "s"), &mailboxes(&[]), b"*") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
        assert_eq!(places, ["c,s,1", "c,s,2", "c,s,3"], "{engine}");
    }
    // Without `s`, vm-intro plays and listens.
    for (engine, call, _) in runs(&with("100", ""), &mailboxes(&[]), b"*") {
        assert_eq!(get(&call, "went"), "a", "{engine}");
    }
}

/// `searchcontexts`: the context given is not looked at, so VM_INFO (which always gives
/// one, `default`) finds a mailbox of any context.
#[test]
fn searchcontexts_finds_mailboxes_whatever_the_context() {
    let vm = mailboxes(&[("searchcontexts", "yes")]);
    let dialplan =
        "[c]\nexten => s,1,Set(a=${VM_INFO(200,exists)}${VM_INFO(200@default,fullname)})\n";
    for (engine, call, _) in runs(dialplan, &vm, b"") {
        assert_eq!(get(&call, "a"), "1Sales", "{engine}");
    }
    for (engine, call, _) in runs(&with("200@elsewhere", "u"), &vm, b"") {
        assert_eq!(get(&call, "after"), "SUCCESS", "{engine}");
    }
}

/// VoiceMailMain, then what the channel's language and the caller's keys left over show.
const CHECKS: &str = "
[c]
exten => s,1,VoiceMailMain(${ARGS})
 same => n,Set(after=${CHANNEL(language)})
 same => n,BackGround(beep)
 same => n,Hangup()
exten => a,1,Set(went=a)
exten => 7,1,Set(rest=7)
";

/// The mailboxes for VoiceMailMain: 100 speaks French, 102 has no password, 103's is `-9`.
fn main_mailboxes(general: &[(&'static str, &'static str)]) -> Arc<Voicemail> {
    let mut settings: Vec<(&str, &str, &str)> =
        general.iter().map(|&(n, v)| ("general", n, v)).collect();
    settings.extend([
        ("default", "100", "1234,Alice,,,language=fr"),
        ("default", "102", ",Carol"),
        ("default", "103", "-9,Dave,,,language=de"),
        ("sales", "200", "0000,Sales,,,language=es"),
    ]);
    voicemail(&settings)
}

/// Runs CHECKS with `args` and `keys` on both engines: (language after, the key left for
/// BackGround if it was 7, where the call went).
fn checks(vm: &Arc<Voicemail>, args: &str, keys: &[u8]) -> Vec<(String, String, String)> {
    runs(&CHECKS.replace("${ARGS}", args), vm, keys)
        .into_iter()
        .map(|(_, call, _)| (get(&call, "after"), get(&call, "rest"), get(&call, "went")))
        .collect()
}

/// Every run gave `expected`.
fn all(runs: Vec<(String, String, String)>, expected: (&str, &str, &str)) {
    assert!(!runs.is_empty());
    for run in runs {
        assert_eq!((run.0.as_str(), run.1.as_str(), run.2.as_str()), expected);
    }
}

#[test]
fn voicemailmain_logs_in_with_the_mailbox_and_password_typed() {
    let vm = main_mailboxes(&[]);
    // Mailbox and password, each ended by `#`; the caller leaves the menu with `#`; the
    // mailbox's language is the channel's from then on; the next key is BackGround's.
    all(checks(&vm, "", b"100#1234##7"), ("fr", "7", ""));
    // A mailbox named by the dialplan asks only the password, in its context.
    all(checks(&vm, "200@sales", b"0000##7"), ("es", "7", ""));
    // No password to ask (empty), and `-` in front of one only forbids changing it.
    all(checks(&vm, "102", b"#7"), ("en", "7", ""));
    all(checks(&vm, "103", b"9##7"), ("de", "7", ""));
    // `s` with a mailbox that exists: no password.
    all(checks(&vm, "100,s", b"#7"), ("fr", "7", ""));
    all(checks(&vm, "s100", b"#7"), ("fr", "7", ""));
    // `p`: the argument goes in front of what is typed.
    all(checks(&vm, "10,p", b"0#1234##7"), ("fr", "7", ""));
    // In the mailbox's options (`0`) `#` is no exit: `*` goes back to the menu first.
    all(checks(&vm, "100,s", b"0#*#7"), ("fr", "7", ""));
    // `2`: `*` is another round of the folders, `1` the folder.
    all(checks(&vm, "100,s", b"2*1#7"), ("fr", "7", ""));
}

#[test]
fn voicemailmain_gives_up_after_maxlogins_wrong_logins_and_the_dialplan_goes_on() {
    let vm = main_mailboxes(&[]);
    // Three wrong tries (mailbox and password each): the key after them is BackGround's.
    all(checks(&vm, "", b"100#1#100#2#100#3#7"), ("en", "7", ""));
    // A known mailbox: three wrong passwords.
    all(checks(&vm, "100", b"1#2#3#7"), ("en", "7", ""));
    // `maxlogins=1`: one.
    let once = main_mailboxes(&[("maxlogins", "1")]);
    all(checks(&once, "100", b"1#7"), ("en", "7", ""));
    // Right on the third try.
    all(checks(&vm, "100", b"1#2#1234##7"), ("fr", "7", ""));
    // `s` with a mailbox that does not exist: the login is asked.
    all(checks(&vm, "999,s", b"100#1234##7"), ("fr", "7", ""));
}

#[test]
fn voicemailmain_star_goes_to_a_and_an_empty_mailbox_is_the_callers_number() {
    let vm = main_mailboxes(&[]);
    all(checks(&vm, "", b"*#"), ("", "", "a"));
    all(checks(&vm, "100", b"*#"), ("", "", "a"));
    // Nothing typed for the mailbox: the caller's number (100).
    all(checks(&vm, "", b"#1234##7"), ("fr", "7", ""));
    // With no `a`, a `*` password for a mailbox given empties it; it then is the caller's number,
    // asked for its password again.
    let no_a = CHECKS.replace("exten => a,1,Set(went=a)\n", "");
    for (_, call, _) in runs(&no_a.replace("${ARGS}", "103"), &vm, b"*#1234##7") {
        assert_eq!(
            (get(&call, "after"), get(&call, "rest")),
            ("fr".into(), "7".into())
        );
    }
}

#[test]
fn voicemailmain_bad_options_hang_up() {
    let vm = main_mailboxes(&[]);
    for args in ["100,g(x)", "100,a(unclosed"] {
        for (name, call, places) in runs(&CHECKS.replace("${ARGS}", args), &vm, b"1234#") {
            assert_eq!(places, ["c,s,1"], "{name} {args}");
            assert!(
                call.log.iter().any(|l| l.starts_with("WARNING: Invalid")),
                "{:?}",
                call.log
            );
        }
    }
}
