//! The SARIF 2.1.0 format: one run of the `pbxc` tool, pretty-printed, then a newline.
//!
//! * `tool.driver.rules` lists every known [`Code`] (`id`, `name`, `shortDescription`,
//!   `defaultConfiguration.level`); each result names its rule by `ruleId` and, when the code
//!   is among the rules, `ruleIndex`.
//! * Levels: error → `error`, warning → `warning`, info → `note`.
//! * Regions use 1-based lines and columns with an exclusive end column, as SARIF specifies;
//!   columns count characters, so the run declares `columnKind: unicodeCodePoints`.
//! * Artifact URIs are the paths with `/` separators and percent-encoding; relative paths stay
//!   relative (a leading `./` is dropped), absolute ones become `file://` URIs.
//! * Secondary labels become `relatedLocations`, help goes to `properties.help`, and a fix
//!   becomes one `fixes` entry with an artifact change per file.

use std::io;
use std::path::{Component, Path};

use serde::Serialize;

use super::{UNKNOWN_PATH, locate};
use crate::{Code, Diagnostic, Fix, Label, Severity, SourceSet};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SARIF_VERSION: &str = "2.1.0";

/// The project page: the package's `repository` when Cargo provides one (the field is
/// optional in SARIF, so it is left out otherwise).
const INFORMATION_URI: Option<&str> = {
    let repository = env!("CARGO_PKG_REPOSITORY");
    if repository.is_empty() {
        None
    } else {
        Some(repository)
    }
};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    rules: &[Code],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "pbxc",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(Rule::new).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: diagnostics
                .iter()
                .map(|d| SarifResult::new(d, sources, rules))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text<&'static str>,
    default_configuration: Configuration,
}

impl Rule {
    fn new(code: &Code) -> Self {
        Rule {
            id: code.id,
            name: code.name,
            short_description: Text { text: code.summary },
            default_configuration: Configuration {
                level: level(code.severity),
            },
        }
    }
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// A SARIF `message` or `multiformatMessageString` (plain text only).
#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<&'a str>,
    locations: [SarifLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct Properties<'a> {
    help: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<&'a str>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<&'a str>,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<&'a str>,
}

impl<'a> SarifResult<'a> {
    fn new(d: &'a Diagnostic, sources: &SourceSet, rules: &[Code]) -> Self {
        SarifResult {
            rule_id: d.code.id,
            rule_index: rules.iter().position(|rule| rule.id == d.code.id),
            level: level(d.severity),
            message: Text { text: &d.message },
            locations: [SarifLocation::new(sources, &d.primary, None)],
            related_locations: d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, label)| SarifLocation::new(sources, label, Some(i + 1)))
                .collect(),
            fixes: d
                .fix
                .iter()
                .map(|fix| SarifFix::new(fix, sources))
                .collect(),
            properties: d.help.as_deref().map(|help| Properties { help }),
        }
    }
}

impl<'a> SarifLocation<'a> {
    fn new(sources: &SourceSet, label: &'a Label, id: Option<usize>) -> Self {
        let (artifact_location, region) = physical(sources, label.file, label.range);
        SarifLocation {
            id,
            physical_location: PhysicalLocation {
                artifact_location,
                region,
            },
            message: label.message.as_deref().map(|text| Text { text }),
        }
    }
}

impl<'a> SarifFix<'a> {
    fn new(fix: &'a Fix, sources: &SourceSet) -> Self {
        // One artifact change per file, in order of first appearance.
        let mut artifact_changes: Vec<(crate::FileId, ArtifactChange<'a>)> = Vec::new();
        for edit in &fix.edits {
            let (artifact_location, deleted_region) = physical(sources, edit.file, edit.range);
            let replacement = Replacement {
                deleted_region,
                inserted_content: Text {
                    text: &edit.replacement,
                },
            };
            match artifact_changes
                .iter_mut()
                .find(|(file, _)| *file == edit.file)
            {
                Some((_, change)) => change.replacements.push(replacement),
                None => artifact_changes.push((
                    edit.file,
                    ArtifactChange {
                        artifact_location,
                        replacements: vec![replacement],
                    },
                )),
            }
        }
        SarifFix {
            description: Text {
                text: &fix.description,
            },
            artifact_changes: artifact_changes
                .into_iter()
                .map(|(_, change)| change)
                .collect(),
        }
    }
}

fn physical(
    sources: &SourceSet,
    file: crate::FileId,
    range: crate::TextRange,
) -> (ArtifactLocation, Region) {
    let location = locate(sources, file, range);
    let uri = match location.path {
        Some(path) => artifact_uri(path),
        None => percent_encode(UNKNOWN_PATH.as_bytes()),
    };
    (
        ArtifactLocation { uri },
        Region {
            start_line: location.start.line,
            start_column: location.start.column,
            end_line: location.end.line,
            end_column: location.end.column,
        },
    )
}

/// A URI reference for `path`: relative paths stay relative, absolute ones become `file:` URIs.
fn artifact_uri(path: &Path) -> String {
    let mut segments = Vec::new();
    let mut prefix = String::new();
    for component in path.components() {
        match component {
            // A Windows drive or share, e.g. `C:`; kept readable (`file:///C:/…`).
            Component::Prefix(p) => {
                prefix = p
                    .as_os_str()
                    .to_string_lossy()
                    .replace('\\', "/")
                    .trim_start_matches('/')
                    .to_owned();
            }
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => segments.push("..".to_owned()),
            Component::Normal(name) => segments.push(percent_encode(name.as_encoded_bytes())),
        }
    }
    let joined = segments.join("/");
    if path.has_root() {
        if prefix.is_empty() {
            format!("file:///{joined}")
        } else {
            format!("file:///{prefix}/{joined}")
        }
    } else if prefix.is_empty() {
        joined
    } else {
        // `C:foo` (drive-relative) has no URI form; keep it as a path.
        format!("{prefix}{joined}")
    }
}

/// Percent-encodes every byte that may not appear literally in a URI path segment. `:` is
/// encoded too, so a relative path's first segment is never read as a scheme.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::render::test_support::{at_eof, duplicate_key, past_end, rules, sources};
    use crate::render::{Format, render as render_any};

