//! What app_dial.c decides before it calls anyone, offline as in `pbx`: no argument, or a
//! target that is not `technology/resource`, fails the whole Dial with INVALIDARGS and the
//! call hangs up (a Local party named before it never runs); targets that are all empty
//! reach no one (CHANUNAVAIL) and the dialplan goes on.

use pbx_engine::SimulatedChannel;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

fn dial(targets: &str) -> String {
    format!(
        "[c]\nexten => s,1,Dial({targets})\n same => n,Set(after=yes)\n\
         exten => h,1,Set(r=${{DIALSTATUS}})\n[inside]\nexten => 1,1,Answer()\n"
    )
}

#[test]
fn unfit_targets_fail_the_whole_dial() {
    for (targets, warning) in [
        (
            "",
            "WARNING: Dial requires an argument (technology/resource)",
        ),
        (
            "Local/1@inside&nonsense",
            "WARNING: Dial argument takes format (technology/resource)",
        ),
        (
            "PJSIP/",
            "WARNING: Dial argument takes format (technology/resource)",
        ),
    ] {
        for (engine, call, chan) in runs_of(&dial(targets), SimulatedChannel::default) {
            assert_eq!(get(&call, "r"), "INVALIDARGS", "{engine} {targets}");
            assert_eq!(get(&call, "after"), "", "{engine} {targets}");
            assert_eq!(call.log, [warning], "{engine} {targets}");
            // No party was called: the CDR has none.
            let records = chan.cdr_records(&call);
            assert!(
                records.iter().all(|r| r.dstchannel.is_empty()),
                "{engine} {targets}: {records:?}"
            );
        }
    }
    for (engine, call, _) in runs_of(&dial("&"), SimulatedChannel::default) {
        assert_eq!(get(&call, "r"), "CHANUNAVAIL", "{engine}");
        assert_eq!(get(&call, "after"), "yes", "{engine}");
    }
}
