//! Routing without walking: for each context, every extension it can reach flattened once in
//! the order [`route::find_at`](crate::route::find_at) searches them (its own, then its
//! includes depth-first, each context once), with literals in a hash map and patterns in a
//! trie of character classes, determinized over the bytes numbers are dialled with (digits,
//! `*`, `#`) into a table-driven automaton. A lookup then costs a hash probe and one table
//! step a byte, whatever the number of extensions and includes — and answers exactly what
//! `route::find_at` answers: every
//! pattern the trie proposes is confirmed with [`extension_match`], and the candidates are
//! tried in search order.
//!
//! A context whose include tree has time-conditioned includes is flattened once for each
//! combination of them open and closed that a lookup meets (which contexts a search visits,
//! and in which order, depends on that): a lookup evaluates the conditions, then searches
//! that flattening. With more than [`TIMED_INCLUDES`] such includes, or for a combination
//! met after [`TIMED_FLATTENINGS`] others, lookups walk. A new combination's flattening is
//! built by the lookup that first meets it (the first call after 09:00 pays for it).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;

use crate::model::{Dialplan, Extension};
use crate::route::{self, Mode, extension_match};
use crate::timing::{Moment, Timing};

/// Per context, the context each of its includes names (by its exact name), if any.
type Targets = Vec<Vec<Option<usize>>>;

/// Where a lookup found its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub context: usize,
    pub extension: usize,
}

/// The routing index of a dialplan; contexts are flattened on first use.
pub struct RouteIndex<'p> {
    plan: &'p Dialplan,
    /// Each context's reach, `None` where it depends on the clock.
    contexts: Vec<OnceLock<Option<Flat>>>,
    /// For those, the reach per combination of open time-conditioned includes.
    timed: Vec<OnceLock<Option<Timed>>>,
    /// For those too, the start of the search order that no clock changes.
    fixed: Vec<OnceLock<Fixed>>,
    by_name: HashMap<&'p [u8], usize>,
    /// Per context, the context each of its includes names (exactly), if there is one.
    targets: Targets,
    /// Whether some include's time condition names a time zone ([`route::is_zoned`]).
    zoned: bool,
    /// Per context, whether a search from it can meet a `switch =>`; `None` when the
    /// dialplan has none (see [`RouteIndex::meets_switch`]).
    switches: Option<Vec<bool>>,
}

/// For each context, whether it or a context it includes (by exact name, at any depth, time
/// conditions aside) has a switch; `None` when no context has one.
fn meets_switches(plan: &Dialplan) -> Option<Vec<bool>> {
    let mut meets: Vec<bool> = plan
        .contexts
        .iter()
        .map(|c| !c.switches.is_empty())
        .collect();
    if !meets.contains(&true) {
        return None;
    }
    let mut by_name: HashMap<&[u8], usize> = HashMap::default();
    for (i, c) in plan.contexts.iter().enumerate() {
        by_name.entry(c.name.as_slice()).or_insert(i);
    }
    // To a fixed point: each round carries the flag one include further back.
    let mut changed = true;
    while changed {
        changed = false;
        for (i, c) in plan.contexts.iter().enumerate() {
            if meets[i] {
                continue;
            }
            let includes = c.includes.iter();
            if includes
                .filter_map(|inc| by_name.get(inc.context.as_slice()))
                .any(|&j| meets[j])
            {
                meets[i] = true;
                changed = true;
            }
        }
    }
    Some(meets)
}

/// Time-conditioned includes a context's reach may have before its lookups walk instead:
/// each combination of them open and closed is a flattening of its own.
pub const TIMED_INCLUDES: usize = 8;

/// Flattenings kept per context whose reach depends on the clock: a day of business hours
/// needs two or three; a combination met after these is walked, so that memory stays
/// bounded whatever the conditions.
pub const TIMED_FLATTENINGS: usize = 4;
const _: () = assert!(
    TIMED_INCLUDES <= 8,
    "the set open must fit the cache's 8 bits"
);

/// What a search from a context whose reach depends on the clock meets before its first
/// time-conditioned include.
struct Fixed {
    entries: Vec<(u32, u32)>,
    /// The contexts of `entries`, in order (a handful).
    contexts: Vec<usize>,
}

