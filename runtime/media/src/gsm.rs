//! GSM 06.10 full rate, decoded as libgsm (the copy in Asterisk's `codecs/gsm`) decodes it,
//! integer for integer: Asterisk's `gsm` format (33-byte frames of 160 samples) and its
//! `wav49` (Microsoft's GSM in WAV: two frames packed into 65 bytes). The sound packages
//! Asterisk installs by default and the greetings and messages of a voicemail spool are
//! often in one of them.

/// Bytes of one `gsm` frame.
pub const FRAME_BYTES: usize = 33;
/// Bytes of one `wav49` block (two frames).
pub const WAV49_BLOCK_BYTES: usize = 65;
/// Samples of one frame.
pub const FRAME_SAMPLES: usize = 160;

/// `GSM_MAGIC`: the high nibble of a `gsm` frame's first byte.
const MAGIC: u8 = 0xD;

/// One frame's parameters (`gsm_decode`'s unpacking).
struct Frame {
    larc: [i16; 8],
    nc: [i16; 4],
    bc: [i16; 4],
    mc: [i16; 4],
    xmaxc: [i16; 4],
    xmc: [i16; 52],
}

/// The widths of a frame's fields, in their order (260 bits).
fn read_frame(mut next: impl FnMut(u32) -> i16) -> Frame {
    let mut frame = Frame {
        larc: [0; 8],
        nc: [0; 4],
        bc: [0; 4],
        mc: [0; 4],
        xmaxc: [0; 4],
        xmc: [0; 52],
    };
    for (i, width) in [6, 6, 5, 5, 4, 4, 3, 3].into_iter().enumerate() {
        frame.larc[i] = next(width);
    }
    for j in 0..4 {
        frame.nc[j] = next(7);
        frame.bc[j] = next(2);
        frame.mc[j] = next(2);
        frame.xmaxc[j] = next(6);
        for k in 0..13 {
            frame.xmc[j * 13 + k] = next(3);
        }
    }
    frame
}

/// A decoder's state between frames (`struct gsm_state`, the parts decoding uses).
pub struct Decoder {
    /// `dp0`: the reconstructed short-term residual, 120 samples of history then 160.
    dp0: [i16; 280],
    /// `nrp`: the last valid LTP lag.
    nrp: i16,
    /// `LARpp[2][8]` and `j`: the decoded log-area ratios of this frame and the last.
    larpp: [[i16; 8]; 2],
    j: usize,
    /// `v[9]`: the short-term synthesis filter's state.
    v: [i16; 9],
    /// `msr`: the de-emphasis filter's state.
    msr: i16,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            dp0: [0; 280],
            nrp: 40,
            larpp: [[0; 8]; 2],
            j: 0,
            v: [0; 9],
            msr: 0,
        }
    }
}

impl Decoder {
    /// Decodes a `gsm` stream: whole 33-byte frames (a partial last one is dropped); a
    /// frame without the magic nibble decodes as silence, as `format_gsm` gives no
    /// samples for it and the stream goes on.
    pub fn decode_gsm(bytes: &[u8]) -> Vec<i16> {
        let mut decoder = Decoder::default();
        let mut out = Vec::with_capacity(bytes.len() / FRAME_BYTES * FRAME_SAMPLES);
        for frame in bytes.chunks_exact(FRAME_BYTES) {
            if frame[0] >> 4 != MAGIC {
                out.extend_from_slice(&[0; FRAME_SAMPLES]);
                continue;
            }
            // Most significant bit first, after the magic nibble.
            let mut bit = 4usize;
            let parameters = read_frame(|width| {
                let mut value = 0i16;
                for _ in 0..width {
                    let byte = frame[bit / 8];
                    value = (value << 1) | i16::from((byte >> (7 - bit % 8)) & 1);
                    bit += 1;
                }
                value
            });
            out.extend_from_slice(&decoder.frame(&parameters));
        }
        out
    }

