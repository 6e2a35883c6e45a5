//! Calls told as the events cdr.c sees, at whole seconds, with the records and the
//! `CDR()` properties Asterisk gives for them.

use super::*;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(secs)
}

/// A channel of `in,s` driven through its events.
struct Call {
    chain: Chain,
    snap: Snapshot,
}

impl Call {
    fn new(settings: Settings, dialed: bool) -> Call {
        let snap = Snapshot {
            context: "in".into(),
            exten: "s".into(),
            ..Snapshot::default()
        };
        Call {
            chain: Chain::new(settings, snap.clone(), dialed, t(100)),
            snap,
        }
    }

    /// `pbx_exec` publishing `exten,priority,App(data)` at `at`.
    fn app(&mut self, at: i64, exten: &str, priority: i32, app: &str, data: &str) -> &mut Self {
        self.snap.exten = exten.into();
        self.snap.priority = priority;
        self.snap.app = app.into();
        self.snap.data = data.into();
        self.chain.update(&self.snap, t(at));
        self
    }

    fn answer(&mut self, at: i64) -> &mut Self {
        self.snap.up = true;
        self.chain.update(&self.snap, t(at));
        self
    }

    /// The channel hangs up with `cause` and runs `h` (its first priority at `at`).
    fn h(&mut self, at: i64, cause: i32) -> &mut Self {
        self.snap.cause = cause;
        self.snap.hangup_exec = true;
        self.app(at, "h", 1, "NoOp", "bye")
    }

    fn dead(&mut self, at: i64, cause: i32) -> &mut Self {
        self.snap.cause = cause;
        self.snap.dead = true;
        self.chain.update(&self.snap, t(at));
        self
    }

    fn prop(&self, name: &str, now: i64) -> String {
        self.chain.property(name, t(now)).unwrap()
    }

    /// Each written record as `dst,dstchannel,lastapp,start,answer,end,duration,billsec,
    /// disposition` (times in seconds after 100, `-` for none).
    fn written(&self) -> Vec<String> {
        let rel = |ts: Timestamp| (ts.as_micros() / 1_000_000 - 100).to_string();
        self.chain
            .records(&PartyA::default(), t(0))
            .iter()
            .map(|c| {
                format!(
                    "{},{},{},{},{},{},{},{},{}",
                    c.dst,
                    c.dstchannel,
                    c.lastapp,
                    rel(c.start),
                    c.answer.map_or("-".into(), rel),
                    rel(c.end),
                    c.duration(),
                    c.billsec(false),
                    c.disposition
                )
            })
            .collect()
    }
}

#[test]
fn an_answered_call_counts_billsec_from_its_answer_and_ends_before_h() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(102);
    call.app(103, "s", 2, "Playback", "hello");
    // While it runs: the record has no end, durations run to now, and the disposition is
    // still AST_CDR_NULL (NO ANSWER) — only finalizing makes it ANSWERED.
    assert_eq!(call.prop("billsec", 110), "8");
    assert_eq!(call.prop("duration", 110), "10");
    assert_eq!(call.prop("end", 110), "0.000000");
    assert_eq!(call.prop("answer", 110), "102.000000");
    assert_eq!(call.prop("disposition", 110), "1");
    // The snapshot's place and application: what ran last.
    assert_eq!(call.prop("lastapp", 110), "Playback");
    assert_eq!(call.prop("lastdata", 110), "hello");
    // endbeforehexten (the default): `h` ends the record, which no longer grows.
    call.h(120, 16);
    assert_eq!(call.prop("billsec", 500), "18");
    assert_eq!(call.prop("disposition", 500), "8");
    assert_eq!(call.prop("lastapp", 500), "Playback");
    call.dead(125, 16);
    assert_eq!(
        call.written(),
        ["s,,Playback,0,2,20,20,18,ANSWERED"],
        "one record, ended when h started"
    );
}

