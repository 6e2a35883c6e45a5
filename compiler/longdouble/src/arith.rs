//! The exactly specified operations: `+ - * /`, negation, comparisons, `fmodl`,
//! `remainderl`, `sqrtl` and integer conversions.
//!
//! Each one computes the exact result (or enough of it plus a sticky bit) with integer
//! arithmetic and rounds once through [`round`], which is what IEEE 754 requires and what
//! the x87 does with precision control set to 64 bits (the Linux default).

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

use crate::bignum::BigUint;
use crate::repr::{Class, F80, exact_value, round};

impl F80 {
    /// C's `fmodl`: `self - trunc(self / other) * other`, computed exactly; the result has
    /// the sign of `self`. `fmodl(x, 0)` and `fmodl(inf, y)` give the default NaN (`-nan`).
    pub fn fmod(self, other: F80) -> F80 {
        match (self.class(), other.class()) {
            (Class::Nan, _) | (_, Class::Nan) => propagate_nan(self, other),
            (Class::Inf, _) | (_, Class::Zero) => F80::DEFAULT_NAN,
            (Class::Zero, _) | (Class::Finite { .. }, Class::Inf) => self,
            (Class::Finite { sig: a, exp: ea }, Class::Finite { sig: b, exp: eb }) => {
                if (ea, a) < (eb, b) {
                    return self; // |self| < |other|
                }
                // Both significands are normalised, so ea >= eb and
                // |self| mod |other| = (a * 2^(ea-eb) mod b) * 2^eb.
                let r = mul_pow2_mod(a, (ea - eb) as u64, b);
                exact_value(self.is_sign_negative(), u128::from(r), eb)
            }
        }
    }

    /// C's `remainderl` (IEEE remainder): `self - n * other` with `n` the integer nearest
    /// to `self / other`, ties to even. Exact. `remainderl(x, 0)` and `remainderl(inf, y)`
    /// give the default NaN, as glibc's wrapper does.
    pub fn remainder(self, other: F80) -> F80 {
        match (self.class(), other.class()) {
            (Class::Nan, _) | (_, Class::Nan) => propagate_nan(self, other),
            (Class::Inf, _) | (_, Class::Zero) => F80::DEFAULT_NAN,
            (Class::Zero, _) | (Class::Finite { .. }, Class::Inf) => self,
            (Class::Finite { sig: a, exp: ea }, Class::Finite { sig: b, exp: eb }) => {
                let sign = self.is_sign_negative();
                if ea < eb - 1 {
                    return self; // |self| < |other| / 2: the nearest multiple is 0
                }
                if ea == eb - 1 {
                    // |other|/2 <= |self| < |other|: the candidates are 0 and |other|;
                    // on a tie 0 is the even one. In units of 2^(eb-1): self = a,
                    // other = 2b.
                    if a > b {
                        return exact_value(!sign, (u128::from(b) << 1) - u128::from(a), eb - 1);
                    }
                    return self;
                }
                // In units of 2^eb, |other| = b and |self| = a * 2^(ea-eb). Reducing modulo
                // 2b keeps the parity of the truncated quotient:
                // a * 2^(ea-eb) mod 2b = 2 * (a * 2^(ea-eb-1) mod b).
                let b128 = u128::from(b);
                let r2 = if ea == eb {
                    u128::from(a) // already below 2b, as b >= 2^63
                } else {
                    u128::from(mul_pow2_mod(a, (ea - eb - 1) as u64, b)) << 1
                };
                let (odd, r) = if r2 >= b128 {
                    (true, r2 - b128)
                } else {
                    (false, r2)
                };
                // 0 <= r < b; go to the nearer multiple of |other|, the even one on a tie.
                if r << 1 > b128 || (r << 1 == b128 && odd) {
                    exact_value(!sign, b128 - r, eb)
                } else {
                    exact_value(sign, r, eb)
                }
            }
        }
    }

