//! The JIT on real dialplans: every dialplan of the corpus (`../shared/corpus`, FreePBX and
//! Issabel dumps, Asterisk's samples, hand-written ones), called at its extensions, gives the
//! interpreter's trace, log and variables — traced, and untraced as a PBX runs it (compiled
//! steps then skip building their data's text). Each call runs three times on one engine, so
//! that what the first run heated is compiled for the later ones (globals and the random
//! state carry over between runs, on every engine alike). A third JIT engine has the whole
//! dialplan compiled before its first call (`Engine::compile_all`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_dialplan::Dialplan;

/// Runs of each call on one engine.
const RUNS: usize = 3;

/// What a run leaves.
#[derive(Clone, Debug, PartialEq)]
struct Ran {
    trace: Vec<String>,
    log: Vec<String>,
    vars: String,
    steps: u64,
    /// Where the call stopped, and how: hung up, an exception raised, the caller's number
    /// (an untraced run shows nothing else of its way).
    end: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// Every `extensions*.conf` under `dir`.
fn dialplans(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            dialplans(&path, out);
        } else if name.contains("extensions") && name.ends_with(".conf") {
            out.push(path);
        }
    }
}

/// The number a call to an extension dials: its name for a literal, and for a pattern a
/// number it matches, made of each element's first byte (`_NXX.` → `2001`), which an
/// extension searched before it may answer instead.
fn number_for(name: &[u8]) -> Option<Vec<u8>> {
    let Some(pattern) = name.strip_prefix(b"_") else {
        return Some(name.iter().copied().filter(|&b| b != b'-').collect());
    };
    let mut out = Vec::new();
    let mut bytes = pattern.iter().copied();
    while let Some(b) = bytes.next() {
        match b.to_ascii_uppercase() {
            b'X' => out.push(b'0'),
            b'Z' => out.push(b'1'),
            b'N' => out.push(b'2'),
            b'.' => out.push(b'1'),
            b'!' => {}
            b'-' => {}
            b'[' => {
                let first = bytes.next()?;
                out.push(first);
                bytes.by_ref().find(|&c| c == b']')?;
            }
            _ => out.push(b),
        }
    }
    Some(out)
}

/// A call from 2125551234 to `exten` in `context`: what it left, and how many of its steps
/// ran as native code.
fn run(engine: &mut Engine, context: &[u8], exten: &[u8]) -> (Ran, u64) {
    let mut call = Call::new(context, exten, Some(b"2125551234"));
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace.push(s.to_string())
    });
    let ran = Ran {
        trace,
        log: call.log,
        vars: format!("{:?}", call.vars),
        steps: call.steps,
        end: format!(
            "{},{},{} hung up {}, exception {:?}, caller {:?}",
            String::from_utf8_lossy(&call.context),
            String::from_utf8_lossy(&call.exten),
            call.priority,
            call.hung_up,
            call.exception,
            call.callerid
        ),
    };
    (ran, call.native_steps)
}

/// How a dialplan's calls went.
#[derive(Default)]
struct Tally {
    calls: usize,
    steps: u64,
    native_steps: u64,
    /// The calls whose runs differ, each with its first run that does.
    differences: Vec<String>,
}

/// Every extension of every context, called on both engines.
fn compare(plan: &Dialplan, tally: &mut Tally) {
    let mut interp = Engine::new(plan);
    let mut jit = Engine::new(plan);
    let mut quiet = Engine::new(plan);
    let mut ahead = Engine::new(plan);
    jit.enable_jit().expect("a JIT");
    quiet.enable_jit().expect("a JIT");
    quiet.traced = false;
    ahead.enable_jit().expect("a JIT");
    for engine in [&mut interp, &mut jit, &mut quiet, &mut ahead] {
        engine.max_steps = Some(300);
        engine.clock = pbx_engine::Clock::exact(|| 1_704_103_080);
    }
    ahead.compile_all();
    for context in &plan.contexts {
        for extension in &context.extensions {
            let Some(number) = number_for(&extension.name) else {
                continue;
            };
            tally.calls += 1;
            let before = tally.differences.len();
            for k in 0..RUNS {
                let (expected, none) = run(&mut interp, &context.name, &number);
                assert_eq!(none, 0);
                let (traced, native_steps) = run(&mut jit, &context.name, &number);
                let (untraced, _) = run(&mut quiet, &context.name, &number);
                let (compiled, _) = run(&mut ahead, &context.name, &number);
                tally.steps += expected.steps;
                tally.native_steps += native_steps;
                let untraced_expected = Ran {
                    trace: Vec::new(),
                    ..expected.clone()
                };
                for (got, expected, how) in [
                    (traced, expected.clone(), "traced"),
                    (compiled, expected, "compiled ahead"),
                    (untraced, untraced_expected, "untraced"),
                ] {
                    if got != expected {
                        tally.differences.push(format!(
                            "{}@{} (run {}, {how}):\n  interpreter {:?}\n  jit         {:?}",
                            String::from_utf8_lossy(&number),
                            String::from_utf8_lossy(&context.name),
                            k + 1,
                            expected,
                            got
                        ));
                    }
                }
                if tally.differences.len() > before {
                    break;
                }
            }
        }
    }
}

#[test]
fn every_corpus_dialplan_runs_the_same_on_both_engines() {
    let mut files = Vec::new();
    dialplans(&corpus(), &mut files);
    assert!(files.len() > 20, "{} dialplans", files.len());
    // Largest first, taken in turn by a thread per core.
    files.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map_or(0, |m| m.len())));
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (tally, loaded) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let disk = pbxc_project::disk::DiskFs { allow_exec: false };
                    let (mut tally, mut loaded) = (Tally::default(), 0);
                    while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                        // A file Asterisk would reject (or a fragment that only makes sense
                        // included) is `pbxc check`'s business, not this test's.
                        let Ok(plan) = pbxc_project::load_dialplan(&disk, file) else {
                            continue;
                        };
                        loaded += 1;
                        let before = tally.differences.len();
                        compare(&plan, &mut tally);
                        for d in &mut tally.differences[before..] {
                            *d = format!("{}: {d}", file.display());
                        }
                    }
                    (tally, loaded)
                })
            })
            .collect();
        let mut all = (Tally::default(), 0);
        for worker in workers {
            let (tally, loaded) = worker.join().expect("a worker");
            all.0.calls += tally.calls;
            all.0.steps += tally.steps;
            all.0.native_steps += tally.native_steps;
            all.0.differences.extend(tally.differences);
            all.1 += loaded;
        }
        all
    });
    eprintln!(
        "{loaded} dialplans, {} calls run {RUNS} times: {} steps, {} of the JIT's native",
        tally.calls, tally.steps, tally.native_steps
    );
    assert!(
        tally.differences.is_empty(),
        "{} calls differ; the first ones:\n{}",
        tally.differences.len(),
        tally.differences[..tally.differences.len().min(20)].join("\n")
    );
    // The JIT did run native code: a large share of the steps, as on the benches.
    assert!(
        loaded > 20 && tally.calls > 10_000,
        "{loaded} dialplans, {} calls",
        tally.calls
    );
    assert!(
        tally.native_steps * 10 > tally.steps,
        "{} of {} steps native",
        tally.native_steps,
        tally.steps
    );
}
