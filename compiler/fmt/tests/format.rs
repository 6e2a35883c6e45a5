//! The canonical layout, case by case, and over every file of the corpus: formatting twice
//! changes nothing, and Asterisk reads the formatted file exactly as the original.

use std::path::{Path, PathBuf};

use pbxc_fmt::format;

fn check(input: &str, expected: &str) {
    let got = String::from_utf8(format(input.as_bytes())).unwrap();
    assert_eq!(got, expected, "formatting {input:?}");
    assert_eq!(
        format(got.as_bytes()),
        got.as_bytes(),
        "not idempotent: {got:?}"
    );
}

#[test]
fn layout_cases() {
    // Operators get one space either side; `same` is indented under its `exten`.
    check(
        "[in]\nexten=>1,1,NoOp(x)\nsame=>n,Hangup()\n",
        "[in]\nexten => 1,1,NoOp(x)\n same => n,Hangup()\n",
    );
    check("  [general]  \nstatic=yes\n", "[general]\nstatic = yes\n");
    // Comments stay, one space after code.
    check(
        "exten => 1,1,NoOp(x)     ; say hello\n;; a whole-line comment   \n",
        "exten => 1,1,NoOp(x) ; say hello\n;; a whole-line comment\n",
    );
    // Blank lines: one at most, none at the ends; CRLF becomes LF; a final newline.
    check("\n\n[a]\r\n\r\n\r\n\r\nx=1\r\n\n\n", "[a]\n\nx = 1\n");
    check("[a]\nx=1", "[a]\nx = 1\n");
    // Exact bytes matter here, so the lines stay (blanks at their end aside).
    check("x=a\\;b   \n", "x=a\\;b\n");
    check("x=1 ;-- block --; y\n", "x=1 ;-- block --; y\n");
    check("x+=  kept\n", "x+=  kept\n");
    // An empty name keeps the first column: no line starts with a blank that was not there.
    check("[a]\n=novalue\n=>x\n", "[a]\n= novalue\n=> x\n");
    check("#include \"other.conf\"   \n", "#include \"other.conf\"\n");
}

fn config_dump(text: &[u8]) -> String {
    let mut fs = pbxc_config::MemoryFs::new();
    fs.insert("/etc/asterisk/x.conf", text.to_vec());
    let mut session = pbxc_config::Session::new(&fs, pbxc_config::LoadOptions::etc_asterisk());
    let Ok(config) = session.load("x.conf") else {
        return "unloadable".into();
    };
    let mut out = format!("rejected={}\n", config.rejected);
    for c in &config.categories {
        out.push_str(&format!("[{}] template={}\n", c.name_str(), c.template));
        for v in &c.variables {
            out.push_str(&format!(
                "  {} {} {}\n",
                v.name_str(),
                if v.object { "=>" } else { "=" },
                v.value_str()
            ));
        }
    }
    out
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "conf") {
            out.push(path);
        }
    }
}

#[test]
fn the_corpus_formats_idempotently_and_means_the_same() {
    let mut files = Vec::new();
    corpus_files(Path::new("../../../shared/corpus"), &mut files);
    assert!(files.len() > 100, "corpus not found: {}", files.len());
    let mut changed = 0;
    for path in &files {
        let text = std::fs::read(path).unwrap();
        let once = format(&text);
        assert_eq!(format(&once), once, "{}: not idempotent", path.display());
        assert_eq!(
            config_dump(&once),
            config_dump(&text),
            "{}: read differently",
            path.display()
        );
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("extensions"))
        {
            let before = pbxc_dialplan::dump(&pbxc_dialplan::lower_text(&text).0);
            let after = pbxc_dialplan::dump(&pbxc_dialplan::lower_text(&once).0);
            assert_eq!(after, before, "{}: another dialplan", path.display());
        }
        changed += usize::from(once != text);
    }
    eprintln!(
        "{} corpus files, {changed} changed by formatting",
        files.len()
    );
}

/// A whole configuration directory formatted file by file — the dialplan and every file it
/// `#include`s — loads the dialplan it loaded before.
#[test]
fn each_corpus_directory_formatted_whole_loads_the_same_dialplan() {
    let mut files = Vec::new();
    corpus_files(Path::new("../../../shared/corpus"), &mut files);
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "extensions.conf"))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "corpus directories: {}", dirs.len());
    let mut loaded = 0;
    for dir in &dirs {
        let load = |formatted: bool| -> Option<String> {
            let mut fs = pbxc_config::MemoryFs::new();
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "conf") {
                    continue;
                }
                let text = std::fs::read(&path).ok()?;
                let text = if formatted { format(&text) } else { text };
                fs.insert(Path::new("/etc/asterisk").join(entry.file_name()), text);
            }
            let mut session =
                pbxc_config::Session::new(&fs, pbxc_config::LoadOptions::etc_asterisk());
            let config = session.load("extensions.conf").ok()?;
            let plan = pbxc_dialplan::lower(&config, session.sources()).0;
            Some(pbxc_dialplan::dump(&plan))
        };
        let before = load(false);
        // (Some directories' dialplans live in files they do not hold: those load empty.)
        loaded += usize::from(before.as_ref().is_some_and(|d| !d.is_empty()));
        assert_eq!(load(true), before, "{}: another dialplan", dir.display());
    }
    assert!(loaded >= 3, "directories whose dialplan loads: {loaded}");
}
