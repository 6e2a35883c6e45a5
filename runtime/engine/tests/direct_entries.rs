//! A step that leaves its compiled chain for the place it left for before enters that
//! place's chain directly, without the dispatcher; the answers stay the interpreter's.

use std::cell::Cell;

use pbx_engine::vars::Variables;
use pbx_engine::{AppResult, Call, Channel, Engine, Outcome, SimulatedChannel};

struct Ran {
    trace: Vec<String>,
    log: Vec<String>,
    direct_entries: u64,
    native_steps: u64,
}

fn run(text: &str, jit: bool) -> Ran {
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut engine = Engine::new(&plan);
    if jit {
        engine.enable_jit().expect("a JIT");
    }
    engine.max_steps = Some(10_000);
    let mut call = Call::new(b"loop", b"s", None);
    let mut trace = Vec::new();
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |s| {
        trace.push(s.to_string())
    });
    Ran {
        trace,
        log: call.log,
        direct_entries: call.direct_entries,
        native_steps: call.native_steps,
    }
}

/// Requires the JIT's run to have entered chains directly `range` times.
fn assert_direct_entries(ran: &Ran, range: impl std::ops::RangeBounds<u64> + std::fmt::Debug) {
    assert!(
        range.contains(&ran.direct_entries),
        "{} direct entries, not {range:?}",
        ran.direct_entries
    );
}

/// Runs `text` on both engines, requires the same trace and log, and gives the JIT's run.
fn same_as_interpreter(text: &str) -> Ran {
    let interp = run(text, false);
    let jit = run(text, true);
    assert_eq!(jit.trace, interp.trace, "{text}");
    assert_eq!(jit.log, interp.log, "{text}");
    assert_eq!(interp.direct_entries, 0);
    jit
}

#[test]
fn a_subroutine_loop_enters_the_subroutine_and_comes_back_directly() {
    let ran = same_as_interpreter(
        "[loop]\n\
         exten => s,1,Set(i=0)\n\
          same => n(top),Gosub(sub,s,1)\n\
          same => n,Set(i=$[${i} + 1])\n\
          same => n,GotoIf($[${i} < 100]?top)\n\
          same => n,Hangup()\n\
         [sub]\n\
         exten => s,1,Return()\n",
    );
    // 100 turns, each a Gosub into `sub` and a Return out of it. The first turns run before
    // the chains are compiled and are dispatched; each of the two steps is dispatched once
    // more after that (which is what the entry is learnt from); every other move is direct.
    assert!(ran.native_steps > 0);
    assert_direct_entries(&ran, 190..200);
}

#[test]
fn a_gosub_to_a_fixed_place_and_its_return_run_natively() {
    let ran = same_as_interpreter(
        "[loop]\n\
         exten => s,1,Set(i=0)\n\
          same => n(top),Gosub(sub,s,start(a,,\"b,c\"))\n\
          same => n,Set(i=$[${i} + 1])\n\
          same => n,GotoIf($[${i} < 100]?top)\n\
          same => n,Hangup()\n\
         [sub]\n\
         exten => s,1(start),NoOp(${ARGC}|${ARG1}|${ARG2}|${ARG3}|${GOSUB_RETVAL})\n\
          same => n,Return(back)\n",
    );
    assert_eq!(ran.trace[2], "sub,s,1,NoOp(3|a||\"b,c\"|)");
    assert_eq!(ran.trace[5], "loop,s,4,GotoIf(1?top)");
    assert_eq!(ran.trace[7], "sub,s,1,NoOp(3|a||\"b,c\"|back)");
    // Four of each turn's five steps are native once compiled (the NoOp shows its data,
    // which is substituted), the Gosub and the Return among them.
    assert!(
        ran.native_steps >= 4 * 95,
        "{} native steps",
        ran.native_steps
    );
    assert_direct_entries(&ran, 190..200);
}

#[test]
fn a_computed_target_is_entered_directly_only_while_it_is_the_same_place() {
    // The Goto alternates between `a` and `b`: it never leaves for the place it left for
    // last, so the dispatcher answers it every time; the GotoIfs back to `s` always land
    // on `top` and go directly.
    let ran = same_as_interpreter(
        "[loop]\n\
         exten => s,1,Set(i=0)\n\
          same => n(top),Set(D=${IF($[${i} % 2]?a:b)})\n\
          same => n,Goto(${D},1)\n\
         exten => a,1,Set(i=$[${i} + 1])\n\
          same => n,GotoIf($[${i} < 60]?s,top)\n\
          same => n,Hangup()\n\
         exten => b,1,Set(i=$[${i} + 1])\n\
          same => n,GotoIf($[${i} < 60]?s,top)\n\
          same => n,Hangup()\n",
    );
    // 60 Gotos through the dispatcher; 59 jumps back, of which all but the first few of
    // each of `a` and `b` (before compiling, and learning) are direct.
    assert_direct_entries(&ran, 50..59);
}