    #[test]
    fn log_has_rules_results_regions_related_locations_and_fixes() {
        let (sources, a, b) = sources("conf/extensions.conf");
        let diagnostics = [duplicate_key(a, b), at_eof(b), past_end(a)];
        let mut out = Vec::new();
        render_any(&Format::Sarif, &diagnostics, &sources, &rules(), &mut out)
            .expect("writing to a Vec cannot fail");
        assert_eq!(out.last(), Some(&b'\n'));
        let log: Value = serde_json::from_slice(&out).expect("valid JSON");

        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "pbxc");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            driver["rules"][2],
            json!({
                "id": "CFG101",
                "name": "duplicate-key",
                "shortDescription": {"text": "A key is set twice in one section"},
                "defaultConfiguration": {"level": "error"}
            })
        );
        assert_eq!(driver["rules"][1]["defaultConfiguration"]["level"], "note");

        let results = &run["results"];
        assert_eq!(
            results[0],
            json!({
                "ruleId": "CFG101",
                "ruleIndex": 2,
                "level": "error",
                "message": {"text": "key `a` set twice: 100%, really"},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": "conf/extensions.conf"},
                        // `a=1` after the Latin-1 byte.
                        "region": {"startLine": 2, "startColumn": 2, "endLine": 2, "endColumn": 5}
                    },
                    "message": {"text": "set again here"}
                }],
                "relatedLocations": [{
                    "id": 1,
                    "physicalLocation": {
                        "artifactLocation": {"uri": "sip.conf"},
                        "region": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 4}
                    },
                    "message": {"text": "first set here"}
                }],
                "fixes": [{
                    "description": {"text": "delete the second assignment"},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": "conf/extensions.conf"},
                        "replacements": [{
                            "deletedRegion": {
                                "startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 1
                            },
                            "insertedContent": {"text": ""}
                        }]
                    }]
                }],
                "properties": {"help": "remove one of them\nor rename it"}
            })
        );
        assert_eq!(results[1]["ruleIndex"], 0);
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 1})
        );
        assert_eq!(results[2]["ruleIndex"], 1);
        assert_eq!(results[2]["level"], "note");
    }

    #[test]
    fn codes_missing_from_the_rules_have_no_rule_index() {
        let (sources, a, b) = sources("a.conf");
        let mut out = Vec::new();
        render_any(
            &Format::Sarif,
            &[duplicate_key(a, b)],
            &sources,
            &[],
            &mut out,
        )
        .expect("writing to a Vec cannot fail");
        let log: Value = serde_json::from_slice(&out).expect("valid JSON");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "CFG101");
        assert!(result.get("ruleIndex").is_none());
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
    }

    #[test]
    fn uris_use_forward_slashes_and_percent_encoding() {
        assert_eq!(artifact_uri(Path::new("conf/sip.conf")), "conf/sip.conf");
        assert_eq!(artifact_uri(Path::new("./conf/sip.conf")), "conf/sip.conf");
        assert_eq!(
            artifact_uri(Path::new("../x y#1.conf")),
            "../x%20y%231.conf"
        );
        assert_eq!(artifact_uri(Path::new("a:b.conf")), "a%3Ab.conf");
        assert_eq!(artifact_uri(Path::new("é.conf")), "%C3%A9.conf");
        #[cfg(unix)]
        assert_eq!(
            artifact_uri(Path::new("/etc/asterisk/sip.conf")),
            "file:///etc/asterisk/sip.conf"
        );
        #[cfg(windows)]
        assert_eq!(
            artifact_uri(Path::new(r"C:\asterisk\sip.conf")),
            "file:///C:/asterisk/sip.conf"
        );
    }
}
