//! What one check of a root knows, and the index the editor's questions are answered from:
//! where each context, extension and label is defined, and where the dialplan names them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use pbxc_check::{Destination, Endpoint};
use pbxc_diagnostics::{Diagnostic, FileId, SourceSet, TextRange};
use pbxc_project::check::{Checked, Report};
use pbxc_syntax::{DirectiveKind, StmtKind, SyntaxTree};

/// The result of checking one root.
pub struct Analysis {
    pub root: PathBuf,
    /// Whether the root is a configuration directory (else one file checked on its own).
    pub whole_directory: bool,
    pub sources: SourceSet,
    pub diagnostics: Vec<Diagnostic>,
    pub dialplans: Vec<Checked>,
    pub endpoints: Vec<Endpoint>,
    /// Why the check could not run at all (then everything else is empty).
    pub failure: Option<String>,
    index: OnceLock<Index>,
}

/// A name the dialplan defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// A section of a dialplan: a context (every section of the same name is one context).
    Context(Vec<u8>),
    Extension {
        context: Vec<u8>,
        name: Vec<u8>,
    },
    Label {
        context: Vec<u8>,
        extension: Vec<u8>,
        label: Vec<u8>,
    },
    /// A section of any other configuration file (a queue, a pjsip aor…).
    Section(Vec<u8>),
    /// A pjsip.conf section of `type=endpoint`, which `Dial(PJSIP/…)` names.
    Endpoint(Vec<u8>),
}

impl Symbol {
    pub fn name(&self) -> &[u8] {
        match self {
            Symbol::Context(n) | Symbol::Section(n) | Symbol::Endpoint(n) => n,
            Symbol::Extension { name, .. } => name,
            Symbol::Label { label, .. } => label,
        }
    }
}

/// Where a symbol is defined: the span of its name, and the whole statement.
#[derive(Clone, Debug)]
pub struct Definition {
    pub symbol: Symbol,
    pub file: FileId,
    pub name: TextRange,
    pub statement: TextRange,
}

/// A place that names a symbol.
#[derive(Clone, Debug)]
pub struct Use {
    pub file: FileId,
    pub range: TextRange,
    pub symbol: Symbol,
}

#[derive(Default)]
pub struct Index {
    pub definitions: Vec<Definition>,
    pub uses: Vec<Use>,
    /// `#include` arguments and the file each names (resolved against the root's directory).
    pub includes: Vec<(FileId, TextRange, PathBuf)>,
}

impl Analysis {
    pub fn new(
        report: Result<Report, pbxc_project::check::CannotRun>,
        root: &Path,
        whole_directory: bool,
    ) -> Self {
        match report {
            Ok(r) => Analysis {
                root: root.to_path_buf(),
                whole_directory,
                sources: r.sources,
                diagnostics: r.diagnostics,
                dialplans: r.dialplans,
                endpoints: r.endpoints,
                failure: None,
                index: OnceLock::new(),
            },
            Err(e) => Analysis {
                root: root.to_path_buf(),
                whole_directory,
                sources: SourceSet::new(),
                diagnostics: Vec::new(),
                dialplans: Vec::new(),
                endpoints: Vec::new(),
                failure: Some(e.0),
                index: OnceLock::new(),
            },
        }
    }

