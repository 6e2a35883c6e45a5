//! What app_voicemail.c sends when a message arrives (`notify_new_message` with file
//! storage): the e-mail `make_email_file` writes, with the recording attached, and the page
//! `sendpage` writes — as bytes for `mailcmd` to read — and the variables their templates
//! are substituted with (`prep_email_sub_vars`). Lines end in `\n`, as `ENDL` does without
//! IMAP.

use std::io::{Read, Write};

use pbxc_stdlib::functions::args::escape_quoted;

use crate::config::{Config, Mailbox};

/// A message just left, as the notification tells of it.
#[derive(Clone, Debug, Default)]
pub struct NewMessage<'a> {
    /// 0-based: `msg0000` is message 1.
    pub number: u32,
    /// Whole seconds.
    pub duration: i64,
    /// The caller's number and name, when they were given.
    pub cidnum: Option<&'a [u8]>,
    pub cidname: Option<&'a [u8]>,
    /// `Urgent`, `PRIORITY` or empty.
    pub flag: &'a [u8],
    /// `${VM_CATEGORY}` when the caller's channel had it.
    pub category: Option<&'a [u8]>,
}

impl NewMessage<'_> {
    /// `%d:%02d`.
    pub fn duration_text(&self) -> String {
        format!("{}:{:02}", self.duration / 60, self.duration % 60)
    }
}

/// `prep_email_sub_vars`: the variables an e-mail or page template sees (on a channel of
/// its own: none of the caller's), `date` the mail's date in its format.
pub fn template_variables(
    mailbox: &Mailbox,
    message: &NewMessage<'_>,
    cidnum: Option<&[u8]>,
    cidname: Option<&[u8]>,
    date: &[u8],
) -> Vec<(&'static str, Vec<u8>)> {
    const UNKNOWN: &[u8] = b"an unknown caller";
    fn given(v: Option<&[u8]>) -> Option<&[u8]> {
        v.filter(|v| !v.is_empty())
    }
    let callerid = if given(cidname).is_some() || given(cidnum).is_some() {
        callerid_merge(cidname, cidnum)
    } else {
        UNKNOWN.to_vec()
    };
    vec![
        ("VM_NAME", mailbox.fullname.clone()),
        ("VM_DUR", message.duration_text().into_bytes()),
        (
            "VM_MSGNUM",
            (u64::from(message.number) + 1).to_string().into_bytes(),
        ),
        ("VM_CONTEXT", mailbox.context.clone()),
        ("VM_MAILBOX", mailbox.mailbox.clone()),
        ("VM_CALLERID", callerid),
        ("VM_CIDNAME", given(cidname).unwrap_or(UNKNOWN).to_vec()),
        ("VM_CIDNUM", given(cidnum).unwrap_or(UNKNOWN).to_vec()),
        ("VM_DATE", date.to_vec()),
        (
            "VM_CATEGORY",
            message.category.unwrap_or(b"no category").to_vec(),
        ),
        ("VM_FLAG", message.flag.to_vec()),
    ]
}

/// `ast_callerid_merge` with no text for unknown: `"name" <number>` when both are given
/// (either may be empty).
fn callerid_merge(name: Option<&[u8]>, number: Option<&[u8]>) -> Vec<u8> {
    match (name, number) {
        (Some(name), Some(number)) => {
            let mut out = b"\"".to_vec();
            out.extend_from_slice(&escape_quoted(name));
            out.extend_from_slice(b"\" <");
            out.extend_from_slice(number);
            out.push(b'>');
            out
        }
        (Some(one), None) | (None, Some(one)) => one.to_vec(),
        (None, None) => Vec::new(),
    }
}

/// What the PBX computed for one e-mail: its dates, the templates substituted, and the
/// values C draws at random or from the process.
#[derive(Clone, Debug, Default)]
pub struct Composed {
    /// `%a, %d %b %Y %H:%M:%S %z` in the mailbox's zone.
    pub date_header: Vec<u8>,
    /// `emaildateformat` (or `pagerdateformat`) in the mailbox's zone.
    pub date: Vec<u8>,
    /// `fromstring` (the mailbox's, else `[general]`'s) substituted, when there is one.
    pub from: Option<Vec<u8>>,
    pub subject: Option<Vec<u8>>,
    pub body: Option<Vec<u8>>,
    /// `gethostname()`.
    pub host: Vec<u8>,
    pub pid: u32,
    /// Two `ast_random()` draws: the Message-ID's and the boundary's.
    pub random: (u32, u32),
}

