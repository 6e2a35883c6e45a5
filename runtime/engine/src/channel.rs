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
    /// channel keeps no CDR (offline).
    fn cdr_property(&self, name: &str) -> Option<Vec<u8>> {
        let _ = name;
        None
    }
    /// Carries out what ResetCDR, ForkCDR or `CDR_PROP()=` asks of the channel's CDR
    /// engine; false when the channel keeps no CDR (offline, or with CDRs off), where
    /// Asterisk finds no CDR object to change.
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
    /// Whether `Dial(Local/…)` runs offline, as a nested call on the engine (answering at
    /// once). A runtime with real Local channels says no, and gets Dial like any other
    /// application.
    fn runs_local_offline(&self) -> bool {
        true
    }
}

/// An offline channel: it answers at once, plays every file instantly, and its caller dials
/// the keys given with [`SimulatedChannel::dial`], one whenever the dialplan listens for one
/// (during `BackGround`, `WaitExten` or while the PBX collects an extension). A caller with no
/// key left lets the dialplan time out, and hangs up after [`SimulatedChannel::PATIENCE`]
/// timeouts in a row, as a real caller would rather than listen to a menu forever. Dial
/// reaches a party that answers and hangs up at once.
#[derive(Debug)]
pub struct SimulatedChannel {
    name: Vec<u8>,
    keys: std::collections::VecDeque<u8>,
    timeouts: u32,
    /// Its `SHARED()` variables (the only channel there is, offline).
    shared: crate::shared::SharedVariables,
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
        }
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

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        match app {
            // The called party answers at once and hangs up at once: Dial returns -1 after
            // the bridge unless `g` says to go on in the dialplan.
            "Dial" => {
                vars.set(b"DIALSTATUS", Some(b"ANSWER"));
                vars.set(b"ANSWEREDTIME", Some(b"0"));
                vars.set(b"DIALEDTIME", Some(b"0"));
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

    fn hung_up(&self) -> bool {
        self.timeouts >= Self::PATIENCE
    }
}
