//! The applications the engine runs itself: those that only move the call or change its
//! variables (pbx_builtins.c, app_stack.c, app_while.c, app_exec.c). Everything else goes
//! to the [`Channel`].

use pbxc_dialplan::route;
use pbxc_dialplan::timing::Moment;

use crate::args::{self, strsep};
use crate::call::{Call, Engine, Frame};
use crate::channel::{AppResult, Channel, SimulatedChannel};
use crate::scope;

/// Runs `app` (canonical name) with its substituted `data`.
pub(crate) fn execute(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    app: &str,
    data: &[u8],
) -> AppResult {
    match app {
        "NoOp" | "Verbose" => AppResult::Continue,
        "DBdeltree" => {
            crate::db::deltree(engine.database(), data, call);
            AppResult::Continue
        }
        "Log" => log(call, data),
        "Set" => set(engine, call, chan, data),
        "MSet" => mset(engine, call, chan, data),
        "Goto" => goto(engine, call, data),
        "GotoIf" => goto_if(engine, call, data),
        "GotoIfTime" => goto_if_time(engine, call, data),
        "Gosub" => gosub(engine, call, data),
        "GosubIf" => gosub_if(engine, call, data),
        "Return" => return_(call, data),
        "StackPop" => stack_pop(call),
        "While" => while_(engine, call, chan, Some(data)),
        "EndWhile" => while_(engine, call, chan, None),
        "ExitWhile" => exit_while(engine, call, chan),
        "If" => if_(engine, call, chan, data, IfApp::If),
        "ElseIf" => if_(engine, call, chan, data, IfApp::ElseIf),
        "EndIf" => if_(engine, call, chan, data, IfApp::EndIf),
        "Else" => if_(engine, call, chan, data, IfApp::Else),
        "ExitIf" => if_(engine, call, chan, data, IfApp::ExitIf),
        "ContinueWhile" => continue_while(engine, call),
        "ExecIf" => exec_if(engine, call, chan, data),
        "Exec" => exec(engine, call, chan, data),
        "TryExec" => try_exec(engine, call, chan, data),
        "ExecIfTime" => exec_if_time(engine, call, chan, data),
        "RaiseException" => {
            engine.raise_exception(call, data, 0);
            AppResult::Continue
        }
        "Hangup" => hangup(call, chan, data),
        "ResetCDR" => {
            crate::cdr::reset_app(call, chan, data);
            AppResult::Continue
        }
        "ForkCDR" => {
            crate::cdr::fork_app(call, chan, data);
            AppResult::Continue
        }
        "Dial"
            if chan.runs_local_offline()
                && let Some(failed) = dial_refused(call, data) =>
        {
            failed
        }
        "Dial" if chan.runs_local_offline() && is_local_dial(data) => {
            dial_local(engine, call, chan, data)
        }
        "WaitExten" => wait_exten(engine, call, chan, data),
        "VoiceMail" => {
            tell_timeout(engine, call, chan);
            crate::voicemail::voicemail(engine, call, chan, data)
        }
        "VoiceMailMain" => {
            tell_timeout(engine, call, chan);
            crate::voicemail::voicemail_main(engine, call, chan, data)
        }
        "Incomplete" => incomplete(call, chan, data),
        _ => {
            tell_timeout(engine, call, chan);
            let result = chan.execute(app, data, &mut call.vars);
            match chan.take_jump() {
                // A jump that cannot be made fails the application, as in app_dial.
                Some(target) if !parseable_goto(engine, call, &target) => AppResult::Hangup,
                _ => result,
            }
        }
    }
}

/// `pbx_builtin_hangup`: the cause given by name (`ast_str2cause`) or number, else the
/// channel's, else NORMAL_CLEARING, becomes the call's `${HANGUPCAUSE}`; the call ends.
fn hangup(call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    let mut cause = 0;
    if !data.is_empty() {
        cause = cause_by_name(data).unwrap_or(-1);
        if cause <= 0 {
            cause = match scan_int(data) {
                Some((n, _)) if n > 0 => n,
                _ => {
                    call.log.push(format!(
                        "WARNING: Invalid cause given to Hangup(): \"{}\"",
                        String::from_utf8_lossy(data)
                    ));
                    0
                }
            };
        }
    }
    if cause <= 0 {
        cause = call.hangup_cause(chan);
        if cause <= 0 {
            cause = NORMAL_CLEARING;
        }
    }
    call.cause = cause;
    call.hung_up = true;
    AppResult::Hangup
}

/// `AST_CAUSE_NORMAL_CLEARING`.
const NORMAL_CLEARING: i32 = 16;

/// `ast_str2cause`: the first cause of main/channel.c's table whose name `data` starts with
/// (any case).
fn cause_by_name(data: &[u8]) -> Option<i32> {
    const CAUSES: [(&[u8], i32); 49] = [
        (b"UNALLOCATED", 1),
        (b"NO_ROUTE_TRANSIT_NET", 2),
        (b"NO_ROUTE_DESTINATION", 3),
        (b"MISDIALLED_TRUNK_PREFIX", 5),
        (b"CHANNEL_UNACCEPTABLE", 6),
        (b"CALL_AWARDED_DELIVERED", 7),
        (b"PRE_EMPTED", 8),
        (b"NUMBER_PORTED_NOT_HERE", 14),
        (b"NORMAL_CLEARING", 16),
        (b"USER_BUSY", 17),
        (b"NO_USER_RESPONSE", 18),
        (b"NO_ANSWER", 19),
        (b"SUBSCRIBER_ABSENT", 20),
        (b"CALL_REJECTED", 21),
        (b"NUMBER_CHANGED", 22),
        (b"REDIRECTED_TO_NEW_DESTINATION", 23),
        (b"ANSWERED_ELSEWHERE", 26),
        (b"DESTINATION_OUT_OF_ORDER", 27),
        (b"INVALID_NUMBER_FORMAT", 28),
        (b"FACILITY_REJECTED", 29),
        (b"RESPONSE_TO_STATUS_ENQUIRY", 30),
        (b"NORMAL_UNSPECIFIED", 31),
        (b"NORMAL_CIRCUIT_CONGESTION", 34),
        (b"NETWORK_OUT_OF_ORDER", 38),
        (b"NORMAL_TEMPORARY_FAILURE", 41),
        (b"SWITCH_CONGESTION", 42),
        (b"ACCESS_INFO_DISCARDED", 43),
        (b"REQUESTED_CHAN_UNAVAIL", 44),
        (b"FACILITY_NOT_SUBSCRIBED", 50),
        (b"OUTGOING_CALL_BARRED", 52),
        (b"INCOMING_CALL_BARRED", 54),
        (b"BEARERCAPABILITY_NOTAUTH", 57),
        (b"BEARERCAPABILITY_NOTAVAIL", 58),
        (b"BEARERCAPABILITY_NOTIMPL", 65),
        (b"CHAN_NOT_IMPLEMENTED", 66),
        (b"FACILITY_NOT_IMPLEMENTED", 69),
        (b"INVALID_CALL_REFERENCE", 81),
        (b"INCOMPATIBLE_DESTINATION", 88),
        (b"INVALID_MSG_UNSPECIFIED", 95),
        (b"MANDATORY_IE_MISSING", 96),
        (b"MESSAGE_TYPE_NONEXIST", 97),
        (b"WRONG_MESSAGE", 98),
        (b"IE_NONEXIST", 99),
        (b"INVALID_IE_CONTENTS", 100),
        (b"WRONG_CALL_STATE", 101),
        (b"RECOVERY_ON_TIMER_EXPIRE", 102),
        (b"MANDATORY_IE_LENGTH_ERROR", 103),
        (b"PROTOCOL_ERROR", 111),
        (b"INTERWORKING", 127),
    ];
    CAUSES
        .iter()
        .find(|(name, _)| data.len() >= name.len() && data[..name.len()].eq_ignore_ascii_case(name))
        .map(|&(_, cause)| cause)
}

