//! VoiceMail in the running PBX, as app_voicemail.c (file storage) leaves a message: the
//! greeting and prompts in order, the keys that leave, the recording's end, and the files
//! in the spool — `msgNNNN.wav` and its information file.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fixture, fixture, hangup_after, keys, open_fds, tone};
use pbx::channel::Channel;
use pbx::scripted::Script;

/// The prompts leaving a message plays, 100 ms each.
const PROMPTS: &[&str] = &[
    "vm-intro",
    "vm-theperson",
    "vm-isunavail",
    "vm-isonphone",
    "auth-thankyou",
    "transfer",
    "vm-mailboxfull",
    "vm-saveoper",
    "vm-msgsaved",
    "vm-deleted",
    "vm-whichbox",
    "vm-review",
    "vm-review-urgent",
    "vm-review-nonurgent",
    "vm-marked-urgent",
    "vm-sorry",
    "digits/0",
    "digits/1",
    "digits/2",
];

/// A PBX running `extensions` beside `voicemail` (voicemail.conf).
fn pbx(tag: &str, extensions: &str, voicemail: &str) -> Fixture {
    let f = fixture(tag, extensions);
    std::fs::create_dir_all(f.dir.join("sounds/en/digits")).unwrap();
    for prompt in PROMPTS {
        std::fs::write(f.dir.join(format!("sounds/en/{prompt}.wav")), tone(100)).unwrap();
    }
    std::fs::write(f.dir.join("voicemail.conf"), voicemail).unwrap();
    f.pbx.reload().unwrap();
    f
}

fn spool(f: &Fixture) -> PathBuf {
    f.dir.join("run/voicemail")
}

/// Waits until `chan` has played `prompt` (the recording starts right after the beep).
fn until_played(chan: &Channel, prompt: &str) {
    let start = Instant::now();
    while !chan.played().iter().any(|p| p == prompt) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            chan.played()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The beep's 100 ms, then the recording listens.
    std::thread::sleep(Duration::from_millis(150));
}

/// `n` frames of 20 ms at `level`.
fn speak(chan: &Channel, n: usize, level: i16) {
    for _ in 0..n {
        chan.receive_frame(&[level; 160]);
    }
}

fn epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn samples(path: &Path) -> usize {
    let wav = std::fs::read(path).unwrap();
    pbx_media::sound::decode(&wav, pbx_media::sound::Format::Wav)
        .unwrap()
        .samples
        .len()
}

const ALICE: &str = "[default]\n100 => 1234,Alice\n101 => 4321,Bob\n";

#[test]
fn a_message_is_left_in_the_inbox_with_its_information_file() {
    let f = pbx(
        "vm-leave",
        "[in]
exten => s,1,VoiceMail(100&101,u)
 same => n,NoOp(${VMSTATUS} ${VM_MESSAGEFILE:-25} ${VM_INFO(100,count)} ${VM_INFO(101,count)})
",
        ALICE,
    );
    let placed = epoch();
    let (chan, _) = f.call("in", "s", keys(&[(2500, b'#')]));
    until_played(&chan, "beep");
    speak(&chan, 50, 3000);
    f.settle();
    // No recorded name: the number, digit by digit.
    assert_eq!(
        chan.played(),
        [
            "vm-theperson",
            "digits/1",
            "digits/0",
            "digits/0",
            "vm-isunavail",
            "vm-intro",
            "beep",
            "auth-thankyou"
        ]
    );
    assert_eq!(
        chan.trace()[1],
        "in,s,2,NoOp(SUCCESS default/100/INBOX/msg0000 1 1)"
    );
    let inbox = spool(&f).join("default/100/INBOX");
    assert_eq!(samples(&inbox.join("msg0000.wav")), 50 * 160);
    let info = read(&inbox.join("msg0000.txt"));
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(
        lines[..10],
        [
            ";",
            "; Message Information file",
            ";",
            "[message]",
            "origmailbox=100",
            "context=in",
            "exten=s",
            "rdnis=unknown",
            "priority=1",
            "callerchan=Test/caller-s",
        ][..]
    );
    assert_eq!(lines[10], "callerid=\"Alice\" <100>");
    // Stamped as the recording starts (0.7 s of prompts in), not as it ends (2.5 s).
    let origtime: u64 = lines[12]
        .strip_prefix("origtime=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (placed..=placed + 1).contains(&origtime),
        "{origtime} {placed}"
    );
    assert_eq!(
        lines[11],
        format!(
            "origdate={}",
            pbx_voicemail::spool::origdate(origtime as i64)
        )
    );
    assert_eq!(lines[13], "category=");
    assert!(lines[14].starts_with("msg_id="), "{info}");
    assert_eq!(lines[15..], ["flag=", "duration=1"]);
    // The copy is the same message, in Bob's box.
    let copy = spool(&f).join("default/101/INBOX");
    assert_eq!(read(&copy.join("msg0000.txt")), info);
    assert_eq!(samples(&copy.join("msg0000.wav")), 50 * 160);
}

