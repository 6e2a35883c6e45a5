//! Time conditions — `times,weekdays,mdays,months[,timezone]` — as `ast_build_timing` and
//! `ast_check_timing2` (main/pbx_timing.c) read and test them, for GotoIfTime, ExecIfTime,
//! IFTIME and time-conditioned includes.

mod zone;

pub use zone::ServerZone;

/// A moment as time conditions read it: seconds since the epoch, and the server's zone, in
/// which a condition that names no zone is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Moment {
    pub epoch: i64,
    pub zone: ServerZone,
}

impl Moment {
    pub const fn new(epoch: i64, zone: ServerZone) -> Moment {
        Moment { epoch, zone }
    }

    /// `epoch` on a server in UTC.
    pub const fn utc(epoch: i64) -> Moment {
        Moment::new(epoch, ServerZone::UTC)
    }
}

/// Seconds east of UTC in zoneinfo zone `name` (`America/New_York`) at `epoch`; `None` when
/// the zone is unknown.
pub fn zone_offset(name: &str, epoch: i64) -> Option<i64> {
    zone::offset(name, epoch)
}

/// A parsed time condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// One bit per minute of the day.
    minutes: Vec<bool>,
    /// Bit 0 = Sunday.
    weekdays: u32,
    /// Bit 0 = the 1st.
    mdays: u32,
    /// Bit 0 = January.
    months: u32,
    /// A zoneinfo name (`America/New_York`); `None` = the server's zone.
    pub timezone: Option<String>,
}

const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl Timing {
    /// `ast_build_timing`: `None` for an empty spec (which never matches); warnings for the
    /// elements Asterisk skips.
    pub fn parse(spec: &[u8], warnings: &mut Vec<String>) -> Option<Timing> {
        if spec.is_empty() {
            return None;
        }
        let fields = 1 + spec.iter().filter(|&&c| c == b'|' || c == b',').count();
        let timezone = (fields == 5).then(|| {
            let last = spec
                .iter()
                .rposition(|&c| c == b'|' || c == b',')
                .unwrap_or(0);
            String::from_utf8_lossy(&spec[last + 1..]).into_owned()
        });
        let mut parts = spec.split(|&c| c == b'|' || c == b',');
        let text = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
        let minutes = time_range(&text(parts.next().unwrap_or_default()), warnings);
        let weekdays = parts.next().map_or(0x7f, |p| {
            range(&text(p), 7, Some(&DAYS), "day of week", warnings)
        });
        let mdays = parts
            .next()
            .map_or(0x7fff_ffff, |p| range(&text(p), 31, None, "day", warnings));
        let months = parts.next().map_or(0xfff, |p| {
            range(&text(p), 12, Some(&MONTHS), "month", warnings)
        });
        Some(Timing {
            minutes,
            weekdays,
            mdays,
            months,
            timezone,
        })
    }

    /// `ast_check_timing2` at `now`: in the condition's zone, else in the server's (UTC for
    /// a zone that does not exist, as Asterisk's `gmtload`).
    pub fn matches(&self, now: Moment) -> bool {
        let epoch = now.epoch;
        let offset = match &self.timezone {
            // `ast_tzset` takes the empty zone for the server's too.
            Some(tz) if !tz.is_empty() => zone::offset(tz, epoch).unwrap_or(0),
            _ => now.zone.offset(epoch),
        };
        // (`TESTTIME` may be any i64.)
        let local = epoch.saturating_add(offset);
        let days = local.div_euclid(86_400);
        let minute = (local.rem_euclid(86_400) / 60) as usize;
        let (_, month, mday) = civil_from_days(days);
        // 1970-01-01 was a Thursday.
        let weekday = (days + 4).rem_euclid(7) as u32;
        self.months & (1 << (month - 1)) != 0
            && self.mdays & (1 << (mday - 1)) != 0
            && self.weekdays & (1 << weekday) != 0
            && self.minutes[minute]
    }
}

