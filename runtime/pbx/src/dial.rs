//! `Dial(Tech/resource[&Tech2/resource2…][,timeout[,options[,URL]]])` (app_dial.c): rings
//! every target at once, bridges the caller with the first that answers, and sets the
//! variables Asterisk sets (`DIALSTATUS`, `DIALEDTIME`, `ANSWEREDTIME`, `DIALEDPEERNAME`,
//! `DIALEDPEERNUMBER`).
//!
//! Options: `r` (ring the caller), `m[(class)]` (music on hold while ringing), `g` (go on in
//! the dialplan when the called party hangs up), `G(context^exten^priority)` (on answer, the
//! caller goes there and the called party to the next priority, apart), `U(sub[^args])` (a
//! subroutine on the called channel before the bridge; `GOSUB_RESULT` may abort, continue or
//! send the caller elsewhere), `S(x)` (hang up x seconds after the answer), `L(x)` (limit the
//! call to x ms), `t`/`T` (the called/calling party may blind-transfer the other with `#`, as
//! features.conf's default `blindxfer`). Other letters are logged and ignored.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pbx_engine::AppResult;
use pbx_engine::args::{parse_options, standard};
use pbx_engine::vars::Variables;

use pbx_engine::{Call, Engine, Outcome};

use crate::apps::{CallIo, Wake};
use crate::channel::{Cause, Channel, Inbound, Indication};
use crate::media::Source;
use crate::pbx::Start;

