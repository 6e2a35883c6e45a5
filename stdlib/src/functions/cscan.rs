//! The `sscanf` conversions Asterisk leans on, as glibc performs them: `%Nd`, `%Nx`, `%Nlf`,
//! `%Nf`. Dialplan numbers are whatever these accept (`" +12abc"` is 12, `"0x10"` is a double,
//! `"99999999999"` wraps to an `int`), so they are reproduced rather than approximated with
//! Rust's parsers.

/// The outcome of one conversion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scan<T> {
    /// Nothing but whitespace before the end: `sscanf` returns `EOF`.
    Eof,
    /// A matching failure: no value stored.
    Fail,
    /// The value, and how many bytes were consumed (leading whitespace included).
    Ok(T, usize),
}

impl<T> Scan<T> {
    /// The value when the conversion succeeded.
    pub fn value(self) -> Option<T> {
        match self {
            Scan::Ok(v, _) => Some(v),
            _ => None,
        }
    }
}

fn is_space(b: u8) -> bool {
    super::args::is_space(b)
}

/// Skips leading whitespace; the window the conversion may read (at most `width` bytes).
fn window(s: &[u8], width: usize) -> Option<(usize, &[u8])> {
    let ws = s.iter().take_while(|&&b| is_space(b)).count();
    let rest = &s[ws..];
    if rest.is_empty() {
        return None;
    }
    Some((ws, &rest[..rest.len().min(width)]))
}

/// Sign and digits of an integer conversion in `base` 10 or 16 (glibc's collection: a sign,
/// for base 16 an optional `0x`, then digits). Returns (negative, digits, consumed).
fn collect_integer(w: &[u8], hex: bool) -> Option<(bool, &[u8], usize)> {
    let mut i = 0;
    let negative = match w.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let digit = |b: u8| {
        if hex {
            b.is_ascii_hexdigit()
        } else {
            b.is_ascii_digit()
        }
    };
    let mut start = i;
    if hex && w.get(i) == Some(&b'0') && matches!(w.get(i + 1), Some(b'x' | b'X')) {
        // The `0` counts as a digit; the `x` is consumed but not part of the number.
        i += 2;
        let more = w[i..].iter().take_while(|&&b| digit(b)).count();
        if more == 0 {
            return Some((negative, b"0", i));
        }
        start = i;
    }
    let n = w[start..].iter().take_while(|&&b| digit(b)).count();
    if n == 0 {
        return None;
    }
    Some((negative, &w[start..start + n], start + n))
}

/// `strtol`/`strtoul` magnitude of the digits, saturating at `u64::MAX`.
fn magnitude(digits: &[u8], radix: u64) -> u64 {
    digits.iter().fold(0u64, |acc, &b| {
        let d = (b as char).to_digit(radix as u32).unwrap_or(0) as u64;
        acc.checked_mul(radix)
            .and_then(|v| v.checked_add(d))
            .unwrap_or(u64::MAX)
    })
}

/// `%{width}d`: `strtol` (saturating at the 64-bit `long` range) stored into an `int`, which
/// keeps the low 32 bits.
pub fn int(s: &[u8], width: usize) -> Scan<i32> {
    let Some((ws, w)) = window(s, width) else {
        return Scan::Eof;
    };
    let Some((negative, digits, used)) = collect_integer(w, false) else {
        return Scan::Fail;
    };
    let m = magnitude(digits, 10);
    let long: i64 = if negative {
        if m > i64::MAX as u64 {
            i64::MIN
        } else {
            -(m as i64)
        }
    } else {
        m.min(i64::MAX as u64) as i64
    };
    Scan::Ok(long as i32, ws + used)
}

/// `%{width}x` into an `unsigned int`: `strtoul` in base 16 (a leading `0x` allowed, a `-`
/// negates modulo 2^64), the low 32 bits kept.
pub fn hex(s: &[u8], width: usize) -> Scan<u32> {
    let Some((ws, w)) = window(s, width) else {
        return Scan::Eof;
    };
    let Some((negative, digits, used)) = collect_integer(w, true) else {
        return Scan::Fail;
    };
    let m = magnitude(digits, 16);
    let v = if negative { m.wrapping_neg() } else { m };
    Scan::Ok(v as u32, ws + used)
}

