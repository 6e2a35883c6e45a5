//! `TIMEOUT(absolute)`: past it the call goes on at `T`, else at `e` with `ABSOLUTETIMEOUT`,
//! else ends (spec §3.8), on both engines. Time passes here only while the caller waits: the
//! channel's `Wait(n)` moves the engine's clock on by `n` seconds.

use std::sync::atomic::{AtomicI64, Ordering};

use pbx_engine::vars::Variables;
use pbx_engine::{AppResult, Call, Channel, Clock, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

const DIALPLAN: &str = "\
[t]
exten => s,1,Set(TIMEOUT(absolute)=2.5)
 same => n,Set(left=${TIMEOUT(absolute)})
 same => n,Wait(5)
 same => n,Set(never=1)
exten => T,1,Set(reached=T)
 same => n,Set(again=${TIMEOUT(absolute)})

[e]
exten => s,1,Set(TIMEOUT(absolute)=1)
 same => n,Wait(3)
 same => n,Set(never=1)
exten => e,1,Set(why=${EXCEPTION(REASON)})

[neither]
exten => s,1,Set(TIMEOUT(absolute)=1)
 same => n,Wait(3)
 same => n,Set(never=1)

[cancelled]
exten => s,1,Set(TIMEOUT(absolute)=1)
 same => n,Set(TIMEOUT(absolute)=0)
 same => n,Wait(3)
 same => n,Set(after=1)
exten => T,1,Set(reached=T)

[early]
exten => s,1,Set(TIMEOUT(absolute)=1-1.5)
 same => n,Set(never=1)
exten => T,1,Set(reached=T)

[tiny]
exten => s,1,Set(TIMEOUT(absolute)=0.0001)
 same => n,Set(never=1)
exten => T,1,Set(reached=T)

[loop]
exten => s,1,Set(i=0)
 same => n,Set(TIMEOUT(absolute)=1)
 same => n(top),Set(i=$[${i} + 1])
 same => n,GotoIf($[${i} < 1000]?top)
 same => n,Wait(2)
 same => n,Goto(top)
exten => T,1,Set(reached=T)
";

/// A variable after the call: `None` unset.
type Expected = (&'static str, Option<&'static str>);

/// (context, variables after the call).
const CALLS: &[(&str, &[Expected])] = &[
    (
        "t",
        &[
            ("left", Some("2.500")),
            ("never", None),
            ("reached", Some("T")),
            // Cleared on the way to `T`, or it would fire again at once.
            ("again", Some("0")),
        ],
    ),
    ("e", &[("never", None), ("why", Some("ABSOLUTETIMEOUT"))]),
    ("neither", &[("never", None)]),
    ("cancelled", &[("after", Some("1")), ("reached", None)]),
    // Only zero cancels: a second less one and a half, or a tenth of a millisecond, is a
    // deadline already past, met after the priority that set it.
    ("early", &[("never", None), ("reached", Some("T"))]),
    ("tiny", &[("never", None), ("reached", Some("T"))]),
    // A loop that never waits runs until it does; then the timeout ends it.
    ("loop", &[("i", Some("1000")), ("reached", Some("T"))]),
];

static NOW: AtomicI64 = AtomicI64::new(1_700_000_000);

fn now() -> i64 {
    NOW.load(Ordering::Relaxed)
}

/// The simulated caller, whose `Wait(n)` takes `n` seconds of the test's clock.
struct Waiting(SimulatedChannel);

impl Channel for Waiting {
    fn name(&self) -> &[u8] {
        self.0.name()
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        if app == "Wait" {
            let seconds: i64 = std::str::from_utf8(data).unwrap().parse().unwrap();
            NOW.fetch_add(seconds, Ordering::Relaxed);
        }
        self.0.execute(app, data, vars)
    }
}

#[test]
fn the_absolute_timeout_sends_the_call_to_t_or_e_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        engine.clock = Clock::exact(now);
        for run in 0..runs {
            for (context, expected) in CALLS {
                let mut call = Call::new(context.as_bytes(), b"s", None);
                let mut chan = Waiting(SimulatedChannel::default());
                engine.run(&mut call, &mut chan, &mut |_| {});
                for (name, value) in *expected {
                    assert_eq!(
                        call.vars.get(name.as_bytes()),
                        value.map(str::as_bytes),
                        "{context}: {name} ({engine_name}, run {run})"
                    );
                }
            }
        }
    }
}

const TOLD: &str = "\
[cut]
exten => s,1,Set(TIMEOUT(absolute)=2)
 same => n,Set(start=${EPOCH})
 same => n,Wait(5)
 same => n,Set(never=1)
exten => T,1,Set(waited=$[${EPOCH} - ${start}])

[half]
exten => s,1,Set(TIMEOUT(absolute)=1.5)
 same => n,Set(start=${EPOCH})
 same => n,Wait(5)
exten => T,1,Set(waited=$[${EPOCH} - ${start}])

[cancelled]
exten => s,1,Set(TIMEOUT(absolute)=10)
 same => n,Wait(1)
 same => n,Set(TIMEOUT(absolute)=0)
 same => n,Wait(20)
 same => n,Set(after=1)
exten => T,1,Set(reached=T)

[waitexten]
exten => s,1,Set(TIMEOUT(absolute)=3)
 same => n,WaitExten(10)
exten => T,1,Set(reached=T)

[collect]
exten => _1X,1,Set(TIMEOUT(absolute)=2)
 same => n,Incomplete()
