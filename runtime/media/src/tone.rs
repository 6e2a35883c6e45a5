//! Tone generators: indications (`Playtones`, ringing, busy, congestion) and the milliwatt.
//!
//! Asterisk describes a tone as a list of parts in `indications.conf` syntax and plays it with
//! `ast_playtones_start` (`main/indications.c`); we parse the same syntax and reproduce its
//! generator sample for sample, so a caller hears exactly Asterisk's tones:
//!
//! ```text
//! tonelist = part [ "," part ]*        ("|" separates instead if the string contains one)
//! part     = [ "!" ] freq [ ( "+" | "*" ) freq ] [ "/" duration_ms ]
//! freq     = hertz | "M" midi_note     (M forms: "M60+M64/100"; notes above 127 are silence)
//! ```
//!
//! `f1+f2` mixes two sines, `f1*f2` modulates `f1` by `f2` (90 % depth). A part without a
//! duration lasts for ever. Parts marked `!` are played once; the list repeats from the
//! first part without `!`, so a list whose parts are all `!` ends (there is no other marker;
//! `~` means nothing). The list ends at the first empty part, a part that does not parse is
//! skipped (but, as in Asterisk, a skipped part without `!` still fixes where the repetition
//! starts), and numbers are read with C `sscanf("%u")`'s leniency.
//!
//! The generator is Asterisk's: each sine is a second-order recursive oscillator in integer
//! arithmetic at volume 7219 (−8 dBm0) unless given, and a part ends only at a frame
//! boundary once its duration has passed — a 30 ms part lasts two 20 ms frames.

use std::fmt;

use crate::{FRAME_SAMPLES, RATE, Samples, g711};

/// The volume `ast_playtones_start` uses when given none: −8 dB.
pub const DEFAULT_VOLUME: i32 = 7219;

/// The volume of `Milliwatt`'s tone (`app_milliwatt.c`): 0 dBm0.
pub const MILLIWATT_VOLUME: i32 = 23255;

/// Something that produces audio a frame at a time, like an Asterisk channel generator.
pub trait Generator {
    /// The next 20 ms, or `None` when the generator has finished.
    fn next_frame(&mut self) -> Option<Samples>;
}

/// One part of a tone list, as parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// The first frequency in Hz (after MIDI conversion); 0 is silence.
    pub freq1: u32,
    /// The second frequency in Hz, mixed or modulating; 0 if none.
    pub freq2: u32,
    /// How long the part lasts in milliseconds; 0 for ever.
    pub duration_ms: u32,
    /// `f1*f2`: `freq2` modulates `freq1` instead of being added.
    pub modulate: bool,
}

/// A tone list that has no part that parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToneError {
    /// The tone list.
    pub spec: String,
}

impl fmt::Display for ToneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no valid tone parts in '{}'", self.spec)
    }
}

impl std::error::Error for ToneError {}

/// The oscillator set-up of one part (`struct playtones_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    fac1: i32,
    init_v2_1: i32,
    init_v3_1: i32,
    fac2: i32,
    init_v2_2: i32,
    init_v3_2: i32,
    modulate: bool,
    duration: i32,
}

impl Item {
    /// What `ast_playtones_start` computes for a part, in its mix of `float` and `double`.
    fn new(part: &Part, vol: i32) -> Item {
        let osc = |freq: u32| {
            let ratio = f64::from(freq as f32 / RATE as f32);
            let pi = std::f64::consts::PI;
            (
                (2.0 * (2.0 * pi * ratio).cos() * 32768.0) as i32,
                ((-4.0 * pi * ratio).sin() * f64::from(vol)) as i32,
                ((-2.0 * pi * ratio).sin() * f64::from(vol)) as i32,
            )
        };
        let (fac1, init_v2_1, init_v3_1) = osc(part.freq1);
        let (fac2, init_v2_2, init_v3_2) = osc(part.freq2);
        Item {
            fac1,
            init_v2_1,
            init_v3_1,
            fac2,
            init_v2_2,
            init_v3_2,
            modulate: part.modulate,
            duration: part.duration_ms as i32,
        }
    }
}

/// A playing tone list (`Playtones`), or the milliwatt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tone {
    parts: Vec<Part>,
    items: Vec<Item>,
    /// Where the list repeats from; `None` plays it once.
    reppos: Option<usize>,
    skipped: Vec<String>,
    // Generator state (`struct playtones_state`).
    v1_1: i32,
    v2_1: i32,
    v3_1: i32,
    v1_2: i32,
    v2_2: i32,
    v3_2: i32,
    npos: usize,
    oldnpos: Option<usize>,
    pos: i32,
    finished: bool,
}

