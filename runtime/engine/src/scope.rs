//! What `${...}` and `$[...]` see during a call: built-in variables, the channel's variables,
//! globals, and the dialplan functions — the pure ones from the stdlib, the ones about the
//! call or the dialplan here.

use crate::call::{Call, Engine};
use crate::channel::Channel;
use crate::subst::{self, Scope};

/// Substitutes `data` in the context of `call`, as application data (within its limits).
pub(crate) fn substitute(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> Vec<u8> {
    substitute_within(engine, call, chan, data, subst::Limits::APP_DATA)
}

/// Substitutes `data` into a dynamic string (`ast_str_substitute_variables` with no maximum),
/// as Exec, TryExec and ExecIfTime substitute their application's arguments once more.
pub(crate) fn substitute_unbounded(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
) -> Vec<u8> {
    substitute_within(engine, call, chan, data, subst::Limits::UNBOUNDED)
}

fn substitute_within(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    data: &[u8],
    limits: subst::Limits,
) -> Vec<u8> {
    subst::substitute_with(data, &mut Exec { engine, call, chan }, limits)
}

/// `pbx_builtin_setvar_helper`: a name ending in `)` writes a function, any other sets a
/// channel variable (an empty value still exists; `None` deletes).
pub(crate) fn setvar(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    name: &[u8],
    value: Option<&[u8]>,
) {
    if name.last() == Some(&b')') {
        let mut exec = Exec { engine, call, chan };
        exec.write_function(name, value.unwrap_or_default());
    } else if let Some(value) = value {
        call.vars.assign(name, value);
    } else {
        call.vars.unset(name);
    }
}

/// Whether `pbx_retrieve_variable` answers `name` itself, before (and instead of) the
/// channel's variables and the globals: with a channel, the call's own names; then the time
/// and the system's (spec §4.4).
fn is_built_in(name: &[u8]) -> bool {
    matches!(
        name,
        b"CALLINGPRES"
            | b"CALLINGANI2"
            | b"CALLINGTON"
            | b"CALLINGTNS"
            | b"HINT"
            | b"HINTNAME"
            | b"EXTEN"
            | b"CONTEXT"
            | b"PRIORITY"
            | b"CHANNEL"
            | b"UNIQUEID"
            | b"HANGUPCAUSE"
            | b"EPOCH"
            | b"SYSTEMNAME"
            | b"ENTITYID"
            | b"ASTCACHEDIR"
            | b"ASTETCDIR"
            | b"ASTMODDIR"
            | b"ASTVARLIBDIR"
            | b"ASTDBDIR"
            | b"ASTKEYDIR"
            | b"ASTDATADIR"
            | b"ASTAGIDIR"
            | b"ASTSPOOLDIR"
            | b"ASTRUNDIR"
            | b"ASTLOGDIR"
            | b"ASTSBINDIR"
    )
}

/// What `${name}` (a plain name: no function, no substring) substitutes to, as a small
/// integer (`crate::native::small_integer`), or `None` when it is anything else. Reads the
/// channel's variables and the globals in place, without copying the value.
pub(crate) fn small_integer_variable(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    name: &[u8],
) -> Option<i64> {
    use crate::native::small_integer;
    if is_built_in(name) {
        let mut exec = Exec { engine, call, chan };
        return small_integer(&exec.variable(name)?);
    }
    match call.vars.get(name) {
        Some(value) => small_integer(value),
        None => small_integer(&engine.globals.get(name)?),
    }
}

/// What `${name}` (a plain name) substitutes to, before the C string and size limits.
pub(crate) fn variable(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    name: &[u8],
) -> Option<Vec<u8>> {
    Exec { engine, call, chan }.variable(name)
}

/// What [`Exec::on_channel`] did on a channel found by name.
enum Reached {
    /// Ran there: the substituted text (`None` for a write).
    There(Option<Vec<u8>>),
    /// The channel is out of reach; nothing was done.
    Unreachable,
}

struct Exec<'a, 'p> {
    engine: &'a mut Engine<'p>,
    call: &'a mut Call,
    chan: &'a mut dyn Channel,
}

/// A `TIMEOUT(...)` value as func_timeout.c reads it, `sscanf(value, "%30ld%30lf", &sec,
/// &x)` into `tv_sec = sec, tv_usec = x * 1000000` (so `2.5` is 2 seconds and then `.5`
/// of one, and `1-1.5` half a second before now): its milliseconds, and whether it is zero
/// (nothing readable, or a negative number of seconds, is).
fn timeout_ms(value: &[u8]) -> (i64, bool) {
    let text = value.trim_ascii_start();
    let sign = usize::from(matches!(text.first(), Some(b'-' | b'+')));
    let digits = text[sign..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, true);
    }
    let end = (sign + digits).min(30);
    // strtol saturates: past the largest number, the largest number.
    let seconds = std::str::from_utf8(&text[..end])
        .unwrap_or_default()
        .parse::<i64>()
        .unwrap_or(if text[0] == b'-' { i64::MIN } else { i64::MAX });
    if seconds < 0 {
        return (0, true);
    }
    let fraction = pbxc_stdlib::functions::cscan::double(&text[end..], 30)
        .value()
        .unwrap_or(0.0);
    let micros = (fraction * 1_000_000.0) as i64;
    (
        seconds.saturating_mul(1000).saturating_add(micros / 1000),
        seconds == 0 && micros == 0,
    )
}

/// What reading a member of `CALLERID` gives.
enum Member {
    Value(Vec<u8>),
    /// `Unknown callerid data type`, logged; the value is empty.
    Unknown,
    /// Too many sub-names: the function fails silently.
    Fails,
}

