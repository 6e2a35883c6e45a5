//! Interpreter and native control flow give the same trace, log and variables on random
//! dialplans: loops through GotoIf and While, labels, relative jumps, Gosub/Return, jumps
//! between extensions (computed ones too), patterns, caller-ID variants, includes (some open
//! only for a few minutes of the call, on a clock that moves with every step), a switch,
//! and applications that fail.

use pbx_engine::{Call, Engine, SimulatedChannel};
use proptest::prelude::*;

#[path = "support/trace_clock.rs"]
mod trace_clock;

/// 20 seconds a traced step from 09:58: the time-conditioned includes below open at the
/// call's 7th step or later, and close again.
fn stepping_clock() -> i64 {
    trace_clock::at(20)
}

fn app() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Set(v=$[${v} + 1])".to_string()),
        Just("Set(w=${v}x)".to_string()),
        // Native arithmetic, and values on both sides of its guards.
        Just("Set(v=$[${v} - 3])".to_string()),
        Just("Set(v=$[${v} * -2])".to_string()),
        Just("Set(v=$[${v} * 1000000000])".to_string()),
        Just("Set(v=$[${v} / 2])".to_string()),
        Just("Set(v=$[${v} % 3])".to_string()),
        Just("Set(v=$[0 - ${v}])".to_string()),
        Just("Set(v=007)".to_string()),
        Just("Set(w=x$[${v} + ${G}]y)".to_string()),
        Just("Set(v=$[${w} + 1])".to_string()),
        // A lookup inside an application (past the switch, where there is one), and a log
        // line after it.
        Just("Set(x=${DIALPLAN_EXISTS(main,999,1)})".to_string()),
        Just("Log(WARNING,w${v})".to_string()),
        Just("Set(_v=$[${v} + 1])".to_string()),
        (1..6u8).prop_map(|k| format!("GotoIf($[${{v}} >= {k}]?out:top)")),
        Just("GotoIf($[${v} != 0]?1)".to_string()),
        Just("GotoIf($[${v} * 1000]?:out)".to_string()),
        Just("GotoIf($[${v} = ${EXTEN}]?top)".to_string()),
        (1..6u8).prop_map(|k| format!("GotoIf($[${{v}} < {k}]?top:out)")),
        (1..6u8).prop_map(|k| format!("GotoIf($[${{v}} % {k}]?top)")),
        Just("Goto(top)".to_string()),
        Just("Goto(+2)".to_string()),
        Just("Goto(-1)".to_string()),
        Just("Goto(100,1)".to_string()),
        Just("Goto(other,150,2)".to_string()),
        Just("Goto(main,s,3,x)".to_string()),
        Just("Goto(150,out)".to_string()),
        // Labels in a named context: found when compiled where the search of that context
        // meets no time condition and no caller-ID variant, else at run time.
        Just("Goto(other,150,out)".to_string()),
        Just("Goto(main,100,top)".to_string()),
        Just("Goto(sub,s,1)".to_string()),
        // A computed target, which a compiled step enters directly only while it stays.
        Just("Goto(${IF($[${v} % 2]?100:150)},1)".to_string()),
        Just("Goto(100,${IF($[${v} % 2]?1:2)})".to_string()),
        // Caller-ID variants answer by the caller's number, which this changes.
        Just("Set(CALLERID(num)=${v})".to_string()),
        Just("Gosub(sub,s,1(${v}))".to_string()),
        Just("Gosub(nosuch,1)".to_string()),
        // Fixed destinations, whose frames the JIT pushes natively where every call finds
        // them, and ones it leaves to the runtime.
        Just("Gosub(sub,s,1(a,,b))".to_string()),
        Just("Gosub(sub,s,1)".to_string()),
        Just("Gosub(other,150,out(x))".to_string()),
        Just("Gosub(main,100,top)".to_string()),
        Just("Gosub(sub,s,9)".to_string()),
        Just("Gosub(sub,s,1(x)".to_string()),
        Just("Return(${ARG1})".to_string()),
        Just("Return()".to_string()),
        Just("Return(done)".to_string()),
        Just("While($[${v} < 4])".to_string()),
        Just("EndWhile()".to_string()),
        Just("ExitWhile()".to_string()),
        Just("ExecIf($[${v} > 2]?Goto(out))".to_string()),
        Just("GotoIfTime(10:02-10:04,*,*,*?out)".to_string()),
        // Texts compared natively, and values that must fall back: a quote, an empty value.
        Just("Set(s=${s}a)".to_string()),
        Just("Set(s=a\"b)".to_string()),
        Just("Set(s=)".to_string()),
        Just("Set(s=aa!)".to_string()),
        Just("GotoIf($[\"${s}\" = \"aa\"]?out:top)".to_string()),
        Just("GotoIf($[\"${s}\"!=\"\"]?top)".to_string()),
        Just("GotoIf($[\"${s}\" < \"aa\"]?top)".to_string()),
        Just("GotoIf($[\"x${s}\" >= \"x${w}\"]?out)".to_string()),
        Just("GotoIf($[\"${v}\" = 2]?out)".to_string()),
        Just("Set(t=$[\"${s}\" > \"a\"])".to_string()),
        Just("While($[\"${s}\" != \"aaa\"])".to_string()),
        Just("NoOp(${v} ${EXTEN} ${CONTEXT})".to_string()),
        Just("NoOp (broken)".to_string()),
        Just("Hangup()".to_string()),
    ]
}

