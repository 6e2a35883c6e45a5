//! Sound files: the formats `Playback` reads and `Record` writes, decoded to the runtime's
//! 8 kHz signed linear.
//!
//! Asterisk stores a prompt in one of several formats named by the file's extension and picks
//! one at play time. We read the four that matter for a G.711 PBX:
//!
//! - `sln` (also `slin`, `raw`): headerless signed 16-bit little-endian at 8 kHz — lossless and
//!   what the core mixes in.
//! - `ulaw` (also `pcm`, `ul`, `mu`, `ulw`) and `alaw` (also `al`, `alw`): headerless G.711
//!   bytes, ready for the wire.
//! - `wav`: RIFF WAVE. Asterisk's own `format_wav` reads only 16-bit mono PCM at 8 or 16 kHz;
//!   we are deliberately more tolerant, because prompts come from editors and text-to-speech
//!   tools: 8-bit unsigned, 16/24/32-bit PCM, 32/64-bit float, μ-law (format 7), A-law
//!   (format 6) and `WAVE_FORMAT_EXTENSIBLE` with a PCM, float, μ-law or A-law subformat; any
//!   channel count (downmixed by averaging) and any rate from [`MIN_RATE`] to [`MAX_RATE`]
//!   (resampled to 8 kHz by [`crate::resample`]). Unknown chunks (`LIST`, `fact`, `cue `, …)
//!   and odd-size padding are skipped, the RIFF size is not trusted, and a `data` chunk cut
//!   short by a crashed writer is read as far as it goes.
//!
//! - `gsm`: GSM 06.10 full-rate frames, and `WAV` (`wav49`): GSM in WAV, two frames in 65
//!   bytes — the formats of Asterisk's default sound packages and of many voicemail spools,
//!   decoded as libgsm decodes them ([`crate::gsm`]); a `wav` file holding GSM (format
//!   0x31) is read too. They are read, not written.
//!
//! Extensions are matched case-sensitively, as Asterisk does: `WAV` is its GSM-in-WAV format
//! (`wav49`), not `wav`.
//!
//! Files are user input: every decoder returns a [`SoundError`] rather than panicking.

use std::fmt;
use std::sync::Arc;

use crate::{FRAME_SAMPLES, RATE, Samples, g711, resample};

/// The lowest WAV sample rate accepted: below it a file is not plausibly audio, and the
/// upsampling to 8 kHz would multiply its size.
pub const MIN_RATE: u32 = 1000;
/// The highest WAV sample rate accepted.
pub const MAX_RATE: u32 = 1_000_000;

/// A sound-file format, as named by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Signed linear 16-bit little-endian, 8 kHz mono, no header.
    Sln,
    /// G.711 μ-law bytes, no header.
    Ulaw,
    /// G.711 A-law bytes, no header.
    Alaw,
    /// RIFF WAVE.
    Wav,
    /// GSM 06.10 frames, no header (read only).
    Gsm,
    /// GSM 06.10 in RIFF WAVE, Microsoft's packing (read only).
    Wav49,
}

impl Format {
    /// Every format, in the order a sounds directory prefers them: lossless first, then the
    /// G.711 laws that need no more than a table look-up, then WAV, then GSM, which must be
    /// decoded.
    pub const ALL: [Format; 6] = [
        Format::Sln,
        Format::Ulaw,
        Format::Alaw,
        Format::Wav,
        Format::Gsm,
        Format::Wav49,
    ];

