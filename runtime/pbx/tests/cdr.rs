//! The CDR engine on real calls: what `CDR()` reads while the dialplan runs, in `h`, and
//! after a Dial, and the records Master.csv gets — main/cdr.c's chain of records, with
//! cdr.conf's `[general]` and `[csv]` obeyed.

mod common;

use common::fixture;
use pbx::scripted::Script;
use pbx::{Options, Pbx, Source};

/// `YYYY-MM-DD HH:MM:SS`.
fn is_local_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// The lines of the test caller's records (not its Local halves').
fn callers_lines(cdr: &str) -> Vec<&str> {
    cdr.lines()
        .filter(|l| l.contains("Test/caller-s"))
        .collect()
}

#[test]
fn cdr_reads_the_running_record_and_h_reads_it_ended() {
    let f = fixture(
        "cdr-live",
        "[in]\nexten => s,1,Answer()\n same => n,Wait(1.2)\n\
         same => n,Set(BILL=${CDR(billsec)})\n\
         same => n,Set(FBILL=${CDR(billsec,f)})\n\
         same => n,Set(DISP=${CDR(disposition)})\n\
         same => n,Set(UDISP=${CDR(disposition,u)})\n\
         same => n,Set(LAST=${CDR(lastapp)}/${CDR(lastdata)}/${CDR(dst)}/${CDR(dcontext)})\n\
         same => n,Set(START=${CDR(start)})\n\
         same => n,Set(USTART=${CDR(start,u)})\n\
         same => n,Set(END=${CDR(end)}|${CDR(end,u)})\n\
         same => n,Hangup()\n\
         exten => h,1,NoOp(the record ends as h starts running)\n\
         same => n,Set(HDISP=${CDR(disposition)})\n\
         same => n,Set(HEND=${CDR(end)})\n\
         same => n,Set(HLAST=${CDR(lastapp)})\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let var = |name: &str| {
        chan.final_var(name)
            .unwrap_or_else(|| panic!("{name} unset"))
    };
    // Answered 1.2 s before (whole seconds, truncated; a slow machine may add one).
    let bill: i64 = var("BILL").parse().unwrap();
    assert!((1..=3).contains(&bill), "billsec {bill}");
    let fbill: f64 = var("FBILL").parse().unwrap();
    assert!(fbill >= 1.2 && var("FBILL").split('.').nth(1).unwrap().len() == 6);
    // A running record is still AST_CDR_NULL: NO ANSWER until it is finalized.
    assert_eq!(var("DISP"), "NO ANSWER");
    assert_eq!(var("UDISP"), "1");
    // The last snapshot published is the previous application's.
    assert_eq!(var("LAST"), "Set/UDISP=1/s/in");
    assert!(is_local_time(&var("START")), "{}", var("START"));
    let ustart = var("USTART");
    assert!(
        ustart
            .split_once('.')
            .is_some_and(|(s, u)| s.len() >= 10 && u.len() == 6),
        "{ustart}"
    );
    assert_eq!(var("END"), "|0.000000");
    // `endbeforehexten` (cdr.conf's default): h reads the record as it ended.
    assert_eq!(var("HDISP"), "ANSWERED");
    assert!(is_local_time(&var("HEND")), "{}", var("HEND"));
    // An ended record sees no more snapshots: h reads the application before it.
    assert_eq!(var("HLAST"), "Hangup");
    let cdr = f.cdr();
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    assert!(cdr.contains(r#""s","in","""Alice"" <100>","Test/caller-s","","Hangup","""#));
}

#[test]
fn an_unanswered_dial_ends_its_record_and_the_dialplan_after_it_gets_a_new_one() {
    let f = fixture(
        "cdr-dial",
        "[in]\nexten => s,1,Dial(Local/200@inside,1)\n\
         same => n,Set(AFTER=${CDR(disposition)}|${CDR(dstchannel)}|${CDR(lastapp)})\n\
         same => n,Answer()\n\
         same => n,Set(NEXT=${CDR(dstchannel)}|${CDR(lastapp)})\n\
         same => n,Hangup()\n\
         [inside]\nexten => 200,1,Wait(5)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let after = chan.final_var("AFTER").unwrap();
    // The Dial's record, ended at the dial's end with what the dial gave.
    let (dispo, rest) = after.split_once('|').unwrap();
    assert_eq!(dispo, "NO ANSWER");
    assert!(
        rest.starts_with("Local/200@inside-") && rest.ends_with(";1|Dial"),
        "{after}"
    );
    // The Set after it started a record of its own, with no called party.
    assert_eq!(chan.final_var("NEXT").unwrap(), "|Answer");
    let cdr = f.cdr();
    let lines: Vec<&str> = cdr.lines().collect();
    assert_eq!(lines.len(), 2, "{cdr}");
    assert!(
        lines[0].contains(r#"","Dial","Local/200@inside,1","#) && lines[0].contains("NO ANSWER"),
        "{cdr}"
    );
    assert!(lines[0].contains(";1\",\"Dial\""), "{cdr}");
    assert!(
        lines[1].contains(r#""Test/caller-s","","Hangup","","#)
            && lines[1].contains("\"ANSWERED\""),
        "{cdr}"
    );
}

#[test]
fn h_after_a_bridge_reads_the_bridge_record() {
    let f = fixture(
        "cdr-bridge",
        "[in]\nexten => s,1,Dial(Local/200@inside,5)\n\
         exten => h,1,NoOp()\n\
         same => n,Set(H=${CDR(disposition)}|${CDR(dstchannel)}|${CDR(lastapp)})\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(0.5)\n same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let h = chan.final_var("H").unwrap();
    assert!(
        h.starts_with("ANSWERED|Local/200@inside-") && h.ends_with(";1|Dial"),
        "{h}"
    );
    let cdr = f.cdr();
    // The caller's record with its called party, and the Local ;2 half's own.
    let caller = callers_lines(&cdr);
    assert_eq!(caller.len(), 1, "{cdr}");
    assert!(caller[0].contains("\"ANSWERED\""), "{cdr}");
    assert!(caller[0].contains(";1\",\"Dial\""), "{cdr}");
}

#[test]
fn cdr_conf_general_and_csv_are_read() {
    let dir = common::temp_dir("cdr-conf");
    common::write_config(&dir, "[in]\nexten => s,1,Busy(0.1)\n");
    std::fs::write(
        dir.join("cdr.conf"),
        "[general]\nunanswered = yes\nendbeforehexten = no\n[csv]\nloguniqueid = yes\n",
    )
    .unwrap();
    let options = Options::for_source(Source::Dir(dir.clone()));
    assert!(options.cdr_settings.unanswered);
    assert!(!options.cdr_settings.endbeforehexten);
    assert!(options.csv.as_ref().is_some_and(|csv| csv.loguniqueid));
    let f = common::Fixture {
        dir: dir.clone(),
        pbx: Pbx::start(options).unwrap(),
    };
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let cdr = f.cdr();
    // Written although unanswered, with the unique ID column.
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    assert!(cdr.contains("\"BUSY\""), "{cdr}");
    assert!(
        cdr.trim_end()
            .ends_with(&format!(",\"{}\"", chan.unique_id)),
        "{cdr}"
    );

    // No `[csv]` setting: cdr_csv declines to load, and nothing is written.
    let dir = common::temp_dir("cdr-nocsv");
    common::write_config(&dir, "[in]\nexten => s,1,Answer()\n same => n,Hangup()\n");
    std::fs::write(dir.join("cdr.conf"), "[general]\nunanswered = yes\n[csv]\n").unwrap();
    let options = Options::for_source(Source::Dir(dir.clone()));
    assert!(options.csv.is_none());
    let declined = common::Fixture {
        dir: dir.clone(),
        pbx: Pbx::start(options).unwrap(),
    };
    assert!(
        declined
            .pbx
            .modules()
            .iter()
            .any(|m| m.name == "cdr_csv" && !m.running)
    );
    // Loading it by hand declines again, as cdr_csv.c's load_config fails again.
    assert!(declined.pbx.module_action("load", "cdr_csv").is_err());
    declined.call("in", "s", Script::default());
    declined.settle();
    assert!(!dir.join("run/cdr-csv").exists());

    // `enable = no`: no records at all, and CDR() reads nothing from the engine.
    let dir = common::temp_dir("cdr-off");
    common::write_config(
        &dir,
        "[in]\nexten => s,1,Answer()\n same => n,Set(B=${CDR(billsec)})\n",
    );
    std::fs::write(dir.join("cdr.conf"), "[general]\nenable = no\n").unwrap();
    let off = common::Fixture {
        dir: dir.clone(),
        pbx: Pbx::start(Options::for_source(Source::Dir(dir))).unwrap(),
    };
    let (chan, _) = off.call("in", "s", Script::default());
    off.settle();
    assert_eq!(off.cdr(), "");
    assert_eq!(chan.final_var("B").as_deref(), Some(""));
}

#[test]
fn a_dial_subroutine_result_is_the_dials_status_and_the_caller_stays_unanswered() {
    let f = fixture(
        "cdr-sub",
        "[in]\nexten => s,1,Dial(Local/200@inside,5,U(screen^BUSY))\n\
         same => n,Set(D=${CDR(disposition)}|${CDR(answer)})\n\
         same => n,Hangup()\n\
         [screen]\nexten => s,1,Set(GOSUB_RESULT=${ARG1})\n same => n,Return()\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(5)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    // app_dial publishes U()'s result as the dial's end; the caller is answered only by a
    // bridge, which never came.
    assert_eq!(chan.final_var("D").as_deref(), Some("BUSY|"));
    let cdr = f.cdr();
    let caller = callers_lines(&cdr);
    assert_eq!(caller.len(), 1, "{cdr}");
    assert!(caller[0].contains(";1\",\"Dial\""), "{cdr}");
    assert!(caller[0].ends_with(",\"BUSY\",\"DOCUMENTATION\""), "{cdr}");
}

#[test]
fn the_record_has_the_caller_id_the_dialplan_set() {
    let f = fixture(
        "cdr-cid",
        "[in]\nexten => s,1,Set(CALLERID(all)=\"Zed\" <999>)\n same => n,Answer()\n\
         same => n,Hangup()\n",
    );
    f.call("in", "s", Script::default());
    f.settle();
    let cdr = f.cdr();
    assert!(
        cdr.starts_with(r#""","999","s","in","""Zed"" <999>","Test/caller-s","#),
        "{cdr}"
    );
}

/// Duration and billsec of a Master.csv line without the optional columns.
fn duration_and_billsec(line: &str) -> (i64, i64) {
    let fields: Vec<&str> = line.split(',').collect();
    let n = fields.len();
    (
        fields[n - 4].parse().unwrap(),
        fields[n - 3].parse().unwrap(),
    )
}

#[test]
fn reset_cdr_starts_the_record_again_and_clears_its_variables_unless_v() {
    let f = fixture(
        "cdr-reset",
        "[in]\nexten => s,1,Answer()\n same => n,Set(CDR(note)=before)\n\
         same => n,Wait(1.2)\n same => n,ResetCDR()\n\
         same => n,Set(R=${CDR(billsec)}|${CDR(note)})\n\
         same => n,Set(CDR(kept)=yes)\n same => n,ResetCDR(v)\n\
         same => n,Set(V=${CDR(kept)})\n same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("R").as_deref(), Some("0|"));
    assert_eq!(chan.final_var("V").as_deref(), Some("yes"));
    let cdr = f.cdr();
    let caller = callers_lines(&cdr);
    assert_eq!(caller.len(), 1, "{cdr}");
    // The 1.2 s before the reset are not in the record.
    assert_eq!(duration_and_billsec(caller[0]), (0, 0), "{cdr}");
    assert!(caller[0].contains("\"ANSWERED\""), "{cdr}");
}

#[test]
fn fork_cdr_ends_the_record_it_forks_and_the_new_one_goes_on() {
    let f = fixture(
        "cdr-fork",
        "[in]\nexten => s,1,Answer()\n same => n,Wait(1.2)\n\
         same => n,ForkCDR(er)\n same => n,Playback(beep)\n same => n,Hangup()\n",
    );
    f.call("in", "s", Script::default());
    f.settle();
    let cdr = f.cdr();
    let caller = callers_lines(&cdr);
    assert_eq!(caller.len(), 2, "{cdr}");
    // The first ended at the fork, with its 1.2 s; the second started there (`r`).
    let (first, _) = duration_and_billsec(caller[0]);
    assert!((1..=3).contains(&first), "{cdr}");
    assert!(caller[0].contains(r#""ForkCDR","er","#), "{cdr}");
    let (second, _) = duration_and_billsec(caller[1]);
    assert!(second < first, "{cdr}");
    assert!(caller[1].contains(r#""Hangup","","#), "{cdr}");
}

#[test]
fn cdr_prop_disable_keeps_a_call_out_of_master_csv_and_turns_it_back_on() {
    let f = fixture(
        "cdr-prop",
        "[in]\nexten => s,1,Answer()\n same => n,Set(CDR_PROP(disable)=1)\n\
         same => n,Hangup()\n\
         exten => on,1,Answer()\n same => n,Set(CDR_PROP(disable)=0)\n same => n,Hangup()\n",
    );
    f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(f.cdr(), "");
    f.call("in", "on", Script::default());
    f.settle();
    assert_eq!(f.cdr().lines().count(), 1, "{}", f.cdr());

    // `channeldefaultenabled = no`: only the channel that turns its CDR on is written.
    let f = common::fixture_with(
        "cdr-prop-default-off",
        "[in]\nexten => s,1,Answer()\n same => n,Hangup()\n\
         exten => on,1,Answer()\n same => n,Set(CDR_PROP(disable)=no)\n same => n,Hangup()\n",
        |options| options.cdr_settings.channeldefaultenabled = false,
    );
    f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(f.cdr(), "");
    f.call("in", "on", Script::default());
    f.settle();
    let cdr = f.cdr();
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    assert!(cdr.contains(r#""on","in","#), "{cdr}");
}

#[test]
fn a_dial_subroutine_reads_the_called_channels_own_cdr() {
    // U() runs on the `;1` half, which has a CDR of its own from the moment it was made
    // (at `inside,200`): its reads see the subroutine's snapshots, as cdr.c's live
    // properties read party A's latest snapshot.
    let f = fixture(
        "cdr-dial-sub",
        "[in]\nexten => s,1,Set(__CALLER=${CHANNEL})\n same => n,Dial(Local/200@inside,5,U(sub))\n\
         exten => h,1,Set(X=${SHARED(x)})\n\
         [sub]\nexten => s,1,NoOp()\n\
         same => n,Set(SHARED(x,${CALLER})=${CDR(dcontext)}|${CDR(dst)}|${CDR(lastapp)}|${CDR(dstchannel)})\n\
         same => n,Return()\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(1)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("X").as_deref(), Some("sub|s|NoOp|"));
}

#[test]
fn a_dial_inside_a_gosub_writes_the_callers_place() {
    // Gosub flags the channel AST_FLAG_SUBROUTINE_EXEC: cdr.c keeps the record's dst and
    // dcontext where the call was (`in,s`), not the subroutine's (`sub,dial`).
    let f = fixture(
        "cdr-gosub",
        "[in]\nexten => s,1,Gosub(sub,dial,1)\n\
         [sub]\nexten => dial,1,Dial(Local/200@inside,5)\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(0.5)\n same => n,Hangup()\n",
    );
    f.call("in", "s", Script::default());
    f.settle();
    let cdr = f.cdr();
    let caller = callers_lines(&cdr);
    assert_eq!(caller.len(), 1, "{cdr}");
    assert!(caller[0].contains(r#","s","in","#), "{cdr}");
    assert!(caller[0].contains("\"ANSWERED\""), "{cdr}");
}
