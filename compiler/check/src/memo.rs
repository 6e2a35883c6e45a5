//! Remembered findings of the rules that read one priority alone (applications, expressions)
//! and the scan of its data, keyed by exactly what they read: the application name, the data,
//! whether each is a plain copy of its source, and the target version. The language server
//! checks a dialplan again after every edit, and all but a few priorities are unchanged.
//!
//! A finding is kept in the coordinates of a stand-in priority: its data at offset 0 of
//! [`DATA`], its application name at offset 0 of [`APP`], its line as [`LINE`]. Reusing it for
//! a real priority moves it to that priority's places, which is exactly what
//! [`Step::span`] and [`Step::app_span`] would have computed there: those two are the only
//! ways these rules name a place.
//!
//! A check asks for the priorities in dialplan order, and after an edit nearly all of them in
//! the order the check before asked for them: each question is first put to the entry that
//! came next last time, and hashed only when that is not it. (Looked up in a hash table,
//! each of a large dialplan's priorities cost a few cache misses; in order, they cost about
//! as much as reading the dialplan.)
//!
//! What a run does not use stops counting as remembered when it ends, and is dropped once
//! such entries outnumber the remembered ones (a check that asks for one before then still
//! finds it), so the memo holds at most two dialplans' worth.
//!
//! The memo also keeps what the rules that read more than one priority can reuse:
//!
//! - the jump-target rule's resolution of each priority, for the dialplan's latest shape
//!   (its contexts, extensions, priorities, labels, includes, switches and globals:
//!   `targets::shape`), kept in the stand-in's coordinates like the findings above
//!   ([`Shapes`]);
//! - the lowering of the dialplans it checks ([`pbxc_dialplan::LowerMemo`]), so that a caller
//!   that keeps one memo per configuration keeps both.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pbxc_config::Origin;
use pbxc_diagnostics::{Diagnostic, FileId, TextRange};
use pbxc_dialplan::Priority;
use pbxc_expr::template::Template;

use crate::step::Step;
use crate::{Reference, Target};

const DATA: FileId = FileId(u32::MAX);
const APP: FileId = FileId(u32::MAX - 1);
const LINE: FileId = FileId(u32::MAX - 2);

/// What the local rules read of a priority. The application name is the one registered,
/// trailing blanks included: the rules read it trimmed, but the place of the name (and so a
/// fix's edit) depends on its whole length.
struct Key {
    app: pbxc_dialplan::Bytes,
    data: pbxc_dialplan::Bytes,
    app_exact: bool,
    data_exact: bool,
    target: Target,
}

impl Key {
    fn new(priority: &Priority, target: Target) -> Key {
        Key {
            app: priority.app.clone(),
            data: priority.data.clone(),
            app_exact: priority.app_origin.is_some(),
            data_exact: priority.data_origin.is_some(),
            target,
        }
    }

    fn is(&self, priority: &Priority, target: Target) -> bool {
        *self.app == *priority.app
            && *self.data == *priority.data
            && self.app_exact == priority.app_origin.is_some()
            && self.data_exact == priority.data_origin.is_some()
            && self.target == target
    }
}

/// A hash of what [`Key`] holds, computed without building one (FxHash's step: a lookup
/// runs for every priority of the dialplan).
fn hash(priority: &Priority, target: Target) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h: u64 = 0;
    let mut add = |word: u64| h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    for bytes in [&priority.app[..], &priority.data[..]] {
        add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        add(u64::from_le_bytes(last));
    }
    let target = match target {
        Target::Asterisk(v) => v as u64,
        Target::Pbx => 0x100,
    };
    add(target
        | (priority.app_origin.is_some() as u64) << 16
        | (priority.data_origin.is_some() as u64) << 17);
    h
}

/// What the local rules found for one priority, and its data scanned.
pub(crate) struct Local {
    pub template: Arc<Template>,
    diagnostics: Vec<Diagnostic>,
}

/// Hashes are already hashes.
#[derive(Default, Clone, Copy)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Entry indexes by hash.
type Index = HashMap<u64, smallvec::SmallVec<[u32; 1]>, std::hash::BuildHasherDefault<Identity>>;

struct Entry {
    key: Key,
    hash: u64,
    local: Arc<Local>,
    /// The last run that used it.
    used: u64,
    /// Where in that run's order it was (last) asked for.
    at: u32,
}

/// The memo a caller keeps between checks (see the module docs).
#[derive(Default)]
pub struct StepMemo {
    generations: Mutex<Generations>,
    shapes: Mutex<Shapes>,
    /// What the last check's [`ShapeRun`] copied.
    jumps_reused: std::sync::atomic::AtomicUsize,
    lowering: pbxc_dialplan::LowerMemo,
}