/// The reach of a context whose search depends on the clock.
struct Timed {
    /// Every time-conditioned include a search from the context can meet — `(context,
    /// include)` indices — with its condition (`None`: unreadable, so always open).
    includes: Vec<(usize, usize, Option<Timing>)>,
    /// Indexed by the set of open includes (bit `k` for `includes[k]`); `None` for a
    /// combination met after [`TIMED_FLATTENINGS`] others.
    flats: Vec<OnceLock<Option<Flat>>>,
    built: AtomicUsize,
    /// The set open during the minute last asked about, and the server's zone then:
    /// `(minute + 1) << 24 | zone << 8 | set`, 0 for none. Computing it is a calendar
    /// conversion per include, which would cost a lookup more than the search itself; without
    /// zones of their own (conditions then read the server's zone) the set cannot change
    /// within a minute of the epoch, as long as the server's offset is whole minutes then. A
    /// zone may be offset by seconds (local mean time, Monrovia until 1972), so conditions
    /// that name one are never cached.
    last: AtomicU64,
    cached: bool,
}

impl<'p> RouteIndex<'p> {
    pub fn new(plan: &'p Dialplan) -> Self {
        let mut by_name = HashMap::default();
        for (i, c) in plan.contexts.iter().enumerate() {
            by_name.entry(c.name.as_slice()).or_insert(i);
        }
        let targets = plan
            .contexts
            .iter()
            .map(|c| {
                c.includes
                    .iter()
                    .map(|inc| by_name.get(inc.context.as_slice()).copied())
                    .collect()
            })
            .collect();
        RouteIndex {
            plan,
            targets,
            contexts: (0..plan.contexts.len()).map(|_| OnceLock::new()).collect(),
            timed: (0..plan.contexts.len()).map(|_| OnceLock::new()).collect(),
            fixed: (0..plan.contexts.len()).map(|_| OnceLock::new()).collect(),
            by_name,
            zoned: plan
                .contexts
                .iter()
                .any(|c| c.includes.iter().any(route::is_zoned)),
            switches: meets_switches(plan),
        }
    }

    /// Whether a search from context `ctx` can meet a `switch =>`: one of its own, or of a
    /// context it includes at any depth, whatever the time. The flattenings leave switches
    /// out (pbxc has no switch modules, so none ever answers); a caller that reports the
    /// switches a lookup passes walks the search where this holds.
    pub fn meets_switch(&self, ctx: usize) -> bool {
        self.switches
            .as_ref()
            .is_some_and(|s| s.get(ctx).copied().unwrap_or(false))
    }

    /// Whether the dialplan has a `switch =>` at all.
    pub fn has_switches(&self) -> bool {
        self.switches.is_some()
    }

