//! Loading: `ast_config_internal_load` and `process_text_line`, over the lossless trees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbxc_diagnostics::suggest::edit_distance;
use pbxc_diagnostics::suppress::{self, Suppressions};
use pbxc_diagnostics::{Diagnostic, FileId, Label, SourceSet, TextRange};
use pbxc_syntax::{AssignOp, DirectiveKind, Stmt, StmtKind, SyntaxTree, Text};

use crate::codes;
use crate::glob;
use crate::model::{Category, Config, Include, Origin, Origins, Variable};
use crate::provider::{LoadError, SourceProvider};

/// Deepest `#include` nesting Asterisk accepts (the root file is level 0).
pub const MAX_INCLUDE_DEPTH: usize = 10;
/// Most files (with repeats) one configuration may read before pbxc gives up.
pub const MAX_LOADS: usize = 10_000;
/// Most statements one configuration may process before pbxc gives up.
pub const MAX_STATEMENTS: usize = 5_000_000;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Asterisk's `astetcdir`: relative `#include` names and root names resolve against it,
    /// never against the including file.
    pub config_dir: PathBuf,
    /// `execincludes = yes` in asterisk.conf `[options]`.
    pub exec_includes: bool,
}

impl LoadOptions {
    /// Asterisk's default directory, `/etc/asterisk`, without `execincludes`: what tests and
    /// in-memory loads of a lone file assume.
    pub fn etc_asterisk() -> LoadOptions {
        LoadOptions {
            config_dir: "/etc/asterisk".into(),
            exec_includes: false,
        }
    }
}

/// Why a root file could not be loaded at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootError {
    pub path: PathBuf,
    pub error: LoadError,
}

impl std::fmt::Display for RootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        match &self.error {
            LoadError::NotFound => write!(f, "{path}: no such file"),
            LoadError::NotAFile => write!(f, "{path}: not a regular file"),
            LoadError::Unreadable(why) => write!(f, "{path}: cannot read: {why}"),
        }
    }
}

/// A run over one configuration directory: every file read once, every diagnostic collected.
pub struct Session<'p> {
    provider: &'p dyn SourceProvider,
    options: LoadOptions,
    sources: SourceSet,
    trees: HashMap<PathBuf, (FileId, Arc<SyntaxTree>)>,
    by_id: Vec<Arc<SyntaxTree>>,
    diagnostics: Vec<Diagnostic>,
    suppressions: Suppressions,
}

/// Reading stopped in the current file (a fatal error in it).
struct Stop;

/// State of one `ast_config` being built.
#[derive(Default)]
struct Building {
    config: Config,
    /// `cfg->current`: the last section appended, or added to with `(+)`. An included file
    /// starts in it.
    current: Option<usize>,
    /// Files being read, outermost first, to catch include cycles.
    stack: Vec<FileId>,
    /// Include names already seen, for Asterisk's "included more than once" warning.
    include_names: HashMap<String, Origin>,
    /// Files read into this configuration so far, and statements processed: a few lines of
    /// includes can fan out exponentially (8 files each including 8 others, 10 deep).
    loads: usize,
    statements: usize,
    /// Set once a limit is hit: every file being read stops.
    gave_up: bool,
}

impl<'p> Session<'p> {
    pub fn new(provider: &'p dyn SourceProvider, options: LoadOptions) -> Self {
        Session {
            provider,
            options,
            sources: SourceSet::new(),
            trees: HashMap::new(),
            by_id: Vec::new(),
            diagnostics: Vec::new(),
            suppressions: Suppressions::new(),
        }
    }

    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// Points later loads at another configuration directory (files already read stay).
    pub fn set_config_dir(&mut self, dir: PathBuf) {
        self.options.config_dir = dir;
    }

    pub fn set_exec_includes(&mut self, on: bool) {
        self.options.exec_includes = on;
    }

    pub fn sources(&self) -> &SourceSet {
        &self.sources
    }

    /// The files read, without their syntax trees: for a caller that has its
    /// configuration and needs no more than the texts (a 100k-line dialplan's trees weigh
    /// as much as its lowered form).
    pub fn into_sources(self) -> SourceSet {
        self.sources
    }

    pub fn tree(&self, file: FileId) -> &SyntaxTree {
        &self.by_id[file.0 as usize]
    }

