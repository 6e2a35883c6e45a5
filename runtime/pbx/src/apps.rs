//! The applications that do I/O, run on a call's thread against the channel API: what the
//! engine hands to its [`pbx_engine::Channel`] because it only moves calls and variables.
//!
//! Each one follows its Asterisk module in what it answers, sets and returns; where it
//! waits, it waits on the channel's [`crate::channel::Signal`] for a key, a hang-up or the
//! end of a stream.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pbx_engine::AppResult;
use pbx_engine::args::{has_option, standard, timelen_ms};
use pbx_engine::vars::Variables;
use pbx_media::sound::Sound;

use crate::channel::{Cause, Channel, Inbound, Indication, State, lock};
use crate::media::Source;
use crate::pbx::{CallRecord, Pbx};
use crate::program::Program;

/// The engine's view of a call's channel inside the running PBX.
pub(crate) struct CallIo<'a> {
    pub pbx: &'a Arc<Pbx>,
    pub chan: &'a Arc<Channel>,
    /// The dialplan generation this run started on.
    pub generation: u64,
    pub program: &'a Arc<Program>,
    pub record: &'a Mutex<CallRecord>,
    /// Where the call goes after the application that set it (Dial's `G`, a transfer).
    pub jump: Option<Vec<u8>>,
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The stream ended or the time ran out.
    Done,
    Key(u8),
    HungUp,
}

