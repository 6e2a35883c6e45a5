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
//! What a run does not use is forgotten when it ends, so the memo holds one dialplan's worth.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pbxc_config::Origin;
use pbxc_diagnostics::{Diagnostic, FileId, TextRange};
use pbxc_dialplan::Priority;
use pbxc_expr::template::Template;

use crate::Target;
use crate::step::Step;

const DATA: FileId = FileId(u32::MAX);
const APP: FileId = FileId(u32::MAX - 1);
const LINE: FileId = FileId(u32::MAX - 2);

/// What the local rules read of a priority. The application name is the one registered,
/// trailing blanks included: the rules read it trimmed, but the place of the name (and so a
/// fix's edit) depends on its whole length.
struct Key {
    app: Box<[u8]>,
    data: Box<[u8]>,
    app_exact: bool,
    data_exact: bool,
    target: Target,
}

impl Key {
    fn new(priority: &Priority, target: Target) -> Key {
        Key {
            app: priority.app.as_slice().into(),
            data: priority.data.as_slice().into(),
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
    for bytes in [priority.app.as_slice(), priority.data.as_slice()] {
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

type Table = HashMap<u64, Vec<Entry>, std::hash::BuildHasherDefault<Identity>>;

struct Entry {
    key: Key,
    local: Arc<Local>,
    /// The last run that used it.
    used: u64,
}

/// The memo a caller keeps between checks (see the module docs).
#[derive(Default)]
pub struct StepMemo {
    generations: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    table: Table,
    /// The run in progress (or the last one).
    run: u64,
}

impl StepMemo {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many priorities' findings are remembered.
    pub fn len(&self) -> usize {
        let g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        g.table.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts a run: the memo is held until the run ends.
    pub(crate) fn run(&self) -> Run<'_> {
        let mut generations = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        generations.run += 1;
        Run { generations }
    }
}

/// One check's use of the memo.
pub(crate) struct Run<'m> {
    generations: std::sync::MutexGuard<'m, Generations>,
}

impl Run<'_> {
    /// The remembered findings for a priority, or those `rules` find on a stand-in of it.
    pub(crate) fn local(
        &mut self,
        step: &Step,
        target: Target,
        rules: impl FnOnce(&Step, &mut Vec<Diagnostic>),
    ) -> Arc<Local> {
        let h = hash(step.priority, target);
        let g = &mut *self.generations;
        let run = g.run;
        // Entries stay where they are from run to run, stamped with the last run that used
        // them: moving them into a new table each run was most of a re-check's cost.
        let bucket = g.table.entry(h).or_default();
        if let Some(hit) = bucket.iter_mut().find(|e| e.key.is(step.priority, target)) {
            hit.used = run;
            return hit.local.clone();
        }
        let local = compute(step, rules);
        bucket.push(Entry {
            key: Key::new(step.priority, target),
            local: local.clone(),
            used: run,
        });
        local
    }
}

impl Drop for Run<'_> {
    /// What this run did not use is forgotten now; what it used waits for the next run.
    fn drop(&mut self) {
        let g = &mut *self.generations;
        let run = g.run;
        g.table.retain(|_, bucket| {
            bucket.retain(|e| e.used == run);
            !bucket.is_empty()
        });
    }
}

/// Runs `rules` on a stand-in of `step` (see the module docs).
fn compute(step: &Step, rules: impl FnOnce(&Step, &mut Vec<Diagnostic>)) -> Arc<Local> {
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
    let template = Arc::new(pbxc_expr::template::scan(&step.priority.data));
    let probe = Step {
        ctx: step.ctx,
        context: step.context,
        extension: step.extension,
        priority: &stand_in,
        app: step.app,
        data: &stand_in.data,
        template: template.clone(),
        entry: step.entry,
    };
    let mut diagnostics = Vec::new();
    rules(&probe, &mut diagnostics);
    Arc::new(Local {
        template,
        diagnostics,
    })
}

impl Local {
    /// The findings, moved to `step`'s places.
    pub(crate) fn diagnostics_for(&self, step: &Step, out: &mut Vec<Diagnostic>) {
        let place = |file: FileId, range: TextRange| -> (FileId, TextRange) {
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
        };
        for d in &self.diagnostics {
            let mut d = d.clone();
            (d.primary.file, d.primary.range) = place(d.primary.file, d.primary.range);
            for label in &mut d.secondary {
                (label.file, label.range) = place(label.file, label.range);
            }
            if let Some(fix) = &mut d.fix {
                for edit in &mut fix.edits {
                    (edit.file, edit.range) = place(edit.file, edit.range);
                }
            }
            out.push(d);
        }
    }
}
