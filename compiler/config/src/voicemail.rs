//! voicemail.conf as app_voicemail.c reads it (`actual_load_config`, `load_users`,
//! `append_mailbox`): the `[general]` settings that leaving a message depends on, and the
//! mailboxes of every other section.
//!
//! A mailbox line is `box => password[,fullname[,email[,pager[,options]]]]`. The options
//! are `key=value` pairs split on `|` only (a `,` there is part of a value), as
//! `apply_options` splits them. A mailbox takes the `[general]` values first
//! (`populate_defaults`), then its own options.

/// `[general]`, with app_voicemail.c's defaults (not the sample file's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct General {
    /// `format`: the formats each message is written in, `|`-separated, duplicates
    /// dropped; `wav` when not given or empty.
    pub formats: Vec<String>,
    /// `maxsecs`: the longest message in seconds; 0 is no limit.
    pub maxsecs: u32,
    /// `minsecs`: a message with less sound than this is not kept.
    pub minsecs: u32,
    /// `maxsilence` (seconds in the file): milliseconds of silence that end a recording; 0
    /// is off.
    pub maxsilence_ms: u32,
    /// `silencethreshold`: how loud (average absolute sample) is not silence; dsp.conf's
    /// default, 256, when not given.
    pub silence_threshold: i32,
    /// `maxmsg`: messages a folder holds; 0 makes every mailbox greetings-only.
    pub maxmsg: u32,
    pub review: bool,
    pub operator: bool,
    pub leaveurgent: bool,
    /// `exitcontext`: where `*` (`a`) and `0` (`o`) go; empty is the caller's context.
    pub exitcontext: Vec<u8>,
    /// `searchcontexts`: a mailbox given without `@context` is looked for in every context.
    pub searchcontexts: bool,
    pub tz: Vec<u8>,
    pub locale: Vec<u8>,
    /// `aliasescontext`: a section of aliases, not of mailboxes.
    pub aliasescontext: Vec<u8>,
    /// The notification of a new message (`notify_new_message`): e-mail, pager, the
    /// command told of it.
    pub notify: Notify,
    /// `[zonemessages]`: name → Olson time zone and the format the date before a message
    /// is said in (`tz=` names one; its e-mail dates are written in that zone).
    pub zones: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
    /// How messages are listened to (`VoiceMailMain`); each mailbox starts from these.
    pub listen: Listen,
    /// `maxlogins`: wrong logins before `VoiceMailMain` says goodbye.
    pub maxlogins: i64,
    /// `skipms`: how far `#` and `*` skip in a message, in milliseconds.
    pub skipms: i64,
    /// `maxgreet`: the longest greeting in seconds; 0 is no limit.
    pub maxgreet: i64,
    /// `vm-login`, `vm-password`: the login's prompts.
    pub vm_login: Vec<u8>,
    pub vm_password: Vec<u8>,
    /// `listen-control-*-key`: the keys that move through a message while it plays.
    pub controls: Controls,
    /// `cidinternalcontexts`: contexts whose callers are said as extensions (`saycid`), ten
    /// at most.
    pub cidinternalcontexts: Vec<Vec<u8>>,
}

/// The keys of a message playing (`ast_control_streamfile`'s), each a set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controls {
    pub forward: Vec<u8>,
    pub reverse: Vec<u8>,
    pub pause: Vec<u8>,
    pub restart: Vec<u8>,
    pub stop: Vec<u8>,
}

impl Default for Controls {
    fn default() -> Controls {
        Controls {
            forward: b"#".to_vec(),
            reverse: b"*".to_vec(),
            pause: b"0".to_vec(),
            restart: b"2".to_vec(),
            stop: b"13456789".to_vec(),
        }
    }
}

/// What `VoiceMailMain` says and does around each message: `[general]`'s flags, which a
/// mailbox's options override (`populate_defaults`, `apply_option`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// `envelope`: the date and time before a message.
    pub envelope: bool,
    /// `saycid`: who left it.
    pub saycid: bool,
    /// `sayduration`: how long it is, when it is `saydurationm` minutes or more.
    pub sayduration: bool,
    pub saydurationm: i64,
    /// `messagewrap`: `4` at the first message goes to the last, `6` at the last to the
    /// first.
    pub messagewrap: bool,
    /// `moveheard`: messages heard in INBOX move to Old when the folder is closed.
    pub moveheard: bool,
    /// `nextaftercmd`: the next message plays after a delete (the mailbox's) or a save
    /// (`[general]`'s).
    pub nextaftercmd: bool,
}

