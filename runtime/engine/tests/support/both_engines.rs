//! Both engines as the call tests run them: the reference interpreter once, and the JIT three
//! times on one engine, so that the later calls run what the first ones compiled.

use pbx_engine::{Call, Channel, Engine};
use pbxc_dialplan::Dialplan;

/// (name, engine, how many times each call runs on it).
pub fn engines(plan: &Dialplan) -> [(&'static str, Engine<'_>, usize); 2] {
    let mut jit = Engine::new(plan);
    jit.enable_jit().expect("a JIT for this machine");
    [("interpreter", Engine::new(plan), 1), ("jit", jit, 3)]
}

/// Variable `name` of `call` as text (empty when unset).
#[allow(
    dead_code,
    reason = "not every test that runs both engines reads variables"
)]
pub fn get(call: &Call, name: &str) -> String {
    String::from_utf8_lossy(call.vars.get(name.as_bytes()).unwrap_or_default()).into_owned()
}

/// Each run of `s@c` of `dialplan` (which must lower cleanly; caller `100`) on both engines,
/// each on a channel `channel()` makes: the engine's name, the call once over, its channel.
#[allow(
    dead_code,
    reason = "not every test that runs both engines runs whole calls"
)]
pub fn runs_of<C: Channel>(
    dialplan: &str,
    mut channel: impl FnMut() -> C,
) -> Vec<(&'static str, Call, C)> {
    let (plan, findings) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut out = Vec::new();
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", Some(b"100"));
            let mut chan = channel();
            engine.run(&mut call, &mut chan, &mut |_| {});
            out.push((engine_name, call, chan));
        }
    }
    out
}