/// `%{width}lf`: glibc collects the longest plausible float text, then `strtod` converts
/// its longest valid prefix (so `"1e"` is 1, `"0x10"` is 16, `"inf"`, `"nan"` work).
pub fn double(s: &[u8], width: usize) -> Scan<f64> {
    let Some((ws, w)) = window(s, width) else {
        return Scan::Eof;
    };
    match collect_float(w) {
        Some((text, used)) => match strtod(text) {
            Some(v) => Scan::Ok(v, ws + used),
            None => Scan::Fail,
        },
        None => Scan::Fail,
    }
}

/// `%{width}f` into a `float` (`strtof`: rounded once, straight to single precision).
pub fn float(s: &[u8], width: usize) -> Scan<f32> {
    let Some((ws, w)) = window(s, width) else {
        return Scan::Eof;
    };
    let Some((text, used)) = collect_float(w) else {
        return Scan::Fail;
    };
    let Some((negative, body)) = split_sign(text) else {
        return Scan::Fail;
    };
    let v = match decimal_prefix(body) {
        Some(t) if !is_hex(body) => std::str::from_utf8(&t)
            .ok()
            .and_then(|t| t.parse::<f32>().ok()),
        _ => strtod(body).map(|v| v as f32),
    };
    match v {
        Some(v) => Scan::Ok(if negative { -v } else { v }, ws + used),
        None => Scan::Fail,
    }
}