impl Default for Listen {
    fn default() -> Listen {
        Listen {
            envelope: true,
            saycid: false,
            sayduration: true,
            saydurationm: 2,
            messagewrap: false,
            moveheard: true,
            nextaftercmd: false,
        }
    }
}

/// `[general]`'s settings of the e-mail and the page a new message sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    /// `serveremail`: the sender, `@` and the host name added when it has no `@`.
    pub serveremail: Vec<u8>,
    pub fromstring: Vec<u8>,
    pub pagerfromstring: Vec<u8>,
    /// Templates, their `\n`, `\t`, `\r`, `\\` already turned into what they stand for.
    pub emailsubject: Option<Vec<u8>>,
    pub emailbody: Option<Vec<u8>>,
    pub pagersubject: Option<Vec<u8>>,
    pub pagerbody: Option<Vec<u8>>,
    pub emaildateformat: Vec<u8>,
    pub pagerdateformat: Vec<u8>,
    /// `mailcmd`: reads the message on its standard input.
    pub mailcmd: Vec<u8>,
    pub attach: bool,
    pub charset: Vec<u8>,
    /// `pbxskip`: no `[PBX]: ` before the subject.
    pub pbxskip: bool,
    /// `externnotify`: run as `CMD context mailbox new old urgent`.
    pub externnotify: Vec<u8>,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            serveremail: b"asterisk".to_vec(),
            fromstring: Vec::new(),
            pagerfromstring: Vec::new(),
            emailsubject: None,
            emailbody: None,
            pagersubject: None,
            pagerbody: None,
            emaildateformat: b"%A, %B %d, %Y at %r".to_vec(),
            pagerdateformat: b"%A, %B %d, %Y at %r".to_vec(),
            mailcmd: b"/usr/sbin/sendmail -t".to_vec(),
            attach: true,
            charset: b"ISO-8859-1".to_vec(),
            pbxskip: false,
            externnotify: Vec::new(),
        }
    }
}

impl Default for General {
    fn default() -> Self {
        General {
            formats: vec!["wav".into()],
            maxsecs: 0,
            minsecs: 0,
            maxsilence_ms: 0,
            silence_threshold: 256,
            maxmsg: MAXMSG,
            review: false,
            operator: false,
            leaveurgent: true,
            exitcontext: Vec::new(),
            searchcontexts: false,
            tz: Vec::new(),
            locale: Vec::new(),
            aliasescontext: Vec::new(),
            notify: Notify::default(),
            zones: Vec::new(),
            listen: Listen::default(),
            maxlogins: 3,
            skipms: 3000,
            maxgreet: 0,
            vm_login: b"vm-login".to_vec(),
            vm_password: b"vm-password".to_vec(),
            controls: Controls::default(),
            cidinternalcontexts: Vec::new(),
        }
    }
}

/// `MAXMSG`: a folder's messages when `maxmsg` is not given or is negative.
pub const MAXMSG: u32 = 100;
/// `MAXMSGLIMIT`: the most `maxmsg` can be, and the highest message number plus one.
pub const MAXMSGLIMIT: u32 = 9999;

/// One mailbox (`struct ast_vm_user`), its settings resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub context: Vec<u8>,
    pub mailbox: Vec<u8>,
    pub password: Vec<u8>,
    pub fullname: Vec<u8>,
    /// `None` when the line has no third field (VM_INFO's `email` is then empty).
    pub email: Option<Vec<u8>>,
    pub pager: Vec<u8>,
    pub review: bool,
    pub operator: bool,
    pub leaveurgent: bool,
    /// `vmu->exit`: the mailbox's `exitcontext`, else `[general]`'s.
    pub exit: Vec<u8>,
    pub minsecs: u32,
    pub maxsecs: u32,
    pub maxmsg: u32,
    pub language: Vec<u8>,
    pub tz: Vec<u8>,
    pub locale: Vec<u8>,
    /// The mailbox's own `serveremail`, `fromstring`, `emailsubject`, `emailbody` (each
    /// over `[general]`'s when given).
    pub serveremail: Vec<u8>,
    pub fromstring: Vec<u8>,
    pub emailsubject: Option<Vec<u8>>,
    pub emailbody: Option<Vec<u8>>,
    /// `attach`: the recording goes with the e-mail (`[general]`'s by default).
    pub attach: bool,
    /// `attachfmt`: which recorded format is attached.
    pub attachfmt: Vec<u8>,
    /// `delete`: the message is deleted once it is notified of.
    pub delete: bool,
    pub listen: Listen,
}