impl pbx_engine::Channel for CallIo<'_> {
    fn name(&self) -> &[u8] {
        self.chan.name.as_bytes()
    }

    fn with_shared(
        &mut self,
        channel: Option<&[u8]>,
        f: &mut dyn FnMut(&mut pbx_engine::shared::SharedVariables),
    ) -> bool {
        let Some(wanted) = channel else {
            f(&mut crate::channel::lock(&self.chan.shared));
            return true;
        };
        // The best naming wins: an exact name over a unique ID over a name prefix. This
        // channel is registered too.
        let other = self
            .pbx
            .registered_channels()
            .into_iter()
            .filter_map(|c| {
                let how =
                    pbx_engine::shared::naming(wanted, c.name.as_bytes(), c.unique_id.as_bytes())?;
                Some((how, c))
            })
            .min_by_key(|(how, _)| *how)
            .map(|(_, c)| c);
        match other {
            Some(chan) => {
                f(&mut crate::channel::lock(&chan.shared));
                true
            }
            None => false,
        }
    }

    fn callerid_set(&mut self, name: Option<&[u8]>, number: Option<&[u8]>) {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        *lock(&self.chan.dialplan_callerid) = Some((name.map(text), number.map(text)));
    }

    fn hangup_logic_starts(&mut self) {
        self.chan.set_hangup_exec();
    }

    fn cdr_property(&self, name: &str) -> Option<Vec<u8>> {
        let cdr = crate::channel::lock(&self.chan.cdr);
        cdr.as_ref()?
            .property(name, pbx_cdr::Timestamp::now())
            .map(String::into_bytes)
    }

    /// Every other channel runs its dialplan on its own thread, its variables with it:
    /// found, it is out of reach.
    fn with_channel(
        &mut self,
        wanted: &[u8],
        _f: &mut dyn FnMut(&mut pbx_engine::Call, &mut dyn pbx_engine::Channel),
    ) -> pbx_engine::Reach {
        let other = self.pbx.registered_channels().into_iter().find(|c| {
            c.name != self.chan.name
                && pbx_engine::shared::is_named(wanted, c.name.as_bytes(), c.unique_id.as_bytes())
        });
        match other {
            Some(chan) => pbx_engine::Reach::Unreachable(chan.name.clone().into_bytes()),
            None => pbx_engine::Reach::NotFound,
        }
    }

    fn shell(&mut self, command: &[u8]) -> Option<std::io::Result<Vec<u8>>> {
        Some(crate::shell::run(command))
    }

    fn cdr_command(&mut self, command: pbx_engine::CdrCommand) -> bool {
        let mut cdr = crate::channel::lock(&self.chan.cdr);
        let Some(chain) = cdr.as_mut() else {
            return false;
        };
        command.apply(chain, pbx_cdr::Timestamp::now())
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        if MEDIA_APPS.contains(&app) && !self.pbx.module_running("app_media") {
            tracing::warn!("No application '{app}': app_media is unloaded");
            return AppResult::Hangup;
        }
        let args = standard(data, 8);
        let arg = |i: usize| -> String {
            args.get(i)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .unwrap_or_default()
        };
        match app {
            "Answer" => {
                self.chan.answer();
                AppResult::Continue
            }
            "Progress" => {
                self.chan.indicate(Indication::Progress);
                AppResult::Continue
            }
            "Ringing" => {
                self.chan.indicate(Indication::Ringing);
                if self.chan.state() != State::Up {
                    self.chan.set_state(State::Ringing);
                }
                AppResult::Continue
            }
            "Busy" | "Congestion" => {
                let (indication, cause) = if app == "Busy" {
                    (Indication::Busy, Cause::USER_BUSY)
                } else {
                    (Indication::Congestion, Cause::CONGESTION)
                };
                self.chan.indicate(indication);
                if self.chan.state() != State::Up {
                    self.chan.set_state(State::Busy);
                }
                // app_dial.c's busy/congestion wait for the caller to hang up, or the time
                // given, then fail the call.
                let wait = timelen_ms(arg(0).as_bytes(), 1000).filter(|&ms| ms > 0);
                self.wait(
                    wait.map(|ms| Duration::from_millis(ms as u64)),
                    &|_| false,
                    None,
                );
                self.chan.hangup(cause);
                AppResult::Hangup
            }
            "Wait" => {
                let ms = parse_seconds(&arg(0)).unwrap_or(0);
                match self.wait(Some(Duration::from_millis(ms)), &|_| false, None) {
                    Wake::HungUp => AppResult::Hangup,
                    _ => AppResult::Continue,
                }
            }
            "Playback" => self.playback(&arg(0), &arg(1), vars),
            "BackGround" => self.background(&arg(0), &arg(1), &arg(3), vars),
            "Read" => self.read(&args, vars),
            "SayDigits" => self.say(pbx_media::say::digits(&arg(0))),
            "SayAlpha" => self.say(pbx_media::say::alpha(&arg(0))),
            "SayNumber" => match arg(0)
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(pbx_media::say::number)
            {
                Some(files) => self.say(files),
                None => {
                    tracing::warn!("SayNumber: '{}' is not a number", arg(0));
                    AppResult::Continue
                }
            },
            "Echo" => self.echo(),
            "Milliwatt" => self.tone(pbx_media::tone::Tone::milliwatt(), None),
            "PlayTones" => match pbx_media::tone::Tone::parse(&arg(0)) {
                // PlayTones starts the tone and returns at once; StopPlayTones ends it.
                Ok(tone) => {
                    let playing = self.pbx.media.play(self.chan.clone(), Source::Tone(tone));
                    // A new tone replaces the one playing.
                    if let Some(before) = lock(self.record).tones.replace(playing) {
                        before.stop();
                    }
                    AppResult::Continue
                }
                Err(e) => {
                    tracing::warn!("PlayTones: {e}");
                    AppResult::Continue
                }
            },
            "StopPlayTones" => {
                if let Some(playing) = lock(self.record).tones.take() {
                    playing.stop();
                }
                AppResult::Continue
            }
            // play_moh_exec: whole seconds (`%30d`); none, zero or less is until the
            // hang-up, and a duration that is not a number is warned about.
            "MusicOnHold" => {
                let duration = arg(1);
                let seconds = if duration.is_empty() {
                    None
                } else {
                    match pbx_engine::args::scan_c_int(duration.as_bytes()) {
                        Some(n) => Some(n),
                        None => {
                            tracing::warn!(
                                "Invalid MusicOnHold duration '{duration}'. Will wait indefinitely."
                            );
                            None
                        }
                    }
                };
                let duration = seconds
                    .filter(|&s| s > 0)
                    .map(|s| Duration::from_millis(u64::from(s.unsigned_abs()) * 1000));
                self.music_on_hold(&arg(0), duration)
            }
            "Record" => self.record(&args, vars),
            "Dial" if self.pbx.module_running("app_dial") => crate::dial::dial(self, data, vars),
            _ => {
                // Asterisk without the module that registers it: the priority fails and the
                // call ends.
                tracing::warn!(
                    "No application '{app}' in this runtime; {} hangs up",
                    self.chan.name
                );
                AppResult::Hangup
            }
        }
    }

    fn wait_digit(&mut self, timeout_ms: u32) -> Option<u8> {
        match self.wait(
            Some(Duration::from_millis(u64::from(timeout_ms))),
            &|_| true,
            None,
        ) {
            Wake::Key(k) => Some(k),
            _ => None,
        }
    }

    fn hung_up(&self) -> bool {
        self.chan.is_hung_up()
    }

    fn hangup_cause(&self) -> i32 {
        self.chan.hangupcause()
    }

    fn absolute_timeout(&mut self, in_ms: Option<u64>) {
        let at = in_ms.and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms)));
        self.chan.set_timeout_at(at);
    }

    fn suspend_requested(&self) -> bool {
        self.pbx.generation() != self.generation
    }

    fn runs_local_offline(&self) -> bool {
        false
    }

    fn take_jump(&mut self) -> Option<Vec<u8>> {
        self.jump.take()
    }

    fn leave_voicemail(
        &mut self,
        leave: &pbx_engine::voicemail::Leave<'_>,
        vars: &mut Variables,
    ) -> pbx_engine::voicemail::Left {
        CallIo::leave_voicemail(self, leave, vars)
    }

    fn play_prompt(&mut self, name: &str, keys: bool) -> pbx_engine::voicemail::Prompted {
        use pbx_engine::voicemail::Prompted;
        match self.play(name, &|k| {
            keys && (k.is_ascii_digit() || matches!(k, b'#' | b'*' | b'A'..=b'D'))
        }) {
            Ok(Wake::Key(k)) => Prompted::Key(k),
            Ok(Wake::Done) => Prompted::Done,
            Ok(Wake::HungUp) | Err(()) => Prompted::Failed,
        }
    }

    fn voicemail_main(
        &mut self,
        session: &pbx_engine::voicemail::Session<'_>,
    ) -> pbx_engine::voicemail::SessionEnd {
        CallIo::voicemail_main(self, session)
    }

    /// `ast_app_getdata` with one prompt, and `ast_readstring`: a key during the prompt is
    /// the first; a prompt that cannot be played fails as a hang-up does.
    fn get_data(
        &mut self,
        prompt: &str,
        max: usize,
        first_ms: u32,
        next_ms: u32,
    ) -> Option<Vec<u8>> {
        let mut digits = Vec::new();
        let mut key = match self.play(prompt, &|_| true) {
            Ok(Wake::Key(k)) => Some(k),
            Ok(Wake::Done) => None,
            Ok(Wake::HungUp) | Err(()) => return None,
        };
        let mut wait_ms = first_ms;
        loop {
            let k = match key.take() {
                Some(k) => k,
                None => match self.wait(
                    Some(Duration::from_millis(u64::from(wait_ms))),
                    &|_| true,
                    None,
                ) {
                    Wake::Key(k) => k,
                    Wake::Done => return Some(digits),
                    Wake::HungUp => return None,
                },
            };
            if k == b'#' {
                return Some(digits);
            }
            digits.push(k);
            if digits.len() >= max {
                return Some(digits);
            }
            wait_ms = next_ms;
        }
    }

    fn attributes_set(&mut self, attributes: &pbx_engine::Attributes) {
        *lock(&self.chan.attributes) = attributes.clone();
    }

    fn start_hold(&mut self, class: &[u8]) {
        let class = String::from_utf8_lossy(class).into_owned();
        let files = self.moh_files(&class);
        if let Some(sound) = files.first() {
            let playing = self.pbx.media.play(
                self.chan.clone(),
                Source::Sound {
                    sound: sound.clone(),
                    position: 0,
                    repeat: true,
                },
            );
            if let Some(before) = lock(self.record).hold.replace(playing) {
                before.stop();
            }
        }
    }

    fn stop_hold(&mut self) {
        if let Some(playing) = lock(self.record).hold.take() {
            playing.stop();
        }
    }
}

