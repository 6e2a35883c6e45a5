//! One call through the dialplan: the PBX loop of `__ast_pbx_run` (main/pbx.c), the `h`
//! extension after it, and the state an application can change.
//!
//! Applications move the call the way Asterisk's do: while the loop runs, a jump stores the
//! target priority minus one and the loop then steps forward (`AST_FLAG_IN_AUTOLOOP`), so
//! `Goto(5)` lands on 5 and `Goto(-1)` re-runs the previous priority's successor exactly as
//! Asterisk computes it.

use pbxc_dialplan::Dialplan;
use pbxc_dialplan::route_index::{Found, RouteIndex};
use pbxc_dialplan::timing::Moment;

use crate::apps;
use crate::channel::{AppResult, Channel};
use crate::clock::Clock;
use crate::jit::CompiledAll;
use crate::vars::Variables;

/// A dialplan loaded for running, with its global variables.
/// Whether a module is loaded, by its base name: what `IFMODULE` asks the PBX.
pub type LoadedModules = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

pub struct Engine<'p> {
    pub plan: &'p Dialplan,
    pub(crate) index: IndexRef<'p>,
    /// Native code for the extensions calls run through, when the JIT is on.
    pub(crate) jit: Option<Box<crate::jit::Chains>>,
    pub globals: crate::vars::Globals,
    /// Stops a call after this many priorities (an offline run of `Goto(1)` never ends).
    pub max_steps: Option<u64>,
    /// The time: `${EPOCH}` and `GotoIfTime` read it exactly, routing as
    /// [`Engine::routing_time`] says.
    pub clock: Clock,
    /// `${SYSTEMNAME}`, `${ASTETCDIR}` and the other directories, `${ENTITYID}`.
    pub system: std::sync::Arc<crate::system::System>,
    /// voicemail.conf's mailboxes and, in a PBX, the spool of their messages (`VoiceMail`,
    /// `VM_INFO`); none by default.
    pub voicemail: std::sync::Arc<pbx_voicemail::Voicemail>,
    /// AstDB (`DB(family/key)`): a PBX's, shared by its calls ([`Engine::share_database`]),
    /// else one in memory made at the first use.
    database: std::cell::OnceCell<std::sync::Arc<pbx_astdb::AstDb>>,
    /// Channel groups (`GROUP()`): a PBX's, shared by its calls ([`Engine::share_groups`]),
    /// else this engine's own.
    groups: std::cell::OnceCell<std::sync::Arc<crate::groups::Groups>>,
    /// Whether a module is loaded, by its name without `.so` in any case (`IFMODULE`): the
    /// PBX's modules; `None` offline, where none is.
    pub modules: Option<LoadedModules>,
    /// State of `ast_random()`: a fixed seed, so an offline call replays identically.
    rng: u64,
    /// Local channels dialled from Local channels, now: each is a new call on this thread.
    pub(crate) local_depth: u32,
    /// The next Local channel's number in its name (`Local/100@c-00000000;2`).
    pub(crate) local_sequence: u32,
    /// Whether any include has a time condition (else routing never needs the clock).
    pub(crate) timed: bool,
    /// Whether any include's time condition names a time zone (see
    /// [`Engine::routing_time`]); the index knows, once for every engine sharing it.
    zoned: bool,
    /// The last routing answers (see [`RouteCache`]).
    routes: std::cell::RefCell<RouteCache>,
    /// Switches (context, switch) the lookups since the last report passed without an
    /// answer, in a dialplan that has any (see [`Engine::report_switches`]).
    switches_passed: std::cell::RefCell<Vec<(usize, usize)>>,
    /// Whether a search can enter [`pbxc_dialplan::route::MAX_STACK`] contexts at all: the
    /// dialplan has that many.
    deep: bool,
    /// Whether a lookup since the last report found nothing and met an include past that
    /// limit (see [`Engine::report_switches`]).
    stack_exceeded: std::cell::Cell<bool>,
    /// Whether each executed priority is reported to the `trace` callback (the default).
    /// A PBX that logs nothing turns it off, and compiled steps then never build the text
    /// of their substituted data.
    pub traced: bool,
    /// Whether the channel of the run under way hears of each priority
    /// ([`Channel::watches_steps`]); set as each run starts.
    pub(crate) watched: bool,
}

/// The last few routing answers of one engine. A call that goes back and forth — a Gosub
/// and its subroutine, a loop leaving its extension — asks the same questions again and
/// again. An answer depends only on the question while the dialplan stays the same (it
/// never changes under an engine) and no include the search meets depends on the clock, so
/// the engine uses this only for contexts whose search meets none.
#[derive(Default)]
pub(crate) struct RouteCache {
    entries: [RouteQuestion; 4],
    next: usize,
    /// For the last number asked about, the first extension that matches it and the caller
    /// whatever the priority ([`pbxc_dialplan::route_index::Lookup::first`]; `priority`
    /// unused): it answers each priority it has, so a call running down an extension's
    /// priorities asks the index only once.
    first: RouteQuestion,
    /// The context last found to depend on the clock (asked about again and again while a
    /// call runs in it): its answers are never remembered.
    clocked: Vec<u8>,
}

#[derive(Default)]
struct RouteQuestion {
    used: bool,
    context: Vec<u8>,
    exten: Vec<u8>,
    priority: i32,
    callerid: Option<Vec<u8>>,
    answer: Option<Found>,
}

impl RouteCache {
    fn get(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        callerid: Option<&[u8]>,
    ) -> Option<Option<Found>> {
        self.entries
            .iter()
            .find(|q| {
                q.used
                    && q.priority == priority
                    && q.exten == exten
                    && q.context == context
                    && q.callerid.as_deref() == callerid
            })
            .map(|q| q.answer)
    }

    /// The first extension that matches `exten` and the caller, if it is known.
    fn first(&self, context: &[u8], exten: &[u8], callerid: Option<&[u8]>) -> Option<Found> {
        let q = &self.first;
        (q.used && q.exten == exten && q.context == context && q.callerid.as_deref() == callerid)
            .then_some(q.answer)
            .flatten()
    }

    fn put(
        &mut self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        callerid: Option<&[u8]>,
        answer: Option<Found>,
    ) {
        let slot = self.next;
        self.next = (slot + 1) % self.entries.len();
        self.entries[slot].set(context, exten, priority, callerid, answer);
    }
}

