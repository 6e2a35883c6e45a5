//! The engine as native code: each extension a call runs through, as reached from the
//! context the call is in, becomes a Cranelift chain (see `pbxc_codegen`) whose blocks are
//! its priorities. The native code moves to the next priority without a routing lookup —
//! only where this module has proven, when compiling the chain, that routing would choose
//! this very extension for that priority, and only while the call stays on the same context
//! and number; anything else returns to the dispatcher, which routes as the interpreter does.
//! Past a time-conditioned include that proof holds for the includes open when the chain was
//! compiled, and every move, and every jump to a label found then, checks they still are
//! ([`Compiled::guard`]).
//! A move into another compiled chain is learnt from the dispatcher: when the same step next
//! leaves for the place it left for last time, the call enters that chain directly, a jump
//! in machine code ([`Exit`], `Jit::entry`).
//!
//! Most steps still run exactly as the interpreter runs them ([`Host::step`] →
//! `Engine::run_resolved`). Those `crate::native` prepared run as native steps: the
//! generated code computes their `$[...]` and this module's [`Host`] methods finish them —
//! counting the step, reporting it, storing the value or moving the call — doing what the
//! interpreter does after substituting the same data.

use rustc_hash::FxHashMap as HashMap;

use pbxc_codegen::{Chain, Host, Jit, NOT_SMALL, local};
use pbxc_dialplan::route_index::Found;
use pbxc_dialplan::timing::Moment;

use crate::call::{Call, Engine, Executed, Resolved, Spawn, resolve};
use crate::channel::{AppResult, Channel};
use crate::native::{self, Prepared};

/// Priorities per chain: an extension longer than this (a 20,000-line NoOp run) is compiled
/// as several chains, since Cranelift's compile time grows faster than the function.
const SEGMENT: usize = 256;

/// Exit codes of a chain, below `pbxc_codegen::LOCAL_BASE`.
const LEFT: u32 = 1;
const RESULT: u32 = 2;

/// One priority of one chain.
struct Step {
    found: Found,
    /// Index of its chain in `Chains::compiled`.
    chain: u32,
    /// Index of the priority in the extension's list.
    priority: u32,
    /// For a chain whose priorities are numbered `first`, `first + 1`, … up to `len` of
    /// them, every one a place the chain may move to, without a guard: `(first, len)`, so
    /// that priority `n`'s index in the chain is `n - first` (see
    /// [`StepHost::after_in_place`]). `None` for any other chain.
    dense: Option<(i32, u32)>,
    resolved: Resolved,
    /// What the runtime keeps for the step's native fast path, if it has one.
    prepared: Option<Prepared>,
    /// Where the call went the last time this step left its chain for another compiled
    /// one (see [`Exit`]). Boxed: most steps never leave.
    exit: Option<Box<Exit>>,
}

/// The place a step last left its chain for, and where the dispatcher entered then: when the
/// step leaves for the very same place again, the call enters that chain directly.
///
/// Routing is a function of the place alone there: a chain is compiled only where the
/// caller's number cannot change which extension answers (no caller-ID variant up to it in
/// the search order), one is entered directly only where the clock cannot either (no
/// time-conditioned include before it: see [`Compiled::guard`]), and the dialplan does not
/// change under an engine. So comparing the place — context, number, priority —
/// is all the guard needs, and a target the step computes (`Goto(${DEST})`, `Return()`) is
/// entered directly as long as it stays the same.
struct Exit {
    place: Position,
    chain: usize,
    start: u32,
}

/// Where a call is: its context, number and priority.
#[derive(Default)]
struct Position {
    context: Vec<u8>,
    exten: Vec<u8>,
    priority: i32,
}

impl Position {
    fn is(&self, call: &Call) -> bool {
        self.priority == call.priority && self.exten == call.exten && self.context == call.context
    }

    /// Becomes the call's place, reusing its buffers.
    fn set(&mut self, call: &Call) {
        self.context.clone_from(&call.context);
        self.exten.clone_from(&call.exten);
        self.priority = call.priority;
    }
}

struct Compiled {
    chain: Chain,
    /// For each priority index: its number, and whether the chain may move there natively
    /// (the range of `Chains::priorities` that holds them).
    priorities: (u32, u32),
    /// For an extension the search meets only after a time-conditioned include: the
    /// searched context and the set of its includes open when the chain was compiled. Which
    /// priorities the chain may move to depends on that set, so every move checks that it is
    /// still open, and the chain is never entered directly ([`Exit`]).
    guard: Option<(usize, usize)>,
}

/// A segment of an extension as reached from a context: the searched context, the
/// extension (its context and index), the segment's number, and the set of
/// time-conditioned includes open for a chain with a guard ([`UNGUARDED`] for one without).
/// In 32 bits each: a dialplan compiled whole has one for each extension and context that
/// reaches it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SegmentKey {
    searched: u32,
    context: u32,
    extension: u32,
    segment: u32,
    open: u32,
}

impl SegmentKey {
    fn new(searched: usize, found: Found, segment: usize, open: usize) -> SegmentKey {
        SegmentKey {
            searched: searched as u32,
            context: found.context as u32,
            extension: found.extension as u32,
            segment: segment as u32,
            // Open sets have at most `TIMED_INCLUDES` bits.
            open: if open == UNGUARDED {
                u32::MAX
            } else {
                open as u32
            },
        }
    }

    fn open(self) -> usize {
        if self.open == u32::MAX {
            UNGUARDED
        } else {
            self.open as usize
        }
    }
}

const UNGUARDED: usize = usize::MAX;

#[derive(Clone, Copy)]
enum Segment {
    /// Steps run interpreted so far.
    Heat(u32),
    /// The chain, or `None` when it is not worth or not safe to compile.
    Chain(Option<u32>),
}

