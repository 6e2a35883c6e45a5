//! Both engines as the call tests run them: the reference interpreter once, and the JIT three
//! times on one engine, so that the later calls run what the first ones compiled.

use pbx_engine::{Call, Engine};
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
