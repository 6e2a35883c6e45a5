//! `CONNECTEDLINE()` and `REDIRECTING()` (funcs/func_callerid.c): the party IDs a channel
//! keeps for the party it is connected to and for a redirected call, read and written
//! field by field as `party_id_read` and `party_id_write` do, with main/callerid.c's tables
//! of presentations, reasons, sources and character sets.
//!
//! The values stay on the call: no update is sent to a peer (the `i` option, which inhibits
//! that, is accepted and changes nothing), and Dial does not set them.

use crate::callerid::{skip_blanks, split, trim_blanks};

/// `ast_party_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub str: Option<Vec<u8>>,
    pub char_set: i32,
    pub presentation: i32,
    pub valid: bool,
}

impl Default for Name {
    /// `ast_party_name_init`: ISO 8859-1, allowed and not screened, not valid.
    fn default() -> Name {
        Name {
            str: None,
            char_set: 1,
            presentation: 0,
            valid: false,
        }
    }
}

/// `ast_party_number`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Number {
    pub str: Option<Vec<u8>>,
    pub plan: i32,
    pub presentation: i32,
    pub valid: bool,
}

/// `ast_party_subaddress`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subaddress {
    pub str: Option<Vec<u8>>,
    pub kind: i32,
    pub odd_even: bool,
    pub valid: bool,
}

/// `ast_party_id`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartyId {
    pub name: Name,
    pub number: Number,
    pub subaddress: Subaddress,
    pub tag: Option<Vec<u8>>,
}

/// `ast_party_redirecting_reason`: a code, or a text of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reason {
    pub code: i32,
    pub str: Vec<u8>,
}

/// What a channel keeps of its connected line and redirection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parties {
    pub connected: PartyId,
    pub connected_priv: PartyId,
    pub connected_source: i32,
    pub orig: PartyId,
    pub from: PartyId,
    pub to: PartyId,
    pub priv_orig: PartyId,
    pub priv_from: PartyId,
    pub priv_to: PartyId,
    pub reason: Reason,
    pub orig_reason: Reason,
    pub count: i32,
}

/// `enum ID_FIELD_STATUS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Valid,
    Invalid,
    Unknown,
}

/// `pres_types`: value, name (the first of a value names it).
const PRESENTATIONS: &[(i32, &str)] = &[
    (0x00, "allowed_not_screened"),
    (0x01, "allowed_passed_screen"),
    (0x02, "allowed_failed_screen"),
    (0x03, "allowed"),
    (0x20, "prohib_not_screened"),
    (0x21, "prohib_passed_screen"),
    (0x22, "prohib_failed_screen"),
    (0x23, "prohib"),
    (0x43, "unavailable"),
    (0x40, "unavailable"),
    (0x42, "unavailable"),
    (0x41, "unavailable"),
];

/// `redirecting_reason_types`, SIP aliases last.
const REASONS: &[(i32, &str)] = &[
    (0, "unknown"),
    (1, "cfb"),
    (2, "cfnr"),
    (3, "unavailable"),
    (4, "cfu"),
    (5, "time_of_day"),
    (6, "dnd"),
    (7, "deflection"),
    (8, "follow_me"),
    (9, "out_of_order"),
    (10, "away"),
    (11, "cf_dte"),
    (12, "send_to_vm"),
    (1, "user-busy"),
    (2, "no-answer"),
    (4, "unconditional"),
    (5, "time-of-day"),
    (6, "do-not-disturb"),
    (8, "follow-me"),
    (9, "out-of-service"),
];

/// `connected_line_source_types`.
const SOURCES: &[(i32, &str)] = &[
    (0, "unknown"),
    (1, "answer"),
    (2, "diversion"),
    (3, "transfer_active"),
    (3, "transfer"),
    (4, "transfer_alerting"),
];

/// `party_name_charset_tbl`.
const CHARSETS: &[(i32, &str)] = &[
    (0, "unknown"),
    (1, "iso8859-1"),
    (2, "withdrawn"),
    (3, "iso8859-2"),
    (4, "iso8859-3"),
    (5, "iso8859-4"),
    (6, "iso8859-5"),
    (7, "iso8859-7"),
    (8, "bmp"),
    (9, "utf8"),
];

