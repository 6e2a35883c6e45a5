//! What Asterisk knows about the system it runs on, which a dialplan reads as built-in
//! variables (`ast_str_retrieve_variable`): `${SYSTEMNAME}`, the directories (`${ASTETCDIR}`
//! and the rest) and `${ENTITYID}`. Asterisk's defaults are those of a Linux build configured
//! with no options (`configure.ac`: prefix `/usr`, `/etc`, `/var`); asterisk.conf's
//! `[directories]` and `[options]` change them as `main/options.c` reads them
//! ([`System::apply`]).

use std::sync::OnceLock;

/// The names of the directories, as variables, in the order `ast_str_retrieve_variable`
/// checks them.
pub const DIRECTORIES: [&str; 12] = [
    "ASTCACHEDIR",
    "ASTETCDIR",
    "ASTMODDIR",
    "ASTVARLIBDIR",
    "ASTDBDIR",
    "ASTKEYDIR",
    "ASTDATADIR",
    "ASTAGIDIR",
    "ASTSPOOLDIR",
    "ASTRUNDIR",
    "ASTLOGDIR",
    "ASTSBINDIR",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    /// `systemname` (empty unless asterisk.conf sets it).
    pub name: Vec<u8>,
    /// The entity ID as `ast_eid_to_str` prints it (`00:11:22:33:44:55`).
    pub entity_id: Vec<u8>,
    /// Each of [`DIRECTORIES`]' values, in that order.
    directories: [Vec<u8>; 12],
    /// Whether `astdbdir` or `astkeydir` was given: then `astvarlibdir` and `astdatadir` no
    /// longer move the database and the keys.
    db_dir_given: bool,
    key_dir_given: bool,
    /// `[options] defaultlanguage` (`ast_defaultlanguage`, `en` unless set): the language a
    /// channel starts with.
    pub default_language: Vec<u8>,
}

impl Default for System {
    /// Asterisk's compiled-in defaults, and the entity ID it would take from this machine.
    fn default() -> System {
        let dirs = [
            "/var/cache/asterisk",
            "/etc/asterisk",
            "/usr/lib/asterisk/modules",
            "/var/lib/asterisk",
            // `DEFAULT_DB` and `DEFAULT_KEY_DIR`: the database file and the keys' directory.
            "/var/lib/asterisk/astdb",
            "/var/lib/asterisk/keys",
            "/var/lib/asterisk",
            "/var/lib/asterisk/agi-bin",
            "/var/spool/asterisk",
            "/var/run/asterisk",
            "/var/log/asterisk",
            "/usr/sbin",
        ];
        System {
            name: Vec::new(),
            entity_id: machine_entity_id().to_vec(),
            directories: dirs.map(|d| d.as_bytes().to_vec()),
            db_dir_given: false,
            key_dir_given: false,
            default_language: b"en".to_vec(),
        }
    }
}

impl System {
    /// Asterisk's defaults, shared by every engine that is given no others.
    pub fn shared_default() -> std::sync::Arc<System> {
        static DEFAULT: OnceLock<std::sync::Arc<System>> = OnceLock::new();
        DEFAULT.get_or_init(Default::default).clone()
    }

    /// Asterisk's defaults changed by asterisk.conf's settings, given in file order as
    /// (section, name, value); and what Asterisk would log reading them.
    pub fn from_asterisk_conf<'a>(
        settings: impl IntoIterator<Item = (&'a [u8], &'a [u8], &'a [u8])>,
    ) -> (System, Vec<String>) {
        let mut system = System::default();
        let log = settings
            .into_iter()
            .filter_map(|(section, name, value)| system.apply(section, name, value, &host_name))
            .collect();
        (system, log)
    }

    /// The value of built-in variable `name` when it is one of these, else `None`.
    pub fn variable(&self, name: &[u8]) -> Option<&[u8]> {
        match name {
            b"SYSTEMNAME" => Some(&self.name),
            b"ENTITYID" => Some(&self.entity_id),
            _ => DIRECTORIES
                .iter()
                .position(|d| d.as_bytes() == name)
                .map(|i| self.directories[i].as_slice()),
        }
    }

