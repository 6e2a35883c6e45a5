//! Calls through the running PBX with scripted callers: what each application does on a
//! real (scripted) channel, in real time.

mod common;

use std::time::{Duration, Instant};

use common::{fixture, hangup_after, keys};
use pbx::channel::{Cause, Indication};
use pbx::scripted::Script;

#[test]
fn playback_answers_plays_in_real_time_and_hangs_up() {
    let f = fixture(
        "playback",
        "[in]\nexten => s,1,Playback(prompt)\n same => n,Hangup()\n",
    );
    let started = Instant::now();
    let (chan, rec) = f.call("in", "s", Script::default());
    f.settle();
    let took = started.elapsed();
    // One second of prompt is 50 frames, paced by the media clock, which counts them too.
    assert_eq!(rec.frames(), 50);
    assert_eq!(
        f.pbx
            .media
            .stats()
            .frames
            .load(std::sync::atomic::Ordering::Relaxed),
        50
    );
    assert!(
        took >= Duration::from_millis(980),
        "played too fast: {took:?}"
    );
    assert_eq!(rec.indications(), vec![Indication::Answer]);
    assert_eq!(rec.hangup_cause(), Some(Cause::NORMAL_CLEARING));
    assert_eq!(chan.played(), vec!["prompt"]);
    assert_eq!(
        chan.trace(),
        vec!["in,s,1,Playback(prompt)", "in,s,2,Hangup()"]
    );
    assert_eq!(chan.final_var("PLAYBACKSTATUS").as_deref(), Some("SUCCESS"));
}

#[test]
fn a_missing_prompt_fails_playback_and_the_dialplan_goes_on() {
    let f = fixture(
        "missing",
        "[in]\nexten => s,1,Playback(no-such-file)\n same => n,NoOp(${PLAYBACKSTATUS})\n",
    );
    let (chan, rec) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(rec.frames(), 0);
    assert_eq!(
        chan.trace(),
        vec!["in,s,1,Playback(no-such-file)", "in,s,2,NoOp(FAILED)"]
    );
}

#[test]
fn background_is_cut_by_a_key_which_starts_the_extension() {
    let f = fixture(
        "background",
        "[ivr]\n\
         exten => s,1,Background(long)\n same => n,WaitExten(1)\n\
         exten => 42,1,Playback(short)\n same => n,Hangup()\n",
    );
    let started = Instant::now();
    let (chan, _rec) = f.call("ivr", "s", keys(&[(300, b'4'), (500, b'2')]));
    f.settle();
    // The 10 s prompt stopped at the first key; the second completed 42.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        chan.trace(),
        vec![
            "ivr,s,1,BackGround(long)",
            "ivr,42,1,Playback(short)",
            "ivr,42,2,Hangup()"
        ]
    );
    assert_eq!(chan.played(), vec!["long", "short"]);
}

#[test]
fn wait_exten_times_out_to_t() {
    let f = fixture(
        "waitexten",
        "[ivr]\nexten => s,1,Answer()\n same => n,WaitExten(0.3)\n\
         exten => t,1,NoOp(timeout)\n",
    );
    let (chan, _) = f.call("ivr", "s", Script::default());
    f.settle();
    assert_eq!(
        chan.trace(),
        vec![
            "ivr,s,1,Answer()",
            "ivr,s,2,WaitExten(0.3)",
            "ivr,t,1,NoOp(timeout)"
        ]
    );
}

#[test]
fn read_collects_keys_until_pound() {
    let f = fixture(
        "read",
        "[in]\nexten => s,1,Read(PIN,short,,,,2)\n same => n,NoOp(${PIN}/${READSTATUS})\n",
    );
    let (chan, _) = f.call(
        "in",
        "s",
        keys(&[(100, b'1'), (250, b'2'), (400, b'3'), (550, b'#')]),
    );
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(123/OK)");
}

#[test]
fn read_times_out_with_what_it_has() {
    let f = fixture(
        "readtimeout",
        "[in]\nexten => s,1,Read(PIN,short,,,,0.3)\n same => n,NoOp(${PIN}/${READSTATUS})\n",
    );
    let (chan, _) = f.call("in", "s", keys(&[(250, b'7')]));
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(7/OK)");
}

#[test]
fn hanging_up_during_playback_ends_the_call_and_runs_h() {
    let f = fixture(
        "hangup",
        "[in]\nexten => s,1,Playback(long)\n same => n,NoOp(never)\n\
         exten => h,1,NoOp(bye ${PLAYBACKSTATUS})\n",
    );
    let started = Instant::now();
    let (chan, rec) = f.call("in", "s", hangup_after(300));
    f.settle();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        rec.frames() < 30,
        "frames after the hang-up: {}",
        rec.frames()
    );
    assert_eq!(
        chan.trace(),
        vec!["in,s,1,Playback(long)", "in,h,1,NoOp(bye FAILED)"]
    );
    // The clock drops the stream at its next tick.
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(f.pbx.media.streams(), 0);
}

#[test]
fn echo_returns_what_the_caller_sends_until_pound() {
    let f = fixture(
        "echo",
        "[in]\nexten => s,1,Answer()\n same => n,Echo()\n same => n,NoOp(done)\n",
    );
    let (chan, rec) = f.call("in", "s", keys(&[(400, b'#')]));
    // The caller speaks 10 frames while Echo runs.
    std::thread::sleep(Duration::from_millis(150));
    for _ in 0..10 {
        chan.receive_frame(&[1000; 160]);
    }
    f.settle();
    assert_eq!(rec.frames(), 10);
    assert_eq!(chan.trace().last().unwrap(), "in,s,3,NoOp(done)");
}