/// Tells the channel the call's absolute timeout before it runs an application or waits
/// for a key, so that it stops waiting there (`ast_channel_whentohangup`): only while one is
/// set, or once more to say it is gone.
pub(crate) fn tell_timeout(engine: &Engine, call: &mut Call, chan: &mut dyn Channel) {
    if call.absolute_timeout_at.is_none() && !call.timeout_told {
        return;
    }
    let left = call.absolute_timeout_at.map(|at| {
        // A clock of whole seconds reads a deadline inside a second as passed only once the
        // next second begins: the channel is told that, or it would stop waiting before the
        // engine sees the timeout.
        let at = if engine.clock.has_millis() {
            at
        } else {
            at.saturating_add(999).div_euclid(1000).saturating_mul(1000)
        };
        u64::try_from(at.saturating_sub(engine.clock.now_ms())).unwrap_or(0)
    });
    chan.absolute_timeout(left);
    call.timeout_told = left.is_some();
}

/// Runs an application found by name at run time (`pbx_findapp` + `pbx_exec`), as Exec and
/// ExecIf do: `None` when there is no such application.
fn run_named(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    name: &[u8],
    data: &[u8],
) -> Option<AppResult> {
    let name = std::str::from_utf8(name).ok()?;
    let entry = pbxc_stdlib::catalog()
        .application(name)
        .filter(|e| e.in_version(22))?;
    let canonical = entry.name.clone();
    Some(execute(engine, call, chan, &canonical, data))
}

// ---------------------------------------------------------------------------------------
// Variables

/// `Set(name=value)`: no argument splitting at all; the name is everything up to the first
/// `=`. A name ending in `)` writes a function.
fn set(engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    if data.is_empty() {
        call.log
            .push("WARNING: Set requires one variable name/value pair.".into());
        return AppResult::Continue;
    }
    let (name, value) = strsep(data, b'=');
    let Some(value) = value else {
        call.log
            .push("WARNING: Set requires an '=' to be a valid assignment.".into());
        return AppResult::Continue;
    };
    warn_spaces(call, name, value);
    scope::setvar(engine, call, chan, name, Some(value));
    AppResult::Continue
}

/// A variable name with a blank in it is kept as it is, with Asterisk's warning.
fn warn_spaces(call: &mut Call, name: &[u8], value: &[u8]) {
    if name.contains(&b' ') {
        call.log.push(format!(
            "WARNING: Please avoid unnecessary spaces on variables as it may lead to unexpected results ('{}' set to '{}').",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        ));
    }
}

/// `MSet(a=1,b="2,3")`: standard argument splitting, then each pair cut at its first `=`.
fn mset(engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    if data.is_empty() {
        call.log
            .push("WARNING: MSet requires at least one variable name/value pair.".into());
        return AppResult::Continue;
    }
    for pair in args::standard(data, 99) {
        let parts = args::separate(&pair, b'=', true, 2);
        if let [name, value] = parts.as_slice() {
            scope::setvar(engine, call, chan, name, Some(value));
            warn_spaces(call, name, value);
        } else {
            // pbx_variables.c: the name as separated (quotes removed; `(null)` for an empty
            // entry), and where the call is, without the closing parenthesis it forgets.
            let name = parts
                .first()
                .map_or("(null)".into(), |n| String::from_utf8_lossy(n));
            call.log.push(format!(
                "WARNING: MSet: ignoring entry '{name}' with no '=' (in {}@{}:{}",
                String::from_utf8_lossy(&call.exten),
                String::from_utf8_lossy(&call.context),
                call.priority
            ));
        }
    }
    AppResult::Continue
}

// ---------------------------------------------------------------------------------------
// Jumps

/// `pbx_checkcondition`: empty is false, a leading integer (`sscanf("%d")`) is its own
/// truth, any other text is true.
pub(crate) fn check_condition(cond: &[u8]) -> bool {
    pbxc_stdlib::functions::args::check_condition(Some(cond))
}

/// `sscanf("%30d")` as glibc does it (a value past `int` keeps its low 32 bits): the value
/// and the rest of the text.
pub(crate) fn scan_int(s: &[u8]) -> Option<(i32, &[u8])> {
    match pbxc_stdlib::functions::cscan::int(s, 30) {
        pbxc_stdlib::functions::cscan::Scan::Ok(v, used) => Some((v, &s[used..])),
        _ => None,
    }
}

/// The priority of `context,exten,priority` naming the call's own context and extension
/// and a priority of digits alone: where EndWhile goes back to (`WHILE_n` is written so),
/// read without the general parse, which answers the same for it. `None` for anything else,
/// and where a name holds a comma (the fields would be split elsewhere).
fn own_place_at(call: &Call, target: &[u8]) -> Option<i32> {
    let digits = target
        .strip_prefix(call.context.as_slice())?
        .strip_prefix(b",")?
        .strip_prefix(call.exten.as_slice())?
        .strip_prefix(b",")?;
    let plain = !digits.is_empty() && digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit);
    if !plain || call.context.contains(&b',') || call.exten.contains(&b',') {
        return None;
    }
    Some(digits.iter().fold(0, |n, &d| n * 10 + i32::from(d - b'0')))
}

/// `pbx_parseable_goto`: `[[context,]exten,]priority`, the priority a number, `+N`/`-N`
/// relative to the current one, or a label (looked up with includes). Moves the call, or
/// logs and returns `false`.
pub(crate) fn parseable_goto(engine: &Engine, call: &mut Call, target: &[u8]) -> bool {
    if let Some(n) = own_place_at(call, target) {
        call.explicit_goto(b"", b"", n);
        return true;
    }
    parse_goto(engine, call, target)
}

/// [`parseable_goto`] for any target.
fn parse_goto(engine: &Engine, call: &mut Call, target: &[u8]) -> bool {
    if target.is_empty() {
        call.log
            .push("WARNING: Goto requires an argument ([[context,]extension,]priority)".into());
        return false;
    }
    // strsep three times, then pbx_parse_location: one field is the priority, two are
    // exten,priority, three are context,exten,priority (a fourth is ignored).
    let (first, rest) = strsep(target, b',');
    let (second, third) = match rest {
        Some(r) => {
            let (s, r) = strsep(r, b',');
            (Some(s), r.map(|r| strsep(r, b',').0))
        }
        None => (None, None),
    };
    let (context, exten, pri): (Option<&[u8]>, Option<&[u8]>, &[u8]) = match (second, third) {
        (None, _) => (None, None, first),
        (Some(e), None) => (None, Some(first), e),
        (Some(e), Some(p)) => (Some(first), Some(e), p),
    };
    let (mode, digits) = match pri.first() {
        Some(b'+') => (1, &pri[1..]),
        Some(b'-') => (-1, &pri[1..]),
        _ => (0, pri),
    };
    let number = scan_int(digits).filter(|(_, rest)| rest.iter().all(u8::is_ascii_whitespace));
    let mut mode = mode;
    let mut ipri = match number {
        Some((n, _)) => n,
        None => {
            let ctx = context.unwrap_or(&call.context).to_vec();
            let ext = exten.unwrap_or(&call.exten).to_vec();
            match engine.find_label(&ctx, &ext, digits, call.cid()) {
                Some(n) if n >= 1 => {
                    mode = 0;
                    n
                }
                _ => {
                    call.log.push(format!(
                        "NOTICE: No such label '{}' in extension '{}' in context '{}'",
                        String::from_utf8_lossy(digits),
                        String::from_utf8_lossy(&ext),
                        String::from_utf8_lossy(&ctx)
                    ));
                    call.log.push(format!(
                        "WARNING: Priority '{}' must be a number > 0, or valid label",
                        String::from_utf8_lossy(digits)
                    ));
                    return false;
                }
            }
        }
    };
    if mode != 0 {
        // C int arithmetic, wrapping as it does in practice (the result is then no priority).
        ipri = call.priority.wrapping_add(ipri.wrapping_mul(mode));
    }
    call.explicit_goto(context.unwrap_or(b""), exten.unwrap_or(b""), ipri);
    true
}

