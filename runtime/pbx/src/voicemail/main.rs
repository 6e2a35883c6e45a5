//! VoiceMailMain's session in the PBX: app_voicemail.c's `vm_execmain` from the folders on,
//! once the engine has logged the caller in ([`pbx_engine::voicemail::voicemail_main`]).
//!
//! The caller hears how many urgent, new and old messages there are (`vm_intro_en`), then
//! the menu (`vm_instructions_en`): `1` the first message, `5` this one again, `4` and `6`
//! the one before and after, `7` delete or undelete, `9` save to a folder, `2` another
//! folder, `*` help, `#` goodbye. Before each message its place (`vm-first`, `vm-last`,
//! `vm-message` and its number), the date it came (`'vm-received' q 'digits/at' IMp`, or the
//! mailbox's `[zonemessages]` format), who left it (`saycid`) and how long it is
//! (`sayduration`); a key other than `1` there is the next command. While it plays `#` and `*`
//! skip `skipms` forward and back, `0` pauses, `2` starts it again, other digits stop it and
//! are the next command.
//!
//! Nothing moves on disk until the folder is closed (`close_mailbox`: on a folder change and
//! when the session ends, the caller hung up or not): deleted messages go, heard INBOX and
//! Urgent messages move to Old (`moveheard`), the rest are numbered again from `msg0000`.
//! Then `externnotify` is told the mailbox's counts.
//! Saving copies the message into the folder and deletes it at the close (`save_to_folder`).
//!
//! `0` is the mailbox's options (`vm_options`): record the unavailable and busy greetings,
//! the name and the temporary greeting, each with `vm-review` (1 keep, 2 hear, 3 again).
//! Not here: changing the password there (`5`), and the menus `3` (advanced: reply, call
//! back, envelope, dial out) and `8` (forward), whose keys play the instructions again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pbx_engine::voicemail::{FOLDERS, Session, SessionEnd};
use pbx_voicemail::{Spool, spool};

use crate::apps::{CallIo, Wake};
use crate::channel::lock;
use crate::media::Source;

/// A command, as C keeps it in an `int`: a key's character, 0 for none, -1 for a hang-up
/// (or a prompt that could not be played), `'t'` when the menu went unanswered.
type Cmd = i32;

const HUNG_UP: Cmd = -1;
const TIMED_OUT: Cmd = b't' as Cmd;

const INBOX: usize = 0;
const OLD: usize = 1;
const URGENT: usize = 11;

/// Keys `ast_play_and_wait` and `AST_DIGIT_ANY` listen for.
fn any_key(k: u8) -> bool {
    k.is_ascii_digit() || matches!(k, b'#' | b'*' | b'A'..=b'D')
}

/// `struct vm_state`: the open folder and where the caller is in it.
struct Vms<'s> {
    session: &'s Session<'s>,
    spool: Spool,
    /// The open folder's number, and its directory.
    curbox: usize,
    dir: PathBuf,
    lastmsg: i64,
    curmsg: i64,
    /// Per message of the open folder, marked until the folder is closed.
    deleted: Vec<bool>,
    heard: Vec<bool>,
    /// No message played in this folder yet.
    starting: bool,
    /// Unanswered menus so far (never reset by a key).
    repeats: u32,
    in_urgent: bool,
    play_folder: usize,
    newmessages: i64,
    oldmessages: i64,
    urgentmessages: i64,
}

impl Vms<'_> {
    fn folder_dir(&self, folder: usize) -> PathBuf {
        self.spool.folder(
            &self.session.mailbox.context,
            &self.session.username,
            FOLDERS[folder].as_bytes(),
        )
    }

    /// `vms->vmbox`: the open folder's prompt.
    fn vmbox(&self) -> String {
        format!("vm-{}", FOLDERS[self.curbox])
    }

    fn current(&self) -> Option<usize> {
        usize::try_from(self.curmsg)
            .ok()
            .filter(|&m| self.curmsg <= self.lastmsg && m < self.deleted.len())
    }

    /// `open_mailbox`: counts the folder's messages, numbers them again from `msg0000` if
    /// there is a gap, and starts with nothing marked.
    fn open(&mut self, folder: usize) {
        self.curbox = folder;
        self.dir = self.folder_dir(folder);
        let _ = std::fs::create_dir_all(&self.dir);
        let count = spool::count_messages(&self.dir) as i64;
        self.lastmsg = count - 1;
        let size = (self.session.mailbox.maxmsg as usize).max(count as usize);
        self.deleted = vec![false; size];
        self.heard = vec![false; size];
        let last = spool::last_message_index(&self.dir);
        if self.lastmsg != last {
            resequence(&self.dir, count);
        }
    }

    /// `close_mailbox`: deleted messages go, heard INBOX and Urgent messages move to Old,
    /// the others are numbered again from `msg0000`.
    fn close(&mut self) {
        if self.lastmsg <= -1 {
            self.deleted.clear();
            self.heard.clear();
            return;
        }
        let listen = &self.session.mailbox.listen;
        let moves_heard = (self.curbox == INBOX || self.curbox == URGENT) && listen.moveheard;
        let last = spool::last_message_index(&self.dir);
        let mut kept = -1i64;
        let mut x = 0i64;
        while x <= last {
            let i = x as usize;
            let deleted = self.deleted.get(i).copied().unwrap_or(false);
            let heard = self.heard.get(i).copied().unwrap_or(false);
            if !deleted && (!moves_heard || !heard) {
                if !exists(&self.dir, x) {
                    break;
                }
                kept += 1;
                if x != kept {
                    rename_message(&self.dir, x, &self.dir, kept);
                }
            } else if !deleted && heard && moves_heard && self.save_to_folder(i, OLD).is_err() {
                // Old is full: the message is taken again, and stays.
                self.deleted[i] = false;
                self.heard[i] = false;
                continue;
            }
            x += 1;
        }
        // What is left past the kept ones: deleted messages, and those copied to Old.
        for n in kept + 1..x {
            if exists(&self.dir, n) {
                delete_message(&self.dir, n);
            }
        }
        self.deleted.clear();
        self.heard.clear();
    }

    /// `save_to_folder`: a copy of message `msg` at the end of `folder`; `Err` when the
    /// folder holds `maxmsg` already.
    fn save_to_folder(&self, msg: usize, folder: usize) -> Result<(), ()> {
        let to = self.folder_dir(folder);
        let _ = std::fs::create_dir_all(&to);
        let x = spool::last_message_index(&to) + 1;
        if x >= i64::from(self.session.mailbox.maxmsg) {
            return Err(());
        }
        copy_message(&self.dir, msg as i64, &to, x);
        Ok(())
    }
}