    /// The format of a file extension (without the dot), with Asterisk's aliases
    /// (`formats/format_sln.c`, `format_pcm.c`, `format_wav.c`); case-sensitive.
    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|format| format.extensions().contains(&ext))
    }

    /// The extensions of this format, in the order Asterisk lists them.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Sln => &["sln", "slin", "raw"],
            Format::Ulaw => &["pcm", "ulaw", "ul", "mu", "ulw"],
            Format::Alaw => &["alaw", "al", "alw"],
            Format::Wav => &["wav"],
            Format::Gsm => &["gsm"],
            Format::Wav49 => &["WAV", "wav49"],
        }
    }

    /// The extension a file of this format is written with.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Sln => "sln",
            Format::Ulaw => "ulaw",
            Format::Alaw => "alaw",
            Format::Wav => "wav",
            Format::Gsm => "gsm",
            Format::Wav49 => "WAV",
        }
    }

    /// Whether [`encode`] writes it.
    pub fn writable(self) -> bool {
        !matches!(self, Format::Gsm | Format::Wav49)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A decoded sound: signed linear 16-bit samples at 8 kHz, mono. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sound {
    /// The samples, at [`RATE`].
    pub samples: Arc<[i16]>,
}

impl Sound {
    /// A sound of these samples (8 kHz mono).
    pub fn new(samples: impl Into<Arc<[i16]>>) -> Self {
        Sound {
            samples: samples.into(),
        }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the sound has no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The length in milliseconds, rounded down.
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(RATE)
    }

    /// The number of 20 ms frames, counting a partial last one.
    pub fn frame_count(&self) -> usize {
        self.samples.len().div_ceil(FRAME_SAMPLES)
    }

    /// Frame `index`, the last one padded with silence; `None` past the end.
    pub fn frame(&self, index: usize) -> Option<Samples> {
        let start = index.checked_mul(FRAME_SAMPLES)?;
        let rest = self.samples.get(start..).filter(|rest| !rest.is_empty())?;
        let mut frame = [0; FRAME_SAMPLES];
        let n = rest.len().min(FRAME_SAMPLES);
        frame[..n].copy_from_slice(&rest[..n]);
        Some(frame)
    }

    /// The sound as 20 ms frames, the last one padded with silence.
    pub fn frames(&self) -> impl Iterator<Item = Samples> + '_ {
        (0..self.frame_count()).filter_map(|i| self.frame(i))
    }

    /// The memory the samples take, for cache accounting.
    pub fn byte_size(&self) -> usize {
        self.samples.len() * size_of::<i16>()
    }
}

/// Why a sound could not be found or decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SoundError {
    /// No file of this name exists in any language or format.
    NotFound {
        /// The name looked up.
        name: String,
    },
    /// The file exists but could not be read.
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
    /// The file is larger than a sound is allowed to be.
    TooLarge {
        /// Its size in bytes.
        bytes: u64,
    },
    /// A `.wav` file that does not start with a RIFF WAVE header.
    NotWave,
    /// A WAV file without a required chunk (`fmt ` or `data`).
    MissingChunk(&'static str),
    /// The file ends inside a header or chunk.
    Truncated(&'static str),
    /// A WAV encoding we do not decode (the `wFormatTag`, or the subformat's for
    /// `WAVE_FORMAT_EXTENSIBLE`).
    UnsupportedEncoding {
        /// The format tag.
        tag: u32,
    },
    /// A WAV encoding we know with a sample size we do not.
    UnsupportedSampleSize {
        /// The format tag.
        tag: u32,
        /// Bits per sample.
        bits: u16,
    },
    /// A WAV sample rate outside [`MIN_RATE`]..=[`MAX_RATE`].
    UnsupportedRate(u32),
    /// A WAV file that says it has no channels.
    NoChannels,
}

impl fmt::Display for SoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SoundError::NotFound { name } => {
                write!(f, "sound '{name}' does not exist in any format")
            }
            SoundError::Io { path, message } => write!(f, "cannot read {path}: {message}"),
            SoundError::TooLarge { bytes } => write!(f, "sound file of {bytes} bytes is too large"),
            SoundError::NotWave => f.write_str("not a RIFF WAVE file"),
            SoundError::MissingChunk(chunk) => write!(f, "WAV file has no '{chunk}' chunk"),
            SoundError::Truncated(what) => write!(f, "file is truncated in the {what}"),
            SoundError::UnsupportedEncoding { tag } => {
                write!(f, "unsupported WAV encoding (format tag {tag:#06x})")
            }
            SoundError::UnsupportedSampleSize { tag, bits } => {
                write!(
                    f,
                    "unsupported WAV sample size: {bits} bits for format tag {tag:#06x}"
                )
            }
            SoundError::UnsupportedRate(rate) => write!(
                f,
                "unsupported WAV sample rate {rate} Hz (accepted: {MIN_RATE} to {MAX_RATE})"
            ),
            SoundError::NoChannels => f.write_str("WAV file has no channels"),
        }
    }
}