/// The recording sent with an e-mail.
pub struct Attachment<'a> {
    /// The format name it was written in (`wav`; `wav49` is named `WAV`).
    pub format: &'a str,
    /// The file, read as it is encoded; `None` when it could not be opened (C then sends
    /// the part empty).
    pub file: Option<&'a mut dyn Read>,
}

/// The sender: `serveremail`, with `@host` when it has none.
pub fn sender(config: &Config, mailbox: &Mailbox, host: &[u8]) -> Vec<u8> {
    let server = if mailbox.serveremail.is_empty() {
        &config.general.notify.serveremail
    } else {
        &mailbox.serveremail
    };
    if server.contains(&b'@') {
        server.clone()
    } else {
        [server.as_slice(), b"@", host].concat()
    }
}

/// `make_email_file` for a new message (not a greeting, not IMAP).
pub fn email(
    config: &Config,
    mailbox: &Mailbox,
    message: &NewMessage<'_>,
    composed: &Composed,
    attachment: Option<Attachment<'_>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let head = head(config, mailbox, message, composed, attachment.is_some());
    out.write_all(&head.text)?;
    if let Some(attachment) = attachment {
        let name = format!("msg{:04}.{}", message.number, attachment.format);
        let kind = if attachment.format.eq_ignore_ascii_case("ogg") {
            "application/"
        } else {
            "audio/x-"
        };
        let boundary = &head.boundary;
        out.write_all(b"--")?;
        out.write_all(boundary)?;
        out.write_all(
            format!(
                "\nContent-Type: {kind}{}; name=\"{name}\"\nContent-Transfer-Encoding: base64\nContent-Description: Voicemail sound attachment.\nContent-Disposition: attachment; filename=\"{name}\"\n\n",
                attachment.format
            )
            .as_bytes(),
        )?;
        if let Some(file) = attachment.file {
            base64_lines(file, out)?;
        }
        out.write_all(b"\n\n--")?;
        out.write_all(boundary)?;
        out.write_all(b"--\n.\n")?;
    }
    Ok(())
}

/// The headers and the text of an e-mail, and its MIME boundary.
struct Head {
    text: Vec<u8>,
    boundary: Vec<u8>,
}

/// A mail's text, written a line at a time.
#[derive(Default)]
struct Text(Vec<u8>);

impl Text {
    fn line(&mut self, parts: &[&[u8]]) {
        self.put(parts);
        self.0.push(b'\n');
    }

    fn put(&mut self, parts: &[&[u8]]) {
        for part in parts {
            self.0.extend_from_slice(part);
        }
    }

    /// `name <address>`, `name` RFC 2047 encoded when it must be (a word per line, the
    /// first after `lead`, continuation lines starting with a space) or quoted, and
    /// `suffix` after the address.
    fn named_address(
        &mut self,
        lead: &[u8],
        name: &[u8],
        address: &[u8],
        suffix: &[u8],
        charset: &[u8],
        preamble: usize,
    ) {
        if !check_mime(name) {
            self.line(&[lead, b" ", &quote(name), b" <", address, b">", suffix]);
            return;
        }
        let encoded = encode_mime(name, charset, preamble, address.len() + 3 + suffix.len());
        let words: Vec<&[u8]> = encoded.split(|&c| c == b' ').collect();
        for (i, word) in words.iter().enumerate() {
            let lead: &[u8] = if i == 0 { lead } else { b"" };
            if i + 1 == words.len() {
                self.line(&[lead, b" ", word, b" <", address, b">", suffix]);
            } else {
                self.line(&[lead, b" ", word]);
            }
        }
    }

    /// `From:`: the substituted `fromstring` before the sender, else `Asterisk PBX`.
    fn from(&mut self, from: Option<&[u8]>, who: &[u8], charset: &[u8]) {
        match from {
            Some(from) => self.named_address(b"From:", from, who, b"", charset, "From: ".len()),
            None => self.line(&[b"From: Asterisk PBX <", who, b">"]),
        }
    }

    /// `Subject:` of a template, encoded when it must be.
    fn subject(&mut self, subject: &[u8], charset: &[u8]) {
        if !check_mime(subject) {
            return self.line(&[b"Subject: ", subject]);
        }
        let encoded = encode_mime(subject, charset, "Subject: ".len(), 0);
        for (i, word) in encoded.split(|&c| c == b' ').enumerate() {
            let lead: &[u8] = if i == 0 { b"Subject:" } else { b"" };
            self.line(&[lead, b" ", word]);
        }
    }
}