#[derive(Default)]
struct Generations {
    entries: Vec<Entry>,
    index: Index,
    /// Entries in the order the last run asked for them.
    order: Vec<u32>,
    /// The run in progress (or the last one).
    run: u64,
    /// How many entries the last run used.
    live: usize,
}

impl Generations {
    /// Drops the entries the last run did not use.
    fn compact(&mut self) {
        let run = self.run;
        let mut renumbered = Vec::with_capacity(self.entries.len());
        let mut next = 0u32;
        for e in &self.entries {
            renumbered.push(next);
            next += u32::from(e.used == run);
        }
        self.entries.retain(|e| e.used == run);
        for i in &mut self.order {
            *i = renumbered[*i as usize];
        }
        self.index.clear();
        for (i, e) in self.entries.iter().enumerate() {
            self.index.entry(e.hash).or_default().push(i as u32);
        }
    }
}

impl StepMemo {
    pub fn new() -> Self {
        Self::default()
    }

    /// A memo whose lowerings hand what they are done with to `free` (see
    /// [`pbxc_dialplan::LowerMemo::freeing_with`]).
    pub fn freeing_with(free: pbxc_dialplan::Free) -> Self {
        StepMemo {
            lowering: pbxc_dialplan::LowerMemo::freeing_with(free),
            ..Self::default()
        }
    }

    /// The memo of the lowerings whose dialplans this memo checks: a caller that keeps one
    /// keeps both.
    pub fn lowering(&self) -> &pbxc_dialplan::LowerMemo {
        &self.lowering
    }

    /// How many priorities' findings are remembered: those the last check used.
    pub fn len(&self) -> usize {
        self.generations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries are held: those remembered and those the last run did not use but
    /// that are not dropped yet (at most as many as are remembered, or 1024).
    pub fn held(&self) -> usize {
        self.generations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    /// Starts a run: the memo is held until the run ends.
    pub(crate) fn run(&self) -> Run<'_> {
        let mut generations = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        generations.run += 1;
        let expected = generations.order.len();
        Run {
            generations,
            order: Vec::with_capacity(expected),
            cursor: 0,
            live: 0,
        }
    }
}

/// One check's use of the memo.
pub(crate) struct Run<'m> {
    generations: std::sync::MutexGuard<'m, Generations>,
    /// The entries this run asked for, in order.
    order: Vec<u32>,
    /// Where in the last run's order the next question is expected.
    cursor: usize,
    live: usize,
}

impl Run<'_> {
    /// The remembered findings for a priority, or those `rules` find on a stand-in of it.
    pub(crate) fn local(
        &mut self,
        step: &Step,
        target: Target,
        rules: impl FnOnce(&Step, &mut Vec<Diagnostic>),
    ) -> Arc<Local> {
        let g = &mut *self.generations;
        let run = g.run;
        let next = g
            .order
            .get(self.cursor)
            .copied()
            .filter(|&i| g.entries[i as usize].key.is(step.priority, target));
        let found = next.or_else(|| {
            let h = hash(step.priority, target);
            let candidates = g.index.get(&h)?;
            candidates
                .iter()
                .copied()
                .find(|&i| g.entries[i as usize].key.is(step.priority, target))
        });
        let i = match (next, found) {
            (Some(i), _) => {
                self.cursor += 1;
                i
            }
            (None, Some(i)) => {
                // The questions after this one most likely follow it as they did last time
                // (an entry asked for at several places, such as `Return()`, holds its last).
                let e = &g.entries[i as usize];
                if e.used == run - 1 {
                    self.cursor = e.at as usize + 1;
                }
                i
            }
            (None, None) => {
                let local = compute(step, rules);
                let i = g.entries.len() as u32;
                let h = hash(step.priority, target);
                g.entries.push(Entry {
                    key: Key::new(step.priority, target),
                    hash: h,
                    local,
                    used: 0,
                    at: 0,
                });
                g.index.entry(h).or_default().push(i);
                i
            }
        };
        let e = &mut g.entries[i as usize];
        if e.used != run {
            e.used = run;
            self.live += 1;
        }
        self.order.push(i);
        e.local.clone()
    }
}

impl Drop for Run<'_> {
    /// What this run used is what the next one expects, in this order; what it did not
    /// use is dropped once it outnumbers the rest.
    fn drop(&mut self) {
        let g = &mut *self.generations;
        for (at, &i) in self.order.iter().enumerate() {
            g.entries[i as usize].at = at as u32;
        }
        g.order = std::mem::take(&mut self.order);
        g.live = self.live;
        if g.entries.len() - g.live > g.live.max(1024) {
            g.compact();
        }
    }
}

