//! VoiceMail's media in the PBX: app_voicemail.c's `leave_voicemail` from the greeting on,
//! with the recording of `play_record_review` and `ast_play_and_record_full`, kept as its
//! file storage keeps it. The engine has already found the mailbox and decided which keys
//! leave ([`pbx_engine::voicemail`]).
//!
//! The caller hears: the greeting (`temp`, else `busy`/`unavail` with `b`/`u`, else the
//! mailbox's recorded name or its number, then `vm-isonphone`/`vm-isunavail`), `vm-intro`
//! (not with `s`, nor after `#`), the beep, and after the recording `auth-thankyou`.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pbx_engine::vars::Variables;
use pbx_engine::voicemail::{Greeting, Leave, Left};
use pbx_media::sound::{Format, Sound};
use pbx_voicemail::notify::NewMessage;
use pbx_voicemail::{Mailbox, MessageInfo, Spool, spool};

mod main;
mod notify;

use crate::apps::{CallIo, Ended, Wake};
use crate::channel::{Recording, State, lock};

/// What the review loop does next: its `cmd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    /// A key: `1`–`4`, `0`, or one it is sorry about.
    Key(u8),
    /// 0: nothing pressed (the menu, or the end without review).
    Done,
    HungUp,
}

/// How `play_record_review` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reviewed {
    Saved,
    /// `0`: the operator (the message kept or not as the caller chose).
    Operator,
    /// The review menu went unanswered four times (`'t'`).
    TimedOut,
    HungUp,
}

/// A recording and what C counts of it.
#[derive(Default)]
struct Take {
    samples: Vec<i16>,
    duration: i64,
    /// Seconds without the silence.
    sound_duration: i64,
    /// Whether it is to be kept (the operator menu or a re-record cut short can drop it).
    kept: bool,
    ended: Ended,
}

/// The format a `format=` name of voicemail.conf is written in, when pbx can write it: the
/// names are the formats' file extensions, which the file then takes.
pub(crate) fn writable(name: &str) -> Option<Format> {
    Format::from_extension(name).filter(|format| format.writable())
}

/// `samples` in each of `formats` pbx can write, by extension: one file per format
/// (`ulaw|pcm` names one format twice: `ast_format_str_reduce`), and `wav` when none is left.
pub(crate) fn encoded(formats: &[String], samples: &[i16]) -> Vec<(String, Vec<u8>)> {
    let mut written: Vec<Format> = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for name in formats {
        if let Some(format) = writable(name)
            && !written.contains(&format)
            && let Some(bytes) = pbx_media::sound::encode(samples, format)
        {
            written.push(format);
            files.push((name.clone(), bytes));
        }
    }
    if files.is_empty() {
        files.push(("wav".into(), pbx_media::sound::encode_wav(samples)));
    }
    files
}

/// Messages are numbered and renamed into a folder under the folder's lock in C
/// (`vm_lock_path`); one lock for every folder here.
static SAVING: Mutex<()> = Mutex::new(());

/// `__ast_play_and_record` gives up after two 2 s waits with no frame: "No audio available".
const NO_AUDIO: Duration = Duration::from_secs(4);

/// Recordings in progress per mailbox (`inprocess_count`), across calls: by spool (a PBX
/// of its own), context and mailbox.
static IN_PROCESS: Mutex<Vec<(Key, usize)>> = Mutex::new(Vec::new());

type Key = (std::path::PathBuf, Vec<u8>, Vec<u8>);

/// One recording in progress for a mailbox, counted until it is dropped.
struct InProcess {
    key: Key,
    /// Recordings of the same mailbox already in progress when this one started.
    others: usize,
}

impl InProcess {
    fn start(spool: &Spool, context: &[u8], mailbox: &[u8]) -> InProcess {
        let key = (
            spool.root().to_path_buf(),
            context.to_ascii_lowercase(),
            mailbox.to_ascii_lowercase(),
        );
        let mut all = lock(&IN_PROCESS);
        let others = match all.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                all.push((key.clone(), 1));
                0
            }
        };
        InProcess { key, others }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        let mut all = lock(&IN_PROCESS);
        if let Some(i) = all.iter().position(|(k, _)| *k == self.key) {
            all[i].1 -= 1;
            if all[i].1 == 0 {
                all.swap_remove(i);
            }
        }
    }
}

