//! Completion, by where the cursor is on its line: the keys of a context (`exten =>`, …),
//! applications with argument snippets, functions and variables after `${`, contexts after
//! `include =>` and in an application's arguments (with the extensions and labels a jump
//! there can take), pjsip option names in pjsip.conf.

use tower_lsp_server::ls_types as ls;

use super::show;
use crate::analysis::{Analysis, Symbol};
use crate::world::World;

pub fn completion(
    world: &mut World,
    uri: &ls::Uri,
    at: ls::Position,
) -> Option<Vec<ls::CompletionItem>> {
    let path = uri.to_file_path()?.into_owned();
    let view = world.view(uri)?;
    let a = &view.analysis;
    let offset = world.lines(a, view.file).offset(at);
    let text = &view.text;
    let line_start = text[..offset]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    // In a comment nothing is offered.
    if super::comment_start(before).is_some() {
        return None;
    }
    let catalog = pbxc_stdlib::catalog();
    let version = world.catalog_version();

    // After `${` (the innermost one still open): functions and variables.
    if let Some(open) = before.windows(2).rposition(|w| w == b"${")
        && !before[open..].contains(&b'}')
    {
        let mut items: Vec<ls::CompletionItem> = catalog
            .functions()
            .filter(|e| e.in_version(version))
            .map(|e| ls::CompletionItem {
                label: e.name.clone(),
                kind: Some(ls::CompletionItemKind::FUNCTION),
                detail: Some(e.signature()),
                documentation: Some(doc(&e.summary)),
                insert_text: Some(format!("{}($1)", e.name)),
                insert_text_format: Some(ls::InsertTextFormat::SNIPPET),
                ..Default::default()
            })
            .collect();
        items.extend(
            variables(a)
                .into_iter()
                .map(|(name, detail)| ls::CompletionItem {
                    label: name,
                    kind: Some(ls::CompletionItemKind::VARIABLE),
                    detail: Some(detail),
                    ..Default::default()
                }),
        );
        return Some(items);
    }

    let is_pjsip = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("pjsip"));
    let dialplan = a.is_dialplan_file(view.file)
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("extensions"));
    let trimmed = before.trim_ascii_start();
    let Some(arrow) = trimmed
        .windows(2)
        .position(|w| w == b"=>")
        .or_else(|| trimmed.iter().position(|&c| c == b'='))
    else {
        // The start of a line: the key.
        if is_pjsip {
            let kind = section_type(text, line_start);
            return Some(
                pjsip_options(kind.as_deref())
                    .into_iter()
                    .map(|o| keyword(o, &format!("{o} = ")))
                    .collect(),
            );
        }
        if dialplan {
            return Some(
                [
                    ("exten", "exten => ${1:s},${2:1},${3:NoOp}(${4})"),
                    ("same", "same => n,${1:NoOp}(${2})"),
                    ("include", "include => ${1:context}"),
                    ("switch", "switch => ${1:Realtime/context@table}"),
                    ("ignorepat", "ignorepat => ${1:9}"),
                ]
                .iter()
                .map(|(k, snippet)| keyword(k, snippet))
                .collect(),
            );
        }
        return None;
    };
    let key = trimmed[..arrow].trim_ascii().to_ascii_lowercase();
    let value = &trimmed[arrow..];
    let value = value
        .strip_prefix(b"=>")
        .or(value.strip_prefix(b"="))
        .unwrap_or(value);

    if is_pjsip && key == b"context" {
        return Some(contexts(a));
    }
    if !dialplan {
        return None;
    }
    match key.as_slice() {
        b"include" => Some(contexts(a)),
        b"exten" | b"same" => {
            let fields_before = value.iter().filter(|&&c| c == b',').count();
            let app_field = if key == b"exten" { 2 } else { 1 };
            // The application and its arguments: after the priority (whose label, `n(x)`,
            // has parentheses of its own).
            let app_text = value
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c == b',')
                .nth(app_field - 1)
                .map(|(i, _)| &value[i + 1..])?;
            let opened = app_text.iter().filter(|&&c| c == b'(').count();
            let closed = app_text.iter().filter(|&&c| c == b')').count();
            let in_args = opened > closed;
            if opened > 0 && !in_args {
                // After the closing parenthesis.
                return None;
            }
            if fields_before == app_field && !in_args {
                return Some(
                    catalog
                        .applications()
                        .filter(|e| e.in_version(version))
                        .map(application_item)
                        .collect(),
                );
            }
            if in_args {
                let here = location(world, a, view.file, offset);
                return Some(arguments(a, app_text, here));
            }
            None
        }
        _ => None,
    }
}

