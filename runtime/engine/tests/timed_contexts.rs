//! The JIT in contexts whose search depends on the clock. What a search tries before its
//! first time-conditioned include answers the same at any time and runs as native code as
//! anywhere else. What it meets after one runs as native code compiled for the includes open
//! at the time, and every move checks they still are: an include that opens in the middle
//! of a loop takes over at once, as Asterisk, which routes every priority, has it.

use std::cell::Cell;

use pbx_engine::{Call, Clock, Engine, SimulatedChannel};

#[path = "support/trace_clock.rs"]
mod trace_clock;

/// Ten seconds a traced step from 09:58: 10:00 comes with the 13th.
fn stepping_clock() -> i64 {
    trace_clock::at(10)
}

/// Four seconds a traced step: 10:00 comes with the 31st.
fn slow_stepping_clock() -> i64 {
    trace_clock::at(4)
}

fn standing_clock() -> i64 {
    trace_clock::START
}

struct Ran {
    trace: Vec<String>,
    log: Vec<String>,
    native_steps: u64,
}

thread_local! {
    /// The exact clock a [`lagging`] reading lags.
    static EXACT: Cell<fn() -> i64> = const { Cell::new(standing_clock) };
}

/// A coarse reading as far behind as the kernel's can be in whole seconds: two (the exact
/// clock at 10:00:00.0, the coarse one 1.5 s behind at 09:59:58.5). At the start of a
/// minute routing must not take it for the minute before.
fn lagging() -> i64 {
    EXACT.with(Cell::get)() - 2
}

fn run(text: &str, exten: &str, clock: Clock, jit: bool) -> Ran {
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut engine = Engine::new(&plan);
    if jit {
        engine.enable_jit().expect("a JIT");
    }
    engine.clock = clock;
    engine.max_steps = Some(10_000);
    trace_clock::reset();
    let mut call = Call::new(b"in", exten.as_bytes(), None);
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace_clock::traced();
        trace.push(s.to_string())
    });
    Ran {
        trace,
        log: call.log,
        native_steps: call.native_steps,
    }
}

/// Runs on both engines, requires the same trace and log, and gives the JIT's run. Both
/// run again with a coarse reading of the clock beside the exact one, which must change
/// nothing.
fn same_as_interpreter(text: &str, exten: &str, clock: fn() -> i64) -> Ran {
    let exact = Clock::exact(clock);
    let interp = run(text, exten, exact, false);
    let jit = run(text, exten, exact, true);
    assert_eq!(jit.trace, interp.trace, "{text}");
    assert_eq!(jit.log, interp.log, "{text}");
    assert_eq!(interp.native_steps, 0);
    EXACT.with(|e| e.set(clock));
    let coarse = Clock::with_coarse(clock, lagging);
    for jit_on in [false, true] {
        let again = run(text, exten, coarse, jit_on);
        assert_eq!(
            again.trace, interp.trace,
            "coarse clock, jit {jit_on}: {text}"
        );
        assert_eq!(again.log, interp.log, "coarse clock, jit {jit_on}: {text}");
    }
    jit
}

/// `in`, searching `day` (open from 10:00, in zone `zone` when not empty) before `late`:
/// `day`'s 200 has the loop's priorities 1 to 3 but not 4, so when it opens the loop moves
/// into it at once, and out again for priority 4.
fn day_before_late(zone: &str) -> String {
    let zone = if zone.is_empty() {
        String::new()
    } else {
        format!(",{zone}")
    };
    format!(
        "[in]\n\
         include => day,10:00-17:00,*,*,*{zone}\n\
         include => late\n\
         [day]\n\
         exten => 200,1,NoOp(day)\n\
          same => n,NoOp(day)\n\
          same => n,Set(i=$[${{i}} + 1000])\n\
         [late]\n{}",
        counting_loop("200")
    )
}

/// The first `n` steps of [`counting_loop`] in `in`'s 200.
fn loop_steps(n: usize) -> Vec<String> {
    let mut steps = vec!["in,200,1,Set(i=0)".to_string()];
    for i in 1.. {
        if steps.len() >= n {
            break;
        }
        steps.push(format!("in,200,2,Set(i={i})"));
        steps.push("in,200,3,GotoIf(1?top)".into());
    }
    steps.truncate(n);
    steps
}

/// A 100-turn loop in extension `name`.
fn counting_loop(name: &str) -> String {
    format!(
        "exten => {name},1,Set(i=0)\n\
          same => n(top),Set(i=$[${{i}} + 1])\n\
          same => n,GotoIf($[${{i}} < 100]?top)\n\
          same => n,NoOp(done)\n"
    )
}