    /// The dialplan this index answers for.
    pub fn plan(&self) -> &'p Dialplan {
        self.plan
    }

    /// Whether a time condition of the dialplan names a time zone: whether an include is
    /// open may then change at any second, not only when a minute of the epoch begins.
    pub fn names_a_time_zone(&self) -> bool {
        self.zoned
    }

    /// The (context, extension) pairs a search of context `ctx` tries, in order; `None` when
    /// that order depends on the clock (a time-conditioned include).
    pub fn order(&self, ctx: usize) -> Option<&[(u32, u32)]> {
        self.untimed(ctx).map(|f| f.entries.as_slice())
    }

    /// The start of the search order of context `ctx` that is the same at any time: all of
    /// it ([`RouteIndex::order`]) when no include depends on the clock, else everything the
    /// search visits before it meets its first time-conditioned include. The context's own
    /// extensions are always in it, since a search tries them before any include.
    ///
    /// An extension in it answers a number the same way at any time: what a search tries
    /// before it never depends on the clock, and it is always reached.
    pub fn fixed_order(&self, ctx: usize) -> &[(u32, u32)] {
        if let Some(order) = self.order(ctx) {
            return order;
        }
        self.fixed_part(ctx).map_or(&[], |f| f.entries.as_slice())
    }

    /// Whether the extensions of context `of` are in the [`RouteIndex::fixed_order`] of
    /// `ctx` (where the search reaches them at all).
    pub fn is_fixed(&self, ctx: usize, of: usize) -> bool {
        self.order(ctx).is_some()
            || self
                .fixed_part(ctx)
                .is_some_and(|f| f.contexts.contains(&of))
    }

    fn fixed_part(&self, ctx: usize) -> Option<&Fixed> {
        Some(self.fixed.get(ctx)?.get_or_init(|| {
            let mut contexts = Vec::new();
            // Stops at the first time-conditioned include, with everything before it in
            // `contexts`.
            walk(
                self.plan,
                &self.targets,
                ctx,
                &mut Vec::new(),
                &mut contexts,
                &|_, _| None,
                &mut Exceeded::default(),
            );
            Fixed {
                entries: entries(self.plan, &contexts),
                contexts,
            }
        }))
    }

    /// For a context whose search order depends on the clock: which of its time-conditioned
    /// includes are open at `now` (a set that changes only when one opens or closes), and
    /// the order a search at `now` tries extensions in. `None` for a context whose order
    /// does not depend on the clock, and where lookups at `now` walk the includes (past
    /// [`TIMED_INCLUDES`] or [`TIMED_FLATTENINGS`]).
    pub fn timed_order(&self, ctx: usize, now: Moment) -> Option<(usize, &[(u32, u32)])> {
        if self.untimed(ctx).is_some() {
            return None;
        }
        let (open, flat) = self.timed_flat(ctx, now)?;
        Some((open, flat?.entries.as_slice()))
    }

    /// The set of [`RouteIndex::timed_order`] alone, without building a flattening: also
    /// given for a combination whose lookups walk, but not past [`TIMED_INCLUDES`].
    pub fn open_set(&self, ctx: usize, now: Moment) -> Option<usize> {
        if self.untimed(ctx).is_some() {
            return None;
        }
        let timed = self
            .timed
            .get(ctx)?
            .get_or_init(|| Timed::new(self.plan, &self.targets, ctx))
            .as_ref()?;
        Some(timed.open_at(now))
    }

    /// Whether lookups in context `ctx` at `now` search a flattening (rather than walk the
    /// includes, as they do past [`TIMED_INCLUDES`] or [`TIMED_FLATTENINGS`]).
    pub fn flattened(&self, ctx: usize, now: Moment) -> bool {
        self.flat(ctx, now).is_some()
    }

    /// The reach of `ctx` when it does not depend on the clock.
    fn untimed(&self, ctx: usize) -> Option<&Flat> {
        self.contexts
            .get(ctx)?
            .get_or_init(|| Flat::build(self.plan, &self.targets, ctx, &|_, _| None))
            .as_ref()
    }

    /// The reach of `ctx` at `now`; `None` (the lookup walks) past [`TIMED_INCLUDES`] or
    /// [`TIMED_FLATTENINGS`].
    fn flat(&self, ctx: usize, now: Moment) -> Option<&Flat> {
        if let Some(flat) = self.untimed(ctx) {
            return Some(flat);
        }
        self.timed_flat(ctx, now)?.1
    }

    /// For a context whose reach depends on the clock, the set of includes open at `now`
    /// and its flattening, if it has one.
    fn timed_flat(&self, ctx: usize, now: Moment) -> Option<(usize, Option<&Flat>)> {
        let timed = self
            .timed
            .get(ctx)?
            .get_or_init(|| Timed::new(self.plan, &self.targets, ctx))
            .as_ref()?;
        let open = timed.open_at(now);
        let flat = timed.flats[open]
            .get_or_init(|| {
                if timed.built.fetch_add(1, Ordering::Relaxed) >= TIMED_FLATTENINGS {
                    return None;
                }
                // Every timed include the search can meet is in the list, so this answers
                // for each (`None`, a walk, only if that were not so).
                let is_open = |c: usize, n: usize| {
                    let k = timed
                        .includes
                        .iter()
                        .position(|&(ic, inc, _)| (ic, inc) == (c, n))?;
                    Some(open & 1 << k != 0)
                };
                Flat::build(self.plan, &self.targets, ctx, &is_open)
            })
            .as_ref();
        Some((open, flat))
    }

    /// Whether a search from `context` at `now` that finds nothing meets an include it cannot
    /// follow, having entered [`route::MAX_STACK`] contexts: Asterisk then logs
    /// [`route::STACK_WARNING`] (one that finds its answer stops before).
    pub fn exceeds_stack(&self, context: &[u8], now: Moment) -> bool {
        let Some(ctx) = self.context(context) else {
            return false;
        };
        match self.flat(ctx, now).and_then(|flat| flat.exceeded) {
            Some(exceeded) => exceeded,
            None => {
                // A search for a priority no extension has goes everywhere it can.
                let search = route::find_at(self.plan, context, b"", i32::MIN, None, now);
                search
                    .notes
                    .iter()
                    .any(|n| matches!(n, route::Note::StackExceeded { .. }))
            }
        }
    }

    /// `ast_findlabel_extension`: the priority number of `label` in the extension that
    /// answers `exten` in `context` — the same answer as [`route::find_label`].
    pub fn find_label(
        &self,
        context: &[u8],
        exten: &[u8],
        label: &[u8],
        callerid: Option<&[u8]>,
        now: Moment,
    ) -> Option<i32> {
        let ctx = self.context(context)?;
        let Some(flat) = self.flat(ctx, now).filter(|_| exten.first() != Some(&b'_')) else {
            return route::find_label(self.plan, context, exten, label, callerid, Some(now));
        };
        let found = flat.search(self.plan, exten, callerid, Wanted::Label(label))?;
        self.plan.contexts[found.context].extensions[found.extension]
            .priorities
            .iter()
            .find(|p| p.label.as_deref() == Some(label))
            .map(|p| p.number)
    }

    /// The context of that exact (case-sensitive) name.
    pub fn context(&self, name: &[u8]) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// What runs for `exten` at `priority` in `context` for caller number `callerid`, at
    /// `now` (seconds since the epoch, for time-conditioned includes): the same answer as
    /// [`route::find_at`].
    pub fn find(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        callerid: Option<&[u8]>,
        now: Moment,
    ) -> Option<Found> {
        self.lookup(context, exten, priority, callerid, now).found
    }

    /// [`RouteIndex::find`], and the first extension that matches the number and the caller
    /// at all (see [`Lookup`]).
    pub fn lookup(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        callerid: Option<&[u8]>,
        now: Moment,
    ) -> Lookup {
        let Some(ctx) = self.context(context) else {
            return Lookup::default();
        };
        // A number written as a pattern is first compared as one; rare enough to walk.
        let Some(flat) = self.flat(ctx, now).filter(|_| exten.first() != Some(&b'_')) else {
            let found = route::find_at(self.plan, context, exten, priority, callerid, now)
                .winner()
                .map(|w| Found {
                    context: w.context,
                    extension: w.extension,
                });
            return Lookup { found, first: None };
        };
        let mut lookup = flat.lookup(self.plan, exten, callerid, Wanted::Priority(priority));
        // A timed flattening's first extension holds only while the same includes are open.
        if self.untimed(ctx).is_none() {
            lookup.first = None;
        }
        lookup
    }
}