    /// Correctly rounded square root (the x87 `fsqrt`). `sqrt(-0) = -0`; negative
    /// operands give the default NaN.
    pub fn sqrt(self) -> F80 {
        match self.class() {
            Class::Nan => self.quieted(),
            Class::Zero => self,
            _ if self.is_sign_negative() => F80::DEFAULT_NAN,
            Class::Inf => self,
            Class::Finite { sig, exp } => {
                // Scale to an even exponent with at least 130 bits so that the integer
                // root has 65+ bits; a non-zero remainder is the sticky bit. (An exact
                // tie is impossible: the root of a 64-bit significand is never a 65-bit
                // odd number.)
                let k = if (exp - 66) % 2 == 0 { 66 } else { 67 };
                let n = BigUint::from_u64(sig).shl(k);
                let root = n.isqrt();
                let sticky = root.mul(&root) != n;
                let root = root.to_u128().expect("root of a 131-bit number");
                round(false, root, (exp - k as i64) / 2, sticky).value
            }
        }
    }

    /// Exact conversion (every `i64` fits in 64 significand bits).
    pub fn from_i64(v: i64) -> F80 {
        exact_value(v < 0, u128::from(v.unsigned_abs()), 0)
    }

    /// Exact conversion.
    pub fn from_u64(v: u64) -> F80 {
        exact_value(false, u128::from(v), 0)
    }

    /// C's `(long long)x` on x86-64: truncation toward zero; NaN and values outside the
    /// `i64` range give `i64::MIN` (the "integer indefinite" that `fistp` stores).
    pub fn to_i64(self) -> i64 {
        match self.class() {
            Class::Zero => 0,
            Class::Nan | Class::Inf => i64::MIN,
            Class::Finite { sig, exp } => {
                if exp >= 0 {
                    return i64::MIN; // |x| >= 2^63
                }
                let magnitude = if exp <= -64 { 0 } else { sig >> -exp };
                if self.is_sign_negative() {
                    0i64.checked_sub_unsigned(magnitude).unwrap_or(i64::MIN)
                } else {
                    i64::try_from(magnitude).unwrap_or(i64::MIN)
                }
            }
        }
    }
}

/// `x * y`.
fn mul(x: F80, y: F80) -> F80 {
    let sign = x.is_sign_negative() != y.is_sign_negative();
    match (x.class(), y.class()) {
        (Class::Nan, _) | (_, Class::Nan) => propagate_nan(x, y),
        (Class::Inf, Class::Zero) | (Class::Zero, Class::Inf) => F80::DEFAULT_NAN,
        (Class::Inf, _) | (_, Class::Inf) => F80::INFINITY.with_sign(sign),
        (Class::Zero, _) | (_, Class::Zero) => F80::ZERO.with_sign(sign),
        (Class::Finite { sig: a, exp: ea }, Class::Finite { sig: b, exp: eb }) => {
            round(sign, u128::from(a) * u128::from(b), ea + eb, false).value
        }
    }
}

/// `x / y`. Division by zero gives a signed infinity (`0/0` the default NaN);
/// Asterisk never gets there because it tests for a zero divisor first.
fn div(x: F80, y: F80) -> F80 {
    let sign = x.is_sign_negative() != y.is_sign_negative();
    match (x.class(), y.class()) {
        (Class::Nan, _) | (_, Class::Nan) => propagate_nan(x, y),
        (Class::Inf, Class::Inf) | (Class::Zero, Class::Zero) => F80::DEFAULT_NAN,
        (Class::Inf, _) | (_, Class::Zero) => F80::INFINITY.with_sign(sign),
        (Class::Zero, _) | (_, Class::Inf) => F80::ZERO.with_sign(sign),
        (Class::Finite { sig: a, exp: ea }, Class::Finite { sig: b, exp: eb }) => {
            // (a << 64) / b has 64 or 65 bits; two more quotient bits by long division
            // give at least 66, and the final remainder is the sticky bit.
            let num = u128::from(a) << 64;
            let (b, q1, r1) = (u128::from(b), num / u128::from(b), num % u128::from(b));
            let (q2, r2) = ((r1 << 2) / b, (r1 << 2) % b);
            round(sign, (q1 << 2) | q2, ea - eb - 66, r2 != 0).value
        }
    }
}