pub(crate) fn goto(engine: &mut Engine, call: &mut Call, data: &[u8]) -> AppResult {
    if parseable_goto(engine, call, data) {
        AppResult::Continue
    } else {
        AppResult::Hangup
    }
}

/// `test?iftrue:iffalse`, as GotoIf and GotoIfTime cut it: at the first `?`, then the
/// first `:`.
fn branches(data: &[u8]) -> (&[u8], Option<&[u8]>, Option<&[u8]>) {
    let (test, rest) = strsep(data, b'?');
    match rest {
        Some(r) => {
            let (t, f) = strsep(r, b':');
            (test, Some(t), f)
        }
        None => (test, None, None),
    }
}

/// `GotoIf(cond?iftrue:iffalse)`: cut at the first `?`, then the first `:`.
pub(crate) fn goto_if(engine: &mut Engine, call: &mut Call, data: &[u8]) -> AppResult {
    if data.is_empty() {
        call.log
            .push("WARNING: Ignoring, since there is no variable to check".into());
        return AppResult::Continue;
    }
    let (condition, iftrue, iffalse) = branches(data);
    let branch = if check_condition(condition) {
        iftrue
    } else {
        iffalse
    };
    match branch {
        Some(b) if !b.is_empty() => goto(engine, call, b),
        _ => AppResult::Continue,
    }
}

/// `GotoIfTime(spec?iftrue:iffalse)`, tested at `${TESTTIME}` (epoch seconds) when set.
fn goto_if_time(engine: &mut Engine, call: &mut Call, data: &[u8]) -> AppResult {
    if data.is_empty() {
        call.log.push("WARNING: GotoIfTime requires an argument:\n  <time range>,<days of week>,<days of month>,<months>[,<timezone>]?'labeliftrue':'labeliffalse'".into());
        return AppResult::Hangup;
    }
    // Exactly: the condition may name a time zone, whose minutes need not begin with the
    // epoch's.
    let mut now = engine.clock.now();
    if let Some(testtime) = call.vars.get(b"TESTTIME") {
        match scan_long(testtime) {
            Some(t) => now = t,
            None => {
                call.log
                    .push("WARNING: Using current time to evaluate".into());
                call.vars.set(b"TESTTIME", None);
            }
        }
    }
    let (spec, iftrue, iffalse) = branches(data);
    let timing = pbxc_dialplan::timing::Timing::parse(spec, &mut call.log);
    let now = Moment::new(now, engine.clock.zone());
    let branch = if timing.is_some_and(|t| t.matches(now)) {
        iftrue
    } else {
        iffalse
    };
    match branch {
        Some(b) if !b.is_empty() => goto(engine, call, b),
        _ => AppResult::Continue,
    }
}

/// `sscanf("%ld")`.
fn scan_long(s: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(s).ok()?.trim_start();
    let digits_end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..digits_end].parse().ok()
}

/// `Gosub([[context,]exten,]priority[(args)])`: checks that the destination exists, pushes
/// a frame with ARG1..ARGn and ARGC, and jumps.
fn gosub(engine: &mut Engine, call: &mut Call, data: &[u8]) -> AppResult {
    if data.is_empty() {
        call.log.push(
            "ERROR: Gosub requires an argument: Gosub([[context,]exten,]priority[(arg1[,...][,argN])])"
                .into(),
        );
        return AppResult::Hangup;
    }
    let (label, rest) = strsep(data, b'(');
    let arguments = match rest {
        Some(r) => {
            let inner = match r.iter().rposition(|&c| c == b')') {
                Some(end) => &r[..end],
                None => {
                    call.log.push(format!(
                        "WARNING: Ouch.  No closing paren: '{}'?",
                        String::from_utf8_lossy(data)
                    ));
                    r
                }
            };
            args::raw(inner, 100)
        }
        None => Vec::new(),
    };
    let orig_context = Call::copy_to_spare(&mut call.spare, &call.context);
    let orig_exten = Call::copy_to_spare(&mut call.spare, &call.exten);
    let orig_priority = call.priority;
    let restore = |call: &mut Call| {
        call.context = orig_context.clone();
        call.exten = orig_exten.clone();
        call.priority = orig_priority;
    };
    if !parseable_goto(engine, call, label) {
        call.log.push(format!(
            "ERROR: Gosub address is invalid: '{}'",
            String::from_utf8_lossy(data)
        ));
        restore(call);
        return AppResult::Hangup;
    }
    let dest_priority = call.priority.wrapping_add(i32::from(call.in_autoloop));
    if !engine.exists(&call.context, &call.exten, dest_priority, call.cid()) {
        call.log.push(format!(
            "ERROR: Gosub attempted to reach non-existent destination '{},{},{}' from '{},{},{}'",
            String::from_utf8_lossy(&call.context),
            String::from_utf8_lossy(&call.exten),
            dest_priority,
            String::from_utf8_lossy(&orig_context),
            String::from_utf8_lossy(&orig_exten),
            orig_priority
        ));
        restore(call);
        return AppResult::Hangup;
    }
    push_frame(call, (orig_context, orig_exten, orig_priority), &arguments);
    AppResult::Continue
}

/// The frame a Gosub from `(context, exten, priority)` pushes once the call is at its
/// destination: the return address, `ARG1`… and `ARGC`.
pub(crate) fn push_frame(
    call: &mut Call,
    (context, exten, priority): (Vec<u8>, Vec<u8>, i32),
    arguments: &[Vec<u8>],
) {
    let max_argc = call
        .stack
        .last()
        .map_or(0, |f| f.arguments)
        .max(arguments.len());
    let mut frame = Frame {
        context,
        exten,
        priority: priority.wrapping_add(1),
        vars: smallvec::SmallVec::new(),
        arguments: max_argc,
        in_subroutine: call.in_subroutine,
    };
    for i in 0..max_argc {
        let mut name = crate::vars::Bytes::from_slice(b"ARG");
        name.extend_from_slice(crate::text::decimal(i as i64 + 1, &mut [0; 20]));
        let value = arguments.get(i).map_or(&b""[..], Vec::as_slice);
        frame_set_var(call, &mut frame, &name, value);
    }
    let argc = crate::text::decimal(arguments.len() as i64, &mut [0; 20]).to_vec();
    frame_set_var(call, &mut frame, b"ARGC", &argc);
    call.stack.push(frame);
    // app_stack.c's gosub_exec.
    call.in_subroutine = true;
}

/// A variable of a Gosub frame: pushed over any variable of that name the first time, set
/// afterwards; the frame removes it again on Return.
pub(crate) fn frame_set_var(call: &mut Call, frame: &mut Frame, name: &[u8], value: &[u8]) {
    if frame.vars.iter().any(|v| v.as_slice() == name) {
        call.vars.assign(name, value);
    } else {
        frame.vars.push(name.into());
        call.vars.push(name, value);
    }
}