impl std::error::Error for SoundError {}

/// Decodes a whole file of `format` to 8 kHz mono.
///
/// `sln` with an odd length drops the last byte (half a sample), as a stream reader would.
pub fn decode(bytes: &[u8], format: Format) -> Result<Sound, SoundError> {
    let samples: Vec<i16> = match format {
        Format::Sln => bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
        Format::Ulaw => bytes.iter().map(|&b| g711::ulaw_decode(b)).collect(),
        Format::Alaw => bytes.iter().map(|&b| g711::alaw_decode(b)).collect(),
        Format::Wav | Format::Wav49 => decode_wav(bytes)?,
        Format::Gsm => crate::gsm::Decoder::decode_gsm(bytes),
    };
    Ok(Sound::new(samples))
}

/// Encodes 8 kHz mono samples as a file of `format` (what `Record` writes); `None` for a
/// format that is only read ([`Format::writable`]).
pub fn encode(samples: &[i16], format: Format) -> Option<Vec<u8>> {
    Some(match format {
        Format::Sln => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
        Format::Ulaw => samples.iter().map(|&s| g711::ulaw_encode(s)).collect(),
        Format::Alaw => samples.iter().map(|&s| g711::alaw_encode(s)).collect(),
        Format::Wav => encode_wav(samples),
        Format::Gsm | Format::Wav49 => return None,
    })
}

/// Encodes 8 kHz mono samples as a 16-bit PCM WAV file with the canonical 44-byte header,
/// the same layout Asterisk's `format_wav` writes.
pub fn encode_wav(samples: &[i16]) -> Vec<u8> {
    let data_len = u32::try_from(samples.len() * 2).unwrap_or(u32::MAX - 36) & !1;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // channels
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in &samples[..data_len as usize / 2] {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

const WAVE_FORMAT_PCM: u16 = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
const WAVE_FORMAT_ALAW: u16 = 0x0006;
/// `WAVE_FORMAT_GSM610`: what Asterisk writes as `wav49`.
const WAVE_FORMAT_GSM610: u16 = 0x0031;
const WAVE_FORMAT_MULAW: u16 = 0x0007;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes 4..16 of every `KSDATAFORMAT_SUBTYPE_*` GUID whose first four bytes are a format tag.
const SUBFORMAT_GUID_TAIL: [u8; 12] = [
    0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// How the samples of a `data` chunk are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// Integer PCM: 8-bit unsigned, or 16/24/32-bit signed little-endian.
    Pcm(usize),
    /// IEEE float, 4 or 8 bytes.
    Float(usize),
    Ulaw,
    Alaw,
    /// GSM 06.10 in 65-byte blocks of two frames (`wav49`): decoded whole.
    Gsm,
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Encoding::Pcm(n) | Encoding::Float(n) => n,
            Encoding::Ulaw | Encoding::Alaw | Encoding::Gsm => 1,
        }
    }

    /// One sample, scaled so that full scale is ±32768.
    fn sample(self, b: &[u8]) -> f32 {
        match (self, b) {
            (Encoding::Pcm(1), [x, ..]) => (f32::from(*x) - 128.0) * 256.0,
            (Encoding::Pcm(2), [a, b, ..]) => f32::from(i16::from_le_bytes([*a, *b])),
            (Encoding::Pcm(3), [a, b, c, ..]) => {
                i32::from_le_bytes([0, *a, *b, *c]) as f32 / 65536.0
            }
            (Encoding::Pcm(4), [a, b, c, d, ..]) => {
                i32::from_le_bytes([*a, *b, *c, *d]) as f32 / 65536.0
            }
            (Encoding::Float(4), [a, b, c, d, ..]) => {
                f32::from_le_bytes([*a, *b, *c, *d]) * 32768.0
            }
            (Encoding::Float(8), [a, b, c, d, e, f, g, h, ..]) => {
                (f64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]) * 32768.0) as f32
            }
            (Encoding::Ulaw, [x, ..]) => f32::from(g711::ulaw_decode(*x)),
            (Encoding::Alaw, [x, ..]) => f32::from(g711::alaw_decode(*x)),
            _ => 0.0,
        }
    }
}

