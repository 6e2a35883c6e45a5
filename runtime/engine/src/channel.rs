//! The boundary between the engine and whatever carries the call: the runtime's channels
//! (SIP, sound card, local) implement [`Channel`]; offline runs use [`SimulatedChannel`].

use crate::vars::Variables;

/// How an application ended, as the value `pbx_exec` returns to the PBX loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppResult {
    /// 0: go on with the next priority.
    Continue,
    /// -1: the call is over (hang-up, or the application failed).
    Hangup,
    /// A key the caller pressed during the application (`BackGround`): the PBX loop collects
    /// an extension starting with it.
    Digit(u8),
    /// `AST_PBX_ERROR`: the `e` extension runs when there is one.
    Error,
    /// `AST_PBX_INCOMPLETE` (`Incomplete()`): wait for more digits.
    Incomplete,
}

/// What the engine needs from the channel for the applications it does not run itself
/// (everything that touches media, signalling or the outside world).
pub trait Channel {
    /// The channel's name (`PJSIP/alice-00000001`), for `${CHANNEL}`.
    fn name(&self) -> &[u8];
    /// Runs application `app` (its canonical catalog name) with its substituted `data`.
    /// It may read and set the channel's variables.
    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult;
    /// Digits the caller dials while the PBX loop waits for an extension (after a
    /// `BackGround` key, or with `autofallthrough=no`), at most `timeout_ms` per digit. `None`
    /// when the caller dials nothing more.
    fn wait_digit(&mut self, timeout_ms: u32) -> Option<u8> {
        let _ = timeout_ms;
        None
    }
    /// The call's absolute timeout (`TIMEOUT(absolute)`), in milliseconds from now; `None`
    /// once it is cancelled. Told before applications and digit waits while one is set. A
    /// channel that waits stops at it, as Asterisk's does at `whentohangup`: the application
    /// fails (or the wait ends without a key), and the PBX loop goes on at `T`.
    fn absolute_timeout(&mut self, in_ms: Option<u64>) {
        let _ = in_ms;
    }
    /// Music on hold of `class` (empty: the default) while the PBX waits (`WaitExten`'s
    /// `m` option), until [`Channel::stop_hold`].
    fn start_hold(&mut self, class: &[u8]) {
        let _ = class;
    }
    fn stop_hold(&mut self) {}
    /// The dialplan changed one of the channel's own fields (`CHANNEL(language)=fr`); these
    /// are all of them now. A runtime plays prompts in the language set, music of the class
    /// set, and records the account codes.
    fn attributes_set(&mut self, attributes: &crate::attributes::Attributes) {
        let _ = attributes;
    }
    /// The dialplan set the caller ID (`CALLERID(name|num|all)`): these are its name and
    /// number now (`None`: not valid). A runtime's CDR records them as the caller.
    fn callerid_set(&mut self, name: Option<&[u8]>, number: Option<&[u8]>) {
        let _ = (name, number);
    }
    /// A property of the channel's current CDR as `cdr_object_format_property` gives it,
    /// unformatted (`start` as `seconds.micros`, `disposition` as its number): `dst`,
    /// `dcontext`, `dstchannel`, `lastapp`, `lastdata`, `start`, `answer`, `end`, `duration`,
    /// `billsec`, `disposition`, `sequence`, `peeraccount`, `peertenantid`. `None` when the
    /// channel keeps no CDR (CDRs off, or a dialplan that cannot read one).
    fn cdr_property(&self, name: &str) -> Option<Vec<u8>> {
        let _ = name;
        None
    }
    /// Whether the channel wants [`Channel::application_starts`] for each priority (a
    /// channel that keeps a CDR from them). Asked when a run starts.
    fn watches_steps(&self) -> bool {
        false
    }
    /// The call's dialplan starts at `context,exten` (its first run, before its first
    /// priority; only when [`Channel::watches_steps`]): a channel's CDR exists from then on,
    /// even for a call that ends before any application runs, and tells the time by the
    /// engine's `clock`.
    fn dialplan_starts(&mut self, context: &[u8], exten: &[u8], clock: crate::Clock) {
        let _ = (context, exten, clock);
    }
    /// Priority `step` of this channel's dialplan starts its application, its data
    /// substituted, with the call's hang-up cause `cause` (0 for none): what `pbx_exec`
    /// publishes for the CDR engine. Only when [`Channel::watches_steps`].
    fn application_starts(&mut self, step: &crate::Executed, cause: i32) {
        let _ = (step, cause);
    }
    /// An offline Dial called `peers` (channel names); `answered` is the one that answered
    /// and was bridged, then hung up at once (`None`: none answered). A runtime that dials
    /// for real never hears this.
    fn dialed(&mut self, peers: &[Vec<u8>], answered: Option<usize>) {
        let _ = (peers, answered);
    }
    /// Runs `f` on another call's channel and the call, found as `ast_channel_get_by_name`
    /// finds it: `wanted` is its name or its unique ID, in any case (`MASTER_CHANNEL()`
    /// asks for the linked ID, `IMPORT()` for a name). The caller has already checked that
    /// it is not this channel. A channel that knows of no other answers [`Reach::NotFound`].
    fn with_channel(
        &mut self,
        wanted: &[u8],
        f: &mut dyn FnMut(&mut crate::Call, &mut dyn Channel),
    ) -> Reach {
        let _ = (wanted, f);
        Reach::NotFound
    }
    /// Carries out what ResetCDR, ForkCDR or `CDR_PROP()=` asks of the channel's CDR
    /// engine; false when the channel keeps no CDR (CDRs off), where Asterisk finds no CDR
    /// object to change.
    fn cdr_command(&mut self, command: crate::cdr::Command) -> bool {
        let _ = command;
        false
    }
    /// The call's dialplan is over and its hang-up logic (`h`, or the hangup handlers when
    /// there is no `h`) runs from now on: `ast_pbx_h_exten_run` and
    /// `ast_pbx_hangup_handler_run` mark the channel `AST_SOFTHANGUP_HANGUP_EXEC`, which the
    /// CDR engine reads.
    fn hangup_logic_starts(&mut self) {}
    /// Runs `f` on the shared variables (`SHARED()`) of this channel (`channel` is `None`)
    /// or of the channel `channel` names ([`crate::shared::names_channel`]); false when no
    /// channel has that name. A channel that keeps none runs `f` on an empty store it then
    /// forgets, and knows no other.
    fn with_shared(
        &mut self,
        channel: Option<&[u8]>,
        f: &mut dyn FnMut(&mut crate::shared::SharedVariables),
    ) -> bool {
        if channel.is_some() {
            return false;
        }
        f(&mut Default::default());
        true
    }
    /// Runs `command` with the system's shell and gives what it wrote on its standard
    /// output, as func_shell.c's SHELL reads it; `None` where no command is run. A
    /// simulated channel runs none: offline, a call's commands would act on the machine
    /// that checks the dialplan.
    fn shell(&mut self, command: &[u8]) -> Option<std::io::Result<Vec<u8>>> {
        let _ = command;
        None
    }
    /// Whether the far end has hung up (`ast_check_hangup`).
    fn hung_up(&self) -> bool {
        false
    }
    /// `${HANGUPCAUSE}`: the channel's hang-up cause (Q.850), 0 while it has none.
    fn hangup_cause(&self) -> i32 {
        0
    }
    /// Whether the PBX wants the call suspended before its next priority (a new dialplan
    /// was loaded): see [`crate::Engine::run_until_suspended`].
    fn suspend_requested(&self) -> bool {
        false
    }
    /// Where an application it ran sends the call next (`Dial`'s `G`, a transfer), as a
    /// `Goto` target (`[[context,]exten,]priority`); asked once after each application. A
    /// target that does not parse (an unknown label) ends the call.
    fn take_jump(&mut self) -> Option<Vec<u8>> {
        None
    }
    /// `ast_app_getdata`: plays `prompt` (a key stops it and is the first one), then reads
    /// keys until `#`, `max` of them, or a wait longer than `first_ms` for the first or
    /// `next_ms` for each after it; `None` when the caller hung up. By default no key comes.
    fn get_data(
        &mut self,
        prompt: &str,
        max: usize,
        first_ms: u32,
        next_ms: u32,
    ) -> Option<Vec<u8>> {
        let _ = (prompt, max, first_ms, next_ms);
        Some(Vec::new())
    }
    /// `VoiceMail`'s media once the engine has found the mailbox: the greeting and the
    /// instructions (ended by a key of `leave.escape`), the beep, the recording, and
    /// keeping the message in the spool. By default the greeting and the recording take
    /// no time and no key comes: the message is left (`SUCCESS`), as a simulated call's
    /// media completes at once.
    fn leave_voicemail(
        &mut self,
        leave: &crate::voicemail::Leave<'_>,
        vars: &mut Variables,
    ) -> crate::voicemail::Left {
        let _ = (leave, vars);
        crate::voicemail::Left::Finished {
            status: Some(b"SUCCESS"),
        }
    }
    /// Plays prompt `name` (`ast_play_and_wait` when `keys` may stop it, else
    /// `ast_streamfile` and `ast_waitstream(chan, "")`). By default it plays at once.
    fn play_prompt(&mut self, name: &str, keys: bool) -> crate::voicemail::Prompted {
        let _ = (name, keys);
        crate::voicemail::Prompted::Done
    }
    /// `VoiceMailMain` once the caller is logged in: the messages' menu, until the caller
    /// leaves it. By default the caller leaves at once.
    fn voicemail_main(
        &mut self,
        session: &crate::voicemail::Session<'_>,
    ) -> crate::voicemail::SessionEnd {
        let _ = session;
        crate::voicemail::SessionEnd::Done
    }
    /// Whether `Dial(Local/…)` runs offline, as a nested call on the engine (answering at
    /// once). A runtime with real Local channels says no, and gets Dial like any other
    /// application.
    fn runs_local_offline(&self) -> bool {
        true
    }
}