/// voicemail.conf, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub general: General,
    mailboxes: Vec<Mailbox>,
    /// What app_voicemail.c logs while reading it, each line with its level
    /// (`WARNING: …`).
    pub log: Vec<String>,
}

impl Config {
    /// Reads the settings of voicemail.conf, (section, name, value) in file order for every
    /// section that is not a template, a section repeated further down included (as
    /// [`crate::every_setting`] gives them): `load_users` browses every category, while
    /// `[general]` is read from the first one of that name (`ast_variable_retrieve`). A run
    /// of settings of one section name is one section.
    pub fn from_settings<'a>(
        settings: impl IntoIterator<Item = (&'a [u8], &'a [u8], &'a [u8])>,
    ) -> Config {
        let settings: Vec<_> = settings.into_iter().collect();
        let mut config = Config::default();
        let general: Vec<(&[u8], &[u8])> = settings
            .iter()
            .skip_while(|(section, _, _)| !section.eq_ignore_ascii_case(b"general"))
            .take_while(|(section, _, _)| section.eq_ignore_ascii_case(b"general"))
            .map(|&(_, name, value)| (name, value))
            .collect();
        config.read_general(&general);
        // `[zonemessages]`: `name => zone|format` (or `zone,format`).
        for &(section, name, value) in &settings {
            if section.eq_ignore_ascii_case(b"zonemessages") {
                // `strsep(&v, "|,")`: at the first of either.
                let cut = value.iter().position(|&c| c == b'|' || c == b',');
                match cut {
                    Some(cut) => config.general.zones.push((
                        name.to_vec(),
                        value[..cut].to_vec(),
                        value[cut + 1..].to_vec(),
                    )),
                    None => {
                        config.warn(format!("Invalid timezone definition for '{}'", text(name)))
                    }
                }
            }
        }
        for &(section, name, value) in &settings {
            let skipped = section.eq_ignore_ascii_case(b"general")
                || section.eq_ignore_ascii_case(b"zonemessages")
                || (!config.general.aliasescontext.is_empty()
                    && section.eq_ignore_ascii_case(&config.general.aliasescontext));
            if !skipped {
                config.append_mailbox(section, name, value);
            }
        }
        config
    }

    /// `find_user`: a mailbox by name in `context` (`default` when none is given), names
    /// compared without case. With `searchcontexts` the context is not looked at at all,
    /// given or not (a name is then unique: a second one is refused as it is read).
    pub fn find(&self, context: Option<&[u8]>, mailbox: &[u8]) -> Option<&Mailbox> {
        let context = match context {
            _ if self.general.searchcontexts => None,
            Some(c) => Some(c),
            None => Some(&b"default"[..]),
        };
        self.mailboxes.iter().find(|m| {
            m.mailbox.eq_ignore_ascii_case(mailbox)
                && context.is_none_or(|c| m.context.eq_ignore_ascii_case(c))
        })
    }

    pub fn mailboxes(&self) -> &[Mailbox] {
        &self.mailboxes
    }

    /// The format the date before a message is said in, from the mailbox's `[zonemessages]`
    /// entry; `None` when it has none (the default format then, in the server's zone).
    pub fn zone_format(&self, mailbox: &Mailbox) -> Option<&[u8]> {
        self.general
            .zones
            .iter()
            .rev()
            .find(|(name, _, _)| !mailbox.tz.is_empty() && name == &mailbox.tz)
            .map(|(_, _, format)| format.as_slice())
    }

    /// The Olson zone a mailbox's dates are written in: its `tz=` names a `[zonemessages]`
    /// entry (`vmu_tm`); empty is the system's.
    pub fn zone(&self, mailbox: &Mailbox) -> &[u8] {
        // Each entry goes to the head of C's list: the last of a name is found.
        self.general
            .zones
            .iter()
            .rev()
            .find(|(name, _, _)| !mailbox.tz.is_empty() && name == &mailbox.tz)
            .map_or(&[][..], |(_, zone, _)| zone)
    }

