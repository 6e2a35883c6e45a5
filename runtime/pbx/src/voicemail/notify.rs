//! Telling a mailbox of a new message, as `notify_new_message` does with file storage: the
//! e-mail (the recording attached), the page, `delete=yes`, and `externnotify`, in that
//! order. The texts are `pbx_voicemail::notify`'s; here they get their dates, their
//! templates substituted, and are handed to `mailcmd`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use pbx_voicemail::notify::{self, Attachment, Composed, NewMessage, template_variables};
use pbx_voicemail::{Mailbox, Spool};
use pbxc_stdlib::functions::time::format_time;

use crate::apps::CallIo;

impl CallIo<'_> {
    /// Tells `mailbox` of message `base` (`…/INBOX/msgNNNN`), written in the formats
    /// `written` names.
    pub(super) fn notify(
        &self,
        spool: &Spool,
        mailbox: &Mailbox,
        base: &Path,
        written: &[String],
        message: &NewMessage<'_>,
    ) {
        let voicemail = self.program.voicemail.clone();
        let config = &voicemail.config;
        let settings = &config.general.notify;
        // The format attached: `attachfmt` when it was recorded, else the first recorded
        // (C takes the configured list, which it writes whole; pbx writes those it can).
        let mut formats = written.join("|");
        if !mailbox.attachfmt.is_empty() {
            let wanted = String::from_utf8_lossy(&mailbox.attachfmt).into_owned();
            if formats.contains(&wanted) {
                formats = wanted;
            } else {
                tracing::warn!(
                    "Attachment format '{wanted}' is not one of the recorded formats '{formats}'.  Falling back to default format for '{}@{}'.",
                    String::from_utf8_lossy(&mailbox.mailbox),
                    String::from_utf8_lossy(&mailbox.context)
                );
            }
        }
        let first = formats.split('|').next().unwrap_or("wav").to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        // `vmu_tm`: the mailbox's `[zonemessages]` zone, else the server's.
        let zone = String::from_utf8_lossy(config.zone(mailbox)).into_owned();
        let offset = if zone.is_empty() {
            self.pbx.clock.zone().offset(now)
        } else {
            pbxc_dialplan::timing::zone_offset(&zone, now).unwrap_or(0)
        };
        let date_header = format_time(now, offset, b"%a, %d %b %Y %H:%M:%S %z");
        let host = pbx_engine::system::BuildInfo::get()
            .hostname
            .as_bytes()
            .to_vec();
        // The From line's template sees the caller ID stripped of controls, and never
        // absent (`make_email_file`'s buffers).
        let stripped = |v: Option<&[u8]>| notify::strip_control(v.unwrap_or_default());
        let (from_num, from_name) = (stripped(message.cidnum), stripped(message.cidname));
        let orig = self.original(spool, mailbox, message.number, &settings.emaildateformat);
        let variables = |cidnum: Option<&[u8]>, cidname: Option<&[u8]>, date: &[u8]| {
            let mut vars = template_variables(mailbox, message, cidnum, cidname, date);
            vars.extend(orig.iter().cloned());
            vars
        };
        let nonempty = |own: &Option<Vec<u8>>, general: &Option<Vec<u8>>| {
            own.clone()
                .filter(|t| !t.is_empty())
                .or_else(|| general.clone().filter(|t| !t.is_empty()))
        };
        if mailbox.email.as_ref().is_some_and(|e| !e.is_empty()) {
            let date = format_time(now, offset, &settings.emaildateformat);
            let fromstring = if mailbox.fromstring.is_empty() {
                &settings.fromstring
            } else {
                &mailbox.fromstring
            };
            let from = (!fromstring.is_empty()).then(|| {
                let vars = variables(Some(&from_num), Some(&from_name), &date);
                self.substitute(fromstring, &vars)
            });
            let vars = variables(message.cidnum, message.cidname, &date);
            let subject = nonempty(&mailbox.emailsubject, &settings.emailsubject)
                .map(|t| self.substitute(&t, &vars));
            // The body is the template whenever one is given, an empty one included.
            let body = mailbox
                .emailbody
                .clone()
                .or_else(|| settings.emailbody.clone())
                .map(|t| self.substitute(&t, &vars));
            let composed = Composed {
                date_header: date_header.clone(),
                date,
                from,
                subject,
                body,
                host: host.clone(),
                pid: std::process::id(),
                random: (random(), random()),
            };
            // `sendmail`: wav49 is written as `.WAV`.
            let format = if first == "wav49" { "WAV" } else { &first };
            send(&settings.mailcmd, |out| {
                let file = base.with_extension(format);
                let mut opened = if mailbox.attach {
                    std::fs::File::open(&file)
                        .inspect_err(|e| {
                            tracing::warn!("Failed to open file: {}: {e}", file.display())
                        })
                        .ok()
                } else {
                    None
                };
                let attachment = mailbox.attach.then_some(Attachment {
                    format,
                    file: opened.as_mut().map(|f| f as &mut dyn std::io::Read),
                });
                notify::email(config, mailbox, message, &composed, attachment, out)
            });
        }
        if !mailbox.pager.is_empty() {
            let date = format_time(now, offset, &settings.pagerdateformat);
            let vars = variables(message.cidnum, message.cidname, &date);
            let from = (!settings.pagerfromstring.is_empty()).then(|| {
                let vars = variables(Some(&from_num), Some(&from_name), &date);
                self.substitute(&settings.pagerfromstring, &vars)
            });
            let composed = Composed {
                date_header,
                date,
                from,
                subject: settings
                    .pagersubject
                    .clone()
                    .filter(|t| !t.is_empty())
                    .map(|t| self.substitute(&t, &vars)),
                body: settings
                    .pagerbody
                    .clone()
                    .map(|t| self.substitute(&t, &vars)),
                host,
                pid: std::process::id(),
                random: (0, 0),
            };
            send(&settings.mailcmd, |out| {
                out.write_all(&notify::page(config, mailbox, message, &composed))
            });
        }
        if mailbox.delete {
            let _ = std::fs::remove_file(base.with_extension("txt"));
            for name in written {
                let _ = std::fs::remove_file(base.with_extension(name));
            }
        }
        if !settings.externnotify.is_empty() {
            let count =
                |folder: &[u8]| spool.folder_count(&mailbox.context, &mailbox.mailbox, folder);
            background(&notify::externnotify_command(
                &settings.externnotify,
                &mailbox.context,
                &mailbox.mailbox,
                (count(b"INBOX"), count(b"Old"), count(b"Urgent")),
            ));
        }
    }

    /// `prep_email_sub_vars`' `ORIG_VM_*`: the caller ID and the time of message
    /// `number`'s information file in the mailbox's INBOX (INBOX even for an urgent one, as
    /// C looks), the time as `emaildateformat` in the system's zone.
    fn original(
        &self,
        spool: &Spool,
        mailbox: &Mailbox,
        number: u32,
        format: &[u8],
    ) -> Vec<(&'static str, Vec<u8>)> {
        let file = spool
            .folder(&mailbox.context, &mailbox.mailbox, b"INBOX")
            .join(format!(
                "{}.txt",
                pbx_voicemail::spool::message_name(number)
            ));
        let Ok(text) = std::fs::read(&file) else {
            return Vec::new();
        };
        let value = |key: &[u8]| {
            text.split(|&c| c == b'\n')
                .filter_map(|line| {
                    let eq = line.iter().position(|&c| c == b'=')?;
                    (line[..eq].trim_ascii() == key).then(|| line[eq + 1..].trim_ascii())
                })
                .next_back()
        };
        let mut vars = Vec::new();
        if let Some(callerid) = value(b"callerid") {
            let (name, number) = pbx_engine::callerid::split(callerid);
            vars.push(("ORIG_VM_CALLERID", callerid.to_vec()));
            vars.push(("ORIG_VM_CIDNAME", name));
            vars.push(("ORIG_VM_CIDNUM", number));
        }
        if let Some(time) = value(b"origtime")
            && let Some(epoch) = scan_int(time)
        {
            // `ast_localtime(.., NULL)`: the server's zone, not the mailbox's.
            let offset = self.pbx.clock.zone().offset(epoch);
            vars.push(("ORIG_VM_DATE", format_time(epoch, offset, format)));
        }
        vars
    }

    /// A template substituted as a dialplan's data on a channel of its own: the message's
    /// variables and the globals, none of the caller's.
    fn substitute(&self, template: &[u8], vars: &[(&'static str, Vec<u8>)]) -> Vec<u8> {
        self.program.with(|plan, index| {
            let mut engine = pbx_engine::Engine::with_index(plan, index);
            engine.system = self.pbx.system();
            engine.share_globals(self.pbx.globals.clone());
            engine.share_database(self.pbx.database.clone());
            let mut call = pbx_engine::Call::new(b"", b"", None);
            for (name, value) in vars {
                call.vars.set(name.as_bytes(), Some(value));
            }
            let mut dummy = pbx_engine::SimulatedChannel::new(b"Dummy/voicemail").without_cdr();
            engine.substitute(&mut call, &mut dummy, template)
        })
    }
}

/// `sscanf("%30d")`.
fn scan_int(text: &[u8]) -> Option<i64> {
    match pbxc_stdlib::functions::cscan::int(text, 30) {
        pbxc_stdlib::functions::cscan::Scan::Ok(n, _) => Some(i64::from(n)),
        _ => None,
    }
}

/// `sendmail`: the message, written by `write`, in a file of its own that `mailcmd` reads
/// on its standard input and that is removed after — `( mailcmd < FILE ; rm -f FILE ) &`
/// in C; here the PBX runs `mailcmd < FILE ; rm -f FILE` in the background and reaps it.
fn send(mailcmd: &[u8], write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let file = match temporary_file(write) {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(
                "Unable to launch '{}' (can't create temporary file): {e}",
                String::from_utf8_lossy(mailcmd)
            );
            return;
        }
    };
    let file = file.to_string_lossy().into_owned();
    let mut command = mailcmd.to_vec();
    command.extend_from_slice(format!(" < {file} ; rm -f {file}").as_bytes());
    background(&command);
}

