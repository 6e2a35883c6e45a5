//! The control CLI: commands as Asterisk's console takes them (`core show channels`,
//! `dialplan reload`, …), answered as text, and the Unix socket `pbx -rx` and `pbx -r` talk
//! to. The socket lives in the run directory, which is created private to its owner (mode
//! 0700, the socket itself 0600): whoever can talk to it can hang up calls.
//!
//! Protocol: a client connects, writes one command line, and reads the answer until the
//! server closes the connection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::channel::Cause;
use crate::pbx::{Pbx, Start};

/// What a command asks of the daemon besides its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    Nothing,
    /// `core stop gracefully`: no new calls; exit when the last one ends.
    StopGracefully,
    /// `core stop now`: hang up everything and exit.
    StopNow,
}

/// Runs one command line.
pub fn run(pbx: &Arc<Pbx>, line: &str) -> (String, After) {
    let words = cli_words(line);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let answer = match lower.as_slice() {
        ["core", "show", "channels", rest @ ..] => {
            show_channels(pbx, rest.first() == Some(&"concise"))
        }
        ["core", "show", "calls"] => format!(
            "{} active call{}\n{} call{} processed\n",
            pbx.active_calls(),
            plural(pbx.active_calls() as u64),
            pbx.completed_calls(),
            plural(pbx.completed_calls())
        ),
        ["core", "show", kind @ ("application" | "function"), _] => {
            show_entry(kind == &"application", words[3])
        }
        ["core", "show", "uptime"] => format!(
            "System uptime: {} seconds\n",
            pbx.started.elapsed().as_secs()
        ),
        ["core", "stop", "gracefully"] => {
            return (
                "Stopping once the last call ends.\n".into(),
                After::StopGracefully,
            );
        }
        ["core", "stop", "now"] => {
            pbx.hangup_all();
            return ("Stopping now.\n".into(), After::StopNow);
        }
        ["dialplan", "reload"] => match pbx.reload() {
            Ok(()) => "Dialplan reloaded.\n".into(),
            Err(reason) => {
                format!("error: dialplan reload rejected; the running dialplan stays.\n{reason}\n")
            }
        },
        ["dialplan", "show", "globals"] => {
            let globals = crate::channel::lock(&pbx.globals).clone();
            let mut out = String::new();
            for (name, value) in globals.iter() {
                let _ = writeln!(
                    out,
                    "   {}={}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value)
                );
            }
            let _ = writeln!(out, "\n    -- {} variable(s)", globals.len());
            out
        }
        ["dialplan", "show", rest @ ..] if rest.len() <= 1 => {
            show_dialplan(pbx, words.get(2).copied())
        }
        ["channel", "request", "hangup", _] => {
            let name = words[3];
            if lower[3] == "all" {
                let n = pbx.channels().len();
                pbx.hangup_all();
                format!("Requested hangup on {n} channel(s)\n")
            } else {
                match pbx.channel(name) {
                    Some(chan) => {
                        // A soft hang-up from the PBX side: the far end (a Local partner,
                        // a phone) is told, and the call thread stops at its next wait.
                        chan.hangup(Cause::NORMAL_CLEARING);
                        format!("Requested Hangup on channel '{name}'\n")
                    }
                    None => format!("error: {name} is not a known channel\n"),
                }
            }
        }
        [
            "channel",
            "originate",
            _,
            how @ ("application" | "extension"),
            ..,
        ] if words.len() >= 5 => originate(pbx, words[2], how == &"extension", &words[4..]),
        ["database", ..] => database(&pbx.database, &words),
        ["group", "show", "channels", rest @ ..] if rest.len() <= 1 => {
            show_groups(pbx, words.get(3).copied())
        }
        ["module", "show", ..] => show_modules(pbx),
        ["module", action @ ("load" | "unload" | "reload"), _] => module(pbx, action, words[2]),
        ["core", "show", "help"] | ["help"] => HELP.to_string(),
        [] => String::new(),
        _ => format!(
            "error: No such command '{}' (type 'core show help' for help)\n",
            line.trim()
        ),
    };
    (answer, After::Nothing)
}

