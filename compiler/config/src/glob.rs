//! `glob(3)` with `GLOB_BRACE | GLOB_NOMAGIC`, as Asterisk expands `#include` names, over a
//! [`SourceProvider`]'s directory listings.
//!
//! Braces expand first (`{a,b}` → `a`, `b`, nested allowed), each alternative is matched in
//! order and its matches sorted; an alternative with no wildcard (`*`, `?`, `[`) is returned
//! as it is even when no such file exists, so the caller reports it missing.

use std::path::{Component, Path, PathBuf};

use crate::provider::SourceProvider;

pub fn expand(pattern: &str, provider: &dyn SourceProvider) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for alt in expand_braces(pattern) {
        if !has_magic(&alt) {
            out.push(PathBuf::from(unescape(&alt)));
            continue;
        }
        let mut matches = match_path(Path::new(&alt), provider);
        // glob(3) sorts whole path strings (`a.d/x` before `a/x`), not path components.
        matches.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        out.extend(matches);
    }
    out
}

fn has_magic(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'*' | b'?' => return true,
            // As glibc's `__glob_pattern_p`: `[` is a wildcard only when a `]` follows.
            b'[' if b[i + 1..].contains(&b']') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. Unbalanced braces are literal.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let b = pattern.as_bytes();
    let Some(open) = b.iter().position(|&c| c == b'{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let alt = &pattern[w[0] + 1..w[1]];
        for rest in expand_braces(&format!("{head}{alt}{tail}")) {
            out.push(rest);
        }
    }
    out
}

fn match_path(pattern: &Path, provider: &dyn SourceProvider) -> Vec<PathBuf> {
    let mut bases: Vec<PathBuf> = vec![PathBuf::new()];
    let components: Vec<Component> = pattern.components().collect();
    for (i, comp) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let part = comp.as_os_str().to_string_lossy();
        if !matches!(comp, Component::Normal(_)) || !has_magic(&part) {
            let lit = unescape(&part);
            for b in &mut bases {
                b.push(&lit);
            }
            continue;
        }
        let mut next = Vec::new();
        for base in &bases {
            let dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let Ok(entries) = provider.list_dir(dir) else {
                continue;
            };
            for e in entries {
                if (last || e.is_dir) && component_matches(part.as_bytes(), e.name.as_bytes()) {
                    next.push(base.join(&e.name));
                }
            }
        }
        bases = next;
    }
    bases
}

/// fnmatch for one path component, without `FNM_PERIOD` relaxation: a leading `.` must be
/// matched literally.
pub fn component_matches(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    fnmatch(pattern, name)
}

fn fnmatch(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = match_set(&p[pi..], n[ni]) {
                        if matched {
                            pi += len;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == b'[' {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == n[ni] => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                b'\\' if pi + 1 < p.len() => {}
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the set at the start of `p` (`[abc]`, `[a-z]`, `[!x]`). Returns
/// whether it matched and the set's length, or `None` when the `[` opens no valid set.
fn match_set(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &x = p.get(i)?;
        if x == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&e| e != b']') {
            let hi = p[i + 2];
            if x <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if x == c {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::MemoryFs;

    #[test]
    fn braces_expand_in_order_and_nest() {
        assert_eq!(expand_braces("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
        assert_eq!(expand_braces("x{y"), ["x{y"]);
        assert_eq!(expand_braces("{,a}"), ["", "a"]);
    }

    #[test]
    fn wildcards_follow_fnmatch() {
        assert!(component_matches(b"*.conf", b"a.conf"));
        assert!(!component_matches(b"*.conf", b".hidden.conf"));
        assert!(component_matches(b".*.conf", b".hidden.conf"));
        assert!(component_matches(b"glob_?.conf", b"glob_a.conf"));
        assert!(component_matches(b"[ab]*", b"b1"));
        assert!(!component_matches(b"[!ab]*", b"b1"));
        assert!(component_matches(b"[a-c]", b"b"));
        assert!(component_matches(b"a\\*", b"a*"));
        assert!(!component_matches(b"a\\*", b"ab"));
        assert!(component_matches(b"*a*b*", b"xxaxxbxx"));
        assert!(!component_matches(b"*a*b", b"xxaxxbxx"));
    }

    #[test]
    fn matches_are_sorted_per_alternative_and_literal_names_pass_through() {
        let mut fs = MemoryFs::new();
        fs.insert("/etc/a/x_2.conf", "")
            .insert("/etc/a/x_1.conf", "")
            .insert("/etc/a/y.conf", "")
            .insert("/etc/a/sub/x_0.conf", "");
        assert_eq!(
            expand("/etc/a/{y,x_*}.conf", &fs),
            [
                PathBuf::from("/etc/a/y.conf"),
                "/etc/a/x_1.conf".into(),
                "/etc/a/x_2.conf".into()
            ]
        );
        assert_eq!(
            expand("/etc/a/*/x_*.conf", &fs),
            [PathBuf::from("/etc/a/sub/x_0.conf")]
        );
        assert_eq!(
            expand("/etc/a/missing.conf", &fs),
            [PathBuf::from("/etc/a/missing.conf")]
        );
        assert!(expand("/etc/a/missing*.conf", &fs).is_empty());
        // A `[` with no `]` is an ordinary character, so the name is taken as it is.
        assert_eq!(
            expand("/etc/a/x[1.conf", &fs),
            [PathBuf::from("/etc/a/x[1.conf")]
        );
    }

    #[test]
    fn matches_sort_as_whole_strings() {
        let mut fs = MemoryFs::new();
        fs.insert("/c/a/x.conf", "").insert("/c/a.d/x.conf", "");
        assert_eq!(
            expand("/c/*/x.conf", &fs),
            [PathBuf::from("/c/a.d/x.conf"), PathBuf::from("/c/a/x.conf")]
        );
    }
}
