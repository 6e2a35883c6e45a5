//! `CDR(name[,options])` (funcs/func_cdr.c over main/cdr.c). The fields that do not depend
//! on when the CDR engine last saw the channel come from the call: who called (`clid`,
//! `src`), the channel (`channel`, `uniqueid`, `linkedid`, `tenantid`), its codes
//! (`accountcode`, `amaflags`, `userfield`) and the record's own variables. The times, the
//! disposition, the called party and the last application belong to the channel's CDR
//! engine ([`Channel::cdr_property`]), and are formatted here as func_cdr.c formats them;
//! a channel that keeps no CDR has them read as a function that needs a live channel.

use pbx_cdr::chain::{Fork, Property};
use pbxc_stdlib::functions::args;

use crate::call::Call;
use crate::channel::Channel;

/// The fields `ast_cdr_setvar` refuses to set.
const READ_ONLY: &[&str] = &[
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "uniqueid",
    "linkedid",
    "tenantid",
    "userfield",
    "sequence",
];

/// The fields [`read`] leaves to a live channel.
const NOT_KEPT: &[&str] = &[
    "dst",
    "dcontext",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "peeraccount",
    "sequence",
    "peertenantid",
];

/// What ResetCDR, ForkCDR and `CDR_PROP()` ask of a channel's CDR engine (main/cdr.c's
/// `ast_cdr_reset`, `ast_cdr_fork`, `ast_cdr_set_property` and `ast_cdr_clear_property`).
/// The record's variables are the call's: the engine clears them itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// ResetCDR.
    Reset,
    /// ForkCDR, with its options `a`, `e`, `r` and `v`.
    Fork(Fork),
    /// `CDR_PROP(name)=value`: the property set (true) or cleared.
    Property(Property, bool),
}

impl Command {
    /// Carries the command out on `chain` at `now`: false when ForkCDR finds the last
    /// record finalized.
    pub fn apply(self, chain: &mut pbx_cdr::chain::Chain, now: pbx_cdr::Timestamp) -> bool {
        match self {
            Command::Reset => chain.reset(now),
            Command::Fork(options) => return chain.fork(options, now),
            Command::Property(property, on) => chain.set_property(property, on),
        }
        true
    }
}

/// The option letters app_cdr.c and app_forkcdr.c read (`known` are theirs), with
/// `ast_app_parse_options`' warnings: each letter it does not know, and a missing `)` (the
/// letters before it still count).
fn option_letters(call: &mut Call, options: &[u8], known: &[u8]) -> Vec<u8> {
    let (parsed, warning) = crate::args::parse_options_partly(options);
    for (letter, _) in &parsed {
        if !known.contains(letter) {
            call.log.push(format!(
                "WARNING: Unrecognized option: '{}'",
                char::from(*letter)
            ));
        }
    }
    if let Some(warning) = warning {
        call.log.push(format!("WARNING: {warning}"));
    }
    parsed.into_iter().map(|(letter, _)| letter).collect()
}

/// `ResetCDR([v])` (app_cdr.c): every record of the channel starts again now; the
/// variables go unless `v`.
pub(crate) fn reset_app(call: &mut Call, chan: &mut dyn Channel, data: &[u8]) {
    // The whole data is the option string.
    let keep_vars = option_letters(call, data, b"v").contains(&b'v');
    if chan.cdr_command(Command::Reset) {
        if !keep_vars {
            call.cdr_vars.clear();
        }
    } else {
        call.log.push(format!(
            "WARNING: Failed to reset CDRs on channel {}",
            String::from_utf8_lossy(chan.name())
        ));
    }
}

/// `ForkCDR([options])` (app_forkcdr.c): a new record continues from the last. As main/cdr.c
/// does, and unlike the application's documentation says, the new record keeps the
/// variables only with `v`.
pub(crate) fn fork_app(call: &mut Call, chan: &mut dyn Channel, data: &[u8]) {
    let options = args::standard(data, 1)
        .into_iter()
        .next()
        .unwrap_or_default();
    let letters = option_letters(call, &options, b"aerv");
    let has = |letter: u8| letters.contains(&letter);
    let keep_vars = has(b'v');
    let command = Command::Fork(Fork {
        set_answer: has(b'a'),
        finalize: has(b'e'),
        reset: has(b'r'),
        keep_vars,
    });
    if chan.cdr_command(command) {
        if !keep_vars {
            call.cdr_vars.clear();
        }
    } else {
        call.log.push(format!(
            "WARNING: Failed to fork CDR for channel {}",
            String::from_utf8_lossy(chan.name())
        ));
    }
}