/// The chains compiled so far, by [`SegmentKey`].
pub(crate) struct Chains {
    /// The code generator, made when the first chain is compiled (most calls never run
    /// anything twice, and a code generator of its own costs memory).
    jit: Option<Box<Jit>>,
    /// The compiler whose functions the code generator shares with other engines' (a PBX's
    /// calls), if any: a shape compiled for one call is not compiled again for the next.
    compiler: Option<pbxc_codegen::Compiler>,
    compiled: Vec<Compiled>,
    /// What each segment is: still warming up, or compiled (or found not worth compiling).
    /// One map, so a step costs one lookup.
    segments: HashMap<SegmentKey, Segment>,
    /// The segment being counted and its count, kept out of `segments` (whose entry for it,
    /// if any, is stale) while steps stay in it: a call running down an extension counts
    /// every priority of one segment after the other, and hashing the key for each cost a
    /// tenth of an interpreted step.
    counting: Option<(SegmentKey, u32)>,
    /// The context calls were last searched in, and its index: most steps ask again.
    searched: (Vec<u8>, Option<usize>),
    /// Buffers for where a call entered a chain, kept between runs so that entering one
    /// allocates nothing.
    entered: (Vec<u8>, Vec<u8>),
    /// How many times over a segment must run before it is compiled (see [`advance`]).
    patience: u32,
    /// The step that last left its chain, and the place it left for: when the dispatcher
    /// next enters a chain at that very place, the step learns it ([`Exit`]).
    left: Option<u32>,
    leaving: Position,
    steps: Vec<Step>,
    /// Every chain's [`Compiled::priorities`], one after the other.
    priorities: Vec<(i32, bool)>,
    /// What compiling needs of each search order, by (searched context, open includes,
    /// length).
    orders: HashMap<(usize, usize, usize), OrderFacts>,
    /// The native steps of the chain being compiled, kept for the next.
    code: Vec<pbxc_codegen::Step>,
}

impl Chains {
    /// Chain `index`'s priorities: for each priority index, its number and whether the chain
    /// may move there natively.
    fn priorities(&self, index: usize) -> &[(i32, bool)] {
        let (from, to) = self.compiled[index].priorities;
        &self.priorities[from as usize..to as usize]
    }
}

impl Chains {
    pub(crate) fn new() -> Result<Chains, String> {
        let mut chains = Chains::lazy(1);
        chains.jit = Some(Box::new(Jit::new()?));
        Ok(chains)
    }

    /// [`Chains::lazy`] whose code generator takes its functions from `compiler`.
    pub(crate) fn sharing(patience: u32, compiler: pbxc_codegen::Compiler) -> Chains {
        Chains {
            compiler: Some(compiler),
            ..Chains::lazy(patience)
        }
    }

    /// Chains whose code generator is made on first use (if it cannot be, everything stays
    /// interpreted), compiling a segment once it has run `patience` times its length.
    pub(crate) fn lazy(patience: u32) -> Chains {
        Chains {
            patience: patience.max(1),
            jit: None,
            compiler: None,
            compiled: Vec::new(),
            segments: HashMap::default(),
            counting: None,
            searched: (Vec::new(), None),
            entered: (Vec::new(), Vec::new()),
            steps: Vec::new(),
            left: None,
            leaving: Position::default(),
            orders: HashMap::default(),
            priorities: Vec::new(),
            code: Vec::new(),
        }
    }
}

/// Runs the call from its current priority of `found` as native code, through the chains
/// it enters directly, until it leaves for the dispatcher.
pub(crate) fn advance(
    engine: &mut Engine,
    call: &mut Call,
    chan: &mut dyn Channel,
    trace: &mut dyn FnMut(&Executed),
    found: Found,
) -> Spawn {
    let Some(mut chains) = engine.jit.take() else {
        return Spawn::Ran(engine.run_step(call, chan, trace, found));
    };
    let left = chains.left.take();
    if chains.searched.0 != call.context {
        chains.searched.0.clear();
        chains.searched.0.extend_from_slice(&call.context);
        chains.searched.1 = engine.index.context(&call.context);
    }
    let searched = chains.searched.1;
    let ext = &engine.plan.contexts[found.context].extensions[found.extension];
    // Priorities are sorted, a hint (-1) first.
    let hints = ext.hints();
    let real_count = ext.priorities.len() - hints;
    // (A jump to the hint, -1, is a priority before the first.)
    let position = ext
        .position(call.priority)
        .map_or(0, |i| i.saturating_sub(hints));
    let segment = position / SEGMENT;
    // Compile a segment only once it has run more steps than it has priorities, i.e. once
    // something in it ran twice: straight-line code runs once and is cheaper to interpret
    // than to compile.
    let length = real_count.saturating_sub(segment * SEGMENT).min(SEGMENT) as u32;
    let compiled = searched.and_then(|s| {
        // Past a time-conditioned include, a chain is for the includes open now.
        let (now, open) = if engine.timed && !engine.index.is_fixed(s, found.context) {
            let now = engine.routing_time();
            (Some(now), engine.index.open_set(s, now)?)
        } else {
            (None, UNGUARDED)
        };
        let key = SegmentKey::new(s, found, segment, open);
        let heat = match chains.counting {
            Some((counted, heat)) if counted == key => heat,
            _ => {
                // Another segment: the one counted goes back to the map.
                if let Some((counted, heat)) = chains.counting.take() {
                    chains.segments.insert(counted, Segment::Heat(heat));
                }
                match chains.segments.get(&key) {
                    Some(Segment::Chain(known)) => return known.map(|i| i as usize),
                    Some(Segment::Heat(heat)) => *heat,
                    None => 0,
                }
            }
        };
        let heat = heat.saturating_add(1);
        if heat <= length.saturating_mul(chains.patience) {
            chains.counting = Some((key, heat));
            return None;
        }
        chains.counting = None;
        chain_for(&mut chains, engine, key, found, now, Known::default())
    });
    let Some(index) = compiled else {
        engine.jit = Some(chains);
        return Spawn::Ran(engine.run_step(call, chan, trace, found));
    };
    let Ok(start) = chains
        .priorities(index)
        .binary_search_by_key(&call.priority, |&(n, _)| n)
    else {
        engine.jit = Some(chains);
        return Spawn::NotFound;
    };
    let start = start as u32;
    // The answer to where a step left for (not to a move the loop made since, to `i` say),
    // where it does not depend on the clock.
    let unguarded = chains.compiled[index].guard.is_none();
    if let Some(from) = left.filter(|_| unguarded && chains.leaving.is(call)) {
        let exit = chains.steps[from as usize].exit.get_or_insert_with(|| {
            Box::new(Exit {
                place: Position::default(),
                chain: index,
                start,
            })
        });
        exit.place.set(call);
        (exit.chain, exit.start) = (index, start);
    }
    let chain = chains.compiled[index].chain;
    let (mut context, mut exten) = std::mem::take(&mut chains.entered);
    context.clear();
    context.extend_from_slice(&call.context);
    exten.clear();
    exten.extend_from_slice(&call.exten);
    let mut host = StepHost {
        engine,
        chains: &chains,
        call,
        chan,
        trace,
        context,
        exten,
        result: AppResult::Continue,
        left: None,
        checked_at: None,
        data: Vec::new(),
    };
    let Some(jit) = chains.jit.as_ref() else {
        // Unreachable: a chain was compiled, so the code generator exists.
        engine.jit = Some(chains);
        return Spawn::NotFound;
    };
    let code = jit.run(chain, &mut host, start);
    let result = host.result;
    let leaving = host.left;
    let entered = (host.context, host.exten);
    chains.entered = entered;
    chains.left = leaving;
    if leaving.is_some() {
        chains.leaving.set(call);
    }
    engine.jit = Some(chains);
    match code {
        LEFT => Spawn::Moved,
        RESULT => Spawn::Ran(result),
        _ => Spawn::NotFound,
    }
}