/// glibc's float collection (vfscanf): returns the collected text and its length, or `None`
/// for a conversion error.
fn collect_float(w: &[u8]) -> Option<(&[u8], usize)> {
    let lower = |i: usize| w.get(i).map(u8::to_ascii_lowercase);
    let mut i = 0;
    let got_sign = matches!(w.first(), Some(b'-' | b'+'));
    if got_sign {
        i = 1;
        if i >= w.len() {
            return None;
        }
    }
    // "nan", "inf", "infinity": all or nothing.
    if lower(i) == Some(b'n') {
        return (lower(i + 1) == Some(b'a') && lower(i + 2) == Some(b'n'))
            .then_some((&w[..i + 3], i + 3));
    }
    if lower(i) == Some(b'i') {
        if !(lower(i + 1) == Some(b'n') && lower(i + 2) == Some(b'f')) {
            return None;
        }
        i += 3;
        if lower(i) == Some(b'i') {
            let tail = b"inity";
            if (0..tail.len()).all(|k| lower(i + k) == Some(tail[k])) {
                i += tail.len();
            } else {
                return None;
            }
        }
        return Some((&w[..i], i));
    }
    let mut hexa = false;
    let mut got_digit = false;
    if w.get(i) == Some(&b'0') {
        i += 1;
        if lower(i) == Some(b'x') {
            hexa = true;
            i += 1;
        } else {
            got_digit = true;
        }
    }
    let exp_char = if hexa { b'p' } else { b'e' };
    let (mut got_e, mut got_dot) = (false, false);
    while let Some(&c) = w.get(i) {
        if c.is_ascii_digit() || (!got_e && hexa && c.is_ascii_hexdigit()) {
            got_digit = true;
        } else if got_e && w[i - 1].to_ascii_lowercase() == exp_char && matches!(c, b'-' | b'+') {
        } else if got_digit && !got_e && c.to_ascii_lowercase() == exp_char {
            got_e = true;
            got_dot = true;
        } else if c == b'.' && !got_dot {
            got_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    let sign = usize::from(got_sign);
    if i == sign || (hexa && i == 2 + sign) {
        return None;
    }
    Some((&w[..i], i))
}

fn split_sign(t: &[u8]) -> Option<(bool, &[u8])> {
    match t.first()? {
        b'-' => Some((true, &t[1..])),
        b'+' => Some((false, &t[1..])),
        _ => Some((false, t)),
    }
}

fn is_hex(body: &[u8]) -> bool {
    body.len() >= 2 && body[0] == b'0' && body[1].eq_ignore_ascii_case(&b'x')
}

/// The longest valid decimal prefix of `body` (no sign), normalised for Rust's parser.
fn decimal_prefix(body: &[u8]) -> Option<Vec<u8>> {
    let int = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = int;
    let mut frac = 0;
    if body.get(i) == Some(&b'.') {
        frac = body[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        i += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    let mut text = Vec::with_capacity(i + 8);
    text.extend_from_slice(if int == 0 { b"0" } else { &body[..int] });
    if frac > 0 {
        text.push(b'.');
        text.extend_from_slice(&body[int + 1..int + 1 + frac]);
    }
    if matches!(body.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(body.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits = body[j.min(body.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 {
            text.push(b'e');
            text.extend_from_slice(&body[i + 1..j + digits]);
        }
    }
    Some(text)
}

/// `strtod` of the longest valid prefix; `None` when no prefix is a number.
pub fn strtod(text: &[u8]) -> Option<f64> {
    let (negative, body) = split_sign(text)?;
    let lower: Vec<u8> = body.iter().map(u8::to_ascii_lowercase).collect();
    let v = if lower.starts_with(b"nan") {
        f64::NAN
    } else if lower.starts_with(b"inf") {
        f64::INFINITY
    } else if is_hex(body) {
        hex_float(&body[2..]).unwrap_or(0.0) // "0x" with no digits: strtod reads the "0"
    } else {
        let t = decimal_prefix(body)?;
        std::str::from_utf8(&t).ok()?.parse::<f64>().ok()?
    };
    Some(if negative { -v } else { v })
}

/// A hexadecimal float after its `0x`: digits, an optional fraction and a `p` exponent.
fn hex_float(body: &[u8]) -> Option<f64> {
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut sticky = false;
    let mut any = false;
    let mut i = 0;
    let mut seen_dot = false;
    while let Some(&c) = body.get(i) {
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            any = true;
            if mantissa >> 56 == 0 {
                mantissa = (mantissa << 4) | d as u64;
                if seen_dot {
                    exponent -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exponent += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if matches!(body.get(i), Some(b'p' | b'P')) {
        let rest = &body[i + 1..];
        let (neg, digits) = match rest.first() {
            Some(b'-') => (true, &rest[1..]),
            Some(b'+') => (false, &rest[1..]),
            _ => (false, rest),
        };
        let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if n > 0 {
            let e = magnitude(&digits[..n], 10).min(100_000) as i64;
            exponent += if neg { -e } else { e };
        }
    }
    // The sticky bit below the kept digits makes the single rounding of u64 → f64 correct.
    let m = (mantissa << 1) | u64::from(sticky);
    Some(m as f64 * 2f64.powi((exponent - 1).clamp(-2000, 2000) as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(int(b" +12abc", 30), Scan::Ok(12, 4));
        assert_eq!(int(b"-", 30), Scan::Fail);
        assert_eq!(int(b"  ", 30), Scan::Eof);
        assert_eq!(int(b"", 30), Scan::Eof);
        assert_eq!(int(b"2147483648", 30), Scan::Ok(i32::MIN, 10));
        assert_eq!(int(b"99999999999999999999", 30), Scan::Ok(-1, 20));
        assert_eq!(int(b"0x10", 30), Scan::Ok(0, 1));
        assert_eq!(int(b"123", 2), Scan::Ok(12, 2));
    }

    #[test]
    fn hexes() {
        assert_eq!(hex(b"41", 2), Scan::Ok(0x41, 2));
        assert_eq!(hex(b"0x41", 2), Scan::Ok(0, 2));
        assert_eq!(hex(b"g1", 2), Scan::Fail);
        assert_eq!(hex(b"-1", 2), Scan::Ok(u32::MAX, 2));
    }

    #[test]
    fn doubles() {
        assert_eq!(double(b"0x10", 30).value(), Some(16.0));
        assert_eq!(double(b"1.5", 30).value(), Some(1.5));
        assert_eq!(double(b"1e", 30).value(), Some(1.0));
        assert_eq!(double(b".5", 30).value(), Some(0.5));
        assert_eq!(double(b".", 30), Scan::Fail);
        assert_eq!(double(b"0x", 30), Scan::Fail);
        assert_eq!(double(b"-inf", 30).value(), Some(f64::NEG_INFINITY));
        assert!(double(b"nan", 30).value().unwrap().is_nan());
        assert_eq!(double(b"infi", 30), Scan::Fail);
        assert_eq!(double(b"abc", 30), Scan::Fail);
        assert_eq!(double(b"0x1.8p1", 30).value(), Some(3.0));
        assert_eq!(double(b"12e2x", 30).value(), Some(1200.0));
        assert_eq!(float(b"2.5", 30).value(), Some(2.5f32));
    }
}
