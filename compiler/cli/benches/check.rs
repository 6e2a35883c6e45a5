//! `pbxc check` as the CLI runs it, from disk: every configuration-format file of the corpus
//! (target: under 2 s), and the 1.7 MB FreePBX dialplan alone, dialplan checks included
//! (target: under 100 ms), and the human rendering of that file's diagnostics.
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use pbxc::check;
use pbxc::disk::DiskFs;
use pbxc_diagnostics::render::{Format, render};

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        return Vec::new();
    };
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let repo = cols.next()?.replace('/', "__");
            let path = cols.next()?;
            let skip = [".ael", ".lua", ".ael.sample", ".lua.sample"];
            (!skip.iter().any(|s| path.ends_with(s))).then(|| root.join(repo).join(path))
        })
        .collect()
}

fn check_corpus(c: &mut Criterion) {
    let files = corpus_files();
    if files.is_empty() {
        eprintln!("skipping: shared/corpus not found");
        return;
    }
    let provider = DiskFs { allow_exec: false };
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function(format!("corpus ({} files)", files.len()), |b| {
        b.iter(|| check::check(&provider, &files, Default::default()).expect("corpus checks"))
    });
    let big = files
        .iter()
        .find(|f| f.ends_with("jbazanl__utp-issabel-asterisk/extensions_additional.conf"))
        .cloned();
    if let Some(big) = big {
        group.bench_function("extensions_additional.conf", |b| {
            b.iter(|| {
                check::check(&provider, std::slice::from_ref(&big), Default::default())
                    .expect("checks")
            })
        });
        // Thousands of diagnostics in one 1.7 MB file: rendering must stay linear in the
        // number of diagnostics, not in diagnostics × file size.
        let report = check::check(&provider, std::slice::from_ref(&big), Default::default())
            .expect("checks");
        let human = Format::Human { color: false };
        group.bench_function(
            format!("render {} diagnostics", report.diagnostics.len()),
            |b| {
                b.iter(|| {
                    let mut out = Vec::new();
                    render(&human, &report.diagnostics, &report.sources, &[], &mut out)
                        .expect("renders");
                    out.len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, check_corpus);
criterion_main!(benches);