/// The files of message `n` in `dir`: each format's recording, and its information file
/// last (`msgNNNN.txt`).
fn message_files(dir: &Path, n: i64) -> Vec<(PathBuf, String)> {
    let stem = spool::message_name(n as u32);
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let ext = name.strip_prefix(&stem)?.strip_prefix('.')?.to_string();
            Some((e.path(), ext))
        })
        .collect();
    files.sort_by_key(|(_, ext)| ext == "txt");
    files
}

/// `EXISTS`: message `n` has a recording.
fn exists(dir: &Path, n: i64) -> bool {
    message_files(dir, n).iter().any(|(_, ext)| ext != "txt")
}

/// `rename_file`: every recording, then the information file.
fn rename_message(from: &Path, n: i64, to: &Path, m: i64) {
    let stem = spool::message_name(m as u32);
    for (path, ext) in message_files(from, n) {
        let _ = std::fs::rename(path, to.join(format!("{stem}.{ext}")));
    }
}

/// `copy_plain_file`: every recording, then the information file.
fn copy_message(from: &Path, n: i64, to: &Path, m: i64) {
    let stem = spool::message_name(m as u32);
    for (path, ext) in message_files(from, n) {
        let _ = std::fs::copy(path, to.join(format!("{stem}.{ext}")));
    }
}

/// `vm_delete`: the information file first, then the recordings.
fn delete_message(dir: &Path, n: i64) {
    let mut files = message_files(dir, n);
    files.sort_by_key(|(_, ext)| ext != "txt");
    for (path, _) in files {
        let _ = std::fs::remove_file(path);
    }
}

/// `resequence_mailbox`: the `count` messages renamed down over the gaps.
fn resequence(dir: &Path, count: i64) {
    let mut dest = 0;
    let mut x = 0;
    while dest != count && x < i64::from(pbx_voicemail::config::MAXMSGLIMIT) {
        if exists(dir, x) {
            if x != dest {
                rename_message(dir, x, dir, dest);
            }
            dest += 1;
        }
        x += 1;
    }
}

/// A message's information file: its `[message]` section's values.
struct Info {
    values: Vec<(String, String)>,
}

