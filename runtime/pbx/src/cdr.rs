//! A channel's CDRs: its CDR engine ([`pbx_cdr::chain::Chain`]) starts with its dialplan,
//! sees each snapshot it publishes, its dials and its bridge, and at its end gives the
//! records cdr_csv writes — who called, which extension, the called party, the last
//! application, when each record started, was answered and ended, and how it went.

use std::time::SystemTime;

use pbx_cdr::chain::{Chain, PartyA};
use pbx_cdr::{Cdr, Timestamp};

use crate::channel::{Cause, Channel, lock};
use crate::pbx::Pbx;

fn stamp(t: SystemTime) -> Timestamp {
    Timestamp::from_micros(
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
    )
}

/// The channel's dialplan starts at `context,exten`: its CDR engine starts, as of the
/// channel's creation, unless it already runs (a channel that goes on after a transfer).
pub(crate) fn start(pbx: &Pbx, chan: &Channel, context: &str, exten: &str) {
    let settings = pbx.cdr_settings();
    if !settings.enable {
        return;
    }
    // The snapshot before the chain's lock: the channel's own lock is never taken inside it.
    let mut snapshot = chan.cdr_snapshot();
    let answered = chan.answered_at();
    let mut cdr = lock(&chan.cdr);
    if cdr.is_some() {
        return;
    }
    snapshot.context = context.to_string();
    snapshot.exten = exten.to_string();
    // Made as the channel was, before it was answered: a channel already up (originated,
    // or a called party that goes on in the dialplan) was answered when it was.
    let up = std::mem::replace(&mut snapshot.up, false);
    let mut chain = Chain::new(
        settings.clone(),
        snapshot.clone(),
        chan.dialed.load(std::sync::atomic::Ordering::Relaxed),
        stamp(chan.created),
    );
    if up {
        snapshot.up = true;
        let at = answered.map_or_else(Timestamp::now, stamp);
        chain.update(&snapshot, at);
    }
    *cdr = Some(chain);
    chan.keeps_cdr
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The channel is gone: its records are final, and these are the ones to write.
pub(crate) fn finish(chan: &Channel) -> Vec<Cdr> {
    let mut snapshot = chan.cdr_snapshot();
    snapshot.dead = true;
    let Some(mut chain) = lock(&chan.cdr).take() else {
        return Vec::new();
    };
    let now = Timestamp::now();
    chain.update(&snapshot, now);
    chain.records(&party_a(chan), now)
}

/// The columns of party A that come from the channel itself.
fn party_a(chan: &Channel) -> PartyA {
    // The caller ID the dialplan last set, else the channel's own.
    let (name, number) = lock(&chan.dialplan_callerid)
        .clone()
        .unwrap_or_else(|| (chan.caller_name.clone(), chan.caller_number.clone()));
    let number = number.unwrap_or_default();
    // cdr.c merges the snapshot's name and number, which are empty rather than absent.
    let clid = String::from_utf8_lossy(&pbx_engine::callerid::merge(
        name.unwrap_or_default().as_bytes(),
        number.as_bytes(),
    ))
    .into_owned();
    let attributes = lock(&chan.attributes).clone();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    PartyA {
        accountcode: text(&attributes.accountcode),
        amaflags: pbx_cdr::AmaFlags::from_number(attributes.amaflags),
        channel: chan.name.clone(),
        clid,
        src: number,
        uniqueid: chan.unique_id.clone(),
        linkedid: chan.linked_id(),
        userfield: text(&attributes.cdr_userfield),
    }
}

/// `ast_hangup_cause_to_dial_status` (main/dial.c): the dial status of a called party that
/// hung up before it answered.
pub(crate) fn dial_status_of(cause: Option<Cause>) -> &'static str {
    match cause {
        Some(Cause::USER_BUSY) => "BUSY",
        Some(Cause::CONGESTION) => "CONGESTION",
        // AST_CAUSE_NO_ROUTE_DESTINATION, AST_CAUSE_UNREGISTERED
        Some(Cause(3) | Cause(20)) => "CHANUNAVAIL",
        _ => "NOANSWER",
    }
}