const INCLUDES: &str = "[in]\n\
                        include => early\n\
                        include => night,18:00-08:00,*,*,*\n\
                        include => late\n";

#[test]
fn a_loop_in_a_context_with_timed_includes_runs_natively() {
    let text = format!("{INCLUDES}{}[early]\n[night]\n[late]\n", counting_loop("s"));
    let ran = same_as_interpreter(&text, "s", standing_clock);
    assert_eq!(ran.trace.len(), 1 + 2 * 100 + 1);
    // Everything but the first turns, run before the chain was compiled.
    assert!(ran.native_steps > 150, "{} native steps", ran.native_steps);
}

#[test]
fn what_the_search_meets_before_or_after_a_timed_include_runs_natively() {
    let text = format!(
        "{INCLUDES}[early]\n{}[night]\n[late]\n{}",
        counting_loop("100"),
        counting_loop("200")
    );
    let early = same_as_interpreter(&text, "100", standing_clock);
    assert!(
        early.native_steps > 150,
        "{} native steps",
        early.native_steps
    );
    assert!(early.trace.last().unwrap().ends_with("NoOp(done)"));
    // After `night`, which would take over priorities if it opened: compiled for `night`
    // closed, and each move checks it still is.
    let late = same_as_interpreter(&text, "200", standing_clock);
    assert_eq!(late.trace.len(), early.trace.len());
    assert!(
        late.native_steps > 150,
        "{} native steps",
        late.native_steps
    );
}

#[test]
fn an_include_that_opens_during_a_compiled_loop_takes_over_at_once() {
    // At 10:00, `day` opens before `late`, and its 200 has the loop's priorities 1 to 3 but
    // not 4: the loop moves into it at once, and out again for priority 4.
    let text = day_before_late("");
    let ran = same_as_interpreter(&text, "200", stepping_clock);
    // The 13th step is the first at 10:00 (twelve traced before it): `day`'s priority 3.
    let mut expected = loop_steps(12);
    expected.push("in,200,3,Set(i=1006)".into());
    expected.push("in,200,4,NoOp(done)".into());
    assert_eq!(ran.trace, expected);
    // The loop was compiled before 10:00: the moves that found `day` closed were native.
    assert!(ran.native_steps >= 4, "{} native steps", ran.native_steps);
}

#[test]
fn a_place_past_a_timed_include_is_routed_every_time_it_is_entered() {
    // `s` (the context's own, compiled without a guard) goes to 200 each turn: `late`'s
    // until 10:00, `day`'s from then on. A step that leaves for a place whose chain has a
    // guard never enters it directly: the same place may have another answer by then.
    let text = "[in]\n\
                include => day,10:00-17:00,*,*,*\n\
                include => late\n\
                exten => s,1,Set(i=0)\n\
                 same => n(top),Goto(200,1)\n\
                 same => n(back),GotoIf($[${i} < 50]?top)\n\
                 same => n,NoOp(done)\n\
                [day]\n\
                exten => 200,1,NoOp(day ${i})\n\
                 same => n,Goto(s,4)\n\
                [late]\n\
                exten => 200,1,Set(i=$[${i} + 1])\n\
                 same => n,Goto(s,back)\n";
    let ran = same_as_interpreter(text, "s", slow_stepping_clock);
    // `s,1`, then 7 turns of 4 steps; the 31st step, the first at 10:00, finds `day`.
    assert_eq!(
        ran.trace[26..],
        [
            "in,200,1,Set(i=7)",
            "in,200,2,Goto(s,back)",
            "in,s,3,GotoIf(1?top)",
            "in,s,2,Goto(200,1)",
            "in,200,1,NoOp(day 7)",
            "in,200,2,Goto(s,4)",
            "in,s,4,NoOp(done)",
        ]
    );
    assert!(ran.native_steps > 10, "{} native steps", ran.native_steps);
}

