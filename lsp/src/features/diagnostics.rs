//! `pbxc check`'s diagnostics as the editor shows them: same codes, same messages, the help
//! line appended, secondary labels as related information.

use pbxc_diagnostics::{Diagnostic, Severity};
use tower_lsp_server::ls_types as ls;

use crate::analysis::Analysis;
use crate::world::World;

pub fn convert(world: &World, a: &Analysis, d: &Diagnostic) -> Option<ls::Diagnostic> {
    let lines = world.lines(a, d.primary.file);
    let mut message = d.message.clone();
    if let Some(label) = &d.primary.message {
        message.push_str(&format!(" ({label})"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<ls::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(ls::DiagnosticRelatedInformation {
                location: world.location(a, l.file, l.range)?,
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