pub(crate) fn dial(io: &mut CallIo, data: &[u8], vars: &mut Variables) -> AppResult {
    pbx_engine::dial_times::clear(vars);
    let args = standard(data, 4);
    // No argument is no party to dial: CHANUNAVAIL below, and the dialplan goes on.
    let targets = args.first().cloned().unwrap_or_default();
    let timeout = args
        .get(1)
        .and_then(|t| String::from_utf8_lossy(t).trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .and_then(|t| Duration::try_from_secs_f64(t).ok());
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
        if !b"rmgGUStTL".contains(letter) {
            tracing::warn!(
                "Dial: option '{}' is not supported by this runtime and is ignored",
                *letter as char
            );
        }
    }

    let caller = io.chan.clone();
    let caller = &caller;
    let started = Instant::now();
    let mut ringing: Vec<Arc<Channel>> = Vec::new();
    let mut legs = Legs(Vec::new());
    // What app_dial.c counts of the parties that failed (`struct cause_args`).
    let mut failed = Failures::default();
    let count = targets.split(|&c| c == b'&').count();
    // Every party is requested first, and called once all are (`ast_call` after the loop).
    for (n, target) in targets.split(|&c| c == b'&').enumerate() {
        let target = String::from_utf8_lossy(target).trim().to_string();
        if target.is_empty() {
            continue;
        }
        let Some((tech, resource)) = target.split_once('/').filter(|(_, r)| !r.is_empty()) else {
            // The whole Dial fails (`goto out`): the parties requested so far are let go
            // uncalled, and the call hangs up unless `g`.
            tracing::warn!("Dial argument takes format (technology/resource)");
            for (out, _) in &legs.0 {
                out.hangup(Cause::NORMAL_CLEARING);
            }
            vars.set(b"DIALSTATUS", Some(b"INVALIDARGS"));
            return if option(b'g').is_some() && !caller.is_hung_up() {
                AppResult::Continue
            } else {
                AppResult::Hangup
            };
        };
        match io.pbx.request(tech, resource, caller, vars) {
            Ok(out) => {
                io.pbx.register(&out);
                legs.0.push((out.clone(), resource.to_string()));
            }
            Err(cause) => {
                tracing::warn!(
                    "Unable to create channel of type '{tech}' (cause {} - {})",
                    cause.0,
                    cause.name()
                );
                failed.count(Some(cause));
                // The last destination's cause is the caller's.
                if n + 1 == count {
                    caller.set_hangupcause(cause);
                }
            }
        }
    }
    for (out, _) in &legs.0 {
        out.dialed.store(true, std::sync::atomic::Ordering::Relaxed);
        caller.with_cdr(|cdr, now| cdr.dial_begin(&out.name, now));
        out.call();
        ringing.push(out.clone());
    }
    // No party could be called: BUSY or CONGESTION when a request failed so (a busy
    // line), else CHANUNAVAIL, as `wait_for_answer` decides with nothing to wait for.
    if ringing.is_empty() {
        vars.set(b"DIALSTATUS", Some(failed.status(failed.total())));
        return AppResult::Continue;
    }
    // Parties that failed before ringing count, and so do those called.
    let lines = failed.total() + ringing.len();
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
    let deadline = timeout.and_then(|t| started.checked_add(t));
    // Parties counted by the busy or congestion they signalled (app_dial.c counts the
    // signal, not the cause the party hangs up with later).
    let mut signalled: Vec<Arc<Channel>> = Vec::new();
    // Whether a party rang, or made progress, yet (`sent_ring`, `sent_progress`).
    let (mut rang, mut progressed) = (false, false);
    let answered = loop {
        let seen = caller.signal.generation();
        // The caller's absolute timeout ends the attempt as its hang-up would.
        if caller.must_stop() {
            for out in &ringing {
                out.hangup(Cause::NORMAL_CLEARING);
                caller.with_cdr(|cdr, now| cdr.dial_end(&out.name, "CANCEL", now));
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
                    Indication::Ringing => {
                        // RINGTIME: from the first ringing party's creation.
                        if !std::mem::replace(&mut rang, true) {
                            pbx_engine::dial_times::set(vars, b"RINGTIME", since(out.created));
                        }
                        if option(b'r').is_none() && hold.is_none() {
                            caller.indicate(Indication::Ringing);
                        }
                    }
                    // PROGRESSTIME: from the creation of the first party that makes progress.
                    Indication::Progress if !progressed => {
                        progressed = true;
                        pbx_engine::dial_times::set(vars, b"PROGRESSTIME", since(out.created));
                    }
                    // A busy or congested party is done with (app_dial hangs it up at once,
                    // and counts it below by its cause).
                    Indication::Busy | Indication::Congestion
                        if !signalled.iter().any(|s| Arc::ptr_eq(s, out)) =>
                    {
                        let cause = if indication == Indication::Busy {
                            Cause::USER_BUSY
                        } else {
                            Cause::CONGESTION
                        };
                        failed.count(Some(cause));
                        signalled.push(out.clone());
                        out.hangup(cause);
                    }
                    _ => {}
                }
            }
            if out.is_hung_up() && winner.as_ref().is_none_or(|w| !Arc::ptr_eq(w, out)) {
                let cause = out.hangup_cause();
                if !signalled.iter().any(|s| Arc::ptr_eq(s, out)) {
                    failed.count(cause);
                }
                let status = crate::cdr::dial_status_of(cause);
                // app_dial.c hands the caller the called party's cause.
                if let Some(cause) = cause {
                    caller.set_hangupcause(cause);
                }
                caller.with_cdr(|cdr, now| {
                    cdr.party_b_hung_up(&out.name, cause.map_or(0, |c| i32::from(c.0)));
                    cdr.dial_end(&out.name, status, now);
                });
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
            vars.set(b"DIALSTATUS", Some(failed.status(lines)));
            return AppResult::Continue;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            for out in &ringing {
                out.hangup(Cause::NO_ANSWER);
                caller.with_cdr(|cdr, now| cdr.dial_end(&out.name, "NOANSWER", now));
            }
            if let Some(hold) = &hold {
                hold.stop();
            }
            vars.set(b"DIALSTATUS", Some(b"NOANSWER"));
            return AppResult::Continue;
        }
        caller.signal.wait(seen, caller.wake_by(deadline));
    };
    if let Some(hold) = &hold {
        hold.stop();
    }
    // "If call has been answered, then the eventual hangup is likely to be normal hangup."
    caller.set_hangupcause(Cause::NORMAL_CLEARING);
    for out in &ringing {
        if !Arc::ptr_eq(out, &answered) {
            out.hangup(Cause::ANSWERED_ELSEWHERE);
            caller.with_cdr(|cdr, now| cdr.dial_end(&out.name, "CANCEL", now));
        }
    }
    // The caller is answered when the bridge is set up (features.c), not before G or U().
    let dial_end =
        |status: &str| caller.with_cdr(|cdr, now| cdr.dial_end(&answered.name, status, now));
    vars.set(b"DIALSTATUS", Some(b"ANSWER"));
    vars.set(b"DIALEDPEERNAME", Some(answered.name.as_bytes()));
    // app_dial's `numsubst`: the answering target's resource.
    let number = legs
        .0
        .iter()
        .find(|(leg, _)| Arc::ptr_eq(leg, &answered))
        .map(|(_, resource)| resource.clone())
        .unwrap_or_default();
    vars.set(b"DIALEDPEERNUMBER", Some(number.as_bytes()));

    if let Some(target) = arg_of(b'G') {
        // The parties go on apart: the caller at the target, the called one a priority on.
        let target = target.replace('^', ",");
        match callee_start(io, &target, vars) {
            Some(start) => {
                // Both go into the dialplan: neither is an outgoing channel any longer
                // (app_dial.c clears AST_FLAG_OUTGOING), so the called party's records count.
                answered
                    .dialed
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                if let Err(e) = io.pbx.spawn_call(answered.clone(), start) {
                    tracing::error!("cannot continue {}: {e}", answered.name);
                    end_leg(&answered, Cause::FAILURE);
                }
            }
            None => end_leg(&answered, Cause::NORMAL_CLEARING),
        }
        dial_end("ANSWER");
        io.jump = Some(target.into_bytes());
        return AppResult::Continue;
    }
    if let Some(sub) = arg_of(b'U') {
        // `U(context[^arg…])` is `Gosub(context,s,1(arg,…))` on the called channel.
        let sub = sub.replace('^', ",");
        let target = match sub.split_once(',') {
            Some((context, args)) => format!("{context},s,1({args})"),
            None => format!("{sub},s,1"),
        };
        let outcome = run_on_callee(io, &answered, &target, vars);
        if let Some(retval) = &outcome.retval {
            vars.set(b"GOSUB_RETVAL", Some(retval.as_bytes()));
        }
        let result = outcome.result;
        let upper = result.to_ascii_uppercase();
        let after_hangup = if option(b'g').is_some() {
            AppResult::Continue
        } else {
            AppResult::Hangup
        };
        let recognised = matches!(
            upper.as_str(),
            "BUSY" | "CONGESTION" | "CHANUNAVAIL" | "CONTINUE" | "ABORT"
        ) || upper.starts_with("GOTO:");
        let decided = match upper.as_str() {
            "BUSY" | "CONGESTION" | "CHANUNAVAIL" => {
                vars.set(b"DIALSTATUS", Some(upper.as_bytes()));
                Some(AppResult::Continue)
            }
            "CONTINUE" => Some(AppResult::Continue),
            _ if upper.starts_with("GOTO:") => {
                io.jump = Some(result[5..].replace('^', ",").into_bytes());
                Some(AppResult::Continue)
            }
            // Both ends hang up, unless `g`.
            "ABORT" => Some(after_hangup),
            // The called party hung up in the subroutine.
            _ if answered.is_hung_up() => Some(after_hangup),
            // Anything else: the bridge goes ahead.
            _ => None,
        };
        if let Some(decided) = decided {
            if recognised {
                // app_dial.c publishes the subroutine's result as the dial's status.
                dial_end(&result);
            } else {
                // No result it knows: C goes on to the bridge, which answers the caller and
                // ends at once with the called party gone.
                dial_end("ANSWER");
                caller.answer();
            }
            end_leg(&answered, Cause::NORMAL_CLEARING);
            return decided;
        }
    }

    // The bridge: each side's audio and keys go to the other until one hangs up.
    let answered_at = Instant::now();
    let limit = [
        arg_of(b'S')
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(|s| s.saturating_mul(1000)),
        arg_of(b'L').and_then(|l| l.split(':').next()?.trim().parse::<u64>().ok()),
    ]
    .into_iter()
    .flatten()
    .min()
    .and_then(|ms| answered_at.checked_add(Duration::from_millis(ms)));
    dial_end("ANSWER");
    caller.answer();
    caller.set_inbound(Inbound::Bridge(Arc::downgrade(&answered)));
    answered.set_inbound(Inbound::Bridge(Arc::downgrade(caller)));
    caller.set_bridged_with(Some(answered.name.clone()));
    answered.set_bridged_with(Some(caller.name.clone()));
    caller.with_cdr(|cdr, now| cdr.bridge_enter(&answered.name, now));
    let caller_transfers = option(b'T').is_some();
    let callee_transfers = option(b't').is_some();
    if caller_transfers {
        caller.set_feature_keys(b"#");
    }
    if callee_transfers {
        answered.set_feature_keys(b"#");
    }
    let wake = loop {
        let seen = caller.signal.generation();
        if caller.must_stop() {
            break Wake::HungUp;
        }
        if answered.is_hung_up() {
            break Wake::Done;
        }
        let pressed = |who: &Channel, allowed: bool| allowed && who.take_dtmf() == Some(b'#');
        if pressed(caller, caller_transfers) {
            // The caller sends the called party elsewhere and leaves.
            if let Some(target) = blind_transfer(io, caller, &answered, vars) {
                clear_bridge(caller, &answered);
                // It survives the bridge: no longer a dialed channel (bridge_channel.c).
                answered
                    .dialed
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                match io.pbx.spawn_call(answered.clone(), target) {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::error!("cannot transfer {}: {e}", answered.name);
                        end_leg(&answered, Cause::FAILURE);
                    }
                }
                bridge_ended(vars, caller);
                return AppResult::Hangup;
            }
        }
        if pressed(&answered, callee_transfers) {
            // The called party sends the caller elsewhere and leaves.
            if let Some(target) = blind_transfer(io, &answered, caller, vars) {
                clear_bridge(caller, &answered);
                end_leg(&answered, Cause::NORMAL_CLEARING);
                io.jump = Some(
                    format!("{},{},{}", target.context, target.exten, target.priority).into_bytes(),
                );
                bridge_ended(vars, caller);
                return AppResult::Continue;
            }
        }
        if limit.is_some_and(|l| Instant::now() >= l) {
            break Wake::Key(0);
        }
        caller.signal.wait(seen, caller.wake_by(limit));
    };
    clear_bridge(caller, &answered);
    // The bridge is over, and so is the called party for Dial (`ast_hangup(peer)`), even
    // when it hung up itself and its channel is not let go of yet.
    answered.leave_groups();
    bridge_ended(vars, caller);
    match wake {
        Wake::HungUp => {
            end_leg(&answered, Cause::NORMAL_CLEARING);
            AppResult::Hangup
        }
        // The limit: both sides are hung up.
        Wake::Key(_) => {
            end_leg(&answered, Cause::NORMAL_CLEARING);
            AppResult::Hangup
        }
        Wake::Done if option(b'g').is_some() => AppResult::Continue,
        Wake::Done => AppResult::Hangup,
    }
}

