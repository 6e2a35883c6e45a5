//! `CDR(name[,options])` (funcs/func_cdr.c over main/cdr.c) for the record's fields that do
//! not depend on when the CDR engine last saw the channel: who called (`clid`, `src`), the
//! channel (`channel`, `uniqueid`, `linkedid`, `tenantid`), its codes (`accountcode`,
//! `amaflags`, `userfield`) and the record's own variables. The times, the disposition and the
//! last application come from the channel's snapshot of the previous application, which the
//! engine does not keep (compiled steps never build their data unless traced): those read
//! as a function that needs a live channel.

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

/// Reads `CDR(args)`: `None` for a field the engine does not keep (outer), else the value
/// (inner `None` when the function fails).
pub(crate) fn read(
    call: &mut Call,
    chan: &dyn Channel,
    arguments: &[u8],
) -> Option<Option<Vec<u8>>> {
    if arguments.is_empty() {
        call.log
            .push("WARNING: CDR requires a variable (CDR(variable[,option]))\n)".into());
        return Some(Some(Vec::new()));
    }
    let parts = args::standard(arguments, 2);
    let variable = parts.first().cloned().unwrap_or_default();
    let unparsed = parts.get(1).is_some_and(|o| o.contains(&b'u'));
    let name = String::from_utf8_lossy(&variable).to_ascii_lowercase();
    if NOT_KEPT.contains(&name.as_str()) {
        return None;
    }
    let a = &call.attributes;
    Some(Some(match name.as_str() {
        // ast_callerid_merge of the snapshot's name and number, which are never NULL (empty
        // when unset): always `"name" <number>`, the name's `"` and `\` escaped.
        "clid" => {
            let mut clid = b"\"".to_vec();
            for &c in call.callerid_name.as_deref().unwrap_or_default() {
                if c == b'"' || c == b'\\' {
                    clid.push(b'\\');
                }
                clid.push(c);
            }
            clid.extend_from_slice(b"\" <");
            clid.extend_from_slice(call.callerid.as_deref().unwrap_or_default());
            clid.push(b'>');
            clid
        }
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