#[test]
fn say_digits_plays_one_file_per_digit() {
    let f = fixture("say", "[in]\nexten => s,1,SayDigits(12#)\n");
    for d in ["digits/1", "digits/2", "digits/pound"] {
        std::fs::create_dir_all(f.dir.join("sounds/en/digits")).unwrap();
        std::fs::write(f.dir.join(format!("sounds/en/{d}.wav")), common::tone(100)).unwrap();
    }
    let (chan, rec) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.played(), vec!["digits/1", "digits/2", "digits/pound"]);
    assert_eq!(rec.frames(), 15);
}

#[test]
fn music_on_hold_loops_its_class_for_the_duration() {
    let f = fixture("moh", "[in]\nexten => s,1,MusicOnHold(default,1)\n");
    let started = Instant::now();
    let (_, rec) = f.call("in", "s", Script::default());
    f.settle();
    // Two turns of a 500 ms file in one second.
    assert!(
        (45..=52).contains(&rec.frames()),
        "frames: {}",
        rec.frames()
    );
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[test]
fn record_keeps_what_the_caller_said_until_pound() {
    let f = fixture(
        "record",
        "[in]\nexten => s,1,Record(msg.wav,,5)\n same => n,NoOp(${RECORD_STATUS})\n",
    );
    let (chan, _) = f.call("in", "s", keys(&[(600, b'#')]));
    // After the 100 ms beep, 25 frames (0.5 s) of speech.
    std::thread::sleep(Duration::from_millis(250));
    for _ in 0..25 {
        chan.receive_frame(&[2000; 160]);
    }
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(DTMF)");
    let wav = std::fs::read(f.dir.join("run/recordings/msg.wav")).unwrap();
    let sound = pbx_media::sound::decode(&wav, pbx_media::sound::Format::Wav).unwrap();
    // 500 ms said, less the last 250 ms app_record strips as the key's tone.
    assert_eq!(sound.samples.len(), 25 * 160 - 2000);
}

#[test]
fn record_stops_after_its_silence_and_keeps_one_second_of_it() {
    let f = fixture(
        "silence",
        "[in]
exten => s,1,Record(quiet.sln,2,10,q)
 same => n,NoOp(${RECORD_STATUS})
",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    std::thread::sleep(Duration::from_millis(100));
    // 10 loud frames, then silence until Record gives up (more than 2 s of it).
    for _ in 0..10 {
        chan.receive_frame(&[3000; 160]);
    }
    for _ in 0..101 {
        chan.receive_frame(&[10; 160]);
    }
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(SILENCE)");
    let sln = std::fs::read(f.dir.join("run/recordings/quiet.sln")).unwrap();
    // 111 frames heard; the last (2000 - 1000) ms of silence cut.
    assert_eq!(sln.len() / 2, 111 * 160 - 8000);
}

#[test]
fn dial_local_bridges_the_caller_with_the_answering_half() {
    let f = fixture(
        "dial",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,g)\n same => n,NoOp(${DIALSTATUS})\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Playback(prompt)\n same => n,Hangup()\n",
    );
    let (chan, rec) = f.call("in", "s", Script::default());
    f.settle();
    // The callee's prompt reached the caller across the bridge.
    assert!(
        (48..=50).contains(&rec.frames()),
        "frames: {}",
        rec.frames()
    );
    assert_eq!(
        chan.trace(),
        vec!["in,s,1,Dial(Local/200@inside,5,g)", "in,s,2,NoOp(ANSWER)"]
    );
    assert!(
        chan.final_var("DIALEDPEERNAME")
            .unwrap()
            .starts_with("Local/200@inside-")
    );
    let cdr = f.cdr();
    assert!(
        cdr.contains(r#""s","in","""Alice"" <100>","Test/caller-s","Local/200@inside-"#),
        "{cdr}"
    );
    assert!(cdr.contains("\"ANSWERED\""), "{cdr}");
}

#[test]
fn dial_reports_busy_and_no_answer() {
    let f = fixture(
        "dialstatus",
        "[in]\nexten => s,1,Dial(Test/bob/busy)\n same => n,Dial(Test/carol/noanswer,0.3)\n\
         same => n,Dial(Nope/x)\n same => n,NoOp(${DIALSTATUS})\n",
    );
    // The caller hangs up during the congestion tone autofallthrough then plays for 10 s.
    let (chan, _) = f.call("in", "s", hangup_after(1500));
    f.settle();
    let vars = chan.trace();
    assert_eq!(vars.len(), 4);
    assert_eq!(vars[3], "in,s,4,NoOp(CHANUNAVAIL)");
    let f2 = fixture(
        "dialbusy",
        "[in]\nexten => s,1,Dial(Test/bob/busy)\n same => n,NoOp(${DIALSTATUS} ${HANGUPCAUSE})\n\
         same => n,Dial(Test/carol/noanswer,0.3)\n same => n,NoOp(${DIALSTATUS} ${HANGUPCAUSE})\n\
         same => n,Dial(Local/1@up,,g)\n same => n,NoOp(${DIALSTATUS} ${HANGUPCAUSE})\n\
         [up]\nexten => 1,1,Answer()\n same => n,Hangup()\n",
    );
    let (chan, _) = f2.call("in", "s", Script::default());
    f2.settle();
    let trace = chan.trace();
    // app_dial hands the caller the called party's cause (17, user busy) while the caller
    // lives on; a timeout leaves it; an answer makes it normal clearing (16).
    assert_eq!(trace[1], "in,s,2,NoOp(BUSY 17)");
    assert_eq!(trace[3], "in,s,4,NoOp(NOANSWER 17)");
    assert_eq!(trace[5], "in,s,6,NoOp(ANSWER 16)");

    // The cause a busy Dial left is the one `Hangup()` hangs up with, and h reads; a cause
    // given to Hangup replaces it.
    let f3 = fixture(
        "dialcause",
        "[in]\nexten => s,1,Dial(Test/bob/busy)\n same => n,Hangup()\n\
         exten => 2,1,Dial(Test/bob/busy)\n same => n,Hangup(21)\n\
         exten => h,1,Set(H=${HANGUPCAUSE})\n",
    );
    let (kept, kept_rec) = f3.call("in", "s", Script::default());
    let (given, given_rec) = f3.call("in", "2", Script::default());
    f3.settle();
    assert_eq!(kept.final_var("H").as_deref(), Some("17"));
    assert_eq!(kept_rec.hangup_cause(), Some(Cause::USER_BUSY));
    assert_eq!(given.final_var("H").as_deref(), Some("21"));
    assert_eq!(given_rec.hangup_cause(), Some(Cause::CALL_REJECTED));
}

#[test]
fn the_absolute_timeout_cuts_waits_ringing_and_bridges_short_and_goes_to_t() {
    let f = fixture(
        "absolute",
        "[wait]\nexten => s,1,Set(TIMEOUT(absolute)=0.3)\n same => n,Wait(20)\n\
         same => n,NoOp(never)\nexten => T,1,NoOp(T)\n\
         [ringing]\nexten => s,1,Set(TIMEOUT(absolute)=0.3)\n\
         same => n,Dial(Local/300@inside,20)\n same => n,NoOp(never)\n\
         exten => T,1,NoOp(${DIALSTATUS})\n\
         [bridged]\nexten => s,1,Set(TIMEOUT(absolute)=0.5)\n\
         same => n,Dial(Local/200@inside,20,g)\n same => n,NoOp(never)\n\
         exten => T,1,NoOp(${DIALSTATUS})\n\
         [inside]\nexten => 300,1,Wait(20)\nexten => 200,1,Answer()\n same => n,Wait(20)\n",
    );
    for (context, last) in [
        ("wait", "wait,T,1,NoOp(T)"),
        // The caller's timeout ends the attempt as its hang-up would.
        ("ringing", "ringing,T,1,NoOp(CANCEL)"),
        ("bridged", "bridged,T,1,NoOp(ANSWER)"),
    ] {
        let started = Instant::now();
        let (chan, _) = f.call(context, "s", Script::default());
        f.settle();
        // Each would take 20 s without the timeout.
        assert!(started.elapsed() < Duration::from_secs(5), "{context}");
        let trace = chan.trace();
        assert_eq!(trace.len(), 3, "{context}: {trace:?}");
        assert_eq!(trace[2], last, "{context}");
    }
}

#[test]
fn the_dialplan_reads_asterisk_conf_names_and_the_hang_up_cause() {
    let dir = common::temp_dir("system");
    common::write_config(
        &dir,
        "[in]\nexten => s,1,Set(n=${SYSTEMNAME}:${ASTAGIDIR}:${HANGUPCAUSE})\n same => n,Wait(20)\n\
         exten => h,1,Set(h=${HANGUPCAUSE})\n",
    );
    std::fs::write(
        dir.join("asterisk.conf"),
        "[options]\nsystemname=pbx7\n[directories]\nastagidir=/srv/agi\n",
    )
    .unwrap();
    let mut options = pbx::pbx::Options::for_source(pbx::program::Source::Dir(dir.clone()));
    options.keep_traces = true;
    let f = common::Fixture {
        dir,
        pbx: pbx::pbx::Pbx::start(options).unwrap(),
    };
    let (chan, _) = f.call("in", "s", hangup_after(200));
    f.settle();
    assert_eq!(chan.final_var("n").as_deref(), Some("pbx7:/srv/agi:0"));
    // In `h`, the cause the caller hung up with (NORMAL_CLEARING).
    assert_eq!(chan.final_var("h").as_deref(), Some("16"));
}

#[test]
fn the_caller_hanging_up_while_dialling_cancels_the_attempt() {
    let f = fixture(
        "cancel",
        "[in]\nexten => s,1,Dial(Local/300@inside,10)\n\
         [inside]\nexten => 300,1,Wait(20)\n",
    );
    let started = Instant::now();
    let (chan, _) = f.call("in", "s", hangup_after(200));
    f.settle();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(chan.final_var("DIALSTATUS").as_deref(), Some("CANCEL"));
}

#[test]
fn a_panicking_driver_ends_its_call_not_the_pbx() {
    let f = fixture(
        "panic",
        "[in]\nexten => s,1,Dial(Test/x/panic)\n same => n,NoOp(unreached)\n\
         exten => 2,1,Playback(short)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert!(chan.is_hung_up());
    assert_eq!(chan.trace(), vec!["in,s,1,Dial(Test/x/panic)"]);
    // The PBX still takes calls.
    let (_, rec) = f.call("in", "2", Script::default());
    f.settle();
    assert_eq!(rec.frames(), 10);
}

#[test]
fn after_the_last_priority_a_busy_dial_is_told_to_the_caller() {
    // autofallthrough: `indicate_busy`/`indicate_congestion`, for 10 s or until the caller
    // hangs up (here after 0.3 s).
    let f = fixture(
        "fallthrough",
        "[in]\nexten => s,1,Dial(Test/bob/busy)\nexten => c,1,Dial(Nope/x)\n",
    );
    for (exten, indication) in [("s", Indication::Busy), ("c", Indication::Congestion)] {
        let started = Instant::now();
        let (_, rec) = f.call("in", exten, hangup_after(300));
        f.settle();
        assert!(
            rec.indications().contains(&indication),
            "{exten}: {:?}",
            rec.indications()
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{exten}");
    }
}

#[test]
fn hangup_with_a_cause_hangs_the_channel_up_with_it() {
    let f = fixture(
        "hangupcause",
        "[in]\nexten => s,1,Hangup(17)\nexten => n,1,Hangup(CALL_REJECTED)\nexten => d,1,Hangup()\n",
    );
    for (exten, cause) in [
        ("s", Cause::USER_BUSY),
        ("n", Cause::CALL_REJECTED),
        ("d", Cause::NORMAL_CLEARING),
    ] {
        let (_, rec) = f.call("in", exten, Script::default());
        f.settle();
        assert_eq!(rec.hangup_cause(), Some(cause), "{exten}");
    }
}

#[test]
fn busy_indicates_and_hangs_up_with_user_busy() {
    let f = fixture("busy", "[in]\nexten => s,1,Busy(0.2)\n");
    let (_, rec) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(rec.indications(), vec![Indication::Busy]);
    assert_eq!(rec.hangup_cause(), Some(Cause::USER_BUSY));
}

#[test]
fn a_cdr_is_written_for_every_answered_call_and_with_unanswered_for_the_others() {
    let dialplan = "[in]\nexten => s,1,Answer()\n same => n,Wait(0.1)\n same => n,Hangup()\n\
                    exten => 5,1,Busy(0.1)\n";
    // cdr.conf's default (`unanswered = no`): the busy call, unanswered and with no called
    // party, is not written.
    let f = fixture("cdr-default", dialplan);
    f.call("in", "s", Script::default());
    f.call("in", "5", Script::default());
    f.settle();
    let cdr = f.cdr();
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    assert!(cdr.contains("\"ANSWERED\""), "{cdr}");

    let f = common::fixture_with("cdr", dialplan, |o| o.cdr_settings.unanswered = true);
    f.call("in", "s", Script::default());
    f.settle();
    f.call("in", "5", Script::default());
    f.settle();
    let cdr = f.cdr();
    let lines: Vec<&str> = cdr.lines().collect();
    assert_eq!(lines.len(), 2, "{cdr}");
    // accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, …
    assert!(
        lines[0]
            .starts_with(r#""","100","s","in","""Alice"" <100>","Test/caller-s","","Hangup","","#),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("\"ANSWERED\""));
    assert!(lines[1].contains("\"Busy\",\"0.1\""), "{}", lines[1]);
    assert!(lines[1].contains("\"BUSY\""), "{}", lines[1]);
}

#[test]
fn dial_g_sends_the_caller_to_the_target_and_the_called_party_one_priority_on() {
    let f = fixture(
        "dialG",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,G(after^s^1))\n\
         [after]\nexten => s,1,NoOp(caller here)\n same => n,NoOp(called party here)\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(0.3)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(
        chan.trace(),
        vec![
            "in,s,1,Dial(Local/200@inside,5,G(after^s^1))",
            "after,s,1,NoOp(caller here)",
            "after,s,2,NoOp(called party here)",
        ]
    );
    // The called side (`;1`) ran the priority after the target on its own.
    let cdr = f.cdr();
    assert!(
        cdr.lines()
            .any(|l| l.contains(";1\",\"\",\"NoOp\",\"called party here\"")),
        "{cdr}"
    );
}

#[test]
fn dial_u_runs_a_subroutine_on_the_called_party_whose_result_decides() {
    let f = fixture(
        "dialU",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,U(screen^${ARG})g)\n\
         same => n,NoOp(${DIALSTATUS} ${GOSUB_RETVAL})\n\
         [screen]\nexten => s,1,Set(GOSUB_RESULT=${ARG1})\n same => n,Return(checked ${ARG1})\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(0.5)\n",
    );
    // With no result the bridge goes ahead, and the called party's hang-up ends it (`g` goes
    // on); the subroutine's return value comes back to the caller.
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let trace = chan.trace();
    assert_eq!(trace[1], "in,s,2,NoOp(ANSWER checked )", "{trace:?}");

    let f2 = fixture(
        "dialU2",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,U(screen^BUSY))\n\
         same => n,NoOp(${DIALSTATUS} ${GOSUB_RETVAL})\n\
         exten => t,1,Dial(Local/200@inside,5,U(redirect))\n\
         exten => a,1,Dial(Local/200@inside,5,U(screen^ABORT))\n same => n,NoOp(unreached)\n\
         [elsewhere]\nexten => s,1,NoOp(sent here)\n\
         [redirect]\nexten => s,1,Set(GOSUB_RESULT=GOTO:elsewhere^s^1)\n same => n,Return()\n\
         [screen]\nexten => s,1,Set(GOSUB_RESULT=${ARG1})\n same => n,Return(checked ${ARG1})\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(5)\n",
    );
    // (The caller hangs up during the busy tone that follows the last priority.)
    let (busy, _) = f2.call("in", "s", hangup_after(1500));
    let (goto, _) = f2.call("in", "t", Script::default());
    let (abort, _) = f2.call("in", "a", Script::default());
    f2.settle();
    assert_eq!(busy.trace()[1], "in,s,2,NoOp(BUSY checked BUSY)");
    assert_eq!(goto.trace()[1], "elsewhere,s,1,NoOp(sent here)");
    assert_eq!(
        abort.trace(),
        vec!["in,a,1,Dial(Local/200@inside,5,U(screen^ABORT))"]
    );
}

#[test]
fn a_caller_with_t_capital_blind_transfers_the_called_party_with_pound() {
    let f = fixture(
        "xferT",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,T)\n same => n,NoOp(unreached)\n\
         exten => 300,1,NoOp(transferred)\n same => n,Hangup()\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(5)\n",
    );
    let started = Instant::now();
    let (chan, _) = f.call(
        "in",
        "s",
        keys(&[(300, b'#'), (400, b'3'), (500, b'0'), (600, b'0')]),
    );
    f.settle();
    assert!(started.elapsed() < Duration::from_secs(4));
    // The caller left; the called side went on at 300.
    assert_eq!(chan.trace(), vec!["in,s,1,Dial(Local/200@inside,5,T)"]);
    let cdr = f.cdr();
    assert!(
        cdr.lines()
            .any(|l| l.contains("\"300\",\"in\"") && l.contains("\"Hangup\"")),
        "{cdr}"
    );
}

#[test]
fn keys_cross_the_bridge_but_a_transfer_key_does_not() {
    // The called party plays a prompt only if it read the key the caller pressed.
    let dialplan = |options: &str| {
        format!(
            "[in]\nexten => s,1,Dial(Local/200@inside,5,{options})\n same => n,NoOp(${{DIALSTATUS}})\n\
             [inside]\nexten => 200,1,Answer()\n same => n,Read(GOT,,1,,1,1)\n\
             same => n,GotoIf($[\"${{GOT}}\" = \"\"]?silent)\n same => n,Playback(short)\n\
             same => n(silent),Hangup()\n"
        )
    };
    let f = fixture("crossing", &dialplan("g"));
    let (chan, rec) = f.call("in", "s", keys(&[(300, b'5')]));
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(ANSWER)");
    assert_eq!(rec.frames(), 10, "the 5 did not reach the called party");

    // With T, `#` starts a transfer instead (nothing valid is dialled after it: the bridge
    // resumes and the called party read nothing).
    let f = fixture("held", &dialplan("gT"));
    let (chan, rec) = f.call("in", "s", keys(&[(300, b'#')]));
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(ANSWER)");
    assert_eq!(rec.frames(), 0, "the # crossed the bridge");
}

#[test]
fn globals_are_shared_between_calls_and_survive_a_reload() {
    let f = fixture(
        "globals",
        "[globals]\nCOUNT=0\n[in]\nexten => s,1,Set(GLOBAL(COUNT)=$[${COUNT}+1])\n\
         same => n,NoOp(${COUNT})\n",
    );
    let count_after_call = || {
        let (chan, _) = f.call("in", "s", Script::default());
        f.settle();
        chan.trace()[1].clone()
    };
    assert_eq!(count_after_call(), "in,s,2,NoOp(1)");
    assert_eq!(count_after_call(), "in,s,2,NoOp(2)");
    // A reload sets the file's globals again (COUNT=0) but keeps what it does not name.
    std::fs::write(
        f.dir.join("extensions.conf"),
        "[globals]\nCOUNT=10\n[in]\nexten => s,1,Set(GLOBAL(COUNT)=$[${COUNT}+1])\n\
         same => n,NoOp(${COUNT} ${EXTRA})\n exten => x,1,Set(GLOBAL(EXTRA)=kept)\n",
    )
    .unwrap();
    f.pbx.reload().unwrap();
    f.call("in", "x", Script::default());
    f.settle();
    f.pbx.reload().unwrap();
    assert_eq!(count_after_call(), "in,s,2,NoOp(11 kept)");
}

#[test]
fn the_jit_and_the_interpreter_give_a_looping_call_the_same_trace() {
    let dialplan = "[in]\nexten => s,1,Set(i=0)\n same => n(top),Set(i=$[${i}+1])\n\
                    same => n,GotoIf($[${i}<4000]?top)\n same => n,Wait(0.01)\n\
                    same => n,NoOp(done ${i})\n";
    let run = |jit: bool| {
        let f = common::fixture_with("jit", dialplan, |o| o.jit = jit);
        let (chan, _) = f.call("in", "s", Script::default());
        f.settle();
        chan.trace()
    };
    let (interpreted, compiled) = (run(false), run(true));
    assert_eq!(interpreted.len(), 8003);
    assert_eq!(interpreted.last().unwrap(), "in,s,5,NoOp(done 4000)");
    assert_eq!(interpreted, compiled);
}

/// Every call takes the native code of its loops from its dialplan's one compiler: the first
/// call of a loop compiles its shapes, the next compiles nothing and runs the same.
#[test]
fn calls_share_the_code_compiled_for_their_loops() {
    let dialplan = "[in]\nexten => s,1,Set(i=0)\n same => n(top),Set(i=$[${i}+1])\n\
                    same => n,GotoIf($[${i}<4000]?top)\n same => n,NoOp(done ${i})\n";
    let f = common::fixture_with("jit-shared", dialplan, |o| o.jit = true);
    assert_eq!(f.pbx.jit_functions(), Some(0));
    let (first, _) = f.call("in", "s", Script::default());
    f.settle();
    let compiled = f.pbx.jit_functions().unwrap();
    assert!(compiled > 0, "the loop was compiled");
    let (second, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(second.trace(), first.trace());
    assert_eq!(second.trace().last().unwrap(), "in,s,4,NoOp(done 4000)");
    assert_eq!(f.pbx.jit_functions(), Some(compiled));
    // A reload's dialplan starts a compiler of its own (the old one's code goes with the
    // old dialplan's last call).
    f.pbx.reload().unwrap();
    assert_eq!(f.pbx.jit_functions(), Some(0));
    let (third, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(third.trace(), first.trace());
    assert_eq!(f.pbx.jit_functions(), Some(compiled));
    let interpreted = common::fixture_with("jit-shared-off", dialplan, |o| o.jit = false);
    assert_eq!(interpreted.pbx.jit_functions(), None);
}

/// A driver module as SIP or the sound card will register theirs: `Fake/x` channels that
/// answer at once (made by the test channel's driver under another name).
struct FakeDriver;

impl pbx::modules::Module for FakeDriver {
    fn name(&self) -> &'static str {
        "chan_fake"
    }
    fn description(&self) -> &'static str {
        "A driver registered from outside"
    }
    fn driver(&self) -> Option<&dyn pbx::modules::Driver> {
        Some(self)
    }
}

impl pbx::modules::Driver for FakeDriver {
    fn tech(&self) -> &'static str {
        "Fake"
    }
    fn request(
        &self,
        pbx: &std::sync::Arc<pbx::Pbx>,
        resource: &str,
        requester: &pbx::channel::Channel,
        vars: &pbx_engine::vars::Variables,
    ) -> Result<std::sync::Arc<pbx::channel::Channel>, Cause> {
        let _ = resource;
        pbx.request("Test", "fake", requester, vars)
    }
}

#[test]
fn a_registered_driver_module_is_dialled_listed_and_unloaded_only_when_idle() {
    let f = fixture(
        "module",
        "[in]\nexten => s,1,Dial(Fake/x,,g)\n same => n,NoOp(${DIALSTATUS})\n\
         exten => w,1,Dial(Local/1@hold)\n[hold]\nexten => 1,1,Answer()\n same => n,Wait(0.5)\n\
         [mods]\nexten => s,1,Set(M=${IFMODULE(chan_local.so)}${IFMODULE(CHAN_FAKE)}${IFMODULE(app_verify.so)})\n\
         exten => u,1,Dial(Local/1@hold,,gU(ifm))\n same => n,Set(M=${GOSUB_RETVAL})\n\
         [ifm]\nexten => s,1,Return(${IFMODULE(app_dial.so)})\n",
    );
    f.pbx
        .register_module(std::sync::Arc::new(FakeDriver))
        .unwrap();
    assert!(
        f.pbx
            .register_module(std::sync::Arc::new(FakeDriver))
            .is_err()
    );
    assert!(
        f.pbx
            .modules()
            .iter()
            .any(|m| m.name == "chan_fake" && m.running)
    );
    let (chan, _) = f.call("in", "s", hangup_after(300));
    f.settle();
    assert_eq!(chan.trace()[0], "in,s,1,Dial(Fake/x,,g)");
    assert_eq!(chan.final_var("DIALSTATUS").as_deref(), Some("ANSWER"));

    // chan_local is in use while a Local call runs, and cannot be unloaded then.
    f.call("in", "w", Script::default());
    std::thread::sleep(Duration::from_millis(150));
    let refused = f.pbx.module_action("unload", "chan_local").unwrap_err();
    assert!(refused.contains("in use by 2 channel(s)"), "{refused}");
    f.settle();
    f.pbx.module_action("unload", "chan_local").unwrap();
    // (The caller hangs up during the congestion tone that follows the failed Dial.)
    let (chan, _) = f.call("in", "w", hangup_after(500));
    f.settle();
    assert_eq!(chan.final_var("DIALSTATUS").as_deref(), Some("CHANUNAVAIL"));
    // IFMODULE answers from the modules loaded now.
    let (chan, _) = f.call("mods", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("M").as_deref(), Some("010"));
    f.pbx.module_action("load", "chan_local").unwrap();
    let (chan, _) = f.call("mods", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("M").as_deref(), Some("110"));
    // Also in the subroutine Dial runs on the called party.
    let (chan, _) = f.call("mods", "u", Script::default());
    f.settle();
    assert_eq!(chan.final_var("M").as_deref(), Some("1"));
    assert!(f.pbx.module_action("unload", "pbx_config").is_err());
}

#[test]
fn a_panic_inside_dial_hangs_up_the_other_legs_too() {
    let f = fixture(
        "panicLegs",
        "[in]\nexten => s,1,Dial(Local/1@hold&Test/x/panic)\n[hold]\nexten => 1,1,Wait(30)\n",
    );
    let started = Instant::now();
    f.call("in", "s", Script::default());
    f.settle();
    // The Local leg was told, and its half stopped waiting.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_stopping_pbx_takes_no_new_calls_but_finishes_its_own() {
    let f = fixture(
        "stopping",
        "[in]\nexten => s,1,Wait(0.3)\n same => n,NoOp(finished)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.pbx.stop_accepting();
    assert!(
        pbx::scripted::place(
            &f.pbx,
            pbx::scripted::Caller {
                name: "Test/late".into(),
                caller_number: None,
                caller_name: None,
                script: Script::default(),
            },
            pbx::Start::at("in", "s"),
        )
        .is_err()
    );
    let (answer, _) = pbx::control::run(&f.pbx, "channel originate Local/s@in application Wait 1");
    assert!(answer.starts_with("error: stopping gracefully"), "{answer}");
    f.settle();
    assert_eq!(chan.trace().last().unwrap(), "in,s,2,NoOp(finished)");
}

#[test]
fn wait_exten_m_plays_music_on_hold_while_it_waits() {
    let f = fixture(
        "waitextenm",
        "[ivr]\nexten => s,1,Answer()\n same => n,WaitExten(1,m)\nexten => t,1,NoOp(timeout)\n\
         exten => 5,1,NoOp(five)\n",
    );
    let (chan, rec) = f.call("ivr", "s", Script::default());
    f.settle();
    assert_eq!(chan.trace().last().unwrap(), "ivr,t,1,NoOp(timeout)");
    // A second of hold music, then silence: the music stopped with the wait.
    assert!(
        (45..=52).contains(&rec.frames()),
        "frames: {}",
        rec.frames()
    );
    let (chan, rec) = f.call("ivr", "s", keys(&[(300, b'5')]));
    f.settle();
    assert_eq!(chan.trace().last().unwrap(), "ivr,5,1,NoOp(five)");
    assert!(
        rec.frames() < 25,
        "the music went on after the key: {}",
        rec.frames()
    );
}

/// A test's clock: 09:59:30 UTC until `after` has passed since the PBX first read it, then
/// 10:00:10, when `include => …,10:00-10:59,*,*,*` opens.
fn clock_opening_at_ten(first: &std::sync::OnceLock<Instant>, after: Duration) -> i64 {
    // 2026-11-02 09:59:30 UTC.
    const BEFORE_TEN: i64 = 1_793_613_570;
    let first = *first.get_or_init(Instant::now);
    if first.elapsed() < after {
        BEFORE_TEN
    } else {
        BEFORE_TEN + 40
    }
}

/// A PBX on `extensions` whose dialplan reads `clock`.
fn fixture_on_clock(tag: &str, extensions: &str, clock: fn() -> i64) -> common::Fixture {
    common::fixture_with(tag, extensions, |options| {
        options.clock = pbx_engine::Clock::exact(clock)
    })
}

#[test]
fn background_m_looks_a_key_up_when_it_is_pressed() {
    fn clock() -> i64 {
        static FIRST: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        clock_opening_at_ten(&FIRST, Duration::from_millis(150))
    }
    // The prompt starts at 09:59, when `2` is nowhere; the key comes at 10:00, when the
    // include that has it is open: it stops the prompt, as it would on Asterisk.
    let f = fixture_on_clock(
        "bgmclock",
        "[ivr]\ninclude => open,10:00-10:59,*,*,*\n\
         exten => m,1,Background(prompt,m)\n same => n,NoOp(${BACKGROUNDSTATUS})\n\
         [open]\nexten => 2,1,NoOp(two)\n",
        clock,
    );
    let (m, _) = f.call("ivr", "m", keys(&[(400, b'2')]));
    f.settle();
    assert_eq!(
        m.trace(),
        vec!["ivr,m,1,BackGround(prompt,m)", "ivr,2,1,NoOp(two)"]
    );
}

#[test]
fn a_transfer_looks_each_key_up_when_it_is_pressed() {
    fn clock() -> i64 {
        static FIRST: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        clock_opening_at_ten(&FIRST, Duration::from_millis(600))
    }
    // `#` starts the transfer at 09:59, when no extension starts with 3; the number is
    // dialled after 10:00, when `300` is open.
    let f = fixture_on_clock(
        "xferclock",
        "[in]\ninclude => late,10:00-10:59,*,*,*\n\
         exten => s,1,Dial(Local/200@inside,5,T)\n same => n,NoOp(unreached)\n\
         [late]\nexten => 300,1,NoOp(transferred)\n same => n,Hangup()\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(5)\n",
        clock,
    );
    let (chan, _) = f.call(
        "in",
        "s",
        keys(&[(200, b'#'), (1000, b'3'), (1100, b'0'), (1200, b'0')]),
    );
    f.settle();
    assert_eq!(chan.trace(), vec!["in,s,1,Dial(Local/200@inside,5,T)"]);
    let cdr = f.cdr();
    assert!(
        cdr.lines()
            .any(|l| l.contains("\"300\",\"in\"") && l.contains("\"Hangup\"")),
        "{cdr}"
    );
}

#[test]
fn a_timeout_longer_than_the_clock_counts_is_no_timeout() {
    // 10^19 seconds is past what `Instant` can hold: Read waits for the keys as without one.
    let f = fixture(
        "readforever",
        "[in]\nexten => s,1,Read(x,,,,,1e19)\n same => n,NoOp(${x} ${READSTATUS})\n",
    );
    let (chan, _) = f.call("in", "s", keys(&[(200, b'4'), (300, b'2'), (400, b'#')]));
    f.settle();
    assert_eq!(
        chan.trace(),
        vec!["in,s,1,Read(x,,,,,1e19)", "in,s,2,NoOp(42 OK)"]
    );
}

#[test]
fn background_options_and_context_as_pbx_builtins_has_them() {
    let f = fixture(
        "bgopts",
        "[ivr]\n\
         exten => m,1,Background(prompt,m)\n same => n,NoOp(${BACKGROUNDSTATUS})\n\
         exten => p,1,Background(prompt,p)\n same => n,NoOp(played through)\n\
         exten => c,1,Background(prompt,,,menu)\n\
         exten => f,1,Background(no-such-prompt)\n same => n,NoOp(${BACKGROUNDSTATUS})\n\
         exten => 2,1,NoOp(two)\n\
         [menu]\nexten => 7,1,NoOp(seven in menu)\n",
    );
    // m: 9 is no extension here, so the prompt goes on; 2 is, and stops it.
    let (m, _) = f.call("ivr", "m", keys(&[(200, b'9'), (400, b'2')]));
    // p: no key stops the prompt.
    let (p, _) = f.call("ivr", "p", keys(&[(200, b'2')]));
    // A context: its one-digit extension is where the key leads.
    let (c, _) = f.call("ivr", "c", keys(&[(200, b'7')]));
    let (failed, _) = f.call("ivr", "f", Script::default());
    f.settle();
    assert_eq!(
        m.trace(),
        vec!["ivr,m,1,BackGround(prompt,m)", "ivr,2,1,NoOp(two)"]
    );
    assert_eq!(
        p.trace(),
        vec![
            "ivr,p,1,BackGround(prompt,p)",
            "ivr,p,2,NoOp(played through)"
        ]
    );
    assert_eq!(
        c.trace(),
        vec![
            "ivr,c,1,BackGround(prompt,,,menu)",
            "menu,7,1,NoOp(seven in menu)"
        ]
    );
    assert_eq!(failed.trace()[1], "ivr,f,2,NoOp(FAILED)");
}

/// DIALSTATUS after every party failed, as app_dial.c's `handle_cause` counts them: busy,
/// congestion, or unavailable for any other cause but normal clearing and no answer. Only
/// when every party counts is the status the first of BUSY, CONGESTION, CHANUNAVAIL that
/// one of them is; a party that just stopped ringing leaves NOANSWER. A party that could
/// not even be called counts too, and the last one's cause is the caller's.
#[test]
fn dial_status_counts_every_party_as_app_dial_does() {
    let cases = [
        ("Test/a/hangup21", "CHANUNAVAIL 21"),
        ("Test/a/busy&Test/b/hangup21", "BUSY 21"),
        ("Test/a/congestion&Test/b/hangup1", "CONGESTION 1"),
        ("Test/a/busy&Test/b/hangup16", "NOANSWER 16"),
        ("Test/a/bogus&Test/b/busy", "BUSY 17"),
        // The busy party's cause comes after the one that could not be called.
        ("Test/a/busy&Test/b/bogus", "BUSY 17"),
        ("Test/a/bogus", "CHANUNAVAIL 6"),
        // An empty target is passed over.
        ("&Test/a/busy&", "BUSY 17"),
        // No party could be requested: what their causes count decides all the same.
        ("Test/a/fail17", "BUSY 17"),
        ("Test/a/fail34&Test/b/fail6", "CONGESTION 6"),
        ("Test/a/fail16", "CHANUNAVAIL 16"),
    ];
    let mut dialplan = String::from("[in]\n");
    for (n, (targets, _)) in cases.iter().enumerate() {
        dialplan += &format!(
            "exten => {n},1,Dial({targets})\n same => n,Set(r=${{DIALSTATUS}} ${{HANGUPCAUSE}})\n same => n,Hangup()\n"
        );
    }
    let f = fixture("dialcauses", &dialplan);
    let calls: Vec<_> = (0..cases.len())
        .map(|n| f.call("in", &n.to_string(), Script::default()).0)
        .collect();
    f.settle();
    for ((targets, expected), chan) in cases.iter().zip(calls) {
        assert_eq!(chan.final_var("r").as_deref(), Some(*expected), "{targets}");
    }
}

/// A target that is not `technology/resource` fails the whole Dial (app_dial.c goes to its
/// end): DIALSTATUS is INVALIDARGS, the call hangs up unless `g`, and a party named before
/// it is let go without being called. `Dial()` reaches no one: CHANUNAVAIL, and on.
#[test]
fn a_target_without_a_resource_fails_the_whole_dial() {
    let f = fixture(
        "dialinvalid",
        "[in]\nexten => s,1,Dial(Local/1@inside&nonsense)\n same => n,Set(never=1)\n\
         exten => 2,1,Dial(Test/)\n same => n,Set(never=1)\n\
         exten => 3,1,Dial(Test/a&junk,,g)\n same => n,Set(went_on=1)\n\
         exten => 4,1,Dial()\n same => n,Set(went_on=1)\n\
         exten => h,1,Set(r=${DIALSTATUS})\n\
         [inside]\nexten => 1,1,Set(GLOBAL(called)=yes)\n",
    );
    let (first, _) = f.call("in", "s", Script::default());
    let (second, _) = f.call("in", "2", Script::default());
    let (go_on, _) = f.call("in", "3", Script::default());
    let (none, _) = f.call("in", "4", Script::default());
    f.settle();
    for chan in [first, second] {
        assert_eq!(chan.final_var("r").as_deref(), Some("INVALIDARGS"));
        assert_eq!(chan.final_var("never"), None);
    }
    // `g` goes on after INVALIDARGS too; no argument at all is no one to call.
    assert_eq!(go_on.final_var("r").as_deref(), Some("INVALIDARGS"));
    assert_eq!(go_on.final_var("went_on").as_deref(), Some("1"));
    assert_eq!(none.final_var("r").as_deref(), Some("CHANUNAVAIL"));
    assert_eq!(none.final_var("went_on").as_deref(), Some("1"));
    let globals = f.pbx.globals.lock().unwrap();
    assert_eq!(globals.get(b"called"), None, "the Local party never ran");
}

/// The times Dial reports (app_dial.c's `set_duration_var`, each with its `_MS` twin). Dial
/// empties them as it starts; RINGTIME is from the first ringing party's creation;
/// ANSWEREDTIME and DIALEDTIME are set only when a bridge ends, and are how long the
/// *caller* has been up and has existed, so time before the Dial counts.
#[test]
fn dial_times_are_app_dials() {
    let f = fixture(
        "dialtimes",
        "[in]\nexten => s,1,Answer()\n same => n,Wait(0.3)\n\
         same => n,Dial(Local/1@up,,g)\n\
         same => n,Set(a=${ANSWEREDTIME}|${ANSWEREDTIME_MS}|${DIALEDTIME_MS}|${RINGTIME})\n\
         same => n,Dial(Test/carol/noanswer,0.2)\n\
         same => n,Set(b=${ANSWEREDTIME}|${DIALEDTIME}|${RINGTIME}|${RINGTIME_MS})\n\
         [up]\nexten => 1,1,Answer()\n same => n,Wait(0.4)\n same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let a = chan.final_var("a").unwrap();
    let a: Vec<&str> = a.split('|').collect();
    let answered_ms: u64 = a[1].parse().unwrap();
    let dialed_ms: u64 = a[2].parse().unwrap();
    // Up since its Answer: the 0.3 s wait and the 0.4 s bridge.
    assert!((700..3000).contains(&answered_ms), "{a:?}");
    assert_eq!(a[0], (answered_ms / 1000).to_string());
    assert!(dialed_ms >= answered_ms, "{a:?}");
    // The Local party answered without ringing.
    assert_eq!(a[3], "");
    // Unanswered: no bridge, so no ANSWEREDTIME or DIALEDTIME (emptied, not kept from the
    // first Dial); the party rang at once.
    let b = chan.final_var("b").unwrap();
    let b: Vec<&str> = b.split('|').collect();
    assert_eq!(&b[..3], ["", "", "0"], "{b:?}");
    assert!(b[3].parse::<u64>().unwrap() < 200, "{b:?}");
}
