//! Just enough unsigned big-integer arithmetic for exact conversions.
//!
//! Correct rounding of decimal input and exact decimal output both need the *exact* value
//! of numbers such as `m * 2^-16445` or `d * 10^-4950`, which have thousands of bits. The
//! operations here are the schoolbook ones (base 2^32 limbs, Knuth's algorithm D for
//! division): simple to check, and fast enough for the few-thousand-bit numbers involved.

use std::cmp::Ordering;
use std::sync::OnceLock;

/// An arbitrary-precision unsigned integer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct BigUint {
    /// Little-endian base-2^32 digits with no high zero limbs (zero is the empty vector),
    /// so that equal numbers have equal representations.
    limbs: Vec<u32>,
}

impl BigUint {
    pub(crate) fn zero() -> Self {
        BigUint { limbs: Vec::new() }
    }

    pub(crate) fn from_u64(v: u64) -> Self {
        Self::from_u128(u128::from(v))
    }

    pub(crate) fn from_u128(mut v: u128) -> Self {
        let mut limbs = Vec::new();
        while v != 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        BigUint { limbs }
    }

    /// `2^n`.
    pub(crate) fn pow2(n: u64) -> Self {
        Self::from_u64(1).shl(n)
    }

    /// `base^exp` by repeated squaring.
    pub(crate) fn pow(base: u32, mut exp: u64) -> Self {
        let mut result = Self::from_u64(1);
        let mut square = Self::from_u64(u64::from(base));
        while exp != 0 {
            if exp & 1 == 1 {
                result = result.mul(&square);
            }
            exp >>= 1;
            if exp != 0 {
                square = square.mul(&square);
            }
        }
        result
    }

    /// `5^n`, the odd part of `10^n`. Exact decimal conversion needs powers up to about
    /// `5^17000` over and over, so the squares `5^(2^i)` are computed once and `5^n` is
    /// the product of those selected by the bits of `n`.
    pub(crate) fn pow5(n: u64) -> Self {
        const LEVELS: usize = 15; // up to 5^(2^14)
        static SQUARES: OnceLock<Vec<BigUint>> = OnceLock::new();
        let squares = SQUARES.get_or_init(|| {
            let mut v = vec![BigUint::from_u64(5)];
            for i in 1..LEVELS {
                let next = v[i - 1].mul(&v[i - 1]);
                v.push(next);
            }
            v
        });
        let mut result = Self::from_u64(1);
        let mut rest = n;
        // Beyond the table, multiply by the largest square as often as needed.
        let top = 1u64 << (LEVELS - 1);
        while rest >= 2 * top {
            result = result.mul(&squares[LEVELS - 1]);
            rest -= top;
        }
        for (i, square) in squares.iter().enumerate() {
            if rest >> i & 1 == 1 {
                result = result.mul(square);
            }
        }
        result
    }

