//! `pbxc check`'s diagnostics as the editor shows them: same codes, same messages, the help
//! line appended, secondary labels as related information.

use pbxc_diagnostics::{Diagnostic, Severity};
use tower_lsp_server::ls_types as ls;

use crate::analysis::Analysis;
use crate::convert::Encoding;
use crate::world::{lines, location};

/// Below this many diagnostics, converting on one thread is quicker than starting another.
const PARALLEL_FROM: usize = 2048;

/// Every diagnostic of an analysis, converted, with its file; in order.
pub fn convert_all(
    encoding: Encoding,
    a: &Analysis,
) -> Vec<(pbxc_diagnostics::FileId, ls::Diagnostic)> {
    let one = |d: &Diagnostic| Some((d.primary.file, convert(encoding, a, d)?));
    let all = &a.diagnostics;
    if all.len() < PARALLEL_FROM {
        return all.iter().filter_map(one).collect();
    }
    let (first, second) = all.split_at(all.len() / 2);
    std::thread::scope(|s| {
        let later = s.spawn(|| second.iter().filter_map(one).collect::<Vec<_>>());
        let mut out: Vec<_> = first.iter().filter_map(one).collect();
        out.extend(
            later
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        out
    })
}

pub fn convert(encoding: Encoding, a: &Analysis, d: &Diagnostic) -> Option<ls::Diagnostic> {
    let lines = lines(a, d.primary.file, encoding);
    let label = d.primary.message.as_deref();
    let help = d.help.as_deref();
    let mut message = String::with_capacity(
        d.message.len() + label.map_or(0, |l| l.len() + 3) + help.map_or(0, |h| h.len() + 7),
    );
    message.push_str(&d.message);
    if let Some(label) = label {
        message.push_str(" (");
        message.push_str(label);
        message.push(')');
    }
    if let Some(help) = help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<ls::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(ls::DiagnosticRelatedInformation {
                location: location(a, l.file, l.range, encoding)?,
                message: l.message.clone().unwrap_or_default(),
            })
        })
        .collect();
    Some(ls::Diagnostic {
        range: lines.range(d.primary.range),
        severity: Some(severity(d.severity)),
        code: Some(ls::NumberOrString::String(d.code.id.to_string())),
        code_description: None,
        source: Some("pbxc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    })
}

/// The `textDocument/publishDiagnostics` notification for `diagnostics` of `uri`, as a whole
/// frame: what the server writes. Serialized here, a large list in two halves on two threads,
/// rather than through a `serde_json::Value` tree (see [`outbox`](crate::outbox)).
pub fn notification(
    uri: &ls::Uri,
    diagnostics: &[ls::Diagnostic],
    version: Option<i32>,
) -> Vec<u8> {
    let items = if diagnostics.len() < PARALLEL_FROM {
        vec![json_items(diagnostics)]
    } else {
        let (first, second) = diagnostics.split_at(diagnostics.len() / 2);
        std::thread::scope(|s| {
            let later = s.spawn(|| json_items(second));
            let first = json_items(first);
            vec![
                first,
                later
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            ]
        })
    };
    let size: usize = items.iter().map(Vec::len).sum();
    let mut body = Vec::with_capacity(size + uri.as_str().len() + 128);
    body.extend_from_slice(
        br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#,
    );
    // A string cannot fail to serialize.
    let _ = serde_json::to_writer(&mut body, uri.as_str());
    body.extend_from_slice(br#","diagnostics":["#);
    for part in items.iter().filter(|p| !p.is_empty()) {
        if body.last() != Some(&b'[') {
            body.push(b',');
        }
        body.extend_from_slice(part);
    }
    body.push(b']');
    if let Some(version) = version {
        body.extend_from_slice(format!(r#","version":{version}"#).as_bytes());
    }
    body.extend_from_slice(b"}}");
    crate::outbox::frame(&body)
}

/// The diagnostics as JSON objects separated by commas.
fn json_items(diagnostics: &[ls::Diagnostic]) -> Vec<u8> {
    let mut out = Vec::with_capacity(diagnostics.len() * 384);
    for d in diagnostics {
        let before = out.len();
        if before > 0 {
            out.push(b',');
        }
        // Serializing a diagnostic only fails for a `data` map with non-string keys, which
        // the server never sets; such a diagnostic would be left out rather than half written.
        if serde_json::to_writer(&mut out, d).is_err() {
            out.truncate(before);
        }
    }
    out
}

pub fn severity(s: Severity) -> ls::DiagnosticSeverity {
    match s {
        Severity::Error => ls::DiagnosticSeverity::ERROR,
        Severity::Warning => ls::DiagnosticSeverity::WARNING,
        Severity::Info => ls::DiagnosticSeverity::INFORMATION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(i: u32) -> ls::Diagnostic {
        ls::Diagnostic {
            range: ls::Range::new(ls::Position::new(i, 1), ls::Position::new(i, 5)),
            severity: Some(ls::DiagnosticSeverity::WARNING),
            code: Some(ls::NumberOrString::String("DP302".into())),
            source: Some("pbxc".into()),
            message: format!("`Goto` target `${{X}}` \"{i}\" is computed at run time\nhelp: é"),
            related_information: i.is_multiple_of(3).then(|| {
                vec![ls::DiagnosticRelatedInformation {
                    location: ls::Location {
                        uri: "file:///etc/asterisk/extensions.conf".parse().unwrap(),
                        range: ls::Range::default(),
                    },
                    message: "here".into(),
                }]
            }),
            ..Default::default()
        }
    }

    /// The frame's body is the notification tower-lsp-server would have sent: the same JSON,
    /// for an empty list, a short one, and one long enough to be written on two threads.
    #[test]
    fn the_notification_is_what_the_protocol_library_would_send() {
        let uri: ls::Uri = "file:///etc/asterisk/extensions%20a.conf".parse().unwrap();
        for (count, version) in [(0, Some(3)), (5, None), (PARALLEL_FROM + 7, Some(12))] {
            let diagnostics: Vec<_> = (0..count as u32).map(diagnostic).collect();
            let frame = notification(&uri, &diagnostics, version);
            let end = frame.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let header = std::str::from_utf8(&frame[..end]).unwrap();
            let body = &frame[end + 4..];
            assert_eq!(header, format!("Content-Length: {}", body.len()));
            let sent: serde_json::Value = serde_json::from_slice(body).unwrap();
            let params = ls::PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics,
                version,
            };
            let expected = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": serde_json::to_value(params).unwrap(),
            });
            assert_eq!(sent, expected, "{count} diagnostics");
        }
    }
}
