//! Across pjsip.conf and the dialplan: endpoint contexts and `Dial(PJSIP/x)` endpoints.
//! The endpoints dialled are also references, for the language server's navigation.

use pbxc_diagnostics::{Diagnostic, Label, suggest};
use pbxc_stdlib::ArgKind;

use crate::codes;
use crate::step::{Step, show};
use crate::{Cx, Destination, Reference};

pub(super) fn check(
    cx: &Cx,
    steps: &[Step],
    out: &mut Vec<Diagnostic>,
    references: &mut Vec<Reference>,
) {
    let Some(endpoints) = cx.endpoints else {
        return;
    };
    for ep in endpoints {
        if cx.context(&ep.context).is_some() {
            continue;
        }
        let at = ep.context_origin.unwrap_or(ep.origin);
        let mut d = Diagnostic::new(
            codes::ENDPOINT_CONTEXT_MISSING,
            format!(
                "endpoint `{}` sends its calls to context `{}`, which the dialplan does not have: Asterisk rejects them",
                show(&ep.name),
                show(&ep.context)
            ),
            at.file,
            at.range,
        );
        if ep.context_origin.is_none() {
            d = d.with_help("no `context=` is set, so the endpoint uses `default`");
        }
        if let Some(similar) = cx
            .plan
            .contexts
            .iter()
            .filter_map(|c| suggest::edit_distance(&c.name, &ep.context, 2, true).map(|d| (d, c)))
            .min_by_key(|(d, _)| *d)
        {
            let first = similar.1.sections[0];
            d = d
                .with_help(format!("did you mean `{}`?", show(&similar.1.name)))
                .with_secondary(
                    Label::new(first.file, first.range).with_message("this context is close"),
                );
        }
        out.push(d);
    }
    for step in steps {
        let Some(entry) = step.entry else { continue };
        let Some(params) = &entry.params else {
            continue;
        };
        let Some(i) = params.iter().position(|p| p.kind == ArgKind::DialTargets) else {
            continue;
        };
        let args = step.args();
        let Some(arg) = args.get(i) else { continue };
        for target in step.text(arg.range.clone()).split(|&c| c == b'&') {
            let Some(resource) = strip_tech(target, b"PJSIP/") else {
                continue;
            };
            // `PJSIP/endpoint`, `PJSIP/number@endpoint`, `PJSIP/endpoint/sip:uri`.
            let resource = resource.split(|&c| c == b'/').next().unwrap_or_default();
            let name = match resource.iter().rposition(|&c| c == b'@') {
                Some(k) => &resource[k + 1..],
                None => resource,
            };
            if name.is_empty() || name.contains(&b'$') {
                continue;
            }
            // `name` is a slice of the data: its offset is where it sits.
            let name_start = name.as_ptr() as usize - step.data.as_ptr() as usize;
            if let Some(k) = endpoints.iter().position(|e| e.name == name) {
                if step.exact() {
                    let (file, range) = step.span(name_start..name_start + name.len());
                    references.push(Reference {
                        file,
                        range,
                        destination: Destination::Endpoint(k),
                    });
                }
                continue;
            }
            out.push(step.diag(
                codes::DIAL_UNKNOWN_ENDPOINT,
                format!(
                    "`{}` dials endpoint `{}`, which pjsip.conf does not define",
                    entry.name,
                    show(name)
                ),
                name_start..name_start + name.len(),
            ));
        }
    }
}

fn strip_tech<'t>(target: &'t [u8], tech: &[u8]) -> Option<&'t [u8]> {
    let t = target.trim_ascii();
    (t.len() >= tech.len() && t[..tech.len()].eq_ignore_ascii_case(tech)).then(|| &t[tech.len()..])
}
