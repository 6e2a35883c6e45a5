//! A call's CDR, as Asterisk records a channel that ran the dialplan: who called, which
//! extension, the peer it was bridged with, the last application, when it started, was
//! answered and ended, and how it went.

use std::time::SystemTime;

use pbx_cdr::{Cdr, Disposition, Timestamp};

use crate::channel::{Cause, Channel};
use crate::pbx::CallRecord;

fn stamp(t: SystemTime) -> Timestamp {
    Timestamp::from_micros(
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
    )
}

pub(crate) fn record(
    chan: &Channel,
    context: &str,
    exten: &str,
    record: &CallRecord,
    end: SystemTime,
) -> Cdr {
    let number = chan.caller_number.clone().unwrap_or_default();
    let clid = match &chan.caller_name {
        Some(name) => format!("\"{name}\" <{number}>"),
        None if number.is_empty() => String::new(),
        None => format!("\"\" <{number}>"),
    };
    let last = chan.location();
    let answer = chan.answered_at();
    // cdr.c's `cdr_object_finalize` and `cdr_object_set_disposition`, cdr.conf defaults
    // (congestion = no).
    let disposition = if answer.is_some() {
        Disposition::Answered
    } else {
        match chan.hangup_cause() {
            Some(Cause::USER_BUSY) => Disposition::Busy,
            Some(Cause::NORMAL_CLEARING | Cause::NO_ANSWER) => Disposition::NoAnswer,
            _ => Disposition::Failed,
        }
    };
    let attributes = crate::channel::lock(&chan.attributes).clone();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Cdr {
        accountcode: text(&attributes.accountcode),
        // Party B's account code (cdr.c), not this channel's CHANNEL(peeraccount): the
        // bridged peer's codes are not recorded, so it stays empty.
        userfield: text(&attributes.cdr_userfield),
        amaflags: pbx_cdr::AmaFlags::from_number(attributes.amaflags),
        linkedid: chan.linked_id(),
        src: number,
        dst: exten.to_string(),
        dcontext: context.to_string(),
        clid,
        channel: chan.name.clone(),
        dstchannel: record.dstchannel.clone(),
        lastapp: last.app,
        lastdata: last.data,
        start: stamp(chan.created),
        answer: answer.map(stamp),
        end: stamp(end),
        disposition,
        uniqueid: chan.unique_id.clone(),
        ..Default::default()
    }
}
