//! UTC offsets of zoneinfo zones (`/usr/share/zoneinfo/NAME`, TZif v1–v4), as `ast_localtime`
//! finds them: the transition table, then the POSIX rule in the file's footer for times after
//! the last transition. A name no file answers to is read as a POSIX rule (`EST5EDT,M3.2.0,
//! M11.1.0`), as `ast_tzset` falls back to `tzparse`.
//!
//! [`ServerZone`] is the zone Asterisk reads a time in when none is named (`ast_localtime(..,
//! NULL)`): `/etc/localtime`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Seconds east of UTC in zone `name` at `epoch`; `None` when the zone is unknown (Asterisk
/// then falls back to UTC as well).
pub(super) fn offset(name: &str, epoch: i64) -> Option<i64> {
    named(name).map(|z| z.offset(epoch))
}

/// The zone called `name`, loaded once.
fn named(name: &str) -> Option<&'static Zone> {
    cached(name, || load(name))
}

/// The zone under `key` (a name, or a file's absolute path), loaded by `load` the first time.
/// Zones are kept for the life of the process: there are as many as the zoneinfo tree has
/// files, a few hundred at most, and a key that loads nothing is not kept (a dialplan may
/// pass any text as a zone).
fn cached(key: &str, load: impl FnOnce() -> Option<Zone>) -> Option<&'static Zone> {
    static ZONES: OnceLock<Mutex<HashMap<String, &'static Zone>>> = OnceLock::new();
    let zones = ZONES.get_or_init(Default::default);
    if let Some(zone) = zones.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return Some(zone);
    }
    let zone: &'static Zone = Box::leak(Box::new(load()?));
    Some(
        zones
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_string())
            .or_insert(zone),
    )
}

/// The server's zone: where Asterisk reads the time for a time condition, `STRFTIME` or a
/// date with no zone of its own. On Linux `ast_tzset` takes `/etc/localtime` for the empty
/// zone (not `TZ`: that is read on Solaris only), and UTC when that file cannot be read
/// (`gmtload`). Asterisk also watches the file and reads it again when it changes; here it is
/// read once per process.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerZone(Option<&'static Zone>);

impl ServerZone {
    /// UTC: a server whose `/etc/localtime` is UTC, or missing.
    pub const UTC: ServerZone = ServerZone(None);

    /// This machine's zone, `/etc/localtime`.
    pub fn system() -> ServerZone {
        ServerZone::from_file(std::path::Path::new("/etc/localtime"))
    }

    /// The zone of a TZif file (what `/etc/localtime` is, linked or copied), read once; UTC
    /// when the file cannot be read or is not one.
    pub fn from_file(path: &std::path::Path) -> ServerZone {
        // Names never start with `/`, so an absolute path is a key of its own.
        let key = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        ServerZone(cached(&key.to_string_lossy(), || {
            parse(&std::fs::read(path).ok()?)
        }))
    }

    /// The zoneinfo zone `name` (`America/New_York`) as the server's: a server set up in
    /// that zone. `None` when there is no such zone.
    pub fn named(name: &str) -> Option<ServerZone> {
        named(name).map(|z| ServerZone(Some(z)))
    }

    /// Seconds east of UTC at `epoch`.
    pub fn offset(self, epoch: i64) -> i64 {
        self.0.map_or(0, |z| z.offset(epoch))
    }

    /// Whether the offset at `epoch` is whole minutes, so that the zone's minutes begin with
    /// the epoch's; without a lookup from 1972 on where every offset since is (all zones
    /// today).
    pub fn whole_minutes(self, epoch: i64) -> bool {
        match self.0 {
            None => true,
            Some(z) if epoch >= SINCE_1972 && z.whole_minutes_since_1972 => true,
            Some(z) => z.offset(epoch) % 60 == 0,
        }
    }

    /// A number that tells this zone from every other loaded in the process: 0 for UTC.
    pub fn id(self) -> u32 {
        self.0.map_or(0, |z| z.id)
    }
}

/// Ids of loaded zones, from 1.
static IDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

