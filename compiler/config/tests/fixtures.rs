//! Every `.conf` under `tests/fixtures/` reports exactly the diagnostics its annotations
//! announce (format: `pbxc_config::fixture`).

use std::path::PathBuf;

#[test]
fn every_fixture_reports_exactly_its_annotations() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    let mut all = Vec::new();
    for p in &paths {
        let text = std::fs::read(p).unwrap();
        for f in pbxc_config::fixture::check(&text, &|_, _| Vec::new()) {
            all.push(format!("{}: {f}", p.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

/// Every code the configuration layer defines appears in at least one fixture.
#[test]
fn every_code_has_a_fixture() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut corpus = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        corpus.push_str(&String::from_utf8_lossy(
            &std::fs::read(e.unwrap().path()).unwrap(),
        ));
    }
    let missing: Vec<&str> = pbxc_config::all_codes()
        .iter()
        .map(|c| c.id)
        .filter(|id| !corpus.contains(&format!("[{id}]")))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