    /// The file at `path`. An `#include "../x.conf"` gives a path with `..` in it, the editor
    /// the same file without: paths are compared with `.` and `..` worked out.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.sources.find(path).or_else(|| {
            let wanted = normalize(path);
            self.sources
                .iter()
                .find(|(_, f)| normalize(&f.path) == wanted)
                .map(|(id, _)| id)
        })
    }

    /// Whether the file belongs to a dialplan of this root.
    pub fn is_dialplan_file(&self, file: FileId) -> bool {
        self.dialplans.iter().any(|c| {
            c.plan.contexts.iter().any(|ctx| {
                ctx.sections.iter().any(|o| o.file == file)
                    || ctx.extensions.iter().any(|e| e.origin.file == file)
            }) || c.plan.globals.iter().any(|g| g.origin.file == file)
        })
    }

    /// The index, built the first time a question needs it (diagnostics never do).
    pub fn symbols(&self, trees: &dyn Fn(FileId) -> Option<Arc<SyntaxTree>>) -> &Index {
        self.index.get_or_init(|| Index::build(self, trees))
    }

    /// The symbol a resolved destination names.
    pub fn destination_symbol(&self, plan: usize, d: Destination) -> Option<Symbol> {
        let plan = &self.dialplans.get(plan)?.plan;
        Some(match d {
            Destination::Endpoint(k) => Symbol::Endpoint(self.endpoints.get(k)?.name.clone()),
            Destination::Context(c) => Symbol::Context(plan.contexts.get(c)?.name.clone()),
            Destination::Extension(c, e) => {
                let ctx = plan.contexts.get(c)?;
                Symbol::Extension {
                    context: ctx.name.clone(),
                    name: ctx.extensions.get(e)?.name.to_vec(),
                }
            }
            Destination::Priority(c, e, n) => {
                let ctx = plan.contexts.get(c)?;
                let ext = ctx.extensions.get(e)?;
                let label = ext.priority(n)?.label.clone();
                match label {
                    Some(label) => Symbol::Label {
                        context: ctx.name.clone(),
                        extension: ext.name.to_vec(),
                        label: label.to_vec(),
                    },
                    None => Symbol::Extension {
                        context: ctx.name.clone(),
                        name: ext.name.to_vec(),
                    },
                }
            }
        })
    }
}

