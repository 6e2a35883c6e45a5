//! What app_dial.c decides before it calls anyone, offline as in `pbx`: a target that is
//! not `technology/resource` fails the whole Dial with INVALIDARGS and the call hangs up
//! unless `g` (a Local party named before it is never called); no target at all, blanks
//! passed over, reaches no one (CHANUNAVAIL) and the dialplan goes on.

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
    let warning = ["WARNING: Dial argument takes format (technology/resource)"];
    for targets in ["Local/1@inside&nonsense", "PJSIP/"] {
        for (engine, call, chan) in runs_of(&dial(targets), SimulatedChannel::default) {
            assert_eq!(get(&call, "r"), "INVALIDARGS", "{engine} {targets}");
            assert_eq!(get(&call, "after"), "", "{engine} {targets}");
            assert_eq!(call.log, warning, "{engine} {targets}");
            // The Local party before the bad target was not called: no record has it (an
            // unanswered call without a party writes none, cdr.conf's `unanswered` being no;
            // the last test shows a called Local party in its record).
            let records = chan.cdr_records(&call);
            if targets.starts_with("Local/") {
                assert!(
                    records.iter().all(|r| r.dstchannel.is_empty()),
                    "{engine} {targets}: {records:?}"
                );
            }
        }
    }
    // With `g` the dialplan goes on.
    for (engine, call, _) in runs_of(&dial("nonsense,,g"), SimulatedChannel::default) {
        assert_eq!(get(&call, "after"), "yes", "{engine}");
        assert_eq!(get(&call, "r"), "INVALIDARGS", "{engine}");
    }
    // A Local party dialled alone is in the record (what the check above rules out).
    for (engine, call, chan) in runs_of(&dial("Local/1@inside"), SimulatedChannel::default) {
        let records = chan.cdr_records(&call);
        assert!(
            records
                .iter()
                .any(|r| r.dstchannel.starts_with("Local/1@inside")),
            "{engine}: {records:?}"
        );
    }
}

/// No argument, or only empty and blank targets: no one to dial.
#[test]
fn no_target_is_chanunavail_and_the_dialplan_goes_on() {
    for targets in ["", "&", " & "] {
        for (engine, call, _) in runs_of(&dial(targets), SimulatedChannel::default) {
            assert_eq!(get(&call, "r"), "CHANUNAVAIL", "{engine} {targets:?}");
            assert_eq!(get(&call, "after"), "yes", "{engine} {targets:?}");
            assert!(call.log.is_empty(), "{engine}: {:?}", call.log);
        }
    }
    // A blank between two targets is passed over: the Local party is dialled.
    let blank = dial("Local/1@inside& ,,g");
    for (engine, call, _) in runs_of(&blank, SimulatedChannel::default) {
        assert_eq!(get(&call, "r"), "ANSWER", "{engine}");
    }
}

/// Offline the party answers at once and the bridge takes no time: ANSWEREDTIME and
/// DIALEDTIME and their `_MS` twins read 0; RINGTIME and PROGRESSTIME, emptied as Dial
/// starts, stay empty.
#[test]
fn dial_times_offline() {
    for targets in ["PJSIP/bob", "Local/1@inside"] {
        let dialplan = format!(
            "[c]\nexten => s,1,Set(RINGTIME=stale)\n same => n,Dial({targets},,g)\n\
             same => n,Set(t=${{ANSWEREDTIME}}|${{ANSWEREDTIME_MS}}|${{DIALEDTIME}}|${{DIALEDTIME_MS}}|${{RINGTIME}}|${{PROGRESSTIME_MS}})\n\
             [inside]\nexten => 1,1,Answer()\n"
        );
        for (engine, call, _) in runs_of(&dialplan, SimulatedChannel::default) {
            assert_eq!(get(&call, "t"), "0|0|0|0||", "{engine} {targets}");
        }
    }
}