/// Compiles, ahead of any call, the chain of every segment of every extension as reached
/// from every context whose search meets it before any time condition (what a call started
/// in that context would run: a context's own extensions and those of its includes). What
/// JIT-ing a whole dialplan at load costs; otherwise a segment is compiled once a call has
/// run it twice over (in a PBX, four times: `Engine::enable_jit_sharing`).
pub(crate) fn compile_all(engine: &mut Engine) -> CompiledAll {
    let Some(mut chains) = engine.jit.take() else {
        return CompiledAll::default();
    };
    let plan = engine.plan;
    let index = &engine.index;
    // A search order starts with the context's own extensions, in their order, whatever the
    // context includes; what its includes add follows. So a context that includes nothing
    // needs no flattening here (routing builds one on its first call).
    let included = |searched: usize| -> &[(u32, u32)] {
        if plan.contexts[searched].includes.is_empty() {
            return &[];
        }
        let order = index.fixed_order(searched);
        &order[plan.contexts[searched].extensions.len().min(order.len())..]
    };
    let size = |&(c, e): &(u32, u32)| {
        let ext = &plan.contexts[c as usize].extensions[e as usize];
        let real = ext.priorities.len() - ext.hints();
        (real.div_ceil(SEGMENT), real)
    };
    // Room for all of it at once: grown by doubling, the tables would need half as much
    // again while each is copied.
    let (mut segments, mut priorities) = (0, 0);
    for (c, context) in plan.contexts.iter().enumerate() {
        let own = (0..context.extensions.len()).map(|e| (c as u32, e as u32));
        for entry in own.chain(included(c).iter().copied()) {
            let (s, p) = size(&entry);
            segments += s;
            priorities += p;
        }
    }
    chains.segments.reserve(segments);
    chains.compiled.reserve(segments);
    chains.steps.reserve(priorities);
    chains.priorities.reserve(priorities);
    let (mut made, mut skipped) = (0, 0);
    let mut count = |chain: Option<usize>| match chain {
        Some(_) => made += 1,
        None => skipped += 1,
    };
    // Each context's own extensions first, whose chains those reached through includes
    // may share (see `own_chain`); the chain of each one's first segment, kept where a
    // search finds it without a hash probe that misses the cache.
    let mut own_chains: Vec<Vec<u32>> = Vec::with_capacity(plan.contexts.len());
    let mut own_order = Vec::new();
    for (c, context) in plan.contexts.iter().enumerate() {
        own_order.clear();
        own_order.extend((0..context.extensions.len()).map(|e| (c as u32, e as u32)));
        let mut firsts = vec![u32::MAX; context.extensions.len()];
        for (position, entry) in own_order.iter().enumerate() {
            let found = Found {
                context: c,
                extension: position,
            };
            for segment in 0..size(entry).0 {
                let key = SegmentKey::new(c, found, segment, UNGUARDED);
                let known = Known {
                    position: Some(position),
                    order: Some(&own_order),
                    own: None,
                };
                let chain = chain_for(&mut chains, engine, key, found, None, known);
                if segment == 0 {
                    firsts[position] = chain.map_or(u32::MAX, |i| i as u32);
                }
                count(chain);
            }
        }
        own_chains.push(firsts);
    }
    for (searched, context) in plan.contexts.iter().enumerate() {
        let start = context.extensions.len();
        for (k, &(c, e)) in included(searched).iter().enumerate() {
            let found = Found {
                context: c as usize,
                extension: e as usize,
            };
            for segment in 0..size(&(c, e)).0 {
                let key = SegmentKey::new(searched, found, segment, UNGUARDED);
                let own = own_chains[found.context][found.extension];
                let known = Known {
                    position: Some(start + k),
                    order: None,
                    own: (segment == 0).then_some((own != u32::MAX).then_some(own as usize)),
                };
                count(chain_for(&mut chains, engine, key, found, None, known));
            }
        }
    }
    let functions = chains.jit.as_ref().map_or(0, |jit| jit.functions());
    let chains_made = chains.compiled.len();
    engine.jit = Some(chains);
    CompiledAll {
        segments: made,
        chains: chains_made,
        skipped,
        functions,
    }
}

