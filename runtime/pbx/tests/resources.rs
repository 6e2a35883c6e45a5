//! Invariant 5 under load: 10,000 calls through Local channels, each writing AstDB, half of
//! them hung up in the middle of Playback or Read; afterwards descriptors, threads, streams
//! and channels are back where they started.

mod common;

use std::time::{Duration, Instant};

use pbx::scripted::Script;

const DIALPLAN: &str = "\
[in]
exten => s,1,Dial(Local/play@inside,,g)
 same => n,Hangup()
[inside]
exten => play,1,Answer()
 same => n,Set(DB(load/last)=${CHANNEL})
 same => n,Set(seen=${DB(load/last)}${DB_DELETE(load/gone)})
 same => n,Playback(short)
 same => n,Read(X,short,1,,1,0.05)
 same => n,Hangup()
";

fn wave(f: &common::Fixture, calls: usize, offset: usize) {
    for i in 0..calls {
        // A quarter hang up during Playback (100 ms), a quarter during Read's prompt
        // (300 ms); the other half run to the end (about 450 ms).
        let script = match (offset + i) % 4 {
            0 => common::hangup_after(100),
            1 => common::hangup_after(300),
            _ => Script::default(),
        };
        f.call("in", "s", script);
    }
    f.settle();
}

fn settle_threads(baseline: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = common::threads();
        if now <= baseline || Instant::now() >= deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ten_thousand_local_calls_leave_nothing_behind() {
    let f = common::fixture("resources", DIALPLAN);
    // Warm up: the timer runtime, the sound cache and the allocator's arenas (which keep
    // growing, ever more slowly, for the first few thousand calls).
    for _ in 0..5 {
        wave(&f, 1000, 0);
    }
    let threads = settle_threads(0);
    // AstDB's journal is open while its writes wait for their commit.
    f.pbx.database.sync().unwrap();
    let fds = common::open_fds();
    let rss = common::rss_kib();

    let total = 10_000;
    let per_wave = 1_000;
    for w in 0..total / per_wave {
        wave(&f, per_wave, w * per_wave);
    }
    assert_eq!(
        f.pbx.completed_calls(),
        2 * (5000 + total as u64),
        "each call is two Local halves' worth of threads"
    );
    let threads_after = settle_threads(threads);
    assert_eq!(f.pbx.active_calls(), 0);
    assert_eq!(f.pbx.channels().len(), 0);
    assert_eq!(f.pbx.media.streams(), 0);
    // The scripted hang-ups of calls that ended first have fired and gone.
    let deadline = Instant::now() + Duration::from_secs(2);
    while f.pbx.tasks() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(f.pbx.tasks(), 0, "timer tasks left behind");
    f.pbx.database.sync().unwrap();
    assert_eq!(common::open_fds(), fds, "file descriptors leaked");
    assert!(
        threads_after <= threads,
        "threads: {threads} before, {threads_after} after"
    );
    let rss_after = common::rss_kib();
    // Freed memory may stay with the allocator, but 10,000 calls must not each keep any:
    // less than 400 bytes a call (a registry that kept each dialled channel's entry grew
    // 700 bytes a call).
    assert!(
        rss_after < rss + 4_000,
        "resident memory grew from {rss} KiB to {rss_after} KiB"
    );
    eprintln!(
        "10,000 calls: fds {fds} -> {}, threads {threads} -> {threads_after}, rss {rss} KiB -> {rss_after} KiB",
        common::open_fds()
    );
}