/// Deletes the variables `frame` pushed and keeps its buffers for the next frame.
fn release_frame(call: &mut Call, frame: Frame) {
    for name in &frame.vars {
        call.vars.unset(name);
    }
    call.recycle(frame.context);
    call.recycle(frame.exten);
}

/// `GosubIf(cond?label1(args):label2(args))`.
fn gosub_if(engine: &mut Engine, call: &mut Call, data: &[u8]) -> AppResult {
    let usage = "WARNING: GosubIf requires an argument: GosubIf(cond?label1(args):label2(args)";
    if data.is_empty() {
        call.log.push(usage.into());
        return AppResult::Continue;
    }
    let cond = args::separate(data, b'?', false, 2);
    let [condition, labels] = cond.as_slice() else {
        call.log.push(usage.into());
        return AppResult::Continue;
    };
    let branches = args::separate(labels, b':', false, 2);
    let pick = if check_condition(condition) { 0 } else { 1 };
    match branches.get(pick) {
        Some(b) if !b.is_empty() => {
            let b = b.clone();
            gosub(engine, call, &b)
        }
        _ => AppResult::Continue,
    }
}

/// `Return([value])`: back to the priority after the Gosub, `GOSUB_RETVAL` set.
pub(crate) fn return_(call: &mut Call, data: &[u8]) -> AppResult {
    let Some(frame) = call.stack.pop() else {
        call.log
            .push("ERROR: Return without Gosub: stack is empty".into());
        return AppResult::Hangup;
    };
    let mut frame = frame;
    std::mem::swap(&mut call.context, &mut frame.context);
    std::mem::swap(&mut call.exten, &mut frame.exten);
    call.priority = frame.priority.wrapping_sub(i32::from(call.in_autoloop));
    call.in_subroutine = frame.in_subroutine;
    release_frame(call, frame);
    call.vars.assign(b"GOSUB_RETVAL", data);
    AppResult::Continue
}

fn stack_pop(call: &mut Call) -> AppResult {
    if let Some(frame) = call.stack.pop() {
        release_frame(call, frame);
    }
    AppResult::Continue
}

// ---------------------------------------------------------------------------------------
// While loops: app_while.c keeps its bookkeeping in channel variables (WHILE_n,
// END_WHILE_n and CONTEXT_EXTEN_PRIORITY), which a dialplan can see; so does this. It
// reads them with `pbx_builtin_getvar_helper`, which falls back to the globals, and writes
// them with `pbx_builtin_setvar_helper` (`scope::setvar`: a name ending in `)`, which a label
// a dialplan set can make, is a function write).

/// `pbx_builtin_getvar_helper`: the channel's variable, else the global, of the name the
/// `parts` make when joined (most names of a loop are made of a few parts, and looking them
/// up without joining them is most of what makes a While cheap).
fn var(engine: &Engine, call: &Call, parts: &[&[u8]]) -> Option<Scratch> {
    match call.vars.get_joined(parts) {
        Some(value) => Some(Scratch::from_slice(value)),
        None => engine
            .globals
            .with(|globals| globals.get_joined(parts).map(Scratch::from_slice)),
    }
}

/// Whether [`var`] finds a value.
fn exists(engine: &Engine, call: &Call, parts: &[&[u8]]) -> bool {
    call.vars.get_joined(parts).is_some()
        || engine
            .globals
            .with(|globals| globals.get_joined(parts).is_some())
}

/// A value copied out of the variables: on the stack for the locations loops store.
type Scratch = smallvec::SmallVec<[u8; 64]>;

/// app_while.c's `char varname[64]`: `WHILE_<label>` is cut to 63 bytes by `snprintf`, so
/// the label to 57.
const LABEL_SIZE: usize = 64 - 1 - b"WHILE_".len();

/// `context,exten,priority`, where an EndWhile goes back to or a loop is left for.
fn location(call: &Call, priority: i32) -> Vec<u8> {
    let mut s = Vec::with_capacity(call.context.len() + call.exten.len() + 12);
    s.extend_from_slice(&call.context);
    s.push(b',');
    s.extend_from_slice(&call.exten);
    s.push(b',');
    s.extend_from_slice(crate::text::decimal(i64::from(priority), &mut [0; 20]));
    s
}

/// `WHILE_n`.
fn while_name(n: i64) -> Vec<u8> {
    let mut name = b"WHILE_".to_vec();
    name.extend_from_slice(crate::text::decimal(n, &mut [0; 20]));
    name
}

/// The highest n with `WHILE_0` … `WHILE_n` all set, on the channel or as globals (-1 when
/// none): the innermost loop.
fn innermost_loop(engine: &Engine, call: &Call) -> i64 {
    // Asterisk asks for WHILE_0, WHILE_1, … in turn. The lists know which n < 64 they hold,
    // which answers the same for any nesting a dialplan has; deeper than that, the names
    // are asked for in turn from 64 on.
    let set = call.vars.while_mask() | engine.globals.with(crate::vars::Variables::while_mask);
    let mut used = i64::from(set.trailing_ones()) - 1;
    if used == 63 {
        while exists(engine, call, &[&while_name(used + 1)]) {
            used += 1;
        }
    }
    used
}

/// `CONTEXT_EXTEN_PRIORITY` of the current priority: the variable that remembers which
/// `WHILE_n` a While owns.
fn loop_name(call: &Call) -> Vec<u8> {
    let mut digits = [0; 20];
    loop_name_parts(call, &mut digits).concat()
}

/// [`loop_name`] as the parts it is joined from.
fn loop_name_parts<'c>(call: &'c Call, digits: &'c mut [u8; 20]) -> [&'c [u8]; 5] {
    let priority = crate::text::decimal(i64::from(call.priority), digits);
    [&call.context, b"_", &call.exten, b"_", priority]
}

/// The priority of the EndWhile matching the While at the current priority, counting nested
/// While/EndWhile pairs, or `None`.
fn matching_endwhile(engine: &Engine, call: &Call) -> Option<i32> {
    matching(engine, call, (b"while", b"endwhile"), None)
}

/// From the priority after the current one, the first whose application closes the pair
/// opened here (`other` `None`: counting nested pairs), or the first `other` application at
/// this pair's own level: app_while.c's and app_if.c's `find_matching_end*`, the priorities
/// found as routing finds them.
fn matching(
    engine: &Engine,
    call: &Call,
    (open, close): (&[u8], &[u8]),
    other: Option<&[u8]>,
) -> Option<i32> {
    let mut level = 1;
    let mut priority = call.priority.wrapping_add(1);
    loop {
        let found = route::find(
            engine.plan,
            &call.context,
            &call.exten,
            priority,
            call.cid(),
        );
        let winner = found.winner()?;
        let app = &engine.plan.contexts[winner.context].extensions[winner.extension]
            .priority(priority)?
            .app;
        if app.eq_ignore_ascii_case(open) {
            level += 1;
        } else if app.eq_ignore_ascii_case(close) {
            level -= 1;
        }
        match other {
            None if level == 0 => return Some(priority),
            Some(other) if level == 1 && app.eq_ignore_ascii_case(other) => return Some(priority),
            _ => {}
        }
        priority = priority.wrapping_add(1);
    }
}

