//! VERSION (func_version.c) and JSON_DECODE (func_json.c) in a call, answered offline as
//! they need no channel; and SHELL (func_shell.c), which runs nothing offline. On both
//! engines.

use pbx_engine::SimulatedChannel;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

/// A dialplan that branches on the version, as dialplans written for several releases do.
#[test]
fn version_reads_as_asterisk_22_and_branches_on_its_number() {
    let dialplan = "\
[c]
exten => s,1,Set(v=${VERSION()}|${VERSION(ASTERISK_VERSION_NUM)}|${VERSION(Build_Machine)})
 same => n,GotoIf($[${VERSION(ASTERISK_VERSION_NUM)} < 210000]?macros)
 same => n,Set(path=gosub)
 same => n,Hangup()
 same => n(macros),Set(path=macro)
";
    let machine = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .unwrap();
    let machine = String::from_utf8(machine.stdout).unwrap();
    for (engine, call, _) in runs_of(dialplan, SimulatedChannel::default) {
        assert_eq!(
            get(&call, "v"),
            format!("22.0.0|220000|{}", machine.trim()),
            "{engine}"
        );
        assert_eq!(get(&call, "path"), "gosub", "{engine}");
        assert!(call.log.is_empty(), "{engine}: {:?}", call.log);
    }
}

/// JSON from a variable (an AGI's or CURL's answer, say): items by path, a count, a failure
/// that substitutes nothing, and the warnings the function logs as it goes on.
#[test]
fn json_decode_reads_a_variables_json() {
    let dialplan = r#"
[c]
exten => s,1,Set(reply={"caller":{"name":"Ann","vip":true},"routes":["100","200"],"wait":2.5})
 same => n,Set(name=${JSON_DECODE(reply,caller.name)})
 same => n,Set(routes=${JSON_DECODE(reply,routes,,c)}:${JSON_DECODE(reply,routes/1,/)})
 same => n,GotoIf(${JSON_DECODE(reply,caller.vip)}?vip)
 same => n,Hangup()
 same => n(vip),Set(wait=${JSON_DECODE(reply,wait,,x)})
 same => n,Set(broken=${JSON_DECODE(name,a)}.)
"#;
    for (engine, call, _) in runs_of(dialplan, SimulatedChannel::default) {
        assert_eq!(get(&call, "name"), "Ann", "{engine}");
        assert_eq!(get(&call, "routes"), "2:200", "{engine}");
        assert_eq!(get(&call, "wait"), "2.5", "{engine}");
        assert_eq!(get(&call, "broken"), ".", "{engine}");
        assert_eq!(
            call.log,
            [
                "WARNING: Unrecognized option: 'x'",
                "WARNING: Failed to parse as JSON: Ann",
            ],
            "{engine}"
        );
    }
}

/// Offline a command would act on the machine that checks the dialplan: SHELL runs none,
/// says so, and is empty; without a command it warns as func_shell.c does.
#[test]
fn shell_runs_nothing_offline() {
    let dialplan = "\
[c]
exten => s,1,Set(out=${SHELL(touch /tmp/pbxc-offline-shell-ran)}.${SHELL()}.)
";
    for (engine, call, _) in runs_of(dialplan, SimulatedChannel::default) {
        assert_eq!(get(&call, "out"), "..", "{engine}");
        assert_eq!(
            call.log,
            [
                "WARNING: Function SHELL runs commands only in the PBX; offline it is empty",
                "WARNING: Missing Argument!  Example:  Set(foo=${SHELL(echo \"bar\")})",
            ],
            "{engine}"
        );
    }
    assert!(!std::path::Path::new("/tmp/pbxc-offline-shell-ran").exists());
}
