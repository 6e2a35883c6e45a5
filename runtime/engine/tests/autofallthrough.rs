//! Running off the end of an extension with `autofallthrough=yes` (the default): the call
//! ends, and after a Dial that found the party busy or unreachable the caller is told so
//! (`__ast_pbx_run` calls `indicate_busy`/`indicate_congestion`, the Busy and Congestion
//! applications, with `10`), on both engines.

use pbx_engine::vars::Variables;
use pbx_engine::{AppResult, Call, Channel, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// The simulated caller, remembering the applications the engine handed it.
#[derive(Default)]
struct Told {
    inner: SimulatedChannel,
    apps: Vec<String>,
}

impl Channel for Told {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        self.apps
            .push(format!("{app}({})", String::from_utf8_lossy(data)));
        self.inner.execute(app, data, vars)
    }
}

/// (DIALSTATUS left by the last Dial, what the caller is told after the last priority).
const CASES: &[(&str, &[&str])] = &[
    ("BUSY", &["Busy(10)"]),
    // Compared without regard to case, as strcasecmp does.
    ("chanunavail", &["Congestion(10)"]),
    ("CONGESTION", &["Congestion(10)"]),
    ("NOANSWER", &[]),
    ("", &[]),
];

#[test]
fn the_caller_hears_busy_or_congestion_after_the_last_priority_on_both_engines() {
    let (plan, _) = pbxc_dialplan::lower_text(b"[c]\nexten => s,1,Set(DIALSTATUS=${STATUS})\n");
    for (name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            for (status, told) in CASES {
                let mut call = Call::new(b"c", b"s", None);
                call.vars.set(b"STATUS", Some(status.as_bytes()));
                let mut chan = Told::default();
                engine.run(&mut call, &mut chan, &mut |_| {});
                assert_eq!(chan.apps, *told, "{status:?} ({name}, run {run})");
            }
        }
    }
    // Without autofallthrough the PBX waits for digits instead, and tells nothing.
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[general]\nautofallthrough=no\n[c]\nexten => s,1,Set(DIALSTATUS=BUSY)\n",
    );
    for (name, mut engine, _) in engines(&plan) {
        let mut chan = Told::default();
        engine.run(&mut Call::new(b"c", b"s", None), &mut chan, &mut |_| {});
        assert!(chan.apps.is_empty(), "{name}: {:?}", chan.apps);
    }
}