#[test]
fn star_in_a_temp_greeting_leaves_for_a() {
    let f = pbx(
        "vm-star",
        "[in]
exten => s,1,VoiceMail(100)
 same => n,NoOp(no)
exten => a,1,NoOp(${VMSTATUS})
",
        ALICE,
    );
    // A temp greeting plays without b or u.
    let box_dir = spool(&f).join("default/100");
    std::fs::create_dir_all(&box_dir).unwrap();
    std::fs::write(box_dir.join("temp.wav"), tone(1000)).unwrap();
    let (chan, _) = f.call("in", "s", keys(&[(300, b'*')]));
    f.settle();
    assert_eq!(chan.trace()[1], "in,a,1,NoOp(USEREXIT)");
    assert_eq!(chan.played(), [box_dir.join("temp").to_string_lossy()]);
    assert!(!box_dir.join("INBOX/msg0000.txt").exists());
}

#[test]
fn zero_during_the_recording_keeps_it_and_goes_to_the_operator() {
    let f = pbx(
        "vm-operator",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(no)
exten => o,1,NoOp(${VMSTATUS})
",
        "[general]\noperator=yes\n[default]\n100 => 1234,Alice\n",
    );
    // `0` ends the recording; `1` at vm-saveoper keeps the message.
    let (chan, _) = f.call("in", "s", keys(&[(700, b'0'), (900, b'1')]));
    until_played(&chan, "beep");
    speak(&chan, 10, 3000);
    f.settle();
    // The message kept, then leave_voicemail's `transfer`.
    assert_eq!(
        chan.played(),
        ["beep", "vm-saveoper", "vm-msgsaved", "transfer"]
    );
    assert_eq!(chan.trace()[1], "in,o,1,NoOp(USEREXIT)");
    assert!(spool(&f).join("default/100/INBOX/msg0000.wav").exists());
}

#[test]
fn a_hang_up_while_recording_keeps_the_message_and_runs_h() {
    let f = pbx(
        "vm-hangup",
        "[in]
exten => s,1,VoiceMail(100,s)
exten => h,1,NoOp(${VMSTATUS})
",
        ALICE,
    );
    let (chan, _) = f.call("in", "s", hangup_after(1500));
    until_played(&chan, "beep");
    speak(&chan, 25, 3000);
    f.settle();
    assert_eq!(chan.trace()[1], "in,h,1,NoOp(SUCCESS)");
    // No thank-you to a caller who is gone.
    assert_eq!(chan.played(), ["beep"]);
    assert_eq!(
        samples(&spool(&f).join("default/100/INBOX/msg0000.wav")),
        25 * 160
    );
}

