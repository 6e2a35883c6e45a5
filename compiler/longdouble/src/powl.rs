//! glibc's `powl` on x86-64, replayed: the special cases and small integer powers of
//! sysdeps/x86_64/fpu/e_powl.S, the extra-precision logarithm of
//! sysdeps/x86/fpu/powl_helper.c, and the error handling of math/w_powl_compat.c.
//!
//! `__powl_helper` is ordinary long double arithmetic (each operation rounded to 64 bits,
//! which this crate does exactly) plus three x87 instructions: `fyl2xp1` (modelled as in
//! [`crate::math`]), `f2xm1` (taken as correctly rounded) and `fscale`. So the port below
//! follows the C line by line; only those instructions can make it differ from glibc.

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::arith::propagate_nan;
use crate::math::{f2xm1, fscale, fyl2xp1};
use crate::parse::strtold;
use crate::repr::{Class, F80};

impl F80 {
    /// `powl(self, y)`.
    pub fn pow(self, y: F80) -> F80 {
        let x = self;
        let (x_neg, y_neg) = (x.is_sign_negative(), y.is_sign_negative());
        let y_odd = is_odd_integer(y);
        match (x.class(), y.class()) {
            // pow(x, ±0) = 1, even for a quiet NaN x.
            (_, Class::Zero) if x.is_signaling() => x.quieted(),
            (_, Class::Zero) => F80::ONE,
            (Class::Nan, Class::Inf) => x.quieted(),
            (_, Class::Inf) => match x.abs().partial_cmp(&F80::ONE) {
                Some(Ordering::Equal) => F80::ONE,
                Some(Ordering::Less) if y_neg => F80::INFINITY,
                Some(Ordering::Less) => F80::ZERO,
                _ if y_neg => F80::ZERO,
                _ => F80::INFINITY,
            },
            // pow(1, NaN) = 1 unless the NaN is signalling.
            (_, Class::Nan) if x == F80::ONE && !y.is_signaling() => F80::ONE,
            (Class::Nan, _) | (_, Class::Nan) => propagate_nan(x, y),
            (Class::Inf, _) => {
                let magnitude = if y_neg { F80::ZERO } else { F80::INFINITY };
                magnitude.with_sign(x_neg && y_odd)
            }
            (Class::Zero, _) => {
                let magnitude = if y_neg { F80::INFINITY } else { F80::ZERO };
                magnitude.with_sign(x_neg && y_odd)
            }
            (Class::Finite { .. }, Class::Finite { .. }) => {
                let z = finite_pow(x, y);
                wrapper(x, y, z)
            }
        }
    }
}

/// e_powl.S for finite non-zero x and y.
fn finite_pow(x: F80, y: F80) -> F80 {
    let two_63 = F80::from_parts(false, 0x3fff + 63, 1 << 63);
    let y_abs = y.abs();
    let y = if y_abs >= two_63 {
        // Huge integers: beyond 2^78 every result over- or underflows; saturate.
        let two_78 = F80::from_parts(y.is_sign_negative(), 0x3fff + 78, 1 << 63);
        if y_abs >= two_78.abs() { two_78 } else { y }
    } else if y.trunc() == y {
        if y_abs < F80::from_i64(4) {
            return pow_by_squaring(x, y.to_i64());
        }
        y
    } else {
        // Tiny y: any finite non-zero x gives 1; saturate to keep y*log2(x) normal.
        let two_m79 = F80::from_parts(y.is_sign_negative(), 0x3fff - 79, 1 << 63);
        if y_abs < two_m79.abs() { two_m79 } else { y }
    };
    powl_helper(x, y)
}

/// e_powl.S for integer |y| < 4: after `x = 1/x` for negative y, square-and-multiply
/// over the bits of |y| with `acc = |acc| * x` and `x = |x| * x`, each rounded, taking
/// `|x|` first when |y| is even.
fn pow_by_squaring(x: F80, n: i64) -> F80 {
    let mut base = if n < 0 { F80::ONE / x } else { x };
    let mut bits = n.unsigned_abs();
    if bits & 1 == 0 {
        base = base.abs();
    }
    let mut acc = F80::ONE;
    while bits != 0 {
        if bits & 1 == 1 {
            acc = acc.abs() * base;
        }
        base = base.abs() * base;
        bits >>= 1;
    }
    acc
}

