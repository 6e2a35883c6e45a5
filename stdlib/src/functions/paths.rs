//! funcs/func_env.c's `DIRNAME(path)` and `BASENAME(path)`: glibc's POSIX `dirname` and
//! `basename` (`<libgen.h>`, `__xpg_basename`), which look at slashes only, never at the
//! file system.

use super::{Env, Outcome};

/// `DIRNAME(path)`: everything before the last component, trailing slashes aside; `.`
/// without a slash; `/` for a path directly under the root, `//` for one under exactly two
/// leading slashes (XBD 4.10, as glibc keeps it).
pub fn dirname(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let mut last = data.iter().rposition(|&c| c == b'/');
    // A slash at the very end: look before the run of slashes it ends.
    if let Some(l) = last
        && l != 0
        && l + 1 == data.len()
    {
        let run = data[..l]
            .iter()
            .rposition(|&c| c != b'/')
            .map_or(0, |i| i + 1);
        if run != 0 {
            last = data[..run].iter().rposition(|&c| c == b'/');
        }
    }
    let Some(last) = last else {
        return Ok(b".".to_vec());
    };
    // Back over the slashes before it.
    let start = data[..last]
        .iter()
        .rposition(|&c| c != b'/')
        .map_or(0, |i| i + 1);
    let end = if start == 0 {
        if last == 1 { 2 } else { 1 }
    } else {
        start
    };
    Ok(data[..end].to_vec())
}

/// `BASENAME(path)`: the last component, trailing slashes left out; `.` for an empty path,
/// `/` for slashes alone.
pub fn basename(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Ok(b".".to_vec());
    }
    let Some(last) = data.iter().rposition(|&c| c == b'/') else {
        return Ok(data.to_vec());
    };
    if last + 1 < data.len() {
        return Ok(data[last + 1..].to_vec());
    }
    // Trailing slashes: the component before them.
    match data.iter().rposition(|&c| c != b'/') {
        None => Ok(b"/".to_vec()),
        Some(end) => {
            let start = data[..end]
                .iter()
                .rposition(|&c| c == b'/')
                .map_or(0, |i| i + 1);
            Ok(data[start..=end].to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testenv::eval;

    /// Each as glibc 2.36 answered it (`dirname` and `__xpg_basename` called through
    /// Python's ctypes on this machine).
    #[test]
    fn paths_as_glibc_cuts_them() {
        for (path, dir, base) in [
            ("/usr/lib", "/usr", "lib"),
            ("/usr/lib/", "/usr", "lib"),
            ("/usr//lib//", "/usr", "lib"),
            ("usr", ".", "usr"),
            ("usr/", ".", "usr"),
            ("/", "/", "/"),
            ("//", "//", "/"),
            ("///", "/", "/"),
            ("/usr", "/", "usr"),
            ("//usr", "//", "usr"),
            ("///usr", "/", "usr"),
            ("a/b/c.wav", "a/b", "c.wav"),
            ("", ".", "."),
            (".", ".", "."),
            ("..", ".", ".."),
            ("a//", ".", "a"),
            ("//a//", "//", "a"),
        ] {
            assert_eq!(eval("DIRNAME", path).unwrap(), dir, "DIRNAME({path})");
            assert_eq!(eval("BASENAME", path).unwrap(), base, "BASENAME({path})");
        }
    }
}