/// What a lookup found ([`RouteIndex::lookup`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The answer: what [`RouteIndex::find`] answers.
    pub found: Option<Found>,
    /// The first extension in search order that matches the number and the caller, whatever
    /// its priorities: it answers any later lookup of the same number and caller for a
    /// priority it has, since nothing before it matches. `None` also where the search depends
    /// on the clock (a time-conditioned include) or walks the includes.
    pub first: Option<Found>,
}

/// One context's reach.
struct Flat {
    /// (context, extension) in search order.
    entries: Vec<(u32, u32)>,
    /// Per entry, what a lookup asks of its extension first ([`Traits`]): in a large
    /// dialplan, reading the context, then the extension, then its name is a cache miss
    /// each, and most lookups need none of them.
    traits: Vec<Traits>,
    /// Literal names without their dashes → positions in `entries`, ascending; names of up to
    /// 16 bytes and up to two positions are kept in the map's own slot, so that a probe then
    /// reads no other memory.
    literals: HashMap<SmallVec<[u8; 16]>, SmallVec<[u32; 2]>>,
    patterns: Trie,
    /// Whether the search met an include past [`route::MAX_STACK`] contexts; `None` when
    /// that depends on a time condition the flattening does not follow.
    exceeded: Option<bool>,
}

/// What a [`walk`] learnt of the includes past [`route::MAX_STACK`] contexts.
#[derive(Default)]
struct Exceeded {
    /// One of them applies.
    met: bool,
    /// One of them has a time condition not known here.
    unsure: bool,
}

impl Exceeded {
    fn answer(&self) -> Option<bool> {
        match (self.met, self.unsure) {
            (true, _) => Some(true),
            (false, true) => None,
            (false, false) => Some(false),
        }
    }
}

/// What a lookup asks of an extension before anything else, as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Traits(u8);

impl Traits {
    /// A pattern, to be confirmed against the number.
    const PATTERN: u8 = 1;
    /// Only for some callers.
    const CALLER: u8 = 2;
    /// Has priority 1.
    const FIRST: u8 = 4;

    fn of(ext: &Extension) -> Traits {
        let mut bits = 0;
        if ext.is_pattern() {
            bits |= Traits::PATTERN;
        }
        if ext.cid.is_some() {
            bits |= Traits::CALLER;
        }
        if ext.priority(1).is_some() {
            bits |= Traits::FIRST;
        }
        Traits(bits)
    }

    /// Whether this is a literal for every caller, with priority 1: a lookup of priority 1
    /// that finds it in the literals' map answers it without reading the extension.
    fn plain_first(self) -> bool {
        self.0 == Traits::FIRST
    }
}

/// What a search looks for in the extension that answers a number.
#[derive(Clone, Copy)]
enum Wanted<'a> {
    Priority(i32),
    Label(&'a [u8]),
}

impl Wanted<'_> {
    fn in_(self, ext: &Extension) -> bool {
        match self {
            Wanted::Priority(number) => ext.priority(number).is_some(),
            Wanted::Label(label) => ext
                .priorities
                .iter()
                .any(|p| p.label.as_deref() == Some(label)),
        }
    }
}