/// `x + (y with sign bit y_sign)`: `+` and `-` in one.
fn add_signed(x: F80, y: F80, y_sign: bool) -> F80 {
    let x_sign = x.is_sign_negative();
    match (x.class(), y.class()) {
        (Class::Nan, _) | (_, Class::Nan) => propagate_nan(x, y),
        (Class::Inf, Class::Inf) if x_sign != y_sign => F80::DEFAULT_NAN,
        (Class::Inf, _) => x,
        (_, Class::Inf) => y.with_sign(y_sign),
        // -0 + -0 is -0; any other exact zero sum is +0 when rounding to nearest.
        (Class::Zero, Class::Zero) => F80::ZERO.with_sign(x_sign && y_sign),
        (Class::Zero, _) => y.with_sign(y_sign),
        (_, Class::Zero) => x,
        (Class::Finite { sig: a, exp: ea }, Class::Finite { sig: b, exp: eb }) => {
            // Order by magnitude; normalised significands make (exp, sig) order it.
            let ((big, big_exp, big_sign), (small, small_exp, small_sign)) = if (ea, a) >= (eb, b) {
                ((a, ea, x_sign), (b, eb, y_sign))
            } else {
                ((b, eb, y_sign), (a, ea, x_sign))
            };
            // Align in a u128 with 62 guard bits below the larger operand. Bits of the
            // smaller one that fall off are jammed into the lowest bit (sticky): with that
            // many guard bits this never changes the rounding, even after cancellation
            // (which only happens when the exponents are close and nothing falls off).
            let big_m = u128::from(big) << 62;
            let d = (big_exp - small_exp) as u64;
            let small_full = u128::from(small) << 62;
            let small_m = if d == 0 {
                small_full
            } else if d >= 127 {
                1
            } else {
                (small_full >> d) | u128::from(small_full & ((1u128 << d) - 1) != 0)
            };
            let sum = if big_sign == small_sign {
                big_m + small_m
            } else {
                big_m - small_m
            };
            if sum == 0 {
                return F80::ZERO;
            }
            round(big_sign, sum, big_exp - 62, false).value
        }
    }
}

/// `a * 2^k mod m` for 64-bit `a` and `m`, by square-and-multiply on the power of two.
fn mul_pow2_mod(a: u64, k: u64, m: u64) -> u64 {
    let m128 = u128::from(m);
    let mut result = u128::from(a) % m128;
    let mut base = 2u128 % m128;
    let mut k = k;
    while k != 0 {
        if k & 1 == 1 {
            result = result * base % m128;
        }
        base = base * base % m128;
        k >>= 1;
    }
    result as u64
}

/// The NaN an x87 arithmetic instruction returns when an operand is a NaN (Intel SDM
/// vol. 1, table 4-7): a quiet NaN beats a signalling one, otherwise the larger
/// significand wins, and on a tie the positive one. The result is quieted.
pub(crate) fn propagate_nan(a: F80, b: F80) -> F80 {
    match (a.is_nan(), b.is_nan()) {
        (true, false) => a.quieted(),
        (false, true) => b.quieted(),
        _ => {
            let pick_a = match (a.is_signaling(), b.is_signaling()) {
                (false, true) => true,
                (true, false) => false,
                _ => match a.significand().cmp(&b.significand()) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal => !a.is_sign_negative(),
                },
            };
            if pick_a { a.quieted() } else { b.quieted() }
        }
    }
}