/// What [`Channel::with_channel`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// It ran `f` on that channel.
    Ran,
    /// No channel has that name or unique ID (none did, or it hung up).
    NotFound,
    /// The channel of that name runs its own dialplan out of reach (on another thread of
    /// the runtime): nothing can read or write its variables from here.
    Unreachable(Vec<u8>),
}

/// An offline channel: it answers at once, plays every file instantly, and its caller dials
/// the keys given with [`SimulatedChannel::dial`], one whenever the dialplan listens for one
/// (during `BackGround`, `WaitExten` or while the PBX collects an extension). A caller with no
/// key left lets the dialplan time out, and hangs up after [`SimulatedChannel::PATIENCE`]
/// timeouts in a row, as a real caller would rather than listen to a menu forever. Dial
/// reaches a party that answers and hangs up at once.
///
/// It keeps a CDR as the runtime's channels do (main/cdr.c's chain, with cdr.conf's
/// defaults): each application's start, the answer (by `Answer` and by the applications
/// that answer first: Playback, BackGround, Read, Record), Dial's called parties, and `h`.
/// Nothing takes time offline, so its durations are the few microseconds the run took.
#[derive(Debug)]
pub struct SimulatedChannel {
    name: Vec<u8>,
    keys: std::collections::VecDeque<u8>,
    timeouts: u32,
    /// Its `SHARED()` variables (offline no other channel names it).
    shared: crate::shared::SharedVariables,
    cdr: SimulatedCdr,
}