impl Tone {
    /// Parses a tone list at the default volume.
    pub fn parse(spec: &str) -> Result<Tone, ToneError> {
        Tone::parse_with_volume(spec, DEFAULT_VOLUME)
    }

    /// Parses a tone list at `volume` (peak amplitude of each sine); below 1 means
    /// [`DEFAULT_VOLUME`].
    pub fn parse_with_volume(spec: &str, volume: i32) -> Result<Tone, ToneError> {
        let vol = if volume < 1 { DEFAULT_VOLUME } else { volume };
        let separator = if spec.contains('|') { '|' } else { ',' };
        let mut parts = Vec::new();
        let mut reppos = None;
        let mut skipped = Vec::new();
        for raw in spec.split(separator) {
            if raw.is_empty() {
                break;
            }
            // ast_strip: bytes below 33 are blanks.
            let mut s = raw.trim_matches(|c: char| u32::from(c) < 33);
            if let Some(rest) = s.strip_prefix('!') {
                s = rest;
            } else if reppos.is_none() {
                reppos = Some(parts.len());
            }
            match parse_part(s) {
                Some(part) => parts.push(part),
                None => skipped.push(s.to_string()),
            }
        }
        if parts.is_empty() {
            return Err(ToneError {
                spec: spec.to_string(),
            });
        }
        let items = parts.iter().map(|p| Item::new(p, vol)).collect();
        Ok(Tone {
            parts,
            items,
            reppos,
            skipped,
            v1_1: 0,
            v2_1: 0,
            v3_1: 0,
            v1_2: 0,
            v2_2: 0,
            v3_2: 0,
            npos: 0,
            oldnpos: None,
            pos: 0,
            finished: false,
        })
    }

    /// `Milliwatt()`: 1004 Hz at 0 dBm0 without end (`"1004/1000"` at
    /// [`MILLIWATT_VOLUME`]).
    pub fn milliwatt() -> Tone {
        Tone::milliwatt_spec("1004/1000")
    }

    /// `Milliwatt(m)`: the milliwatt test line, 9 s of 1004 Hz then 1 s of silence, repeated.
    pub fn milliwatt_test() -> Tone {
        Tone::milliwatt_spec("1004/9000,0/1000")
    }

    fn milliwatt_spec(spec: &str) -> Tone {
        match Tone::parse_with_volume(spec, MILLIWATT_VOLUME) {
            Ok(tone) => tone,
            Err(_) => unreachable!("the milliwatt tone list parses"),
        }
    }

    /// The parts, as parsed.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The parts that did not parse and were skipped (Asterisk logs each one).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Whether the list plays for ever (it has a part without `!`, or a part without
    /// duration).
    pub fn repeats(&self) -> bool {
        self.reppos.is_some_and(|r| r < self.items.len())
            || self.parts.iter().any(|p| p.duration_ms == 0)
    }

    /// The next 20 ms of the tone, or `None` once a list that does not repeat has ended.
    pub fn next_frame(&mut self) -> Option<Samples> {
        if self.finished {
            return None;
        }
        let pi = *self.items.get(self.npos)?;
        if self.oldnpos != Some(self.npos) {
            self.v1_1 = 0;
            self.v2_1 = pi.init_v2_1;
            self.v3_1 = pi.init_v3_1;
            self.v1_2 = 0;
            self.v2_2 = pi.init_v2_2;
            self.v3_2 = pi.init_v3_2;
            self.oldnpos = Some(self.npos);
        }
        let mut frame = [0i16; FRAME_SAMPLES];
        for out in &mut frame {
            self.v1_1 = self.v2_1;
            self.v2_1 = self.v3_1;
            self.v3_1 = (pi.fac1.wrapping_mul(self.v2_1) >> 15).wrapping_sub(self.v1_1);
            self.v1_2 = self.v2_2;
            self.v2_2 = self.v3_2;
            self.v3_2 = (pi.fac2.wrapping_mul(self.v2_2) >> 15).wrapping_sub(self.v1_2);
            *out = if pi.modulate {
                let p = self.v3_2.wrapping_sub(32768).wrapping_abs();
                let p = p.wrapping_mul(9) / 10 + 1;
                (self.v3_1.wrapping_mul(p) >> 15) as i16
            } else {
                self.v3_1.wrapping_add(self.v3_2) as i16
            };
        }
        self.pos = self.pos.wrapping_add(FRAME_SAMPLES as i32);
        if pi.duration != 0 && self.pos >= pi.duration.wrapping_mul(8) {
            self.pos = 0;
            self.npos += 1;
            if self.npos >= self.items.len() {
                match self.reppos {
                    // A repeat position past the last part (the C would read past its array)
                    // ends the tone.
                    Some(r) if r < self.items.len() => self.npos = r,
                    _ => self.finished = true,
                }
            }
        }
        Some(frame)
    }
}

