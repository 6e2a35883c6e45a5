//! The scripted test channel (`Test/name`): a caller or a called party that does what a
//! script says at given times — keys, a hang-up — and records everything the PBX sent it:
//! frames (through the G.711 µ-law edge codec, as a SIP phone would get them), keys,
//! progress and the hang-up cause. `pbxc test`, the load tests and the benchmark place calls
//! with it.
//!
//! Dialled as `Dial(Test/name[/behaviour])`, it answers at once (`answer`, the default), or
//! says `busy`, `congestion`, or rings forever (`noanswer`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use pbx_media::Samples;

use crate::channel::{Cause, Channel, Endpoint, Indication, Spec, State, lock};
use crate::pbx::{Pbx, Start};

/// What the far end does, at times counted from the start of the call.
#[derive(Clone, Debug, Default)]
pub struct Script {
    pub dtmf: Vec<(Duration, u8)>,
    pub hangup_after: Option<Duration>,
}

/// What the far end received.
#[derive(Debug, Default)]
pub struct Recorder {
    pub frames: AtomicU64,
    /// Sum of the µ-law bytes received, so a test can tell silence from a prompt.
    pub nonsilent_frames: AtomicU64,
    pub dtmf: Mutex<Vec<u8>>,
    pub indications: Mutex<Vec<Indication>>,
    pub hangup: Mutex<Option<Cause>>,
}

impl Recorder {
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub fn hangup_cause(&self) -> Option<Cause> {
        *lock(&self.hangup)
    }

    pub fn indications(&self) -> Vec<Indication> {
        lock(&self.indications).clone()
    }
}

struct TestEndpoint {
    recorder: Arc<Recorder>,
    /// For a dialled test channel: how it reacts to the call.
    behaviour: Behaviour,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Caller,
    Answer,
    Busy,
    Congestion,
    NoAnswer,
    /// Hangs up unanswered with this cause (a SIP peer's 603 is 21, call rejected; 16,
    /// normal clearing, is a phone that stops ringing).
    Refuse(Cause),
    /// Panics when called: proves that a panic ends its call, not the process.
    Panic,
}

impl Endpoint for TestEndpoint {
    fn call(&self, chan: &Arc<Channel>) {
        match self.behaviour {
            Behaviour::Answer => chan.receive_indication(Indication::Answer),
            Behaviour::Busy => {
                chan.receive_indication(Indication::Busy);
                chan.receive_hangup(Cause::USER_BUSY);
            }
            Behaviour::Congestion => {
                chan.receive_indication(Indication::Congestion);
                chan.receive_hangup(Cause::CONGESTION);
            }
            Behaviour::NoAnswer => chan.receive_indication(Indication::Ringing),
            Behaviour::Refuse(cause) => chan.receive_hangup(cause),
            Behaviour::Panic => panic!("Test/…/panic: a driver failing on purpose"),
            Behaviour::Caller => {}
        }
    }

    fn send_frame(&self, frame: &Samples) {
        self.recorder.frames.fetch_add(1, Ordering::Relaxed);
        // The edge codec: a phone hears µ-law.
        let loud = frame
            .iter()
            .map(|&s| pbx_media::g711::ulaw_encode(s))
            .any(|b| b & 0x7f < 0x70);
        if loud {
            self.recorder
                .nonsilent_frames
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn send_dtmf(&self, digit: u8) {
        lock(&self.recorder.dtmf).push(digit);
    }

    fn indicate(&self, indication: Indication) {
        lock(&self.recorder.indications).push(indication);
    }

    fn hangup(&self, cause: Cause) {
        lock(&self.recorder.hangup).get_or_insert(cause);
    }
}

/// A call from a test caller into the dialplan.
pub struct Caller {
    pub name: String,
    pub caller_number: Option<String>,
    pub caller_name: Option<String>,
    pub script: Script,
}

/// Places `caller`'s call at `start`; the recorder shows what the caller got.
pub fn place(
    pbx: &Arc<Pbx>,
    caller: Caller,
    start: Start,
) -> std::io::Result<(Arc<Channel>, Arc<Recorder>)> {
    if !pbx.accepting() {
        return Err(std::io::Error::other("the PBX is stopping: no new calls"));
    }
    let recorder = Arc::new(Recorder::default());
    let chan = Channel::new(
        Spec {
            name: caller.name,
            caller_number: caller.caller_number,
            caller_name: caller.caller_name,
            state: State::Ring,
            signal: None,
        },
        Box::new(TestEndpoint {
            recorder: recorder.clone(),
            behaviour: Behaviour::Caller,
        }),
    );
    schedule(pbx, &chan, &caller.script);
    pbx.spawn_call(chan.clone(), start)?;
    Ok((chan, recorder))
}

/// Runs the script's events on the PBX's timer runtime; a timer holds the channel weakly,
/// so a finished call is not kept alive by its script.
fn schedule(pbx: &Pbx, chan: &Arc<Channel>, script: &Script) {
    for &(at, digit) in &script.dtmf {
        let chan: Weak<Channel> = Arc::downgrade(chan);
        pbx.tokio.spawn(async move {
            tokio::time::sleep(at).await;
            if let Some(chan) = chan.upgrade() {
                chan.receive_dtmf(digit);
            }
        });
    }
    if let Some(at) = script.hangup_after {
        let chan: Weak<Channel> = Arc::downgrade(chan);
        pbx.tokio.spawn(async move {
            tokio::time::sleep(at).await;
            if let Some(chan) = chan.upgrade() {
                chan.receive_hangup(Cause::NORMAL_CLEARING);
            }
        });
    }
}

/// `Dial(Test/name[/behaviour])`: `answer` (the default), `busy`, `congestion`,
/// `noanswer`, `hangupN` (hangs up unanswered with cause N), `failN` (cannot be requested,
/// with cause N), `panic`.
pub fn request(
    resource: &str,
    signal: Option<Arc<crate::channel::Signal>>,
) -> Result<Arc<Channel>, Cause> {
    let (name, behaviour) = match resource.split_once('/') {
        Some((name, behaviour)) => (name, behaviour),
        None => (resource, "answer"),
    };
    let behaviour = match behaviour {
        "answer" => Behaviour::Answer,
        "busy" => Behaviour::Busy,
        "congestion" => Behaviour::Congestion,
        "noanswer" => Behaviour::NoAnswer,
        "panic" => Behaviour::Panic,
        // `hangup21`: hangs up unanswered with cause 21.
        other => match other.strip_prefix("hangup").and_then(|n| n.parse().ok()) {
            Some(cause) => Behaviour::Refuse(Cause(cause)),
            // `fail17`: cannot be requested, with cause 17 (a busy line).
            None => match other.strip_prefix("fail").and_then(|n| n.parse().ok()) {
                Some(cause) => return Err(Cause(cause)),
                None => return Err(Cause::CHANNEL_UNACCEPTABLE),
            },
        },
    };
    Ok(Channel::new(
        Spec {
            name: format!(
                "Test/{name}-{:08x}",
                SEQUENCE.fetch_add(1, Ordering::Relaxed)
            ),
            caller_number: None,
            caller_name: None,
            state: State::Down,
            signal,
        },
        Box::new(TestEndpoint {
            recorder: Arc::new(Recorder::default()),
            behaviour,
        }),
    ))
}

static SEQUENCE: AtomicU64 = AtomicU64::new(1);
