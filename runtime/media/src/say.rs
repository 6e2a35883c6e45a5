//! The files `SayDigits`, `SayAlpha`, `SayAlphaCase`, `SayPhonetic` and `SayNumber` play, as
//! Asterisk 22's `main/say.c` builds them for English.
//!
//! Asterisk builds each list as a string of file names joined by `&` and plays them in turn
//! (`say_filenames`); playback stops at the first file that cannot be played. The digit,
//! character and phonetic lists skip characters whose file does not exist
//! (`ast_fileexists`), and `SayAlpha` then falls back to `letters/ascii<code>`; the
//! `*_existing` functions take that existence test as a closure (normally
//! [`crate::Sounds::exists`] for the channel's language), and the plain ones assume every
//! first-choice file exists.
//!
//! The C walks the string byte by byte, so a non-ASCII character is several bytes; a byte
//! from 0x80 up has no first-choice file name we can represent and only its
//! `letters/ascii<code>` fallback is offered, with the code as C's signed `char` prints it
//! (`-61` for 0xC3).
//!
//! Numbers follow `get_number_str_en` (the English syntax, which Asterisk also uses for
//! languages without a syntax of their own): C `int`s, so `SayNumber` of a value outside
//! `i32` does nothing, and the C's limit `num < INT_MAX` for billions makes ±2147483647
//! "too big".

/// The file for a digit-string character (`ast_get_digit_str`), if it has one.
fn digit_file(c: u8) -> Option<String> {
    match c {
        b'*' => Some("digits/star".into()),
        b'#' => Some("digits/pound".into()),
        b'-' => Some("digits/minus".into()),
        b'0'..=b'9' => Some(format!("digits/{}", char::from(c))),
        _ => None,
    }
}

/// The files of `SayDigits(s)`: `digits/0`..`digits/9`, `digits/star`, `digits/pound`,
/// `digits/minus`; every other character is skipped.
pub fn digits(s: &str) -> Vec<String> {
    digits_existing(s, |_| true)
}

/// [`digits`], keeping only the files for which `exists` is true.
pub fn digits_existing(s: &str, mut exists: impl FnMut(&str) -> bool) -> Vec<String> {
    s.bytes()
        .filter_map(digit_file)
        .filter(|file| exists(file))
        .collect()
}

/// `SayAlphaCase`'s options: which letters are announced as upper or lower case first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Case {
    /// `n`: no announcement (what `SayAlpha` uses).
    #[default]
    None,
    /// `u`: "uppercase" before each upper-case letter.
    Upper,
    /// `l`: "lowercase" before each lower-case letter.
    Lower,
    /// `a`: both.
    All,
}

impl Case {
    /// The case of `SayAlphaCase`'s option letter (`a`, `l`, `n`, `u`).
    pub fn from_option(option: &str) -> Option<Case> {
        match option {
            "a" => Some(Case::All),
            "l" => Some(Case::Lower),
            "n" => Some(Case::None),
            "u" => Some(Case::Upper),
            _ => None,
        }
    }
}

/// The first-choice file for a character-string byte that is not a letter being announced
/// (`ast_get_character_str`'s `switch`); `None` for bytes from 0x80 up.
fn character_file(c: u8) -> Option<String> {
    let name = match c {
        b'*' => "digits/star",
        b'#' => "digits/pound",
        b'!' => "letters/exclaimation-point",
        b'@' => "letters/at",
        b'$' => "letters/dollar",
        b'-' => "letters/dash",
        b'.' => "letters/dot",
        b'=' => "letters/equals",
        b'+' => "letters/plus",
        b'/' => "letters/slash",
        b' ' => "letters/space",
        b'0'..=b'9' => return Some(format!("digits/{}", char::from(c))),
        c if c.is_ascii() => {
            return Some(format!("letters/{}", char::from(c.to_ascii_lowercase())));
        }
        _ => return None,
    };
    Some(name.to_string())
}

