//! REGEX's matcher: `regcomp(REG_EXTENDED | REG_NOSUB)` + `regexec`, i.e. "does this POSIX
//! extended regular expression match anywhere in the string".
//!
//! With `REG_NOSUB` only match/no-match matters, so leftmost-longest versus leftmost-first
//! cannot show; what differs between POSIX and the `regex` crate is the *syntax*. This module
//! translates glibc's ERE (`RE_SYNTAX_POSIX_EXTENDED`) into an equivalent `regex::bytes`
//! pattern over bytes (the C locale):
//! - bracket expressions: `]` first is literal, `\` is literal, `[:class:]`, `[=c=]`, `[.c.]`;
//! - `\c` outside brackets is the literal `c`, except glibc's `\w \W \s \S \b \B \< \>`;
//! - an unmatched `)` is a literal, `{,n}` means `{0,n}`, `.` also matches a newline;
//! - back-references (`\1`…) cannot be expressed and are reported as unsupported.

use regex::bytes::RegexBuilder;

/// Whether `pattern` matches somewhere in `subject`; `Err` carries a `regerror`-style text.
pub fn is_match(pattern: &[u8], subject: &[u8]) -> Result<bool, String> {
    Ok(compile(pattern)?.is_match(subject))
}

/// `regcomp(pattern, REG_EXTENDED | REG_NOSUB)`, to match many texts (`is_match` on each).
pub fn compile(pattern: &[u8]) -> Result<regex::bytes::Regex, String> {
    let translated = translate(pattern)?;
    RegexBuilder::new(&translated)
        .unicode(false)
        .dot_matches_new_line(true)
        .build()
        .map_err(|_| "Invalid regular expression".to_string())
}

/// A literal byte in `regex` syntax.
fn literal(out: &mut String, b: u8) {
    if b.is_ascii_alphanumeric() || b == b' ' || b == b'_' {
        out.push(b as char);
    } else {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

fn translate(p: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity(p.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        match c {
            b'\\' => {
                let Some(&n) = p.get(i + 1) else {
                    return Err("Trailing backslash".into());
                };
                match n {
                    b'w' | b'W' | b's' | b'S' | b'b' | b'B' => {
                        out.push('\\');
                        out.push(n as char);
                    }
                    // Word starts and ends: the nearest `regex` has is a word boundary.
                    b'<' | b'>' => out.push_str("\\b"),
                    b'1'..=b'9' => return Err("Back-references are not supported".into()),
                    _ => literal(&mut out, n),
                }
                i += 2;
                continue;
            }
            b'[' => {
                i = bracket(p, i + 1, &mut out)?;
                continue;
            }
            b'(' => {
                depth += 1;
                out.push('(');
            }
            b')' if depth > 0 => {
                depth -= 1;
                out.push(')');
            }
            b')' => literal(&mut out, c),
            b'{' => {
                let Some(close) = p[i..].iter().position(|&b| b == b'}') else {
                    return Err("Unmatched \\{".into());
                };
                let body = &p[i + 1..i + close];
                let valid = !body.is_empty()
                    && body.iter().all(|&b| b.is_ascii_digit() || b == b',')
                    && body.iter().filter(|&&b| b == b',').count() <= 1
                    && body != b",";
                if !valid {
                    return Err("Invalid content of \\{\\}".into());
                }
                out.push('{');
                if body.first() == Some(&b',') {
                    out.push('0');
                }
                out.push_str(std::str::from_utf8(body).unwrap_or("0"));
                out.push('}');
                i += close + 1;
                continue;
            }
            b'.' | b'^' | b'$' | b'|' | b'*' | b'+' | b'?' => out.push(c as char),
            _ => literal(&mut out, c),
        }
        i += 1;
    }
    if depth > 0 {
        return Err("Unmatched ( or \\(".into());
    }
    Ok(out)
}

/// A bracket expression starting after `[`; returns the index after its `]`.
fn bracket(p: &[u8], mut i: usize, out: &mut String) -> Result<usize, String> {
    const UNMATCHED: &str = "Unmatched [, [^, [:, [., or [=";
    out.push('[');
    if p.get(i) == Some(&b'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    // The previous single byte, for ranges.
    loop {
        let Some(&c) = p.get(i) else {
            return Err(UNMATCHED.into());
        };
        if c == b']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        let (lo, next) = element(p, i, out)?;
        i = next;
        let Some(lo) = lo else {
            continue; // a character class
        };
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&b| b != b']') {
            let (hi, next) = element(p, i + 1, &mut String::new())?;
            let Some(hi) = hi else {
                return Err("Invalid range end".into());
            };
            if hi < lo {
                return Err("Invalid range end".into());
            }
            literal(out, lo);
            out.push('-');
            literal(out, hi);
            i = next;
        } else {
            literal(out, lo);
        }
    }
}

/// One bracket element at `i`: a byte (returned) or a `[:class:]` (written to `out`).
fn element(p: &[u8], i: usize, out: &mut String) -> Result<(Option<u8>, usize), String> {
    let c = p[i];
    if c == b'['
        && let Some(&kind @ (b':' | b'=' | b'.')) = p.get(i + 1)
    {
        let body_start = i + 2;
        let end = p[body_start..]
            .windows(2)
            .position(|w| w[0] == kind && w[1] == b']')
            .ok_or("Unmatched [, [^, [:, [., or [=")?;
        let body = &p[body_start..body_start + end];
        let next = body_start + end + 2;
        return match kind {
            b':' => {
                const CLASSES: &[&[u8]] = &[
                    b"alpha", b"upper", b"lower", b"digit", b"xdigit", b"space", b"print",
                    b"punct", b"graph", b"cntrl", b"blank", b"alnum",
                ];
                if !CLASSES.contains(&body) {
                    return Err("Invalid character class name".into());
                }
                out.push_str("[:");
                out.push_str(std::str::from_utf8(body).unwrap_or("alpha"));
                out.push_str(":]");
                Ok((None, next))
            }
            _ => match body {
                [one] => Ok((Some(*one), next)),
                _ => Err("Invalid collation character".into()),
            },
        };
    }
    Ok((Some(c), i + 1))
}

#[cfg(test)]
mod tests {
    use super::is_match;

    fn m(p: &str, s: &str) -> bool {
        is_match(p.as_bytes(), s.as_bytes()).unwrap()
    }

    #[test]
    fn posix_syntax() {
        assert!(m("^1", "123"));
        assert!(!m("a", "bcd"));
        assert!(!m("^[0-9]+$", "12a"));
        assert!(m("[]a]", "]"));
        assert!(m("[^]a]", "b"));
        assert!(m("[\\]", "\\"));
        assert!(m("[[:digit:]]x", "5x"));
        assert!(m("a)", "a)"));
        assert!(m("^a{,2}$", "aa"));
        assert!(m("\\.", "."));
        assert!(!m("\\.", "a"));
        assert!(m("a.b", "a\nb"));
        assert!(m("[a-]", "-"));
        assert!(m("#&~", "#&~"));
        assert!(m("\\w+", "abc"));
        assert!(m("^\u{e9}$", "\u{e9}"));
        assert!(!m("^.$", "\u{e9}"));
    }

    #[test]
    fn errors() {
        for p in [
            "(",
            "[a",
            "a{1",
            "a{x}",
            "[z-a]",
            "\\",
            "(a)\\1",
            "[[:nope:]]",
            "*a",
        ] {
            assert!(is_match(p.as_bytes(), b"x").is_err(), "{p}");
        }
    }
}
