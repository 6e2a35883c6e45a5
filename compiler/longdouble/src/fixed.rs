//! Signed fixed-point numbers with [`W`] fractional bits, the working precision of the
//! transcendental functions in [`crate::math`].
//!
//! 480 bits is far more than the 64 a `long double` keeps. That is the point: series
//! summed in this precision are accurate to ~2^-470, so the single final rounding to 64
//! bits is the correct one unless the exact result lies within 2^-400 of a rounding
//! boundary, which no test has ever hit (and which glibc, accurate to about one ulp, does
//! not get right either). Arguments are reduced first, so values stay small (|v| < 2^15).

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::bignum::BigUint;
use crate::repr::{F80, round_big};

/// Fractional bits.
pub(crate) const W: u64 = 480;

/// `(-1)^neg * mag * 2^-W`.
#[derive(Clone, Debug)]
pub(crate) struct Fixed {
    neg: bool,
    mag: BigUint,
}

impl Fixed {
    pub(crate) fn zero() -> Fixed {
        Fixed {
            neg: false,
            mag: BigUint::zero(),
        }
    }

    pub(crate) fn one() -> Fixed {
        Fixed::from_int(1)
    }

    pub(crate) fn from_int(v: i64) -> Fixed {
        Fixed {
            neg: v < 0,
            mag: BigUint::from_u64(v.unsigned_abs()).shl(W),
        }
    }

    /// `sig * 2^exp`, truncated toward zero to W fractional bits (exact when exp >= -W).
    pub(crate) fn from_parts(neg: bool, sig: u64, exp: i64) -> Fixed {
        let shift = exp + W as i64;
        let mag = BigUint::from_u64(sig);
        let mag = if shift >= 0 {
            mag.shl(shift as u64)
        } else {
            mag.shr(shift.unsigned_abs())
        };
        Fixed { neg, mag }
    }

    /// `(-1)^neg * mag * 2^-frac_bits`, truncated to W fractional bits.
    pub(crate) fn from_scaled(neg: bool, mag: &BigUint, frac_bits: u64) -> Fixed {
        let mag = if frac_bits >= W {
            mag.shr(frac_bits - W)
        } else {
            mag.shl(W - frac_bits)
        };
        Fixed { neg, mag }
    }

    /// `|a| / |b|` for `a = sig_a * 2^exp_a`, `b = sig_b * 2^exp_b` (truncated).
    pub(crate) fn ratio(sig_a: u64, exp_a: i64, sig_b: u64, exp_b: i64) -> Fixed {
        let shift = W as i64 + exp_a - exp_b;
        if shift < 0 {
            return Fixed::zero();
        }
        let num = BigUint::from_u64(sig_a).shl(shift as u64);
        Fixed {
            neg: false,
            mag: num.divrem(&BigUint::from_u64(sig_b)).0,
        }
    }

    /// Keeps the `n` leading significant bits, truncating toward zero.
    pub(crate) fn truncate_bits(&self, n: u64) -> Fixed {
        let excess = self.mag.bit_len().saturating_sub(n);
        Fixed {
            neg: self.neg,
            mag: self.mag.shr(excess).shl(excess),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mag.is_zero()
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.neg && !self.mag.is_zero()
    }

    pub(crate) fn neg(&self) -> Fixed {
        Fixed {
            neg: !self.neg,
            mag: self.mag.clone(),
        }
    }

    pub(crate) fn add(&self, other: &Fixed) -> Fixed {
        if self.neg == other.neg {
            return Fixed {
                neg: self.neg,
                mag: self.mag.add(&other.mag),
            };
        }
        match self.mag.cmp(&other.mag) {
            Ordering::Less => Fixed {
                neg: other.neg,
                mag: other.mag.sub(&self.mag),
            },
            _ => Fixed {
                neg: self.neg,
                mag: self.mag.sub(&other.mag),
            },
        }
    }

    pub(crate) fn sub(&self, other: &Fixed) -> Fixed {
        self.add(&other.neg())
    }

    pub(crate) fn mul(&self, other: &Fixed) -> Fixed {
        Fixed {
            neg: self.neg != other.neg,
            mag: self.mag.mul(&other.mag).shr(W),
        }
    }

    pub(crate) fn div(&self, other: &Fixed) -> Fixed {
        Fixed {
            neg: self.neg != other.neg,
            mag: self.mag.shl(W).divrem(&other.mag).0,
        }
    }

    pub(crate) fn mul_int(&self, k: i64) -> Fixed {
        Fixed {
            neg: self.neg != (k < 0),
            mag: self.mag.mul(&BigUint::from_u64(k.unsigned_abs())),
        }
    }

    pub(crate) fn div_small(&self, d: u32) -> Fixed {
        Fixed {
            neg: self.neg,
            mag: self.mag.divrem_small(d).0,
        }
    }

    /// `self * 2^n` for `n` of either sign (truncating).
    pub(crate) fn scale2(&self, n: i64) -> Fixed {
        let mag = if n >= 0 {
            self.mag.shl(n as u64)
        } else {
            self.mag.shr(n.unsigned_abs())
        };
        Fixed { neg: self.neg, mag }
    }

    pub(crate) fn sqrt(&self) -> Fixed {
        debug_assert!(!self.is_negative());
        Fixed {
            neg: false,
            mag: self.mag.shl(W).isqrt(),
        }
    }

    /// Compares magnitudes.
    pub(crate) fn cmp_abs(&self, other: &Fixed) -> Ordering {
        self.mag.cmp(&other.mag)
    }

    /// Rounds `self * 2^scale` to the nearest `long double`.
    pub(crate) fn to_f80(&self, scale: i64) -> F80 {
        round_big(self.is_negative(), &self.mag, scale - W as i64, false).value
    }
}

/// ln 2, ln 10 and π, to W bits.
pub(crate) struct Constants {
    pub ln2: Fixed,
    pub ln10: Fixed,
    pub pi: Fixed,
    pub half_pi: Fixed,
}

pub(crate) fn constants() -> &'static Constants {
    static CONSTANTS: OnceLock<Constants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        // Each series term is truncated, so compute with guard bits and drop them.
        let bits = W + 64;
        let fixed = |mag: BigUint| Fixed {
            neg: false,
            mag: mag.shr(64),
        };
        let ln2 = atanh_inv(3, bits).shl(1);
        // ln 10 = 3 ln 2 + ln(10/8), and ln(5/4) = 2 atanh(1/9).
        let ln10 = ln2.mul_small(3).add(&atanh_inv(9, bits).shl(1));
        let pi = pi_bits(bits);
        Constants {
            ln2: fixed(ln2),
            ln10: fixed(ln10),
            half_pi: fixed(pi.shr(1)),
            pi: fixed(pi),
        }
    })
}