/// Milliseconds since `then` (0 for a time ahead of the clock).
fn since(then: std::time::SystemTime) -> u64 {
    then.elapsed()
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `end_bridge_callback`: ANSWEREDTIME is how long the caller has been up, DIALEDTIME how
/// long it has existed, both from the caller's own times (so time spent before the Dial
/// counts, as in Asterisk).
fn bridge_ended(vars: &mut Variables, caller: &Channel) {
    let up = caller.answered_at().map_or(0, since);
    pbx_engine::dial_times::set(vars, b"ANSWEREDTIME", up);
    pbx_engine::dial_times::set(vars, b"DIALEDTIME", since(caller.created));
}

/// Every channel Dial created, with the resource it dialled. If anything panics while Dial
/// runs, they are hung up rather than left ringing or talking to nobody (a dropped Local
/// `;1` would otherwise never tell its `;2`).
struct Legs(Vec<(Arc<Channel>, String)>);

impl Drop for Legs {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (leg, _) in &self.0 {
                leg.hangup(Cause::FAILURE);
            }
        }
    }
}

/// The bridge of caller `a` and called party `b` is over.
fn clear_bridge(a: &Channel, b: &Channel) {
    a.with_cdr(|cdr, now| cdr.bridge_leave(now));
    for chan in [a, b] {
        chan.set_inbound(Inbound::Discard);
        chan.set_bridged_with(None);
        chan.set_feature_keys(b"");
    }
}

