//! Lowering a dialplan again after an edit (the language server, after every keystroke): a
//! section that alone makes its context, and whose lines are those of the last lowering
//! (moved, perhaps, by an edit above them), gives the context it gave then, moved alike.
//!
//! What a section lowers to depends only on its name, its header, its variables (names,
//! values, places, and whether each value is a plain copy of its source text), and the
//! globals (which `exten` names and includes are substituted with). Nothing in it depends on
//! where it is but its places, and those move with it. So the memo keeps the configuration
//! last lowered, the dialplan it gave and, per section, the context and findings it made;
//! a section of the next configuration that matches one of them in all of that, its places
//! all moved by one amount, takes a copy of that context moved by that amount. Any other
//! section is lowered as usual. The result equals lowering from scratch (tested over the
//! corpus, with edits that move and change sections).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pbxc_config::{Category, Config, Origin, Variable};
use pbxc_diagnostics::{Diagnostic, FileId, SourceSet, TextRange};

use crate::model::{Context, Dialplan, Extension, Global, Include, Priority, Switch};

/// What a caller keeps between lowerings of the same dialplans (see the module docs): the
/// last configuration lowered of each (its variables are what a section is compared with),
/// the dialplan it gave, and its findings.
#[derive(Default)]
pub struct LowerMemo {
    /// By the dialplan's root file.
    previous: Mutex<HashMap<Option<FileId>, Previous>>,
    /// How many sections the last lowering took from the one before.
    reused: std::sync::atomic::AtomicUsize,
}

/// Dialplans remembered at most: a caller keeps one memo per configuration, which lowers one
/// dialplan or a few.
const DIALPLANS: usize = 4;

/// One lowering, remembered.
pub(crate) struct Previous {
    config: Config,
    plan: Arc<Dialplan>,
    diagnostics: Vec<Diagnostic>,
    /// The sections that alone made their context, by name.
    sections: HashMap<Box<[u8]>, Made>,
}

/// What one section made.
pub(crate) struct Made {
    /// The section, an index into the configuration's categories.
    pub category: usize,
    /// The context it alone made (`None`: its name is shared with another section, or it
    /// made none).
    pub context: Option<usize>,
    /// The findings it gave, a range of the lowering's.
    pub diagnostics: std::ops::Range<usize>,
    /// Whether it was taken from the lowering before.
    pub reused: bool,
    /// Whether each variable's value is a plain copy of its source.
    pub plain: Vec<bool>,
}