    /// Decodes `wav49` data (the `data` chunk): whole 65-byte blocks of two frames, read as
    /// one stream of bits, least significant first.
    pub fn decode_wav49(bytes: &[u8]) -> Vec<i16> {
        let mut decoder = Decoder::default();
        let mut out = Vec::with_capacity(bytes.len() / WAV49_BLOCK_BYTES * 2 * FRAME_SAMPLES);
        for block in bytes.chunks_exact(WAV49_BLOCK_BYTES) {
            let mut bit = 0usize;
            for _ in 0..2 {
                let parameters = read_frame(|width| {
                    let mut value = 0i16;
                    for n in 0..width {
                        let byte = block[bit / 8];
                        value |= i16::from((byte >> (bit % 8)) & 1) << n;
                        bit += 1;
                    }
                    value
                });
                out.extend_from_slice(&decoder.frame(&parameters));
            }
        }
        out
    }

    /// `Gsm_Decoder`.
    fn frame(&mut self, f: &Frame) -> [i16; FRAME_SAMPLES] {
        let mut wt = [0i16; FRAME_SAMPLES];
        for j in 0..4 {
            let erp = rpe_decoding(f.xmaxc[j], f.mc[j], &f.xmc[j * 13..j * 13 + 13]);
            self.long_term_synthesis(f.nc[j], f.bc[j], &erp);
            wt[j * 40..j * 40 + 40].copy_from_slice(&self.dp0[120..160]);
        }
        let mut s = self.short_term_synthesis(&f.larc, &wt);
        // Postprocessing: de-emphasis, upscaling, truncation.
        let mut msr = self.msr;
        for sample in s.iter_mut() {
            let tmp = mult_r(msr, 28180);
            msr = add(*sample, tmp);
            *sample = add(msr, msr) & !7;
        }
        self.msr = msr;
        s
    }

    /// `Gsm_Long_Term_Synthesis_Filtering`, on `dp0[120..160]` (`drp[0..39]`).
    fn long_term_synthesis(&mut self, ncr: i16, bcr: i16, erp: &[i16; 40]) {
        let nr = if !(40..=120).contains(&ncr) {
            self.nrp
        } else {
            ncr
        };
        self.nrp = nr;
        let brp = QLB[bcr as usize & 3];
        let drp = 120usize;
        for (k, &e) in erp.iter().enumerate() {
            let drpp = mult_r(brp, self.dp0[drp + k - nr as usize]);
            self.dp0[drp + k] = add(e, drpp);
        }
        // drp[-120..-1] = drp[-80..39]
        self.dp0.copy_within(40..160, 0);
    }

    /// `Gsm_Short_Term_Synthesis_Filter`.
    fn short_term_synthesis(&mut self, larcr: &[i16; 8], wt: &[i16; 160]) -> [i16; 160] {
        let current = self.j;
        self.j ^= 1;
        let previous = self.j;
        self.larpp[current] = decode_lars(larcr);
        let (now, before) = (self.larpp[current], self.larpp[previous]);
        let mut s = [0i16; 160];
        // The log-area ratios interpolated over four stretches of the frame.
        let mut larp = [0i16; 8];
        for i in 0..8 {
            larp[i] = add(before[i] >> 2, now[i] >> 2);
            larp[i] = add(larp[i], before[i] >> 1);
        }
        self.synthesis_filter(&lar_to_rp(larp), &wt[..13], &mut s[..13]);
        for i in 0..8 {
            larp[i] = add(before[i] >> 1, now[i] >> 1);
        }
        self.synthesis_filter(&lar_to_rp(larp), &wt[13..27], &mut s[13..27]);
        for i in 0..8 {
            larp[i] = add(before[i] >> 2, now[i] >> 2);
            larp[i] = add(larp[i], now[i] >> 1);
        }
        self.synthesis_filter(&lar_to_rp(larp), &wt[27..40], &mut s[27..40]);
        self.synthesis_filter(&lar_to_rp(now), &wt[40..], &mut s[40..]);
        s
    }

    /// `Short_term_synthesis_filtering`.
    fn synthesis_filter(&mut self, rrp: &[i16; 8], wt: &[i16], sr: &mut [i16]) {
        let v = &mut self.v;
        for (out, &w) in sr.iter_mut().zip(wt) {
            let mut sri = i32::from(w);
            for i in (0..8).rev() {
                let tmp1 = i32::from(rrp[i]);
                let tmp2 = (tmp1 * i32::from(v[i]) + 16384) >> 15;
                sri = saturate(sri - tmp2);
                let tmp1 = ((tmp1 * sri + 16384) >> 15) + i32::from(v[i]);
                v[i + 1] = saturate(tmp1) as i16;
            }
            v[0] = sri as i16;
            *out = sri as i16;
        }
    }
}

