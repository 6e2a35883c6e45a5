//! Document symbols (contexts › extensions › labels; sections of other files) and workspace
//! symbols (contexts and extensions of every analysis covering an open file, and of each
//! workspace folder that is a configuration directory, open or not).

use std::collections::HashMap;

use tower_lsp_server::ls_types as ls;

use super::show;
use crate::analysis::{Definition, Symbol};
use crate::world::World;

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
fn symbol(world: &World, a: &crate::analysis::Analysis, d: &Definition) -> ls::DocumentSymbol {
    let lines = world.lines(a, d.file);
    let (kind, detail) = match &d.symbol {
        Symbol::Context(_) => (ls::SymbolKind::NAMESPACE, Some("context".to_string())),
        Symbol::Extension { .. } => (ls::SymbolKind::FUNCTION, Some("extension".to_string())),
        Symbol::Label { .. } => (ls::SymbolKind::KEY, Some("label".to_string())),
        Symbol::Section(_) => (ls::SymbolKind::STRUCT, None),
        Symbol::Endpoint(_) => (ls::SymbolKind::STRUCT, Some("endpoint".to_string())),
    };
    let name = show(d.symbol.name());
    ls::DocumentSymbol {
        name: if name.is_empty() {
            "(empty)".into()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: lines.range(d.statement.cover(d.name)),
        selection_range: lines.range(d.name),
        children: None,
    }
}

pub fn document_symbols(world: &mut World, uri: &ls::Uri) -> Option<Vec<ls::DocumentSymbol>> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let index = world.symbols(a);
    let mut out: Vec<ls::DocumentSymbol> = Vec::new();
    // Definitions of one file come in file order: a section, its extensions, their labels.
    // Each extension of the current section, by name: its place among the section's
    // children (FreePBX writes contexts of thousands of extensions).
    let mut seen_extensions: HashMap<&[u8], usize> = HashMap::new();
    for d in index.definitions.iter().filter(|d| d.file == view.file) {
        let s = symbol(world, a, d);
        match &d.symbol {
            Symbol::Context(_) | Symbol::Section(_) | Symbol::Endpoint(_) => {
                out.push(s);
                seen_extensions.clear();
            }
            Symbol::Extension { name, .. } => {
                let Some(section) = out.last_mut() else {
                    continue;
                };
                let children = section.children.get_or_insert_with(Vec::new);
                // Later lines of an extension add priorities; the first names it.
                if let Some(&i) = seen_extensions.get(&name[..]) {
                    let ext = &mut children[i];
                    ext.range.end = s.range.end.max(ext.range.end);
                    section.range.end = s.range.end.max(section.range.end);
                    continue;
                }
                seen_extensions.insert(name, children.len());
                section.range.end = s.range.end.max(section.range.end);
                children.push(s);
            }
            Symbol::Label { extension, .. } => {
                let Some(section) = out.last_mut() else {
                    continue;
                };
                section.range.end = s.range.end.max(section.range.end);
                let Some(&i) = seen_extensions.get(&extension[..]) else {
                    continue;
                };
                let Some(children) = section.children.as_mut() else {
                    continue;
                };
                let ext = &mut children[i];
                ext.range.end = s.range.end.max(ext.range.end);
                ext.children.get_or_insert_with(Vec::new).push(s);
            }
        }
    }
    Some(out)
}

#[allow(deprecated)] // `SymbolInformation::deprecated` must still be written.
pub fn workspace_symbols(
    world: &mut World,
    query: &str,
    open: &[std::path::PathBuf],
) -> Vec<ls::SymbolInformation> {
    let query = query.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut analyses: Vec<std::sync::Arc<crate::analysis::Analysis>> = Vec::new();
    let mut found: Vec<_> = open.iter().map(|path| world.analysis_for(path)).collect();
    for dir in world.folders().to_vec() {
        found.extend(world.folder_analysis(&dir));
    }
    for a in found {
        if !analyses.iter().any(|b| std::sync::Arc::ptr_eq(b, &a)) {
            analyses.push(a);
        }
    }
    for a in &analyses {
        let index = world.symbols(a);
        for d in &index.definitions {
            if !matches!(d.symbol, Symbol::Context(_) | Symbol::Extension { .. }) {
                continue;
            }
            let name = show(d.symbol.name());
            if !name.to_ascii_lowercase().contains(&query) {
                continue;
            }
            let container = match &d.symbol {
                Symbol::Extension { context, .. } => Some(show(context)),
                _ => None,
            };
            // An extension's later lines are not new symbols.
            if !seen.insert((name.clone(), container.clone())) {
                continue;
            }
            let Some(location) = world.location(a, d.file, d.name) else {
                continue;
            };
            out.push(ls::SymbolInformation {
                name,
                kind: if container.is_some() {
                    ls::SymbolKind::FUNCTION
                } else {
                    ls::SymbolKind::NAMESPACE
                },
                tags: None,
                deprecated: None,
                location,
                container_name: container,
            });
            if out.len() >= 1000 {
                return out;
            }
        }
    }
    out
}