#[test]
fn without_endbeforehexten_h_runs_inside_the_record() {
    let settings = Settings {
        endbeforehexten: false,
        ..Settings::default()
    };
    let mut call = Call::new(settings, false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.h(120, 16);
    assert_eq!(call.prop("billsec", 130), "29");
    assert_eq!(call.prop("lastapp", 130), "NoOp");
    call.dead(130, 16);
    assert_eq!(call.written(), ["h,,NoOp,0,1,30,30,29,ANSWERED"]);
}

#[test]
fn unanswered_calls_without_a_party_b_are_written_only_with_unanswered() {
    for (unanswered, expected) in [
        (false, vec![]),
        (true, vec!["s,,Busy,0,-,3,3,0,BUSY".to_string()]),
    ] {
        let mut call = Call::new(
            Settings {
                unanswered,
                ..Settings::default()
            },
            false,
        );
        call.app(101, "s", 1, "Busy", "");
        call.dead(103, 17);
        assert_eq!(call.written(), expected, "unanswered={unanswered}");
    }
}

#[test]
fn an_unanswered_dial_ends_its_record_and_the_dialplan_after_it_starts_another() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Dial", "SIP/bob,20");
    call.chain.dial_begin("SIP/bob-1", t(101));
    assert_eq!(call.prop("dstchannel", 105), "SIP/bob-1");
    call.chain.dial_end("SIP/bob-1", "NOANSWER", t(121));
    assert_eq!(call.prop("disposition", 200), "0");
    assert_eq!(call.prop("duration", 200), "21", "ended at the dial's end");
    // The next priority is a new application at a new place: a new record.
    call.app(122, "s", 2, "VoiceMail", "100@default");
    assert_eq!(call.chain.len(), 2);
    assert_eq!(call.prop("dstchannel", 125), "");
    assert_eq!(call.prop("duration", 125), "3");
    call.dead(130, 16);
    // The second record (no party B, unanswered) is filtered out; the first has a party B.
    assert_eq!(call.written(), ["s,SIP/bob-1,Dial,0,-,21,21,0,NO ANSWER"]);
}

#[test]
fn an_answered_dial_bills_from_the_callers_answer_until_the_bridge_ends() {
    let mut call = Call::new(Settings::default(), false);
    // Answered before the Dial (an IVR): billsec counts the IVR too, as in Asterisk.
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.app(102, "s", 2, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(102));
    call.chain.dial_end("SIP/bob-1", "ANSWER", t(110));
    call.chain.bridge_enter("SIP/bob-1", t(110));
    assert_eq!(call.prop("billsec", 140), "39");
    call.chain.bridge_leave(t(160));
    call.app(161, "s", 3, "Playback", "goodbye");
    call.dead(170, 16);
    assert_eq!(
        call.written(),
        [
            "s,SIP/bob-1,Dial,0,1,60,60,59,ANSWERED",
            // The dialplan after the bridge: a record of its own, answered at its start.
            "s,,Playback,61,61,70,9,9,ANSWERED",
        ]
    );
}

#[test]
fn a_caller_hanging_up_in_the_bridge_reads_the_bridge_record_in_h() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(101));
    call.answer(105);
    call.chain.dial_end("SIP/bob-1", "ANSWER", t(105));
    call.chain.bridge_enter("SIP/bob-1", t(105));
    call.chain.bridge_leave(t(150));
    call.h(150, 16);
    assert_eq!(call.prop("billsec", 999), "45");
    assert_eq!(call.prop("disposition", 999), "8");
    assert_eq!(call.prop("dstchannel", 999), "SIP/bob-1");
    call.dead(151, 16);
    assert_eq!(call.written(), ["s,SIP/bob-1,Dial,0,5,50,50,45,ANSWERED"]);
}

#[test]
fn a_parallel_dial_keeps_a_record_per_called_party() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Dial", "SIP/a&SIP/b");
    call.chain.dial_begin("SIP/a-1", t(101));
    call.chain.dial_begin("SIP/b-1", t(101));
    call.answer(104);
    call.chain.dial_end("SIP/b-1", "ANSWER", t(104));
    call.chain.dial_end("SIP/a-1", "CANCEL", t(104));
    call.chain.bridge_enter("SIP/b-1", t(104));
    call.chain.bridge_leave(t(110));
    call.dead(110, 16);
    assert_eq!(
        call.written(),
        [
            "s,SIP/a-1,Dial,0,4,4,4,0,NO ANSWER",
            // Appended when the second dial began: it starts then.
            "s,SIP/b-1,Dial,1,4,10,9,6,ANSWERED",
        ]
    );
}