/// `__powl_helper(x, y)` for finite non-zero x and `2^-79 <= |y| <= 2^78`.
fn powl_helper(x: F80, y: F80) -> F80 {
    let c = helper_constants();
    let one = F80::ONE;
    let negate = if x.is_sign_negative() {
        let y_abs = y.abs();
        if y_abs >= F80::from_parts(false, 0x3fff + 64, 1 << 63) {
            false
        } else {
            if y_abs.trunc() != y_abs {
                // expl(y * logl(x)) of a negative x: the FPU's default NaN.
                return F80::DEFAULT_NAN;
            }
            is_odd_integer(y_abs)
        }
    } else {
        false
    };
    let x = x.abs();

    // x = x_frac * 2^x_int_exponent with x_frac in (2/3, 4/3].
    let (mut x_frac, mut x_int_exponent) = frexp(x);
    if x_frac <= c.two_thirds {
        x_frac = x_frac * F80::from_i64(2);
        x_int_exponent -= 1;
    }

    // An initial approximation to log(x_frac) from the table, and x_frac scaled by k/16
    // into (24/25, 26/25).
    let k = ((F80::from_i64(16) / x_frac) + c.half).to_i64();
    let (mut log_hi, mut log_lo) = c.log_table[(k - 12) as usize];
    let x_frac_low = if k == 16 {
        F80::ZERO
    } else {
        // Mask off the low 5 bits of x_frac so that the multiplication by k/16 is exact;
        // log2(e) * x_frac_low corrects for them at the end.
        let masked = mask_significand(x_frac, !0x1f);
        let low = (x_frac - masked) / masked;
        x_frac = masked * (F80::from_i64(k) / F80::from_i64(16));
        low
    };

    // log(x_frac) for x_frac in (24/25, 26/25): W = x_frac - 1 split into its high 16 bits
    // and the rest, power series in w_hi.
    let w = x_frac - one;
    let w_hi = mask_significand(w, 0xffff_0000_0000_0000);
    let w_lo = w - w_hi;
    let mut wp = w_hi;
    acc_split(&mut log_hi, &mut log_lo, wp);
    wp = wp * -w_hi;
    acc_split(&mut log_hi, &mut log_lo, wp / F80::from_i64(2));
    wp = wp * -w_hi;
    acc_split(&mut log_hi, &mut log_lo, wp * c.third_hi);
    acc_split(&mut log_hi, &mut log_lo, wp * c.third_lo);
    wp = wp * -w_hi;
    acc_split(&mut log_hi, &mut log_lo, wp / F80::from_i64(4));
    for i in 5..=17 {
        wp = wp * -w_hi;
        acc_split(&mut log_hi, &mut log_lo, wp / F80::from_i64(i));
    }

    // To base 2.
    let log_hi32 = mask_significand(log_hi, 0xffff_ffff_0000_0000);
    let log_lo64 = (log_hi - log_hi32) + log_lo;
    let log2_hi1 = log_hi32 * c.log2e_hi;
    let log2_lo1 = log_lo64 * c.log2e_hi + log_hi * c.log2e_lo;
    let mut log2_hi = log2_hi1 + log2_lo1;
    let mut log2_lo = (log2_hi1 - log2_hi) + log2_lo1;

    // Corrections for the masked-off parts.
    let log2_1p_w_lo = fyl2xp1(w_lo / (one + w_hi));
    acc_split(&mut log2_hi, &mut log2_lo, log2_1p_w_lo);
    acc_split(&mut log2_hi, &mut log2_lo, x_frac_low * c.log2e);

    // log2(x) = exponent + log2(x_frac).
    let exponent = F80::from_i64(x_int_exponent);
    let log2_x_hi = exponent + log2_hi;
    let log2_x_lo = ((exponent - log2_x_hi) + log2_hi) + log2_lo;

    // y * log2(x), in two parts.
    let log2_x_hi32 = mask_significand(log2_x_hi, 0xffff_ffff_0000_0000);
    let log2_x_lo64 = (log2_x_hi - log2_x_hi32) + log2_x_lo;
    let y_hi32 = mask_significand(y, 0xffff_ffff_0000_0000);
    let y_lo32 = y - y_hi32;
    let log2_res_hi = log2_x_hi32 * y_hi32;
    let log2_res_lo = log2_x_hi32 * y_lo32 + log2_x_lo64 * y;

    let log2_res_int = log2_res_hi.round();
    let mut log2_res_frac = log2_res_hi - log2_res_int + log2_res_lo;
    if log2_res_int.abs() > F80::from_i64(16500) {
        log2_res_frac = F80::ZERO;
    }
    let res = f2xm1(log2_res_frac) + one;
    let res = if negate { -res } else { res };
    fscale(res, log2_res_int)
}