const HELP: &str = "\
channel originate CHANNEL application APP [DATA]   call CHANNEL and run APP on it when it answers
channel originate CHANNEL extension EXTEN@CONTEXT  call CHANNEL and send it to EXTEN@CONTEXT
channel request hangup NAME|all                    hang up a channel
core show application|function NAME                what the catalog says about it
core show calls                                    calls in progress and processed
core show channels [concise]                       the channels and where they are
core show uptime                                   seconds since the start
core stop gracefully|now                           stop when calls end, or at once
group show channels [PATTERN]                      the channels' groups (GROUP())
database show [FAMILY [KEYTREE]]                   AstDB's entries
database showkey KEY                               the entries whose last part is KEY
database get|del FAMILY KEY                        read or delete one entry
database put FAMILY KEY VALUE                      add or change an entry
database deltree FAMILY [KEYTREE]                  delete a family or a key tree
database query \"SQL\"                             run SQL on AstDB's table
dialplan reload                                    load the configuration again (only if it checks clean)
dialplan show [[EXTEN@]CONTEXT]                    the running dialplan
dialplan show globals                              the global variables
module show | module load|unload|reload NAME       the modules
";

/// A command line cut into words as Asterisk's CLI cuts it (cli.c's `parse_args`): at
/// blanks outside double quotes, the quotes dropped, a backslash taking the next character
/// as it is; `""` is an empty word.
fn cli_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let (mut quoted, mut escaped) = (false, false);
    for c in line.chars() {
        if c == '"' && !escaped {
            quoted = !quoted;
            if quoted && word.is_none() {
                word = Some(String::new());
            }
        } else if (c == ' ' || c == '\t') && !quoted && !escaped {
            words.extend(word.take());
        } else if c == '\\' && !escaped {
            escaped = true;
        } else {
            word.get_or_insert_with(String::new).push(c);
            escaped = false;
        }
    }
    words.extend(word);
    words
}

