//! G.711 μ-law and A-law, bit-exact with Asterisk 22's `main/ulaw.c` and `main/alaw.c`.
//!
//! Asterisk does not compute G.711 per sample: at start-up it fills lookup tables and
//! converts with `AST_LIN2MU(a) = __ast_lin2mu[(unsigned short)a >> 2]` and
//! `AST_LIN2A(a) = __ast_lin2a[(unsigned short)a >> 3]`. By default (the menuselect option
//! `G711_NEW_ALGORITHM` is off) those tables are built by calling the classic encoders
//! (`linear2ulaw`, the Sun/CCITT `linear2alaw`) for every 16-bit value in increasing order,
//! so each table slot keeps the code of the *last* value written to it — the value with all
//! the dropped low bits set. The result differs from the textbook encoders on a few inputs
//! (for example `+4` encodes to `0xFE`, not `0xFF`), and we reproduce it exactly: the tables
//! below are built at compile time by the same loops. Decoding uses the same 256-entry
//! tables as Asterisk (`__ast_mulaw`, `__ast_alaw`).
//!
//! The full tables were checked against the C compiled from the 22.10.1 sources (the FNV-1a
//! hashes in the tests are of that C's output).

/// `BIAS` in `ulaw.c`: added to the magnitude before finding the segment.
const ULAW_BIAS: i32 = 0x84;
/// `CLIP` in `ulaw.c`: the largest magnitude that is encoded distinctly.
const ULAW_CLIP: i32 = 32635;
/// `AMI_MASK` in `alaw.c`: the even bits inverted on the line.
const ALAW_AMI_MASK: i32 = 0x55;

/// `exp_lut[i]` of `ulaw.c`: the position of the highest set bit of `i` (0 for 0 and 1).
const fn ulaw_exp_lut(i: i32) -> i32 {
    if i <= 1 { 0 } else { i.ilog2() as i32 }
}

/// `linear2ulaw` of `ulaw.c` (the default, non-`G711_NEW_ALGORITHM` one), with C's `short`
/// arithmetic.
const fn linear2ulaw(sample: i16) -> u8 {
    let mut s = sample as i32;
    let sign = (s >> 8) & 0x80;
    if sign != 0 {
        // `sample = -sample` on a short: -32768 stays -32768.
        s = (-s) as i16 as i32;
    }
    if s > ULAW_CLIP {
        s = ULAW_CLIP;
    }
    s += ULAW_BIAS;
    let exponent = ulaw_exp_lut((s >> 7) & 0xFF);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// `linear2alaw` of `alaw.c` (the default one).
const fn linear2alaw(linear: i16) -> u8 {
    const SEG_END: [i32; 8] = [0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF];
    let mut pcm = linear as i32;
    let mask = if pcm >= 0 {
        ALAW_AMI_MASK | 0x80
    } else {
        pcm = -pcm;
        ALAW_AMI_MASK
    };
    let mut seg = 0;
    while seg < 8 {
        if pcm <= SEG_END[seg] {
            break;
        }
        seg += 1;
    }
    let shift = if seg == 0 { 4 } else { seg as i32 + 3 };
    ((((seg as i32) << 4) | ((pcm >> shift) & 0x0F)) ^ mask) as u8
}

/// `alaw2linear` of `alaw.c`.
const fn alaw2linear(code: u8) -> i16 {
    let a = (code as i32) ^ ALAW_AMI_MASK;
    let mut i = ((a & 0x0F) << 4) + 8;
    let seg = (a & 0x70) >> 4;
    if seg != 0 {
        i = (i + 0x100) << (seg - 1);
    }
    (if a & 0x80 != 0 { i } else { -i }) as i16
}

/// `__ast_mulaw`, as `ast_ulaw_init` fills it.
const ULAW_DECODE: [i16; 256] = {
    const ETAB: [i32; 8] = [0, 132, 396, 924, 1980, 4092, 8316, 16764];
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let mu = 255 - i as i32;
        let e = (mu & 0x70) / 16;
        let f = mu & 0x0F;
        let mut y = f * (1 << (e + 3)) + ETAB[e as usize];
        if mu & 0x80 != 0 {
            y = -y;
        }
        table[i] = y as i16;
        i += 1;
    }
    table
};

