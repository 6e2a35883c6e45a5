//! The channel API: what every driver (Local, the scripted test channel, SIP, the sound card)
//! implements and what the applications drive.
//!
//! A [`Channel`] is shared (`Arc`) by its driver, the thread running its dialplan, the media
//! clock and a bridge partner. Its far end is an [`Endpoint`]: frames, DTMF and indications
//! the PBX sends go there. What the far end sends comes in through the `receive_*` methods.
//! Media inside is signed linear, 8 kHz, 20 ms frames; codecs are the driver's business.
//!
//! How the next drivers plug in (as modules, [`crate::modules::Driver`]):
//! - SIP: the driver decodes RTP (G.711 through `pbx_media::g711`, any other codec its own)
//!   after its jitter buffer and calls [`Channel::receive_frame`] every 20 ms; a re-INVITE
//!   that changes the codec changes nothing here, since frames inside are always signed
//!   linear. [`Endpoint::send_frame`] is called at the media clock's pace and packetizes.
//!   Signalling maps onto [`Channel::receive_indication`] (180/183/200, busy),
//!   [`Channel::receive_hangup`] (BYE, with its Q.850 cause) and [`Endpoint::call`].
//! - A sound card: the capture thread calls [`Channel::receive_frame`] at the card's pace;
//!   playback takes frames from [`Endpoint::send_frame`] into a short queue the card drains
//!   at its own pace, dropping or repeating a frame when the two clocks drift.
//!
//! Waiting is done on a [`Signal`], a generation counter with a condition variable: every
//! event on a channel bumps the signal of the thread that waits for it (its own call thread,
//! or for a channel being dialled, the caller's), so one thread can wait for several
//! channels without ever holding two channel locks.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Instant, SystemTime};

use pbx_media::Samples;

/// Asterisk's channel states (`enum ast_channel_state`), with the names `core show
/// channels` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Down,
    Reserved,
    OffHook,
    Dialing,
    Ring,
    Ringing,
    Up,
    Busy,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Down => "Down",
            State::Reserved => "Rsrvd",
            State::OffHook => "OffHook",
            State::Dialing => "Dialing",
            State::Ring => "Ring",
            State::Ringing => "Ringing",
            State::Up => "Up",
            State::Busy => "Busy",
        }
    }
}

/// A hang-up cause (Q.850 numbering, as Asterisk's `AST_CAUSE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cause(pub u16);

impl Cause {
    pub const UNALLOCATED: Cause = Cause(1);
    pub const NORMAL_CLEARING: Cause = Cause(16);
    pub const USER_BUSY: Cause = Cause(17);
    pub const NO_USER_RESPONSE: Cause = Cause(18);
    pub const NO_ANSWER: Cause = Cause(19);
    pub const CALL_REJECTED: Cause = Cause(21);
    pub const NORMAL_UNSPECIFIED: Cause = Cause(31);
    pub const CONGESTION: Cause = Cause(34);
    pub const CHANNEL_UNACCEPTABLE: Cause = Cause(6);
    pub const FAILURE: Cause = Cause(38);
    pub const ANSWERED_ELSEWHERE: Cause = Cause(26);

    /// `ast_cause2str`'s short name (`HANGUPCAUSE` text is the number).
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "UNALLOCATED",
            6 => "CHANNEL_UNACCEPTABLE",
            16 => "NORMAL_CLEARING",
            17 => "USER_BUSY",
            18 => "NO_USER_RESPONSE",
            19 => "NO_ANSWER",
            21 => "CALL_REJECTED",
            26 => "ANSWERED_ELSEWHERE",
            31 => "NORMAL_UNSPECIFIED",
            34 => "NORMAL_CIRCUIT_CONGESTION",
            38 => "NETWORK_OUT_OF_ORDER",
            _ => "UNKNOWN",
        }
    }
}

/// Call progress a channel reports or is told (`enum ast_control_frame_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indication {
    Answer,
    Ringing,
    Progress,
    Busy,
    Congestion,
}

