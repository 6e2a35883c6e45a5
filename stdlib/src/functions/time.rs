//! STRFTIME and STRPTIME (funcs/func_strings.c over main/stdtime/localtime.c): C-locale
//! `strftime`/`strptime` with Asterisk's `%[n]q` fractions.
//!
//! Time zones: the empty zone is the server's ([`Env::local_offset`]: Asterisk reads
//! `/etc/localtime`); `UTC`, `GMT`, `Etc/GMT±N` and fixed POSIX offsets such as `EST5` or
//! `UTC-3:30` are computed here; any other name goes to [`Env::zone_offset`], and a zone
//! nobody knows is UTC, as in Asterisk when a zone file cannot be loaded.

use super::args;
use super::cscan;
use super::{Complaint, Env, Outcome};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), any ranges.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = (y + (m - 1).div_euclid(12), (m - 1).rem_euclid(12) + 1);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The broken-down time of a day count: (year, month 1-12, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// A `struct tm` in a given zone.
#[derive(Clone, Copy, Debug, Default)]
struct Tm {
    year: i64,
    mon: i64, // 0-11
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    wday: i64,
    yday: i64,
    usec: i64,
    offset: i64,
    epoch: i64,
}

fn broken_down(epoch: i64, usec: i64, offset: i64) -> Tm {
    let local = epoch.saturating_add(offset);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, mday) = civil_from_days(days);
    Tm {
        year,
        mon: month - 1,
        mday,
        hour: secs / 3600,
        min: secs % 3600 / 60,
        sec: secs % 60,
        wday: (days + 4).rem_euclid(7),
        yday: days - days_from_civil(year, 1, 1),
        usec,
        offset,
        epoch,
    }
}

/// A fixed offset (seconds east of UTC) for the names this module knows.
fn fixed_offset(zone: &[u8]) -> Option<i64> {
    let z = zone;
    if matches!(
        z,
        b"UTC" | b"GMT" | b"UTC0" | b"GMT0" | b"Etc/UTC" | b"Etc/GMT" | b"Z" | b"UCT"
    ) {
        return Some(0);
    }
    if let Some(rest) = z.strip_prefix(b"Etc/GMT") {
        // Etc/GMT+5 is five hours *behind* UTC (POSIX sign convention).
        return hours_minutes(rest).map(|s| -s);
    }
    // POSIX "STD offset": three or more letters, then [+-]hh[:mm[:ss]], nothing after.
    let letters = z.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters >= 3 {
        return hours_minutes(&z[letters..]).map(|s| -s);
    }
    None
}

/// `[+-]h[h][:mm[:ss]]` as seconds, the whole text required.
fn hours_minutes(t: &[u8]) -> Option<i64> {
    let (neg, t) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let mut total = 0i64;
    for (i, part) in t.split(|&b| b == b':').enumerate() {
        if i > 2 || part.is_empty() || part.len() > 2 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: i64 = std::str::from_utf8(part).ok()?.parse().ok()?;
        total += n * [3600, 60, 1][i];
    }
    Some(if neg { -total } else { total })
}

fn zone_offset(env: &mut dyn Env, zone: &[u8], epoch: i64) -> i64 {
    if zone.is_empty() {
        return env.local_offset(epoch);
    }
    fixed_offset(zone)
        .or_else(|| env.zone_offset(zone, epoch).map(i64::from))
        .unwrap_or(0)
}

/// `STRFTIME([epoch][,zone][,format])`: the epoch (fractional allowed; empty or bad means
/// now) formatted in the zone, `%c` by default.
pub fn strftime(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    let (mut sec, usec) = env.now();
    let mut usec = i64::from(usec);
    if let Some(t) = args::get(&a, 0).filter(|t| !t.is_empty())
        && let Some(v) = cscan::double(t, 30).value()
    {
        // tv_sec = dtv; tv_usec = (dtv - tv_sec) * 1e6, both truncating.
        let s = if v.is_finite() { v.trunc() as i64 } else { 0 };
        sec = s;
        usec = ((v - s as f64) * 1_000_000.0) as i64;
    }
    let zone = args::get(&a, 1).unwrap_or_default();
    let offset = zone_offset(env, zone, sec);
    let tm = broken_down(sec, usec, offset);
    let format = args::get(&a, 2).unwrap_or(b"%c");
    Ok(format_tm(&expand_fractions(format, tm.usec), &tm))
}

