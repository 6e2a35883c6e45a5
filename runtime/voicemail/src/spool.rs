//! The voicemail spool (`<astspooldir>/voicemail/`) as app_voicemail.c's file storage keeps
//! it: `<context>/<mailbox>/` holds the greetings (`busy`, `unavail`, `temp`, `greet`, each
//! in some format) and the folders (`INBOX`, `Old`, `Urgent`, …), where message N is
//! `msgNNNN.<format>` beside its information file `msgNNNN.txt`.

use std::path::{Path, PathBuf};

use crate::config::MAXMSGLIMIT;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spool {
    root: PathBuf,
}

impl Spool {
    /// The spool below `root` (`<astspooldir>/voicemail`).
    pub fn new(root: PathBuf) -> Spool {
        Spool { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<context>/<mailbox>`: the mailbox's directory. The mailbox is named as the dialplan
    /// wrote it, as leave_voicemail builds its paths.
    pub fn mailbox_dir(&self, context: &[u8], mailbox: &[u8]) -> PathBuf {
        self.root.join(component(context)).join(component(mailbox))
    }

    /// A folder of a mailbox (`INBOX`, `Urgent`, `tmp`).
    pub fn folder(&self, context: &[u8], mailbox: &[u8], folder: &[u8]) -> PathBuf {
        self.mailbox_dir(context, mailbox).join(component(folder))
    }

    /// `messagecount` (file storage), as `VM_INFO(…,count[,folder])` counts: no folder, or
    /// exactly `INBOX`, counts INBOX and Urgent; any other name only that folder (an empty
    /// one is INBOX, alone).
    pub fn message_count(&self, context: &[u8], mailbox: &[u8], folder: Option<&[u8]>) -> usize {
        let named = match folder {
            Some(f) if !f.is_empty() => f,
            _ => b"INBOX",
        };
        let mut count = has_voicemail(&self.folder(context, mailbox, named));
        if folder.is_none_or(|f| f == b"INBOX") {
            count += has_voicemail(&self.folder(context, mailbox, b"Urgent"));
        }
        count
    }
}

impl Spool {
    /// The messages of one folder alone (`__has_voicemail`).
    pub fn folder_count(&self, context: &[u8], mailbox: &[u8], folder: &[u8]) -> usize {
        has_voicemail(&self.folder(context, mailbox, folder))
    }
}

/// A path component from a name a dialplan or a configuration gave: `/` and a lone `.` or
/// `..` cannot climb out of the spool.
fn component(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name).replace('/', "_");
    match name.as_str() {
        "" | "." | ".." => format!("_{name}"),
        _ => name,
    }
}

/// `__has_voicemail`'s count: entries named `msg…` with `txt` at the eighth byte, in any
/// case.
fn has_voicemail(dir: &Path) -> usize {
    entries(dir)
        .filter(|name| {
            name.len() >= 11
                && name[..3].eq_ignore_ascii_case(b"msg")
                && name[8..11].eq_ignore_ascii_case(b"txt")
        })
        .count()
}

/// `count_messages`: entries longer than seven bytes with `.txt` at the seventh, the
/// count the mailbox-full check makes.
pub fn count_messages(dir: &Path) -> usize {
    entries(dir)
        .filter(|name| name.len() > 7 && name[7..].starts_with(b".txt"))
        .count()
}

/// `last_message_index`: the highest N of the `msgNNNN.txt` files in `dir` (C walks 0, 1, …
/// until it has passed every message found, so gaps are not refilled); -1 when there is
/// none.
pub fn last_message_index(dir: &Path) -> i64 {
    let mut map = vec![false; MAXMSGLIMIT as usize];
    let mut stopcount = 0usize;
    for name in entries(dir) {
        // sscanf("msg%30d.%3s") == 2 && !strcmp(ext, "txt")
        let Some(rest) = name.strip_prefix(b"msg") else {
            continue;
        };
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            continue;
        }
        let Some(ext) = rest[digits..].strip_prefix(b".") else {
            continue;
        };
        let ext = &ext[..ext.len().min(3)];
        if ext != b"txt" {
            continue;
        }
        let n: u64 = rest[..digits].iter().fold(0u64, |n, &d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
        if n < u64::from(MAXMSGLIMIT) && !map[n as usize] {
            map[n as usize] = true;
            stopcount += 1;
        }
    }
    let mut x = 0usize;
    while x < map.len() && stopcount > 0 {
        stopcount -= usize::from(map[x]);
        x += 1;
    }
    x as i64 - 1
}

/// The names in `dir`, none when it cannot be read.
fn entries(dir: &Path) -> impl Iterator<Item = Vec<u8>> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().as_encoded_bytes().to_vec())
}

/// `msgNNNN`: message `n`'s name, without extension (`make_file`).
pub fn message_name(n: u32) -> String {
    format!("msg{n:04}")
}

/// What `msgNNNN.txt` says of a message (leave_voicemail's `fprintf`), before the lines
/// written after the recording (`flag=`, `duration=`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageInfo {
    /// The first mailbox as the dialplan gave it, without `@context`.
    pub origmailbox: Vec<u8>,
    /// Where the caller was: the dialplan context, extension and priority of `VoiceMail`.
    pub context: Vec<u8>,
    pub exten: Vec<u8>,
    /// The redirecting number, `unknown` when none.
    pub rdnis: Vec<u8>,
    pub priority: i32,
    pub callerchan: Vec<u8>,
    /// `ast_callerid_merge(name, number, "Unknown")`.
    pub callerid: Vec<u8>,
    /// Seconds since the epoch.
    pub origtime: i64,
    pub category: Vec<u8>,
    pub msg_id: String,
}

impl MessageInfo {
    /// The file's text up to `msg_id`, in app_voicemail.c's layout (Asterisk 21 dropped
    /// `macrocontext`).
    pub fn header(&self) -> Vec<u8> {
        let mut out = b";\n; Message Information file\n;\n[message]\n".to_vec();
        let mut line = |key: &str, value: &[u8]| {
            out.extend_from_slice(key.as_bytes());
            out.push(b'=');
            out.extend_from_slice(value);
            out.push(b'\n');
        };
        line("origmailbox", &self.origmailbox);
        line("context", &self.context);
        line("exten", &self.exten);
        line("rdnis", &self.rdnis);
        line("priority", self.priority.to_string().as_bytes());
        line("callerchan", &self.callerchan);
        line("callerid", &self.callerid);
        line("origdate", origdate(self.origtime).as_bytes());
        line("origtime", self.origtime.to_string().as_bytes());
        line("category", &self.category);
        line("msg_id", self.msg_id.as_bytes());
        out
    }
}

/// `generate_msg_id`: the time and a process-wide counter, `%ld-%08x`.
pub fn msg_id(now: i64, counter: u32) -> String {
    format!("{now}-{counter:08x}")
}

/// `get_date`: the time in UTC as `%a %b %e %r UTC %Y` (C locale; `%r` is
/// `%I:%M:%S %p`), e.g. `Tue Mar  3 02:15:09 PM UTC 2026`.
pub fn origdate(epoch: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!(
        "{} {} {day:>2} {hour12:02}:{minute:02}:{second:02} {} UTC {year}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        if hour < 12 { "AM" } else { "PM" },
    )
}

/// Days since 1970-01-01 as a proleptic Gregorian (year, month, day) (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pbx-voicemail-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn touch(dir: &Path, names: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        for name in names {
            std::fs::write(dir.join(name), b"").unwrap();
        }
    }

    #[test]
    fn origdate_is_get_dates_utc_format() {
        // date -u -d @0 '+%a %b %e %r UTC %Y' with LC_ALL=C.
        assert_eq!(origdate(0), "Thu Jan  1 12:00:00 AM UTC 1970");
        assert_eq!(origdate(1_772_547_309), "Tue Mar  3 02:15:09 PM UTC 2026");
        assert_eq!(origdate(951_825_600), "Tue Feb 29 12:00:00 PM UTC 2000");
        assert_eq!(origdate(4_102_444_799), "Thu Dec 31 11:59:59 PM UTC 2099");
    }

    #[test]
    fn the_information_file_is_written_in_app_voicemails_layout() {
        let info = MessageInfo {
            origmailbox: b"100".to_vec(),
            context: b"from-internal".to_vec(),
            exten: b"s".to_vec(),
            rdnis: b"unknown".to_vec(),
            priority: 3,
            callerchan: b"PJSIP/alice-00000001".to_vec(),
            callerid: b"\"Alice\" <200>".to_vec(),
            origtime: 0,
            category: Vec::new(),
            msg_id: msg_id(0, 10),
        };
        assert_eq!(
            String::from_utf8(info.header()).unwrap(),
            ";
; Message Information file
;
[message]
origmailbox=100
context=from-internal
exten=s
rdnis=unknown
priority=3
callerchan=PJSIP/alice-00000001
callerid=\"Alice\" <200>
origdate=Thu Jan  1 12:00:00 AM UTC 1970
origtime=0
category=
msg_id=0-0000000a
"
        );
    }

    #[test]
    fn numbering_follows_the_highest_message_and_counts_as_each_caller_counts() {
        let dir = scratch("numbering");
        let spool = Spool::new(dir.clone());
        let inbox = spool.folder(b"default", b"100", b"INBOX");
        assert_eq!(last_message_index(&inbox), -1, "no folder yet");
        touch(
            &inbox,
            &[
                "msg0000.txt",
                "msg0000.wav",
                "msg0002.txt",
                "msg0002.wav",
                "msgX.txt",
                "message.txt",
            ],
        );
        // A gap is not refilled: the next message is msg0003.
        assert_eq!(last_message_index(&inbox), 2);
        assert_eq!(message_name(3), "msg0003");
        // count_messages counts `.txt` at the seventh byte, so `message.txt` too (C's
        // rule), and not `msgX.txt`.
        assert_eq!(count_messages(&inbox), 3);
        touch(
            &spool.folder(b"default", b"100", b"Urgent"),
            &["msg0000.txt"],
        );
        touch(
            &spool.folder(b"default", b"100", b"Old"),
            &["msg0000.txt", "msg0001.TXT"],
        );
        assert_eq!(spool.message_count(b"default", b"100", None), 3);
        assert_eq!(spool.message_count(b"default", b"100", Some(b"INBOX")), 3);
        assert_eq!(spool.message_count(b"default", b"100", Some(b"")), 2);
        assert_eq!(spool.message_count(b"default", b"100", Some(b"Old")), 2);
        assert_eq!(spool.message_count(b"default", b"100", Some(b"Work")), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn names_cannot_climb_out_of_the_spool() {
        let spool = Spool::new(PathBuf::from("/spool"));
        assert_eq!(
            spool.folder(b"..", b"../../etc", b"INBOX"),
            PathBuf::from("/spool/_../.._.._etc/INBOX")
        );
    }
}
