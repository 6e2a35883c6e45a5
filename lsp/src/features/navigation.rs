//! Go to definition, find references and rename, over the analysis's index: contexts (every
//! section of the name), extensions, labels; `#include` arguments lead to the file.

use std::collections::HashMap;

use tower_lsp_server::ls_types as ls;

use crate::analysis::Symbol;
use crate::world::World;

pub fn definition(world: &mut World, uri: &ls::Uri, at: ls::Position) -> Option<Vec<ls::Location>> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let offset = world.lines(a, view.file).offset(at);
    let index = world.symbols(a);
    // `#include "file"` leads to the file; `#include "parts/*.conf"` to each file it read.
    if let Some((_, _, path)) = index
        .includes
        .iter()
        .find(|(f, r, _)| *f == view.file && r.start as usize <= offset && offset <= r.end as usize)
    {
        let pattern = path.to_string_lossy();
        if !pattern.contains(['*', '?', '[', '{']) {
            return Some(vec![ls::Location {
                uri: World::uri(path)?,
                range: ls::Range::default(),
            }]);
        }
        let mut files: Vec<std::path::PathBuf> = a
            .sources
            .iter()
            .map(|(_, f)| crate::analysis::normalize(&f.path))
            .filter(|f| glob_matches(&pattern, f))
            .collect();
        files.sort();
        files.dedup();
        return Some(
            files
                .iter()
                .filter_map(|f| {
                    Some(ls::Location {
                        uri: World::uri(f)?,
                        range: ls::Range::default(),
                    })
                })
                .collect(),
        );
    }
    let (symbol, _) = index.symbol_at(view.file, offset)?;
    let mut out = Vec::new();
    for d in index.definitions_of(&symbol) {
        // An extension is defined by its first line; later lines add priorities.
        if matches!(symbol, Symbol::Extension { .. }) && !out.is_empty() {
            break;
        }
        out.extend(world.location(a, d.file, d.name));
    }
    Some(out)
}

/// Whether `path` is one of the files the `#include` glob `pattern` names: component by
/// component, as `glob(3)` matches them (`{a,b}` alternatives, `*`, `?`, `[...]`).
fn glob_matches(pattern: &str, path: &std::path::Path) -> bool {
    pbxc_config::glob::expand_braces(pattern).iter().any(|one| {
        let wanted: Vec<_> = std::path::Path::new(one).components().collect();
        let got: Vec<_> = path.components().collect();
        wanted.len() == got.len()
            && wanted.iter().zip(&got).all(|(w, g)| {
                pbxc_config::glob::component_matches(
                    w.as_os_str().as_encoded_bytes(),
                    g.as_os_str().as_encoded_bytes(),
                )
            })
    })
}

pub fn references(
    world: &mut World,
    uri: &ls::Uri,
    at: ls::Position,
    include_declaration: bool,
) -> Option<Vec<ls::Location>> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let offset = world.lines(a, view.file).offset(at);
    let index = world.symbols(a);
    let (symbol, _) = index.symbol_at(view.file, offset)?;
    let mut out = Vec::new();
    if include_declaration {
        for d in index.definitions_of(&symbol) {
            out.extend(world.location(a, d.file, d.name));
        }
    }
    for u in index.uses_of(&symbol) {
        out.extend(world.location(a, u.file, u.range));
    }
    Some(out)
}

/// Contexts and labels can be renamed; the range is the name under the cursor.
pub fn prepare_rename(
    world: &mut World,
    uri: &ls::Uri,
    at: ls::Position,
) -> Option<ls::PrepareRenameResponse> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let lines = world.lines(a, view.file);
    let offset = lines.offset(at);
    let (symbol, range) = world.symbols(a).symbol_at(view.file, offset)?;
    if !matches!(symbol, Symbol::Context(_) | Symbol::Label { .. }) {
        return None;
    }
    // Only a name written out in full can be renamed (not one built from `${...}`).
    if view.text.get(range.as_range())? != symbol.name() {
        return None;
    }
    Some(ls::PrepareRenameResponse::Range(lines.range(range)))
}

