//! The media layer of the PBX runtime, built on Asterisk's model of audio so that a dialplan
//! sounds the same here as it does there.
//!
//! Inside the runtime every call carries signed linear 16-bit audio at 8 kHz ([`RATE`]) in
//! frames of 20 ms ([`FRAME_SAMPLES`] samples, a [`Samples`] array), which is what Asterisk's
//! `slin` format and its default 20 ms packetisation are. Only at the edge does audio become
//! G.711 ([`g711`]), bit-exact with Asterisk's tables so that a recording made by one and
//! played by the other is the same sound.
//!
//! - [`g711`]: μ-law and A-law, the codecs of the telephone network.
//! - [`sound`]: decoding and encoding the sound-file formats that `Playback` and `Record`
//!   use (`.sln`, `.ulaw`, `.alaw`, `.wav`); files are user input, so nothing here panics.
//! - [`Sounds`]: a sounds directory (or sounds compiled into the binary) searched the way
//!   Asterisk's `main/file.c` searches `/var/lib/asterisk/sounds`, with a bounded cache.
//! - [`say`]: the lists of files that `SayDigits`, `SayAlpha` and `SayNumber` play.
//! - [`tone`]: indication tones (`Playtones`, ringing, busy) and the milliwatt.

pub mod g711;
pub mod gsm;
pub mod resample;
pub mod say;
pub mod sound;
mod sounds;
pub mod tone;

pub use sound::{Format, Sound, SoundError};
pub use sounds::{DEFAULT_CACHE_BYTES, DEFAULT_LANGUAGE, Sounds};

/// The sample rate of all audio inside the runtime, in Hz (Asterisk's `slin`).
pub const RATE: u32 = 8000;

/// Samples in one 20 ms frame at [`RATE`]: the unit in which audio moves between a call and
/// its channel.
pub const FRAME_SAMPLES: usize = 160;

/// One 20 ms frame of signed linear audio.
pub type Samples = [i16; FRAME_SAMPLES];

/// A frame of silence.
pub const SILENCE: Samples = [0; FRAME_SAMPLES];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_twenty_milliseconds() {
        assert_eq!(FRAME_SAMPLES as u32 * 1000 / RATE, 20);
        assert_eq!(SILENCE.len(), FRAME_SAMPLES);
    }
}