impl Timed {
    /// `None` when the search of `ctx` can meet more than [`TIMED_INCLUDES`] timed
    /// includes.
    fn new(plan: &Dialplan, targets: &Targets, ctx: usize) -> Option<Timed> {
        // The contexts any search from `ctx` can reach, whatever is open.
        let mut reached = vec![false; plan.contexts.len()];
        let mut stack = vec![ctx];
        let mut includes = Vec::new();
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut reached[c], true) {
                continue;
            }
            for (n, inc) in plan.contexts[c].includes.iter().enumerate() {
                // An include of the context itself or of the one searched from is never
                // followed: both were searched already.
                let searched = [plan.contexts[c].name.as_slice(), &plan.contexts[ctx].name];
                if let route::Follow::Into(target) = route::follow_to(targets[c][n], inc, &searched)
                {
                    if route::is_timed(inc) {
                        includes.push((c, n, route::timing(inc)));
                    }
                    stack.push(target);
                }
            }
        }
        if includes.len() > TIMED_INCLUDES {
            return None;
        }
        let flats = (0..1usize << includes.len())
            .map(|_| OnceLock::new())
            .collect();
        let cached = includes.iter().all(|(_, _, timing)| {
            timing
                .as_ref()
                .is_none_or(|t| t.timezone.as_deref().is_none_or(str::is_empty))
        });
        Some(Timed {
            includes,
            flats,
            built: AtomicUsize::new(0),
            last: AtomicU64::new(0),
            cached,
        })
    }

    /// The set of includes open at `now` (bit `k` for `includes[k]`).
    fn open_at(&self, now: Moment) -> usize {
        // Minutes since the epoch, plus one, in the 40 bits above the zone's 16 and the
        // set's 8.
        let zone = u64::from(now.zone.id());
        let key = u64::try_from(now.epoch.div_euclid(60) + 1)
            .ok()
            .filter(|&m| {
                self.cached
                    && (1..1 << 40).contains(&m)
                    && zone < 1 << 16
                    && now.zone.whole_minutes(now.epoch)
            })
            .map(|minute| minute << 16 | zone);
        if let Some(key) = key {
            let last = self.last.load(Ordering::Relaxed);
            if last >> 8 == key {
                return (last & 0xff) as usize;
            }
        }
        let open = self
            .includes
            .iter()
            .enumerate()
            .filter(|(_, (_, _, timing))| timing.as_ref().is_none_or(|t| t.matches(now)))
            .fold(0usize, |set, (k, _)| set | 1 << k);
        if let Some(key) = key {
            self.last.store(key << 8 | open as u64, Ordering::Relaxed);
        }
        open
    }
}

impl Flat {
    /// The reach of `ctx` with time-conditioned includes open where `open` says so (given
    /// the context and the include's index in it); `None` where it has no answer.
    fn build(
        plan: &Dialplan,
        targets: &Targets,
        ctx: usize,
        open: &dyn Fn(usize, usize) -> Option<bool>,
    ) -> Option<Flat> {
        let mut order = Vec::new();
        let mut visited: Vec<&[u8]> = Vec::new();
        let mut exceeded = Exceeded::default();
        if !walk(
            plan,
            targets,
            ctx,
            &mut visited,
            &mut order,
            open,
            &mut exceeded,
        ) {
            return None;
        }
        let entries = entries(plan, &order);
        let mut traits = Vec::with_capacity(entries.len());
        let mut literals: HashMap<SmallVec<[u8; 16]>, SmallVec<[u32; 2]>> = HashMap::default();
        let mut patterns = Trie::default();
        for (position, &(c, e)) in entries.iter().enumerate() {
            let ext = &plan.contexts[c as usize].extensions[e as usize];
            let position = position as u32;
            traits.push(Traits::of(ext));
            if ext.is_pattern() {
                patterns.insert(&ext.name[1..], position);
            } else {
                let key = ext.name.iter().copied().filter(|&b| b != b'-').collect();
                literals.entry(key).or_default().push(position);
            }
        }
        patterns.determinize();
        Some(Flat {
            entries,
            traits,
            literals,
            patterns,
            exceeded: exceeded.answer(),
        })
    }

    /// The first extension, in search order, that matches `exten` and the caller and has
    /// what `wanted` looks for.
    fn search(
        &self,
        plan: &Dialplan,
        exten: &[u8],
        callerid: Option<&[u8]>,
        wanted: Wanted,
    ) -> Option<Found> {
        self.lookup(plan, exten, callerid, wanted).found
    }