/// `sscanf("%2d")`: blanks, a sign, at most two characters of number.
fn two_digits(s: &str) -> Option<(i32, &str)> {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let start = i;
    while i < b.len().min(2) && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return None;
    }
    let n: i32 = t[start..i].parse().ok()?;
    Some((if b[0] == b'-' { -n } else { n }, &t[i..]))
}

/// `sscanf("%2d:%2d")` for an hour 0–23 and a minute 0–59.
fn hour_minute(s: &str) -> Option<usize> {
    let (h, rest) = two_digits(s)?;
    let rest = rest.strip_prefix(':')?;
    let (m, _) = two_digits(rest)?;
    ((0..=23).contains(&h) && (0..=59).contains(&m)).then_some((h * 60 + m) as usize)
}

fn time_range(times: &str, warnings: &mut Vec<String>) -> Vec<bool> {
    let mut mask = vec![false; 24 * 60];
    if times.is_empty() || times == "*" {
        return vec![true; 24 * 60];
    }
    for part in times.split('&') {
        let Some((start, end)) = part.split_once('-') else {
            match hour_minute(part) {
                Some(m) => mask[m] = true,
                None => warnings.push(format!("WARNING: {part} isn't a valid time.")),
            }
            continue;
        };
        // Asterisk skips anything before the end's first digit (mostly blanks).
        let end = end.trim_start_matches(|c: char| !c.is_ascii_digit());
        if end.is_empty() {
            warnings.push(format!(
                "WARNING: Invalid time range starting with '{start}-'."
            ));
            continue;
        }
        let Some(from) = hour_minute(start) else {
            warnings.push(format!("WARNING: '{start}' isn't a valid start time."));
            continue;
        };
        let Some(to) = hour_minute(end) else {
            warnings.push(format!("WARNING: '{end}' isn't a valid end time."));
            continue;
        };
        // Both ends included; a range past midnight wraps.
        let mut m = from;
        while m != to {
            mask[m] = true;
            m = (m + 1) % (24 * 60);
        }
        mask[to] = true;
    }
    mask
}

/// `lookup_name`: a name (when the text does not start with a digit) or a 1-based number.
fn lookup(s: &str, names: Option<&[&str]>, max: i32) -> Option<i32> {
    if let Some(names) = names
        && s.as_bytes().first().is_some_and(|&c| c > b'9')
        && let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s))
    {
        return Some(i as i32);
    }
    match two_digits(s) {
        Some((n, _)) if (1..=max).contains(&n) => Some(n - 1),
        _ => None,
    }
}

/// `get_range`: `&`-joined elements, each one value or a cyclic `from-to` range.
fn range(
    src: &str,
    max: i32,
    names: Option<&[&str]>,
    what: &str,
    warnings: &mut Vec<String>,
) -> u32 {
    if src.is_empty() || src == "*" {
        return (1u32 << max) - 1;
    }
    let mut mask = 0u32;
    for part in src.split('&') {
        let (from, to) = match part.split_once('-') {
            Some((f, t)) => (f, Some(t)),
            None => (part, None),
        };
        let Some(mut start) = lookup(from, names, max) else {
            warnings.push(format!(
                "WARNING: Invalid {what} '{from}', skipping element"
            ));
            continue;
        };
        let end = match to {
            Some(t) => match lookup(t, names, max) {
                Some(e) => e,
                None => {
                    warnings.push(format!(
                        "WARNING: Invalid end {what} '{t}', skipping element"
                    ));
                    continue;
                }
            },
            None => start,
        };
        mask |= 1 << end;
        while start != end {
            mask |= 1 << start;
            start = (start + 1) % max;
        }
    }
    mask
}

/// Year, month (1–12) and day (1–31) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_arithmetic() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2024-01-01 is day 19723.
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_723 + 59), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn odd_specs_do_not_panic() {
        let mut w = Vec::new();
        for spec in ["-", "&&", "99:99-", "1:-2", ",,,,,,", "*,-,-,-", "-5:00-3"] {
            if let Some(t) = Timing::parse(spec.as_bytes(), &mut w) {
                t.matches(Moment::utc(0));
                t.matches(Moment::utc(i64::MIN / 4));
            }
        }
    }
}