/// Splits a `Goto` target (`[[context,]exten,]priority`) with the caller's place as defaults.
fn location(io: &CallIo, target: &str) -> (String, String, String) {
    let at = io.chan.location();
    let parts: Vec<&str> = target.splitn(3, ',').collect();
    match parts.as_slice() {
        [p] => (at.context, at.exten, p.to_string()),
        [e, p] => (at.context, e.to_string(), p.to_string()),
        [c, e, p] => (c.to_string(), e.to_string(), p.to_string()),
        _ => (at.context, at.exten, String::new()),
    }
}

/// Where `G` sends the called party: the priority after the caller's target (a label is
/// looked up as Goto looks it up).
fn callee_start(io: &CallIo, target: &str, vars: &Variables) -> Option<Start> {
    let (context, exten, priority) = location(io, target);
    let number = match priority.trim().parse::<i32>() {
        Ok(n) => n,
        Err(_) => io.program.with(|_, index| {
            index.find_label(
                context.as_bytes(),
                exten.as_bytes(),
                priority.as_bytes(),
                None,
                io.pbx.clock.moment(),
            )
        })?,
    };
    Some(Start {
        context,
        exten,
        priority: number.checked_add(1)?,
        vars: vars.inherit(),
    })
}

/// Dial hangs up the party that answered: it is gone, and leaves its groups (those `U`'s
/// subroutine joined), as `ast_hangup` destroying it does.
fn end_leg(leg: &Channel, cause: Cause) {
    leg.hangup(cause);
    leg.leave_groups();
}

