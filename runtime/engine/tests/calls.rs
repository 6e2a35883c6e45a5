//! Section E of `shared/conformance/dialplan-cases.md`: real calls on Asterisk
//! (`channel originate Local/s@<ctx> application Wait 1`), whose results the dialplan stored
//! in globals. Each context is run here the same way and every global the table lists must
//! hold the same value; each warning Asterisk logged must be logged too.

use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_conformance::cells;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// The dialplan's own globals again, as a fresh Asterisk has them: the tables' calls store
/// their results in globals, which must not survive into the next run on the same engine.
fn reset_globals(engine: &mut Engine, plan: &pbxc_dialplan::Dialplan) {
    let mut globals = pbx_engine::vars::Variables::default();
    for g in &plan.globals {
        globals.set(&g.name, Some(&g.value));
    }
    engine.globals = pbx_engine::vars::Globals::Own(globals);
}

/// Both engines: the interpreter, and native control flow (`--engine jit`).
const ENGINES: [bool; 2] = [false, true];

fn engine(plan: &pbxc_dialplan::Dialplan, jit: bool) -> Engine<'_> {
    let mut engine = Engine::new(plan);
    if jit {
        engine.enable_jit().expect("a JIT for this machine");
    }
    engine
}

fn section_e() -> String {
    pbxc_conformance::section(&pbxc_conformance::read("dialplan-cases.md"), "E").to_string()
}

struct Row {
    context: String,
    results: Vec<(String, String)>,
    log: Vec<String>,
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('`').to_string()
}