/// The options of a pjsip.conf object of type `kind`; of every type when it is not known
/// (no `type=` yet, or one set by a template).
fn pjsip_options(kind: Option<&[u8]>) -> Vec<&'static str> {
    use super::pjsip_options::PJSIP_OPTIONS;
    let known = kind.and_then(|k| {
        PJSIP_OPTIONS
            .iter()
            .find(|(t, _)| t.as_bytes().eq_ignore_ascii_case(k))
    });
    let mut names: Vec<&str> = match known {
        Some((_, options)) => options.to_vec(),
        None => PJSIP_OPTIONS
            .iter()
            .flat_map(|(_, o)| o.iter().copied())
            .collect(),
    };
    names.sort_unstable();
    names.dedup();
    names
}

/// The `type=` of the section the line starting at `line_start` is in: looked for from the
/// section's header to the next one.
fn section_type(text: &[u8], line_start: usize) -> Option<Vec<u8>> {
    let header = text[..line_start]
        .split(|&c| c == b'\n')
        .enumerate()
        .filter(|(_, l)| l.trim_ascii_start().starts_with(b"["))
        .map(|(i, _)| i)
        .last()?;
    text.split(|&c| c == b'\n')
        .skip(header + 1)
        .take_while(|l| !l.trim_ascii_start().starts_with(b"["))
        .find_map(|l| {
            let eq = l.iter().position(|&c| c == b'=')?;
            let (key, value) = (&l[..eq], &l[eq + 1..]);
            let value = value.strip_prefix(b">").unwrap_or(value);
            let value = value.split(|&c| c == b';').next().unwrap_or_default();
            key.trim_ascii()
                .eq_ignore_ascii_case(b"type")
                .then(|| value.trim_ascii().to_vec())
        })
}

fn doc(text: &str) -> ls::Documentation {
    ls::Documentation::MarkupContent(ls::MarkupContent {
        kind: ls::MarkupKind::Markdown,
        value: text.to_string(),
    })
}

fn keyword(label: &str, snippet: &str) -> ls::CompletionItem {
    ls::CompletionItem {
        label: label.to_string(),
        kind: Some(ls::CompletionItemKind::KEYWORD),
        insert_text: Some(snippet.to_string()),
        insert_text_format: Some(ls::InsertTextFormat::SNIPPET),
        ..Default::default()
    }
}

