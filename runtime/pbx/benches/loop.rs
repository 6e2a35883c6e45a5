//! Priorities per second of one call in the running PBX: the engine's Set+GotoIf loop
//! (`runtime/engine/src/generate.rs`'s, as `cargo bench -p pbx-engine --bench run` times it
//! offline) with what `pbx` does at every priority on top — the channel's place for `core
//! show channels` and the CDR engine's snapshot (`pbx_exec` publishes one as each
//! application starts) — with CDRs on and off, on the JIT and the interpreter.
//!
//! Then many shorter calls of the same loop on one PBX, one after the other: the first call's
//! native code is compiled for the loop's shapes, and the later calls take it from the PBX's
//! compiler rather than compiling their own.
//!
//! `cargo bench -p pbx --bench loop -- [TURNS] [ROUNDS] [CALLS] [CALL_TURNS]` (default 200,000
//! turns, 3 rounds; 200 calls of 5,000 turns).

use std::time::{Duration, Instant};

use pbx::scripted::{Caller, Script};
use pbx::{Options, Pbx, Source, Start};

/// A PBX on `dir`'s loop, CDRs and the JIT as given.
fn start(dir: &std::path::Path, cdr: bool, jit: bool) -> std::sync::Arc<Pbx> {
    let mut options = Options::for_source(Source::Dir(dir.to_path_buf()));
    options.cdr = cdr;
    options.jit = jit;
    Pbx::start(options).unwrap()
}

/// The time of one call of `turns` turns of the loop (2 priorities a turn, 3 more around
/// it) on `pbx`, until the PBX is idle again.
fn call(pbx: &std::sync::Arc<Pbx>, name: String, turns: u64) -> Duration {
    let start = Instant::now();
    pbx::scripted::place(
        pbx,
        Caller {
            name,
            caller_number: Some("100".into()),
            caller_name: None,
            script: Script::default(),
        },
        Start::at("loop", &turns.to_string()),
    )
    .unwrap();
    assert!(
        pbx.wait_idle(Duration::from_secs(600)),
        "the call did not end"
    );
    start.elapsed()
}

/// One call's time on a PBX of its own.
fn run(dir: &std::path::Path, cdr: bool, jit: bool, turns: u64) -> Duration {
    call(&start(dir, cdr, jit), "Test/loop".into(), turns)
}

/// `calls` calls of `turns` turns, one after the other on one PBX: the first call's time and
/// the median of the others'.
fn calls_on_one_pbx(
    dir: &std::path::Path,
    jit: bool,
    turns: u64,
    calls: u64,
) -> (Duration, Duration) {
    let pbx = start(dir, false, jit);
    let mut times: Vec<Duration> = (0..calls)
        .map(|k| call(&pbx, format!("Test/loop{k}"), turns))
        .collect();
    let first = times.remove(0);
    times.sort();
    (
        first,
        times.get(times.len() / 2).copied().unwrap_or_default(),
    )
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let turns = args.first().copied().unwrap_or(200_000);
    let rounds = args.get(1).copied().unwrap_or(3);
    let dir = std::env::temp_dir().join(format!("pbx-loop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("extensions.conf"),
        "[loop]\nexten => _X.,1,Set(i=0)\n same => n(top),Set(i=$[${i} + 1])\n \
         same => n,GotoIf($[${i} < ${EXTEN}]?top)\n same => n,Hangup()\n",
    )
    .unwrap();
    std::fs::write(dir.join("cdr.conf"), "[general]\nenable=yes\n[csv]\n").unwrap();
    let priorities = (2 * turns + 3) as f64;
    println!(
        "pbx, one call of {turns} Set+GotoIf turns ({priorities} priorities), {rounds} rounds"
    );
    for (name, jit) in [("jit", true), ("interpreter", false)] {
        for cdr in [false, true] {
            let rates: Vec<String> = (0..rounds)
                .map(|_| {
                    let t = run(&dir, cdr, jit, turns);
                    format!("{:.2}M", priorities / t.as_secs_f64() / 1e6)
                })
                .collect();
            println!(
                "  {name:12} CDR {:3}: {} priorities/s",
                if cdr { "on" } else { "off" },
                rates.join(", ")
            );
        }
    }
    let calls = args.get(2).copied().unwrap_or(200).max(2);
    let call_turns = args.get(3).copied().unwrap_or(5_000);
    println!("pbx, {calls} calls of {call_turns} turns one after the other, CDR off");
    for (name, jit) in [("jit", true), ("interpreter", false)] {
        let runs: Vec<String> = (0..rounds)
            .map(|_| {
                let (first, median) = calls_on_one_pbx(&dir, jit, call_turns, calls);
                format!(
                    "first {:.0} µs, then {:.0} µs",
                    first.as_secs_f64() * 1e6,
                    median.as_secs_f64() * 1e6
                )
            })
            .collect();
        println!("  {name:12}: {}", runs.join("; "));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