/// Runs `rules` on a stand-in of `step` (see the module docs).
fn compute(step: &Step, rules: impl FnOnce(&Step, &mut Vec<Diagnostic>)) -> Arc<Local> {
    let template = Arc::new(pbxc_expr::template::scan(&step.priority.data));
    let mut diagnostics = Vec::new();
    on_stand_in(step, template.clone(), |probe| {
        rules(probe, &mut diagnostics)
    });
    Arc::new(Local {
        template,
        diagnostics,
    })
}

/// Runs `f` on a stand-in of `step`: the same priority, its data and application name at
/// offset 0 of [`DATA`] and [`APP`], its line [`LINE`].
fn on_stand_in<T>(step: &Step, template: Arc<Template>, f: impl FnOnce(&Step) -> T) -> T {
    let stand_in = Priority {
        number: step.priority.number,
        label: None,
        app: step.priority.app.clone(),
        data: step.priority.data.clone(),
        origin: Origin {
            file: LINE,
            range: TextRange::empty(0),
        },
        app_origin: step.priority.app_origin.map(|o| Origin {
            file: APP,
            range: TextRange::new(0, o.range.len()),
        }),
        data_origin: step.priority.data_origin.map(|o| Origin {
            file: DATA,
            range: TextRange::new(0, o.range.len()),
        }),
    };
    let probe = Step {
        ctx: step.ctx,
        context: step.context,
        extension: step.extension,
        priority: &stand_in,
        app: step.app,
        data: &stand_in.data,
        template,
        entry: step.entry,
        params_split: Default::default(),
    };
    f(&probe)
}

/// A place of the stand-in, moved to `step`'s: exactly what [`Step::span`] and
/// [`Step::app_span`] compute there.
fn place(step: &Step, file: FileId, range: TextRange) -> (FileId, TextRange) {
    let shifted = |o: Origin| {
        (
            o.file,
            TextRange::new(
                o.range.start as usize + range.start as usize,
                o.range.start as usize + range.end as usize,
            ),
        )
    };
    match file {
        DATA => step.priority.data_origin.map_or(
            (step.priority.origin.file, step.priority.origin.range),
            shifted,
        ),
        APP => step.priority.app_origin.map_or(
            (step.priority.origin.file, step.priority.origin.range),
            shifted,
        ),
        // The rules only ever name the whole line.
        LINE => (step.priority.origin.file, step.priority.origin.range),
        other => (other, range),
    }
}

/// A finding on the stand-in, moved to `step`'s places.
fn moved(step: &Step, d: &Diagnostic) -> Diagnostic {
    let mut d = d.clone();
    (d.primary.file, d.primary.range) = place(step, d.primary.file, d.primary.range);
    for label in &mut d.secondary {
        (label.file, label.range) = place(step, label.file, label.range);
    }
    if let Some(fix) = &mut d.fix {
        for edit in &mut fix.edits {
            (edit.file, edit.range) = place(step, edit.file, edit.range);
        }
    }
    d
}

impl Local {
    /// How many findings it holds.
    pub(crate) fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// The findings, moved to `step`'s places.
    pub(crate) fn diagnostics_for(&self, step: &Step, out: &mut Vec<Diagnostic>) {
        out.extend(self.diagnostics.iter().map(|d| moved(step, d)));
    }
}

/// Remembered jump resolutions (the `targets` rule). What a priority's jumps resolve to
/// depends on the rest of the dialplan only through its shape (the names of its contexts,
/// extensions, priorities and labels, its includes, its globals: see `targets::shape`). So
/// for each shape seen lately, each priority's findings are kept by its place in the
/// dialplan's order, in the coordinates of its stand-in, with what they were found for: an
/// edit that keeps the shape (most edits of an application or its data) resolves again the
/// priorities it changed, and copies the rest.
#[derive(Default)]
struct Shapes {
    /// The most recently used last.
    seen: Vec<Seen>,
}

/// A dialplan's resolutions for its latest shape, by the priority's place in the
/// dialplan's order (boxed: most priorities jump nowhere, and an empty slot is then a null
/// pointer).
struct Seen {
    /// The dialplan: the file of its first section.
    dialplan: Option<FileId>,
    shape: Box<[u8]>,
    slots: Vec<Option<Box<Resolved>>>,
}