/// `generate_msg_id`'s counter, process-wide.
static MSG_IDS: AtomicU32 = AtomicU32::new(0);

impl CallIo<'_> {
    pub(crate) fn leave_voicemail(&mut self, leave: &Leave<'_>, vars: &mut Variables) -> Left {
        let voicemail = self.program.voicemail.clone();
        let Some(spool) = &voicemail.spool else {
            tracing::warn!("VoiceMail: no spool directory; nothing can be kept");
            return Left::Finished {
                status: Some(b"FAILED"),
            };
        };
        let general = &voicemail.config.general;
        let mailbox = leave.mailbox;
        let dir = spool.mailbox_dir(&mailbox.context, leave.ext);
        if let Err(e) = std::fs::create_dir_all(dir.join("tmp")) {
            tracing::warn!("mkdir '{}' failed: {e}", dir.join("tmp").display());
            return Left::HungUp { status: None };
        }
        let escape = |k: u8| leave.escape.contains(&k);
        let in_dir = |name: &str| dir.join(name).to_string_lossy().into_owned();

        // The greeting: a temp greeting wins over busy/unavail, and plays without them too.
        let mut prefile = match leave.greeting {
            Greeting::Busy => Some(in_dir("busy")),
            Greeting::Unavailable => Some(in_dir("unavail")),
            Greeting::None => None,
        };
        if self.sound_exists(&in_dir("temp")) {
            prefile = Some(in_dir("temp"));
        }
        let mut silent = leave.silent || mailbox.maxmsg == 0;
        let mut key = None;
        if let Some(prefile) = prefile {
            let played = if self.sound_exists(&prefile) {
                // A recorded greeting that cannot be streamed is passed over (C goes on with
                // res 0); `S` counts only one that streamed.
                let played = self.play(&prefile, &escape);
                if played.is_ok() && leave.silent_if_greeting {
                    silent = true;
                }
                played.or(Ok(Wake::Done))
            } else {
                self.invent_message(&dir, leave, &escape)
            };
            match played {
                Ok(Wake::Done) => {}
                Ok(Wake::Key(k)) => key = Some(k),
                Ok(Wake::HungUp) | Err(()) => {
                    return Left::HungUp {
                        status: Some(b"FAILED"),
                    };
                }
            }
        }
        if key == Some(b'#') {
            silent = true;
            key = None;
        }
        if key.is_none() && !silent {
            match self.play("vm-intro", &escape) {
                Ok(Wake::Done) | Ok(Wake::Key(b'#')) => {}
                Ok(Wake::Key(k)) => key = Some(k),
                Ok(Wake::HungUp) | Err(()) => {
                    return Left::HungUp {
                        status: Some(b"FAILED"),
                    };
                }
            }
        }
        if let Some(key) = key {
            if key == b'0' && mailbox.operator && leave.operator_exten {
                let _ = self.play("transfer", &|_| true);
            }
            return Left::Key(key);
        }
        if mailbox.maxmsg == 0 {
            // A greetings-only mailbox.
            return Left::Finished {
                status: Some(b"SUCCESS"),
            };
        }
        // With `e` the greeting was early media; the recording needs the call up.
        if self.chan.state() != State::Up {
            self.chan.answer();
        }
        let inbox = spool.folder(&mailbox.context, leave.ext, b"INBOX");
        let _ = std::fs::create_dir_all(&inbox);
        // Recordings in progress for the mailbox count against its room (`inprocess_count`).
        let in_process = InProcess::start(spool, &mailbox.context, &mailbox.mailbox);
        let room = i64::from(mailbox.maxmsg) - in_process.others as i64;
        if spool::count_messages(&inbox) as i64 >= room {
            drop(in_process);
            // A prompt that cannot be played ends the call as a hang-up does.
            let hung_up = self.play("vm-mailboxfull", &|_| false) != Ok(Wake::Done);
            tracing::warn!("No more messages possible");
            let status = Some(&b"FAILED"[..]);
            return if hung_up {
                Left::HungUp { status }
            } else {
                Left::Finished { status }
            };
        }
        // The message is stamped as its recording starts.
        let info = self.message_info(leave);
        if let Some(beep) = &leave.beep {
            let _ = self.play(&String::from_utf8_lossy(beep), &|_| false);
        }

        let mut flag = leave.flag;
        let (reviewed, take) = self.play_record_review(mailbox, general, &mut flag);
        let Take {
            samples,
            duration,
            sound_duration,
            kept: keep,
            ..
        } = take;
        let hung_up = reviewed == Reviewed::HungUp;
        let to_operator = reviewed == Reviewed::Operator;
        let status: &'static [u8] = if sound_duration < i64::from(mailbox.minsecs) {
            tracing::info!(
                "Recording was {sound_duration} seconds long but needs to be at least {} - abandoning",
                mailbox.minsecs
            );
            b"FAILED"
        } else {
            if keep {
                self.keep(
                    spool,
                    leave,
                    &general.formats,
                    &samples,
                    &info,
                    flag,
                    duration,
                    vars,
                );
            }
            b"SUCCESS"
        };
        drop(in_process);
        let status = Some(status);
        if hung_up {
            Left::HungUp { status }
        } else if to_operator {
            // leave_voicemail's `goto transfer`: the prompt, then `o` when there is one
            // (VMSTATUS is USEREXIT then, and not set otherwise).
            if leave.operator_exten {
                let _ = self.play("transfer", &|_| true);
            }
            Left::Operator
        } else {
            if reviewed == Reviewed::TimedOut {
                // vm_exec, after a review menu left unanswered.
                let _ = self.play("vm-goodbye", &|_| true);
            }
            Left::Finished { status }
        }
    }

    /// `play_record_review` for a caller leaving a message: record; with `review=yes`, offer
    /// to keep it (1), hear it (2), record it again (3), mark it urgent (4) or reach the
    /// operator (0); `0` while recording goes to the operator's choice at once.
    fn play_record_review(
        &self,
        mailbox: &Mailbox,
        general: &pbx_voicemail::General,
        flag: &mut &'static [u8],
    ) -> (Reviewed, Take) {
        let mut take = Take::default();
        let mut recorded = false;
        let mut exists = false;
        let mut attempts = 0;
        let mut cmd = Cmd::Key(b'3');
        loop {
            cmd = match cmd {
                Cmd::HungUp => {
                    // The menu ended by a hang-up or a prompt that could not play: C says
                    // goodbye to a caller still there.
                    if !self.chan.must_stop() {
                        let _ = self.play("vm-goodbye", &|_| true);
                    }
                    return (Reviewed::HungUp, take);
                }
                Cmd::Key(b'1') if exists => {
                    let _ = self.play("vm-msgsaved", &|_| false);
                    return (Reviewed::Saved, take);
                }
                Cmd::Key(b'1' | b'3') => {
                    if recorded {
                        let _ = self.play("vm-intro", &|_| true);
                        if matches!(self.play("beep", &|_| true), Ok(Wake::HungUp) | Err(())) {
                            // A hang-up (or no beep to play) before the new recording: the
                            // last one is deleted and the call ends.
                            take.kept = false;
                            return (Reviewed::HungUp, take);
                        }
                    }
                    recorded = true;
                    exists = false;
                    take = self.record_message(mailbox, general, mailbox.maxsecs);
                    match take.ended {
                        // A caller who is gone keeps what was said.
                        Ended::HungUp | Ended::NoAudio => return (Reviewed::HungUp, take),
                        Ended::Key(b'0') => Cmd::Key(b'0'),
                        _ => {
                            exists = true;
                            Cmd::Done
                        }
                    }
                }
                Cmd::Key(b'2') => {
                    match self
                        .play_sound(Arc::new(Sound::new(take.samples.clone())), None, &|_| true)
                    {
                        Wake::Key(k) => Cmd::Key(k),
                        Wake::Done => Cmd::Done,
                        Wake::HungUp => Cmd::HungUp,
                    }
                }
                Cmd::Key(b'4') if mailbox.leaveurgent => {
                    let prompt = if *flag == b"Urgent" {
                        *flag = b"";
                        "vm-marked-nonurgent"
                    } else {
                        *flag = b"Urgent";
                        "vm-marked-urgent"
                    };
                    let _ = self.play(prompt, &|_| true);
                    Cmd::Done
                }
                Cmd::Key(b'0') => {
                    if !mailbox.operator {
                        self.prompt("vm-sorry")
                    } else {
                        // Keep it (1), keep it urgent (4), or not.
                        let mut choice = self.prompt("vm-saveoper");
                        if choice == Cmd::Done {
                            choice = match self.wait(Some(Duration::from_secs(3)), &|_| true, None)
                            {
                                Wake::Key(k) => Cmd::Key(k),
                                _ => Cmd::Done,
                            };
                        }
                        match choice {
                            Cmd::Key(b'1') => {
                                let _ = self.play("vm-msgsaved", &|_| true);
                            }
                            Cmd::Key(b'4') => {
                                let _ = self.play("vm-marked-urgent", &|_| true);
                                *flag = b"Urgent";
                                let _ = self.play("vm-msgsaved", &|_| true);
                            }
                            _ => {
                                let _ = self.play("vm-deleted", &|_| true);
                                take.kept = false;
                            }
                        }
                        return (Reviewed::Operator, take);
                    }
                }
                Cmd::Key(b'4' | b'5'..=b'9' | b'*' | b'#') => self.prompt("vm-sorry"),
                // Any other key is C's `default:`, as no key is.
                Cmd::Key(_) | Cmd::Done => {
                    if !mailbox.review {
                        return (Reviewed::Saved, take);
                    }
                    let mut next = if exists {
                        let mut next = self.prompt("vm-review");
                        if next == Cmd::Done && mailbox.leaveurgent {
                            next = self.prompt(if *flag == b"Urgent" {
                                "vm-review-nonurgent"
                            } else {
                                "vm-review-urgent"
                            });
                        }
                        next
                    } else {
                        match self.prompt("vm-torerecord") {
                            Cmd::Done => self.digit(600),
                            other => other,
                        }
                    };
                    if next == Cmd::Done && mailbox.operator {
                        next = match self.prompt("vm-reachoper") {
                            Cmd::Done => self.digit(600),
                            other => other,
                        };
                    }
                    if next == Cmd::Done {
                        next = self.digit(6000);
                    }
                    if next == Cmd::Done {
                        attempts += 1;
                    }
                    if attempts > 3 {
                        return (Reviewed::TimedOut, take);
                    }
                    next
                }
            };
        }
    }

    /// One recording (`ast_play_and_record_full`): `#` ends it, `0` too with the operator
    /// on, and `maxsilence`, `max_secs` (0: none), the hang-up or no audio; then
    /// `auth-thankyou`.
    fn record_message(
        &self,
        mailbox: &Mailbox,
        general: &pbx_voicemail::General,
        max_secs: u32,
    ) -> Take {
        let operator = mailbox.operator;
        let stop_on = |k: u8| k == b'#' || (operator && k == b'0');
        let detecting = general.maxsilence_ms > 0;
        let captured = self.capture(
            Recording {
                silence_limit_ms: detecting.then_some(general.maxsilence_ms),
                threshold: Some(general.silence_threshold.max(0) as u32),
                ..Default::default()
            },
            &stop_on,
            whole_seconds_limit(max_secs),
            Some(NO_AUDIO),
        );
        let recording = captured.recording;
        let (trailing, total) = if detecting {
            (
                i64::from(recording.silent_ms),
                i64::from(recording.earlier_silent_ms) + i64::from(recording.silent_ms),
            )
        } else {
            (0, 0)
        };
        let mut samples = recording.samples;
        let mut duration = (samples.len() / 8000) as i64;
        let mut sound_duration = duration;
        if total > 0 {
            sound_duration = (sound_duration - (total - 200) / 1000).max(0);
        }
        if trailing > 0 {
            duration = (duration - (trailing - 200) / 1000).max(0);
        }
        if captured.ended == Ended::NoAudio {
            tracing::warn!("No audio available on {}??", self.chan.name);
        }
        let hung_up = matches!(captured.ended, Ended::HungUp | Ended::NoAudio);
        if !hung_up && trailing > 0 {
            // Only the first 200 ms of the silence that ended it stay.
            let cut = ((trailing - 200).max(0) * 8) as usize;
            samples.truncate(samples.len().saturating_sub(cut));
        }
        if matches!(
            captured.ended,
            Ended::Key(b'#') | Ended::Silence | Ended::Timeout
        ) {
            let _ = self.play("auth-thankyou", &|_| false);
        }
        Take {
            samples,
            duration,
            sound_duration,
            kept: true,
            ended: captured.ended,
        }
    }

    /// `ast_play_and_wait`: a prompt any key stops.
    fn prompt(&self, name: &str) -> Cmd {
        match self.play(name, &|_| true) {
            Ok(Wake::Key(k)) => Cmd::Key(k),
            Ok(Wake::Done) => Cmd::Done,
            Ok(Wake::HungUp) | Err(()) => Cmd::HungUp,
        }
    }

    /// `ast_waitfordigit`.
    fn digit(&self, ms: u64) -> Cmd {
        match self.wait(Some(Duration::from_millis(ms)), &|_| true, None) {
            Wake::Key(k) => Cmd::Key(k),
            Wake::Done => Cmd::Done,
            Wake::HungUp => Cmd::HungUp,
        }
    }

    /// `invent_message`: the mailbox's recorded name, else `vm-theperson` and its digits;
    /// then whether it is busy or unavailable.
    fn invent_message(
        &self,
        dir: &Path,
        leave: &Leave<'_>,
        escape: &dyn Fn(u8) -> bool,
    ) -> Result<Wake, ()> {
        let greet = dir.join("greet").to_string_lossy().into_owned();
        if self.sound_exists(&greet) {
            let played = self.play(&greet, escape)?;
            if played != Wake::Done {
                return Ok(played);
            }
        } else {
            let played = self.play("vm-theperson", escape)?;
            if played != Wake::Done {
                return Ok(played);
            }
            let digits = String::from_utf8_lossy(leave.ext).into_owned();
            for file in pbx_media::say::digits(&digits) {
                let played = self.play(&file, escape)?;
                if played != Wake::Done {
                    return Ok(played);
                }
            }
        }
        let closing = if leave.greeting == Greeting::Busy {
            "vm-isonphone"
        } else {
            "vm-isunavail"
        };
        self.play(closing, escape)
    }

    fn message_info(&self, leave: &Leave<'_>) -> MessageInfo {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        MessageInfo {
            origmailbox: leave.ext.to_vec(),
            context: leave.context.to_vec(),
            exten: leave.exten.to_vec(),
            rdnis: leave.rdnis.clone(),
            priority: leave.priority,
            callerchan: self.chan.name.as_bytes().to_vec(),
            callerid: leave.callerid(),
            origtime: now,
            category: leave.category.clone().unwrap_or_default(),
            msg_id: spool::msg_id(now, MSG_IDS.fetch_add(1, Ordering::Relaxed)),
        }
    }

    /// Writes the message into the mailbox's INBOX (Urgent when flagged so) as the next
    /// `msgNNNN`, sets `VM_MESSAGEFILE`, and copies it to the other mailboxes given.
    #[allow(clippy::too_many_arguments)]
    fn keep(
        &self,
        spool: &Spool,
        leave: &Leave<'_>,
        formats: &[String],
        samples: &[i16],
        info: &MessageInfo,
        flag: &[u8],
        duration: i64,
        vars: &mut Variables,
    ) {
        let mut text = info.header();
        text.extend_from_slice(b"flag=");
        text.extend_from_slice(flag);
        text.extend_from_slice(format!("\nduration={duration}\n").as_bytes());
        let files = encoded(formats, samples);
        let folder: &[u8] = if flag == b"Urgent" {
            b"Urgent"
        } else {
            b"INBOX"
        };
        let saving = lock(&SAVING);
        let dir = spool.folder(&leave.mailbox.context, leave.ext, folder);
        let tmp = spool.folder(&leave.mailbox.context, leave.ext, b"tmp");
        let (_, written) = write_message(&tmp, &dir, &files, &text, None);
        let base = match written {
            Ok(base) => base,
            Err(e) => {
                tracing::error!(
                    "Couldn't keep the message in {}.  Voicemail will be lost: {e}",
                    dir.display()
                );
                return;
            }
        };
        vars.set(b"VM_MESSAGEFILE", Some(base.to_string_lossy().as_bytes()));
        let mut told = Vec::new();
        for &recipient in &leave.copies {
            tracing::info!(
                "Copying message from {}@{} to {}@{}",
                String::from_utf8_lossy(leave.ext),
                String::from_utf8_lossy(&leave.mailbox.context),
                String::from_utf8_lossy(&recipient.mailbox),
                String::from_utf8_lossy(&recipient.context)
            );
            let dir = spool.folder(&recipient.context, &recipient.mailbox, folder);
            let (number, written) = write_message(&tmp, &dir, &files, &text, Some(recipient));
            if let Err(e) = written {
                tracing::error!("{e}");
            }
            // copy_message tells the recipient even of a copy its full mailbox refused.
            told.push((recipient, dir.join(spool::message_name(number))));
        }
        drop(saving);
        // `msgNNNN`'s number.
        let message = |base: &Path| NewMessage {
            number: base
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("msg"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            duration,
            cidnum: leave.cidnum.as_deref(),
            cidname: leave.cidname.as_deref(),
            flag,
            category: leave.category.as_deref(),
        };
        let written: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
        // The copies' mailboxes are told first, each by its own settings, then this one
        // (C tells each as it copies to it: only a mailbox named twice sees the difference).
        for (recipient, base) in &told {
            self.notify(spool, recipient, base, &written, &message(base));
        }
        self.notify(spool, leave.mailbox, &base, &written, &message(&base));
    }

    /// Whether a sound of that name (an absolute path, any format) can be played, without
    /// the warning a missing prompt gets (`ast_fileexists`).
    fn sound_exists(&self, name: &str) -> bool {
        let language = String::from_utf8_lossy(&lock(&self.chan.attributes).language).into_owned();
        self.pbx.sounds.find(name, &language).is_ok()
    }
}

