//! `VoiceMail`, `VoiceMailMain` and `VM_INFO` (app_voicemail.c, file storage), split where
//! the engine ends. For `VoiceMail` the engine parses the arguments, finds the mailbox in
//! voicemail.conf, decides which keys may leave (`*` to `a`, `0` to `o`, the others with
//! `d`) and where they go, and sets `VMSTATUS`; the channel plays the greeting, records and
//! keeps the message ([`Channel::leave_voicemail`]). For `VoiceMailMain` the engine answers,
//! reads the options and logs the caller in (`vm_authenticate`); the channel runs the
//! session with the mailbox's messages ([`Channel::voicemail_main`]).

use pbx_voicemail::Mailbox;

use crate::args;
use crate::call::{Call, Engine};
use crate::channel::{AppResult, Channel};

/// Which greeting the caller hears before the beep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Greeting {
    /// `b`: the mailbox's `busy` recording, else its name (or number) and `vm-isonphone`.
    Busy,
    /// `u`: `unavail`, else the name and `vm-isunavail`.
    Unavailable,
    /// Neither: only a `temp` greeting, when the mailbox has one.
    None,
}

/// What the channel does for `VoiceMail` once the mailbox is known (leave_voicemail from
/// the greeting on).
#[derive(Debug)]
pub struct Leave<'a> {
    pub mailbox: &'a Mailbox,
    /// The mailbox as the dialplan named it (its directory is named so).
    pub ext: &'a [u8],
    /// The other mailboxes given (`&`), found in voicemail.conf: each gets a copy.
    pub copies: Vec<&'a Mailbox>,
    pub greeting: Greeting,
    /// `s`: no `vm-intro`.
    pub silent: bool,
    /// `S`: no `vm-intro` after a recorded greeting.
    pub silent_if_greeting: bool,
    /// `g(dB)`: gain on the recording.
    pub gain: i8,
    /// The beep before the recording: `beep`, `t(file)`'s file, none with `t`.
    pub beep: Option<Vec<u8>>,
    /// `U` (`Urgent`: the Urgent folder) or `P` (`PRIORITY`), else empty.
    pub flag: &'static [u8],
    /// Keys that end the greeting and the instructions: `#` (skips the instructions), `*`
    /// when there is an `a`, `0` with the operator on and an `o`, more with `d`.
    pub escape: Vec<u8>,
    /// `0` goes to extension `o` (there is one): the channel plays `transfer` first.
    pub operator_exten: bool,
    /// `${VM_CATEGORY}`, when it is set.
    pub category: Option<Vec<u8>>,
    /// Where the caller was, for the message's information file.
    pub context: &'a [u8],
    pub exten: &'a [u8],
    pub priority: i32,
    /// The caller's number and name, each `None` when not given or empty (`S_COR`).
    pub cidnum: Option<Vec<u8>>,
    pub cidname: Option<Vec<u8>>,
    /// The redirecting number, else `unknown`.
    pub rdnis: Vec<u8>,
}

impl Leave<'_> {
    /// The caller as the message's information file names it: `ast_callerid_merge(name,
    /// number, "Unknown")`.
    pub fn callerid(&self) -> Vec<u8> {
        match (&self.cidname, &self.cidnum) {
            (Some(name), Some(number)) => crate::callerid::merge(name, number),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => b"Unknown".to_vec(),
        }
    }
}

