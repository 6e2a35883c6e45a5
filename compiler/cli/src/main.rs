use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pbxc::check;
use pbxc::disk::DiskFs;
use pbxc_diagnostics::Severity;
use pbxc_diagnostics::render::{self, Format};
use pbxc_dialplan::timing::ServerZone;

/// A check allocates and frees a great many small things; mimalloc does that in two thirds of
/// the time glibc's allocator takes (lsp/benches/edit.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A compiler front end for Asterisk configuration and dialplans.
#[derive(Parser)]
#[command(name = "pbxc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report every mistake Asterisk would only find at load or call time.
    ///
    /// PATH is a configuration directory (read like /etc/asterisk: every file Asterisk loads
    /// by name, and what they include) or a single file (its directory is the configuration
    /// directory for includes). Exit status: 0 no error, 1 an error was reported, 2 the check
    /// could not run.
    Check {
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// Asterisk version (or pbx) whose behaviour to check against.
        #[arg(long, value_enum, default_value_t = Target::Asterisk22)]
        target: Target,
        /// Run `#exec` commands (when asterisk.conf enables execincludes) and check their output.
        #[arg(long)]
        allow_exec: bool,
        /// Colour in terminal output: auto (when stdout is a terminal and NO_COLOR is unset),
        /// always or never.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Which extension answers NUMBER in CONTEXT, and why: the candidates in the order
    /// Asterisk tries them (own context, then includes depth-first) and the winner for each
    /// priority.
    Explain {
        /// A configuration directory (its extensions.conf) or a dialplan file.
        path: PathBuf,
        context: String,
        number: String,
        /// The caller's number (default: none, as an originated call).
        #[arg(long)]
        callerid: Option<String>,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
        format: ExplainFormat,
    },
    /// Run one call offline through the dialplan and print each executed priority as
    /// `context,exten,priority,App(args)`, as Asterisk logs `Executing [exten@context:prio]`.
    /// The simulated channel answers at once, plays media instantly and dials parties that
    /// answer and hang up at once.
    Call {
        /// A configuration directory (its extensions.conf) or a dialplan file.
        path: PathBuf,
        context: String,
        exten: String,
        /// The caller's number (default: none, as an originated call).
        #[arg(long)]
        callerid: Option<String>,
        /// A channel variable set before the call starts (repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        #[arg(long, value_enum, default_value_t = Engine::Interp)]
        engine: Engine,
        /// Keys the caller presses, one each time the dialplan listens (BackGround,
        /// WaitExten, collecting an extension). With none left the caller lets prompts time
        /// out, and hangs up after three timeouts in a row.
        #[arg(long, default_value = "")]
        dtmf: String,
        /// An AstDB entry the call finds (`DB(family/key)`), repeatable.
        #[arg(long = "db", value_name = "FAMILY/KEY=VALUE")]
        db: Vec<String>,
        /// An Asterisk AstDB file (astdb.sqlite3) whose entries the call finds; the call
        /// writes to a copy in memory, never to the file.
        #[arg(long, value_name = "FILE")]
        astdb: Option<PathBuf>,
        /// Print only `steps=N` at the end.
        #[arg(long)]
        quiet: bool,
        /// Stop the call after this many priorities (a loop without an exit runs forever).
        #[arg(long)]
        max_steps: Option<u64>,
        /// The server's time zone, a zoneinfo name (`America/New_York`): time conditions,
        /// STRFTIME and STRPTIME that name no zone read the time there. Default: this
        /// machine's, `/etc/localtime`, which is what Asterisk reads (not `TZ`).
        #[arg(long, value_name = "NAME")]
        zone: Option<String>,
        /// The time the call runs at, in seconds since the epoch (`$(date -d 'sat 18:00'
        /// +%s)`); the clock stands still there. Default: now.
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
        at: Option<i64>,
    },
    /// List every diagnostic code with its severity and meaning.
    Rules,
    /// Rewrite configuration files in the canonical layout (comments kept, meaning
    /// unchanged). PATH is a file or a directory (its *.conf files). With --check nothing is
    /// written: the files that would change are listed, and the exit status is 1 if any.
    Fmt {
        #[arg(long)]
        check: bool,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// The language server, on standard input and output: diagnostics, hover, go to
    /// definition, references, rename, completion, symbols, semantic tokens, formatting and
    /// quick fixes for dialplans and configuration files.
    Lsp,
    /// Check a configuration directory and, when nothing is an error, write its dialplan as a
    /// versioned, content-hashed artifact that `pbx --config FILE` runs. Exit 0 when written,
    /// 1 when the check reported errors (nothing is written), 2 when it could not run.
    Build {
        #[arg(value_name = "DIR")]
        path: PathBuf,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = Target::Pbx)]
        target: Target,
    },
    /// Run dialplan unit tests: each [section] of FILE is a call with a scripted caller (keys,
    /// hang-up time) and what must happen (trace, prompts, variables, CDR), run in real time
    /// on the pbx runtime against the configuration directory FILE is in. Exit 0 when every
    /// call passes, 1 when one fails, 2 when the tests could not run.
    Test {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The configuration directory (default: the test file's own).
        #[arg(long, value_name = "DIR")]
        config: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Engine {
    /// The reference interpreter.
    Interp,
    /// Native control flow (Cranelift); the same answers.
    Jit,
    /// `jit` with the whole dialplan compiled before the call — every extension as reached
    /// from every context that reaches it — rather than what the call runs twice over.
    JitAhead,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExplainFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Which applications and functions exist depends on it (Macro and chan_sip's are gone in 21);
/// `pbx` checks for pbx's own runtime, which follows the newest Asterisk.
#[derive(Clone, Copy, ValueEnum)]
enum Target {
    #[value(name = "asterisk-18")]
    Asterisk18,
    #[value(name = "asterisk-20")]
    Asterisk20,
    #[value(name = "asterisk-21")]
    Asterisk21,
    #[value(name = "asterisk-22")]
    Asterisk22,
    Pbx,
}

impl Target {
    fn to_check(self) -> pbxc_check::Target {
        match self {
            Target::Asterisk18 => pbxc_check::Target::Asterisk(18),
            Target::Asterisk20 => pbxc_check::Target::Asterisk(20),
            Target::Asterisk21 => pbxc_check::Target::Asterisk(21),
            Target::Asterisk22 => pbxc_check::Target::Asterisk(22),
            Target::Pbx => pbxc_check::Target::Pbx,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // All of a run's memory is fresh, and huge pages are zeroed whole at their first touch:
    // `pbxc check` on the corpus's 1.7 MB dialplan after the machine sat idle took 0.18–0.24 s
    // and 67–73 MB without them, 0.28–0.46 s and 97–101 MB with; loading the 100k-extension
    // dialplan for `pbxc call`, 0.11–0.17 s and 77 MB without, 0.07–0.26 s and 90 MB with
    // (see `pbxc_lsp::allocator::no_huge_pages`). Processes started from here inherit the
    // setting, so it is left alone where `#exec` scripts run, as Asterisk would run them.
    // Should it fail, the run is only slower.
    if !matches!(
        cli.command,
        Command::Check {
            allow_exec: true,
            ..
        }
    ) {
        let _ = pbxc_lsp::allocator::no_huge_pages();
    }
    match cli.command {
        Command::Check {
            format,
            target,
            allow_exec,
            color,
            paths,
        } => run_check(format, target.to_check(), allow_exec, color, &paths),
        Command::Explain {
            path,
            context,
            number,
            callerid,
            format,
        } => {
            let provider = DiskFs { allow_exec: false };
            let result = pbxc::explain::load_dialplan(&provider, &path).and_then(|plan| {
                pbxc::explain::explain(&plan, &context, &number, callerid.as_deref())
            });
            match result {
                Ok(e) => {
                    let out = match format {
                        ExplainFormat::Human => e.text,
                        ExplainFormat::Json => format!("{:#}\n", e.json),
                    };
                    let _ = std::io::stdout().lock().write_all(out.as_bytes());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pbxc: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Call {
            path,
            context,
            exten,
            callerid,
            vars,
            engine,
            dtmf,
            db,
            astdb,
            quiet,
            max_steps,
            zone,
            at,
        } => {
            let provider = DiskFs { allow_exec: false };
            let plan = match pbxc::explain::load_dialplan(&provider, &path) {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("pbxc: {e}");
                    return ExitCode::from(2);
                }
            };
            if plan.context(context.as_bytes()).is_none() {
                eprintln!(
                    "pbxc: {} has no context `{context}` (context names are case-sensitive)",
                    path.display()
                );
                return ExitCode::from(2);
            }
            // asterisk.conf beside the dialplan: its directories and names.
            let dir = if path.is_dir() {
                path.clone()
            } else {
                path.parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default()
            };
            let settings = pbxc_config::asterisk_settings(&provider, &dir);
            // What Asterisk would log reading them goes where the call's log goes.
            let (system, log) = pbx_engine::system::System::from_asterisk_conf(
                settings.iter().map(|(s, n, v)| (&s[..], &n[..], &v[..])),
            );
            for line in log {
                eprintln!("{line}");
            }
            // voicemail.conf beside the dialplan: its mailboxes, not its messages (nothing is
            // stored offline).
            let voicemail = pbxc::call::voicemail_config(&provider, &dir);
            for line in &voicemail.log {
                eprintln!("voicemail.conf: {line}");
            }
            let zone = match zone.as_deref().map(|z| (z, ServerZone::named(z))) {
                None => None,
                Some((_, Some(zone))) => Some(zone),
                Some((name, None)) => {
                    eprintln!(
                        "pbxc: --zone: no time zone `{name}` (a name under /usr/share/zoneinfo, or a POSIX rule)"
                    );
                    return ExitCode::from(2);
                }
            };
            let mut set = Vec::new();
            for v in &vars {
                let Some((name, value)) = v.split_once('=') else {
                    eprintln!("pbxc: --var needs NAME=VALUE, not `{v}`");
                    return ExitCode::from(2);
                };
                set.push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
            }
            let database = match astdb {
                Some(file) => match pbx_engine::AstDb::in_memory_copy_of(&file) {
                    Ok(database) => database,
                    Err(e) => {
                        eprintln!("pbxc: {e}");
                        return ExitCode::from(2);
                    }
                },
                None => pbx_engine::AstDb::in_memory(),
            };
            for entry in &db {
                let parsed = entry
                    .split_once('=')
                    .and_then(|(path, value)| Some((path.split_once('/')?, value)));
                let Some(((family, key), value)) = parsed else {
                    eprintln!("pbxc: --db needs FAMILY/KEY=VALUE, not `{entry}`");
                    return ExitCode::from(2);
                };
                if let Err(e) = database.put(family.as_bytes(), key.as_bytes(), value.as_bytes()) {
                    eprintln!("pbxc: --db {entry}: {e}");
                    return ExitCode::from(2);
                }
            }
            let run = pbxc::call::run(
                &plan,
                &pbxc::call::Request {
                    context: context.as_bytes(),
                    exten: exten.as_bytes(),
                    callerid: callerid.as_deref().map(str::as_bytes),
                    vars: &set,
                    dtmf: dtmf.as_bytes(),
                    max_steps,
                    jit: matches!(engine, Engine::Jit | Engine::JitAhead),
                    ahead: matches!(engine, Engine::JitAhead),
                    system: std::sync::Arc::new(system),
                    database: std::sync::Arc::new(database),
                    cdr: pbxc::call::cdr_settings(&provider, &dir),
                    voicemail: std::sync::Arc::new(pbx_voicemail::Voicemail {
                        config: voicemail,
                        spool: None,
                    }),
                    zone,
                    at,
                },
                quiet,
                &mut std::io::stdout().lock(),
                &mut std::io::stderr().lock(),
            );
            match run {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("pbxc: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Fmt { check, paths } => run_fmt(&paths, check),
        Command::Lsp => {
            if let Some(e) = pbxc_lsp::allocator::apply() {
                eprintln!("pbxc lsp: running with the allocator's defaults: {e}");
            }
            match pbxc_lsp::run_stdio() {
                Ok(pbxc_lsp::Ending::ShutDown) => ExitCode::SUCCESS,
                // The protocol's code for an `exit` without a `shutdown` before it.
                Ok(pbxc_lsp::Ending::Abandoned) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("pbxc lsp: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Build {
            path,
            output,
            target,
        } => run_build(&path, &output, target.to_check()),
        Command::Test { files, config } => run_tests(&files, config.as_deref()),
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for code in check::all_codes() {
                let _ = writeln!(
                    out,
                    "{:<8}{:<8}{:<34}{}",
                    code.id,
                    code.severity.as_str(),
                    code.name,
                    code.summary
                );
            }
            ExitCode::SUCCESS
        }
    }
}

fn run_fmt(paths: &[PathBuf], check: bool) -> ExitCode {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut confs: Vec<PathBuf> = entries
                    .filter_map(|e| Some(e.ok()?.path()))
                    .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "conf"))
                    .collect();
                confs.sort();
                files.extend(confs);
            }
            Err(_) if path.is_file() => files.push(path.clone()),
            Err(e) => {
                eprintln!("pbxc: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let mut changed = 0;
    for file in &files {
        let text = match std::fs::read(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("pbxc: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let formatted = pbxc_fmt::format(&text);
        if formatted == text {
            continue;
        }
        changed += 1;
        if check {
            println!("{}", file.display());
            continue;
        }
        // Written beside the file and renamed over it: never half a file.
        let partial = file.with_extension("conf.pbxc-fmt");
        let written =
            std::fs::write(&partial, &formatted).and_then(|()| std::fs::rename(&partial, file));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            eprintln!("pbxc: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    if check {
        if changed > 0 {
            eprintln!("{changed} of {} file(s) would be reformatted", files.len());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    println!("{changed} of {} file(s) reformatted", files.len());
    ExitCode::SUCCESS
}

fn run_build(
    path: &std::path::Path,
    output: &std::path::Path,
    target: pbxc_check::Target,
) -> ExitCode {
    let provider = DiskFs { allow_exec: false };
    match pbxc_project::build(&provider, path, target) {
        Ok(built) => {
            let bytes = pbxc_artifact::write(&built.dialplan, &built.sources, &built.music);
            // Written beside the target and renamed over it: a reader never sees half a file.
            let partial = output.with_extension("partial");
            let written =
                std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, output));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&partial);
                eprintln!("pbxc: {}: {e}", output.display());
                return ExitCode::from(2);
            }
            let hash = pbxc_artifact::read(&bytes)
                .map(|a| a.hash_hex())
                .unwrap_or_default();
            let plan = &built.dialplan;
            println!(
                "wrote {} ({} bytes, sha256 {hash}): {} contexts, {} extensions, {} source files",
                output.display(),
                bytes.len(),
                plan.contexts.len(),
                plan.contexts
                    .iter()
                    .map(|c| c.extensions.len())
                    .sum::<usize>(),
                built.sources.len()
            );
            ExitCode::SUCCESS
        }
        Err(pbxc_project::Refused::CannotRun(why)) => {
            eprintln!("pbxc: {why}");
            ExitCode::from(2)
        }
        Err(refused) => {
            eprintln!("pbxc: {}", refused.explain(path));
            eprintln!("pbxc: no artifact written");
            ExitCode::FAILURE
        }
    }
}

fn run_tests(files: &[PathBuf], config: Option<&std::path::Path>) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let calls = match pbx::unit::parse(file) {
            Ok(calls) => calls,
            Err(e) => {
                eprintln!("pbxc: {e}");
                return ExitCode::from(2);
            }
        };
        let dir = config.map(std::path::Path::to_path_buf).unwrap_or_else(|| {
            file.parent()
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf()
        });
        let _ = writeln!(
            out,
            "running {} call(s) from {}",
            calls.len(),
            file.display()
        );
        let outcomes = match pbx::unit::run(&calls, &dir) {
            Ok(outcomes) => outcomes,
            Err(e) => {
                eprintln!("pbxc: {}: {e}", dir.display());
                return ExitCode::from(2);
            }
        };
        for outcome in outcomes {
            let took = outcome.took.as_secs_f64();
            if outcome.failures.is_empty() {
                passed += 1;
                let _ = writeln!(out, "call \"{}\" ... ok ({took:.1} s)", outcome.name);
            } else {
                failed += 1;
                let _ = writeln!(out, "call \"{}\" ... FAILED ({took:.1} s)", outcome.name);
                for failure in &outcome.failures {
                    let _ = writeln!(out, "  {failure}");
                }
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    let _ = writeln!(
        out,
        "\ntest result: {verdict}. {passed} passed; {failed} failed"
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_check(
    format: OutputFormat,
    target: pbxc_check::Target,
    allow_exec: bool,
    color: ColorChoice,
    paths: &[PathBuf],
) -> ExitCode {
    let provider = DiskFs { allow_exec };
    let report = match check::check(&provider, paths, target) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pbxc: {e}");
            return ExitCode::from(2);
        }
    };
    for why in &report.skipped {
        eprintln!("pbxc: warning: {why}");
    }
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let format = match format {
        OutputFormat::Human => Format::Human { color },
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    };
    let rules = check::all_codes();
    let mut out = std::io::stdout().lock();
    let written = render::render(
        &format,
        &report.diagnostics,
        &report.sources,
        &rules,
        &mut out,
    )
    .and_then(|()| out.flush());
    // A closed pipe (`pbxc check … | head`) is not a failure of the check.
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("pbxc: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    let count = |s| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    if matches!(format, Format::Human { .. }) {
        eprintln!(
            "{} file{} checked: {errors} error{}, {warnings} warning{}, {infos} info",
            report.sources.len(),
            if report.sources.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
