//! Fixture files for tests of every layer: a configuration whose expected diagnostics are
//! written inline. An annotation is a comment `; error[CFG101]: text` at the end of the
//! offending line, or `;^ error[CFG101]: text` on its own line to point at the last line above
//! that is not an annotation. `text` must occur in the message. Lines without an annotation
//! must produce nothing, and no diagnostic may be reported twice at the same place. A fixture may hold several files: a line `;;; file: NAME` starts the
//! next one; the first is `main.conf`, loaded as the root with `/cfg` as configuration
//! directory. A line `;;; execincludes` turns that option on; there, `#exec /bin/false` fails
//! to start, `/usr/bin/noisy` writes `from_noisy=1` and complains on standard error,
//! `/usr/bin/loop` runs itself again, and every other command is not run.
#![doc(hidden)]

use std::collections::BTreeSet;
use std::path::Path;

use pbxc_diagnostics::{Diagnostic, SourceSet};

use crate::{Config, LoadOptions, MemoryFs, Session};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expect {
    file: String,
    line: u32,
    severity: String,
    code: String,
}

fn parse_annotation(comment: &str) -> Option<(String, String, String)> {
    let comment = comment.trim();
    let (severity, rest) = comment.split_once('[')?;
    if !matches!(severity, "error" | "warning" | "info") {
        return None;
    }
    let (code, rest) = rest.split_once(']')?;
    let text = rest.strip_prefix(':').unwrap_or("").trim().to_string();
    Some((severity.to_string(), code.to_string(), text))
}

/// Runs one fixture; `extra` adds the diagnostics of later layers (the dialplan, …) from
/// the loaded root. Returns one line per mismatch.
pub fn check(text: &[u8], extra: &dyn Fn(&Config, &SourceSet) -> Vec<Diagnostic>) -> Vec<String> {
    let mut files: Vec<(String, Vec<u8>)> = vec![("main.conf".into(), Vec::new())];
    let mut exec_includes = false;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let s = String::from_utf8_lossy(line);
        if let Some(name) = s.trim().strip_prefix(";;; file: ") {
            files.push((name.trim().to_string(), Vec::new()));
        } else if s.trim() == ";;; execincludes" {
            exec_includes = true;
        } else {
            files.last_mut().unwrap().1.extend_from_slice(line);
        }
    }

    let mut expected = BTreeSet::new();
    let mut texts = Vec::new();
    for (name, content) in &files {
        // The line a `;^` annotation points at: the last line that is not one.
        let mut last_code_line = 0;
        for (i, line) in content.split(|&b| b == b'\n').enumerate() {
            let s = String::from_utf8_lossy(line);
            let (target, comment) = if let Some(c) = s.trim_start().strip_prefix(";^") {
                (last_code_line, c.to_string())
            } else {
                last_code_line = i as u32;
                match s.rfind("; ") {
                    Some(at) => (i as u32, s[at + 2..].to_string()),
                    None => continue,
                }
            };
            if let Some((severity, code, text)) = parse_annotation(&comment) {
                let e = Expect {
                    file: name.clone(),
                    line: target + 1,
                    severity,
                    code,
                };
                texts.push((e.clone(), text));
                expected.insert(e);
            }
        }
    }

    let mut fs = MemoryFs::new();
    fs.insert_command("/bin/false", Err("cannot start it".into()));
    fs.insert_command(
        "/usr/bin/noisy",
        Ok(crate::ExecOutput {
            stdout: b"from_noisy=1\n".to_vec(),
            problem: Some("standard error: oops".into()),
        }),
    );
    fs.insert_command(
        "/usr/bin/loop",
        Ok(crate::ExecOutput {
            stdout: b"#exec /usr/bin/loop\n".to_vec(),
            problem: None,
        }),
    );
    for (name, content) in &files {
        fs.insert(Path::new("/cfg").join(name), content.clone());
    }
    let mut session = Session::new(
        &fs,
        LoadOptions {
            config_dir: "/cfg".into(),
            exec_includes,
        },
    );
    let config = session.load("main.conf").expect("main.conf loads");
    let more = extra(&config, session.sources());
    session.add_diagnostics(more);
    let diagnostics = session.diagnostics();
    let sources = session.sources();

    let mut failures = Vec::new();
    let mut actual = BTreeSet::new();
    let mut messages = std::collections::BTreeMap::new();
    for d in &diagnostics {
        let file = sources.get(d.primary.file);
        let lc = file
            .lines
            .line_col(&file.text, d.primary.range.start as usize);
        let e = Expect {
            file: file
                .path
                .strip_prefix("/cfg")
                .unwrap_or(&file.path)
                .display()
                .to_string(),
            line: lc.line,
            severity: d.severity.as_str().to_string(),
            code: d.code.id.to_string(),
        };
        if let Some((_, text)) = texts.iter().find(|(x, _)| *x == e)
            && !d.message.contains(text.as_str())
        {
            failures.push(format!("{e:?}: message {:?} lacks {text:?}", d.message));
        }
        messages
            .entry(e.clone())
            .or_insert_with(|| d.message.clone());
        if !actual.insert(e.clone()) {
            failures.push(format!("reported more than once: {e:?} ({})", d.message));
        }
    }
    for missing in expected.difference(&actual) {
        failures.push(format!("expected but not reported: {missing:?}"));
    }
    for extra in actual.difference(&expected) {
        let message = messages.get(extra).cloned().unwrap_or_default();
        failures.push(format!("reported but not expected: {extra:?} ({message})"));
    }
    failures
}

/// The corpus's dialplans: every `extensions*.conf` file under `../shared/corpus` (AEL and
/// Lua dialplans left out), sorted.
pub fn corpus_dialplans() -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.filter_map(|e| Some(e.ok()?.path())) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.is_dir() {
                walk(&path, out);
            } else if name.starts_with("extensions")
                && name.contains(".conf")
                && !name.ends_with(".ael")
                && !name.ends_with(".lua")
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        &mut out,
    );
    out.sort();
    out
}

/// `dir`'s files under `/etc/asterisk`, with `name` holding `text`: a corpus file among its
/// neighbours, as in its repository (its `#include`s are there), in a different version.
pub fn among_neighbours(dir: &Path, name: &str, text: &[u8]) -> MemoryFs {
    let mut fs = MemoryFs::new();
    for path in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.ok()?.path()))
    {
        if let (true, Some(file), Ok(bytes)) =
            (path.is_file(), path.file_name(), std::fs::read(&path))
        {
            fs.insert(Path::new("/etc/asterisk").join(file), bytes);
        }
    }
    fs.insert(Path::new("/etc/asterisk").join(name), text.to_vec());
    fs
}