/// `__ast_lin2mu`, as `ast_ulaw_init` fills it: every value from -32768 up, last write wins.
const ULAW_ENCODE: [u8; 16384] = {
    let mut table = [0u8; 16384];
    let mut i: i32 = -32768;
    while i < 32768 {
        table[((i as u16) >> 2) as usize] = linear2ulaw(i as i16);
        i += 1;
    }
    table
};

/// `__ast_alaw`, as `ast_alaw_init` fills it.
const ALAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw2linear(i as u8);
        i += 1;
    }
    table
};

/// `__ast_lin2a`, as `ast_alaw_init` fills it: every value from -32768 up, last write wins.
const ALAW_ENCODE: [u8; 8192] = {
    let mut table = [0u8; 8192];
    let mut i: i32 = -32768;
    while i < 32768 {
        table[((i as u16) >> 3) as usize] = linear2alaw(i as i16);
        i += 1;
    }
    table
};

/// Encodes one linear sample to μ-law (`AST_LIN2MU`).
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_ENCODE[usize::from(sample as u16 >> 2)]
}

/// Decodes one μ-law code to a linear sample (`AST_MULAW`).
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes one linear sample to A-law (`AST_LIN2A`).
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_ENCODE[usize::from(sample as u16 >> 3)]
}

/// Decodes one A-law code to a linear sample (`AST_ALAW`).
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 64-bit FNV-1a, fed the way the C harness fed it.
    struct Fnv(u64);
    impl Fnv {
        fn new() -> Self {
            Fnv(1_469_598_103_934_665_603)
        }
        fn byte(&mut self, b: u8) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(1_099_511_628_211);
        }
        fn sample(&mut self, s: i16) {
            let [lo, hi] = (s as u16).to_le_bytes();
            self.byte(lo);
            self.byte(hi);
        }
    }

    // Hashes of the full tables printed by a harness that links Asterisk 22.10.1's own
    // main/ulaw.c and main/alaw.c (default defines) and calls ast_ulaw_init/ast_alaw_init.
    #[test]
    fn full_tables_match_asterisk() {
        let mut h = Fnv::new();
        (i16::MIN..=i16::MAX).for_each(|x| h.byte(ulaw_encode(x)));
        assert_eq!(h.0, 16_797_910_212_889_183_883, "AST_LIN2MU");
        let mut h = Fnv::new();
        (0..=255).for_each(|c| h.sample(ulaw_decode(c)));
        assert_eq!(h.0, 5_773_552_458_986_142_986, "AST_MULAW");
        let mut h = Fnv::new();
        (i16::MIN..=i16::MAX).for_each(|x| h.byte(alaw_encode(x)));
        assert_eq!(h.0, 3_167_141_746_054_005_891, "AST_LIN2A");
        let mut h = Fnv::new();
        (0..=255).for_each(|c| h.sample(alaw_decode(c)));
        assert_eq!(h.0, 15_840_113_441_179_105_731, "AST_ALAW");
    }

    // Values printed by the same harness.
    #[test]
    fn exact_encodings_from_the_c() {
        let cases: &[(i16, u8, u8)] = &[
            (0, 0xFF, 0xD5),
            (1, 0xFF, 0xD5),
            (-1, 0x7F, 0x55),
            (3, 0xFF, 0xD5),
            (4, 0xFE, 0xD5),
            (-4, 0x7F, 0x55),
            (-5, 0x7E, 0x55),
            (100, 0xF2, 0xD3),
            (-100, 0x73, 0x53),
            (1000, 0xCE, 0xFA),
            (-1000, 0x4E, 0x7A),
            (8160, 0x9F, 0x8A),
            (-8160, 0x1F, 0x0A),
            (32635, 0x80, 0xAA),
            (32767, 0x80, 0xAA),
            (-32767, 0x00, 0x2A),
            (-32768, 0x00, 0x2A),
        ];
        for &(x, mu, a) in cases {
            assert_eq!(ulaw_encode(x), mu, "ulaw_encode({x})");
            assert_eq!(alaw_encode(x), a, "alaw_encode({x})");
        }
    }

    #[test]
    fn exact_decodings_from_the_c() {
        let cases: &[(u8, i16, i16)] = &[
            (0x00, -32124, -5504),
            (0x7F, 0, -848),
            (0x80, 32124, 5504),
            (0xFF, 0, 848),
            (0x55, -716, -8),
            (0xD5, 716, 8),
            (0x2A, -5372, -32256),
            (0xAA, 5372, 32256),
            (0x0F, -16764, -6784),
            (0x8F, 16764, 6784),
            (0x35, -3260, -8448),
        ];
        for &(c, mu, a) in cases {
            assert_eq!(ulaw_decode(c), mu, "ulaw_decode({c:#04x})");
            assert_eq!(alaw_decode(c), a, "alaw_decode({c:#04x})");
        }
    }

    #[test]
    fn decoded_values_survive_a_round_trip() {
        for c in 0..=255u8 {
            let x = ulaw_decode(c);
            assert_eq!(ulaw_decode(ulaw_encode(x)), x, "ulaw code {c:#04x}");
            let x = alaw_decode(c);
            assert_eq!(alaw_decode(alaw_encode(x)), x, "alaw code {c:#04x}");
            // A-law has no negative zero, so the code itself comes back too.
            assert_eq!(alaw_encode(x), c, "alaw code {c:#04x}");
        }
    }

    #[test]
    fn encoding_is_monotonic() {
        // The decoded value of the encoding never decreases as the input grows.
        let mut last_mu = i16::MIN;
        let mut last_a = i16::MIN;
        for x in i16::MIN..=i16::MAX {
            let mu = ulaw_decode(ulaw_encode(x));
            let a = alaw_decode(alaw_encode(x));
            assert!(mu >= last_mu, "ulaw at {x}: {mu} < {last_mu}");
            assert!(a >= last_a, "alaw at {x}: {a} < {last_a}");
            last_mu = mu;
            last_a = a;
        }
    }

    #[test]
    fn decoding_is_monotonic_within_each_sign() {
        // μ-law codes 0x00..=0x7F run from most negative to -0, 0x80..=0xFF from most
        // positive to +0; A-law codes are monotonic once the AMI mask is removed.
        for c in 0..0x7Fu8 {
            assert!(ulaw_decode(c) < ulaw_decode(c + 1));
            assert!(ulaw_decode(c | 0x80) > ulaw_decode((c + 1) | 0x80));
        }
        for m in 0..0x7Fu8 {
            let (lo, hi) = (m ^ 0x55, (m + 1) ^ 0x55);
            assert!(alaw_decode(lo) > alaw_decode(hi), "negative half at {m}");
            assert!(
                alaw_decode(lo | 0x80) < alaw_decode(hi | 0x80),
                "positive half at {m}"
            );
        }
    }

    #[test]
    fn quantisation_error_is_bounded_by_the_segment_step() {
        for x in i16::MIN..=i16::MAX {
            let err = (i32::from(ulaw_decode(ulaw_encode(x))) - i32::from(x)).abs();
            // The top segment's step is 1024, and the clip at 32635 adds up to 643.
            assert!(err <= 1024, "ulaw error {err} at {x}");
            let err = (i32::from(alaw_decode(alaw_encode(x))) - i32::from(x)).abs();
            assert!(err <= 1024, "alaw error {err} at {x}");
        }
    }
}