#[test]
fn silence_ends_the_recording_and_keeps_200_ms_of_it() {
    let f = pbx(
        "vm-silence",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(${VMSTATUS})
",
        "[general]\nmaxsilence=1\n[default]\n100 => 1234,Alice\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    until_played(&chan, "beep");
    // One second said, then silence until more than a second of it (51 frames).
    speak(&chan, 50, 3000);
    speak(&chan, 51, 10);
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(SUCCESS)");
    let inbox = spool(&f).join("default/100/INBOX");
    assert_eq!(samples(&inbox.join("msg0000.wav")), 50 * 160 + 200 * 8);
    // 2.02 s heard, less (1020 - 200) / 1000 whole seconds of the silence.
    assert!(read(&inbox.join("msg0000.txt")).ends_with("flag=\nduration=2\n"));
}

#[test]
fn too_short_a_message_is_not_kept() {
    let f = pbx(
        "vm-short",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(${VMSTATUS})
",
        "[general]\nminsecs=3\n[default]\n100 => 1234,Alice\n",
    );
    let (chan, _) = f.call("in", "s", keys(&[(1500, b'#')]));
    until_played(&chan, "beep");
    speak(&chan, 50, 3000);
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(FAILED)");
    let inbox = spool(&f).join("default/100/INBOX");
    assert_eq!(std::fs::read_dir(inbox).unwrap().count(), 0);
}

#[test]
fn a_full_mailbox_says_so_and_fails() {
    let f = pbx(
        "vm-full",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(${VMSTATUS})
",
        "[default]\n100 => 1234,Alice,,,maxmsg=2\n",
    );
    let inbox = spool(&f).join("default/100/INBOX");
    std::fs::create_dir_all(&inbox).unwrap();
    for name in ["msg0000.txt", "msg0001.txt"] {
        std::fs::write(inbox.join(name), "").unwrap();
    }
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.played(), ["vm-mailboxfull"]);
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(FAILED)");
}

/// `VoiceMail()` with no data asks which mailbox, before answering; then no greeting and no
/// beep (vm_exec leaves the beep unset on that path).
#[test]
fn with_no_mailbox_given_the_caller_dials_one() {
    let f = pbx(
        "vm-whichbox",
        "[in]
exten => s,1,VoiceMail()
 same => n,NoOp(${VMSTATUS})
",
        ALICE,
    );
    let dialled = [
        (150, b'1'),
        (250, b'0'),
        (350, b'1'),
        (450, b'#'),
        (900, b'#'),
    ];
    let (chan, _) = f.call("in", "s", keys(&dialled));
    f.settle();
    assert_eq!(chan.played(), ["vm-whichbox", "vm-intro", "auth-thankyou"]);
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(SUCCESS)");
    assert!(spool(&f).join("default/101/INBOX/msg0000.txt").exists());
}

/// `__ast_play_and_record`'s "No audio available": a line that sends nothing for 4 s ends
/// the recording as a hang-up does; what came before is kept.
#[test]
fn four_seconds_without_audio_end_the_call() {
    let f = pbx(
        "vm-noaudio",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(not reached)
exten => h,1,NoOp(${VMSTATUS})
",
        ALICE,
    );
    let started = Instant::now();
    let (chan, _) = f.call("in", "s", Script::default());
    until_played(&chan, "beep");
    speak(&chan, 10, 3000);
    f.settle();
    assert!(started.elapsed() >= Duration::from_secs(4));
    assert_eq!(chan.trace()[1], "in,h,1,NoOp(SUCCESS)");
    assert_eq!(
        samples(&spool(&f).join("default/100/INBOX/msg0000.wav")),
        10 * 160
    );
}