/// `Set(CDR_PROP(name)=value)` (func_cdr.c's `cdr_prop_write_callback`).
pub(crate) fn write_property(
    call: &mut Call,
    chan: &mut dyn Channel,
    arguments: &[u8],
    value: &[u8],
) {
    if arguments.is_empty() {
        call.log
            .push("WARNING: CDR_PROP requires a variable (CDR_PROP(variable)=value)\n)".into());
        return;
    }
    if value.is_empty() {
        call.log
            .push("WARNING: CDR_PROP requires a value (CDR_PROP(variable)=value)\n)".into());
        return;
    }
    let variable = args::standard(arguments, 2)
        .into_iter()
        .next()
        .unwrap_or_default();
    let on = crate::system::ast_true(value);
    let command = if variable.eq_ignore_ascii_case(b"party_a") {
        Command::Property(Property::PartyA, on)
    } else if variable.eq_ignore_ascii_case(b"disable") {
        Command::Property(Property::Disable, on)
    } else {
        call.log.push(format!(
            "WARNING: Unknown option {} used with CDR_PROP",
            String::from_utf8_lossy(&variable)
        ));
        return;
    };
    // A channel without a CDR object: ast_cdr_set_property fails, and nothing says so.
    chan.cdr_command(command);
}

/// What `CDR(args)` reads.
pub(crate) enum Reading {
    /// The value (`None` when the function fails).
    Value(Option<Vec<u8>>),
    /// A time, as `%Y-%m-%d %T` in local time (seconds since the epoch).
    LocalTime(i64),
    /// A field of the channel's CDR engine, and the channel keeps none.
    Unavailable,
}

/// Reads `CDR(args)`.
pub(crate) fn read(call: &mut Call, chan: &dyn Channel, arguments: &[u8]) -> Reading {
    if arguments.is_empty() {
        call.log
            .push("WARNING: CDR requires a variable (CDR(variable[,option]))\n)".into());
        return Reading::Value(Some(Vec::new()));
    }
    let parts = args::standard(arguments, 2);
    let variable = parts.first().cloned().unwrap_or_default();
    let options = parts.get(1).cloned().unwrap_or_default();
    let unparsed = options.contains(&b'u');
    let name = String::from_utf8_lossy(&variable).to_ascii_lowercase();
    if NOT_KEPT.contains(&name.as_str()) {
        let Some(raw) = chan.cdr_property(&name) else {
            return Reading::Unavailable;
        };
        return format_property(call, chan, &name, raw, unparsed, options.contains(&b'f'));
    }
    let a = &call.attributes;
    Reading::Value(Some(match name.as_str() {
        // ast_callerid_merge of the snapshot's name and number, which are never NULL (empty
        // when unset): always `"name" <number>`, the name escaped as ast_escape_quoted does.
        "clid" => crate::callerid::merge(
            call.callerid_name.as_deref().unwrap_or_default(),
            call.callerid.as_deref().unwrap_or_default(),
        ),
        "src" => call.callerid.clone().unwrap_or_default(),
        "channel" => chan.name().to_vec(),
        "uniqueid" => call.unique_id.clone(),
        "linkedid" => call.linked_id().to_vec(),
        "accountcode" => a.accountcode.clone(),
        "tenantid" => a.tenantid.clone(),
        "userfield" => a.cdr_userfield.clone(),
        "amaflags" if unparsed => a.amaflags.to_string().into_bytes(),
        "amaflags" => amaflags_name(a.amaflags).as_bytes().to_vec(),
        // The record's own variables, by name in any case.
        _ => call
            .cdr_vars
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&variable))
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    }))
}