/// The simulated channel's CDR: its chain, made as the dialplan starts, and what it shows
/// the chain.
#[derive(Debug)]
struct SimulatedCdr {
    /// cdr.conf's `enable`.
    enabled: bool,
    /// cdr.conf's `[general]`.
    settings: pbx_cdr::chain::Settings,
    /// The engine's, from the dialplan's start.
    clock: crate::Clock,
    created: pbx_cdr::Timestamp,
    dialed: bool,
    chain: Option<pbx_cdr::chain::Chain>,
    snapshot: pbx_cdr::chain::Snapshot,
    /// Parties its Dials called so far, for their channel names.
    peers: u32,
    /// `snapshot` is newer than what the chain saw, and the chain may skip it
    /// ([`pbx_cdr::chain::Chain::can_skip`]): it is handed over before the chain is read
    /// or moved, before the channel's flags change, and before a snapshot that cannot be
    /// skipped; a later one that can replaces it.
    pending: bool,
    /// The next priority's snapshot, built here to keep `snapshot` while it is pending.
    next: pbx_cdr::chain::Snapshot,
}

impl SimulatedCdr {
    fn new(dialed: bool) -> SimulatedCdr {
        SimulatedCdr {
            enabled: true,
            settings: Default::default(),
            clock: crate::Clock::system(),
            created: pbx_cdr::Timestamp::ZERO,
            dialed,
            chain: None,
            snapshot: Default::default(),
            peers: 0,
            pending: false,
            next: Default::default(),
        }
    }

