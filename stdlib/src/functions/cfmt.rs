//! C `printf` conversions as glibc prints them, for MATH (`%f`, `%i`, `%x`, `%c`), MIN/MAX/ABS
//! (`%d`, `%f`) and SPRINTF (any single conversion). Rust's exact float formatting produces
//! the same digits as glibc (round-half-even on the exact binary value); what differs is the
//! layout (`e+05`, `inf`, padding), which is done here.

/// One parsed conversion: `%[flags][width][.precision][length]conv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// `-`: pad on the right.
    pub left: bool,
    /// `+`: always a sign.
    pub plus: bool,
    /// ` `: a space where a `+` would go.
    pub space: bool,
    /// `#`: the alternate form.
    pub alt: bool,
    /// `0`: pad with zeros.
    pub zero: bool,
    /// The minimum field width.
    pub width: usize,
    /// The precision, when given (`.` alone is 0).
    pub precision: Option<usize>,
    /// The conversion letter.
    pub conv: u8,
}

impl Spec {
    /// Parses a whole specification, `%` to conversion letter inclusive, ignoring length
    /// modifiers (the caller applies them to the value). `None` when it is not one.
    pub fn parse(spec: &[u8]) -> Option<Spec> {
        let (&conv, body) = spec.strip_prefix(b"%")?.split_last()?;
        let mut s = Spec {
            conv,
            ..Spec::default()
        };
        let mut i = 0;
        while let Some(&c) = body.get(i) {
            match c {
                b'-' => s.left = true,
                b'+' => s.plus = true,
                b' ' => s.space = true,
                b'#' => s.alt = true,
                b'0' => s.zero = true,
                b'\'' | b'I' => {} // grouping and locale digits: nothing in the C locale
                _ => break,
            }
            i += 1;
        }
        let digits = |i: &mut usize| {
            let start = *i;
            while body.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            std::str::from_utf8(&body[start..*i])
                .ok()
                .and_then(|t| t.parse::<usize>().ok())
        };
        s.width = digits(&mut i).unwrap_or(0).min(1 << 20);
        if body.get(i) == Some(&b'.') {
            i += 1;
            s.precision = Some(digits(&mut i).unwrap_or(0).min(1 << 20));
        }
        Some(s)
    }
}