/// How the channel's part ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Left {
    /// A key of [`Leave::escape`] other than `#` ended the greeting or the instructions.
    Key(u8),
    /// `0` during the recording, the operator on: what was recorded is kept, and the call
    /// goes to `o` when there is one.
    Operator,
    /// Done: `VMSTATUS` becomes `status` (`SUCCESS`, `FAILED`), or stays as it was.
    Finished { status: Option<&'static [u8]> },
    /// The caller hung up, or a prompt could not be played: `status` as above, and the
    /// call ends.
    HungUp { status: Option<&'static [u8]> },
}

/// A voicemail application's options (`vm_app_options`, shared by `VoiceMail` and
/// `VoiceMailMain`).
#[derive(Default)]
struct Options(Vec<args::AppOption>);

impl Options {
    /// `ast_app_parse_options`: each letter the table does not know is warned of; `Err`,
    /// after its warning, when they cannot be read (an unclosed argument).
    fn parse(call: &mut Call, text: &[u8]) -> Result<Options, ()> {
        let options = args::parse_options(text).map_err(|warning| {
            call.log.push(format!("WARNING: {warning}"));
        })?;
        for (letter, _) in &options {
            if !b"sSbugdpaUPetr".contains(letter) {
                call.log.push(format!(
                    "WARNING: Unrecognized option: '{}'",
                    char::from(*letter)
                ));
            }
        }
        Ok(Options(options))
    }

    fn has(&self, letter: u8) -> bool {
        self.0.iter().any(|(l, _)| *l == letter)
    }

    /// The argument of the last `letter` given (empty when it has none).
    fn argument(&self, letter: u8) -> Option<Vec<u8>> {
        self.0
            .iter()
            .rev()
            .find(|(l, _)| *l == letter)
            .map(|(_, a)| a.clone().unwrap_or_default())
    }
}

/// `g(dB)`'s value, the `signed char` of an `int`; `None`, warned of, when it is no number.
fn record_gain(call: &mut Call, value: &[u8]) -> Option<i8> {
    match crate::apps::scan_int(value) {
        Some((n, _)) => Some(n as i8),
        None => {
            call.log.push(format!(
                "WARNING: Invalid value '{}' provided for record gain option",
                String::from_utf8_lossy(value)
            ));
            None
        }
    }
}

/// `vm_exec`'s buffer for the mailbox the caller dials (`char temp[256]`), less its NUL.
const WHICHBOX_DIGITS: usize = 255;

/// `vm_exec`.
pub(crate) fn voicemail(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    let parts = args::standard(data, 2);
    let options = match parts.get(1) {
        Some(text) => match Options::parse(call, text) {
            Ok(options) => options,
            Err(()) => return AppResult::Hangup,
        },
        None => Options::default(),
    };
    let has = |letter: u8| options.has(letter);
    let argument = |letter: u8| options.argument(letter);
    let mut gain = 0i8;
    if let Some(value) = argument(b'g') {
        match record_gain(call, &value) {
            Some(g) => gain = g,
            None => return AppResult::Hangup,
        }
    }
    let exit_context = argument(b'd').filter(|c| !c.is_empty());
    let beep = match argument(b't') {
        Some(file) if file.is_empty() => None,
        Some(file) => Some(file),
        None => Some(b"beep".to_vec()),
    };
    let (ext, beep) = if data.is_empty() {
        // No data at all: the caller is asked for a mailbox (`ast_app_getdata`), before the
        // answer, and nothing dialled ends VoiceMail with no status. No option can be
        // given, and no beep plays.
        let first = call.response_timeout_ms;
        let next = call.digit_timeout_ms;
        match chan.get_data("vm-whichbox", WHICHBOX_DIGITS, first, next) {
            None => return AppResult::Hangup,
            Some(digits) if digits.is_empty() => return AppResult::Continue,
            Some(digits) => (digits, None),
        }
    } else {
        // `VoiceMail(,u)`: an empty mailbox is looked up, and fails.
        (parts.first().cloned().unwrap_or_default(), beep)
    };
    // The answer, or early media with `e`, comes before the mailbox is looked up.
    let up = if has(b'e') { "Progress" } else { "Answer" };
    let answered = chan.execute(up, b"", &mut call.vars);
    if answered != AppResult::Continue {
        return answered;
    }

    // leave_voicemail: the first mailbox takes the `@context` after the first `@`, up to
    // the `&` after it; the rest are copies.
    let (first, context, copies) = match ext.iter().position(|&c| c == b'@') {
        Some(at) => {
            let after = &ext[at + 1..];
            let (context, rest) = args::strsep(after, b'&');
            (&ext[..at], Some(context), rest)
        }
        None => {
            let (first, rest) = args::strsep(&ext, b'&');
            (first, None, rest)
        }
    };
    let voicemail = engine.voicemail.clone();
    let config = &voicemail.config;
    let Some(mailbox) = config.find(context, first) else {
        call.vars.set(b"VMSTATUS", Some(b"FAILED"));
        call.log.push(format!(
            "WARNING: {}: Exten: {}: No entry in voicemail config file for '{}'",
            String::from_utf8_lossy(chan.name()),
            String::from_utf8_lossy(first),
            String::from_utf8_lossy(first)
        ));
        return AppResult::Continue;
    };
    let copies: Vec<&Mailbox> = copies
        .into_iter()
        .flat_map(|rest| rest.split(|&c| c == b'&'))
        .filter_map(|copy| {
            let (name, context) = args::strsep(copy, b'@');
            config.find(context, name)
        })
        .collect();

    // The keys that leave: `a` and `o` in the mailbox's exit context, else the caller's.
    let cid = call.cid().map(<[u8]>::to_vec);
    let cid = cid.as_deref();
    let exit = if mailbox.exit.is_empty() {
        call.context.clone()
    } else {
        mailbox.exit.clone()
    };
    let mut escape = b"#".to_vec();
    let operator_exten = mailbox.operator && engine.exists(&exit, b"o", 1, cid);
    if operator_exten {
        escape.push(b'0');
    }
    if engine.exists(&exit, b"a", 1, cid) {
        escape.push(b'*');
    }
    if has(b'd') {
        let digits_context = exit_context.clone().unwrap_or_else(|| call.context.clone());
        for &key in b"0123456789ABCD*#" {
            if !escape.contains(&key) && engine.can_match(&digits_context, &[key], cid) {
                escape.push(key);
            }
        }
    }

    // `S_COR(valid, str, NULL)`: an empty name or number is none.
    let given = |v: &Option<Vec<u8>>| v.clone().filter(|v| !v.is_empty());
    let (cidnum, cidname) = (given(&call.callerid), given(&call.callerid_name));

    let rdnis = call
        .parties
        .as_ref()
        .filter(|p| p.from.number.valid)
        .and_then(|p| p.from.number.str.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| b"unknown".to_vec());
    let leave = Leave {
        mailbox,
        ext: first,
        copies,
        greeting: if has(b'b') {
            Greeting::Busy
        } else if has(b'u') {
            Greeting::Unavailable
        } else {
            Greeting::None
        },
        silent: has(b's'),
        silent_if_greeting: has(b'S'),
        gain,
        beep: beep.clone(),
        flag: if has(b'U') {
            b"Urgent"
        } else if has(b'P') {
            b"PRIORITY"
        } else {
            b""
        },
        escape,
        operator_exten,
        category: call.vars.get(b"VM_CATEGORY").map(<[u8]>::to_vec),
        context: &call.context.clone(),
        exten: &call.exten.clone(),
        priority: call.priority,
        cidnum,
        cidname,
        rdnis,
    };
    let left = chan.leave_voicemail(&leave, &mut call.vars);
    let exit_to = |call: &mut Call, exten: &[u8]| {
        if !mailbox.exit.is_empty() {
            call.context = mailbox.exit.clone();
        }
        call.exten = exten.to_vec();
        // The loop steps to priority 1.
        call.priority = 0;
        call.vars.set(b"VMSTATUS", Some(b"USEREXIT"));
    };
    match left {
        Left::Key(b'*') => {
            exit_to(call, b"a");
            AppResult::Continue
        }
        Left::Key(b'0') if mailbox.operator => {
            if operator_exten {
                exit_to(call, b"o");
            }
            AppResult::Continue
        }
        Left::Key(key) => {
            if let Some(context) = exit_context {
                call.context = context;
            }
            call.vars.set(b"VMSTATUS", Some(b"USEREXIT"));
            AppResult::Digit(key)
        }
        Left::Operator => {
            if operator_exten {
                exit_to(call, b"o");
            }
            AppResult::Continue
        }
        Left::Finished { status } => {
            if let Some(status) = status {
                call.vars.set(b"VMSTATUS", Some(status));
            }
            AppResult::Continue
        }
        Left::HungUp { status } => {
            if let Some(status) = status {
                call.vars.set(b"VMSTATUS", Some(status));
            }
            AppResult::Hangup
        }
    }
}

/// `VM_INFO(mailbox[@context],attribute[,folder])` (`acf_vm_info`): `Err` with the error
/// Asterisk logs when the read fails.
pub(crate) fn vm_info(engine: &Engine, call: &Call, data: &[u8]) -> Result<Vec<u8>, String> {
    const USAGE: &str = "VM_INFO requires an argument (<mailbox>[@<context>],attribute[,folder])";
    let parts = args::standard(data, 3);
    let part = |i: usize| parts.get(i).map(Vec::as_slice).unwrap_or_default();
    let (mailbox, attribute, folder) = (part(0), part(1), parts.get(2).map(Vec::as_slice));
    if data.is_empty() || mailbox.is_empty() || attribute.is_empty() {
        return Err(USAGE.into());
    }
    // separate_mailbox: an empty context is `default`.
    let (name, context) = args::strsep(mailbox, b'@');
    if name.is_empty() {
        return Err(USAGE.into());
    }
    let context = context.filter(|c| !c.is_empty()).unwrap_or(b"default");
    let voicemail = &engine.voicemail;
    let found = voicemail.config.find(Some(context), name);
    // strncasecmp(attribute, keyword, n): the attribute starts with the keyword's first n.
    let is = |keyword: &str, n: usize| {
        attribute.len() >= n && attribute[..n].eq_ignore_ascii_case(&keyword.as_bytes()[..n])
    };
    if is("exists", 5) {
        return Ok(if found.is_some() { b"1" } else { b"0" }.to_vec());
    }
    let Some(found) = found else {
        return Ok(Vec::new());
    };
    Ok(if is("password", 8) {
        found.password.clone()
    } else if is("fullname", 8) {
        found.fullname.clone()
    } else if is("email", 5) {
        found.email.clone().unwrap_or_default()
    } else if is("pager", 5) {
        found.pager.clone()
    } else if is("language", 8) {
        if found.language.is_empty() {
            call.attributes.language.clone()
        } else {
            found.language.clone()
        }
    } else if is("locale", 6) {
        found.locale.clone()
    } else if is("tz", 2) {
        found.tz.clone()
    } else if is("count", 5) {
        let count = voicemail
            .spool
            .as_ref()
            .map_or(0, |spool| spool.message_count(context, name, folder));
        count.to_string().into_bytes()
    } else {
        return Err(format!(
            "Unknown attribute '{}' for VM_INFO",
            String::from_utf8_lossy(attribute)
        ));
    })
}

/// How a prompt played ([`Channel::play_prompt`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompted {
    /// It played to the end.
    Done,
    /// A key stopped it (only when keys may).
    Key(u8),
    /// The caller hung up, or the prompt could not be played (`ast_streamfile` failing is
    /// the same -1 to app_voicemail).
    Failed,
}

