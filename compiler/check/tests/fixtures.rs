//! Every `.conf` under `tests/fixtures/` is an extensions.conf whose diagnostics — lowering
//! and checks together — are exactly those its annotations announce (format:
//! `pbxc_config::fixture`), checked for Asterisk 22. Every check code has a fixture.

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
            let (plan, mut diagnostics) = pbxc_dialplan::lower(config, sources);
            diagnostics.extend(pbxc_check::check(&pbxc_check::Input {
                plan: &plan,
                sources,
                target: pbxc_check::Target::Asterisk(22),
                endpoints: None,
                voicemail: None,
                complete: true,
            }));
            diagnostics
        });
        all.extend(failures.into_iter().map(|f| format!("{name}: {f}")));
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    let mut text: String = fixtures()
        .iter()
        .map(|(_, t)| String::from_utf8_lossy(t).into_owned())
        .collect();
    // The cross-file codes are pinned in tests/pjsip.rs and tests/voicemail.rs.
    for cross_file in ["tests/pjsip.rs", "tests/voicemail.rs"] {
        text.push_str(
            &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(cross_file))
                .unwrap(),
        );
    }
    let missing: Vec<&str> = pbxc_check::codes::ALL
        .iter()
        .map(|c| c.id)
        .filter(|id| !text.contains(&format!("[{id}]")) && !text.contains(&format!("\"{id} ")))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
