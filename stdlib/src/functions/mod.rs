//! The pure dialplan functions: those that need no channel, no dialplan and no I/O, written to
//! behave exactly like Asterisk's C (funcs/func_strings.c, func_cut.c, func_logic.c,
//! func_math.c, func_base64.c, func_uri.c, func_md5.c, func_sha1.c, func_rand.c,
//! func_global.c, func_sprintf.c, func_json.c, func_aes.c).
//!
//! `args` is the text between the parentheses *after* substitution, exactly what the C
//! callback receives; each function cuts it the way its C code does (see [`args`]). Functions
//! that take a variable name (spec §4.6) reach the call's variables through [`Env`].
//!
//! [`read`] and [`write`] answer `None` for a name that is not a pure function here (the
//! runtime then looks elsewhere: channel functions, the dialplan, I/O), and `Err(complaint)`
//! where Asterisk's callback fails — the substitution is then empty, and the [`Complaint`] is
//! what Asterisk logs and at which level (nothing when it logs nothing above debug level).

mod aes;
pub mod args;
pub mod cfmt;
pub mod cscan;
mod hashes;
mod json;
pub use json::Json;
mod logic;
mod math;
mod paths;
mod posix_regex;
/// A POSIX extended regular expression compiled once (glibc's syntax), for many texts.
pub use posix_regex::compile as regex_compile;
/// Whether a POSIX extended regular expression matches somewhere in a text, as glibc's
/// `regexec` answers (REGEX's matcher; `Err` when it does not compile).
pub use posix_regex::is_match as regex_matches;
mod strings;
pub mod time;

/// What a function may ask of the call it runs in.
pub trait Env {
    /// `ast_str_substitute_variables` on this call: the functions that take a variable name
    /// read it as the substitution of `${name}` (so `CUT(foo:1,…)` and
    /// `CUT(PASSTHRU(a-b),-,1)` work as in Asterisk).
    fn substitute(&mut self, template: &[u8]) -> Vec<u8>;
    /// `pbx_builtin_getvar_helper`: the channel's variable, else the global; no built-ins.
    fn var(&self, name: &[u8]) -> Option<Vec<u8>>;
    /// `pbx_builtin_setvar_helper` on the channel; `None` deletes. A name ending in `)` is a
    /// function write, as in Asterisk.
    fn set_var(&mut self, name: &[u8], value: Option<&[u8]>);
    /// `pbx_builtin_getvar_helper(NULL, name)`: a global variable.
    fn global(&self, name: &[u8]) -> Option<Vec<u8>>;
    /// `pbx_builtin_setvar_helper(NULL, name, value)`; `None` deletes.
    fn set_global(&mut self, name: &[u8], value: Option<&[u8]>);
    /// The channel's variables as `(full name, value)`, head (newest) first, for HASH and
    /// HASHKEYS. The default has none.
    fn var_list(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        Vec::new()
    }
    /// `ast_random()`: a value in `0..=RAND_MAX` (2^31 - 1).
    fn random(&mut self) -> u32;
    /// The current time: seconds and microseconds since the epoch (`ast_tvnow`).
    fn now(&mut self) -> (i64, u32);
    /// The UTC offset in seconds of a named time zone at `epoch`, for STRFTIME/STRPTIME.
    /// `UTC`, `GMT` and fixed offsets are handled without it; the default knows no other
    /// zone.
    fn zone_offset(&mut self, zone: &[u8], epoch: i64) -> Option<i32> {
        let _ = (zone, epoch);
        None
    }
    /// The UTC offset in seconds of the server's zone at `epoch`, where STRFTIME and STRPTIME
    /// read a time given no zone (Asterisk: `/etc/localtime`). The default is a server in UTC.
    fn local_offset(&mut self, epoch: i64) -> i64 {
        let _ = epoch;
        0
    }
    /// A line a function logs and goes on (an option it does not know, say); what it logs
    /// when it fails is its [`Complaint`]. The default drops it.
    fn warn(&mut self, complaint: Complaint) {
        let _ = complaint;
    }
}

/// A function's result: `Ok(value)` or `Err(what Asterisk logs)`.
pub type Outcome = Result<Vec<u8>, Complaint>;