    /// Now, by the engine's clock (to the millisecond where it has them).
    fn now(&self) -> pbx_cdr::Timestamp {
        pbx_cdr::Timestamp::from_micros(self.clock.now_ms().saturating_mul(1000))
    }

    /// The dialplan starts: the chain is made, as of now (when the channel was made, for
    /// all the dialplan can tell), and sees the channel as it is. Only a channel told so
    /// keeps a CDR.
    fn start(&mut self, clock: crate::Clock) {
        if !self.enabled || self.chain.is_some() {
            return;
        }
        self.clock = clock;
        self.created = self.now();
        let mut chain = pbx_cdr::chain::Chain::new(
            self.settings.clone(),
            self.snapshot.clone(),
            self.dialed,
            self.created,
        );
        chain.update(&self.snapshot, self.now());
        self.chain = Some(chain);
    }

    /// `ast_channel_publish_snapshot`: the chain sees the channel as it is now.
    fn publish(&mut self) {
        self.pending = false;
        let now = self.now();
        if let Some(chain) = &mut self.chain {
            chain.update(&self.snapshot, now);
        }
    }

    /// Hands the chain the snapshot it has not seen yet.
    fn flush(&mut self) {
        if self.pending {
            self.publish();
        }
    }

    /// The chain as it is with the pending snapshot seen: itself, or a copy that saw it.
    fn current(&self) -> Option<std::borrow::Cow<'_, pbx_cdr::chain::Chain>> {
        let chain = self.chain.as_ref()?;
        if !self.pending {
            return Some(std::borrow::Cow::Borrowed(chain));
        }
        let mut chain = chain.clone();
        chain.update(&self.snapshot, self.now());
        Some(std::borrow::Cow::Owned(chain))
    }

    fn answer(&mut self) {
        self.flush();
        if !self.snapshot.up {
            self.snapshot.up = true;
            self.publish();
        }
    }

    /// Dial's parties as app_dial reports them: each dialed, the one that answered bridged
    /// (the caller answered then) and gone at once, the others cancelled; with none
    /// answering, each a NOANSWER.
    fn dialed(&mut self, peers: &[Vec<u8>], answered: Option<usize>) {
        self.flush();
        let now = self.now();
        // No chain: the channel was never told its dialplan started, and keeps no CDR.
        let Some(chain) = &mut self.chain else {
            return;
        };
        let peers: Vec<String> = peers
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        for peer in &peers {
            chain.dial_begin(peer, now);
        }
        for (i, peer) in peers.iter().enumerate() {
            let status = match answered {
                Some(a) if a == i => "ANSWER",
                Some(_) => "CANCEL",
                None => "NOANSWER",
            };
            chain.dial_end(peer, status, now);
        }
        if let Some(peer) = answered.and_then(|a| peers.get(a)) {
            chain.bridge_enter(peer, now);
            self.answer();
            let Some(chain) = &mut self.chain else {
                return;
            };
            chain.party_b_hung_up(peer, 16);
            chain.bridge_leave(now);
        }
    }

    /// The name of the next party a Dial of `target` (`tech/resource`) calls. (Numbered
    /// from this channel's: a channel a Local half dials counts on its own.)
    fn peer_name(&mut self, target: &[u8]) -> Vec<u8> {
        self.peers = self.peers.wrapping_add(1);
        let resource = target.split(|&c| c == b'/').nth(1).unwrap_or_default();
        let tech = target.split(|&c| c == b'/').next().unwrap_or_default();
        let resource = resource.split(|&c| c == b'/').next().unwrap_or_default();
        // What the driver names its channel after: chan_pjsip the endpoint, which follows
        // an `@` (`PJSIP/number@trunk`); core_unreal.c the whole `exten@context`, and the
        // caller dials its `;1` half; the others the resource up to an `@`.
        let local = tech.eq_ignore_ascii_case(b"Local");
        let named = match resource.iter().position(|&c| c == b'@') {
            _ if local => resource,
            Some(at) if tech.eq_ignore_ascii_case(b"PJSIP") => &resource[at + 1..],
            Some(at) => &resource[..at],
            None => resource,
        };
        let mut name = tech.to_vec();
        name.push(b'/');
        name.extend_from_slice(named);
        name.extend_from_slice(format!("-{:08x}", self.peers.wrapping_add(1)).as_bytes());
        if local {
            name.extend_from_slice(b";1");
        }
        name
    }
}