    /// Adds diagnostics of a later layer (the dialplan, …) so that they are deduplicated and
    /// suppressed like the configuration's own.
    pub fn add_diagnostics(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    /// Diagnostics so far, duplicates (a file included twice) removed, suppressions applied.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.diagnostics.clone();
        dedupe(&mut out);
        self.suppressions.apply(&mut out, &self.sources);
        out
    }

    pub fn into_parts(mut self) -> (SourceSet, Vec<Diagnostic>) {
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        dedupe(&mut diagnostics);
        self.suppressions.apply(&mut diagnostics, &self.sources);
        (self.sources, diagnostics)
    }

    /// The path Asterisk would open for `name`.
    pub fn resolve(&self, name: &str) -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.options.config_dir.join(p)
        }
    }

    /// The files an include name stands for. Names are bytes: one that is not UTF-8 (a
    /// Latin-1 file name) is used as it is when it holds no wildcard.
    fn expand_include(&self, name: &[u8]) -> Vec<PathBuf> {
        match std::str::from_utf8(name) {
            Ok(name) => glob::expand(&self.resolve(name).to_string_lossy(), self.provider),
            Err(_) => {
                #[cfg(unix)]
                if !name.iter().any(|c| matches!(c, b'*' | b'?' | b'[' | b'{')) {
                    use std::os::unix::ffi::OsStrExt;
                    let raw = Path::new(std::ffi::OsStr::from_bytes(name));
                    return vec![if raw.is_absolute() {
                        raw.to_path_buf()
                    } else {
                        self.options.config_dir.join(raw)
                    }];
                }
                let lossy = String::from_utf8_lossy(name);
                glob::expand(&self.resolve(&lossy).to_string_lossy(), self.provider)
            }
        }
    }

    /// Loads a configuration file the way a module asks for it (`ast_config_load2`):
    /// `name` is relative to the configuration directory, or absolute.
    pub fn load(&mut self, name: &str) -> Result<Config, RootError> {
        let path = self.resolve(name);
        let file = self
            .file(&path)
            .map_err(|error| RootError { path, error })?;
        let mut b = Building::default();
        b.config.files.push(file);
        b.stack.push(file);
        if self.read_file(&mut b, file, 0).is_err() {
            b.config.rejected = true;
        }
        Ok(b.config)
    }

    /// Reads and parses a file once; later calls return the same id.
    fn file(&mut self, path: &Path) -> Result<FileId, LoadError> {
        if let Some((id, _)) = self.trees.get(path) {
            return Ok(*id);
        }
        let text = self.provider.read(path)?;
        Ok(self.add_source(path.to_path_buf(), text))
    }

    fn add_source(&mut self, path: PathBuf, text: Arc<[u8]>) -> FileId {
        let id = self.sources.add(path.clone(), text.clone());
        let (tree, diagnostics) = self.provider.parse(&path, id, text);
        self.diagnostics.extend(diagnostics);
        for (line, comment) in tree.comments() {
            let body = &tree.slice(comment.range)[1..];
            if let Some(d) = suppress::parse_directive(body) {
                self.suppressions.add(id, line as u32, d);
            }
        }
        self.trees.insert(path, (id, tree.clone()));
        self.by_id.push(tree);
        id
    }

    fn fatal(&mut self, depth: usize, file: FileId, d: Diagnostic) -> Stop {
        let path = self.sources.path(file).display().to_string();
        let effect = if depth == 0 {
            format!("Asterisk rejects {path} whole here")
        } else {
            format!("Asterisk stops reading {path} here")
        };
        let mut d = d;
        d.primary.message = Some(match d.primary.message.take() {
            Some(label) => format!("{label}; {effect}"),
            None => effect,
        });
        self.diagnostics.push(d);
        Stop
    }

    fn give_up(&mut self, b: &mut Building, file: FileId, why: String) -> Stop {
        if !b.gave_up {
            b.gave_up = true;
            let at = b.stack.first().copied().unwrap_or(file);
            self.diagnostics.push(
                Diagnostic::new(
                    codes::INCLUDE_LIMIT,
                    format!("includes fan out too far: {why}; pbxc stops reading this configuration"),
                    at,
                    TextRange::empty(0),
                )
                .with_help("files that include each other many times over multiply; Asterisk would take as long, or run out of memory"),
            );
        }
        Stop
    }

    /// `config_text_file_load` for one file, starting in section `b.current`.
    fn read_file(&mut self, b: &mut Building, file: FileId, depth: usize) -> Result<(), Stop> {
        let tree = self.by_id[file.0 as usize].clone();
        let mut cat = b.current;
        b.loads += 1;
        if b.loads > MAX_LOADS {
            return Err(self.give_up(
                b,
                file,
                format!("more than {MAX_LOADS} files read (with repeats)"),
            ));
        }
        let mut stmts = tree.stmts();
        while let Some((_, stmt)) = stmts.next() {
            b.statements += 1;
            if b.gave_up {
                return Err(Stop);
            }
            if b.statements > MAX_STATEMENTS {
                return Err(self.give_up(
                    b,
                    file,
                    format!("more than {MAX_STATEMENTS} lines read (with repeats)"),
                ));
            }
            match &stmt.kind {
                StmtKind::Section {
                    name,
                    options,
                    trailing,
                } => {
                    let c = self.section(b, file, depth, &tree, stmt, name, options, trailing)?;
                    // Room for the section's settings at once: a generated context has
                    // thousands, and growing its list one doubling at a time copies them all
                    // again and again.
                    let settings = stmts
                        .clone()
                        .map(|(_, s)| &s.kind)
                        .take_while(|k| !matches!(k, StmtKind::Section { .. }))
                        .filter(|k| matches!(k, StmtKind::Assign { .. }))
                        .count();
                    b.config.categories[c].variables.reserve(settings);
                    cat = Some(c);
                }
                StmtKind::UnclosedSection { .. } => {
                    let d = Diagnostic::new(
                        codes::UNCLOSED_SECTION,
                        "section header has no closing `]`",
                        file,
                        stmt.range,
                    )
                    .with_help("a `;` inside the brackets starts a comment: escape it as `\\;`");
                    return Err(self.fatal(depth, file, d));
                }
                StmtKind::UnclosedOptions { options, .. } => {
                    let d = Diagnostic::new(
                        codes::UNCLOSED_SECTION_OPTIONS,
                        "section options have no closing `)`",
                        file,
                        options.range.cover(stmt.range),
                    );
                    return Err(self.fatal(depth, file, d));
                }
                StmtKind::Directive { kind, word, arg } => {
                    self.directive(b, file, depth, stmt, *kind, word, arg.as_ref())?;
                }
                StmtKind::Assign { .. }
                | StmtKind::InvalidEscape { .. }
                | StmtKind::MissingEquals { .. } => {
                    let Some(c) = cat else {
                        let d = Diagnostic::new(
                            codes::NO_SECTION,
                            "setting before any section header",
                            file,
                            stmt.range,
                        )
                        .with_help("put it under a `[section]`");
                        return Err(self.fatal(depth, file, d));
                    };
                    self.setting(b, c, file, depth, stmt)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn section(
        &mut self,
        b: &mut Building,
        file: FileId,
        depth: usize,
        tree: &SyntaxTree,
        stmt: &Stmt,
        name: &Text,
        options: &Option<Vec<Text>>,
        trailing: &Option<Text>,
    ) -> Result<usize, Stop> {
        let header = Origin {
            file,
            range: stmt.range,
        };
        let mut stored_name: Box<[u8]> = name.bytes[..].into();
        if stored_name.len() > pbxc_syntax::MAX_SECTION_NAME {
            stored_name = stored_name[..pbxc_syntax::MAX_SECTION_NAME].into();
            self.diagnostics.push(Diagnostic::new(
                codes::SECTION_NAME_TOO_LONG,
                format!(
                    "section name is {} bytes long; Asterisk keeps only the first {}",
                    name.bytes.len(),
                    pbxc_syntax::MAX_SECTION_NAME
                ),
                file,
                name.range,
            ));
        }
        if let Some(t) = trailing {
            let looks_like_options = pbxc_syntax::strip(&t.bytes).starts_with(b"(");
            let mut d = Diagnostic::new(
                codes::TEXT_AFTER_SECTION,
                format!(
                    "`{}` after the section header is ignored",
                    t.as_str_lossy().trim()
                ),
                file,
                t.range,
            );
            if options.is_none() && looks_like_options {
                d = d
                    .with_help("options must follow `]` directly: with a space, `(…)` is ignored and this is not a template")
                    .with_fix(
                        "remove the space before `(`",
                        vec![pbxc_diagnostics::Edit {
                            file,
                            range: TextRange::new(
                                t.range.start as usize,
                                t.range.start as usize
                                    + t.bytes.iter().take_while(|&&c| c <= 32).count(),
                            ),
                            replacement: String::new(),
                        }],
                    );
            }
            self.diagnostics.push(d);
        }

        let mut new = Some(Category {
            name: stored_name,
            template: false,
            header,
            name_origin: Origin {
                file,
                range: name.range,
            },
            appended_at: Vec::new(),
            bases: Vec::new(),
            variables: Vec::new(),
        });
        let mut existing: Option<usize> = None;
        for opt in options.iter().flatten() {
            if &*opt.bytes == b"!" {
                match (&mut new, existing) {
                    (Some(c), _) => c.template = true,
                    (None, Some(i)) => b.config.categories[i].template = true,
                    (None, None) => {}
                }
            } else if opt.bytes.first() == Some(&b'+') {
                // `(+)` or `(+name=value&…)`: add to the first section of that name the filter
                // accepts (an empty filter accepts only non-templates).
                let filter = &opt.bytes[1..];
                let found = b
                    .config
                    .categories
                    .iter()
                    .position(|c| category_matches(c, &name.bytes, filter, b'&'));
                let Some(i) = found else {
                    let what = if filter.is_empty() {
                        String::new()
                    } else {
                        format!(" matching `{}`", String::from_utf8_lossy(filter))
                    };
                    let mut d = Diagnostic::new(
                        codes::APPEND_TO_MISSING,
                        format!(
                            "`({})` adds to section `{}`{what}, which is not defined before this line",
                            opt.as_str_lossy(),
                            name.as_str_lossy()
                        ),
                        file,
                        name.range,
                    );
                    if filter.is_empty()
                        && let Some(t) = b
                            .config
                            .categories
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(&name.bytes))
                    {
                        d = d
                            .with_secondary(
                                Label::new(t.header.file, t.header.range)
                                    .with_message("only a template has this name"),
                            )
                            .with_help("templates cannot be added to with `(+)`");
                    }
                    return Err(self.fatal(depth, file, d));
                };
                let target = &mut b.config.categories[i];
                target.appended_at.push(header);
                if let Some(c) = new.take() {
                    // Asterisk makes the section added to the current one, and a `!` before
                    // the `+` turns it into a template.
                    target.template |= c.template;
                    target.variables.extend(c.variables);
                    b.current = Some(i);
                }
                existing = Some(i);
            } else {
                // `category_get_sep(cfg, name, "TEMPLATES=include", …)`: an empty name skips
                // the name test, so `()` or a doubled comma inherits the very first section.
                let found =
                    b.config.categories.iter().position(|c| {
                        opt.bytes.is_empty() || c.name.eq_ignore_ascii_case(&opt.bytes)
                    });
                let Some(base) = found else {
                    return Err(self.missing_base(b, file, depth, tree, stmt, opt));
                };
                if opt.bytes.is_empty() {
                    let first = &b.config.categories[base];
                    self.diagnostics.push(
                        Diagnostic::new(
                            codes::EMPTY_SECTION_OPTION,
                            format!(
                                "an empty option inherits from the first section of the configuration, `{}`",
                                first.name_str()
                            ),
                            file,
                            if opt.range.is_empty() { stmt.range } else { opt.range },
                        )
                        .with_secondary(
                            Label::new(first.header.file, first.header.range)
                                .with_message("inherited from here"),
                        )
                        .with_help("remove the empty entry (`()`, `(a,)` or `(a,,b)`)"),
                    );
                }
                let copied: Vec<Variable> = b.config.categories[base]
                    .variables
                    .iter()
                    .map(|v| Variable {
                        inherited_via: Some(header),
                        ..v.clone()
                    })
                    .collect();
                match (&mut new, existing) {
                    (Some(c), _) => {
                        c.bases.push(base);
                        c.variables.extend(copied);
                    }
                    (None, Some(i)) => b.config.categories[i].variables.extend(copied),
                    (None, None) => {}
                }
            }
        }
        match (new, existing) {
            (Some(c), _) => {
                b.config.categories.push(c);
                let i = b.config.categories.len() - 1;
                b.current = Some(i);
                Ok(i)
            }
            (None, Some(i)) => Ok(i),
            (None, None) => unreachable!("a section header either creates or finds a section"),
        }
    }

    fn missing_base(
        &mut self,
        b: &Building,
        file: FileId,
        depth: usize,
        tree: &SyntaxTree,
        stmt: &Stmt,
        opt: &Text,
    ) -> Stop {
        let shown = opt.as_str_lossy();
        let mut d = Diagnostic::new(
            codes::INHERIT_FROM_MISSING,
            format!("inherits from `{shown}`, which is not defined before this line"),
            file,
            if opt.range.is_empty() {
                stmt.range
            } else {
                opt.range
            },
        );
        let trimmed = pbxc_syntax::strip(&opt.bytes);
        if trimmed != &*opt.bytes && !trimmed.is_empty() {
            let t = String::from_utf8_lossy(trimmed);
            d = d.with_help(format!(
                "spaces inside `(…)` are part of the name: write `{t}` without them"
            ));
            if trimmed == b"!" || trimmed == b"+" {
                d = d.with_help(format!(
                    "spaces inside `(…)` are part of the option: `{shown}` is read as a section name, not as `{t}`"
                ));
            }
        } else if let Some((_, later)) = tree.stmts().find(|(_, s)| {
            s.range.start > stmt.range.start
                && matches!(&s.kind, StmtKind::Section { name, .. } if name.bytes.eq_ignore_ascii_case(&opt.bytes))
        }) {
            d = d
                .with_secondary(Label::new(file, later.range).with_message("defined only here, later"))
                .with_help("Asterisk copies a base when the header is read: move the base section above");
        } else if let Some(similar) = b
            .config
            .categories
            .iter()
            .filter_map(|c| Some((edit_distance(&c.name, &opt.bytes, 2, true)?, c)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c)
        {
            let name = similar.name_str().into_owned();
            d = d
                .with_secondary(
                    Label::new(similar.header.file, similar.name_origin.range)
                        .with_message("a section with a similar name"),
                )
                .with_help(format!("did you mean `{name}`?"))
                .with_fix(
                    format!("inherit from `{name}`"),
                    vec![pbxc_diagnostics::Edit {
                        file,
                        range: opt.range,
                        replacement: name,
                    }],
                );
        } else if b.config.categories.is_empty() {
            d = d.with_help("no section at all is defined before this line");
        }
        self.fatal(depth, file, d)
    }

    fn setting(
        &mut self,
        b: &mut Building,
        cat: usize,
        file: FileId,
        depth: usize,
        stmt: &Stmt,
    ) -> Result<(), Stop> {
        let origin = |range| Origin { file, range };
        match &stmt.kind {
            StmtKind::InvalidEscape { .. } => {
                let d = Diagnostic::new(
                    codes::INVALID_ESCAPE,
                    "`\\` at the start of a line must escape a visible character",
                    file,
                    TextRange::new(stmt.range.start as usize, stmt.range.start as usize + 1),
                );
                Err(self.fatal(depth, file, d))
            }
            StmtKind::MissingEquals { text } => {
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::MISSING_EQUALS,
                        format!("no `=` in `{}`; the line is ignored", text.as_str_lossy()),
                        file,
                        text.range,
                    )
                    .with_help("settings are written `name = value`"),
                );
                Ok(())
            }
            StmtKind::Assign {
                name,
                op,
                value,
                raw_value,
                ..
            } => {
                let category = &mut b.config.categories[cat];
                if let Some(raw_value) = raw_value
                    && let Some(var) = category
                        .variables
                        .iter_mut()
                        .rev()
                        .find(|v| *v.name == *name.bytes)
                {
                    // `old + raw`, trailing blanks trimmed, then leading blanks skipped.
                    let mut joined = var.value.to_vec();
                    joined.extend_from_slice(&raw_value.bytes);
                    let joined = pbxc_syntax::strip(&joined).to_vec();
                    var.value = joined.into();
                    var.value_origins.push(origin(raw_value.range));
                    return Ok(());
                }
                if name.bytes.is_empty() {
                    self.diagnostics.push(Diagnostic::new(
                        codes::MISSING_NAME,
                        "setting has no name before `=`; the line is ignored",
                        file,
                        stmt.range,
                    ));
                    return Ok(());
                }
                category.variables.push(Variable {
                    name: name.bytes.clone(),
                    value: value.bytes.clone(),
                    object: *op == AssignOp::Object,
                    origin: origin(stmt.range),
                    name_origin: origin(name.range),
                    value_origins: Origins::one(origin(value.range)),
                    inherited_via: None,
                });
                Ok(())
            }
            _ => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn directive(
        &mut self,
        b: &mut Building,
        file: FileId,
        depth: usize,
        stmt: &Stmt,
        kind: DirectiveKind,
        word: &Text,
        arg: Option<&Text>,
    ) -> Result<(), Stop> {
        let here = Origin {
            file,
            range: stmt.range,
        };
        match kind {
            DirectiveKind::Unknown => {
                let mut d = Diagnostic::new(
                    codes::UNKNOWN_DIRECTIVE,
                    format!(
                        "unknown directive `#{}`; the line is ignored",
                        word.as_str_lossy()
                    ),
                    file,
                    stmt.range,
                );
                // `# text` is the commonest case: someone wrote a shell-style comment.
                if word.bytes.is_empty() || arg.is_some() {
                    let at = stmt.range.start as usize;
                    d = d
                        .with_help("`#` does not start a comment here; comments start with `;`")
                        .with_fix(
                            "make it a comment",
                            vec![pbxc_diagnostics::Edit {
                                file,
                                range: TextRange::new(at, at + 1),
                                replacement: ";".into(),
                            }],
                        );
                } else {
                    d = d.with_help("the directives are `#include`, `#tryinclude` and `#exec`");
                }
                self.diagnostics.push(d);
                return Ok(());
            }
            DirectiveKind::Exec if !self.options.exec_includes => {
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::EXEC_DISABLED,
                        "`#exec` is ignored: `execincludes` is not enabled",
                        file,
                        stmt.range,
                    )
                    .with_help("Asterisk runs `#exec` only with `execincludes = yes` in asterisk.conf `[options]`"),
                );
                return Ok(());
            }
            _ => {}
        }
        let Some(arg) = arg else {
            self.diagnostics.push(Diagnostic::new(
                codes::DIRECTIVE_WITHOUT_ARGUMENT,
                format!(
                    "`#{}` needs an argument; the line is ignored",
                    word.as_str_lossy()
                ),
                file,
                stmt.range,
            ));
            return Ok(());
        };
        let name = arg.as_str_lossy().into_owned();
        let try_include = kind == DirectiveKind::TryInclude;
        if depth + 1 > MAX_INCLUDE_DEPTH {
            // `#exec` output is included like a file, so it counts as a level too.
            let d = Diagnostic::new(
                codes::INCLUDE_TOO_DEEP,
                format!(
                    "`{name}` would be nested more than {MAX_INCLUDE_DEPTH} includes deep; Asterisk treats it as missing"
                ),
                file,
                arg.range,
            );
            b.config.includes.push(Include {
                directive: here,
                name,
                files: Vec::new(),
            });
            if try_include {
                self.diagnostics
                    .push(d.with_severity(pbxc_diagnostics::Severity::Warning));
                return Ok(());
            }
            return Err(self.fatal(depth, file, d));
        }
        if kind == DirectiveKind::Exec {
            // Asterisk records an #exec under its unique temporary output file: never "twice".
            return self.exec(b, file, depth, stmt, &name);
        }
        if let Some(first) = b.include_names.get(&name) {
            self.diagnostics.push(
                Diagnostic::new(
                    codes::INCLUDED_TWICE,
                    format!("`{name}` is included more than once; its contents load again here"),
                    file,
                    arg.range,
                )
                .with_secondary(
                    Label::new(first.file, first.range).with_message("first included here"),
                ),
            );
        } else {
            b.include_names.insert(name.clone(), here);
        }

        let mut loaded = Vec::new();
        let mut unreadable = Vec::new();
        for path in self.expand_include(&arg.bytes) {
            let id = match self.file(&path) {
                Ok(id) => id,
                Err(LoadError::NotFound) => continue,
                Err(LoadError::NotAFile) => {
                    self.diagnostics.push(Diagnostic::new(
                        codes::NOT_A_FILE,
                        format!(
                            "`{}` is not a regular file; Asterisk ignores it",
                            path.display()
                        ),
                        file,
                        arg.range,
                    ));
                    continue;
                }
                Err(LoadError::Unreadable(why)) => {
                    unreadable.push(format!("{}: {why}", path.display()));
                    continue;
                }
            };
            loaded.push(id);
            if let Some(at) = b.stack.iter().position(|&f| f == id) {
                let chain: Vec<String> = b.stack[at..]
                    .iter()
                    .chain(std::iter::once(&id))
                    .map(|f| self.sources.path(*f).display().to_string())
                    .collect();
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::INCLUDE_CYCLE,
                        format!("include cycle: {}", chain.join(" → ")),
                        file,
                        arg.range,
                    )
                    .with_help("Asterisk re-reads the files until the nesting limit and then fails; pbxc does not follow the cycle"),
                );
                continue;
            }
            if !b.config.files.contains(&id) {
                b.config.files.push(id);
            }
            b.stack.push(id);
            let stopped = self.read_file(b, id, depth + 1).is_err();
            b.stack.pop();
            if b.gave_up {
                return Err(Stop);
            }
            if stopped {
                // Asterisk abandons the remaining matches of this include, then carries on
                // with the including file as if the include had worked.
                break;
            }
        }
        let found = !loaded.is_empty();
        b.config.includes.push(Include {
            directive: here,
            name: name.clone(),
            files: loaded,
        });
        if found {
            return Ok(());
        }
        let reason = if unreadable.is_empty() {
            String::new()
        } else {
            format!(" ({})", unreadable.join("; "))
        };
        if try_include {
            self.diagnostics.push(Diagnostic::new(
                codes::TRYINCLUDE_NOT_FOUND,
                format!("`#tryinclude {name}` loads nothing: no such file{reason}"),
                file,
                arg.range,
            ));
            return Ok(());
        }
        let d = Diagnostic::new(
            codes::INCLUDE_NOT_FOUND,
            if unreadable.is_empty() {
                format!("`{name}` was listed as an #include but it does not exist")
            } else {
                format!("`{name}` was listed as an #include but cannot be read{reason}")
            },
            file,
            arg.range,
        )
        .with_help(format!(
            "names are relative to the configuration directory ({}), not to the including file; use `#tryinclude` for optional files",
            match self.options.config_dir.as_os_str().is_empty() {
                true => Path::new("."),
                false => self.options.config_dir.as_path(),
            }
            .display()
        ));
        Err(self.fatal(depth, file, d))
    }

    fn exec(
        &mut self,
        b: &mut Building,
        file: FileId,
        depth: usize,
        stmt: &Stmt,
        command: &str,
    ) -> Result<(), Stop> {
        match self.provider.exec(command) {
            None => {
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::EXEC_NOT_RUN,
                        format!("`#exec {command}` was not run; what it produces is not checked"),
                        file,
                        stmt.range,
                    )
                    .with_help("pass --allow-exec to run it while checking"),
                );
                Ok(())
            }
            Some(Err(why)) => {
                self.diagnostics.push(Diagnostic::new(
                    codes::EXEC_FAILED,
                    format!("`#exec {command}` could not be run: {why}"),
                    file,
                    stmt.range,
                ));
                Ok(())
            }
            Some(Ok(output)) => {
                if let Some(problem) = &output.problem {
                    // Asterisk logs the command's errors and includes its output anyway.
                    self.diagnostics.push(Diagnostic::new(
                        codes::EXEC_FAILED,
                        format!("`#exec {command}` reported a problem: {problem}"),
                        file,
                        stmt.range,
                    ));
                }
                let path = PathBuf::from(format!("#exec {command}"));
                let id = self.add_source(path, output.stdout.into());
                b.config.includes.push(Include {
                    directive: Origin {
                        file,
                        range: stmt.range,
                    },
                    name: command.to_string(),
                    files: vec![id],
                });
                b.config.files.push(id);
                b.stack.push(id);
                let _ = self.read_file(b, id, depth + 1);
                b.stack.pop();
                if b.gave_up {
                    return Err(Stop);
                }
                Ok(())
            }
        }
    }
}