    /// `substitute_escapes`: `\\`, `\r`, `\n`, `\t`; any other escaped character goes with
    /// its backslash, and a notice.
    fn escapes(&mut self, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(value.len());
        let mut bytes = value.iter();
        while let Some(&c) = bytes.next() {
            if c != b'\\' {
                out.push(c);
                continue;
            }
            match bytes.next() {
                Some(b'\\') => out.push(b'\\'),
                Some(b'r') => out.push(b'\r'),
                Some(b'n') => out.push(b'\n'),
                Some(b't') => out.push(b'\t'),
                Some(&other) => self.log.push(format!(
                    "NOTICE: Substitution routine does not support this character: \\{}",
                    char::from(other)
                )),
                None => {
                    self.log
                        .push("NOTICE: Incomplete escape at end of value.".into());
                    break;
                }
            }
        }
        out
    }

    /// A `maxmsg` value (`shown` as the warnings quote it): 0 is greetings only, a negative
    /// one is the default, more than the limit is the limit.
    fn maxmsg(&mut self, value: &[u8], shown: String) -> u32 {
        let n = atoi(value);
        if n < 0 {
            self.warn(format!(
                "Invalid number of messages per folder {shown}. Using default value {MAXMSG}"
            ));
            MAXMSG
        } else if n > i64::from(MAXMSGLIMIT) {
            self.warn(format!(
                "Maximum number of messages per folder is {MAXMSGLIMIT}. Cannot accept value {shown}"
            ));
            MAXMSGLIMIT
        } else {
            n as u32
        }
    }

    fn warn(&mut self, line: String) {
        self.log.push(format!("WARNING: {line}"));
    }