fn head(
    config: &Config,
    mailbox: &Mailbox,
    message: &NewMessage<'_>,
    composed: &Composed,
    attached: bool,
) -> Head {
    let charset = &config.general.notify.charset;
    let who = sender(config, mailbox, &composed.host);
    let mut out = Text::default();
    out.line(&[b"Date: ", &composed.date_header]);
    out.from(composed.from.as_deref(), &who, charset);
    // Each `|`-separated address of the mailbox's e-mail; `To:` leads the first.
    let email = mailbox.email.clone().unwrap_or_default();
    let addresses: Vec<&[u8]> = email.split(|&c| c == b'|').collect();
    out.put(&[b"To:"]);
    for (i, address) in addresses.iter().enumerate() {
        let more: &[u8] = if i + 1 < addresses.len() { b"," } else { b"" };
        let preamble = if i == 0 { "To: ".len() } else { 0 };
        out.named_address(b"", &mailbox.fullname, address, more, charset, preamble);
    }
    let number = (u64::from(message.number) + 1).to_string();
    match &composed.subject {
        Some(subject) => out.subject(subject, charset),
        None => {
            let prefix: &[u8] = if config.general.notify.pbxskip {
                b""
            } else {
                b"[PBX]: "
            };
            let flagged: &[&[u8]] = if message.flag.is_empty() {
                &[b"New message "]
            } else {
                &[b"New ", message.flag, b" message "]
            };
            out.put(&[b"Subject: ", prefix]);
            out.put(flagged);
            out.line(&[number.as_bytes(), b" in mailbox ", &mailbox.mailbox]);
        }
    }
    out.line(&[
        format!("Message-ID: <Asterisk-{number}-{}-", composed.random.0).as_bytes(),
        &mailbox.mailbox,
        format!("-{}@", composed.pid as i32).as_bytes(),
        &composed.host,
        b">",
    ]);
    if let Some(number) = message.cidnum.filter(|c| !c.is_empty()) {
        out.line(&[b"X-Asterisk-CallerID: ", &strip_control(number)]);
    }
    if let Some(name) = message.cidname.filter(|c| !c.is_empty()) {
        out.line(&[b"X-Asterisk-CallerIDName: ", &strip_control(name)]);
    }
    out.line(&[b"MIME-Version: 1.0"]);
    let boundary = [
        format!("----voicemail_{number}").as_bytes(),
        &mailbox.mailbox,
        format!("{}{}", composed.pid as i32, composed.random.1).as_bytes(),
    ]
    .concat();
    if attached {
        out.line(&[
            b"Content-Type: multipart/mixed; boundary=\"",
            &boundary,
            b"\"",
        ]);
        out.line(&[]);
        out.line(&[]);
        out.line(&[b"This is a multi-part message in MIME format."]);
        out.line(&[]);
        out.line(&[b"--", &boundary]);
    }
    out.line(&[b"Content-Type: text/plain; charset=", charset]);
    out.line(&[b"Content-Transfer-Encoding: 8bit"]);
    out.line(&[]);
    match &composed.body {
        Some(body) => out.line(&[body]),
        None => {
            let from: &[u8] = message
                .cidname
                .or(message.cidnum)
                .unwrap_or(b"an unknown caller");
            out.put(&[
                b"Dear ",
                &mailbox.fullname,
                b":\n\n\tJust wanted to let you know you were just left a ",
                message.duration_text().as_bytes(),
                format!(" long message (number {number})\nin mailbox ").as_bytes(),
                &mailbox.mailbox,
                b" from ",
                from,
                b", on ",
                &composed.date,
                b" so you might\nwant to check it when you get a chance.  Thanks!\n\n\t\t\t\t--Asterisk\n\n",
            ]);
        }
    }
    Head {
        text: out.0,
        boundary,
    }
}