impl RouteQuestion {
    fn set(
        &mut self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        callerid: Option<&[u8]>,
        answer: Option<Found>,
    ) {
        // The buffers are reused: a miss allocates nothing once they have grown.
        self.used = true;
        self.context.clear();
        self.context.extend_from_slice(context);
        self.exten.clear();
        self.exten.extend_from_slice(exten);
        self.priority = priority;
        match (callerid, &mut self.callerid) {
            (Some(c), Some(stored)) => {
                stored.clear();
                stored.extend_from_slice(c);
            }
            (c, stored) => *stored = c.map(<[u8]>::to_vec),
        }
        self.answer = answer;
    }
}

/// The routing index an engine searches: its own, or one shared by every call of a running
/// PBX (the index fills itself lazily and is `Sync`, so concurrent calls share the work).
pub(crate) enum IndexRef<'p> {
    Owned(RouteIndex<'p>),
    Shared(&'p RouteIndex<'p>),
}

impl<'p> std::ops::Deref for IndexRef<'p> {
    type Target = RouteIndex<'p>;
    fn deref(&self) -> &RouteIndex<'p> {
        match self {
            IndexRef::Owned(index) => index,
            IndexRef::Shared(index) => index,
        }
    }
}

/// How [`Engine::run_until_suspended`] left a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The call is over; its `h` extension has run.
    Finished,
    /// The channel asked to stop between two priorities (a reload): the call stands at the
    /// priority it runs next, by name, and continues on whichever dialplan runs it next.
    Suspended,
}

impl<'p> Engine<'p> {
    pub fn new(plan: &'p Dialplan) -> Self {
        Self::build(plan, IndexRef::Owned(RouteIndex::new(plan)))
    }

    /// An engine over `plan` that searches `index` (built over the same `plan`), shared with
    /// other engines: a running PBX builds it once per loaded dialplan, not once per call.
    pub fn with_index(plan: &'p Dialplan, index: &'p RouteIndex<'p>) -> Self {
        // Its answers are places in `plan`, read without checking.
        debug_assert!(
            std::ptr::eq(index.plan(), plan),
            "an index of another dialplan"
        );
        Self::build(plan, IndexRef::Shared(index))
    }

    fn build(plan: &'p Dialplan, index: IndexRef<'p>) -> Self {
        let mut globals = Variables::default();
        for g in &plan.globals {
            globals.set(&g.name, Some(&g.value));
        }
        Engine {
            plan,
            jit: None,
            globals: crate::vars::Globals::Own(globals),
            max_steps: None,
            clock: Clock::system(),
            system: crate::system::System::shared_default(),
            voicemail: no_voicemail(),
            database: std::cell::OnceCell::new(),
            groups: std::cell::OnceCell::new(),
            modules: None,
            rng: 0x9e37_79b9_7f4a_7c15,
            local_depth: 0,
            local_sequence: 0,
            traced: true,
            watched: false,
            routes: Default::default(),
            switches_passed: Default::default(),
            deep: plan.contexts.len() >= pbxc_dialplan::route::MAX_STACK,
            stack_exceeded: Default::default(),
            timed: plan
                .contexts
                .iter()
                .any(|c| c.includes.iter().any(|i| i.value.len() > i.context.len())),
            zoned: index.names_a_time_zone(),
            index,
        }
    }

    /// The time routing is done at: the clock, read only when an include has a time
    /// condition.
    pub(crate) fn now(&self) -> Moment {
        if self.timed {
            self.routing_time()
        } else {
            Moment::new(0, self.clock.zone())
        }
    }

    /// The clock as routing reads it: to the minute of the epoch, all that conditions
    /// compare ([`Clock::minute_now`]) in a zone offset by whole minutes; exactly in a
    /// dialplan where a condition names a time zone, or on a server whose offset is not whole
    /// minutes then, as their minutes need not begin with the epoch's.
    pub(crate) fn routing_time(&self) -> Moment {
        let zone = self.clock.zone();
        let epoch = if self.zoned {
            self.clock.now()
        } else {
            let t = self.clock.minute_now();
            if zone.whole_minutes(t) {
                t
            } else {
                self.clock.now()
            }
        };
        Moment::new(epoch, zone)
    }

    /// Reads and writes `globals` instead of its own copy of the dialplan's: a running PBX
    /// shares one set between every call.
    pub fn share_globals(&mut self, globals: std::sync::Arc<std::sync::Mutex<Variables>>) {
        self.globals = crate::vars::Globals::Shared(globals);
    }

    /// Reads and writes `database` (a PBX's AstDB file) instead of a database of its own.
    pub fn share_database(&mut self, database: std::sync::Arc<pbx_astdb::AstDb>) {
        self.database = std::cell::OnceCell::from(database);
    }

    /// The AstDB calls read and write.
    pub fn database(&self) -> &std::sync::Arc<pbx_astdb::AstDb> {
        self.database
            .get_or_init(|| std::sync::Arc::new(pbx_astdb::AstDb::in_memory()))
    }

    /// Counts and lists `groups` (a PBX's, every call's) instead of groups of its own.
    pub fn share_groups(&mut self, groups: std::sync::Arc<crate::groups::Groups>) {
        self.groups = std::cell::OnceCell::from(groups);
    }

    /// The channel groups calls join and count.
    pub fn groups(&self) -> &std::sync::Arc<crate::groups::Groups> {
        self.groups.get_or_init(Default::default)
    }

    /// Runs the extensions calls go through as native code (Cranelift); the answers stay the
    /// interpreter's. Fails when this machine has no code generator.
    pub fn enable_jit(&mut self) -> Result<(), String> {
        self.jit = Some(Box::new(crate::jit::Chains::new()?));
        Ok(())
    }

    /// Compiles every extension of the dialplan as native code now, as reached from each
    /// context whose search meets it (see `jit::compile_all`), on an engine with the JIT
    /// enabled. What a JIT that compiled the whole dialplan ahead of calls costs
    /// (`cargo bench -p pbx-engine --bench load`); a PBX compiles lazily.
    pub fn compile_all(&mut self) -> CompiledAll {
        crate::jit::compile_all(self)
    }

    /// [`Engine::enable_jit`] for a PBX with thousands of calls: a segment of priorities is
    /// compiled only once it has run `patience` times over, and the code generator is made
    /// then. A loop that computes gets there in a millisecond; one that waits on prompts
    /// (a Playback loop) never does, and costs no compile time or memory.
    pub fn enable_jit_lazily(&mut self, patience: u32) {
        self.jit = Some(Box::new(crate::jit::Chains::lazy(patience)));
    }