/// Recordings in progress count against the room (`inprocess_count`): with room for one,
/// a second caller while the first records hears the mailbox is full.
#[test]
fn a_recording_in_progress_takes_its_place_in_the_mailbox() {
    let f = pbx(
        "vm-inprocess",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(${VMSTATUS})
",
        "[default]\n100 => 1234,Alice,,,maxmsg=1\n",
    );
    let (first, _) = f.call("in", "s", keys(&[(1500, b'#')]));
    until_played(&first, "beep");
    let (second, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(first.trace()[1], "in,s,2,NoOp(SUCCESS)");
    assert_eq!(second.played(), ["vm-mailboxfull"]);
    assert_eq!(second.trace()[1], "in,s,2,NoOp(FAILED)");
}

/// `review=yes`: after the recording the caller may mark it urgent (4) and keep it (1);
/// an urgent message goes to the Urgent folder.
#[test]
fn review_lets_the_caller_mark_the_message_urgent_and_keep_it() {
    let f = pbx(
        "vm-review",
        "[in]
exten => s,1,VoiceMail(100,s)
 same => n,NoOp(${VMSTATUS} ${VM_INFO(100,count)} ${VM_INFO(100,count,INBOX)} ${VM_INFO(100,count,Urgent)})
",
        "[general]\nreview=yes\n[default]\n100 => 1234,Alice\n",
    );
    // A key the menu is sorry about (9), then 4 (urgent), then 1 (keep).
    let (chan, _) = f.call(
        "in",
        "s",
        keys(&[(500, b'#'), (1000, b'9'), (1500, b'4'), (2000, b'1')]),
    );
    until_played(&chan, "beep");
    speak(&chan, 10, 3000);
    f.settle();
    assert_eq!(
        chan.played(),
        [
            "beep",
            "auth-thankyou",
            "vm-review",
            "vm-review-urgent",
            "vm-sorry",
            "vm-review",
            "vm-review-urgent",
            "vm-marked-urgent",
            "vm-review",
            "vm-review-nonurgent",
            "vm-msgsaved",
        ]
    );
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(SUCCESS 1 1 1)");
    let urgent = spool(&f).join("default/100/Urgent");
    assert!(read(&urgent.join("msg0000.txt")).contains("\nflag=Urgent\n"));
    assert_eq!(samples(&urgent.join("msg0000.wav")), 10 * 160);
}

/// A greeting recorded by Asterisk in `wav49` (`unavail.WAV`) is played as the mailbox's:
/// no invented greeting.
#[test]
fn an_asterisk_greeting_in_wav49_plays() {
    let f = pbx(
        "vm-wav49",
        "[in]\nexten => s,1,VoiceMail(100,us)\n same => n,NoOp(${VMSTATUS})\n",
        ALICE,
    );
    let box_dir = spool(&f).join("default/100");
    std::fs::create_dir_all(&box_dir).unwrap();
    let greeting = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../media/tests/fixtures/speech49.wav"
    );
    std::fs::copy(greeting, box_dir.join("unavail.WAV")).unwrap();
    let (chan, rec) = f.call("in", "s", keys(&[(900, b'#')]));
    f.settle();
    let played = chan.played();
    assert_eq!(played[0], box_dir.join("unavail").to_string_lossy());
    assert_eq!(played[1..], ["beep", "auth-thankyou"]);
    // 0.52 s of greeting reached the caller before the beep.
    assert!(
        rec.nonsilent_frames
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 20
    );
}

/// `S` skips `vm-intro` only after a greeting the mailbox recorded, not after the one
/// made of its number.
#[test]
fn big_s_skips_the_instructions_after_a_recorded_greeting_only() {
    let f = pbx(
        "vm-big-s",
        "[in]\nexten => s,1,VoiceMail(100,uS)\nexten => 2,1,VoiceMail(101,uS)\n",
        ALICE,
    );
    let box_dir = spool(&f).join("default/100");
    std::fs::create_dir_all(&box_dir).unwrap();
    std::fs::write(box_dir.join("unavail.wav"), tone(100)).unwrap();
    let (recorded, _) = f.call("in", "s", keys(&[(400, b'#')]));
    let (invented, _) = f.call("in", "2", keys(&[(1000, b'#')]));
    f.settle();
    let unavail = box_dir.join("unavail").to_string_lossy().into_owned();
    assert_eq!(
        recorded.played(),
        [unavail.as_str(), "beep", "auth-thankyou"]
    );
    assert_eq!(
        invented.played(),
        [
            "vm-theperson",
            "digits/1",
            "digits/0",
            "digits/1",
            "vm-isunavail",
            "vm-intro",
            "beep",
            "auth-thankyou"
        ]
    );
}