/// The files of `SayAlpha(s)`: letters as `letters/a`..`letters/z` (lower-cased), digits as
/// `digits/N`, and the named symbols (`letters/at`, `letters/dash`, `digits/star`, …; note
/// Asterisk's spelling `letters/exclaimation-point`). Any other ASCII character is
/// `letters/<char>`.
pub fn alpha(s: &str) -> Vec<String> {
    alpha_case(s, Case::None)
}

/// The files of `SayAlphaCase(case, s)`, assuming every first-choice file exists.
pub fn alpha_case(s: &str, case: Case) -> Vec<String> {
    character_files(s, case, None::<fn(&str) -> bool>)
}

/// `SayAlphaCase(case, s)` exactly as Asterisk builds it: a character whose file does not
/// exist is said as `letters/ascii<code>` if that exists, and skipped otherwise.
pub fn alpha_existing(s: &str, case: Case, exists: impl FnMut(&str) -> bool) -> Vec<String> {
    character_files(s, case, Some(exists))
}

fn character_files(
    s: &str,
    case: Case,
    mut exists: Option<impl FnMut(&str) -> bool>,
) -> Vec<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let (mut upper, mut lower) = (false, false);
    let mut num = 0;
    // The C loop: announcing a case toggles a flag and revisits the same character, which
    // is then said with the flag toggled back.
    while let Some(&c) = bytes.get(num) {
        if c.is_ascii_uppercase() && matches!(case, Case::Upper | Case::All) {
            upper = !upper;
        } else if c.is_ascii_lowercase() && matches!(case, Case::Lower | Case::All) {
            lower = !lower;
        }
        let first = if upper {
            Some("uppercase".to_string())
        } else if lower {
            Some("lowercase".to_string())
        } else {
            character_file(c)
        };
        let chosen = match exists.as_mut() {
            None => first.or_else(|| Some(format!("letters/ascii{}", c as i8))),
            Some(exists) => first.filter(|f| exists(f)).or_else(|| {
                let ascii = format!("letters/ascii{}", c as i8);
                exists(&ascii).then_some(ascii)
            }),
        };
        out.extend(chosen);
        if upper || lower {
            continue;
        }
        num += 1;
    }
    out
}

/// The files of `SayPhonetic(s)` (`ast_get_phonetic_str`): `phonetic/<letter>_p` for
/// letters (NATO alphabet), the symbols as for [`alpha`], and digits `0`–`8` as
/// `digits/N` — but `9` as `phonetic/9_p` ("niner"), as the C's `switch` falls through.
pub fn phonetic(s: &str) -> Vec<String> {
    phonetic_existing(s, |_| true)
}

/// [`phonetic`], keeping only the files for which `exists` is true.
pub fn phonetic_existing(s: &str, mut exists: impl FnMut(&str) -> bool) -> Vec<String> {
    s.bytes()
        .filter_map(|c| match c {
            b'0'..=b'8'
            | b'*'
            | b'#'
            | b'!'
            | b'@'
            | b'$'
            | b'-'
            | b'.'
            | b'='
            | b'+'
            | b'/'
            | b' ' => character_file(c),
            c if c.is_ascii() => Some(format!("phonetic/{}_p", char::from(c.to_ascii_lowercase()))),
            _ => None,
        })
        .filter(|file| exists(file))
        .collect()
}

/// The files of `SayNumber(n)` in English, or `None` when Asterisk says nothing useful:
/// `n` is not a C `int` (SayNumber cannot parse it) or is ±2147483647 (the C gives up with
/// "too big for me" — having already queued `digits/minus` for the negative one).
///
/// `i32::MIN` is `["digits/minus"]` alone: the C cannot negate it and stops there.
pub fn number(n: i64) -> Option<Vec<String>> {
    let n = i32::try_from(n).ok()?;
    let (files, complete) = number_en(n);
    complete.then_some(files)
}