    /// [`Engine::enable_jit_lazily`] with the compiled functions shared: a chain whose shape
    /// `compiler` compiled for another engine (a PBX's earlier or concurrent call) takes that
    /// code rather than compiling it again, which costs Cranelift about 120 µs a function.
    pub fn enable_jit_sharing(&mut self, patience: u32, compiler: crate::JitCompiler) {
        self.jit = Some(Box::new(crate::jit::Chains::sharing(patience, compiler)));
    }

    /// `ast_random()`: 0 ..= 2^31 - 1 (xorshift64*).
    pub(crate) fn random(&mut self) -> u32 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as u32
    }
}

/// A Gosub return address and the variables its frame shadows (app_stack.c).
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub context: Vec<u8>,
    pub exten: Vec<u8>,
    pub priority: i32,
    /// Names pushed with `pbx_builtin_pushvar_helper` for this frame (ARGn, ARGC, LOCAL()).
    pub vars: smallvec::SmallVec<[crate::vars::Bytes; 2]>,
    /// How many ARGn the frame set, so a deeper Gosub blanks the rest.
    pub arguments: usize,
    /// Whether the call ran a subroutine when this frame was pushed (Return restores it).
    pub in_subroutine: bool,
}

/// Where `raise_exception` was called from, for `EXCEPTION()`.
#[derive(Clone, Debug, Default)]
pub struct Exception {
    pub reason: Vec<u8>,
    pub context: Vec<u8>,
    pub exten: Vec<u8>,
    pub priority: i32,
}

/// A place in the dialplan: context, extension, priority.
pub(crate) type Location = (Vec<u8>, Vec<u8>, i32);

/// The channel's PBX state.
pub struct Call {
    pub context: Vec<u8>,
    pub exten: Vec<u8>,
    pub priority: i32,
    pub vars: Variables,
    /// The caller number; `None` as for an originated call (matches `exten => X/`).
    pub callerid: Option<Vec<u8>>,
    pub callerid_name: Option<Vec<u8>>,
    pub(crate) stack: Vec<Frame>,
    /// `AST_FLAG_SUBROUTINE_EXEC`: set by Gosub (and an application running one, such as
    /// Dial's `U()`), restored by Return; the CDR engine reads it.
    pub in_subroutine: bool,
    pub exception: Option<Exception>,
    /// Set by `Hangup()`/`ast_softhangup`: the loop stops after the current application.
    pub hung_up: bool,
    /// Warnings and errors Asterisk would log, in order.
    pub log: Vec<String>,
    pub steps: u64,
    /// Of `steps`, those the JIT's fast paths completed without substituting their data
    /// (`native`: fixed effects, and expressions computed or texts compared natively).
    pub native_steps: u64,
    /// Times the JIT moved the call from one compiled chain into another without the
    /// dispatcher: a step left for the place it had left for before.
    pub direct_entries: u64,
    pub(crate) unique_id: Vec<u8>,
    /// Tells this call's channel from every other in [`crate::groups::Groups`]; a runtime
    /// sets its channel's own.
    pub channel_key: u64,
    /// The channel's own fields `CHANNEL()` reads and writes (language, account codes…);
    /// boxed, as the CDR's variables and the location override, to keep the fields every
    /// step touches close together (the Gosub/Return loop ran 9 % slower unboxed).
    pub attributes: Box<crate::attributes::Attributes>,
    /// Where `${EXTEN}`, `${CONTEXT}` and `${PRIORITY}` read while EVAL_EXTEN substitutes
    /// another priority's data (`pbx_substitute_variables_helper_full_location`).
    pub(crate) location_override: Option<Box<Location>>,
    /// The CDR's own variables (`Set(CDR(name)=value)`), newest first; names compared
    /// ignoring case, as cdr.c's `set_variable` does.
    pub cdr_vars: Box<Vec<(Vec<u8>, Vec<u8>)>>,
    /// `CONNECTEDLINE()` and `REDIRECTING()`: `None` until the dialplan writes one.
    pub parties: Option<Box<crate::party::Parties>>,
    /// `TIMEOUT(digit)` and `TIMEOUT(response)` in milliseconds (`dtimeoutms`, `rtimeoutms`).
    pub digit_timeout_ms: u32,
    pub response_timeout_ms: u32,
    /// `TIMEOUT(absolute)`: when the call is to stop, in milliseconds since the epoch on the
    /// engine's clock (`ast_channel_whentohangup`). Checked after every priority, as
    /// `ast_check_hangup` does: past it, the call goes on at `T`, else at `e`
    /// (`ABSOLUTETIMEOUT`), else ends.
    pub absolute_timeout_at: Option<i64>,
    /// Whether the channel was told of an absolute timeout ([`Channel::absolute_timeout`])
    /// that it must now be told is gone.
    pub(crate) timeout_told: bool,
    /// Priorities an offline `Dial(Local/…)` ran on its other half during the application
    /// running now, reported after it.
    pub(crate) local_steps: Vec<LocalStep>,
    /// Switches already reported as passed (see [`Engine::report_switches`]).
    pub(crate) switches_reported: Vec<(usize, usize)>,
    /// Whether Asterisk's `Maximum PBX stack` warning was logged.
    pub(crate) stack_reported: bool,
    /// The hang-up cause the dialplan gave (`Hangup(cause)`), 0 for none.
    pub(crate) cause: i32,
    /// Hangup handlers (`CHANNEL(hangup_handler_push)`), as fully qualified Gosub targets;
    /// they run last pushed first, after the `h` extension.
    pub(crate) hangup_handlers: Vec<Vec<u8>>,
    /// `AST_FLAG_IN_AUTOLOOP`: set while the PBX loop runs the call, which steps to the next
    /// priority after each application; jumps then store their target minus one.
    pub(crate) in_autoloop: bool,
    /// Buffers of returned Gosub frames, for the next frames' return addresses (a
    /// subroutine called in a loop then allocates nothing).
    pub(crate) spare: Vec<Vec<u8>>,
}

impl Call {
    /// The hang-up cause the dialplan gave with `Hangup(cause)` (0 for none): the cause the
    /// channel is hung up with when the dialplan ends.
    pub fn cause(&self) -> i32 {
        self.cause
    }

    /// `${HANGUPCAUSE}`: the cause the dialplan gave (`Hangup(cause)`, the last to set it,
    /// as `pbx_builtin_hangup` sets the channel's), else the channel's, else 0.
    pub(crate) fn hangup_cause(&self, chan: &dyn Channel) -> i32 {
        match self.cause {
            0 => chan.hangup_cause(),
            cause => cause,
        }
    }

