//! `pbxc test`: dialplan unit tests, run on the real runtime with scripted callers and no
//! network. A test file is written in the configuration language itself (read by the same
//! parser as extensions.conf); each `[section]` is one call:
//!
//! ```ini
//! [the IVR sends 1 to the echo test]
//! call = s@ivr                       ; where the call enters (exten@context)
//! callerid = "Alice" <100>           ; optional
//! dtmf = 1@500                       ; a key and when (ms from the start), repeatable
//! hangup = 9000                      ; when the caller hangs up (optional)
//! timeout = 30000                    ; longest the call may run (default 30 s)
//! expect_trace = ivr,s,1,Answer()    ; the executed priorities, in order, all of them
//! expect_played = demo-congrats      ; the prompts the caller heard, in order, all of them
//! expect_var = DIALSTATUS=ANSWER     ; a channel variable when the call ended
//! expect_cdr = disposition=ANSWERED  ; a column of the call's CDR
//! expect_hangup = 16                 ; the cause the PBX hung the caller up with (none: 0)
//! ```
//!
//! Every call of a file runs at once, in real time, against the configuration directory the
//! file sits in (CDRs and recordings go to a scratch directory).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pbxc_config::{LoadOptions, Session};

use crate::channel::Channel;
use crate::scripted::{Caller, Recorder, Script};
use crate::{Options, Pbx, Source, Start};

/// One call of a test file and what it must do.
#[derive(Clone, Debug, Default)]
pub struct TestCall {
    pub name: String,
    /// The line of its `[section]` header.
    pub line: usize,
    pub exten: String,
    pub context: String,
    pub caller_number: Option<String>,
    pub caller_name: Option<String>,
    pub script: Script,
    pub timeout: Duration,
    pub trace: Option<Vec<String>>,
    pub played: Option<Vec<String>>,
    pub vars: Vec<(String, String)>,
    pub cdr: Vec<(String, String)>,
    pub hangup_cause: Option<u16>,
}

/// How one call went: empty `failures` when it did all it had to.
#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    pub failures: Vec<String>,
    pub took: Duration,
}

/// The columns of a CDR line, in cdr_csv's order.
const CDR_COLUMNS: &[&str] = &[
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
];

