//! Both engines as the call tests run them: the reference interpreter once, and the JIT three
//! times on one engine, so that the later calls run what the first ones compiled.

use pbx_engine::Engine;
use pbxc_dialplan::Dialplan;

/// (name, engine, how many times each call runs on it).
pub fn engines(plan: &Dialplan) -> [(&'static str, Engine<'_>, usize); 2] {
    let mut jit = Engine::new(plan);
    jit.enable_jit().expect("a JIT for this machine");
    [("interpreter", Engine::new(plan), 1), ("jit", jit, 3)]
}
