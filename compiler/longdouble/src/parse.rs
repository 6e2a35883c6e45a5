//! glibc `strtold`: text to `long double`, correctly rounded.
//!
//! Asterisk converts every numeric operand with `strtold(text, NULL)` (`to_number()` in
//! main/ast_expr2.y), so `0.1` must become the 80-bit value nearest to 1/10, and a
//! 40-digit operand must round exactly once. The value is computed exactly with big
//! integers (`digits * 10^k`, or `digits / 10^k` as a quotient plus a sticky remainder)
//! and rounded by the shared rounding routine, which is what glibc's
//! `____STRTOF_INTERNAL` does with GMP — except for one glibc bug we reproduce: results
//! below 2^-16382 (subnormals) can be rounded as if one bit of the exact value were 0
//! (see [`round_like_glibc`]). No Asterisk operand is that small, but the test compares
//! against glibc, and glibc is what Asterisk runs on.
//!
//! Accepted syntax, as glibc in the C locale: leading white space (`isspace`), an optional
//! sign, then a decimal number with optional `.` fraction and `e` exponent, a hexadecimal
//! number (`0x1.8p3`), `inf`/`infinity` or `nan`/`nan(chars)`, case-insensitively. Parsing
//! stops at the first byte that does not fit; the number of bytes consumed is reported
//! (0 when nothing was converted, like `endptr == nptr`).

use crate::bignum::BigUint;
use crate::repr::{EXP_BIAS, F80, ratio_bits, round_big};

/// The result of [`strtold`].
#[derive(Clone, Copy, Debug)]
pub struct Parsed {
    /// The converted value (`+0` when nothing was converted).
    pub value: F80,
    /// Bytes consumed, leading white space included (`endptr - nptr`); 0 if no number.
    pub len: usize,
    /// glibc would set `errno = ERANGE`: the value overflowed to infinity or is tiny and
    /// inexact (including underflow to zero). Asterisk treats such an operand as not a
    /// number ("Conversion of %s to number under/overflowed!").
    pub range_error: bool,
}

/// Significant decimal digits kept exactly. Every rounding boundary between two `long
/// double`s (a 65-bit odd number times a power of two no smaller than 2^-16446) has fewer
/// than 11 600 significant decimal digits, so digits beyond this only matter as "not
/// zero"; they are replaced by a single 1 digit with the same effect.
const MAX_DIGITS: usize = 12_000;

/// glibc `strtold` on a byte string (the C locale: `.` is the decimal point).
pub fn strtold(text: impl AsRef<[u8]>) -> Parsed {
    let s = text.as_ref();
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let rest = &s[i..];
    let body = if starts_with_ignore_case(rest, b"inf") {
        let len = if starts_with_ignore_case(rest, b"infinity") {
            8
        } else {
            3
        };
        Some((exact(F80::INFINITY), len))
    } else if starts_with_ignore_case(rest, b"nan") {
        Some(nan(rest))
    } else if (rest.starts_with(b"0x") || rest.starts_with(b"0X")) && hex_digits_follow(&rest[2..])
    {
        Some(hexadecimal(rest))
    } else {
        decimal(rest)
    };
    match body {
        None => Parsed {
            value: F80::ZERO,
            len: 0,
            range_error: false,
        },
        Some((parsed, len)) => Parsed {
            value: if negative {
                -parsed.value
            } else {
                parsed.value
            },
            len: i + len,
            range_error: parsed.range_error,
        },
    }
}

/// A value and its range flag, before the sign and length are attached.
struct Magnitude {
    value: F80,
    range_error: bool,
}

