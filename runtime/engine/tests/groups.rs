//! Channel groups (func_groupcount.c) on both engines: joining, reading, counting across
//! the channels of a call, and leaving when a channel is gone.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(none=[${GROUP()}]${GROUP_COUNT()}[${GROUP_LIST()}][${GROUP_MATCH_COUNT()}])
 same => n,Set(GROUP(trunks)=out)
 same => n,Set(GROUP()=sales)
 same => n,Set(GROUP(TRUNKS)=out2)
 same => n,Set(read=${GROUP(trunks)}|${GROUP()}|${GROUP(nope)}|${GROUP_LIST()})
 same => n,Set(counts=${GROUP_COUNT()}|${GROUP_COUNT(@trunks)}|${GROUP_COUNT(OUT2@trunks)}|${GROUP_COUNT(out2@other)}|${GROUP_COUNT(out)})
 same => n,Dial(Local/child@c)
 same => n,Set(after=${GROUP_COUNT(out2@trunks)}|${GROUP_MATCH_COUNT(^out)}|${GROUP_MATCH_COUNT(^o.*@^tr)}|${GROUP_MATCH_COUNT(^o.*@^TR)}|${GROUP_MATCH_COUNT(()})
 same => n,Set(GROUP(trunks)=)
 same => n,Set(left=${GROUP_LIST()})
exten => child,1,Set(GROUP(trunks)=out2)
 same => n,Set(GLOBAL(child)=${GROUP_COUNT(out2@trunks)}|${GROUP_MATCH_COUNT(^out)})
";

#[test]
fn groups_are_joined_read_counted_and_left_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            // No group: GROUP fails, GROUP_COUNT counts nothing, GROUP_MATCH_COUNT fails.
            assert_eq!(get(&call, "none"), "[]0[][]", "{engine_name}");
            // One group per category: `out2` replaced `out` in `trunks` (any case).
            assert_eq!(get(&call, "read"), "out2|sales||sales out2@TRUNKS");
            // No group named: the channel's first (in the category given).
            assert_eq!(get(&call, "counts"), "1|1|1|0|0");
            // The Local half joined while it ran, then left with its channel.
            assert_eq!(
                engine.globals.get(b"child").as_deref(),
                Some(&b"2|2"[..]),
                "{engine_name}"
            );
            // Regular expressions match case as written.
            assert_eq!(get(&call, "after"), "1|1|0|1|0");
            assert_eq!(get(&call, "left"), "sales");
            assert_eq!(call.log, ["ERROR: Regex compile failed on: ("]);
            // The call is over: its channel left every group.
            assert!(engine.groups().all().is_empty(), "{engine_name}");
        }
    }
}
