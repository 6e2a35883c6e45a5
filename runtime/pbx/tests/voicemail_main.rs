//! VoiceMailMain in the running PBX, as app_voicemail.c (file storage) lets a caller listen:
//! the login, "you have …", the menu's prompts in order, a message's envelope and playback,
//! and what the spool holds after the folder is closed — deleted messages gone, heard ones in
//! Old, saved ones copied, the rest numbered again.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fixture, fixture_with, hangup_after, open_fds, tone};
use pbx::channel::{Cause, Channel};
use pbx::scripted::Script;
use pbxc_dialplan::timing::ServerZone;

/// The prompts a session plays, 100 ms each.
const PROMPTS: &[&str] = &[
    "vm-login",
    "vm-password",
    "vm-incorrect",
    "vm-incorrect-mailbox",
    "vm-goodbye",
    "vm-youhave",
    "vm-no",
    "vm-and",
    "vm-message",
    "vm-messages",
    "vm-INBOX",
    "vm-Old",
    "vm-Work",
    "vm-Family",
    "vm-Friends",
    "vm-Urgent",
    "vm-onefor",
    "vm-opts",
    "vm-helpexit",
    "vm-first",
    "vm-last",
    "vm-prev",
    "vm-next",
    "vm-advopts",
    "vm-repeat",
    "vm-delete",
    "vm-undelete",
    "vm-deleted",
    "vm-toforward",
    "vm-savemessage",
    "vm-savefolder",
    "vm-savedto",
    "vm-press",
    "vm-for",
    "vm-tocancel",
    "vm-nomore",
    "vm-received",
    "vm-duration",
    "vm-minutes",
    "digits/0",
    "digits/1",
    "digits/2",
    "digits/3",
    "digits/4",
    "digits/10",
    "digits/20",
    "digits/30",
    "digits/thousand",
    "digits/at",
    "digits/a-m",
    "digits/mon-0",
    "digits/h-15",
    "digits/5",
    "vm-from",
    "vm-from-phonenumber",
    "vm-unknown-caller",
    "vm-options",
    "vm-rec-unv",
    "vm-rec-temp",
    "vm-review",
    "vm-msgsaved",
    "vm-tmpexists",
    "vm-tempgreeting2",
    "vm-tempremoved",
    "beep",
    "auth-thankyou",
];

const MAILBOXES: &str = "[general]\nenvelope=no\n\n[default]\n100 => 1234,Alice\n";

/// A PBX on a server in UTC running `extensions` beside `voicemail`.
fn pbx(tag: &str, extensions: &str, voicemail: &str) -> Fixture {
    let f = fixture_with(tag, extensions, |options| {
        options.clock = options.clock.in_zone(ServerZone::UTC);
    });
    std::fs::create_dir_all(f.dir.join("sounds/en/digits")).unwrap();
    let digits = (0..20).map(|n| format!("digits/{n}"));
    for prompt in PROMPTS.iter().map(|p| p.to_string()).chain(digits) {
        std::fs::write(f.dir.join(format!("sounds/en/{prompt}.wav")), tone(100)).unwrap();
    }
    std::fs::write(f.dir.join("voicemail.conf"), voicemail).unwrap();
    f.pbx.reload().unwrap();
    f
}

fn folder(f: &Fixture, name: &str) -> PathBuf {
    f.dir.join("run/voicemail/default/100").join(name)
}

/// Message `n` of `folder`: a 300 ms recording and its information file, which names the
/// message by its caller ID.
fn message(f: &Fixture, name: &str, n: u32, callerid: &str, extra: &str) {
    let dir = folder(f, name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("msg{n:04}.wav")), tone(300)).unwrap();
    std::fs::write(
        dir.join(format!("msg{n:04}.txt")),
        format!(
            ";\n; Message Information file\n;\n[message]\norigmailbox=100\ncontext=in\ncallerid={callerid}\norigtime=1705314600\nduration=10\n{extra}"
        ),
    )
    .unwrap();
}