fn name_of(table: &[(i32, &'static str)], value: i32, otherwise: &'static str) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(otherwise, |(_, n)| n)
}

fn parse_name(table: &[(i32, &str)], text: &[u8]) -> Option<i32> {
    table
        .iter()
        .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(text))
        .map(|(v, _)| *v)
}

/// C's `atoi`: blanks, a sign, then digits while there are any.
fn atoi(text: &[u8]) -> i32 {
    let text = skip_blanks(text);
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut n: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        n = (n * 10 + i64::from(c - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let n = if negative { -n } else { n };
    n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// A number when the text starts with a digit, else a name from `table` (`None`: neither).
fn number_or_name(table: &[(i32, &str)], text: &[u8]) -> Option<i32> {
    match text.first() {
        Some(c) if c.is_ascii_digit() => Some(atoi(text)),
        _ => parse_name(table, text),
    }
}

fn eq(name: &[u8], word: &str) -> bool {
    name.eq_ignore_ascii_case(word.as_bytes())
}

fn starts(name: &[u8], word: &str) -> bool {
    name.len() >= word.len() && name[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// `ast_party_id_presentation`: the name's and the number's presentations combined.
fn id_presentation(id: &PartyId) -> i32 {
    const RESTRICTION: i32 = 0x60;
    let rank = |valid: bool, presentation: i32| -> (i32, u8) {
        if !valid {
            return (0x40, 3);
        }
        match presentation & RESTRICTION {
            0x20 => (0x20, 0),
            0x00 => (0x00, 1),
            0x40 => (0x40, 2),
            _ => (0x40, 3),
        }
    };
    let (name_value, name_priority) = rank(id.name.valid, id.name.presentation);
    let (mut number_value, number_priority) = rank(id.number.valid, id.number.presentation);
    let screening = if id.number.valid {
        id.number.presentation & 0x03
    } else {
        0
    };
    if name_priority < number_priority {
        number_value = name_value;
    }
    if number_value == 0x40 {
        return 0x43;
    }
    number_value | screening
}

/// `party_id_read` into `out`.
fn id_read(out: &mut Vec<u8>, names: &[&[u8]], id: &PartyId) -> Status {
    let Some((first, rest)) = names.split_first() else {
        return Status::Unknown;
    };
    let text = |s: &Option<Vec<u8>>, valid: bool| {
        if valid {
            s.clone().unwrap_or_default()
        } else {
            Vec::new()
        }
    };
    let flag = |b: bool| if b { b"1".to_vec() } else { b"0".to_vec() };
    let value = match (names.len(), *first) {
        (1, all) if eq(all, "all") => {
            let mut v = b"\"".to_vec();
            v.extend(text(&id.name.str, id.name.valid));
            v.extend_from_slice(b"\" <");
            v.extend(text(&id.number.str, id.number.valid));
            v.push(b'>');
            v
        }
        (_, name) if eq(name, "name") => match rest {
            [] => text(&id.name.str, id.name.valid),
            [v] if eq(v, "valid") => flag(id.name.valid),
            [c] if eq(c, "charset") => name_of(CHARSETS, id.name.char_set, "not-known")
                .as_bytes()
                .to_vec(),
            [p] if starts(p, "pres") => name_of(PRESENTATIONS, id.name.presentation, "unknown")
                .as_bytes()
                .to_vec(),
            _ => return Status::Unknown,
        },
        (_, num) if starts(num, "num") => match rest {
            [] => text(&id.number.str, id.number.valid),
            [v] if eq(v, "valid") => flag(id.number.valid),
            [p] if eq(p, "plan") => id.number.plan.to_string().into_bytes(),
            [p] if starts(p, "pres") => name_of(PRESENTATIONS, id.number.presentation, "unknown")
                .as_bytes()
                .to_vec(),
            _ => return Status::Unknown,
        },
        (_, sub) if starts(sub, "subaddr") => match rest {
            [] => id.subaddress.str.clone().unwrap_or_default(),
            [v] if eq(v, "valid") => flag(id.subaddress.valid),
            [t] if eq(t, "type") => id.subaddress.kind.to_string().into_bytes(),
            [o] if eq(o, "odd") => flag(id.subaddress.odd_even),
            _ => return Status::Unknown,
        },
        (1, tag) if eq(tag, "tag") => id.tag.clone().unwrap_or_default(),
        (1, ton) if eq(ton, "ton") => id.number.plan.to_string().into_bytes(),
        (1, pres) if starts(pres, "pres") => name_of(PRESENTATIONS, id_presentation(id), "unknown")
            .as_bytes()
            .to_vec(),
        _ => return Status::Unknown,
    };
    *out = value;
    Status::Valid
}

/// `party_id_write`: `value` has had its leading blanks skipped.
fn id_write(id: &mut PartyId, names: &[&[u8]], value: &[u8], log: &mut Vec<String>) -> Status {
    let Some((first, rest)) = names.split_first() else {
        return Status::Unknown;
    };
    let trimmed = || trim_blanks(value).to_vec();
    let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    match (names.len(), *first) {
        (1, all) if eq(all, "all") => {
            let (name, number) = split(value);
            id.name.valid = true;
            id.name.str = Some(name);
            id.number.valid = true;
            id.number.str = Some(number);
        }
        (_, name) if eq(name, "name") => match rest {
            [] => {
                id.name.valid = true;
                id.name.str = Some(trimmed());
            }
            [v] if eq(v, "valid") => id.name.valid = atoi(value) != 0,
            [c] if eq(c, "charset") => match number_or_name(CHARSETS, &trimmed()) {
                Some(set) if set >= 0 => id.name.char_set = set,
                _ => {
                    log.push(format!(
                        "ERROR: Unknown name char-set '{}', value unchanged",
                        text(&trimmed())
                    ));
                    return Status::Invalid;
                }
            },
            [p] if starts(p, "pres") => match number_or_name(PRESENTATIONS, &trimmed()) {
                Some(pres) if pres >= 0 => id.name.presentation = pres,
                _ => {
                    log.push(format!(
                        "ERROR: Unknown name presentation '{}', value unchanged",
                        text(&trimmed())
                    ));
                    return Status::Invalid;
                }
            },
            _ => return Status::Unknown,
        },
        (_, num) if starts(num, "num") => return number_write(&mut id.number, rest, value, log),
        (_, sub) if starts(sub, "subaddr") => match rest {
            [] => id.subaddress.str = Some(trimmed()),
            [v] if eq(v, "valid") => id.subaddress.valid = atoi(value) != 0,
            [t] if eq(t, "type") => id.subaddress.kind = if atoi(value) != 0 { 2 } else { 0 },
            [o] if eq(o, "odd") => id.subaddress.odd_even = atoi(value) != 0,
            _ => return Status::Unknown,
        },
        (1, tag) if eq(tag, "tag") => id.tag = Some(trimmed()),
        (1, ton) if eq(ton, "ton") => {
            return number_write(&mut id.number, &[b"plan"], value, log);
        }
        (1, pres) if starts(pres, "pres") => match number_or_name(PRESENTATIONS, &trimmed()) {
            Some(pres) if pres >= 0 => {
                id.name.presentation = pres;
                id.number.presentation = pres;
            }
            _ => {
                log.push(format!(
                    "ERROR: Unknown combined presentation '{}', value unchanged",
                    text(&trimmed())
                ));
                return Status::Invalid;
            }
        },
        _ => return Status::Unknown,
    }
    Status::Valid
}

/// `party_number_write`.
fn number_write(
    number: &mut Number,
    rest: &[&[u8]],
    value: &[u8],
    log: &mut Vec<String>,
) -> Status {
    let trimmed = trim_blanks(value);
    let text = String::from_utf8_lossy(trimmed);
    match rest {
        [] => {
            number.valid = true;
            number.str = Some(trimmed.to_vec());
        }
        [v] if eq(v, "valid") => number.valid = atoi(value) != 0,
        [p] if eq(p, "plan") => match trimmed.first() {
            Some(c) if c.is_ascii_digit() => number.plan = atoi(trimmed),
            _ => {
                log.push(format!(
                    "ERROR: Unknown type-of-number/numbering-plan '{text}', value unchanged"
                ));
                return Status::Invalid;
            }
        },
        [p] if starts(p, "pres") => match number_or_name(PRESENTATIONS, trimmed) {
            Some(pres) if pres >= 0 => number.presentation = pres,
            _ => {
                log.push(format!(
                    "ERROR: Unknown number presentation '{text}', value unchanged"
                ));
                return Status::Invalid;
            }
        },
        _ => return Status::Unknown,
    }
    Status::Valid
}

/// `AST_NONSTANDARD_APP_ARGS(member, …, '-')` into `struct ast_party_members` (ten
/// sub-names): `None` for none or too many.
fn members(member: &[u8]) -> Option<Vec<&[u8]>> {
    let names: Vec<&[u8]> = member.splitn(10, |&c| c == b'-').collect();
    (!member.is_empty() && names.len() < 10).then_some(names)
}

/// `ast_redirecting_reason_name`.
fn reason_name(reason: &Reason) -> Vec<u8> {
    if reason.str.is_empty() {
        name_of(REASONS, reason.code, "not-known")
            .as_bytes()
            .to_vec()
    } else {
        reason.str.clone()
    }
}

fn unknown(log: &mut Vec<String>, function: &str, data: &[u8]) {
    log.push(format!(
        "ERROR: Unknown {function} data type '{}'.",
        String::from_utf8_lossy(data)
    ));
}

impl Parties {
    /// The redirecting party `orig`, `from` or `to` (any case), or its `priv-` twin.
    fn redirecting_party(&self, which: &[u8], private: bool) -> Option<&PartyId> {
        Some(match (private, which.to_ascii_lowercase().as_slice()) {
            (false, b"orig") => &self.orig,
            (false, b"from") => &self.from,
            (false, b"to") => &self.to,
            (true, b"orig") => &self.priv_orig,
            (true, b"from") => &self.priv_from,
            (true, b"to") => &self.priv_to,
            _ => return None,
        })
    }

    fn redirecting_party_mut(&mut self, which: &[u8], private: bool) -> Option<&mut PartyId> {
        Some(match (private, which.to_ascii_lowercase().as_slice()) {
            (false, b"orig") => &mut self.orig,
            (false, b"from") => &mut self.from,
            (false, b"to") => &mut self.to,
            (true, b"orig") => &mut self.priv_orig,
            (true, b"from") => &mut self.priv_from,
            (true, b"to") => &mut self.priv_to,
            _ => return None,
        })
    }

    /// `connectedline_read`: `None` when it fails (no member, too many).
    pub fn connected_read(&self, data: &[u8], log: &mut Vec<String>) -> Option<Vec<u8>> {
        let names = members(data)?;
        let mut out = Vec::new();
        if names.len() == 1 && eq(names[0], "source") {
            return Some(
                name_of(SOURCES, self.connected_source, "not-known")
                    .as_bytes()
                    .to_vec(),
            );
        }
        let status = if eq(names[0], "priv") {
            id_read(&mut out, &names[1..], &self.connected_priv)
        } else {
            id_read(&mut out, &names, &self.connected)
        };
        if status == Status::Unknown {
            unknown(log, "connectedline", data);
        }
        Some(out)
    }

    /// `connectedline_write` of `CONNECTEDLINE(member[,options])=value`.
    pub fn connected_write(&mut self, args: &[u8], value: &[u8], log: &mut Vec<String>) {
        let Some(names) = member_of(args) else {
            return;
        };
        let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        let value = skip_blanks(value);
        let status = if names.len() == 1 && eq(names[0], "source") {
            let trimmed = trim_blanks(value);
            match number_or_name(SOURCES, trimmed) {
                Some(source) if source >= 0 => self.connected_source = source,
                _ => log.push(format!(
                    "ERROR: Unknown connectedline source '{}', value unchanged",
                    String::from_utf8_lossy(trimmed)
                )),
            }
            return;
        } else if eq(names[0], "priv") {
            id_write(&mut self.connected_priv, &names[1..], value, log)
        } else {
            id_write(&mut self.connected, &names, value, log)
        };
        if status == Status::Unknown {
            unknown(log, "connectedline", member_text(args));
        }
    }

    /// `redirecting_read`: `None` when it fails (no member, too many).
    pub fn redirecting_read(&self, data: &[u8], log: &mut Vec<String>) -> Option<Vec<u8>> {
        let names = members(data)?;
        let mut out = Vec::new();
        let mut id = |id: &PartyId, names: &[&[u8]], out: &mut Vec<u8>| {
            if id_read(out, names, id) == Status::Unknown {
                unknown(log, "redirecting", data);
            }
        };
        match names.as_slice() {
            [orig, reason] if eq(orig, "orig") && eq(reason, "reason") => {
                out = reason_name(&self.orig_reason)
            }
            [which, rest @ ..] if self.redirecting_party(which, false).is_some() => {
                if let Some(party) = self.redirecting_party(which, false) {
                    id(party, rest, &mut out)
                }
            }
            [pres] if starts(pres, "pres") => {
                out = name_of(PRESENTATIONS, id_presentation(&self.from), "unknown")
                    .as_bytes()
                    .to_vec()
            }
            [reason] if eq(reason, "reason") => out = reason_name(&self.reason),
            [count] if eq(count, "count") => out = self.count.to_string().into_bytes(),
            [private, which, rest @ ..] if eq(private, "priv") => {
                match self.redirecting_party(which, true) {
                    Some(party) => id(party, rest, &mut out),
                    None => unknown(log, "redirecting", data),
                }
            }
            _ => unknown(log, "redirecting", data),
        }
        Some(out)
    }

    /// `redirecting_write` of `REDIRECTING(member[,options])=value`.
    pub fn redirecting_write(&mut self, args: &[u8], value: &[u8], log: &mut Vec<String>) {
        let Some(names) = member_of(args) else {
            return;
        };
        let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        let data = member_text(args);
        let value = skip_blanks(value);
        let trimmed = trim_blanks(value);
        let reason = |log: &mut Vec<String>| match number_or_name(REASONS, trimmed) {
            Some(code) if code >= 0 => Reason {
                code,
                str: Vec::new(),
            },
            _ => {
                log.push(format!(
                    "WARNING: Unknown redirecting reason '{}', defaulting to unknown",
                    String::from_utf8_lossy(trimmed)
                ));
                Reason {
                    code: 0,
                    str: trimmed.to_vec(),
                }
            }
        };
        let status = match names.as_slice() {
            [orig, r] if eq(orig, "orig") && eq(r, "reason") => {
                self.orig_reason = reason(log);
                Status::Valid
            }
            [which, rest @ ..] if self.redirecting_party(which, false).is_some() => {
                match self.redirecting_party_mut(which, false) {
                    Some(party) => id_write(party, rest, value, log),
                    None => Status::Unknown,
                }
            }
            [pres] if starts(pres, "pres") => {
                match number_or_name(PRESENTATIONS, trimmed) {
                    Some(pres) if pres >= 0 => {
                        for id in [&mut self.from, &mut self.to] {
                            id.name.presentation = pres;
                            id.number.presentation = pres;
                        }
                    }
                    _ => log.push(format!(
                        "ERROR: Unknown redirecting combined presentation '{}', value unchanged",
                        String::from_utf8_lossy(trimmed)
                    )),
                }
                Status::Valid
            }
            [r] if eq(r, "reason") => {
                self.reason = reason(log);
                Status::Valid
            }
            [count] if eq(count, "count") => {
                match trimmed.first() {
                    Some(c) if c.is_ascii_digit() => self.count = atoi(trimmed),
                    _ => log.push(format!(
                        "ERROR: Unknown redirecting count '{}', value unchanged",
                        String::from_utf8_lossy(trimmed)
                    )),
                }
                Status::Valid
            }
            [private, which, rest @ ..] if eq(private, "priv") => {
                match self.redirecting_party_mut(which, true) {
                    Some(party) => id_write(party, rest, value, log),
                    None => Status::Unknown,
                }
            }
            _ => Status::Unknown,
        };
        if status == Status::Unknown {
            unknown(log, "redirecting", data);
        }
    }
}

/// The member of a write's `member[,options]` (`AST_STANDARD_APP_ARGS`), cut into sub-names;
/// `None` when the write fails silently (no member, too many sub-names).
fn member_of(args: &[u8]) -> Option<Vec<Vec<u8>>> {
    let parts = pbxc_stdlib::functions::args::standard(args, 2);
    let member = parts.first()?;
    let names = members(member)?;
    Some(names.into_iter().map(<[u8]>::to_vec).collect())
}

/// What the error for an unknown member quotes: the function's whole argument.
fn member_text(args: &[u8]) -> &[u8] {
    args
}

#[cfg(test)]
#[path = "party_tests.rs"]
mod tests;