/// What [`Engine::compile_all`] made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompiledAll {
    /// Segments of extensions (up to 256 priorities each) as reached from a context, given
    /// native code.
    pub segments: usize,
    /// The chains they run: where an extension reached through an include would run just
    /// as it does in its own context, it shares that chain.
    pub chains: usize,
    /// Segments left to the interpreter: caller-ID variants, and what a search meets after
    /// one (the caller's number decides which extension answers there).
    pub skipped: usize,
    /// Functions Cranelift compiled for those chains: one for each shape, chains that differ
    /// only in which priorities they run sharing one.
    pub functions: usize,
}

/// The chain of extension `found` as reached from context `searched`, compiled on first use;
/// `None` when it is not worth or not safe to compile (caller-ID variants; past a
/// time-conditioned include, a combination of open includes whose lookups walk).
// Kept out of `advance`: compiling needs a large stack frame, and every step through
// `advance` would otherwise reserve it (each call's thread stack is resident memory).
#[inline(never)]
fn chain_for(
    chains: &mut Chains,
    engine: &Engine,
    key: SegmentKey,
    found: Found,
    now: Option<Moment>,
    known: Known<'_>,
) -> Option<usize> {
    if let Some(Segment::Chain(known)) = chains.segments.get(&key) {
        return known.map(|i| i as usize);
    }
    let compiled = compile(chains, engine, key, found, now, known);
    chains
        .segments
        .insert(key, Segment::Chain(compiled.map(|i| i as u32)));
    compiled
}

/// Compiles the chain of `key`; for a chain with a guard, for the includes open at `now`.
#[inline(never)]
fn compile(
    chains: &mut Chains,
    engine: &Engine,
    key: SegmentKey,
    found: Found,
    now: Option<Moment>,
    known: Known<'_>,
) -> Option<usize> {
    let (searched, segment, open) = (key.searched as usize, key.segment as usize, key.open());
    // Without a guard, any time gives the same answers (the engine's own, so that the index
    // builds no flattening for another).
    let now = now.unwrap_or_else(|| engine.now());
    let plan = engine.plan;
    let ext = &plan.contexts[found.context].extensions[found.extension];
    if ext.cid.is_some() {
        return None;
    }
    // Before the search's first time-conditioned include, an extension answers the same at
    // any time: neither entering its chain nor a move within it needs the clock. Past it,
    // the chain holds for the includes open at `now`, and its moves check they still are.
    let (order, guard) = if let Some(order) = known.order.filter(|_| open == UNGUARDED) {
        (order, None)
    } else if open == UNGUARDED {
        (engine.index.fixed_order(searched), None)
    } else {
        match engine.index.timed_order(searched, now) {
            Some((set, order)) if set == open => (order, Some((searched, open))),
            _ => return None,
        }
    };
    let this = |&(c, e): &(u32, u32)| (c as usize, e as usize) == (found.context, found.extension);
    let position = match known.position {
        Some(at) if order.get(at).is_some_and(this) => at,
        _ => order.iter().position(this)?,
    };
    let earlier = &order[..position];
    // (By length too: a context's own extensions alone are the start of its order.)
    let facts = chains
        .orders
        .entry((searched, open, order.len()))
        .or_default();
    facts.cover(plan, order, position);
    // A caller-ID variant before it could take over any priority for some caller.
    if facts.first_variant.is_some_and(|at| at < position) {
        return None;
    }
    let literal = native::literal_number(ext);
    let first_real = ext.priorities.iter().take_while(|p| p.number < 1).count() + segment * SEGMENT;
    let from = chains.priorities.len();
    chains.priorities.extend(
        ext.priorities
            .iter()
            .filter(|p| p.number >= 1)
            .skip(segment * SEGMENT)
            .take(SEGMENT)
            .map(|p| {
                // Owned: no extension searched before this one answers the call's number at
                // this priority. For a literal's one number that is one lookup; where numbers
                // differ, no earlier extension may have the priority at all.
                let owned = match &literal {
                    // In its own context, only the context's own extensions are searched
                    // before it, and literals sort first: literals of other numbers (a
                    // context merges those that differ in dashes only). No flattening needed.
                    Some(_) if searched == found.context => true,
                    Some(number) => {
                        engine.index.find(
                            &plan.contexts[searched].name,
                            number,
                            p.number,
                            None,
                            now,
                        ) == Some(found)
                    }
                    None => facts
                        .first_with
                        .get(&p.number)
                        .is_none_or(|&first| first as usize >= position),
                };
                (p.number, owned)
            }),
    );
    let own = own_chain(chains, key, found, from, guard, known.own);
    // Where the extension has no label, its native steps cannot depend on the extensions
    // searched before it (a label is what they could shadow: `native::prepare`).
    if let Some(own) = own.filter(|_| ext.priorities.iter().all(|p| p.label.is_none())) {
        chains.priorities.truncate(from);
        return Some(own);
    }
    let priorities = &chains.priorities[from..];
    let chain_index = chains.compiled.len();
    let first = chains.steps.len() as u32;
    let place = native::Place {
        plan,
        index: &engine.index,
        extension: ext,
        earlier,
    };
    let dense = priorities.first().and_then(|&(first, _)| {
        // (Checked: the last priority may be `i32::MAX`.)
        let consecutive = priorities.iter().enumerate().all(|(k, &(n, owned))| {
            owned && i32::try_from(k).ok().and_then(|k| first.checked_add(k)) == Some(n)
        });
        let len = u32::try_from(priorities.len()).ok()?;
        (consecutive && guard.is_none()).then_some((first, len))
    });
    // Kept between compiles: compiling a whole dialplan makes a chain for each extension.
    let mut code = std::mem::take(&mut chains.code);
    code.clear();
    for k in 0..priorities.len() {
        let priority = first_real + k;
        let id = first + k as u32;
        let (native, prepared) = match native::prepare(&place, &ext.priorities[priority], id) {
            Some((mut native, prepared)) => {
                // A jump to a priority this chain may move to natively goes there directly.
                if let (
                    pbxc_codegen::Step::Branch { taken, .. }
                    | pbxc_codegen::Step::Pass { taken, .. },
                    Some(n),
                ) = (&mut native, prepared.landing())
                {
                    *taken = priorities.binary_search(&(n, true)).ok().map(|t| t as u32);
                }
                (native, Some(prepared))
            }
            None => (pbxc_codegen::Step::Call(id), None),
        };
        code.push(native);
        chains.steps.push(Step {
            found,
            chain: chain_index as u32,
            priority: priority as u32,
            dense,
            resolved: resolve(&ext.priorities[priority]),
            prepared,
            exit: None,
        });
    }
    predict_loops(&mut code, &chains.steps[first as usize..], priorities);
    let to = chains.priorities.len();
    if let Some(own) = own.filter(|&own| same_steps(chains, own, first as usize)) {
        chains.code = code;
        chains.steps.truncate(first as usize);
        chains.priorities.truncate(from);
        return Some(own);
    }
    let chain = match chains.jit.as_mut() {
        Some(jit) => jit.compile(&code),
        None => {
            let jit = match &chains.compiler {
                Some(compiler) => Ok(Jit::with(compiler.clone())),
                None => Jit::new(),
            };
            jit.and_then(|jit| chains.jit.insert(Box::new(jit)).compile(&code))
        }
    };
    chains.code = code;
    let Ok(chain) = chain else {
        chains.steps.truncate(first as usize);
        chains.priorities.truncate(from);
        return None;
    };
    chains.compiled.push(Compiled {
        chain,
        priorities: (from as u32, to as u32),
        guard,
    });
    Some(chain_index)
}