/// Dialplans whose latest shape is kept: a root checks one dialplan in all but rare
/// configurations (a file named `extensions*.conf` checked on its own beside it). Only the
/// latest shape of each is kept (the memory of each is that of its findings): an edit that
/// changes the shape, and its undoing, resolve every jump afresh.
const DIALPLANS: usize = 4;

/// What resolving one priority's jumps found on its stand-in.
pub(crate) struct Resolved {
    key: Key,
    ctx: usize,
    number: i32,
    diagnostics: Vec<Diagnostic>,
    references: Vec<Reference>,
    reached: Vec<(usize, usize, i32)>,
}

/// The jump resolutions of one check of a dialplan of one shape: its slots, taken out of
/// the memo (which stays locked) until the check is done with them.
pub(crate) struct ShapeRun<'m> {
    shapes: std::sync::MutexGuard<'m, Shapes>,
    slots: Vec<Option<Box<Resolved>>>,
    target: Target,
    /// How many resolutions this run copied rather than found.
    reused: usize,
    counter: &'m std::sync::atomic::AtomicUsize,
}

impl Drop for ShapeRun<'_> {
    fn drop(&mut self) {
        if let Some(seen) = self.shapes.seen.last_mut() {
            seen.slots = std::mem::take(&mut self.slots);
        }
        self.counter
            .store(self.reused, std::sync::atomic::Ordering::Relaxed);
    }
}

impl StepMemo {
    /// The resolutions remembered for a dialplan of shape `shape` with `steps` priorities.
    pub(crate) fn shape(
        &self,
        dialplan: Option<FileId>,
        shape: &[u8],
        steps: usize,
        target: Target,
    ) -> ShapeRun<'_> {
        let mut shapes = self.shapes.lock().unwrap_or_else(|e| e.into_inner());
        let seen = &mut shapes.seen;
        match seen.iter().position(|s| s.dialplan == dialplan) {
            Some(i) => {
                let mut entry = seen.remove(i);
                if *entry.shape != *shape {
                    // Another shape of the same dialplan: what was found for the old one
                    // no longer holds.
                    entry.shape = shape.into();
                    entry.slots = Vec::new();
                }
                seen.push(entry);
            }
            None => {
                if seen.len() >= DIALPLANS {
                    seen.remove(0);
                }
                seen.push(Seen {
                    dialplan,
                    shape: shape.into(),
                    slots: Vec::new(),
                });
            }
        }
        let mut slots = seen
            .last_mut()
            .map(|s| std::mem::take(&mut s.slots))
            .unwrap_or_default();
        slots.resize_with(steps, || None);
        ShapeRun {
            shapes,
            slots,
            target,
            reused: 0,
            counter: &self.jumps_reused,
        }
    }

    /// How many priorities' jump resolutions the last check copied from an earlier one.
    pub fn jumps_reused(&self) -> usize {
        self.jumps_reused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl ShapeRun<'_> {
    /// The resolution of `step`, number `index` of the dialplan's steps: remembered, or
    /// found by `resolve` on a stand-in of it (findings, references, priorities reached).
    pub(crate) fn step(
        &mut self,
        index: usize,
        step: &Step,
        resolve: impl FnOnce(&Step) -> (Vec<Diagnostic>, Vec<Reference>, Vec<(usize, usize, i32)>),
    ) -> &Resolved {
        let target = self.target;
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        let slot = &mut self.slots[index];
        let same = slot.as_ref().is_some_and(|r| {
            r.ctx == step.ctx && r.number == step.priority.number && r.key.is(step.priority, target)
        });
        if same {
            self.reused += 1;
        } else {
            *slot = None;
        }
        slot.get_or_insert_with(|| {
            let (diagnostics, references, reached) =
                on_stand_in(step, step.template.clone(), resolve);
            Box::new(Resolved {
                key: Key::new(step.priority, target),
                ctx: step.ctx,
                number: step.priority.number,
                diagnostics,
                references,
                reached,
            })
        })
    }
}

impl Resolved {
    /// The findings and references, moved to `step`'s places, and the priorities reached.
    pub(crate) fn emit(
        &self,
        step: &Step,
        reached: &mut impl Extend<(usize, usize, i32)>,
        references: &mut Vec<Reference>,
        out: &mut Vec<Diagnostic>,
    ) {
        out.extend(self.diagnostics.iter().map(|d| moved(step, d)));
        references.extend(self.references.iter().map(|r| {
            let (file, range) = place(step, r.file, r.range);
            Reference {
                file,
                range,
                destination: r.destination,
            }
        }));
        reached.extend(self.reached.iter().copied());
    }
}