/// `get_number_str_en`: the files, and false if the C gave up part way.
fn number_en(mut num: i32) -> (Vec<String>, bool) {
    if num == 0 {
        return (digits("0"), true);
    }
    let mut out = Vec::new();
    let mut playh = false;
    while num != 0 || playh {
        if num < 0 {
            out.push("digits/minus".into());
            num = if num > i32::MIN { -num } else { 0 };
        } else if playh {
            out.push("digits/hundred".into());
            playh = false;
        } else if num < 20 {
            out.push(format!("digits/{num}"));
            num = 0;
        } else if num < 100 {
            out.push(format!("digits/{}", num / 10 * 10));
            num %= 10;
        } else if num < 1000 {
            out.push(format!("digits/{}", num / 100));
            playh = true;
            num %= 100;
        } else {
            let (unit, word) = if num < 1_000_000 {
                (1000, "digits/thousand")
            } else if num < 1_000_000_000 {
                (1_000_000, "digits/million")
            } else if num < i32::MAX {
                (1_000_000_000, "digits/billion")
            } else {
                return (out, false);
            };
            out.extend(number_en(num / unit).0);
            out.push(word.into());
            num %= unit;
        }
    }
    (out, true)
}

/// `ast_say_enumeration_full_en`: the files of an ordinal ("twenty-first"); a number that is
/// not a C `int`, or one the C gives up on, says what it said before it gave up.
pub fn enumeration(n: i64) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(mut num) = i32::try_from(n) else {
        return out;
    };
    // "one" is said before hundred and thousand only past a thousand.
    let mut past_thousand = false;
    let cardinal = |out: &mut Vec<String>, n: i32| {
        out.extend(number(i64::from(n)).unwrap_or_default());
    };
    while num != 0 {
        let file = if num < 0 {
            num = num.checked_neg().unwrap_or(0);
            "digits/minus".to_string()
        } else if num < 20 {
            let file = format!("digits/h-{num}");
            num = 0;
            file
        } else if num < 100 {
            let tens = num / 10 * 10;
            num %= 10;
            if num == 0 {
                format!("digits/h-{tens}")
            } else {
                format!("digits/{tens}")
            }
        } else if num < 1000 {
            let hundreds = num / 100;
            num %= 100;
            if hundreds > 1 || past_thousand {
                cardinal(&mut out, hundreds);
            }
            if num != 0 {
                "digits/hundred"
            } else {
                "digits/h-hundred"
            }
            .to_string()
        } else if num < 1_000_000 {
            let thousands = num / 1000;
            num %= 1000;
            if thousands > 1 || past_thousand {
                cardinal(&mut out, thousands);
            }
            past_thousand = true;
            if num != 0 {
                "digits/thousand"
            } else {
                "digits/h-thousand"
            }
            .to_string()
        } else if num < 1_000_000_000 {
            let millions = num / 1_000_000;
            num %= 1_000_000;
            past_thousand = true;
            cardinal(&mut out, millions);
            if num != 0 {
                "digits/million"
            } else {
                "digits/h-million"
            }
            .to_string()
        } else if num < i32::MAX {
            let billions = num / 1_000_000_000;
            num %= 1_000_000_000;
            past_thousand = true;
            cardinal(&mut out, billions);
            if num != 0 {
                "digits/billion"
            } else {
                "digits/h-billion"
            }
            .to_string()
        } else {
            num = 0;
            "digits/h-last".to_string()
        };
        out.push(file);
    }
    out
}

/// A local time broken down (`struct ast_tm`): what a date is said from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    /// 0–11.
    pub mon: u32,
    /// 1–31.
    pub mday: u32,
    /// 0 = Sunday.
    pub wday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
}

