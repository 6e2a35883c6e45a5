//! Every file of `shared/corpus` loaded as a root, the way `pbxc check FILE` does, with its
//! directory as configuration directory. Nothing may panic, every diagnostic must point inside
//! its file, and the count of diagnostics per file and code must match the committed snapshot
//! `snapshots/corpus.txt`, so that any change in what the checker reports on real
//! configurations shows up in review. `UPDATE_SNAPSHOTS=1 cargo test -p pbxc --test corpus` rewrites it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use pbxc::check;
use pbxc_check::Target;
use pbxc_config::MemoryFs;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn manifest() -> Vec<String> {
    let text = std::fs::read_to_string(corpus_root().join("MANIFEST.tsv"))
        .expect("shared/corpus/MANIFEST.tsv is required");
    text.lines()
        .skip(1)
        .map(|l| {
            let mut cols = l.split('\t');
            let repo = cols.next().unwrap().replace('/', "__");
            format!("{repo}/{}", cols.next().unwrap())
        })
        .collect()
}

/// Files of the corpus that Asterisk never reads with its configuration parser.
const NOT_CONFIG_FORMAT: &[(&str, &str)] = &[
    (".ael", "AEL dialplan"),
    (".ael.sample", "AEL dialplan"),
    (".lua", "Lua dialplan"),
    (".lua.sample", "Lua dialplan"),
    (
        "ast_debug_tools.conf.sample",
        "a shell fragment sourced by ast_coredumper",
    ),
    ("dbsep.conf.sample", "read by the dbsep.cgi script"),
    ("dbsep.conf", "read by the dbsep.cgi script"),
    ("muted.conf", "read by the muted daemon"),
];

#[test]
fn corpus_diagnostics_match_the_snapshot() {
    let root = corpus_root();
    let files = manifest();
    // The corpus is the input layer: all of it in memory, under a neutral root.
    let mut fs = MemoryFs::new();
    for f in &files {
        fs.insert(
            Path::new("/corpus").join(f),
            std::fs::read(root.join(f)).unwrap(),
        );
    }
    let mut snapshot = String::new();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &files {
        if NOT_CONFIG_FORMAT
            .iter()
            .any(|(suffix, _)| f.ends_with(suffix))
        {
            continue;
        }
        let path = Path::new("/corpus").join(f);
        let report = check::check(&fs, std::slice::from_ref(&path), Default::default())
            .expect("corpus file checks");
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &report.diagnostics {
            let len = report.sources.get(d.primary.file).text.len() as u32;
            assert!(
                d.primary.range.end <= len,
                "{f}: {} points past the end",
                d.code.id
            );
            *counts.entry(d.code.id).or_default() += 1;
            *totals.entry(d.code.id).or_default() += 1;
        }
        let rejected = report.rejected;
        if !counts.is_empty() || rejected {
            let list: Vec<String> = counts.iter().map(|(c, n)| format!("{c}×{n}")).collect();
            let rejected = if rejected { " REJECTED" } else { "" };
            // Most of the corpus was written for Asterisk 20 or older (Macro, chan_sip): what
            // is left of "not in Asterisk 22" when checked against the version it was written
            // for shows whether those errors are all the version change.
            let mut older = String::new();
            if counts.contains_key("DP302") {
                let report = check::check(&fs, std::slice::from_ref(&path), Target::Asterisk(20))
                    .expect("corpus file checks");
                let left = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.code.id == "DP302")
                    .count();
                older = format!(" (--target asterisk-20: DP302×{left})");
            }
            writeln!(snapshot, "{f}: {}{rejected}{older}", list.join(" ")).unwrap();
        }
    }
    let list: Vec<String> = totals.iter().map(|(c, n)| format!("{c}×{n}")).collect();
    writeln!(snapshot, "TOTAL: {}", list.join(" ")).unwrap();

    let snap_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/corpus.txt");
    let header = include_str!("snapshots/corpus.header");
    let full = format!("{header}{snapshot}");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snap_path, &full).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&snap_path).unwrap_or_default();
    assert!(
        committed == full,
        "corpus diagnostics changed; rerun with UPDATE_SNAPSHOTS=1 and review the diff.\n--- now ---\n{full}"
    );
}
