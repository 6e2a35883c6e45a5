//! Sample-rate conversion, used to bring sound files recorded at any rate to the runtime's
//! 8 kHz.
//!
//! Why not something simpler: a prompt recorded at 44.1 or 48 kHz has energy well above
//! 4 kHz (sibilants, cymbals in music on hold), and dropping samples or interpolating
//! linearly folds it back into the telephone band as audible hiss and whistles. We use
//! band-limited interpolation (J. O. Smith's method, as in libresample and SoX's `rate`): each
//! output sample is the input convolved with a Kaiser-windowed sinc low-pass placed at the
//! output instant, so one filter both removes what the new rate cannot carry and
//! interpolates between input samples.
//!
//! The filter's cutoff is [`CUTOFF`] of the lower of the two Nyquist frequencies (3.4 kHz
//! when going to 8 kHz — exactly the telephone band) and it spans [`ZERO_CROSSINGS`] zero
//! crossings each side, with a Kaiser window of β = [`KAISER_BETA`]; that puts the stop band
//! (about 80 dB down) below 3.85 kHz, so nothing that would alias survives. The windowed sinc
//! is tabulated at [`TABLE_STEPS`] points per zero crossing and interpolated linearly.
//! Output instants are computed with exact integer arithmetic, so long files do not drift.

/// The cutoff as a fraction of the lower Nyquist frequency.
pub const CUTOFF: f64 = 0.85;
/// Zero crossings of the sinc kept on each side of the centre.
pub const ZERO_CROSSINGS: usize = 24;
/// Kaiser window shape: about 80 dB of stop-band attenuation.
pub const KAISER_BETA: f64 = 8.0;
/// Table resolution: filter values per zero crossing.
pub const TABLE_STEPS: usize = 256;

/// Resamples `input` (one channel, any scale) from `from` Hz to `to` Hz.
///
/// The result has `ceil(len × to / from)` samples; sample `n` sits at the instant of input
/// sample `n × from / to`. Equal rates return the input unchanged, and a zero rate returns
/// nothing.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == 0 || to == 0 {
        return Vec::new();
    }
    if from == to {
        return input.to_vec();
    }
    let table = kaiser_sinc_table();
    let (from_u, to_u) = (u128::from(from), u128::from(to));
    let out_len = (input.len() as u128 * to_u).div_ceil(from_u);
    // Going down, the filter widens by from/to so its cutoff follows the output's Nyquist.
    let scale = CUTOFF * (f64::from(to) / f64::from(from)).min(1.0);
    let half_width = ZERO_CROSSINGS as f64 / scale;
    let mut out = Vec::with_capacity(usize::try_from(out_len).unwrap_or(0));
    let last = input.len() as i64 - 1;
    for n in 0..out_len {
        // The output instant in input samples: whole part and fraction, exactly.
        let num = n * from_u;
        let whole = (num / to_u) as i64;
        let frac = (num % to_u) as f64 / f64::from(to);
        let t = whole as f64 + frac;
        let first = ((t - half_width).ceil() as i64).max(0);
        let end = ((t + half_width).floor() as i64).min(last);
        let mut acc = 0.0f64;
        let mut k = first;
        while k <= end {
            let u = (t - k as f64).abs() * scale;
            acc += f64::from(input[k as usize]) * lookup(&table, u);
            k += 1;
        }
        out.push((acc * scale) as f32);
    }
    out
}

/// The windowed sinc, `sinc(u) × kaiser(u / ZERO_CROSSINGS)`, at `u = i / TABLE_STEPS`.
fn kaiser_sinc_table() -> Vec<f64> {
    let len = ZERO_CROSSINGS * TABLE_STEPS + 1;
    let norm = bessel_i0(KAISER_BETA);
    (0..len)
        .map(|i| {
            let u = i as f64 / TABLE_STEPS as f64;
            let sinc = if i == 0 {
                1.0
            } else {
                (std::f64::consts::PI * u).sin() / (std::f64::consts::PI * u)
            };
            let r = u / ZERO_CROSSINGS as f64;
            let window = bessel_i0(KAISER_BETA * (1.0 - r * r).max(0.0).sqrt()) / norm;
            sinc * window
        })
        .collect()
}