#[test]
fn the_priority_is_part_of_the_place() {
    // The Goto lands in `a` at priority 1 and at priority 2 in turn.
    let ran = same_as_interpreter(
        "[loop]\n\
         exten => s,1,Set(i=0)\n\
          same => n(top),Goto(a,${IF($[${i} % 2]?1:2)})\n\
         exten => a,1,NoOp(one)\n\
          same => n,Set(i=$[${i} + 1])\n\
          same => n,GotoIf($[${i} < 60]?s,top)\n\
          same => n,Hangup()\n",
    );
    assert_eq!(
        ran.trace.iter().filter(|s| s.contains("NoOp(one)")).count(),
        30
    );
    // Only the jumps back are direct.
    assert_direct_entries(&ran, 50..60);
}

#[test]
fn an_extension_with_caller_id_variants_is_always_routed() {
    // Which `7` answers depends on the caller's number, which the loop changes every turn:
    // that chain is never compiled, so never entered directly; the answers alternate as
    // the interpreter's do.
    let text = "[loop]\n\
                exten => s,1,Set(i=0)\n\
                 same => n(top),Set(CALLERID(num)=${IF($[${i} % 2]?5:6)})\n\
                 same => n,Gosub(c,7,1)\n\
                 same => n,Set(i=$[${i} + 1])\n\
                 same => n,GotoIf($[${i} < 40]?top)\n\
                [c]\n\
                exten => 7/5,1,NoOp(five)\n\
                 same => n,Return()\n\
                exten => 7,1,NoOp(anyone)\n\
                 same => n,Return()\n";
    let ran = same_as_interpreter(text);
    let five = ran
        .trace
        .iter()
        .filter(|s| s.contains("NoOp(five)"))
        .count();
    let anyone = ran
        .trace
        .iter()
        .filter(|s| s.contains("NoOp(anyone)"))
        .count();
    assert_eq!((five, anyone), (20, 20));
    // Nothing else is entered directly either: the Returns run interpreted, in `7`.
    assert_eq!(ran.direct_entries, 0);
}

#[test]
fn a_long_extension_moves_from_segment_to_segment_directly() {
    // 2,000 priorities are compiled as chains of 256; falling off the end of one into the
    // next is a move between chains, taken directly once learnt. The loop runs it 5 times.
    let mut text =
        String::from("[loop]\nexten => s,1,Set(i=0)\n same => n(top),Set(i=$[${i} + 1])\n");
    for _ in 0..2_000 {
        text.push_str(" same => n,NoOp(${i})\n");
    }
    text.push_str(" same => n,GotoIf($[${i} < 5]?top)\n same => n,Hangup()\n");
    let ran = same_as_interpreter(&text);
    // 8 chains, 8 moves a turn (the GotoIf back to `top` too): the first turn is
    // interpreted, the second compiles and learns, the last three go directly.
    assert_direct_entries(&ran, 20..=24);
}

/// A channel whose PBX asks for the call to be suspended from its `at`-th question on (a
/// reload arriving at any moment), and which counts what it runs after that.
struct Reloading {
    inner: SimulatedChannel,
    asked: Cell<u32>,
    at: u32,
    ran_after: u32,
}

impl Channel for Reloading {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }
    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        if self.asked.get() >= self.at {
            self.ran_after += 1;
        }
        self.inner.execute(app, data, vars)
    }
    fn suspend_requested(&self) -> bool {
        self.asked.set(self.asked.get() + 1);
        self.asked.get() >= self.at
    }
}

#[test]
fn a_suspension_stops_the_call_before_a_direct_entry_too() {
    // Every priority the call can enter directly runs an application of the channel, so a
    // priority run once the suspension was asked for is seen.
    let text = "[loop]\n\
                exten => s,1,Set(i=0)\n\
                 same => n(top),Gosub(sub,s,1)\n\
                 same => n,Wait(0)\n\
                 same => n,Set(i=$[${i} + 1])\n\
                 same => n,GotoIf($[${i} < 30]?top)\n\
                [sub]\n\
                exten => s,1,Wait(0)\n\
                 same => n,Return()\n";
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let mut direct = 0;
    // The request arrives at every possible moment of the run, the check before a direct
    // entry included.
    for at in 1.. {
        let mut engine = Engine::new(&plan);
        engine.enable_jit().expect("a JIT");
        let mut chan = Reloading {
            inner: SimulatedChannel::default(),
            asked: Cell::new(0),
            at,
            ran_after: 0,
        };
        let mut call = Call::new(b"loop", b"s", None);
        let outcome = engine.run_until_suspended(&mut call, &mut chan, &mut |_| {});
        assert_eq!(chan.ran_after, 0, "asked at {at}: ran on after the request");
        direct += call.direct_entries;
        if outcome == Outcome::Finished {
            // Past the end: the call was never asked that often.
            assert!(at > 100, "{at}");
            break;
        }
    }
    assert!(direct > 1_000, "{direct}");
}