exten => _1XX,1,Set(never=1)
exten => T,1,Set(reached=T)
exten => h,1,Set(hung=h)
";

static CLOCK: AtomicI64 = AtomicI64::new(1_700_000_000);

/// The tests that move [`CLOCK`] take turns: each reads how far its calls moved it.
static CLOCK_USERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn clock() -> i64 {
    CLOCK.load(Ordering::Relaxed)
}

/// A caller whose `Wait(n)` takes `n` seconds of the test's clock, unless the deadline it
/// was told comes first: then it stops there and the application fails, as a channel of the
/// runtime does.
#[derive(Default)]
struct Cut {
    inner: SimulatedChannel,
    deadline_ms: Option<u64>,
    told: Vec<Option<u64>>,
}

impl Channel for Cut {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }

    fn absolute_timeout(&mut self, in_ms: Option<u64>) {
        self.deadline_ms = in_ms;
        self.told.push(in_ms);
    }

    fn wait_digit(&mut self, timeout_ms: u32) -> Option<u8> {
        let waited = self.deadline_ms.unwrap_or(u64::MAX).min(timeout_ms.into());
        CLOCK.fetch_add((waited / 1000) as i64, Ordering::Relaxed);
        None
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        if app == "Wait" {
            let seconds: u64 = std::str::from_utf8(data).unwrap().parse().unwrap();
            if let Some(ms) = self.deadline_ms.filter(|&ms| ms < seconds * 1000) {
                CLOCK.fetch_add((ms / 1000) as i64, Ordering::Relaxed);
                return AppResult::Hangup;
            }
            CLOCK.fetch_add(seconds as i64, Ordering::Relaxed);
        }
        self.inner.execute(app, data, vars)
    }
}

#[test]
fn a_channel_is_told_the_deadline_and_its_wait_cut_short_there_on_both_engines() {
    let _turn = CLOCK_USERS.lock().unwrap_or_else(|e| e.into_inner());
    let (plan, findings) = pbxc_dialplan::lower_text(TOLD.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        engine.clock = Clock::exact(clock);
        for run in 0..runs {
            let what = format!("{engine_name}, run {run}");
            let mut call = Call::new(b"cut", b"s", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            // Told before Wait (2 s left), and before nothing else: T's Set runs in the
            // engine, and the timeout is cleared on the way there.
            assert_eq!(chan.told, [Some(2000)], "{what}");
            assert_eq!(call.vars.get(b"never"), None, "{what}");
            assert_eq!(call.vars.get(b"waited"), Some(&b"2"[..]), "{what}");

            // On a clock of whole seconds, 1.5 s has passed once the second after it began:
            // the channel is told 2 s, when the engine will see the timeout.
            let mut call = Call::new(b"half", b"s", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            assert_eq!(chan.told, [Some(2000)], "{what}");
            assert_eq!(call.vars.get(b"waited"), Some(&b"2"[..]), "{what}");

            let mut call = Call::new(b"cancelled", b"s", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            // A cancelled timeout is told once more, as gone.
            assert_eq!(chan.told, [Some(10_000), None], "{what}");
            assert_eq!(call.vars.get(b"after"), Some(&b"1"[..]), "{what}");
            assert_eq!(call.vars.get(b"reached"), None, "{what}");

            // WaitExten cut short is a hang-up (`ast_check_hangup`), not a timeout: no
            // complaint that there is no `t`.
            let mut call = Call::new(b"waitexten", b"s", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            assert_eq!(chan.told, [Some(3000)], "{what}");
            assert_eq!(call.vars.get(b"reached"), Some(&b"T"[..]), "{what}");
            assert!(call.log.is_empty(), "{what}: {:?}", call.log);

            // The loop's own wait for more digits cut short: `collect_digits` fails, the loop
            // breaks off, and `h` runs, not `T`. After `Incomplete()` the priority was found,
            // so Asterisk does not say it does not know what to do.
            let mut call = Call::new(b"collect", b"12", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            assert_eq!(chan.told, [Some(2000)], "{what}");
            assert_eq!(call.vars.get(b"reached"), None, "{what}");
            assert_eq!(call.vars.get(b"hung"), Some(&b"h"[..]), "{what}");
            assert!(call.log.is_empty(), "{what}: {:?}", call.log);
        }
    }
}

#[test]
fn a_wait_for_digits_past_the_end_of_an_extension_cut_short_is_not_understood() {
    let _turn = CLOCK_USERS.lock().unwrap_or_else(|e| e.into_inner());
    // With `autofallthrough=no` the PBX waits for digits after the last priority; the
    // timeout cuts the wait, the extension had run off its end, and Asterisk does not know
    // what to do (neither `T` nor `t` runs).
    let (plan, findings) = pbxc_dialplan::lower_text(
        b"[general]\nautofallthrough=no\n[end]\nexten => s,1,Set(TIMEOUT(absolute)=2)\nexten => T,1,Set(reached=T)\nexten => t,1,Set(reached=t)\n",
    );
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        engine.clock = Clock::exact(clock);
        for run in 0..runs {
            let mut call = Call::new(b"end", b"s", None);
            let mut chan = Cut::default();
            engine.run(&mut call, &mut chan, &mut |_| {});
            let what = format!("{engine_name}, run {run}");
            assert_eq!(chan.told, [Some(2000)], "{what}");
            assert_eq!(call.vars.get(b"reached"), None, "{what}");
            assert_eq!(
                call.log,
                ["WARNING: Don't know what to do with 'Simulated/pbxc-00000001'"],
                "{what}"
            );
        }
    }
}
