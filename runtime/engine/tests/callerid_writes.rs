//! `Set(CALLERID(member)=value)` (func_callerid.c's callerid_write) on both engines: `all`
//! taken apart as `ast_callerid_split` does, blanks around a name or number dropped, and
//! the new number is the one caller-ID-qualified extensions match.

use pbx_engine::SimulatedChannel;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(CALLERID(all)=\"Bob \\\"B\\\"\" <(555) 123-4567>)
 same => n,Set(a=${CALLERID(name)}|${CALLERID(num)}|${CALLERID(all)})
 same => n,Set(CALLERID(all)=100)
 same => n,Set(b=[${CALLERID(name)}]|${CALLERID(num)}|${CALLERID(name-valid)})
 same => n,Set(CALLERID(name)=  Alice  )
 same => n,Set(CALLERID(number)= 200 )
 same => n,Set(c=[${CALLERID(name)}][${CALLERID(num)}])
 same => n,Goto(routed,s,1)
[routed]
exten => s/200,1,Set(d=matched the new number)
exten => s,1,Set(d=missed)
";

#[test]
fn callerid_writes_on_both_engines() {
    for (engine_name, call, _) in runs_of(DIALPLAN, SimulatedChannel::default) {
        assert_eq!(
            get(&call, "a"),
            "Bob \"B\"|5551234567|\"Bob \"B\"\" <5551234567>",
            "{engine_name}"
        );
        // A bare number is a number; the name becomes empty but valid.
        assert_eq!(get(&call, "b"), "[]|100|1");
        assert_eq!(get(&call, "c"), "[Alice][200]");
        assert_eq!(get(&call, "d"), "matched the new number");
    }
}