/// Pads `body` (after `prefix`, e.g. a sign or `0x`) to the width: zeros go between prefix
/// and body, spaces outside.
fn pad(spec: &Spec, prefix: &[u8], body: &[u8], zero_ok: bool) -> Vec<u8> {
    let len = prefix.len() + body.len();
    let fill = spec.width.saturating_sub(len);
    let mut out = Vec::with_capacity(len + fill);
    if spec.left {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if spec.zero && zero_ok {
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(fill, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
    out
}

fn sign_prefix(spec: &Spec, negative: bool) -> &'static [u8] {
    if negative {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    }
}

/// An integer conversion (`d i o u x X c`). `value` is what the C argument holds after the
/// length modifier's cast: signed for `d`/`i`, the unsigned bit pattern otherwise.
pub fn integer(spec: &Spec, value: i64) -> Vec<u8> {
    match spec.conv {
        b'c' => pad(spec, b"", &[value as u8], false),
        b'd' | b'i' => {
            let digits = value.unsigned_abs().to_string().into_bytes();
            let body = with_precision(spec, digits, value == 0);
            pad(
                spec,
                sign_prefix(spec, value < 0),
                &body,
                spec.precision.is_none(),
            )
        }
        conv => {
            let v = value as u64;
            let (mut digits, prefix): (Vec<u8>, &[u8]) = match conv {
                b'o' => (format!("{v:o}").into_bytes(), b""),
                b'x' => (
                    format!("{v:x}").into_bytes(),
                    if spec.alt && v != 0 { b"0x" } else { b"" },
                ),
                b'X' => (
                    format!("{v:X}").into_bytes(),
                    if spec.alt && v != 0 { b"0X" } else { b"" },
                ),
                _ => (v.to_string().into_bytes(), b""),
            };
            digits = with_precision(spec, digits, v == 0);
            if conv == b'o' && spec.alt && digits.first() != Some(&b'0') {
                digits.insert(0, b'0');
            }
            pad(spec, prefix, &digits, spec.precision.is_none())
        }
    }
}

/// Applies an integer precision: at least that many digits; precision 0 prints no digits
/// for a zero value.
fn with_precision(spec: &Spec, digits: Vec<u8>, zero: bool) -> Vec<u8> {
    match spec.precision {
        Some(0) if zero => Vec::new(),
        Some(p) if p > digits.len() => {
            let mut v = vec![b'0'; p - digits.len()];
            v.extend_from_slice(&digits);
            v
        }
        _ => digits,
    }
}

/// `%s`: a C string (`None` is a `NULL` argument, which glibc prints as `(null)` unless the
/// precision is too short for it).
pub fn string(spec: &Spec, s: Option<&[u8]>) -> Vec<u8> {
    let text: &[u8] = match s {
        Some(s) => s,
        None if spec.precision.is_none_or(|p| p >= 6) => b"(null)",
        None => b"",
    };
    let text = match spec.precision {
        Some(p) if p < text.len() => &text[..p],
        _ => text,
    };
    pad(spec, b"", text, false)
}

/// A floating conversion (`e E f F g G a A`).
pub fn double(spec: &Spec, value: f64) -> Vec<u8> {
    let upper = spec.conv.is_ascii_uppercase();
    let negative = value.is_sign_negative();
    let sign = sign_prefix(spec, negative);
    if !value.is_finite() {
        let text: &[u8] = match (value.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        return pad(spec, sign, text, false);
    }
    let v = value.abs();
    let body = match spec.conv.to_ascii_lowercase() {
        b'f' => fixed(v, spec.precision.unwrap_or(6), spec.alt),
        b'e' => exponent(v, spec.precision.unwrap_or(6), spec.alt),
        b'g' => general(v, spec.precision.unwrap_or(6), spec.alt),
        _ => return hex_float(spec, value),
    };
    let body = if upper {
        body.to_ascii_uppercase()
    } else {
        body
    };
    pad(spec, sign, &body, true)
}

fn fixed(v: f64, precision: usize, alt: bool) -> Vec<u8> {
    let mut s = format!("{v:.precision$}").into_bytes();
    if alt && precision == 0 {
        s.push(b'.');
    }
    s
}

/// `d.ddde±XX` with at least two exponent digits.
fn exponent(v: f64, precision: usize, alt: bool) -> Vec<u8> {
    let (mantissa, exp) = rust_exp(v, precision);
    let mut s = mantissa.into_bytes();
    if alt && precision == 0 {
        s.push(b'.');
    }
    s.extend_from_slice(c_exponent(exp).as_bytes());
    s
}

/// Rust's `{:.pe}` split into mantissa text and exponent value.
fn rust_exp(v: f64, precision: usize) -> (String, i32) {
    let s = format!("{v:.precision$e}");
    match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (s, 0),
    }
}

fn c_exponent(exp: i32) -> String {
    format!(
        "e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

/// `%g`: `%e` or `%f` by the exponent, trailing zeros removed unless `#`.
fn general(v: f64, precision: usize, alt: bool) -> Vec<u8> {
    let p = precision.max(1);
    let (_, x) = rust_exp(v, p - 1);
    let x = i64::from(x);
    let mut s = if x < -4 || x >= p as i64 {
        let (m, e) = rust_exp(v, p - 1);
        let mut m = m.into_bytes();
        if !alt {
            trim_zeros(&mut m);
        } else if !m.contains(&b'.') {
            m.push(b'.');
        }
        m.extend_from_slice(c_exponent(e).as_bytes());
        m
    } else {
        let decimals = (p as i64 - 1 - x).max(0) as usize;
        let mut f = format!("{v:.decimals$}").into_bytes();
        if !alt {
            trim_zeros(&mut f);
        } else if !f.contains(&b'.') {
            f.push(b'.');
        }
        f
    };
    if s.is_empty() {
        s.push(b'0');
    }
    s
}

fn trim_zeros(s: &mut Vec<u8>) {
    if s.contains(&b'.') {
        while s.last() == Some(&b'0') {
            s.pop();
        }
        if s.last() == Some(&b'.') {
            s.pop();
        }
    }
}

/// `%a`: `0x1.8p+1`; without a precision, as many hex digits as needed.
fn hex_float(spec: &Spec, value: f64) -> Vec<u8> {
    let upper = spec.conv == b'A';
    let sign = sign_prefix(spec, value.is_sign_negative());
    let bits = value.abs().to_bits();
    let raw_exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (lead, mut frac, exp) = match (raw_exp, frac) {
        (0, 0) => (0u64, 0u64, 0i64),
        (0, f) => (0, f, -1022),
        (e, f) => (1, f, e - 1023),
    };
    let mut lead = lead;
    let mut digits = 13usize;
    if let Some(p) = spec.precision.filter(|&p| p < 13) {
        // Round the 52-bit fraction to p hex digits, half to even.
        let drop = (13 - p) * 4;
        let keep = frac >> drop;
        let rest = frac & ((1u64 << drop) - 1);
        let half = 1u64 << (drop - 1);
        // The last kept digit decides ties; with no fraction digits left it is the lead.
        let last_odd = if p == 0 { lead & 1 == 1 } else { keep & 1 == 1 };
        let mut kept = keep;
        if rest > half || (rest == half && last_odd) {
            kept += 1;
        }
        // A carry out of the fraction goes into the lead digit, which glibc then prints as
        // `2` rather than renormalising.
        if p > 0 && kept >> (p * 4) != 0 || p == 0 && kept != 0 {
            lead += 1;
            kept &= (1u64 << (p * 4)) - 1;
        }
        frac = kept;
        digits = p;
    }
    let mut hex = if digits == 0 {
        String::new()
    } else {
        format!("{frac:0digits$x}")
    };
    if spec.precision.is_none() {
        while hex.ends_with('0') {
            hex.pop();
        }
    } else if let Some(p) = spec.precision.filter(|&p| p > 13) {
        hex.push_str(&"0".repeat(p - 13));
    }
    let mut body = format!("{lead}");
    if !hex.is_empty() || spec.alt {
        body.push('.');
    }
    body.push_str(&hex);
    body.push_str(&format!(
        "p{}{}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    ));
    let (prefix, body) = if upper {
        (
            [sign, b"0X"].concat(),
            body.to_ascii_uppercase().into_bytes(),
        )
    } else {
        ([sign, b"0x"].concat(), body.into_bytes())
    };
    pad(spec, &prefix, &body, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(spec: &str, v: f64) -> String {
        String::from_utf8(double(&Spec::parse(spec.as_bytes()).unwrap(), v)).unwrap()
    }

    fn i(spec: &str, v: i64) -> String {
        String::from_utf8(integer(&Spec::parse(spec.as_bytes()).unwrap(), v)).unwrap()
    }

    #[test]
    fn floats_like_glibc() {
        assert_eq!(f("%f", 27.0), "27.000000");
        assert_eq!(f("%.2f", 1.23456), "1.23");
        assert_eq!(f("%e", 12345.678), "1.234568e+04");
        assert_eq!(f("%E", 0.0), "0.000000E+00");
        assert_eq!(f("%g", 0.0001), "0.0001");
        assert_eq!(f("%g", 0.00001), "1e-05");
        assert_eq!(f("%g", 123456789.0), "1.23457e+08");
        assert_eq!(f("%g", 100.0), "100");
        assert_eq!(f("%#g", 1.0), "1.00000");
        assert_eq!(f("%08.2f", -3.5), "-0003.50");
        assert_eq!(f("%-8.1f", 2.25), "2.2     ");
        assert_eq!(f("%+f", f64::INFINITY), "+inf");
        assert_eq!(f("%f", -f64::NAN), "-nan");
        assert_eq!(f("%a", 3.0), "0x1.8p+1");
        assert_eq!(f("%a", 0.0), "0x0p+0");
        assert_eq!(f("%.1a", 1.96875), "0x2.0p+0");
        assert_eq!(f("%.0a", 1.5), "0x2p+0");
        assert_eq!(f("%.0a", 2.5), "0x1p+1");
        assert_eq!(f("%#.0a", 1.0), "0x1.p+0");
        assert_eq!(f("%a", 5e-324), "0x0.0000000000001p-1022");
        assert_eq!(f("%.3a", 1.0 / 3.0), "0x1.555p-2");
        assert_eq!(f("%A", 255.5), "0X1.FFP+7");
        assert_eq!(f("%#.0e", 3.0), "3.e+00");
        assert_eq!(f("%#.0f", 3.0), "3.");
        assert_eq!(f("%.0g", 0.5), "0.5");
        assert_eq!(f("%#.3g", 0.0), "0.00");
        assert_eq!(f("%g", 123456.0), "123456");
    }

    #[test]
    fn integers_like_glibc() {
        assert_eq!(i("%05d", 42), "00042");
        assert_eq!(i("%-5d", 42), "42   ");
        assert_eq!(i("%+d", 42), "+42");
        assert_eq!(i("%.3d", -7), "-007");
        assert_eq!(i("%.0d", 0), "");
        assert_eq!(i("%#x", 255), "0xff");
        assert_eq!(i("%#o", 8), "010");
        assert_eq!(i("%X", 0xffff_ffff), "FFFFFFFF");
        assert_eq!(i("%c", 65), "A");
        assert_eq!(i("%5.3d", 7), "  007");
    }
}