#[test]
fn a_label_past_a_timed_include_is_looked_up_when_the_jump_runs() {
    // The 12th step, a GotoIf or a Goto, is moved to at 09:59:50 (`day` closed) and looks
    // its label up at 10:00, when `day`'s 200 answers first and has it.
    for (jump, shown) in [
        ("GotoIf($[${i} < 100]?top)", "GotoIf(1?top)"),
        ("Goto(top)", "Goto(top)"),
    ] {
        let text = format!(
            "[in]\n\
             include => day,10:00-17:00,*,*,*\n\
             include => late\n\
             [day]\n\
             exten => 200,1,NoOp(day, never reached)\n\
              same => 9(top),NoOp(day)\n\
             [late]\n\
             exten => 200,1,Set(i=0)\n\
              same => n,NoOp()\n\
              same => n(top),Set(i=$[${{i}} + 1])\n\
              same => n,{jump}\n\
              same => n,NoOp(done)\n"
        );
        let ran = same_as_interpreter(&text, "200", stepping_clock);
        let jumped = format!("in,200,4,{shown}");
        assert_eq!(
            ran.trace[10..],
            ["in,200,3,Set(i=5)", &jumped, "in,200,9,NoOp(day)"]
        );
        assert!(ran.native_steps >= 4, "{} native steps", ran.native_steps);
    }
}

#[test]
fn past_the_flattenings_kept_or_too_many_timed_includes_a_loop_is_interpreted_alike() {
    // Three includes opening and closing in turn give five combinations over the call
    // (none, a, ab, bc, c; the call runs 09:58–10:11); the index flattens the first four,
    // the JIT compiles for those, and the call runs interpreted under the fifth. Past eight timed includes nothing is
    // flattened and nothing compiled. The answers are the interpreter's throughout.
    let windows = [
        ("a", "10:00-10:03"),
        ("b", "10:02-10:05"),
        ("c", "10:04-10:07"),
    ];
    let mut text = String::from("[in]\n");
    for (name, window) in windows {
        text.push_str(&format!("include => {name},{window},*,*,*\n"));
    }
    text.push_str("include => late\n");
    for (name, _) in windows {
        text.push_str(&format!("[{name}]\nexten => 300,1,NoOp({name})\n"));
    }
    text.push_str(&format!("[late]\n{}", counting_loop("200")));
    let ran = same_as_interpreter(&text, "200", slow_stepping_clock);
    assert_eq!(ran.trace.len(), 1 + 2 * 100 + 1);
    // Each flattened combination's chain is compiled after its first few steps; the fifth,
    // `c` alone (10:06–10:07, 30 steps), runs interpreted.
    assert!(
        (100..202 - 30).contains(&ran.native_steps),
        "{} native steps",
        ran.native_steps
    );

    let mut text = String::from("[in]\n");
    for k in 0..9 {
        text.push_str(&format!("include => t{k},10:0{k}-10:0{k},*,*,*\n"));
    }
    text.push_str("include => late\n");
    for k in 0..9 {
        text.push_str(&format!("[t{k}]\nexten => 300,1,NoOp(t{k})\n"));
    }
    text.push_str(&format!("[late]\n{}", counting_loop("200")));
    let ran = same_as_interpreter(&text, "200", slow_stepping_clock);
    assert_eq!(ran.trace.len(), 1 + 2 * 100 + 1);
    assert_eq!(ran.native_steps, 0);
}

/// Mon 1971-01-04 10:43:00 UTC: 09:58:30 in Monrovia, then 44 minutes 30 seconds behind UTC.
const MONROVIA_START: i64 = 31_833_780;

/// Ten seconds a traced step from 10:43:00 UTC: Monrovia's 10:00 (10:44:30 UTC) comes with
/// the 10th step, in the middle of a minute of the epoch.
fn monrovia_clock() -> i64 {
    trace_clock::at(10) - trace_clock::START + MONROVIA_START
}

#[test]
fn an_include_in_a_zone_offset_by_seconds_opens_in_the_middle_of_a_utc_minute() {
    // Moves in the minute before (10:44:00–10:44:20 UTC) find `day` closed; the one at
    // 10:44:30 must look again rather than take the minute's answer.
    let ran = same_as_interpreter(&day_before_late("Africa/Monrovia"), "200", monrovia_clock);
    // Nine steps traced before 10:44:30; the ninth, a GotoIf, jumps at 10:44:30 to `top`
    // (only `late` has it), and the next priority is `day`'s. (The zone comes from the
    // system's zoneinfo; without it the condition would read UTC, `day` would be open from
    // the start, and this would fail.)
    let mut expected = loop_steps(9);
    expected.push("in,200,2,NoOp(day)".into());
    expected.push("in,200,3,Set(i=1004)".into());
    expected.push("in,200,4,NoOp(done)".into());
    assert_eq!(ran.trace, expected);
    assert!(ran.native_steps >= 4, "{} native steps", ran.native_steps);
}
