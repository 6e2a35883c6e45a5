//! The x87 extended format and the one rounding routine every operation goes through.
//!
//! Layout (Intel SDM vol. 1, 4.2.2): 1 sign bit, a 15-bit exponent biased by 16383 and a
//! 64-bit significand whose top bit is the integer bit, stored explicitly. Exponent 0 holds
//! zeros and subnormals (integer bit clear), exponent 0x7fff infinities (significand
//! `0x8000_0000_0000_0000`) and NaNs (quiet when bit 62 is set).

use std::fmt;

use crate::bignum::BigUint;

pub(crate) const EXP_BIAS: i64 = 16383;
pub(crate) const EXP_INF: u16 = 0x7fff;
const INT_BIT: u64 = 1 << 63;
const QUIET_BIT: u64 = 1 << 62;
/// Weight of the significand's lowest bit in subnormals and in the smallest binade:
/// `2^(1 - 16383 - 63)`, so the smallest positive value is `2^-16445`.
pub(crate) const MIN_LSB_EXP: i64 = 1 - EXP_BIAS - 63;

/// An x87 80-bit extended-precision value, the C `long double` of x86-64.
///
/// Arithmetic and comparisons follow the hardware with the default control word
/// (64-bit precision, round to nearest even); see the crate documentation.
#[derive(Clone, Copy)]
pub struct F80 {
    sign: bool,
    /// Biased exponent, 15 bits.
    exp: u16,
    /// Significand including the explicit integer bit.
    sig: u64,
}

/// A value taken apart for computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Zero,
    /// `sig * 2^exp`, with `sig`'s top bit set (subnormals are normalised here).
    Finite {
        sig: u64,
        exp: i64,
    },
    Inf,
    Nan,
}

impl F80 {
    pub const ZERO: F80 = F80::from_parts(false, 0, 0);
    pub const NEG_ZERO: F80 = F80::from_parts(true, 0, 0);
    pub const ONE: F80 = F80::from_parts(false, 16383, INT_BIT);
    pub const INFINITY: F80 = F80::from_parts(false, EXP_INF, INT_BIT);
    pub const NEG_INFINITY: F80 = F80::from_parts(true, EXP_INF, INT_BIT);
    /// The quiet NaN `strtold("nan")` and C's `NAN` give (printed `nan`).
    pub const NAN: F80 = F80::from_parts(false, EXP_INF, INT_BIT | QUIET_BIT);
    /// The "real indefinite" NaN the FPU produces for invalid operations such as `0/0`,
    /// `inf - inf` or `sqrtl(-1)`: the sign bit is set, so glibc prints it `-nan`.
    pub const DEFAULT_NAN: F80 = F80::from_parts(true, EXP_INF, INT_BIT | QUIET_BIT);
    /// The largest finite value, about `1.18973149535723177e+4932`.
    pub const MAX: F80 = F80::from_parts(false, EXP_INF - 1, u64::MAX);
    /// The smallest positive normal value, `2^-16382`.
    pub const MIN_POSITIVE: F80 = F80::from_parts(false, 1, INT_BIT);

    /// Builds a value from its fields: `exp` is the 15-bit biased exponent (higher bits are
    /// ignored), `significand` includes the explicit integer bit.
    pub const fn from_parts(sign: bool, exp: u16, significand: u64) -> F80 {
        F80 {
            sign,
            exp: exp & 0x7fff,
            sig: significand,
        }
    }

    /// Sign, biased exponent and significand.
    pub const fn parts(self) -> (bool, u16, u64) {
        (self.sign, self.exp, self.sig)
    }

    /// The 80 bits as the hardware stores them, in the low bits of a `u128`.
    pub const fn to_bits(self) -> u128 {
        ((self.sign as u128) << 79) | ((self.exp as u128) << 64) | self.sig as u128
    }

    /// Inverse of [`F80::to_bits`]; bits above 80 are ignored.
    pub const fn from_bits(bits: u128) -> F80 {
        F80::from_parts((bits >> 79) & 1 == 1, (bits >> 64) as u16, bits as u64)
    }