#[derive(Debug)]
struct Zone {
    id: u32,
    transitions: Vec<(i64, i64)>,
    /// Offset before the first transition.
    initial: i64,
    rule: Option<Rule>,
    /// Every offset from 1972 on is whole minutes (local mean time, offset by seconds,
    /// ended before then everywhere).
    whole_minutes_since_1972: bool,
}

/// 1972-01-01 00:00 UTC.
const SINCE_1972: i64 = 63_072_000;

impl Zone {
    fn new(transitions: Vec<(i64, i64)>, initial: i64, rule: Option<Rule>) -> Zone {
        let mut zone = Zone {
            id: IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            transitions,
            initial,
            rule,
            whole_minutes_since_1972: false,
        };
        let later = zone.transitions.iter().filter(|&&(at, _)| at > SINCE_1972);
        let rules = zone
            .rule
            .iter()
            .flat_map(|r| [Some(r.std), r.dst.as_ref().map(|d| d.0)])
            .flatten();
        zone.whole_minutes_since_1972 = zone.offset(SINCE_1972) % 60 == 0
            && later
                .map(|&(_, offset)| offset)
                .chain(rules)
                .all(|o| o % 60 == 0);
        zone
    }

    fn offset(&self, epoch: i64) -> i64 {
        // Transitions are in ascending order.
        let after = self.transitions.partition_point(|&(at, _)| at <= epoch);
        match after.checked_sub(1) {
            Some(i) if i + 1 < self.transitions.len() || self.rule.is_none() => {
                self.transitions[i].1
            }
            Some(i) => self
                .rule
                .as_ref()
                .map_or(self.transitions[i].1, |r| r.offset(epoch)),
            None if self.transitions.is_empty() => {
                self.rule.as_ref().map_or(self.initial, |r| r.offset(epoch))
            }
            None => self.initial,
        }
    }
}

fn load(name: &str) -> Option<Zone> {
    // A zone name never climbs out of the zoneinfo tree.
    if name.is_empty() || name.starts_with('/') || name.split('/').any(|p| p == "..") {
        return None;
    }
    match std::fs::read(format!("/usr/share/zoneinfo/{name}")) {
        Ok(data) => parse(&data),
        // `tzparse`: the name as a rule (`EST5EDT,M3.2.0,M11.1.0`, `<+0530>-5:30`).
        Err(_) => Rule::parse(name).map(|rule| Zone::new(Vec::new(), rule.std, Some(rule))),
    }
}

fn be32(d: &[u8], at: usize) -> Option<i64> {
    Some(i64::from(i32::from_be_bytes(
        d.get(at..at + 4)?.try_into().ok()?,
    )))
}

fn be64(d: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_be_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

fn parse(d: &[u8]) -> Option<Zone> {
    if d.get(..4)? != b"TZif" {
        return None;
    }
    let version = *d.get(4)?;
    let counts = |at: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (k, v) in c.iter_mut().enumerate() {
            *v = usize::try_from(be32(d, at + 20 + 4 * k)?).ok()?;
        }
        Some(c)
    };
    let [isut, isstd, leap, time, typ, chars] = counts(0)?;
    let v1_len = 44 + time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
    // Version 2+ repeats the data with 64-bit times; use that block.
    let (base, wide) = if version >= b'2' {
        (v1_len, true)
    } else {
        (0, false)
    };
    let [isut, isstd, leap, time, typ, chars] = counts(base)?;
    let tsize = if wide { 8 } else { 4 };
    let times_at = base + 44;
    let idx_at = times_at + time * tsize;
    let types_at = idx_at + time;
    let end = types_at + typ * 6 + chars + leap * (tsize + 4) + isstd + isut;
    // Counts that claim more than the file holds are a broken file, not an allocation.
    if end > d.len() {
        return None;
    }
    let mut types = Vec::with_capacity(typ);
    for k in 0..typ {
        types.push(be32(d, types_at + 6 * k)?);
    }
    let mut transitions = Vec::with_capacity(time);
    for k in 0..time {
        let at = if wide {
            be64(d, times_at + 8 * k)?
        } else {
            be32(d, times_at + 4 * k)?
        };
        let t = *types.get(usize::from(*d.get(idx_at + k)?))?;
        transitions.push((at, t));
    }
    let rule = if wide {
        d.get(end..)
            .and_then(|footer| footer.strip_prefix(b"\n"))
            .and_then(|f| f.split(|&c| c == b'\n').next())
            .and_then(|f| std::str::from_utf8(f).ok())
            .and_then(Rule::parse)
    } else {
        None
    };
    Some(Zone::new(
        transitions,
        types.first().copied().unwrap_or(0),
        rule,
    ))
}