/// `sendpage`: a short text to the mailbox's pager, no MIME.
pub fn page(
    config: &Config,
    mailbox: &Mailbox,
    message: &NewMessage<'_>,
    composed: &Composed,
) -> Vec<u8> {
    let charset = &config.general.notify.charset;
    let who = sender(config, mailbox, &composed.host);
    let mut out = Text::default();
    out.line(&[b"Date: ", &composed.date_header]);
    out.from(composed.from.as_deref(), &who, charset);
    out.named_address(
        b"To:",
        &mailbox.fullname,
        &mailbox.pager,
        b"",
        charset,
        "To: ".len(),
    );
    match &composed.subject {
        Some(subject) => out.subject(subject, charset),
        None if message.flag.is_empty() => out.line(&[b"Subject: New VM"]),
        None => out.line(&[b"Subject: New ", message.flag, b" VM"]),
    }
    out.line(&[]);
    match &composed.body {
        Some(body) => out.line(&[body]),
        None => {
            let from: &[u8] = message.cidname.or(message.cidnum).unwrap_or(b"unknown");
            // No line end after it.
            out.put(&[
                format!("New {} long ", message.duration_text()).as_bytes(),
                message.flag,
                b" msg in box ",
                &mailbox.mailbox,
                b"\nfrom ",
                from,
                b", on ",
                &composed.date,
            ]);
        }
    }
    out.0
}

/// `check_mime`: whether a header text must be RFC 2047 encoded.
pub fn check_mime(text: &[u8]) -> bool {
    text.iter()
        .any(|&c| !(32..=126).contains(&c) || b"()<>@,:;/\"[]?.=".contains(&c))
}

/// `ast_str_quote`: in double quotes, `"` and `\` escaped.
pub fn quote(text: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in text {
        if c == b'"' || c == b'\\' {
            out.push(b'\\');
        }
        out.push(c);
    }
    out.push(b'"');
    out
}

/// `ast_str_encode_mime`: Q-encoded words of `charset`, separated by spaces (each caller
/// writes one per header line), the first kept within the line after `preamble`
/// characters, the last leaving `postamble` characters of room.
pub fn encode_mime(text: &[u8], charset: &[u8], preamble: usize, postamble: usize) -> Vec<u8> {
    let start = [b"=?", charset, b"?Q?"].concat();
    let mut out: Vec<u8> = Vec::new();
    let mut word = start.clone();
    let mut first = true;
    for &c in text {
        let needs = !(33..=126).contains(&c) || b"()<>@,:;/\"[]?.=_".contains(&c);
        let limit = if needs { 70 } else { 72 };
        let used = word.len() + if first { preamble } else { 0 };
        if used > limit {
            if !first {
                out.push(b' ');
            }
            out.extend_from_slice(&word);
            out.extend_from_slice(b"?=");
            first = false;
            word = start.clone();
        }
        if c == b' ' {
            word.push(b'_');
        } else if needs {
            // `=%hhX`: upper-case hex, not padded.
            word.extend_from_slice(format!("={c:X}").as_bytes());
        } else {
            word.push(c);
        }
    }
    if !first {
        out.push(b' ');
    }
    let end: &[u8] = if word.len() + postamble > 74 {
        b" "
    } else {
        b""
    };
    out.extend_from_slice(&word);
    out.extend_from_slice(b"?=");
    out.extend_from_slice(end);
    out
}

/// `strip_control_and_high`: bytes below 32, and (a signed `char`) above 127, dropped; at
/// most 255 kept.
pub fn strip_control(text: &[u8]) -> Vec<u8> {
    text.iter()
        .copied()
        .filter(|&c| (32..128).contains(&c))
        .take(255)
        .collect()
}

/// `ast_base64_encode_file`: what `file` holds, in lines of 72 characters, then one `\n`;
/// read and written a piece at a time.
pub fn base64_lines(file: &mut dyn Read, out: &mut dyn Write) -> std::io::Result<()> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut input = [0u8; 3 * 1024];
    let mut pending = 0usize;
    let mut line = Vec::with_capacity(73);
    let mut encoded = Vec::with_capacity(input.len() / 3 * 4 + input.len() / 54 + 2);
    loop {
        let read = match file.read(&mut input[pending..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let available = pending + read;
        let end = read == 0;
        // Whole groups of three, or all of it at the end.
        let take = if end { available } else { available / 3 * 3 };
        encoded.clear();
        for chunk in input[..take].chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = [
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                if chunk.len() > 1 {
                    ALPHABET[(n >> 6) as usize & 63]
                } else {
                    b'='
                },
                if chunk.len() > 2 {
                    ALPHABET[n as usize & 63]
                } else {
                    b'='
                },
            ];
            for c in chars {
                // `ochar`: the line ends before the 73rd character.
                if line.len() >= 72 {
                    encoded.extend_from_slice(&line);
                    encoded.push(b'\n');
                    line.clear();
                }
                line.push(c);
            }
        }
        out.write_all(&encoded)?;
        input.copy_within(take..available, 0);
        pending = available - take;
        if end {
            out.write_all(&line)?;
            return out.write_all(b"\n");
        }
    }
}

