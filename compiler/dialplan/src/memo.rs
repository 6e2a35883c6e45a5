//! Lowering a dialplan again after an edit (the language server, after every keystroke): a
//! section that alone makes its context, and whose lines are those of the last lowering
//! (moved, perhaps, by an edit above them), gives the context it gave then, moved alike.
//!
//! What a section lowers to depends only on its name, its header, its variables (names,
//! values, places, and whether each value is a plain copy of its source text), and the
//! globals (which `exten` names and includes are substituted with). Nothing in it depends on
//! where it is but its places, and those move with it. So the memo keeps, per section that
//! alone made its context, a print of all that with places relative to the section's header
//! (its bytes compared, not hashed), the context it made and its findings. A section of the
//! next configuration with the same print (and the same globals) takes a copy of that context
//! moved by how far its header moved. Any other section is lowered as usual. The result
//! equals lowering from scratch (tested over the corpus, with edits that move and change
//! sections).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pbxc_config::{Category, Origin};
use pbxc_diagnostics::{Diagnostic, FileId, SourceSet};

use crate::model::{Context, Dialplan, Extension, Global, Include, Priority, Switch};

/// What a caller keeps between lowerings of the same dialplans (see the module docs): for
/// each, the dialplan last made, its findings, and the prints of its sections.
#[derive(Default)]
pub struct LowerMemo {
    /// By the dialplan's root file.
    previous: Mutex<HashMap<Option<FileId>, Previous>>,
    /// How many sections the last lowering took from the one before.
    reused: std::sync::atomic::AtomicUsize,
    /// Where what a lowering is done with goes (the configuration it read, the lowering it
    /// replaced); dropped in place without one. The language server frees them on a thread
    /// of its own rather than in the edit's time.
    free: Option<Free>,
}

/// Takes what is no longer needed, to drop it elsewhere.
pub type Free = Box<dyn Fn(Box<dyn Send>) + Send + Sync>;

/// Dialplans remembered at most: a caller keeps one memo per configuration, which lowers one
/// dialplan or a few.
const DIALPLANS: usize = 4;

/// One lowering, remembered.
pub(crate) struct Previous {
    plan: Arc<Dialplan>,
    diagnostics: Vec<Diagnostic>,
    /// The sections that alone made their context, by name.
    sections: HashMap<Box<[u8]>, Made>,
}

/// What one section made.
pub(crate) struct Made {
    pub name: Box<[u8]>,
    /// The context it alone made (`None`: its name is shared with another section).
    pub context: Option<usize>,
    /// The findings it gave, a range of the lowering's.
    pub diagnostics: std::ops::Range<usize>,
    /// Whether it was taken from the lowering before.
    pub reused: bool,
    /// Where its header starts, and its [print](print) (shared with the next lowering's
    /// record of the section while the section stays as it is).
    pub header: u32,
    pub print: Arc<[u8]>,
}

impl LowerMemo {
    pub fn new() -> Self {
        Self::default()
    }

    /// A memo that hands what each lowering is done with to `free`.
    pub fn freeing_with(free: Free) -> Self {
        LowerMemo {
            free: Some(free),
            ..Self::default()
        }
    }

    fn done_with(&self, old: Box<dyn Send>) {
        match &self.free {
            Some(free) => free(old),
            None => drop(old),
        }
    }

    /// Lowers `config` as [`lower`](crate::lower) does, reusing what the last lowering of
    /// the same dialplan made wherever it still holds; remembers this one for the next.
    pub fn lower(
        &self,
        config: pbxc_config::Config,
        sources: &SourceSet,
    ) -> (Arc<Dialplan>, Vec<Diagnostic>) {
        let key = config.files.first().copied();
        let previous = lock(&self.previous).remove(&key);
        let (plan, diagnostics, made) =
            crate::lower::lower_reusing(&config, sources, previous.as_ref(), true);
        self.done_with(Box::new(config));
        let plan = Arc::new(plan);
        self.reused.store(
            made.iter().filter(|m| m.reused).count(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let sections = made
            .into_iter()
            .filter(|m| m.context.is_some())
            .map(|mut m| (std::mem::take(&mut m.name), m))
            .collect();
        let remembered = Previous {
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
        self.done_with(Box::new(previous));
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
    /// remembered section of its name has its `print` (see the module docs); with that
    /// print, to remember again.
    pub(crate) fn reuse(
        &self,
        cat: &Category,
        print: &[u8],
    ) -> Option<(Context, Vec<Diagnostic>, Arc<[u8]>)> {
        let made = self.sections.get(&cat.name)?;
        if *made.print != *print {
            return None;
        }
        let context = self.plan.contexts.get(made.context?)?;
        let delta = cat.header.range.start as i64 - made.header as i64;
        let diagnostics = self
            .diagnostics
            .get(made.diagnostics.clone())?
            .iter()
            .map(|d| d.shifted(delta))
            .collect();
        Some((
            moved_context(context, delta),
            diagnostics,
            made.print.clone(),
        ))
    }
}

/// What lowering `cat` reads besides the globals, as bytes: its header's file and length,
/// and each variable's name, value, whether it is an object and a plain copy of its source,
/// and its places (file, start relative to the header's, length). Two sections with the same
/// print lower alike, but for their places, which differ by how far their headers are apart.
pub(crate) fn print(cat: &Category, sources: &SourceSet, out: &mut Vec<u8>) {
    let base = cat.header.range.start as i64;
    out.reserve(64 + cat.variables.len() * 96);
    let number = |out: &mut Vec<u8>, n: i64| out.extend_from_slice(&n.to_le_bytes());
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        number(out, b.len() as i64);
        out.extend_from_slice(b);
    };
    let place = |out: &mut Vec<u8>, o: Origin| {
        number(out, o.file.0 as i64);
        number(out, o.range.start as i64 - base);
        number(out, o.range.len() as i64);
    };
    place(out, cat.header);
    number(out, cat.variables.len() as i64);
    for v in &cat.variables {
        bytes(out, &v.name);
        bytes(out, &v.value);
        number(out, v.object as i64);
        number(out, crate::lower::plain_copy(v, sources).is_some() as i64);
        place(out, v.origin);
        place(out, v.name_origin);
        number(out, v.value_origins.len() as i64);
        for &o in &v.value_origins {
            place(out, o);
        }
        match v.inherited_via {
            Some(o) => {
                number(out, 1);
                place(out, o);
            }
            None => number(out, 0),
        }
    }
}

fn moved(o: Origin, delta: i64) -> Origin {
    Origin {
        file: o.file,
        range: o.range.shifted(delta),
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