/// `group show channels [pattern]` (main/cli.c): each channel's groups, those whose group
/// the extended regular expression matches when one is given.
fn show_groups(pbx: &Pbx, pattern: Option<&str>) -> String {
    let mut out = String::new();
    let pattern = match pattern.map(|p| pbxc_stdlib::functions::regex_compile(p.as_bytes())) {
        Some(Err(_)) => return "error: usage: group show channels [pattern]\n".into(),
        Some(Ok(re)) => Some(re),
        None => None,
    };
    let _ = writeln!(
        out,
        "{:<25}  {:<20}  {:<20}",
        "Channel", "Group", "Category"
    );
    let mut shown = 0;
    for (channel, group, category) in pbx.groups.all() {
        if pattern.as_ref().is_some_and(|re| !re.is_match(&group)) {
            continue;
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let category = if category.is_empty() {
            "(default)".to_string()
        } else {
            text(&category)
        };
        let _ = writeln!(
            out,
            "{:<25}  {:<20}  {:<20}",
            text(&channel),
            text(&group),
            category
        );
        shown += 1;
    }
    let _ = writeln!(
        out,
        "{shown} active channel{}",
        if shown == 1 { "" } else { "s" }
    );
    out
}

/// The `database` commands (main/db.c's CLI), answered in its words.
fn database(db: &pbx_engine::AstDb, w: &[&str]) -> String {
    let sub = w.get(1).map(|s| s.to_ascii_lowercase());
    let entries = |entries: Vec<(Vec<u8>, Vec<u8>)>| {
        let mut out = String::new();
        for (key, value) in &entries {
            let _ = writeln!(
                out,
                "{:<50}: {:<25}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(value)
            );
        }
        let _ = writeln!(out, "{} results found.", entries.len());
        out
    };
    match (sub.as_deref(), w) {
        (Some("show"), [_, _, rest @ ..]) if rest.len() <= 2 => {
            let family = rest.first().copied().unwrap_or_default();
            let keytree = rest.get(1).copied().unwrap_or_default();
            entries(db.show(family.as_bytes(), keytree.as_bytes()))
        }
        (Some("showkey"), [_, _, key]) => entries(db.showkey(key.as_bytes())),
        (Some("get"), [_, _, family, key]) => match db.get(family.as_bytes(), key.as_bytes()) {
            Some(value) => format!("Value: {}\n", String::from_utf8_lossy(&value)),
            None => "Database entry not found.\n".into(),
        },
        (Some("put"), [_, _, family, key, value]) => {
            match db.put(family.as_bytes(), key.as_bytes(), value.as_bytes()) {
                Ok(()) => "Updated database successfully\n".into(),
                Err(e) => {
                    tracing::warn!("AstDB: {e}");
                    "Failed to update entry\n".into()
                }
            }
        }
        // ast_db_del2: a key that is not there is an error here.
        (Some("del"), [_, _, family, key]) => {
            let removed = db.get(family.as_bytes(), key.as_bytes()).is_some()
                && db.del(family.as_bytes(), key.as_bytes()).is_ok();
            if removed {
                "Database entry removed.\n".into()
            } else {
                tracing::warn!("AstDB key /{family}/{key} does not exist");
                "Database entry could not be removed.\n".into()
            }
        }
        (Some("deltree"), [_, _, family, rest @ ..]) if rest.len() <= 1 => {
            let keytree = rest.first().copied().unwrap_or_default();
            match db.deltree(family.as_bytes(), keytree.as_bytes()) {
                Err(e) => {
                    tracing::warn!("AstDB: {e}");
                    "Database unavailable.\n".into()
                }
                Ok(0) => "Database entries do not exist.\n".into(),
                Ok(n) => format!("{n} database entries removed.\n"),
            }
        }
        // display_results for each row; a failing statement is only logged, as db.c's
        // db_execute_sql logs it.
        (Some("query"), [_, _, statement]) => {
            let (rows, failed) = db.query(statement);
            let mut out = String::new();
            for row in rows {
                for (name, value) in row {
                    let _ = writeln!(out, "{name:<5}: {:<50}", String::from_utf8_lossy(&value));
                }
                out.push('\n');
            }
            if let Some(e) = failed {
                tracing::warn!("Error executing SQL ({statement}): {e}");
            }
            out
        }
        _ => format!(
            "error: usage: {}\n",
            match sub.as_deref() {
                Some("show") => "database show [family [keytree]]",
                Some("showkey") => "database showkey <keytree>",
                Some("get") => "database get <family> <key>",
                Some("put") => "database put <family> <key> <value>",
                Some("del") => "database del <family> <key>",
                Some("deltree") => "database deltree <family> [keytree]",
                Some("query") => "database query \"<SQL Statement>\"",
                _ => "database show|showkey|get|put|del|deltree|query ...",
            }
        ),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn show_channels(pbx: &Pbx, concise: bool) -> String {
    let channels = pbx.channels();
    let mut out = String::new();
    if !concise {
        let _ = writeln!(
            out,
            "{:<20} {:<20} {:<7} Application(Data)",
            "Channel", "Location", "State"
        );
    }
    for chan in &channels {
        let at = chan.location();
        if concise {
            let _ = writeln!(
                out,
                "{}!{}!{}!{}!{}!{}!{}!{}",
                chan.name,
                at.context,
                at.exten,
                at.priority,
                chan.state().name(),
                at.app,
                at.data,
                chan.bridged_with().unwrap_or_default()
            );
        } else {
            let _ = writeln!(
                out,
                "{:<20} {:<20} {:<7} {}({})",
                chan.name,
                format!("{}@{}:{}", at.exten, at.context, at.priority),
                chan.state().name(),
                at.app,
                at.data
            );
        }
    }
    if !concise {
        let _ = writeln!(
            out,
            "{} active channel{}\n{} active call{}\n{} call{} processed",
            channels.len(),
            plural(channels.len() as u64),
            pbx.active_calls(),
            plural(pbx.active_calls() as u64),
            pbx.completed_calls(),
            plural(pbx.completed_calls())
        );
    }
    out
}

fn show_entry(application: bool, name: &str) -> String {
    let catalog = pbxc_stdlib::catalog();
    let entry = if application {
        catalog.application(name)
    } else {
        catalog.function(name)
    };
    let Some(entry) = entry else {
        let kind = if application {
            "application"
        } else {
            "function"
        };
        return format!("error: Your {kind} '{name}' not found.\n");
    };
    let mut out = format!(
        "  -= Info about {} '{}' =-\n\n[Synopsis]\n{}\n\n[Syntax]\n{}\n\n[Description]\n{}\n",
        if application {
            "application"
        } else {
            "function"
        },
        entry.name,
        entry.summary,
        entry.signature(),
        entry.docs.trim()
    );
    if !entry.sets.is_empty() {
        let _ = write!(out, "\n[Sets]\n{}\n", entry.sets.join(", "));
    }
    if let Some(replacement) = &entry.replacement {
        let _ = write!(out, "\n[Replaced by]\n{replacement}\n");
    }
    out
}

fn show_dialplan(pbx: &Pbx, what: Option<&str>) -> String {
    let program = pbx.program();
    let plan = program.plan();
    let (exten, context) = match what.map(|w| w.split_once('@')) {
        Some(Some((e, c))) => (Some(e), Some(c)),
        Some(None) => (None, what),
        None => (None, None),
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut out = String::new();
    let mut shown = 0;
    for ctx in &plan.contexts {
        if context.is_some_and(|c| c.as_bytes() != ctx.name.as_slice()) {
            continue;
        }
        shown += 1;
        let _ = writeln!(
            out,
            "[ Context '{}' created by 'pbx_config' ]",
            text(&ctx.name)
        );
        for ext in &ctx.extensions {
            if exten.is_some_and(|e| e.as_bytes() != &ext.name[..]) {
                continue;
            }
            let mut name = format!("'{}'", text(&ext.name));
            if let Some(cid) = &ext.cid {
                name = format!("'{}' (CID match '{}')", text(&ext.name), text(cid));
            }
            for (i, p) in ext.priorities.iter().enumerate() {
                let head = if i == 0 {
                    format!("{name} =>")
                } else {
                    String::new()
                };
                let label = p
                    .label
                    .as_ref()
                    .map(|l| format!("[{}]", text(l)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<20} {}. {}{}({})",
                    head,
                    p.number,
                    label,
                    text(&p.app),
                    text(&p.data)
                );
            }
        }
        for include in &ctx.includes {
            let _ = writeln!(out, "  Include =>        '{}'", text(&include.value));
        }
        out.push('\n');
    }
    if shown == 0 {
        return format!(
            "error: There is no existence of '{}' context\n",
            context.unwrap_or("")
        );
    }
    let _ = writeln!(out, "-= {} context{} =-", shown, plural(shown));
    out
}

/// `channel originate Local/x@ctx extension y@ctx2 | application App [data]`.
fn originate(pbx: &Arc<Pbx>, channel: &str, extension: bool, rest: &[&str]) -> String {
    if !pbx.accepting() {
        return "error: stopping gracefully; no new calls\n".to_string();
    }
    let Some((tech, resource)) = channel.split_once('/') else {
        return format!("error: Invalid channel '{channel}' (TECH/resource)\n");
    };
    let requester = crate::channel::Channel::new(
        crate::channel::Spec {
            name: "Originate".into(),
            caller_number: None,
            caller_name: None,
            state: crate::channel::State::Up,
            signal: None,
        },
        Box::new(NoEndpoint),
    );
    let out = match pbx.request(tech, resource, &requester, &Default::default()) {
        Ok(out) => out,
        Err(cause) => return format!("error: cannot create {channel}: {}\n", cause.name()),
    };
    let start = if extension {
        let (exten, context) = crate::local::parse(rest[0]);
        Start::at(&context, &exten)
    } else {
        // An application runs on the answered channel as a one-priority dialplan would.
        let mut start = Start::at("", "");
        start.vars.set(b"ORIGINATE_APP", Some(rest[0].as_bytes()));
        start
            .vars
            .set(b"ORIGINATE_DATA", Some(rest[1..].join(" ").as_bytes()));
        start
    };
    pbx.register(&out);
    let name = out.name.clone();
    let pbx_for_wait = pbx.clone();
    // Wait for the answer off the control thread, then run the call.
    let spawned = std::thread::Builder::new()
        .name(format!("originate {name}"))
        .spawn(move || {
            let _requester = requester;
            out.call();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let seen = out.signal.generation();
                if out.answered_at().is_some() {
                    break;
                }
                if out.is_hung_up() || std::time::Instant::now() >= deadline {
                    out.hangup(Cause::NO_ANSWER);
                    return;
                }
                out.signal.wait(seen, Some(deadline));
            }
            if let Err(e) = pbx_for_wait.spawn_call(out.clone(), start) {
                tracing::error!("cannot start {}: {e}", out.name);
                out.hangup(Cause::FAILURE);
            }
        });
    match spawned {
        Ok(_) => format!("Originating {name}\n"),
        Err(e) => format!("error: cannot originate: {e}\n"),
    }
}

struct NoEndpoint;

impl crate::channel::Endpoint for NoEndpoint {
    fn send_frame(&self, _frame: &pbx_media::Samples) {}
}

fn show_modules(pbx: &Pbx) -> String {
    let modules = pbx.modules();
    let mut out = format!(
        "{:<24} {:<48} {:>9} {}\n",
        "Module", "Description", "Use Count", "Status"
    );
    for m in &modules {
        let _ = writeln!(
            out,
            "{:<24} {:<48} {:>9} {}",
            m.name,
            m.description,
            m.use_count,
            if m.running { "Running" } else { "Not Running" }
        );
    }
    let _ = writeln!(
        out,
        "{} modules loaded",
        modules.iter().filter(|m| m.running).count()
    );
    out
}

fn module(pbx: &Pbx, action: &str, name: &str) -> String {
    match pbx.module_action(action, name) {
        Ok(done) => format!("{done}\n"),
        Err(e) => format!("error: {e}\n"),
    }
}

// --- the socket ----------------------------------------------------------------------

/// The control socket of a run directory.
pub fn socket_path(run_dir: &Path) -> PathBuf {
    run_dir.join("pbx.ctl")
}

/// Serves the control socket until `stop` fires; `after` gets what each command asked for.
pub async fn serve(
    pbx: Arc<Pbx>,
    path: PathBuf,
    after: tokio::sync::mpsc::UnboundedSender<After>,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    // A socket left by a process that died: nobody answers on it.
    if std::os::unix::net::UnixStream::connect(&path).is_err() {
        let _ = std::fs::remove_file(&path);
    }
    let listener = tokio::net::UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    loop {
        let (stream, _) = listener.accept().await?;
        let pbx = pbx.clone();
        let after = after.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            // One line, bounded: a client cannot make the daemon buffer without end.
            let mut reader =
                tokio::io::BufReader::new(tokio::io::AsyncReadExt::take(read, 64 * 1024));
            let answer = match reader.read_line(&mut line).await {
                Ok(_) => {
                    let command = line.trim().to_string();
                    let pbx = pbx.clone();
                    match tokio::task::spawn_blocking(move || run(&pbx, &command)).await {
                        Ok((answer, what)) => {
                            let _ = after.send(what);
                            answer
                        }
                        Err(_) => "error: the command failed\n".to_string(),
                    }
                }
                Err(_) => "error: the command must be one line of UTF-8 text\n".to_string(),
            };
            let _ = write.write_all(answer.as_bytes()).await;
            let _ = write.shutdown().await;
        });
    }
}

/// `pbx -rx COMMAND`: sends it and returns the answer.
pub fn send(path: &Path, command: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.write_all(command.replace('\n', " ").as_bytes())?;
    stream.write_all(b"\n")?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::cli_words;

    #[test]
    fn a_line_is_cut_into_words_as_asterisks_console_cuts_it() {
        let cases: &[(&str, &[&str])] = &[
            ("database  show\tCF", &["database", "show", "CF"]),
            (
                "database put CF 100 \"a b\"",
                &["database", "put", "CF", "100", "a b"],
            ),
            // Quotes may start inside a word and join what follows.
            ("put a\"b c\"d", &["put", "ab cd"]),
            // An empty pair of quotes is an empty word.
            ("put \"\" x", &["put", "", "x"]),
            // A backslash takes the next character, blank or quote, as it is.
            (
                "put a\\ b \\\"q\\\" c\\\\d",
                &["put", "a b", "\"q\"", "c\\d"],
            ),
            ("", &[]),
            ("  ", &[]),
        ];
        for (line, words) in cases {
            assert_eq!(cli_words(line), *words, "{line:?}");
        }
    }
}
