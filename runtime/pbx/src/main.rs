//! `pbx [--config DIR]`: the runtime daemon in the foreground. `pbx [--config DIR] -rx
//! "COMMAND"` sends a command to the daemon of that configuration; `pbx -r` opens a console.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pbx::control::{self, After};
use pbx::{Options, Pbx, Source};

#[derive(Parser)]
#[command(
    name = "pbx",
    version,
    about = "Runs a dialplan on real channels (the pbxc runtime)"
)]
struct Args {
    /// Configuration directory (extensions.conf and the rest), or an artifact written by
    /// `pbxc build`; without it, the example built into the binary.
    #[arg(long, value_name = "DIR|ARTIFACT")]
    config: Option<PathBuf>,
    /// Send one command to the running daemon and print its answer (as `asterisk -rx`).
    #[arg(long = "rx", value_name = "COMMAND")]
    rx: Option<String>,
    /// Open an interactive console on the running daemon.
    #[arg(short = 'r')]
    remote: bool,
    /// How calls run: `jit` compiles what runs hot into native code (Cranelift), `interp`
    /// interprets everything. The answers are the same.
    #[arg(long, value_enum, default_value_t = EngineChoice::Jit)]
    engine: EngineChoice,
    /// More log output: -v shows each executed priority, -vv everything (asterisk.conf's
    /// `verbose = 3` is -v).
    #[arg(short = 'v', action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EngineChoice {
    Interp,
    Jit,
}

fn main() -> ExitCode {
    // Asterisk spells it `-rx "command"`; clap's short options are single letters.
    let args = std::env::args().map(|a| if a == "-rx" { "--rx".to_string() } else { a });
    let args = Args::parse_from(args);
    let source = match &args.config {
        Some(path) => Source::from_path(path),
        None => Source::Embedded,
    };
    let mut options = Options::for_source(source);
    options.jit = matches!(args.engine, EngineChoice::Jit);
    let socket = control::socket_path(&options.run_dir);
    if let Some(command) = &args.rx {
        return remote(&socket, command);
    }
    if args.remote {
        return console(&socket);
    }
    // Asterisk's verbosity: 3 and up shows every executed priority (`-- Executing`).
    let verbose = args
        .verbose
        .max(options.verbose.map_or(0, |v| v.saturating_sub(2)));
    let level = match verbose {
        0 => tracing::Level::INFO,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match daemon(options, socket) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pbx: {e}");
            ExitCode::from(2)
        }
    }
}

fn remote(socket: &std::path::Path, command: &str) -> ExitCode {
    match control::send(socket, command) {
        Ok(answer) => {
            print!("{answer}");
            if answer.starts_with("error:") {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!(
                "pbx: cannot reach the daemon at {}: {e} (is `pbx` running for this configuration?)",
                socket.display()
            );
            ExitCode::from(2)
        }
    }
}

fn console(socket: &std::path::Path) -> ExitCode {
    let stdin = std::io::stdin();
    loop {
        print!("pbx*CLI> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return ExitCode::SUCCESS,
            Ok(_) => {}
        }
        let line = line.trim();
        if matches!(line, "exit" | "quit") {
            return ExitCode::SUCCESS;
        }
        if line.is_empty() {
            continue;
        }
        match control::send(socket, line) {
            Ok(answer) => print!("{answer}"),
            Err(e) => {
                eprintln!("pbx: the daemon went away: {e}");
                return ExitCode::from(2);
            }
        }
    }
}

fn daemon(options: Options, socket: PathBuf) -> Result<(), String> {
    let described = match &options.source {
        Source::Dir(dir) | Source::Artifact(dir) => dir.display().to_string(),
        Source::Embedded => "the example built into pbx (examples/demo)".to_string(),
    };
    let pbx = Pbx::start(options)?;
    let program = pbx.program();
    let plan = program.plan();
    tracing::info!(
        "PBX ready: {described}: {} contexts, {} extensions; control socket {}",
        plan.contexts.len(),
        plan.contexts
            .iter()
            .map(|c| c.extensions.len())
            .sum::<usize>(),
        socket.display()
    );
    tracing::info!(
        "try: pbx{} -rx \"channel originate Local/600@features application Wait 5\"",
        match pbx.source() {
            Source::Dir(dir) | Source::Artifact(dir) => format!(" --config {}", dir.display()),
            Source::Embedded => String::new(),
        }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (after_tx, mut after_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut server = tokio::spawn(control::serve(pbx.clone(), socket.clone(), after_tx));
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|e| e.to_string())?;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        let stop = loop {
            tokio::select! {
                _ = hup.recv() => { let _ = pbx.reload(); }
                _ = term.recv() => {
                    pbx.stop_accepting();
                    break After::StopGracefully;
                }
                _ = tokio::signal::ctrl_c() => break After::StopNow,
                what = after_rx.recv() => match what {
                    Some(After::Nothing) => {}
                    Some(stop) => break stop,
                    None => break After::StopNow,
                },
                served = &mut server => {
                    let reason = match served {
                        Ok(Err(e)) => e.to_string(),
                        _ => "it stopped".to_string(),
                    };
                    tracing::error!("control socket {}: {reason}", socket.display());
                    pbx.hangup_all();
                    let _ = pbx.database.sync();
                    return Err(format!("control socket {}: {reason}", socket.display()));
                }
            }
        };
        if stop == After::StopNow {
            pbx.hangup_all();
        }
        tracing::info!(
            "stopping: waiting for {} call(s) to end",
            pbx.active_calls()
        );
        let waiter = pbx.clone();
        let _ = tokio::task::spawn_blocking(move || {
            waiter.wait_idle(std::time::Duration::from_secs(3600))
        })
        .await;
        server.abort();
        let _ = std::fs::remove_file(&socket);
        // The last second's AstDB writes, as Asterisk commits them at exit.
        if let Err(e) = pbx.database.sync() {
            tracing::error!("AstDB: the last writes were not saved: {e}");
        }
        Ok::<(), String>(())
    })
}
