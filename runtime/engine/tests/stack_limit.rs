//! A call whose lookup would need more than the 512 contexts a search may enter
//! (`AST_PBX_MAX_STACK`, spec §3.3): what lies beyond is not found, and the call logs
//! Asterisk's warning, once; a lookup answered within the limit logs nothing.

use pbx_engine::SimulatedChannel;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

/// `c` includes `c1`, which includes `c2`, … `c{last}`, which has `far`; `c` itself sends
/// the call to `near` (in `c5`) and then to `far`.
fn chain(last: usize) -> String {
    let mut text = String::from(
        "[c]\nexten => s,1,Goto(near,1)\nexten => i,1,Set(invalid=${INVALID_EXTEN})\ninclude => c1\n",
    );
    for i in 1..=last {
        text += &format!("[c{i}]\n");
        if i < last {
            text += &format!("include => c{}\n", i + 1);
        }
    }
    text = text.replace(
        "[c5]\n",
        "[c5]\nexten => near,1,Set(near=yes)\n same => n,Goto(far,1)\n",
    );
    text + "exten => far,1,Set(far=yes)\n"
}

#[test]
fn past_512_contexts_nothing_is_found_and_the_call_says_so() {
    // `c` and c1 … c511: 512 contexts, `far` in the last.
    for (engine, call, _) in runs_of(&chain(511), SimulatedChannel::default) {
        assert_eq!(get(&call, "far"), "yes", "{engine}");
        assert!(call.log.is_empty(), "{engine}: {:?}", call.log);
    }
    // One more: `far` is out of reach, the call goes to `i`.
    for (engine, call, _) in runs_of(&chain(512), SimulatedChannel::default) {
        assert_eq!(get(&call, "near"), "yes", "{engine}");
        assert_eq!(get(&call, "far"), "", "{engine}");
        assert_eq!(get(&call, "invalid"), "far", "{engine}");
        assert_eq!(
            call.log,
            ["WARNING: Maximum PBX stack (512) exceeded. Too many includes?"],
            "{engine}"
        );
    }
}
