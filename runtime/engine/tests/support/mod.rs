//! Running a dialplan text as a call from `in,s,1`, for the tests that pin a trace.

use pbx_engine::{Call, Engine, SimulatedChannel};

/// The call after it ran, and each priority it executed as `pbxc call` prints it; on the
/// reference interpreter, or with native control flow (`jit`).
pub fn run(dialplan: &str, jit: bool) -> (Call, Vec<String>) {
    let (plan, _) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    let mut engine = Engine::new(&plan);
    if jit {
        engine.enable_jit().expect("a JIT for this machine");
    }
    let mut call = Call::new(b"in", b"s", None);
    let mut lines = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |step| {
        lines.push(step.to_string())
    });
    (call, lines)
}

/// [`run`]'s trace.
pub fn trace(dialplan: &str, jit: bool) -> Vec<String> {
    run(dialplan, jit).1
}