/// The caller IDs of `folder`'s messages, in their order; and that each has its recording.
fn messages(f: &Fixture, name: &str) -> Vec<String> {
    let dir = folder(f, name);
    let mut out = Vec::new();
    for n in 0.. {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("msg{n:04}.txt"))) else {
            break;
        };
        assert!(dir.join(format!("msg{n:04}.wav")).exists(), "msg{n:04}.wav");
        let cid = text
            .lines()
            .find_map(|l| l.strip_prefix("callerid="))
            .unwrap_or_default();
        out.push(cid.to_string());
    }
    let files = std::fs::read_dir(&dir).map_or(0, |d| d.count());
    assert_eq!(files, 2 * out.len(), "{}: no file left over", dir.display());
    out
}

/// When `prompt` has been played `count` times, the caller presses `keys`.
fn after(chan: &Channel, prompt: &str, count: usize, keys: &[u8]) {
    let start = Instant::now();
    while chan.played().iter().filter(|p| *p == prompt).count() < count {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waiting for {prompt} #{count}: {:?}",
            chan.played()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    for &k in keys {
        chan.receive_dtmf(k);
    }
}

/// What the caller heard, a file of the spool (a message, a recorded name) by its name.
fn heard(chan: &Arc<Channel>) -> Vec<String> {
    chan.played()
        .into_iter()
        .map(|p| match p.rsplit_once('/') {
            Some((_, file)) if p.starts_with('/') => file.to_string(),
            _ => p,
        })
        .collect()
}

fn no_keys() -> Script {
    common::keys(&[])
}

const MAIN: &str = "[in]\nexten => s,1,VoiceMailMain(${ARGS})\n same => n,NoOp(after)\n";

fn main_with(args: &str) -> String {
    MAIN.replace("${ARGS}", args)
}

#[test]
fn the_login_asks_again_after_a_wrong_password() {
    let f = pbx("vmm-login", &main_with(""), MAILBOXES);
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-login", 1, b"100#");
    after(&chan, "vm-password", 1, b"9#");
    after(&chan, "vm-incorrect-mailbox", 1, b"100#");
    after(&chan, "vm-password", 2, b"1234#");
    after(&chan, "vm-helpexit", 1, b"#");
    f.settle();
    // No message: "you have no messages"; the urgent folder is open, so no "press 1".
    assert_eq!(
        heard(&chan),
        [
            "vm-login",
            "vm-password",
            "vm-incorrect-mailbox",
            "vm-password",
            "vm-youhave",
            "vm-no",
            "vm-messages",
            "vm-opts",
            "vm-helpexit",
            "vm-goodbye"
        ]
    );
    assert_eq!(chan.trace().last().unwrap(), "in,s,2,NoOp(after)");
}

#[test]
fn three_wrong_passwords_say_goodbye_and_the_dialplan_goes_on() {
    let f = pbx("vmm-wrong", &main_with("100"), MAILBOXES);
    let (chan, _) = f.call("in", "s", no_keys());
    for n in 1..=3 {
        after(&chan, "vm-password", n, b"9#");
    }
    f.settle();
    assert_eq!(
        heard(&chan),
        [
            "vm-password",
            "vm-incorrect",
            "vm-password",
            "vm-incorrect",
            "vm-password",
            "vm-incorrect",
            "vm-goodbye"
        ]
    );
    assert_eq!(chan.trace().last().unwrap(), "in,s,2,NoOp(after)");
}

#[test]
fn a_message_is_heard_then_deleted_and_the_rest_numbered_again() {
    let f = pbx("vmm-delete", &main_with("100,s"), MAILBOXES);
    message(&f, "INBOX", 0, "first", "");
    message(&f, "INBOX", 1, "second", "");
    message(&f, "Old", 0, "old", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"7");
    after(&chan, "vm-helpexit", 3, b"#");
    f.settle();
    assert_eq!(
        heard(&chan),
        [
            // You have 2 new and 1 old message.
            "vm-youhave",
            "digits/2",
            "vm-INBOX",
            "vm-and",
            "digits/1",
            "vm-Old",
            "vm-message",
            "vm-onefor",
            "vm-INBOX",
            "vm-messages",
            "vm-opts",
            "vm-helpexit",
            // 1: the first message (10 s: no duration said).
            "vm-first",
            "vm-message",
            "msg0000",
            "vm-advopts",
            "vm-repeat",
            "vm-next",
            "vm-delete",
            "vm-toforward",
            "vm-savemessage",
            "vm-helpexit",
            // 7.
            "vm-deleted",
            "vm-advopts",
            "vm-repeat",
            "vm-next",
            "vm-undelete",
            "vm-toforward",
            "vm-savemessage",
            "vm-helpexit",
            "vm-goodbye"
        ]
    );
    // Deleted (heard, but not moved to Old), and the other one is message 0 now.
    assert_eq!(messages(&f, "INBOX"), ["second"]);
    assert_eq!(messages(&f, "Old"), ["old"]);
}

#[test]
fn heard_messages_move_to_old_and_a_saved_one_is_copied() {
    let f = pbx("vmm-save", &main_with("100,s"), MAILBOXES);
    for (n, cid) in ["one", "two", "three"].iter().enumerate() {
        message(&f, "INBOX", n as u32, cid, "");
    }
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    // After the first message, the next; after the second, save it to Work (2).
    after(&chan, "vm-helpexit", 2, b"6");
    after(&chan, "vm-helpexit", 3, b"9");
    after(&chan, "vm-press", 1, b"2");
    after(&chan, "vm-helpexit", 4, b"#");
    f.settle();
    let played = heard(&chan);
    let second = played.iter().position(|p| p == "msg0001").unwrap();
    assert_eq!(played[second - 2..second], ["vm-message", "digits/2"]);
    let saved = played.iter().position(|p| p == "vm-savefolder").unwrap();
    assert_eq!(
        played[saved..saved + 7],
        [
            "vm-savefolder",
            "vm-press",
            "vm-message",
            "digits/2",
            "vm-savedto",
            "vm-Work",
            "vm-messages"
        ]
    );
    // One heard → Old; two heard and saved → Work (gone from INBOX); three unheard.
    assert_eq!(messages(&f, "INBOX"), ["three"]);
    assert_eq!(messages(&f, "Old"), ["one"]);
    assert_eq!(messages(&f, "Work"), ["two"]);
}

#[test]
fn the_envelope_says_when_the_message_came_and_how_long_it_is() {
    let f = pbx(
        "vmm-envelope",
        &main_with("100,s"),
        "[default]\n100 => 1234,Alice\n",
    );
    // 2024-01-15 10:30 UTC, more than six months ago: the month, the day and the year.
    message(&f, "INBOX", 0, "first", "");
    let info = folder(&f, "INBOX").join("msg0000.txt");
    let text = std::fs::read_to_string(&info)
        .unwrap()
        .replace("duration=10", "duration=150");
    std::fs::write(&info, text).unwrap();
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"#");
    f.settle();
    let played = heard(&chan);
    let first = played.iter().position(|p| p == "vm-first").unwrap();
    let last = played.iter().position(|p| p == "msg0000").unwrap();
    assert_eq!(
        played[first..=last],
        [
            "vm-first",
            "vm-message",
            "vm-received",
            "digits/mon-0",
            "digits/h-15",
            "digits/2",
            "digits/thousand",
            "digits/20",
            "digits/4",
            "digits/at",
            "digits/10",
            "digits/30",
            "digits/a-m",
            "vm-duration",
            "digits/2",
            "vm-minutes",
            "msg0000"
        ]
    );
    // Heard: in Old once the session is over.
    assert_eq!(messages(&f, "Old"), ["first"]);
}

