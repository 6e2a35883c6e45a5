//! Call detail records as Asterisk's `cdr_csv` backend writes them (`cdr/cdr_csv.c`,
//! Asterisk 22): one CSV line per call appended to `Master.csv` (and, with `accountlogs`, to
//! `<accountcode>.csv`), the file opened and closed for every record.
//!
//! The [`Cdr`] is the public record `main/cdr.c` hands its backends (`struct ast_cdr`):
//! [`Cdr::duration`] and [`Cdr::billsec`] are computed the way `cdr_object_get_duration` and
//! `cdr_object_get_billsec` compute them, [`Cdr::csv_record`] is `build_csv_record` with its
//! 1024-byte buffer (what [`CsvWriter`] writes) and [`Cdr::csv_line`] the same line unlimited.
//!
//! Local time is Asterisk's: on Linux `ast_localtime(.., NULL)` reads `/etc/localtime` and
//! ignores `TZ` (`ast_tzset`, main/stdtime/localtime.c), as the dialplan's
//! [`ServerZone::system`] does. When a zone cannot be read, times are written in UTC — as
//! Asterisk does for a zone it cannot load (`gmtload`).

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use pbxc_dialplan::timing::{ServerZone, civil_from_days};

pub mod chain;

/// A point in time as a `struct timeval`: microseconds since the Unix epoch. Zero means
/// "not set" (`ast_tvzero`), and is written as an empty column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The unset time (`{0, 0}`).
    pub const ZERO: Timestamp = Timestamp(0);

    /// `us` microseconds since the epoch.
    pub const fn from_micros(us: i64) -> Timestamp {
        Timestamp(us)
    }

    /// Whole seconds since the epoch (saturating).
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000))
    }

    /// A `struct timeval` (`tv_sec`, `tv_usec`); `usec` may be outside `0..1_000_000`.
    pub const fn from_timeval(sec: i64, usec: i64) -> Timestamp {
        Timestamp(sec.saturating_mul(1_000_000).saturating_add(usec))
    }

    /// The current time (`ast_tvnow`).
    pub fn now() -> Timestamp {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
            Err(e) => Timestamp(i64::try_from(e.duration().as_micros()).map_or(i64::MIN, |us| -us)),
        }
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// `tv_sec` of the normalised timeval (rounded towards minus infinity).
    pub const fn tv_sec(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// `tv_usec` of the normalised timeval (`0..1_000_000`).
    pub const fn tv_usec(self) -> i64 {
        self.0.rem_euclid(1_000_000)
    }

    /// `ast_tvzero`.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// `ast_tvdiff_ms(end, start)` (include/asterisk/time.h): whole milliseconds from `start` to
/// `end`, rounded towards minus infinity.
pub fn tvdiff_ms(end: Timestamp, start: Timestamp) -> i64 {
    let sec_dif = (end.tv_sec() - start.tv_sec()) * 1000;
    let usec_dif = (1_000_000 + end.tv_usec() - start.tv_usec()) / 1000 - 1000;
    sec_dif + usec_dif
}

/// What happened to the call (`enum ast_cdr_disposition`), written as `ast_cdr_disp2str`
/// names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// `NO ANSWER` (also what an unset `AST_CDR_NULL` disposition prints).
    #[default]
    NoAnswer,
    /// `FAILED`
    Failed,
    /// `BUSY`
    Busy,
    /// `ANSWERED`
    Answered,
    /// `CONGESTION` (only with `congestion=yes` in cdr.conf; otherwise Asterisk says FAILED)
    Congestion,
    /// `CANCEL` (only with `canceldispositionenabled=yes`; otherwise Asterisk says NO ANSWER)
    Cancel,
}

impl Disposition {
    /// `ast_cdr_disp2str`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Disposition::NoAnswer => "NO ANSWER",
            Disposition::Failed => "FAILED",
            Disposition::Busy => "BUSY",
            Disposition::Answered => "ANSWERED",
            Disposition::Congestion => "CONGESTION",
            Disposition::Cancel => "CANCEL",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// AMA flags (`enum ama_flags`), written as `ast_channel_amaflags2string` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AmaFlags {
    /// `OMIT`
    Omit,
    /// `BILLING`
    Billing,
    /// `DOCUMENTATION` — a channel's default (`DEFAULT_AMA_FLAGS`, main/channel.c).
    #[default]
    Documentation,
    /// `AST_AMA_NONE` and any other number (`CHANNEL(amaflags)=0`).
    Unknown,
}