/// The chain of the same segment as reached from the extension's own context, when the one
/// being made for another context (its priorities from `from`, the last of `chains`) moves
/// within the same priorities natively, and neither has a guard. Whether it would also run
/// the same native steps is [`same_steps`]' to say. An extension a call reaches through an
/// include then shares the chain of its own context (a dialplan compiled whole has a chain
/// for each extension and each context that reaches it).
fn own_chain(
    chains: &Chains,
    key: SegmentKey,
    found: Found,
    from: usize,
    guard: Option<(usize, usize)>,
    known: Option<Option<usize>>,
) -> Option<usize> {
    if key.searched == key.context || guard.is_some() {
        return None;
    }
    let own = known.or_else(|| {
        let own = SegmentKey::new(found.context, found, key.segment as usize, UNGUARDED);
        match chains.segments.get(&own) {
            Some(&Segment::Chain(own)) => Some(own.map(|i| i as usize)),
            _ => None,
        }
    })??;
    let same = chains.compiled[own].guard.is_none()
        && chains.priorities(own) == &chains.priorities[from..];
    same.then_some(own)
}

/// Whether the steps from `first` (the last of `chains`) are those of chain `own`.
fn same_steps(chains: &Chains, own: usize, first: usize) -> bool {
    let theirs = chains.compiled[own].chain.base() as usize;
    let ours = &chains.steps[first..];
    chains
        .steps
        .get(theirs..theirs + ours.len())
        .is_some_and(|theirs| {
            theirs.iter().zip(ours).all(|(a, b)| {
                a.priority == b.priority && a.dense == b.dense && a.prepared == b.prepared
            })
        })
}

/// What the caller of [`chain_for`] may know already, sparing a search.
#[derive(Clone, Copy, Default)]
struct Known<'a> {
    /// The extension's position in the search order.
    position: Option<usize>,
    /// The search order up to the extension at least, for one with no guard: a context's
    /// own extensions are the start of its order, known without flattening the context.
    order: Option<&'a [(u32, u32)]>,
    /// The chain of the same segment as reached from the extension's own context, if it was
    /// compiled (`Some(None)`: it is known not to be).
    own: Option<Option<usize>>,
}

/// What compiling a chain needs to know of the extensions a search order tries before it,
/// read once an order and only as far as a chain needs: compiling a whole order of 100,000
/// extensions reads it once, not once a chain, and a call that compiles one chain reads only
/// what comes before it.
#[derive(Default)]
struct OrderFacts {
    /// How far the order has been read: the facts below are those of `order[..read]`.
    read: usize,
    /// The position of the first caller-ID variant read, if any.
    first_variant: Option<usize>,
    /// For each priority number, the position of the first extension read that has it.
    first_with: HashMap<i32, u32>,
}

impl OrderFacts {
    /// Reads `order` up to `position`.
    fn cover(&mut self, plan: &pbxc_dialplan::Dialplan, order: &[(u32, u32)], position: usize) {
        let end = position.min(order.len());
        for (at, &(c, e)) in order.iter().enumerate().take(end).skip(self.read) {
            let ext = &plan.contexts[c as usize].extensions[e as usize];
            if ext.cid.is_some() {
                self.first_variant.get_or_insert(at);
            }
            for p in &ext.priorities {
                self.first_with.entry(p.number).or_insert(at as u32);
            }
        }
        self.read = self.read.max(end);
    }
}

/// Where the While loops of a chain are expected to go: an EndWhile back to its While, a
/// While whose condition fails past its EndWhile. Both look their place up in channel
/// variables, which a dialplan may change, so this is a prediction: the code branches
/// straight there only when the runtime's answer is that priority (see
/// `pbxc_codegen::Step::Pass`), and dispatches on the answer otherwise.
fn predict_loops(code: &mut [pbxc_codegen::Step], steps: &[Step], priorities: &[(i32, bool)]) {
    let apps: Vec<&str> = steps
        .iter()
        .map(|s| s.resolved.app.map_or("", |e| e.name.as_str()))
        .collect();
    for (k, target) in loop_targets(&apps).into_iter().enumerate() {
        let Some(t) = target.filter(|&t| priorities.get(t).is_some_and(|&(_, owned)| owned)) else {
            continue;
        };
        if let Some(
            pbxc_codegen::Step::Branch { taken, .. } | pbxc_codegen::Step::Pass { taken, .. },
        ) = code.get_mut(k)
        {
            taken.get_or_insert(t as u32);
        }
    }
}