/// `does_category_match`: the name compares case-insensitively; an empty filter accepts only
/// non-templates; otherwise every `name=value` pair (separated by `sep`, blanks stripped) must
/// hold: `TEMPLATES=include` also accepts templates, `TEMPLATES=restrict` only templates, and
/// any other pair is a pair of unanchored regular expressions that some variable's name and
/// value must match.
pub(crate) fn category_matches(cat: &Category, name: &[u8], filter: &[u8], sep: u8) -> bool {
    if !name.is_empty() && !cat.name.eq_ignore_ascii_case(name) {
        return false;
    }
    if filter.is_empty() {
        return !cat.template;
    }
    let (mut expressions, mut found, mut template_ok) = (0, 0, false);
    for pair in filter.split(|&c| c == sep) {
        expressions += 1;
        let pair = pbxc_syntax::strip(pair);
        let Some(eq) = pair.iter().position(|&c| c == b'=') else {
            break;
        };
        let (key, value) = (
            pbxc_syntax::strip(&pair[..eq]),
            pbxc_syntax::strip(&pair[eq + 1..]),
        );
        if key == b"TEMPLATES" {
            if value.eq_ignore_ascii_case(b"include") {
                template_ok |= cat.template;
                found += 1;
            } else if value.eq_ignore_ascii_case(b"restrict") {
                if !cat.template {
                    break;
                }
                found += 1;
                template_ok = true;
            }
            continue;
        }
        let (Ok(key), Ok(value)) = (
            regex::bytes::Regex::new(&String::from_utf8_lossy(key)),
            regex::bytes::Regex::new(&String::from_utf8_lossy(value)),
        ) else {
            return false;
        };
        if cat
            .variables
            .iter()
            .any(|v| key.is_match(&v.name) && value.is_match(&v.value))
        {
            found += 1;
        }
    }
    found == expressions && (!cat.template || template_ok)
}

