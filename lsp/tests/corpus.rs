//! Every configuration file of the corpus through the server's features: opened in its own
//! directory (a workspace folder), diagnostics published, symbols, semantic tokens,
//! formatting, and hover, definition and completion on every tenth line (about 200 lines of
//! a big file). Nothing panics, and
//! what comes back is well formed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pbxc_lsp::World;
use pbxc_lsp::features::{completion, format, hover, navigation, symbols, tokens};
use tower_lsp_server::ls_types as ls;

fn corpus_files() -> BTreeMap<PathBuf, Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<PathBuf>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".conf"))
            {
                out.entry(dir.to_path_buf()).or_default().push(p);
            }
        }
    }
    let mut out = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    walk(
        &root
            .canonicalize()
            .expect("../shared/corpus beside the project"),
        &mut out,
    );
    for files in out.values_mut() {
        files.sort();
    }
    out
}

#[test]
fn every_corpus_file_goes_through_every_feature() {
    let mut files_seen = 0;
    let mut diagnostics_seen = 0;
    for (dir, files) in corpus_files() {
        let mut world = World::new();
        world.set_folders(vec![dir.clone()]);
        for path in &files {
            let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
            world.open(path, text.clone(), 1);
            let uri = ls::Uri::from_file_path(path).unwrap();
            let symbols = symbols::document_symbols(&mut world, &uri).expect("symbols");
            for s in &symbols {
                assert!(
                    s.selection_range.start >= s.range.start
                        && s.selection_range.end <= s.range.end,
                    "{}: {s:?}",
                    path.display()
                );
            }
            let tokens = tokens::semantic_tokens(&mut world, &uri).expect("tokens");
            assert!(
                tokens.data.iter().all(|t| t.length > 0),
                "{}",
                path.display()
            );
            let edits = format::formatting(&mut world, &uri).expect("formatting");
            assert!(edits.len() <= 1);
            // Every tenth line, and no more than about 200 lines of a big file.
            let step = (text.lines().count() / 200).max(10);
            for (line, _) in text.lines().enumerate().step_by(step) {
                for character in [0, 12, 30] {
                    let at = ls::Position::new(line as u32, character);
                    hover::hover(&mut world, &uri, at);
                    navigation::definition(&mut world, &uri, at);
                    completion::completion(&mut world, &uri, at);
                }
            }
            files_seen += 1;
        }
        for (_, diagnostics, _) in world.diagnostics_to_publish() {
            for d in &diagnostics {
                assert!(d.range.start <= d.range.end, "{d:?}");
            }
            diagnostics_seen += diagnostics.len();
        }
    }
    assert!(files_seen > 300, "{files_seen} files");
    assert!(diagnostics_seen > 10_000, "{diagnostics_seen} diagnostics");
}

/// A diagnostic as both sides can tell it: code, file, line (from 0), severity.
type Finding = (String, String, u32, String);

/// What `pbxc check` reports, as findings, sorted.
fn check_report(path: &Path) -> Option<(Vec<Finding>, pbxc_project::check::Report)> {
    let provider = pbxc_project::disk::DiskFs { allow_exec: false };
    let report =
        pbxc_project::check::check(&provider, &[path.to_path_buf()], Default::default()).ok()?;
    let mut found: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let source = report.sources.get(d.primary.file);
            let line = source.lines.line_of(d.primary.range.start as usize) as u32;
            (
                d.code.id.to_string(),
                pbxc_lsp::analysis::normalize(&source.path)
                    .display()
                    .to_string(),
                line,
                d.severity.as_str().to_string(),
            )
        })
        .collect();
    found.sort();
    Some((found, report))
}

/// What the editor gets with `open` open and `dir` as its workspace folder, alike.
fn editor_report(dir: &Path, open: &Path) -> Vec<Finding> {
    let mut world = World::new();
    world.set_folders(vec![dir.to_path_buf()]);
    world.open(
        open,
        String::from_utf8_lossy(&std::fs::read(open).unwrap()).into_owned(),
        1,
    );
    let mut got = Vec::new();
    for (uri, diagnostics, _) in world.diagnostics_to_publish() {
        let path = uri.to_file_path().unwrap().display().to_string();
        for d in diagnostics {
            let code = match d.code {
                Some(ls::NumberOrString::String(c)) => c,
                other => panic!("{other:?}"),
            };
            let severity = match d.severity {
                Some(ls::DiagnosticSeverity::ERROR) => "error",
                Some(ls::DiagnosticSeverity::WARNING) => "warning",
                _ => "info",
            };
            got.push((code, path.clone(), d.range.start.line, severity.to_string()));
        }
    }
    got.sort();
    got
}

/// The editor sees what `pbxc check` reports (code, file, line, severity, counted alike): for
/// every configuration directory of the corpus with one of its files open, and for every
/// dialplan the directory does not read, opened alone (`pbxc check FILE`).
#[test]
fn the_editor_gets_what_pbxc_check_reports() {
    let mut compared = 0;
    for (dir, files) in corpus_files() {
        let read_by_dir = match check_report(&dir) {
            Some((expected, report)) => {
                if let Some(open) = files.iter().find(|f| report.sources.find(f).is_some()) {
                    assert_eq!(editor_report(&dir, open), expected, "{}", dir.display());
                    compared += expected.len();
                }
                report.sources.iter().map(|(_, f)| f.path.clone()).collect()
            }
            // Not a configuration directory: `pbxc check DIR` cannot run on it either.
            None => Vec::new(),
        };
        for file in &files {
            let name = file.file_name().unwrap().to_string_lossy();
            if !name.starts_with("extensions") || read_by_dir.contains(file) {
                continue;
            }
            let (expected, _) = check_report(file).expect("a dialplan file can be checked");
            assert_eq!(editor_report(&dir, file), expected, "{}", file.display());
            compared += expected.len();
        }
    }
    assert!(compared > 10_000, "{compared} diagnostics compared");
}
