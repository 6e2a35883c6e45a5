//! `pbxc check` over every configuration-format file of the corpus, from disk, as the CLI does
//! it. Target (issue 2): the whole corpus in under 2 s.
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use pbxc::check;
use pbxc::disk::DiskFs;

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
        b.iter(|| check::check(&provider, &files).expect("corpus checks"))
    });
    group.finish();
}

criterion_group!(benches, check_corpus);
criterion_main!(benches);