fn extension() -> impl Strategy<Value = (String, Vec<(Option<&'static str>, String)>)> {
    (
        prop_oneof![
            Just("s"),
            Just("100"),
            Just("150"),
            Just("100/2"),
            Just("_1XX/3"),
            Just("_1XX"),
            Just("_X."),
            Just("i")
        ],
        proptest::collection::vec(
            (
                prop_oneof![Just(None), Just(Some("top")), Just(Some("out"))],
                app(),
            ),
            1..7,
        ),
    )
        .prop_map(|(n, p)| (n.to_string(), p))
}

fn dialplan() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(extension(), 1..5),
        proptest::collection::vec(extension(), 0..3),
        prop_oneof![
            Just(""),
            Just("include => other\n"),
            // Open from the 7th step to the 24th.
            Just("include => other,10:00-10:05,*,*,*\n"),
            // Before `other` for a minute: its `_1XX` answers 100 and 150 instead.
            Just("include => late,10:01-10:01,*,*,*\ninclude => other\n"),
            // The same minutes in Paris (UTC+1 in January), a condition never cached.
            Just("include => late,11:02-11:02,*,*,*,Europe/Paris\ninclude => other\n"),
            // A switch, which no module answers: each call reports it once, when a lookup
            // first passes it.
            Just("switch => DUNDi/e164\ninclude => other\n"),
        ],
    )
        .prop_map(|(main, other, includes)| {
            let mut text =
                String::from("[main]\nexten => s,1,Set(v=0)\n same => n,Set(GLOBAL(G)=5)\n");
            text.push_str(includes);
            let write =
                |text: &mut String, (name, prios): &(String, Vec<(Option<&str>, String)>)| {
                    for (k, (label, app)) in prios.iter().enumerate() {
                        let prio = if k == 0 {
                            "1".to_string()
                        } else {
                            "n".to_string()
                        };
                        let label = label.map(|l| format!("({l})")).unwrap_or_default();
                        let head = if k == 0 {
                            format!("exten => {name},")
                        } else {
                            " same => ".to_string()
                        };
                        text.push_str(&format!("{head}{prio}{label},{app}\n"));
                    }
                };
            for e in &main {
                write(&mut text, e);
            }
            text.push_str("\n[other]\n");
            for e in &other {
                write(&mut text, e);
            }
            text.push_str(
                "\n[sub]\nexten => s,1,Set(v=$[${v} + 2])\n same => n,Set(args=${ARGC}:${ARG1}:${ARG3})\n same => n,Return(r${v})\n",
            );
            text.push_str(
                "\n[late]\nexten => _1XX,1,Set(v=$[${v} + 1])\n same => n,Goto(main,s,3)\n",
            );
            text
        })
}

/// What a run leaves: its trace, log, step count, the global `G`, and the call's variables.
type Ran = (Vec<String>, Vec<String>, u64, Option<Vec<u8>>, String);

/// Which engine runs the calls.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Interpreter,
    /// The JIT, compiling what a call runs twice over.
    Jit,
    /// The JIT with every extension compiled before the first call, as reached from every
    /// context that reaches it (`Engine::compile_all`): chains shared between a context
    /// and its includers.
    Ahead,
}

