//! The tree is lossless: printing it back gives the input byte for byte, for any bytes, and
//! for every file of the real-world corpus. Pieces tile each line exactly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbxc_diagnostics::FileId;
use pbxc_syntax::{SyntaxTree, parse};
use proptest::prelude::*;

fn assert_lossless(bytes: &[u8]) -> SyntaxTree {
    let (tree, _) = parse(FileId(0), Arc::from(bytes));
    assert_eq!(tree.to_bytes(), bytes);
    let mut at = 0;
    for line in &tree.lines {
        assert_eq!(line.range.start as usize, at, "lines are contiguous");
        let mut p_at = at;
        for p in line.pieces() {
            assert_eq!(p.range.start as usize, p_at, "pieces are contiguous");
            assert!(!p.range.is_empty(), "no empty pieces");
            p_at = p.range.end as usize;
        }
        assert_eq!(p_at, line.range.end as usize, "pieces cover the line");
        at = line.range.end as usize;
    }
    assert_eq!(at, bytes.len());
    tree
}

/// Text made of the characters that matter to the reader, so the interesting paths are hit.
fn config_like() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        &b";"[..],
        b";--",
        b"--;",
        b"\\",
        b"\\;",
        b"-",
        b"[",
        b"]",
        b"(",
        b")",
        b",",
        b"=",
        b"=>",
        b"+=",
        b"#include x",
        b"#exec",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\0",
        b"a",
        b"!",
        b"+",
        b"\xEF\xBB\xBF",
        b"\xe9",
        b"\"",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        assert_lossless(&bytes);
    }

    #[test]
    fn config_like_text_round_trips(bytes in config_like()) {
        assert_lossless(&bytes);
    }
}

#[test]
fn very_long_lines_round_trip_and_are_skipped() {
    for len in [8189, 8190, 8191, 8192, 16381, 16382, 100_000] {
        let mut text = b"[c]\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', len));
        text.extend_from_slice(b"\na=1\nb=2\n");
        let tree = assert_lossless(&text);
        let read: Vec<String> = tree
            .stmts()
            .map(|(_, s)| String::from_utf8_lossy(tree.slice(s.range)).into_owned())
            .collect();
        // 8191 bytes before the newline fill the `fgets` chunk without reaching the newline.
        let expect: &[&str] = if len < 8191 {
            &["[c]", "x…", "a=1", "b=2"]
        } else {
            &["[c]", "a=1", "b=2"]
        };
        let read: Vec<&str> = read
            .iter()
            .map(|s| {
                if s.starts_with("xxx") {
                    "x…"
                } else {
                    s.as_str()
                }
            })
            .collect();
        assert_eq!(read, expect, "line of {len} bytes");
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("corpus manifest under {} is required: {e}", root.display()));
    manifest
        .lines()
        .skip(1)
        .map(|l| {
            let mut cols = l.split('\t');
            let repo = cols.next().unwrap().replace('/', "__");
            root.join(repo).join(cols.next().unwrap())
        })
        .collect()
}

#[test]
fn every_corpus_file_round_trips() {
    let files = corpus_files();
    assert!(files.len() > 200, "corpus has {} files", files.len());
    let mut bytes_total = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        bytes_total += bytes.len();
        assert_lossless(&bytes);
    }
    assert!(bytes_total > 3_000_000, "read {bytes_total} bytes");
}