/// Reads a test file: its calls, or why it cannot be used.
pub fn parse(path: &Path) -> Result<Vec<TestCall>, String> {
    let provider = pbxc_project::disk::DiskFs { allow_exec: false };
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: not a file", path.display()))?;
    let mut session = Session::new(
        &provider,
        LoadOptions {
            config_dir: dir,
            exec_includes: false,
        },
    );
    let config = session
        .load(&name)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // What the configuration parser reports about the file (a `;` in a section name starts a
    // comment and breaks the header, for one) is an error here: a test file must say exactly
    // what it means.
    let problems: Vec<_> = session
        .diagnostics()
        .into_iter()
        .filter(|d| d.severity != pbxc_diagnostics::Severity::Info)
        .collect();
    if !problems.is_empty() || config.rejected {
        let mut text = Vec::new();
        let _ = pbxc_diagnostics::render::render(
            &pbxc_diagnostics::render::Format::Human { color: false },
            &problems,
            session.sources(),
            &[],
            &mut text,
        );
        return Err(format!(
            "{}: not a valid test file\n{}",
            path.display(),
            String::from_utf8_lossy(&text).trim_end()
        ));
    }
    let sources = session.sources();
    let mut calls = Vec::new();
    for category in &config.categories {
        let line = {
            let origin = &category.header;
            let file = sources.get(origin.file);
            file.text[..(origin.range.start as usize).min(file.text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        };
        let mut call = TestCall {
            name: category.name_str().into_owned(),
            line,
            timeout: Duration::from_secs(30),
            ..TestCall::default()
        };
        let fail = |what: String| format!("{}:{line}: [{}] {what}", path.display(), call.name);
        let mut errors = Vec::new();
        for var in &category.variables {
            let key = var.name_str().trim().to_ascii_lowercase();
            let value = var.value_str().trim().to_string();
            match key.as_str() {
                "call" => match value.split_once('@') {
                    Some((exten, context)) => {
                        call.exten = exten.to_string();
                        call.context = context.to_string();
                    }
                    None => errors.push(fail(format!("call = {value}: write exten@context"))),
                },
                "callerid" => {
                    let (name, number) = parse_callerid(&value);
                    call.caller_name = name;
                    call.caller_number = number;
                }
                "dtmf" => match value.split_once('@').map(|(k, t)| (k, t.parse::<u64>())) {
                    Some((key, Ok(ms)))
                        if key.len() == 1 && b"0123456789*#ABCD".contains(&key.as_bytes()[0]) =>
                    {
                        call.script
                            .dtmf
                            .push((Duration::from_millis(ms), key.as_bytes()[0]));
                    }
                    _ => errors.push(fail(format!("dtmf = {value}: write KEY@MILLISECONDS"))),
                },
                "hangup" => match value.parse::<u64>() {
                    Ok(ms) => call.script.hangup_after = Some(Duration::from_millis(ms)),
                    Err(_) => errors.push(fail(format!("hangup = {value}: milliseconds expected"))),
                },
                "timeout" => match value.parse::<u64>() {
                    Ok(ms) => call.timeout = Duration::from_millis(ms),
                    Err(_) => {
                        errors.push(fail(format!("timeout = {value}: milliseconds expected")))
                    }
                },
                "expect_trace" => call.trace.get_or_insert_with(Vec::new).push(value),
                "expect_played" => call.played.get_or_insert_with(Vec::new).push(value),
                "expect_var" => match value.split_once('=') {
                    Some((n, v)) => call.vars.push((n.trim().to_string(), v.trim().to_string())),
                    None => errors.push(fail(format!("expect_var = {value}: write NAME=VALUE"))),
                },
                "expect_cdr" => match value.split_once('=') {
                    Some((c, v)) if CDR_COLUMNS.contains(&c.trim()) => {
                        call.cdr.push((c.trim().to_string(), v.trim().to_string()))
                    }
                    _ => errors.push(fail(format!(
                        "expect_cdr = {value}: write COLUMN=VALUE, COLUMN one of {}",
                        CDR_COLUMNS.join(", ")
                    ))),
                },
                "expect_hangup" => match value.parse::<u16>() {
                    Ok(cause) => call.hangup_cause = Some(cause),
                    Err(_) => errors.push(fail(format!(
                        "expect_hangup = {value}: a cause number expected"
                    ))),
                },
                _ => errors.push(fail(format!("unknown setting '{key}'"))),
            }
        }
        if call.context.is_empty() {
            errors.push(fail("no `call = exten@context`".to_string()));
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        calls.push(call);
    }
    if calls.is_empty() {
        return Err(format!(
            "{}: no calls (one [section] per call)",
            path.display()
        ));
    }
    Ok(calls)
}

/// `"Name" <number>`, `Name <number>` or a bare number.
fn parse_callerid(value: &str) -> (Option<String>, Option<String>) {
    match value.rsplit_once('<') {
        Some((name, number)) => {
            let name = name.trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_string()),
                Some(number.trim_end_matches('>').trim().to_string()),
            )
        }
        None => (None, (!value.is_empty()).then(|| value.to_string())),
    }
}

/// Runs the calls of a test file against configuration directory `config`.
pub fn run(calls: &[TestCall], config: &Path) -> Result<Vec<Outcome>, String> {
    let scratch = scratch_dir();
    let mut options = Options::for_source(Source::Dir(config.to_path_buf()));
    options.run_dir = scratch.clone();
    options.log_dir = scratch.clone();
    options.recordings_dir = scratch.join("recordings");
    options.voicemail_dir = scratch.join("voicemail");
    options.keep_traces = true;
    // The records are cdr.c's whatever the backend: the harness writes them into its scratch
    // directory to read them back, even for a configuration whose cdr_csv would decline.
    options.cdr = true;
    options.csv = Some(options.csv.unwrap_or_default());
    // A test's writes to AstDB must not reach the configuration's database.
    options.astdb = None;
    let pbx = Pbx::start(options)?;
    let started = Instant::now();
    let mut placed: Vec<(Arc<Channel>, Arc<Recorder>)> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let caller = Caller {
            name: format!("Test/{}-{i}", slug(&call.name)),
            caller_number: call.caller_number.clone(),
            caller_name: call.caller_name.clone(),
            script: call.script.clone(),
        };
        placed.push(
            crate::scripted::place(&pbx, caller, Start::at(&call.context, &call.exten))
                .map_err(|e| format!("cannot start a call: {e}"))?,
        );
    }
    // Calls that outlive their timeout are hung up, and fail.
    let mut timed_out = vec![false; calls.len()];
    let longest = calls.iter().map(|c| c.timeout).max().unwrap_or_default();
    while !pbx.wait_idle(Duration::from_millis(20)) && started.elapsed() < longest {
        for (i, (chan, _)) in placed.iter().enumerate() {
            if started.elapsed() >= calls[i].timeout && !chan.is_finished() {
                timed_out[i] = true;
                chan.hangup(crate::channel::Cause::NORMAL_CLEARING);
            }
        }
    }
    for (i, (chan, _)) in placed.iter().enumerate() {
        if !chan.is_finished() {
            timed_out[i] = true;
            chan.hangup(crate::channel::Cause::NORMAL_CLEARING);
        }
    }
    pbx.wait_idle(Duration::from_secs(10));
    let cdrs = std::fs::read_to_string(scratch.join("cdr-csv/Master.csv")).unwrap_or_default();
    let outcomes = calls
        .iter()
        .zip(&placed)
        .zip(&timed_out)
        .map(|((call, (chan, recorder)), &timed_out)| {
            let mut failures = Vec::new();
            if timed_out {
                failures.push(format!(
                    "still running after {} ms (timeout); hung up",
                    call.timeout.as_millis()
                ));
            }
            if let Some(expected) = &call.trace {
                compare_lists("trace", expected, &chan.trace(), &mut failures);
            }
            if let Some(expected) = &call.played {
                compare_lists("played", expected, &chan.played(), &mut failures);
            }
            for (name, value) in &call.vars {
                let got = chan.final_var(name).unwrap_or_default();
                if &got != value {
                    failures.push(format!("variable {name}: expected `{value}`, got `{got}`"));
                }
            }
            if !call.cdr.is_empty() {
                let row = cdrs
                    .lines()
                    .map(csv_fields)
                    .find(|fields| fields.get(5) == Some(&chan.name));
                match row {
                    None => failures.push(
                        "no CDR was written for the call (one unanswered and without a called \
                         party is written only with cdr.conf's `unanswered = yes`)"
                            .to_string(),
                    ),
                    Some(fields) => {
                        for (column, value) in &call.cdr {
                            let i = CDR_COLUMNS.iter().position(|c| c == column).unwrap_or(0);
                            let got = fields.get(i).cloned().unwrap_or_default();
                            if &got != value {
                                failures
                                    .push(format!("CDR {column}: expected `{value}`, got `{got}`"));
                            }
                        }
                    }
                }
            }
            if let Some(cause) = call.hangup_cause {
                let got = recorder.hangup_cause().map_or(0, |c| c.0);
                if got != cause {
                    failures.push(format!("hang-up cause: expected {cause}, got {got}"));
                }
            }
            Outcome {
                name: call.name.clone(),
                failures,
                took: chan.took(),
            }
        })
        .collect();
    drop(pbx);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(outcomes)
}

fn compare_lists(what: &str, expected: &[String], got: &[String], failures: &mut Vec<String>) {
    if expected == got {
        return;
    }
    let at = expected.iter().zip(got).take_while(|(e, g)| e == g).count();
    let mut text = format!("{what} differs at line {}:", at + 1);
    for line in &expected[at..] {
        text.push_str(&format!("\n    - {line}"));
    }
    for line in &got[at..] {
        text.push_str(&format!("\n    + {line}"));
    }
    failures.push(text);
}

/// One line of Master.csv into its fields (quotes removed, doubled quotes undone).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(24)
        .collect()
}

fn scratch_dir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "pbxc-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ))
}