/// For each priority of `apps` (application names, in order): for an EndWhile the index of
/// its While (the nearest before it not closed by another EndWhile), for a While the index
/// after its EndWhile, if there is one in the list.
fn loop_targets(apps: &[&str]) -> Vec<Option<usize>> {
    // Each While's EndWhile, found with a stack of open Whiles.
    let mut targets = vec![None; apps.len()];
    let mut open = Vec::new();
    for (k, &app) in apps.iter().enumerate() {
        match app {
            "While" => open.push(k),
            "EndWhile" => {
                if let Some(w) = open.pop() {
                    targets[k] = Some(w);
                    targets[w] = Some(k + 1);
                }
            }
            _ => {}
        }
    }
    targets
}

/// What the native code calls for each step.
struct StepHost<'h, 'p> {
    engine: &'h mut Engine<'p>,
    chains: &'h Chains,
    call: &'h mut Call,
    chan: &'h mut dyn Channel,
    trace: &'h mut dyn FnMut(&Executed),
    /// Where the call was when it entered the chain.
    context: Vec<u8>,
    exten: Vec<u8>,
    result: AppResult,
    /// The step that left the chain, when the chain's run ended that way.
    left: Option<u32>,
    /// The time a jump to a label checked its chain's guard at, for the move that follows
    /// it within the same step: the two lookups Asterisk makes then (the label, the next
    /// priority) happen nanoseconds apart, and answering both at one reading is what they
    /// would answer were they made at the same instant. (A test clock that moves only when
    /// a step is traced reads the same for both.) Cleared whenever a chain is entered, so
    /// that a step that left its chain leaves no reading behind.
    checked_at: Option<Moment>,
    /// The substituted data of a natively computed step being reported, kept from step to
    /// step (a channel that watches steps hears of every one).
    data: Vec<u8>,
}

impl StepHost<'_, '_> {
    /// The answer for a call that has reached the engine's step limit, if it has.
    #[inline]
    fn at_limit(&mut self) -> Option<u32> {
        if self
            .engine
            .max_steps
            .is_some_and(|max| self.call.steps >= max)
        {
            return Some(self.stop_at_limit());
        }
        None
    }

    #[cold]
    fn stop_at_limit(&mut self) -> u32 {
        self.call.log.push("ERROR: step limit reached".into());
        self.result = AppResult::Hangup;
        RESULT
    }

    /// What the PBX loop does after step `id` returned `result`: stop on anything but a
    /// normal return, else step forward, within the chain when routing would stay in it.
    fn after(&mut self, id: u32, result: AppResult) -> u32 {
        let code = self.after_in_place(id, result);
        if code != RESULT && (self.call.context != self.context || self.call.exten != self.exten) {
            if code == LEFT {
                // For a suspension: the dispatcher learns where the step went all the same.
                self.left = Some(id);
                return LEFT;
            }
            return self.leave(id);
        }
        code
    }

    /// Step `id` moves the call out of its chain: into the chain it entered when it last
    /// left for this very place, by a jump (the dispatcher would only check for a
    /// suspension, route, and enter it), else back to the dispatcher.
    fn leave(&mut self, id: u32) -> u32 {
        // Where a lookup may pass a switch, the dispatcher makes it, so that the call
        // reports the switch as the interpreter's would.
        let index = &self.engine.index;
        let switch = index.has_switches()
            && index
                .context(&self.call.context)
                .is_some_and(|c| index.meets_switch(c));
        let exit = self.chains.steps[id as usize]
            .exit
            .as_deref()
            .filter(|e| !switch && e.place.is(self.call));
        let entry = exit.and_then(|exit| {
            let jit = self.chains.jit.as_deref()?;
            jit.entry(self.chains.compiled[exit.chain].chain, exit.start)
        });
        match entry {
            Some(code) if !self.chan.suspend_requested() => {
                self.call.direct_entries += 1;
                self.context.clone_from(&self.call.context);
                self.exten.clone_from(&self.call.exten);
                self.checked_at = None;
                code
            }
            _ => {
                self.left = Some(id);
                LEFT
            }
        }
    }

    /// [`StepHost::after`] for a step that cannot have moved the call to another context or
    /// number (it only counts, stores a variable or jumps to a priority number): the
    /// comparison of names is skipped, which is a third of what a NoOp costs.
    #[inline]
    fn after_in_place(&mut self, id: u32, result: AppResult) -> u32 {
        if result != AppResult::Continue
            || self.call.hung_up
            || self.chan.hung_up()
            || (self.call.absolute_timeout_at.is_some() && self.engine.timed_out(self.call))
        {
            self.result = result;
            return RESULT;
        }
        // Wrapping, as C's int does in practice: past the largest number is no priority.
        self.call.priority = self.call.priority.wrapping_add(1);
        if self.chan.suspend_requested() {
            return LEFT;
        }
        let step = &self.chains.steps[id as usize];
        let wanted = self.call.priority;
        // Most chains are dense: the index is the number's distance from the first (the
        // next priority, the While an EndWhile goes back to), found from the step alone —
        // the chain's list is three dependent loads further, and a search's branches are
        // mispredicted.
        if let Some((first, len)) = step.dense {
            // A number below the first wraps to a large index.
            let k = wanted.wrapping_sub(first) as u32;
            return if k < len { local(k) } else { self.leave(id) };
        }
        let compiled = &self.chains.compiled[step.chain as usize];
        let priorities = self.chains.priorities(step.chain as usize);
        let k = priorities.binary_search_by_key(&wanted, |&(n, _)| n).ok();
        match k {
            Some(k) if priorities[k].1 && compiled.guard.is_none_or(|g| self.still_open(g)) => {
                local(k as u32)
            }
            _ => self.leave(id),
        }
    }

