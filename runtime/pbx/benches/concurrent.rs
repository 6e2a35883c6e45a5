//! How many concurrent calls one process sustains, each running a Playback loop with real
//! 20 ms pacing, with under 1% of frames late (more than 10 ms after their due time).
//!
//! `cargo bench -p pbx --bench concurrent -- [CALLS] [SECONDS] [SPREAD]` (default 5000 calls,
//! 10 s, arrivals spread over 3 s — one prompt's length — as real calls arrive; `0` places
//! them all at once, so every prompt restarts in the same instant; `interp` runs the calls
//! without the JIT). The measurement starts
//! once every call is playing.
//! Prints frames sent against frames due, the late share, the worst lateness, and resident
//! memory and threads per call.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pbx::scripted::{Caller, Script};
use pbx::{Options, Pbx, Source, Start};

fn status(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    // `interp` anywhere: calls run on the interpreter only.
    let interp = all.iter().any(|a| a == "interp");
    let args: Vec<String> = all
        .into_iter()
        .filter(|a| !a.starts_with("--") && a != "interp")
        .collect();
    let calls: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);

    let dir = std::env::temp_dir().join(format!("pbx-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sounds/en")).unwrap();
    let prompt: Vec<i16> = (0..8000 * 3)
        .map(|i| ((i as f64 * 0.3454).sin() * 8000.0) as i16)
        .collect();
    std::fs::write(
        dir.join("sounds/en/prompt.wav"),
        pbx_media::sound::encode_wav(&prompt),
    )
    .unwrap();
    std::fs::write(
        dir.join("extensions.conf"),
        "[bench]\nexten => s,1,Answer()\n same => n(loop),Playback(prompt)\n same => n,Goto(loop)\n",
    )
    .unwrap();
    let mut options = Options::for_source(Source::Dir(dir.clone()));
    options.cdr = false;
    options.jit = !interp;
    let pbx = Pbx::start(options).unwrap();

    let rss_before = status("VmRSS:");
    let threads_before = status("Threads:");
    let ramp = Instant::now();
    let spread = Duration::from_secs_f64(args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3.0));
    let lifetime = Duration::from_secs(seconds + 5);
    let requested = calls;
    let mut calls = 0;
    for i in 0..requested {
        let arrival = spread.mul_f64(i as f64 / requested as f64);
        if let Some(wait) = arrival.checked_sub(ramp.elapsed()) {
            std::thread::sleep(wait);
        }
        let placed = pbx::scripted::place(
            &pbx,
            Caller {
                name: format!("Test/bench-{i}"),
                caller_number: Some(format!("{}", 1000 + i)),
                caller_name: None,
                script: Script {
                    dtmf: Vec::new(),
                    hangup_after: Some(lifetime),
                },
            },
            Start::at("bench", "s"),
        );
        // A call thread per call: the system's thread and mapping limits end the ramp.
        if let Err(e) = placed {
            println!("call {i} could not start ({e}); measuring the {calls} running");
            break;
        }
        calls += 1;
    }
    let ramp = ramp.elapsed();
    // Let every call reach its first frame before measuring.
    std::thread::sleep(Duration::from_secs(1));
    let stats = pbx.media.stats();
    let frames0 = stats.frames.load(Ordering::Relaxed);
    let late0 = stats.late.load(Ordering::Relaxed);
    stats.max_late_us.store(0, Ordering::Relaxed);
    let start = Instant::now();
    let rss = status("VmRSS:");
    let threads = status("Threads:");
    std::thread::sleep(Duration::from_secs(seconds));
    let elapsed = start.elapsed().as_secs_f64();
    let frames = stats.frames.load(Ordering::Relaxed) - frames0;
    let late = stats.late.load(Ordering::Relaxed) - late0;
    let max_late = stats.max_late_us.load(Ordering::Relaxed);
    let due = calls as f64 * elapsed * 50.0;
    println!(
        "concurrent Playback loops: {calls} calls for {elapsed:.1} s (placed in {:.2} s, spread over {:.1} s)",
        ramp.as_secs_f64(),
        spread.as_secs_f64()
    );
    println!(
        "  frames sent {frames} of {due:.0} due ({:.2}%), late (>10 ms) {late} = {:.3}%, worst {:.1} ms",
        frames as f64 / due * 100.0,
        late as f64 / frames.max(1) as f64 * 100.0,
        max_late as f64 / 1000.0
    );
    println!(
        "  resident memory {} KiB -> {} KiB: {:.1} KiB per call; threads {} -> {}",
        rss_before,
        rss,
        (rss.saturating_sub(rss_before)) as f64 / calls as f64,
        threads_before,
        threads
    );
    println!(
        "  streams playing {}, calls running {}",
        pbx.media.streams(),
        pbx.active_calls()
    );
    pbx.hangup_all();
    pbx.wait_idle(Duration::from_secs(60));
    let _ = std::fs::remove_dir_all(&dir);
}