/// A POSIX TZ rule such as `EST5EDT,M3.2.0,M11.1.0`.
#[derive(Debug)]
struct Rule {
    std: i64,
    dst: Option<(i64, When, When)>,
}

/// `Mm.w.d[/time]`: day `d` (0 = Sunday) of week `w` (5 = last) of month `m`, at `time`
/// local (standard before the start, daylight before the end).
#[derive(Debug)]
struct When {
    month: u32,
    week: u32,
    weekday: u32,
    seconds: i64,
}

impl Rule {
    fn parse(s: &str) -> Option<Rule> {
        let mut rest = s;
        let _name = take_name(&mut rest)?;
        let std = -take_offset(&mut rest)?;
        if rest.is_empty() {
            return Some(Rule { std, dst: None });
        }
        let _dst_name = take_name(&mut rest)?;
        let dst = if rest.starts_with(',') {
            std + 3600
        } else {
            -take_offset(&mut rest)?
        };
        let mut rules = rest.strip_prefix(',')?.split(',');
        let start = When::parse(rules.next()?)?;
        let end = When::parse(rules.next()?)?;
        Some(Rule {
            std,
            dst: Some((dst, start, end)),
        })
    }

    fn offset(&self, epoch: i64) -> i64 {
        let Some((dst, start, end)) = &self.dst else {
            return self.std;
        };
        // Saturating: the epoch may be any i64 (`TESTTIME`, `STRFTIME`).
        let (year, _, _) =
            super::civil_from_days(epoch.saturating_add(self.std).div_euclid(86_400));
        let begins = start.at(year).saturating_sub(self.std);
        let ends = end.at(year).saturating_sub(*dst);
        let in_dst = if begins < ends {
            epoch >= begins && epoch < ends
        } else {
            epoch >= begins || epoch < ends
        };
        if in_dst { *dst } else { self.std }
    }
}

impl When {
    fn parse(s: &str) -> Option<When> {
        let (date, time) = match s.split_once('/') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut f = date.strip_prefix('M')?.split('.');
        let month = f.next()?.parse().ok()?;
        let week = f.next()?.parse().ok()?;
        let weekday = f.next()?.parse().ok()?;
        let seconds = match time {
            Some(t) => {
                let mut t = t;
                take_offset(&mut t)?
            }
            None => 7200,
        };
        ((1..=12).contains(&month) && (1..=5).contains(&week) && weekday < 7).then_some(When {
            month,
            week,
            weekday,
            seconds,
        })
    }

    /// Seconds since the epoch, as local wall time, of this moment in `year`.
    fn at(&self, year: i64) -> i64 {
        let first = days_from_civil(year, self.month, 1);
        let first_weekday = (first + 4).rem_euclid(7) as u32;
        let mut day = 1 + (self.weekday + 7 - first_weekday) % 7 + 7 * (self.week - 1);
        let length = month_length(year, self.month);
        while day > length {
            day -= 7;
        }
        (first + i64::from(day) - 1)
            .saturating_mul(86_400)
            .saturating_add(self.seconds)
    }
}

fn take_name<'a>(s: &mut &'a str) -> Option<&'a str> {
    if let Some(r) = s.strip_prefix('<') {
        let end = r.find('>')?;
        let name = &r[..end];
        *s = &r[end + 1..];
        return Some(name);
    }
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    (end >= 3).then(|| {
        let name = &s[..end];
        *s = &s[end..];
        name
    })
}