/// A prompt that cannot be played fails VoiceMail as a hang-up does (`ast_stream_and_wait`
/// gives -1): FAILED, and the call ends at `h` with nothing recorded.
#[test]
fn a_missing_prompt_fails_the_call() {
    let f = pbx(
        "vm-noprompt",
        "[in]
exten => s,1,VoiceMail(100,u)
 same => n,NoOp(not reached)
exten => h,1,NoOp(${VMSTATUS})
",
        ALICE,
    );
    std::fs::remove_file(f.dir.join("sounds/en/vm-intro.wav")).unwrap();
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.trace()[1], "in,h,1,NoOp(FAILED)");
    assert!(!chan.played().iter().any(|p| p == "beep"));
    assert!(!spool(&f).join("default/100/INBOX/msg0000.txt").exists());
}

/// Every file a message writes is closed, on every ending: 60 callers leave messages, a
/// third of them hanging up mid-recording.
#[test]
fn leaving_messages_leaves_no_descriptor_open() {
    let f = pbx(
        "vm-fds",
        "[in]\nexten => s,1,VoiceMail(100,s)\n same => n,Hangup()\n",
        "[general]\nmaxmsg=1000\n[default]\n100 => 1234,Alice\n",
    );
    // A first call opens what stays open (the spool's directories, the sounds' cache).
    let (_, _) = f.call("in", "s", keys(&[(400, b'#')]));
    f.settle();
    let before = open_fds();
    let mut calls: Vec<Arc<Channel>> = Vec::new();
    for i in 0..60 {
        let script = if i % 3 == 0 {
            hangup_after(300)
        } else {
            keys(&[(400, b'#')])
        };
        calls.push(f.call("in", "s", script).0);
    }
    f.settle();
    assert_eq!(open_fds(), before);
    let kept = std::fs::read_dir(spool(&f).join("default/100/INBOX"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "txt")
        })
        .count();
    assert_eq!(kept, 61);
    drop(calls);
}