#[test]
fn a_key_in_the_envelope_is_the_next_command_and_the_message_is_not_played() {
    let f = pbx("vmm-skip", &main_with("100,s"), MAILBOXES);
    message(&f, "INBOX", 0, "first", "");
    message(&f, "INBOX", 1, "second", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    // During "first message": 6, the next one.
    after(&chan, "vm-first", 1, b"6");
    after(&chan, "vm-helpexit", 2, b"#");
    f.settle();
    let played = heard(&chan);
    assert!(!played.contains(&"msg0000".to_string()), "{played:?}");
    assert!(played.contains(&"msg0001".to_string()), "{played:?}");
    // Only the second was heard.
    assert_eq!(messages(&f, "INBOX"), ["first"]);
    assert_eq!(messages(&f, "Old"), ["second"]);
}

#[test]
fn hanging_up_still_closes_the_folder() {
    let f = pbx("vmm-hangup", &main_with("100,s"), MAILBOXES);
    message(&f, "INBOX", 0, "first", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"");
    chan.hangup(Cause::NORMAL_CLEARING);
    f.settle();
    assert_eq!(messages(&f, "INBOX"), Vec::<String>::new());
    assert_eq!(messages(&f, "Old"), ["first"]);
    assert!(!chan.trace().iter().any(|t| t.contains("NoOp(after)")));
}

#[test]
fn a_key_during_you_have_is_the_first_command() {
    let f = pbx("vmm-youhave", &main_with("100,s"), MAILBOXES);
    message(&f, "INBOX", 0, "first", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-youhave", 1, b"#");
    f.settle();
    assert_eq!(heard(&chan), ["vm-youhave", "vm-goodbye"]);
    assert_eq!(messages(&f, "INBOX"), ["first"]);
}

/// `saycid`: an outside caller's number digit by digit, or the recording kept for it under
/// `recordings/callerids/`; a caller with no number is unknown.
#[test]
fn saycid_says_the_number_or_its_recorded_name() {
    let f = pbx(
        "vmm-saycid",
        &main_with("100,s"),
        "[general]\nenvelope=no\nsaycid=yes\n\n[default]\n100 => 1234,Alice\n",
    );
    message(&f, "INBOX", 0, "\"Bob\" <55-1>", "");
    message(&f, "INBOX", 1, "\"Carol\" <5552>", "");
    message(&f, "INBOX", 2, "Unknown", "");
    let names = f.dir.join("run/recordings/callerids");
    std::fs::create_dir_all(&names).unwrap();
    std::fs::write(names.join("5552.wav"), tone(100)).unwrap();
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"6");
    after(&chan, "vm-helpexit", 3, b"6");
    after(&chan, "vm-helpexit", 4, b"#");
    f.settle();
    let played = heard(&chan);
    let from = |msg: &str| {
        let at = played.iter().position(|p| p == msg).unwrap();
        let start = played[..at]
            .iter()
            .rposition(|p| p == "vm-message")
            .unwrap();
        played[start + 1..at].to_vec()
    };
    // The number as written inside `<…>` (`ast_callerid_parse` does not shrink it); there
    // is no `digits/minus` file here, so the dash is passed over.
    assert_eq!(
        from("msg0000"),
        ["vm-from-phonenumber", "digits/5", "digits/5", "digits/1"]
    );
    assert_eq!(from("msg0001"), ["digits/2", "vm-from", "5552"]);
    assert_eq!(from("msg0002"), ["vm-unknown-caller"]);
}

/// `n` frames of 20 ms of sound.
fn speak(chan: &Channel, n: usize) {
    for _ in 0..n {
        chan.receive_frame(&[3000; 160]);
    }
}

/// `0`, the mailbox's options: the unavailable greeting recorded, heard in review, kept;
/// then a temporary greeting recorded, and removed.
#[test]
fn the_owner_records_greetings_in_the_options() {
    let f = pbx("vmm-options", &main_with("100,s"), MAILBOXES);
    let mailbox = f.dir.join("run/voicemail/default/100");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"0");
    after(&chan, "vm-options", 1, b"1");
    after(&chan, "beep", 1, b"");
    std::thread::sleep(Duration::from_millis(150));
    speak(&chan, 50);
    chan.receive_dtmf(b'#');
    after(&chan, "vm-review", 1, b"1");
    // The temporary greeting: none yet, so it is recorded at once.
    after(&chan, "vm-options", 2, b"4");
    after(&chan, "beep", 2, b"");
    std::thread::sleep(Duration::from_millis(150));
    speak(&chan, 25);
    chan.receive_dtmf(b'#');
    after(&chan, "vm-review", 2, b"1");
    // With one: 2 removes it.
    after(&chan, "vm-options", 3, b"4");
    after(&chan, "vm-tempgreeting2", 1, b"2");
    after(&chan, "vm-options", 4, b"*");
    after(&chan, "vm-helpexit", 2, b"#");
    f.settle();
    let played = heard(&chan);
    let start = played.iter().position(|p| p == "vm-options").unwrap();
    assert_eq!(
        played[start..start + 7],
        [
            "vm-options",
            "vm-rec-unv",
            "beep",
            "auth-thankyou",
            "vm-review",
            "vm-msgsaved",
            "vm-options"
        ]
    );
    assert!(played.contains(&"vm-tempremoved".to_string()), "{played:?}");
    // The tmpexists warning came while the temporary greeting was there.
    assert!(played.contains(&"vm-tmpexists".to_string()), "{played:?}");
    let wav = std::fs::read(mailbox.join("unavail.wav")).unwrap();
    let sound = pbx_media::sound::decode(&wav, pbx_media::sound::Format::Wav).unwrap();
    assert!(
        (40 * 160..=50 * 160).contains(&sound.samples.len()),
        "{}",
        sound.samples.len()
    );
    assert!(!mailbox.join("temp.wav").exists());
}