const MEDIA_APPS: &[&str] = &[
    "Playback",
    "BackGround",
    "Read",
    "SayDigits",
    "SayAlpha",
    "SayNumber",
    "Echo",
    "Milliwatt",
    "PlayTones",
    "StopPlayTones",
    "MusicOnHold",
    "Record",
];

/// `Wait`'s argument: seconds, fractions allowed.
fn parse_seconds(s: &str) -> Option<u64> {
    let secs: f64 = s.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some((secs * 1000.0) as u64)
}

impl CallIo<'_> {
    /// Waits for a key `accept` takes, the end of `stream`, a hang-up or `timeout`.
    pub(crate) fn wait(
        &self,
        timeout: Option<Duration>,
        accept: &dyn Fn(u8) -> bool,
        stream: Option<&crate::media::Playing>,
    ) -> Wake {
        // A timeout past what the clock can count is none.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let seen = self.chan.signal.generation();
            // Past the absolute timeout too, as `ast_waitfor` ends there.
            if self.chan.must_stop() {
                return Wake::HungUp;
            }
            if let Some(key) = self.chan.take_dtmf_if(accept) {
                return Wake::Key(key);
            }
            if stream.is_some_and(|s| s.is_done()) {
                return Wake::Done;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Wake::Done;
            }
            self.chan.signal.wait(seen, self.chan.wake_by(deadline));
        }
    }

    fn find_sound(&self, name: &str) -> Option<Arc<Sound>> {
        let language = String::from_utf8_lossy(&lock(&self.chan.attributes).language).into_owned();
        match self.pbx.sounds.find(name, &language) {
            Ok(sound) => Some(sound),
            Err(e) => {
                tracing::warn!(
                    "ast_streamfile failed on {} for {}: {e}",
                    self.chan.name,
                    name
                );
                None
            }
        }
    }

    /// Plays one file; a key `accept` takes stops it.
    pub(crate) fn play(&self, name: &str, accept: &dyn Fn(u8) -> bool) -> Result<Wake, ()> {
        let sound = self.find_sound(name).ok_or(())?;
        Ok(self.play_sound(sound, Some(name), accept))
    }

    /// Plays `sound` (noted by `name` in a kept trace); a key `accept` takes stops it.
    pub(crate) fn play_sound(
        &self,
        sound: Arc<Sound>,
        name: Option<&str>,
        accept: &dyn Fn(u8) -> bool,
    ) -> Wake {
        if self.pbx.keep_traces
            && let Some(name) = name
        {
            self.chan.note_played(name);
        }
        let playing = self.pbx.media.play(self.chan.clone(), Source::sound(sound));
        let wake = self.wait(None, accept, Some(&playing));
        playing.stop();
        wake
    }

    /// `Playback(file[&file…][,options])` (app_playback.c): answers first unless `noanswer`;
    /// with `skip`, does nothing on a channel not up. Keys do not interrupt it.
    fn playback(&self, files: &str, options: &str, vars: &mut Variables) -> AppResult {
        let options: Vec<&str> = options.split('&').map(str::trim).collect();
        if self.chan.state() != State::Up {
            if options.contains(&"skip") {
                vars.set(b"PLAYBACKSTATUS", Some(b"SUCCESS"));
                return AppResult::Continue;
            }
            if !options.contains(&"noanswer") {
                self.chan.answer();
            }
        }
        let mut status: &[u8] = b"SUCCESS";
        for file in files.split('&').filter(|f| !f.is_empty()) {
            match self.play(file, &|_| false) {
                // app_playback: `ast_waitstream` failing on a hung-up channel is FAILED.
                Ok(Wake::HungUp) => {
                    vars.set(b"PLAYBACKSTATUS", Some(b"FAILED"));
                    return AppResult::Hangup;
                }
                Ok(_) => {}
                Err(()) => {
                    status = b"FAILED";
                    break;
                }
            }
        }
        vars.set(b"PLAYBACKSTATUS", Some(status));
        AppResult::Continue
    }

    /// `BackGround(file[&file…][,options[,language[,context]]])` (pbx_builtins.c): a key
    /// stops the prompt and becomes the first digit of the extension the PBX loop then
    /// collects — or, when that digit alone is a whole extension of `context` (the current
    /// one by default) that nothing longer could match, the call goes straight there.
    /// Options: `s`/`skip` (nothing when not answered), `n`/`noanswer`, `m` (only a key that
    /// is a one-digit extension of `context` stops the prompt), `p` (no key stops it).
    /// `BACKGROUNDSTATUS` says whether every file played.
    fn background(
        &mut self,
        files: &str,
        options: &str,
        context: &str,
        vars: &mut Variables,
    ) -> AppResult {
        let (skip, noanswer, matchexten, playback) = match options.trim() {
            o if o.eq_ignore_ascii_case("skip") => (true, false, false, false),
            o if o.eq_ignore_ascii_case("noanswer") => (false, true, false, false),
            o => {
                let o = o.as_bytes();
                (
                    has_option(o, b's'),
                    has_option(o, b'n'),
                    has_option(o, b'm'),
                    has_option(o, b'p'),
                )
            }
        };
        let context = if context.trim().is_empty() {
            self.chan.location().context
        } else {
            context.trim().to_string()
        };
        let cid = self.chan.caller_number.clone();
        // A key is looked up when it is pressed, as Asterisk does: the prompt may outlast
        // the minute an include opens or closes in.
        let clock = self.pbx.clock;
        let exists = |digit: u8| {
            self.program.with(|_, index| {
                index
                    .find(
                        context.as_bytes(),
                        &[digit],
                        1,
                        cid.as_deref().map(str::as_bytes),
                        clock.moment(),
                    )
                    .is_some()
            })
        };
        let mut status: &[u8] = b"SUCCESS";
        let mut result = AppResult::Continue;
        if self.chan.state() != State::Up {
            if skip {
                vars.set(b"BACKGROUNDSTATUS", Some(status));
                return AppResult::Continue;
            }
            if !noanswer {
                self.chan.answer();
            }
        }
        for file in files.split('&').map(str::trim).filter(|f| !f.is_empty()) {
            let accept: &dyn Fn(u8) -> bool = if playback {
                &|_| false
            } else if matchexten {
                &exists
            } else {
                &|_| true
            };
            match self.play(file, accept) {
                Ok(Wake::Key(k)) => {
                    result = AppResult::Digit(k);
                    break;
                }
                Ok(Wake::HungUp) => {
                    result = AppResult::Hangup;
                    break;
                }
                Ok(Wake::Done) => {}
                // A missing prompt: Asterisk warns and goes on to the next priority.
                Err(()) => {
                    status = b"FAILED";
                    break;
                }
            }
        }
        vars.set(b"BACKGROUNDSTATUS", Some(status));
        if let AppResult::Digit(k) = result {
            let now = clock.moment();
            let more = self.program.with(|plan, _| {
                pbxc_dialplan::route::matchmore(
                    plan,
                    context.as_bytes(),
                    &[k],
                    cid.as_deref().map(str::as_bytes),
                    now,
                )
            });
            if exists(k) && !more {
                self.jump = Some(format!("{context},{},1", k as char).into_bytes());
                return AppResult::Continue;
            }
        }
        result
    }

    /// `Read(var[,files[,maxdigits[,options[,attempts[,timeout]]]]])` (app_read.c): keys until
    /// `#`, `maxdigits` or the timeout; `READSTATUS` says how it ended.
    fn read(&self, args: &[Vec<u8>], vars: &mut Variables) -> AppResult {
        let text = |i: usize| {
            args.get(i)
                .map(|a| String::from_utf8_lossy(a).trim().to_string())
                .unwrap_or_default()
        };
        let var = text(0);
        if var.is_empty() {
            tracing::warn!("Read requires an argument (variable)");
            return AppResult::Continue;
        }
        let max = match text(2).parse::<i64>() {
            Ok(n) if (1..=255).contains(&n) => n as usize,
            _ => 255,
        };
        let options = text(3);
        let attempts = text(4).parse::<i64>().ok().filter(|&n| n > 0).unwrap_or(1);
        let timeout = text(5)
            .parse::<f64>()
            .ok()
            .filter(|t| *t > 0.0)
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .unwrap_or(Duration::from_secs(5));
        if self.chan.state() != State::Up && !options.contains('n') {
            if options.contains('s') {
                vars.set(b"READSTATUS", Some(b"SKIPPED"));
                return AppResult::Continue;
            }
            self.chan.answer();
        }
        let files = text(1);
        let mut digits = Vec::new();
        let mut status: &[u8] = b"TIMEOUT";
        'attempts: for _ in 0..attempts {
            digits.clear();
            for file in files.split('&').filter(|f| !f.is_empty()) {
                match self.play(file, &|_| true) {
                    Ok(Wake::Key(k)) => {
                        digits.push(k);
                        break;
                    }
                    Ok(Wake::HungUp) => {
                        status = b"HANGUP";
                        break 'attempts;
                    }
                    _ => {}
                }
            }
            loop {
                if digits.last() == Some(&b'#') {
                    digits.pop();
                    status = b"OK";
                    break 'attempts;
                }
                if digits.len() >= max {
                    status = b"OK";
                    break 'attempts;
                }
                match self.wait(Some(timeout), &|_| true, None) {
                    Wake::Key(k) => digits.push(k),
                    Wake::HungUp => {
                        status = b"HANGUP";
                        break 'attempts;
                    }
                    Wake::Done => break,
                }
            }
            if !digits.is_empty() {
                status = b"OK";
                break;
            }
        }
        vars.set(var.as_bytes(), Some(&digits));
        vars.set(b"READSTATUS", Some(status));
        if status == b"HANGUP" {
            AppResult::Hangup
        } else {
            AppResult::Continue
        }
    }

    /// SayDigits, SayAlpha, SayNumber: the files say.c picks, not interruptible.
    fn say(&self, files: Vec<String>) -> AppResult {
        for file in files {
            if let Ok(Wake::HungUp) = self.play(&file, &|_| false) {
                return AppResult::Hangup;
            }
        }
        AppResult::Continue
    }

    /// `Echo()` (app_echo.c): what the caller sends comes back, until `#`.
    fn echo(&self) -> AppResult {
        let before = self.chan.set_inbound(Inbound::Echo);
        let wake = self.wait(None, &|k| k == b'#', None);
        self.chan.set_inbound(before);
        match wake {
            Wake::HungUp => AppResult::Hangup,
            _ => AppResult::Continue,
        }
    }

    /// A tone until the caller hangs up (or `limit`).
    fn tone(&self, tone: pbx_media::tone::Tone, limit: Option<Duration>) -> AppResult {
        if self.chan.state() != State::Up {
            self.chan.answer();
        }
        let playing = self.pbx.media.play(self.chan.clone(), Source::Tone(tone));
        let wake = self.wait(limit, &|_| false, Some(&playing));
        playing.stop();
        if wake == Wake::HungUp {
            AppResult::Hangup
        } else {
            AppResult::Continue
        }
    }

    /// The files of music-on-hold class `class` (musiconhold.conf, `mode = files`), in name
    /// order. As res_musiconhold.c's `local_ast_moh_start` chooses: the channel's music
    /// class (`CHANNEL(musicclass)`) when it names a class, else `class`, else `default`.
    pub(crate) fn moh_files(&self, class: &str) -> Vec<Arc<Sound>> {
        let own = String::from_utf8_lossy(&lock(&self.chan.attributes).musicclass).into_owned();
        let find = |name: &str| {
            self.program
                .moh_classes
                .iter()
                .find(|(c, _)| !name.is_empty() && c.eq_ignore_ascii_case(name))
        };
        let chosen = find(&own)
            .or_else(|| find(class))
            .or_else(|| find("default"));
        let Some((_, dir)) = chosen else {
            let class = if class.is_empty() { "default" } else { class };
            tracing::warn!("No class: {class}");
            return Vec::new();
        };
        self.pbx.music_files(dir)
    }

    /// `MusicOnHold(class[,duration])`: the class's files in a loop, until the duration or
    /// the hang-up.
    fn music_on_hold(&self, class: &str, duration: Option<Duration>) -> AppResult {
        let files = self.moh_files(class);
        if files.is_empty() {
            // play_moh_exec: logged, and the dialplan goes on.
            tracing::warn!(
                "Unable to start music on hold class '{class}' on channel {}",
                self.chan.name
            );
            return AppResult::Continue;
        }
        // A duration past what the clock can count is forever.
        let deadline = duration.and_then(|d| Instant::now().checked_add(d));
        for sound in files.iter().cycle() {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return AppResult::Continue;
            }
            let playing = self
                .pbx
                .media
                .play(self.chan.clone(), Source::sound(sound.clone()));
            let wake = self.wait(left, &|_| false, Some(&playing));
            playing.stop();
            if wake == Wake::HungUp {
                return AppResult::Hangup;
            }
        }
        AppResult::Continue
    }

    /// `Record(file.format[,silence[,maxduration[,options]]])` (app_record.c): a beep (unless
    /// `q`), then what the caller says until the terminator (`#`; `*` with `t`, any key with
    /// `y`, none with `x`), `silence` seconds of silence, `maxduration` seconds, or the
    /// hang-up (the file is kept on hang-up only with `k`). As in app_record, a recording
    /// ended by a key loses its last quarter second (the key's tone) and one ended by silence
    /// keeps one second of it (all of it with `u`). Relative names go below the recordings
    /// directory (`astspooldir/recordings`, else `run/recordings`).
    fn record(&self, args: &[Vec<u8>], vars: &mut Variables) -> AppResult {
        let text = |i: usize| {
            args.get(i)
                .map(|a| String::from_utf8_lossy(a).trim().to_string())
                .unwrap_or_default()
        };
        let target = text(0);
        let Some((name, format)) = target.rsplit_once('.') else {
            tracing::warn!("Record: no format given in '{target}'");
            vars.set(b"RECORD_STATUS", Some(b"ERROR"));
            return AppResult::Continue;
        };
        let Some(format) =
            pbx_media::sound::Format::from_extension(format).filter(|f| f.writable())
        else {
            tracing::warn!("Record: unknown format '{format}'");
            vars.set(b"RECORD_STATUS", Some(b"ERROR"));
            return AppResult::Continue;
        };
        let silence_ms = match text(1).parse::<i64>() {
            Ok(seconds) if seconds > 0 => Some((seconds.min(86_400) * 1000) as u32),
            Ok(_) => None,
            Err(_) if text(1).is_empty() => None,
            Err(_) => {
                tracing::warn!("'{}' is not a valid silence duration", text(1));
                None
            }
        };
        let max = text(2)
            .parse::<u64>()
            .ok()
            .filter(|&s| s > 0)
            .map(Duration::from_secs);
        let options = text(3);
        let terminator: &dyn Fn(u8) -> bool = if options.contains('x') {
            &|_| false
        } else if options.contains('y') {
            &|_| true
        } else if options.contains('t') {
            &|k| k == b'*'
        } else {
            &|k| k == b'#'
        };
        if self.chan.state() != State::Up {
            if options.contains('s') {
                vars.set(b"RECORD_STATUS", Some(b"SKIP"));
                return AppResult::Continue;
            }
            if !options.contains('n') {
                self.chan.answer();
            }
        }
        if !options.contains('q') && self.play("beep", &|_| false) == Ok(Wake::HungUp) {
            return AppResult::Hangup;
        }
        let captured = self.capture(
            crate::channel::Recording {
                silence_limit_ms: silence_ms,
                ..Default::default()
            },
            terminator,
            max,
            None,
        );
        let (status, wake): (&[u8], Wake) = match captured.ended {
            Ended::HungUp => (b"HANGUP", Wake::HungUp),
            Ended::Key(key) => (b"DTMF", Wake::Key(key)),
            Ended::Silence => (b"SILENCE", Wake::Done),
            Ended::Timeout => (b"TIMEOUT", Wake::Done),
            // Record allows any silence of the line.
            Ended::NoAudio => (b"TIMEOUT", Wake::Done),
        };
        let mut samples = captured.recording.samples;
        // ast_stream_rewind + ast_truncstream, in samples at 8 kHz.
        let rewind_ms = match (status, silence_ms) {
            (b"SILENCE", Some(limit)) if !options.contains('u') => limit.saturating_sub(1000),
            (b"DTMF", _) => 250,
            _ => 0,
        };
        samples.truncate(samples.len().saturating_sub(rewind_ms as usize * 8));
        if wake != Wake::HungUp || options.contains('k') {
            let path = if name.starts_with('/') {
                std::path::PathBuf::from(format!("{name}.{}", ext(&target)))
            } else {
                self.pbx.recordings_dir.join(&target)
            };
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| {
                    let bytes = pbx_media::sound::encode(&samples, format).unwrap_or_default();
                    std::fs::write(&path, bytes)
                });
            if let Err(e) = written {
                tracing::warn!("Record: cannot write {}: {e}", path.display());
                vars.set(b"RECORD_STATUS", Some(b"ERROR"));
                return AppResult::Continue;
            }
            vars.set(
                b"RECORDED_FILE",
                Some(path.with_extension("").to_string_lossy().as_bytes()),
            );
        }
        vars.set(b"RECORD_STATUS", Some(status));
        if wake == Wake::HungUp {
            AppResult::Hangup
        } else {
            AppResult::Continue
        }
    }
}