/// Writes message files into `dir` as its next message, each first in `tmp` and then
/// renamed into place (the information file last), so a reader of the folder never sees a
/// message half written; a recipient's folder takes it only while the number is below its
/// `maxmsg` (`copy_message` compares the number, not the count). The path without
/// extension.
fn write_message(
    tmp: &Path,
    dir: &Path,
    files: &[(String, Vec<u8>)],
    text: &[u8],
    recipient: Option<&Mailbox>,
) -> (u32, std::io::Result<std::path::PathBuf>) {
    let next = (spool::last_message_index(dir) + 1) as u32;
    (
        next,
        write_message_as(tmp, dir, next, files, text, recipient),
    )
}

fn write_message_as(
    tmp: &Path,
    dir: &Path,
    next: u32,
    files: &[(String, Vec<u8>)],
    text: &[u8],
    recipient: Option<&Mailbox>,
) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    std::fs::create_dir_all(tmp)?;
    if let Some(recipient) = recipient
        && next >= recipient.maxmsg
    {
        return Err(std::io::Error::other(format!(
            "Recipient mailbox {}@{} is full",
            String::from_utf8_lossy(&recipient.mailbox),
            String::from_utf8_lossy(&recipient.context)
        )));
    }
    let name = spool::message_name(next);
    let base = dir.join(&name);
    let staged = tmp.join(&name);
    let put = |extension: &str, bytes: &[u8]| {
        std::fs::write(staged.with_extension(extension), bytes)?;
        std::fs::rename(
            staged.with_extension(extension),
            base.with_extension(extension),
        )
    };
    for (extension, bytes) in files {
        put(extension, bytes)?;
    }
    put("txt", text)?;
    Ok(base)
}

/// `maxtime` as `__ast_play_and_record` counts it: the recording stops once more than
/// `seconds` whole seconds of `time()` have passed since it started; 0 is no limit.
fn whole_seconds_limit(seconds: u32) -> Option<Duration> {
    if seconds == 0 {
        return None;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let into_second = Duration::from_nanos(u64::from(now.subsec_nanos()));
    Some(Duration::from_secs(u64::from(seconds) + 1).saturating_sub(into_second))
}