/// A folder with gaps in its numbering (messages 0, 2 and 5) is numbered again when it is
/// opened (`resequence_mailbox`), in the same order.
#[test]
fn a_folder_with_gaps_is_numbered_again() {
    let f = pbx("vmm-gaps", &main_with("100,s"), MAILBOXES);
    message(&f, "INBOX", 0, "a", "");
    message(&f, "INBOX", 2, "b", "");
    message(&f, "INBOX", 5, "c", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"#");
    f.settle();
    assert_eq!(
        heard(&chan)[..4],
        ["vm-youhave", "digits/3", "vm-INBOX", "vm-messages"]
    );
    assert_eq!(messages(&f, "INBOX"), ["a", "b", "c"]);
}

/// Sessions that listen, delete and hang up leave no descriptor open.
#[test]
fn sessions_leave_no_descriptor_open() {
    let f = pbx("vmm-fds", &main_with("100,s"), MAILBOXES);
    for n in 0..30 {
        message(&f, "INBOX", n, &format!("m{n}"), "");
    }
    // A first call opens what stays open (the sounds' cache).
    let (first, _) = f.call("in", "s", no_keys());
    after(&first, "vm-helpexit", 1, b"#");
    f.settle();
    let before = open_fds();
    for i in 0..12 {
        if i % 3 == 0 {
            f.call("in", "s", hangup_after(700));
        } else {
            let (chan, _) = f.call("in", "s", no_keys());
            after(&chan, "vm-helpexit", 1, b"1");
            after(&chan, "vm-helpexit", 2, b"7");
            after(&chan, "vm-helpexit", 3, b"#");
        }
        f.settle();
    }
    // (Not more: what the first call left for later may have closed since.)
    let after_sessions = open_fds();
    assert!(after_sessions <= before, "{after_sessions} > {before}");
    // Each listening session heard message 0 and deleted it.
    assert_eq!(messages(&f, "INBOX").len(), 30 - 8);
}