/// What arrives by `mailcmd` (each message in a file of its own), once `count` have.
fn outbox(dir: &Path, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let mails: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        // A mail is whole once its command has finished writing it: a page in one
        // write, an e-mail up to its end (the closing `.` of one with an attachment).
        if mails.len() >= count
            && mails.iter().all(|m| {
                !m.is_empty()
                    && (!m.contains("MIME-Version")
                        || m.ends_with(".\n")
                        || (!m.contains("multipart") && m.ends_with("\n\n")))
            })
        {
            return mails;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{mails:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// notify_new_message: the copy's mailbox is told first (an e-mail without the recording, a
/// page, then its message deleted), then the mailbox's own e-mail carries the recording;
/// `externnotify` hears of both.
#[test]
fn a_new_message_is_mailed_paged_and_told() {
    let f = pbx(
        "vm-notify",
        "[in]
exten => s,1,VoiceMail(100&101,s)
 same => n,NoOp(${VMSTATUS})
exten => anonymous,1,Set(CALLERID(name)=)
 same => n,VoiceMail(100&101,s)
",
        "",
    );
    let outbox_dir = f.dir.join("outbox");
    std::fs::create_dir_all(&outbox_dir).unwrap();
    let notified = f.dir.join("notified");
    std::fs::write(
        f.dir.join("voicemail.conf"),
        format!(
            "[general]
format=wav49|gsm|wav
mailcmd=cat > {}/mail-$$
serveremail=vm@pbx.example
emailsubject=Voicemail ${{VM_MSGNUM}} for ${{VM_NAME}} from ${{VM_CIDNUM}}
externnotify=echo >> {}
[default]
100 => 1234,Alice,alice@example.com,,emailbody=cid=${{VM_CALLERID}} orig=${{ORIG_VM_CIDNUM}}/${{ORIG_VM_CIDNAME}} ${{VM_CATEGORY}}\\n
101 => 4321,Bob,bob@example.com,pager@example.com,attach=no|delete=yes
",
            outbox_dir.display(),
            notified.display()
        ),
    )
    .unwrap();
    f.pbx.reload().unwrap();
    let (chan, _) = f.call("in", "s", keys(&[(500, b'#')]));
    until_played(&chan, "beep");
    speak(&chan, 10, 3000);
    f.settle();
    assert_eq!(chan.trace()[1], "in,s,2,NoOp(SUCCESS)");
    let mails = outbox(&outbox_dir, 3);
    let to = |who: &str| {
        mails
            .iter()
            .find(|m| m.contains(&format!("\nTo: {who}\n")))
            .unwrap_or_else(|| panic!("no mail to {who}: {mails:?}"))
    };
    let alice = to("\"Alice\" <alice@example.com>");
    assert!(
        alice.contains("\nFrom: Asterisk PBX <vm@pbx.example>\n"),
        "{alice}"
    );
    assert!(
        alice.contains("\nSubject: Voicemail 1 for Alice from 100\n"),
        "{alice}"
    );
    // The mailbox's own body, `\n` turned into a line end, with the information file's
    // caller (`ORIG_VM_*`).
    assert!(
        alice.contains("Content-Transfer-Encoding: 8bit\n\ncid=\"Alice\" <100> orig=100/Alice no category\n\n------voicemail_"),
        "{alice}"
    );
    assert!(alice.contains("\nX-Asterisk-CallerID: 100\nX-Asterisk-CallerIDName: Alice\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"----voicemail_1100"), "{alice}");
    // The attachment is the message's file, base64 in lines of 72: `wav`, the format
    // written of the three asked for (pbx cannot write wav49 or gsm).
    let wav = std::fs::read(spool(&f).join("default/100/INBOX/msg0000.wav")).unwrap();
    let (_, part) = alice
        .split_once("Content-Disposition: attachment; filename=\"msg0000.wav\"\n\n")
        .unwrap();
    // (The encoder's lines are pinned against app_voicemail's in pbx-voicemail's tests.)
    let mut encoded = Vec::new();
    pbx_voicemail::notify::base64_lines(&mut wav.as_slice(), &mut encoded).unwrap();
    assert!(encoded.len() > 1000);
    assert!(part.as_bytes().starts_with(&encoded), "{part}");
    // Bob: no attachment, the default text, a page; then his copy is deleted.
    let bob = to("\"Bob\" <bob@example.com>");
    assert!(!bob.contains("multipart"), "{bob}");
    assert!(
        bob.contains("long message (number 1)\nin mailbox 101 from Alice, on "),
        "{bob}"
    );
    let page = to("\"Bob\" <pager@example.com>");
    assert!(
        page.contains("\nSubject: New VM\n\nNew 0:00 long  msg in box 101\nfrom Alice, on "),
        "{page}"
    );
    assert!(!spool(&f).join("default/101/INBOX/msg0000.txt").exists());
    // externnotify: context, mailbox, new, old, urgent — Bob's after the delete.
    let start = Instant::now();
    let mut told = String::new();
    while told.lines().count() < 2 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        told = std::fs::read_to_string(&notified).unwrap_or_default();
    }
    let mut lines: Vec<&str> = told.lines().collect();
    lines.sort();
    assert_eq!(lines, ["default 100 1 0 0", "default 101 0 0 0"]);

    // A caller whose name is empty is told of by number (`S_COR`: empty is none).
    for mail in std::fs::read_dir(&outbox_dir).unwrap() {
        std::fs::remove_file(mail.unwrap().path()).unwrap();
    }
    let (chan, _) = f.call("in", "anonymous", keys(&[(500, b'#')]));
    until_played(&chan, "beep");
    speak(&chan, 10, 3000);
    f.settle();
    let mails = outbox(&outbox_dir, 3);
    let info = read(&spool(&f).join("default/100/INBOX/msg0001.txt"));
    assert!(info.contains("\ncallerid=100\n"), "{info}");
    let bob = mails
        .iter()
        .find(|m| m.contains("\nTo: \"Bob\" <bob@example.com>\n"))
        .unwrap();
    assert!(bob.contains("in mailbox 101 from 100, on "), "{bob}");
    assert!(!bob.contains("X-Asterisk-CallerIDName"), "{bob}");
}
