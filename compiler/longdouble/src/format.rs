//! glibc `printf("%.<p>Lg")`, the form in which Asterisk prints every numeric result
//! (`FP___PRINTF` is `"%.18Lg"` in main/ast_expr2.y).
//!
//! glibc's `__printf_fp` works on the exact binary value and rounds the decimal digits in
//! the current rounding mode, i.e. half to even on the *exact* value. So do we: the
//! leading digits are `floor(x * 10^s)` computed with big integers, and the remainder
//! decides the rounding. `%g` then picks the style from the exponent `X` of the rounded
//! `%e` form: `%e` when `X < -4` or `X >= p`, `%f` otherwise, and strips trailing zeros.

use std::fmt;

use crate::bignum::BigUint;
use crate::repr::{Class, F80};

impl F80 {
    /// `printf("%.<precision>Lg", self)` as glibc prints it (precision 0 means 1).
    pub fn format_g(self, precision: usize) -> String {
        let p = precision.max(1);
        let sign = if self.is_sign_negative() { "-" } else { "" };
        let (sig, exp) = match self.class() {
            Class::Nan => return format!("{sign}nan"),
            Class::Inf => return format!("{sign}inf"),
            Class::Zero => return format!("{sign}0"),
            Class::Finite { sig, exp } => (sig, exp),
        };
        if let Some(v) = small_integer(sig, exp).filter(|&v| p <= 38 && v < 10u128.pow(p as u32)) {
            // An integer with at most `p` digits prints as itself: `%f` style, and the
            // fraction, all zeros, is stripped. No big numbers needed.
            return format!("{sign}{v}");
        }
        let (digits, x) = decimal_digits(sig, exp, p);
        let body = if x < -4 || x >= p as i64 {
            let mantissa = strip_fraction_zeros(format!("{}.{}", &digits[..1], &digits[1..]));
            let exp_sign = if x < 0 { '-' } else { '+' };
            format!("{mantissa}e{exp_sign}{:02}", x.unsigned_abs())
        } else if x >= 0 {
            let (int, frac) = digits.split_at(x as usize + 1);
            strip_fraction_zeros(format!("{int}.{frac}"))
        } else {
            let zeros = "0".repeat((-x - 1) as usize);
            strip_fraction_zeros(format!("0.{zeros}{digits}"))
        };
        format!("{sign}{body}")
    }
}

/// `%.18Lg`, exactly what Asterisk's `$[...]` prints for a number.
impl fmt::Display for F80 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_g(18))
    }
}

/// `sig * 2^exp` when it is an integer below 2^127.
fn small_integer(sig: u64, exp: i64) -> Option<u128> {
    if (0..64).contains(&exp) {
        Some(u128::from(sig) << exp)
    } else if (-63..0).contains(&exp) {
        let shift = (-exp) as u32;
        (sig & ((1u64 << shift) - 1) == 0).then(|| u128::from(sig >> shift))
    } else {
        None
    }
}

/// `%g` without `#` drops trailing zeros of the fraction, and the point if nothing is left.
fn strip_fraction_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The first `p` significant decimal digits of `sig * 2^exp`, rounded half to even on
/// the exact value, and the decimal exponent `X` of the first digit (after rounding).
fn decimal_digits(sig: u64, exp: i64, p: usize) -> (String, i64) {
    let p_i = p as i64;
    // The value lies in [2^(b-1), 2^b); floor((b-1) * log10(2)) is X or X-1 (78913/2^18
    // slightly underestimates log10(2)). The loop below corrects the estimate.
    let b = 64 + exp;
    let mut x = ((b - 1) * 78913).div_euclid(1 << 18);
    let ten_p = BigUint::pow(10, p as u64);
    loop {
        let (q, cmp_half) = scaled_floor(sig, exp, p_i - 1 - x);
        if q >= ten_p {
            x += 1;
            continue;
        }
        if q < BigUint::pow(10, p as u64 - 1) {
            x -= 1;
            continue;
        }
        let round_up = match cmp_half {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => q.is_odd(),
            std::cmp::Ordering::Less => false,
        };
        let q = if round_up { q.add_small(1) } else { q };
        if q == ten_p {
            // 9.99..9|5 rounded up to 10.00..0: one more digit before the point.
            return (format!("1{}", "0".repeat(p - 1)), x + 1);
        }
        return (q.to_decimal(), x);
    }
}

/// `floor(sig * 2^exp * 10^s)` and how the discarded fraction compares with one half.
fn scaled_floor(sig: u64, exp: i64, s: i64) -> (BigUint, std::cmp::Ordering) {
    // sig * 2^exp * 10^s = sig * 5^s * 2^(exp+s), as a fraction num / den.
    let mut num = BigUint::from_u64(sig);
    let mut den = BigUint::from_u64(1);
    if s >= 0 {
        num = num.mul(&BigUint::pow5(s as u64));
    } else {
        den = BigUint::pow5(s.unsigned_abs());
    }
    let e2 = exp + s;
    if e2 >= 0 {
        num = num.shl(e2 as u64);
    } else {
        den = den.shl(e2.unsigned_abs());
    }
    let (q, r) = num.divrem(&den);
    (q, r.shl(1).cmp(&den))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strtold;

    fn g(s: &str) -> String {
        strtold(s).value.to_string()
    }

    #[test]
    fn asterisk_examples() {
        // (Asterisk prints a lone operand as its text; as a number 0.000001 is "1e-06".)
        assert_eq!(g("0.000001"), "1e-06");
        assert_eq!(g("99999999999999999999"), "1e+20");
        assert_eq!(
            g("123456789012345678901234567890"),
            "1.23456789012345679e+29"
        );
        assert_eq!(g("2.5"), "2.5");
        assert_eq!(g("-0"), "-0");
        assert_eq!(g("100000000000000000"), "100000000000000000");
        assert_eq!(g("1000000000000000000"), "1e+18");
        assert_eq!(g("0.0001"), "0.0001");
        assert_eq!(g("0.00001"), "1e-05");
    }

    #[test]
    fn specials() {
        assert_eq!(F80::INFINITY.to_string(), "inf");
        assert_eq!(F80::NEG_INFINITY.to_string(), "-inf");
        assert_eq!(F80::NAN.to_string(), "nan");
        assert_eq!(F80::DEFAULT_NAN.to_string(), "-nan");
        assert_eq!(F80::NEG_ZERO.to_string(), "-0");
        assert_eq!(F80::ZERO.format_g(0), "0");
    }

    #[test]
    fn extremes() {
        assert_eq!(F80::MAX.to_string(), "1.18973149535723177e+4932");
        assert_eq!(F80::MIN_POSITIVE.to_string(), "3.36210314311209351e-4932");
        // 2^-16445 = 3.64519953188247460|25... -> the trailing 0 is stripped.
        assert_eq!(
            F80::from_parts(false, 0, 1).to_string(),
            "3.6451995318824746e-4951"
        );
    }

    #[test]
    fn digit_ties_round_half_even() {
        // 9223372036854775805 is exact; its 19th digit is a 5 with nothing after it.
        assert_eq!(g("9223372036854775805"), "9.2233720368547758e+18");
        assert_eq!(g("9223372036854775815"), "9.22337203685477582e+18");
        // Precision 1: 0.5 -> "0.5", 2.5 -> "2" (tie to even), 3.5 -> "4".
        assert_eq!(strtold("2.5").value.format_g(1), "2");
        assert_eq!(strtold("3.5").value.format_g(1), "4");
        assert_eq!(strtold("9.5").value.format_g(1), "1e+01");
    }
}