/// `nextaftercmd`: after a delete the next message plays at once.
#[test]
fn nextaftercmd_plays_the_next_message_after_a_delete() {
    let f = pbx(
        "vmm-next",
        &main_with("100,s"),
        "[general]\nenvelope=no\nnextaftercmd=yes\n\n[default]\n100 => 1234,Alice\n",
    );
    message(&f, "INBOX", 0, "first", "");
    message(&f, "INBOX", 1, "second", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"7");
    after(&chan, "vm-helpexit", 3, b"#");
    f.settle();
    let played = heard(&chan);
    let deleted = played.iter().position(|p| p == "vm-deleted").unwrap();
    assert_eq!(
        played[deleted..deleted + 4],
        ["vm-deleted", "vm-last", "vm-message", "msg0001"]
    );
    assert_eq!(messages(&f, "INBOX"), Vec::<String>::new());
    assert_eq!(messages(&f, "Old"), ["second"]);
}

/// At the end of a session `externnotify` is told the counts after the close (`context
/// mailbox new old urgent`), so that a message lamp follows what the owner heard.
#[test]
fn externnotify_hears_the_counts_after_the_session() {
    let told = common::temp_dir("vmm-extern-out").join("told");
    let f = pbx(
        "vmm-extern",
        &main_with("100,s"),
        &format!(
            "[general]\nenvelope=no\nexternnotify=echo >> {}\n\n[default]\n100 => 1234,Alice\n",
            told.display()
        ),
    );
    message(&f, "INBOX", 0, "first", "");
    message(&f, "INBOX", 1, "second", "");
    let (chan, _) = f.call("in", "s", no_keys());
    after(&chan, "vm-helpexit", 1, b"1");
    after(&chan, "vm-helpexit", 2, b"#");
    f.settle();
    let start = Instant::now();
    while std::fs::read_to_string(&told)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "externnotify ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // One heard (now in Old), one still new.
    assert_eq!(
        std::fs::read_to_string(&told).unwrap(),
        "default 100 1 1 0\n"
    );
}