/// What `U`'s subroutine left in `GOSUB_RESULT` and `GOSUB_RETVAL`.
struct GosubOutcome {
    result: String,
    retval: Option<String>,
}

/// A context no dialplan has: the subroutine returns there, and the run ends.
const RETURN_HERE: &[u8] = b"\0dial-subroutine-return";

/// Runs `Gosub(sub)` on the called channel to its `Return`, on this thread (as app_dial runs
/// `ast_app_exec_sub` on the peer), with the variables a child channel inherits.
fn run_on_callee(io: &CallIo, callee: &Arc<Channel>, sub: &str, vars: &Variables) -> GosubOutcome {
    let record = std::sync::Mutex::new(crate::pbx::CallRecord::default());
    let program = io.pbx.program();
    let mut callee_io = CallIo {
        pbx: io.pbx,
        chan: callee,
        generation: io.pbx.generation(),
        program: &program,
        record: &record,
        jump: None,
    };
    let mut call = Call::new(
        RETURN_HERE,
        b"s",
        callee.caller_number.as_deref().map(str::as_bytes),
    );
    call.vars = vars.inherit();
    call.set_unique_id(callee.unique_id.as_bytes());
    // The subroutine runs on the called party: its fields, its groups (which it leaves
    // when it is destroyed).
    *call.attributes = crate::channel::lock(&callee.attributes).clone();
    call.channel_key = callee.group_key;
    let _ = callee.groups.set(io.pbx.groups.clone());
    // The called channel's CDR (made now if it has none) sees the subroutine run, as
    // ast_app_exec_sub flags it. Its place: the context it was made in (a Local `;1` half's
    // target), and the caller's extension, which app_dial.c hands every called party.
    let made_at = callee.location();
    let caller_exten = io.chan.location().exten;
    crate::cdr::start(io.pbx, callee, &made_at.context, &caller_exten);
    // ast_app_exec_sub runs it flagged; its Gosub flags it too.
    call.in_subroutine = true;
    program.with(|plan, index| {
        let mut engine = Engine::with_index(plan, index);
        engine.clock = io.pbx.clock;
        engine.system = io.pbx.system();
        engine.voicemail = program.voicemail.clone();
        engine.share_globals(io.pbx.globals.clone());
        engine.share_database(io.pbx.database.clone());
        engine.share_groups(io.pbx.groups.clone());
        engine.modules = Some(crate::pbx::loaded_modules(io.pbx));
        if engine
            .execute(&mut call, &mut callee_io, "Gosub", sub.as_bytes())
            .is_none()
        {
            return;
        }
        let keep = io.pbx.keep_traces;
        // Each application publishes the called channel's snapshot, with
        // AST_FLAG_SUBROUTINE_EXEC: its CDR takes the application, not the place.
        let mut trace = |step: &pbx_engine::Executed| {
            if keep {
                callee.note_step(step.to_string());
            }
            callee.set_in_subroutine(step.in_subroutine);
            callee.set_location(crate::channel::Location {
                context: String::from_utf8_lossy(step.context).into_owned(),
                exten: String::from_utf8_lossy(step.exten).into_owned(),
                priority: step.priority,
                app: step.app.to_string(),
                data: String::from_utf8_lossy(step.data).into_owned(),
            });
            callee.publish_snapshot();
        };
        // The subroutine finishes on the dialplan it started on, reload or not.
        while engine.run_until_suspended(&mut call, &mut callee_io, &mut trace)
            == Outcome::Suspended
        {
            callee_io.generation = io.pbx.generation();
        }
    });
    callee.set_in_subroutine(false);
    let marker = String::from_utf8_lossy(RETURN_HERE).into_owned();
    for line in call.log.drain(..).filter(|l| !l.contains(&marker)) {
        tracing::warn!("{line}");
    }
    let var = |name: &[u8]| {
        call.vars
            .get(name)
            .map(|r| String::from_utf8_lossy(r).into_owned())
    };
    GosubOutcome {
        result: var(b"GOSUB_RESULT").unwrap_or_default().trim().to_string(),
        retval: var(b"GOSUB_RETVAL"),
    }
}