/// `ast_say_date_with_format_en`: the files that say `epoch`, whose local time is `t`, as
/// `format` reads it; `today` is when the local day began, from which `q` and `Q` count
/// (today, yesterday, a weekday…). A quoted name is a file of its own; unknown letters are
/// skipped, as the C logs them and goes on.
pub fn date_with_format(t: &Tm, epoch: i64, today: i64, format: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    let file = |out: &mut Vec<String>, name: String| out.push(name);
    let nested = |out: &mut Vec<String>, f: &[u8]| {
        out.extend(date_with_format(t, epoch, today, f));
    };
    while i < format.len() {
        match format[i] {
            b'\'' => {
                let end = format[i + 1..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(format.len(), |p| i + 1 + p);
                file(
                    &mut out,
                    String::from_utf8_lossy(&format[i + 1..end]).into_owned(),
                );
                i = end;
            }
            b'A' | b'a' => file(&mut out, format!("digits/day-{}", t.wday)),
            b'B' | b'b' | b'h' => file(&mut out, format!("digits/mon-{}", t.mon)),
            b'm' => out.extend(enumeration(i64::from(t.mon) + 1)),
            b'd' | b'e' => out.extend(enumeration(i64::from(t.mday))),
            b'Y' => {
                let years = t.year - 1900;
                if years > 99 {
                    out.extend(number(t.year).unwrap_or_default());
                } else if years >= 1 {
                    file(&mut out, "digits/19".into());
                    if years <= 9 {
                        file(&mut out, "digits/oh".into());
                    }
                    out.extend(number(years).unwrap_or_default());
                }
            }
            b'I' | b'l' => {
                let hour = match t.hour {
                    0 => 12,
                    h if h > 12 => h - 12,
                    h => h,
                };
                file(&mut out, format!("digits/{hour}"));
            }
            c @ (b'H' | b'k') => {
                if (c == b'H' && t.hour < 10) || (c == b'k' && t.hour == 0) {
                    file(&mut out, "digits/oh".into());
                }
                if t.hour != 0 {
                    let mut remaining = t.hour;
                    if t.hour > 20 {
                        file(&mut out, "digits/20".into());
                        remaining -= 20;
                    }
                    file(&mut out, format!("digits/{remaining}"));
                }
            }
            c @ (b'M' | b'N') => match t.min {
                0 if c == b'M' => file(&mut out, "digits/oclock".into()),
                0 => file(&mut out, "digits/hundred".into()),
                1..=9 => {
                    file(&mut out, "digits/oh".into());
                    file(&mut out, format!("digits/{}", t.min));
                }
                m => out.extend(number(m).unwrap_or_default()),
            },
            b'P' | b'p' => file(
                &mut out,
                if t.hour > 11 {
                    "digits/p-m"
                } else {
                    "digits/a-m"
                }
                .into(),
            ),
            b'Q' | b'q' => {
                let beg_today = today;
                if beg_today + 15_768_000 < epoch {
                    nested(&mut out, b"BdY");
                } else if beg_today + 2_628_000 < epoch {
                    nested(&mut out, b"Bd");
                } else if beg_today + 86_400 * 6 < epoch {
                    nested(&mut out, b"ABd");
                } else if beg_today + 172_800 < epoch {
                    nested(&mut out, b"A");
                } else if beg_today + 86_400 < epoch {
                    file(&mut out, "digits/tomorrow".into());
                } else if beg_today < epoch {
                    file(&mut out, "digits/today".into());
                } else if beg_today - 86_400 < epoch {
                    file(&mut out, "digits/yesterday".into());
                } else if beg_today - 86_400 * 6 < epoch {
                    nested(&mut out, b"A");
                } else if beg_today - 2_628_000 < epoch {
                    nested(&mut out, b"ABd");
                } else if beg_today - 15_768_000 < epoch {
                    nested(&mut out, b"Bd");
                } else {
                    nested(&mut out, b"BdY");
                }
            }
            b'R' => nested(&mut out, b"HM"),
            b'S' => match t.sec {
                0 => file(&mut out, "digits/0".into()),
                1..=9 => {
                    file(&mut out, "digits/oh".into());
                    file(&mut out, format!("digits/{}", t.sec));
                }
                sec => out.extend(number(sec).unwrap_or_default()),
            },
            b'T' => nested(&mut out, b"HMS"),
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(files: &str) -> Vec<String> {
        files
            .split('&')
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn say_digits() {
        let cases = [
            ("123", "digits/1&digits/2&digits/3"),
            ("0", "digits/0"),
            ("*#-", "digits/star&digits/pound&digits/minus"),
            ("1a2 .+", "digits/1&digits/2"),
            ("", ""),
            ("é9", "digits/9"),
        ];
        for (input, expected) in cases {
            assert_eq!(digits(input), list(expected), "SayDigits({input})");
        }
        assert_eq!(
            digits_existing("1*2", |f| f != "digits/star"),
            list("digits/1&digits/2")
        );
    }

    #[test]
    fn say_alpha() {
        let cases = [
            ("Abc", "letters/a&letters/b&letters/c"),
            ("a1Z", "letters/a&digits/1&letters/z"),
            (
                "!@$-.=+/ ",
                "letters/exclaimation-point&letters/at&letters/dollar&letters/dash&letters/dot\
                 &letters/equals&letters/plus&letters/slash&letters/space",
            ),
            ("*#", "digits/star&digits/pound"),
            ("%", "letters/%"),
            ("é", "letters/ascii-61&letters/ascii-87"),
        ];
        for (input, expected) in cases {
            assert_eq!(alpha(input), list(expected), "SayAlpha({input})");
        }
    }

    #[test]
    fn say_alpha_case_announces_before_the_letter() {
        let cases = [
            (Case::None, "aB", "letters/a&letters/b"),
            (Case::Upper, "aB", "letters/a&uppercase&letters/b"),
            (Case::Lower, "aB", "lowercase&letters/a&letters/b"),
            (
                Case::All,
                "aB1",
                "lowercase&letters/a&uppercase&letters/b&digits/1",
            ),
            (Case::Upper, "AB", "uppercase&letters/a&uppercase&letters/b"),
        ];
        for (case, input, expected) in cases {
            assert_eq!(alpha_case(input, case), list(expected), "{case:?} {input}");
        }
        assert_eq!(Case::from_option("u"), Some(Case::Upper));
        assert_eq!(Case::from_option("x"), None);
    }

    #[test]
    fn say_alpha_falls_back_to_ascii_files() {
        let have = ["letters/a", "letters/ascii37", "letters/ascii-61"];
        let exists = |f: &str| have.contains(&f);
        assert_eq!(
            alpha_existing("a%bé", Case::None, exists),
            list("letters/a&letters/ascii37&letters/ascii-61")
        );
    }

    #[test]
    fn say_alpha_matches_the_c_with_its_existence_test() {
        // The predicate the C harness used: no `letters/%`, nothing non-ASCII.
        let exists = |f: &str| f != "letters/%" && f.is_ascii();
        assert_eq!(
            alpha_existing("a%bé", Case::None, exists),
            list("letters/a&letters/ascii37&letters/b&letters/ascii-61&letters/ascii-87")
        );
    }

    #[test]
    fn say_phonetic() {
        assert_eq!(
            phonetic("Ab9 8*"),
            list("phonetic/a_p&phonetic/b_p&phonetic/9_p&letters/space&digits/8&digits/star")
        );
    }

    #[test]
    fn say_number() {
        let cases: &[(i64, &str)] = &[
            (0, "digits/0"),
            (7, "digits/7"),
            (13, "digits/13"),
            (20, "digits/20"),
            (42, "digits/40&digits/2"),
            (100, "digits/1&digits/hundred"),
            (105, "digits/1&digits/hundred&digits/5"),
            (110, "digits/1&digits/hundred&digits/10"),
            (999, "digits/9&digits/hundred&digits/90&digits/9"),
            (1000, "digits/1&digits/thousand"),
            (1001, "digits/1&digits/thousand&digits/1"),
            (
                12345,
                "digits/12&digits/thousand&digits/3&digits/hundred&digits/40&digits/5",
            ),
            (100_000, "digits/1&digits/hundred&digits/thousand"),
            (1_000_000, "digits/1&digits/million"),
            (2_000_017, "digits/2&digits/million&digits/17"),
            (
                1_234_567_890,
                "digits/1&digits/billion&digits/2&digits/hundred&digits/30&digits/4\
                 &digits/million&digits/5&digits/hundred&digits/60&digits/7&digits/thousand\
                 &digits/8&digits/hundred&digits/90",
            ),
            (
                2_147_483_646,
                "digits/2&digits/billion&digits/1&digits/hundred&digits/40&digits/7\
                 &digits/million&digits/4&digits/hundred&digits/80&digits/3&digits/thousand\
                 &digits/6&digits/hundred&digits/40&digits/6",
            ),
            (-5, "digits/minus&digits/5"),
            (-1000, "digits/minus&digits/1&digits/thousand"),
            (i64::from(i32::MIN), "digits/minus"),
        ];
        for &(n, expected) in cases {
            assert_eq!(number(n), Some(list(expected)), "SayNumber({n})");
        }
        assert_eq!(number(i64::from(i32::MAX)), None);
        assert_eq!(number(-i64::from(i32::MAX)), None);
        assert_eq!(number(1 << 31), None);
        assert_eq!(number(i64::MIN), None);
    }

    /// `'vm-received' q 'digits/at' IMp`, VoiceMailMain's default, on a day that began at
    /// `today` (Monday 2026-11-30 00:00).
    #[test]
    fn dates_as_voicemail_says_them() {
        let today = 1_796_004_000;
        let tm = |year, mon, mday, wday, hour, min| Tm {
            year,
            mon,
            mday,
            wday,
            hour,
            min,
            sec: 0,
        };
        let say = |t: Tm, epoch: i64| {
            date_with_format(&t, epoch, today, b"'vm-received' q 'digits/at' IMp").join("&")
        };
        assert_eq!(
            say(tm(2026, 10, 30, 1, 9, 5), today + 9 * 3600 + 300),
            "vm-received&digits/today&digits/at&digits/9&digits/oh&digits/5&digits/a-m"
        );
        // Yesterday 23:30; the Friday before at noon; October 21st at 0:00.
        assert_eq!(
            say(tm(2026, 10, 29, 0, 23, 30), today - 1800),
            "vm-received&digits/yesterday&digits/at&digits/11&digits/30&digits/p-m"
        );
        assert_eq!(
            say(tm(2026, 10, 27, 5, 12, 0), today - 3 * 86_400 + 12 * 3600),
            "vm-received&digits/day-5&digits/at&digits/12&digits/oclock&digits/p-m"
        );
        assert_eq!(
            say(tm(2026, 9, 21, 3, 0, 0), today - 40 * 86_400),
            "vm-received&digits/mon-9&digits/20&digits/h-1&digits/at&digits/12&digits/oclock&digits/a-m"
        );
        // A year ago: the year too.
        assert_eq!(
            say(tm(2025, 10, 30, 0, 15, 0), today - 365 * 86_400 + 15 * 3600),
            "vm-received&digits/mon-10&digits/h-30&digits/2&digits/thousand&digits/20&digits/5&digits/at&digits/3&digits/oclock&digits/p-m"
        );
        // Tomorrow.
        assert_eq!(
            say(tm(2026, 11, 1, 2, 10, 0), today + 86_400 + 36_000),
            "vm-received&digits/tomorrow&digits/at&digits/10&digits/oclock&digits/a-m"
        );
        let three = tm(2026, 10, 30, 1, 15, 0);
        assert_eq!(
            date_with_format(&three, today + 15 * 3600, today, b"R"),
            ["digits/15", "digits/oclock"]
        );
        assert_eq!(enumeration(12), ["digits/h-12"]);
        assert_eq!(enumeration(30), ["digits/h-30"]);
        let said = |n: i64| enumeration(n).join("&");
        assert_eq!(said(21), "digits/20&digits/h-1");
        assert_eq!(said(100), "digits/h-hundred");
        assert_eq!(said(101), "digits/hundred&digits/h-1");
        assert_eq!(said(300), "digits/3&digits/h-hundred");
        assert_eq!(said(1000), "digits/h-thousand");
        assert_eq!(
            said(2105),
            "digits/2&digits/thousand&digits/1&digits/hundred&digits/h-5"
        );
        assert_eq!(said(-3), "digits/minus&digits/h-3");
        assert_eq!(said(i64::from(i32::MAX)), "digits/h-last");
    }
}
