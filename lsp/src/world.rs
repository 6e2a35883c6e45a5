//! The server's state, answered synchronously: open buffers go into the database, questions
//! are answered from the analysis of the root that covers the file. The protocol layer
//! (`server.rs`) only moves messages in and out of here, so tests and the benchmark drive
//! the same code without a transport.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbxc_diagnostics::FileId;
use pbxc_syntax::SyntaxTree;
use tower_lsp_server::ls_types::{self as ls, Uri};

use crate::analysis::Analysis;
use crate::convert::{Encoding, Lines};
use crate::db::{self, Database, Root};
use crate::publish::{Item, Publication, Published};

pub struct World {
    pub(crate) db: Database,
    pub(crate) encoding: Encoding,
    target: pbxc_check::Target,
    /// Workspace folders, each checked as a configuration directory when it is one.
    folders: Vec<PathBuf>,
    roots: HashMap<(PathBuf, bool), Root>,
    /// What was last published per file: unchanged diagnostics are not sent again, and the
    /// next list reuses the JSON of every diagnostic that did not change.
    published: HashMap<PathBuf, Published>,
    /// Per file, its list before last, whose buffers its next list is written into.
    spare: HashMap<PathBuf, Published>,
    /// Editor versions of open buffers.
    versions: HashMap<PathBuf, i32>,
    /// The latest analyses of each root (the one salsa replaced last too, until an input
    /// changes), held so that older ones are freed on the database's dropper thread instead
    /// of when salsa starts a revision.
    latest: HashMap<Root, Vec<Arc<Analysis>>>,
    /// The database revision at which `latest` was last trimmed.
    trimmed_at: u64,
    /// What the user should be told once the session is up (a setting that was ignored).
    warnings: Vec<String>,
    /// Bytes [pre-faulted](crate::allocator::prefault) after first analyses.
    prefaulted: usize,
}

/// A root whose files hold this many bytes or more is large: after its first analysis, the
/// memory its first edits will fill is touched at once (see [`crate::allocator::prefault`]).
const PREFAULT_FROM: usize = 256 << 10;

/// How much memory is touched per byte of the root's files. On the corpus's 1.7 MB dialplan
/// (`--bench stdio`, 2026-11-30) the first edit took 5,400 page faults more than later ones
/// with none touched, 4,600 with 16 bytes a byte, 1,000 with 32 and 350 with 48; the first
/// edit then took 30–32 ms with 16 and 21.5–22.6 ms with 32.
const PREFAULT_PER_BYTE: usize = 32;

/// At most this much is pre-faulted for one root.
const PREFAULT_MAX: usize = 64 << 20;