/// What the `fmt ` chunk says.
#[derive(Clone, Copy, Debug)]
struct WavFormat {
    encoding: Encoding,
    channels: usize,
    rate: u32,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse_fmt(body: &[u8]) -> Result<WavFormat, SoundError> {
    let truncated = SoundError::Truncated("fmt chunk");
    let tag = u16_at(body, 0).ok_or(truncated.clone())?;
    let channels = u16_at(body, 2).ok_or(truncated.clone())?;
    let rate = u32_at(body, 4).ok_or(truncated.clone())?;
    let bits = u16_at(body, 14).ok_or(truncated)?;
    let tag = if tag == WAVE_FORMAT_EXTENSIBLE {
        // cbSize (16), wValidBitsPerSample (18), dwChannelMask (20), SubFormat GUID (24..40).
        let guid = body
            .get(24..40)
            .ok_or(SoundError::Truncated("extensible fmt chunk"))?;
        if guid[4..] != SUBFORMAT_GUID_TAIL {
            return Err(SoundError::UnsupportedEncoding {
                tag: u32::from(WAVE_FORMAT_EXTENSIBLE),
            });
        }
        u32_at(guid, 0).unwrap_or(0)
    } else {
        u32::from(tag)
    };
    let bytes = usize::from(bits).div_ceil(8);
    let encoding = match tag {
        t if t == u32::from(WAVE_FORMAT_PCM) => match bits {
            8 | 16 | 24 | 32 => Encoding::Pcm(bytes),
            _ => return Err(SoundError::UnsupportedSampleSize { tag, bits }),
        },
        t if t == u32::from(WAVE_FORMAT_IEEE_FLOAT) => match bits {
            32 | 64 => Encoding::Float(bytes),
            _ => return Err(SoundError::UnsupportedSampleSize { tag, bits }),
        },
        // G.711 is 8 bits a sample whatever the header claims.
        t if t == u32::from(WAVE_FORMAT_MULAW) => Encoding::Ulaw,
        t if t == u32::from(WAVE_FORMAT_ALAW) => Encoding::Alaw,
        t if t == u32::from(WAVE_FORMAT_GSM610) => Encoding::Gsm,
        _ => return Err(SoundError::UnsupportedEncoding { tag }),
    };
    if channels == 0 {
        return Err(SoundError::NoChannels);
    }
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        return Err(SoundError::UnsupportedRate(rate));
    }
    Ok(WavFormat {
        encoding,
        channels: usize::from(channels),
        rate,
    })
}