/// `Dial(${1:targets}${2:,${3:timeout}${4:,${5:options}${6:,${7:url}}}})`: a tab stop per
/// parameter. An optional one is a stop of its own around its comma and everything after
/// it, so that one key deletes it and the ones after it (arguments are positional: options
/// cannot stay where the timeout was), and a stop inside for its value.
fn application_item(e: &pbxc_stdlib::Entry) -> ls::CompletionItem {
    let snippet = match &e.params {
        Some(params) if !params.is_empty() => {
            // `Set(name=)` empties the variable, but `Set(name)` is refused: the `=` stays.
            let set = e.split == pbxc_stdlib::Split::Set;
            let sep = if set { "=" } else { "," };
            let mut stop = 0;
            let mut body = String::new();
            let mut open_groups = 0;
            for (i, p) in params.iter().enumerate() {
                let name = snippet_text(&p.name);
                stop += 1;
                let sep = if i == 0 { "" } else { sep };
                if p.optional && i > 0 && !set {
                    body += &format!("${{{stop}:{sep}${{{}:{name}}}", stop + 1);
                    stop += 1;
                    open_groups += 1;
                } else {
                    body += &format!("{sep}${{{stop}:{name}}}");
                }
            }
            body.extend(std::iter::repeat_n('}', open_groups));
            format!("{}({body})", e.name)
        }
        _ => format!("{}($1)", e.name),
    };
    ls::CompletionItem {
        label: e.name.clone(),
        kind: Some(ls::CompletionItemKind::FUNCTION),
        detail: Some(e.signature()),
        documentation: Some(doc(&e.summary)),
        insert_text: Some(snippet),
        insert_text_format: Some(ls::InsertTextFormat::SNIPPET),
        deprecated: e.removed.is_some().then_some(true),
        ..Default::default()
    }
}

/// `text` as a snippet placeholder's text: `$`, `}` and `\\` escaped.
fn snippet_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn contexts(a: &Analysis) -> Vec<ls::CompletionItem> {
    let mut names: Vec<&[u8]> = a
        .dialplans
        .iter()
        .flat_map(|c| c.plan.contexts.iter().map(|x| x.name.as_slice()))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| ls::CompletionItem {
            label: show(n),
            kind: Some(ls::CompletionItemKind::MODULE),
            detail: Some("context".into()),
            ..Default::default()
        })
        .collect()
}

/// In an application's arguments (`app_text` runs from the application's name to the
/// cursor): the places a jump can name, by what the place being written has so far.
/// `Goto(` offers contexts, the current context's extensions and the current extension's
/// labels; `Goto(sub,` the extensions of `sub` (or, when `sub` is an extension here, its
/// labels); `Goto(sub,s,` the labels of `s` in `sub`. A place starts after the `(`, or after
/// the `?` or `:` of GotoIf's branches.
fn arguments(
    a: &Analysis,
    app_text: &[u8],
    here: Option<(Vec<u8>, Option<Vec<u8>>)>,
) -> Vec<ls::CompletionItem> {
    let start = app_text
        .iter()
        .rposition(|&c| matches!(c, b'(' | b'?' | b':'))
        .map_or(0, |i| i + 1);
    let written: Vec<&[u8]> = app_text[start..]
        .split(|&c| c == b',')
        .map(<[u8]>::trim_ascii)
        .collect();
    let done = &written[..written.len() - 1];
    let (context, extension) = here.unzip();
    let extension = extension.flatten();
    match done {
        [] => {
            let mut items = contexts(a);
            if let Some(context) = &context {
                items.extend(targets_in(a, context, extension.as_deref()));
            }
            items
        }
        [first] => {
            let mut items = Vec::new();
            if has_context(a, first) {
                items.extend(targets_in(a, first, None));
            }
            if let Some(context) = &context {
                items.extend(labels_of(a, context, first));
            }
            items
        }
        [context, extension, ..] => labels_of(a, context, extension),
    }
}

fn has_context(a: &Analysis, name: &[u8]) -> bool {
    a.dialplans.iter().any(|c| c.plan.context(name).is_some())
}

/// The labels of extension `extension` of `context`.
fn labels_of(a: &Analysis, context: &[u8], extension: &[u8]) -> Vec<ls::CompletionItem> {
    let mut items = Vec::new();
    for checked in &a.dialplans {
        let Some(ctx) = checked.plan.context(context) else {
            continue;
        };
        for e in ctx.extensions.iter().filter(|e| *e.name == *extension) {
            for p in &e.priorities {
                if let Some(l) = &p.label {
                    items.push(ls::CompletionItem {
                        label: show(l),
                        kind: Some(ls::CompletionItemKind::REFERENCE),
                        detail: Some(format!(
                            "label of {}@{}, priority {}",
                            show(extension),
                            show(context),
                            p.number
                        )),
                        ..Default::default()
                    });
                }
            }
        }
    }
    items
}