#[test]
fn the_place_is_not_recorded_in_a_subroutine_an_application_runs() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.snap.in_subroutine = true;
    call.snap.context = "sub".into();
    call.app(102, "s", 1, "NoOp", "in the subroutine");
    // CDR(dst) reads the snapshot, the record keeps the place before it.
    assert_eq!(call.prop("dcontext", 103), "sub");
    call.dead(103, 16);
    assert_eq!(
        call.chain.records(&PartyA::default(), t(0))[0].dcontext,
        "in"
    );
}

#[test]
fn a_dialed_channel_without_a_party_b_writes_nothing() {
    let mut call = Call::new(Settings::default(), true);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.dead(105, 16);
    assert!(call.written().is_empty());
}

#[test]
fn settings_read_as_ast_true() {
    let mut s = Settings::default();
    assert!(s.set("Unanswered", "yes"));
    assert!(s.set("endbeforehexten", "no"));
    assert!(s.set("congestion", "on"));
    assert!(!s.set("batch", "yes"));
    assert!(s.unanswered && !s.endbeforehexten && s.congestion);
    assert_eq!(disposition::name(disposition::NULL), "NO ANSWER");
    assert_eq!(
        dial_status_to_disposition(&s, "CONGESTION"),
        disposition::CONGESTION
    );
    assert_eq!(
        dial_status_to_disposition(&s, "CHANUNAVAIL"),
        disposition::FAILED
    );
}

#[test]
fn an_application_name_in_any_script_is_taken_as_it_is() {
    assert!(starts_with_appdial("AppDial2"));
    assert!(!starts_with_appdial("Playbäck"));
    assert!(!starts_with_appdial("äpöäpöäp"));
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Wäit", "1");
    assert_eq!(call.prop("lastapp", 102), "Wäit");
}

#[test]
fn ignoredialchanges_keeps_one_record_and_only_takes_the_disposition() {
    let mut call = Call::new(
        Settings {
            ignoredialchanges: true,
            ..Settings::default()
        },
        false,
    );
    call.app(101, "s", 1, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(101));
    call.chain.dial_end("SIP/bob-1", "BUSY", t(105));
    call.app(106, "s", 2, "Playback", "busy");
    assert_eq!(call.chain.len(), 1);
    assert_eq!(call.prop("dstchannel", 107), "");
    assert_eq!(call.prop("disposition", 107), "4", "BUSY, from the dial");
    call.dead(108, 16);
    // Unanswered and without a party B: filtered.
    assert!(call.written().is_empty());
}

#[test]
fn channeldefaultenabled_no_keeps_records_readable_but_unwritten() {
    let mut call = Call::new(
        Settings {
            channeldefaultenabled: false,
            ..Settings::default()
        },
        false,
    );
    call.app(101, "s", 1, "Answer", "").answer(101);
    assert_eq!(call.prop("billsec", 104), "3");
    call.dead(105, 16);
    assert!(call.written().is_empty());
}

#[test]
fn cdr_prop_disable_keeps_this_record_and_every_later_one_unwritten_until_cleared() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.app(102, "s", 2, "Set", "CDR_PROP(disable)=1");
    call.chain.set_property(Property::Disable, true);
    // The Dial's record ends; the dialplan after it appends one, which inherits the
    // disable chain.
    call.app(103, "s", 3, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(103));
    call.chain.dial_end("SIP/bob-1", "BUSY", t(104));
    call.app(105, "s", 4, "Playback", "busy");
    assert_eq!(call.chain.len(), 2);
    call.dead(106, 16);
    assert!(call.written().is_empty(), "{:?}", call.written());

    // Cleared before the end: every record still open is written again.
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.chain.set_property(Property::Disable, true);
    call.app(102, "s", 2, "Set", "CDR_PROP(disable)=0");
    call.chain.set_property(Property::Disable, false);
    call.dead(104, 16);
    assert_eq!(call.written(), ["s,,Set,0,1,4,4,3,ANSWERED"]);
}