/// `acc_split`: adds `x` to the double-long-double `hi + lo`.
fn acc_split(hi: &mut F80, lo: &mut F80, x: F80) {
    let thi = *hi + x;
    let tlo = (*hi - thi) + x + *lo;
    *hi = thi + tlo;
    *lo = (thi - *hi) + tlo;
}

/// `frexpl` for finite non-zero x: `x = frac * 2^e`, `0.5 <= |frac| < 1`.
fn frexp(x: F80) -> (F80, i64) {
    match x.class() {
        Class::Finite { sig, exp } => {
            (F80::from_parts(x.is_sign_negative(), 0x3ffe, sig), exp + 64)
        }
        _ => (x, 0),
    }
}

/// Clears significand bits as `GET/SET_LDOUBLE_WORDS` code does (`i0`/`i1` are the high
/// and low 32-bit halves of the significand).
fn mask_significand(x: F80, mask: u64) -> F80 {
    let (sign, exp, sig) = x.parts();
    F80::from_parts(sign, exp, sig & mask)
}

/// math/w_powl_compat.c: an infinite or zero result of finite arguments goes through
/// `__kernel_standard`, which rebuilds it: `-nan` for a negative base with a non-integer
/// exponent, otherwise ±HUGE_VAL or ±0 with the sign taken from `y` converted to
/// *double* — so an odd `y` beyond 2^53 (even as a double) gives a positive result.
fn wrapper(x: F80, y: F80, z: F80) -> F80 {
    if z.is_nan() {
        return F80::DEFAULT_NAN;
    }
    if !z.is_infinite() && !z.is_zero() {
        return z;
    }
    let two_53 = F80::from_parts(false, 0x3fff + 53, 1 << 63);
    let negative = x.is_sign_negative() && is_odd_integer(y) && y.abs() < two_53;
    let magnitude = if z.is_infinite() {
        F80::INFINITY
    } else {
        F80::ZERO
    };
    magnitude.with_sign(negative)
}

/// An odd integer (|y| < 2^64; larger values are all even).
fn is_odd_integer(y: F80) -> bool {
    match y.class() {
        Class::Finite { sig, exp } if (-63..=0).contains(&exp) => {
            let shift = -exp;
            sig & ((1u64 << shift) - 1) == 0 && (sig >> shift) & 1 == 1
        }
        _ => false,
    }
}

/// The constants of powl_helper.c, converted from their C spelling (long double hex
/// literals, which the compiler rounds to nearest like [`strtold`]).
struct HelperConstants {
    /// `powl_log_table`: high and low parts of -log(k/16) for k = 12..=24.
    log_table: [(F80, F80); 13],
    log2e_hi: F80,
    log2e_lo: F80,
    log2e: F80,
    two_thirds: F80,
    third_hi: F80,
    third_lo: F80,
    half: F80,
}