/// How a [`CallIo::capture`] ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Ended {
    #[default]
    HungUp,
    /// A key it stops on.
    Key(u8),
    /// The recording's silence limit passed.
    Silence,
    /// Its longest time passed.
    Timeout,
    /// No frame came for the time allowed.
    NoAudio,
}

/// What a [`CallIo::capture`] heard.
pub(crate) struct Captured {
    pub recording: crate::channel::Recording,
    pub ended: Ended,
}

impl CallIo<'_> {
    /// Records what the caller says into `recording` until the hang-up, a key `stop_on`
    /// takes, the recording's silence limit, or `max`.
    pub(crate) fn capture(
        &self,
        recording: crate::channel::Recording,
        stop_on: &dyn Fn(u8) -> bool,
        max: Option<Duration>,
        no_audio: Option<Duration>,
    ) -> Captured {
        let before = self.chan.set_inbound(Inbound::Record(recording));
        let deadline = max.and_then(|m| Instant::now().checked_add(m));
        // When audio last came (the count of samples recorded last changed).
        let mut heard = (0usize, Instant::now());
        let ended = loop {
            let seen = self.chan.signal.generation();
            if self.chan.must_stop() {
                break Ended::HungUp;
            }
            if let Some(limit) = no_audio {
                let now = Instant::now();
                let samples = self.chan.recorded_samples();
                if samples != heard.0 {
                    heard = (samples, now);
                } else if now.duration_since(heard.1) >= limit {
                    break Ended::NoAudio;
                }
            }
            if let Some(key) = self.chan.take_dtmf_if(stop_on) {
                break Ended::Key(key);
            }
            if self.chan.recording_silenced() {
                break Ended::Silence;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break Ended::Timeout;
            }
            // Wake to look for audio again when none would have come for the limit.
            let look = no_audio.and_then(|limit| heard.1.checked_add(limit));
            let wake = match (deadline, look) {
                (Some(d), Some(l)) => Some(d.min(l)),
                (d, l) => d.or(l),
            };
            self.chan.signal.wait(seen, self.chan.wake_by(wake));
        };
        let recording = match self.chan.set_inbound(before) {
            Inbound::Record(recording) => recording,
            _ => Default::default(),
        };
        Captured { recording, ended }
    }
}

fn ext(target: &str) -> &str {
    target.rsplit_once('.').map_or("", |(_, e)| e)
}
