//! `switch =>` in calls (spec §3.3, step 5): a search asks a context's switches after its own
//! extensions and before its includes. pbxc has no switch modules, so none answers, and a
//! call reports each switch its lookups passed, once, as Asterisk without the module logs
//! `No such switch` (there at every lookup that reaches it). On both engines.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

const DIALPLAN: &str = "\
[in]
switch => DUNDi/e164
include => more
exten => s,1,NoOp(own)
 same => n,Goto(100,1)
exten => 5,1,NoOp(own only)
 same => n,Goto(6,1)
exten => 6,1,NoOp(own again)

[more]
switch => Loopback/d
exten => 100,1,NoOp(included)
 same => n,Goto(in,999,1)

[plain]
exten => s,1,NoOp(no switch in reach)

[asks]
exten => s,1,Set(x=${DIALPLAN_EXISTS(in,999,1)})
 same => n,Log(WARNING,after)

[jump]
switch => IAX2/a
include => far
exten => s,1,Goto(100,1)
exten => h,1,Hangup()

[far]
exten => 100,1,Hangup()

[label]
switch => X/y
include => deep
exten => 7,1,NoOp(own)
 same => n,NoOp(two)
 same => n,Hangup()
exten => s,1,Goto(label,7,down)
exten => h,1,Hangup()

[deep]
exten => _7,1,NoOp(deep)
 same => n(down),NoOp(down)

[overlap]
switch => Y/z
include => more
exten => 1,1,Incomplete(n)
exten => t,1,Hangup()
exten => h,1,Hangup()
";

/// (context, exten, what the call logs).
const CALLS: &[(&str, &str, &[&str])] = &[
    // 100 is found past `in`'s switch; 999 past both, and then nowhere.
    (
        "in",
        "s",
        &[
            "WARNING: No such switch 'DUNDi'",
            "WARNING: No such switch 'Loopback'",
            "WARNING: Channel 'Simulated/pbxc-00000001' sent to invalid extension but no invalid handler: context,exten,priority=in,999,1",
        ],
    ),
    // Its own extensions answer before the switches are asked, but the loop's lookup of
    // priority 2 of `6` goes on past the extension that lacks it (§3.2), through both.
    (
        "in",
        "5",
        &[
            "WARNING: No such switch 'DUNDi'",
            "WARNING: No such switch 'Loopback'",
        ],
    ),
    ("plain", "s", &[]),
    // A function's lookup is reported before what the next priority logs.
    (
        "asks",
        "s",
        &[
            "WARNING: No such switch 'DUNDi'",
            "WARNING: No such switch 'Loopback'",
            "WARNING: after",
        ],
    ),
    // Only the lookups of 100 pass the switch (`h` is the context's own, and hangs up
    // before a lookup of its priority 2), however often the call runs.
    ("jump", "s", &["WARNING: No such switch 'IAX2'"]),
    // Only the label's lookup passes the switch: `7` of the context itself lacks the label,
    // `_7` of the include has it as priority 2, which the context's own `7` then answers.
    ("label", "s", &["WARNING: No such switch 'X'"]),
    // Only overlap dialling's lookup passes it: could `1` become more? Not as `1` itself;
    // the switch is asked, then `more`'s `100` says yes.
    ("overlap", "1", &["WARNING: No such switch 'Y'"]),
];

#[test]
fn a_call_reports_each_switch_its_lookups_passed_once_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            for (context, exten, log) in CALLS {
                let mut call = Call::new(context.as_bytes(), exten.as_bytes(), None);
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                assert_eq!(
                    call.log, *log,
                    "{context},{exten} ({engine_name}, run {run})"
                );
            }
        }
    }
}

#[test]
fn an_override_switch_is_reported_once_a_call_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(
        b"[general]\noverrideswitch=Realtime/everything@table\n[c]\nexten => s,1,Goto(2,1)\nexten => 2,1,NoOp(two)\n",
    );
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(
                call.log,
                ["WARNING: No such switch 'Realtime'"],
                "{engine_name}, run {run}"
            );
        }
    }
}