impl SimulatedChannel {
    /// Timeouts in a row after which the simulated caller hangs up.
    pub const PATIENCE: u32 = 3;

    pub fn new(name: &[u8]) -> Self {
        SimulatedChannel {
            name: name.to_vec(),
            keys: Default::default(),
            timeouts: 0,
            shared: Default::default(),
            cdr: SimulatedCdr::new(false),
        }
    }

    /// The channel with CDRs off (cdr.conf's `enable = no`): it keeps none, and is told
    /// nothing of each priority. The engine benchmarks run so, as Asterisk's figures were
    /// taken.
    pub fn without_cdr(mut self) -> Self {
        self.cdr.enabled = false;
        self
    }

    /// The channel's CDR under cdr.conf's `[general]` settings (`enable = no`: none).
    pub fn with_cdr_settings(mut self, settings: pbx_cdr::chain::Settings) -> Self {
        self.cdr.enabled = settings.enable;
        self.cdr.settings = settings;
        self
    }

    /// Whether the channel is up: answered by `Answer` or an application that answers first.
    pub(crate) fn is_up(&self) -> bool {
        self.cdr.snapshot.up
    }

    /// A channel a Dial created (a Local channel's `;2` half): its records without a
    /// called party are not written, as main/cdr.c does for a dialed channel.
    pub(crate) fn dialed(name: &[u8]) -> Self {
        let mut chan = SimulatedChannel::new(name);
        chan.cdr = SimulatedCdr::new(true);
        chan
    }

    /// The records its CDR would write now that the call is over (none when it keeps no CDR),
    /// with party A's channel columns filled from what it knows.
    pub fn cdr_records(&self, call: &crate::Call) -> Vec<pbx_cdr::Cdr> {
        let Some(chain) = self.cdr.current() else {
            return Vec::new();
        };
        let mut chain = chain.into_owned();
        let mut last = chain.snapshot().clone();
        last.dead = true;
        let now = self.cdr.now();
        chain.update(&last, now);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let number = call.callerid.clone().unwrap_or_default();
        let name = call.callerid_name.clone().unwrap_or_default();
        let party_a = pbx_cdr::chain::PartyA {
            accountcode: text(&call.attributes.accountcode),
            amaflags: pbx_cdr::AmaFlags::from_number(call.attributes.amaflags),
            channel: text(&self.name),
            clid: text(&crate::callerid::merge(&name, &number)),
            src: text(&number),
            uniqueid: text(&call.unique_id),
            linkedid: text(call.linked_id()),
            userfield: text(&call.attributes.cdr_userfield),
        };
        chain.records(&party_a, now)
    }

    /// Keys the caller will press, in order.
    pub fn dial(mut self, keys: &[u8]) -> Self {
        self.keys.extend(keys);
        self
    }

    fn next_key(&mut self) -> Option<u8> {
        match self.keys.pop_front() {
            Some(k) => {
                self.timeouts = 0;
                Some(k)
            }
            None => {
                self.timeouts += 1;
                None
            }
        }
    }
}

impl Default for SimulatedChannel {
    fn default() -> Self {
        SimulatedChannel::new(b"Simulated/pbxc-00000001")
    }
}

impl Channel for SimulatedChannel {
    fn name(&self) -> &[u8] {
        &self.name
    }

    fn with_shared(
        &mut self,
        channel: Option<&[u8]>,
        f: &mut dyn FnMut(&mut crate::shared::SharedVariables),
    ) -> bool {
        // Offline there is no other channel; this one has no unique ID to be named by.
        if channel.is_some_and(|c| !crate::shared::names_channel(c, &self.name, b"")) {
            return false;
        }
        f(&mut self.shared);
        true
    }

    fn watches_steps(&self) -> bool {
        self.cdr.enabled
    }

    fn dialplan_starts(&mut self, context: &[u8], exten: &[u8], clock: crate::Clock) {
        if self.cdr.chain.is_none() {
            self.cdr.snapshot.context = String::from_utf8_lossy(context).into_owned();
            self.cdr.snapshot.exten = String::from_utf8_lossy(exten).into_owned();
            self.cdr.start(clock);
        }
    }

