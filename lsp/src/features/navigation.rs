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
    // `#include "file"` leads to the file.
    if let Some((_, _, path)) = index
        .includes
        .iter()
        .find(|(f, r, _)| *f == view.file && r.start as usize <= offset && offset <= r.end as usize)
    {
        return Some(vec![ls::Location {
            uri: World::uri(path)?,
            range: ls::Range::default(),
        }]);
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
    let valid = !new_name.is_empty()
        && !new_name
            .bytes()
            .any(|c| matches!(c, b'[' | b']' | b',' | b';' | b'(' | b')' | b'|') || c <= b' ');
    let what = match symbol {
        Symbol::Context(_) => "context",
        Symbol::Label { .. } => "label",
        _ => return Err("only contexts and labels can be renamed".into()),
    };
    if !valid {
        return Err(format!(
            "`{new_name}` cannot be a {what} name: no blanks, brackets, parentheses, commas, `|` or `;`"
        ));
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
