//! Parsing the largest corpus file (1.7 MB FreePBX/Issabel dialplan) into the lossless tree.
//! Target (issue 2): under 15 ms.
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pbxc_diagnostics::FileId;

const BIG: &str = "jbazanl__utp-issabel-asterisk/extensions_additional.conf";

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn parse_big(c: &mut Criterion) {
    let path = corpus().join(BIG);
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let text: Arc<[u8]> = bytes.into();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("extensions_additional.conf", |b| {
        b.iter(|| pbxc_syntax::parse(FileId(0), text.clone()))
    });
    group.finish();
}

criterion_group!(benches, parse_big);
criterion_main!(benches);