    /// A new call that starts at `exten`,1 of `context` (`s` when `exten` is empty).
    pub fn new(context: &[u8], exten: &[u8], callerid: Option<&[u8]>) -> Self {
        Call {
            context: context.to_vec(),
            exten: exten.to_vec(),
            priority: 1,
            vars: Variables::default(),
            callerid: callerid.map(<[u8]>::to_vec),
            callerid_name: None,
            stack: Vec::new(),
            in_subroutine: false,
            exception: None,
            hung_up: false,
            log: Vec::new(),
            steps: 0,
            native_steps: 0,
            direct_entries: 0,
            unique_id: b"1700000000.1".to_vec(),
            channel_key: crate::groups::Groups::new_key(),
            attributes: Default::default(),
            cdr_vars: Box::default(),
            parties: None,
            location_override: None,
            digit_timeout_ms: 5000,
            response_timeout_ms: 10000,
            absolute_timeout_at: None,
            timeout_told: false,
            local_steps: Vec::new(),
            switches_reported: Vec::new(),
            stack_reported: false,
            cause: 0,
            hangup_handlers: Vec::new(),
            in_autoloop: false,
            spare: Vec::new(),
        }
    }

    /// A copy of `bytes` in a buffer of a returned frame when there is one.
    pub(crate) fn copy_to_spare(spare: &mut Vec<Vec<u8>>, bytes: &[u8]) -> Vec<u8> {
        let mut copy = spare.pop().unwrap_or_default();
        copy.clear();
        copy.extend_from_slice(bytes);
        copy
    }

    /// Keeps a buffer for [`Call::copy_to_spare`] (a few: as many as frames are returned
    /// from between two calls, usually one).
    pub(crate) fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < 8 {
            self.spare.push(buffer);
        }
    }

    /// `${UNIQUEID}`.
    pub fn set_unique_id(&mut self, id: &[u8]) {
        self.unique_id = id.to_vec();
    }

    /// `CHANNEL(linkedid)`: the call's first channel's unique ID, this one's when unset.
    pub fn linked_id(&self) -> &[u8] {
        if self.attributes.linkedid.is_empty() {
            &self.unique_id
        } else {
            &self.attributes.linkedid
        }
    }

    pub(crate) fn cid(&self) -> Option<&[u8]> {
        self.callerid.as_deref().filter(|c| !c.is_empty())
    }

    /// `ast_explicit_goto`: empty context/exten keep the current one; inside the PBX loop the
    /// priority is stored minus one because the loop steps forward after the application.
    pub(crate) fn explicit_goto(&mut self, context: &[u8], exten: &[u8], priority: i32) {
        // (A jump to where the call is already keeps its buffers: an EndWhile names them.)
        if !context.is_empty() && context != self.context {
            self.context.clear();
            self.context.extend_from_slice(context);
        }
        if !exten.is_empty() && exten != self.exten {
            self.exten.clear();
            self.exten.extend_from_slice(exten);
        }
        if priority > -1 {
            self.priority = priority.wrapping_sub(i32::from(self.in_autoloop));
        }
    }
}

/// One executed priority, as `pbxc call` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed<'a> {
    /// The other half of an offline `Dial(Local/…)` that ran the priority; `None` for the
    /// call's own channel.
    pub channel: Option<&'a [u8]>,
    /// The channel's current context (not the included one the priority came from).
    pub context: &'a [u8],
    pub exten: &'a [u8],
    pub priority: i32,
    /// The canonical application name (`NoOp` for `noop`), or as written when unknown.
    pub app: &'a str,
    /// The data after substitution.
    pub data: &'a [u8],
    /// The channel runs a subroutine (`AST_FLAG_SUBROUTINE_EXEC`).
    pub in_subroutine: bool,
}

/// A priority a Local channel's other half ran, kept until the Dial that ran it is over.
#[derive(Clone, Debug)]
pub(crate) struct LocalStep {
    channel: Vec<u8>,
    context: Vec<u8>,
    exten: Vec<u8>,
    priority: i32,
    app: String,
    data: Vec<u8>,
    in_subroutine: bool,
}

impl LocalStep {
    /// `step`, run on the Local half `channel` unless a Local channel of its own ran it.
    pub(crate) fn new(channel: &[u8], step: &Executed) -> LocalStep {
        LocalStep {
            channel: step.channel.unwrap_or(channel).to_vec(),
            context: step.context.to_vec(),
            exten: step.exten.to_vec(),
            priority: step.priority,
            app: step.app.to_string(),
            data: step.data.to_vec(),
            in_subroutine: step.in_subroutine,
        }
    }

    fn executed(&self) -> Executed<'_> {
        Executed {
            channel: Some(&self.channel),
            context: &self.context,
            exten: &self.exten,
            priority: self.priority,
            app: &self.app,
            data: &self.data,
            in_subroutine: self.in_subroutine,
        }
    }
}

/// `context,exten,priority,App(data)`, after `channel: ` for a Local channel's other half.
impl std::fmt::Display for Executed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(channel) = self.channel {
            write!(f, "{}: ", String::from_utf8_lossy(channel))?;
        }
        write!(
            f,
            "{},{},{},{}({})",
            String::from_utf8_lossy(self.context),
            String::from_utf8_lossy(self.exten),
            self.priority,
            self.app,
            String::from_utf8_lossy(self.data)
        )
    }
}

/// What `ast_spawn_extension` reports: whether the priority existed, and the application's
/// result when it did.
pub(crate) enum Spawn {
    NotFound,
    Ran(AppResult),
    /// Native code ran one or more priorities and left the call where the next lookup
    /// starts (the step after the last one already counted in).
    Moved,
}