    /// The 10 bytes of the value in memory (little-endian), as `memcpy` from a
    /// `long double` gives them.
    pub fn to_le_bytes(self) -> [u8; 10] {
        let mut out = [0u8; 10];
        out.copy_from_slice(&self.to_bits().to_le_bytes()[..10]);
        out
    }

    pub fn from_le_bytes(bytes: [u8; 10]) -> F80 {
        let mut wide = [0u8; 16];
        wide[..10].copy_from_slice(&bytes);
        F80::from_bits(u128::from_le_bytes(wide))
    }

    pub fn is_nan(self) -> bool {
        self.class() == Class::Nan
    }

    pub fn is_infinite(self) -> bool {
        self.class() == Class::Inf
    }

    pub fn is_finite(self) -> bool {
        matches!(self.class(), Class::Zero | Class::Finite { .. })
    }

    /// True for `+0` and `-0`.
    pub fn is_zero(self) -> bool {
        self.class() == Class::Zero
    }

    /// The sign bit (also meaningful for zeros and NaNs).
    pub fn is_sign_negative(self) -> bool {
        self.sign
    }

    /// Same value with the sign bit cleared (`fabsl`).
    pub fn abs(self) -> F80 {
        F80 {
            sign: false,
            ..self
        }
    }

    /// Same value with the given sign bit.
    pub(crate) fn with_sign(self, sign: bool) -> F80 {
        F80 { sign, ..self }
    }

    /// The NaN with its quiet bit set, as the FPU passes a NaN operand through.
    pub(crate) fn quieted(self) -> F80 {
        F80 {
            sig: self.sig | QUIET_BIT,
            ..self
        }
    }

    /// `self * 2^k`, rounded (only subnormal results lose bits), like `fscale`/`ldexpl`.
    pub(crate) fn scale2(self, k: i64) -> F80 {
        match self.class() {
            Class::Finite { sig, exp } => {
                round(self.sign, u128::from(sig), exp.saturating_add(k), false).value
            }
            Class::Nan => self.quieted(),
            _ => self,
        }
    }

    pub(crate) fn class(self) -> Class {
        match (self.exp, self.sig) {
            (0, 0) => Class::Zero,
            // Subnormal (or pseudo-denormal, which the FPU reads the same way).
            (0, sig) => Class::Finite {
                sig: sig << sig.leading_zeros(),
                exp: MIN_LSB_EXP - i64::from(sig.leading_zeros()),
            },
            (EXP_INF, INT_BIT) => Class::Inf,
            // NaNs, and the pseudo-infinities/pseudo-NaNs the FPU rejects as invalid.
            (EXP_INF, _) => Class::Nan,
            // Unnormals (integer bit clear) are invalid operands too.
            (_, sig) if sig & INT_BIT == 0 => Class::Nan,
            (exp, sig) => Class::Finite {
                sig,
                exp: i64::from(exp) - EXP_BIAS - 63,
            },
        }
    }

    /// A signalling NaN: quiet bit clear (only possible through `from_bits`/`from_parts`).
    pub(crate) fn is_signaling(self) -> bool {
        self.is_nan() && self.sig & QUIET_BIT == 0
    }

    pub(crate) fn significand(self) -> u64 {
        self.sig
    }
}

impl fmt::Debug for F80 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "F80({self} = {:04x}:{:016x})",
            self.to_bits() >> 64,
            self.sig
        )
    }
}

/// What rounding did, for callers that report it (strtold's `ERANGE`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rounded {
    pub value: F80,
    /// The result differs from the exact value.
    pub inexact: bool,
    /// Tininess after rounding (the x86 rule): rounded to 64 bits with an unbounded
    /// exponent, the magnitude would still be below `2^-16382`.
    pub tiny: bool,
    pub overflow: bool,
}

impl Rounded {
    /// glibc's strtold sets `ERANGE` on overflow and on inexact tiny results.
    pub fn range_error(self) -> bool {
        self.overflow || (self.tiny && self.inexact)
    }
}

