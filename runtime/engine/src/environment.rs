//! funcs/func_env.c: `ENV(name)` and `STAT(flag,filename)`.
//!
//! Asterisk's `ENV(name)=value` calls `setenv`, changing the whole process's environment.
//! Here the writes go to a process-wide table read before the real environment (Rust
//! forbids changing the environment while other threads may read it), so every call of
//! the process sees them, as in Asterisk; programs the PBX starts do not.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Names written by `ENV(name)=…`: `Some(value)` set, `None` unset.
type Written = Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>;

fn written() -> &'static Written {
    static WRITTEN: OnceLock<Written> = OnceLock::new();
    WRITTEN.get_or_init(Default::default)
}

/// `ENV(name)`: the variable's value, empty when it is not set.
pub(crate) fn get(name: &[u8]) -> Option<Vec<u8>> {
    let table = written().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(value) = table.get(name) {
        return Some(value.clone().unwrap_or_default());
    }
    drop(table);
    Some(real(name).unwrap_or_default())
}

/// `getenv` (a name with `=` or NUL names nothing).
fn real(name: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    if name.is_empty() || name.contains(&b'=') || name.contains(&0) {
        return None;
    }
    std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(OsStringExt::into_vec)
}

/// `ENV(name)=value`: an empty value unsets; names starting `AST_` (Asterisk's own) and
/// the empty name are left alone, as are names `setenv` refuses (with `=`).
pub(crate) fn set(name: &[u8], value: &[u8]) {
    if name.is_empty() || name.starts_with(b"AST_") || name.contains(&b'=') {
        return;
    }
    let mut table = written().lock().unwrap_or_else(|e| e.into_inner());
    table.insert(name.to_vec(), (!value.is_empty()).then(|| value.to_vec()));
}

/// `STAT(flag,filename)`: `0` when the file cannot be `stat`ed (or no filename follows a
/// comma), else by the flag: `e` exists (1), `s` size, `f` regular file, `d` directory, `M`
/// and (as the C has it) `A` modification time, `C` change time, `m` mode in octal; any other
/// flag `0`.
pub(crate) fn stat(args: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let Some(comma) = args.iter().position(|&c| c == b',') else {
        return b"0".to_vec();
    };
    let (flag, path) = (args.first().copied(), &args[comma + 1..]);
    let flag = if comma == 0 { None } else { flag };
    let path = &path[..path.iter().position(|&c| c == 0).unwrap_or(path.len())];
    let Ok(meta) = std::fs::metadata(std::ffi::OsStr::from_bytes(path)) else {
        return b"0".to_vec();
    };
    let text = match flag {
        Some(b'e') => "1".to_string(),
        // `(unsigned int) st_size`, `(int) st_mtime`: C's truncating casts.
        Some(b's') => (meta.size() as u32).to_string(),
        Some(b'f') => u8::from(meta.is_file()).to_string(),
        Some(b'd') => u8::from(meta.is_dir()).to_string(),
        Some(b'M' | b'A') => (meta.mtime() as i32).to_string(),
        Some(b'C') => (meta.ctime() as i32).to_string(),
        Some(b'm') => format!("{:o}", meta.mode()),
        _ => "0".to_string(),
    };
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_shadow_the_environment_for_the_whole_process() {
        let name = b"PBXC_ENV_TEST_WRITES";
        assert_eq!(get(name), Some(Vec::new()));
        set(name, b"one");
        assert_eq!(get(name), Some(b"one".to_vec()));
        // Seen from another thread, as setenv's would be.
        let seen = std::thread::spawn(move || get(name)).join().unwrap();
        assert_eq!(seen, Some(b"one".to_vec()));
        set(name, b"");
        assert_eq!(get(name), Some(Vec::new()));
        // Asterisk's own names are not written.
        set(b"AST_PBXC_TEST", b"x");
        assert_eq!(get(b"AST_PBXC_TEST"), Some(Vec::new()));
        // The real environment is read.
        let path = std::env::var("PATH").unwrap_or_default();
        assert_eq!(get(b"PATH"), Some(path.into_bytes()));
    }

    #[test]
    fn stat_answers_by_its_flag() {
        let dir = std::env::temp_dir().join(format!("pbxc-stat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f.txt");
        std::fs::write(&file, b"12345").unwrap();
        let f = file.to_str().unwrap();
        let d = dir.to_str().unwrap();
        let stat_of = |flag: &str, path: &str| {
            String::from_utf8(stat(format!("{flag},{path}").as_bytes())).unwrap()
        };
        assert_eq!(stat_of("e", f), "1");
        assert_eq!(stat_of("s", f), "5");
        assert_eq!(stat_of("f", f), "1");
        assert_eq!(stat_of("d", f), "0");
        assert_eq!(stat_of("d", d), "1");
        assert_eq!(stat_of("m", f).len(), 6, "{}", stat_of("m", f)); // 100644 and the like
        assert!(stat_of("m", f).starts_with("100"));
        let mtime = std::fs::metadata(&file)
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(stat_of("M", f), mtime.to_string());
        assert_eq!(stat_of("A", f), mtime.to_string());
        assert_eq!(stat_of("x", f), "0");
        assert_eq!(stat_of("e", "/nonexistent/file"), "0");
        assert_eq!(String::from_utf8(stat(b"e")).unwrap(), "0");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