    fn application_starts(&mut self, step: &crate::Executed, cause: i32) {
        // Into strings kept from the priority before last, which in a loop often hold the
        // same place and application already: this runs for every priority.
        let copy = |to: &mut String, from: &[u8]| {
            if to.as_bytes() != from {
                to.clear();
                to.push_str(&String::from_utf8_lossy(from));
            }
        };
        let cdr = &mut self.cdr;
        let next = &mut cdr.next;
        // The flags are the channel's: only the paths that flush first change them.
        let flags = &cdr.snapshot;
        (next.up, next.hangup_exec, next.dead) = (flags.up, flags.hangup_exec, flags.dead);
        // Gosub and Return change this one with the step: `can_skip` sees the change and
        // hands the pending snapshot over first.
        next.in_subroutine = step.in_subroutine;
        copy(&mut next.context, step.context);
        copy(&mut next.exten, step.exten);
        next.priority = step.priority;
        copy(&mut next.app, step.app.as_bytes());
        copy(&mut next.data, step.data);
        next.cause = cause;
        let skip = cdr.chain.as_ref().is_some_and(|c| c.can_skip(next));
        if !skip {
            cdr.flush();
        }
        std::mem::swap(&mut cdr.snapshot, &mut cdr.next);
        if skip {
            cdr.pending = true;
        } else {
            cdr.publish();
        }
    }

    fn hangup_logic_starts(&mut self) {
        self.cdr.flush();
        self.cdr.snapshot.hangup_exec = true;
    }

    fn dialed(&mut self, peers: &[Vec<u8>], answered: Option<usize>) {
        self.cdr.dialed(peers, answered);
    }

    fn cdr_property(&self, name: &str) -> Option<Vec<u8>> {
        self.cdr
            .current()?
            .property(name, self.cdr.now())
            .map(String::into_bytes)
    }

    fn cdr_command(&mut self, command: crate::cdr::Command) -> bool {
        self.cdr.flush();
        let now = self.cdr.now();
        let Some(chain) = &mut self.cdr.chain else {
            return false;
        };
        command.apply(chain, now)
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        if answers_first(app, data) {
            self.cdr.answer();
        }
        match app {
            // The called party answers at once and hangs up at once: Dial returns -1 after
            // the bridge unless `g` says to go on in the dialplan.
            "Dial" => {
                let targets = crate::args::standard(data, 4)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let peers: Vec<Vec<u8>> = targets
                    .split(|&c| c == b'&')
                    .filter(|t| !t.is_empty())
                    .map(|t| self.cdr.peer_name(t))
                    .collect();
                if !peers.is_empty() {
                    self.cdr.dialed(&peers, Some(0));
                }
                crate::dial_times::clear(vars);
                vars.set(b"DIALSTATUS", Some(b"ANSWER"));
                // The bridge took no time offline, nor did anything before it.
                crate::dial_times::set(vars, b"ANSWEREDTIME", 0);
                crate::dial_times::set(vars, b"DIALEDTIME", 0);
                let options = crate::args::standard(data, 4).into_iter().nth(2);
                if options.is_some_and(|o| crate::args::has_option(&o, b'g')) {
                    AppResult::Continue
                } else {
                    AppResult::Hangup
                }
            }
            "Playback" => {
                vars.set(b"PLAYBACKSTATUS", Some(b"SUCCESS"));
                AppResult::Continue
            }
            // A key pressed during the prompt interrupts it and starts an extension.
            "BackGround" => match self.keys.pop_front() {
                Some(k) => AppResult::Digit(k),
                None => AppResult::Continue,
            },
            _ => AppResult::Continue,
        }
    }

    fn wait_digit(&mut self, _timeout_ms: u32) -> Option<u8> {
        self.next_key()
    }

    /// The caller's keys up to `#` or the last, at most `max` of them.
    fn get_data(&mut self, _prompt: &str, max: usize, _first: u32, _next: u32) -> Option<Vec<u8>> {
        let mut digits = Vec::new();
        while digits.len() < max {
            match self.next_key() {
                Some(b'#') | None => break,
                Some(k) => digits.push(k),
            }
        }
        Some(digits)
    }