/// Rounds `sig * 2^exp` (plus a positive amount smaller than one unit of `sig`'s last
/// bit when `sticky`) to nearest-even, producing subnormals, zeros and infinities as the
/// FPU does. This is the single place where precision is lost, so every operation built
/// on it is correctly rounded as long as it passes an exact `sig` and honest `sticky`.
///
/// The sticky part must lie below the rounding bit; callers guarantee that by passing at
/// least 65 significant bits with it (or a subnormal result, whose rounding bit is higher).
pub(crate) fn round(sign: bool, sig: u128, exp: i64, sticky: bool) -> Rounded {
    if sig == 0 {
        debug_assert!(!sticky, "sticky bits without a significand");
        return exact(F80::from_parts(sign, 0, 0));
    }
    let top = exp + i64::from(127 - sig.leading_zeros());
    // The result keeps bits down to 2^lsb: 64 bits below the leading one, but never below
    // the subnormal grid.
    let lsb = (top - 63).max(MIN_LSB_EXP);
    let (mut m, round_bit, rest) = split(sig, lsb - exp, sticky);
    let inexact = round_bit || rest;
    if round_bit && (rest || m & 1 == 1) {
        m += 1;
    }
    let tiny = {
        // Tininess is judged on the value rounded to 64 bits as if the exponent range
        // were unbounded.
        let (mu, rb, rest) = split(sig, top - 63 - exp, sticky);
        let carried = rb && (rest || mu & 1 == 1) && mu + 1 == 1 << 64;
        top + i64::from(carried) < 1 - EXP_BIAS
    };
    let mut lsb = lsb;
    if m == 1 << 64 {
        m >>= 1;
        lsb += 1;
    }
    let m = m as u64;
    let biased = if m & INT_BIT != 0 {
        lsb + 63 + EXP_BIAS
    } else {
        0
    };
    if biased >= i64::from(EXP_INF) {
        return Rounded {
            value: F80::from_parts(sign, EXP_INF, INT_BIT),
            inexact: true,
            tiny: false,
            overflow: true,
        };
    }
    Rounded {
        value: F80::from_parts(sign, biased as u16, m),
        inexact,
        tiny,
        overflow: false,
    }
}

/// `sig >> shift` (or `<<` for a negative shift), the first bit shifted out, and whether
/// anything non-zero lies below it.
fn split(sig: u128, shift: i64, sticky: bool) -> (u128, bool, bool) {
    if shift <= 0 {
        // Nothing is shifted out; a sticky part is below the last kept bit.
        return (sig << -shift, false, sticky);
    }
    if shift > 128 {
        return (0, false, true);
    }
    let kept = if shift == 128 { 0 } else { sig >> shift };
    let round_bit = (sig >> (shift - 1)) & 1 == 1;
    let below = if shift == 1 {
        0
    } else {
        sig & ((1u128 << (shift - 1)) - 1)
    };
    (kept, round_bit, below != 0 || sticky)
}

fn exact(value: F80) -> Rounded {
    Rounded {
        value,
        inexact: false,
        tiny: false,
        overflow: false,
    }
}

/// [`round`] for a big significand: keeps the top 128 bits and folds the rest into the
/// sticky bit.
pub(crate) fn round_big(sign: bool, mag: &BigUint, exp: i64, sticky: bool) -> Rounded {
    let excess = mag.bit_len().saturating_sub(128);
    let (top, lost) = mag.shr_sticky(excess);
    let top = top.to_u128().expect("at most 128 bits are left");
    round(sign, top, exp + excess as i64, sticky || lost)
}

/// `num / den * 2^exp` as `q * 2^e` plus a sticky bit, with `q` of at least 66 bits.
pub(crate) fn ratio_bits(num: &BigUint, den: &BigUint, exp: i64) -> (BigUint, i64, bool) {
    // Scale the numerator so that the quotient has at least 66 bits; the remainder then
    // only contributes a sticky bit.
    let shift = (66 + den.bit_len() as i64 - num.bit_len() as i64 + 1).max(0) as u64;
    let (q, r) = num.shl(shift).divrem(den);
    (q, exp - shift as i64, !r.is_zero())
}

