//! Engines made with one `JitCompiler`, as a PBX makes one engine per call, share the
//! functions Cranelift compiled for their chains' shapes: a call compiles only the shapes no
//! call compiled before it, on any thread, and runs natively with the interpreter's trace.

use pbx_engine::{Call, Engine, JitCompiler, SimulatedChannel};

const DIALPLAN: &str = "\
[loop]
exten => s,1,Set(i=0)
 same => n(top),Set(i=$[${i} + 1])
 same => n,GotoIf($[${i} < 40]?top)
 same => n,Goto(sub,s,1)
[sub]
exten => s,1,Set(j=0)
 same => n(again),Set(j=$[${j} + 2])
 same => n,GotoIf($[${j} < 60]?again)
 same => n,Hangup()
";

/// A call at `s` in `loop`: its trace and the steps it ran natively.
fn call(engine: &mut Engine) -> (Vec<String>, u64) {
    let mut call = Call::new(b"loop", b"s", None);
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace.push(s.to_string())
    });
    (trace, call.native_steps)
}

#[test]
fn a_calls_engine_compiles_only_what_no_call_compiled_before() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let (expected, _) = call(&mut Engine::new(&plan));
    let compiler = JitCompiler::new().expect("a JIT");
    let engine = || {
        let mut engine = Engine::new(&plan);
        engine.enable_jit_sharing(1, compiler.clone());
        engine
    };

    let (first, native) = call(&mut engine());
    assert_eq!(first, expected);
    assert!(native > 0, "the loops ran compiled code");
    // Both loops have the same shape; `loop`'s `Goto` ends in a step of another.
    let compiled = compiler.functions();
    assert!((1..=3).contains(&compiled), "{compiled} functions");

    // Later calls, one after the other and four at once, compile nothing more.
    assert_eq!(call(&mut engine()), (expected.clone(), native));
    std::thread::scope(|s| {
        let calls: Vec<_> = (0..4).map(|_| s.spawn(|| call(&mut engine()))).collect();
        for c in calls {
            assert_eq!(c.join().unwrap(), (expected.clone(), native));
        }
    });
    assert_eq!(compiler.functions(), compiled);
}