    /// [`Flat::search`], and the first extension that matches at all.
    fn lookup(
        &self,
        plan: &Dialplan,
        exten: &[u8],
        callerid: Option<&[u8]>,
        wanted: Wanted,
    ) -> Lookup {
        let digits: std::borrow::Cow<[u8]> = if exten.contains(&b'-') {
            exten
                .iter()
                .copied()
                .filter(|&b| b != b'-')
                .collect::<Vec<u8>>()
                .into()
        } else {
            exten.into()
        };
        // Rarely more than a handful: kept on the stack.
        let mut candidates: SmallVec<[u32; 16]> = SmallVec::new();
        if let Some(found) = self.literals.get(digits.as_ref()) {
            candidates.extend_from_slice(found);
        }
        let literal_count = candidates.len();
        self.patterns.candidates(&digits, &mut candidates);
        if candidates.len() > literal_count {
            candidates.sort_unstable();
            candidates.dedup();
        }
        let mut lookup = Lookup {
            found: None,
            first: None,
        };
        for position in candidates {
            let (c, e) = self.entries[position as usize];
            let here = Found {
                context: c as usize,
                extension: e as usize,
            };
            // A literal came from the map, whose key is exactly what matching it compares
            // (the names without their dashes): one for every caller with priority 1 is the
            // answer to a lookup of priority 1 as it stands.
            let (matches, answers) = if matches!(wanted, Wanted::Priority(1))
                && self.traits[position as usize].plain_first()
            {
                (true, true)
            } else {
                let ext: &Extension = &plan.contexts[c as usize].extensions[e as usize];
                // A pattern the automaton proposed is confirmed.
                let matches = (!ext.is_pattern()
                    || extension_match(&ext.name, exten, Mode::Match) != 0)
                    && route::cid_matches(&ext.cid, callerid);
                (matches, matches && wanted.in_(ext))
            };
            if matches && lookup.first.is_none() {
                lookup.first = Some(here);
            }
            if answers {
                lookup.found = Some(here);
                break;
            }
        }
        lookup
    }
}

/// The (context, extension) pairs of the contexts `order` lists, in that order.
fn entries(plan: &Dialplan, order: &[usize]) -> Vec<(u32, u32)> {
    order
        .iter()
        .flat_map(|&c| (0..plan.contexts[c].extensions.len()).map(move |e| (c as u32, e as u32)))
        .collect()
}

/// The contexts a search of `ctx` visits, in order, as `route::walk` visits them, with a
/// time-conditioned include followed as `open` says (given the context and the include's
/// index in it); `false` when `open` has no answer for one. `exceeded` tells where the
/// search reaches an include it cannot follow, having entered [`route::MAX_STACK`]
/// contexts: a lookup that finds nothing in them then logs Asterisk's warning.
fn walk<'p>(
    plan: &'p Dialplan,
    targets: &Targets,
    ctx: usize,
    visited: &mut Vec<&'p [u8]>,
    order: &mut Vec<usize>,
    open: &dyn Fn(usize, usize) -> Option<bool>,
    exceeded: &mut Exceeded,
) -> bool {
    let c = &plan.contexts[ctx];
    visited.push(&c.name);
    order.push(ctx);
    for (n, inc) in c.includes.iter().enumerate() {
        if visited.len() >= route::MAX_STACK {
            // Asterisk checks the limit once the include's time condition holds. Past the
            // limit nothing more is searched, so an include whose condition `open` does not
            // know (one that leads nowhere) leaves the order whole, the warning unknown.
            match route::is_timed(inc).then(|| open(ctx, n)) {
                None | Some(Some(true)) => exceeded.met = true,
                Some(Some(false)) => {}
                Some(None) => exceeded.unsure = true,
            }
            continue;
        }
        let route::Follow::Into(target) = route::follow_to(targets[ctx][n], inc, visited) else {
            continue;
        };
        if route::is_timed(inc) {
            match open(ctx, n) {
                None => return false,
                Some(false) => continue,
                Some(true) => {}
            }
        }
        if !walk(plan, targets, target, visited, order, open, exceeded) {
            return false;
        }
    }
    true
}

/// Patterns by their elements: each edge a set of bytes one element accepts. Positions are
/// stored where a pattern ends: exactly, or with a `.` (one or more bytes) or `!` (zero or
/// more) tail.
#[derive(Default)]
struct Trie {
    nodes: Vec<Node>,
    /// The trie determinized over what numbers are dialled with, when that stays small.
    dfa: Option<Dfa>,
}

/// The bytes a [`Dfa`] steps on: the digits, `*` and `#`.
const DIALLED: usize = 12;

fn dialled(b: u8) -> Option<usize> {
    match b {
        b'0'..=b'9' => Some(usize::from(b - b'0')),
        b'*' => Some(10),
        b'#' => Some(11),
        _ => None,
    }
}

/// A deterministic automaton equivalent to walking the [`Trie`] on a number made of
/// [`DIALLED`] bytes: a state is the set of trie nodes the walk holds after a prefix. A
/// lookup is then one table step a byte, however many patterns share the prefix.
struct Dfa {
    states: Vec<State>,
    positions: Vec<u32>,
}