    fn read_general(&mut self, settings: &[(&[u8], &[u8])]) {
        // `ast_variable_retrieve`: the last of a name (a section's own value after the one
        // its template gave).
        let get = |key: &str| {
            settings
                .iter()
                .rev()
                .find(|(name, _)| name.eq_ignore_ascii_case(key.as_bytes()))
                .map(|&(_, value)| value)
        };
        let mut general = General::default();
        if let Some(v) = get("maxsilence") {
            let seconds = atoi(v);
            general.maxsilence_ms = if seconds > 0 {
                seconds.saturating_mul(1000) as u32
            } else {
                0
            };
        }
        if let Some(v) = get("maxmsg") {
            general.maxmsg = self.maxmsg(v, format!("'{}'", text(v)));
        }
        if let Some(v) = get("silencethreshold") {
            general.silence_threshold = atoi(v) as i32;
        }
        if let Some(v) = get("maxsecs") {
            match scan_int(v) {
                Some(n) => general.maxsecs = n.max(0) as u32,
                None => self.warn("Invalid max message time length".into()),
            }
        }
        if let Some(v) = get("minsecs") {
            match scan_int(v) {
                Some(n) => {
                    general.minsecs = n.max(0) as u32;
                    if i64::from(general.maxsilence_ms / 1000) >= n {
                        self.warn(
                            "maxsilence should be less than minsecs or you may get empty messages"
                                .into(),
                        );
                    }
                }
                None => self.warn("Invalid min message time length".into()),
            }
        }
        if let Some(v) = get("format") {
            let mut formats: Vec<String> = Vec::new();
            for name in text(v).split('|').map(str::trim).filter(|f| !f.is_empty()) {
                // Names are file extensions, compared as `exts_compare` does (`WAV` is
                // wav49, not wav).
                if !formats.iter().any(|f| f == name) {
                    formats.push(name.to_string());
                }
            }
            if formats.is_empty() {
                self.log.push(
                    "ERROR: Error processing format string, defaulting to format 'wav'".into(),
                );
                formats.push("wav".into());
            }
            general.formats = formats;
        }
        let flag = |key: &str, default: bool| get(key).map_or(default, crate::is_true);
        general.review = flag("review", false);
        general.operator = flag("operator", false);
        general.leaveurgent = flag("leaveurgent", true);
        general.searchcontexts = flag("searchcontexts", false);
        let string = |key: &str| get(key).map(<[u8]>::to_vec).unwrap_or_default();
        general.exitcontext = string("exitcontext");
        general.tz = string("tz");
        general.locale = string("locale");
        general.aliasescontext = string("aliasescontext");
        let listen = &mut general.listen;
        listen.envelope = flag("envelope", true);
        listen.saycid = flag("saycid", false);
        listen.sayduration = flag("sayduration", true);
        listen.messagewrap = flag("messagewrap", false);
        listen.moveheard = flag("moveheard", true);
        listen.nextaftercmd = flag("nextaftercmd", false);
        // `sscanf("%30d")`, a warning and the default when it reads no number.
        for (key, target, warning) in [
            (
                "saydurationm",
                &mut listen.saydurationm,
                "Invalid min duration for say duration",
            ),
            (
                "maxlogins",
                &mut general.maxlogins,
                "Invalid max failed login attempts",
            ),
            ("skipms", &mut general.skipms, "Invalid skipms value"),
            (
                "maxgreet",
                &mut general.maxgreet,
                "Invalid max message greeting length",
            ),
        ] {
            if let Some(v) = get(key) {
                match scan_int(v) {
                    Some(n) => *target = n,
                    None => self.log.push(format!("WARNING: {warning}")),
                }
            }
        }
        for (key, prompt) in [
            ("vm-login", &mut general.vm_login),
            ("vm-password", &mut general.vm_password),
        ] {
            if let Some(v) = get(key) {
                *prompt = v.to_vec();
            }
        }
        let controls = &mut general.controls;
        for (key, keys) in [
            ("listen-control-forward-key", &mut controls.forward),
            ("listen-control-reverse-key", &mut controls.reverse),
            ("listen-control-pause-key", &mut controls.pause),
            ("listen-control-restart-key", &mut controls.restart),
            ("listen-control-stop-key", &mut controls.stop),
        ] {
            if let Some(v) = get(key) {
                // `is_valid_dtmf`: digits, `*` and `#` only.
                match v.iter().find(|c| !b"1234567890*#".contains(c)) {
                    None => *keys = v.to_vec(),
                    Some(&bad) => self.log.push(format!(
                        "WARNING: Invalid DTMF key \"{}\" used in voicemail configuration file",
                        char::from(bad)
                    )),
                }
            }
        }
        if let Some(v) = get("cidinternalcontexts") {
            // Ten at most, split on `,`, blanks in front of each dropped.
            let mut rest = Some(v);
            for _ in 0..10 {
                let Some(r) = rest.filter(|r| !r.is_empty()) else {
                    break;
                };
                let (context, after) = match r.iter().position(|&c| c == b',') {
                    Some(i) => (&r[..i], Some(&r[i + 1..])),
                    None => (r, None),
                };
                let start = context
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                general.cidinternalcontexts.push(context[start..].to_vec());
                rest = after;
            }
        }
        let notify = &mut general.notify;
        if let Some(v) = get("serveremail") {
            notify.serveremail = v.to_vec();
        }
        notify.fromstring = string("fromstring");
        notify.pagerfromstring = string("pagerfromstring");
        for (key, format) in [
            ("emaildateformat", &mut notify.emaildateformat),
            ("pagerdateformat", &mut notify.pagerdateformat),
            ("mailcmd", &mut notify.mailcmd),
            ("charset", &mut notify.charset),
        ] {
            if let Some(v) = get(key) {
                *format = v.to_vec();
            }
        }
        notify.attach = flag("attach", true);
        notify.pbxskip = flag("pbxskip", false);
        notify.externnotify = string("externnotify");
        let templates = ["emailsubject", "emailbody", "pagersubject", "pagerbody"]
            .map(|key| get(key).map(|v| self.escapes(v)));
        let [emailsubject, emailbody, pagersubject, pagerbody] = templates;
        general.notify.emailsubject = emailsubject;
        general.notify.emailbody = emailbody;
        general.notify.pagersubject = pagersubject;
        general.notify.pagerbody = pagerbody;
        self.general = general;
    }