impl Engine<'_> {
    /// Whether (context, exten, priority) exists for this caller (`ast_exists_extension`).
    pub(crate) fn exists(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        cid: Option<&[u8]>,
    ) -> bool {
        self.route(context, exten, priority, cid).is_some()
    }

    /// What runs for (context, exten, priority) for this caller: the routing index's
    /// answer, remembered for the next time the same question comes.
    pub(crate) fn route(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        cid: Option<&[u8]>,
    ) -> Option<Found> {
        let found = self.route_quietly(context, exten, priority, cid);
        if found.is_none() {
            self.note_stack(context);
        }
        found
    }

    /// Remembers, after a lookup from `context` that found nothing, whether it met an
    /// include past [`pbxc_dialplan::route::MAX_STACK`] contexts.
    fn note_stack(&self, context: &[u8]) {
        if self.deep && self.index.exceeds_stack(context, self.now()) {
            self.stack_exceeded.set(true);
        }
    }

    fn route_quietly(
        &self,
        context: &[u8],
        exten: &[u8],
        priority: i32,
        cid: Option<&[u8]>,
    ) -> Option<Found> {
        self.note_switches(context, exten, priority, cid);
        // Only a context whose search meets a time-conditioned include asks the clock; the
        // others are remembered as in a dialplan without one.
        if self.timed && self.routes.borrow().clocked == context {
            return self.index.find(context, exten, priority, cid, self.now());
        }
        {
            let routes = self.routes.borrow();
            if let Some(answer) = routes.get(context, exten, priority, cid) {
                return answer;
            }
            if let Some(first) = routes.first(context, exten, cid)
                && self.plan.contexts[first.context].extensions[first.extension]
                    .priority(priority)
                    .is_some()
            {
                return Some(first);
            }
        }
        if self.timed
            && self
                .index
                .context(context)
                .is_some_and(|c| self.index.order(c).is_none())
        {
            let mut routes = self.routes.borrow_mut();
            routes.clocked.clear();
            routes.clocked.extend_from_slice(context);
            drop(routes);
            return self.index.find(context, exten, priority, cid, self.now());
        }
        let lookup = self
            .index
            .lookup(context, exten, priority, cid, Moment::utc(0));
        let mut routes = self.routes.borrow_mut();
        routes.put(context, exten, priority, cid, lookup.found);
        if lookup.first.is_some() {
            routes.first.set(context, exten, 0, cid, lookup.first);
        }
        lookup.found
    }

    /// `ast_findlabel_extension`: the priority number of `label` in the extension that
    /// answers `exten` in `context` for this caller.
    pub(crate) fn find_label(
        &self,
        context: &[u8],
        exten: &[u8],
        label: &[u8],
        cid: Option<&[u8]>,
    ) -> Option<i32> {
        if self.meets_switch(context) {
            let search = pbxc_dialplan::route::label_search(
                self.plan,
                context,
                exten,
                label,
                cid,
                Some(self.now()),
            );
            self.note_passed(search);
        }
        let found = self
            .index
            .find_label(context, exten, label, cid, self.now());
        if found.is_none() {
            self.note_stack(context);
        }
        found
    }

    /// Whether a search from `context` can meet a `switch =>`.
    fn meets_switch(&self, context: &[u8]) -> bool {
        self.index.has_switches()
            && self
                .index
                .context(context)
                .is_some_and(|c| self.index.meets_switch(c))
    }

    /// Walks the search of a lookup from a context that can meet a `switch =>`, to learn
    /// which switches Asterisk would ask before the answer (the routing index leaves them
    /// out). pbxc has no switch modules, so none answers.
    fn note_switches(&self, context: &[u8], exten: &[u8], priority: i32, cid: Option<&[u8]>) {
        if !self.meets_switch(context) {
            return;
        }
        let search =
            pbxc_dialplan::route::find_at(self.plan, context, exten, priority, cid, self.now());
        self.note_passed(search);
    }

    /// Remembers the switches `search` passed until [`Engine::report_switches`].
    fn note_passed(&self, search: pbxc_dialplan::route::Search) {
        self.note(search.notes.into_iter().filter_map(|note| match note {
            pbxc_dialplan::route::Note::Switch { context, switch } => Some((context, switch)),
            _ => None,
        }));
    }

    /// Remembers switches `(context, switch)` a lookup passed, each once.
    fn note(&self, switches: impl IntoIterator<Item = (usize, usize)>) {
        let mut passed = self.switches_passed.borrow_mut();
        for s in switches {
            if !passed.contains(&s) {
                passed.push(s);
            }
        }
    }

    /// Logs, once per call, each switch its lookups passed: Asterisk without the switch's
    /// module logs `No such switch` at every lookup that reaches it, and goes on to the
    /// includes.
    ///
    /// Likewise, once per call, [`pbxc_dialplan::route::STACK_WARNING`] where a lookup found
    /// nothing in the [`pbxc_dialplan::route::MAX_STACK`] contexts a search may enter and met
    /// an include beyond them (Asterisk logs it at each such include of every such lookup).
    pub(crate) fn report_switches(&self, call: &mut Call) {
        if self.deep
            && self.stack_exceeded.take()
            && !std::mem::replace(&mut call.stack_reported, true)
        {
            call.log.push(pbxc_dialplan::route::STACK_WARNING.into());
        }
        if !self.index.has_switches() {
            return;
        }
        let passed = std::mem::take(&mut *self.switches_passed.borrow_mut());
        for (context, switch) in passed {
            if call.switches_reported.contains(&(context, switch)) {
                continue;
            }
            call.switches_reported.push((context, switch));
            let name = &self.plan.contexts[context].switches[switch].name;
            call.log.push(format!(
                "WARNING: No such switch '{}'",
                String::from_utf8_lossy(name)
            ));
        }
    }

    /// Runs `call` to its end, `h` extension included, reporting each executed priority.
    pub fn run(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
    ) {
        while self.run_until_suspended(call, chan, trace) == Outcome::Suspended {}
        // The channel is gone: it leaves its groups.
        self.groups().discard(call.channel_key);
    }

    /// Runs `call` until it ends (`h` extension included) or until the channel asks, between
    /// two priorities, to suspend it ([`Channel::suspend_requested`]). A suspended call
    /// resumes where it stood when passed here again, on this engine or on another one (the
    /// dialplan that replaced this one).
    pub fn run_until_suspended(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
    ) -> Outcome {
        self.watched = chan.watches_steps();
        if !call.in_autoloop {
            // Each call numbers its Local channels from zero, as a fresh Asterisk would.
            if self.local_depth == 0 {
                self.local_sequence = 0;
            }
            // `overrideswitch` is asked before anything else at every lookup, the first of
            // which is the call's first; no module answers it.
            // (Not when the context is missing: the search stops before it asks.)
            if let Some(switch) = &self.plan.general.overrideswitch
                && self.index.context(&call.context).is_some()
            {
                let name = switch.split(|&c| c == b'/').next().unwrap_or_default();
                call.log.push(format!(
                    "WARNING: No such switch '{}'",
                    String::from_utf8_lossy(name)
                ));
            }
            if call.exten.is_empty() {
                call.exten = b"s".to_vec();
                call.priority = 1;
            }
            if self.watched {
                chan.dialplan_starts(&call.context, &call.exten, self.clock);
            }
            call.in_autoloop = true;
        }
        if self.pbx_loop(call, chan, trace) == Outcome::Suspended {
            // The call may resume on another engine (a new dialplan).
            self.report_switches(call);
            return Outcome::Suspended;
        }
        // The `h` extension of the context the call is in when it ends.
        call.hung_up = true;
        if self.exists(&call.context, b"h", 1, call.cid()) {
            chan.hangup_logic_starts();
            call.exten = b"h".to_vec();
            call.priority = 1;
            // The h extension runs interpreted: it runs once, after the call.
            let jit = self.jit.take();
            while let Spawn::Ran(AppResult::Continue) = self.spawn(call, chan, trace) {
                call.priority = call.priority.wrapping_add(1);
            }
            self.jit = jit;
        }
        // Then the hangup handlers, last pushed first (`ast_pbx_hangup_handler_run`).
        if !call.hangup_handlers.is_empty() {
            chan.hangup_logic_starts();
        }
        while let Some(handler) = call.hangup_handlers.pop() {
            self.run_subroutine(call, chan, trace, &handler);
        }
        self.report_switches(call);
        call.in_autoloop = false;
        Outcome::Finished
    }

    /// `ast_app_exec_sub`: runs `Gosub(target)` to its `Return` on a call whose dialplan is
    /// over (a hangup handler), then puts the call back where it was.
    fn run_subroutine(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
        target: &[u8],
    ) {
        /// No dialplan has this context: the subroutine returns there, and the run ends.
        const RETURN_HERE: &[u8] = b"\0subroutine-return";
        let saved = (
            std::mem::replace(&mut call.context, RETURN_HERE.to_vec()),
            std::mem::replace(&mut call.exten, b"s".to_vec()),
            std::mem::replace(&mut call.priority, 1),
            call.in_autoloop,
        );
        call.in_autoloop = false;
        let jit = self.jit.take();
        if apps::execute(self, call, chan, "Gosub", target) == AppResult::Continue
            && call.context != RETURN_HERE
        {
            call.in_autoloop = true;
            loop {
                match self.spawn(call, chan, trace) {
                    Spawn::Ran(AppResult::Continue) => {
                        call.priority = call.priority.wrapping_add(1)
                    }
                    Spawn::Moved => {}
                    _ => break,
                }
            }
        }
        self.jit = jit;
        (call.context, call.exten, call.priority, call.in_autoloop) = saved;
    }

    /// Runs one application on `call` outside the PBX loop, as a module or a unit test calls
    /// `pbx_exec` on a channel: jumps land exactly where they point.
    pub fn execute(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        app: &str,
        data: &[u8],
    ) -> Option<AppResult> {
        let entry = pbxc_stdlib::catalog()
            .application(app)
            .filter(|e| e.in_version(22))?;
        // What the run before left would be stale: this application's channel decides.
        self.watched = chan.watches_steps();
        let result = apps::execute(self, call, chan, &entry.name, data);
        // No trace to report a Local channel's priorities to; the switches go to the log.
        call.local_steps.clear();
        self.report_switches(call);
        Some(result)
    }

    /// Substitutes `text` as the application data of `call` would be.
    pub fn substitute(&mut self, call: &mut Call, chan: &mut dyn Channel, text: &[u8]) -> Vec<u8> {
        crate::scope::substitute(self, call, chan, text)
    }

    fn pbx_loop(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
    ) -> Outcome {
        let autofallthrough = self.plan.general.autofallthrough;
        loop {
            let mut collected: Vec<u8> = Vec::new();
            let mut invalid = false;
            let result = loop {
                match self.spawn(call, chan, trace) {
                    // The absolute timeout passed while the priority ran.
                    Spawn::Ran(AppResult::Continue) | Spawn::Moved
                        if self.timed_out(call) && !call.hung_up && !chan.hung_up() =>
                    {
                        if !self.absolute_timeout(call) {
                            return Outcome::Finished;
                        }
                    }
                    Spawn::Ran(AppResult::Continue) if !call.hung_up && !chan.hung_up() => {
                        call.priority = call.priority.wrapping_add(1);
                        if chan.suspend_requested() {
                            return Outcome::Suspended;
                        }
                    }
                    Spawn::Moved => {
                        if chan.suspend_requested() {
                            return Outcome::Suspended;
                        }
                    }
                    // An application returned normally on a hung-up channel.
                    Spawn::Ran(AppResult::Continue) => return Outcome::Finished,
                    other => break other,
                }
            };
            let incomplete = matches!(result, Spawn::Ran(AppResult::Incomplete));
            // `found` of `__ast_pbx_run`: the last lookup found the priority it ran.
            let found = !matches!(result, Spawn::NotFound);
            if let Spawn::Ran(res) = result {
                match res {
                    AppResult::Digit(d) => collected.push(d),
                    AppResult::Incomplete => {
                        if self.matchmore(call) {
                            collected = call.exten.clone();
                        } else {
                            invalid = true;
                        }
                    }
                    AppResult::Error
                        if self.exists(&call.context, b"e", 1, call.cid())
                            && call.exten != b"e" =>
                    {
                        self.raise_exception(call, b"ERROR", 1);
                        continue;
                    }
                    // The application failed after the absolute timeout passed (the
                    // runtime's channel cuts a wait short at it, as Asterisk's does).
                    _ if self.timed_out(call) && self.absolute_timeout(call) => continue,
                    _ => return Outcome::Finished,
                }
            }
            if invalid
                || (collected.is_empty()
                    && !self.exists(&call.context, &call.exten.clone(), 1, call.cid()))
            {
                if self.exists(&call.context, b"i", 1, call.cid()) {
                    let exten = call.exten.clone();
                    call.vars.set(b"INVALID_EXTEN", Some(&exten));
                    call.exten = b"i".to_vec();
                    call.priority = 1;
                } else if self.exists(&call.context, b"e", 1, call.cid()) {
                    self.raise_exception(call, b"INVALID", 1);
                } else {
                    call.log.push(format!(
                        "WARNING: Channel '{}' sent to invalid extension but no invalid handler: context,exten,priority={},{},{}",
                        String::from_utf8_lossy(chan.name()),
                        String::from_utf8_lossy(&call.context),
                        String::from_utf8_lossy(&call.exten),
                        call.priority
                    ));
                    return Outcome::Finished;
                }
                continue;
            }
            // Ran off the end of an existing extension, or a key was pressed.
            let wait_ms = if !collected.is_empty() {
                call.digit_timeout_ms
            } else if !autofallthrough {
                call.response_timeout_ms
            } else {
                0
            };
            if wait_ms == 0 {
                // Auto fallthrough: the caller hears how the last Dial went, busy or
                // congestion (`indicate_busy`/`indicate_congestion`, the Busy and Congestion
                // applications, for 10 s or until the caller hangs up).
                // `pbx_builtin_getvar_helper`: the channel's variable, else a global.
                let status = match call.vars.get(b"DIALSTATUS") {
                    Some(status) => Some(status.to_ascii_uppercase()),
                    None => self
                        .globals
                        .get(b"DIALSTATUS")
                        .map(|s| s.to_ascii_uppercase()),
                };
                let app = match status.as_deref() {
                    Some(b"CONGESTION" | b"CHANUNAVAIL") => Some("Congestion"),
                    Some(b"BUSY") => Some("Busy"),
                    _ => None,
                };
                if let Some(app) = app {
                    crate::apps::tell_timeout(self, call, chan);
                    chan.execute(app, b"10", &mut call.vars);
                }
                return Outcome::Finished;
            }
            let dialled_before = collected.len();
            while self.matchmore_number(call, &collected) {
                crate::apps::tell_timeout(self, call, chan);
                match chan.wait_digit(wait_ms) {
                    Some(d) => collected.push(d),
                    // `collect_digits` got -1 from a wait the caller hung up in, or the
                    // absolute timeout cut short: the loop breaks off there (before `t` or
                    // `T`), and `h` runs. Asterisk complains only when the extension had
                    // run off its end.
                    None if self.timed_out(call) || chan.hung_up() => {
                        if !found {
                            call.log.push(format!(
                                "WARNING: Don't know what to do with '{}'",
                                String::from_utf8_lossy(chan.name())
                            ));
                        }
                        return Outcome::Finished;
                    }
                    None => break,
                }
            }
            // After `Incomplete()`, no further digit is a timeout, not the same number again.
            let timeout = incomplete && collected.len() == dialled_before;
            if !timeout
                && !collected.is_empty()
                && self.exists(&call.context, &collected, 1, call.cid())
            {
                call.exten = collected;
                call.priority = 1;
            } else if !timeout && !collected.is_empty() {
                if self.exists(&call.context, b"i", 1, call.cid()) {
                    call.vars.set(b"INVALID_EXTEN", Some(&collected));
                    call.exten = b"i".to_vec();
                    call.priority = 1;
                } else if self.exists(&call.context, b"e", 1, call.cid()) {
                    self.raise_exception(call, b"INVALID", 1);
                } else {
                    call.log.push(format!(
                        "WARNING: Invalid extension '{}', but no rule 'i' or 'e' in context '{}'",
                        String::from_utf8_lossy(&collected),
                        String::from_utf8_lossy(&call.context)
                    ));
                    return Outcome::Finished;
                }
            } else if self.exists(&call.context, b"t", 1, call.cid()) {
                call.exten = b"t".to_vec();
                call.priority = 1;
            } else if self.exists(&call.context, b"e", 1, call.cid()) {
                self.raise_exception(call, b"RESPONSETIMEOUT", 1);
            } else {
                call.log.push(format!(
                    "WARNING: Timeout, but no rule 't' or 'e' in context '{}'",
                    String::from_utf8_lossy(&call.context)
                ));
                return Outcome::Finished;
            }
        }
    }

    /// Whether some extension could still match `number` with more digits.
    fn matchmore_number(&self, call: &Call, number: &[u8]) -> bool {
        let mut passed = pbxc_dialplan::route::Passed::default();
        let more = pbxc_dialplan::route::matchmore_passing(
            self.plan,
            &call.context,
            number,
            call.cid(),
            self.routing_time(),
            &mut passed,
        );
        self.note(passed.switches);
        if passed.stack_exceeded {
            self.stack_exceeded.set(true);
        }
        more
    }

    fn matchmore(&self, call: &Call) -> bool {
        self.matchmore_number(call, &call.exten)
    }

    /// `ast_canmatch_extension` for priority 1: `exten` is an extension of `context`, or
    /// the start of a longer one.
    pub(crate) fn can_match(&self, context: &[u8], exten: &[u8], cid: Option<&[u8]>) -> bool {
        if self.exists(context, exten, 1, cid) {
            return true;
        }
        let mut passed = pbxc_dialplan::route::Passed::default();
        let more = pbxc_dialplan::route::matchmore_passing(
            self.plan,
            context,
            exten,
            cid,
            self.routing_time(),
            &mut passed,
        );
        self.note(passed.switches);
        more
    }

    /// Whether the call's absolute timeout has passed.
    pub(crate) fn timed_out(&self, call: &Call) -> bool {
        call.absolute_timeout_at
            .is_some_and(|at| self.clock.now_ms() >= at)
    }

    /// `AST_SOFTHANGUP_TIMEOUT` in `__ast_pbx_run`: on at `T`, else at `e` with
    /// `ABSOLUTETIMEOUT`, the timeout cleared (else it would fire again at once); `false`
    /// when there is neither and the call ends.
    fn absolute_timeout(&mut self, call: &mut Call) -> bool {
        if self.exists(&call.context, b"T", 1, call.cid()) {
            call.absolute_timeout_at = None;
            call.exten = b"T".to_vec();
            call.priority = 1;
            true
        } else if self.exists(&call.context, b"e", 1, call.cid()) {
            call.absolute_timeout_at = None;
            self.raise_exception(call, b"ABSOLUTETIMEOUT", 1);
            true
        } else {
            false
        }
    }

    /// `raise_exception`: remembers where, then continues at `e`.
    pub(crate) fn raise_exception(&mut self, call: &mut Call, reason: &[u8], priority: i32) {
        call.exception = Some(Exception {
            reason: reason.to_vec(),
            context: call.context.clone(),
            exten: call.exten.clone(),
            priority: call.priority,
        });
        call.exten = b"e".to_vec();
        call.priority = priority;
    }

    /// Finds the current priority and runs its application (`pbx_extension_helper`).
    fn spawn(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
    ) -> Spawn {
        if self.max_steps.is_some_and(|max| call.steps >= max) {
            call.log.push("ERROR: step limit reached".into());
            return Spawn::Ran(AppResult::Hangup);
        }
        let found = self.route(&call.context, &call.exten, call.priority, call.cid());
        self.report_switches(call);
        let Some(found) = found else {
            return Spawn::NotFound;
        };
        if self.jit.is_some() {
            return crate::jit::advance(self, call, chan, trace, found);
        }
        Spawn::Ran(self.run_step(call, chan, trace, found))
    }

    /// Runs the current priority of extension `found` (routing already chose it): the
    /// application looked up, the data substituted, the step traced, the application run.
    pub(crate) fn run_step(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
        found: Found,
    ) -> AppResult {
        let plan = self.plan;
        let Some(priority) =
            plan.contexts[found.context].extensions[found.extension].priority(call.priority)
        else {
            return AppResult::Hangup;
        };
        let resolved = resolve(priority);
        self.run_resolved(call, chan, trace, priority, resolved)
    }

    /// Whether anyone hears of each priority: the trace, or the channel.
    pub(crate) fn reports_steps(&self) -> bool {
        self.traced || self.watched
    }

    /// Reports the start of priority `step` of the call's own channel to whoever hears of
    /// it: the trace, and the channel (with the call's hang-up cause, `cause`).
    pub(crate) fn report(
        &self,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
        step: &Executed,
        cause: i32,
    ) {
        if self.traced {
            trace(step);
        }
        if self.watched {
            chan.application_starts(step, cause);
        }
    }

    /// [`Engine::run_step`] with the application already looked up (compiled code does it
    /// once, when the chain is built).
    pub(crate) fn run_resolved(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
        priority: &pbxc_dialplan::Priority,
        resolved: Resolved,
    ) -> AppResult {
        let Some(entry) = resolved.app else {
            call.log.push(format!(
                "WARNING: No application '{}' for extension ({}, {}, {})",
                String::from_utf8_lossy(&priority.app),
                String::from_utf8_lossy(&call.context),
                String::from_utf8_lossy(&call.exten),
                call.priority
            ));
            return AppResult::Hangup;
        };
        call.steps += 1;
        let data = if resolved.substitute {
            crate::scope::substitute(self, call, chan, &priority.data)
        } else {
            priority.data.to_vec()
        };
        self.run_counted(call, chan, trace, entry, &data)
    }

    /// The rest of a priority once it is counted and its data substituted: the step
    /// reported, the application run.
    pub(crate) fn run_counted(
        &mut self,
        call: &mut Call,
        chan: &mut dyn Channel,
        trace: &mut dyn FnMut(&Executed),
        entry: &pbxc_stdlib::Entry,
        data: &[u8],
    ) -> AppResult {
        if self.reports_steps() {
            let step = Executed {
                channel: None,
                context: &call.context,
                exten: &call.exten,
                priority: call.priority,
                app: &entry.name,
                data,
                in_subroutine: call.in_subroutine,
            };
            self.report(chan, trace, &step, call.cause);
        }
        let result = apps::execute(self, call, chan, &entry.name, data);
        for step in call.local_steps.drain(..) {
            trace(&step.executed());
        }
        // What the application looked up (`DIALPLAN_EXISTS`, a Goto), before the next
        // priority: both engines run every application through here.
        self.report_switches(call);
        result
    }
}

