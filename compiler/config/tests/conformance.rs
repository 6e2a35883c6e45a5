//! Every case of section A of `shared/conformance/dialplan-cases.md` (Asterisk's own answers
//! for its config parser, queried with `AST_CONFIG`), read from the table at test time.
//!
//! Each case names its files with contents written with `\n`/`\r` escapes, and a table of
//! `category | variable | index | result`, where `(fail)` means the lookup fails (variable
//! absent, or the whole file rejected). The `Log:` line lists Asterisk's warnings; each must
//! have a diagnostic with the matching code.
//!
//! Two notations of the table are undone here: companion files were named after the case
//! (`INC1` stands for `INC1.conf`, `GLOBPFX` for the common prefix `glob_`), and the long-line
//! case abbreviates its 9011-character line.

use std::path::Path;

use pbxc_config::{LoadOptions, MemoryFs, Session};
use pbxc_diagnostics::Severity;

struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    rows: Vec<[String; 4]>,
    logs: Vec<String>,
}

fn shared() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

fn unquote(cell: &str) -> String {
    let c = cell.trim();
    c.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .unwrap_or(c)
        .to_string()
}

fn decode(content: &str) -> Vec<u8> {
    let mut content = content
        .replace("INC1", "INC1.conf")
        .replace("GLOBPFX", "glob_");
    if let Some(at) = content.find("...(")
        && let Some(n) = content[at..]
            .strip_prefix("...(")
            .and_then(|r| r.split_once(" chars)"))
            .and_then(|(n, _)| n.parse::<usize>().ok())
    {
        let line_start = content[..at].rfind("\\n").map_or(0, |i| i + 2);
        let prefix_len = at - line_start;
        let mut s = content[..at].to_string();
        s.push_str(&"x".repeat(n.saturating_sub(prefix_len)));
        s.push_str("\\nb=2\\n");
        content = s;
    }
    let mut out = Vec::new();
    if let Some(rest) = content.strip_prefix("<BOM>") {
        out.extend_from_slice(b"\xEF\xBB\xBF");
        content = rest.to_string();
    }
    let b = content.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && (b[i + 1] == b'n' || b[i + 1] == b'r') {
            out.push(if b[i + 1] == b'n' { b'\n' } else { b'\r' });
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn cases() -> Vec<Case> {
    let path = shared().join("conformance/dialplan-cases.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("conformance table {} is required: {e}", path.display()));
    let section = text
        .split("\n## A.")
        .nth(1)
        .and_then(|s| s.split("\n## B.").next())
        .expect("section A");
    let mut cases = Vec::new();
    for chunk in section.split("\n### ").skip(1) {
        let mut lines = chunk.lines();
        let header = lines.next().unwrap();
        let name = unquote(header.split(" — ").next().unwrap());
        let mut case = Case {
            name,
            files: Vec::new(),
            rows: Vec::new(),
            logs: Vec::new(),
        };
        for line in lines {
            if let Some(rest) = line.strip_prefix("- `") {
                let (file, content) = rest.split_once("`: `").expect("file line");
                let content = content.strip_suffix('`').expect("closing backtick");
                let file = file
                    .replace("INC1", "INC1.conf")
                    .replace(".conf.conf", ".conf");
                case.files.push((file, decode(content)));
            } else if line.starts_with("| `") {
                let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
                assert_eq!(cells.len(), 4, "row {line}");
                case.rows.push([
                    unquote(cells[0]),
                    unquote(cells[1]),
                    cells[2].trim().to_string(),
                    unquote(cells[3]),
                ]);
            } else if let Some(log) = line.strip_prefix("Log: ") {
                case.logs = log.split("; ").map(str::to_string).collect();
            }
        }
        cases.push(case);
    }
    cases
}

/// Asterisk's log stems and the codes that report the same thing.
const LOG_CODES: &[(&str, &str)] = &[
    ("too long, skipping", "CFG001"),
    ("Unterminated comment", "CFG002"),
    ("no closing ']'", "CFG101"),
    ("no closing ')'", "CFG102"),
    ("Category addition requested", "CFG103"),
    ("Inheritance requested", "CFG104"),
    ("No category context", "CFG105"),
    ("Invalid escape", "CFG106"),
    ("was listed as a #include but it does not exist", "CFG107"),
    ("No '=' (equal sign)", "CFG201"),
    ("No variable name", "CFG202"),
    ("Unknown directive", "CFG203"),
    ("needs an argument", "CFG204"),
    ("Same File included more than once", "CFG207"),
];

#[test]
fn config_parser_matches_asterisk_on_every_section_a_case() {
    let cases = cases();
    assert!(cases.len() >= 39, "only {} cases parsed", cases.len());
    let mut failures = Vec::new();
    let mut rows = 0;
    for case in &cases {
        let mut fs = MemoryFs::new();
        for (name, content) in &case.files {
            fs.insert(Path::new("/cfg").join(name), content.clone());
        }
        fs.insert_command(
            "/bin/echo e=5",
            Ok(pbxc_config::ExecOutput {
                stdout: b"e=5\n".to_vec(),
                problem: None,
            }),
        );
        let options = LoadOptions {
            config_dir: "/cfg".into(),
            exec_includes: true,
        };
        let mut session = Session::new(&fs, options);
        let config = session.load(&case.files[0].0).expect("main file loads");
        let diagnostics = session.diagnostics();

        for [cat, var, index, expected] in &case.rows {
            rows += 1;
            let index: i64 = if index.is_empty() {
                0
            } else {
                index.parse().unwrap()
            };
            let got = if config.rejected {
                None
            } else {
                config
                    .category(cat.as_bytes())
                    .and_then(|c| c.get(var.as_bytes(), index))
                    .map(|v| v.value_str().into_owned())
            };
            let got = got.unwrap_or_else(|| "(fail)".to_string());
            if &got != expected {
                failures.push(format!(
                    "{}: AST_CONFIG({cat},{var},{index}) = {got:?}, Asterisk says {expected:?}",
                    case.name
                ));
            }
        }
        let mut expected_codes = Vec::new();
        for log in &case.logs {
            match LOG_CODES.iter().find(|(stem, _)| log.contains(stem)) {
                Some((_, code)) => {
                    expected_codes.push(*code);
                    if !diagnostics.iter().any(|d| d.code.id == *code) {
                        failures.push(format!(
                            "{}: Asterisk logs {log:?} but no {code} was reported (got {:?})",
                            case.name,
                            diagnostics.iter().map(|d| d.code.id).collect::<Vec<_>>()
                        ));
                    }
                }
                None => failures.push(format!("{}: no code known for log {log:?}", case.name)),
            }
        }
        for d in &diagnostics {
            if d.severity == Severity::Error && !expected_codes.contains(&d.code.id) {
                failures.push(format!(
                    "{}: unexpected error {} {:?} where Asterisk logs nothing fatal",
                    case.name, d.code.id, d.message
                ));
            }
        }
    }
    assert!(rows >= 99, "only {rows} rows checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