/// Extensions of `context` and labels of its `extension`.
fn targets_in(a: &Analysis, context: &[u8], extension: Option<&[u8]>) -> Vec<ls::CompletionItem> {
    let mut items = Vec::new();
    for checked in &a.dialplans {
        let Some(ctx) = checked.plan.context(context) else {
            continue;
        };
        for e in &ctx.extensions {
            items.push(ls::CompletionItem {
                label: show(&e.name),
                kind: Some(ls::CompletionItemKind::CONSTANT),
                detail: Some(format!("extension of {}", show(context))),
                ..Default::default()
            });
            if Some(&e.name[..]) == extension {
                for p in &e.priorities {
                    if let Some(l) = &p.label {
                        items.push(ls::CompletionItem {
                            label: show(l),
                            kind: Some(ls::CompletionItemKind::REFERENCE),
                            detail: Some(format!("label, priority {}", p.number)),
                            ..Default::default()
                        });
                    }
                }
            }
        }
    }
    items
}

/// The context (section) and extension the line at `offset` belongs to, from the index's
/// definitions of the file (in file order).
fn location(
    world: &World,
    a: &Analysis,
    file: pbxc_diagnostics::FileId,
    offset: usize,
) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let mut context = None;
    let mut extension = None;
    for d in world
        .symbols(a)
        .definitions
        .iter()
        .filter(|d| d.file == file)
    {
        if d.statement.start as usize > offset {
            break;
        }
        match &d.symbol {
            Symbol::Context(name) => {
                context = Some(name.clone());
                extension = None;
            }
            Symbol::Section(_) | Symbol::Endpoint(_) => {
                context = None;
                extension = None;
            }
            Symbol::Extension { name, .. } => extension = Some(name.clone()),
            Symbol::Label { .. } => {}
        }
    }
    Some((context?, extension))
}

/// Variables worth offering: globals, what the dialplan sets, Asterisk's own.
fn variables(a: &Analysis) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for checked in &a.dialplans {
        for g in &checked.plan.globals {
            out.push((show(&g.name), format!("global = {}", show(&g.value))));
        }
        for ctx in &checked.plan.contexts {
            for ext in &ctx.extensions {
                for p in &ext.priorities {
                    if p.app.trim_ascii().eq_ignore_ascii_case(b"Set") {
                        let name = p
                            .data
                            .split(|&c| c == b'=')
                            .next()
                            .unwrap_or_default()
                            .trim_ascii();
                        let name = name
                            .strip_prefix(b"__")
                            .or(name.strip_prefix(b"_"))
                            .unwrap_or(name);
                        if !name.is_empty() && !name.contains(&b'(') && !name.contains(&b'$') {
                            out.push((show(name), "channel variable".into()));
                        }
                    }
                }
            }
        }
    }
    for (name, doc) in super::hover::BUILTIN_VARIABLES {
        if !name.contains('(') {
            out.push((name.to_string(), doc.to_string()));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(app: &str) -> String {
        let e = pbxc_stdlib::catalog().application(app).unwrap();
        application_item(e).insert_text.unwrap()
    }

    #[test]
    fn every_parameter_has_a_tab_stop_and_optional_ones_delete_with_those_after() {
        for (app, expected) in [
            (
                "Dial",
                "Dial(${1:targets}${2:,${3:timeout}${4:,${5:options}${6:,${7:url}}}})",
            ),
            ("Set", "Set(${1:name}=${2:value})"),
            ("Answer", "Answer(${1:delay}${2:,${3:options}})"),
        ] {
            assert_eq!(snippet(app), expected, "{app}");
        }
    }

    #[test]
    fn placeholder_text_is_escaped() {
        assert_eq!(snippet_text("a$b}c\\d"), "a\\$b\\}c\\\\d");
    }
}