    /// The caller's next key, if the greeting or the instructions listen for it (something
    /// plays: a busy or unavailable greeting, or `vm-intro` without `s`), ends them (`#`
    /// only skips the instructions); then the recording, which `#` ends and `0` (operator
    /// on) leaves for `o`. Nothing is stored offline: a mailbox with room takes the message.
    fn leave_voicemail(
        &mut self,
        leave: &crate::voicemail::Leave<'_>,
        _vars: &mut Variables,
    ) -> crate::voicemail::Left {
        use crate::voicemail::{Greeting, Left};
        let silent = leave.silent || leave.mailbox.maxmsg == 0;
        let listening = leave.greeting != Greeting::None || !silent;
        if listening
            && let Some(&key) = self.keys.front()
            && leave.escape.contains(&key)
        {
            self.keys.pop_front();
            if key != b'#' {
                return Left::Key(key);
            }
        }
        if leave.mailbox.maxmsg == 0 {
            return Left::Finished {
                status: Some(b"SUCCESS"),
            };
        }
        match self.keys.front() {
            Some(b'#') => {
                self.keys.pop_front();
            }
            Some(b'0') if leave.mailbox.operator => {
                self.keys.pop_front();
                return Left::Operator;
            }
            _ => {}
        }
        Left::Finished {
            status: Some(b"SUCCESS"),
        }
    }

    /// Offline nothing is stored, so every folder is empty: the menu takes the caller's
    /// keys until `#`, or until it has waited three times with none left; `2` (change
    /// folders) takes the folder's keys after it, and `0` (the mailbox's options) the keys
    /// up to `*`. Nothing else a key does there can be seen. With
    /// `a(folder)` the empty folder is said and the session ends at once.
    fn voicemail_main(
        &mut self,
        session: &crate::voicemail::Session<'_>,
    ) -> crate::voicemail::SessionEnd {
        use crate::voicemail::SessionEnd;
        if session.autoplay.is_some() {
            return SessionEnd::Done;
        }
        let mut repeats = 0;
        loop {
            match self.next_key() {
                None => {
                    repeats += 1;
                    if repeats > 2 {
                        return SessionEnd::Done;
                    }
                }
                Some(b'#') => return SessionEnd::Done,
                Some(b'0') => {
                    // The mailbox's options, until `*` or four waits; what their keys
                    // record cannot be kept offline.
                    let mut waits = 0;
                    while waits < 4 {
                        match self.next_key() {
                            Some(b'*') => break,
                            Some(_) => waits = 0,
                            None => waits += 1,
                        }
                    }
                }
                Some(b'2') => {
                    // `get_folder2`: a digit or `#` ends it; `*`, A-D or no key is another
                    // round, and the fourth cancels.
                    for _ in 0..4 {
                        if matches!(self.next_key(), Some(k) if k.is_ascii_digit() || k == b'#') {
                            break;
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }

    fn hung_up(&self) -> bool {
        self.timeouts >= Self::PATIENCE
    }
}

/// Whether `app(data)` answers a channel that is not up before it does its work: Answer,
/// and Playback, BackGround, Read and Record given what they need (a file, a variable) and
/// not told to skip or not to answer.
fn answers_first(app: &str, data: &[u8]) -> bool {
    let args = crate::args::standard(data, 8);
    let arg = |k: usize| args.get(k).map(Vec::as_slice).unwrap_or_default();
    let contains = |text: &[u8], word: &[u8]| {
        text.windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    let letters = |o: &[u8]| crate::args::has_option(o, b's') || crate::args::has_option(o, b'n');
    match app {
        "Answer" => true,
        // app_playback.c: `strcasestr` for `skip` and `noanswer`.
        "Playback" => {
            !arg(0).is_empty() && !contains(arg(1), b"skip") && !contains(arg(1), b"noanswer")
        }
        // pbx_builtins.c: `skip`/`noanswer` spelled out, or the letters `s` and `n`.
        "BackGround" => {
            let o = arg(1).trim_ascii();
            let told_not_to = o.eq_ignore_ascii_case(b"skip")
                || o.eq_ignore_ascii_case(b"noanswer")
                || letters(o);
            !arg(0).is_empty() && !told_not_to
        }
        // app_read.c and app_record.c: `s` skips, `n` does not answer.
        "Read" | "Record" => !arg(0).is_empty() && !letters(arg(3)),
        _ => false,
    }
}