/// Two calls on one engine: the JIT's second runs what the first compiled (and what it
/// cached about the way between chains), and both engines' second call starts with the
/// globals the first left.
fn run(plan: &pbxc_dialplan::Dialplan, mode: Mode, traced: bool, exten: &str) -> Vec<Ran> {
    let mut engine = Engine::new(plan);
    if mode != Mode::Interpreter {
        engine.enable_jit().unwrap();
    }
    if mode == Mode::Ahead {
        engine.compile_all();
    }
    engine.traced = traced;
    engine.max_steps = Some(400);
    engine.clock = pbx_engine::Clock::exact(stepping_clock);
    let mut runs = Vec::new();
    for _ in 0..2 {
        trace_clock::reset();
        let mut call = Call::new(b"main", exten.as_bytes(), None);
        let mut trace = Vec::new();
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
            trace_clock::traced();
            trace.push(s.to_string())
        });
        let global = engine.globals.get(b"G");
        runs.push((
            trace,
            call.log,
            call.steps,
            global,
            format!("{:?}", call.vars),
        ));
    }
    runs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]
    #[test]
    fn native_control_flow_changes_nothing(text in dialplan(), exten in prop_oneof![Just("s"), Just("100"), Just("123"), Just("9")]) {
        let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
        let interp = run(&plan, Mode::Interpreter, true, exten);
        let jit = run(&plan, Mode::Jit, true, exten);
        prop_assert_eq!(&jit, &interp, "{}", text);
        let ahead = run(&plan, Mode::Ahead, true, exten);
        prop_assert_eq!(&ahead, &interp, "compiled ahead\n{}", text);
        // Untraced, native steps skip building their data: nothing else may change. (The
        // clock stands still then, since it moves with the trace.)
        let untraced = run(&plan, Mode::Jit, false, exten);
        prop_assert!(untraced.iter().all(|run| run.0.is_empty()));
        prop_assert_eq!(&untraced, &run(&plan, Mode::Interpreter, false, exten), "{}", text);
    }
}

/// A number starting with `_` is compared as a pattern, where a dash inside `[...]` is a
/// range: `-_[1-3]` answers the number `_[1-3]`, and so does the pattern `_[1-3]` searched
/// before it, whose label `top` (first) and priority 2 (second) then answer first. Code for
/// the literal must not take its name without dashes (`_[13]`, which the pattern does not
/// match) for the number.
#[test]
fn a_number_starting_with_an_underscore_is_routed_as_the_interpreter_routes_it() {
    let text = "[main]\nexten => s,1,Set(v=0)\n same => n,Goto(c,_[1-3],1)\n\
                [c]\ninclude => d\n\
                exten => _[1-3],9(top),Set(v=$[${v} + 1])\n same => n,Goto(1)\n\
                [d]\nexten => -_[1-3],1(top),NoOp()\n\
                 same => n,GotoIf($[${v} < 20]?top)\n same => n,NoOp(done)\n";
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let interp = run(&plan, Mode::Interpreter, true, "s");
    assert_eq!(run(&plan, Mode::Jit, true, "s"), interp);
    assert_eq!(run(&plan, Mode::Ahead, true, "s"), interp);
    assert_eq!(interp[0].0.last().unwrap(), "c,_[1-3],3,NoOp(done)");
    // `s`'s two steps; 20 rounds of NoOp, GotoIf, Set, Goto; NoOp, GotoIf and `done`.
    assert_eq!(interp[0].2, 2 + 20 * 4 + 3);

    // The same for the next priority: `_[1-3]`'s 2 answers the literal's number before the
    // literal's own 2 does.
    let text = "[main]\nexten => s,1,Set(v=0)\n same => n,Goto(c,_[1-3],1)\n\
                [c]\ninclude => d\n\
                exten => _[1-3],2,Set(v=$[${v} + 1])\n\
                 same => n,GotoIf($[${v} < 20]?1)\n same => n,NoOp(done)\n\
                [d]\nexten => -_[1-3],1,NoOp(d)\n same => n,NoOp(d, never reached)\n";
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let interp = run(&plan, Mode::Interpreter, true, "s");
    assert_eq!(run(&plan, Mode::Jit, true, "s"), interp);
    assert_eq!(run(&plan, Mode::Ahead, true, "s"), interp);
    assert_eq!(interp[0].0.last().unwrap(), "c,_[1-3],4,NoOp(done)");
    assert!(!interp[0].0.iter().any(|step| step.contains("never")));
}

