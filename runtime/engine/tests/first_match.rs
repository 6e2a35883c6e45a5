//! An engine remembers the first extension that matches a number (whatever its priorities)
//! and answers each priority that extension has from it; a priority it lacks is searched for,
//! and found in an extension after it, as Asterisk finds it.

use pbx_engine::{Call, Engine, SimulatedChannel};

fn trace(text: &str, jit: bool) -> Vec<String> {
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut engine = Engine::new(&plan);
    if jit {
        engine.enable_jit().expect("a JIT");
    }
    engine.max_steps = Some(1_000);
    let mut call = Call::new(b"own", b"s", None);
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace.push(s.to_string())
    });
    trace
}

/// `s` of `own` has priorities 1, 2 and 4; `s` of the included `later` has 1 to 5. The call
/// runs 1 and 2 in `own`, 3 in `later`, 4 in `own`, 5 in `later`, then jumps back to 2 — in
/// `own` again, although the last answer came from `later` — and runs on until `i` is 2.
#[test]
fn each_priority_runs_from_the_first_extension_that_has_it() {
    let text = "[own]\n\
                include => later\n\
                exten => s,1,Set(i=0)\n\
                exten => s,2,Set(i=$[${i} + 1])\n\
                exten => s,4,NoOp(own 4)\n\
                [later]\n\
                exten => s,1,NoOp(later 1)\n\
                exten => s,2,NoOp(later 2)\n\
                exten => s,3,NoOp(later 3)\n\
                exten => s,4,NoOp(later 4)\n\
                exten => s,5,GotoIf($[${i} < 2]?2)\n";
    let expected = [
        "own,s,1,Set(i=0)",
        "own,s,2,Set(i=1)",
        "own,s,3,NoOp(later 3)",
        "own,s,4,NoOp(own 4)",
        "own,s,5,GotoIf(1?2)",
        "own,s,2,Set(i=2)",
        "own,s,3,NoOp(later 3)",
        "own,s,4,NoOp(own 4)",
        "own,s,5,GotoIf(0?2)",
    ];
    for jit in [false, true] {
        assert_eq!(trace(text, jit), expected, "jit: {jit}");
    }
}