/// Why `symbol` cannot be renamed `new_name`, if it cannot: a name Asterisk would cut or
/// read otherwise where the dialplan names it, or one that another context (or another label
/// of the same extension) has already, which would silently send its calls elsewhere.
fn refused(index: &crate::analysis::Index, symbol: &Symbol, new_name: &str) -> Option<String> {
    let what = match symbol {
        Symbol::Context(_) => "context",
        Symbol::Label { .. } => "label",
        _ => return Some("only contexts and labels can be renamed".into()),
    };
    // Cut by the line or the argument list (`[ ] , ; ( ) |`, blanks), by `Local/exten@context/n`
    // (`@ /`), or substituted or unquoted at run time (`$ { } " \`).
    let cut = new_name.bytes().any(|c| {
        c <= b' '
            || matches!(
                c,
                b'[' | b']'
                    | b','
                    | b';'
                    | b'('
                    | b')'
                    | b'|'
                    | b'@'
                    | b'/'
                    | b'$'
                    | b'{'
                    | b'}'
                    | b'"'
                    | b'\\'
            )
    });
    if new_name.is_empty() || cut {
        return Some(format!(
            "`{new_name}` cannot be a {what} name: no blanks, brackets, braces, parentheses, quotes, commas, `|`, `;`, `@`, `/`, `$` or `\\`"
        ));
    }
    let new = new_name.as_bytes().to_vec();
    if new == symbol.name() {
        return None;
    }
    match symbol {
        // `Goto(s,2x)` reads a priority that starts with a number (`sscanf("%d")`), and one
        // that starts with `+` or `-` as a jump relative to the current one.
        Symbol::Label { .. } if new[0] == b'+' || new[0] == b'-' || new[0].is_ascii_digit() => {
            Some(format!(
                "`{new_name}` cannot be a label: Goto and Gosub would read it as a priority number"
            ))
        }
        Symbol::Context(_)
            if index
                .definitions_of(&Symbol::Context(new.clone()))
                .next()
                .is_some() =>
        {
            Some(format!(
                "a context `{new_name}` exists already: the two would become one"
            ))
        }
        Symbol::Label {
            context, extension, ..
        } if index
            .definitions_of(&Symbol::Label {
                context: context.clone(),
                extension: extension.clone(),
                label: new,
            })
            .next()
            .is_some() =>
        {
            Some(format!(
                "extension `{}` of `{}` has a label `{new_name}` already",
                String::from_utf8_lossy(extension),
                String::from_utf8_lossy(context)
            ))
        }
        _ => None,
    }
}

pub fn rename(
    world: &mut World,
    uri: &ls::Uri,
    at: ls::Position,
    new_name: &str,
) -> Result<Option<ls::WorkspaceEdit>, String> {
    let Some(view) = world.view(uri) else {
        return Ok(None);
    };
    let a = &view.analysis;
    let offset = world.lines(a, view.file).offset(at);
    let index = world.symbols(a);
    let Some((symbol, _)) = index.symbol_at(view.file, offset) else {
        return Ok(None);
    };
    if let Some(why) = refused(index, &symbol, new_name) {
        return Err(why);
    }
    let mut changes: HashMap<ls::Uri, Vec<ls::TextEdit>> = HashMap::new();
    let mut edit = |file, range: pbxc_diagnostics::TextRange| {
        let source = a.sources.get(file);
        // Names built from `${...}` or split by a comment are left alone.
        if source.text.get(range.as_range()) != Some(symbol.name()) {
            return;
        }
        if let Some(location) = world.location(a, file, range) {
            let edits = changes.entry(location.uri).or_default();
            if !edits.iter().any(|e| e.range == location.range) {
                edits.push(ls::TextEdit {
                    range: location.range,
                    new_text: new_name.to_string(),
                });
            }
        }
    };
    for d in index.definitions_of(&symbol) {
        edit(d.file, d.name);
    }
    for u in index.uses_of(&symbol) {
        edit(u.file, u.range);
    }
    Ok(Some(ls::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }))
}