/// Removes repeated diagnostics (a file included twice reports its findings twice), keeping
/// the first of each in order. Two are the same when code, place and message agree.
///
/// They are told apart by code and place first, and their messages compared only where those
/// agree: hashing every message read the text of ten thousand diagnostics after each edit of
/// a large file, for a handful of repeats.
fn dedupe(diagnostics: &mut Vec<Diagnostic>) {
    const NONE: u32 = u32::MAX;
    // The first diagnostic at each code and place; `next` chains the others there.
    let mut first: rustc_hash::FxHashMap<(&'static str, FileId, TextRange), u32> =
        rustc_hash::FxHashMap::default();
    first.reserve(diagnostics.len());
    let mut next = vec![NONE; diagnostics.len()];
    let mut keep = vec![true; diagnostics.len()];
    for (i, d) in diagnostics.iter().enumerate() {
        let place = (d.code.id, d.primary.file, d.primary.range);
        let Some(&head) = first.get(&place) else {
            first.insert(place, i as u32);
            continue;
        };
        let mut at = head as usize;
        loop {
            if *diagnostics[at].message == *d.message {
                keep[i] = false;
                break;
            }
            if next[at] == NONE {
                next[at] = i as u32;
                break;
            }
            at = next[at] as usize;
        }
    }
    let mut keep = keep.into_iter();
    diagnostics.retain(|_| keep.next().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::dedupe;
    use crate::codes;
    use pbxc_diagnostics::{Diagnostic, FileId, TextRange};

    /// A repeat (same code, place and message) goes, wherever it comes; a different message
    /// at the same code and place, or the same message elsewhere or under another code,
    /// stays; the order is kept.
    #[test]
    fn repeats_go_and_the_rest_keep_their_order() {
        let at = |start: usize, message: &str| {
            Diagnostic::new(
                codes::MISSING_EQUALS,
                message,
                FileId(0),
                TextRange::new(start, start + 1),
            )
        };
        let other_code = Diagnostic::new(codes::MISSING_NAME, "a", FileId(0), TextRange::new(0, 1));
        let other_file =
            Diagnostic::new(codes::MISSING_EQUALS, "a", FileId(1), TextRange::new(0, 1));
        let mut found = vec![
            at(0, "a"),
            at(0, "b"),
            at(5, "a"),
            at(0, "a"),
            other_code.clone(),
            at(0, "c"),
            at(0, "b"),
            other_file.clone(),
            at(0, "c"),
            other_code.clone(),
        ];
        dedupe(&mut found);
        let kept: Vec<(&str, u32, String)> = found
            .iter()
            .map(|d| {
                (
                    d.code.id,
                    d.primary.file.0,
                    format!("{}@{}", d.message, d.primary.range.start),
                )
            })
            .collect();
        let expected: Vec<(&str, u32, String)> = [
            (codes::MISSING_EQUALS.id, 0, "a@0"),
            (codes::MISSING_EQUALS.id, 0, "b@0"),
            (codes::MISSING_EQUALS.id, 0, "a@5"),
            (codes::MISSING_NAME.id, 0, "a@0"),
            (codes::MISSING_EQUALS.id, 0, "c@0"),
            (codes::MISSING_EQUALS.id, 1, "a@0"),
        ]
        .into_iter()
        .map(|(c, f, m)| (c, f, m.to_string()))
        .collect();
        assert_eq!(kept, expected);
    }
}
