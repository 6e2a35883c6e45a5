//! Fuzz-style properties: sound files and tone lists are user input, so no input may panic,
//! and what comes out must still be well-formed.

use pbx_media::sound::{self, Format};
use pbx_media::tone::Tone;
use pbx_media::{Sounds, g711, say};
use proptest::prelude::*;

/// A WAV file with a plausible header of arbitrary fields and arbitrary chunks around it.
fn wav_file() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            Just(1u16),
            Just(3),
            Just(6),
            Just(7),
            Just(0xFFFE),
            any::<u16>()
        ],
        0u16..6,
        prop_oneof![
            Just(8000u32),
            Just(44100),
            Just(1000),
            Just(1_000_000),
            any::<u32>()
        ],
        prop_oneof![
            Just(8u16),
            Just(16),
            Just(24),
            Just(32),
            Just(64),
            any::<u16>()
        ],
        proptest::collection::vec(any::<u8>(), 0..24),
        proptest::collection::vec(any::<u8>(), 0..600),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(tag, channels, rate, bits, extra, data, junk_size, lie)| {
            let mut fmt = Vec::new();
            fmt.extend_from_slice(&tag.to_le_bytes());
            fmt.extend_from_slice(&channels.to_le_bytes());
            fmt.extend_from_slice(&rate.to_le_bytes());
            fmt.extend_from_slice(&rate.wrapping_mul(2).to_le_bytes());
            fmt.extend_from_slice(&(channels.wrapping_mul(bits / 8)).to_le_bytes());
            fmt.extend_from_slice(&bits.to_le_bytes());
            fmt.extend_from_slice(&extra);
            let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
            for (id, body) in [(b"LIST", &extra), (b"fmt ", &fmt), (b"data", &data)] {
                out.extend_from_slice(id);
                let size = if lie && id == b"data" {
                    junk_size
                } else {
                    body.len() as u32
                };
                out.extend_from_slice(&size.to_le_bytes());
                out.extend_from_slice(body);
                if body.len() % 2 == 1 {
                    out.push(0);
                }
            }
            out
        })
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        for format in Format::ALL {
            if let Ok(sound) = sound::decode(&bytes, format) {
                match format {
                    Format::Sln => prop_assert_eq!(sound.len(), bytes.len() / 2),
                    Format::Ulaw | Format::Alaw => prop_assert_eq!(sound.len(), bytes.len()),
                    Format::Wav | Format::Wav49 => {}
                    // Whole 33-byte frames, each 160 samples.
                    Format::Gsm => prop_assert_eq!(sound.len(), bytes.len() / 33 * 160),
                }
            }
        }
        let mut riff = b"RIFF\0\0\0\0WAVE".to_vec();
        riff.extend_from_slice(&bytes);
        let _ = sound::decode(&riff, Format::Wav);
        // Any GSM frame decodes (libgsm checks nothing but the magic nibble).
        let mut frames = bytes.clone();
        for frame in frames.chunks_mut(33) {
            frame[0] = 0xD0 | (frame[0] & 0x0F);
        }
        let _ = pbx_media::gsm::Decoder::decode_gsm(&frames);
        let _ = pbx_media::gsm::Decoder::decode_wav49(&bytes);
    }

    #[test]
    fn decoding_mangled_wavs_never_panics(file in wav_file(), cut in any::<usize>()) {
        if let Ok(sound) = sound::decode(&file, Format::Wav) {
            // Never more than 8 kHz from at least 1 kHz: at most 8 samples a byte, plus one.
            prop_assert!(sound.len() <= file.len() * 8 + 1);
            let _ = sound.frames().count();
        }
        let cut = cut % (file.len() + 1);
        let _ = sound::decode(&file[..cut], Format::Wav);
    }

    #[test]
    fn wav_round_trips(samples in proptest::collection::vec(any::<i16>(), 0..400)) {
        let back = sound::decode(&sound::encode_wav(&samples), Format::Wav).unwrap();
        prop_assert_eq!(&*back.samples, &samples[..]);
    }

    #[test]
    fn g711_round_trips_any_sample(x in any::<i16>()) {
        let mu = g711::ulaw_decode(g711::ulaw_encode(x));
        prop_assert_eq!(g711::ulaw_decode(g711::ulaw_encode(mu)), mu);
        let a = g711::alaw_decode(g711::alaw_encode(x));
        prop_assert_eq!(g711::alaw_decode(g711::alaw_encode(a)), a);
    }

    #[test]
    fn parsing_arbitrary_tone_lists_never_panics(spec in any::<String>(), vol in any::<i32>()) {
        if let Ok(mut tone) = Tone::parse_with_volume(&spec, vol) {
            for _ in 0..3 {
                let _ = tone.next_frame();
            }
        }
    }

    #[test]
    fn parsing_tone_like_lists_never_panics(
        spec in "[0-9M+*/!,| \t~-]{0,40}",
        vol in prop_oneof![Just(0), Just(7219), any::<i32>()],
    ) {
        if let Ok(mut tone) = Tone::parse_with_volume(&spec, vol) {
            prop_assert!(!tone.parts().is_empty());
            for _ in 0..60 {
                if tone.next_frame().is_none() {
                    prop_assert!(!tone.repeats());
                    break;
                }
            }
        }
    }

    #[test]
    fn say_never_panics(s in any::<String>(), n in any::<i64>()) {
        let _ = say::digits(&s);
        let _ = say::alpha_case(&s, say::Case::All);
        let _ = say::phonetic(&s);
        let files = say::number(n);
        prop_assert_eq!(files.is_some(), i32::try_from(n).is_ok_and(|n| n.unsigned_abs() != i32::MAX as u32));
    }

    #[test]
    fn looking_up_arbitrary_names_never_panics(name in any::<String>(), lang in any::<String>()) {
        let sounds = Sounds::new(std::env::temp_dir().join("pbx-media-no-such-root"))
            .with_embedded([("en/x.sln", &[0u8, 0][..])]);
        let _ = sounds.find(&name, &lang);
    }
}
