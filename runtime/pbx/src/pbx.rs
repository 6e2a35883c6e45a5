//! The running PBX: the loaded dialplan (swapped whole on reload), the channels, the media
//! clock, the sounds, the CDR writer, and a thread per call running the engine.
//!
//! A call runs on its own thread, as in Asterisk (`pbx_thread`): the engine is synchronous,
//! and an application that waits (a prompt, a Dial) blocks only its call. Media pacing is
//! not done there but on the shared [`MediaClock`]; a call thread sleeps through a whole
//! prompt and wakes when it ends, a key is pressed or the caller hangs up.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use pbx_engine::{Call, Engine, Outcome};

use crate::channel::{Cause, Channel, Location, lock};
use crate::media::MediaClock;
use crate::program::{Program, Source};

/// How a PBX is started.
pub struct Options {
    pub source: Source,
    /// The control socket's directory (`astrundir`), and where everything below goes when
    /// asterisk.conf does not say otherwise: `DIR/run`.
    pub run_dir: PathBuf,
    /// CDRs: `cdr-csv/Master.csv` below it (`astlogdir`).
    pub log_dir: PathBuf,
    /// `Record` with a relative name writes below it (`astspooldir`'s `recordings`).
    pub recordings_dir: PathBuf,
    /// Voicemail's spool (`astspooldir`'s `voicemail`): greetings and messages.
    pub voicemail_dir: PathBuf,
    /// The sounds directory (`astdatadir/sounds`); `None` serves the example's prompts built
    /// into the binary.
    pub sounds: Option<PathBuf>,
    /// Write CDRs.
    pub cdr: bool,
    /// cdr.conf `[general]`: which records the CDR engine keeps and writes.
    pub cdr_settings: pbx_cdr::chain::Settings,
    /// cdr.conf `[csv]`: how cdr_csv writes them. `None` when cdr.conf has no `[csv]`
    /// setting: cdr_csv.c's `load_config` then fails and the module declines to load, so no
    /// Master.csv is written. A directory with no cdr.conf at all writes with the defaults
    /// (DESIGN.md: a configuration directory keeps its CDRs under `run/`), where Asterisk
    /// would decline too.
    pub csv: Option<pbx_cdr::CsvOptions>,
    /// asterisk.conf `[options] verbose`.
    pub verbose: Option<u8>,
    /// Run hot extensions as native code (on by default; `pbx --engine interp` turns it off).
    pub jit: bool,
    /// Keep each channel's trace and played prompts for inspection (`pbxc test`, tests).
    /// Off in the daemon: a call that loops for hours would keep every line.
    pub keep_traces: bool,
    /// The clock the dialplan reads: routing past time-conditioned includes, `${EPOCH}`,
    /// GotoIfTime, and the lookups of applications that wait for digits (a test's clock in
    /// tests; the system's otherwise). Call records keep the system's time.
    pub clock: pbx_engine::Clock,
    /// What `${SYSTEMNAME}`, `${ASTETCDIR}` and the like read: Asterisk's defaults, changed
    /// by asterisk.conf as Asterisk reads it (the runtime's own directories above are
    /// resolved against the configuration directory; a dialplan sees the values as written).
    pub system: Arc<pbx_engine::system::System>,
    /// The AstDB file (`DB(family/key)`), Asterisk's format: `astdb.sqlite3` in asterisk.conf's
    /// `astdbdir`, else its `astvarlibdir`, else the run directory. `None` keeps it in memory
    /// (`pbxc test`).
    pub astdb: Option<PathBuf>,
}