/// The far end of a channel, implemented by its driver. Calls must not block: they run on
/// the media clock and on call threads.
pub trait Endpoint: Send + Sync {
    /// Places the call (`ast_call`) for a channel the PBX dials out on.
    fn call(&self, _chan: &Arc<Channel>) {}
    /// A 20 ms frame of audio towards the far end.
    fn send_frame(&self, frame: &Samples);
    /// A DTMF key towards the far end.
    fn send_dtmf(&self, _digit: u8) {}
    /// Call progress towards the far end (`ast_indicate`, `ast_answer`).
    fn indicate(&self, _indication: Indication) {}
    /// The PBX hangs the channel up.
    fn hangup(&self, _cause: Cause) {}
}

/// A wake-up counter with a condition variable; see the module docs.
#[derive(Default)]
pub struct Signal {
    generation: Mutex<u64>,
    changed: Condvar,
}

impl Signal {
    pub fn new() -> Arc<Signal> {
        Arc::new(Signal::default())
    }

    /// The current generation: read it *before* looking at what to wait for.
    pub fn generation(&self) -> u64 {
        *lock(&self.generation)
    }

    pub fn bump(&self) {
        *lock(&self.generation) += 1;
        self.changed.notify_all();
    }

    /// Waits until the generation moves past `seen` or `deadline` passes.
    pub fn wait(&self, seen: u64, deadline: Option<Instant>) {
        let mut generation = lock(&self.generation);
        while *generation == seen {
            match deadline {
                None => {
                    generation = self
                        .changed
                        .wait(generation)
                        .unwrap_or_else(|e| e.into_inner());
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    generation = self
                        .changed
                        .wait_timeout(generation, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data is still
/// what it last wrote, and the PBX keeps running (a panicking application ends its call).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What happens to the audio the far end sends.
pub enum Inbound {
    /// Nobody listens.
    Discard,
    /// Sent straight back (`Echo`).
    Echo,
    /// Kept for `Record`, up to a bound.
    Record(Recording),
    /// Passed to the bridged channel.
    Bridge(Weak<Channel>),
}

/// What `Record` has heard so far, and how long the caller has been silent.
#[derive(Debug, Default)]
pub struct Recording {
    pub samples: Vec<i16>,
    /// Stop after this much silence (app_record's `silence` argument).
    pub silence_limit_ms: Option<u32>,
    /// Milliseconds of silence up to the last frame (dsp.c's `totalsilence`).
    pub silent_ms: u32,
    /// The silent spells that ended before it, in all (app.c's `totalsilence`).
    pub earlier_silent_ms: u32,
    /// The limit was passed.
    pub silenced: bool,
    /// A frame quieter than this (mean absolute sample) is silence; `None` is dsp.conf's
    /// default, [`SILENCE_THRESHOLD`].
    pub threshold: Option<u32>,
}

/// dsp.conf's default `silencethreshold`: a frame whose mean absolute sample is below it is
/// silence (`__ast_dsp_silence_noise`).
pub const SILENCE_THRESHOLD: u32 = 256;

/// Where a channel is in the dialplan and what it runs, for `core show channels`.
#[derive(Clone, Debug, Default)]
pub struct Location {
    pub context: String,
    pub exten: String,
    pub priority: i32,
    pub app: String,
    pub data: String,
}

struct Inner {
    state: State,
    hangup: Option<Cause>,
    /// Keys from the far end not consumed yet.
    dtmf: VecDeque<u8>,
    /// Progress from the far end (answer, ringing, busy, …), for whoever dialled it.
    events: VecDeque<Indication>,
    inbound: Inbound,
    answered_at: Option<SystemTime>,
    location: Location,
    /// Dialplan ran after the hang-up (`AST_SOFTHANGUP_HANGUP_EXEC`, which stays set).
    hangup_exec: bool,
    /// `AST_FLAG_SUBROUTINE_EXEC`: it runs a subroutine (Gosub, Dial's `U()`).
    in_subroutine: bool,
    bridged_with: Option<String>,
    /// Keys that, while bridged, are kept for the PBX (a transfer's `#`) instead of being
    /// passed to the other side.
    feature_keys: Vec<u8>,
    /// Sound files played to the channel, in order, when the PBX keeps traces
    /// (`Options::keep_traces`, for tests and `pbxc test`).
    played: Vec<String>,
    /// The priorities it ran, as `pbxc call` prints them (the last [`TRACE_LIMIT`]), when
    /// the PBX keeps traces.
    trace: VecDeque<String>,
    /// Its channel variables when its dialplan ended.
    final_vars: Vec<(String, String)>,
    /// `TIMEOUT(absolute)` (`ast_channel_whentohangup`): where its waits stop.
    timeout_at: Option<Instant>,
}

/// Trace lines a channel keeps: the end of a long call is what a test looks at.
pub const TRACE_LIMIT: usize = 10_000;

/// One channel; see the module docs.
pub struct Channel {
    pub name: String,
    pub unique_id: String,
    pub created: SystemTime,
    pub caller_number: Option<String>,
    pub caller_name: Option<String>,
    /// Woken on every event of this channel.
    pub signal: Arc<Signal>,
    endpoint: Box<dyn Endpoint>,
    inner: Mutex<Inner>,
    /// `inner.hangup.is_some()`, readable without the lock: the media clock asks it for
    /// every frame.
    gone: std::sync::atomic::AtomicBool,
    /// How long its dialplan ran, once it ended.
    finished: Mutex<Option<std::time::Duration>>,
    /// Its language, music class, account codes… (`CHANNEL()`), as the dialplan last set
    /// them: prompts are found in its language, and the CDR takes its codes.
    pub attributes: Mutex<pbx_engine::Attributes>,
    /// Its key in the PBX's channel groups (`GROUP()`): the dialplan that runs on it (its
    /// own, or Dial's `U` subroutine on a called party) joins them under this key.
    pub group_key: u64,
    /// The groups it may be in; it leaves them when it is destroyed, as
    /// `ast_channel_destructor` does.
    pub groups: std::sync::OnceLock<Arc<pbx_engine::groups::Groups>>,
    /// Its CDR engine (main/cdr.c's records for this channel), from its dialplan's start to
    /// its end; every snapshot it publishes goes through it.
    pub cdr: Mutex<Option<pbx_cdr::chain::Chain>>,
    /// Whether `cdr` was ever given a chain: a channel without one builds no snapshots.
    pub(crate) keeps_cdr: AtomicBool,
    /// Set by its first registration with the PBX, which gives it the default language.
    pub(crate) registered: std::sync::atomic::AtomicBool,
    /// Called by `Dial` (`AST_FLAG_OUTGOING`): its records without a party B are not written.
    pub dialed: std::sync::atomic::AtomicBool,
    /// `ast_channel_hangupcause` set while the channel lives on (app_dial hands the caller
    /// the called party's cause): what `${HANGUPCAUSE}` reads until the channel hangs up.
    cause: std::sync::atomic::AtomicU16,
    /// The caller ID (name, number) as its dialplan last set it (`CALLERID()`), for its CDR;
    /// `None` until it does.
    pub dialplan_callerid: Mutex<Option<(Option<String>, Option<String>)>>,
    /// Its `SHARED()` variables, which other channels' dialplans may read and write.
    pub shared: Mutex<pbx_engine::shared::SharedVariables>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.leave_groups();
    }
}

/// The longest recording kept in memory: one hour.
const MAX_RECORD_SAMPLES: usize = 8000 * 3600;

static UNIQUE: AtomicU64 = AtomicU64::new(1);

/// What [`Channel::new`] needs.
pub struct Spec {
    pub name: String,
    pub caller_number: Option<String>,
    pub caller_name: Option<String>,
    pub state: State,
    /// The signal to wake; a fresh one when `None`.
    pub signal: Option<Arc<Signal>>,
}

impl Channel {
    /// Takes the channel out of every group it joined (`ast_app_group_discard`).
    pub fn leave_groups(&self) {
        if let Some(groups) = self.groups.get() {
            groups.discard(self.group_key);
        }
    }

    /// `CHANNEL(linkedid)`: the linked ID the attributes carry, else the unique ID.
    pub fn linked_id(&self) -> String {
        let attributes = lock(&self.attributes);
        if attributes.linkedid.is_empty() {
            self.unique_id.clone()
        } else {
            String::from_utf8_lossy(&attributes.linkedid).into_owned()
        }
    }

    pub fn new(spec: Spec, endpoint: Box<dyn Endpoint>) -> Arc<Channel> {
        let created = SystemTime::now();
        let secs = created
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Arc::new(Channel {
            name: spec.name,
            unique_id: format!("{secs}.{}", UNIQUE.fetch_add(1, Ordering::Relaxed)),
            created,
            caller_number: spec.caller_number,
            caller_name: spec.caller_name,
            signal: spec.signal.unwrap_or_default(),
            endpoint,
            gone: std::sync::atomic::AtomicBool::new(false),
            finished: Mutex::new(None),
            attributes: Mutex::new(Default::default()),
            group_key: pbx_engine::groups::Groups::new_key(),
            groups: std::sync::OnceLock::new(),
            cdr: Mutex::new(None),
            keeps_cdr: AtomicBool::new(false),
            dialed: std::sync::atomic::AtomicBool::new(false),
            registered: std::sync::atomic::AtomicBool::new(false),
            shared: Mutex::new(Default::default()),
            dialplan_callerid: Mutex::new(None),
            cause: std::sync::atomic::AtomicU16::new(0),
            inner: Mutex::new(Inner {
                state: spec.state,
                hangup: None,
                dtmf: VecDeque::new(),
                events: VecDeque::new(),
                inbound: Inbound::Discard,
                answered_at: None,
                location: Location::default(),
                hangup_exec: false,
                in_subroutine: false,
                bridged_with: None,
                feature_keys: Vec::new(),
                played: Vec::new(),
                trace: VecDeque::new(),
                final_vars: Vec::new(),
                timeout_at: None,
            }),
        })
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    // --- the far end, through the driver ---------------------------------------------

    /// A frame of audio from the far end.
    pub fn receive_frame(&self, frame: &Samples) {
        let forward = {
            let mut inner = self.inner();
            if inner.hangup.is_some() {
                return;
            }
            match &mut inner.inbound {
                Inbound::Discard => None,
                Inbound::Echo => Some(Forward::Back),
                Inbound::Record(recording) => {
                    if recording.samples.len() + frame.len() <= MAX_RECORD_SAMPLES {
                        recording.samples.extend_from_slice(frame);
                    }
                    let mean = frame
                        .iter()
                        .map(|&s| u32::from(s.unsigned_abs()))
                        .sum::<u32>()
                        / frame.len() as u32;
                    if mean < recording.threshold.unwrap_or(SILENCE_THRESHOLD) {
                        recording.silent_ms = recording.silent_ms.saturating_add(20);
                    } else {
                        recording.earlier_silent_ms = recording
                            .earlier_silent_ms
                            .saturating_add(recording.silent_ms);
                        recording.silent_ms = 0;
                    }
                    if recording
                        .silence_limit_ms
                        .is_some_and(|limit| recording.silent_ms > limit && !recording.silenced)
                    {
                        recording.silenced = true;
                        Some(Forward::Wake)
                    } else {
                        None
                    }
                }
                Inbound::Bridge(peer) => peer.upgrade().map(Forward::To),
            }
        };
        match forward {
            Some(Forward::Back) => self.write_frame(frame),
            Some(Forward::To(peer)) => peer.write_frame(frame),
            Some(Forward::Wake) => self.signal.bump(),
            None => {}
        }
    }

    /// A key from the far end: passed on across a bridge, else queued for the dialplan.
    pub fn receive_dtmf(&self, digit: u8) {
        let peer = {
            let mut inner = self.inner();
            if inner.hangup.is_some() {
                return;
            }
            match &inner.inbound {
                Inbound::Bridge(peer) if !inner.feature_keys.contains(&digit) => peer.upgrade(),
                _ => {
                    inner.dtmf.push_back(digit);
                    None
                }
            }
        };
        match peer {
            Some(peer) => peer.send_dtmf(digit),
            None => self.signal.bump(),
        }
    }

    /// Progress from the far end of a channel being dialled.
    pub fn receive_indication(&self, indication: Indication) {
        {
            let mut inner = self.inner();
            if inner.hangup.is_some() {
                return;
            }
            match indication {
                Indication::Answer => {
                    inner.state = State::Up;
                    inner.answered_at.get_or_insert_with(SystemTime::now);
                }
                Indication::Ringing => inner.state = State::Ringing,
                Indication::Busy => inner.state = State::Busy,
                Indication::Progress | Indication::Congestion => {}
            }
            inner.events.push_back(indication);
        }
        self.signal.bump();
    }

    /// The far end hung up.
    pub fn receive_hangup(&self, cause: Cause) {
        {
            let mut inner = self.inner();
            if inner.hangup.is_some() {
                return;
            }
            inner.hangup = Some(cause);
            self.gone.store(true, Ordering::Release);
        }
        self.signal.bump();
    }

    // --- the PBX side ---------------------------------------------------------------

    pub fn write_frame(&self, frame: &Samples) {
        if !self.is_hung_up() {
            self.endpoint.send_frame(frame);
        }
    }

    pub fn send_dtmf(&self, digit: u8) {
        if self.inner().hangup.is_none() {
            self.endpoint.send_dtmf(digit);
        }
    }

    /// Places the call on a channel the PBX dials out on.
    pub fn call(self: &Arc<Self>) {
        self.endpoint.call(self);
    }

    /// `ast_answer`: a no-op on a channel already up.
    pub fn answer(&self) {
        {
            let mut inner = self.inner();
            if inner.hangup.is_some() || inner.state == State::Up {
                return;
            }
            inner.state = State::Up;
            inner.answered_at = Some(SystemTime::now());
        }
        self.publish_snapshot();
        self.endpoint.indicate(Indication::Answer);
    }

    pub fn indicate(&self, indication: Indication) {
        if self.inner().hangup.is_none() {
            self.endpoint.indicate(indication);
        }
    }

    /// The PBX hangs up (once; later calls keep the first cause).
    pub fn hangup(&self, cause: Cause) {
        let bridged = {
            let mut inner = self.inner();
            if inner.hangup.is_some() {
                return;
            }
            inner.hangup = Some(cause);
            self.gone.store(true, Ordering::Release);
            // A bridge ends; a recording is kept for whoever is recording.
            match inner.inbound {
                Inbound::Bridge(_) | Inbound::Echo => {
                    std::mem::replace(&mut inner.inbound, Inbound::Discard)
                }
                _ => Inbound::Discard,
            }
        };
        drop(bridged);
        self.endpoint.hangup(cause);
        self.signal.bump();
    }

    // --- state ------------------------------------------------------------------------

    pub fn state(&self) -> State {
        self.inner().state
    }

    pub fn set_state(&self, state: State) {
        self.inner().state = state;
    }

    pub fn hangup_cause(&self) -> Option<Cause> {
        self.inner().hangup
    }

    pub fn is_hung_up(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// Sets (or with `None` cancels) the call's absolute timeout: the dialplan's waits on
    /// this channel stop there, without hanging it up; the PBX loop then goes on at `T`.
    pub fn set_timeout_at(&self, at: Option<Instant>) {
        self.inner().timeout_at = at;
    }

    /// Whether a wait of the dialplan on this channel must stop (`ast_check_hangup`): it
    /// hung up, or its absolute timeout passed.
    pub fn must_stop(&self) -> bool {
        self.is_hung_up()
            || self
                .inner()
                .timeout_at
                .is_some_and(|at| Instant::now() >= at)
    }

    /// `deadline` or the absolute timeout, whichever comes first: how long a wait may
    /// sleep.
    pub fn wake_by(&self, deadline: Option<Instant>) -> Option<Instant> {
        match (deadline, self.inner().timeout_at) {
            (Some(d), Some(t)) => Some(d.min(t)),
            (d, t) => d.or(t),
        }
    }

    pub fn answered_at(&self) -> Option<SystemTime> {
        self.inner().answered_at
    }

    /// The next key from the far end, if any.
    pub fn take_dtmf(&self) -> Option<u8> {
        self.inner().dtmf.pop_front()
    }

    /// The first queued key `accept` takes; keys before it are dropped (a prompt that only
    /// `#` stops discards other keys, as `ast_waitstream` does).
    pub fn take_dtmf_if(&self, accept: &dyn Fn(u8) -> bool) -> Option<u8> {
        let mut inner = self.inner();
        while let Some(d) = inner.dtmf.pop_front() {
            if accept(d) {
                return Some(d);
            }
        }
        None
    }

    pub fn take_indication(&self) -> Option<Indication> {
        self.inner().events.pop_front()
    }

    /// Whether a recording in progress has heard its limit of silence.
    /// Samples recorded so far (none when not recording).
    pub fn recorded_samples(&self) -> usize {
        match &self.inner().inbound {
            Inbound::Record(r) => r.samples.len(),
            _ => 0,
        }
    }

    pub fn recording_silenced(&self) -> bool {
        matches!(&self.inner().inbound, Inbound::Record(r) if r.silenced)
    }

    pub fn set_inbound(&self, inbound: Inbound) -> Inbound {
        std::mem::replace(&mut self.inner().inbound, inbound)
    }

    /// Keys kept for the PBX while bridged (see [`Channel::receive_dtmf`]).
    pub fn set_feature_keys(&self, keys: &[u8]) {
        self.inner().feature_keys = keys.to_vec();
    }

    pub fn set_location(&self, location: Location) {
        self.inner().location = location;
    }

    /// An application runs a subroutine on it from now on (`on`), or no longer.
    pub fn set_in_subroutine(&self, on: bool) {
        self.inner().in_subroutine = on;
    }

    /// Its hang-up logic runs from now on (`AST_SOFTHANGUP_HANGUP_EXEC`).
    pub fn set_hangup_exec(&self) {
        self.inner().hangup_exec = true;
    }

    /// Sets its hang-up cause without hanging it up (`ast_channel_hangupcause_set`).
    pub fn set_hangupcause(&self, cause: Cause) {
        self.cause.store(cause.0, Ordering::Relaxed);
    }

    /// `ast_channel_hangupcause`: the cause it hung up with, else the one last set; 0 for
    /// none.
    pub fn hangupcause(&self) -> i32 {
        match self.inner().hangup {
            Some(cause) => i32::from(cause.0),
            None => i32::from(self.cause.load(Ordering::Relaxed)),
        }
    }

    /// What the channel shows its CDR engine now (`ast_channel_snapshot`).
    pub fn cdr_snapshot(&self) -> pbx_cdr::chain::Snapshot {
        let mut snapshot = pbx_cdr::chain::Snapshot::default();
        self.snapshot_into(&self.inner(), &mut snapshot);
        snapshot
    }

    /// [`Channel::cdr_snapshot`] into the strings `snapshot` has.
    fn snapshot_into(&self, inner: &Inner, snapshot: &mut pbx_cdr::chain::Snapshot) {
        let l = &inner.location;
        snapshot.context.clone_from(&l.context);
        snapshot.exten.clone_from(&l.exten);
        snapshot.priority = l.priority;
        snapshot.app.clone_from(&l.app);
        snapshot.data.clone_from(&l.data);
        snapshot.up = inner.state == State::Up;
        snapshot.hangup_exec = inner.hangup_exec;
        snapshot.in_subroutine = inner.in_subroutine;
        snapshot.dead = false;
        snapshot.cause = inner.hangup.map_or_else(
            || i32::from(self.cause.load(Ordering::Relaxed)),
            |c| i32::from(c.0),
        );
    }

    /// A priority starts on the channel (`pbx_exec`): it is where the call stands (for
    /// `core show channels`), with the subroutine flag the engine reports, and its CDR engine
    /// sees the snapshot. The strings are copied into those the channel and `scratch` (the
    /// call thread's) already have: nothing is allocated at a priority once they have grown.
    pub fn step_starts(&self, step: &pbx_engine::Executed, scratch: &mut pbx_cdr::chain::Snapshot) {
        let keeps_cdr = self.keeps_cdr.load(Ordering::Relaxed);
        {
            let mut inner = self.inner();
            let l = &mut inner.location;
            copy_lossy(&mut l.context, step.context);
            copy_lossy(&mut l.exten, step.exten);
            l.priority = step.priority;
            l.app.clear();
            l.app.push_str(step.app);
            copy_lossy(&mut l.data, step.data);
            inner.in_subroutine = step.in_subroutine;
            if keeps_cdr {
                self.snapshot_into(&inner, scratch);
            }
        }
        // The channel's lock is let go first: code run on the CDR engine may take it.
        if keeps_cdr && let Some(chain) = lock(&self.cdr).as_mut() {
            chain.update(scratch, pbx_cdr::Timestamp::now());
        }
    }

    /// `ast_channel_publish_snapshot`: the CDR engine sees the channel as it is now.
    pub fn publish_snapshot(&self) {
        let snapshot = self.cdr_snapshot();
        if let Some(chain) = lock(&self.cdr).as_mut() {
            chain.update(&snapshot, pbx_cdr::Timestamp::now());
        }
    }

    /// Runs `f` on the channel's CDR engine, when it has one.
    pub fn with_cdr(&self, f: impl FnOnce(&mut pbx_cdr::chain::Chain, pbx_cdr::Timestamp)) {
        if let Some(chain) = lock(&self.cdr).as_mut() {
            f(chain, pbx_cdr::Timestamp::now());
        }
    }

    pub fn location(&self) -> Location {
        self.inner().location.clone()
    }

    pub fn set_bridged_with(&self, peer: Option<String>) {
        self.inner().bridged_with = peer;
    }

    pub fn bridged_with(&self) -> Option<String> {
        self.inner().bridged_with.clone()
    }

    pub fn note_played(&self, name: &str) {
        self.inner().played.push(name.to_string());
    }

    pub fn played(&self) -> Vec<String> {
        self.inner().played.clone()
    }

    pub fn note_step(&self, line: String) {
        let mut inner = self.inner();
        if inner.trace.len() == TRACE_LIMIT {
            inner.trace.pop_front();
        }
        inner.trace.push_back(line);
    }

    /// The priorities it ran, `context,exten,priority,App(data)` each.
    pub fn trace(&self) -> Vec<String> {
        self.inner().trace.iter().cloned().collect()
    }

    /// Marks its dialplan as ended.
    pub fn set_finished(&self) {
        let took = self.created.elapsed().unwrap_or_default();
        *lock(&self.finished) = Some(took);
    }

    /// Whether its dialplan ended.
    pub fn is_finished(&self) -> bool {
        lock(&self.finished).is_some()
    }

    /// How long its dialplan ran (so far).
    pub fn took(&self) -> std::time::Duration {
        lock(&self.finished).unwrap_or_else(|| self.created.elapsed().unwrap_or_default())
    }

    pub fn set_final_vars(&self, vars: Vec<(String, String)>) {
        self.inner().final_vars = vars;
    }

    /// Its variables when its dialplan ended (empty before).
    pub fn final_vars(&self) -> Vec<(String, String)> {
        self.inner().final_vars.clone()
    }

    /// One of [`Channel::final_vars`].
    pub fn final_var(&self, name: &str) -> Option<String> {
        self.inner()
            .final_vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

enum Forward {
    Back,
    To(Arc<Channel>),
    /// Something the waiting thread must see (a recording went silent).
    Wake,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("name", &self.name).finish()
    }
}

/// `text` as the string `into`, in the buffer it has (invalid UTF-8 replaced, as
/// `String::from_utf8_lossy` does).
fn copy_lossy(into: &mut String, text: &[u8]) {
    into.clear();
    match std::str::from_utf8(text) {
        Ok(text) => into.push_str(text),
        Err(_) => into.push_str(&String::from_utf8_lossy(text)),
    }
}
