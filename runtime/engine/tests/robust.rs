//! No input makes the engine panic: every application it runs itself, and the pure
//! functions, fed arbitrary data — quotes, brackets, separators, unbalanced `${`/`$[`,
//! huge numbers — on both engines.

use pbx_engine::{Call, Engine, SimulatedChannel};
use proptest::prelude::*;

const APPS: &[&str] = &[
    "Set",
    "MSet",
    "Goto",
    "GotoIf",
    "GotoIfTime",
    "Gosub",
    "GosubIf",
    "Return",
    "StackPop",
    "While",
    "EndWhile",
    "ExitWhile",
    "ContinueWhile",
    "ExecIf",
    "Exec",
    "RaiseException",
    "WaitExten",
    "Dial",
    "NoOp",
    "Hangup",
    "Verbose",
    "Log",
];

fn data() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(","),
            Just("("),
            Just(")"),
            Just("["),
            Just("]"),
            Just("\""),
            Just("\\"),
            Just("?"),
            Just(":"),
            Just("${"),
            Just("$["),
            Just("}"),
            Just("|"),
            Just("="),
            Just("+"),
            Just("-"),
            Just("s"),
            Just("1"),
            Just("top"),
            Just("c"),
            Just("x"),
            Just("99999999999999999999"),
            Just("Local/s@c"),
            Just("${v}"),
            Just("$[${v}+1]"),
            Just("${CUT(v,-,1)}"),
            Just("${STACK_PEEK(1,l)}"),
            Just("${LOCAL_PEEK(2,ARG1)}"),
            Just("${EXCEPTION(reason)}"),
            Just("${TIMEOUT(digit)}"),
            Just("${EVAL(${v})}"),
            Just("*,*,*,*"),
            Just("09:00-17:00"),
            Just(" "),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn arbitrary_application_data_never_panics(
        steps in proptest::collection::vec((0..APPS.len(), data()), 1..6),
        jit in proptest::bool::ANY,
    ) {
        let mut text = String::from("[c]\nexten => s,1,Set(v=1)\n");
        for (k, (app, data)) in steps.iter().enumerate() {
            let label = if k == 1 { "(top)" } else { "" };
            text.push_str(&format!(" same => n{label},{}({data})\n", APPS[*app]));
        }
        text.push_str("exten => x,1,NoOp(${ARG1})\n same => n,Return()\nexten => h,1,NoOp(end)\n");
        let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
        let mut engine = Engine::new(&plan);
        if jit {
            engine.enable_jit().unwrap();
        }
        engine.max_steps = Some(200);
        let mut call = Call::new(b"c", b"s", Some(b"5551234"));
        engine.run(&mut call, &mut SimulatedChannel::default().dial(b"1#"), &mut |_| {});
        prop_assert!(call.steps <= 200);
    }
}

/// A Local channel that dials itself: Asterisk creates channels until something runs out;
/// here the nesting stops with CHANUNAVAIL (and no stack overflow, even in a debug build on
/// a test thread's small stack).
#[test]
fn a_local_channel_dialling_itself_stops() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => s,1,Answer()\n same => n,Dial(Local/s@c)\n same => n,Set(GLOBAL(S_${DIALSTATUS})=1)\n",
    );
    for jit in [false, true] {
        let mut engine = Engine::new(&plan);
        if jit {
            engine.enable_jit().unwrap();
        }
        let mut call = Call::new(b"c", b"s", None);
        engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
        assert_eq!(
            engine.globals.get(b"S_CHANUNAVAIL").as_deref(),
            Some(&b"1"[..])
        );
        assert!(
            call.log.iter().any(|l| l.contains("Local")),
            "{:?}",
            call.log
        );
    }
}

/// Priority numbers at the ends of an `int`: moving past the largest, relative jumps that
/// overflow, a Gosub or a While there, `n` after it. C's arithmetic wraps (the result is
/// then no priority); nothing panics, and both engines answer alike.
#[test]
fn priorities_at_the_ends_of_an_int() {
    let dialplans = [
        // Falls through past the largest number, from a compiled loop.
        "[c]\nexten => s,1,Goto(2147483646)\n\
         exten => s,2147483646,Set(i=$[${i} + 1])\n \
         same => n,GotoIf($[${i} < 30]?2147483646)\n",
        // Relative jumps past either end.
        "[c]\nexten => s,1,NoOp()\n same => n,Goto(+2147483647)\n",
        "[c]\nexten => s,1,NoOp()\n same => n,Goto(-2147483648)\n",
        // A Gosub whose return address is past the largest number, looked at and returned to.
        "[c]\nexten => s,1,Goto(2147483647)\n\
         exten => s,2147483647,Gosub(x,1(a))\n\
         exten => x,1,NoOp(${STACK_PEEK(1,p)} ${STACK_PEEK(1,l)})\n same => n,Return()\n",
        // A While whose EndWhile would be past the largest number, and `n` after it.
        "[c]\nexten => s,1,Goto(2147483647)\n\
         exten => s,2147483647,While($[${i} < 3])\n same => n,EndWhile()\n",
        "[c]\nexten => s,1,Goto(2147483646)\n\
         exten => s,2147483646,Set(i=$[${i} + 1])\n same => n,While($[${i} < 3])\n \
         same => n,EndWhile()\n",
    ];
    for text in dialplans {
        let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
        let run = |jit: bool| {
            let mut engine = Engine::new(&plan);
            if jit {
                engine.enable_jit().unwrap();
            }
            engine.max_steps = Some(500);
            let mut call = Call::new(b"c", b"s", None);
            let mut trace = Vec::new();
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
                trace.push(s.to_string())
            });
            (trace, call.log, call.steps)
        };
        let interp = run(false);
        assert_eq!(run(true), interp, "{text}");
        assert!(interp.2 < 500, "{text}: {interp:?}");
    }
}

/// `TESTTIME` may hold any i64: GotoIfTime in a zone east or west of UTC, with or without
/// daylight saving, answers at either end without overflowing, on both engines.
#[test]
fn goto_if_time_at_the_ends_of_an_i64() {
    // The zones' rules come from the system's zoneinfo (CI installs it).
    for zone in ["Asia/Tokyo", "America/New_York", "Europe/Berlin"] {
        let file = format!("/usr/share/zoneinfo/{zone}");
        assert!(std::path::Path::new(&file).exists(), "{file} is missing");
    }
    for time in ["9223372036854775807", "-9223372036854775808"] {
        for zone in ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin"] {
            let text = format!(
                "[c]\nexten => s,1,Set(TESTTIME={time})\n \
                 same => n,GotoIfTime(*,*,*,*,{zone}?yes)\n same => n,NoOp(no)\n \
                 same => n(yes),NoOp(yes)\n"
            );
            let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
            let run = |jit: bool| {
                let mut engine = Engine::new(&plan);
                if jit {
                    engine.enable_jit().unwrap();
                }
                let mut call = Call::new(b"c", b"s", None);
                let mut trace = Vec::new();
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
                    trace.push(s.to_string())
                });
                trace
            };
            let interp = run(false);
            assert_eq!(run(true), interp, "{text}");
            // Every minute of every day matches `*`.
            assert_eq!(interp.last().unwrap(), "c,s,4,NoOp(yes)", "{text}");
        }
    }
}