/// `externnotify`'s command line: `CMD context mailbox new old urgent` (the context `""`
/// when empty), unquoted, as C builds it (C ends it with ` &`; the PBX runs it in the
/// background itself, and reaps it).
pub fn externnotify_command(
    command: &[u8],
    context: &[u8],
    mailbox: &[u8],
    counts: (usize, usize, usize),
) -> Vec<u8> {
    let context: &[u8] = if context.is_empty() { b"\"\"" } else { context };
    let mut out = command.to_vec();
    out.push(b' ');
    out.extend_from_slice(context);
    out.push(b' ');
    out.extend_from_slice(mailbox);
    out.extend_from_slice(format!(" {} {} {}", counts.0, counts.1, counts.2).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(general: &[(&str, &str)], mailbox: &str) -> Config {
        let mut settings: Vec<(&[u8], &[u8], &[u8])> = general
            .iter()
            .map(|(n, v)| (&b"general"[..], n.as_bytes(), v.as_bytes()))
            .collect();
        settings.push((b"default", b"1234", mailbox.as_bytes()));
        Config::from_settings(settings)
    }

    fn composed() -> Composed {
        Composed {
            date_header: b"Thu, 06 Aug 2026 15:45:49 +0000".to_vec(),
            date: b"Thursday, August 06, 2026 at 03:45:49 PM".to_vec(),
            host: b"pbxhost".to_vec(),
            pid: 4242,
            random: (1_804_289_383, 846_930_886),
            ..Default::default()
        }
    }

    /// app_voicemail's default e-mail, attachment included, byte for byte.
    #[test]
    fn the_default_email_is_make_email_files() {
        let config = config(&[], "4242,John Doe,john@example.com");
        let mailbox = config.find(None, b"1234").unwrap();
        let message = NewMessage {
            number: 0,
            duration: 12,
            cidnum: Some(b"5551234"),
            cidname: Some(b"Alice"),
            ..Default::default()
        };
        let mut file: &[u8] = b"RIFF....WAVEfmt ";
        let mut mail = Vec::new();
        email(
            &config,
            mailbox,
            &message,
            &composed(),
            Some(Attachment {
                format: "wav",
                file: Some(&mut file),
            }),
            &mut mail,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(mail).unwrap(),
            "Date: Thu, 06 Aug 2026 15:45:49 +0000
From: Asterisk PBX <asterisk@pbxhost>
To: \"John Doe\" <john@example.com>
Subject: [PBX]: New message 1 in mailbox 1234
Message-ID: <Asterisk-1-1804289383-1234-4242@pbxhost>
X-Asterisk-CallerID: 5551234
X-Asterisk-CallerIDName: Alice
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"----voicemail_112344242846930886\"


This is a multi-part message in MIME format.

------voicemail_112344242846930886
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Dear John Doe:

\tJust wanted to let you know you were just left a 0:12 long message (number 1)
in mailbox 1234 from Alice, on Thursday, August 06, 2026 at 03:45:49 PM so you might
want to check it when you get a chance.  Thanks!

\t\t\t\t--Asterisk

------voicemail_112344242846930886
Content-Type: audio/x-wav; name=\"msg0000.wav\"
Content-Transfer-Encoding: base64
Content-Description: Voicemail sound attachment.
Content-Disposition: attachment; filename=\"msg0000.wav\"

UklGRi4uLi5XQVZFZm10IA==


------voicemail_112344242846930886--
.
"
        );
    }

    #[test]
    fn without_attachment_pbxskip_and_a_flag() {
        let config = config(
            &[
                ("attach", "no"),
                ("pbxskip", "yes"),
                ("serveremail", "vm@example.org"),
            ],
            "4242,J. Doe,a@x|b@y",
        );
        let mailbox = config.find(None, b"1234").unwrap();
        assert!(!mailbox.attach);
        let message = NewMessage {
            number: 4,
            duration: 75,
            flag: b"Urgent",
            ..Default::default()
        };
        let mut mail = Vec::new();
        email(&config, mailbox, &message, &composed(), None, &mut mail).unwrap();
        let mail = String::from_utf8(mail).unwrap();
        // A `.` in the name makes it an encoded word; each address its own.
        assert!(
            mail.contains(
                "From: Asterisk PBX <vm@example.org>\nTo: =?ISO-8859-1?Q?J=2E_Doe?= <a@x>,\n =?ISO-8859-1?Q?J=2E_Doe?= <b@y>\nSubject: New Urgent message 5 in mailbox 1234\n"
            ),
            "{mail}"
        );
        assert!(mail.contains(
            "left a 1:15 long message (number 5)\nin mailbox 1234 from an unknown caller, on "
        ));
        assert!(mail.ends_with("MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\nDear J. Doe:\n\n\tJust wanted to let you know you were just left a 1:15 long message (number 5)\nin mailbox 1234 from an unknown caller, on Thursday, August 06, 2026 at 03:45:49 PM so you might\nwant to check it when you get a chance.  Thanks!\n\n\t\t\t\t--Asterisk\n\n"), "{mail}");
    }

    #[test]
    fn the_page_has_no_mime_and_no_final_newline() {
        let config = config(&[], "4242,John Doe,john@example.com,5559999@pager.example");
        let mailbox = config.find(None, b"1234").unwrap();
        let message = NewMessage {
            number: 0,
            duration: 9,
            cidnum: Some(b"5551234"),
            ..Default::default()
        };
        assert_eq!(
            String::from_utf8(page(&config, mailbox, &message, &composed())).unwrap(),
            "Date: Thu, 06 Aug 2026 15:45:49 +0000
From: Asterisk PBX <asterisk@pbxhost>
To: \"John Doe\" <5559999@pager.example>
Subject: New VM

New 0:09 long  msg in box 1234
from 5551234, on Thursday, August 06, 2026 at 03:45:49 PM"
        );
    }

    #[test]
    fn mime_words_and_base64_lines() {
        // Q encoding: `_` for a space, `=XX` unpadded, a new word past the line.
        assert_eq!(
            encode_mime(b"a\tb c", b"UTF-8", 9, 0),
            b"=?UTF-8?Q?a=9b_c?="
        );
        let long = encode_mime(&[b'x'; 100], b"UTF-8", 9, 0);
        let words: Vec<&[u8]> = long.split(|&c| c == b' ').collect();
        assert_eq!(words.len(), 2, "{}", String::from_utf8_lossy(&long));
        assert!(
            words
                .iter()
                .all(|w| w.starts_with(b"=?UTF-8?Q?") && w.ends_with(b"?="))
        );
        let encode = |bytes: &[u8]| {
            let mut out = Vec::new();
            base64_lines(&mut &bytes[..], &mut out).unwrap();
            out
        };
        let lines = encode(&[0u8; 100]);
        let lines: Vec<&[u8]> = lines.split(|&c| c == b'\n').collect();
        assert_eq!(
            lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
            [72, 64, 0]
        );
        assert_eq!(encode(b""), b"\n");
        // Exactly one line: no empty line after it. Across the reader's pieces, the same
        // text as at once.
        assert_eq!(
            encode(&[7u8; 54]).iter().filter(|&&c| c == b'\n').count(),
            1
        );
        let long: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut slow = Vec::new();
        base64_lines(&mut OneByteAtATime(&long), &mut slow).unwrap();
        assert_eq!(slow, encode(&long));
        assert_eq!(quote(b"a\"b\\c"), b"\"a\\\"b\\\\c\"");
        assert!(check_mime(b"J. Doe") && !check_mime(b"John Doe"));
    }

    #[test]
    fn templates_see_the_messages_variables() {
        let config = config(&[], "4242,John Doe,john@example.com");
        let mailbox = config.find(None, b"1234").unwrap();
        let message = NewMessage {
            number: 2,
            duration: 61,
            ..Default::default()
        };
        let vars = template_variables(mailbox, &message, Some(b"555"), Some(b"Al \"x\""), b"today");
        let get = |name: &str| {
            String::from_utf8(vars.iter().find(|(n, _)| *n == name).unwrap().1.clone()).unwrap()
        };
        assert_eq!(get("VM_MSGNUM"), "3");
        assert_eq!(get("VM_DUR"), "1:01");
        assert_eq!(get("VM_CALLERID"), "\"Al \\\"x\\\"\" <555>");
        assert_eq!(get("VM_CATEGORY"), "no category");
        let nobody = template_variables(mailbox, &message, None, Some(b""), b"today");
        assert!(
            nobody
                .iter()
                .any(|(n, v)| *n == "VM_CALLERID" && v == b"an unknown caller")
        );
    }

    /// A reader that gives one byte per read.
    struct OneByteAtATime<'a>(&'a [u8]);

    impl Read for OneByteAtATime<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }
}
