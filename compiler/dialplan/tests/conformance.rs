//! Every case of section B of `shared/conformance/dialplan-cases.md`: an extensions.conf, the
//! dialplan Asterisk registered from it (its `dialplan save` dump), and its log. The dump of
//! our dialplan must be identical, and every log line must have a diagnostic with the same
//! meaning.

use std::path::Path;

use pbxc_config::{LoadOptions, MemoryFs, Session};

struct Case {
    name: String,
    input: String,
    registered: String,
    logs: Vec<String>,
}

fn cases() -> Vec<Case> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/dialplan-cases.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("conformance table {} is required: {e}", path.display()));
    let section = text
        .split("\n## B.")
        .nth(1)
        .and_then(|s| s.split("\n## C.").next())
        .expect("section B");
    let mut out = Vec::new();
    for chunk in section.split("\n### ").skip(1) {
        let name = chunk
            .lines()
            .next()
            .unwrap()
            .split('`')
            .nth(1)
            .unwrap()
            .to_string();
        let blocks: Vec<&str> = chunk.split("```").collect();
        let logs = chunk
            .split("Log:")
            .nth(1)
            .map(|l| {
                l.lines()
                    .filter_map(|x| x.strip_prefix("- `"))
                    .map(|x| x.trim_end_matches('`').to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Case {
            name,
            input: blocks[1].trim_start_matches('\n').to_string(),
            registered: blocks[3].trim_start_matches('\n').to_string(),
            logs,
        });
    }
    out
}

/// Asterisk's log stems and our codes; `None` for lines that only accompany another one.
const LOG_CODES: &[(&str, Option<&str>)] = &[
    ("already in use at priority", Some("DP108")),
    ("already in use", Some("DP107")),
    ("Unable to register extension at line", None),
    ("Can't use 'next' priority", Some("DP103")),
    ("Can't use 'same' priority", Some("DP103")),
    ("No previous pattern", Some("DP101")),
    ("Label missing trailing ')'", Some("DP102")),
    ("No such label", None),
    ("Invalid priority", Some("DP104")),
    ("Cannot find extension", None),
    ("No closing parenthesis", Some("DP105")),
    ("You have to be kidding", Some("DP109")),
    ("already included", Some("DP110")),
    ("tries to include nonexistent context", Some("DP111")),
    ("Unable to include switch", Some("DP112")),
    ("Unable to include ignorepat", Some("DP113")),
    ("Unknown directive", Some("DP114")),
    ("strongly discouraged", Some("DP106")),
    ("Wrong usage of []", Some("DP205")),
];

#[test]
fn registered_dialplans_match_asterisk_on_every_section_b_case() {
    let cases = cases();
    assert!(cases.len() >= 19, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let mut fs = MemoryFs::new();
        fs.insert("/etc/asterisk/extensions.conf", case.input.clone());
        let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
        let config = session.load("extensions.conf").unwrap();
        let (plan, diagnostics) = pbxc_dialplan::lower(&config, session.sources());

        let mut got = String::new();
        if let Some(g) = config.category(b"globals") {
            got.push_str("[globals]  (raw file values; runtime values are substituted at load)\n");
            for v in &g.variables {
                got.push_str(&format!("  {} => {}\n", v.name_str(), v.value_str()));
            }
        }
        got.push_str(&pbxc_dialplan::dump(&plan));
        if got.trim_end() != case.registered.trim_end() {
            failures.push(format!(
                "{}: registered dialplan differs\n--- Asterisk ---\n{}--- pbxc ---\n{got}",
                case.name, case.registered
            ));
        }

        let mut expected = Vec::new();
        for log in &case.logs {
            match LOG_CODES.iter().find(|(stem, _)| log.contains(stem)) {
                // Asterisk repeats this one for every comparison made while sorting.
                Some((_, Some("DP205"))) if expected.contains(&"DP205") => {}
                Some((_, Some(code))) => expected.push(*code),
                Some((_, None)) => {}
                None => failures.push(format!("{}: no code for log {log:?}", case.name)),
            }
        }
        for code in &expected {
            let want = expected.iter().filter(|c| c == &code).count();
            let have = diagnostics.iter().filter(|d| d.code.id == *code).count();
            if have < want {
                failures.push(format!(
                    "{}: Asterisk logs {code} {want} time(s), pbxc {have}: {:?}",
                    case.name,
                    diagnostics
                        .iter()
                        .map(|d| (d.code.id, &d.message))
                        .collect::<Vec<_>>()
                ));
            }
        }
        for d in &diagnostics {
            if d.code.id.starts_with("DP1") && !expected.contains(&d.code.id) {
                failures.push(format!(
                    "{}: extra {} {:?} where Asterisk logs nothing",
                    case.name, d.code.id, d.message
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