fn exact(value: F80) -> Magnitude {
    Magnitude {
        value,
        range_error: false,
    }
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `0x` only starts a hexadecimal number when a hex digit follows (possibly after the
/// point); otherwise glibc converts just the `0`.
fn hex_digits_follow(s: &[u8]) -> bool {
    match s {
        [c, ..] if c.is_ascii_hexdigit() => true,
        [b'.', c, ..] => c.is_ascii_hexdigit(),
        _ => false,
    }
}

/// `nan` or `nan(n-char-sequence)`. glibc reads the sequence with `strtoull(seq, &end, 0)`
/// and, when that consumes all of it, puts the low 62 bits in the payload; the quiet and
/// integer bits stay set.
fn nan(s: &[u8]) -> (Magnitude, usize) {
    let default = F80::NAN;
    if s.get(3) != Some(&b'(') {
        return (exact(default), 3);
    }
    let seq_len = s[4..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if s.get(4 + seq_len) != Some(&b')') {
        return (exact(default), 3);
    }
    let value = match strtoull_base0(&s[4..4 + seq_len]) {
        Some(payload) => {
            let (sign, exp, sig) = default.parts();
            F80::from_parts(sign, exp, sig | (payload & ((1 << 62) - 1)))
        }
        None => default,
    };
    (exact(value), 4 + seq_len + 1)
}

/// `strtoull(s, &end, 0)` when it consumes all of `s` (saturating on overflow, as
/// strtoull does), else `None`.
fn strtoull_base0(s: &[u8]) -> Option<u64> {
    let (radix, digits) = match s {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16, rest)
        }
        [b'0', rest @ ..] => (8, rest),
        _ => (10, s),
    };
    let mut value: u64 = 0;
    let mut overflow = false;
    for &c in digits {
        let d = u64::from((c as char).to_digit(radix)?);
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if s.is_empty() {
        return Some(0);
    }
    Some(if overflow { u64::MAX } else { value })
}

/// A decimal number: `digits [. digits] [e [sign] digits]`, at least one digit in the
/// mantissa.
fn decimal(s: &[u8]) -> Option<(Magnitude, usize)> {
    let mut i = 0;
    // Significant digits (leading zeros dropped) and the power of ten of the last one.
    let mut digits: Vec<u8> = Vec::new();
    let mut exp10: i64 = 0;
    let mut dropped_nonzero = false;
    let mut seen_digit = false;
    while i < s.len() && s[i].is_ascii_digit() {
        seen_digit = true;
        if digits.len() < MAX_DIGITS {
            if !(digits.is_empty() && s[i] == b'0') {
                digits.push(s[i]);
            }
        } else {
            exp10 += 1;
            dropped_nonzero |= s[i] != b'0';
        }
        i += 1;
    }
    if i < s.len() && s[i] == b'.' && (seen_digit || s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            seen_digit = true;
            if digits.len() < MAX_DIGITS {
                if !(digits.is_empty() && s[i] == b'0') {
                    digits.push(s[i]);
                }
                exp10 -= 1;
            } else {
                dropped_nonzero |= s[i] != b'0';
            }
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    if let Some((e, len)) = exponent(&s[i..], b'e') {
        exp10 = exp10.saturating_add(e);
        i += len;
    }
    if dropped_nonzero {
        digits.push(b'1');
        exp10 -= 1;
    }
    Some((decimal_value(&digits, exp10), i))
}

/// The exponent suffix introduced by `marker` (`e` or `p`, either case): consumed only
/// when at least one digit follows. Saturates far beyond any finite result.
fn exponent(s: &[u8], marker: u8) -> Option<(i64, usize)> {
    if !s.first().is_some_and(|c| c.eq_ignore_ascii_case(&marker)) {
        return None;
    }
    let mut i = 1;
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut e: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        e = (e * 10 + i64::from(s[i] - b'0')).min(1 << 40);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if negative { -e } else { e }, i))
}

/// `digits * 10^exp10`, correctly rounded.
fn decimal_value(digits: &[u8], exp10: i64) -> Magnitude {
    if digits.is_empty() {
        return exact(F80::ZERO); // no ERANGE for zero, whatever the exponent
    }
    // An integer below 10^19 fits the 64-bit significand exactly: no rounding to do.
    if exp10 >= 0 && digits.len() as i64 + exp10 <= 19 {
        let mut v: u64 = 0;
        for &d in digits {
            v = v * 10 + u64::from(d - b'0');
        }
        for _ in 0..exp10 {
            v *= 10;
        }
        return exact(F80::from_u64(v));
    }
    // Power of ten of the leading digit: the value lies in [10^lead, 10^(lead+1)).
    let lead = exp10.saturating_add(digits.len() as i64 - 1);
    if lead >= 4933 {
        // >= 1e4933 > LDBL_MAX (1.19e4932)
        return Magnitude {
            value: F80::INFINITY,
            range_error: true,
        };
    }
    if lead < -4952 {
        // < 1e-4952, below half the smallest subnormal (3.6e-4951): rounds to 0.
        return Magnitude {
            value: F80::ZERO,
            range_error: true,
        };
    }
    // glibc reads at most GLIBC_FRACTION_DIGITS digits after the point; the rest only
    // tells it "more non-zero bits follow".
    let trailing_zeros = digits.iter().rev().take_while(|&&d| d == b'0').count() as i64;
    let beyond_cap = exp10 + trailing_zeros < -GLIBC_FRACTION_DIGITS;
    let d = BigUint::from_decimal(digits);
    if exp10 >= 0 {
        // d * 10^k = d * 5^k * 2^k
        round_like_glibc(
            &d.mul(&BigUint::pow5(exp10 as u64)),
            exp10,
            false,
            beyond_cap,
        )
    } else {
        // d / 10^k = d / 5^k * 2^-k
        let k = exp10.unsigned_abs();
        let (q, exp, sticky) = ratio_bits(&d, &BigUint::pow5(k), -(k as i64));
        round_like_glibc(&q, exp, sticky, beyond_cap)
    }
}

/// `MANT_DIG - MIN_EXP + 2` in strtod_l.c: fractional digits beyond 1/4 ulp of the
/// smallest subnormal (2^-16447) are not converted, only noted as non-zero.
const GLIBC_FRACTION_DIGITS: i64 = 16_447;

/// Rounds `mag * 2^exp` (plus a sticky bit) the way glibc's `round_and_return`
/// (stdlib/strtod_l.c) does: correctly, except for subnormal results. There it holds the
/// value as a 64-bit mantissa, the next (65th) bit and "more bits" below, and when it
/// shifts the mantissa right to denormalise it forgets that 65th bit: only the bits below
/// it still count as sticky. So `0x1.0000000000000003p-16383` rounds as if it were
/// `0x1.0000000000000002p-16383`, and an inexact subnormal whose only lost bit is the
/// 65th reports no `ERANGE`. Tininess is still judged correctly.
///
/// For decimal input glibc's "more bits" also include the digits it did not convert
/// (`beyond_cap`), which hides the bug everywhere except in `[2^-16383, 2^-16382)`.
fn round_like_glibc(mag: &BigUint, exp: i64, sticky: bool, beyond_cap: bool) -> Magnitude {
    let correct = round_big(false, mag, exp, sticky);
    let bits = mag.bit_len() as i64;
    let top = exp + bits - 1;
    if top >= 1 - EXP_BIAS || bits < 65 {
        return Magnitude {
            value: correct.value,
            range_error: correct.range_error(),
        };
    }
    let (top65, below) = mag.shr_sticky((bits - 65) as u64);
    let mantissa = top65.shr(1); // the 65th bit is dropped
    let lossy = round_big(
        false,
        &mantissa,
        exp + bits - 64,
        sticky || below || beyond_cap,
    );
    Magnitude {
        value: lossy.value,
        range_error: lossy.overflow || (correct.tiny && lossy.inexact),
    }
}

/// `0x` hex digits `[. hex digits] [p [sign] decimal digits]`; the caller checked that a
/// hex digit follows the prefix.
fn hexadecimal(s: &[u8]) -> (Magnitude, usize) {
    let mut i = 2;
    let mut sig: u128 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    // 30 hex digits (117+ significant bits) are plenty for rounding to 64; further
    // digits only count as "non-zero".
    let mut kept = 0;
    let mut take = |c: u8, fraction: bool, sig: &mut u128, exp2: &mut i64, sticky: &mut bool| {
        let d = u128::from((c as char).to_digit(16).unwrap_or(0));
        if kept < 30 {
            if *sig != 0 || d != 0 {
                kept += 1;
            }
            *sig = (*sig << 4) | d;
            if fraction {
                *exp2 -= 4;
            }
        } else {
            *sticky |= d != 0;
            if !fraction {
                *exp2 += 4;
            }
        }
    };
    while i < s.len() && s[i].is_ascii_hexdigit() {
        take(s[i], false, &mut sig, &mut exp2, &mut sticky);
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            take(s[i], true, &mut sig, &mut exp2, &mut sticky);
            i += 1;
        }
    }
    if let Some((e, len)) = exponent(&s[i..], b'p') {
        exp2 = exp2.saturating_add(e);
        i += len;
    }
    if sig == 0 {
        return (exact(F80::ZERO), i);
    }
    // Keep the arithmetic in range; anything this far out is 0 or infinity anyway.
    let exp2 = exp2.clamp(-(1 << 20), 1 << 20);
    (
        round_like_glibc(&BigUint::from_u128(sig), exp2, sticky, false),
        i,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> (u16, u64) {
        let (sign, exp, sig) = strtold(s).value.parts();
        (exp | (u16::from(sign) << 15), sig)
    }

    #[test]
    fn simple_values() {
        assert_eq!(bits("1"), (0x3fff, 0x8000_0000_0000_0000));
        assert_eq!(bits("0.1"), (0x3ffb, 0xCCCC_CCCC_CCCC_CCCD));
        assert_eq!(bits("-2.5"), (0xC000, 0xA000_0000_0000_0000));
        assert_eq!(bits("1e4932"), (0x7ffe, 0xD72C_B2A9_5C7E_F6CD));
    }

    #[test]
    fn consumed_lengths() {
        for (text, len) in [
            ("  12abc", 4),
            ("1.2.3", 3),
            ("5.", 2),
            (".5", 2),
            (".", 0),
            ("-", 0),
            ("", 0),
            ("1e", 1),
            ("1e+", 1),
            ("1e-3x", 4),
            ("0x", 1),
            ("0x1p3", 5),
            ("0x.8", 4),
            ("infinityx", 8),
            ("-Inf", 4),
            ("nan(12)x", 7),
            ("nan(1", 3),
            ("\t+7", 3),
        ] {
            assert_eq!(strtold(text).len, len, "{text:?}");
        }
    }

    #[test]
    fn ties_round_to_even() {
        // 2^64 + 1 is halfway between two long doubles: goes to even (2^64).
        assert_eq!(
            strtold("18446744073709551617").value.to_bits(),
            strtold("18446744073709551616").value.to_bits()
        );
        // ...but anything above the tie rounds up, however far down the difference is.
        let above = format!("18446744073709551617.{}1", "0".repeat(20_000));
        assert_eq!(bits(&above), (0x403f, 0x8000_0000_0000_0001));
    }

    #[test]
    fn range_errors() {
        assert!(strtold("1e5000").range_error && strtold("1e5000").value.is_infinite());
        assert!(strtold("1e-5000").range_error && strtold("1e-5000").value.is_zero());
        assert!(strtold("1e-4940").range_error); // subnormal and inexact
        assert!(!strtold("0e-99999").range_error);
        // The smallest subnormal written exactly is not a range error... (2^-16445 has
        // 11 4xx significant digits, so use hex)
        assert!(!strtold("0x1p-16445").range_error);
        assert!(strtold("0x1p-16446").range_error);
    }

    #[test]
    fn glibc_forgets_the_65th_bit_of_subnormals() {
        // 65 significant bits ending in ...11, in [2^-16383, 2^-16382): the correctly
        // rounded subnormal would end in ...a1 (two bits dropped, 0b11 > half), glibc
        // treats the dropped part as 0b10 (a tie) and rounds to even.
        let p = strtold("0x1.0c5c7fd5351d2283p-16383");
        assert_eq!(p.value.to_bits(), 0x0000_43171ff54d4748a0);
        assert!(p.range_error);
        // Only the 65th bit lost: glibc sees no inexactness, so no ERANGE.
        let p = strtold("0x1.0000000000000001p-16383");
        assert_eq!(p.value.to_bits(), 0x0000_4000_0000_0000_0000);
        assert!(!p.range_error);
        // In hex the bug shows at every subnormal binade: 2^-16446 (1 + 2^-64) is just
        // above half the smallest subnormal, yet glibc rounds it to 0.
        assert!(strtold("0x1.0000000000000001p-16446").value.is_zero());
        // Normal results are correctly rounded: 2^-16382 * (1 + 2^-64) is a tie to even.
        assert_eq!(
            strtold("0x1.00000000000000008p-16382").value.to_bits(),
            0x0001_8000_0000_0000_0000
        );
    }

    #[test]
    fn nan_payloads() {
        assert_eq!(bits("nan"), (0x7fff, 0xC000_0000_0000_0000));
        assert_eq!(bits("-nan"), (0xffff, 0xC000_0000_0000_0000));
        assert_eq!(bits("nan(0x123)"), (0x7fff, 0xC000_0000_0000_0123));
        assert_eq!(bits("nan(junk)"), (0x7fff, 0xC000_0000_0000_0000));
    }
}
