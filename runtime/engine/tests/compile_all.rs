//! `Engine::compile_all`: every extension compiled ahead of any call, as reached from its own
//! context (what `cargo bench -p pbx-engine --bench load` times on the 100k-extension
//! dialplan). A call then runs compiled code from its first step, with the interpreter's
//! trace.

use pbx_engine::{Call, Engine, SimulatedChannel};

const DIALPLAN: &str = "\
[in]
exten => 1,1,Set(x=1)
 same => n,NoOp(${x})
 same => n,Goto(2,1)
exten => 2,1,NoOp(two)
 same => n,Hangup()
exten => _3/100,1,NoOp(caller 100)
exten => 3,1,NoOp(anyone)
[other]
exten => s,1,NoOp(other)
";

/// The trace of a call to `1` in `[in]`, and its steps run as native code.
fn call(engine: &mut Engine) -> (Vec<String>, u64) {
    let mut call = Call::new(b"in", b"1", None);
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace.push(s.to_string())
    });
    (trace, call.native_steps)
}

#[test]
fn compiled_ahead_a_first_call_runs_natively() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");

    let mut interpreter = Engine::new(&plan);
    let (expected, native) = call(&mut interpreter);
    assert_eq!(native, 0);
    assert_eq!(expected.len(), 5);

    // Compiled on first use: straight-line code runs interpreted the first time.
    let mut lazy = Engine::new(&plan);
    lazy.enable_jit().expect("a JIT");
    assert_eq!(call(&mut lazy), (expected.clone(), 0));

    let mut ahead = Engine::new(&plan);
    assert_eq!(
        ahead.compile_all(),
        (0, 0),
        "no JIT enabled, nothing compiled"
    );
    ahead.enable_jit().expect("a JIT");
    // A chain for each extension but the caller-ID variant, which a caller's number decides
    // (the literal `3` is searched before it).
    assert_eq!(ahead.compile_all(), (4, 1));
    let (trace, native) = call(&mut ahead);
    assert_eq!(trace, expected);
    assert!(native > 0, "the first call ran compiled code");
}
