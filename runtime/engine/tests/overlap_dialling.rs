//! Overlap dialling: `Incomplete()` makes the PBX loop wait for more digits while an
//! extension could still match the number dialled so far (spec §3.8, `AST_PBX_INCOMPLETE`),
//! on both engines (the JIT three times on one engine).

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

const DIALPLAN: &str = "\
[c]
exten => _1,1,Incomplete(n)
exten => 12,1,NoOp(got 12)
exten => _9,1,Incomplete()
exten => i,1,NoOp(invalid ${INVALID_EXTEN})
exten => t,1,NoOp(timed out at ${EXTEN})
";

/// (number dialled first, keys pressed after, the steps the call runs).
const CALLS: &[(&str, &str, &[&str])] = &[
    // `1` could become `12`: the loop reads the `2` and goes on there.
    ("1", "2", &["c,1,1,Incomplete(n)", "c,12,1,NoOp(got 12)"]),
    // A key that matches nothing more: the number is invalid.
    ("1", "5", &["c,1,1,Incomplete(n)", "c,i,1,NoOp(invalid 15)"]),
    // No key at all: a timeout (`t`), not the same number again.
    (
        "1",
        "",
        &["c,1,1,Incomplete(n)", "c,t,1,NoOp(timed out at t)"],
    ),
    // Nothing could follow `9`: invalid at once, without waiting for a key.
    ("9", "", &["c,9,1,Incomplete()", "c,i,1,NoOp(invalid 9)"]),
];

#[test]
fn incomplete_waits_for_more_digits_on_both_engines() {
    let (plan, _) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            for (number, keys, steps) in CALLS {
                let mut call = Call::new(b"c", number.as_bytes(), None);
                let mut trace = Vec::new();
                let mut chan = SimulatedChannel::default().dial(keys.as_bytes());
                engine.run(&mut call, &mut chan, &mut |e| trace.push(e.to_string()));
                assert_eq!(
                    trace, *steps,
                    "{number} then {keys} ({engine_name}, run {run})"
                );
            }
        }
    }
}