/// func_cdr.c's `cdr_read_callback` on a property of the CDR engine: `f` gives billsec and
/// duration in seconds with microseconds, and unless `u` the times are local and the
/// disposition a name.
fn format_property(
    call: &mut Call,
    chan: &dyn Channel,
    name: &str,
    raw: Vec<u8>,
    unparsed: bool,
    float: bool,
) -> Reading {
    // `cdr_retrieve_time`: a `seconds.micros` property as microseconds.
    let micros = |text: &[u8]| -> i64 {
        let text = String::from_utf8_lossy(text);
        let (sec, usec) = text.split_once('.').unwrap_or((&text, "0"));
        let sec: i64 = sec.parse().unwrap_or(0);
        let usec: i64 = usec.parse().unwrap_or(0);
        sec.saturating_mul(1_000_000).saturating_add(usec)
    };
    if float && (name == "billsec" || name == "duration") {
        let from = if name == "billsec" { "answer" } else { "start" };
        let start = chan.cdr_property(from).map_or(0, |t| micros(&t));
        let mut finish = chan.cdr_property("end").map_or(0, |t| micros(&t));
        if finish == 0 {
            finish = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        }
        let delta = if start == 0 {
            0.0
        } else {
            (finish - start) as f64 / 1_000_000.0
        };
        return Reading::Value(Some(format!("{delta:.6}").into_bytes()));
    }
    if unparsed {
        return Reading::Value(Some(raw));
    }
    match name {
        "start" | "end" | "answer" => {
            let text = String::from_utf8_lossy(&raw);
            // sscanf("%ld.%ld") must find both numbers.
            let parsed = text
                .split_once('.')
                .and_then(|(s, u)| Some((s.parse::<i64>().ok()?, u.parse::<i64>().ok()?)));
            match parsed {
                Some((0, _)) => Reading::Value(Some(Vec::new())),
                Some((sec, _)) => Reading::LocalTime(sec),
                None => {
                    call.log.push(format!(
                        "WARNING: Unable to parse {name} ({text}) from the CDR for channel {}",
                        String::from_utf8_lossy(chan.name())
                    ));
                    Reading::Value(None)
                }
            }
        }
        "disposition" => {
            let number = String::from_utf8_lossy(&raw).trim().parse::<u32>().ok();
            Reading::Value(Some(
                disposition_name(number.unwrap_or(u32::MAX))
                    .as_bytes()
                    .to_vec(),
            ))
        }
        _ => Reading::Value(Some(raw)),
    }
}

/// `ast_cdr_disp2str`.
fn disposition_name(value: u32) -> &'static str {
    match value {
        0 | 1 => "NO ANSWER",
        2 => "FAILED",
        4 => "BUSY",
        8 => "ANSWERED",
        16 => "CONGESTION",
        32 => "CANCEL",
        _ => "UNKNOWN",
    }
}

/// `ast_channel_amaflags2string`.
fn amaflags_name(flags: i32) -> &'static str {
    match flags {
        1 => "OMIT",
        2 => "BILLING",
        3 => "DOCUMENTATION",
        _ => "Unknown",
    }
}

/// `Set(CDR(name)=value)`.
pub(crate) fn write(call: &mut Call, chan: &mut dyn Channel, arguments: &[u8], value: &[u8]) {
    if arguments.is_empty() {
        call.log
            .push("WARNING: CDR requires a variable (CDR(variable)=value)\n)".into());
        return;
    }
    let parts = args::standard(arguments, 2);
    let variable = parts.first().cloned().unwrap_or_default();
    let name = String::from_utf8_lossy(&variable).to_ascii_lowercase();
    match name.as_str() {
        // No longer CDR fields: set on the channel, with a warning.
        "accountcode" | "amaflags" => {
            call.log.push(format!(
                "WARNING: Using the CDR function to set '{name}' is deprecated. Please use the CHANNEL function instead."
            ));
            crate::attributes::write(call, chan, name.as_bytes(), value);
        }
        "peeraccount" => call.log.push(
            "WARNING: The 'peeraccount' setting is not supported. Please set the 'accountcode' on the appropriate channel using the CHANNEL function."
                .into(),
        ),
        "userfield" => {
            call.attributes.cdr_userfield = value.to_vec();
            chan.attributes_set(&call.attributes);
        }
        _ if READ_ONLY.contains(&name.as_str()) => {
            call.log.push(format!(
                "ERROR: Attempt to set the '{}' read-only variable!",
                String::from_utf8_lossy(&variable)
            ));
        }
        // cdr.c's `set_variable`: the old one removed, the new one first.
        _ => {
            call.cdr_vars
                .retain(|(n, _)| !n.eq_ignore_ascii_case(&variable));
            call.cdr_vars.insert(0, (variable, value.to_vec()));
        }
    }
}
