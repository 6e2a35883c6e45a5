//! How Asterisk cuts and cleans a function's argument string: `__ast_app_separate_args`
//! (main/app.c) behind `AST_STANDARD_APP_ARGS` and friends, `ast_strip`, `ast_get_encoded_char`,
//! and `pbx_checkcondition`. Every function module reads its arguments through these so the
//! C quirks live in one place.

use super::cscan::{self, Scan};

/// `__ast_app_separate_args(buf, delim, remove_chars, array, slots)`.
///
/// Cuts `buf` at `delim` outside `()`, `[]` and `"…"` (the nesting state carries over from one
/// argument to the next, as in C). With `remove_chars` a `"` is dropped and `\x` becomes `x`
/// (the escaped character is not interpreted); without it both are kept. The last of the
/// `slots` arguments is the raw rest of the string, untouched. A delimiter at the very end adds
/// one empty argument. Returns the arguments present (`argc` of them); a slot past the end is
/// what C leaves as `NULL`.
///
/// A backslash as the very last byte makes C read past the string's end; here it simply ends
/// the argument (kept in raw mode, dropped otherwise).
pub fn separate(buf: &[u8], delim: u8, remove_chars: bool, slots: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if slots == 0 {
        return out;
    }
    let (mut paren, mut bracket, mut quote) = (0u32, 0u32, false);
    let mut i = 0;
    // Whether the last thing consumed was a delimiter (C's `scan - 1 == wasdelim`).
    let mut ended_on_delim = false;
    while i < buf.len() && out.len() < slots - 1 {
        let mut arg = Vec::new();
        ended_on_delim = false;
        while i < buf.len() {
            let c = buf[i];
            match c {
                b'(' => paren += 1,
                b')' => paren = paren.saturating_sub(1),
                b'[' => bracket += 1,
                b']' => bracket = bracket.saturating_sub(1),
                b'"' if delim != b'"' => {
                    quote = !quote;
                    if remove_chars {
                        i += 1;
                        continue;
                    }
                }
                b'\\' => {
                    if !remove_chars {
                        arg.push(c);
                    }
                    // The next byte is taken literally, whatever it is.
                    if let Some(&next) = buf.get(i + 1) {
                        arg.push(next);
                    }
                    i += 2;
                    continue;
                }
                _ if c == delim && paren == 0 && !quote && bracket == 0 => {
                    ended_on_delim = true;
                    i += 1;
                    break;
                }
                _ => {}
            }
            arg.push(c);
            i += 1;
        }
        out.push(arg);
    }
    if i < buf.len() {
        out.push(buf[i..].to_vec());
    } else if ended_on_delim {
        out.push(Vec::new());
    }
    out
}

/// `AST_STANDARD_APP_ARGS`: `,`, quotes and backslashes removed, last slot raw.
pub fn standard(buf: &[u8], slots: usize) -> Vec<Vec<u8>> {
    separate(buf, b',', true, slots)
}

/// `AST_STANDARD_RAW_ARGS`: `,`, nothing removed.
pub fn raw(buf: &[u8], slots: usize) -> Vec<Vec<u8>> {
    separate(buf, b',', false, slots)
}

/// Argument `i`, `None` where C has a `NULL` slot.
pub fn get(args: &[Vec<u8>], i: usize) -> Option<&[u8]> {
    args.get(i).map(Vec::as_slice)
}

/// `ast_strlen_zero` on a possibly missing argument.
pub fn is_empty(arg: Option<&[u8]>) -> bool {
    arg.is_none_or(<[u8]>::is_empty)
}

/// `ast_strip`: drops leading and trailing bytes below 33 (blanks and control characters,
/// not only `isspace`).
pub fn strip(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b >= 33).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b >= 33).map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// C `isspace` in the C locale.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `pbx_checkcondition`: empty is false, text that starts like an integer (`sscanf %d`) is
/// that integer's truth, any other text is true.
pub fn check_condition(cond: Option<&[u8]>) -> bool {
    match cond {
        None | Some([]) => false,
        // What `$[...]` most often leaves: one digit, which `%d` reads as itself.
        Some([digit @ b'0'..=b'9']) => *digit != b'0',
        Some(c) => match cscan::int(c, 30) {
            Scan::Ok(v, _) => v != 0,
            Scan::Eof | Scan::Fail => true,
        },
    }
}