impl Generator for Tone {
    fn next_frame(&mut self) -> Option<Samples> {
        Tone::next_frame(self)
    }
}

/// `Milliwatt(o)`: the old digital milliwatt, the eight μ-law codes of a 1 kHz sine at
/// 0 dBm0 repeated for ever.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigitalMilliwatt {
    index: usize,
}

impl DigitalMilliwatt {
    /// The μ-law pattern from `app_milliwatt.c`.
    pub const PATTERN: [u8; 8] = [0x1e, 0x0b, 0x0b, 0x1e, 0x9e, 0x8b, 0x8b, 0x9e];

    /// A new generator, starting at the top of the pattern.
    pub fn new() -> Self {
        DigitalMilliwatt::default()
    }
}

impl Generator for DigitalMilliwatt {
    fn next_frame(&mut self) -> Option<Samples> {
        let mut frame = [0i16; FRAME_SAMPLES];
        for out in &mut frame {
            *out = g711::ulaw_decode(Self::PATTERN[self.index]);
            self.index = (self.index + 1) & 7;
        }
        Some(frame)
    }
}

/// The tones of one country, as in `indications.conf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    /// The zone's name (`[us]`).
    pub country: &'static str,
    /// Its description.
    pub description: &'static str,
    /// On and off times of the ringer, in ms.
    pub ringcadence: &'static [u32],
    /// Dial tone.
    pub dial: &'static str,
    /// Busy.
    pub busy: &'static str,
    /// Ringing (`ring`), heard by the caller.
    pub ring: &'static str,
    /// Congestion (reorder).
    pub congestion: &'static str,
    /// Call waiting.
    pub callwaiting: &'static str,
    /// Recall dial tone after a flash.
    pub dialrecall: &'static str,
    /// Recording in progress.
    pub record: &'static str,
    /// Special information tone.
    pub info: &'static str,
    /// Stutter dial tone (message waiting).
    pub stutter: &'static str,
}

/// `[us]` of Asterisk 22's `configs/samples/indications.conf.sample`, the default zone.
pub const US: Zone = Zone {
    country: "us",
    description: "United States / North America",
    ringcadence: &[2000, 4000],
    dial: "350+440",
    busy: "480+620/500,0/500",
    ring: "440+480/2000,0/4000",
    congestion: "480+620/250,0/250",
    callwaiting: "440/300,0/10000",
    dialrecall: "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
    record: "1400/500,0/15000",
    info: "!950/330,!1400/330,!1800/330,0",
    stutter: "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,\
              !0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
};

/// `midi_tohz` of `indications.c`.
const MIDI_TO_HZ: [u32; 128] = [
    8, 8, 9, 9, 10, 10, 11, 12, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 27, 29, 30, 32,
    34, 36, 38, 41, 43, 46, 48, 51, 55, 58, 61, 65, 69, 73, 77, 82, 87, 92, 97, 103, 110, 116, 123,
    130, 138, 146, 155, 164, 174, 184, 195, 207, 220, 233, 246, 261, 277, 293, 311, 329, 349, 369,
    391, 415, 440, 466, 493, 523, 554, 587, 622, 659, 698, 739, 783, 830, 880, 932, 987, 1046,
    1108, 1174, 1244, 1318, 1396, 1479, 1567, 1661, 1760, 1864, 1975, 2093, 2217, 2349, 2489, 2637,
    2793, 2959, 3135, 3322, 3520, 3729, 3951, 4186, 4434, 4698, 4978, 5274, 5587, 5919, 6271, 6644,
    7040, 7458, 7902, 8372, 8869, 9397, 9956, 10548, 11175, 11839, 12543,
];