#[test]
fn cdr_prop_in_h_still_disables_the_record_h_ended() {
    // `endbeforehexten` ends the record when `h` starts but leaves it in its state, and
    // properties skip only records in the finalized state: `Set(CDR_PROP(disable)=1)` in
    // `h` still keeps it from being written.
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.h(110, 16);
    call.chain.set_property(Property::Disable, true);
    call.dead(111, 16);
    assert!(call.written().is_empty());
}

#[test]
fn a_channel_can_turn_on_what_channeldefaultenabled_no_turned_off() {
    let settings = Settings {
        channeldefaultenabled: false,
        ..Settings::default()
    };
    let mut call = Call::new(settings, false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.app(102, "s", 2, "Set", "CDR_PROP(disable)=0");
    call.chain.set_property(Property::Disable, false);
    call.dead(105, 16);
    assert_eq!(call.written(), ["s,,Set,0,1,5,5,4,ANSWERED"]);
}

#[test]
fn reset_starts_every_record_again_now_and_answers_an_up_channel_now() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.app(110, "s", 2, "ResetCDR", "");
    call.chain.reset(t(110));
    assert_eq!(call.prop("start", 115), "110.000000");
    assert_eq!(call.prop("answer", 115), "110.000000");
    assert_eq!(call.prop("billsec", 115), "5");
    call.dead(120, 16);
    assert_eq!(call.written(), ["s,,ResetCDR,10,10,20,10,10,ANSWERED"]);

    // Not up: no answer; a record that had ended (a finished Dial) is open again, and
    // ends with the channel.
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(101));
    call.chain.dial_end("SIP/bob-1", "NOANSWER", t(105));
    call.app(106, "s", 2, "ResetCDR", "");
    call.chain.reset(t(106));
    assert_eq!(call.prop("answer", 107), "0.000000");
    call.dead(109, 16);
    assert_eq!(call.written(), ["s,SIP/bob-1,Dial,6,-,9,3,0,NO ANSWER"]);
}

#[test]
fn fork_appends_a_record_in_the_same_state_with_the_first_ones_place() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(102);
    call.app(103, "s", 2, "ForkCDR", "");
    assert!(call.chain.fork(Fork::default(), t(103)));
    assert_eq!(call.chain.len(), 2);
    // The new record: the first one's application, start and answer; both keep running.
    assert_eq!(call.prop("lastapp", 104), "ForkCDR");
    assert_eq!(call.prop("start", 104), "100.000000");
    call.app(105, "s", 3, "Playback", "x");
    call.dead(110, 16);
    assert_eq!(
        call.written(),
        [
            "s,,Playback,0,2,10,10,8,ANSWERED",
            // The fork's application was set from the first record's, then followed the
            // channel as an unlocked record does.
            "s,,Playback,0,2,10,10,8,ANSWERED",
        ]
    );
}

#[test]
fn fork_options_answer_reset_and_end_the_records_before() {
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(102);
    call.app(104, "s", 2, "ForkCDR", "e");
    let end = Fork {
        finalize: true,
        ..Fork::default()
    };
    assert!(call.chain.fork(end, t(104)));
    call.app(106, "s", 3, "ForkCDR", "r");
    let reset = Fork {
        reset: true,
        ..Fork::default()
    };
    assert!(call.chain.fork(reset, t(106)));
    call.app(108, "s", 4, "ForkCDR", "a");
    let answer = Fork {
        set_answer: true,
        ..Fork::default()
    };
    assert!(call.chain.fork(answer, t(108)));
    call.dead(110, 16);
    assert_eq!(
        call.written(),
        [
            // Ended by the first fork's `e`, when it last saw the channel.
            "s,,ForkCDR,0,2,4,4,2,ANSWERED",
            "s,,ForkCDR,0,2,10,10,8,ANSWERED",
            // `r`: started and answered at the fork.
            "s,,ForkCDR,6,6,10,4,4,ANSWERED",
            // `a` on an up channel: answered at the fork, started as the record it forks.
            "s,,ForkCDR,6,8,10,4,2,ANSWERED",
        ]
    );
}