/// Data built from a template is cut as substitution cuts it: a value at its NUL and at 4095
/// bytes, the whole at 8191.
#[test]
fn templates_cut_values_as_substitution_does() {
    let text = "[main]\nexten => s,1,Set(i=0)\n\
                same => n(top),NoOp(${A}|${B}|${B}|${A})\n\
                same => n,Set(C=${B}${B}${A})\n\
                same => n,Set(D=${A}${MISSING}-${EXTEN})\n\
                same => n,Set(E=${B}|)\n\
                same => n,Set(i=$[${i} + 1])\n\
                same => n,GotoIf($[${i} < 4]?top)\n";
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let run = |jit: bool| {
        let mut engine = Engine::new(&plan);
        if jit {
            engine.enable_jit().unwrap();
        }
        let mut call = Call::new(b"main", b"s", None);
        call.vars.set(b"A", Some(b"12\x0034"));
        call.vars.set(b"B", Some(&[b'x'; 5000]));
        let mut trace = Vec::new();
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
            trace.push(s.to_string())
        });
        let value = |name: &[u8]| call.vars.get(name).map(<[u8]>::len);
        let lengths = (value(b"C"), value(b"E"));
        (trace, call.log, format!("{:?}", call.vars), lengths)
    };
    let interpreted = run(false);
    assert_eq!(run(true), interpreted);
    // The cuts happened: `C=` and 8189 bytes of B make 8191; E has B's first 4095 bytes
    // and `|`; D stops at A's NUL.
    assert_eq!(interpreted.3, (Some(8189), Some(4096)));
    assert!(interpreted.0.iter().any(|l| l.ends_with("Set(D=12-s)")));
}

/// Texts compared in `$[...]` are decided natively, and decided as the interpreter decides:
/// each operator on values either side of the literal, `"aa"` sorting after `"aa!"` (the
/// closing quote is compared too), a value with a quote and one too long for substitution to
/// take whole, which fall back.
#[test]
fn text_comparisons_decide_as_the_interpreter_does() {
    let text = "[main]\nexten => s,1,Set(i=0)\n\
                same => n(top),Set(lt=$[\"${s}\" < \"aa\"])\n\
                same => n,Set(le=$[\"${s}\" <= \"aa\"])\n\
                same => n,Set(gt=$[\"${s}\" > \"aa!\"])\n\
                same => n,Set(ge=$[\"${s}\" >= aa])\n\
                same => n,GotoIf($[\"${s}\" = \"aa\"]?equal)\n\
                same => n,GotoIf($[\"${s}\"!=\"\"]?grow)\n\
                same => n(equal),Set(seen=${seen}=${i})\n\
                same => n(grow),Set(s=${s}a)\n\
                same => n,Set(i=$[${i} + 1])\n\
                same => n,Set(log=${log}${lt}${le}${gt}${ge},)\n\
                same => n,GotoIf($[${i} < 4]?top)\n\
                same => n,Set(s=a\"a)\n\
                same => n,Set(quoted=$[\"${s}\" = \"a\"])\n\
                same => n,Set(s=${LONG})\n\
                same => n,Set(long=$[\"${s}\" != \"a\"])\n";
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let share = pbx_engine::native_share(&plan);
    // Six comparing Sets and the counter's; two comparing GotoIfs and the loop's own.
    assert_eq!((share.set, share.branch), (7, 3));
    let run = |jit: bool| {
        let mut engine = Engine::new(&plan);
        if jit {
            engine.enable_jit().unwrap();
        }
        let mut call = Call::new(b"main", b"s", None);
        call.vars.set(b"LONG", Some(&[b'a'; 5000]));
        let mut trace = Vec::new();
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
            trace.push(s.to_string())
        });
        let var = |name: &[u8]| {
            String::from_utf8_lossy(call.vars.get(name).unwrap_or_default()).into_owned()
        };
        let values = [var(b"log"), var(b"seen"), var(b"quoted"), var(b"long")];
        ((trace, call.log, values), call.native_steps)
    };
    let (interpreted, none) = run(false);
    let (compiled, native) = run(true);
    assert_eq!(compiled, interpreted);
    // Comparisons were decided natively: the loop's counter (its Set and GotoIf) accounts
    // for 8 native steps at most, two a round.
    assert_eq!(none, 0);
    assert!(native > 8 + 8, "{native} native steps");
    // s = "", "a", "aa", "aaa": `<`, `<=`, `> "aa!"`, `>= aa` (the unquoted side has no
    // quote, and `"` sorts before every letter); `equal` is reached by s = "aa" and by the
    // empty s that `!=""` lets fall through.
    let [log, seen, quoted, long] = &interpreted.2;
    assert_eq!(
        (log.as_str(), seen.as_str()),
        ("1100,1100,0110,0010,", "=0=2")
    );
    // `"a"a" = "a"` lexes as `"a"`, `a`, …: a syntax error, which leaves the first token.
    assert_eq!(quoted, "\"a\"");
    // Substitution cut the long body before its closing quote: no comparison was made.
    assert!(
        long.len() > 4000 && long.bytes().all(|c| c == b'a'),
        "{}",
        long.len()
    );
}