impl AmaFlags {
    /// `ast_channel_amaflags2string`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AmaFlags::Omit => "OMIT",
            AmaFlags::Billing => "BILLING",
            AmaFlags::Documentation => "DOCUMENTATION",
            AmaFlags::Unknown => "Unknown",
        }
    }

    /// `enum ama_flags` by number.
    pub const fn from_number(n: i32) -> AmaFlags {
        match n {
            1 => AmaFlags::Omit,
            2 => AmaFlags::Billing,
            3 => AmaFlags::Documentation,
            _ => AmaFlags::Unknown,
        }
    }
}

impl fmt::Display for AmaFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call detail record (`struct ast_cdr`, include/asterisk/cdr.h).
///
/// Strings are written as given: the fixed-size buffers `main/cdr.c` copies them into
/// (`AST_MAX_EXTENSION` = 80 bytes and so on) are the producer's business. As in C, a string
/// ends at its first NUL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cdr {
    /// Account code of party A.
    pub accountcode: String,
    /// Caller ID number.
    pub src: String,
    /// Destination extension.
    pub dst: String,
    /// Destination context.
    pub dcontext: String,
    /// Caller ID with text (`"Name" <number>`).
    pub clid: String,
    /// Party A's channel name.
    pub channel: String,
    /// Party B's channel name, if any.
    pub dstchannel: String,
    /// Last application run.
    pub lastapp: String,
    /// Its argument.
    pub lastdata: String,
    /// When the record started.
    pub start: Timestamp,
    /// When the call was answered; `None` (or a zero time) when it was not.
    pub answer: Option<Timestamp>,
    /// When the record ended; zero means "still running" (durations then run to now).
    pub end: Timestamp,
    /// What happened to the call.
    pub disposition: Disposition,
    /// AMA flags.
    pub amaflags: AmaFlags,
    /// Party A's unique ID (written with `loguniqueid`).
    pub uniqueid: String,
    /// User field (written with `loguserfield`).
    pub userfield: String,
    /// Party B's account code (written with `newcdrcolumns`).
    pub peeraccount: String,
    /// Linked ID (written with `newcdrcolumns`).
    pub linkedid: String,
    /// Sequence number (written with `newcdrcolumns`).
    pub sequence: i32,
}

/// The buffer `csv_log` builds a record in (`char buf[1024]`).
const RECORD_BUFFER: usize = 1024;

/// The `[csv]` section of cdr.conf (plus `initiatedseconds` from `[general]`). [`Default`] is
/// what `load_config` resets to: everything off except `accountlogs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// `usegmtime`: write times in GMT instead of local time.
    pub usegmtime: bool,
    /// A zoneinfo name (`America/New_York`) to write times in instead of the server's zone
    /// (not a cdr_csv option: Asterisk always uses `/etc/localtime`). Ignored with
    /// `usegmtime`; an unknown zone means UTC.
    pub zone: Option<String>,
    /// `loguniqueid`: append the unique ID column.
    pub loguniqueid: bool,
    /// `loguserfield`: append the user field column.
    pub loguserfield: bool,
    /// `newcdrcolumns`: append peeraccount, linkedid and sequence.
    pub newcdrcolumns: bool,
    /// `accountlogs`: also append to `<accountcode>.csv` (default on).
    pub accountlogs: bool,
    /// `initiatedseconds` (cdr.conf `[general]`): round billsec half up instead of down.
    pub initiatedseconds: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            usegmtime: false,
            zone: None,
            loguniqueid: false,
            loguserfield: false,
            newcdrcolumns: false,
            accountlogs: true,
            initiatedseconds: false,
        }
    }
}

impl Cdr {
    /// The answer time, `None` when unanswered (absent or zero).
    fn answered(&self) -> Option<Timestamp> {
        self.answer.filter(|t| !t.is_zero())
    }

    /// The end time durations are measured to: `end`, or now while it is unset.
    fn end_or_now(&self) -> Timestamp {
        if self.end.is_zero() {
            Timestamp::now()
        } else {
            self.end
        }
    }