/// One `%30u` or literal of a `sscanf` format.
#[derive(Clone, Copy)]
enum Directive {
    Num,
    Lit(u8),
}

/// `sscanf(s, format, ...)` for formats of `%30u` and literal characters: the numbers
/// converted before the first mismatch.
fn scan(s: &[u8], format: &[Directive]) -> Vec<u32> {
    let mut values = Vec::new();
    let mut at = 0;
    for directive in format {
        match *directive {
            Directive::Lit(c) => {
                if s.get(at) != Some(&c) {
                    break;
                }
                at += 1;
            }
            Directive::Num => match scan_u(s, &mut at) {
                Some(v) => values.push(v),
                None => break,
            },
        }
    }
    values
}

/// `%30u`: blanks skipped, then at most 30 characters of sign and digits, converted as
/// `strtoul` does (negative values wrap, overflow saturates) and truncated to `unsigned`.
fn scan_u(s: &[u8], at: &mut usize) -> Option<u32> {
    while s
        .get(*at)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        *at += 1;
    }
    let mut width = 30;
    let negative = match s.get(*at) {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => {
            return scan_digits(s, at, width).map(|v| v as u32);
        }
    };
    *at += 1;
    width -= 1;
    let v = scan_digits(s, at, width)?;
    Some(if negative { v.wrapping_neg() } else { v } as u32)
}

/// Up to `width` decimal digits as an `unsigned long` (saturating); `None` if there are none.
fn scan_digits(s: &[u8], at: &mut usize, width: usize) -> Option<u64> {
    let start = *at;
    let mut value: u64 = 0;
    let mut overflow = false;
    while *at - start < width
        && let Some(&c) = s.get(*at).filter(|c| c.is_ascii_digit())
    {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        *at += 1;
    }
    if *at == start {
        return None;
    }
    Some(if overflow { u64::MAX } else { value })
}