#[test]
fn nothing_forks_once_the_last_record_is_finalized() {
    // An unanswered Dial finalizes its record; until the dialplan goes on, it is the last.
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Dial", "SIP/bob");
    call.chain.dial_begin("SIP/bob-1", t(101));
    call.chain.dial_end("SIP/bob-1", "BUSY", t(105));
    assert!(!call.chain.fork(Fork::default(), t(106)));
    assert_eq!(call.chain.len(), 1);
    // `h` ends a record without finalizing its state: that one forks.
    let mut call = Call::new(Settings::default(), false);
    call.app(101, "s", 1, "Answer", "").answer(101);
    call.h(105, 16);
    assert!(call.chain.fork(Fork::default(), t(106)));
    assert_eq!(call.chain.len(), 2);
}

/// One thing that can happen to a channel, for the property test below.
#[derive(Clone, Debug)]
enum Event {
    App(u8, &'static str),
    Answer,
    DialBegin(u8),
    DialEnd(u8, &'static str),
    BridgeEnter(u8),
    BridgeLeave,
    PartyBHungUp(u8, i32),
    H(i32),
    Reset,
    Fork(u8),
    Disable(bool),
}

impl Event {
    /// What the event does to `call` at `now`; an application start is the caller's to
    /// make (the tests below publish it differently).
    fn happen_to(self, call: &mut Call, now: i64) {
        let peer = |p: u8| format!("SIP/p{p}-1");
        match self {
            Event::App(..) => {}
            Event::Answer => {
                call.answer(now);
            }
            Event::DialBegin(p) => call.chain.dial_begin(&peer(p), t(now)),
            Event::DialEnd(p, s) => call.chain.dial_end(&peer(p), s, t(now)),
            Event::BridgeEnter(p) => call.chain.bridge_enter(&peer(p), t(now)),
            Event::BridgeLeave => call.chain.bridge_leave(t(now)),
            Event::PartyBHungUp(p, c) => call.chain.party_b_hung_up(&peer(p), c),
            Event::H(c) => {
                call.h(now, c);
            }
            Event::Reset => call.chain.reset(t(now)),
            Event::Fork(bits) => {
                let options = Fork {
                    set_answer: bits & 1 != 0,
                    finalize: bits & 2 != 0,
                    reset: bits & 4 != 0,
                    keep_vars: bits & 8 != 0,
                };
                call.chain.fork(options, t(now));
            }
            Event::Disable(on) => call.chain.set_property(Property::Disable, on),
        }
    }
}

fn event() -> impl proptest::strategy::Strategy<Value = Event> {
    use proptest::prelude::*;
    let app = prop::sample::select(vec!["Dial", "NoOp", "Playback", "", "AppDial2", "Wäit"]);
    let status = prop::sample::select(vec![
        "ANSWER",
        "BUSY",
        "NOANSWER",
        "CANCEL",
        "CONGESTION",
        "CHANUNAVAIL",
        "ABORT",
    ]);
    prop_oneof![
        (0u8..4, app).prop_map(|(p, a)| Event::App(p, a)),
        Just(Event::Answer),
        (0u8..3).prop_map(Event::DialBegin),
        (0u8..3, status).prop_map(|(p, s)| Event::DialEnd(p, s)),
        (0u8..3).prop_map(Event::BridgeEnter),
        Just(Event::BridgeLeave),
        (0u8..3, prop::sample::select(vec![0, 16, 17, 19, 34]))
            .prop_map(|(p, c)| Event::PartyBHungUp(p, c)),
        prop::sample::select(vec![16, 17, 21]).prop_map(Event::H),
        Just(Event::Reset),
        (0u8..16).prop_map(Event::Fork),
        any::<bool>().prop_map(Event::Disable),
    ]
}

proptest::proptest! {
    /// Whatever happens in whatever order, under any settings: nothing panics, the chain
    /// keeps a record, and once the channel is gone every record has ended no earlier than
    /// it started, with one of cdr.c's dispositions, and a property read of each name works.
    #[test]
    fn any_sequence_of_events_leaves_ended_well_formed_records(
        events in proptest::collection::vec(event(), 0..40),
        flags in proptest::prelude::any::<[bool; 6]>(),
        dialed in proptest::prelude::any::<bool>(),
    ) {
        let settings = Settings {
            unanswered: flags[0],
            congestion: flags[1],
            endbeforehexten: flags[2],
            initiatedseconds: flags[3],
            canceldispositionenabled: flags[4],
            ignoredialchanges: flags[5],
            ..Settings::default()
        };
        let mut call = Call::new(settings, dialed);
        let mut now = 100;
        for e in events {
            now += 1;
            match e {
                Event::App(p, app) => { call.app(now, "s", i32::from(p) + 1, app, "x"); }
                other => other.happen_to(&mut call, now),
            }
            proptest::prop_assert!(!call.chain.is_empty());
            for name in ["dst", "lastapp", "start", "answer", "end", "duration", "billsec", "disposition"] {
                proptest::prop_assert!(call.chain.property(name, t(now)).is_some());
            }
        }
        call.dead(now + 1, 16);
        for r in &call.chain.records {
            proptest::prop_assert!(!r.end.is_zero(), "{r:?}");
            proptest::prop_assert!(r.end >= r.start, "{r:?}");
            proptest::prop_assert!(
                [1, 0, 2, 4, 8, 16, 32].contains(&r.disposition),
                "{r:?}"
            );
        }
        let written = call.chain.records(&PartyA::default(), t(0));
        proptest::prop_assert!(written.len() <= call.chain.len());
    }
}

/// The records as they stand, their sequence numbers (a global counter) left out.
fn state(chain: &Chain) -> String {
    let mut records = chain.records.clone();
    for r in &mut records {
        r.sequence = 0;
    }
    format!("{records:?}")
}

proptest::proptest! {
    /// A channel that leaves out the snapshots `can_skip` allows — keeping only the latest,
    /// handing it over before anything else happens — ends with the very records of one
    /// that publishes every snapshot, and reads the same properties all along.
    #[test]
    fn skipping_what_can_skip_allows_changes_no_record(
        events in proptest::collection::vec(event(), 0..40),
        dialed in proptest::prelude::any::<bool>(),
    ) {
        let mut every = Call::new(Settings::default(), dialed);
        let mut latest = Call::new(Settings::default(), dialed);
        // The snapshot `latest` has not handed over yet, and its time.
        let mut pending: Option<(Snapshot, i64)> = None;
        let mut now = 100;
        for e in events {
            now += 1;
            if let Event::App(p, app) = e {
                every.app(now, "s", i32::from(p) + 1, app, "x");
                latest.snap.exten = "s".into();
                latest.snap.priority = i32::from(p) + 1;
                latest.snap.app = app.into();
                latest.snap.data = "x".into();
                if latest.chain.can_skip(&latest.snap) {
                    // It replaces whatever was pending.
                    pending = Some((latest.snap.clone(), now));
                } else {
                    if let Some((snap, at)) = pending.take() {
                        latest.chain.update(&snap, t(at));
                    }
                    latest.chain.update(&latest.snap, t(now));
                }
            } else {
                if let Some((snap, at)) = pending.take() {
                    latest.chain.update(&snap, t(at));
                }
                for call in [&mut every, &mut latest] {
                    e.clone().happen_to(call, now);
                }
                proptest::prop_assert_eq!(state(&every.chain), state(&latest.chain));
            }
        }
        if let Some((snap, at)) = pending.take() {
            latest.chain.update(&snap, t(at));
        }
        proptest::prop_assert_eq!(state(&every.chain), state(&latest.chain));
        every.dead(now + 1, 16);
        latest.dead(now + 1, 16);
        proptest::prop_assert_eq!(state(&every.chain), state(&latest.chain));
    }
}