/// What the channel does for `VoiceMailMain` once the caller is logged in (`vm_execmain`
/// from the mailbox's folders on): the intro, the menu, playing, deleting and saving
/// messages, and the goodbye.
#[derive(Debug)]
pub struct Session<'a> {
    pub mailbox: &'a Mailbox,
    /// The mailbox as the caller typed or the dialplan gave it (`vms.username`): its
    /// directory is named so.
    pub username: Vec<u8>,
    /// `a(folder)`: that folder's messages play at once, without the intro (0 INBOX, 1
    /// Old, 2 Work, …).
    pub autoplay: Option<usize>,
    /// `r`: messages cannot be deleted.
    pub read_only: bool,
    /// `g(dB)`: gain on what the session records.
    pub gain: i8,
    /// voicemail.conf's `[general]`.
    pub general: &'a pbx_voicemail::General,
}

/// How the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The caller left the menu (`#`, or it went unanswered): the dialplan goes on.
    Done,
    /// The caller hung up, or a prompt could not be played: the call ends.
    HungUp,
}

/// `vm_execmain`'s mailbox and password buffers (`char [80]`), less the NUL.
const LOGIN_DIGITS: usize = 79;
/// `ast_readstring(…, 2000, 10000, "#")`: the first key within 10 s, each next within 2 s.
const LOGIN_FIRST_MS: u32 = 10_000;
const LOGIN_NEXT_MS: u32 = 2_000;

