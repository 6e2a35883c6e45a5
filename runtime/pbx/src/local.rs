//! Local channels (`Local/exten@context[/n]`, chan_local / core_local.c): two halves joined
//! back to back. `;1` is what Dial (or originate) gets; `;2` runs `exten@context` on a thread
//! of its own. What one half is sent, the other receives; answering, ringing and hanging up
//! cross over the same way. Each half holds the other weakly, so neither keeps the other
//! alive past its call.

use std::sync::{Arc, OnceLock, Weak};

use pbx_engine::vars::Variables;
use pbx_media::Samples;

use crate::channel::{Cause, Channel, Endpoint, Indication, Spec, State};
use crate::pbx::{Pbx, Start};

/// Splits `exten@context[/options]` (`default` when there is no context).
pub fn parse(resource: &str) -> (String, String) {
    let resource = resource.split('/').next().unwrap_or("");
    match resource.split_once('@') {
        Some((exten, context)) => (exten.to_string(), context.to_string()),
        None => (resource.to_string(), "default".to_string()),
    }
}

/// Creates the pair; returns `;1`. Placing the call on it ([`Channel::call`]) starts `;2`
/// in the dialplan with `vars` (what a child channel inherits); the halves start with the
/// attributes given (see [`pbx_engine::Attributes::for_dialled`] and
/// [`pbx_engine::Attributes::for_local_child`]).
pub fn request(
    pbx: &Arc<Pbx>,
    resource: &str,
    caller_number: Option<String>,
    caller_name: Option<String>,
    signal: Option<Arc<crate::channel::Signal>>,
    vars: Variables,
    (one_attributes, two_attributes): (pbx_engine::Attributes, pbx_engine::Attributes),
) -> Arc<Channel> {
    let (exten, context) = parse(resource);
    let sequence = pbx
        .local_sequence
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = format!("Local/{exten}@{context}-{sequence:08x}");
    let (base_context, base_exten) = (context.to_string(), exten.to_string());
    let outer = Arc::new(Half {
        peer: OnceLock::new(),
        start: std::sync::Mutex::new(Some((
            Arc::downgrade(pbx),
            Start {
                context,
                exten,
                priority: 1,
                vars,
            },
        ))),
        pending: std::sync::Mutex::new(None),
    });
    let inner = Arc::new(Half {
        peer: OnceLock::new(),
        start: std::sync::Mutex::new(None),
        pending: std::sync::Mutex::new(None),
    });
    let one = Channel::new(
        Spec {
            name: format!("{base};1"),
            caller_number: caller_number.clone(),
            caller_name: caller_name.clone(),
            state: State::Down,
            signal,
        },
        Box::new(outer.clone()),
    );
    let two = Channel::new(
        Spec {
            name: format!("{base};2"),
            caller_number,
            caller_name,
            state: State::Ring,
            signal: None,
        },
        Box::new(inner.clone()),
    );
    // Both halves are made at the place the `;2` half runs (`unreal_new_channels`); the
    // `;1` half keeps the context (app_dial.c then gives it the caller's extension).
    one.set_location(crate::channel::Location {
        context: base_context,
        exten: base_exten,
        priority: 1,
        ..Default::default()
    });
    *crate::channel::lock(&one.attributes) = one_attributes;
    *crate::channel::lock(&two.attributes) = two_attributes;
    let _ = outer.peer.set(Arc::downgrade(&two));
    let _ = inner.peer.set(Arc::downgrade(&one));
    // `;2` lives as long as `;1` has not placed the call, then as long as its call thread.
    *crate::channel::lock(&outer.pending) = Some(two);
    one
}

/// One half's far end: the other half.
struct Half {
    peer: OnceLock<Weak<Channel>>,
    /// For `;1`: where `;2` starts, until the call is placed.
    start: std::sync::Mutex<Option<(Weak<Pbx>, Start)>>,
    /// For `;1`: `;2` itself until the call is placed (then its call thread owns it).
    pending: std::sync::Mutex<Option<Arc<Channel>>>,
}

impl Half {
    fn peer(&self) -> Option<Arc<Channel>> {
        self.peer.get().and_then(Weak::upgrade)
    }
}

impl Endpoint for Arc<Half> {
    fn call(&self, _chan: &Arc<Channel>) {
        let Some((pbx, start)) = crate::channel::lock(&self.start).take() else {
            return;
        };
        let two = crate::channel::lock(&self.pending).take();
        let (Some(pbx), Some(two)) = (pbx.upgrade(), two) else {
            return;
        };
        if let Err(e) = pbx.spawn_call(two.clone(), start) {
            tracing::error!("cannot start {}: {e}", two.name);
            two.hangup(Cause::FAILURE);
        }
    }

    fn send_frame(&self, frame: &Samples) {
        if let Some(peer) = self.peer() {
            peer.receive_frame(frame);
        }
    }

    fn send_dtmf(&self, digit: u8) {
        if let Some(peer) = self.peer() {
            peer.receive_dtmf(digit);
        }
    }

    fn indicate(&self, indication: Indication) {
        if let Some(peer) = self.peer() {
            peer.receive_indication(indication);
        }
    }

    fn hangup(&self, cause: Cause) {
        crate::channel::lock(&self.pending).take();
        if let Some(peer) = self.peer() {
            peer.receive_hangup(cause);
        }
    }
}