impl Index {
    fn build(a: &Analysis, trees: &dyn Fn(FileId) -> Option<Arc<SyntaxTree>>) -> Index {
        let mut index = Index::default();
        let base = if a.whole_directory {
            a.root.clone()
        } else {
            a.root.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        for (file, _) in a.sources.iter() {
            let Some(tree) = trees(file) else { continue };
            index.scan_file(file, &tree, a.is_dialplan_file(file), &base);
        }
        for (i, checked) in a.dialplans.iter().enumerate() {
            for r in &checked.references {
                if let Some(mut symbol) = a.destination_symbol(i, r.destination) {
                    // `Gosub(sub,s,1)` names priority 1, not the label it happens to carry.
                    if let Symbol::Label {
                        context,
                        extension,
                        label,
                    } = &symbol
                    {
                        let written = a.sources.get(r.file).text.get(r.range.as_range());
                        if written != Some(&label[..]) {
                            symbol = Symbol::Extension {
                                context: context.clone(),
                                name: extension.clone(),
                            };
                        }
                    }
                    index.uses.push(Use {
                        file: r.file,
                        range: r.range,
                        symbol,
                    });
                }
            }
        }
        for e in &a.endpoints {
            // Its section is the endpoint's definition (an aor or auth may share the name).
            if let Some(d) = index.definitions.iter_mut().find(|d| {
                d.file == e.origin.file
                    && d.name == e.origin.range
                    && d.symbol == Symbol::Section(e.name.clone())
            }) {
                d.symbol = Symbol::Endpoint(e.name.clone());
            }
            if let Some(o) = e.context_origin {
                index.uses.push(Use {
                    file: o.file,
                    range: o.range,
                    symbol: Symbol::Context(e.context.clone()),
                });
            }
        }
        index
    }

    /// Definitions, includes and `#include`s written in one file.
    fn scan_file(&mut self, file: FileId, tree: &SyntaxTree, dialplan: bool, base: &Path) {
        let mut section: Option<Vec<u8>> = None;
        let mut extension: Option<Vec<u8>> = None;
        for (_, stmt) in tree.stmts() {
            match &stmt.kind {
                StmtKind::Section { name, .. } => {
                    let n = name.bytes.to_vec();
                    let symbol = if dialplan && !is_special_section(&n) {
                        Symbol::Context(n.clone())
                    } else {
                        Symbol::Section(n.clone())
                    };
                    self.definitions.push(Definition {
                        symbol,
                        file,
                        name: name.range,
                        statement: stmt.range,
                    });
                    section = Some(n);
                    extension = None;
                }
                StmtKind::Directive {
                    kind: DirectiveKind::Include | DirectiveKind::TryInclude,
                    arg: Some(arg),
                    ..
                } => {
                    let name = arg.as_str_lossy();
                    let path = Path::new(name.as_ref());
                    let path = if path.is_absolute() {
                        path.to_path_buf()
                    } else {
                        base.join(path)
                    };
                    self.includes.push((file, arg.range, normalize(&path)));
                }
                StmtKind::Assign { name, value, .. } if dialplan => {
                    let Some(context) = &section else { continue };
                    if is_special_section(context) {
                        continue;
                    }
                    let key = name.bytes.to_ascii_lowercase();
                    // Offsets into the value map to the source only when it is a plain copy.
                    let exact = value.range.len() == value.bytes.len();
                    let at = |from: usize, to: usize| {
                        if exact {
                            TextRange::new(
                                value.range.start as usize + from,
                                value.range.start as usize + to,
                            )
                        } else {
                            value.range
                        }
                    };
                    let v = &value.bytes;
                    match key.as_slice() {
                        b"exten" | b"same" => {
                            let Some(parts) = crate::line::parts(&key, v) else {
                                continue;
                            };
                            if let Some(r) = parts.extension {
                                let stored = crate::line::stored_extension(&v[r.clone()]);
                                self.definitions.push(Definition {
                                    symbol: Symbol::Extension {
                                        context: context.clone(),
                                        name: stored.clone(),
                                    },
                                    file,
                                    name: at(r.start, r.end),
                                    statement: stmt.range,
                                });
                                extension = Some(stored);
                            }
                            if let (Some(r), Some(ext)) = (parts.label, &extension) {
                                self.definitions.push(Definition {
                                    symbol: Symbol::Label {
                                        context: context.clone(),
                                        extension: ext.clone(),
                                        label: v[r.clone()].to_vec(),
                                    },
                                    file,
                                    name: at(r.start, r.end),
                                    statement: stmt.range,
                                });
                            }
                        }
                        b"include" => {
                            let end = v
                                .iter()
                                .position(|&c| c == b',' || c == b'|')
                                .unwrap_or(v.len());
                            let target = v[..end].trim_ascii_end();
                            self.uses.push(Use {
                                file,
                                range: at(0, target.len()),
                                symbol: Symbol::Context(target.to_vec()),
                            });
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }

    /// Every definition of `symbol`.
    pub fn definitions_of<'a>(
        &'a self,
        symbol: &'a Symbol,
    ) -> impl Iterator<Item = &'a Definition> + 'a {
        self.definitions.iter().filter(move |d| d.symbol == *symbol)
    }

    /// Every use of `symbol`.
    pub fn uses_of<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Use> + 'a {
        self.uses.iter().filter(move |u| u.symbol == *symbol)
    }

    /// The symbol named or defined at `offset` of `file`, and the span that names it there.
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<(Symbol, TextRange)> {
        let touches = |r: TextRange| r.start as usize <= offset && offset <= r.end as usize;
        if let Some(u) = self
            .uses
            .iter()
            .find(|u| u.file == file && touches(u.range))
        {
            return Some((u.symbol.clone(), u.range));
        }
        self.definitions
            .iter()
            .find(|d| d.file == file && touches(d.name))
            .map(|d| (d.symbol.clone(), d.name))
    }
}

/// `path` with `.` and `..` worked out by name (as a URI would be), links left alone.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `[general]` and `[globals]` of a dialplan are not contexts.
pub fn is_special_section(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"general") || name.eq_ignore_ascii_case(b"globals")
}
