//! Caller ID text as main/callerid.c reads and writes it: `ast_callerid_split` (over
//! `ast_callerid_parse`), which `CALLERID(all)=…` uses to take a name and a number apart,
//! and `ast_callerid_merge`, which puts them together for a CDR's `clid`.

use pbxc_dialplan::pattern::shrink_phone_number;

/// `ast_skip_blanks`: every byte below 33 is a blank.
pub(crate) fn skip_blanks(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c >= 33).unwrap_or(s.len());
    &s[start..]
}

/// `ast_trim_blanks`.
pub(crate) fn trim_blanks(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&c| c >= 33).map_or(0, |i| i + 1);
    &s[..end]
}

/// `ast_strip`.
fn strip(s: &[u8]) -> &[u8] {
    trim_blanks(skip_blanks(s))
}

/// `ast_strip_quoted(s, "\"", "\"")`: stripped, then one pair of surrounding double quotes
/// removed.
fn strip_quoted(s: &[u8]) -> &[u8] {
    let s = strip(s);
    match s {
        // A lone `"` is its own closing quote.
        [b'"'] => &[],
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}

/// `ast_unescape_quoted`: a backslash takes the next byte as it is (a last one is dropped).
fn unescape_quoted(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.iter();
    while let Some(&c) = bytes.next() {
        if c == b'\\' {
            match bytes.next() {
                Some(&next) => out.push(next),
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `ast_isphonenumber`: digits, `*`, `#` and `+` only, and not empty.
fn is_phone_number(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|c| b"0123456789*#+".contains(c))
}

/// `ast_callerid_parse`: the name and the number ("location") of `"Name" <number>`,
/// `Name <number>`, a bare number or a bare name.
pub fn parse(input: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let input = strip(input);
    let instr = strip_quoted(input);
    let quotes_stripped = instr.len() != input.len();
    let (name, location) = match instr.iter().rposition(|&c| c == b'<') {
        Some(ls) => {
            let after = &instr[ls + 1..];
            let location = match after.iter().rposition(|&c| c == b'>') {
                Some(le) => &after[..le],
                None => after,
            };
            (Some(strip_quoted(&instr[..ls])), Some(location.to_vec()))
        }
        None => {
            // A copy in a 256-byte buffer, shrunk as a phone number.
            let tmp = shrink_phone_number(&instr[..instr.len().min(255)]);
            if !quotes_stripped && is_phone_number(&tmp) {
                (None, Some(tmp))
            } else {
                (Some(strip_quoted(instr)), None)
            }
        }
    };
    (name.map(unescape_quoted), location)
}

/// `ast_callerid_split`: the name and the number of caller ID text, each cut to 255 bytes
/// (the callers' buffers), the number shrunk as a phone number.
pub fn split(text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (name, location) = parse(text);
    let mut name = name.unwrap_or_default();
    name.truncate(255);
    let mut number = location
        .map(|l| shrink_phone_number(&l))
        .unwrap_or_default();
    number.truncate(255);
    (name, number)
}

pub use pbxc_stdlib::functions::args::escape_quoted;

/// `ast_callerid_merge` as cdr.c calls it, with a snapshot's name and number (never NULL,
/// empty when unset): always `"name" <number>`.
pub fn merge(name: &[u8], number: &[u8]) -> Vec<u8> {
    let mut out = b"\"".to_vec();
    out.extend_from_slice(&escape_quoted(name));
    out.extend_from_slice(b"\" <");
    out.extend_from_slice(number);
    out.push(b'>');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_id_text_splits_as_ast_callerid_split_does() {
        for (text, name, number) in [
            (r#""Bob" <100>"#, "Bob", "100"),
            ("Bob <100>", "Bob", "100"),
            (
                "  Bob Smith   <(555) 123-4567>  ",
                "Bob Smith",
                "5551234567",
            ),
            ("100", "", "100"),
            ("+1 (555) 123.4567", "", "+15551234567"),
            (r#""100""#, "100", ""),
            ("Bob", "Bob", ""),
            ("<100>", "", "100"),
            ("Bob <100", "Bob", "100"),
            (r#""Bob \"B\"" <1-00>"#, r#"Bob "B""#, "100"),
            (r#"a <1> b <2>"#, "a <1> b", "2"),
            ("", "", ""),
            ("12ab", "12ab", ""),
            ("\"", "", ""),
            (" \" <5>", "", "5"),
        ] {
            let (n, l) = split(text.as_bytes());
            assert_eq!(
                (String::from_utf8_lossy(&n), String::from_utf8_lossy(&l)),
                (name.into(), number.into()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn names_are_escaped_as_ast_escape_quoted_does_within_its_buffer() {
        assert_eq!(
            merge(br#"Bob "B" \x"#, b"100"),
            br#""Bob \"B\" \\x" <100>"#.to_vec()
        );
        assert_eq!(merge(b"", b""), b"\"\" <>".to_vec());
        assert_eq!(escape_quoted(b"a\tb\rc\x7f"), b"a\tb\\\rc\\\x7f".to_vec());
        assert_eq!(escape_quoted("é".as_bytes()), "é".as_bytes());
        assert_eq!(escape_quoted(&[b'x'; 200]).len(), 127);
        // An escape that does not fit whole is left out.
        let mut long = vec![b'x'; 126];
        long.push(b'"');
        assert_eq!(escape_quoted(&long), vec![b'x'; 126]);
    }

    #[test]
    fn blanks_are_every_byte_below_33() {
        assert_eq!(skip_blanks(b" \t\x01x y \n"), b"x y \n");
        assert_eq!(trim_blanks(b" x y \t\x1f"), b" x y");
        assert_eq!(trim_blanks(b"   "), b"");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    proptest! {
        /// Any bytes split without a panic, within the buffers' limits, and the number
        /// keeps no byte `ast_shrink_phone_number` drops outside brackets.
        #[test]
        fn any_text_splits_within_limits(text in proptest::collection::vec(any::<u8>(), 0..600)) {
            let (name, number) = super::split(&text);
            prop_assert!(name.len() <= 255 && number.len() <= 255);
            if !number.contains(&b'[') {
                prop_assert!(!number.iter().any(|c| b"() ".contains(c)));
            }
        }
    }
}