/// `callerid_read` of func_callerid.c for the channel's own caller ID: `member` cut at `-`
/// into sub-names and read as `party_id_read` reads them. The call models the caller's
/// number and name (each valid when given); the other parties (ANI, private, redirecting,
/// dialled) and the attributes of these two read as a channel that set none of them
/// (`ast_party_*_init`), as on the Local channels the conformance tables were observed on.
/// (chan_pjsip would copy the caller ID into the ANI: `CALLERID(ani)` there is the number.)
fn callerid_read(call: &Call, member: &[u8]) -> Member {
    // `struct ast_party_members` holds ten sub-names; a tenth means too many.
    let names: Vec<&[u8]> = member.splitn(10, |&c| c == b'-').collect();
    if names.len() >= 10 {
        return Member::Fails;
    }
    let is = |name: &[u8], word: &str| name.eq_ignore_ascii_case(word.as_bytes());
    let caller = Party {
        name: call.callerid_name.as_deref(),
        number: call.callerid.as_deref(),
    };
    let read = match names.as_slice() {
        [rdnis] if is(rdnis, "rdnis") => Some(Vec::new()),
        [dnid, rest @ ..] if is(dnid, "dnid") => match rest {
            [] => Some(Vec::new()),
            [num] if starts(num, "num") => Some(Vec::new()),
            [num, plan] if starts(num, "num") && is(plan, "plan") => Some(b"0".to_vec()),
            [subaddr, rest @ ..] if starts(subaddr, "subaddr") => Party::default().subaddress(rest),
            _ => None,
        },
        [ani2] if is(ani2, "ani2") => Some(b"00".to_vec()),
        [ani] if is(ani, "ani") => Some(Vec::new()),
        [ani, rest @ ..] if is(ani, "ani") => Party::default().read(rest),
        [private, rest @ ..] if is(private, "priv") => Party::default().read(rest),
        _ => caller.read(&names),
    };
    read.map_or(Member::Unknown, Member::Value)
}

/// `strncasecmp(word, name, strlen(word))`: `name` starts with `word`, any case.
fn starts(name: &[u8], word: &str) -> bool {
    name.len() >= word.len() && name[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// A party of a call's caller ID: its number and name, each `None` when not valid.
#[derive(Default)]
struct Party<'a> {
    name: Option<&'a [u8]>,
    number: Option<&'a [u8]>,
}

impl Party<'_> {
    /// `party_id_read`: `None` for what it does not know.
    fn read(&self, names: &[&[u8]]) -> Option<Vec<u8>> {
        let is = |name: &[u8], word: &str| name.eq_ignore_ascii_case(word.as_bytes());
        let valid = |v: Option<&[u8]>| if v.is_some() { b"1" } else { b"0" }.to_vec();
        // `ast_party_*_init`: allowed, not screened.
        const PRESENTATION: &[u8] = b"allowed_not_screened";
        match names {
            [all] if is(all, "all") => {
                let mut out = b"\"".to_vec();
                out.extend_from_slice(self.name.unwrap_or_default());
                out.extend_from_slice(b"\" <");
                out.extend_from_slice(self.number.unwrap_or_default());
                out.push(b'>');
                Some(out)
            }
            [name, rest @ ..] if is(name, "name") => match rest {
                [] => Some(self.name.unwrap_or_default().to_vec()),
                [v] if is(v, "valid") => Some(valid(self.name)),
                [c] if is(c, "charset") => Some(b"iso8859-1".to_vec()),
                [p] if starts(p, "pres") => Some(PRESENTATION.to_vec()),
                _ => None,
            },
            [num, rest @ ..] if starts(num, "num") => match rest {
                [] => Some(self.number.unwrap_or_default().to_vec()),
                [v] if is(v, "valid") => Some(valid(self.number)),
                [p] if is(p, "plan") => Some(b"0".to_vec()),
                [p] if starts(p, "pres") => Some(PRESENTATION.to_vec()),
                _ => None,
            },
            [subaddr, rest @ ..] if starts(subaddr, "subaddr") => self.subaddress(rest),
            [tag] if is(tag, "tag") => Some(Vec::new()),
            [ton] if is(ton, "ton") => Some(b"0".to_vec()),
            // `ast_party_id_presentation`: unavailable when neither is valid.
            [p] if starts(p, "pres") => Some(if self.name.is_none() && self.number.is_none() {
                b"unavailable".to_vec()
            } else {
                PRESENTATION.to_vec()
            }),
            _ => None,
        }
    }

    /// `party_subaddress_read` of a subaddress never set.
    fn subaddress(&self, names: &[&[u8]]) -> Option<Vec<u8>> {
        let is = |name: &[u8], word: &str| name.eq_ignore_ascii_case(word.as_bytes());
        match names {
            [] => Some(Vec::new()),
            [f] if is(f, "valid") || is(f, "type") || is(f, "odd") => Some(b"0".to_vec()),
            _ => None,
        }
    }
}