/// `/tmp/astmail-XXXXXX` (made with O_EXCL, mode 0666 less the umask) holding what
/// `write` writes; removed again when that fails.
fn temporary_file(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    for _ in 0..16 {
        let path = PathBuf::from(format!("/tmp/astmail-{:06x}", random() & 0xff_ffff));
        let file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let mut out = std::io::BufWriter::new(file);
        let written = write(&mut out).and_then(|()| out.flush());
        drop(out);
        return match written {
            Ok(()) => Ok(path),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        };
    }
    Err(std::io::Error::other("no free name"))
}

/// `ast_safe_system` of a command C ends with `&`: `/bin/sh -c COMMAND`, not waited for by
/// the call, and reaped by a thread of its own so that no process is left a zombie (C's
/// SIGCHLD handler reaps; a PBX that is process 1 must too).
pub(super) fn background(command: &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    let child = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(command))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            let reaped = std::thread::Builder::new()
                .name("pbx-vm-notify".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    let _ = child.wait();
                });
            if let Err(e) = reaped {
                tracing::warn!("cannot start a thread to wait for /bin/sh: {e}");
            }
        }
        Err(e) => tracing::warn!("cannot run /bin/sh: {e}"),
    }
}

/// `ast_random()` for the Message-ID and the boundary.
fn random() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() & 0x7fff_ffff) as u32
}