/// The table value at `u` zero crossings from the centre, interpolated; zero past the end.
fn lookup(table: &[f64], u: f64) -> f64 {
    let pos = u * TABLE_STEPS as f64;
    let i = pos as usize;
    match (table.get(i), table.get(i + 1)) {
        (Some(&a), Some(&b)) => a + (b - a) * (pos - i as f64),
        (Some(&a), None) => a,
        _ => 0.0,
    }
}

/// The modified Bessel function of the first kind, order zero, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..64 {
        term *= half / k as f64;
        let t = term * term;
        sum += t;
        if t < sum * 1e-17 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| {
                (amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    /// RMS over the middle half, away from the edges where the filter sees zeros.
    fn middle_rms(x: &[f32]) -> f64 {
        let mid = &x[x.len() / 4..x.len() * 3 / 4];
        (mid.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt()
    }

    /// Amplitude of the component at `freq` (a single-bin DFT) over the middle half.
    fn component(x: &[f32], freq: f64, rate: u32) -> f64 {
        let mid = &x[x.len() / 4..x.len() * 3 / 4];
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &v) in mid.iter().enumerate() {
            let w = 2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate);
            re += f64::from(v) * w.cos();
            im += f64::from(v) * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / mid.len() as f64
    }

    #[test]
    fn lengths_follow_the_ratio() {
        assert_eq!(resample(&[0.0; 441], 44100, 8000).len(), 80);
        assert_eq!(resample(&[0.0; 480], 48000, 8000).len(), 80);
        assert_eq!(resample(&[0.0; 3], 48000, 8000).len(), 1);
        assert_eq!(resample(&[0.0; 80], 4000, 8000).len(), 160);
        assert!(resample(&[], 16000, 8000).is_empty());
        assert!(resample(&[1.0], 0, 8000).is_empty());
        assert_eq!(resample(&[1.0, 2.0], 8000, 8000), vec![1.0, 2.0]);
    }

    #[test]
    fn a_tone_in_the_passband_keeps_its_level_and_frequency() {
        for rate in [11025, 16000, 22050, 44100, 48000] {
            let out = resample(&sine(1000.0, rate, 0.25, 10000.0), rate, 8000);
            let level = component(&out, 1000.0, 8000);
            assert!(
                (level - 10000.0).abs() < 100.0,
                "{rate} Hz: 1 kHz came out at {level}"
            );
            // Nothing but the tone: the total RMS is the tone's.
            let rms = middle_rms(&out);
            assert!(
                (rms - 10000.0 / 2f64.sqrt()).abs() < 80.0,
                "{rate} Hz: rms {rms}"
            );
        }
    }

    #[test]
    fn upsampling_keeps_a_tone() {
        let out = resample(&sine(700.0, 4000, 0.5, 8000.0), 4000, 8000);
        let level = component(&out, 700.0, 8000);
        assert!((level - 8000.0).abs() < 80.0, "700 Hz came out at {level}");
    }

    #[test]
    fn what_would_alias_is_removed() {
        // 5 kHz and 6 kHz cannot exist at 8 kHz; decimation alone would fold them to 3 kHz
        // and 2 kHz at full level.
        for freq in [5000.0, 6000.0, 9000.0] {
            let out = resample(&sine(freq, 48000, 0.25, 10000.0), 48000, 8000);
            let rms = middle_rms(&out);
            assert!(rms < 10.0, "{freq} Hz leaked through at rms {rms}");
        }
    }

    #[test]
    fn dc_passes_at_unity_gain() {
        let out = resample(&[1000.0; 4410], 44100, 8000);
        let mid = out[out.len() / 2];
        assert!((mid - 1000.0).abs() < 1.0, "dc came out as {mid}");
    }

    #[test]
    fn bessel_matches_known_values() {
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-12);
        assert!((bessel_i0(8.0) - 427.564_115_721_804_7).abs() < 1e-9);
    }
}
