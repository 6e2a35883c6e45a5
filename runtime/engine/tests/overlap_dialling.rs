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

/// A caller who hangs up while the loop waits for more digits.
struct Leaving {
    inner: SimulatedChannel,
    gone: bool,
}

impl pbx_engine::Channel for Leaving {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }

    fn execute(
        &mut self,
        app: &str,
        data: &[u8],
        vars: &mut pbx_engine::vars::Variables,
    ) -> pbx_engine::AppResult {
        self.inner.execute(app, data, vars)
    }

    fn wait_digit(&mut self, _timeout_ms: u32) -> Option<u8> {
        self.gone = true;
        None
    }

    fn hung_up(&self) -> bool {
        self.gone
    }
}

#[test]
fn a_hang_up_during_the_wait_ends_the_loop_before_t_on_both_engines() {
    // `collect_digits` gets -1: the loop breaks off, `h` runs, and `t` does not.
    let (plan, _) = pbxc_dialplan::lower_text(
        format!("{DIALPLAN}exten => h,1,NoOp(hung up at ${{EXTEN}})\n").as_bytes(),
    );
    for (engine_name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            let mut call = Call::new(b"c", b"1", None);
            let mut chan = Leaving {
                inner: SimulatedChannel::default(),
                gone: false,
            };
            let mut steps = Vec::new();
            engine.run(&mut call, &mut chan, &mut |s| steps.push(s.to_string()));
            assert_eq!(
                steps,
                ["c,1,1,Incomplete(n)", "c,h,1,NoOp(hung up at h)"],
                "{engine_name}, run {run}"
            );
            assert!(call.log.is_empty(), "{:?}", call.log);
        }
    }
}