/// While (`condition` given) and EndWhile (`None`): `_while_exec` with `end` 0 and 1.
pub(crate) fn while_(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    condition: Option<&[u8]>,
) -> AppResult {
    let used = innermost_loop(engine, call);
    let mut digits = [0; 20];
    let Some(condition) = condition else {
        // EndWhile: back to the innermost While, remembering where to leave it for.
        let index = crate::text::decimal(used, &mut digits);
        if let Some(while_pri) = var(engine, call, &[b"WHILE_", index]) {
            if !exists(engine, call, &[b"END_WHILE_", index]) {
                let name = [&b"END_WHILE_"[..], index].concat();
                let after = location(call, call.priority.wrapping_add(1));
                crate::scope::setvar(engine, call, chan, &name, Some(&after));
            }
            parseable_goto(engine, call, &while_pri);
        }
        return AppResult::Continue;
    };
    let label = match var(engine, call, &loop_name_parts(call, &mut digits)) {
        Some(label) => label,
        None => {
            let label = Scratch::from_slice(crate::text::decimal(used + 1, &mut digits));
            crate::scope::setvar(engine, call, chan, &loop_name(call), Some(&label));
            label
        }
    };
    let label = &label[..label.len().min(LABEL_SIZE)];
    if !check_condition(condition) {
        let varname = [&b"WHILE_"[..], label].concat();
        return leave_loop(engine, call, chan, &varname, &loop_name(call));
    }
    if !exists(engine, call, &[b"WHILE_", label]) {
        let here = location(call, call.priority);
        crate::scope::setvar(
            engine,
            call,
            chan,
            &[&b"WHILE_"[..], label].concat(),
            Some(&here),
        );
    }
    AppResult::Continue
}

/// The end of a loop (a false condition, ExitWhile): its variables deleted, the call past
/// its EndWhile.
fn leave_loop(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    varname: &[u8],
    my_name: &[u8],
) -> AppResult {
    crate::scope::setvar(engine, call, chan, varname, None);
    crate::scope::setvar(engine, call, chan, my_name, None);
    // Cut as `snprintf(end_varname, 64, "END_%s", varname)` cuts it.
    let mut end_varname = [&b"END_"[..], varname].concat();
    end_varname.truncate(63);
    if let Some(goto) = var(engine, call, &[&end_varname]) {
        parseable_goto(engine, call, &goto);
        crate::scope::setvar(engine, call, chan, &end_varname, None);
    } else if let Some(pri) = matching_endwhile(engine, call) {
        // Set directly, not through a goto: the loop then steps past the EndWhile.
        call.priority = pri;
    } else {
        call.log.push(format!(
            "WARNING: Couldn't find matching EndWhile? (While at {}@{} priority {})",
            String::from_utf8_lossy(&call.context),
            String::from_utf8_lossy(&call.exten),
            call.priority
        ));
    }
    AppResult::Continue
}

/// The applications of app_if.c, in the order of its `if_helper`'s `end` argument.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum IfApp {
    If = 0,
    ElseIf = 1,
    EndIf = 2,
    Else = 3,
    ExitIf = 4,
}

/// app_if.c's `if_helper`, kept in channel variables as app_while keeps its loops: `IF_n`
/// remembers where the innermost open If is (`context,exten,priority`), `END_IF_n` where its
/// branch ends, and `<context>_<exten>_<priority>` which `n` an If owns. A false If or
/// ElseIf jumps to the next ElseIf (which tests again), else past the Else, else past the
/// EndIf; a branch that reaches Else or ExitIf leaves for the EndIf.
fn if_(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
    app: IfApp,
) -> AppResult {
    let end = app as u8;
    let mut used: i64 = -1;
    while exists(
        engine,
        call,
        &[b"IF_", crate::text::decimal(used + 1, &mut [0; 20])],
    ) {
        used += 1;
    }
    let my_name = loop_name(call);
    let label: Vec<u8> = if end > 1 {
        crate::text::decimal(used, &mut [0; 20]).to_vec()
    } else if let Some(label) = var(engine, call, &[&my_name]) {
        label.to_vec()
    } else {
        let label = crate::text::decimal(used + 1, &mut [0; 20]).to_vec();
        crate::scope::setvar(engine, call, chan, &my_name, Some(&label));
        label
    };
    // `char varname[VAR_SIZE + 3]` and `char end_varname[sizeof(varname) + 4]`.
    let mut varname = [&b"IF_"[..], &label].concat();
    varname.truncate(66);
    let mut end_varname = [&b"END_"[..], &varname].concat();
    end_varname.truncate(70);
    let if_pri = var(engine, call, &[&varname]);
    if end > 1 || !check_condition(data) {
        crate::scope::setvar(engine, call, chan, &varname, None);
        crate::scope::setvar(engine, call, chan, &my_name, None);
        let endif = if app == IfApp::EndIf {
            Some(call.priority)
        } else {
            matching_endif(engine, call, None)
        };
        let before_endif = |pri: i32| endif.is_some_and(|e| pri < e);
        if let Some(goto) = var(engine, call, &[&end_varname]) {
            parseable_goto(engine, call, &goto);
            crate::scope::setvar(engine, call, chan, &end_varname, None);
        } else if let Some(pri) = (end <= 1)
            .then(|| matching_endif(engine, call, Some(b"ElseIf")))
            .flatten()
            .filter(|&pri| before_endif(pri))
        {
            // Back a priority: the loop steps onto the ElseIf, which tests its condition.
            call.priority = pri.wrapping_sub(1);
        } else if let Some(pri) = (end <= 1)
            .then(|| matching_endif(engine, call, Some(b"Else")))
            .flatten()
            .filter(|&pri| before_endif(pri))
        {
            call.priority = pri;
        } else if let Some(pri) = endif {
            call.priority = pri;
        } else if app == IfApp::ExitIf {
            call.log.push(format!(
                "WARNING: Couldn't find matching EndIf? (If at {}@{} priority {})",
                String::from_utf8_lossy(&call.context),
                String::from_utf8_lossy(&call.exten),
                call.priority
            ));
        }
        return AppResult::Continue;
    }
    if end <= 1 && if_pri.is_none() {
        let here = location(call, call.priority);
        crate::scope::setvar(engine, call, chan, &varname, Some(&here));
    } else if end > 1
        && let Some(if_pri) = if_pri
    {
        if !exists(engine, call, &[&end_varname]) {
            let after = location(call, call.priority.wrapping_add(1));
            crate::scope::setvar(engine, call, chan, &end_varname, Some(&after));
        }
        parseable_goto(engine, call, &if_pri);
    }
    AppResult::Continue
}

/// app_if.c's `find_matching_endif`: the EndIf that closes the If here (`other` `None`), or
/// the first `other` (`ElseIf`, `Else`) at its own level.
fn matching_endif(engine: &Engine, call: &Call, other: Option<&[u8]>) -> Option<i32> {
    matching(engine, call, (b"if", b"endif"), other)
}

/// `ExitWhile()`: like a While whose condition is false, for the innermost loop.
fn exit_while(engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel) -> AppResult {
    let used = innermost_loop(engine, call);
    let my_name = loop_name(call);
    let varname = while_name(used);
    leave_loop(engine, call, chan, &varname, &my_name)
}

/// `ContinueWhile()`: back to the innermost While.
fn continue_while(engine: &mut Engine, call: &mut Call) -> AppResult {
    let mut last = None;
    let mut x = 0;
    while let Some(v) = var(
        engine,
        call,
        &[b"WHILE_", crate::text::decimal(x, &mut [0; 20])],
    ) {
        last = Some(v);
        x += 1;
    }
    if let Some(target) = last {
        parseable_goto(engine, call, &target);
    }
    AppResult::Continue
}

// ---------------------------------------------------------------------------------------
// Running other applications

