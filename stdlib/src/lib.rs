//! The catalog of Asterisk dialplan applications and functions.
//!
//! Every application and function is described once, in the text files of `catalog/` (see
//! `catalog/README.md` for the format), and compiled into the binary. The checker, the language
//! server, the runtime and the docs all read [`catalog()`].

mod format;
pub mod functions;
mod kind;

use std::sync::OnceLock;

pub use format::{CatalogError, parse};
pub use kind::ArgKind;

/// The catalog's sources, in the order they are parsed.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "applications-a-m.cat",
        include_str!("../catalog/applications-a-m.cat"),
    ),
    (
        "applications-n-r.cat",
        include_str!("../catalog/applications-n-r.cat"),
    ),
    (
        "applications-s.cat",
        include_str!("../catalog/applications-s.cat"),
    ),
    (
        "applications-t-z.cat",
        include_str!("../catalog/applications-t-z.cat"),
    ),
    (
        "functions-a-d.cat",
        include_str!("../catalog/functions-a-d.cat"),
    ),
    (
        "functions-e-l.cat",
        include_str!("../catalog/functions-e-l.cat"),
    ),
    (
        "functions-m-p.cat",
        include_str!("../catalog/functions-m-p.cat"),
    ),
    (
        "functions-q-z.cat",
        include_str!("../catalog/functions-q-z.cat"),
    ),
];

/// The Asterisk majors the catalog knows, oldest first. A target of pbx's own runtime checks
/// like the newest of them.
pub const VERSIONS: &[u8] = &[18, 20, 21, 22];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Application,
    Function,
}

/// How an application's data (or a function's arguments) is cut into parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Split {
    /// `AST_STANDARD_APP_ARGS`: `,`-separated, `()`/`[]`/quotes nest, quotes and backslashes
    /// removed, the last parameter takes the raw rest.
    #[default]
    Standard,
    /// `AST_STANDARD_RAW_ARGS`: the same cut, nothing removed.
    Raw,
    /// One parameter: the whole data.
    Whole,
    /// `name=value`: up to the first `=`, then the rest (Set).
    Set,
    /// `condition?iftrue:iffalse` (GotoIf, GosubIf, ExecIf, IF).
    Condition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Access {
    #[default]
    Read,
    Write,
    ReadWrite,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub kind: ArgKind,
    pub optional: bool,
    /// The last parameter may repeat.
    pub repeat: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionSpec {
    /// A letter (case-sensitive) or, for applications that take words, a word.
    pub name: String,
    /// The kind of the argument in parentheses, and whether it is required.
    pub arg: Option<(ArgKind, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    /// As Asterisk registers it.
    pub name: String,
    pub summary: String,
    /// `None` when the signature is not described: no argument checks.
    pub params: Option<Vec<Param>>,
    pub split: Split,
    pub options: Vec<OptionSpec>,
    pub sets: Vec<String>,
    /// The majors (from [`VERSIONS`]) whose latest release has it.
    pub versions: Vec<u8>,
    pub removed: Option<String>,
    pub replacement: Option<String>,
    pub access: Access,
    pub dangerous: bool,
    pub docs: String,
    /// Which catalog file, and the line of the header.
    pub defined_at: (&'static str, usize),
}

impl Entry {
    /// Whether Asterisk `version` (a major from [`VERSIONS`]) has it.
    pub fn in_version(&self, version: u8) -> bool {
        self.versions.contains(&version)
    }

    /// `Name(param, [param], ...)` for hovers and messages.
    pub fn signature(&self) -> String {
        let Some(params) = &self.params else {
            return format!("{}(...)", self.name);
        };
        let sep = match self.split {
            Split::Set => "=",
            _ => ",",
        };
        let mut out = format!("{}(", self.name);
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                match (self.split, i) {
                    (Split::Condition, 1) => out.push('?'),
                    (Split::Condition, 2) => out.push(':'),
                    _ => out.push_str(sep),
                }
            }
            if p.optional {
                out.push('[');
            }
            out.push_str(&p.name);
            if p.optional {
                out.push(']');
            }
            if p.repeat {
                out.push_str("...");
            }
        }
        out.push(')');
        out
    }

    /// The option with this exact name.
    pub fn option(&self, name: &str) -> Option<&OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// Options are whole words (Playback's `skip`, `noanswer`) rather than letters.
    pub fn word_options(&self) -> bool {
        self.options.iter().any(|o| o.name.len() > 1)
    }
}

/// Applications and functions, looked up the way Asterisk looks them up.
#[derive(Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    /// Lower-cased application name → entry.
    applications: FxHashMap<String, usize>,
    functions: FxHashMap<String, usize>,
}

/// The catalog is asked for an application at every priority checked or run: FxHash.
type FxHashMap<K, V> = rustc_hash::FxHashMap<K, V>;

impl Catalog {
    /// Indexes entries; of two with the same name the first stays.
    pub fn new(entries: Vec<Entry>) -> Catalog {
        let mut applications = FxHashMap::default();
        let mut functions = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            match e.kind {
                EntryKind::Application => applications.entry(e.name.to_ascii_lowercase()),
                EntryKind::Function => functions.entry(e.name.clone()),
            }
            .or_insert(i);
        }
        Catalog {
            entries,
            applications,
            functions,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Applications match case-insensitively (`pbx_findapp`).
    pub fn application(&self, name: &str) -> Option<&Entry> {
        // Lowercased on the stack: the runtime looks an application up at every step.
        let mut buf = [0u8; 64];
        let key = match buf.get_mut(..name.len()) {
            Some(dst) => {
                dst.copy_from_slice(name.as_bytes());
                dst.make_ascii_lowercase();
                std::str::from_utf8(dst).ok()?
            }
            None => {
                return self
                    .applications
                    .get(&name.to_ascii_lowercase())
                    .map(|&i| &self.entries[i]);
            }
        };
        self.applications.get(key).map(|&i| &self.entries[i])
    }

    /// Functions match exactly (`ast_custom_function_find` is case-sensitive).
    pub fn function(&self, name: &str) -> Option<&Entry> {
        self.functions.get(name).map(|&i| &self.entries[i])
    }

    pub fn applications(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::Application)
    }

    pub fn functions(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::Function)
    }
}

/// The catalog compiled into this binary. Entries that fail to parse are left out; the test
/// suite requires that there are none.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut entries = Vec::new();
        for (file, text) in SOURCES {
            let (mut parsed, _errors) = parse(file, text);
            entries.append(&mut parsed);
        }
        Catalog::new(entries)
    })
}