/// A file as one analysis sees it.
pub struct View {
    pub analysis: Arc<Analysis>,
    pub file: FileId,
    pub path: PathBuf,
    pub text: Arc<[u8]>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> Self {
        World {
            db: Database::new(),
            encoding: Encoding::Utf16,
            target: pbxc_check::Target::default(),
            folders: Vec::new(),
            roots: HashMap::new(),
            published: HashMap::new(),
            spare: HashMap::new(),
            versions: HashMap::new(),
            latest: HashMap::new(),
            trimmed_at: 0,
            warnings: Vec::new(),
            prefaulted: 0,
        }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Reads what the client announced: position encoding, workspace folders, target.
    pub fn initialize(&mut self, params: &ls::InitializeParams) -> ls::InitializeResult {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&ls::PositionEncodingKind::UTF8));
        self.encoding = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        if let Some(folders) = &params.workspace_folders {
            self.folders = folders
                .iter()
                .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
                .collect();
        }
        #[allow(deprecated)]
        if self.folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path())
        {
            self.folders.push(root.into_owned());
        }
        if let Some(target) = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("target"))
        {
            match target.as_str().and_then(parse_target) {
                Some(t) => self.target = t,
                None => self.warnings.push(format!(
                    "pbxc: unknown target {target}; checking for {} (choose one of asterisk-18, asterisk-20, asterisk-21, asterisk-22, pbx)",
                    self.target.describe()
                )),
            }
        }
        crate::capabilities::result(self.encoding)
    }

    /// What the user should be told, once.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    pub fn folders(&self) -> &[PathBuf] {
        &self.folders
    }

    /// The buffers the editor has open.
    pub fn open_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.versions.keys().cloned().collect();
        files.sort();
        files
    }

    /// The version of the catalog completion offers.
    pub fn catalog_version(&self) -> u8 {
        self.target.catalog_version()
    }

    pub fn set_folders(&mut self, folders: Vec<PathBuf>) {
        self.folders = folders;
    }

    pub fn open(&mut self, path: &Path, text: String, version: i32) {
        self.versions.insert(path.to_path_buf(), version);
        self.db.set_buffer(path, Arc::from(text.into_bytes()));
    }

    /// Applies the editor's changes, in order, to the buffer.
    pub fn change(
        &mut self,
        path: &Path,
        changes: Vec<ls::TextDocumentContentChangeEvent>,
        version: i32,
    ) {
        // A change to a document the editor never opened has nothing to apply to (the
        // protocol requires `didOpen` first): taking it for a new buffer would invent a file.
        if !self.db.is_open(path) {
            return;
        }
        let file = self.db.file(path);
        let mut text: Arc<[u8]> = file.text(&self.db).unwrap_or_else(|| Arc::from(&b""[..]));
        for change in changes {
            text = match change.range {
                None => Arc::from(change.text.into_bytes()),
                Some(range) => {
                    // The analysis of this very text has its line starts already.
                    let fresh;
                    let index = match self.known_lines(&text) {
                        Some(index) => index,
                        None => {
                            fresh = pbxc_diagnostics::LineIndex::new(&text);
                            &fresh
                        }
                    };
                    let lines = Lines {
                        text: &text,
                        index,
                        encoding: self.encoding,
                    };
                    let start = lines.offset(range.start);
                    let end = lines.offset(range.end).max(start);
                    let mut edited =
                        Vec::with_capacity(text.len() - (end - start) + change.text.len());
                    edited.extend_from_slice(&text[..start]);
                    edited.extend_from_slice(change.text.as_bytes());
                    edited.extend_from_slice(&text[end..]);
                    Arc::from(edited)
                }
            };
        }
        self.versions.insert(path.to_path_buf(), version);
        self.db.set_buffer(path, text);
    }

    /// The line starts of `text` if an analysis held here read exactly it.
    fn known_lines(&self, text: &Arc<[u8]>) -> Option<&pbxc_diagnostics::LineIndex> {
        self.latest.values().flatten().find_map(|a| {
            a.sources
                .iter()
                .find(|(_, f)| Arc::ptr_eq(&f.text, text))
                .map(|(_, f)| &f.lines)
        })
    }

    pub fn close(&mut self, path: &Path) {
        self.versions.remove(path);
        self.db.close_buffer(path);
        // The file checked on its own, if it was: nothing needs its analysis any more.
        if let Some(root) = self.roots.remove(&(path.to_path_buf(), false)) {
            if let Some(held) = self.latest.remove(&root) {
                self.db.free_later(held);
            }
            self.db.forget(path);
        }
    }

    /// The file watcher reported a change on disk.
    pub fn disk_changed(&mut self, path: &Path) {
        self.db.refresh_file(path);
    }

    fn root(&mut self, path: &Path, dir: bool) -> Root {
        let target = self.target;
        *self
            .roots
            .entry((path.to_path_buf(), dir))
            .or_insert_with(|| Root::new(&self.db, path.to_path_buf(), target))
    }

    /// Whether `dir` holds a file Asterisk loads by name.
    fn is_config_dir(&self, dir: &Path) -> bool {
        self.db
            .listing(dir)
            .entries(&self.db)
            .as_ref()
            .is_some_and(|entries| {
                entries
                    .iter()
                    .any(|e| !e.is_dir && pbxc_config::known::is_known(&e.name))
            })
    }

    /// The analysis that covers `path`: the first configuration directory (a workspace
    /// folder, or the file's own directory) whose check reads the file; else the file checked
    /// on its own.
    pub fn analysis_for(&mut self, path: &Path) -> Arc<Analysis> {
        let mut dirs: Vec<PathBuf> = self
            .folders
            .iter()
            .filter(|f| path.starts_with(f))
            .cloned()
            .collect();
        if let Some(parent) = path.parent()
            && !dirs.iter().any(|d| d == parent)
        {
            dirs.push(parent.to_path_buf());
        }
        for dir in dirs {
            if !self.is_config_dir(&dir) {
                continue;
            }
            let root = self.root(&dir, true);
            let analysis = self.analyze(root);
            if analysis.file(path).is_some() {
                return analysis;
            }
        }
        let root = self.root(path, false);
        self.analyze(root)
    }

    /// The analysis of workspace folder `dir` as a configuration directory, if it is one:
    /// what workspace symbols search before any of its files is open.
    pub fn folder_analysis(&mut self, dir: &Path) -> Option<Arc<Analysis>> {
        if !self.is_config_dir(dir) {
            return None;
        }
        let root = self.root(dir, true);
        Some(self.analyze(root))
    }

    fn analyze(&mut self, root: Root) -> Arc<Analysis> {
        // Since an input changed, an analysis held with a newer one after it is no longer
        // salsa's (see `Database::new_revision`): freed while this one is computed, rather
        // than after, so that three analyses are never in memory at once.
        if self.db.revision() != self.trimmed_at {
            self.trimmed_at = self.db.revision();
            for held in self.latest.values_mut() {
                let older = held.len().saturating_sub(1);
                if older > 0 {
                    let superseded: Vec<_> = held.drain(..older).collect();
                    self.db.free_later(superseded);
                }
            }
        }
        let analysis = db::analyze(&self.db, root);
        let held = self.latest.entry(root).or_default();
        if held.is_empty() {
            let bytes: usize = analysis.sources.iter().map(|(_, f)| f.text.len()).sum();
            if bytes >= PREFAULT_FROM {
                self.prefaulted += crate::allocator::prefault(
                    bytes.saturating_mul(PREFAULT_PER_BYTE).min(PREFAULT_MAX),
                );
            }
        }
        if !held.last().is_some_and(|last| Arc::ptr_eq(last, &analysis)) {
            held.push(analysis.clone());
            // Salsa keeps a replaced result until the next revision starts; the one before it
            // is no longer salsa's, so this is the last reference to it.
            if held.len() > 2 {
                let old = held.remove(0);
                self.db.free_later(old);
            }
        }
        analysis
    }

    /// Bytes touched ahead of first edits so far (see [`crate::allocator::prefault`]).
    pub fn prefaulted(&self) -> usize {
        self.prefaulted
    }

    /// The file in the analysis that covers it, with its text.
    pub fn view(&mut self, uri: &Uri) -> Option<View> {
        let path = uri.to_file_path()?.into_owned();
        let analysis = self.analysis_for(&path);
        let file = analysis.file(&path)?;
        let text = analysis.sources.get(file).text.clone();
        Some(View {
            analysis,
            file,
            path,
            text,
        })
    }

    /// A converter for a file of an analysis.
    pub fn lines<'a>(&self, analysis: &'a Analysis, file: FileId) -> Lines<'a> {
        lines(analysis, file, self.encoding)
    }

    /// The lossless tree of a file, from the database's cache.
    pub fn tree(&self, path: &Path) -> Option<Arc<SyntaxTree>> {
        db::parse(&self.db, self.db.file(path)).map(|p| p.tree.clone())
    }

    /// The analysis's index (built on first use).
    pub fn symbols<'a>(&self, analysis: &'a Analysis) -> &'a crate::analysis::Index {
        analysis.symbols(&|file| self.tree(analysis.sources.path(file)))
    }

    pub fn uri(path: &Path) -> Option<Uri> {
        Uri::from_file_path(crate::analysis::normalize(path))
    }

    pub fn location(
        &self,
        analysis: &Analysis,
        file: FileId,
        range: pbxc_diagnostics::TextRange,
    ) -> Option<ls::Location> {
        location(analysis, file, range, self.encoding)
    }

    /// Diagnostics that changed since they were last published, as the frames the server
    /// writes: for every file of the analyses covering the open buffers, in the order of
    /// their URIs.
    pub fn publish(&mut self) -> Vec<Publication> {
        let open = self.open_files();
        let mut analyses: Vec<Arc<Analysis>> = Vec::new();
        for path in &open {
            let a = self.analysis_for(path);
            if !analyses.iter().any(|b| Arc::ptr_eq(b, &a)) {
                analyses.push(a);
            }
        }
        // A file read by several analyses (an include shared by a directory and a file
        // checked alone) takes its diagnostics from one: directories first, as
        // `analysis_for` prefers them.
        analyses.sort_by_key(|a| !a.whole_directory);
        let mut fresh: HashMap<PathBuf, Vec<Item>> = HashMap::new();
        let mut claimed = std::collections::HashSet::new();
        for a in &analyses {
            let mut counts = vec![0; a.sources.len()];
            for d in &a.diagnostics {
                if let Some(n) = counts.get_mut(d.primary.file.0 as usize) {
                    *n += 1;
                }
            }
            let mut by_file: Vec<Vec<Item>> = counts.into_iter().map(Vec::with_capacity).collect();
            for d in &a.diagnostics {
                if let Some(list) = by_file.get_mut(d.primary.file.0 as usize) {
                    list.push(Item::Found(a, d));
                }
            }
            for ((_, source), list) in a.sources.iter().zip(by_file) {
                let path = crate::analysis::normalize(&source.path);
                if claimed.insert(path.clone()) {
                    let all = fresh.entry(path).or_default();
                    if all.is_empty() {
                        *all = list;
                    } else {
                        all.extend(list);
                    }
                }
            }
            if let Some(why) = &a.failure
                && let Some(path) = open.iter().find(|p| p.starts_with(&a.root))
            {
                fresh
                    .entry(path.clone())
                    .or_default()
                    .push(Item::Failure(why));
            }
        }
        // Files no analysis covers any more lose their diagnostics.
        for path in self.published.keys() {
            fresh.entry(path.clone()).or_default();
        }
        let mut out = Vec::new();
        for (path, items) in fresh {
            let old = self.published.remove(&path);
            let Some(old) = old else {
                if !items.is_empty() {
                    let now =
                        Published::default().next(self.encoding, &items, Published::default());
                    if let Some(publication) = self.publication(&path, &now) {
                        out.push(publication);
                    }
                    self.published.insert(path, now);
                }
                continue;
            };
            let spare = self.spare.remove(&path);
            if items.is_empty() {
                // The file's diagnostics are gone: published once as an empty list, then
                // nothing of them is kept (a list made again from nothing is not sent).
                let now = Published::default().next(self.encoding, &items, Published::default());
                if old.fingerprint != now.fingerprint
                    && let Some(publication) = self.publication(&path, &now)
                {
                    out.push(publication);
                }
                self.db.free_later((old, spare));
                continue;
            }
            let now = old.next(self.encoding, &items, spare.unwrap_or_default());
            if old.fingerprint != now.fingerprint
                && let Some(publication) = self.publication(&path, &now)
            {
                out.push(publication);
            }
            // Its buffers take this file's list after next.
            self.spare.insert(path.clone(), old);
            self.published.insert(path, now);
        }
        out.sort_by(|a, b| a.uri.as_str().cmp(b.uri.as_str()));
        out
    }

    /// The frame of `list` for `path`.
    fn publication(&self, path: &Path, list: &Published) -> Option<Publication> {
        let uri = World::uri(path)?;
        let version = self.versions.get(path).copied();
        let frame = list.frame(&uri, version);
        Some(Publication {
            uri,
            version,
            frame,
            converted: list.converted,
        })
    }

    /// [`publish`](Self::publish), each frame's diagnostics read back: for tests and tools
    /// that look at what the editor gets.
    pub fn diagnostics_to_publish(&mut self) -> Vec<(Uri, Vec<ls::Diagnostic>, Option<i32>)> {
        self.publish()
            .into_iter()
            .map(|p| {
                let diagnostics = p
                    .diagnostics()
                    .expect("the server's own frame is a publishDiagnostics notification");
                (p.uri, diagnostics, p.version)
            })
            .collect()
    }
}

pub fn parse_target(name: &str) -> Option<pbxc_check::Target> {
    if name == "pbx" {
        return Some(pbxc_check::Target::Pbx);
    }
    let v: u8 = name.strip_prefix("asterisk-")?.parse().ok()?;
    pbxc_stdlib::VERSIONS
        .contains(&v)
        .then_some(pbxc_check::Target::Asterisk(v))
}

/// A converter for a file of an analysis.
pub fn lines(analysis: &Analysis, file: FileId, encoding: crate::convert::Encoding) -> Lines<'_> {
    let source = analysis.sources.get(file);
    Lines {
        text: &source.text,
        index: &source.lines,
        encoding,
    }
}

/// Where a span of a file of an analysis is, for the editor.
pub fn location(
    analysis: &Analysis,
    file: FileId,
    range: pbxc_diagnostics::TextRange,
    encoding: crate::convert::Encoding,
) -> Option<ls::Location> {
    Some(ls::Location {
        uri: World::uri(analysis.sources.path(file))?,
        range: lines(analysis, file, encoding).range(range),
    })
}