    /// `cdr_object_get_duration`: whole seconds from start to end, `ast_tvdiff_ms / 1000`
    /// (truncated).
    pub fn duration(&self) -> i64 {
        tvdiff_ms(self.end_or_now(), self.start) / 1000
    }

    /// `cdr_object_get_billsec`: 0 when unanswered, else whole seconds from answer to end —
    /// truncated, or with `initiatedseconds` rounded up from half a second.
    pub fn billsec(&self, initiatedseconds: bool) -> i64 {
        let Some(answer) = self.answered() else {
            return 0;
        };
        let ms = tvdiff_ms(self.end_or_now(), answer);
        if ms % 1000 >= 500 && initiatedseconds {
            ms / 1000 + 1
        } else {
            ms / 1000
        }
    }

    /// `build_csv_record` without its buffer limit: the whole line, ending in `\n`.
    pub fn csv_line(&self, options: &CsvOptions) -> String {
        self.build(options, usize::MAX).unwrap_or_default()
    }

    /// The line `csv_log` writes: `build_csv_record` into its 1024-byte buffer. `None` when
    /// that fails (Asterisk logs "CDR not recorded!"): the line, newline included, must be
    /// shorter than 1019 bytes. Like C, a `sequence` column (`newcdrcolumns`) that does not
    /// fit is left out of a line that then does.
    pub fn csv_record(&self, options: &CsvOptions) -> Option<String> {
        self.build(options, RECORD_BUFFER)
    }

    fn build(&self, options: &CsvOptions, bufsize: usize) -> Option<String> {
        let zone = TimeZone::resolve(options);
        let mut buf = Record::new(bufsize);
        buf.string(&self.accountcode);
        buf.string(&self.src);
        buf.string(&self.dst);
        buf.string(&self.dcontext);
        buf.string(&self.clid);
        buf.string(&self.channel);
        buf.string(&self.dstchannel);
        buf.string(&self.lastapp);
        buf.string(&self.lastdata);
        buf.date(self.start, &zone);
        buf.date(self.answer.unwrap_or(Timestamp::ZERO), &zone);
        buf.date(self.end, &zone);
        // `long` passed to `append_int(char *, int, ..)`.
        buf.int(self.duration() as i32);
        buf.int(self.billsec(options.initiatedseconds) as i32);
        buf.string(self.disposition.as_str());
        buf.string(self.amaflags.as_str());
        if options.loguniqueid {
            buf.string(&self.uniqueid);
        }
        if options.loguserfield {
            buf.string(&self.userfield);
        }
        if options.newcdrcolumns {
            buf.string(&self.peeraccount);
            buf.string(&self.linkedid);
            buf.int(self.sequence);
        }
        buf.finish()
    }
}

/// A C string: everything before the first NUL.
fn c_str(s: &str) -> &str {
    s.split('\0').next().unwrap_or_default()
}

/// `build_csv_record`'s `char buf[bufsize]`, as lengths: `line` holds what was appended. A
/// string that does not fit is cut short in C, which leaves at least 1023 bytes and so always
/// fails the final check; it is recorded as `broken` instead of being cut.
struct Record {
    line: String,
    bufsize: usize,
    broken: bool,
}

impl Record {
    fn new(bufsize: usize) -> Record {
        Record {
            line: String::with_capacity(256),
            bufsize,
            broken: false,
        }
    }

    /// `append_string`: quoted, `"` doubled, then a comma.
    fn string(&mut self, s: &str) {
        let s = c_str(s);
        let pos = self.line.len();
        if pos >= self.bufsize - 4 {
            return;
        }
        let escaped = s.len() + s.bytes().filter(|&b| b == b'"').count();
        // The copy loop runs while `pos < bufsize - 3` and must still see the terminator.
        if pos + 1 + escaped >= self.bufsize - 3 {
            self.broken = true;
            return;
        }
        self.line.push('"');
        for c in s.chars() {
            if c == '"' {
                self.line.push('"');
            }
            self.line.push(c);
        }
        self.line.push_str("\",");
    }

    /// `append_int`: `%d`, then a comma; skipped when it does not fit.
    fn int(&mut self, n: i32) {
        let digits = n.to_string();
        if self.line.len() + digits.len() > self.bufsize - 3 {
            return;
        }
        self.line.push_str(&digits);
        self.line.push(',');
    }

