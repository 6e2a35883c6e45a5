//! Rounding to an integral value: `floorl`, `ceill`, `truncl`, `roundl`, `rintl`.
//!
//! All are exact (the result is an integer that fits the format) and keep the sign of the
//! argument, so `ceill(-0.5)` is `-0`, as glibc's implementations (`frndint` with the
//! matching rounding control, or ldbl-96 bit manipulation for `roundl`) do.

use crate::repr::{Class, F80, exact_value};

#[derive(Clone, Copy)]
enum Mode {
    Floor,
    Ceil,
    Trunc,
    /// Half away from zero (`roundl`).
    HalfAway,
    /// Half to even (`rintl` in the default rounding mode).
    HalfEven,
}

impl F80 {
    /// `floorl`: the largest integer not above `self`.
    pub fn floor(self) -> F80 {
        to_integral(self, Mode::Floor)
    }

    /// `ceill`: the smallest integer not below `self`.
    pub fn ceil(self) -> F80 {
        to_integral(self, Mode::Ceil)
    }

    /// `truncl`: rounds toward zero.
    pub fn trunc(self) -> F80 {
        to_integral(self, Mode::Trunc)
    }

    /// `roundl`: nearest integer, halfway cases away from zero (`ROUND(2.5)` = 3).
    pub fn round(self) -> F80 {
        to_integral(self, Mode::HalfAway)
    }

    /// `rintl`: nearest integer, halfway cases to even (`RINT(2.5)` = 2).
    pub fn rint(self) -> F80 {
        to_integral(self, Mode::HalfEven)
    }
}

fn to_integral(x: F80, mode: Mode) -> F80 {
    let (sig, exp) = match x.class() {
        Class::Nan => return x.quieted(),
        Class::Zero | Class::Inf => return x,
        Class::Finite { sig, exp } => (sig, exp),
    };
    if exp >= 0 {
        return x; // already an integer
    }
    let neg = x.is_sign_negative();
    // Split |x| = int + frac / 2^shift exactly (shift >= 1); beyond 64 bits of shift
    // the integer part is 0 and the fraction is below one half.
    let shift = (-exp).min(127) as u32;
    let wide = u128::from(sig);
    let int = wide >> shift;
    let frac = wide & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = match mode {
        Mode::Trunc => false,
        Mode::Floor => neg && frac != 0,
        Mode::Ceil => !neg && frac != 0,
        Mode::HalfAway => frac >= half,
        Mode::HalfEven => frac > half || (frac == half && int & 1 == 1),
    };
    exact_value(neg, int + u128::from(up), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> F80 {
        crate::strtold(s).value
    }

    #[test]
    fn the_five_modes() {
        let cases = [
            // x, floor, ceil, trunc, round, rint
            ("2.5", "2", "3", "2", "3", "2"),
            ("3.5", "3", "4", "3", "4", "4"),
            ("-2.5", "-3", "-2", "-2", "-3", "-2"),
            ("2.4", "2", "3", "2", "2", "2"),
            ("2.6", "2", "3", "2", "3", "3"),
            ("-0.5", "-1", "-0", "-0", "-1", "-0"),
            ("0.4", "0", "1", "0", "0", "0"),
            ("-0.4", "-1", "-0", "-0", "-0", "-0"),
        ];
        for (x, floor, ceil, trunc, round, rint) in cases {
            let x = n(x);
            let got = [x.floor(), x.ceil(), x.trunc(), x.round(), x.rint()].map(|v| v.to_string());
            assert_eq!(got, [floor, ceil, trunc, round, rint], "{x}");
        }
    }

    #[test]
    fn big_and_tiny_values() {
        let big = n("123456789012345678901234567890");
        assert_eq!(big.floor().to_bits(), big.to_bits());
        let tiny = F80::from_parts(true, 0, 1);
        assert_eq!(tiny.floor().to_string(), "-1");
        assert_eq!(tiny.ceil().to_bits(), F80::NEG_ZERO.to_bits());
        // 2^63 - 0.5 needs all 64 bits; rint ties to the even 2^63.
        let x = n("9223372036854775807.5");
        assert_eq!(x.to_string(), "9.22337203685477581e+18");
        assert_eq!(x.rint().to_bits(), n("9223372036854775808").to_bits());
        assert!(F80::NAN.floor().is_nan());
        assert!(F80::NEG_INFINITY.ceil().is_infinite());
    }
}