/// What a priority's text says before it runs: its application, and whether its data has
/// anything to substitute.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolved {
    /// `None` when Asterisk 22 has no application of that name, as registered: `NoOp `
    /// (trailing blank) is none, and the priority fails before anything is substituted.
    pub app: Option<&'static pbxc_stdlib::Entry>,
    /// Data is substituted only when it holds `${` or `$[`.
    pub substitute: bool,
}

pub(crate) fn resolve(priority: &pbxc_dialplan::Priority) -> Resolved {
    let app = std::str::from_utf8(&priority.app)
        .ok()
        .and_then(|name| pbxc_stdlib::catalog().application(name))
        .filter(|e| e.in_version(22));
    Resolved {
        app,
        substitute: priority.data.windows(2).any(|w| w == b"${" || w == b"$["),
    }
}

/// The voicemail of an engine nobody gave one: no mailbox, no spool (shared, as it never
/// changes).
fn no_voicemail() -> std::sync::Arc<pbx_voicemail::Voicemail> {
    static NONE: std::sync::OnceLock<std::sync::Arc<pbx_voicemail::Voicemail>> =
        std::sync::OnceLock::new();
    NONE.get_or_init(Default::default).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembered answers are per question: the caller, the priority and the number each
    /// change the answer, and asking again gives the index's answer every time.
    #[test]
    fn remembered_routes_answer_as_the_index() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[c]\nexten => 1/5,1,NoOp(five)\nexten => 1,1,NoOp(any)\n same => n,NoOp()\n\
              exten => _X,1,NoOp(pattern)\n",
        );
        let engine = Engine::new(&plan);
        /// (number, priority, caller)
        type Question<'a> = (&'a [u8], i32, Option<&'a [u8]>);
        let questions: [Question; 7] = [
            (b"1", 1, Some(b"5")),
            (b"1", 1, None),
            (b"1", 2, Some(b"5")),
            (b"1", 2, None),
            (b"2", 1, None),
            (b"3", 2, None),
            (b"1", 1, Some(b"6")),
        ];
        // Round after round, past the cache's size, in an order that reuses its slots.
        for round in 0..3 {
            for &(exten, priority, cid) in questions.iter().cycle().skip(round).take(11) {
                assert_eq!(
                    engine.route(b"c", exten, priority, cid),
                    engine
                        .index
                        .find(b"c", exten, priority, cid, Moment::utc(0)),
                    "{exten:?} {priority} {cid:?}"
                );
            }
        }
        // The caller-ID variant answers for caller 5 only.
        let five = engine.route(b"c", b"1", 1, Some(b"5"));
        assert_ne!(five, engine.route(b"c", b"1", 1, None));
        assert_eq!(five, engine.route(b"c", b"1", 1, Some(b"5")));
    }

    thread_local! {
        static NOW: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }

    /// In a dialplan with a time-conditioned include, a context whose search meets it is
    /// asked afresh at every time; the others are remembered.
    #[test]
    fn routes_that_depend_on_the_clock_are_not_remembered() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[in]\ninclude => day,09:00-17:00,*,*,*\ninclude => night\n\
              [day]\nexten => 1,1,NoOp(day)\n[night]\nexten => 1,1,NoOp(night)\n",
        );
        let mut engine = Engine::new(&plan);
        engine.clock = Clock::exact(|| NOW.with(std::cell::Cell::get));
        // Mon 2024-01-01 10:00 and 20:00 UTC, in turn.
        for now in [1_704_103_200, 1_704_139_200, 1_704_103_200, 1_704_139_200] {
            NOW.with(|n| n.set(now));
            let answer = engine.route(b"in", b"1", 1, None);
            assert_eq!(
                answer,
                engine.index.find(b"in", b"1", 1, None, Moment::utc(now))
            );
            let context = if now == 1_704_103_200 { "day" } else { "night" };
            assert_eq!(
                answer.map(|f| plan.contexts[f.context].name.as_slice()),
                Some(context.as_bytes())
            );
            assert_eq!(
                engine.route(b"day", b"1", 1, None),
                engine.index.find(b"day", b"1", 1, None, Moment::utc(now))
            );
        }
    }
}
