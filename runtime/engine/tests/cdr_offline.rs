//! The simulated channel's CDR (`pbxc call`): main/cdr.c's chain fed as the runtime feeds
//! it — each application's start after its data is substituted, the answer, Dial's called
//! parties, `h` — so that `CDR()` reads what Asterisk's would, on both engines. Nothing
//! takes time offline: durations are whole seconds of a run that takes microseconds.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get, runs_of};

/// Runs `s@c` of `dialplan` on each engine: the call, its log and its written records as
/// `dst,dstchannel,lastapp,disposition`.
fn run(dialplan: &str) -> Vec<(&'static str, Call, Vec<String>)> {
    runs_of(dialplan, SimulatedChannel::default)
        .into_iter()
        .map(|(engine_name, call, chan)| {
            let records = chan
                .cdr_records(&call)
                .iter()
                .map(|r| {
                    let disposition = r.disposition.as_str();
                    format!("{},{},{},{disposition}", r.dst, r.dstchannel, r.lastapp)
                })
                .collect();
            (engine_name, call, records)
        })
        .collect()
}

#[test]
fn cdr_reads_the_running_record_and_h_the_record_it_ended() {
    let dialplan = "\
[c]
exten => s,1,NoOp()
 same => n,Set(before=${CDR(disposition)}|[${CDR(answer)}]|${CDR(lastapp)})
 same => n,Answer()
 same => n,Set(live=${CDR(disposition)}|${CDR(lastapp)}|${CDR(dst)}|${CDR(dcontext)}|${CDR(billsec)}|${CDR(end,u)})
 same => n,Hangup()
exten => h,1,Set(h1=${CDR(disposition)}|${CDR(lastapp)})
 same => n,Set(h2=${CDR(disposition)}|${CDR(lastapp)}|${CDR(end,u)})
";
    for (engine, call, records) in run(dialplan) {
        // Before the answer: no answer time; the application before this one.
        assert_eq!(get(&call, "before"), "NO ANSWER|[]|NoOp", "{engine}");
        // A running record is AST_CDR_NULL until it is finalized.
        assert_eq!(get(&call, "live"), "NO ANSWER|Answer|s|c|0|0.000000");
        // `h`'s first application ends the record (endbeforehexten) as it starts, after
        // its own data was substituted: that read still sees the running record.
        assert_eq!(get(&call, "h1"), "NO ANSWER|Hangup");
        // Then it is final, and saw no more applications.
        let h2 = get(&call, "h2");
        assert!(h2.starts_with("ANSWERED|Hangup|"), "{h2}");
        assert!(!h2.ends_with("|0.000000"), "{h2}");
        assert_eq!(records, ["s,,Hangup,ANSWERED"], "{engine}");
        assert!(call.log.is_empty(), "{:?}", call.log);
    }
}

#[test]
fn a_dial_gives_a_record_per_called_party_and_the_dialplan_after_it_a_new_one() {
    let dialplan = "\
[c]
exten => s,1,Dial(SIP/bob&PJSIP/carol@trunk,20,g)
 same => n,NoOp()
 same => n,Set(after=[${CDR(dstchannel)}]|${CDR(lastapp)}|${CDR(disposition)})
";
    for (engine, call, records) in run(dialplan) {
        assert_eq!(get(&call, "after"), "[]|NoOp|NO ANSWER", "{engine}");
        assert_eq!(
            records,
            [
                // The party that answered, bridged; the caller was answered then.
                "s,SIP/bob-00000002,Dial,ANSWERED",
                // The other, cancelled (canceldispositionenabled = no: NO ANSWER); chan_pjsip
                // names a channel after the endpoint, which follows the `@`.
                "s,PJSIP/trunk-00000003,Dial,NO ANSWER",
                // The dialplan after the Dial, on the answered caller.
                "s,,Set,ANSWERED",
            ],
            "{engine}"
        );
    }
}

#[test]
fn a_local_dial_reports_the_local_channels_first_half() {
    let dialplan = "\
[c]
exten => s,1,Dial(Local/200@inside&Local/300@inside,,g)
 same => n,Set(status=${DIALSTATUS}|${CDR(dstchannel)})
[inside]
exten => 200,1,Wait(1)
exten => 300,1,Playback(hello)
";
    // The second half answers as Playback answers before it plays.
    for (engine, call, records) in run(dialplan) {
        // Read as the Set starts: the last record is still the second party's.
        assert_eq!(
            get(&call, "status"),
            "ANSWER|Local/300@inside-00000001;1",
            "{engine}"
        );
        assert_eq!(
            records,
            [
                "s,Local/200@inside-00000000;1,Dial,NO ANSWER",
                "s,Local/300@inside-00000001;1,Dial,ANSWERED",
                "s,,Set,ANSWERED",
            ],
            "{engine}"
        );
    }
}

#[test]
fn reset_and_cdr_prop_work_offline() {
    let dialplan = "\
[c]
exten => s,1,Answer()
 same => n,Set(CDR(x)=1)
 same => n,ResetCDR()
 same => n,Set(x=[${CDR(x)}])
 same => n,Set(CDR_PROP(disable)=1)
";
    for (engine, call, records) in run(dialplan) {
        assert_eq!(get(&call, "x"), "[]", "{engine}");
        assert!(records.is_empty(), "{engine}: {records:?}");
        assert!(call.log.is_empty(), "{:?}", call.log);
    }
}