impl Options {
    /// A configuration directory, laid out as DESIGN.md says: sounds in `DIR/sounds`, the
    /// rest under `DIR/run`, unless asterisk.conf's `[directories]` (astrundir, astlogdir,
    /// astspooldir, astdatadir) says where. The embedded example keeps its run directory in
    /// the working directory's `run/`.
    pub fn for_source(source: Source) -> Options {
        let dir = source.dir();
        let (run_dir, sounds) = match &source {
            Source::Embedded => (PathBuf::from("run"), None),
            _ => (dir.join("run"), Some(dir.join("sounds"))),
        };
        let mut options = Options {
            log_dir: run_dir.clone(),
            recordings_dir: run_dir.join("recordings"),
            voicemail_dir: run_dir.join("voicemail"),
            run_dir,
            sounds,
            source,
            cdr: true,
            cdr_settings: Default::default(),
            csv: None,
            verbose: None,
            jit: true,
            keep_traces: false,
            clock: pbx_engine::Clock::system(),
            system: pbx_engine::system::System::shared_default(),
            astdb: None,
        };
        options.astdb = Some(options.run_dir.join(ASTDB_FILE));
        let settings = crate::program::asterisk_conf(&options.source);
        let (system, log) = pbx_engine::system::System::from_asterisk_conf(
            settings
                .iter()
                .map(|(s, k, v)| (s.as_bytes(), k.as_bytes(), v.as_bytes())),
        );
        for line in log {
            tracing::warn!("asterisk.conf: {line}");
        }
        options.system = Arc::new(system);
        let absolute = |value: &str| dir.join(value);
        // main/options.c: the database follows astvarlibdir until astdbdir is given.
        let mut astdbdir_given = false;
        for (section, key, value) in settings {
            match (section.as_str(), key.as_str()) {
                ("directories", "astvarlibdir") if !astdbdir_given => {
                    options.astdb = Some(absolute(&value).join(ASTDB_FILE))
                }
                ("directories", "astdbdir") => {
                    astdbdir_given = true;
                    options.astdb = Some(absolute(&value).join(ASTDB_FILE));
                }
                ("directories", "astrundir") => options.run_dir = absolute(&value),
                ("directories", "astlogdir") => options.log_dir = absolute(&value),
                ("directories", "astspooldir") => {
                    options.recordings_dir = absolute(&value).join("recordings");
                    options.voicemail_dir = absolute(&value).join("voicemail");
                }
                ("directories", "astdatadir") if options.sounds.is_some() => {
                    options.sounds = Some(absolute(&value).join("sounds"))
                }
                ("options", "verbose") => options.verbose = value.parse().ok(),
                _ => {}
            }
        }
        options.read_cdr_conf();
        options
    }