/// `ast_strftime`: `epoch` at `offset` seconds east of UTC, formatted as the C locale's
/// `strftime` (with `%q`), as STRFTIME formats it.
pub fn format_time(epoch: i64, offset: i64, format: &[u8]) -> Vec<u8> {
    let tm = broken_down(epoch, 0, offset);
    format_tm(&expand_fractions(format, tm.usec), &tm)
}

/// `ast_strftime`'s pre-pass: `%q` / `%1q`…`%6q` become the fraction's digits before the C
/// `strftime` sees the format.
fn expand_fractions(format: &[u8], usec: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(format.len());
    let mut i = 0;
    while i < format.len() {
        let c = format[i];
        let next = format.get(i + 1).copied();
        let decimals = match (c, next, format.get(i + 2)) {
            (b'%', Some(b'q'), _) => Some((3, 2)),
            (b'%', Some(d @ b'1'..=b'6'), Some(b'q')) => Some((i64::from(d - b'0'), 3)),
            _ => None,
        };
        match decimals {
            Some((n, used)) => {
                let fraction = usec / 10i64.pow((6 - n) as u32);
                out.extend_from_slice(format!("{fraction:0width$}", width = n as usize).as_bytes());
                i += used;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// C-locale `strftime`.
fn format_tm(format: &[u8], tm: &Tm) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        let Some(&conv) = format.get(i + 1) else {
            out.push(b'%');
            break;
        };
        i += 2;
        let text = match conv {
            b'%' => "%".to_string(),
            b'a' => DAYS[tm.wday as usize][..3].to_string(),
            b'A' => DAYS[tm.wday as usize].to_string(),
            b'b' | b'h' => MONTHS[tm.mon as usize][..3].to_string(),
            b'B' => MONTHS[tm.mon as usize].to_string(),
            b'c' => String::from_utf8_lossy(&format_tm(b"%a %b %e %H:%M:%S %Y", tm)).into(),
            b'C' => format!("{:02}", tm.year.div_euclid(100)),
            b'd' => format!("{:02}", tm.mday),
            b'D' | b'x' => String::from_utf8_lossy(&format_tm(b"%m/%d/%y", tm)).into(),
            b'e' => format!("{:2}", tm.mday),
            b'F' => format!("{}-{:02}-{:02}", tm.year, tm.mon + 1, tm.mday),
            b'G' => iso_week(tm).0.to_string(),
            b'g' => format!("{:02}", iso_week(tm).0.rem_euclid(100)),
            b'H' => format!("{:02}", tm.hour),
            b'I' => format!("{:02}", (tm.hour + 11) % 12 + 1),
            b'j' => format!("{:03}", tm.yday + 1),
            b'k' => format!("{:2}", tm.hour),
            b'l' => format!("{:2}", (tm.hour + 11) % 12 + 1),
            b'm' => format!("{:02}", tm.mon + 1),
            b'M' => format!("{:02}", tm.min),
            b'n' => "\n".into(),
            b'p' => (if tm.hour < 12 { "AM" } else { "PM" }).into(),
            b'P' => (if tm.hour < 12 { "am" } else { "pm" }).into(),
            b'r' => String::from_utf8_lossy(&format_tm(b"%I:%M:%S %p", tm)).into(),
            b'R' => format!("{:02}:{:02}", tm.hour, tm.min),
            b's' => tm.epoch.to_string(),
            b'S' => format!("{:02}", tm.sec),
            b't' => "\t".into(),
            b'T' | b'X' => format!("{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec),
            b'u' => ((tm.wday + 6) % 7 + 1).to_string(),
            b'U' => format!("{:02}", (tm.yday + 7 - tm.wday) / 7),
            b'V' => format!("{:02}", iso_week(tm).1),
            b'w' => tm.wday.to_string(),
            b'W' => format!("{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
            b'y' => format!("{:02}", tm.year.rem_euclid(100)),
            b'Y' => tm.year.to_string(),
            b'z' => {
                let o = tm.offset;
                let sign = if o < 0 { '-' } else { '+' };
                format!("{sign}{:02}{:02}", o.abs() / 3600, o.abs() % 3600 / 60)
            }
            b'Z' => (if tm.offset == 0 { "UTC" } else { "" }).into(),
            other => {
                // glibc prints an unknown conversion as written.
                out.push(b'%');
                out.push(other);
                continue;
            }
        };
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// ISO 8601 week-numbering year and week.
fn iso_week(tm: &Tm) -> (i64, i64) {
    let wday = (tm.wday + 6) % 7; // Monday = 0
    let week = (tm.yday - wday + 10) / 7;
    let weeks_in = |y: i64| {
        let jan1 = (days_from_civil(y, 1, 1) + 3).rem_euclid(7); // Monday = 0
        if jan1 == 3 || (jan1 == 2 && is_leap(y)) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        (tm.year - 1, weeks_in(tm.year - 1))
    } else if week > weeks_in(tm.year) {
        (tm.year + 1, 1)
    } else {
        (tm.year, week)
    }
}

/// `STRPTIME(string,zone,format)`: the epoch of `string` read by C `strptime` and taken in
/// `zone` (fields the format does not set are those of a zeroed `struct tm`: day 0 is the
/// last day of the previous month, year 1900). No match gives an empty result, not a failure.
pub fn strptime(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    let format = args::get(&a, 2).unwrap_or_default();
    if format.is_empty() {
        return Err(Complaint::error(
            "No format supplied to STRPTIME(<timestring>,<timezone>,<format>)",
        ));
    }
    let text = args::get(&a, 0).unwrap_or_default();
    let Some(parsed) = parse_tm(text, format) else {
        return Ok(Vec::new());
    };
    // Wrapping at the ends of an i64 (`%s` takes any): a number rather than an overflow;
    // the int the result is printed as keeps the low 32 bits.
    let local = days_from_civil(parsed.year, parsed.mon + 1, parsed.mday)
        .wrapping_mul(86_400)
        .wrapping_add(parsed.hour * 3600 + parsed.min * 60 + parsed.sec);
    let zone = args::get(&a, 1).unwrap_or_default();
    let guess = local.wrapping_sub(zone_offset(env, zone, local));
    let epoch = local.wrapping_sub(zone_offset(env, zone, guess));
    Ok((epoch as i32).to_string().into_bytes())
}

/// Fields set by strptime (a zeroed `struct tm` otherwise).
#[derive(Default)]
struct Parsed {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    pm: Option<bool>,
    yday: Option<i64>,
    have_mon: bool,
    have_mday: bool,
}

fn parse_tm(s: &[u8], format: &[u8]) -> Option<Parsed> {
    let mut p = Parsed {
        year: 1900,
        ..Parsed::default()
    };
    let mut pos = 0;
    parse_into(s, &mut pos, format, &mut p)?;
    if let Some(pm) = p.pm {
        p.hour = p.hour % 12 + if pm { 12 } else { 0 };
    }
    if let (Some(yday), false) = (p.yday, p.have_mon || p.have_mday) {
        let (_, m, d) = civil_from_days(days_from_civil(p.year, 1, 1) + yday);
        p.mon = m - 1;
        p.mday = d;
    }
    Some(p)
}

fn parse_into(s: &[u8], pos: &mut usize, format: &[u8], p: &mut Parsed) -> Option<()> {
    let skip_space = |pos: &mut usize| {
        while s.get(*pos).is_some_and(|&b| args::is_space(b)) {
            *pos += 1;
        }
    };
    let mut i = 0;
    while i < format.len() {
        let f = format[i];
        if args::is_space(f) {
            skip_space(pos);
            i += 1;
            continue;
        }
        if f != b'%' {
            if s.get(*pos) != Some(&f) {
                return None;
            }
            *pos += 1;
            i += 1;
            continue;
        }
        let conv = *format.get(i + 1)?;
        i += 2;
        let number = |lo: i64, hi: i64, digits: usize, pos: &mut usize| -> Option<i64> {
            skip_space(pos);
            let n = s[*pos..]
                .iter()
                .take(digits)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if n == 0 {
                return None;
            }
            let v: i64 = std::str::from_utf8(&s[*pos..*pos + n]).ok()?.parse().ok()?;
            *pos += n;
            (lo..=hi).contains(&v).then_some(v)
        };
        match conv {
            b'%' => {
                if s.get(*pos) != Some(&b'%') {
                    return None;
                }
                *pos += 1;
            }
            b'Y' => p.year = number(0, 9999, 4, pos)?,
            b'y' => {
                let y = number(0, 99, 2, pos)?;
                p.year = if y < 69 { 2000 + y } else { 1900 + y };
            }
            b'C' => {
                let c = number(0, 99, 2, pos)?;
                p.year = c * 100 + p.year.rem_euclid(100);
            }
            b'm' => {
                p.mon = number(1, 12, 2, pos)? - 1;
                p.have_mon = true;
            }
            b'd' | b'e' => {
                p.mday = number(1, 31, 2, pos)?;
                p.have_mday = true;
            }
            b'H' | b'k' => p.hour = number(0, 23, 2, pos)?,
            b'I' | b'l' => p.hour = number(1, 12, 2, pos)? % 12,
            b'M' => p.min = number(0, 59, 2, pos)?,
            b'S' => p.sec = number(0, 61, 2, pos)?,
            b'j' => p.yday = Some(number(1, 366, 3, pos)? - 1),
            b'n' | b't' => skip_space(pos),
            b'p' | b'P' => {
                skip_space(pos);
                let word = s.get(*pos..*pos + 2)?.to_ascii_uppercase();
                p.pm = Some(match word.as_slice() {
                    b"AM" => false,
                    b"PM" => true,
                    _ => return None,
                });
                *pos += 2;
            }
            b'b' | b'B' | b'h' => {
                let (m, used) = name_at(s, *pos, &MONTHS)?;
                p.mon = m as i64;
                p.have_mon = true;
                *pos += used;
            }
            b'a' | b'A' => {
                let (_, used) = name_at(s, *pos, &DAYS)?;
                *pos += used;
            }
            b's' => {
                skip_space(pos);
                let neg = s.get(*pos) == Some(&b'-');
                let start = *pos + usize::from(neg);
                let n = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                let v: i64 = std::str::from_utf8(&s[start..start + n])
                    .ok()?
                    .parse()
                    .ok()?;
                *pos = start + n;
                let tm = broken_down(if neg { -v } else { v }, 0, 0);
                (p.year, p.mon, p.mday, p.hour, p.min, p.sec) =
                    (tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
                p.have_mon = true;
                p.have_mday = true;
            }
            b'T' => parse_into(s, pos, b"%H:%M:%S", p)?,
            b'D' => parse_into(s, pos, b"%m/%d/%y", p)?,
            b'R' => parse_into(s, pos, b"%H:%M", p)?,
            b'F' => parse_into(s, pos, b"%Y-%m-%d", p)?,
            b'r' => parse_into(s, pos, b"%I:%M:%S %p", p)?,
            b'c' => parse_into(s, pos, b"%a %b %e %H:%M:%S %Y", p)?,
            _ => return None,
        }
    }
    Some(())
}

/// A day or month name (full or three-letter, any case) at `pos`: (index, bytes used).
fn name_at(s: &[u8], pos: usize, names: &[&str]) -> Option<(usize, usize)> {
    let rest = s.get(pos..)?;
    names.iter().enumerate().find_map(|(i, name)| {
        let full = name.as_bytes();
        if rest.len() >= full.len() && rest[..full.len()].eq_ignore_ascii_case(full) {
            Some((i, full.len()))
        } else if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(&full[..3]) {
            Some((i, 3))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testenv::{TestEnv, call, eval};

    fn ok(s: &str) -> Result<String, String> {
        Ok(s.into())
    }

    #[test]
    fn strftime_in_utc_and_fixed_zones() {
        assert_eq!(
            eval("STRFTIME", "0,UTC,%Y-%m-%d %H:%M:%S"),
            ok("1970-01-01 00:00:00")
        );
        assert_eq!(eval("STRFTIME", "86400,,%d"), ok("02"));
        assert_eq!(eval("STRFTIME", "0,UTC"), ok("Thu Jan  1 00:00:00 1970"));
        assert_eq!(eval("STRFTIME", "0,EST5,%H %z"), ok("19 -0500"));
        assert_eq!(eval("STRFTIME", "0,Etc/GMT-2,%H"), ok("02"));
        assert_eq!(
            eval("STRFTIME", "1.25,UTC,%S.%q|%2q|%6q"),
            ok("01.250|25|250000")
        );
        assert_eq!(
            eval(
                "STRFTIME",
                "1700000000,UTC,%a %A %b %B %j %u %w %U %W %V %G %I %p %s"
            ),
            ok("Tue Tuesday Nov November 318 2 2 46 46 46 2023 10 PM 1700000000")
        );
        assert_eq!(eval("STRFTIME", "0,UTC,%Q"), ok("%Q"));
        let mut env = TestEnv {
            now: (86_400 * 365, 0),
            ..TestEnv::default()
        };
        assert_eq!(call(&mut env, "STRFTIME", ",UTC,%Y"), ok("1971"));
        assert_eq!(call(&mut env, "STRFTIME", "bad,UTC,%Y"), ok("1971"));
    }

    #[test]
    fn strptime_round_trips() {
        assert_eq!(
            eval("STRPTIME", "1970-01-02 00:00:00,UTC,%Y-%m-%d %H:%M:%S"),
            ok("86400")
        );
        assert_eq!(
            eval("STRPTIME", "2006-03-01 07:30:35,EST5,%Y-%m-%d %H:%M:%S"),
            ok("1141216235")
        );
        assert_eq!(
            eval("STRPTIME", "12/31/99 11:00 PM,UTC,%D %I:%M %p"),
            ok("946681200")
        );
        assert_eq!(eval("STRPTIME", "x,UTC,%Y"), ok(""));
        assert_eq!(eval("STRPTIME", "1970 32,UTC,%Y %j"), ok("2678400"));
        assert!(eval("STRPTIME", "1970,UTC").is_err());
    }

    /// Times at the ends of an i64 (`%s` takes any), in zones west and east of UTC: the
    /// arithmetic wraps and the result is printed as an int; nothing overflows.
    #[test]
    fn times_at_the_ends_of_an_i64() {
        for zone in ["UTC", "Etc/GMT+12", "Etc/GMT-14"] {
            for time in ["9223372036854775807", "-9223372036854775807"] {
                let parsed = eval("STRPTIME", &format!("{time},{zone},%s"));
                assert!(parsed.is_ok(), "STRPTIME({time},{zone},%s): {parsed:?}");
                let printed = eval("STRFTIME", &format!("{time},{zone},%Y %H:%M %z"));
                assert!(printed.is_ok(), "STRFTIME({time},{zone}): {printed:?}");
            }
            for time in ["1e30", "-1e30"] {
                assert!(eval("STRFTIME", &format!("{time},{zone},%Y")).is_ok());
            }
        }
        // Still exact away from the ends.
        assert_eq!(eval("STRPTIME", "86400,UTC,%s"), ok("86400"));
    }
}