/// Decodes a RIFF WAVE file to 8 kHz mono.
fn decode_wav(bytes: &[u8]) -> Result<Vec<i16>, SoundError> {
    if bytes.get(..4).is_some_and(|magic| magic != b"RIFF") {
        return Err(SoundError::NotWave);
    }
    let form = bytes
        .get(8..12)
        .ok_or(SoundError::Truncated("RIFF header"))?;
    if form != b"WAVE" {
        return Err(SoundError::NotWave);
    }
    // Walk the chunks to the end of the file: the RIFF size is often wrong (0 or
    // 0xFFFFFFFF from streaming writers), so it is not used.
    let mut format = None;
    let mut data = None;
    let mut pos = 12usize;
    while let Some(header) = bytes.get(pos..).and_then(|rest| rest.get(..8)) {
        let (id, size) = (&header[..4], u32_at(header, 4).unwrap_or(0));
        let body_start = pos + 8;
        // A chunk longer than the file is read as far as the file goes.
        let body_end = usize::try_from(size)
            .ok()
            .and_then(|size| body_start.checked_add(size))
            .map_or(bytes.len(), |end| end.min(bytes.len()));
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " if format.is_none() => format = Some(parse_fmt(body)?),
            b"data" if data.is_none() => data = Some(body),
            _ => {}
        }
        if format.is_some() && data.is_some() {
            break;
        }
        // Chunks are padded to an even size; a missing pad byte at the end is tolerated.
        let Some(next) = usize::try_from(size)
            .ok()
            .and_then(|size| body_start.checked_add(size)?.checked_add(size & 1))
        else {
            break;
        };
        pos = next;
    }
    let format = format.ok_or(SoundError::MissingChunk("fmt "))?;
    let data = data.ok_or(SoundError::MissingChunk("data"))?;

    if format.encoding == Encoding::Gsm {
        // Mono 8 kHz is all libgsm's WAV49 knows.
        if format.channels != 1 || format.rate != RATE {
            return Err(SoundError::UnsupportedRate(format.rate));
        }
        return Ok(crate::gsm::Decoder::decode_wav49(data));
    }
    let sample_bytes = format.encoding.bytes();
    // At most 8 bytes × 65535 channels, and never 0.
    let frame_bytes = sample_bytes * format.channels;
    // The common case, 16-bit mono at 8 kHz, is copied exactly.
    if format.encoding == Encoding::Pcm(2) && format.channels == 1 && format.rate == RATE {
        return Ok(data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect());
    }
    let scale = 1.0 / format.channels as f32;
    let mono: Vec<f32> = data
        .chunks_exact(frame_bytes)
        .map(|frame| {
            frame
                .chunks_exact(sample_bytes)
                .map(|s| format.encoding.sample(s))
                .sum::<f32>()
                * scale
        })
        .collect();
    let mono = resample::resample(&mono, format.rate, RATE);
    Ok(mono.into_iter().map(to_i16).collect())
}