#[test]
fn a_call_that_ends_before_any_application_still_has_its_record_in_h() {
    // `s` does not exist: no application runs before `h`, whose reads find the record the
    // channel has had since it was made.
    let dialplan = "\
[c]
exten => 1,1,NoOp()
exten => h,1,Set(h=${CDR(dst)}|${CDR(dcontext)}|${CDR(disposition)}|[${CDR(lastapp)}])
";
    for (engine, call, records) in run(dialplan) {
        assert_eq!(get(&call, "h"), "s|c|NO ANSWER|[]", "{engine}");
        // Unanswered, no called party: not written (unanswered = no).
        assert!(records.is_empty(), "{engine}: {records:?}");
        assert!(
            call.log.iter().all(|l| !l.contains("live channel")),
            "{:?}",
            call.log
        );
    }
}

#[test]
fn reads_made_at_run_time_find_the_record() {
    // Through EVAL, a function name built from a variable, and an expression that calls
    // the function a variable's value names (ast_expr2.y's `op_func`).
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => s,1,Answer()\n same => n,Set(F=CD)\n\
          same => n,Set(r=${EVAL(${R})}|${CD${X}(lastapp)}|$[${F}R(billsec)])\n",
    );
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            call.vars
                .set(b"R", Some(b"${CDR(lastapp)}|${CDR(disposition)}"));
            call.vars.set(b"X", Some(b"R"));
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(get(&call, "r"), "Set|NO ANSWER|Set|0", "{engine_name}");
            assert!(call.log.is_empty(), "{:?}", call.log);
        }
    }
}

#[test]
fn cdr_conf_settings_apply_offline() {
    let dialplan = "[c]\nexten => s,1,Busy()\nexten => h,1,Set(h=[${CDR(disposition)}])\n";
    let (plan, _) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    let mut engine = pbx_engine::Engine::new(&plan);
    let mut run = |settings: pbx_cdr::chain::Settings| {
        let mut call = Call::new(b"c", b"s", None);
        let mut chan = SimulatedChannel::default().with_cdr_settings(settings);
        engine.run(&mut call, &mut chan, &mut |_| {});
        (call, chan)
    };
    // `unanswered = yes` writes the unanswered call; `enable = no` keeps no CDR at all.
    let (call, chan) = run(pbx_cdr::chain::Settings {
        unanswered: true,
        ..Default::default()
    });
    assert_eq!(chan.cdr_records(&call).len(), 1);
    let (call, chan) = run(pbx_cdr::chain::Settings {
        enable: false,
        ..Default::default()
    });
    assert!(chan.cdr_records(&call).is_empty());
    assert_eq!(get(&call, "h"), "[]");
    assert_eq!(
        call.log,
        ["WARNING: Function CDR needs a live channel; offline it is empty"]
    );
}

#[test]
fn a_dial_inside_a_gosub_keeps_the_callers_place_in_the_record() {
    // app_stack.c's Gosub sets AST_FLAG_SUBROUTINE_EXEC, and cdr.c does not take the place
    // of a snapshot that has it: the record keeps `c,s`, where the call was, not the
    // subroutine's `sub,dial`. Return clears the flag again.
    let dialplan = "\
[c]
exten => s,1,Answer()
 same => n,Gosub(sub,dial,1)
 same => n,Set(back=${CDR(dcontext)})
[sub]
exten => dial,1,Dial(SIP/bob,,g)
 same => n,Set(in=${CDR(dcontext)}|${CDR(dst)})
 same => n,Return()
";
    for (engine, call, records) in run(dialplan) {
        // Live reads show party A's latest snapshot, flagged or not.
        assert_eq!(get(&call, "in"), "sub|dial", "{engine}");
        // Read as the Set after Return starts: the last snapshot is still Return's.
        assert_eq!(get(&call, "back"), "sub", "{engine}");
        assert_eq!(
            records,
            [
                "s,SIP/bob-00000002,Dial,ANSWERED",
                // The record after the Dial starts inside the subroutine: its place is
                // the one the caller had, until Return.
                "s,,Set,ANSWERED",
            ],
            "{engine}"
        );
    }
}

#[test]
fn a_local_party_among_others_is_named_as_core_unreal_names_it() {
    // Only a Dial whose first party is Local runs Local offline; among others a Local
    // party is simulated like the rest, and named as Asterisk names its `;1` half.
    let dialplan = "[c]\nexten => s,1,Dial(SIP/bob&Local/9@inside/n,,g)\n same => n,Set(d=${CDR(dstchannel)})\n";
    for (engine, call, records) in run(dialplan) {
        assert_eq!(get(&call, "d"), "Local/9@inside-00000003;1", "{engine}");
        assert_eq!(
            records,
            [
                "s,SIP/bob-00000002,Dial,ANSWERED",
                "s,Local/9@inside-00000003;1,Dial,NO ANSWER",
                "s,,Set,ANSWERED",
            ],
            "{engine}"
        );
    }
}