/// `ExecIf(cond?app(args)[:app(args)])`; the deprecated `ExecIf(cond,app,args)` too.
fn exec_if(engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    /// An application and its data.
    type AppCall = (Vec<u8>, Vec<u8>);
    let first_comma = data.iter().position(|&c| c == b',');
    let first_question = data.iter().position(|&c| c == b'?');
    let deprecated = match (first_comma, first_question) {
        (_, None) => true,
        (Some(c), Some(q)) => c < q,
        (None, Some(_)) => false,
    };
    let (condition, if_true, if_false): (Vec<u8>, AppCall, Option<AppCall>) = if deprecated {
        let parts = args::standard(data, 3);
        let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
        call.log.push(format!(
            "WARNING: Deprecated syntax found.  Please upgrade to using ExecIf(<expr>?{}({}))",
            String::from_utf8_lossy(&part(1)),
            String::from_utf8_lossy(&part(2))
        ));
        (part(0), (part(1), part(2)), None)
    } else {
        let expr = args::separate(data, b'?', false, 2);
        let remainder = expr.get(1).cloned().unwrap_or_default();
        if remainder.is_empty() {
            call.log.push(
                "ERROR: Usage: ExecIf(<expr>?<appiftrue>(<args>)[:<appiffalse>(<args)])".into(),
            );
            return AppResult::Hangup;
        }
        // `app(args)`: the name before the first `(`, the data up to the last `)`.
        let split_call = |s: &[u8]| -> AppCall {
            match strsep(s, b'(') {
                (name, Some(rest)) => {
                    let inner = match rest.iter().rposition(|&c| c == b')') {
                        Some(end) => &rest[..end],
                        None => rest,
                    };
                    (name.to_vec(), inner.to_vec())
                }
                (name, None) => (name.to_vec(), Vec::new()),
            }
        };
        let apps = args::separate(&remainder, b':', false, 2);
        let if_true = apps.first().map(|a| split_call(a)).unwrap_or_default();
        (expr[0].clone(), if_true, apps.get(1).map(|a| split_call(a)))
    };
    let (app, app_data) = if check_condition(&condition) {
        if_true
    } else {
        match if_false {
            Some(f) if !f.0.is_empty() => f,
            _ => return AppResult::Continue,
        }
    };
    match (!app.is_empty())
        .then(|| run_named(engine, call, chan, &app, &app_data))
        .flatten()
    {
        Some(result) => result,
        None => {
            call.log.push(format!(
                "WARNING: Could not find application! ({})",
                String::from_utf8_lossy(&app)
            ));
            AppResult::Hangup
        }
    }
}

/// `Exec(app(args))`: the arguments are substituted once more before the application runs.
fn exec(engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    if data.is_empty() {
        return AppResult::Continue;
    }
    let (name, rest) = strsep(data, b'(');
    let app_data = match rest {
        Some(r) => {
            let inner = match r.iter().rposition(|&c| c == b')') {
                Some(end) => &r[..end],
                None => r,
            };
            scope::substitute_unbounded(engine, call, chan, inner)
        }
        None => Vec::new(),
    };
    match run_named(engine, call, chan, name, &app_data) {
        Some(result) => result,
        None => {
            call.log.push(format!(
                "WARNING: Could not find application ({})",
                String::from_utf8_lossy(name)
            ));
            AppResult::Hangup
        }
    }
}

/// `app(args)` as Exec, TryExec and ExecIfTime cut it: the name before the first `(`, the
/// arguments up to the last `)` (all the rest when there is none; `None` without a `(`).
fn app_and_args(data: &[u8]) -> (&[u8], Option<(&[u8], bool)>) {
    match strsep(data, b'(') {
        (name, Some(rest)) => match rest.iter().rposition(|&c| c == b')') {
            Some(end) => (name, Some((&rest[..end], true))),
            None => (name, Some((rest, false))),
        },
        (name, None) => (name, None),
    }
}

/// `TryExec(app(args))` (app_exec.c): as Exec, but the call goes on whatever the application
/// does, and `TRYSTATUS` says how it went: `SUCCESS`, `FAILED`, or `NOAPP`.
fn try_exec(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    if data.is_empty() {
        return AppResult::Continue;
    }
    let (name, args) = app_and_args(data);
    let app_data = match args {
        Some((inner, _)) => scope::substitute_unbounded(engine, call, chan, inner),
        None => Vec::new(),
    };
    let status: &[u8] = match run_named(engine, call, chan, name, &app_data) {
        Some(AppResult::Continue) => b"SUCCESS",
        Some(_) => b"FAILED",
        None => {
            call.log.push(format!(
                "WARNING: Could not find application ({})",
                String::from_utf8_lossy(name)
            ));
            b"NOAPP"
        }
    };
    scope::setvar(engine, call, chan, b"TRYSTATUS", Some(status));
    AppResult::Continue
}

/// `ExecIfTime(times,weekdays,mdays,months[,zone]?app(args))` (pbx_builtins.c): runs the
/// application when the clock is inside the time spec (not `TESTTIME`, which only GotoIfTime
/// reads) through `ast_pbx_exec_application`, which substitutes its arguments once more.
fn exec_if_time(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    const USAGE: &str = "ExecIfTime requires an argument:\n  <time range>,<days of week>,<days of month>,<months>[,<timezone>]?<appname>[(<appargs>)]";
    let (spec, app) = strsep(data, b'?');
    let Some(app) = app.filter(|_| !data.is_empty()) else {
        call.log.push(format!("WARNING: {USAGE}"));
        return AppResult::Hangup;
    };
    let Some(timing) = pbxc_dialplan::timing::Timing::parse(spec, &mut call.log) else {
        call.log.push(format!(
            "WARNING: Invalid Time Spec: {}\nCorrect usage: {USAGE}",
            String::from_utf8_lossy(spec)
        ));
        return AppResult::Hangup;
    };
    if !timing.matches(engine.clock.moment()) {
        return AppResult::Continue;
    }
    let (name, args) = app_and_args(app);
    if let Some((_, false)) = args {
        call.log
            .push("WARNING: Failed to find closing parenthesis".into());
    }
    let known = std::str::from_utf8(name).ok().and_then(|n| {
        pbxc_stdlib::catalog()
            .application(n)
            .filter(|e| e.in_version(22))
    });
    if known.is_none() {
        call.log.push(format!(
            "WARNING: Could not find application ({})",
            String::from_utf8_lossy(name)
        ));
        return AppResult::Hangup;
    }
    let app_data = match args {
        Some((inner, _)) if !inner.is_empty() => {
            scope::substitute_unbounded(engine, call, chan, inner)
        }
        _ => Vec::new(),
    };
    run_named(engine, call, chan, name, &app_data).unwrap_or(AppResult::Hangup)
}

/// `Incomplete([n])` (pbx_builtins.c): the number dialled so far is not complete; the PBX
/// loop waits for more digits while some extension could still match (overlap dialling),
/// else the number is invalid. The channel is answered first unless `n` says not to (some
/// channels take no keys before they are answered).
fn incomplete(call: &mut Call, chan: &mut dyn Channel, data: &[u8]) -> AppResult {
    if call.hung_up || chan.hung_up() {
        return AppResult::Hangup;
    }
    if !data.contains(&b'n') {
        chan.execute("Answer", b"", &mut call.vars);
    }
    AppResult::Incomplete
}