    /// Reads one setting of asterisk.conf's `[directories]` or `[options]` as
    /// `main/options.c` does (names compared without regard to case); others are ignored.
    /// `hostname` answers `autosystemname`. Returns the line Asterisk logs for a value it
    /// cannot use (which then changes nothing).
    pub fn apply(
        &mut self,
        section: &[u8],
        name: &[u8],
        value: &[u8],
        hostname: &dyn Fn() -> Option<Vec<u8>>,
    ) -> Option<String> {
        let name = name.to_ascii_lowercase();
        let joined = |suffix: &str| {
            let mut path = value.to_vec();
            path.extend_from_slice(suffix.as_bytes());
            path
        };
        if section.eq_ignore_ascii_case(b"directories") {
            let set = |dirs: &mut [Vec<u8>; 12], var: &str, v: Vec<u8>| {
                if let Some(i) = DIRECTORIES.iter().position(|d| *d == var) {
                    dirs[i] = v;
                }
            };
            match name.as_slice() {
                b"astcachedir" => set(&mut self.directories, "ASTCACHEDIR", value.to_vec()),
                b"astetcdir" => set(&mut self.directories, "ASTETCDIR", value.to_vec()),
                b"astspooldir" => set(&mut self.directories, "ASTSPOOLDIR", value.to_vec()),
                b"astvarlibdir" => {
                    set(&mut self.directories, "ASTVARLIBDIR", value.to_vec());
                    if !self.db_dir_given {
                        set(&mut self.directories, "ASTDBDIR", joined("/astdb"));
                    }
                }
                b"astdbdir" => {
                    set(&mut self.directories, "ASTDBDIR", joined("/astdb"));
                    self.db_dir_given = true;
                }
                b"astdatadir" => {
                    set(&mut self.directories, "ASTDATADIR", value.to_vec());
                    if !self.key_dir_given {
                        set(&mut self.directories, "ASTKEYDIR", joined("/keys"));
                    }
                }
                b"astkeydir" => {
                    set(&mut self.directories, "ASTKEYDIR", joined("/keys"));
                    self.key_dir_given = true;
                }
                b"astlogdir" => set(&mut self.directories, "ASTLOGDIR", value.to_vec()),
                b"astagidir" => set(&mut self.directories, "ASTAGIDIR", value.to_vec()),
                b"astrundir" => set(&mut self.directories, "ASTRUNDIR", value.to_vec()),
                b"astmoddir" => set(&mut self.directories, "ASTMODDIR", value.to_vec()),
                b"astsbindir" => set(&mut self.directories, "ASTSBINDIR", value.to_vec()),
                _ => {}
            }
        } else if section.eq_ignore_ascii_case(b"options") {
            match name.as_slice() {
                b"systemname" => self.name = value.to_vec(),
                // ast_copy_string into `char[MAX_LANGUAGE]` (40).
                b"defaultlanguage" => self.default_language = value[..value.len().min(39)].to_vec(),
                b"autosystemname" if ast_true(value) => match hostname() {
                    Some(host) => self.name = host,
                    None => {
                        if self.name.is_empty() {
                            self.name = b"localhost".to_vec();
                        }
                        return Some(format!(
                            "ERROR: Cannot obtain hostname for this system.  Using '{}' instead.",
                            String::from_utf8_lossy(&self.name)
                        ));
                    }
                },
                b"entityid" => match parse_eid(value) {
                    Some(eid) => self.entity_id = eid,
                    None => {
                        return Some(format!(
                            "WARNING: Invalid Entity ID '{}' provided",
                            String::from_utf8_lossy(value)
                        ));
                    }
                },
                _ => {}
            }
        }
        None
    }
}

/// The Asterisk release whose behaviour pbxc reproduces (its catalog's version 22), as a
/// release build's `ast_get_version` gives it.
pub const ASTERISK_VERSION: &str = "22.0.0";

/// `ASTERISKVERSIONNUM` as the Makefile makes it from a release's version:
/// `printf "%01d%02d%02d"` of its three numbers.
pub fn version_number(version: &str) -> String {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let mut next = || parts.next().unwrap_or(0);
    format!("{:01}{:02}{:02}", next(), next(), next())
}