/// `ast_get_encoded_char`: one possibly escaped byte (`\n`, `\r`, `\t`, `\xHH`, `\0ooo`,
/// `\c` → `c`) and how many bytes it took. `None` for an empty stream or a bad `\x`.
/// Overlong octal escapes wrap to a byte as the C `char` does.
pub fn encoded_char(stream: &[u8]) -> Option<(u8, usize)> {
    match encoded_char_c(stream) {
        (Some(c), used) => Some((c, used)),
        (None, _) => None,
    }
}

/// [`encoded_char`] with C's `consumed` also on failure (0 for an empty stream, 2 for a bad
/// `\x`), which FILTER's range parsing steps over.
pub fn encoded_char_c(stream: &[u8]) -> (Option<u8>, usize) {
    let Some(&first) = stream.first() else {
        return (None, 0);
    };
    if first != b'\\' {
        return (Some(first), 1);
    }
    let at = |i: usize| stream.get(i).copied().unwrap_or(0);
    match at(1) {
        b'n' => (Some(b'\n'), 2),
        b'r' => (Some(b'\r'), 2),
        b't' => (Some(b'\t'), 2),
        b'x' => {
            let Some(hi) = hex_value(at(2)) else {
                return (None, 2);
            };
            match hex_value(at(3)) {
                Some(lo) => (Some((hi << 4) | lo), 4),
                None => (Some(hi), 3),
            }
        }
        b'0' => {
            let mut value = 0u8;
            let mut used = 2;
            while matches!(at(used), b'0'..=b'7') {
                value = value.wrapping_shl(3).wrapping_add(at(used) - b'0');
                used += 1;
            }
            (Some(value), used)
        }
        other => (Some(other), 2),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// `ast_get_encoded_str`: decodes escapes until the end or the first bad one; a decoded NUL
/// ends the C string, so it ends the result too. `max` is the C buffer size (`None`: no limit).
pub fn encoded_str(mut stream: &[u8], max: Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    while max.is_none_or(|m| out.len() + 1 < m) {
        let Some((c, used)) = encoded_char(stream) else {
            break;
        };
        out.push(c);
        stream = stream.get(used..).unwrap_or_default();
    }
    cstr(&out).to_vec()
}

/// The bytes before the first NUL: what C sees of a buffer.
pub fn cstr(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// `strsep`-style split on one byte: every field, empty ones included.
pub fn fields(s: &[u8], delim: u8) -> impl Iterator<Item = &[u8]> {
    s.split(move |&b| b == delim)
}

/// `strstr`: where `needle` first occurs in `hay` (an empty needle is at 0).
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `strsep(&s, delim)`: the text before the first `delim` and, when there was one, the rest.
pub fn strsep(s: &[u8], delim: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&c| c == delim) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    }
}

/// One option letter and its argument in parentheses, if it had one.
pub type AppOption = (u8, Option<Vec<u8>>);

/// `ast_app_parse_options` (`parse_options`, main/app.c): each byte is an option letter; a
/// `(` right after it starts its argument, which runs to the matching `)`. A backslash
/// outside quotes keeps the next byte literally; quotes are understood only when the
/// argument starts with one (then removed, and inside them only `\"` loses its backslash).
/// A missing `)` fails the whole parse, with Asterisk's warning.
pub fn parse_options(optstr: &[u8]) -> Result<Vec<AppOption>, String> {
    match parse_options_partly(optstr) {
        (options, None) => Ok(options),
        (_, Some(warning)) => Err(warning),
    }
}

/// [`parse_options`] as the flags come out of it: a missing `)` stops the parse with its
/// warning, and the letters before it stay set.
pub fn parse_options_partly(optstr: &[u8]) -> (Vec<AppOption>, Option<String>) {
    let mut out = Vec::new();
    let mut i = 0;
    while i < optstr.len() {
        let letter = optstr[i] & 0x7f;
        i += 1;
        if optstr.get(i) != Some(&b'(') {
            out.push((letter, None));
            continue;
        }
        let parse_quotes = optstr.get(i + 1) == Some(&b'"');
        i += 1;
        let (mut paren, mut quote) = (1u32, false);
        let mut arg = Vec::new();
        let mut closed = false;
        while i < optstr.len() {
            let c = optstr[i];
            match c {
                b'(' if !quote => paren += 1,
                b')' if !quote => paren -= 1,
                b'"' if parse_quotes => {
                    quote = !quote;
                    i += 1;
                    continue;
                }
                b'\\' => {
                    let next = optstr.get(i + 1).copied();
                    if !quote || next == Some(b'"') {
                        // The backslash goes; the byte after it is taken as it is.
                        if let Some(n) = next {
                            arg.push(n);
                        }
                        i += 2;
                    } else {
                        arg.push(c);
                        if let Some(n) = next {
                            arg.push(n);
                        }
                        i += 2;
                    }
                    continue;
                }
                _ => {}
            }
            if paren == 0 {
                closed = true;
                i += 1;
                break;
            }
            arg.push(c);
            i += 1;
        }
        if !closed {
            let warning = format!(
                "Missing closing parenthesis for argument '{}' in string '{}'",
                letter as char,
                String::from_utf8_lossy(&arg)
            );
            return (out, Some(warning));
        }
        out.push((letter, Some(arg)));
    }
    (out, None)
}

/// `ast_escape_quoted` into its 128-byte buffer: a backslash before every byte a quoted
/// SIP string may not hold as it is (`"`, `\`, controls other than tab and vertical tab,
/// DEL), stopping where the buffer ends.
pub fn escape_quoted(name: &[u8]) -> Vec<u8> {
    const BUFFER: usize = 128;
    let mut out = Vec::with_capacity(name.len().min(BUFFER));
    for &c in name {
        if out.len() >= BUFFER - 1 {
            break;
        }
        let allowed = matches!(c, b'\t' | 0x0b | b' ' | b'!' | 0x23..=0x5b | 0x5d..=0x7e | 0x80..);
        if allowed {
            out.push(c);
        } else {
            if out.len() >= BUFFER - 2 {
                break;
            }
            out.extend_from_slice(&[b'\\', c]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(args: Vec<Vec<u8>>) -> Vec<String> {
        args.into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn last_slot_is_raw() {
        assert_eq!(s(standard(br#"a,"b,c",d"#, 2)), ["a", r#""b,c",d"#]);
        assert_eq!(s(standard(br#"a,"b,c",d"#, 3)), ["a", "b,c", "d"]);
        assert_eq!(s(standard(br"a\,b,c", 3)), ["a,b", "c"]);
        assert_eq!(s(raw(br"a\,b,c", 3)), [r"a\,b", "c"]);
    }

    #[test]
    fn trailing_delimiter_adds_an_empty_argument() {
        assert_eq!(s(standard(b"a,", 3)), ["a", ""]);
        assert_eq!(s(standard(b"a,b,", 2)), ["a", "b,"]);
        assert!(standard(b"", 3).is_empty());
        assert_eq!(s(standard(b",", 3)), ["", ""]);
    }

    #[test]
    fn nesting_carries_across_arguments() {
        assert_eq!(s(standard(b"(a,b),c", 3)), ["(a,b)", "c"]);
        assert_eq!(s(standard(b"a),b", 3)), ["a)", "b"]);
        assert_eq!(s(standard(b"(a,b,c", 3)), ["(a,b,c"]);
    }

    #[test]
    fn trailing_backslash_does_not_read_past_the_end() {
        assert_eq!(s(standard(b"a\\", 3)), ["a"]);
        assert_eq!(s(raw(b"a\\", 3)), ["a\\"]);
    }

    #[test]
    fn strip_and_conditions() {
        assert_eq!(strip(b" \x01a b\t "), b"a b");
        assert_eq!(strip(b"   "), b"");
        assert!(!check_condition(Some(b"0.5")));
        assert!(!check_condition(Some(b"00")));
        assert!(check_condition(Some(b"1abc")));
        assert!(check_condition(Some(b"abc")));
        assert!(check_condition(Some(b" ")));
        assert!(!check_condition(Some(b"")));
        // One digit (the short path) reads as `%d` reads it.
        for digit in b'0'..=b'9' {
            let scanned = matches!(cscan::int(&[digit], 30), Scan::Ok(v, _) if v != 0);
            assert_eq!(
                check_condition(Some(&[digit])),
                scanned,
                "{}",
                digit as char
            );
        }
    }

    #[test]
    fn encoded_chars() {
        assert_eq!(encoded_char(b"\\x2C"), Some((b',', 4)));
        assert_eq!(encoded_char(b"\\x2"), Some((2, 3)));
        assert_eq!(encoded_char(b"\\xg"), None);
        assert_eq!(encoded_char(b"\\054"), Some((b',', 4)));
        assert_eq!(encoded_char(b"\\,"), Some((b',', 2)));
        assert_eq!(encoded_char(b"\\"), Some((0, 2)));
        assert_eq!(encoded_char(b""), None);
        assert_eq!(encoded_str(b"a\\tb", None), b"a\tb");
        assert_eq!(encoded_str(b"ab\\0c", None), b"ab");
    }
}