/// Why a function failed: the line its C code logs, at the level it logs it (read from each
/// `ast_log` of funcs/*.c). An empty message fails silently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Complaint {
    pub level: Level,
    pub message: String,
}

/// `ast_log`'s levels that a failing function uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Complaint {
    pub fn error(message: impl Into<String>) -> Complaint {
        Complaint {
            level: Level::Error,
            message: message.into(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Complaint {
        Complaint {
            level: Level::Warning,
            message: message.into(),
        }
    }

    pub fn notice(message: impl Into<String>) -> Complaint {
        Complaint {
            level: Level::Notice,
            message: message.into(),
        }
    }

    /// A failure Asterisk logs nothing of (above debug level).
    pub fn silent() -> Complaint {
        Complaint::error(String::new())
    }

    /// The line as a call's log keeps it (`WARNING: …`); `None` when silent.
    pub fn line(&self) -> Option<String> {
        let level = match self.level {
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
            Level::Notice => "NOTICE",
        };
        (!self.message.is_empty()).then(|| format!("{level}: {}", self.message))
    }
}

type Reader = fn(&str, &[u8], &mut dyn Env) -> Outcome;
type Writer = fn(&str, &[u8], &[u8], &mut dyn Env) -> Result<(), Complaint>;

/// Pure readable functions, by their exact (case-sensitive) name.
const READERS: &[(&str, Reader)] = &[
    ("ABS", math::abs),
    ("AES_DECRYPT", aes::aes),
    ("AES_ENCRYPT", aes::aes),
    ("BASE64_DECODE", hashes::base64_decode),
    ("BASE64_ENCODE", hashes::base64_encode),
    ("BASENAME", paths::basename),
    ("CSV_QUOTE", strings::csv_quote),
    ("CUT", strings::cut),
    ("DEC", math::crement),
    ("DIGIT_SUM", math::digit_sum),
    ("DIRNAME", paths::dirname),
    ("EXISTS", logic::exists),
    ("FIELDNUM", strings::fieldnum),
    ("FIELDQTY", strings::fieldqty),
    ("FILTER", strings::filter),
    ("GLOBAL", logic::global),
    ("GLOBAL_EXISTS", logic::global_exists),
    ("HASH", strings::hash_read),
    ("HASHKEYS", strings::hashkeys),
    ("IF", logic::if_),
    ("JSON_DECODE", json::json_decode),
    ("INC", math::crement),
    ("ISNULL", logic::isnull),
    ("KEYPADHASH", strings::keypadhash),
    ("LEN", strings::len),
    ("LISTFILTER", strings::listfilter),
    ("LTRIM", strings::ltrim),
    ("MATH", math::math),
    ("MAX", math::max),
    ("MD5", hashes::md5),
    ("MIN", math::min),
    ("PASSTHRU", strings::passthru),
    ("POP", strings::shift_pop),
    ("QUOTE", strings::quote),
    ("RAND", math::rand),
    ("REGEX", strings::regex),
    ("REPLACE", strings::replace),
    ("RTRIM", strings::rtrim),
    ("SET", logic::set),
    ("SHA1", hashes::sha1),
    ("SHIFT", strings::shift_pop),
    ("SORT", strings::sort),
    ("SPRINTF", strings::sprintf),
    ("SQL_ESC", strings::sql_esc),
    ("SQL_ESC_BACKSLASHES", strings::sql_esc),
    ("STRBETWEEN", strings::strbetween),
    ("STRFTIME", time::strftime),
    ("STRPTIME", time::strptime),
    ("STRREPLACE", strings::strreplace),
    ("TOLOWER", strings::tolower),
    ("TOUPPER", strings::toupper),
    ("TRIM", strings::trim),
    ("URIDECODE", hashes::uridecode),
    ("URIENCODE", hashes::uriencode),
    ("VARIABLE_EXISTS", logic::variable_exists),
];

/// Pure writable functions (`Set(NAME(args)=value)`).
const WRITERS: &[(&str, Writer)] = &[
    ("ARRAY", strings::array_write),
    ("DELETE", logic::delete),
    ("GLOBAL", logic::global_write),
    ("GLOBAL_DELETE", logic::global_delete),
    ("HASH", strings::hash_write),
    ("PUSH", strings::unshift_push),
    ("UNSHIFT", strings::unshift_push),
];

/// Reads `name(args)`: `None` when `name` is not a pure function implemented here.
pub fn read(name: &str, args: &[u8], env: &mut dyn Env) -> Option<Outcome> {
    let (_, f) = READERS.iter().find(|(n, _)| *n == name)?;
    Some(f(name, args::cstr(args), env))
}

/// Writes `value` to `name(args)`: `None` when `name` is not a pure writable function here.
pub fn write(
    name: &str,
    args: &[u8],
    value: &[u8],
    env: &mut dyn Env,
) -> Option<Result<(), Complaint>> {
    let (_, f) = WRITERS.iter().find(|(n, _)| *n == name)?;
    Some(f(name, args::cstr(args), args::cstr(value), env))
}

/// The names [`read`] answers, for the runtime's listings and the catalog test.
pub fn readable() -> impl Iterator<Item = &'static str> {
    READERS.iter().map(|(n, _)| *n)
}

/// The names [`write`] answers.
pub fn writable() -> impl Iterator<Item = &'static str> {
    WRITERS.iter().map(|(n, _)| *n)
}

