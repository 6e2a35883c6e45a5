//! Every `.conf` under `tests/fixtures/` is an extensions.conf whose configuration and
//! dialplan diagnostics are exactly those its annotations announce (format:
//! `pbxc_config::fixture`). Every dialplan code has at least one fixture.

use std::path::PathBuf;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_reports_exactly_its_annotations() {
    let mut all = Vec::new();
    for (name, text) in fixtures() {
        let failures = pbxc_config::fixture::check(&text, &|config, sources| {
            pbxc_dialplan::lower(config, sources).1
        });
        all.extend(failures.into_iter().map(|f| format!("{name}: {f}")));
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    let text: String = fixtures()
        .iter()
        .map(|(_, t)| String::from_utf8_lossy(t).into_owned())
        .collect();
    let missing: Vec<&str> = pbxc_dialplan::codes::ALL
        .iter()
        .map(|c| c.id)
        .filter(|id| !text.contains(&format!("[{id}]")))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