/// `vm_execmain`: the answer, the arguments, the login (`vm_authenticate`), then the
/// channel's session ([`Channel::voicemail_main`]).
pub(crate) fn voicemail_main(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    // It answers before it reads its arguments (and goes on whatever the answer gave).
    let _ = chan.execute("Answer", b"", &mut call.vars);
    let parts = args::standard(data, 2);
    let mut first = parts.first().cloned().unwrap_or_default();
    let options = match parts.get(1) {
        Some(text) => match Options::parse(call, text) {
            Ok(options) => options,
            Err(()) => {
                call.log.push(format!(
                    "WARNING: Invalid option string '{}'",
                    String::from_utf8_lossy(text)
                ));
                return AppResult::Hangup;
            }
        },
        None => {
            // The old style: `s` and `p` in front of the mailbox.
            let flags = first
                .iter()
                .take_while(|&&c| c == b's' || c == b'p')
                .count();
            Options(first.drain(..flags).map(|c| (c, None)).collect())
        }
    };
    let has = |letter: u8| options.has(letter);
    let argument = |letter: u8| options.argument(letter);
    let mut gain = 0i8;
    if let Some(value) = argument(b'g') {
        if value.is_empty() {
            call.log
                .push("WARNING: Invalid Gain level set with option g".into());
        } else {
            match record_gain(call, &value) {
                Some(g) => gain = g,
                None => return AppResult::Hangup,
            }
        }
    }
    let autoplay = argument(b'a').map(|folder| {
        if folder.is_empty() {
            call.log
                .push("WARNING: Invalid folder set with option a".into());
            return 0;
        }
        // A number when it starts with a digit, else a name.
        let number = if folder.first().is_some_and(u8::is_ascii_digit) {
            crate::apps::scan_int(&folder).map(|(n, _)| i64::from(n))
        } else {
            folder_number(&folder).map(|n| n as i64)
        };
        match number {
            Some(n @ 0..=9) => n as usize,
            _ => {
                call.log.push(format!(
                    "WARNING: Invalid value '{}' provided for folder autoplay option. Defaulting to 'INBOX'",
                    String::from_utf8_lossy(&folder)
                ));
                0
            }
        }
    });

    let voicemail = engine.voicemail.clone();
    let config = &voicemail.config;
    let (given, context) = args::strsep(&first, b'@');
    let context = context.map(<[u8]>::to_vec);
    // Into C's `char [80]`.
    let given = &given[..given.len().min(LOGIN_DIGITS)];
    let (prefix, mut username) = if has(b'p') {
        (given.to_vec(), Vec::new())
    } else {
        (Vec::new(), given.to_vec())
    };
    let mut known = None;
    if !username.is_empty() {
        known = config.find(context.as_deref(), &username);
        if known.is_none() {
            call.log.push(format!(
                "WARNING: Mailbox {} doesn't exist",
                String::from_utf8_lossy(&username)
            ));
        }
    }
    let cid = call.cid().map(<[u8]>::to_vec);
    let star_exits = engine.exists(&call.context.clone(), b"a", 1, cid.as_deref());
    let mailbox = match known {
        // `s`: a mailbox that exists is logged in without its password.
        Some(mailbox) if has(b's') => Some(mailbox),
        _ => {
            let login = Login {
                config,
                context: context.as_deref(),
                prefix: &prefix,
                known,
                callerid: call.callerid.clone(),
                star_exits,
            };
            match login.authenticate(chan, &mut username) {
                Authenticated::Valid(mailbox) => Some(mailbox),
                Authenticated::ToA => {
                    call.exten = b"a".to_vec();
                    // The loop steps to priority 1.
                    call.priority = 0;
                    return AppResult::Continue;
                }
                // A failed login ends VoiceMailMain, and the dialplan goes on.
                Authenticated::Failed => return AppResult::Continue,
            }
        }
    };
    let Some(mailbox) = mailbox else {
        return AppResult::Continue;
    };
    if !mailbox.language.is_empty() {
        call.attributes.language = mailbox.language.clone();
        chan.attributes_set(&call.attributes);
    }
    let session = Session {
        mailbox,
        username,
        autoplay,
        read_only: has(b'r'),
        gain,
        general: &config.general,
    };
    match chan.voicemail_main(&session) {
        SessionEnd::Done => AppResult::Continue,
        SessionEnd::HungUp => AppResult::Hangup,
    }
}