    /// `append_date`: a bare comma for an unset time, else `"%Y-%m-%d %T",`.
    fn date(&mut self, when: Timestamp, zone: &TimeZone) {
        if self.line.len() > self.bufsize - 3 {
            return;
        }
        if when.is_zero() {
            self.line.push(',');
        } else {
            self.string(&zone.format(when));
        }
    }

    /// The trailing comma becomes `\n` when the line is shorter than `bufsize - 5`.
    fn finish(mut self) -> Option<String> {
        if self.broken || self.line.len() >= self.bufsize - 5 {
            return None;
        }
        self.line.pop();
        self.line.push('\n');
        Some(self.line)
    }
}

/// The zone records are written in, as `ast_tzset` takes a zone: `usegmtime` is UTC; no zone
/// or the empty one is the server's; a leading `:` is dropped; an absolute path is a zone
/// file; anything else a zoneinfo name or a POSIX rule; UTC when none of these loads.
struct TimeZone(ServerZone);

impl TimeZone {
    fn resolve(options: &CsvOptions) -> TimeZone {
        if options.usegmtime {
            return TimeZone(ServerZone::UTC);
        }
        let zone = options.zone.as_deref().unwrap_or_default();
        let zone = zone.strip_prefix(':').unwrap_or(zone);
        TimeZone(if zone.is_empty() {
            ServerZone::system()
        } else if zone.starts_with('/') {
            ServerZone::from_file(Path::new(zone))
        } else {
            ServerZone::named(zone).unwrap_or(ServerZone::UTC)
        })
    }

    fn offset(&self, epoch: i64) -> i64 {
        self.0.offset(epoch)
    }

    /// `ast_localtime` + `ast_strftime(.., "%Y-%m-%d %T", ..)`.
    fn format(&self, when: Timestamp) -> String {
        let epoch = when.tv_sec();
        let local = epoch.saturating_add(self.offset(epoch));
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        format!(
            "{year}-{month:02}-{day:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// Appends records to `<dir>/Master.csv` as `csv_log` does: the file is opened, written and
/// closed for every record, under a lock, so a long-running process holds no descriptor.
#[derive(Debug)]
pub struct CsvWriter {
    dir: PathBuf,
    options: CsvOptions,
    lock: Mutex<()>,
}

impl CsvWriter {
    /// A writer for directory `dir` (Asterisk's `/var/log/asterisk/cdr-csv`), created on the
    /// first record if missing.
    pub fn new(dir: impl Into<PathBuf>, options: CsvOptions) -> CsvWriter {
        CsvWriter {
            dir: dir.into(),
            options,
            lock: Mutex::new(()),
        }
    }

    /// The directory records go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/Master.csv`.
    pub fn master_path(&self) -> PathBuf {
        self.dir.join("Master.csv")
    }

    /// The options records are written with.
    pub fn options(&self) -> &CsvOptions {
        &self.options
    }

    /// `csv_log`: appends the record to `Master.csv` and, with `accountlogs` and an account
    /// code, to `<accountcode>.csv`.
    ///
    /// Errors: `InvalidData` when the record does not fit Asterisk's 1024-byte buffer (nothing
    /// is written); otherwise both files are tried, as in C, and the first failure is returned —
    /// so an `InvalidInput` error for an account code with a `/` or a leading `.` (which
    /// `writefile_account` refuses) comes after `Master.csv` was written.
    pub fn write(&self, cdr: &Cdr) -> io::Result<()> {
        let Some(line) = cdr.csv_record(&self.options) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("Unable to create CSV record in {RECORD_BUFFER} bytes.  CDR not recorded!"),
            ));
        };
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        fs::create_dir_all(&self.dir)?;
        let master = append(&self.master_path(), &line);
        let account = c_str(&cdr.accountcode);
        let account = if self.options.accountlogs && !account.is_empty() {
            if account.contains('/') || account.starts_with('.') {
                Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("Account code '{account}' insecure for writing file"),
                ))
            } else {
                append(&self.dir.join(format!("{account}.csv")), &line)
            }
        } else {
            Ok(())
        };
        master.and(account)
    }
}

/// `writefile`: `fopen(path, "a")`, `fputs`, `fflush`, `fclose`.
fn append(path: &Path, line: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    file.write_all(line.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests;