impl Info {
    fn read(dir: &Path, n: i64) -> Option<Info> {
        let text =
            std::fs::read(dir.join(format!("{}.txt", spool::message_name(n as u32)))).ok()?;
        let text = String::from_utf8_lossy(&text);
        let mut section = String::new();
        let mut values = Vec::new();
        for line in text.lines() {
            // A comment runs from `;` to the end of the line.
            let line = line.split(';').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                // `[message]`, `[message](template)`.
                section = rest.split(']').next().unwrap_or_default().to_string();
            } else if section.eq_ignore_ascii_case("message")
                && let Some((key, value)) = line.split_once('=')
            {
                let value = value.strip_prefix('>').unwrap_or(value);
                values.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        Some(Info { values })
    }

    /// `ast_variable_retrieve`: the last value of `key` (its name in any case).
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl CallIo<'_> {
    /// `vm_execmain` from the folders on: the intro, the menu, the goodbye, and the close.
    pub(crate) fn voicemail_main(&mut self, session: &Session<'_>) -> SessionEnd {
        let Some(spool) = self.program.voicemail.spool.clone() else {
            return SessionEnd::Done;
        };
        let mut vms = Vms {
            session,
            spool,
            curbox: INBOX,
            dir: PathBuf::new(),
            lastmsg: -1,
            curmsg: 0,
            deleted: Vec::new(),
            heard: Vec::new(),
            starting: true,
            repeats: 0,
            in_urgent: false,
            play_folder: INBOX,
            newmessages: 0,
            oldmessages: 0,
            urgentmessages: 0,
        };
        let res = self.session(&mut vms);
        // The goodbye, unless the caller hung up; then the folder is closed either way.
        let mut end = SessionEnd::Done;
        if res > HUNG_UP {
            if self.play_and_wait("vm-goodbye") < 0 {
                end = SessionEnd::HungUp;
            }
        } else {
            end = SessionEnd::HungUp;
        }
        vms.close();
        // `run_externnotify`: the counts after the close, for a message lamp to follow.
        let command = &session.general.notify.externnotify;
        if !command.is_empty() {
            let mailbox = session.mailbox;
            let count = |folder: &[u8]| {
                vms.spool
                    .folder_count(&mailbox.context, &mailbox.mailbox, folder)
            };
            super::notify::background(&pbx_voicemail::notify::externnotify_command(
                command,
                &mailbox.context,
                &mailbox.mailbox,
                (count(b"INBOX"), count(b"Old"), count(b"Urgent")),
            ));
        }
        end
    }

    /// The intro and the menu; 0 when the caller left it, -1 when they hung up.
    fn session(&mut self, vms: &mut Vms<'_>) -> Cmd {
        vms.open(OLD);
        vms.oldmessages = vms.lastmsg + 1;
        vms.open(INBOX);
        vms.newmessages = vms.lastmsg + 1;
        vms.in_urgent = true;
        vms.open(URGENT);
        vms.urgentmessages = vms.lastmsg + 1;
        let mut cmd: Cmd;
        if let Some(folder) = vms.session.autoplay {
            if vms.urgentmessages > 0 {
                vms.in_urgent = true;
            } else {
                vms.in_urgent = false;
                vms.open(folder);
            }
            vms.play_folder = folder;
            if vms.lastmsg == -1 {
                vms.in_urgent = false;
                // Whatever the browse gave, the goodbye follows.
                let _ = self.browse(vms);
                return 0;
            }
            cmd = b'1' as Cmd;
        } else {
            if vms.newmessages == 0 && vms.urgentmessages == 0 && vms.oldmessages > 0 {
                vms.open(OLD);
                vms.in_urgent = false;
                vms.play_folder = OLD;
            } else if vms.urgentmessages == 0 && vms.newmessages > 0 {
                vms.open(INBOX);
                vms.in_urgent = false;
                vms.play_folder = INBOX;
            }
            cmd = self.intro(vms);
        }
        vms.repeats = 0;
        vms.starting = true;
        while cmd > -1 && cmd != TIMED_OUT && cmd != b'#' as Cmd {
            cmd = self.command(vms, cmd);
        }
        if cmd < 0 { HUNG_UP } else { 0 }
    }

    /// One turn of the menu's `switch (cmd)`: the next command.
    fn command(&mut self, vms: &mut Vms<'_>, cmd: Cmd) -> Cmd {
        let key = u8::try_from(cmd).unwrap_or(0);
        match key {
            b'1' | b'5' => {
                if key == b'1' {
                    vms.curmsg = 0;
                }
                self.browse(vms)
            }
            b'2' => {
                let mut cmd = self.get_folder2("vm-changeto");
                if cmd == b'#' as Cmd {
                    cmd = 0;
                } else if cmd > 0 {
                    let folder = (cmd - b'0' as Cmd) as usize;
                    vms.close();
                    vms.in_urgent = false;
                    vms.open(folder);
                    vms.play_folder = folder;
                    cmd = 0;
                }
                if cmd == 0 {
                    cmd = self.play_folder_name(&vms.vmbox());
                }
                vms.starting = true;
                vms.curmsg = 0;
                cmd
            }
            b'4' => {
                if vms.curmsg > 0 {
                    vms.curmsg -= 1;
                    self.play_message(vms)
                } else if !vms.in_urgent && vms.urgentmessages > 0 {
                    // Back from the first message of a folder into the urgent ones; the
                    // command stays `4` (so the last urgent message is passed over, as in C).
                    vms.in_urgent = true;
                    vms.close();
                    vms.open(URGENT);
                    vms.curmsg = vms.lastmsg;
                    if vms.lastmsg < 0 {
                        self.play_and_wait("vm-nomore")
                    } else {
                        cmd
                    }
                } else if vms.session.mailbox.listen.messagewrap && vms.lastmsg > 0 {
                    vms.curmsg = vms.lastmsg;
                    self.play_message(vms)
                } else {
                    self.play_and_wait("vm-nomore")
                }
            }
            b'6' => {
                if vms.curmsg < vms.lastmsg {
                    vms.curmsg += 1;
                    self.play_message(vms)
                } else if vms.in_urgent && vms.newmessages > 0 {
                    // On from the last urgent message into INBOX: `6` again plays its first.
                    self.on_to_inbox(vms, cmd)
                } else if vms.session.mailbox.listen.messagewrap && vms.lastmsg > 0 {
                    vms.curmsg = 0;
                    self.play_message(vms)
                } else {
                    self.play_and_wait("vm-nomore")
                }
            }
            b'7' => self.delete(vms),
            b'0' => {
                let cmd = self.options(vms);
                // The folder is opened again without being closed, so what was marked in it
                // is forgotten, as in C.
                let folder = vms.play_folder;
                vms.open(folder);
                vms.starting = true;
                cmd
            }
            b'9' => self.save(vms),
            b'*' => {
                if vms.starting {
                    return 0;
                }
                let mut res = self.play_and_wait("vm-onefor");
                if res == 0 {
                    res = self.play_folder_name(&vms.vmbox());
                }
                if res == 0 {
                    res = self.play_and_wait("vm-opts");
                }
                if res == 0 {
                    res = self.instructions(vms, true);
                }
                res
            }
            _ => self.instructions(vms, false),
        }
    }

    /// `7`: the current message marked deleted, or no longer.
    fn delete(&mut self, vms: &mut Vms<'_>) -> Cmd {
        let Some(i) = vms.current().filter(|_| !vms.session.read_only) else {
            return 0;
        };
        vms.deleted[i] = !vms.deleted[i];
        let step = if vms.deleted[i] { -1 } else { 1 };
        match vms.play_folder {
            INBOX if vms.in_urgent => vms.urgentmessages += step,
            INBOX => vms.newmessages += step,
            OLD => vms.oldmessages += step,
            _ => {}
        }
        let mut cmd = self.play_and_wait(if vms.deleted[i] {
            "vm-deleted"
        } else {
            "vm-undeleted"
        });
        if vms.session.mailbox.listen.nextaftercmd {
            cmd = self.next_after(vms, cmd, false);
        }
        cmd
    }

    /// `nextaftercmd` after a delete or a save: the next message, or the first with
    /// `messagewrap`, or on from the urgent ones into INBOX (after a save only when it has
    /// new messages), or `vm-nomore`. `cmd` is what the command gave.
    fn next_after(&mut self, vms: &mut Vms<'_>, cmd: Cmd, after_save: bool) -> Cmd {
        if vms.curmsg < vms.lastmsg {
            vms.curmsg += 1;
            self.play_message(vms)
        } else if vms.session.mailbox.listen.messagewrap && vms.lastmsg > 0 {
            vms.curmsg = 0;
            self.play_message(vms)
        } else if vms.in_urgent && (!after_save || vms.newmessages > 0) {
            self.on_to_inbox(vms, cmd)
        } else {
            self.play_and_wait("vm-nomore")
        }
    }

    /// `9`: the current message copied into a folder the caller picks, and deleted here when
    /// the folder closes.
    fn save(&mut self, vms: &mut Vms<'_>) -> Cmd {
        let Some(i) = vms.current() else {
            return 0;
        };
        let chosen = self.get_folder2("vm-savefolder");
        if chosen == b'#' as Cmd {
            return 0;
        }
        let mut saved = None;
        if chosen > 0 {
            let folder = (chosen - b'0' as Cmd) as usize;
            if vms.save_to_folder(i, folder).is_ok() {
                vms.deleted[i] = true;
                saved = Some(folder);
            } else {
                vms.deleted[i] = false;
                vms.heard[i] = false;
            }
        }
        let mut cmd = match saved {
            Some(folder) => {
                let mut cmd = self.play_and_wait("vm-message");
                if cmd == 0 {
                    cmd = self.say_number(vms.curmsg + 1);
                }
                if cmd == 0 {
                    cmd = self.play_and_wait("vm-savedto");
                }
                if cmd == 0 {
                    cmd = self.play_folder_name(&format!("vm-{}", FOLDERS[folder]));
                }
                cmd
            }
            // Also after a hang-up in the folder menu, as in C.
            None => self.play_and_wait("vm-mailboxfull"),
        };
        // (`[general]`'s flag here, the mailbox's after a delete.)
        if vms.session.general.listen.nextaftercmd {
            cmd = self.next_after(vms, cmd, true);
        }
        cmd
    }

    /// From the urgent messages into INBOX, before its first message: `vm-nomore` when it
    /// has none, else `cmd` (which `6` runs again to play the first).
    fn on_to_inbox(&mut self, vms: &mut Vms<'_>, cmd: Cmd) -> Cmd {
        vms.in_urgent = false;
        vms.close();
        vms.open(INBOX);
        vms.curmsg = -1;
        if vms.lastmsg < 0 {
            self.play_and_wait("vm-nomore")
        } else {
            cmd
        }
    }

    /// `vm_options`: record the unavailable greeting (1), the busy one (2), the name (3),
    /// the temporary greeting (4); `*` goes back. Changing the password (5) is not done
    /// here: that key plays the menu again.
    fn options(&mut self, vms: &Vms<'_>) -> Cmd {
        let dir = vms
            .spool
            .mailbox_dir(&vms.session.mailbox.context, &vms.session.username);
        let temp = dir.join("temp");
        let mut cmd = 0;
        let mut retries = 0;
        while cmd >= 0 && cmd != TIMED_OUT {
            if cmd != 0 {
                retries = 0;
            }
            cmd = match u8::try_from(cmd).unwrap_or(0) {
                b'1' => self.record_greeting(vms, "vm-rec-unv", &dir.join("unavail")),
                b'2' => self.record_greeting(vms, "vm-rec-busy", &dir.join("busy")),
                b'3' => self.record_greeting(vms, "vm-rec-name", &dir.join("greet")),
                b'4' => self.temp_greeting(vms, &temp),
                b'*' => TIMED_OUT,
                _ => {
                    let mut cmd = 0;
                    if self.sound_exists(&temp.to_string_lossy()) {
                        cmd = self.play_and_wait("vm-tmpexists");
                    }
                    if cmd == 0 {
                        cmd = self.play_and_wait("vm-options");
                    }
                    self.menu_key(cmd, &mut retries)
                }
            };
        }
        if cmd == TIMED_OUT { 0 } else { cmd }
    }

    /// `vm_tempgreeting`: with no temporary greeting, one is recorded; with one, `1`
    /// records it again, `2` removes it, `*` goes back.
    fn temp_greeting(&mut self, vms: &Vms<'_>, temp: &Path) -> Cmd {
        let name = temp.to_string_lossy().into_owned();
        let mut cmd = 0;
        let mut retries = 0;
        while cmd >= 0 && cmd != TIMED_OUT {
            if cmd != 0 {
                retries = 0;
            }
            if !self.sound_exists(&name) {
                cmd = self.record_greeting(vms, "vm-rec-temp", temp);
                if cmd == HUNG_UP {
                    break;
                }
                cmd = TIMED_OUT;
                continue;
            }
            cmd = match u8::try_from(cmd).unwrap_or(0) {
                b'1' => self.record_greeting(vms, "vm-rec-temp", temp),
                b'2' => {
                    remove_recording(temp);
                    let _ = self.play_and_wait("vm-tempremoved");
                    TIMED_OUT
                }
                b'*' => TIMED_OUT,
                _ => {
                    let cmd = self.play_and_wait("vm-tempgreeting2");
                    self.menu_key(cmd, &mut retries)
                }
            };
        }
        if cmd == TIMED_OUT { 0 } else { cmd }
    }

    /// `play_record_review` for the mailbox's owner: `playfile`, the beep, the recording;
    /// then `vm-review` (1 keep, 2 hear, 3 record again) until the caller keeps it, which
    /// writes `path` in the configured formats. Unkept, nothing is written.
    fn record_greeting(&mut self, vms: &Vms<'_>, playfile: &str, path: &Path) -> Cmd {
        let mailbox = vms.session.mailbox;
        let general = vms.session.general;
        let max_secs = u32::try_from(general.maxgreet.max(0)).unwrap_or(u32::MAX);
        let mut samples: Vec<i16> = Vec::new();
        let mut exists = false;
        let mut cancelled = false;
        let mut attempts = 0;
        let mut cmd = Cmd::from(b'3');
        while cmd >= 0 && cmd != TIMED_OUT {
            cmd = match u8::try_from(cmd).unwrap_or(0) {
                b'1' if exists => {
                    write_greeting(path, &general.formats, &samples);
                    let _ = self.play_through("vm-msgsaved");
                    return 0;
                }
                b'1' | b'3' => {
                    exists = false;
                    // `__ast_play_and_record`: the prompt (a key only cuts it short), the
                    // beep, then the recording.
                    let mut played = self.play_and_wait(playfile);
                    if played > HUNG_UP {
                        played = self.play_through("beep");
                    }
                    if played < 0 {
                        return HUNG_UP;
                    }
                    let take = self.record_message(mailbox, general, max_secs);
                    samples = take.samples;
                    match take.ended {
                        super::Ended::HungUp | super::Ended::NoAudio => return HUNG_UP,
                        super::Ended::Key(b'0') => {
                            cancelled = true;
                            Cmd::from(b'0')
                        }
                        _ => {
                            exists = true;
                            0
                        }
                    }
                }
                b'2' => {
                    let sound = std::sync::Arc::new(pbx_media::sound::Sound::new(samples.clone()));
                    match self.play_sound(sound, None, &any_key) {
                        Wake::Key(k) => Cmd::from(k),
                        Wake::Done => 0,
                        Wake::HungUp => HUNG_UP,
                    }
                }
                b'0' => {
                    if !mailbox.operator || !cancelled {
                        self.play_and_wait("vm-sorry")
                    } else {
                        // Keep it (1), or not; back to the options either way.
                        let mut choice = self.play_and_wait("vm-saveoper");
                        if choice == 0 {
                            choice = self.wait_digit(3000);
                        }
                        if choice == Cmd::from(b'1') {
                            write_greeting(path, &general.formats, &samples);
                            let _ = self.play_and_wait("vm-msgsaved");
                        } else if choice == Cmd::from(b'4') {
                            // (C says it is saved, and keeps only its temporary file.)
                            let _ = self.play_and_wait("vm-msgsaved");
                        } else {
                            let _ = self.play_and_wait("vm-deleted");
                        }
                        return Cmd::from(b'0');
                    }
                }
                b'4' | b'5'..=b'9' | b'*' | b'#' => self.play_and_wait("vm-sorry"),
                _ => {
                    let next = if exists {
                        self.play_and_wait("vm-review")
                    } else {
                        match self.play_and_wait("vm-torerecord") {
                            0 => self.wait_digit(600),
                            other => other,
                        }
                    };
                    self.menu_key(next, &mut attempts)
                }
            };
        }
        cmd
    }

    /// The wait for a key after a menu's prompts (`cmd`: what they gave, 0 for nothing):
    /// six seconds; a menu unanswered a fourth time is left (`'t'`).
    fn menu_key(&self, cmd: Cmd, unanswered: &mut u32) -> Cmd {
        let mut cmd = cmd;
        if cmd == 0 {
            cmd = self.wait_digit(6000);
        }
        if cmd == 0 {
            *unanswered += 1;
        }
        if *unanswered > 3 {
            cmd = TIMED_OUT;
        }
        cmd
    }

    /// `vm_intro_en`: "you have 1 urgent and 2 new and 3 old messages".
    fn intro(&mut self, vms: &Vms<'_>) -> Cmd {
        let (urgent, new, old) = (vms.urgentmessages, vms.newmessages, vms.oldmessages);
        let mut res = self.play_and_wait("vm-youhave");
        if res != 0 {
            return res;
        }
        if urgent > 0 {
            res = self.say_number(urgent);
            if res == 0 {
                res = self.play_and_wait("vm-Urgent");
            }
            if res == 0 {
                res = if new > 0 || old > 0 {
                    self.play_and_wait("vm-and")
                } else if urgent == 1 {
                    self.play_and_wait("vm-message")
                } else {
                    self.play_and_wait("vm-messages")
                };
            }
        }
        // (Not guarded by the urgent part in C: a key during it is lost.)
        if new > 0 {
            res = self.say_number(new);
            if res == 0 {
                res = self.play_and_wait("vm-INBOX");
            }
            if res == 0 {
                res = if old > 0 {
                    self.play_and_wait("vm-and")
                } else if new == 1 {
                    self.play_and_wait("vm-message")
                } else {
                    self.play_and_wait("vm-messages")
                };
            }
        }
        if res == 0 && old > 0 {
            res = self.say_number(old);
            if res == 0 {
                res = self.play_and_wait("vm-Old");
            }
            if res == 0 {
                res = if old == 1 {
                    self.play_and_wait("vm-message")
                } else {
                    self.play_and_wait("vm-messages")
                };
            }
        }
        if res == 0 && urgent == 0 && new == 0 && old == 0 {
            res = self.play_and_wait("vm-no");
            if res == 0 {
                res = self.play_and_wait("vm-messages");
            }
        }
        res
    }

    /// `vm_instructions_en`: what the keys do here, until one is pressed; `'t'` on the
    /// third unanswered time of the session.
    fn instructions(&mut self, vms: &mut Vms<'_>, skipadvanced: bool) -> Cmd {
        let mut res = 0;
        while res == 0 {
            if vms.starting {
                if vms.lastmsg > -1 {
                    res = self.play_and_wait(if skipadvanced {
                        "vm-onefor-full"
                    } else {
                        "vm-onefor"
                    });
                    if res == 0 {
                        res = self.play_folder_name(&vms.vmbox());
                    }
                }
                if res == 0 {
                    res = self.play_and_wait(if skipadvanced {
                        "vm-opts-full"
                    } else {
                        "vm-opts"
                    });
                }
            } else {
                if skipadvanced {
                    if self.play_and_wait("vm-onefor-full") == 0 {
                        let _ = self.play_folder_name(&vms.vmbox());
                    }
                    // Only this one's key counts, as in C.
                    res = self.play_and_wait("vm-opts-full");
                }
                let wrap = vms.session.mailbox.listen.messagewrap;
                if vms.curmsg != 0
                    || (!vms.in_urgent && vms.urgentmessages > 0)
                    || (wrap && vms.lastmsg > 0)
                {
                    res = self.play_and_wait("vm-prev");
                }
                if res == 0 && !skipadvanced {
                    res = self.play_and_wait("vm-advopts");
                }
                if res == 0 {
                    res = self.play_and_wait("vm-repeat");
                }
                if res == 0
                    && (vms.curmsg != vms.lastmsg
                        || (vms.in_urgent && vms.newmessages > 0)
                        || (wrap && vms.lastmsg > 0))
                {
                    res = self.play_and_wait("vm-next");
                }
                if res == 0 && !vms.session.read_only {
                    let deleted = vms.current().is_some_and(|i| vms.deleted[i]);
                    res = self.play_and_wait(if deleted { "vm-undelete" } else { "vm-delete" });
                }
                if res == 0 {
                    res = self.play_and_wait("vm-toforward");
                }
                if res == 0 {
                    res = self.play_and_wait("vm-savemessage");
                }
            }
            if res == 0 {
                res = self.play_and_wait("vm-helpexit");
            }
            if res == 0 {
                res = self.wait_digit(6000);
            }
            if res == 0 {
                vms.repeats += 1;
                if vms.repeats > 2 {
                    res = TIMED_OUT;
                }
            }
        }
        res
    }

    /// `vm_browse_messages_en`: the current message, or "you have no … messages".
    fn browse(&mut self, vms: &mut Vms<'_>) -> Cmd {
        if vms.lastmsg > -1 {
            return self.play_message(vms);
        }
        let mut res = self.play_and_wait("vm-youhave");
        if res == 0 {
            res = self.play_and_wait("vm-no");
        }
        if res == 0 {
            res = self.play_and_wait(&vms.vmbox());
        }
        if res == 0 {
            res = self.play_and_wait("vm-messages");
        }
        res
    }

    /// `play_message`: the envelope, then the message; a key in the envelope (but `1`) is
    /// the next command and the message is not played.
    fn play_message(&mut self, vms: &mut Vms<'_>) -> Cmd {
        vms.starting = false;
        let mut res = 0;
        if vms.curmsg == 0 {
            res = self.play_and_wait("vm-first");
        } else if vms.curmsg == vms.lastmsg {
            res = self.play_and_wait("vm-last");
        }
        let Some(info) = Info::read(&vms.dir, vms.curmsg) else {
            return 0;
        };
        if info.get("flag") == Some("Urgent") {
            res = self.play_and_wait("vm-Urgent");
        }
        if res == 0 {
            res = self.play_and_wait("vm-message");
            if res == 0 && vms.curmsg != 0 && vms.curmsg != vms.lastmsg {
                res = self.say_number(vms.curmsg + 1);
            }
        }
        let Some(origtime) = info.get("origtime") else {
            return 0;
        };
        let listen = &vms.session.mailbox.listen;
        if res == 0
            && let Some(category) = info.get("category").filter(|c| !c.is_empty())
        {
            // Whatever its prompt gave, a key or a failure, is dropped.
            let _ = self.play_and_wait(category);
        }
        if res == 0 && listen.envelope {
            res = self.say_received(vms, origtime);
        }
        if res == 0
            && listen.saycid
            && let (Some(callerid), Some(context)) = (info.get("callerid"), info.get("context"))
        {
            res = self.say_callerid(vms, callerid, context);
        }
        if res == 0
            && listen.sayduration
            && let Some(duration) = info.get("duration")
        {
            let minutes = atoi(duration) / 60;
            if minutes >= listen.saydurationm {
                self.play_and_wait("vm-duration");
                self.say_number(minutes);
                res = self.play_and_wait("vm-minutes");
            }
        }
        if res == b'1' as Cmd {
            res = 0;
        }
        if res == 0 {
            if let Some(i) = vms.current() {
                vms.heard[i] = true;
            }
            let file = vms.dir.join(spool::message_name(vms.curmsg as u32));
            res = self.control_stream(&file.to_string_lossy(), vms.session.general);
            if res < 0 {
                res = 0;
            }
        }
        res
    }

    /// `play_message_datetime`: the date the message came, in the mailbox's
    /// `[zonemessages]` zone and format, else the default format in the server's zone.
    fn say_received(&mut self, vms: &Vms<'_>, origtime: &str) -> Cmd {
        // `ast_get_time_t`: the number in front, whatever follows it.
        let digits = origtime.trim_start();
        let sign = usize::from(digits.starts_with(['-', '+']));
        if !digits[sign..].starts_with(|c: char| c.is_ascii_digit()) {
            return 0;
        }
        let epoch = atoi(origtime);
        let config = &self.program.voicemail.config;
        let mailbox = vms.session.mailbox;
        let now = self.pbx.clock.now();
        let (format, offset, now_offset) = match config.zone_format(mailbox) {
            Some(format) => {
                let zone = String::from_utf8_lossy(config.zone(mailbox)).into_owned();
                let server = self.pbx.clock.zone();
                // An empty zone is the server's (`ast_tzset`), one that loads nothing UTC.
                let at = |t| match zone.as_str() {
                    "" => server.offset(t),
                    name => pbxc_dialplan::timing::zone_offset(name, t).unwrap_or(0),
                };
                (format.to_vec(), at(epoch), at(now))
            }
            None => {
                let zone = self.pbx.clock.zone();
                (
                    b"'vm-received' q 'digits/at' IMp".to_vec(),
                    zone.offset(epoch),
                    zone.offset(now),
                )
            }
        };
        let local = |t: i64, offset: i64| broken_down(t.saturating_add(offset));
        let today = local(now, now_offset);
        let beg_today = now - (today.hour * 3600 + today.min * 60 + today.sec);
        let files =
            pbx_media::say::date_with_format(&local(epoch, offset), epoch, beg_today, &format);
        self.play_all(&files)
    }

    /// `play_message_callerid`: who left the message — an internal caller
    /// (`cidinternalcontexts`) by their recorded name or extension, an outside one by a
    /// recording under `recordings/callerids/` or their number.
    fn say_callerid(&mut self, vms: &Vms<'_>, callerid: &str, context: &str) -> Cmd {
        let (_, number) = pbx_engine::callerid::parse(callerid.as_bytes());
        let number = String::from_utf8_lossy(&number.unwrap_or_default()).into_owned();
        if number.is_empty() || number == "Unknown" {
            return self.play_and_wait("vm-unknown-caller");
        }
        let internal = &vms.session.general.cidinternalcontexts;
        // C compares all ten slots, the empty ones too.
        let is_internal = internal.iter().any(|c| c == context.as_bytes())
            || (context.is_empty() && internal.len() < 10);
        if is_internal {
            let greet = vms
                .spool
                .mailbox_dir(context.as_bytes(), number.as_bytes())
                .join("greet");
            let greet = greet.to_string_lossy().into_owned();
            if self.sound_exists(&greet) {
                let _ = self.play_and_wait("vm-from");
                return self.play_through(&greet);
            }
            let _ = self.play_and_wait("vm-from-extension");
            for file in self.digit_files(&number) {
                let res = self.play_through(&file);
                if res != 0 {
                    return res;
                }
            }
            return 0;
        }
        let recorded = vms
            .spool
            .root()
            .parent()
            .map(|spool| spool.join("recordings/callerids").join(&number));
        if let Some(recorded) = recorded.map(|r| r.to_string_lossy().into_owned())
            && self.sound_exists(&recorded)
        {
            let _ = self.play_and_wait("vm-from");
            return self.play_through(&recorded);
        }
        let _ = self.play_and_wait("vm-from-phonenumber");
        let files = self.digit_files(&number);
        self.play_all(&files)
    }

    /// `ast_say_digit_str`'s files: those of the number's characters that exist.
    fn digit_files(&self, number: &str) -> Vec<String> {
        pbx_media::say::digits_existing(number, |f| self.sound_exists(f))
    }

    /// `ast_stream_and_wait(chan, file, "")`: no key stops it.
    fn play_through(&self, name: &str) -> Cmd {
        match self.play(name, &|_| false) {
            Ok(Wake::HungUp) | Err(()) => HUNG_UP,
            Ok(_) => 0,
        }
    }

    /// Files one after the other, any key stopping them.
    fn play_all(&mut self, files: &[String]) -> Cmd {
        for file in files {
            let res = self.play_and_wait(file);
            if res != 0 {
                return res;
            }
        }
        0
    }

    /// `ast_say_number` with any key stopping it.
    fn say_number(&mut self, n: i64) -> Cmd {
        match pbx_media::say::number(n) {
            Some(files) => self.play_all(&files),
            None => 0,
        }
    }

    /// `vm_play_folder_name`: the folder, then `vm-messages`.
    fn play_folder_name(&mut self, vmbox: &str) -> Cmd {
        let res = self.play_and_wait(vmbox);
        if res != 0 {
            return res;
        }
        self.play_and_wait("vm-messages")
    }

    /// `get_folder2`: `prompt`, then the folders up to four times over; a digit, `#` when
    /// cancelled or after the fourth time, -1 on a hang-up.
    fn get_folder2(&mut self, prompt: &str) -> Cmd {
        let mut res = self.play_and_wait(prompt);
        let mut loops = 0;
        while !(res > 0 && (res == b'#' as Cmd || (res as u8).is_ascii_digit()))
            && res >= 0
            && loops < 4
        {
            res = self.get_folder();
            loops += 1;
        }
        if loops == 4 {
            return b'#' as Cmd;
        }
        res
    }

    /// `get_folder`: "press 0 for INBOX messages, 1 for Old messages, …".
    fn get_folder(&mut self) -> Cmd {
        let mut d = self.play_and_wait("vm-press");
        if d != 0 {
            return d;
        }
        for (x, folder) in FOLDERS.iter().enumerate().take(5) {
            d = self.say_number(x as i64);
            if d == 0 {
                d = self.play_and_wait("vm-for");
            }
            if d == 0 {
                d = self.play_folder_name(&format!("vm-{folder}"));
            }
            if d == 0 {
                d = self.wait_digit(500);
            }
            if d != 0 {
                return d;
            }
        }
        d = self.play_and_wait("vm-tocancel");
        if d != 0 {
            return d;
        }
        self.wait_digit(4000)
    }

    /// `ast_play_and_wait`: any key stops the prompt and is returned; -1 when the caller
    /// hung up or the prompt could not be played.
    fn play_and_wait(&self, name: &str) -> Cmd {
        match self.play(name, &any_key) {
            Ok(Wake::Key(k)) => Cmd::from(k),
            Ok(Wake::Done) => 0,
            Ok(Wake::HungUp) | Err(()) => HUNG_UP,
        }
    }

    /// `ast_waitfordigit`.
    fn wait_digit(&self, ms: u64) -> Cmd {
        match self.wait(Some(Duration::from_millis(ms)), &any_key, None) {
            Wake::Key(k) => Cmd::from(k),
            Wake::Done => 0,
            Wake::HungUp => HUNG_UP,
        }
    }

    /// `ast_control_streamfile` with app_voicemail's keys (`listen-control-*-key`): by
    /// default `#` and `*` skip `skipms` forward and back, `0` pauses until `0` again, `2`
    /// starts over, and `13456789` stop it and are returned.
    fn control_stream(&self, name: &str, general: &pbx_voicemail::General) -> Cmd {
        let language = String::from_utf8_lossy(&lock(&self.chan.attributes).language).into_owned();
        let Ok(sound) = self.pbx.sounds.find(name, &language) else {
            return HUNG_UP;
        };
        if self.pbx.keep_traces {
            self.chan.note_played(name);
        }
        let keys = &general.controls;
        let length = sound.samples.len();
        // 8 kHz: samples per millisecond.
        let skip = usize::try_from(general.skipms.max(0))
            .unwrap_or(0)
            .saturating_mul(8);
        let is = |set: &[u8], k: u8| set.contains(&k);
        let playing_keys = |k: u8| {
            is(&keys.forward, k)
                || is(&keys.reverse, k)
                || is(&keys.stop, k)
                || is(&keys.pause, k)
                || is(&keys.restart, k)
        };
        let mut position = 0usize;
        loop {
            let started = Instant::now();
            let playing = self.pbx.media.play(
                self.chan.clone(),
                Source::Sound {
                    sound: sound.clone(),
                    position,
                    repeat: false,
                },
            );
            let wake = self.wait(None, &playing_keys, Some(&playing));
            playing.stop();
            let played = (started.elapsed().as_millis() as usize).saturating_mul(8);
            let here = (position + played).min(length);
            let key = match wake {
                Wake::Done => return 0,
                Wake::HungUp => return HUNG_UP,
                Wake::Key(k) => k,
            };
            // The stream's own keys first (`ast_waitstream_fr`), then the breaks.
            if is(&keys.forward, key) {
                position = (here + skip).min(length);
            } else if is(&keys.reverse, key) {
                position = here.saturating_sub(skip);
            } else if is(&keys.restart, key) {
                position = 0;
            } else if is(&keys.pause, key) {
                // Paused: another pause key or a stop key ends the pause; a stop key is
                // returned, the rest play on from here.
                position = here;
                let ends = |k: u8| is(&keys.pause, k) || is(&keys.stop, k);
                loop {
                    match self.wait(Some(Duration::from_millis(1000)), &ends, None) {
                        Wake::Key(k) if is(&keys.pause, k) => break,
                        Wake::Key(k) => return Cmd::from(k),
                        Wake::HungUp => return HUNG_UP,
                        Wake::Done => {}
                    }
                }
            } else {
                return Cmd::from(key);
            }
        }
    }
}

/// A greeting kept: `samples` as `path` in each format pbx writes.
fn write_greeting(path: &Path, formats: &[String], samples: &[i16]) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    for (extension, bytes) in super::encoded(formats, samples) {
        if let Err(e) = std::fs::write(path.with_extension(&extension), bytes) {
            tracing::error!("cannot write {}.{extension}: {e}", path.display());
        }
    }
}

/// `DELETE` of a greeting: every format of it.
fn remove_recording(base: &Path) {
    let (Some(dir), Some(stem)) = (base.parent(), base.file_name()) else {
        return;
    };
    let stem = stem.to_string_lossy().into_owned();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name
            .strip_prefix(&stem)
            .is_some_and(|rest| rest.starts_with('.'))
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The broken-down time of `local` seconds (a time already moved into its zone).
fn broken_down(local: i64) -> pbx_media::say::Tm {
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, mday) = pbxc_dialplan::timing::civil_from_days(days);
    pbx_media::say::Tm {
        year,
        mon: month - 1,
        mday,
        // 1970-01-01 was a Thursday.
        wday: (days + 4).rem_euclid(7),
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
    }
}

/// `atoi`.
fn atoi(s: &str) -> i64 {
    let s = s.trim_start();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if negative { -n } else { n }
}