/// The folders by number (`mailbox_folders`): 0 INBOX … 9 Cust5, 10 Deleted, 11 Urgent.
pub const FOLDERS: [&str; 12] = [
    "INBOX", "Old", "Work", "Family", "Friends", "Cust1", "Cust2", "Cust3", "Cust4", "Cust5",
    "Deleted", "Urgent",
];

/// `get_folder_by_name`: a folder's number from its name, in any case.
fn folder_number(name: &[u8]) -> Option<usize> {
    FOLDERS
        .iter()
        .position(|f| f.as_bytes().eq_ignore_ascii_case(name))
}

/// `vm_authenticate`'s inputs.
struct Login<'a> {
    config: &'a pbx_voicemail::Config,
    context: Option<&'a [u8]>,
    /// `p`: put in front of the mailbox typed.
    prefix: &'a [u8],
    /// The mailbox the arguments named, found: the caller is asked only its password.
    known: Option<&'a Mailbox>,
    /// The caller's number (empty when it is valid but empty), for a mailbox left empty.
    callerid: Option<Vec<u8>>,
    /// Extension `a` exists in the caller's context: `*` goes there.
    star_exits: bool,
}

enum Authenticated<'a> {
    Valid(&'a Mailbox),
    /// `*` for the mailbox or the password, and there is an `a`.
    ToA,
    /// Too many wrong logins, nothing typed and no caller number, or a hang-up.
    Failed,
}

