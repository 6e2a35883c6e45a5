//! The channel's own fields that `CHANNEL(item)` reads and writes (funcs/func_channel.c):
//! its language, music class, account codes, AMA flags, user field, linked ID… The engine
//! keeps them with the call; the channel is told of each write
//! ([`Channel::attributes_set`]), so a runtime plays prompts in the language the dialplan set.

use crate::call::Call;
use crate::channel::Channel;

/// `ast_channel`'s string fields and flags the dialplan reaches through `CHANNEL()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributes {
    /// `en` here; a channel starts in asterisk.conf's `defaultlanguage`
    /// ([`crate::system::System::default_language`]), which whoever makes it sets.
    pub language: Vec<u8>,
    pub musicclass: Vec<u8>,
    pub parkinglot: Vec<u8>,
    pub accountcode: Vec<u8>,
    pub peeraccount: Vec<u8>,
    pub userfield: Vec<u8>,
    /// The CDR's user field (`CDR(userfield)`; the channel's own goes to CEL, not the CDR).
    pub cdr_userfield: Vec<u8>,
    pub hangupsource: Vec<u8>,
    pub tenantid: Vec<u8>,
    /// `enum ama_flags`: 0 none, 1 OMIT, 2 BILLING, 3 DOCUMENTATION (a new channel's).
    pub amaflags: i32,
    /// The first channel of the call this one belongs to; empty reads as the uniqueid.
    pub linkedid: Vec<u8>,
    /// SIP's Max-Forwards: 20 for a new channel, one less on each channel Dial creates.
    pub max_forwards: i32,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            language: b"en".to_vec(),
            musicclass: Vec::new(),
            parkinglot: Vec::new(),
            accountcode: Vec::new(),
            peeraccount: Vec::new(),
            userfield: Vec::new(),
            cdr_userfield: Vec::new(),
            hangupsource: Vec::new(),
            tenantid: Vec::new(),
            amaflags: 3,
            linkedid: Vec::new(),
            max_forwards: 20,
        }
    }
}

impl Attributes {
    /// What a channel Dial creates (a Local channel's `;1` half) starts with, called by a
    /// channel of these attributes: app_dial.c's `ast_channel_req_accountcodes` (the
    /// caller's peer account, else its account code, as the account code; the caller's
    /// account code as the peer account), its music class, one forward less, and the
    /// caller's linked ID.
    pub fn for_dialled(caller: &Attributes, caller_linked_id: &[u8]) -> Attributes {
        Attributes {
            musicclass: caller.musicclass.clone(),
            accountcode: if caller.peeraccount.is_empty() {
                caller.accountcode.clone()
            } else {
                caller.peeraccount.clone()
            },
            peeraccount: caller.accountcode.clone(),
            linkedid: caller_linked_id.to_vec(),
            max_forwards: caller.max_forwards.saturating_sub(1),
            ..Attributes::default()
        }
    }

    /// What the `;2` half of a Local channel that a channel of these attributes dialled
    /// starts with: Dial's
    /// `ast_channel_req_accountcodes` and `ast_unreal_call_setup` cross the account codes
    /// over twice (so they arrive straight), the music class follows the caller's, the
    /// language is the default, the linked ID is the caller's, and Max-Forwards is one less
    /// (Dial's `ast_max_forwards_decrement`, copied to `;2`).
    pub fn for_local_child(parent: &Attributes, parent_linked_id: &[u8]) -> Attributes {
        Attributes {
            musicclass: parent.musicclass.clone(),
            accountcode: parent.accountcode.clone(),
            peeraccount: if parent.peeraccount.is_empty() {
                parent.accountcode.clone()
            } else {
                parent.peeraccount.clone()
            },
            linkedid: parent_linked_id.to_vec(),
            max_forwards: parent.max_forwards.saturating_sub(1),
            ..Attributes::default()
        }
    }
}