    /// Whether the time-conditioned includes a chain with this guard was compiled for are
    /// still the ones open: at [`StepHost::checked_at`] where the step read the clock
    /// already, else now.
    // Kept out of the steps' code: chains without a guard never call it.
    #[inline(never)]
    fn still_open(&mut self, (searched, open): (usize, usize)) -> bool {
        let now = self
            .checked_at
            .take()
            .unwrap_or_else(|| self.engine.routing_time());
        self.engine.index.open_set(searched, now) == Some(open)
    }

    /// [`StepHost::still_open`] for a label's jump: the time read is kept for the move that
    /// follows.
    #[inline(never)]
    fn label_still_found(&mut self, (searched, open): (usize, usize)) -> bool {
        let now = self.engine.routing_time();
        self.checked_at = Some(now);
        self.engine.index.open_set(searched, now) == Some(open)
    }

    /// A jump to a label whose chain's includes changed since it was compiled: the
    /// application runs on its data as the interpreter runs it (`goto_if` for a GotoIf's
    /// data, else Goto's), looking the label up now.
    #[cold]
    #[inline(never)]
    fn jump_now(&mut self, id: u32, data: &[u8], conditional: bool) -> u32 {
        let result = if conditional {
            crate::apps::goto_if(self.engine, self.call, data)
        } else {
            crate::apps::goto(self.engine, self.call, data)
        };
        self.after(id, result)
    }

    /// What `${name}` substitutes to, cut at a NUL as the C string is (the size limits are
    /// the caller's).
    fn value(&mut self, name: &[u8]) -> Vec<u8> {
        let mut value =
            crate::scope::variable(self.engine, self.call, self.chan, name).unwrap_or_default();
        if let Some(nul) = value.iter().position(|&c| c == 0) {
            value.truncate(nul);
        }
        value
    }

    /// A template's data, as substitution makes it: each value cut at a NUL and at 4095
    /// bytes, the whole at 8191 (`Limits::APP_DATA`).
    fn fill(&mut self, pieces: &[native::Piece]) -> Vec<u8> {
        let limits = crate::subst::Limits::APP_DATA;
        let mut data = Vec::new();
        for piece in pieces {
            match piece {
                native::Piece::Text(text) => data.extend_from_slice(text),
                native::Piece::Variable(name) => {
                    let value = self.value(name);
                    data.extend_from_slice(&value[..value.len().min(limits.value)]);
                }
            }
        }
        data.truncate(limits.output);
        data
    }

    /// What `$[...]` answers for a comparison of texts: 1 or 0; `None` when a value holds a
    /// `"`, which would end its quoted token early, or when the substituted body might be
    /// longer than substitution takes whole.
    fn compare(&mut self, comparison: &native::Comparison) -> Option<i64> {
        let limits = crate::subst::Limits::APP_DATA;
        let mut values = 0;
        // Short sides, the common case, are compared without a heap buffer.
        let mut side = |pieces: &[native::Piece]| -> Option<smallvec::SmallVec<[u8; 64]>> {
            let mut text = smallvec::SmallVec::new();
            for piece in pieces {
                match piece {
                    native::Piece::Text(t) => text.extend_from_slice(t),
                    native::Piece::Variable(name) => {
                        let value = self.value(name);
                        if value.contains(&b'"') {
                            return None;
                        }
                        values += value.len();
                        text.extend_from_slice(&value);
                    }
                }
            }
            Some(text)
        };
        let left = side(&comparison.left)?;
        let right = side(&comparison.right)?;
        if comparison.written + values > limits.value {
            return None;
        }
        native::compare_texts(comparison.op, &left, &right)
    }

    /// Reports a natively computed step as the interpreter reports it after substituting
    /// its data, which is `before`, the number, `after`.
    fn trace(&mut self, step: &Step, before: &[&[u8]], number: &[u8], after: &[u8]) {
        if !self.engine.reports_steps() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.clear();
        for piece in before {
            data.extend_from_slice(piece);
        }
        data.extend_from_slice(number);
        data.extend_from_slice(after);
        let app = step.resolved.app.map_or("", |e| e.name.as_str());
        let executed = Executed {
            channel: None,
            context: &self.call.context,
            exten: &self.call.exten,
            priority: self.call.priority,
            app,
            data: &data,
            in_subroutine: self.call.in_subroutine,
        };
        self.engine
            .report(self.chan, self.trace, &executed, self.call.cause);
        self.data = data;
    }
}

impl Host for StepHost<'_, '_> {
    fn step(&mut self, id: u32) -> u32 {
        let Some(step) = self.chains.steps.get(id as usize) else {
            return LEFT;
        };
        if let Some(code) = self.at_limit() {
            return code;
        }
        let plan = self.engine.plan;
        let priority = &plan.contexts[step.found.context].extensions[step.found.extension]
            .priorities[step.priority as usize];
        let result = match (&step.prepared, step.resolved.app) {
            (Some(Prepared::Template(pieces)), Some(entry)) => {
                self.call.steps += 1;
                let data = self.fill(pieces);
                self.engine
                    .run_counted(self.call, self.chan, self.trace, entry, &data)
            }
            _ => {
                self.engine
                    .run_resolved(self.call, self.chan, self.trace, priority, step.resolved)
            }
        };
        self.after(id, result)
    }

    fn operand(&mut self, id: u32, k: u32) -> i64 {
        let chains = self.chains;
        let name = chains
            .steps
            .get(id as usize)
            .and_then(|s| s.prepared.as_ref())
            .and_then(|p| p.reads().get(k as usize));
        let value = match name {
            Some(native::Read::Variable(name)) => {
                crate::scope::small_integer_variable(self.engine, self.call, self.chan, name)
            }
            Some(native::Read::Compare(comparison)) => self.compare(comparison),
            None => None,
        };
        value.unwrap_or(NOT_SMALL)
    }

