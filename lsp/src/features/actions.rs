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
        let Some(fix) = d.fix.as_ref().filter(|f| !f.edits.is_empty()) else {
            continue;
        };
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
            // Allowing digits only is a judgement: an editor's fix-all must not apply it.
            is_preferred: Some(d.code.id != pbxc_check::codes::TAINTED_DATA.id),
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
/// `macro-name` with the arguments in `${ARG1}`…, as Gosub does. The body is shared, so every
/// call of the macro is rewritten in the same edit, the macro's `MacroExit` lines become
/// `Return`, and a `Return` ends its `s` extension if nothing did. Offered only when that
/// keeps every call working: no call of it is computed or written across a comment, no
/// `Macro(${...})` could reach it, no Dial `M(...)` option runs it, and its body does not
/// read the `MACRO_*` variables Gosub does not set.
fn macro_to_gosub(
    world: &World,
    a: &Analysis,
    file: pbxc_diagnostics::FileId,
    wanted: TextRange,
) -> Vec<ls::CodeActionOrCommand> {
    let is = |p: &pbxc_dialplan::Priority, app: &[u8]| p.app.trim_ascii().eq_ignore_ascii_case(app);
    let name_of = |p: &pbxc_dialplan::Priority| -> Vec<u8> {
        p.data
            .split(|&c| c == b',')
            .next()
            .unwrap_or_default()
            .trim_ascii()
            .to_vec()
    };
    let mut out = Vec::new();
    for checked in &a.dialplans {
        let plan = &checked.plan;
        let priorities = || {
            plan.contexts
                .iter()
                .flat_map(|c| &c.extensions)
                .flat_map(|e| &e.priorities)
        };
        // The call under the cursor.
        let Some(here) = priorities().find(|p| {
            is(p, b"Macro")
                && p.origin.file == file
                && p.origin.range.start <= wanted.end
                && wanted.start <= p.origin.range.end
        }) else {
            continue;
        };
        let name = name_of(here);
        if name.is_empty() || name.contains(&b'$') {
            continue;
        }
        let calls: Vec<&pbxc_dialplan::Priority> = priorities()
            .filter(|p| is(p, b"Macro") && name_of(p) == name)
            .collect();
        let computed = priorities().any(|p| is(p, b"Macro") && name_of(p).contains(&b'$'));
        let dial_option = [b"M(".as_slice(), &name].concat();
        let by_option = priorities().any(|p| {
            !is(p, b"Macro") && p.data.windows(dial_option.len()).any(|w| w == dial_option)
        });
        let macro_name = [b"macro-".as_slice(), &name].concat();
        let body = plan.context(&macro_name);
        let body_s = body.and_then(|b| b.extensions.iter().find(|e| *e.name == *b"s"));
        // A body that does not end in a Return needs one after its last priority (a Macro
        // returns when the body runs out, a Gosub does not); past the largest number there
        // is no place for it, and then no rewrite is offered.
        let no_room_for_return = body_s
            .and_then(|s| s.priorities.iter().max_by_key(|p| p.number))
            .is_some_and(|top| {
                !is(top, b"Return") && !is(top, b"MacroExit") && top.number.checked_add(1).is_none()
            });
        let reads_macro_variables = body.is_some_and(|b| {
            b.extensions
                .iter()
                .flat_map(|e| &e.priorities)
                .any(|p| p.data.windows(7).any(|w| w == b"{MACRO_"))
        });
        if computed
            || by_option
            || reads_macro_variables
            || no_room_for_return
            || calls
                .iter()
                .any(|p| p.app_origin.is_none() || p.data_origin.is_none())
        {
            continue;
        }
        let mut edits = Vec::new();
        for call in &calls {
            let (Some(app), Some(data)) = (call.app_origin, call.data_origin) else {
                continue;
            };
            let args = call.data.splitn(2, |&c| c == b',').nth(1);
            let target = format!(
                "macro-{},s,1{}",
                show(&name),
                args.map(|a| format!("({})", show(a))).unwrap_or_default()
            );
            edits.push((app.file, app.range, "Gosub".to_string()));
            edits.push((data.file, data.range, target));
        }
        if let Some(s) = body_s {
            for q in &s.priorities {
                if is(q, b"MacroExit")
                    && let Some(o) = q.app_origin
                {
                    edits.push((o.file, o.range, "Return".into()));
                }
            }
            // After the extension's last line in the file, with the next free number.
            let last_number = s.priorities.iter().max_by_key(|p| p.number);
            let last_line = s
                .priorities
                .iter()
                .max_by_key(|p| (p.origin.file.0, p.origin.range.end));
            if let (Some(top), Some(line)) = (last_number, last_line)
                && !is(top, b"Return")
                && !is(top, b"MacroExit")
                && let Some(next) = top.number.checked_add(1)
            {
                let end = line.origin.range.end as usize;
                let text = &a.sources.get(line.origin.file).text;
                let eol = text[end.min(text.len())..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(text.len(), |i| end + i + 1);
                let newline = if eol == text.len() && !text.ends_with(b"\n") {
                    "\n"
                } else {
                    ""
                };
                edits.push((
                    line.origin.file,
                    TextRange::empty(eol),
                    format!("{newline}exten => s,{next},Return()\n"),
                ));
            }
        }
        if let Some(edit) = workspace_edit(world, a, edits.into_iter()) {
            let n = calls.len();
            out.push(ls::CodeActionOrCommand::CodeAction(ls::CodeAction {
                title: format!(
                    "rewrite `Macro({})` as `Gosub(macro-{},s,1(…))` ({n} call{})",
                    show(&name),
                    show(&name),
                    if n == 1 { "" } else { "s" }
                ),
                kind: Some(ls::CodeActionKind::REFACTOR_REWRITE),
                edit: Some(edit),
                ..Default::default()
            }));
        }
    }
    out
}