    fn from_limbs(mut limbs: Vec<u32>) -> Self {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        BigUint { limbs }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => (self.limbs.len() as u64 - 1) * 32 + u64::from(32 - top.leading_zeros()),
        }
    }

    pub(crate) fn is_odd(&self) -> bool {
        self.limbs.first().is_some_and(|l| l & 1 == 1)
    }

    /// The value if it fits in 128 bits.
    pub(crate) fn to_u128(&self) -> Option<u128> {
        if self.limbs.len() > 4 {
            return None;
        }
        Some(
            self.limbs
                .iter()
                .rev()
                .fold(0u128, |acc, &l| (acc << 32) | u128::from(l)),
        )
    }

    pub(crate) fn shl(&self, n: u64) -> Self {
        if self.is_zero() {
            return Self::zero();
        }
        let bit_shift = (n % 32) as u32;
        let mut out = vec![0u32; (n / 32) as usize];
        out.reserve(self.limbs.len() + 1);
        if bit_shift == 0 {
            out.extend_from_slice(&self.limbs);
        } else {
            let mut carry = 0u32;
            for &l in &self.limbs {
                out.push((l << bit_shift) | carry);
                carry = l >> (32 - bit_shift);
            }
            out.push(carry);
        }
        Self::from_limbs(out)
    }

    /// `self >> n`, and whether any of the bits shifted out was 1 (the "sticky" bit that
    /// rounding needs).
    pub(crate) fn shr_sticky(&self, n: u64) -> (Self, bool) {
        let limb_shift = (n / 32) as usize;
        if limb_shift >= self.limbs.len() {
            return (Self::zero(), !self.is_zero());
        }
        let bit_shift = (n % 32) as u32;
        let mut sticky = self.limbs[..limb_shift].iter().any(|&l| l != 0);
        let src = &self.limbs[limb_shift..];
        let out = if bit_shift == 0 {
            src.to_vec()
        } else {
            sticky |= src[0] & ((1 << bit_shift) - 1) != 0;
            (0..src.len())
                .map(|i| {
                    let hi = src.get(i + 1).copied().unwrap_or(0);
                    (src[i] >> bit_shift) | (hi << (32 - bit_shift))
                })
                .collect()
        };
        (Self::from_limbs(out), sticky)
    }

    pub(crate) fn shr(&self, n: u64) -> Self {
        self.shr_sticky(n).0
    }

    pub(crate) fn add(&self, other: &Self) -> Self {
        let (long, short) = if self.limbs.len() >= other.limbs.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut out = Vec::with_capacity(long.limbs.len() + 1);
        let mut carry = 0u64;
        for (i, &l) in long.limbs.iter().enumerate() {
            let s = u64::from(l) + u64::from(short.limbs.get(i).copied().unwrap_or(0)) + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        out.push(carry as u32);
        Self::from_limbs(out)
    }

    /// `self - other`; the caller guarantees `other <= self`.
    pub(crate) fn sub(&self, other: &Self) -> Self {
        assert!(*other <= *self, "BigUint::sub would go negative");
        let mut out = Vec::with_capacity(self.limbs.len());
        let mut borrow = 0i64;
        for (i, &l) in self.limbs.iter().enumerate() {
            let d = i64::from(l) - i64::from(other.limbs.get(i).copied().unwrap_or(0)) - borrow;
            out.push(d as u32);
            borrow = i64::from(d < 0);
        }
        Self::from_limbs(out)
    }

    pub(crate) fn mul(&self, other: &Self) -> Self {
        if self.is_zero() || other.is_zero() {
            return Self::zero();
        }
        let mut out = vec![0u32; self.limbs.len() + other.limbs.len()];
        for (i, &a) in self.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.limbs.iter().enumerate() {
                let t = u64::from(a) * u64::from(b) + u64::from(out[i + j]) + carry;
                out[i + j] = t as u32;
                carry = t >> 32;
            }
            out[i + other.limbs.len()] = carry as u32;
        }
        Self::from_limbs(out)
    }

    pub(crate) fn mul_small(&self, m: u32) -> Self {
        let mut out = Vec::with_capacity(self.limbs.len() + 1);
        let mut carry = 0u64;
        for &l in &self.limbs {
            let t = u64::from(l) * u64::from(m) + carry;
            out.push(t as u32);
            carry = t >> 32;
        }
        out.push(carry as u32);
        Self::from_limbs(out)
    }

    pub(crate) fn add_small(&self, a: u32) -> Self {
        self.add(&Self::from_u64(u64::from(a)))
    }

    /// Quotient and remainder by a one-limb divisor.
    pub(crate) fn divrem_small(&self, d: u32) -> (Self, u32) {
        assert!(d != 0, "division by zero");
        let d = u64::from(d);
        let mut q = vec![0u32; self.limbs.len()];
        let mut rem = 0u64;
        for i in (0..self.limbs.len()).rev() {
            let cur = (rem << 32) | u64::from(self.limbs[i]);
            q[i] = (cur / d) as u32;
            rem = cur % d;
        }
        (Self::from_limbs(q), rem as u32)
    }

    /// Quotient and remainder (Knuth, TAOCP vol. 2, 4.3.1, algorithm D).
    pub(crate) fn divrem(&self, d: &Self) -> (Self, Self) {
        assert!(!d.is_zero(), "division by zero");
        if self < d {
            return (Self::zero(), self.clone());
        }
        if d.limbs.len() == 1 {
            let (q, r) = self.divrem_small(d.limbs[0]);
            return (q, Self::from_u64(u64::from(r)));
        }
        // Normalise so that the divisor's top limb has its high bit set; then a quotient
        // digit estimated from the top three dividend limbs and top two divisor limbs is
        // never too small and at most slightly too large.
        let s = u64::from(d.limbs.last().copied().unwrap_or(1).leading_zeros());
        let v = d.shl(s).limbs;
        let mut u = self.shl(s).limbs;
        u.push(0);
        let n = v.len();
        let m = u.len() - n - 1;
        let v_top2 = (u128::from(v[n - 1]) << 32) | u128::from(v[n - 2]);
        let mut q = vec![0u32; m + 1];
        for j in (0..=m).rev() {
            let u_top3 = (u128::from(u[j + n]) << 64)
                | (u128::from(u[j + n - 1]) << 32)
                | u128::from(u[j + n - 2]);
            let mut qhat = (u_top3 / v_top2).min(u128::from(u32::MAX)) as u64;
            // u[j..=j+n] -= qhat * v
            let mut borrow = 0i64;
            let mut carry = 0u64;
            for i in 0..n {
                let p = qhat * u64::from(v[i]) + carry;
                carry = p >> 32;
                let t = i64::from(u[i + j]) - borrow - (p & 0xffff_ffff) as i64;
                u[i + j] = t as u32;
                borrow = i64::from(t < 0);
            }
            let mut top = i64::from(u[j + n]) - borrow - carry as i64;
            // The estimate was too large: add the divisor back until the partial
            // remainder is non-negative again.
            while top < 0 {
                qhat -= 1;
                let mut c = 0u64;
                for i in 0..n {
                    let s = u64::from(u[i + j]) + u64::from(v[i]) + c;
                    u[i + j] = s as u32;
                    c = s >> 32;
                }
                top += c as i64;
            }
            u[j + n] = top as u32;
            q[j] = qhat as u32;
        }
        u.truncate(n);
        (Self::from_limbs(q), Self::from_limbs(u).shr(s))
    }

    /// `floor(sqrt(self))` by Newton's iteration from above.
    pub(crate) fn isqrt(&self) -> Self {
        if self.is_zero() {
            return Self::zero();
        }
        let mut x = Self::pow2(self.bit_len().div_ceil(2));
        loop {
            let y = x.add(&self.divrem(&x).0).shr(1);
            if y >= x {
                return x;
            }
            x = y;
        }
    }

    /// Decimal digits, most significant first ("0" for zero).
    pub(crate) fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut chunks = Vec::new();
        let mut n = self.clone();
        while !n.is_zero() {
            let (q, r) = n.divrem_small(1_000_000_000);
            chunks.push(r);
            n = q;
        }
        let mut s = chunks.pop().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }

    /// Parses a string of ASCII decimal digits.
    pub(crate) fn from_decimal(digits: &[u8]) -> Self {
        let mut n = Self::zero();
        for chunk in digits.chunks(9) {
            let (scale, value) = chunk.iter().fold((1u32, 0u32), |(scale, value), &c| {
                (scale * 10, value * 10 + u32::from(c - b'0'))
            });
            n = n.mul_small(scale).add_small(value);
        }
        n
    }
}