fn helper_constants() -> &'static HelperConstants {
    static CONSTANTS: OnceLock<HelperConstants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let c = |text: &str| strtold(text).value;
        const TABLE: [(&str, &str); 13] = [
            ("0x4.9a58844d36e49e1p-4", "-0x1.0522624fd558f574p-68"),
            ("0x3.527da7915b3c6de4p-4", "0x1.7d4ef4b901b99b9ep-68"),
            ("0x2.22f1d044fc8f7bc8p-4", "-0x1.8e97c071a42fc388p-68"),
            ("0x1.08598b59e3a0688ap-4", "0x3.fd9bf503372c12fcp-72"),
            ("-0x0p+0", "0x0p+0"),
            ("-0xf.85186008b15330cp-8", "0x1.9b47488a6687672cp-72"),
            ("-0x1.e27076e2af2e5e9ep-4", "-0xa.87ffe1fe9e155dcp-72"),
            ("-0x2.bfe60e14f27a791p-4", "0x1.83bebf1bdb88a032p-68"),
            ("-0x3.91fef8f353443584p-4", "-0xb.b03de5ff734495cp-72"),
            ("-0x4.59d72aeae98380e8p-4", "0xc.e0aa3be4747dc1p-72"),
            ("-0x5.1862f08717b09f4p-4", "-0x2.decdeccf1cd10578p-68"),
            ("-0x5.ce75fdaef401a738p-4", "-0x9.314feb4fbde5aaep-72"),
            ("-0x6.7cc8fb2fe612fcbp-4", "0x2.5ca2642feb779f98p-68"),
        ];
        HelperConstants {
            log_table: TABLE.map(|(hi, lo)| (c(hi), c(lo))),
            log2e_hi: c("0x1.71547652p+0"),
            log2e_lo: c("0xb.82fe1777d0ffda1p-36"),
            log2e: c("1.442695040888963407359924681001892137"), // M_LOG2El
            two_thirds: c("0x0.aaaaaaaaaaaaaaaap0"),
            third_hi: c("0x0.5555p0"),
            third_lo: c("0x0.5555555555555555p-16"),
            half: c("0.5"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> F80 {
        strtold(s).value
    }

    #[test]
    fn special_cases() {
        let nan = F80::NAN;
        assert_eq!(nan.pow(F80::ZERO).to_bits(), F80::ONE.to_bits());
        assert_eq!(F80::ONE.pow(nan).to_bits(), F80::ONE.to_bits());
        assert_eq!(n("-1").pow(F80::INFINITY).to_bits(), F80::ONE.to_bits());
        assert_eq!(n("-0").pow(n("-3")).to_bits(), F80::NEG_INFINITY.to_bits());
        assert_eq!(n("-0").pow(n("-2")).to_bits(), F80::INFINITY.to_bits());
        assert_eq!(n("-8").pow(n("0.5")).to_bits(), F80::DEFAULT_NAN.to_bits());
        assert_eq!(n("-2").pow(n("3")).to_string(), "-8");
        assert_eq!(n("-2").pow(n("-2")).to_string(), "0.25");
        // Overflow of an odd power beyond 2^53: the wrapper's double conversion makes it
        // even, so the infinity is positive.
        let odd_big = n("18014398509481985"); // 2^54 + 1
        assert!(n("-1.5").pow(odd_big).to_bits() == F80::INFINITY.to_bits());
        assert!(n("-1.5").pow(n("65537")).to_bits() == F80::NEG_INFINITY.to_bits());
    }

    #[test]
    fn exact_powers() {
        assert_eq!(n("2").pow(n("10")).to_string(), "1024");
        assert_eq!(n("10").pow(n("4")).to_string(), "10000");
        assert_eq!(n("2").pow(n("0.5")).to_string(), "1.41421356237309505");
        assert_eq!(n("4").pow(n("-0.5")).to_string(), "0.5");
    }

    #[test]
    fn the_table_has_the_published_values() {
        let c = helper_constants();
        assert!(c.log_table[4].0.is_zero() && c.log_table[4].0.is_sign_negative());
        assert_eq!(c.log2e.significand(), 0xB8AA_3B29_5C17_F0BC);
    }
}