    /// `append_mailbox` (with `find_or_create` and `populate_defaults`).
    fn append_mailbox(&mut self, context: &[u8], name: &[u8], value: &[u8]) {
        if name.first() == Some(&b'*') {
            self.warn(format!(
                "Mailbox {} in context {} begins with '*' character.  The '*' character,\n\twhen it is the first character in a mailbox or password, is used to jump to a\n\tpredefined extension 'a'.  A mailbox or password beginning with '*' is not valid\n\tand will be ignored.",
                text(name),
                text(context)
            ));
            return;
        }
        let searching = self.general.searchcontexts;
        if let Some(other) = self
            .mailboxes
            .iter()
            .find(|m| {
                m.mailbox.eq_ignore_ascii_case(name)
                    && (searching || m.context.eq_ignore_ascii_case(context))
            })
            .map(|m| m.context.clone())
        {
            if searching {
                if !other.eq_ignore_ascii_case(context) {
                    self.warn(format!(
                        "\nIt has been detected that you have defined mailbox '{}' in separate\n\tcontexts and that you have the 'searchcontexts' option on. This type of\n\tconfiguration creates an ambiguity that you likely do not want. Please\n\tamend your voicemail.conf file to avoid this situation.",
                        text(name)
                    ));
                }
                self.warn(format!("Ignoring duplicated mailbox {}", text(name)));
            } else {
                self.warn(format!(
                    "Ignoring duplicated mailbox {} in context {}",
                    text(name),
                    text(context)
                ));
            }
            return;
        }
        let general = &self.general;
        let mut mailbox = Mailbox {
            context: context.to_vec(),
            mailbox: name.to_vec(),
            review: general.review,
            operator: general.operator,
            leaveurgent: general.leaveurgent,
            exit: general.exitcontext.clone(),
            minsecs: general.minsecs,
            maxsecs: general.maxsecs,
            maxmsg: general.maxmsg,
            tz: general.tz.clone(),
            locale: general.locale.clone(),
            attach: general.notify.attach,
            listen: general.listen.clone(),
            ..Default::default()
        };
        // strsep on `,` for the first four fields; the rest is the options.
        let mut rest = Some(value);
        let mut field = || -> Option<&[u8]> {
            let r = rest?;
            match r.iter().position(|&c| c == b',') {
                Some(i) => {
                    rest = Some(&r[i + 1..]);
                    Some(&r[..i])
                }
                None => {
                    rest = None;
                    Some(r)
                }
            }
        };
        if let Some(password) = field() {
            if password.first() == Some(&b'*') {
                self.log.push(format!(
                    "WARNING: Invalid password detected for mailbox {}.  The password\n\tmust be reset in voicemail.conf.",
                    text(name)
                ));
            }
            mailbox.password = password.to_vec();
        }
        if let Some(fullname) = field() {
            mailbox.fullname = fullname.to_vec();
        }
        if let Some(email) = field() {
            mailbox.email = Some(email.to_vec());
        }
        if let Some(pager) = field() {
            mailbox.pager = pager.to_vec();
        }
        if let Some(options) = rest {
            self.apply_options(&mut mailbox, options);
        }
        self.mailboxes.push(mailbox);
    }

    /// `apply_options`: `key=value` pairs split on `|`; a pair without `=` is ignored.
    fn apply_options(&mut self, mailbox: &mut Mailbox, options: &[u8]) {
        for pair in options.split(|&c| c == b'|') {
            if let Some(eq) = pair.iter().position(|&c| c == b'=') {
                self.apply_option(mailbox, &pair[..eq], &pair[eq + 1..]);
            }
        }
    }

