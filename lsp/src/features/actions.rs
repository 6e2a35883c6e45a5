//! Code actions: every fix a diagnostic carries (`NoOp (x)` → `NoOp(x)`, `_[2,3]` → `_[23]`,
//! FILTER() around caller-controlled data, a misspelt application, …) as a quick fix, and
//! rewriting a `Macro` call as the `Gosub` that replaces it.

use std::collections::HashMap;

use pbxc_diagnostics::TextRange;
use tower_lsp_server::ls_types as ls;

use super::show;
use crate::analysis::Analysis;
use crate::world::World;

pub fn code_actions(
    world: &mut World,
    uri: &ls::Uri,
    range: ls::Range,
) -> Option<Vec<ls::CodeActionOrCommand>> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let lines = world.lines(a, view.file);
    // A client may send the range backwards.
    let (from, to) = (lines.offset(range.start), lines.offset(range.end));
    let wanted = TextRange::new(from.min(to), from.max(to));
    let overlaps = |r: TextRange| r.start <= wanted.end && wanted.start <= r.end;
    let mut out = Vec::new();
    for d in &a.diagnostics {
        if d.primary.file != view.file || !overlaps(d.primary.range) {
            continue;
        }
        let Some(fix) = &d.fix else { continue };
        let Some(edit) = workspace_edit(
            world,
            a,
            fix.edits
                .iter()
                .map(|e| (e.file, e.range, e.replacement.clone())),
        ) else {
            continue;
        };
        out.push(ls::CodeActionOrCommand::CodeAction(ls::CodeAction {
            title: fix.description.clone(),
            kind: Some(ls::CodeActionKind::QUICKFIX),
            diagnostics: super::diagnostics::convert(world.encoding, a, d).map(|d| vec![d]),
            edit: Some(edit),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    out.extend(macro_to_gosub(world, a, view.file, wanted));
    Some(out)
}

fn workspace_edit(
    world: &World,
    a: &Analysis,
    edits: impl Iterator<Item = (pbxc_diagnostics::FileId, TextRange, String)>,
) -> Option<ls::WorkspaceEdit> {
    let mut changes: HashMap<ls::Uri, Vec<ls::TextEdit>> = HashMap::new();
    for (file, range, new_text) in edits {
        let location = world.location(a, file, range)?;
        changes.entry(location.uri).or_default().push(ls::TextEdit {
            range: location.range,
            new_text,
        });
    }
    Some(ls::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// `Macro(name,a,b)` → `Gosub(macro-name,s,1(a,b))`: Macro runs `s` of context
/// `macro-name` with the arguments in `${ARG1}`…, as Gosub does; the macro's `MacroExit`
/// lines become `Return`, and a `Return` ends its `s` extension if nothing did.
fn macro_to_gosub(
    world: &World,
    a: &Analysis,
    file: pbxc_diagnostics::FileId,
    wanted: TextRange,
) -> Vec<ls::CodeActionOrCommand> {
    let mut out = Vec::new();
    for checked in &a.dialplans {
        let plan = &checked.plan;
        for ctx in &plan.contexts {
            for ext in &ctx.extensions {
                for p in &ext.priorities {
                    if !p.app.trim_ascii().eq_ignore_ascii_case(b"Macro") {
                        continue;
                    }
                    let (Some(app), Some(data)) = (p.app_origin, p.data_origin) else {
                        continue;
                    };
                    if app.file != file
                        || !(app.range.start <= wanted.end && wanted.start <= p.origin.range.end)
                    {
                        continue;
                    }
                    let mut parts = p.data.splitn(2, |&c| c == b',');
                    let name = parts.next().unwrap_or_default().trim_ascii();
                    if name.is_empty() || name.contains(&b'$') {
                        continue;
                    }
                    let args = parts.next();
                    let target = format!(
                        "macro-{},s,1{}",
                        show(name),
                        args.map(|a| format!("({})", show(a))).unwrap_or_default()
                    );
                    let mut edits = vec![
                        (app.file, app.range, "Gosub".to_string()),
                        (data.file, data.range, target),
                    ];
                    // The macro's own body: MacroExit → Return, and a final Return.
                    let macro_name = [b"macro-".as_slice(), name].concat();
                    if let Some(body) = plan.context(&macro_name)
                        && let Some(s) = body.extensions.iter().find(|e| e.name == b"s")
                    {
                        for q in &s.priorities {
                            if q.app.trim_ascii().eq_ignore_ascii_case(b"MacroExit")
                                && let Some(o) = q.app_origin
                            {
                                edits.push((o.file, o.range, "Return".into()));
                            }
                        }
                        if let Some(last) = s.priorities.last()
                            && !last.app.trim_ascii().eq_ignore_ascii_case(b"Return")
                            && !last.app.trim_ascii().eq_ignore_ascii_case(b"MacroExit")
                        {
                            let end = last.origin.range.end as usize;
                            let text = &a.sources.get(last.origin.file).text;
                            let eol = text[end..]
                                .iter()
                                .position(|&c| c == b'\n')
                                .map_or(text.len(), |i| end + i + 1);
                            let newline = if eol == text.len() && !text.ends_with(b"\n") {
                                "\n"
                            } else {
                                ""
                            };
                            edits.push((
                                last.origin.file,
                                TextRange::empty(eol),
                                format!("{newline}same => n,Return()\n"),
                            ));
                        }
                    }
                    if let Some(edit) = workspace_edit(world, a, edits.into_iter()) {
                        out.push(ls::CodeActionOrCommand::CodeAction(ls::CodeAction {
                            title: format!(
                                "rewrite `Macro({})` as `Gosub(macro-{},s,1(…))`",
                                show(name),
                                show(name)
                            ),
                            kind: Some(ls::CodeActionKind::REFACTOR_REWRITE),
                            edit: Some(edit),
                            ..Default::default()
                        }));
                    }
                }
            }
        }
    }
    out
}
