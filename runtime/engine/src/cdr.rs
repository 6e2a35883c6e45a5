//! `CDR(name[,options])` (funcs/func_cdr.c over main/cdr.c). The fields that do not depend
//! on when the CDR engine last saw the channel come from the call: who called (`clid`,
//! `src`), the channel (`channel`, `uniqueid`, `linkedid`, `tenantid`), its codes
//! (`accountcode`, `amaflags`, `userfield`) and the record's own variables. The times, the
//! disposition, the called party and the last application belong to the channel's CDR
//! engine ([`Channel::cdr_property`]), and are formatted here as func_cdr.c formats them;
//! offline, where no channel keeps a CDR, they read as a function that needs a live channel.

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