    fn set(&mut self, id: u32, value: i64) -> u32 {
        let chains = self.chains;
        let Some(
            step @ Step {
                prepared: Some(Prepared::Set(set)),
                ..
            },
        ) = chains.steps.get(id as usize)
        else {
            return self.step(id);
        };
        let native::SetNumber {
            name,
            before,
            after,
            ..
        } = &**set;
        if let Some(code) = self.at_limit() {
            return code;
        }
        self.call.steps += 1;
        self.call.native_steps += 1;
        let mut buffer = [0; 20];
        let number = crate::text::decimal(value, &mut buffer);
        self.trace(step, &[name, b"=", before], number, after);
        let stored: std::borrow::Cow<[u8]> = if before.is_empty() && after.is_empty() {
            number.into()
        } else {
            [before.as_slice(), number, after].concat().into()
        };
        crate::scope::setvar(self.engine, self.call, self.chan, name, Some(&stored));
        self.after_in_place(id, AppResult::Continue)
    }

    fn pass(&mut self, id: u32) -> u32 {
        let chains = self.chains;
        let Some(step) = chains.steps.get(id as usize) else {
            return LEFT;
        };
        let prepared = match &step.prepared {
            // Showing the data means substituting it: the whole step.
            Some(Prepared::Pass) if self.engine.reports_steps() => return self.step(id),
            Some(
                p @ (Prepared::Pass
                | Prepared::Assign(_)
                | Prepared::Goto(_)
                | Prepared::GotoElsewhere(_)
                | Prepared::Gosub(_)
                | Prepared::Return(_)
                | Prepared::EndWhile),
            ) => p,
            _ => return self.step(id),
        };
        if let Some(code) = self.at_limit() {
            return code;
        }
        self.call.steps += 1;
        self.call.native_steps += 1;
        if self.engine.reports_steps() {
            let plan = self.engine.plan;
            let priority = &plan.contexts[step.found.context].extensions[step.found.extension]
                .priorities[step.priority as usize];
            // Nothing in the data to substitute: it is shown as written.
            self.trace(step, &[], &priority.data, &[]);
        }
        match prepared {
            Prepared::EndWhile => {
                // The While's location is a variable, which may name any place.
                let result = crate::apps::while_(self.engine, self.call, self.chan, None);
                return self.after(id, result);
            }
            Prepared::GotoElsewhere(to) => {
                self.call.explicit_goto(&to.context, &to.exten, to.priority);
                return self.after(id, AppResult::Continue);
            }
            Prepared::Gosub(gosub) => {
                let (to, arguments) = &**gosub;
                // As Gosub does once it found the destination, which every call finds.
                let call = &mut *self.call;
                let from = (
                    Call::copy_to_spare(&mut call.spare, &call.context),
                    Call::copy_to_spare(&mut call.spare, &call.exten),
                    call.priority,
                );
                call.explicit_goto(&to.context, &to.exten, to.priority);
                crate::apps::push_frame(call, from, arguments);
                return self.after(id, AppResult::Continue);
            }
            Prepared::Return(value) => {
                let result = crate::apps::return_(self.call, value);
                return self.after(id, result);
            }
            Prepared::Assign(assign) => {
                let native::Assign { name, value } = &**assign;
                crate::scope::setvar(self.engine, self.call, self.chan, name, Some(value));
            }
            Prepared::Goto(n) => {
                let guard = chains.compiled[step.chain as usize].guard;
                if guard.is_some_and(|g| !self.label_still_found(g)) {
                    let plan = self.engine.plan;
                    let data = &plan.contexts[step.found.context].extensions[step.found.extension]
                        .priorities[step.priority as usize]
                        .data;
                    return self.jump_now(id, data, false);
                }
                self.call.explicit_goto(b"", b"", *n)
            }
            _ => {}
        }
        self.after_in_place(id, AppResult::Continue)
    }

    fn branch(&mut self, id: u32, value: i64) -> u32 {
        let chains = self.chains;
        let Some(step) = chains.steps.get(id as usize) else {
            return LEFT;
        };
        let (after, iftrue, iffalse) = match &step.prepared {
            Some(Prepared::Branch(branch)) => {
                (branch.after.as_slice(), &branch.iftrue, &branch.iffalse)
            }
            Some(Prepared::While { .. }) => {
                if let Some(code) = self.at_limit() {
                    return code;
                }
                self.call.steps += 1;
                self.call.native_steps += 1;
                let mut buffer = [0; 20];
                let number = crate::text::decimal(value, &mut buffer);
                self.trace(step, &[], number, &[]);
                let result = crate::apps::while_(self.engine, self.call, self.chan, Some(number));
                return self.after(id, result);
            }
            _ => return self.step(id),
        };
        if let Some(code) = self.at_limit() {
            return code;
        }
        self.call.steps += 1;
        self.call.native_steps += 1;
        let mut buffer = [0; 20];
        let number = crate::text::decimal(value, &mut buffer);
        self.trace(step, &[], number, after);
        // The condition as GotoIf reads the printed number (`sscanf("%d")`, so a value
        // beyond an int is read as C reads it).
        let target = if crate::apps::check_condition(number) {
            iftrue
        } else {
            iffalse
        };
        if let Some(n) = *target {
            // A label was found for the includes open when the chain was compiled; with
            // others open, GotoIf looks it up now.
            let guard = chains.compiled[step.chain as usize].guard;
            if guard.is_some_and(|g| !self.label_still_found(g)) {
                return self.jump_now(id, &[number, after].concat(), true);
            }
            self.call.explicit_goto(b"", b"", n);
        }
        self.after_in_place(id, AppResult::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_while_is_predicted_to_leave_past_its_endwhile_and_an_endwhile_to_go_back_to_it() {
        // Priority index: app → expected target.
        let apps = [
            "Set", "While", "While", "NoOp", "EndWhile", "EndWhile", "While", "EndWhile",
            "EndWhile", "While", "Set",
        ];
        let expected = [
            None,
            Some(6), // past the outer EndWhile at 5
            Some(5), // past the inner one at 4
            None,
            Some(2),
            Some(1),
            Some(8),
            Some(6),
            None, // no While left open
            None, // never closed
            None,
        ];
        assert_eq!(loop_targets(&apps), expected);
    }
}
