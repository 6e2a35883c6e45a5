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

pub fn severity(s: Severity) -> ls::DiagnosticSeverity {
    match s {
        Severity::Error => ls::DiagnosticSeverity::ERROR,
        Severity::Warning => ls::DiagnosticSeverity::WARNING,
        Severity::Info => ls::DiagnosticSeverity::INFORMATION,
    }
}