impl System {
    /// func_version.c's `VERSION(info)`: the version, or what `info` names (compared without
    /// regard to case); any other `info` gives the version. The `BUILD_*` items describe the
    /// build, which for pbxc is its program ([`BuildInfo`]).
    pub fn version(&self, args: &[u8]) -> Vec<u8> {
        let info = crate::args::standard(args, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        if info.eq_ignore_ascii_case(b"ASTERISK_VERSION_NUM") {
            return version_number(ASTERISK_VERSION).into_bytes();
        }
        let build = BuildInfo::get();
        let items = [
            ("BUILD_USER", &build.user),
            ("BUILD_HOSTNAME", &build.hostname),
            ("BUILD_MACHINE", &build.machine),
            ("BUILD_KERNEL", &build.kernel),
            ("BUILD_OS", &build.os),
            ("BUILD_DATE", &build.date),
        ];
        items
            .iter()
            .find(|(name, _)| info.eq_ignore_ascii_case(name.as_bytes()))
            .map_or(ASTERISK_VERSION, |(_, value)| value.as_str())
            .as_bytes()
            .to_vec()
    }
}

/// What Asterisk's `build.h` records of the machine that built it (`make_build_h`: `uname`,
/// `id`, `date -u`). pbxc has no such step, so the items describe the machine the program
/// runs on, the user running it, and the date its file was last written (its build, for a
/// program used where it was built), in `make_build_h`'s formats.
#[derive(Debug)]
pub struct BuildInfo {
    /// `uname -n`.
    pub hostname: String,
    /// `uname -r`.
    pub kernel: String,
    /// `uname -m`.
    pub machine: String,
    /// `uname -s`.
    pub os: String,
    /// `date -u "+%Y-%m-%d %H:%M:%S"` and ` UTC`.
    pub date: String,
    /// The user's name, as `id` prints it.
    pub user: String,
}

impl BuildInfo {
    /// Read once per process.
    pub fn get() -> &'static BuildInfo {
        static INFO: OnceLock<BuildInfo> = OnceLock::new();
        INFO.get_or_init(|| {
            let uname = rustix::system::uname();
            let text = |s: &std::ffi::CStr| s.to_string_lossy().into_owned();
            let date = std::env::current_exe()
                .and_then(std::fs::metadata)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| utc_date(d.as_secs() as i64))
                .unwrap_or_default();
            BuildInfo {
                hostname: text(uname.nodename()),
                kernel: text(uname.release()),
                machine: text(uname.machine()),
                os: text(uname.sysname()),
                date,
                user: user_name().unwrap_or_default(),
            }
        })
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
fn utc_date(epoch: i64) -> String {
    let (year, month, day) = pbxc_dialplan::timing::civil_from_days(epoch.div_euclid(86_400));
    let second = epoch.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

/// The name of the user this process runs as: its real user ID (`/proc/self/status`) looked
/// up in `/etc/passwd`.
fn user_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    })
}

/// `gethostname`.
fn host_name() -> Option<Vec<u8>> {
    let name = std::fs::read("/proc/sys/kernel/hostname").ok()?;
    Some(name.trim_ascii().to_vec()).filter(|n| !n.is_empty())
}

/// `ast_true`.
pub(crate) fn ast_true(value: &[u8]) -> bool {
    let v = value.trim_ascii().to_ascii_lowercase();
    matches!(v.as_slice(), b"yes" | b"true" | b"y" | b"t" | b"1" | b"on")
}

/// `ast_str_to_eid`: six hexadecimal bytes separated by colons (`sscanf("%x:%x:…")`),
/// printed back as `ast_eid_to_str` prints them.
fn parse_eid(value: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(value).ok()?;
    let bytes: Vec<u8> = text
        .split(':')
        .map(|b| u8::from_str_radix(b.trim(), 16).ok())
        .collect::<Option<_>>()?;
    (bytes.len() == 6).then(|| eid_text(&bytes))
}

fn eid_text(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
        .into_bytes()
}