impl Dfa {
    const DEAD: u32 = u32::MAX;
}

/// One state of a [`Dfa`]: all a step reads, in one cache line. A large dialplan's
/// automaton is megabytes, so each step is a cache miss, one rather than three.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct State {
    /// The state after each dialled byte, [`Dfa::DEAD`] where no pattern goes on.
    next: [u32; DIALLED],
    /// A range of `positions`: the patterns whose `.` or `!` tail takes the rest of the
    /// number when it goes on past this state.
    tails: (u32, u32),
    /// A range of `positions`: the patterns that match a number ending here.
    ends: (u32, u32),
}
const _: () = assert!(size_of::<State>() == 64, "a state is one cache line");

#[derive(Default, Clone)]
struct Node {
    children: Vec<([u64; 4], u32)>,
    ends: Vec<u32>,
    one_or_more: Vec<u32>,
    zero_or_more: Vec<u32>,
}

fn push_all<const N: usize>(out: &mut SmallVec<[u32; N]>, items: &[u32])
where
    [u32; N]: smallvec::Array<Item = u32>,
{
    for &item in items {
        out.push(item);
    }
}

fn set_bit(set: &mut [u64; 4], b: u8) {
    set[usize::from(b >> 6)] |= 1 << (b & 63);
}

fn has_bit(set: &[u64; 4], b: u8) -> bool {
    set[usize::from(b >> 6)] & (1 << (b & 63)) != 0
}

impl Trie {
    fn node(&mut self) -> u32 {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as u32
    }

    /// Adds the pattern `p` (without its `_`), read as `_extension_match_core` reads it.
    fn insert(&mut self, p: &[u8], position: u32) {
        if self.nodes.is_empty() {
            self.node();
        }
        let mut at = 0u32;
        let mut i = 0;
        loop {
            while p.get(i) == Some(&b'-') {
                i += 1;
            }
            let mut set = [0u64; 4];
            match p.get(i).copied() {
                None | Some(b'/') => {
                    self.nodes[at as usize].ends.push(position);
                    return;
                }
                Some(b'.') => {
                    self.nodes[at as usize].one_or_more.push(position);
                    return;
                }
                Some(b'!') => {
                    self.nodes[at as usize].zero_or_more.push(position);
                    return;
                }
                Some(b'[') => {
                    let Some(end) = p[i + 1..]
                        .iter()
                        .position(|&c| c == b']')
                        .map(|e| e + i + 1)
                    else {
                        // An unclosed set never matches.
                        return;
                    };
                    let mut k = i + 1;
                    if k == end {
                        // `[]` matches nothing and consumes nothing.
                        i = end + 1;
                        continue;
                    }
                    while k < end {
                        if k + 2 < end && p[k + 1] == b'-' {
                            for b in p[k]..=p[k + 2] {
                                set_bit(&mut set, b);
                            }
                            k += 3;
                        } else {
                            set_bit(&mut set, p[k]);
                            k += 1;
                        }
                    }
                    i = end + 1;
                }
                Some(c) => {
                    let range = match c {
                        b'n' | b'N' => b'2'..=b'9',
                        b'x' | b'X' => b'0'..=b'9',
                        b'z' | b'Z' => b'1'..=b'9',
                        _ => c..=c,
                    };
                    for b in range {
                        set_bit(&mut set, b);
                    }
                    i += 1;
                }
            }
            let existing = self.nodes[at as usize]
                .children
                .iter()
                .find(|(s, _)| *s == set)
                .map(|&(_, n)| n);
            at = match existing {
                Some(n) => n,
                None => {
                    let n = self.node();
                    self.nodes[at as usize].children.push((set, n));
                    n
                }
            };
        }
    }