/// `func_channel_read`'s items the engine answers: `None` for the others (formats, groups,
/// the bridge peer, tech-specific items), which need a real channel.
pub(crate) fn read(call: &Call, chan: &dyn Channel, item: &[u8]) -> Option<Vec<u8>> {
    let a = &call.attributes;
    let item = item.to_ascii_lowercase();
    Some(match item.as_slice() {
        b"language" => a.language.clone(),
        b"musicclass" => a.musicclass.clone(),
        b"parkinglot" => a.parkinglot.clone(),
        b"accountcode" => a.accountcode.clone(),
        b"peeraccount" => a.peeraccount.clone(),
        b"userfield" => a.userfield.clone(),
        b"hangupsource" => a.hangupsource.clone(),
        b"tenantid" => a.tenantid.clone(),
        b"amaflags" => a.amaflags.to_string().into_bytes(),
        b"name" | b"channame" => chan.name().to_vec(),
        // The technology's type: what the name has before its `/`.
        b"channeltype" => {
            let name = chan.name();
            name[..name.iter().position(|&c| c == b'/').unwrap_or(name.len())].to_vec()
        }
        b"uniqueid" => call.unique_id.clone(),
        b"linkedid" => call.linked_id().to_vec(),
        b"exten" => call.exten.clone(),
        b"context" => call.context.clone(),
        b"checkhangup" => if chan.hung_up() { b"1" } else { b"0" }.to_vec(),
        b"onhold" => b"0".to_vec(),
        b"max_forwards" => a.max_forwards.to_string().into_bytes(),
        _ => return None,
    })
}

/// `func_channel_write_real`'s items the engine keeps: `false` for the others.
pub(crate) fn write(call: &mut Call, chan: &mut dyn Channel, item: &[u8], value: &[u8]) -> bool {
    let a = &mut call.attributes;
    let item = item.to_ascii_lowercase();
    let field = match item.as_slice() {
        b"language" => &mut a.language,
        b"musicclass" => &mut a.musicclass,
        b"parkinglot" => &mut a.parkinglot,
        b"accountcode" => &mut a.accountcode,
        b"peeraccount" => &mut a.peeraccount,
        b"userfield" => &mut a.userfield,
        b"tenantid" => &mut a.tenantid,
        // `ast_set_hangupsource(chan, value, 0)`: only while there is none.
        b"hangupsource" => {
            if a.hangupsource.is_empty() {
                a.hangupsource = value.to_vec();
                chan.attributes_set(a);
            }
            return true;
        }
        b"max_forwards" => {
            match crate::apps::scan_int(value) {
                Some((n, _)) => {
                    a.max_forwards = n;
                    chan.attributes_set(a);
                }
                None => call.log.push(format!(
                    "WARNING: Unable to set max forwards to '{}'",
                    String::from_utf8_lossy(value)
                )),
            }
            return true;
        }
        b"amaflags" => {
            a.amaflags = amaflags(value);
            chan.attributes_set(a);
            return true;
        }
        _ => return false,
    };
    *field = value.to_vec();
    chan.attributes_set(a);
    true
}

/// A number (`%30d`, its leading digits) when the value starts with a digit, else
/// `ast_channel_string2amaflag`'s names.
fn amaflags(value: &[u8]) -> i32 {
    if value.first().is_some_and(u8::is_ascii_digit) {
        let digits = value.iter().take_while(|c| c.is_ascii_digit()).count();
        return std::str::from_utf8(&value[..digits.min(30)])
            .ok()
            .and_then(|d| d.parse::<i64>().ok())
            .map_or(0, |n| n as i32);
    }
    match value.to_ascii_lowercase().as_slice() {
        b"default" | b"documentation" => 3,
        b"omit" => 1,
        b"billing" => 2,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::amaflags;

    #[test]
    fn amaflags_are_numbers_or_names() {
        for (value, flags) in [
            (&b"2"[..], 2),
            (b"12abc", 12),
            (b"BILLING", 2),
            (b"omit", 1),
            (b"Default", 3),
            (b"documentation", 3),
            (b"nonsense", 0),
            (b"", 0),
        ] {
            assert_eq!(amaflags(value), flags, "{}", String::from_utf8_lossy(value));
        }
    }
}