impl LowerMemo {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lowers `config` as [`lower`](crate::lower) does, reusing what the last lowering of
    /// the same dialplan made wherever it still holds; remembers this one for the next.
    pub fn lower(&self, config: Config, sources: &SourceSet) -> (Arc<Dialplan>, Vec<Diagnostic>) {
        let key = config.files.first().copied();
        let previous = lock(&self.previous).remove(&key);
        let (plan, diagnostics, made) =
            crate::lower::lower_reusing(&config, sources, previous.as_ref(), true);
        let plan = Arc::new(plan);
        self.reused.store(
            made.iter().filter(|m| m.reused).count(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let sections = made
            .into_iter()
            .filter(|m| m.context.is_some())
            .filter_map(|m| Some((config.categories.get(m.category)?.name.clone(), m)))
            .collect();
        let remembered = Previous {
            config,
            plan: plan.clone(),
            diagnostics: diagnostics.clone(),
            sections,
        };
        let mut all = lock(&self.previous);
        if all.len() >= DIALPLANS
            && let Some(&other) = all.keys().next()
        {
            all.remove(&other);
        }
        all.insert(key, remembered);
        drop(all);
        drop(previous);
        (plan, diagnostics)
    }

    /// How many sections the last lowering took from the one before it.
    pub fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Previous {
    /// Whether the globals are those the remembered sections were substituted with.
    pub(crate) fn same_globals(&self, globals: &[Global]) -> bool {
        self.plan.globals.len() == globals.len()
            && self
                .plan
                .globals
                .iter()
                .zip(globals)
                .all(|(a, b)| a.name == b.name && a.value == b.value)
    }

    /// The context and findings section `cat` makes, when it alone makes its context and a
    /// remembered section matches it (see the module docs); with whether each of its
    /// variables is a plain copy.
    pub(crate) fn reuse(
        &self,
        cat: &Category,
        plain: &[bool],
    ) -> Option<(Context, Vec<Diagnostic>)> {
        let made = self.sections.get(&cat.name)?;
        let old = self.config.categories.get(made.category)?;
        let context = self.plan.contexts.get(made.context?)?;
        if old.header.file != cat.header.file
            || old.variables.len() != cat.variables.len()
            || made.plain != plain
        {
            return None;
        }
        let delta = cat.header.range.start as i64 - old.header.range.start as i64;
        let moves = |old: Origin, new: Origin| moved(old, delta) == new;
        let same = moves(old.header, cat.header)
            && old.variables.iter().zip(&cat.variables).all(|(o, n)| {
                o.name == n.name
                    && o.value == n.value
                    && o.object == n.object
                    && moves(o.origin, n.origin)
                    && moves(o.name_origin, n.name_origin)
                    && o.value_origins.len() == n.value_origins.len()
                    && o.value_origins
                        .iter()
                        .zip(&n.value_origins)
                        .all(|(a, b)| moves(*a, *b))
                    && match (o.inherited_via, n.inherited_via) {
                        (None, None) => true,
                        (Some(a), Some(b)) => moves(a, b),
                        _ => false,
                    }
            });
        if !same {
            return None;
        }
        let diagnostics = self
            .diagnostics
            .get(made.diagnostics.clone())?
            .iter()
            .map(|d| moved_diagnostic(d, delta))
            .collect();
        Some((moved_context(context, delta), diagnostics))
    }
}

/// Whether each of `cat`'s variables is a plain copy of its source text (what lowering
/// reads of the source besides the variables).
pub(crate) fn plain_flags(cat: &Category, sources: &SourceSet) -> Vec<bool> {
    cat.variables
        .iter()
        .map(|v: &Variable| crate::lower::plain_copy(v, sources).is_some())
        .collect()
}

fn moved_range(range: TextRange, delta: i64) -> TextRange {
    TextRange {
        start: (range.start as i64 + delta) as u32,
        end: (range.end as i64 + delta) as u32,
    }
}

fn moved(o: Origin, delta: i64) -> Origin {
    Origin {
        file: o.file,
        range: moved_range(o.range, delta),
    }
}

fn moved_context(c: &Context, delta: i64) -> Context {
    Context {
        name: c.name.clone(),
        sections: c.sections.iter().map(|&o| moved(o, delta)).collect(),
        extensions: c
            .extensions
            .iter()
            .map(|e| Extension {
                name: e.name.clone(),
                cid: e.cid.clone(),
                priorities: e
                    .priorities
                    .iter()
                    .map(|p| Priority {
                        number: p.number,
                        label: p.label.clone(),
                        app: p.app.clone(),
                        data: p.data.clone(),
                        origin: moved(p.origin, delta),
                        app_origin: p.app_origin.map(|o| moved(o, delta)),
                        data_origin: p.data_origin.map(|o| moved(o, delta)),
                    })
                    .collect(),
                origin: moved(e.origin, delta),
            })
            .collect(),
        includes: c
            .includes
            .iter()
            .map(|i| Include {
                value: i.value.clone(),
                context: i.context.clone(),
                origin: moved(i.origin, delta),
            })
            .collect(),
        switches: c
            .switches
            .iter()
            .map(|s| Switch {
                name: s.name.clone(),
                data: s.data.clone(),
                eval: s.eval,
                origin: moved(s.origin, delta),
            })
            .collect(),
        ignorepats: c
            .ignorepats
            .iter()
            .map(|(p, o)| (p.clone(), moved(*o, delta)))
            .collect(),
        autohints: c.autohints,
    }
}

fn moved_diagnostic(d: &Diagnostic, delta: i64) -> Diagnostic {
    let mut d = d.clone();
    d.primary.range = moved_range(d.primary.range, delta);
    for label in &mut d.secondary {
        label.range = moved_range(label.range, delta);
    }
    if let Some(fix) = &mut d.fix {
        for edit in &mut fix.edits {
            edit.range = moved_range(edit.range, delta);
        }
    }
    d
}