/// A blind transfer (features.conf's `blindxfer`, `#`): the keys `transferrer` dials next,
/// while the other side is held apart; the number must exist in `TRANSFER_CONTEXT` (else the
/// caller's context). `None` when it does not (the bridge resumes) or nothing was dialled.
fn blind_transfer(
    io: &CallIo,
    transferrer: &Arc<Channel>,
    other: &Arc<Channel>,
    vars: &Variables,
) -> Option<Start> {
    /// features.conf's `transferdigittimeout`.
    const DIGIT_TIMEOUT: Duration = Duration::from_secs(3);
    let context = vars
        .get(b"TRANSFER_CONTEXT")
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_else(|| io.chan.location().context);
    // Keys go to the PBX, not across, while the number is dialled.
    let held = transferrer.set_inbound(Inbound::Discard);
    transferrer.set_feature_keys(b"");
    let mut number = Vec::new();
    // Each key is looked up at the time it is pressed, as Asterisk does: dialling may
    // take longer than an include stays open or closed.
    let clock = io.pbx.clock;
    let found = io.program.with(|plan, index| {
        loop {
            let deadline = Instant::now() + DIGIT_TIMEOUT;
            let key = loop {
                let seen = transferrer.signal.generation();
                if transferrer.is_hung_up() || other.is_hung_up() {
                    break None;
                }
                if let Some(k) = transferrer.take_dtmf() {
                    break Some(k);
                }
                if Instant::now() >= deadline {
                    break None;
                }
                transferrer.signal.wait(seen, Some(deadline));
            };
            let Some(key) = key else { break };
            number.push(key);
            let now = clock.moment();
            if !pbxc_dialplan::route::matchmore(plan, context.as_bytes(), &number, None, now) {
                break;
            }
        }
        !number.is_empty()
            && index
                .find(context.as_bytes(), &number, 1, None, clock.moment())
                .is_some()
    });
    transferrer.set_inbound(held);
    transferrer.set_feature_keys(b"#");
    if !found {
        tracing::warn!(
            "{}: transfer to '{}' in '{context}': no such extension",
            transferrer.name,
            String::from_utf8_lossy(&number)
        );
        return None;
    }
    Some(Start {
        context,
        exten: String::from_utf8_lossy(&number).into_owned(),
        priority: 1,
        vars: vars.inherit(),
    })
}

/// app_dial.c's `cause_args`: the parties that failed, by what their cause makes them
/// (`handle_cause`). A party that stopped ringing with normal clearing or no answer counts
/// as none of them.
#[derive(Default)]
struct Failures {
    busy: usize,
    congestion: usize,
    unavailable: usize,
}

impl Failures {
    /// `handle_cause`: a cause of none (0) is unavailable, as any cause it does not name.
    fn count(&mut self, cause: Option<Cause>) {
        match cause {
            Some(Cause::USER_BUSY) => self.busy += 1,
            Some(Cause::CONGESTION) => self.congestion += 1,
            Some(Cause::NORMAL_CLEARING | Cause::NO_ANSWER) => {}
            _ => self.unavailable += 1,
        }
    }

    fn total(&self) -> usize {
        self.busy + self.congestion + self.unavailable
    }

    /// DIALSTATUS once no party rings any more and none answered (`wait_for_answer`): when
    /// every one of the `lines` counts, the first of BUSY, CONGESTION and CHANUNAVAIL that
    /// any does; else NOANSWER.
    fn status(&self, lines: usize) -> &'static [u8] {
        if lines != self.total() {
            b"NOANSWER"
        } else if self.busy > 0 {
            b"BUSY"
        } else if self.congestion > 0 {
            b"CONGESTION"
        } else {
            b"CHANUNAVAIL"
        }
    }
}
