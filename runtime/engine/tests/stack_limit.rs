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

/// The other lookups that search the same way warn alike: a label's, and overlap
/// dialling's "could more digits match" (`ast_matchmore_extension`). Each call here makes no
/// other lookup that fails (its `h` hangs up at its first priority, so none looks for a
/// second), so the warning is theirs alone.
#[test]
fn label_and_matchmore_lookups_warn_too() {
    let warning = ["WARNING: Maximum PBX stack (512) exceeded. Too many includes?"];
    let calls = |last: usize, start: &str, keys: &'static [u8]| {
        let dialplan = chain(last).replace(
            "exten => s,1,Goto(near,1)",
            &format!("exten => s,1,{start}\n same => n,Hangup()\nexten => h,1,Hangup()"),
        );
        runs_of(&dialplan, move || SimulatedChannel::default().dial(keys))
    };
    for (engine, call, _) in calls(512, "Set(r=${DIALPLAN_EXISTS(c,far,top)})", b"") {
        assert_eq!(get(&call, "r"), "0", "{engine}");
        assert_eq!(call.log, warning, "{engine}");
    }
    // Within the limit: found, nothing said.
    for (engine, call, _) in calls(511, "Set(r=${DIALPLAN_EXISTS(c,far,1)})", b"") {
        assert_eq!(get(&call, "r"), "1", "{engine}");
        assert!(call.log.is_empty(), "{engine}: {:?}", call.log);
    }
    // The caller dials 1, which `c` answers; whether more digits could match is searched
    // everywhere first, past the limit.
    let overlap = chain(512).replace(
        "exten => s,1,Goto(near,1)",
        "exten => s,1,WaitExten(1)\nexten => 1,1,Set(one=yes)\n same => n,Hangup()\nexten => h,1,Hangup()",
    );
    for (engine, call, _) in runs_of(&overlap, || SimulatedChannel::default().dial(b"1")) {
        assert_eq!(get(&call, "one"), "yes", "{engine}");
        assert_eq!(call.log, warning, "{engine}");
    }
}
