//! The reference interpreter on the single-call loops of the engine issue (Set+GotoIf with
//! `$[...]`, While, Gosub/Return, NoOp), reported as priorities per second (criterion's
//! element throughput), and routing on a 100,000-extension dialplan reached through 100
//! includes, by the reference search and by the routing index. Asterisk 22 on this kind of
//! machine: 258k, 281k, 221k and 678k priorities/s; 2.1k steps/s with 100 includes.
//! `jit/*` runs the same loops as native code, compilation included; `jit-warm/*` runs them
//! on an engine that has compiled them already. Their ratios to `interp/*` are the JIT's
//! gain. `set-gotoif, timed include` and `…, past a timed include` run the Set+GotoIf loop
//! in a context with business hours: in its own extension, and in one the search meets
//! after the time-conditioned include (whose compiled moves each check the clock);
//! `…, timed include elsewhere` has the business hours in another context only.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pbx_engine::generate::{self, Loop};
use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_dialplan::route;
use pbxc_dialplan::timing::Moment;

fn loops(c: &mut Criterion) {
    const TURNS: u32 = 20_000;
    // `interp`: the reference interpreter. `jit`: a fresh engine per call, so compiling is
    // inside the time. `jit-warm`: the calls after the first on one engine, whose code is
    // compiled already, as in a PBX that has run the loop before. None of them builds a
    // trace (`traced = false`: Asterisk too only formats "Executing" lines when verbose).
    for (name, jit, warm) in [
        ("interp", false, false),
        ("jit", true, false),
        ("jit-warm", true, true),
    ] {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        // The Set+GotoIf loop once more in a context with business hours, where every
        // routing reads the clock: in the context's own extension, which native moves never
        // need the clock for, and in an included context after the timed include, where
        // every native move checks the include is still closed.
        let set_gotoif = Loop::SetGotoIf.dialplan(TURNS);
        let hours = "[loop]\ninclude => day,09:00-17:00,mon-fri,*,*\n";
        let day = "\n[day]\nexten => 1,1,NoOp()\n";
        let timed = set_gotoif.replacen("[loop]\n", hours, 1) + day;
        let past = set_gotoif.replacen(
            "[loop]\n",
            &format!("{hours}include => body\n\n[body]\n"),
            1,
        ) + day;
        // And with the business hours in another context only: this one's routing does
        // not read the clock.
        let elsewhere =
            set_gotoif.clone() + "\n[office]\ninclude => day,09:00-17:00,mon-fri,*,*\n" + day;
        let cases = Loop::ALL
            .iter()
            .map(|l| (l.name().to_string(), l.dialplan(TURNS), l.steps(TURNS)))
            .chain([
                (
                    "set-gotoif, timed include".to_string(),
                    timed,
                    Loop::SetGotoIf.steps(TURNS),
                ),
                (
                    "set-gotoif, past a timed include".to_string(),
                    past,
                    Loop::SetGotoIf.steps(TURNS),
                ),
                (
                    "set-gotoif, timed include elsewhere".to_string(),
                    elsewhere,
                    Loop::SetGotoIf.steps(TURNS),
                ),
            ]);
        for (case, text, steps) in cases {
            let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
            group.throughput(Throughput::Elements(steps));
            let engine = |plan| {
                let mut engine = Engine::new(plan);
                engine.traced = false;
                if jit {
                    engine.enable_jit().expect("a JIT");
                }
                engine
            };
            let run = |engine: &mut Engine| {
                let mut call = Call::new(b"loop", b"s", None);
                // CDR off, as Asterisk's figures were taken.
                let mut chan = SimulatedChannel::default().without_cdr();
                engine.run(&mut call, &mut chan, &mut |_| {});
                assert_eq!(call.steps, steps);
            };
            group.bench_function(&case, |b| {
                let mut warmed = engine(&plan);
                if warm {
                    // Straight-line code is compiled once it has run twice.
                    run(&mut warmed);
                    run(&mut warmed);
                }
                b.iter(|| {
                    if warm {
                        run(&mut warmed);
                    } else {
                        run(&mut engine(&plan));
                    }
                })
            });
        }
        group.finish();
    }
}