/// `Log(level,message)` (app_verbose.c): the message in Asterisk's log at that level. The
/// call's log keeps the levels it keeps for everything else (errors, warnings, notices);
/// `DEBUG`, `VERBOSE` and `DTMF` go to logs a call does not report.
fn log(call: &mut Call, data: &[u8]) -> AppResult {
    if data.is_empty() {
        return AppResult::Continue;
    }
    let parts = args::standard(data, 2);
    let level = parts.first().cloned().unwrap_or_default();
    // `Log(WARNING)`: C prints the missing message with `%s` of NULL, as glibc does.
    let message = parts.get(1).cloned().unwrap_or_else(|| b"(null)".to_vec());
    let level = String::from_utf8_lossy(&level).to_ascii_uppercase();
    match level.as_str() {
        "ERROR" | "WARNING" | "NOTICE" => call
            .log
            .push(format!("{level}: {}", String::from_utf8_lossy(&message))),
        "DEBUG" | "VERBOSE" | "DTMF" => {}
        _ => call.log.push(format!(
            "ERROR: Unknown log level: '{}'",
            String::from_utf8_lossy(&parts[0])
        )),
    }
    AppResult::Continue
}

/// `WaitExten([seconds][,options])`: a key starts an extension; on a timeout the dialplan
/// goes on at the next priority, else at `t`, else at `e`, else the call ends.
fn wait_exten(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    let parts = args::standard(data, 2);
    let timeout = parts.first().cloned().unwrap_or_default();
    let ms = args::timelen_ms(&timeout, 1000)
        .filter(|&ms| ms > 0)
        .unwrap_or(i64::from(call.response_timeout_ms));
    // `m[(class)]`: music on hold while waiting.
    let hold = parts
        .get(1)
        .and_then(|o| args::parse_options(o).ok())
        .and_then(|o| o.into_iter().find(|(letter, _)| *letter == b'm'))
        .map(|(_, class)| class.unwrap_or_default());
    if let Some(class) = &hold {
        chan.start_hold(class);
    }
    tell_timeout(engine, call, chan);
    let key = chan.wait_digit(u32::try_from(ms).unwrap_or(u32::MAX));
    if hold.is_some() {
        chan.stop_hold();
    }
    if let Some(key) = key {
        return AppResult::Digit(key);
    }
    let cid = call.cid();
    // `ast_check_hangup` is true past the absolute timeout too: the loop then goes to `T`.
    if chan.hung_up() || engine.timed_out(call) {
        AppResult::Hangup
    } else if engine.exists(
        &call.context,
        &call.exten,
        call.priority.wrapping_add(1),
        cid,
    ) {
        AppResult::Continue
    } else if engine.exists(&call.context, b"t", 1, cid) {
        call.exten = b"t".to_vec();
        call.priority = 0;
        AppResult::Continue
    } else if engine.exists(&call.context, b"e", 1, cid) {
        engine.raise_exception(call, b"RESPONSETIMEOUT", 0);
        AppResult::Continue
    } else {
        call.log.push(format!(
            "WARNING: Timeout but no rule 't' or 'e' in context '{}'",
            String::from_utf8_lossy(&call.context)
        ));
        AppResult::Hangup
    }
}

// ---------------------------------------------------------------------------------------
// Local channels

/// What app_dial.c's `dial_exec_full` decides before it calls anyone, offline: a target
/// that is not `technology/resource` fails the whole Dial (INVALIDARGS; the call hangs up
/// unless `g`); no target at all (blanks and empty ones are passed over) reaches no one
/// (CHANUNAVAIL). `None` when the targets are fit to dial.
fn dial_refused(call: &mut Call, data: &[u8]) -> Option<AppResult> {
    crate::dial_times::clear(&mut call.vars);
    let parts = args::standard(data, 4);
    let targets = parts.first().cloned().unwrap_or_default();
    let named: Vec<&[u8]> = targets
        .split(|&c| c == b'&')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
        .collect();
    if named
        .iter()
        .any(|t| strsep(t, b'/').1.is_none_or(<[u8]>::is_empty))
    {
        call.log
            .push("WARNING: Dial argument takes format (technology/resource)".into());
        call.vars.set(b"DIALSTATUS", Some(b"INVALIDARGS"));
        let go_on = parts
            .get(2)
            .is_some_and(|options| args::has_option(options, b'g'));
        return Some(if go_on {
            AppResult::Continue
        } else {
            AppResult::Hangup
        });
    }
    if named.is_empty() {
        call.vars.set(b"DIALSTATUS", Some(b"CHANUNAVAIL"));
        return Some(AppResult::Continue);
    }
    None
}

fn is_local_dial(data: &[u8]) -> bool {
    data.len() >= 6 && data[..6].eq_ignore_ascii_case(b"local/")
}

/// `Dial(Local/exten@context[/n],…)` offline: the `;2` half runs `exten@context` as a new
/// call in this engine, with the variables a child channel inherits (`_X` and `__Y`). When it
/// answered, the bridge ends with it and Dial hangs up unless `g`; when it hung up without
/// answering, DIALSTATUS is NOANSWER and the dialplan goes on.
fn dial_local(
    engine: &mut Engine,
    call: &mut Call,
    caller: &mut dyn Channel,
    data: &[u8],
) -> AppResult {
    // Asterisk would create channels until it ran out of something; offline each Local is a
    // nested call on this thread, so the nesting is bounded.
    const MAX_LOCAL_DEPTH: u32 = 16;
    crate::dial_times::clear(&mut call.vars);
    if engine.local_depth >= MAX_LOCAL_DEPTH {
        call.log.push(format!(
            "WARNING: Unable to create channel of type 'Local': more than {MAX_LOCAL_DEPTH} Local channels dialled from each other"
        ));
        call.vars.set(b"DIALSTATUS", Some(b"CHANUNAVAIL"));
        return AppResult::Continue;
    }
    let parts = args::standard(data, 4);
    let targets = parts.first().cloned().unwrap_or_default();
    let options = parts.get(2).cloned().unwrap_or_default();
    let mut answered = None;
    let mut peers = Vec::new();
    let locals: Vec<&[u8]> = targets
        .split(|&c| c == b'&')
        .filter(|t| is_local_dial(t))
        .collect();
    // core_unreal.c numbers each Local pair from a counter as Dial requests them, all of
    // them before it calls any: `-%08x` (a call here starts the count at zero).
    let first = engine.local_sequence;
    engine.local_sequence = first.wrapping_add(locals.len() as u32);
    for (sequence, target) in (first..).zip(locals) {
        let resource = strsep(&target[6..], b'/').0;
        let (exten, context) = match strsep(resource, b'@') {
            (e, Some(c)) => (e, c),
            (e, None) => (e, &b"default"[..]),
        };
        let mut child = Call::new(context, exten, call.callerid.as_deref());
        child.vars = call.vars.inherit();
        *child.attributes =
            crate::attributes::Attributes::for_local_child(&call.attributes, call.linked_id());
        // A new channel starts in the system's default language.
        child.attributes.language = engine.system.default_language.clone();
        let mut name = b"Local/".to_vec();
        name.extend_from_slice(resource);
        name.extend_from_slice(format!("-{sequence:08x};").as_bytes());
        // The caller dials the `;1` half; the `;2` half runs the dialplan.
        peers.push([&name[..], b"1"].concat());
        name.push(b'2');
        child.set_unique_id(&local_unique_id(call.linked_id(), sequence));
        // The switches this call's lookups passed are its own, not the child's.
        engine.report_switches(call);
        engine.local_depth += 1;
        let mut steps = Vec::new();
        // The child's run says whether its channel watches its steps; the caller's goes on.
        let watched = engine.watched;
        let mut inner = SimulatedChannel::dialed(&name);
        // CDRs off for the caller are off for the channels it makes.
        if !caller.watches_steps() {
            inner = inner.without_cdr();
        }
        let mut chan = AnswerTracking {
            inner,
            caller: Some((&mut *call, &mut *caller)),
        };
        engine.run(&mut child, &mut chan, &mut |step| {
            steps.push(crate::call::LocalStep::new(&name, step));
        });
        let child_answered = chan.inner.is_up();
        drop(chan);
        engine.watched = watched;
        engine.local_depth -= 1;
        call.local_steps.append(&mut steps);
        call.log.append(&mut child.log);
        if child_answered && answered.is_none() {
            answered = Some(peers.len() - 1);
        }
    }
    caller.dialed(&peers, answered);
    if answered.is_some() {
        call.vars.set(b"DIALSTATUS", Some(b"ANSWER"));
        // The bridge took no time offline, nor did anything before it.
        crate::dial_times::set(&mut call.vars, b"ANSWEREDTIME", 0);
        crate::dial_times::set(&mut call.vars, b"DIALEDTIME", 0);
        if args::has_option(&options, b'g') {
            AppResult::Continue
        } else {
            AppResult::Hangup
        }
    } else {
        call.vars.set(b"DIALSTATUS", Some(b"NOANSWER"));
        AppResult::Continue
    }
}