    /// `apply_option`, for the settings leaving a message and VM_INFO read.
    fn apply_option(&mut self, mailbox: &mut Mailbox, key: &[u8], value: &[u8]) {
        let key = text(key).to_ascii_lowercase();
        let general_minsecs = self.general.minsecs;
        let general_maxsecs = self.general.maxsecs;
        match key.as_str() {
            "review" => mailbox.review = crate::is_true(value),
            "leaveurgent" => mailbox.leaveurgent = crate::is_true(value),
            "operator" => mailbox.operator = crate::is_true(value),
            "exitcontext" => mailbox.exit = value.to_vec(),
            "language" => mailbox.language = value.to_vec(),
            "tz" => mailbox.tz = value.to_vec(),
            "serveremail" => mailbox.serveremail = value.to_vec(),
            "fromstring" => mailbox.fromstring = value.to_vec(),
            "emailsubject" => mailbox.emailsubject = Some(self.escapes(value)),
            "emailbody" => mailbox.emailbody = Some(self.escapes(value)),
            "attach" => mailbox.attach = crate::is_true(value),
            "attachfmt" => mailbox.attachfmt = value.to_vec(),
            "delete" | "deletevoicemail" => mailbox.delete = crate::is_true(value),
            "locale" => mailbox.locale = value.to_vec(),
            "envelope" => mailbox.listen.envelope = crate::is_true(value),
            "saycid" => mailbox.listen.saycid = crate::is_true(value),
            "sayduration" => mailbox.listen.sayduration = crate::is_true(value),
            "messagewrap" => mailbox.listen.messagewrap = crate::is_true(value),
            "moveheard" => mailbox.listen.moveheard = crate::is_true(value),
            "nextaftercmd" => mailbox.listen.nextaftercmd = crate::is_true(value),
            "saydurationm" => match scan_int(value) {
                Some(n) => mailbox.listen.saydurationm = n,
                None => self.warn("Invalid min duration for say duration".into()),
            },
            "minsecs" => match scan_int(value) {
                Some(n) if n >= 0 => mailbox.minsecs = n.min(i64::from(u32::MAX)) as u32,
                _ => {
                    self.warn(format!(
                        "Invalid min message length of {}. Using global value {general_minsecs}",
                        text(value)
                    ));
                    mailbox.minsecs = general_minsecs;
                }
            },
            "maxsecs" => {
                let n = atoi(value);
                if n <= 0 {
                    self.warn(format!(
                        "Invalid max message length of {}. Using global value {general_maxsecs}",
                        text(value)
                    ));
                    mailbox.maxsecs = general_maxsecs;
                } else {
                    mailbox.maxsecs = n.min(i64::from(u32::MAX)) as u32;
                }
            }
            "maxmsg" => mailbox.maxmsg = self.maxmsg(value, format!("maxmsg={}", text(value))),
            "options" => {
                let nested = value.to_vec();
                self.apply_options(mailbox, &nested);
            }
            _ => {}
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `sscanf("%30d")`: leading blanks, a sign, digits; `None` without a digit. Saturates
/// where C's `int` would not fit (the values are seconds and counts).
fn scan_int(s: &[u8]) -> Option<i64> {
    let s = s.trim_ascii_start();
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits: Vec<u8> = digits
        .iter()
        .take(30)
        .take_while(|c| c.is_ascii_digit())
        .copied()
        .collect();
    if digits.is_empty() {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |n, &d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    let n = if negative { -magnitude } else { magnitude };
    Some(n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)))
}

/// `atoi`: [`scan_int`], 0 without a digit.
fn atoi(s: &[u8]) -> i64 {
    scan_int(s).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(file: &str) -> Config {
        // Every section in order, as the configuration reader gives them.
        let mut section = String::new();
        let mut settings: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = Vec::new();
        for line in file.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(name) = line.strip_prefix('[') {
                section = name.trim_end_matches(']').to_string();
            } else {
                let (name, value) = line
                    .split_once("=>")
                    .or_else(|| line.split_once('='))
                    .unwrap();
                settings.push((
                    section.clone().into_bytes(),
                    name.trim().as_bytes().to_vec(),
                    value.trim().as_bytes().to_vec(),
                ));
            }
        }
        Config::from_settings(
            settings
                .iter()
                .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
        )
    }

    #[test]
    fn defaults_are_the_codes_not_the_sample_files() {
        let config = read("[default]\n100 => 1234,Alice\n");
        let general = &config.general;
        assert_eq!(general.formats, ["wav"]);
        assert_eq!(
            (general.maxsecs, general.minsecs, general.maxsilence_ms),
            (0, 0, 0)
        );
        assert_eq!((general.silence_threshold, general.maxmsg), (256, 100));
        assert!(!general.review && !general.operator && general.leaveurgent);
        let alice = config.find(None, b"100").unwrap();
        assert_eq!(alice.fullname, b"Alice");
        assert_eq!(alice.email, None, "no third field: no e-mail at all");
        assert!(config.log.is_empty());
    }

    #[test]
    fn a_mailbox_takes_general_then_its_own_options_split_on_bars() {
        let config = read(
            "[general]
             maxsecs = 120
             minsecs = 3
             maxsilence = 2
             operator = yes
             exitcontext = from-vm
             format = wav49|gsm|wav|WAV|wav
             [sales]
             200 => 4242,Bob,bob@example.com,,maxsecs=30|operator=no|exitcontext=front
             201 => 4243,Carol,carol@example.com,,review=yes,operator=no
            ",
        );
        assert_eq!(config.general.formats, ["wav49", "gsm", "wav", "WAV"]);
        assert_eq!(config.general.maxsilence_ms, 2000);
        let bob = config.find(Some(b"SALES"), b"200").unwrap();
        assert_eq!((bob.maxsecs, bob.minsecs), (30, 3));
        assert!(!bob.operator);
        assert_eq!(bob.exit, b"front");
        // A comma in the options belongs to the value: `review` is "yes,operator=no",
        // not true, and operator stays general's.
        let carol = config.find(Some(b"sales"), b"201").unwrap();
        assert!(!carol.review && carol.operator);
        assert_eq!(carol.exit, b"from-vm");
        assert_eq!(carol.email.as_deref(), Some(&b"carol@example.com"[..]));
        // Not in `default`, and contexts are not searched.
        assert!(config.find(None, b"200").is_none());
    }

    #[test]
    fn duplicates_stars_and_bad_numbers_are_warned_about() {
        let config = read(
            "[general]
             maxmsg = -4
             minsecs = x
             [default]
             *9 => 1
             100 => 1,First
             100 => 2,Second
             101 => *1,Starred,,,maxmsg=0|maxsecs=-1
             [zonemessages]
             eastern => America/New_York|'vm-received' Q 'digits/at' IMp
            ",
        );
        assert_eq!(config.general.maxmsg, 100);
        assert_eq!(config.find(None, b"100").unwrap().fullname, b"First");
        assert!(config.find(None, b"*9").is_none());
        let starred = config.find(None, b"101").unwrap();
        assert_eq!((starred.maxmsg, starred.maxsecs), (0, 0));
        assert!(config.find(Some(b"zonemessages"), b"eastern").is_none());
        let log = config.log.join("\n");
        for expected in [
            "Invalid number of messages per folder '-4'. Using default value 100",
            "Invalid min message time length",
            "Mailbox *9 in context default begins with '*'",
            "Ignoring duplicated mailbox 100 in context default",
            "Invalid password detected for mailbox 101",
            "Invalid max message length of -1. Using global value 0",
        ] {
            assert!(log.contains(expected), "{expected:?} not in:\n{log}");
        }
    }

    #[test]
    fn a_section_repeated_further_down_adds_mailboxes_and_general_takes_the_last_value() {
        let config = read(
            "[general]
             maxsecs = 10
             maxsecs = 20
             [default]
             100 => 1,First
             [other]
             100 => 2,Other
             [default]
             101 => 3,Later
             100 => 4,Again
             [general]
             maxsecs = 30
            ",
        );
        assert_eq!(
            config.general.maxsecs, 20,
            "only the first [general] is read"
        );
        assert_eq!(config.find(None, b"101").unwrap().fullname, b"Later");
        assert_eq!(config.find(None, b"100").unwrap().fullname, b"First");
        assert_eq!(
            config.find(Some(b"other"), b"100").unwrap().fullname,
            b"Other"
        );
        assert_eq!(
            config.log,
            ["WARNING: Ignoring duplicated mailbox 100 in context default"]
        );
    }

    #[test]
    fn searchcontexts_finds_a_bare_mailbox_anywhere_and_keeps_the_first() {
        let config = read(
            "[general]
             searchcontexts = yes
             [one]
             300 => 1,In one
             [two]
             300 => 1,In two
             301 => 1,Only two
            ",
        );
        assert_eq!(config.find(None, b"301").unwrap().context, b"two");
        assert_eq!(config.find(None, b"300").unwrap().fullname, b"In one");
        // The context given is not looked at.
        assert_eq!(
            config.find(Some(b"two"), b"300").unwrap().fullname,
            b"In one"
        );
        assert_eq!(
            config.find(Some(b"nowhere"), b"301").unwrap().context,
            b"two"
        );
        assert!(
            config
                .log
                .iter()
                .any(|l| l.contains("defined mailbox '300' in separate"))
        );
    }
}