impl<'a> Login<'a> {
    /// `vm_authenticate`: asks the mailbox (unless it is known) and the password, up to
    /// `maxlogins` times. `username` is the mailbox typed, as its directory is named.
    fn authenticate(&self, chan: &mut dyn Channel, username: &mut Vec<u8>) -> Authenticated<'a> {
        let general = &self.config.general;
        let skipuser = self.known.is_some();
        let mut pending = String::from_utf8_lossy(&general.vm_login).into_owned();
        let mut tries = 0i64;
        while tries < general.maxlogins {
            if !skipuser {
                // The prompt plays while the caller types; a key stops it.
                let Some(typed) =
                    chan.get_data(&pending, LOGIN_DIGITS, LOGIN_FIRST_MS, LOGIN_NEXT_MS)
                else {
                    return Authenticated::Failed;
                };
                *username = typed;
            }
            // (Also for a known mailbox that a `*` password emptied.)
            if username.is_empty() {
                match &self.callerid {
                    Some(number) => {
                        *username = number[..number.len().min(LOGIN_DIGITS)].to_vec();
                    }
                    // "Username not entered".
                    None => return Authenticated::Failed,
                }
            } else if username[0] == b'*' {
                if self.star_exits {
                    return Authenticated::ToA;
                }
                username.clear();
            }
            if !self.prefix.is_empty() {
                let mut full = self.prefix.to_vec();
                full.extend_from_slice(username);
                full.truncate(LOGIN_DIGITS);
                *username = full;
            }
            let mut user = self.config.find(self.context, username);
            // A password that is empty or `-` is not asked for.
            let password = match user {
                Some(u) if u.password.is_empty() || u.password == b"-" => Vec::new(),
                _ => {
                    let prompt = String::from_utf8_lossy(&general.vm_password).into_owned();
                    let Some(typed) =
                        chan.get_data(&prompt, LOGIN_DIGITS, LOGIN_FIRST_MS, LOGIN_NEXT_MS)
                    else {
                        return Authenticated::Failed;
                    };
                    if typed.first() == Some(&b'*') {
                        if self.star_exits {
                            return Authenticated::ToA;
                        }
                        username.clear();
                        user = None;
                    }
                    typed
                }
            };
            if let Some(user) = user {
                // A leading `-` only says the caller may not change it.
                let stored = user.password.strip_prefix(b"-").unwrap_or(&user.password);
                if stored == password.as_slice() {
                    return Authenticated::Valid(user);
                }
            }
            if !self.prefix.is_empty() {
                username.clear();
            }
            tries += 1;
            if skipuser || tries >= general.maxlogins {
                if chan.play_prompt("vm-incorrect", false) == Prompted::Failed {
                    return Authenticated::Failed;
                }
            } else {
                // It plays while the next mailbox is typed.
                pending = "vm-incorrect-mailbox".into();
            }
        }
        // Every try used (or `maxlogins` below one): goodbye.
        let _ = chan.play_prompt("vm-goodbye", true);
        Authenticated::Failed
    }
}
