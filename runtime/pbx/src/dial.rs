//! `Dial(Tech/resource[&Tech2/resource2…][,timeout[,options[,URL]]])` (app_dial.c): rings
//! every target at once, bridges the caller with the first that answers, and sets the
//! variables Asterisk sets (`DIALSTATUS`, `DIALEDTIME`, `ANSWEREDTIME`, `DIALEDPEERNAME`,
//! `DIALEDPEERNUMBER`).
//!
//! Options: `r` (ring the caller), `m[(class)]` (music on hold while ringing), `g` (go on in
//! the dialplan when the called party hangs up), `S(x)` (hang up x seconds after the answer),
//! `L(x)` (limit the call to x ms). `t`/`T` (transfers) are accepted; `G`, `U` and the other
//! letters are not run by this runtime yet and say so in the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pbx_engine::AppResult;
use pbx_engine::args::{parse_options, standard};
use pbx_engine::vars::Variables;

use crate::apps::{CallIo, Wake};
use crate::channel::{Cause, Channel, Inbound, Indication};
use crate::media::Source;

pub(crate) fn dial(io: &CallIo, data: &[u8], vars: &mut Variables) -> AppResult {
    let args = standard(data, 4);
    let targets = args.first().cloned().unwrap_or_default();
    if targets.is_empty() {
        tracing::warn!("Dial requires an argument (technology/resource)");
        return AppResult::Hangup;
    }
    let timeout = args
        .get(1)
        .and_then(|t| String::from_utf8_lossy(t).trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .map(Duration::from_secs_f64);
    let options = match parse_options(args.get(2).map_or(&[][..], |o| o)) {
        Ok(options) => options,
        Err(warning) => {
            tracing::warn!("{warning}");
            Vec::new()
        }
    };
    let option = |letter: u8| options.iter().find(|(l, _)| *l == letter);
    let arg_of = |letter: u8| {
        option(letter)
            .and_then(|(_, a)| a.as_ref())
            .map(|a| String::from_utf8_lossy(a).into_owned())
    };
    for (letter, _) in &options {
        if !b"rmgStTL".contains(letter) {
            tracing::warn!(
                "Dial: option '{}' is not supported by this runtime and is ignored",
                *letter as char
            );
        }
    }

    let caller = io.chan;
    let started = Instant::now();
    let mut ringing: Vec<Arc<Channel>> = Vec::new();
    let mut status: &[u8] = b"CHANUNAVAIL";
    for target in targets.split(|&c| c == b'&') {
        let target = String::from_utf8_lossy(target).trim().to_string();
        let Some((tech, resource)) = target.split_once('/') else {
            tracing::warn!("Dial argument takes format (technology/resource): {target}");
            continue;
        };
        match io.pbx.request(tech, resource, caller, vars) {
            Ok(out) => {
                io.pbx.register(&out);
                out.call();
                ringing.push(out);
            }
            Err(cause) => {
                tracing::warn!(
                    "Unable to create channel of type '{tech}' (cause {} - {})",
                    cause.0,
                    cause.name()
                );
                if cause == Cause::CONGESTION {
                    status = b"CONGESTION";
                }
            }
        }
    }
    if ringing.is_empty() {
        vars.set(b"DIALSTATUS", Some(status));
        return AppResult::Continue;
    }
    if option(b'r').is_some() {
        caller.indicate(Indication::Ringing);
    }
    let hold = option(b'm').and_then(|_| {
        let files = io.moh_files(arg_of(b'm').as_deref().unwrap_or(""));
        files.first().map(|sound| {
            io.pbx.media.play(
                caller.clone(),
                Source::Sound {
                    sound: sound.clone(),
                    position: 0,
                    repeat: true,
                },
            )
        })
    });

    // Ringing: wait for an answer, the end of every attempt, the caller's hang-up, or the
    // timeout.
    let deadline = timeout.map(|t| started + t);
    let mut busy = false;
    let mut congestion = false;
    let answered = loop {
        let seen = caller.signal.generation();
        if caller.is_hung_up() {
            for out in &ringing {
                out.hangup(Cause::NORMAL_CLEARING);
            }
            if let Some(hold) = &hold {
                hold.stop();
            }
            vars.set(b"DIALSTATUS", Some(b"CANCEL"));
            return AppResult::Hangup;
        }
        let mut winner = None;
        ringing.retain(|out| {
            while let Some(indication) = out.take_indication() {
                match indication {
                    Indication::Answer => {
                        winner.get_or_insert_with(|| out.clone());
                    }
                    Indication::Ringing if option(b'r').is_none() && hold.is_none() => {
                        caller.indicate(Indication::Ringing)
                    }
                    Indication::Busy => busy = true,
                    Indication::Congestion => congestion = true,
                    _ => {}
                }
            }
            if out.is_hung_up() && winner.as_ref().is_none_or(|w| !Arc::ptr_eq(w, out)) {
                match out.hangup_cause() {
                    Some(Cause::USER_BUSY) => busy = true,
                    Some(Cause::CONGESTION) => congestion = true,
                    _ => {}
                }
                return false;
            }
            true
        });
        if let Some(winner) = winner {
            break winner;
        }
        if ringing.is_empty() {
            if let Some(hold) = &hold {
                hold.stop();
            }
            let status: &[u8] = if busy {
                b"BUSY"
            } else if congestion {
                b"CONGESTION"
            } else {
                b"NOANSWER"
            };
            vars.set(b"DIALSTATUS", Some(status));
            set_time(vars, b"DIALEDTIME", started);
            return AppResult::Continue;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            for out in &ringing {
                out.hangup(Cause::NO_ANSWER);
            }
            if let Some(hold) = &hold {
                hold.stop();
            }
            vars.set(b"DIALSTATUS", Some(b"NOANSWER"));
            set_time(vars, b"DIALEDTIME", started);
            return AppResult::Continue;
        }
        caller.signal.wait(seen, deadline);
    };
    if let Some(hold) = &hold {
        hold.stop();
    }
    for out in &ringing {
        if !Arc::ptr_eq(out, &answered) {
            out.hangup(Cause::ANSWERED_ELSEWHERE);
        }
    }
    caller.answer();
    vars.set(b"DIALSTATUS", Some(b"ANSWER"));
    vars.set(b"DIALEDPEERNAME", Some(answered.name.as_bytes()));
    vars.set(
        b"DIALEDPEERNUMBER",
        Some(targets.split(|&c| c == b'&').next().unwrap_or_default()),
    );
    lock_record(io).dstchannel = answered.name.clone();

    // The bridge: each side's audio and keys go to the other until one hangs up.
    let answered_at = Instant::now();
    let limit = [
        arg_of(b'S')
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(|s| s * 1000),
        arg_of(b'L').and_then(|l| l.split(':').next()?.trim().parse::<u64>().ok()),
    ]
    .into_iter()
    .flatten()
    .min()
    .map(|ms| answered_at + Duration::from_millis(ms));
    caller.set_inbound(Inbound::Bridge(Arc::downgrade(&answered)));
    answered.set_inbound(Inbound::Bridge(Arc::downgrade(caller)));
    caller.set_bridged_with(Some(answered.name.clone()));
    answered.set_bridged_with(Some(caller.name.clone()));
    let wake = loop {
        let seen = caller.signal.generation();
        if caller.is_hung_up() {
            break Wake::HungUp;
        }
        if answered.is_hung_up() {
            break Wake::Done;
        }
        if limit.is_some_and(|l| Instant::now() >= l) {
            break Wake::Key(0);
        }
        caller.signal.wait(seen, limit);
    };
    caller.set_inbound(Inbound::Discard);
    answered.set_inbound(Inbound::Discard);
    caller.set_bridged_with(None);
    answered.set_bridged_with(None);
    set_time(vars, b"DIALEDTIME", started);
    set_time(vars, b"ANSWEREDTIME", answered_at);
    match wake {
        Wake::HungUp => {
            answered.hangup(Cause::NORMAL_CLEARING);
            AppResult::Hangup
        }
        // The limit: both sides are hung up.
        Wake::Key(_) => {
            answered.hangup(Cause::NORMAL_CLEARING);
            AppResult::Hangup
        }
        Wake::Done if option(b'g').is_some() => AppResult::Continue,
        Wake::Done => AppResult::Hangup,
    }
}

fn lock_record<'a>(io: &'a CallIo) -> std::sync::MutexGuard<'a, crate::pbx::CallRecord> {
    crate::channel::lock(io.record)
}

fn set_time(vars: &mut Variables, name: &[u8], since: Instant) {
    vars.set(name, Some(since.elapsed().as_secs().to_string().as_bytes()));
}