/// C comparison semantics: NaN is unordered (every `<`, `==`, `>` is false, `!=` true)
/// and `-0 == +0`.
impl PartialEq for F80 {
    fn eq(&self, other: &F80) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for F80 {
    fn partial_cmp(&self, other: &F80) -> Option<Ordering> {
        let key = |x: &F80| -> Option<(i8, i64, u64)> {
            // Magnitude key: zero < finite (by exponent, significand) < infinity.
            Some(match x.class() {
                Class::Nan => return None,
                Class::Zero => (0, 0, 0),
                Class::Finite { sig, exp } => (1, exp, sig),
                Class::Inf => (2, 0, 0),
            })
        };
        let (ka, kb) = (key(self)?, key(other)?);
        if ka.0 == 0 && kb.0 == 0 {
            return Some(Ordering::Equal);
        }
        let (sa, sb) = (self.is_sign_negative(), other.is_sign_negative());
        Some(match (sa, sb) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => ka.cmp(&kb),
            (true, true) => kb.cmp(&ka),
        })
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $f:expr, $doc:literal) => {
        #[doc = $doc]
        impl $trait for F80 {
            type Output = F80;
            fn $method(self, rhs: F80) -> F80 {
                $f(self, rhs)
            }
        }
    };
}

binary_operator!(
    Add,
    add,
    |x, y: F80| add_signed(x, y, y.is_sign_negative()),
    "`x + y`, correctly rounded."
);
binary_operator!(
    Sub,
    sub,
    |x, y: F80| add_signed(x, y, !y.is_sign_negative()),
    "`x - y`, correctly rounded."
);
binary_operator!(Mul, mul, mul, "`x * y`, correctly rounded.");
binary_operator!(
    Div,
    div,
    div,
    "`x / y`, correctly rounded; `x / 0` is a signed infinity, `0/0` the default NaN."
);
binary_operator!(
    Rem,
    rem,
    F80::fmod,
    "`x % y` is C's `fmodl`, as Rust's `%` on `f64` is `fmod`."
);

/// `-x` flips the sign bit, NaNs included (the x87 `fchs`), so `-0` prints `-0`.
impl Neg for F80 {
    type Output = F80;
    fn neg(self) -> F80 {
        self.with_sign(!self.is_sign_negative())
    }
}

impl From<i64> for F80 {
    fn from(v: i64) -> F80 {
        F80::from_i64(v)
    }
}

impl From<u64> for F80 {
    fn from(v: u64) -> F80 {
        F80::from_u64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: i64) -> F80 {
        F80::from_i64(v)
    }

    #[test]
    fn exact_small_integer_arithmetic() {
        assert_eq!(n(2) + n(2), n(4));
        assert_eq!(n(2) - n(4), n(-2));
        assert_eq!(n(-3) * n(-3), n(9));
        assert_eq!(n(10) / n(4), n(5) / n(2));
        assert_eq!((n(7) % n(3)).to_i64(), 1);
        assert_eq!((n(-7) % n(3)).to_i64(), -1);
        assert_eq!((n(7) % n(-3)).to_i64(), 1);
    }

    #[test]
    fn signed_zeros() {
        assert!((n(0) - n(0)).to_bits() == F80::ZERO.to_bits());
        assert!((-n(0)).is_sign_negative());
        assert!((F80::NEG_ZERO + F80::NEG_ZERO).is_sign_negative());
        assert!(!(F80::NEG_ZERO + F80::ZERO).is_sign_negative());
        assert!((n(3) - n(3)).to_bits() == F80::ZERO.to_bits());
        assert!((F80::NEG_ZERO * n(5)).is_sign_negative());
        assert_eq!(F80::NEG_ZERO, F80::ZERO);
        // fmod keeps the dividend's sign even for a zero result.
        assert!((n(-6) % n(3)).is_sign_negative());
        assert!(F80::NEG_ZERO.sqrt().is_sign_negative());
    }

    #[test]
    fn invalid_operations_give_the_default_nan() {
        for v in [
            F80::ZERO / F80::ZERO,
            F80::INFINITY - F80::INFINITY,
            F80::INFINITY * F80::ZERO,
            n(-1).sqrt(),
            n(1) % F80::ZERO,
            F80::INFINITY % n(1),
            n(1).remainder(F80::ZERO),
        ] {
            assert_eq!(v.to_bits(), F80::DEFAULT_NAN.to_bits(), "{v:?}");
        }
        assert_eq!((n(1) / F80::ZERO).to_bits(), F80::INFINITY.to_bits());
        assert_eq!((n(-1) / F80::ZERO).to_bits(), F80::NEG_INFINITY.to_bits());
    }