/// The entity ID Asterisk takes from this machine (`ast_set_default_eid` on Linux): the
/// hardware address of the first interface that has an IPv4 address, leaving out all-zero
/// and all-ones addresses; all zeros when there is none. Interfaces are taken in the
/// kernel's order (their index), those with an IPv4 route standing for those with an IPv4
/// address.
pub fn machine_entity_id() -> &'static [u8] {
    static EID: OnceLock<Vec<u8>> = OnceLock::new();
    EID.get_or_init(|| {
        let routed: Vec<String> = std::fs::read_to_string("/proc/net/route")
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect();
        let mut interfaces: Vec<(u32, Vec<u8>)> = std::fs::read_dir("/sys/class/net")
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| routed.iter().any(|r| *r == e.file_name().to_string_lossy()))
            .filter_map(|e| {
                let read = |f: &str| std::fs::read_to_string(e.path().join(f)).ok();
                let index = read("ifindex")?.trim().parse().ok()?;
                let address = read("address")?;
                let bytes: Vec<u8> = address
                    .trim()
                    .split(':')
                    .map(|b| u8::from_str_radix(b, 16).ok())
                    .collect::<Option<_>>()?;
                let usable = bytes.len() == 6
                    && bytes.iter().any(|&b| b != 0)
                    && bytes.iter().any(|&b| b != 0xff);
                usable.then_some((index, bytes))
            })
            .collect();
        interfaces.sort();
        eid_text(interfaces.first().map_or(&[0u8; 6][..], |(_, b)| b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(system: &System, name: &str) -> String {
        String::from_utf8_lossy(system.variable(name.as_bytes()).unwrap()).into_owned()
    }

    #[test]
    fn asterisk_conf_moves_the_directories_as_options_c_does() {
        let mut s = System::default();
        assert_eq!(value(&s, "ASTETCDIR"), "/etc/asterisk");
        assert_eq!(value(&s, "ASTDBDIR"), "/var/lib/asterisk/astdb");
        let none = || None;
        // The database follows astvarlibdir until astdbdir is given, then stays.
        s.apply(b"directories", b"astvarlibdir", b"/srv/lib", &none);
        assert_eq!(value(&s, "ASTVARLIBDIR"), "/srv/lib");
        assert_eq!(value(&s, "ASTDBDIR"), "/srv/lib/astdb");
        s.apply(b"Directories", b"ASTDBDIR", b"/srv/db", &none);
        s.apply(b"directories", b"astvarlibdir", b"/other", &none);
        assert_eq!(value(&s, "ASTDBDIR"), "/srv/db/astdb");
        // The keys follow astdatadir the same way.
        s.apply(b"directories", b"astdatadir", b"/srv/data", &none);
        assert_eq!(value(&s, "ASTKEYDIR"), "/srv/data/keys");
        assert_eq!(value(&s, "ASTAGIDIR"), "/var/lib/asterisk/agi-bin");
        // Options: a name, a host name, an entity ID (an unreadable one is ignored).
        s.apply(b"options", b"systemname", b"pbx1", &none);
        assert_eq!(value(&s, "SYSTEMNAME"), "pbx1");
        // The default language, cut to MAX_LANGUAGE less its NUL.
        assert_eq!(s.default_language, b"en");
        s.apply(b"options", b"DefaultLanguage", b"fr", &none);
        assert_eq!(s.default_language, b"fr");
        s.apply(b"options", b"defaultlanguage", &[b'x'; 50], &none);
        assert_eq!(s.default_language.len(), 39);
        s.apply(b"options", b"autosystemname", b"yes", &|| {
            Some(b"host".to_vec())
        });
        assert_eq!(value(&s, "SYSTEMNAME"), "host");
        s.apply(b"options", b"entityid", b"0:1b:2C:33:44:5", &none);
        assert_eq!(value(&s, "ENTITYID"), "00:1b:2c:33:44:05");
        assert_eq!(
            s.apply(b"options", b"entityid", b"nonsense", &none)
                .as_deref(),
            Some("WARNING: Invalid Entity ID 'nonsense' provided")
        );
        assert_eq!(value(&s, "ENTITYID"), "00:1b:2c:33:44:05");
        // No host name: the name set so far stays, else `localhost`, and Asterisk says so.
        let mut t = System::default();
        assert_eq!(
            t.apply(b"options", b"autosystemname", b"yes", &none)
                .as_deref(),
            Some("ERROR: Cannot obtain hostname for this system.  Using 'localhost' instead.")
        );
        assert_eq!(value(&t, "SYSTEMNAME"), "localhost");
        assert_eq!(s.variable(b"ASTNOSUCHDIR"), None);
    }

    /// func_version.c: the version, its number, the build's items in any case, and the
    /// version again for anything else.
    #[test]
    fn version_answers_each_item_func_version_knows() {
        let s = System::default();
        let version = |args: &str| String::from_utf8(s.version(args.as_bytes())).unwrap();
        assert_eq!(version(""), "22.0.0");
        assert_eq!(version("ASTERISK_VERSION_NUM"), "220000");
        assert_eq!(version("asterisk_version_num"), "220000");
        assert_eq!(version("NOSUCHITEM"), "22.0.0");
        // One argument: the rest of the text is part of it, so it names nothing.
        assert_eq!(version("ASTERISK_VERSION_NUM,x"), "22.0.0");
        // The only argument is the raw text (AST_STANDARD_APP_ARGS cleans all but the
        // last), quotes kept.
        assert_eq!(version("\"BUILD_MACHINE\""), "22.0.0");
        // `uname -m`, `-s`, `-r`, `-n`, as make_build_h asks.
        let uname = |flag: &str| {
            let out = std::process::Command::new("uname")
                .arg(flag)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        assert_eq!(version("BUILD_MACHINE"), uname("-m"));
        assert_eq!(version("build_os"), uname("-s"));
        assert_eq!(version("BUILD_KERNEL"), uname("-r"));
        assert_eq!(version("BUILD_HOSTNAME"), uname("-n"));
        assert!(!version("BUILD_USER").is_empty());
        let date = version("BUILD_DATE");
        assert_eq!(date.len(), "2026-11-29 12:00:00 UTC".len(), "{date}");
        assert!(date.starts_with("20") && date.ends_with(" UTC"), "{date}");
        assert_eq!(version_number("1.8.32"), "10832");
        assert_eq!(version_number("13.38.3"), "133803");
        assert_eq!(utc_date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date(1_764_420_245), "2025-11-29 12:44:05 UTC");
    }

    #[test]
    fn the_machine_entity_id_is_six_bytes_of_hex() {
        let eid = String::from_utf8(machine_entity_id().to_vec()).unwrap();
        assert_eq!(eid.len(), 17, "{eid}");
        assert!(
            eid.split(':')
                .all(|b| b.len() == 2 && u8::from_str_radix(b, 16).is_ok()),
            "{eid}"
        );
    }
}