/// The unique ID of the `;2` half of Local pair `sequence` (numbered from the call's start,
/// nested Dials included) of the call whose unique ID is `first`: channels are numbered as
/// they are made, after that call's, each pair's `;1` half before its `;2` half.
fn local_unique_id(first: &[u8], sequence: u32) -> Vec<u8> {
    let (base, number) = match first.iter().rposition(|&c| c == b'.') {
        Some(dot) => (&first[..dot], &first[dot + 1..]),
        None => (first, &b""[..]),
    };
    let number: u64 = std::str::from_utf8(number)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let own = number
        .saturating_add(2)
        .saturating_add(2 * u64::from(sequence));
    [base, format!(".{own}").as_bytes()].concat()
}

/// A Local channel's `;2` half offline: a simulated channel (which knows whether the
/// dialplan answered it) that knows the call that dialed it and that call's channel (where
/// `MASTER_CHANNEL()` and `IMPORT()` look for another channel).
struct AnswerTracking<'c> {
    inner: SimulatedChannel,
    caller: Option<(&'c mut Call, &'c mut dyn Channel)>,
}

impl Channel for AnswerTracking<'_> {
    /// The channels offline: this one, the caller that dialed it, that one's caller, and so
    /// on up to the call `pbxc call` placed.
    fn with_channel(
        &mut self,
        wanted: &[u8],
        f: &mut dyn FnMut(&mut Call, &mut dyn Channel),
    ) -> crate::Reach {
        let Some((call, chan)) = &mut self.caller else {
            return crate::Reach::NotFound;
        };
        if crate::shared::is_named(wanted, chan.name(), &call.unique_id) {
            f(call, &mut **chan);
            return crate::Reach::Ran;
        }
        chan.with_channel(wanted, f)
    }

    fn name(&self) -> &[u8] {
        self.inner.name()
    }

    fn watches_steps(&self) -> bool {
        self.inner.watches_steps()
    }

    fn dialplan_starts(&mut self, context: &[u8], exten: &[u8], clock: crate::Clock) {
        self.inner.dialplan_starts(context, exten, clock);
    }

    fn application_starts(&mut self, step: &crate::Executed, cause: i32) {
        self.inner.application_starts(step, cause);
    }

    fn hangup_logic_starts(&mut self) {
        self.inner.hangup_logic_starts();
    }

    fn dialed(&mut self, peers: &[Vec<u8>], answered: Option<usize>) {
        self.inner.dialed(peers, answered);
    }

    fn cdr_property(&self, name: &str) -> Option<Vec<u8>> {
        self.inner.cdr_property(name)
    }

    fn cdr_command(&mut self, command: crate::cdr::Command) -> bool {
        self.inner.cdr_command(command)
    }

    fn with_shared(
        &mut self,
        channel: Option<&[u8]>,
        f: &mut dyn FnMut(&mut crate::shared::SharedVariables),
    ) -> bool {
        self.inner.with_shared(channel, f)
    }

    fn leave_voicemail(
        &mut self,
        leave: &crate::voicemail::Leave<'_>,
        vars: &mut crate::vars::Variables,
    ) -> crate::voicemail::Left {
        self.inner.leave_voicemail(leave, vars)
    }

    fn get_data(
        &mut self,
        prompt: &str,
        max: usize,
        first_ms: u32,
        next_ms: u32,
    ) -> Option<Vec<u8>> {
        self.inner.get_data(prompt, max, first_ms, next_ms)
    }

    fn shell(&mut self, command: &[u8]) -> Option<std::io::Result<Vec<u8>>> {
        self.inner.shell(command)
    }

    fn execute(&mut self, app: &str, data: &[u8], vars: &mut crate::vars::Variables) -> AppResult {
        self.inner.execute(app, data, vars)
    }
}

#[cfg(test)]
mod goto_tests {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("loop".to_string()),
            Just("s".to_string()),
            Just("a,b".to_string()),
            Just(String::new()),
            "[0-9]{1,11}",
            "[-+ 0-9a-z,]{0,4}",
        ]
    }

    proptest! {
        /// Where the short way reads a target, it reads what the general parse reads.
        #[test]
        fn the_own_place_shortcut_answers_as_the_general_parse(
            context in piece(),
            exten in piece(),
            target in (piece(), piece(), piece(), 0..3usize),
            in_autoloop in proptest::bool::ANY,
        ) {
            let (plan, _) = pbxc_dialplan::lower_text(b"[loop]\nexten => s,1,NoOp()\n");
            let engine = Engine::new(&plan);
            let (c, e, p, shape) = target;
            // The call's own names most of the time, others too.
            let text = match shape {
                0 => format!("{context},{exten},{p}"),
                1 => format!("{c},{exten},{p}"),
                _ => format!("{c},{e},{p}"),
            };
            let mut call = Call::new(context.as_bytes(), exten.as_bytes(), None);
            call.in_autoloop = in_autoloop;
            call.priority = 5;
            if let Some(n) = own_place_at(&call, text.as_bytes()) {
                let mut general = Call::new(context.as_bytes(), exten.as_bytes(), None);
                general.in_autoloop = in_autoloop;
                general.priority = 5;
                prop_assert!(parse_goto(&engine, &mut general, text.as_bytes()));
                call.explicit_goto(b"", b"", n);
                prop_assert_eq!(
                    (&call.context, &call.exten, call.priority),
                    (&general.context, &general.exten, general.priority),
                    "{}", text
                );
            }
        }
    }

    #[test]
    fn the_shortcut_takes_the_call_s_own_place_at_a_number_only() {
        let call = Call::new(b"loop", b"s", None);
        let cases: &[(&str, Option<i32>)] = &[
            ("loop,s,2", Some(2)),
            ("loop,s,007", Some(7)),
            ("loop,s,0", Some(0)),
            ("loop,s,+2", None),
            ("loop,s, 2", None),
            ("loop,s,2,x", None),
            ("loop,s,top", None),
            ("loop,t,2", None),
            ("other,s,2", None),
            ("s,2", None),
            ("loop,s,1234567890", None),
        ];
        for &(target, expected) in cases {
            assert_eq!(own_place_at(&call, target.as_bytes()), expected, "{target}");
        }
        let commas = Call::new(b"a,b", b"s", None);
        assert_eq!(own_place_at(&commas, b"a,b,s,2"), None);
    }
}