    #[test]
    fn nan_comparisons_are_false() {
        let nan = F80::NAN;
        assert!(nan != nan);
        assert_eq!(nan.partial_cmp(&n(1)), None);
        assert!(nan != n(1));
        assert!(n(1) < n(2) && n(-2) < n(-1) && F80::NEG_INFINITY < n(-1));
    }

    #[test]
    fn nan_propagation_follows_the_fpu() {
        let a = F80::from_parts(false, 0x7fff, 0xC000_0000_0000_0005);
        let b = F80::from_parts(true, 0x7fff, 0xC000_0000_0000_0007);
        assert_eq!((a + b).to_bits(), b.to_bits());
        assert_eq!((b * a).to_bits(), b.to_bits());
        // Equal significands: the positive one.
        assert_eq!((F80::DEFAULT_NAN + F80::NAN).to_bits(), F80::NAN.to_bits());
        // A signalling NaN comes out quiet.
        let s = F80::from_parts(false, 0x7fff, 0x8000_0000_0000_0003);
        assert_eq!((s + n(1)).significand(), 0xC000_0000_0000_0003);
    }

    #[test]
    fn subnormal_arithmetic() {
        let tiny = F80::from_parts(false, 0, 1); // 2^-16445
        assert_eq!(
            (tiny + tiny).to_bits(),
            F80::from_parts(false, 0, 2).to_bits()
        );
        // Halving the smallest subnormal is a tie with zero: rounds to even (zero).
        assert!((tiny / n(2)).is_zero());
        assert_eq!(
            (tiny * n(3) / n(2)).to_bits(),
            F80::from_parts(false, 0, 2).to_bits()
        );
        assert_eq!(
            (F80::MIN_POSITIVE - tiny).to_bits(),
            F80::from_parts(false, 0, u64::MAX >> 1).to_bits()
        );
    }

    #[test]
    fn overflow_gives_infinity() {
        assert!((F80::MAX + F80::MAX).is_infinite());
        assert!((F80::MAX * n(-2)).is_infinite());
        // MAX + half an ulp of MAX is a tie that rounds up to infinity; a quarter does not.
        let half_ulp = F80::from_parts(false, 0x7ffe - 64, 1 << 63);
        assert!((F80::MAX + half_ulp).is_infinite());
        let quarter_ulp = F80::from_parts(false, 0x7ffe - 65, 1 << 63);
        assert_eq!((F80::MAX + quarter_ulp).to_bits(), F80::MAX.to_bits());
    }

    #[test]
    fn remainder_ties_to_even() {
        assert_eq!(n(13).remainder(n(3)), n(1));
        assert_eq!(n(10).remainder(n(4)), n(2)); // 2.5 -> 2, 10 - 8
        assert_eq!(n(14).remainder(n(4)), n(-2)); // 3.5 -> 4, 14 - 16
        assert_eq!(n(-14).remainder(n(4)), n(2));
        assert!(n(-8).remainder(n(4)).is_sign_negative());
    }

    #[test]
    fn sqrt_is_exact_for_squares() {
        assert_eq!(n(16).sqrt(), n(4));
        assert_eq!(n(1 << 62).sqrt(), n(1 << 31));
        let two = n(2).sqrt();
        assert_eq!(two.to_bits() >> 64, 0x3fff);
        assert_eq!(two.significand(), 0xB504_F333_F9DE_6484);
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(F80::from_i64(i64::MIN).to_i64(), i64::MIN);
        assert_eq!(F80::from_i64(i64::MAX).to_i64(), i64::MAX);
        assert_eq!((n(7) / n(2)).to_i64(), 3);
        assert_eq!((n(-7) / n(2)).to_i64(), -3);
        assert_eq!(F80::from_u64(u64::MAX).to_i64(), i64::MIN);
        assert_eq!(F80::NAN.to_i64(), i64::MIN);
    }
}
