//! SHARED (func_global.c) offline, on both engines: the channel's own shared variables, by
//! its name too, and the errors for a channel that is not there.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(a=[${SHARED(x)}])
 same => n,Set(SHARED(x)=1)
 same => n,Set(SHARED(y)=2)
 same => n,Set(SHARED(x)=3)
 same => n,Set(b=${SHARED(x)}${SHARED(y)}[${SHARED(z)}][${SHARED(X)}])
 same => n,Set(c=${SHARED(x,${CHANNEL})}${SHARED(y,simulated/PBXC)})
 same => n,Set(d=[${SHARED(x,SIP/nobody)}])
 same => n,Set(SHARED(x,SIP/nobody)=5)
 same => n,Set(e=[${SHARED()}]${SHARED(x)})
";

#[test]
fn shared_variables_of_the_channel_offline() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            // No datastore before the first write: the read fails, silently.
            assert_eq!(get(&call, "a"), "[]", "{engine_name}");
            // One value a name, names compared exactly.
            assert_eq!(get(&call, "b"), "32[][]");
            // The channel by its own name, or its name up to the `-`, in any case.
            assert_eq!(get(&call, "c"), "32");
            assert_eq!(get(&call, "d"), "[]");
            assert_eq!(get(&call, "e"), "[]3", "the failed write changed nothing");
            assert_eq!(
                call.log,
                [
                    "ERROR: Channel 'SIP/nobody' not found!  Variable 'x' will be blank.",
                    "ERROR: Channel 'SIP/nobody' not found!  Variable 'x' not set to '5'.",
                    "WARNING: SHARED() requires an argument: SHARED(<var>[,<chan>])",
                ],
                "{engine_name}"
            );
        }
    }
}
