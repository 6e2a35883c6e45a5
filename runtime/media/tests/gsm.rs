//! GSM 06.10 decoded as libgsm decodes it: `fixtures/speech.gsm` and
//! `fixtures/speech49.wav` (a swept tone mixed with noise, 0.5 s) were written by sox, and
//! `speech-gsm.sln` and `speech49.sln` are what sox — libgsm underneath — decodes them to.
//! Every sample must be the same.
//!
//! To make them again: `sox -n -r 8000 -c 1 -t gsm speech.gsm synth 0.5 sine 300-3000
//! synth 0.5 pinknoise mix gain -6`, the same with `-e gsm-full-rate speech49.wav`, then
//! `sox FILE -t raw -e signed -b 16 -L OUT.sln`.

use pbx_media::sound::{self, Format};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn sln(name: &str) -> Vec<i16> {
    fixture(name)
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn gsm_frames_decode_as_libgsm_decodes_them() {
    let sound = sound::decode(&fixture("speech.gsm"), Format::Gsm).unwrap();
    let expected = sln("speech-gsm.sln");
    assert_eq!(sound.samples.len(), 25 * 160);
    let first_difference = sound
        .samples
        .iter()
        .zip(&expected)
        .position(|(a, b)| a != b);
    assert_eq!(first_difference, None);
    assert_eq!(&*sound.samples, &expected[..]);
    // Not silence: the decoder did decode.
    assert!(expected.iter().any(|&s| s.unsigned_abs() > 1000));
}

#[test]
fn wav49_decodes_as_libgsm_decodes_it() {
    let bytes = fixture("speech49.wav");
    let expected = sln("speech49.sln");
    for format in [Format::Wav49, Format::Wav] {
        let sound = sound::decode(&bytes, format).unwrap();
        let first_difference = sound
            .samples
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b);
        assert_eq!(first_difference, None, "{format:?}");
        assert_eq!(&*sound.samples, &expected[..], "{format:?}");
    }
}

#[test]
fn a_frame_without_the_magic_is_silence_and_the_stream_goes_on() {
    let mut bytes = fixture("speech.gsm");
    bytes[33] = 0x00;
    let sound = sound::decode(&bytes, Format::Gsm).unwrap();
    assert!(sound.samples[160..320].iter().all(|&s| s == 0));
    assert!(sound.samples[320..].iter().any(|&s| s != 0));
    // A partial last frame is dropped.
    let cut = sound::decode(&bytes[..33 * 2 + 10], Format::Gsm).unwrap();
    assert_eq!(cut.samples.len(), 320);
}