/// `[+-]hh[:mm[:ss]]` in seconds (POSIX sign: positive is west of UTC).
fn take_offset(s: &mut &str) -> Option<i64> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, *s),
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(rest.len());
    let mut total = 0i64;
    for (k, part) in rest[..end].split(':').take(3).enumerate() {
        let v: i64 = part.parse().ok()?;
        total += v * [3600, 60, 1][k];
    }
    *s = &rest[end..];
    Some(sign * total)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn month_length(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_rules() {
        let r = Rule::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2024-01-01 14:00 UTC: EST.
        assert_eq!(r.offset(1_704_117_600), -5 * 3600);
        // 2024-07-01 12:00 UTC: EDT.
        assert_eq!(r.offset(1_719_835_200), -4 * 3600);
        assert_eq!(
            Rule::parse("<+0530>-5:30").unwrap().offset(0),
            5 * 3600 + 1800
        );
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
    }

    /// The server's zone from a zone file, linked or copied (what `/etc/localtime` is), is
    /// the zone of its name; a file that is not one, or none, is UTC.
    #[test]
    fn server_zones_from_files() {
        let named = ServerZone::named("America/New_York").unwrap();
        let copy = std::env::temp_dir().join(format!("pbxc-zone-{}", std::process::id()));
        std::fs::copy("/usr/share/zoneinfo/America/New_York", &copy).unwrap();
        let copied = ServerZone::from_file(&copy);
        std::fs::remove_file(&copy).unwrap();
        // Winter and summer 2024, before and after the table's last transition's rule.
        for epoch in [1_704_117_600, 1_719_835_200, 4_102_444_800] {
            assert_eq!(copied.offset(epoch), named.offset(epoch), "{epoch}");
        }
        assert_eq!(named.offset(1_704_117_600), -5 * 3600);
        assert_eq!(named.offset(1_719_835_200), -4 * 3600);
        // Read once: the file is gone, the zone is not.
        assert_eq!(ServerZone::from_file(&copy).id(), copied.id());
        assert_ne!(copied.id(), named.id());
        for nothing in ["/nonexistent/localtime", "/etc/hostname"] {
            let zone = ServerZone::from_file(std::path::Path::new(nothing));
            assert_eq!((zone.id(), zone.offset(1_719_835_200)), (0, 0), "{nothing}");
        }
        assert_eq!(ServerZone::UTC.id(), 0);
    }

    /// Monrovia kept local mean time (-0:44:30) until 1972: its minutes did not begin with
    /// the epoch's then, and do since; New York's always did.
    #[test]
    fn whole_minutes() {
        let monrovia = ServerZone::named("Africa/Monrovia").unwrap();
        assert_eq!(monrovia.offset(0), -(44 * 60 + 30));
        assert!(!monrovia.whole_minutes(0));
        assert!(monrovia.whole_minutes(1_796_072_400));
        let new_york = ServerZone::named("America/New_York").unwrap();
        assert!(new_york.whole_minutes(0) && new_york.whole_minutes(1_796_072_400));
        assert!(ServerZone::UTC.whole_minutes(-1));
    }

    /// A name no zone file has is read as a POSIX rule, as `ast_tzset` falls back to
    /// `tzparse`.
    #[test]
    fn names_that_are_rules() {
        assert_eq!(
            offset("EST5EDT,M3.2.0,M11.1.0", 1_719_835_200),
            Some(-4 * 3600)
        );
        assert_eq!(offset("<+0530>-5:30", 0), Some(5 * 3600 + 1800));
        assert_eq!(offset("Nowhere/Atlantis", 0), None);
    }

    #[test]
    fn garbage_files_and_names_are_rejected() {
        assert!(parse(b"").is_none());
        assert!(parse(b"TZif2").is_none());
        assert!(parse(&[b'T', b'Z', b'i', b'f', b'2', 0xff, 0xff]).is_none());
        assert!(load("../../etc/passwd").is_none());
        assert!(Rule::parse("").is_none());
        assert!(Rule::parse("EST5EDT,M13.9.9,M0").is_none());
    }
}