fn rows(section: &str) -> Vec<Row> {
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let c = cells(l);
            let results = c[1]
                .split("<br>")
                .filter(|r| !r.is_empty())
                .map(|r| {
                    let (name, value) = r.split_once('=').expect("name=value");
                    (unquote(name), unquote(value))
                })
                .collect();
            let log = c
                .get(2)
                .map(|l| {
                    l.split("; ")
                        .filter(|m| !m.trim().is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Row {
                context: unquote(&c[0]),
                results,
                log,
            }
        })
        .collect()
}

/// The identifying part of a logged line: after `file.c: `, the longest stretch outside
/// single quotes (quoted parts hold run-specific detail such as channel names).
fn stem(message: &str) -> &str {
    let body = message.split_once(".c: ").map_or(message, |(_, b)| b);
    body.split('\'')
        .step_by(2)
        .map(str::trim)
        .max_by_key(|s| s.len())
        .unwrap_or(body)
}

#[test]
fn runtime_behaviour_matches_asterisk() {
    let section = section_e();
    let dialplan = section
        .split("```")
        .nth(1)
        .expect("the section's dialplan")
        .trim_start_matches('\n');
    let (plan, _) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    let rows = rows(&section);
    assert!(rows.len() >= 18, "found {} rows", rows.len());
    let mut failures = Vec::new();
    // The JIT engine runs every row three times, so that the later runs execute what the
    // earlier ones compiled.
    for (name, mut engine, times) in engines(&plan) {
        engine.max_steps = Some(10_000);
        for run in 0..times {
            for row in &rows {
                reset_globals(&mut engine, &plan);
                let mut call = Call::new(row.context.as_bytes(), b"s", None);
                let mut chan =
                    SimulatedChannel::new(format!("Local/s@{}-00000001;2", row.context).as_bytes());
                let mut trace = Vec::new();
                engine.run(&mut call, &mut chan, &mut |step| {
                    trace.push(step.to_string())
                });
                for (global, expected) in &row.results {
                    let got = engine
                        .globals
                        .get(global.as_bytes())
                        .map(|v| String::from_utf8_lossy(&v).into_owned())
                        .unwrap_or_default();
                    if &got != expected {
                        failures.push(format!(
                            "{} ({name}, run {run}): {global} = `{got}`, Asterisk `{expected}`\n  trace: {trace:?}\n  log: {:?}",
                            row.context, call.log
                        ));
                    }
                }
                for message in &row.log {
                    let stem = stem(message);
                    if !call.log.iter().any(|l| l.contains(stem)) {
                        failures.push(format!(
                            "{} ({name}, run {run}): Asterisk logged `{message}`, not here (log: {:?})",
                            row.context, call.log
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Section F: `GotoIfTime(spec?yes:no)` with `TESTTIME` set, server zone UTC.
#[test]
fn time_conditions_match_asterisk() {
    let text = pbxc_conformance::read("dialplan-cases.md");
    let section = pbxc_conformance::section(&text, "F");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let c = cells(line);
        let (spec, epoch, expected) = (unquote(&c[0]), c[2].trim().to_string(), c[3].trim());
        let dialplan = format!(
            "[t]\nexten => s,1,GotoIfTime({spec}?yes:no)\n same => n(yes),Set(GLOBAL(R)=yes)\n same => n,Hangup()\n same => n(no),Set(GLOBAL(R)=no)\n"
        );
        let (plan, _) = pbxc_dialplan::lower_text(dialplan.as_bytes());
        for (name, mut engine, times) in engines(&plan) {
            for run in 0..times {
                reset_globals(&mut engine, &plan);
                let mut call = Call::new(b"t", b"s", None);
                call.vars.set(b"TESTTIME", Some(epoch.as_bytes()));
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                let got = engine
                    .globals
                    .get(b"R")
                    .map(|v| String::from_utf8_lossy(&v).into_owned());
                if got.as_deref() != Some(expected) {
                    failures.push(format!(
                        "{spec} at {epoch} ({name}, run {run}): {got:?}, Asterisk {expected}"
                    ));
                }
                if let Some(message) = c.get(4).filter(|m| !m.is_empty())
                    && !call.log.iter().any(|l| l.contains(stem(message)))
                {
                    failures.push(format!(
                        "{spec} ({name}, run {run}): Asterisk logged `{message}`; here {:?}",
                        call.log
                    ));
                }
            }
        }
        count += 1;
    }
    assert!(count >= 40, "found {count} rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Section G: Asterisk's `tests/test_gosub.c` plan, run on one channel outside the PBX loop.
#[test]
fn the_gosub_stack_plan_of_test_gosub_c() {
    let text = pbxc_conformance::read("dialplan-cases.md");
    let section = pbxc_conformance::section(&text, "G");
    const CONTEXT: &str = "tests_test_gosub_virtual_context";
    let (plan, _) =
        pbxc_dialplan::lower_text(format!("[{CONTEXT}]\nexten => s,1,NoOp()\n").as_bytes());
    let mut engine = Engine::new(&plan);
    let mut call = Call::new(b"", b"", None);
    let mut chan = SimulatedChannel::default();
    let mut rows = 0;
    for line in section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
    {
        let c = cells(line);
        if c.len() < 4 || c[0].starts_with('-') {
            continue;
        }
        let what = unquote(&c[2]).replace('…', CONTEXT);
        // The expectation, without the table's parenthesised comment.
        let expected = c[3]
            .split(" (")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('*');
        let expected = unquote(expected);
        match c[1].as_str() {
            "run" => {
                let (app, data) = what.split_once('(').expect("App(args)");
                let data = data.strip_suffix(')').expect("closing parenthesis");
                let result = engine
                    .execute(&mut call, &mut chan, app, data.as_bytes())
                    .expect("a known application");
                let code = if result == pbx_engine::AppResult::Continue {
                    "0"
                } else {
                    "-1"
                };
                assert_eq!(code, expected, "row {}: {what} (log {:?})", c[0], call.log);
            }
            "eval" => {
                let got = engine.substitute(&mut call, &mut chan, what.as_bytes());
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    expected,
                    "row {}: {what} (log {:?})",
                    c[0],
                    call.log
                );
            }
            other => panic!("row kind {other}"),
        }
        rows += 1;
    }
    assert_eq!(rows, 42);
}

/// The benchmark dialplans do what their generator says: each loop runs the number of
/// priorities it promises, and every generated number routes to its own extension.
#[test]
fn generated_benchmark_dialplans() {
    use pbx_engine::generate::{self, Loop};
    for l in Loop::ALL {
        for turns in [1, 7, 300] {
            let (plan, diagnostics) = pbxc_dialplan::lower_text(l.dialplan(turns).as_bytes());
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
            let mut engine = Engine::new(&plan);
            let mut call = Call::new(b"loop", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(
                call.steps,
                l.steps(turns),
                "{} x{turns}: {:?}",
                l.name(),
                call.log
            );
            assert!(call.log.is_empty(), "{:?}", call.log);
        }
    }
    let (plan, _) = pbxc_dialplan::lower_text(generate::routing_dialplan(4, 30, 12).as_bytes());
    for c in 0..4 {
        let context = format!("c{c}");
        for (number, want) in (0..30)
            .map(|l| (generate::literal(c, l), generate::literal(c, l)))
            .chain((0..12).map(|p| (generate::pattern_number(c, p), generate::pattern(c, p))))
        {
            let search = pbxc_dialplan::route::find(&plan, b"entry", number.as_bytes(), 1, None);
            let w = search.winner().expect(&number);
            assert_eq!(
                plan.contexts[w.context].name,
                context.as_bytes(),
                "{number}"
            );
            assert_eq!(
                plan.contexts[w.context].extensions[w.extension].name[..],
                *want.as_bytes(),
                "{number}"
            );
        }
    }
}

/// Caller-ID qualified extensions: without a caller number (an originated call) only the
/// `X/` variant (empty caller-ID pattern) matches; with one, the pattern decides; each
/// priority is looked up on its own (priority 2 comes from the plain `100`), and
/// `Set(CALLERID(num)=…)` changes what later lookups see.
#[test]
fn caller_id_variants_choose_by_the_current_caller_number() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => 100/,1,NoOp(no number)\nexten => 100/_555X,1,NoOp(555 caller)\nexten => 100,1,NoOp(anyone)\n same => n,Set(CALLERID(num)=5551)\n same => n,Goto(100,1)\n",
    );
    let run = |cid: Option<&[u8]>, jit: bool| {
        let mut engine = engine(&plan, jit);
        engine.max_steps = Some(4);
        let mut call = Call::new(b"c", b"100", cid);
        let mut trace = Vec::new();
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
            trace.push(s.to_string())
        });
        trace
    };
    let then = [
        "c,100,2,Set(CALLERID(num)=5551)",
        "c,100,3,Goto(100,1)",
        "c,100,1,NoOp(555 caller)",
    ];
    for jit in ENGINES {
        let mut want = vec!["c,100,1,NoOp(no number)"];
        want.extend(then);
        assert_eq!(run(None, jit), want);
        let mut want = vec!["c,100,1,NoOp(555 caller)"];
        want.extend(then);
        assert_eq!(run(Some(b"5552"), jit), want);
        let mut want = vec!["c,100,1,NoOp(anyone)"];
        want.extend(then);
        assert_eq!(run(Some(b"42"), jit), want);
    }
}

/// Offline Dial: the party answers and hangs up at once, so the dialplan goes on only with
/// option `g` — read as Asterisk parses options, so a `g` inside another option's
/// parentheses is not one.
#[test]
fn dial_goes_on_only_with_option_g() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => 1,1,Dial(PJSIP/a,,g)\n same => n,NoOp(${DIALSTATUS})\nexten => 2,1,Dial(PJSIP/a,,G(x^g^1))\n same => n,NoOp(never)\n",
    );
    for jit in ENGINES {
        for (exten, want) in [
            ("1", &["c,1,1,Dial(PJSIP/a,,g)", "c,1,2,NoOp(ANSWER)"][..]),
            ("2", &["c,2,1,Dial(PJSIP/a,,G(x^g^1))"][..]),
        ] {
            let mut engine = engine(&plan, jit);
            let mut call = Call::new(b"c", exten.as_bytes(), None);
            let mut trace = Vec::new();
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
                trace.push(s.to_string())
            });
            assert_eq!(trace, want);
        }
    }
}
