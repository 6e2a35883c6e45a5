//! CONNECTEDLINE and REDIRECTING from the dialplan, on both engines: written, read back,
//! and with Asterisk's complaints in the call's log.

use pbx_engine::SimulatedChannel;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(a=[${CONNECTEDLINE(num)}][${REDIRECTING(count)}])
 same => n,Set(CONNECTEDLINE(all,i)=\"Front Desk\" <200>)
 same => n,Set(REDIRECTING(from-num,i)=${CALLERID(num)})
 same => n,Set(REDIRECTING(reason)=cfnr)
 same => n,Set(REDIRECTING(count)=1)
 same => n,Set(b=${CONNECTEDLINE(name)}|${CONNECTEDLINE(num)}|${REDIRECTING(from-num)}|${REDIRECTING(reason)}|${REDIRECTING(count)})
 same => n,Set(CONNECTEDLINE(nonsense)=x)
";

#[test]
fn connected_line_and_redirecting_on_both_engines() {
    for (engine_name, call, _) in runs_of(DIALPLAN, SimulatedChannel::default) {
        assert_eq!(get(&call, "a"), "[][0]", "{engine_name}");
        assert_eq!(get(&call, "b"), "Front Desk|200|100|cfnr|1");
        assert_eq!(
            call.log,
            ["ERROR: Unknown connectedline data type 'nonsense'."],
            "{engine_name}"
        );
    }
}