/// `ast_tone_zone_part_parse`: the first of its twelve `sscanf` forms that matches fully.
fn parse_part(s: &str) -> Option<Part> {
    use Directive::{Lit, Num};
    let s = s.as_bytes();
    let full = |format: &[Directive]| {
        let values = scan(s, format);
        let wanted = format.iter().filter(|d| matches!(d, Num)).count();
        (values.len() == wanted).then_some(values)
    };
    let part = |freq1, freq2, duration_ms, modulate| Part {
        freq1,
        freq2,
        duration_ms,
        modulate,
    };
    let midi = |note: u32| MIDI_TO_HZ.get(note as usize).copied().unwrap_or(0);
    let (plus, star, slash, m) = (Lit(b'+'), Lit(b'*'), Lit(b'/'), Lit(b'M'));
    if let Some(v) = full(&[Num, plus, Num, slash, Num]) {
        Some(part(v[0], v[1], v[2], false))
    } else if let Some(v) = full(&[Num, plus, Num]) {
        Some(part(v[0], v[1], 0, false))
    } else if let Some(v) = full(&[Num, star, Num, slash, Num]) {
        Some(part(v[0], v[1], v[2], true))
    } else if let Some(v) = full(&[Num, star, Num]) {
        Some(part(v[0], v[1], 0, true))
    } else if let Some(v) = full(&[Num, slash, Num]) {
        Some(part(v[0], 0, v[1], false))
    } else if let Some(v) = full(&[Num]) {
        Some(part(v[0], 0, 0, false))
    } else if let Some(v) = full(&[m, Num, plus, m, Num, slash, Num]) {
        Some(part(midi(v[0]), midi(v[1]), v[2], false))
    } else if let Some(v) = full(&[m, Num, plus, m, Num]) {
        Some(part(midi(v[0]), midi(v[1]), 0, false))
    } else if let Some(v) = full(&[m, Num, star, m, Num, slash, Num]) {
        Some(part(midi(v[0]), midi(v[1]), v[2], true))
    } else if let Some(v) = full(&[m, Num, star, m, Num]) {
        Some(part(midi(v[0]), midi(v[1]), 0, true))
    } else if let Some(v) = full(&[m, Num, slash, Num]) {
        Some(part(midi(v[0]), 0, v[1], false))
    } else {
        full(&[m, Num]).map(|v| part(midi(v[0]), 0, 0, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(freq1: u32, freq2: u32, duration_ms: u32, modulate: bool) -> Part {
        Part {
            freq1,
            freq2,
            duration_ms,
            modulate,
        }
    }

    fn frames(tone: &mut Tone, n: usize) -> Vec<i16> {
        (0..n).flat_map(|_| tone.next_frame().unwrap()).collect()
    }

    #[test]
    fn parses_every_form() {
        let cases = [
            ("440+480/2000", p(440, 480, 2000, false)),
            ("350+440", p(350, 440, 0, false)),
            ("425*25/1000", p(425, 25, 1000, true)),
            ("600*120", p(600, 120, 0, true)),
            ("0/4000", p(0, 0, 4000, false)),
            ("1004", p(1004, 0, 0, false)),
            ("M69+M81/100", p(440, 880, 100, false)),
            ("M60+M64", p(261, 329, 0, false)),
            ("M69*M33/50", p(440, 55, 50, true)),
            ("M69*M33", p(440, 55, 0, true)),
            ("M72/250", p(523, 0, 250, false)),
            ("M128", p(0, 0, 0, false)),
            // sscanf leniency: trailing junk ignored, a failed form falls to a shorter one,
            // blanks before numbers skipped, signs accepted and wrapped.
            ("440/300ms", p(440, 0, 300, false)),
            ("440/abc", p(440, 0, 0, false)),
            ("440 + 480", p(440, 0, 0, false)),
            ("440+ 480", p(440, 480, 0, false)),
            ("+440", p(440, 0, 0, false)),
            ("-1", p(u32::MAX, 0, 0, false)),
            ("99999999999999999999999", p(u32::MAX, 0, 0, false)),
        ];
        for (spec, expected) in cases {
            assert_eq!(parse_part(spec), Some(expected), "{spec}");
        }
        for bad in ["", "abc", "M", "M+M1", "/100", "x440"] {
            assert_eq!(parse_part(bad), None, "{bad}");
        }
    }

    #[test]
    fn lists_repeat_from_the_first_part_without_bang() {
        let t = Tone::parse(US.dialrecall).unwrap();
        assert_eq!(t.parts().len(), 7);
        assert_eq!(t.reppos, Some(6));
        let t = Tone::parse("!480+620/500,!0/500").unwrap();
        assert_eq!(t.reppos, None);
        assert!(!t.repeats());
        let t = Tone::parse(US.ring).unwrap();
        assert_eq!(t.reppos, Some(0));
        assert_eq!(t.parts(), &[p(440, 480, 2000, false), p(0, 0, 4000, false)]);
    }

    #[test]
    fn separators_blanks_and_bad_parts() {
        let t = Tone::parse(" 440/100 | !0/100 ").unwrap();
        assert_eq!(t.parts(), &[p(440, 0, 100, false), p(0, 0, 100, false)]);
        // An empty part ends the list.
        let t = Tone::parse("440/100,,480/100").unwrap();
        assert_eq!(t.parts().len(), 1);
        // A bad part is skipped but still marks where repetition starts.
        let t = Tone::parse("!440/100,bogus,480/100").unwrap();
        assert_eq!(t.skipped(), &["bogus".to_string()]);
        assert_eq!(t.parts().len(), 2);
        assert_eq!(t.reppos, Some(1));
        assert_eq!(
            Tone::parse("bogus,,"),
            Err(ToneError {
                spec: "bogus,,".into()
            })
        );
        assert!(Tone::parse("").is_err());
        assert_eq!(
            ToneError { spec: "x".into() }.to_string(),
            "no valid tone parts in 'x'"
        );
    }

    #[test]
    fn a_non_repeating_list_ends_after_its_frames() {
        // 500 ms = 25 frames each.
        let mut t = Tone::parse("!480+620/500,!0/500").unwrap();
        let mut n = 0;
        while t.next_frame().is_some() {
            n += 1;
        }
        assert_eq!(n, 50);
        assert_eq!(t.next_frame(), None);
        // A part ends at the frame boundary after its duration: 30 ms is two frames.
        let mut t = Tone::parse("!440/30").unwrap();
        assert!(t.next_frame().is_some() && t.next_frame().is_some());
        assert_eq!(t.next_frame(), None);
        // A repeat position past the end (a trailing bad part) ends the tone too.
        let mut t = Tone::parse("!440/20,bogus").unwrap();
        assert!(t.next_frame().is_some());
        assert_eq!(t.next_frame(), None);
    }

    #[test]
    fn ringing_follows_its_cadence() {
        let mut t = Tone::parse(US.ring).unwrap();
        // 2 s on (100 frames), 4 s off (200 frames), then on again.
        let on = frames(&mut t, 100);
        assert!(on.iter().any(|&s| s.abs() > 10000));
        let off = frames(&mut t, 200);
        assert!(off.iter().all(|&s| s == 0));
        let again = frames(&mut t, 1);
        assert_eq!(
            &again[..],
            &on[..FRAME_SAMPLES],
            "restarts at the same phase"
        );
    }

    #[test]
    fn a_tone_has_its_frequency_and_level() {
        let mut t = Tone::parse("1000").unwrap();
        let s = frames(&mut t, 50);
        // 1000 Hz at 8 kHz: period 8 samples, peak about the volume.
        let peak = s.iter().map(|&x| i32::from(x).abs()).max().unwrap();
        assert!((7000..=7300).contains(&peak), "peak {peak}");
        let crossings = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        assert!(
            (1995..=2005).contains(&crossings),
            "{crossings} zero crossings in 1 s"
        );
    }

    #[test]
    fn milliwatt_is_1004_hz_at_0_dbm0() {
        let mut t = Tone::milliwatt();
        assert_eq!(t.parts(), &[p(1004, 0, 1000, false)]);
        assert!(t.repeats());
        let s = frames(&mut t, 100);
        let peak = s.iter().map(|&x| i32::from(x).abs()).max().unwrap();
        assert!((22000..=23400).contains(&peak), "peak {peak}");
        let mut m = Tone::milliwatt_test();
        let _ = frames(&mut m, 450);
        assert!(
            frames(&mut m, 50).iter().all(|&x| x == 0),
            "the silent second"
        );
        assert!(
            frames(&mut m, 1).iter().any(|&x| x != 0),
            "then the tone again"
        );
        let mut old = DigitalMilliwatt::new();
        let f = old.next_frame().unwrap();
        // As Asterisk 22.10.1's AST_MULAW decodes the pattern.
        assert_eq!(
            &f[..8],
            &[-8828, -20860, -20860, -8828, 8828, 20860, 20860, 8828]
        );
        assert_eq!(&f[8..16], &f[..8]);
    }

    /// FNV-1a over the little-endian samples.
    fn hash(samples: &[i16]) -> u64 {
        samples
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .fold(1_469_598_103_934_665_603u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
            })
    }

    // Hashes of the first 400 frames printed by a harness built from Asterisk 22.10.1's
    // main/indications.c (ast_tone_zone_part_parse, the item set-up of
    // ast_playtones_start, playtones_generator) generating 160 samples per call.
    #[test]
    fn samples_match_asterisk() {
        let cases: &[(&str, i32, usize, u64)] = &[
            ("440+480/2000,0/4000", 0, 400, 1061773587966534983),
            ("480+620/500,0/500", 0, 400, 11072557945637177571),
            ("480+620/250,0/250", 0, 400, 15495299710299404576),
            ("!480+620/500,!0/500", 0, 400, 10532390640631755455),
            ("350+440", 0, 400, 13880011064279041115),
            (
                "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
                0,
                400,
                16422308642085636056,
            ),
            ("600*120", 0, 400, 3426539370013479966),
            ("425*25/1000,0/300", 0, 400, 3965208274540687159),
            ("1004/1000", 0, 400, 12391864018871916326),
            (
                "!950/330,!1400/330,!1800/330,0",
                0,
                400,
                2397771958238590011,
            ),
            ("M69+M81/100,M128/30", 0, 400, 7061422475646138708),
            ("440/30,!0/50", 0, 400, 13852588911702571491),
            ("3999+1", 0, 400, 7486747891345324672),
            ("-1/100", 0, 400, 7450772043173361729),
            ("1004/1000", 23255, 400, 153462538760491921),
            ("1004/9000,0/1000", 23255, 600, 14586491546804004444),
            ("440+480/2000", 30000, 400, 8135328901098274519),
        ];
        for &(spec, vol, n, expected) in cases {
            let mut t = Tone::parse_with_volume(spec, vol).unwrap();
            let mut s = Vec::new();
            for _ in 0..n {
                match t.next_frame() {
                    Some(f) => s.extend_from_slice(&f),
                    None => break,
                }
            }
            assert_eq!(hash(&s), expected, "{spec} at {vol}");
        }
    }
}