    /// cdr.conf: `[general]` for the CDR engine (cdr.c), `[csv]` for cdr_csv.c.
    fn read_cdr_conf(&mut self) {
        let yes = |v: &str| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "yes" | "true" | "y" | "t" | "1" | "on"
            )
        };
        let mut csv: Option<pbx_cdr::CsvOptions> = None;
        let mut initiatedseconds = false;
        for (section, key, value) in crate::program::conf_settings(&self.source, "cdr.conf") {
            match section.as_str() {
                "general" => {
                    self.cdr_settings.set(&key, &value);
                    if key == "initiatedseconds" {
                        initiatedseconds = yes(&value);
                    }
                }
                "csv" => {
                    let csv = csv.get_or_insert_with(Default::default);
                    match key.as_str() {
                        "usegmtime" => csv.usegmtime = yes(&value),
                        "loguniqueid" => csv.loguniqueid = yes(&value),
                        "loguserfield" => csv.loguserfield = yes(&value),
                        "accountlogs" => csv.accountlogs = yes(&value),
                        "newcdrcolumns" => csv.newcdrcolumns = yes(&value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let no_file = match &self.source {
            crate::program::Source::Embedded => false,
            source => !source.dir().join("cdr.conf").exists(),
        };
        if no_file {
            csv = Some(Default::default());
        }
        if let Some(csv) = &mut csv {
            csv.initiatedseconds = initiatedseconds;
        }
        self.csv = csv;
    }
}

/// The AstDB's file name in its directory (`${ASTDBDIR}.sqlite3`).
const ASTDB_FILE: &str = "astdb.sqlite3";

pub struct Pbx {
    source: Source,
    program: RwLock<Arc<Program>>,
    /// The global variables, shared by every call (Asterisk's are process-wide).
    pub globals: Arc<Mutex<pbx_engine::vars::Variables>>,
    /// AstDB, shared by every call and the `database` commands.
    pub database: Arc<pbx_engine::AstDb>,
    /// Channel groups (`GROUP()`), counted across every call.
    pub groups: Arc<pbx_engine::groups::Groups>,
    /// Bumped by every successful reload; a call whose generation is older suspends at its
    /// next priority and resumes on the new dialplan.
    generation: AtomicU64,
    channels: Mutex<Registry>,
    calls: Mutex<usize>,
    calls_done: Condvar,
    pub(crate) completed: AtomicU64,
    /// Cleared by `core stop gracefully`: no new calls from outside, the others finish.
    accepting: std::sync::atomic::AtomicBool,
    pub media: MediaClock,
    pub sounds: pbx_media::Sounds,
    pub run_dir: PathBuf,
    pub recordings_dir: PathBuf,
    voicemail_dir: PathBuf,
    cdr: Option<pbx_cdr::CsvWriter>,
    cdr_settings: pbx_cdr::chain::Settings,
    /// Timers of scripted channels and the control socket.
    pub(crate) tokio: tokio::runtime::Runtime,
    pub(crate) local_sequence: AtomicUsize,
    pub(crate) started: Instant,
    /// Calls run hot extensions as native code, taking the functions compiled for their
    /// chains from their dialplan's compiler ([`Program::jit`]).
    jit: bool,
    /// See [`Options::keep_traces`].
    pub(crate) keep_traces: bool,
    /// See [`Options::clock`].
    pub(crate) clock: pbx_engine::Clock,
    /// See [`Options::system`].
    system: Arc<pbx_engine::system::System>,
    pub(crate) modules: Mutex<Vec<crate::modules::Loaded>>,
    music: Mutex<std::collections::HashMap<PathBuf, Vec<Arc<pbx_media::sound::Sound>>>>,
}

/// How many times over a call runs a stretch of priorities before it is compiled. Compiling
/// costs a call only its chains' bookkeeping (a couple of hundred bytes a chain, and a read of
/// the extensions searched before them): the functions of their shapes are compiled once for
/// all the dialplan's calls ([`Program::jit`]).
/// So a loop is native after four turns; 200 calls of a 5,000-turn Set+GotoIf loop took
/// 2.0 ms a call with this and 3.1–3.2 ms waiting for a thousand turns (`cargo bench -p pbx
/// --bench loop`), and 2,000 Playback loops kept 22.3 KiB a call either way (`--bench
/// concurrent -- 2000 25`).
const JIT_PATIENCE: u32 = 4;

/// A call thread's stack: the engine's recursion is bounded (substitution depth, Gosub
/// frames live on the heap), and 5,000 calls must fit.
const CALL_STACK: usize = 512 * 1024;

impl Pbx {
    /// Whether cdr_csv has settings to write with (it declined to load otherwise).
    pub(crate) fn writes_csv(&self) -> bool {
        self.cdr.is_some()
    }

    /// cdr.conf `[general]`, as the PBX started with it.
    pub(crate) fn cdr_settings(&self) -> &pbx_cdr::chain::Settings {
        &self.cdr_settings
    }

    /// See [`Options::system`].
    pub fn system(&self) -> Arc<pbx_engine::system::System> {
        self.system.clone()
    }

    pub fn start(options: Options) -> Result<Arc<Pbx>, String> {
        let program = options
            .source
            .load()?
            .with_spool(options.voicemail_dir.clone());
        let sounds = match &options.sounds {
            Some(dir) => pbx_media::Sounds::new(dir.clone()),
            None => crate::embedded::sounds(),
        }
        .with_lookup_ttl(Duration::from_secs(1));
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pbx-io")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        let media =
            MediaClock::start().map_err(|e| format!("cannot start the media clock: {e}"))?;
        let csv = options.csv.clone().filter(|_| options.cdr);
        if options.cdr && csv.is_none() {
            tracing::info!("cdr_csv: cdr.conf has no [csv] settings; the module declines to load");
        }
        let csv_loaded = csv.is_some();
        let cdr = csv.map(|csv| pbx_cdr::CsvWriter::new(options.log_dir.join("cdr-csv"), csv));
        let globals = Arc::new(Mutex::new(pbx_engine::vars::Variables::default()));
        set_globals(&globals, &program);
        // Asterisk does not start without its database.
        let database = match &options.astdb {
            Some(file) => {
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        format!(
                            "cannot create the database directory {}: {e}",
                            dir.display()
                        )
                    })?;
                }
                pbx_engine::AstDb::open(file).map_err(|e| e.to_string())?
            }
            None => pbx_engine::AstDb::in_memory(),
        };
        Ok(Arc::new(Pbx {
            globals,
            database: Arc::new(database),
            groups: Default::default(),
            source: options.source,
            program: RwLock::new(Arc::new(program)),
            generation: AtomicU64::new(0),
            channels: Mutex::new(Registry::default()),
            calls: Mutex::new(0),
            calls_done: Condvar::new(),
            completed: AtomicU64::new(0),
            accepting: std::sync::atomic::AtomicBool::new(true),
            media,
            sounds,
            run_dir: options.run_dir,
            recordings_dir: options.recordings_dir,
            voicemail_dir: options.voicemail_dir,
            cdr,
            cdr_settings: options.cdr_settings,
            tokio,
            local_sequence: AtomicUsize::new(0),
            started: Instant::now(),
            jit: options.jit,
            keep_traces: options.keep_traces,
            clock: options.clock,
            system: options.system,
            music: Mutex::new(Default::default()),
            modules: Mutex::new(crate::modules::built_in(csv_loaded)),
        }))
    }

    pub fn program(&self) -> Arc<Program> {
        self.program
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many functions the native code of the current dialplan's calls has needed so
    /// far, compiled once for all of them (`None` when calls are interpreted).
    pub fn jit_functions(&self) -> Option<usize> {
        self.jit.then(|| self.program().jit.functions())
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// `dialplan reload`: the new configuration replaces the running one only when it loads
    /// and checks clean; otherwise the old one keeps serving and the reason is returned.
    pub fn reload(&self) -> Result<(), String> {
        match self.source.load() {
            Ok(program) => {
                let program = program.with_spool(self.voicemail_dir.clone());
                set_globals(&self.globals, &program);
                *self.program.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(program);
                self.generation.fetch_add(1, Ordering::AcqRel);
                tracing::info!("dialplan reloaded");
                Ok(())
            }
            Err(reason) => {
                tracing::error!("dialplan reload rejected; the running dialplan stays: {reason}");
                Err(reason)
            }
        }
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The sound files of a music-on-hold directory, in name order (decoded once).
    pub fn music_files(&self, dir: &std::path::Path) -> Vec<Arc<pbx_media::sound::Sound>> {
        let mut cache = lock(&self.music);
        if let Some(files) = cache.get(dir) {
            return files.clone();
        }
        let files = match (
            &self.source,
            dir.strip_prefix(crate::program::EMBEDDED_ROOT),
        ) {
            (Source::Embedded, Ok(relative)) => {
                crate::embedded::directory(&relative.to_string_lossy())
            }
            _ => {
                let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
                    .unwrap_or_default();
                paths.sort();
                paths
                    .iter()
                    .filter_map(|path| {
                        let ext = path.extension()?.to_str()?;
                        let format = pbx_media::sound::Format::from_extension(ext)?;
                        let bytes = std::fs::read(path).ok()?;
                        pbx_media::sound::decode(&bytes, format).ok().map(Arc::new)
                    })
                    .collect()
            }
        };
        cache.insert(dir.to_path_buf(), files.clone());
        files
    }

    // --- channels -------------------------------------------------------------------

    pub fn register(&self, chan: &Arc<Channel>) {
        // A new channel starts in asterisk.conf's `defaultlanguage` (`ast_channel_alloc`);
        // one registered again (it goes on after a transfer) keeps the language it has.
        if !chan.registered.swap(true, Ordering::Relaxed) {
            lock(&chan.attributes).language = self.system.default_language.clone();
        }
        // A channel running the dialplan unregisters when its call ends (`CallGuard`); a
        // dialled one is dropped by whoever dialled it, and its entry goes at the next
        // sweep. Sweeping when the registry has doubled since the last one keeps it
        // proportional to the live channels, at an amortized constant cost.
        let mut registry = lock(&self.channels);
        registry
            .channels
            .insert(chan.name.clone(), Arc::downgrade(chan));
        if registry.channels.len() >= registry.sweep_at {
            registry.channels.retain(|_, c| c.strong_count() > 0);
            registry.sweep_at = (registry.channels.len() * 2).max(64);
        }
    }

    pub fn unregister(&self, chan: &Channel) {
        lock(&self.channels).channels.remove(&chan.name);
    }

    /// Every registered channel, hung up or not (one still running its `h` is there until
    /// its dialplan ends, as in Asterisk's channel container).
    pub(crate) fn registered_channels(&self) -> Vec<Arc<Channel>> {
        lock(&self.channels)
            .channels
            .values()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// The live channels, by name.
    pub fn channels(&self) -> Vec<Arc<Channel>> {
        let mut registry = lock(&self.channels);
        registry.channels.retain(|_, c| c.strong_count() > 0);
        registry
            .channels
            .values()
            .filter_map(Weak::upgrade)
            .filter(|c| !c.is_hung_up())
            .collect()
    }

    pub fn channel(&self, name: &str) -> Option<Arc<Channel>> {
        lock(&self.channels)
            .channels
            .get(name)
            .and_then(Weak::upgrade)
    }

    /// Calls running the dialplan now.
    pub fn active_calls(&self) -> usize {
        *lock(&self.calls)
    }

    /// Tasks alive on the PBX's timer runtime (scripted channels' timers, control
    /// connections): back to zero when nothing is pending.
    pub fn tasks(&self) -> usize {
        self.tokio.metrics().num_alive_tasks()
    }

    /// Calls that ran to their end since the start.
    pub fn completed_calls(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// Waits until no call runs, at most `timeout`; whether none does.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut calls = lock(&self.calls);
        while *calls > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            calls = self
                .calls_done
                .wait_timeout(calls, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// Whether new calls from outside (a driver's inbound call, `channel originate`) are
    /// taken; calls in progress may still dial out.
    pub fn accepting(&self) -> bool {
        self.accepting.load(Ordering::Acquire)
    }

    /// `core stop gracefully`: refuse new calls from now on.
    pub fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Release);
    }

    /// Hangs up every channel (`core stop now`).
    pub fn hangup_all(&self) {
        for chan in self.channels() {
            chan.hangup(Cause::NORMAL_CLEARING);
        }
    }

    // --- calls ----------------------------------------------------------------------

    /// Runs `chan` through the dialplan from `exten@context`, on a thread of its own.
    pub fn spawn_call(self: &Arc<Self>, chan: Arc<Channel>, start: Start) -> std::io::Result<()> {
        self.register(&chan);
        *lock(&self.calls) += 1;
        // The guard travels into the thread: whether the call ends, panics, or the thread
        // never starts (the system is out of threads, and the closure is dropped here or in
        // a thread that failed to set up), the call's bookkeeping is undone exactly once.
        let guard = CallGuard {
            pbx: self.clone(),
            chan,
        };
        std::thread::Builder::new()
            .name(format!("call {}", guard.chan.name))
            .stack_size(CALL_STACK)
            .spawn(move || {
                // Calls yield to the media clock: when thousands of prompts end in the same
                // tick, their threads waking at once must not delay the next frames. Lowering
                // one's own priority needs no privilege; failing to is harmless.
                let _ = thread_priority::set_current_thread_priority(
                    thread_priority::ThreadPriority::Crossplatform(
                        thread_priority::ThreadPriorityValue::try_from(10u8).unwrap_or_default(),
                    ),
                );
                run_call(&guard.pbx, &guard.chan, start);
                drop(guard);
            })
            .map(drop)
    }
}

/// A (re)loaded dialplan's `[globals]` over the running ones: with `clearglobalvars = yes`
/// the old ones go first, else globals set at run time and absent from the file stay.
fn set_globals(globals: &Mutex<pbx_engine::vars::Variables>, program: &Program) {
    let plan = program.plan();
    let mut globals = lock(globals);
    if plan.general.clearglobalvars {
        globals.clear();
    }
    for g in &plan.globals {
        globals.set(&g.name, Some(&g.value));
    }
}

/// The channels by name, held weakly (see [`Pbx::register`]).
#[derive(Default)]
struct Registry {
    channels: BTreeMap<String, Weak<Channel>>,
    /// Sweep dead entries when there are this many.
    sweep_at: usize,
}

/// Where a call enters the dialplan and what it carries in.
pub struct Start {
    pub context: String,
    pub exten: String,
    pub priority: i32,
    pub vars: pbx_engine::vars::Variables,
}

impl Start {
    pub fn at(context: &str, exten: &str) -> Start {
        Start {
            context: context.to_string(),
            exten: exten.to_string(),
            priority: 1,
            vars: Default::default(),
        }
    }
}

/// Ends the call's bookkeeping on every path, a panic included.
struct CallGuard {
    pbx: Arc<Pbx>,
    chan: Arc<Channel>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.chan.hangup(Cause::NORMAL_CLEARING);
        self.chan.set_finished();
        self.pbx.unregister(&self.chan);
        self.pbx.completed.fetch_add(1, Ordering::Relaxed);
        *lock(&self.pbx.calls) -= 1;
        self.pbx.calls_done.notify_all();
    }
}

/// What `IFMODULE` asks of the PBX (held weakly: an engine never keeps its PBX alive).
pub(crate) fn loaded_modules(pbx: &Arc<Pbx>) -> pbx_engine::LoadedModules {
    let pbx = Arc::downgrade(pbx);
    Arc::new(move |base: &str| pbx.upgrade().is_some_and(|pbx| pbx.module_loaded(base)))
}

/// What an application leaves running for the rest of the call.
#[derive(Default)]
pub(crate) struct CallRecord {
    /// A tone `PlayTones` started, until `StopPlayTones` or the end of the call.
    pub tones: Option<Arc<crate::media::Playing>>,
    /// Music on hold while the PBX waits (`WaitExten(…,m)`).
    pub hold: Option<Arc<crate::media::Playing>>,
}

fn run_call(pbx: &Arc<Pbx>, chan: &Arc<Channel>, start: Start) {
    let mut call = Call::new(
        start.context.as_bytes(),
        start.exten.as_bytes(),
        chan.caller_number.as_deref().map(str::as_bytes),
    );
    call.priority = start.priority;
    call.callerid_name = chan.caller_name.as_deref().map(|n| n.as_bytes().to_vec());
    call.vars = start.vars;
    call.set_unique_id(chan.unique_id.as_bytes());
    *call.attributes = lock(&chan.attributes).clone();
    call.channel_key = chan.group_key;
    let _ = chan.groups.set(pbx.groups.clone());
    // A new run on the channel (a transferred party) starts with no absolute timeout, as
    // its call does.
    chan.set_timeout_at(None);
    let record = Mutex::new(CallRecord::default());
    crate::cdr::start(pbx, chan, &start.context, &start.exten);
    // The snapshot each priority hands the CDR engine, in strings reused from one to the
    // next.
    let mut snapshot = pbx_cdr::chain::Snapshot::default();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        loop {
            // The generation first: a reload between the two reads then only makes the
            // call suspend once more, instead of running the old dialplan unnoticed.
            let generation = pbx.generation();
            let program = pbx.program();
            let mut io = crate::apps::CallIo {
                pbx,
                chan,
                generation,
                program: &program,
                record: &record,
                jump: None,
            };
            let application = call.context.is_empty().then(|| {
                let var = |n: &[u8]| call.vars.get(n).map(<[u8]>::to_vec).unwrap_or_default();
                (var(b"ORIGINATE_APP"), var(b"ORIGINATE_DATA"))
            });
            let outcome = program.with(|plan, index| {
                let mut engine = Engine::with_index(plan, index);
                engine.clock = pbx.clock;
                engine.system = pbx.system.clone();
                engine.voicemail = program.voicemail.clone();
                engine.share_globals(pbx.globals.clone());
                engine.share_database(pbx.database.clone());
                engine.share_groups(pbx.groups.clone());
                engine.modules = Some(loaded_modules(pbx));
                if pbx.jit {
                    engine.enable_jit_sharing(JIT_PATIENCE, program.jit.clone());
                }
                if let Some((app, data)) = &application {
                    // `channel originate … application App data`: that application alone.
                    let app = String::from_utf8_lossy(app).into_owned();
                    let data_text = String::from_utf8_lossy(data).into_owned();
                    if pbx.keep_traces {
                        chan.note_step(format!("{app}({data_text})"));
                    }
                    chan.set_location(Location {
                        app: app.clone(),
                        data: data_text,
                        ..Location::default()
                    });
                    chan.publish_snapshot();
                    if engine.execute(&mut call, &mut io, &app, data).is_none() {
                        tracing::warn!("No application '{app}' to originate");
                    }
                    return Outcome::Finished;
                }
                engine.run_until_suspended(&mut call, &mut io, &mut |step| {
                    tracing::debug!(
                        "Executing [{}@{}:{}] {}(\"{}\", \"{}\")",
                        String::from_utf8_lossy(step.exten),
                        String::from_utf8_lossy(step.context),
                        step.priority,
                        step.app,
                        chan.name,
                        String::from_utf8_lossy(step.data)
                    );
                    if pbx.keep_traces {
                        chan.note_step(step.to_string());
                    }
                    // Where the call is, for `core show channels`; `pbx_exec` publishes it
                    // for the CDR engine as the application starts.
                    chan.step_starts(step, &mut snapshot);
                })
            });
            for line in call.log.drain(..) {
                tracing::warn!("{line}");
            }
            if outcome == Outcome::Finished {
                break;
            }
        }
    }));
    chan.set_final_vars(
        call.vars
            .iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect(),
    );
    {
        let mut record = lock(&record);
        for playing in [record.tones.take(), record.hold.take()]
            .into_iter()
            .flatten()
        {
            playing.stop();
        }
    }
    if ran.is_err() {
        tracing::error!(
            "{}: an application panicked; the call is hung up",
            chan.name
        );
    }
    // The channel's dialplan is done: it leaves its groups (also when an application
    // panicked), before its CDR is written and whoever holds it lets it go.
    pbx.groups.discard(call.channel_key);
    // The cause `Hangup(cause)` gave reaches the far end (a SIP 486 for USER_BUSY), else the
    // one the channel holds (a busy Dial's), else normal clearing.
    let cause = [call.cause(), chan.hangupcause()]
        .into_iter()
        .find_map(|c| u16::try_from(c).ok().filter(|&c| c > 0))
        .map_or(Cause::NORMAL_CLEARING, Cause);
    chan.hangup(cause);
    let records = crate::cdr::finish(chan);
    if let Some(cdr) = pbx.cdr.as_ref().filter(|_| pbx.module_running("cdr_csv")) {
        for record in &records {
            if let Err(e) = cdr.write(record) {
                tracing::error!("cannot write the CDR of {}: {e}", chan.name);
            }
        }
    }
}