    /// Builds the [`Dfa`] once every pattern is in (subset construction from the root),
    /// giving up — the walk then serves every number — when it would grow far beyond the
    /// trie.
    fn determinize(&mut self) {
        self.dfa = None;
        if self.nodes.is_empty() {
            return;
        }
        // Both caps keep the automaton within a few times the trie: states, and the candidate
        // lists each state copies (a tail shared by many patterns is copied into every state
        // that holds it).
        let limit = 4 * self.nodes.len() + 256;
        let listed: usize = self
            .nodes
            .iter()
            .map(|n| n.ends.len() + n.one_or_more.len() + 2 * n.zero_or_more.len())
            .sum();
        let position_limit = 8 * listed + 4096;
        let mut dfa = Dfa {
            states: Vec::new(),
            positions: Vec::new(),
        };
        let mut states: Vec<Vec<u32>> = vec![vec![0]];
        let mut known: HashMap<Vec<u32>, u32> = HashMap::default();
        known.insert(vec![0], 0);
        let mut at = 0;
        while at < states.len() {
            let set = states[at].clone();
            let mut union = |pick: fn(&Node) -> [&Vec<u32>; 2]| {
                let mut positions: Vec<u32> = set
                    .iter()
                    .flat_map(|&n| pick(&self.nodes[n as usize]))
                    .flatten()
                    .copied()
                    .collect();
                positions.sort_unstable();
                positions.dedup();
                let start = dfa.positions.len() as u32;
                dfa.positions.extend(positions);
                (start, dfa.positions.len() as u32)
            };
            let tails = union(|n| [&n.zero_or_more, &n.one_or_more]);
            let ends = union(|n| [&n.ends, &n.zero_or_more]);
            if dfa.positions.len() > position_limit {
                return;
            }
            let mut targets = [Dfa::DEAD; DIALLED];
            for (slot, b) in (b'0'..=b'9').chain([b'*', b'#']).enumerate() {
                let mut children: Vec<u32> = set
                    .iter()
                    .flat_map(|&n| &self.nodes[n as usize].children)
                    .filter(|(bits, _)| has_bit(bits, b))
                    .map(|&(_, child)| child)
                    .collect();
                children.sort_unstable();
                children.dedup();
                if children.is_empty() {
                    continue;
                }
                targets[slot] = match known.get(&children) {
                    Some(&id) => id,
                    None => {
                        if states.len() >= limit {
                            return;
                        }
                        let id = states.len() as u32;
                        known.insert(children.clone(), id);
                        states.push(children);
                        id
                    }
                };
            }
            dfa.states.push(State {
                next: targets,
                tails,
                ends,
            });
            at += 1;
        }
        self.dfa = Some(dfa);
    }

    /// Adds the positions of every pattern that may match `digits` (dashes removed).
    fn candidates(&self, digits: &[u8], out: &mut SmallVec<[u32; 16]>) {
        if self.nodes.is_empty() {
            return;
        }
        if let Some(dfa) = &self.dfa
            && digits.iter().all(|&b| dialled(b).is_some())
        {
            let mut state = &dfa.states[0];
            for &b in digits {
                let (start, end) = state.tails;
                push_all(out, &dfa.positions[start as usize..end as usize]);
                let byte = dialled(b).unwrap_or_default();
                match state.next[byte] {
                    Dfa::DEAD => return,
                    next => state = &dfa.states[next as usize],
                }
            }
            let (start, end) = state.ends;
            push_all(out, &dfa.positions[start as usize..end as usize]);
            return;
        }
        let mut active: SmallVec<[u32; 8]> = smallvec::smallvec![0u32];
        let mut next: SmallVec<[u32; 8]> = SmallVec::new();
        for &d in digits {
            for &n in &active {
                let node = &self.nodes[n as usize];
                // A `.` or `!` tail here takes the rest, `d` included.
                // (Pushed one by one: these lists hold one or two, and a `memcpy` call for
                // each costs more than the copy.)
                push_all(out, &node.zero_or_more);
                push_all(out, &node.one_or_more);
                for (set, child) in &node.children {
                    if has_bit(set, d) {
                        next.push(*child);
                    }
                }
            }
            std::mem::swap(&mut active, &mut next);
            next.clear();
            if active.is_empty() {
                return;
            }
        }
        for &n in &active {
            let node = &self.nodes[n as usize];
            push_all(out, &node.ends);
            push_all(out, &node.zero_or_more);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(trie: &Trie, number: &[u8]) -> Vec<u32> {
        let mut out = SmallVec::new();
        trie.candidates(number, &mut out);
        let mut out = out.to_vec();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A tail many patterns share would be copied into every state that holds it: the
    /// automaton is given up, and the walk answers the same.
    #[test]
    fn an_automaton_that_would_copy_too_much_is_not_built() {
        let mut trie = Trie::default();
        let mut position = 0;
        for _ in 0..2_000 {
            trie.insert(b"XXXX.", position);
            position += 1;
        }
        for n in 0..5_000 {
            trie.insert(format!("{n:04}").as_bytes(), position);
            position += 1;
        }
        trie.determinize();
        assert!(trie.dfa.is_none());
        let found = candidates(&trie, b"12345");
        assert_eq!(found.len(), 2_000);
        assert_eq!(candidates(&trie, b"1234"), [2_000 + 1234]);

        // A small one is built, and agrees with the walk.
        let mut small = Trie::default();
        small.insert(b"XXXX.", 0);
        small.insert(b"1234", 1);
        small.determinize();
        assert!(small.dfa.is_some());
        assert_eq!(candidates(&small, b"12345"), [0]);
        assert_eq!(candidates(&small, b"1234"), [1]);
    }
}
