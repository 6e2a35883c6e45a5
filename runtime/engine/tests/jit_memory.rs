//! Native code is memory the engine maps executable; a call that compiled some must give it
//! back when it ends, as a running PBX compiles for call after call.

use pbx_engine::generate::Loop;
use pbx_engine::{Call, Engine, SimulatedChannel};

/// Bytes of this process mapped executable without a file behind them: the JIT's code.
fn anonymous_code_bytes() -> u64 {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("Linux /proc");
    maps.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let anonymous = fields.len() == 5;
            (anonymous && fields[1].contains('x')).then(|| {
                let (start, end) = fields[0].split_once('-')?;
                Some(u64::from_str_radix(end, 16).ok()? - u64::from_str_radix(start, 16).ok()?)
            })?
        })
        .sum()
}

#[test]
fn calls_that_compiled_give_their_code_back() {
    let (plan, _) = pbxc_dialplan::lower_text(Loop::SetGotoIf.dialplan(50).as_bytes());
    // Runs a call on its own engine, and measures before the engine goes.
    let run_one = || {
        let mut engine = Engine::new(&plan);
        engine.enable_jit().expect("a JIT");
        let mut call = Call::new(b"loop", b"s", None);
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
        assert!(call.native_steps > 0, "the loop ran as native code");
        anonymous_code_bytes()
    };
    let before = anonymous_code_bytes();
    let during = run_one();
    assert!(
        during > before,
        "a compiled call maps code: {before} → {during}"
    );
    for _ in 0..500 {
        run_one();
    }
    let after = anonymous_code_bytes();
    // Kept, 500 calls' code would be 500 times a page or more; freed, no more is mapped
    // than while one call ran.
    assert!(
        after <= during,
        "code mapped before {before}, by one live call {during}, after 500 ended calls {after}"
    );
}