/// About `π * 2^bits` (a few units low at most), cached for the precisions the
/// trigonometric argument reduction asks for: up to 2^16384 it needs ~17 000 bits.
pub(crate) fn pi_scaled(bits: u64) -> BigUint {
    const SMALL: u64 = W + 1024;
    const LARGE: u64 = 16_384 + W + 1024;
    static PI_SMALL: OnceLock<BigUint> = OnceLock::new();
    static PI_LARGE: OnceLock<BigUint> = OnceLock::new();
    let (source, source_bits) = if bits <= SMALL - 64 {
        (PI_SMALL.get_or_init(|| pi_bits(SMALL + 64).shr(64)), SMALL)
    } else {
        assert!(
            bits <= LARGE - 64,
            "π to {bits} bits is more than any reduction needs"
        );
        (PI_LARGE.get_or_init(|| pi_bits(LARGE + 64).shr(64)), LARGE)
    };
    source.shr(source_bits - bits)
}

/// π * 2^bits by Machin's formula, π = 16 atan(1/5) - 4 atan(1/239).
fn pi_bits(bits: u64) -> BigUint {
    atan_inv(5, bits).shl(4).sub(&atan_inv(239, bits).shl(2))
}

/// atanh(1/n) * 2^bits = sum 1 / ((2k+1) n^(2k+1)), each term truncated.
fn atanh_inv(n: u32, bits: u64) -> BigUint {
    let n2 = n * n;
    let mut power = BigUint::pow2(bits).divrem_small(n).0;
    let mut sum = BigUint::zero();
    let mut k = 0u32;
    while !power.is_zero() {
        sum = sum.add(&power.divrem_small(2 * k + 1).0);
        power = power.divrem_small(n2).0;
        k += 1;
    }
    sum
}

/// atan(1/n) * 2^bits = sum (-1)^k / ((2k+1) n^(2k+1)), each term truncated.
fn atan_inv(n: u32, bits: u64) -> BigUint {
    let n2 = n * n;
    let mut power = BigUint::pow2(bits).divrem_small(n).0;
    let (mut plus, mut minus) = (BigUint::zero(), BigUint::zero());
    let mut k = 0u32;
    while !power.is_zero() {
        let term = power.divrem_small(2 * k + 1).0;
        if k.is_multiple_of(2) {
            plus = plus.add(&term);
        } else {
            minus = minus.add(&term);
        }
        power = power.divrem_small(n2).0;
        k += 1;
    }
    plus.sub(&minus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_round_to_the_known_long_doubles() {
        let c = constants();
        // M_PIl, M_LN2l, M_LN10l from glibc's <math.h>, as 80-bit values.
        assert_eq!(c.pi.to_f80(0).significand(), 0xC90F_DAA2_2168_C235);
        assert_eq!(c.ln2.to_f80(0).significand(), 0xB172_17F7_D1CF_79AC);
        assert_eq!(c.ln10.to_f80(0).significand(), 0x935D_8DDD_AAA8_AC17);
    }

    #[test]
    fn large_pi_agrees_with_small_pi() {
        let small = pi_scaled(W);
        let large = pi_scaled(W + 2000).shr(2000);
        let diff = if small > large {
            small.sub(&large)
        } else {
            large.sub(&small)
        };
        assert!(diff.bit_len() <= 1);
    }
}