fn routing(c: &mut Criterion) {
    let (contexts, literals, patterns) = (100, 900, 100);
    let text = generate::routing_dialplan(contexts, literals, patterns);
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    // Numbers spread over every context: literals, pattern matches, and misses.
    let mut numbers = Vec::new();
    for k in 0..300u32 {
        let c = (k * 37) % contexts;
        numbers.push(match k % 3 {
            0 => generate::literal(c, (k * 13) % literals),
            1 => generate::pattern_number(c, (k * 7) % patterns),
            _ => format!("8{k:06}"),
        });
    }
    let mut group = c.benchmark_group("route");
    group.sample_size(10);
    group.throughput(Throughput::Elements(numbers.len() as u64));
    group.bench_function("interp 100k extensions via 100 includes", |b| {
        b.iter(|| {
            let mut found = 0;
            for n in &numbers {
                found += usize::from(
                    route::find_at(&plan, b"entry", n.as_bytes(), 1, None, Moment::utc(0))
                        .winner()
                        .is_some(),
                );
            }
            assert_eq!(found, 200);
        })
    });
    let index = pbxc_dialplan::route_index::RouteIndex::new(&plan);
    group.bench_function("index 100k extensions via 100 includes", |b| {
        b.iter(|| {
            let mut found = 0;
            for n in &numbers {
                found += usize::from(
                    index
                        .find(b"entry", n.as_bytes(), 1, None, Moment::utc(0))
                        .is_some(),
                );
            }
            assert_eq!(found, 200);
        })
    });
    // The same with the first include time-conditioned (open all day, every day): the index
    // evaluates the condition, then searches the flattening for what is open.
    let timed = text.replacen("include => c0\n", "include => c0,00:00-23:59,*,*,*\n", 1);
    let (plan, _) = pbxc_dialplan::lower_text(timed.as_bytes());
    let index = pbxc_dialplan::route_index::RouteIndex::new(&plan);
    let now = Moment::utc(1_704_103_200);
    group.bench_function("index 100k extensions via 100 includes, one timed", |b| {
        b.iter(|| {
            let mut found = 0;
            for n in &numbers {
                found += usize::from(index.find(b"entry", n.as_bytes(), 1, None, now).is_some());
            }
            assert_eq!(found, 200);
        })
    });
    group.finish();
}

/// The same lookups through 1, 10 and 100 includes of 1,000-extension contexts: the search
/// walks them one by one (Asterisk's and `interp`), the index must not (its time flat).
fn routing_by_includes(c: &mut Criterion) {
    let mut group = c.benchmark_group("route-includes");
    group.sample_size(10);
    for contexts in [1u32, 10, 100] {
        let text = generate::routing_dialplan(contexts, 900, 100);
        let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
        let numbers: Vec<String> = (0..300u32)
            .map(|k| {
                let c = (k * 37) % contexts;
                match k % 3 {
                    0 => generate::literal(c, (k * 13) % 900),
                    1 => generate::pattern_number(c, (k * 7) % 100),
                    _ => format!("8{k:06}"),
                }
            })
            .collect();
        group.throughput(Throughput::Elements(numbers.len() as u64));
        group.bench_function(format!("interp {contexts} includes"), |b| {
            b.iter(|| {
                let found = numbers
                    .iter()
                    .filter(|n| {
                        route::find_at(&plan, b"entry", n.as_bytes(), 1, None, Moment::utc(0))
                            .winner()
                            .is_some()
                    })
                    .count();
                assert_eq!(found, 200);
            })
        });
        let index = pbxc_dialplan::route_index::RouteIndex::new(&plan);
        group.bench_function(format!("index {contexts} includes"), |b| {
            b.iter(|| {
                let found = numbers
                    .iter()
                    .filter(|n| {
                        index
                            .find(b"entry", n.as_bytes(), 1, None, Moment::utc(0))
                            .is_some()
                    })
                    .count();
                assert_eq!(found, 200);
            })
        });
    }
    group.finish();
}

/// What the simulated channel's CDR costs `pbxc call`: the Set+GotoIf loop on both engines
/// with it on (every priority publishes a snapshot to main/cdr.c's chain) and off.
fn offline_cdr(c: &mut Criterion) {
    const TURNS: u32 = 20_000;
    // And an `h` that reads the record.
    let text = Loop::SetGotoIf.dialplan(TURNS) + "exten => h,1,NoOp(${CDR(billsec)})\n";
    let steps = Loop::SetGotoIf.steps(TURNS) + 1;
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let mut group = c.benchmark_group("offline-cdr");
    group.sample_size(10);
    group.throughput(Throughput::Elements(steps));
    for jit in [false, true] {
        for cdr in [false, true] {
            let mut engine = Engine::new(&plan);
            engine.traced = false;
            if jit {
                engine.enable_jit().expect("a JIT");
            }
            let mut run = move || {
                let mut call = Call::new(b"loop", b"s", None);
                let mut chan = SimulatedChannel::default();
                if !cdr {
                    chan = chan.without_cdr();
                }
                engine.run(&mut call, &mut chan, &mut |_| {});
                assert_eq!(call.steps, steps);
            };
            // Warm, as `jit-warm`.
            run();
            run();
            let name = format!(
                "{} set-gotoif, cdr {}",
                if jit { "jit" } else { "interp" },
                if cdr { "on" } else { "off" }
            );
            group.bench_function(&name, |b| b.iter(&mut run));
        }
    }
    group.finish();
}

criterion_group!(benches, loops, routing, routing_by_includes, offline_cdr);
criterion_main!(benches);