/// The exactly representable value `sig * 2^exp` with the given sign (no rounding needed
/// or wanted; used for results known to be exact).
pub(crate) fn exact_value(sign: bool, sig: u128, exp: i64) -> F80 {
    round(sign, sig, exp, false).value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        assert_eq!(F80::ZERO.class(), Class::Zero);
        assert_eq!(
            F80::ONE.class(),
            Class::Finite {
                sig: INT_BIT,
                exp: -63
            }
        );
        // The smallest subnormal is 2^-16445.
        assert_eq!(
            F80::from_parts(false, 0, 1).class(),
            Class::Finite {
                sig: INT_BIT,
                exp: -16445 - 63
            }
        );
        assert_eq!(F80::INFINITY.class(), Class::Inf);
        assert_eq!(F80::NAN.class(), Class::Nan);
        // An unnormal is an invalid operand.
        assert_eq!(F80::from_parts(false, 5, 1).class(), Class::Nan);
    }

    #[test]
    fn rounding_ties_to_even() {
        // 2^64 + 1 needs 65 bits: a tie between 2^64 and 2^64 + 2, goes to the even 2^64.
        let r = round(false, (1 << 64) + 1, 0, false);
        assert_eq!(r.value.parts(), (false, 16383 + 64, INT_BIT));
        assert!(r.inexact);
        // 2^64 + 3 is a tie between 2^64 + 2 and 2^64 + 4; the even significand is ...+4.
        let r = round(false, (1 << 64) + 3, 0, false);
        assert_eq!(r.value.parts(), (false, 16383 + 64, INT_BIT + 2));
        // A sticky bit breaks the tie upwards.
        let r = round(false, ((1 << 64) + 1) << 2, -2, true);
        assert_eq!(r.value.parts(), (false, 16383 + 64, INT_BIT + 1));
    }

    #[test]
    fn rounding_carries_into_the_exponent() {
        let r = round(false, u128::from(u64::MAX) << 1 | 1, 0, false);
        assert_eq!(r.value.parts(), (false, 16383 + 65, INT_BIT));
    }

    #[test]
    fn subnormals_and_underflow() {
        // Exactly the smallest subnormal.
        let r = round(false, 1, -16445, false);
        assert_eq!(r.value.parts(), (false, 0, 1));
        assert!(r.tiny && !r.inexact && !r.range_error());
        // Half of it is a tie with zero: rounds to even (zero) and underflows.
        let r = round(true, 1, -16446, false);
        assert_eq!(r.value.parts(), (true, 0, 0));
        assert!(r.range_error());
        // Three quarters rounds up to the smallest subnormal.
        let r = round(false, 3, -16447, false);
        assert_eq!(r.value.parts(), (false, 0, 1));
        // Half-way between the largest subnormal and the smallest normal rounds to the
        // normal (exponent 1) but is tiny: with 64 bits and an unbounded exponent it would
        // stay below 2^-16382. glibc's strtold reports ERANGE for it.
        let r = round(false, (u128::from(INT_BIT) << 1) - 1, -16446, false);
        assert_eq!(r.value.parts(), (false, 1, INT_BIT));
        assert!(r.tiny && r.range_error());
        // One bit closer, it rounds up even at 64 bits: not tiny.
        let r = round(false, (u128::from(INT_BIT) << 2) - 1, -16447, false);
        assert_eq!(r.value.parts(), (false, 1, INT_BIT));
        assert!(!r.tiny && !r.range_error());
    }

    #[test]
    fn overflow_to_infinity() {
        let r = round(false, 1, 16384, false);
        assert!(r.value.is_infinite() && r.overflow);
        // Just below the overflow threshold rounds to MAX.
        let r = round(false, u128::from(u64::MAX) << 1, 16383 - 64, false);
        assert_eq!(r.value.to_bits(), F80::MAX.to_bits());
        // MAX + half an ulp is a tie that rounds to even: the carry overflows.
        let r = round(false, (u128::from(u64::MAX) << 1) | 1, 16383 - 64, false);
        assert!(r.value.is_infinite());
    }

    #[test]
    fn bytes_round_trip() {
        let x = F80::from_parts(true, 0x4000, 0xC90F_DAA2_2168_C235);
        assert_eq!(F80::from_le_bytes(x.to_le_bytes()).to_bits(), x.to_bits());
        assert_eq!(x.to_le_bytes()[9], 0xC0);
    }
}
