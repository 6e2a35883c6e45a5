//! Loading the 100,000-extension dialplan (90k literals and 10k patterns in 100
//! contexts, all included by `entry`): lowering the text, building the routing index and the
//! first lookup, then compiling every extension as native code ahead of any call. Targets
//! (issue "Execution engine"): compiling and JIT-ing it in at most 0.3 s and 100 MB resident;
//! Asterisk's reload took 1.5–1.7 s and 253–264 MB. Run in release:
//! `cargo bench -p pbx-engine --bench load [-- CONTEXTS LITERALS PATTERNS]`.
//!
//! The last figure is `Engine::compile_all`: every extension as reached from every context
//! that reaches it (`pbxc call --engine jit-ahead` does the same). A PBX compiles lazily, a
//! segment of priorities once a call has run it a few times over (`Engine::enable_jit_sharing`),
//! so its load is the first figures.

use std::time::Instant;

use pbx_engine::generate::{literal, routing_dialplan};
use pbx_engine::{Call, Engine, SimulatedChannel};

fn kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let numbers: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let [contexts, literals, patterns] = match numbers[..] {
        [c, l, p, ..] => [c, l, p],
        _ => [100, 900, 100],
    };
    let text = routing_dialplan(contexts, literals, patterns);
    let before = kib("VmRSS:");

    let t = Instant::now();
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    let lowered = t.elapsed();
    assert!(findings.is_empty(), "{findings:?}");
    drop(text);

    let t = Instant::now();
    let mut engine = Engine::new(&plan);
    // The first call builds the flattened search of `entry`.
    let number = literal(contexts - 1, literals - 1);
    let mut call = Call::new(b"entry", number.as_bytes(), None);
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
    let indexed = t.elapsed();
    assert_eq!(call.steps, 1, "{number} is routed to its NoOp");
    let loaded_peak = kib("VmHWM:");
    let loaded_now = kib("VmRSS:");

    engine.enable_jit().expect("a JIT on this machine");
    let t = Instant::now();
    let all = engine.compile_all();
    let compiled = t.elapsed();
    let compiled_peak = kib("VmHWM:");
    let compiled_now = kib("VmRSS:");

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let mb = |k: u64| k as f64 / 1024.0;
    let extensions: usize = plan.contexts.iter().map(|c| c.extensions.len()).sum();
    println!(
        "{extensions} extensions in {} contexts, process at {:.1} MB before",
        plan.contexts.len(),
        mb(before)
    );
    println!("lowering:                 {:8.1} ms", ms(lowered));
    println!("routing index, 1st call:  {:8.1} ms", ms(indexed));
    println!(
        "loaded:                   {:8.1} ms, peak {:.1} MB, {:.1} MB after   ({:.2}× the 0.3 s target, {:.2}× the 100 MB)",
        ms(lowered + indexed),
        mb(loaded_peak),
        mb(loaded_now),
        (lowered + indexed).as_secs_f64() / 0.3,
        mb(loaded_peak) / 100.0
    );
    println!(
        "compiling all ahead:      {:8.1} ms for {} extensions as reached from each context ({:.2} µs each; {} chains, {} functions compiled; {} left to the interpreter), peak {:.1} MB, {:.1} MB after   ({:.2}× the 0.3 s target with loading)",
        ms(compiled),
        all.segments,
        compiled.as_secs_f64() * 1e6 / all.segments.max(1) as f64,
        all.chains,
        all.functions,
        all.skipped,
        mb(compiled_peak),
        mb(compiled_now),
        (lowered + indexed + compiled).as_secs_f64() / 0.3
    );
}