/// A variable name without its inheritance prefix: at most two leading `_` (`ast_var_name`).
#[inline]
pub fn strip_inheritance(name: &[u8]) -> &[u8] {
    let n = name.iter().take(2).take_while(|&&b| b == b'_').count();
    &name[n..]
}

#[cfg(test)]
pub(crate) mod testenv;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_in_the_catalog() {
        let catalog = crate::catalog();
        for name in readable().chain(writable()) {
            assert!(
                catalog.function(name).is_some(),
                "{name} not in the catalog"
            );
        }
    }

    /// Failures are logged at the level of their `ast_log` in funcs/*.c, which differs from
    /// one file to the next (and within func_math.c).
    #[test]
    fn complaints_have_asterisk_levels() {
        let mut env = testenv::TestEnv::with(&[("word", "abc")]);
        let complaint = |env: &mut testenv::TestEnv, name: &str, args: &str| {
            read(name, args.as_bytes(), env)
                .expect("a pure function")
                .expect_err("a failure")
        };
        for (name, args, level, message) in [
            (
                "MATH",
                "255,h",
                Level::Warning,
                "Supply all the parameters - just this once, please",
            ),
            ("MIN", "", Level::Error, "Missing argument for number(s)."),
            (
                "INC",
                "word",
                Level::Notice,
                "The content of ${word} is not a numeric value - bailing out!",
            ),
            (
                "CUT",
                "",
                Level::Error,
                "Syntax: CUT(<varname>,<char-delim>,<range-spec>) - missing argument!",
            ),
            (
                "MD5",
                "",
                Level::Warning,
                "Syntax: MD5(<data>) - missing argument!",
            ),
        ] {
            let got = complaint(&mut env, name, args);
            assert_eq!(
                (got.level, got.message.as_str()),
                (level, message),
                "{name}({args})"
            );
        }
        // A failure Asterisk does not log above debug level.
        let silent = complaint(&mut env, "IF", "");
        assert_eq!(silent.line(), None, "{silent:?}");
        assert_eq!(Complaint::notice("n").line().as_deref(), Some("NOTICE: n"));
    }

    /// Every function, fed many short hostile argument strings, answers without panicking.
    #[test]
    fn no_input_panics() {
        const ALPHABET: &[u8] = b"aZ09,:?-&\\\"()[]{}$%.+*^/<>=~_ \t\x00\xff";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut env = testenv::TestEnv::with(&[("a", "1,2&3"), ("Z", "x:1,y:2")]);
        for _ in 0..3000 {
            let len = (next() % 12) as usize;
            let args: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            for name in readable() {
                let _ = read(name, &args, &mut env);
            }
            for name in writable() {
                let _ = write(name, &args, &args, &mut env);
            }
        }
        for name in readable() {
            let _ = read(
                name,
                b"%99999999999999999999d,1e308,-2147483648,2147483647",
                &mut env,
            );
        }
    }

    #[test]
    fn unknown_names_are_not_pure_functions() {
        let mut env = testenv::TestEnv::default();
        assert!(read("CALLERID", b"num", &mut env).is_none());
        assert!(read("len", b"abc", &mut env).is_none());
        assert!(write("LEN", b"x", b"y", &mut env).is_none());
    }
}
