//! `Engine::compile_all`: every extension compiled ahead of any call, as reached from its own
//! context (what `cargo bench -p pbx-engine --bench load` times on the 100k-extension
//! dialplan). A call then runs compiled code from its first step, with the interpreter's
//! trace.

use pbx_engine::{Call, CompiledAll, Engine, SimulatedChannel};

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
        CompiledAll::default(),
        "no JIT enabled, nothing compiled"
    );
    ahead.enable_jit().expect("a JIT");
    // A chain for each extension but the caller-ID variant, which a caller's number decides
    // (the literal `3` is searched before it).
    assert_eq!(
        ahead.compile_all(),
        CompiledAll {
            segments: 4,
            chains: 4,
            skipped: 1,
            functions: 3
        }
    );
    let (trace, native) = call(&mut ahead);
    assert_eq!(trace, expected);
    assert!(native > 0, "the first call ran compiled code");
}

/// Through an include, an extension runs its own context's chain where it would run the
/// same there (`20`); where the includer searches an extension first that takes its label
/// (`_1X`'s `top` for number 10), the label is not the same jump, and it has a chain of its
/// own. Calls started either way trace as the interpreter's.
#[test]
fn an_included_extension_shares_its_own_contexts_chain_where_it_runs_the_same() {
    const TEXT: &str = "\
[entry]
exten => _1X,5(top),NoOp(entry's top)
include => inner
[inner]
exten => 10,1,Set(i=0)
 same => n(top),Set(i=$[${i} + 1])
 same => n,GotoIf($[${i} < 3]?top)
exten => 20,1,Set(x=twenty)
 same => n,Hangup()
";
    let (plan, findings) = pbxc_dialplan::lower_text(TEXT.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut ahead = Engine::new(&plan);
    ahead.enable_jit().expect("a JIT");
    let all = ahead.compile_all();
    // `_1X`, `10` and `20` in their own contexts; `10` and `20` through `entry`'s include,
    // `20` sharing.
    assert_eq!((all.segments, all.chains, all.skipped), (5, 4, 0));

    for (context, exten, last) in [
        // `top` is `_1X`'s, the first extension with it that matches 10.
        ("entry", "10", "entry,10,5,NoOp(entry's top)"),
        ("entry", "20", "entry,20,2,Hangup()"),
        ("inner", "10", "inner,10,3,GotoIf(0?top)"),
    ] {
        let run = |engine: &mut Engine| {
            let mut call = Call::new(context.as_bytes(), exten.as_bytes(), None);
            let mut trace = Vec::new();
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
                trace.push(s.to_string())
            });
            (trace, call.native_steps)
        };
        let (expected, _) = run(&mut Engine::new(&plan));
        let (trace, native) = run(&mut ahead);
        assert_eq!(trace, expected, "{exten}@{context}");
        assert_eq!(trace.last().map(String::as_str), Some(last));
        assert!(native > 0, "{exten}@{context} ran compiled code");
    }
}

/// A literal reached through an include moves natively only to the priorities no extension
/// searched before it answers: `entry`'s `_1X` takes priority 2 of number 10, so after
/// `inner`'s 10,1 the call goes on in `_1X`, and back in `10` for priority 3, whether the
/// chains were compiled ahead or once a call ran them twice.
#[test]
fn an_includers_pattern_takes_the_priorities_it_has() {
    const TEXT: &str = "\
[entry]
exten => _1X,2,Set(at=entry)
include => inner
[inner]
exten => 10,1,Set(at=inner)
 same => n,Set(at=inner again)
 same => n,Set(at=inner, three)
";
    // (The checker warns that `_1X` has no priority 1: that is the point.)
    let (plan, _) = pbxc_dialplan::lower_text(TEXT.as_bytes());
    let run = |engine: &mut Engine| {
        let mut call = Call::new(b"entry", b"10", None);
        let mut trace = Vec::new();
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
            trace.push(s.to_string())
        });
        trace
    };
    let expected = run(&mut Engine::new(&plan));
    assert_eq!(
        expected,
        [
            "entry,10,1,Set(at=inner)",
            "entry,10,2,Set(at=entry)",
            // `_1X` has no priority 3.
            "entry,10,3,Set(at=inner, three)"
        ]
    );
    let mut ahead = Engine::new(&plan);
    ahead.enable_jit().expect("a JIT");
    ahead.compile_all();
    assert_eq!(run(&mut ahead), expected, "compiled ahead");
    let mut lazy = Engine::new(&plan);
    lazy.enable_jit().expect("a JIT");
    for round in 0..4 {
        assert_eq!(run(&mut lazy), expected, "round {round}");
    }
}