impl Ord for BigUint {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

impl PartialOrd for BigUint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> BigUint {
        BigUint::from_decimal(s.as_bytes())
    }

    #[test]
    fn decimal_round_trip() {
        for s in [
            "0",
            "1",
            "4294967296",
            "123456789012345678901234567890123456789",
        ] {
            assert_eq!(big(s).to_decimal(), s);
        }
    }

    #[test]
    fn division_matches_u128() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = u128::from(x) << (x % 64) | u128::from(x.rotate_left(7));
            let b = (u128::from(x.rotate_left(29)) >> (x % 60)).max(1);
            let (q, r) = BigUint::from_u128(a).divrem(&BigUint::from_u128(b));
            assert_eq!(
                (q.to_u128(), r.to_u128()),
                (Some(a / b), Some(a % b)),
                "{a} / {b}"
            );
        }
    }

    #[test]
    fn big_division_reconstructs() {
        let a = BigUint::pow(7, 500).add_small(12345);
        let b = BigUint::pow(3, 200).add_small(1);
        let (q, r) = a.divrem(&b);
        assert!(r < b);
        assert_eq!(q.mul(&b).add(&r), a);
    }

    #[test]
    fn cached_powers_of_five() {
        for n in [0, 1, 2, 13, 100, 4951, 16_384, 40_000] {
            assert_eq!(BigUint::pow5(n), BigUint::pow(5, n), "5^{n}");
        }
    }

    #[test]
    fn isqrt_is_floor() {
        for n in [
            0u128,
            1,
            2,
            3,
            4,
            15,
            16,
            17,
            u128::from(u64::MAX),
            u128::MAX,
        ] {
            let r = BigUint::from_u128(n).isqrt();
            let r1 = r.add_small(1);
            assert!(r.mul(&r) <= BigUint::from_u128(n));
            assert!(r1.mul(&r1) > BigUint::from_u128(n));
        }
    }

    #[test]
    fn shifts_and_sticky() {
        let n = big("1000000000000000000000");
        assert_eq!(n.shl(70).shr(70), n);
        assert_eq!(n.shr_sticky(3), (big("125000000000000000000"), false));
        assert!(n.add_small(1).shr_sticky(1).1);
        assert_eq!(BigUint::pow2(100).bit_len(), 101);
    }
}