/// `strsep(s, c)`: the text before the first `c`, and the rest after it (`None` without one).
fn strsep(s: &[u8], c: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == c) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// `ast_strip_quoted(s, "\"", "\"")`: blanks stripped at both ends, then one pair of double
/// quotes around the rest.
fn strip_quoted(s: &[u8]) -> &[u8] {
    let s = pbxc_stdlib::functions::args::strip(s);
    match s {
        // One quote alone is both: C moves past it and ends the string where it was.
        [b'"'] => &[],
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}

/// `NAME(args)` cut as `ast_func_read` does: the name before the first `(`, the arguments up
/// to the last `)`.
fn split_call(text: &[u8]) -> (&[u8], &[u8]) {
    match text.iter().position(|&c| c == b'(') {
        Some(open) => {
            let rest = &text[open + 1..];
            let args = match rest.iter().rposition(|&c| c == b')') {
                Some(close) => &rest[..close],
                None => rest,
            };
            (&text[..open], args)
        }
        None => (text, &[]),
    }
}

impl Exec<'_, '_> {
    fn log(&mut self, line: String) {
        self.call.log.push(line);
    }

    /// Functions that read the call or the dialplan: `None` when `name` is none of them,
    /// else the result (`None` when the function fails).
    fn call_function(&mut self, name: &str, args: &[u8]) -> Option<Option<Vec<u8>>> {
        const HERE: &[&str] = &[
            "CALLERID",
            "EXCEPTION",
            "DIALPLAN_EXISTS",
            "VALID_EXTEN",
            "GLOBAL",
            "TIMEOUT",
            "LOCAL",
            "LOCAL_PEEK",
            "STACK_PEEK",
            "EVAL",
            "EVAL_EXTEN",
            "IFTIME",
            "ENV",
            "STAT",
            "IFMODULE",
            "VERSION",
        ];
        if name.starts_with("GROUP")
            && let Some(result) = self.group_function(name, args)
        {
            return Some(result);
        }
        if name == "CDR" {
            return match crate::cdr::read(self.call, self.chan, args) {
                crate::cdr::Reading::Value(value) => Some(value),
                crate::cdr::Reading::LocalTime(sec) => {
                    let data = format!("{sec},,%Y-%m-%d %T");
                    pbxc_stdlib::functions::read(
                        "STRFTIME",
                        data.as_bytes(),
                        &mut Env { exec: self },
                    )
                    .map(|r| r.ok())
                }
                crate::cdr::Reading::Unavailable => None,
            };
        }
        if name == "CHANNEL" {
            // The items the call keeps; the others are left to a real channel.
            return crate::attributes::read(self.call, self.chan, args).map(Some);
        }
        if name == "SHARED" {
            return Some(self.shared_read(args));
        }
        if name == "MASTER_CHANNEL" {
            return Some(self.master_read(args));
        }
        if name == "IMPORT" {
            return Some(Some(self.import_read(args)));
        }
        if name == "CONNECTEDLINE" || name == "REDIRECTING" {
            let Call { parties, log, .. } = &mut *self.call;
            let empty = crate::party::Parties::default();
            let parties = parties.as_deref().unwrap_or(&empty);
            return Some(if name == "CONNECTEDLINE" {
                parties.connected_read(args, log)
            } else {
                parties.redirecting_read(args, log)
            });
        }
        if name == "SHELL" {
            return Some(self.shell(args));
        }
        if name == "VM_INFO" {
            return Some(
                match crate::voicemail::vm_info(self.engine, self.call, args) {
                    Ok(value) => Some(value),
                    Err(error) => {
                        self.log(format!("ERROR: {error}"));
                        None
                    }
                },
            );
        }
        if crate::db::FUNCTIONS.contains(&name) {
            let db = self.engine.database().clone();
            return Some(crate::db::read(&db, name, args, self.call));
        }
        if !HERE.contains(&name) {
            return None;
        }
        Some(self.read_call_function(name, args))
    }

    /// `SHARED(var[,channel])`'s two arguments; `None` (and the warning) without any.
    fn shared_args(&mut self, args: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        if args.is_empty() {
            self.log("WARNING: SHARED() requires an argument: SHARED(<var>[,<chan>])".into());
            return None;
        }
        let mut parts = pbxc_stdlib::functions::args::standard(args, 2).into_iter();
        let var = parts.next().unwrap_or_default();
        let channel = parts.next().filter(|c| !c.is_empty());
        Some((var, channel))
    }

    /// func_shell.c's `shell_helper`: the command's output, cut at the function's buffer
    /// (`VAR_BUF_SIZE`, less the NUL). Offline nothing runs and it is empty.
    fn shell(&mut self, args: &[u8]) -> Option<Vec<u8>> {
        let command = pbxc_stdlib::functions::args::cstr(args);
        if command.is_empty() {
            self.log(
                "WARNING: Missing Argument!  Example:  Set(foo=${SHELL(echo \"bar\")})".into(),
            );
            return None;
        }
        match self.chan.shell(command) {
            Some(Ok(output)) => Some(output),
            Some(Err(_)) => {
                self.log(format!(
                    "WARNING: Failed to execute shell command '{}'",
                    String::from_utf8_lossy(command)
                ));
                None
            }
            None => {
                self.log(
                    "WARNING: Function SHELL runs commands only in the PBX; offline it is empty"
                        .into(),
                );
                None
            }
        }
    }

    /// func_global.c's `shared_read`: fails without an argument, for a channel that is not
    /// there (logged) and on a channel that never had a shared variable.
    fn shared_read(&mut self, args: &[u8]) -> Option<Vec<u8>> {
        let (var, channel) = self.shared_args(args)?;
        let mut value = None;
        let found = self
            .chan
            .with_shared(channel.as_deref(), &mut |s| value = s.read(&var));
        if !found {
            self.log(format!(
                "ERROR: Channel '{}' not found!  Variable '{}' will be blank.",
                String::from_utf8_lossy(channel.as_deref().unwrap_or_default()),
                String::from_utf8_lossy(&var)
            ));
        }
        value
    }

    /// func_global.c's `shared_write`.
    fn shared_write(&mut self, args: &[u8], value: &[u8]) {
        let Some((var, channel)) = self.shared_args(args) else {
            return;
        };
        let found = self
            .chan
            .with_shared(channel.as_deref(), &mut |s| s.write(&var, value));
        if !found {
            self.log(format!(
                "ERROR: Channel '{}' not found!  Variable '{}' not set to '{}'.",
                String::from_utf8_lossy(channel.as_deref().unwrap_or_default()),
                String::from_utf8_lossy(&var),
                String::from_utf8_lossy(value)
            ));
        }
    }

    fn read_call_function(&mut self, name: &str, args: &[u8]) -> Option<Vec<u8>> {
        let call = &*self.call;
        match name {
            // `CALLERID()` fails silently (no member); `CALLERID(member,"Name" <num>)` reads a
            // caller ID given in place of the channel's, which is not modelled (empty).
            "CALLERID" if args.is_empty() => None,
            "CALLERID" if args.contains(&b',') => Some(Vec::new()),
            "CALLERID" => match callerid_read(call, args) {
                Member::Value(value) => Some(value),
                Member::Fails => None,
                Member::Unknown => {
                    self.log(format!(
                        "ERROR: Unknown callerid data type '{}'.",
                        String::from_utf8_lossy(args)
                    ));
                    Some(Vec::new())
                }
            },
            "VERSION" => Some(self.engine.system.version(args)),
            // func_module.c: `ast_module_check`, which compares names without `.so`, in any
            // case.
            "IFMODULE" => {
                let name = String::from_utf8_lossy(args);
                // resource_name_baselen: a `.so` suffix in any case.
                let base = match name.len().checked_sub(3) {
                    Some(at)
                        if name.is_char_boundary(at) && name[at..].eq_ignore_ascii_case(".so") =>
                    {
                        &name[..at]
                    }
                    _ => &name[..],
                };
                let loaded = !base.is_empty()
                    && self
                        .engine
                        .modules
                        .as_ref()
                        .is_some_and(|loaded| loaded(base));
                Some(if loaded { b"1".to_vec() } else { b"0".to_vec() })
            }
            "EXCEPTION" => {
                let e = call.exception.as_ref()?;
                match args.to_ascii_lowercase().as_slice() {
                    b"reason" => Some(e.reason.clone()),
                    b"context" => Some(e.context.clone()),
                    b"exten" => Some(e.exten.clone()),
                    b"priority" => Some(e.priority.to_string().into_bytes()),
                    _ => None,
                }
            }
            "DIALPLAN_EXISTS" => {
                let parts = crate::args::standard(args, 3);
                let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
                let (context, exten, priority) = (part(0), part(1), part(2));
                let cid = call.cid();
                let plan = self.engine.plan;
                let yes = if !priority.is_empty() {
                    match crate::apps::scan_int(&priority) {
                        Some((n, _)) if n > 0 => self.engine.exists(&context, &exten, n, cid),
                        _ => self
                            .engine
                            .find_label(&context, &exten, &priority, cid)
                            .is_some(),
                    }
                } else if !exten.is_empty() {
                    self.engine.exists(&context, &exten, 1, cid)
                } else {
                    plan.context(&context).is_some()
                };
                Some(if yes { b"1".to_vec() } else { b"0".to_vec() })
            }
            "VALID_EXTEN" => {
                let parts = crate::args::standard(args, 3);
                let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
                let context = Some(part(0))
                    .filter(|c| !c.is_empty())
                    .unwrap_or(call.context.clone());
                let exten = part(1);
                if exten.is_empty() {
                    return None;
                }
                let priority = crate::apps::scan_int(&part(2)).map_or(1, |(n, _)| n);
                let yes = self.engine.exists(&context, &exten, priority, call.cid());
                Some(if yes { b"1".to_vec() } else { b"0".to_vec() })
            }
            "GLOBAL" => self.engine.globals.get(args),
            // func_timeout.c prints seconds with three decimals.
            "TIMEOUT" => match args.first().map(u8::to_ascii_lowercase) {
                // func_timeout.c reads the type's first letter only.
                Some(b'd') => {
                    Some(format!("{:.3}", f64::from(call.digit_timeout_ms) / 1000.0).into_bytes())
                }
                Some(b'r') => Some(
                    format!("{:.3}", f64::from(call.response_timeout_ms) / 1000.0).into_bytes(),
                ),
                Some(b'a') => Some(match call.absolute_timeout_at {
                    None => b"0".to_vec(),
                    Some(at) => {
                        let left = at - self.engine.clock.now_ms();
                        format!("{:.3}", left as f64 / 1000.0).into_bytes()
                    }
                }),
                _ => {
                    self.log("ERROR: Unknown timeout type specified.".into());
                    None
                }
            },
            // Only a variable of the current Gosub frame; empty otherwise.
            "LOCAL" => {
                let frame = call.stack.last()?;
                Some(if frame.vars.iter().any(|v| v.as_slice() == args) {
                    call.vars.get(args).map(<[u8]>::to_vec).unwrap_or_default()
                } else {
                    Vec::new()
                })
            }
            // The n-th (0 = newest) channel variable of that exact name: what an outer frame
            // sees.
            "LOCAL_PEEK" => {
                let parts = crate::args::raw(args, 2);
                let (Some(n), Some(name)) = (parts.first(), parts.get(1)) else {
                    return None;
                };
                if n.is_empty() || name.is_empty() {
                    return None;
                }
                let n = crate::apps::scan_int(n).map_or(0, |(n, _)| n);
                let skip = usize::try_from(n).unwrap_or(0);
                Some(
                    call.vars
                        .iter()
                        .filter(|(v, _)| v == &name.as_slice())
                        .nth(skip)
                        .map(|(_, value)| value.to_vec())
                        .unwrap_or_default(),
                )
            }
            "STACK_PEEK" => {
                let parts = crate::args::standard(args, 3);
                let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
                let n = crate::apps::scan_int(&part(0)).map_or(0, |(n, _)| n);
                if part(1).is_empty() || n <= 0 {
                    return None;
                }
                let frame = call.stack.iter().rev().nth(usize::try_from(n - 1).ok()?)?;
                let which = part(1);
                let which = which.trim_ascii_start();
                let mut out = Vec::new();
                match which.first() {
                    Some(b'l') => {
                        out.extend_from_slice(&frame.context);
                        out.push(b',');
                        out.extend_from_slice(&frame.exten);
                        out.push(b',');
                        out.extend_from_slice(
                            frame.priority.wrapping_sub(1).to_string().as_bytes(),
                        );
                    }
                    Some(b'c') => out.extend_from_slice(&frame.context),
                    Some(b'e') => out.extend_from_slice(&frame.exten),
                    Some(b'p') => {
                        out.extend_from_slice(frame.priority.wrapping_sub(1).to_string().as_bytes())
                    }
                    _ => {}
                }
                Some(out)
            }
            "EVAL" => {
                let args = args.to_vec();
                subst::eval(&args, self, subst::Limits::APP_DATA)
            }
            "IFTIME" => self.iftime(args),
            "EVAL_EXTEN" => self.eval_exten(args),
            "ENV" => crate::environment::get(args),
            "STAT" => Some(crate::environment::stat(args)),
            _ => None,
        }
    }

    /// `EVAL_EXTEN([[context,]exten,]priority)` (func_evalexten.c): the data of that
    /// priority (found for an empty caller ID), substituted as if the call were there
    /// (`${EXTEN}` reads that extension).
    fn eval_exten(&mut self, args: &[u8]) -> Option<Vec<u8>> {
        if args.is_empty() {
            self.log("WARNING: The EVAL_EXTEN function requires an extension".into());
            return None;
        }
        // Three `strsep`s: what follows a third comma is dropped.
        let mut parts = args.split(|&c| c == b',');
        let (first, second, third) = (parts.next(), parts.next(), parts.next());
        // pbx_parse_location: one part is a priority, two an extension and a priority. An
        // absent part is the channel's own; one present but empty stays empty for the
        // label's search, and is the channel's own afterwards.
        let (context, exten, priority) = match (first, second, third) {
            (Some(p), None, _) => (None, None, p),
            (Some(e), Some(p), None) => (None, Some(e), p),
            (Some(c), Some(e), Some(p)) => (Some(c), Some(e), p),
            (None, ..) => return None,
        };
        let number = match crate::apps::scan_int(priority) {
            Some((n, _)) => n,
            None => {
                let label_context = context.map_or(self.call.context.clone(), <[u8]>::to_vec);
                let label_exten = exten.map_or(self.call.exten.clone(), <[u8]>::to_vec);
                match self.engine.find_label(
                    &label_context,
                    &label_exten,
                    priority,
                    self.call.cid(),
                ) {
                    Some(n) if n >= 1 => n,
                    _ => {
                        self.log(format!(
                            "WARNING: Priority '{}' must be a number > 0, or valid label",
                            String::from_utf8_lossy(priority)
                        ));
                        return None;
                    }
                }
            }
        };
        let context = match context {
            Some(c) if !c.is_empty() => c.to_vec(),
            _ => self.call.context.clone(),
        };
        let exten = match exten {
            Some(e) if !e.is_empty() => e.to_vec(),
            _ => self.call.exten.clone(),
        };
        // ast_get_extension_data: found with an empty caller ID, the data cut to the buffer.
        let found = self.engine.route(&context, &exten, number, None)?;
        let plan = self.engine.plan;
        let mut data = plan.contexts[found.context].extensions[found.extension]
            .priority(number)?
            .data
            .to_vec();
        data.truncate(subst::VAR_BUF_SIZE - 1);
        // pbx_substitute_variables_helper_full_location: EXTEN, CONTEXT and PRIORITY read
        // the place the data came from (the channel itself stays where it is).
        let outer = self
            .call
            .location_override
            .replace(Box::new((context, exten, number)));
        let limits = subst::Limits {
            output: subst::VAR_BUF_SIZE - 1,
            value: subst::VAR_BUF_SIZE - 1,
        };
        let value = subst::substitute_with(&data, self, limits);
        self.call.location_override = outer;
        Some(value)
    }

    /// func_groupcount.c's reads: `None` when `name` is none of them.
    fn group_function(&mut self, name: &str, args: &[u8]) -> Option<Option<Vec<u8>>> {
        let groups = self.engine.groups().clone();
        let owner = self.call.channel_key;
        Some(match name {
            "GROUP" => groups.get(owner, args),
            "GROUP_COUNT" => {
                let (mut group, mut category) = crate::groups::split(args);
                if group.is_empty()
                    && let Some((own, own_category)) = groups.first_of(owner, &category)
                {
                    group = own;
                    if !own_category.is_empty() {
                        category = own_category;
                    }
                }
                Some(groups.count(&group, &category).to_string().into_bytes())
            }
            "GROUP_MATCH_COUNT" => {
                let (group, category) = crate::groups::split(args);
                if group.is_empty() {
                    return Some(None);
                }
                let count = groups
                    .match_count(&group, &category)
                    .unwrap_or_else(|line| {
                        self.log(line);
                        0
                    });
                Some(count.to_string().into_bytes())
            }
            "GROUP_LIST" => Some(groups.list(owner)),
            _ => return None,
        })
    }

    /// `IFTIME(times,weekdays,mdays,months[,zone]?[true][:false])` (func_logic.c): the
    /// branch the engine's clock picks, each part stripped of blanks and of one pair of
    /// double quotes around it.
    fn iftime(&mut self, args: &[u8]) -> Option<Vec<u8>> {
        let data = strip_quoted(args);
        let (spec, rest) = strsep(data, b'?');
        let (iftrue, iffalse) = match rest.map(|rest| strsep(rest, b':')) {
            Some((iftrue, iffalse)) => (Some(iftrue), iffalse),
            None => (None, None),
        };
        if spec.is_empty() || (iftrue.is_none() && iffalse.is_none()) {
            self.log("WARNING: Syntax IFTIME(<timespec>?[<true>][:<false>])".into());
            return None;
        }
        let Some(timing) = pbxc_dialplan::timing::Timing::parse(spec, &mut self.call.log) else {
            self.log("WARNING: Invalid Time Spec.".into());
            return None;
        };
        let chosen = if timing.matches(self.engine.clock.moment()) {
            iftrue
        } else {
            iffalse
        };
        Some(chosen.map(strip_quoted).unwrap_or_default().to_vec())
    }

    /// `ast_func_write` for `Set(NAME(args)=value)`.
    fn write_function(&mut self, target: &[u8], value: &[u8]) {
        let (name, args) = split_call(target);
        let name = String::from_utf8_lossy(name).into_owned();
        match name.as_str() {
            "GLOBAL" => {
                self.engine.globals.set(args, Some(value));
            }
            "SHARED" => self.shared_write(args, value),
            "MASTER_CHANNEL" => self.master_write(args, value),
            "CONNECTEDLINE" | "REDIRECTING" => {
                let Call { parties, log, .. } = &mut *self.call;
                let parties = parties.get_or_insert_with(Default::default);
                if name == "CONNECTEDLINE" {
                    parties.connected_write(args, value, log);
                } else {
                    parties.redirecting_write(args, value, log);
                }
            }
            "LOCAL" => {
                if let Some(mut frame) = self.call.stack.pop() {
                    crate::apps::frame_set_var(self.call, &mut frame, args, value);
                    self.call.stack.push(frame);
                } else {
                    self.call.vars.set(args, Some(value));
                }
            }
            // `atof(value) * 1000`, truncated.
            "TIMEOUT" => {
                let (ms, zero) = timeout_ms(value);
                let as_u32 = ms.clamp(0, i64::from(u32::MAX)) as u32;
                // func_timeout.c reads the type's first letter only.
                match args.first().map(u8::to_ascii_lowercase) {
                    // Only a zero time cancels: a negative or sub-millisecond one is a
                    // deadline already past.
                    Some(b'a') => {
                        self.call.absolute_timeout_at =
                            (!zero).then(|| self.engine.clock.now_ms().saturating_add(ms))
                    }
                    Some(b'd') => self.call.digit_timeout_ms = as_u32,
                    Some(b'r') => self.call.response_timeout_ms = as_u32,
                    _ => self.log("ERROR: Unknown timeout type specified.".into()),
                }
            }
            "CHANNEL" => match args.to_ascii_lowercase().as_slice() {
                // pbx_hangup_handler.c: push, pop (then push the value, if any), wipe (then
                // push the value, if any).
                b"hangup_handler_push" => self.push_hangup_handler(value),
                b"hangup_handler_pop" => {
                    self.call.hangup_handlers.pop();
                    self.push_hangup_handler(value);
                }
                b"hangup_handler_wipe" => {
                    self.call.hangup_handlers.clear();
                    self.push_hangup_handler(value);
                }
                _ if crate::attributes::write(self.call, self.chan, args, value) => {}
                _ => {
                    match pbxc_stdlib::functions::write(&name, args, value, &mut Env { exec: self })
                    {
                        Some(Ok(())) => {}
                        Some(Err(complaint)) => self.complain(&complaint),
                        None => self.unavailable(&name),
                    }
                }
            },
            // callerid_write: the value without leading blanks; `party_id_write` takes
            // `all` apart with `ast_callerid_split`, and `party_number_write` /
            // `party_name_write` set the number or name itself, trailing blanks trimmed,
            // only with no sub-name (`num-pres`, `num-plan`, `name-charset` change attributes
            // the call does not model, and never the number).
            "CALLERID" => {
                let member = args.split(|&c| c == b',').next().unwrap_or_default();
                let names: Vec<&[u8]> = member.split(|&c| c == b'-').collect();
                let value = crate::callerid::skip_blanks(value);
                let trimmed = || crate::callerid::trim_blanks(value).to_vec();
                match names.as_slice() {
                    [all] if all.eq_ignore_ascii_case(b"all") => {
                        let (name, number) = crate::callerid::split(value);
                        self.call.callerid_name = Some(name);
                        self.call.callerid = Some(number);
                    }
                    [num] if starts(num, "num") => self.call.callerid = Some(trimmed()),
                    [name] if name.eq_ignore_ascii_case(b"name") => {
                        self.call.callerid_name = Some(trimmed())
                    }
                    _ => return,
                }
                self.chan.callerid_set(
                    self.call.callerid_name.as_deref(),
                    self.call.callerid.as_deref(),
                );
            }
            "CDR" => crate::cdr::write(self.call, self.chan, args, value),
            "CDR_PROP" => crate::cdr::write_property(self.call, self.chan, args, value),
            "ENV" => crate::environment::set(args, value),
            // `group@category` into the channel's groups (an empty value leaves the category).
            "GROUP" => {
                let mut data = value.to_vec();
                if !args.is_empty() {
                    data.push(b'@');
                    data.extend_from_slice(args);
                }
                data.truncate(255);
                let name = self.chan.name().to_vec();
                self.engine
                    .groups()
                    .set(self.call.channel_key, &name, &data);
            }
            "DB" | "DB_DELETE" => {
                let db = self.engine.database().clone();
                crate::db::write(&db, &name, args, value, self.call);
            }
            _ => match pbxc_stdlib::functions::write(&name, args, value, &mut Env { exec: self }) {
                Some(Ok(())) => {}
                Some(Err(complaint)) => self.complain(&complaint),
                None => self.unavailable(&name),
            },
        }
    }

    /// `app_expand_sub_args`: the location completed with the channel's context and
    /// extension, the arguments kept as given.
    fn push_hangup_handler(&mut self, value: &[u8]) {
        if value.is_empty() {
            return;
        }
        let (location, args) = match value.iter().position(|&c| c == b'(') {
            Some(i) => value.split_at(i),
            None => (value, &b""[..]),
        };
        let parts: Vec<&[u8]> = location.splitn(3, |&c| c == b',').collect();
        let (context, exten, priority): (&[u8], &[u8], &[u8]) = match parts.as_slice() {
            [p] => (&self.call.context, &self.call.exten, p),
            [e, p] => (&self.call.context, e, p),
            [c, e, p] => (c, e, p),
            _ => return,
        };
        let mut handler = Vec::new();
        for (i, part) in [context, exten, priority].into_iter().enumerate() {
            if i > 0 {
                handler.push(b',');
            }
            handler.extend_from_slice(part);
        }
        handler.extend_from_slice(args);
        self.call.hangup_handlers.push(handler);
    }

    /// `MASTER_CHANNEL(expr)` (func_channel.c's `func_mchan_read`): `${expr}` substituted on
    /// the channel `ast_channel_get_by_name` finds by the call's linked ID, or on this one
    /// when none does.
    fn master_read(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let template = [&b"${"[..], data, b"}"].concat();
        let linked = self.call.linked_id().to_vec();
        match self.on_channel(&linked, &template, None) {
            Some(Reached::There(value)) => value,
            Some(Reached::Unreachable) => None,
            None => Some(substitute(self.engine, self.call, self.chan, &template)),
        }
    }

    /// `Set(MASTER_CHANNEL(name)=value)` (`func_mchan_write`): `pbx_builtin_setvar_helper`
    /// on the master, as [`Exec::master_read`] finds it.
    fn master_write(&mut self, name: &[u8], value: &[u8]) {
        let linked = self.call.linked_id().to_vec();
        if self.on_channel(&linked, name, Some(value)).is_none() {
            setvar(self.engine, self.call, self.chan, name, Some(value));
        }
    }

    /// `IMPORT(channel,variable)` (func_logic.c): `${variable}` substituted on the channel
    /// of that name or unique ID; empty when there is none, or no variable.
    fn import_read(&mut self, args: &[u8]) -> Vec<u8> {
        let parts = crate::args::standard(args, 2);
        let channel = parts.first().cloned().unwrap_or_default();
        let variable = parts.get(1).cloned().unwrap_or_default();
        if variable.is_empty() {
            return Vec::new();
        }
        if channel.is_empty() {
            // ast_channel_get_by_name("").
            self.log("ERROR: name must be provided".into());
            return Vec::new();
        }
        let template = [&b"${"[..], &variable, b"}"].concat();
        match self.on_channel(&channel, &template, None) {
            Some(Reached::There(value)) => value.unwrap_or_default(),
            Some(Reached::Unreachable) | None => Vec::new(),
        }
    }

    /// Substitutes `text` (no `value`) or sets variable `text` to `value` on the channel
    /// `wanted` names — this one, or another the channel can reach ([`Channel::with_channel`]).
    /// `None` when no channel has that name; a channel out of reach is logged.
    fn on_channel(&mut self, wanted: &[u8], text: &[u8], value: Option<&[u8]>) -> Option<Reached> {
        let run = |engine: &mut Engine, call: &mut Call, chan: &mut dyn Channel| match value {
            None => Some(substitute(engine, call, chan, text)),
            Some(value) => {
                setvar(engine, call, chan, text, Some(value));
                None
            }
        };
        if crate::shared::is_named(wanted, self.chan.name(), &self.call.unique_id) {
            return Some(Reached::There(run(self.engine, self.call, self.chan)));
        }
        let engine = &mut *self.engine;
        let mut out = None;
        match self
            .chan
            .with_channel(wanted, &mut |call, chan| out = run(engine, call, chan))
        {
            crate::Reach::Ran => Some(Reached::There(out)),
            crate::Reach::NotFound => None,
            crate::Reach::Unreachable(name) => {
                self.log(format!(
                    "WARNING: Channel {} runs its own dialplan elsewhere: its variables are out of reach from this one",
                    String::from_utf8_lossy(&name)
                ));
                Some(Reached::Unreachable)
            }
        }
    }

    /// What a failing function logs, at its level; nothing when it fails silently.
    fn complain(&mut self, complaint: &pbxc_stdlib::functions::Complaint) {
        if let Some(line) = complaint.line() {
            self.log(line);
        }
    }

    fn unavailable(&mut self, name: &str) {
        // A function Asterisk 22 no longer has (chan_sip's SIP_HEADER) is not registered.
        let entry = pbxc_stdlib::catalog()
            .function(name)
            .filter(|e| e.in_version(22));
        if entry.is_some_and(|e| e.access == pbxc_stdlib::Access::Write) {
            // `ast_func_read` of a function that only writes (TESTTIME).
            self.log(format!("ERROR: Function {name} cannot be read"));
        } else if entry.is_some() {
            self.log(format!(
                "WARNING: Function {name} needs a live channel; offline it is empty"
            ));
        } else {
            self.log(format!("ERROR: Function {name} not registered"));
        }
    }
}

impl Scope for Exec<'_, '_> {
    fn variable_into(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool {
        let call = &*self.call;
        let number = |out: &mut Vec<u8>, n: i64| out.extend_from_slice(n.to_string().as_bytes());
        // Keep in step with `is_built_in`.
        match name {
            // `ast_party_id_presentation` of a caller whose number or name is valid:
            // allowed, not screened (0); with neither, "number not available" (0x43).
            b"CALLINGPRES" => number(
                out,
                if call.callerid.is_none() && call.callerid_name.is_none() {
                    0x43
                } else {
                    0
                },
            ),
            // ANI2, the number's plan and the transit network: never set here.
            b"CALLINGANI2" | b"CALLINGTON" | b"CALLINGTNS" => number(out, 0),
            // The hint of the call's extension (`ast_str_get_hint`, an empty caller ID):
            // its device and its name; nothing when it has none.
            b"HINT" | b"HINTNAME" => {
                let Some(found) =
                    self.engine
                        .route(&call.context, &call.exten, pbxc_dialplan::HINT, Some(b""))
                else {
                    return false;
                };
                let plan = self.engine.plan;
                let ext = &plan.contexts[found.context].extensions[found.extension];
                let Some(hint) = ext.priority(pbxc_dialplan::HINT) else {
                    return false;
                };
                out.extend_from_slice(if name == b"HINT" {
                    &hint.app
                } else {
                    &hint.data
                });
            }
            b"EXTEN" => match call.location_override.as_deref() {
                Some((_, exten, _)) => out.extend_from_slice(exten),
                None => out.extend_from_slice(&call.exten),
            },
            b"CONTEXT" => match call.location_override.as_deref() {
                Some((context, _, _)) => out.extend_from_slice(context),
                None => out.extend_from_slice(&call.context),
            },
            b"PRIORITY" => match call.location_override.as_deref() {
                Some((_, _, priority)) => number(out, (*priority).into()),
                None => number(out, call.priority.into()),
            },
            b"CHANNEL" => out.extend_from_slice(self.chan.name()),
            b"UNIQUEID" => out.extend_from_slice(&call.unique_id),
            b"HANGUPCAUSE" => number(out, call.hangup_cause(&*self.chan).into()),
            b"EPOCH" => number(out, self.engine.clock.now()),
            // The system's names, which all start with one of these.
            [b'S' | b'A' | b'E', ..] if let Some(value) = self.engine.system.variable(name) => {
                out.extend_from_slice(value)
            }
            _ => {
                return match call.vars.get(name) {
                    Some(value) => {
                        out.extend_from_slice(value);
                        true
                    }
                    None => self.engine.globals.with(|globals| {
                        globals
                            .get(name)
                            .map(|value| out.extend_from_slice(value))
                            .is_some()
                    }),
                };
            }
        }
        true
    }

    fn function(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
        let name = String::from_utf8_lossy(name).into_owned();
        if let Some(result) = self.call_function(&name, args) {
            return result;
        }
        match pbxc_stdlib::functions::read(&name, args, &mut Env { exec: self }) {
            Some(Ok(value)) => Some(value),
            Some(Err(complaint)) => {
                self.complain(&complaint);
                None
            }
            None => {
                self.unavailable(&name);
                None
            }
        }
    }

    fn expression(&mut self, body: &[u8]) -> Vec<u8> {
        crate::expr::evaluate(body, self)
    }

    fn log(&mut self, level: subst::Level, message: &str) {
        let level = match level {
            subst::Level::Error => "ERROR",
            subst::Level::Warning => "WARNING",
        };
        self.call.log.push(format!("{level}: {message}"));
    }
}

/// The variables the stdlib's pure functions may read and write.
struct Env<'e, 'a, 'p> {
    exec: &'e mut Exec<'a, 'p>,
}

impl pbxc_stdlib::functions::Env for Env<'_, '_, '_> {
    fn substitute(&mut self, template: &[u8]) -> Vec<u8> {
        subst::substitute_with(template, self.exec, subst::Limits::UNBOUNDED)
    }

    fn var(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.exec
            .call
            .vars
            .get(name)
            .map(<[u8]>::to_vec)
            .or_else(|| self.exec.engine.globals.get(name))
    }

    fn set_var(&mut self, name: &[u8], value: Option<&[u8]>) {
        if name.last() == Some(&b')') {
            self.exec.write_function(name, value.unwrap_or_default());
        } else {
            self.exec.call.vars.set(name, value);
        }
    }

    fn global(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.exec.engine.globals.get(name)
    }

    fn set_global(&mut self, name: &[u8], value: Option<&[u8]>) {
        self.exec.engine.globals.set(name, value);
    }

    fn var_list(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.exec
            .call
            .vars
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect()
    }

    fn random(&mut self) -> u32 {
        self.exec.engine.random()
    }

    fn now(&mut self) -> (i64, u32) {
        (self.exec.engine.clock.now(), 0)
    }

    fn zone_offset(&mut self, zone: &[u8], epoch: i64) -> Option<i32> {
        let zone = std::str::from_utf8(zone).ok()?;
        pbxc_dialplan::timing::zone_offset(zone, epoch).and_then(|o| i32::try_from(o).ok())
    }

    fn local_offset(&mut self, epoch: i64) -> i64 {
        self.exec.engine.clock.zone().offset(epoch)
    }

    fn warn(&mut self, complaint: pbxc_stdlib::functions::Complaint) {
        self.exec.complain(&complaint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_built_in` lists every name the system answers, and each starts with a letter
    /// `variable_into` looks them up by.
    #[test]
    fn every_system_name_is_built_in() {
        let system = crate::system::System::default();
        let names = crate::system::DIRECTORIES
            .iter()
            .chain(&["SYSTEMNAME", "ENTITYID"])
            .map(|n| n.as_bytes());
        for name in names {
            assert!(is_built_in(name), "{}", String::from_utf8_lossy(name));
            assert!(matches!(name[0], b'S' | b'A' | b'E'));
            assert!(system.variable(name).is_some());
        }
    }
}