/// Rounds and clips to 16 bits (NaN becomes silence).
fn to_i16(x: f32) -> i16 {
    x.round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file from parts: `fmt ` body, then chunks in order.
    fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    fn fmt_chunk(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits.div_ceil(8);
        let mut v = Vec::new();
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        v.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        v.extend_from_slice(&align.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v
    }

    fn extensible(sub_tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut v = fmt_chunk(WAVE_FORMAT_EXTENSIBLE, channels, rate, bits);
        v.extend_from_slice(&22u16.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&u32::from(sub_tag).to_le_bytes());
        v.extend_from_slice(&SUBFORMAT_GUID_TAIL);
        v
    }

    fn pcm16(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    fn wav(bytes: &[u8]) -> Result<Vec<i16>, SoundError> {
        decode(bytes, Format::Wav).map(|s| s.samples.to_vec())
    }

    #[test]
    fn extensions_follow_asterisk() {
        assert_eq!(Format::from_extension("sln"), Some(Format::Sln));
        assert_eq!(Format::from_extension("raw"), Some(Format::Sln));
        assert_eq!(Format::from_extension("pcm"), Some(Format::Ulaw));
        assert_eq!(Format::from_extension("ulaw"), Some(Format::Ulaw));
        assert_eq!(Format::from_extension("alw"), Some(Format::Alaw));
        assert_eq!(Format::from_extension("wav"), Some(Format::Wav));
        // `WAV` is Asterisk's GSM wav49, and matching is case-sensitive.
        assert_eq!(Format::from_extension("WAV"), Some(Format::Wav49));
        assert_eq!(Format::from_extension("Wav"), None);
        assert_eq!(Format::from_extension("gsm"), Some(Format::Gsm));
        assert_eq!(Format::from_extension("GSM"), None);
        assert_eq!(Format::from_extension(""), None);
        for format in Format::ALL {
            assert_eq!(Format::from_extension(format.extension()), Some(format));
        }
    }

    #[test]
    fn raw_formats_decode_sample_by_sample() {
        let sln = decode(&[0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80, 0x7F], Format::Sln).unwrap();
        assert_eq!(&*sln.samples, &[1, -1, -32768]);
        let ulaw = decode(&[0xFF, 0x00, 0x80], Format::Ulaw).unwrap();
        assert_eq!(&*ulaw.samples, &[0, -32124, 32124]);
        let alaw = decode(&[0xD5, 0x55], Format::Alaw).unwrap();
        assert_eq!(&*alaw.samples, &[8, -8]);
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let samples: Vec<i16> = (0..400)
            .map(|i| ((i * 163) % 20000 - 10000) as i16)
            .collect();
        for format in [Format::Sln, Format::Wav] {
            let back = decode(&encode(&samples, format).unwrap(), format).unwrap();
            assert_eq!(&*back.samples, &samples[..], "{format}");
        }
        for (format, law) in [
            (Format::Ulaw, g711::ulaw_encode as fn(i16) -> u8),
            (Format::Alaw, g711::alaw_encode),
        ] {
            let bytes = encode(&samples, format).unwrap();
            assert_eq!(bytes.len(), samples.len());
            assert_eq!(bytes[7], law(samples[7]));
            let back = decode(&bytes, format).unwrap();
            assert_eq!(back.len(), samples.len());
        }
    }

    #[test]
    fn encode_wav_writes_the_canonical_header() {
        let bytes = encode_wav(&[1, -2]);
        assert_eq!(bytes.len(), 48);
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(u32_at(&bytes, 4), Some(40));
        assert_eq!(&bytes[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(&bytes, 16), Some(16));
        assert_eq!(u16_at(&bytes, 20), Some(1)); // PCM
        assert_eq!(u16_at(&bytes, 22), Some(1)); // mono
        assert_eq!(u32_at(&bytes, 24), Some(8000));
        assert_eq!(u32_at(&bytes, 28), Some(16000));
        assert_eq!(u16_at(&bytes, 32), Some(2));
        assert_eq!(u16_at(&bytes, 34), Some(16));
        assert_eq!(&bytes[36..40], b"data");
        assert_eq!(u32_at(&bytes, 40), Some(4));
        assert_eq!(&bytes[44..], &[1, 0, 0xFE, 0xFF]);
    }

    #[test]
    fn wav_skips_extra_chunks_and_padding() {
        let file = riff(&[
            (b"LIST", b"INFOISFT\x03\x00\x00\x00ab\x00".to_vec()), // odd size, padded
            (b"fmt ", fmt_chunk(1, 1, 8000, 16)),
            (b"fact", 3u32.to_le_bytes().to_vec()),
            (b"data", pcm16(&[5, -5, 300])),
            (b"LIST", b"junk".to_vec()),
        ]);
        assert_eq!(wav(&file).unwrap(), vec![5, -5, 300]);
    }

    #[test]
    fn wav_tolerates_data_before_fmt_and_a_wrong_riff_size() {
        let mut file = riff(&[
            (b"data", pcm16(&[7, 8])),
            (b"fmt ", fmt_chunk(1, 1, 8000, 16)),
        ]);
        file[4..8].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(wav(&file).unwrap(), vec![7, 8]);
    }

    #[test]
    fn wav_reads_a_cut_short_data_chunk_as_far_as_it_goes() {
        let mut file = riff(&[
            (b"fmt ", fmt_chunk(1, 1, 8000, 16)),
            (b"data", pcm16(&[1, 2, 3, 4])),
        ]);
        file.truncate(file.len() - 3); // half of sample 3 and all of sample 4 lost
        assert_eq!(wav(&file).unwrap(), vec![1, 2]);
        // A streaming writer's "unknown" size.
        let mut file = riff(&[(b"fmt ", fmt_chunk(1, 1, 8000, 16)), (b"data", pcm16(&[9]))]);
        let at = file.len() - 6;
        file[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(wav(&file).unwrap(), vec![9]);
    }

    #[test]
    fn wav_8_bit_is_unsigned() {
        let file = riff(&[
            (b"fmt ", fmt_chunk(1, 1, 8000, 8)),
            (b"data", vec![128, 255, 0, 129, 7]), // odd length: padded
        ]);
        assert_eq!(
            wav(&file).unwrap(),
            vec![0, 127 * 256, -32768, 256, (7 - 128) * 256]
        );
    }

    #[test]
    fn wav_g711_uses_the_tables() {
        let ulaw = riff(&[
            (b"fmt ", fmt_chunk(7, 1, 8000, 8)),
            (b"data", vec![0x00, 0xFF]),
        ]);
        assert_eq!(wav(&ulaw).unwrap(), vec![-32124, 0]);
        let alaw = riff(&[
            (b"fmt ", fmt_chunk(6, 1, 8000, 8)),
            (b"data", vec![0xD5, 0x2A]),
        ]);
        assert_eq!(wav(&alaw).unwrap(), vec![8, -32256]);
    }

    #[test]
    fn wav_extensible_pcm_and_float() {
        let file = riff(&[
            (b"fmt ", extensible(1, 1, 8000, 16)),
            (b"data", pcm16(&[100, -100])),
        ]);
        assert_eq!(wav(&file).unwrap(), vec![100, -100]);
        let floats: Vec<u8> = [0.5f32, -0.25]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let file = riff(&[(b"fmt ", extensible(3, 1, 8000, 32)), (b"data", floats)]);
        assert_eq!(wav(&file).unwrap(), vec![16384, -8192]);
        let file = riff(&[
            (b"fmt ", extensible(0x55, 1, 8000, 16)), // MP3: not ours
            (b"data", vec![0; 4]),
        ]);
        assert_eq!(
            wav(&file),
            Err(SoundError::UnsupportedEncoding { tag: 0x55 })
        );
    }

    #[test]
    fn wav_24_and_32_bit_keep_the_top_16_bits() {
        let s24 = riff(&[
            (b"fmt ", fmt_chunk(1, 1, 8000, 24)),
            (b"data", vec![0x00, 0x34, 0x12, 0xFF, 0xFF, 0xFF]),
        ]);
        assert_eq!(wav(&s24).unwrap(), vec![0x1234, 0]);
        let s32 = riff(&[
            (b"fmt ", fmt_chunk(1, 1, 8000, 32)),
            (b"data", vec![0x00, 0x00, 0x00, 0x80]),
        ]);
        assert_eq!(wav(&s32).unwrap(), vec![-32768]);
    }

    #[test]
    fn wav_stereo_is_averaged() {
        let file = riff(&[
            (b"fmt ", fmt_chunk(1, 2, 8000, 16)),
            (b"data", pcm16(&[1000, 3000, -200, 200, 32767, 32767])),
        ]);
        assert_eq!(wav(&file).unwrap(), vec![2000, 0, 32767]);
    }

    #[test]
    fn wav_at_other_rates_is_resampled_to_8k() {
        // Half a second of 440 Hz at 44.1 kHz, stereo with the tone in one channel only.
        let rate = 44100;
        let frames: Vec<i16> = (0..rate / 2)
            .flat_map(|i| {
                let v = (12000.0
                    * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / f64::from(rate)).sin())
                    as i16;
                [v, 0]
            })
            .collect();
        let file = riff(&[
            (b"fmt ", fmt_chunk(1, 2, rate, 16)),
            (b"data", pcm16(&frames)),
        ]);
        let out = wav(&file).unwrap();
        assert_eq!(out.len(), 4000);
        // The averaged channel peaks at 6000; check a window away from the edges against
        // the ideal 8 kHz rendering.
        for (i, &s) in out.iter().enumerate().skip(1000).take(2000) {
            let ideal = 6000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin();
            assert!(
                (f64::from(s) - ideal).abs() < 40.0,
                "sample {i}: {s} vs {ideal}"
            );
        }
    }

    #[test]
    fn wav_errors_say_what_is_wrong() {
        assert_eq!(wav(b"RIFF"), Err(SoundError::Truncated("RIFF header")));
        assert_eq!(wav(b"RIFX\0\0\0\0WAVE"), Err(SoundError::NotWave));
        assert_eq!(wav(b"RIFF\0\0\0\0AVI "), Err(SoundError::NotWave));
        assert_eq!(wav(b"ID3\x03 mp3 data"), Err(SoundError::NotWave));
        let no_data = riff(&[(b"fmt ", fmt_chunk(1, 1, 8000, 16))]);
        assert_eq!(wav(&no_data), Err(SoundError::MissingChunk("data")));
        let no_fmt = riff(&[(b"data", pcm16(&[1]))]);
        assert_eq!(wav(&no_fmt), Err(SoundError::MissingChunk("fmt ")));
        let short_fmt = riff(&[(b"fmt ", vec![1, 0, 1, 0])]);
        assert_eq!(wav(&short_fmt), Err(SoundError::Truncated("fmt chunk")));
        let mp3 = riff(&[(b"fmt ", fmt_chunk(0x55, 1, 8000, 0)), (b"data", vec![])]);
        assert_eq!(
            wav(&mp3),
            Err(SoundError::UnsupportedEncoding { tag: 0x55 })
        );
        // GSM at another rate than 8 kHz is not libgsm's.
        let gsm = riff(&[(b"fmt ", fmt_chunk(0x31, 1, 16000, 0)), (b"data", vec![])]);
        assert_eq!(wav(&gsm), Err(SoundError::UnsupportedRate(16000)));
        let pcm12 = riff(&[(b"fmt ", fmt_chunk(1, 1, 8000, 12)), (b"data", vec![])]);
        assert_eq!(
            wav(&pcm12),
            Err(SoundError::UnsupportedSampleSize { tag: 1, bits: 12 })
        );
        let mute = riff(&[(b"fmt ", fmt_chunk(1, 0, 8000, 16)), (b"data", vec![])]);
        assert_eq!(wav(&mute), Err(SoundError::NoChannels));
        let slow = riff(&[(b"fmt ", fmt_chunk(1, 1, 10, 16)), (b"data", vec![])]);
        assert_eq!(wav(&slow), Err(SoundError::UnsupportedRate(10)));
        assert!(
            SoundError::UnsupportedRate(10)
                .to_string()
                .contains("10 Hz")
        );
        assert_eq!(SoundError::NotWave.to_string(), "not a RIFF WAVE file");
    }

    #[test]
    fn frames_pad_the_last_one_with_silence() {
        let sound = Sound::new((1..=200).collect::<Vec<i16>>());
        assert_eq!(sound.frame_count(), 2);
        assert_eq!(sound.duration_ms(), 25);
        let frames: Vec<Samples> = sound.frames().collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0][0], 1);
        assert_eq!(frames[0][159], 160);
        assert_eq!(frames[1][39], 200);
        assert_eq!(frames[1][40], 0);
        assert_eq!(sound.frame(2), None);
        assert_eq!(sound.frame(usize::MAX), None);
        assert_eq!(Sound::new(Vec::new()).frames().count(), 0);
    }
}