/// `Gsm_RPE_Decoding`: the 40 samples of the reconstructed long-term residual.
fn rpe_decoding(xmaxc: i16, mc: i16, xmc: &[i16]) -> [i16; 40] {
    // APCM_quantization_xmaxc_to_exp_mant.
    let mut exp = 0i16;
    if xmaxc > 15 {
        exp = (xmaxc >> 3) - 1;
    }
    let mut mant = xmaxc - (exp << 3);
    if mant == 0 {
        exp = -4;
        mant = 7;
    } else {
        while mant <= 7 {
            mant = (mant << 1) | 1;
            exp -= 1;
        }
        mant -= 8;
    }
    // APCM_inverse_quantization.
    let temp1 = FAC[(mant & 7) as usize];
    let temp2 = sub(6, exp);
    let temp3 = asl(1, sub(temp2, 1));
    let mut xmp = [0i16; 13];
    for (out, &x) in xmp.iter_mut().zip(xmc) {
        let temp = ((x << 1) - 7) << 12;
        let temp = add(mult_r(temp1, temp), temp3);
        *out = asr(temp, temp2);
    }
    // RPE_grid_positioning.
    let mut ep = [0i16; 40];
    let mc = (mc & 3) as usize;
    for (i, &x) in xmp.iter().enumerate() {
        ep[mc + 3 * i] = x;
    }
    ep
}

/// `Decoding_of_the_coded_Log_Area_Ratios`.
fn decode_lars(larc: &[i16; 8]) -> [i16; 8] {
    const B_TIMES_TWO: [i16; 8] = [0, 0, 4096, -5120, 188, -3584, -682, -2288];
    const MIC: [i16; 8] = [-32, -32, -16, -16, -8, -8, -4, -4];
    const INVA: [i16; 8] = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];
    let mut larpp = [0i16; 8];
    for i in 0..8 {
        // GSM_ADD(...) << 10 on a `word`.
        let temp1 = (add(larc[i], MIC[i]) as i32) << 10;
        let temp1 = sub(temp1 as i16, B_TIMES_TWO[i]);
        let temp1 = mult_r(INVA[i], temp1);
        larpp[i] = add(temp1, temp1);
    }
    larpp
}

/// `LARp_to_rp`.
fn lar_to_rp(mut larp: [i16; 8]) -> [i16; 8] {
    for lar in larp.iter_mut() {
        let magnitude = |temp: i16| {
            if temp < 11059 {
                temp << 1
            } else if temp < 20070 {
                temp + 11059
            } else {
                add(temp >> 2, 26112)
            }
        };
        if *lar < 0 {
            let temp = if *lar == i16::MIN { i16::MAX } else { -*lar };
            *lar = -magnitude(temp);
        } else {
            *lar = magnitude(*lar);
        }
    }
    larp
}

/// Table 4.3b: the LTP gain's levels.
const QLB: [i16; 4] = [3277, 11469, 21299, 32767];
/// Table 4.6: the normalized direct mantissa.
const FAC: [i16; 8] = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];

fn saturate(x: i32) -> i32 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// `GSM_ADD`.
fn add(a: i16, b: i16) -> i16 {
    saturate(i32::from(a) + i32::from(b)) as i16
}

/// `gsm_sub`.
fn sub(a: i16, b: i16) -> i16 {
    saturate(i32::from(a) - i32::from(b)) as i16
}

/// `GSM_MULT_R`: `(a * b + 16384) >> 15`.
fn mult_r(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b) + 16384) >> 15) as i16
}

/// `gsm_asl`.
fn asl(a: i16, n: i16) -> i16 {
    if n >= 16 {
        0
    } else if n <= -16 {
        -i16::from(a < 0)
    } else if n < 0 {
        asr(a, -n)
    } else {
        ((i32::from(a)) << n) as i16
    }
}

/// `gsm_asr`.
fn asr(a: i16, n: i16) -> i16 {
    if n >= 16 {
        -i16::from(a < 0)
    } else if n <= -16 {
        0
    } else if n < 0 {
        ((i32::from(a)) << -n) as i16
    } else {
        a >> n
    }
}
