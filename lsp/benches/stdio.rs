//! The language server as an editor meets it: the real binary over stdio, the corpus's
//! largest dialplan (1.7 MB) opened, then one-line edits. Each time runs from writing the
//! `didChange` to having read the whole `publishDiagnostics` frame that answers it (3.8 MB
//! of JSON for this file), the client's JSON parsing left out. Run in release:
//! `cargo bench -p pbxc-lsp --bench stdio [-- EDITS]`.
//!
//! Target (issue 6): diagnostics after an edit ≤ 30 ms. Edits follow each other at once; a
//! few more come after pauses, as when the user stops typing, and in bursts written at once,
//! as keys typed faster than a check takes. `--bench edit` times the same work
//! inside the process, without the pipe.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

use common::{Edit, FILE, PAUSE, PAUSES};

/// After the pauses, this many bursts of `BURST` edits written at once.
const BURSTS: usize = 5;
const BURST: usize = 5;
/// Last, this many edits each followed by what an editor asks to redraw its views: the
/// outline (`documentSymbol`) and the highlighting (`semanticTokens/full`).
const VIEWED: usize = 10;

fn send(to: &mut impl Write, message: &Value) {
    let body = serde_json::to_vec(message).unwrap();
    write!(to, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
    to.write_all(&body).unwrap();
    to.flush().unwrap();
}

/// The next frame's body.
fn receive(from: &mut impl BufRead) -> Vec<u8> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        assert!(from.read_line(&mut line).unwrap() > 0, "the server hung up");
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    from.read_exact(&mut body).unwrap();
    body
}

/// Reads frames until the diagnostics for the file; their size.
fn diagnostics(from: &mut impl BufRead) -> usize {
    loop {
        let body = receive(from);
        let head = &body[..body.len().min(200)];
        if head
            .windows(30)
            .any(|w| w == b"\"textDocument/publishDiagnosti")
        {
            return body.len();
        }
    }
}

/// Reads frames until the diagnostics of document version `version`.
fn diagnostics_of(from: &mut impl BufRead, version: usize) {
    let tag = format!("\"version\":{version}");
    loop {
        let body = receive(from);
        let tail = &body[body.len().saturating_sub(300)..];
        let at = tail.windows(tag.len()).position(|w| w == tag.as_bytes());
        if at.is_some_and(|i| !tail.get(i + tag.len()).is_some_and(u8::is_ascii_digit)) {
            return;
        }
    }
}

fn main() {
    let edits: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(40);
    let path = common::file();
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    let uri = format!("file://{}", path.display());
    // Another build of the server to compare with: `PBXC_LSP_BIN=path`.
    let binary =
        std::env::var_os("PBXC_LSP_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_pbx-lsp").into());
    let mut server = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut to = server.stdin.take().unwrap();
    let mut from = BufReader::with_capacity(1 << 20, server.stdout.take().unwrap());

    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"capabilities": {}, "processId": null, "rootUri": null}}),
    );
    receive(&mut from);
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let t = Instant::now();
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
                {"uri": uri, "languageId": "asterisk", "version": 1, "text": text}}}),
    );
    let bytes = diagnostics(&mut from);
    let first = t.elapsed();

    let edit = Edit::in_text(&text);
    // The edited line replaced by `new`, as version `version`.
    let change = |old: &str, new: &str, version: usize| {
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": edit.line, "character": 0},
                                          "end": {"line": edit.line, "character": old.encode_utf16().count()}},
                                "text": new}]}})
    };
    // Edit number `i`, sent; the time until its diagnostics are read.
    let mut timed_edit = |i: usize| {
        let (old, new) = edit.nth(i);
        let t = Instant::now();
        send(&mut to, &change(old, new, i + 2));
        diagnostics(&mut from);
        t.elapsed()
    };
    let mut times: Vec<Duration> = (0..edits).map(&mut timed_edit).collect();
    let mut after_pause: Vec<Duration> = (edits..edits + PAUSES)
        .map(|i| {
            std::thread::sleep(PAUSE);
            timed_edit(i)
        })
        .collect();
    // Bursts: BURST edits written at once (keys typed faster than a check takes), timed
    // until the diagnostics of the last are read.
    // Each edit of a burst names a different unknown application (`Sett`, `Settt`, …), so
    // that however the server groups them, the last one's diagnostics are new and sent.
    let mut line = edit.nth(edits + PAUSES - 1).1.to_string();
    let mut version = edits + PAUSES + 1;
    let mut bursts: Vec<Duration> = (0..BURSTS)
        .map(|b| {
            let t = Instant::now();
            for k in 0..BURST {
                let app = format!(",Se{}(", "t".repeat(2 + b * BURST + k));
                let new = edit.original.replacen(",Set(", &app, 1);
                version += 1;
                send(&mut to, &change(&line, &new, version));
                line = new;
            }
            diagnostics_of(&mut from, version);
            t.elapsed()
        })
        .collect();
    let peak_of = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let peak = peak_of(server.id());
    // The views after each edit: the time from each request to its whole answer read.
    let mut outline = Vec::new();
    let mut tokens = Vec::new();
    let mut outline_bytes = 0;
    for k in 0..VIEWED {
        let new = if k % 2 == 0 {
            &edit.original
        } else {
            &edit.misspelt
        };
        version += 1;
        send(&mut to, &change(&line, new, version));
        line = new.clone();
        diagnostics_of(&mut from, version);
        let doc = json!({"textDocument": {"uri": uri}});
        let (took, bytes) = request(
            &mut to,
            &mut from,
            100 + 2 * k,
            "textDocument/documentSymbol",
            &doc,
        );
        outline.push(took);
        outline_bytes = bytes;
        let (took, _) = request(
            &mut to,
            &mut from,
            101 + 2 * k,
            "textDocument/semanticTokens/full",
            &doc,
        );
        tokens.push(took);
    }
    let viewed_peak = peak_of(server.id());
    send(
        &mut to,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    );
    receive(&mut from);
    send(&mut to, &json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = server.wait();

    // Every edit's time in the order sent (the first edit after opening is often the
    // slowest): `PBXC_BENCH_ALL=1`.
    if std::env::var_os("PBXC_BENCH_ALL").is_some() {
        let all: Vec<String> = times
            .iter()
            .map(|t| format!("{:.1}", t.as_secs_f64() * 1e3))
            .collect();
        println!("edits in order (ms): {}", all.join(" "));
    }
    times.sort();
    after_pause.sort();
    bursts.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = times[times.len() / 2];
    println!(
        "file: {FILE}, publishDiagnostics {:.1} MB of JSON",
        bytes as f64 / 1e6
    );
    println!(
        "first analysis:        {:7.1} ms   (open → diagnostics read)",
        ms(first)
    );
    println!(
        "edit → diagnostics:    {:7.1} ms median, {:.1} ms best, {:.1} ms worst of {edits}   ({:.2}× the 30 ms target)",
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1]),
        ms(median) / 30.0
    );
    println!(
        "after a {:.1} s pause:  {:7.1} ms median of {PAUSES}   ({:.2}× the 30 ms target)",
        PAUSE.as_secs_f64(),
        ms(after_pause[PAUSES / 2]),
        ms(after_pause[PAUSES / 2]) / 30.0
    );
    println!(
        "a burst of {BURST} edits:   {:7.1} ms median of {BURSTS} until the last one's diagnostics",
        ms(bursts[BURSTS / 2]),
    );
    println!("server's peak memory:  {peak}");
    outline.sort();
    tokens.sort();
    println!(
        "then {VIEWED} edits, each followed by the outline ({:.1} MB) and the tokens: {:.1} ms and {:.1} ms medians; peak memory {viewed_peak}",
        outline_bytes as f64 / 1e6,
        ms(outline[VIEWED / 2]),
        ms(tokens[VIEWED / 2]),
    );
}

/// Sends request `id` and reads until its answer: the time that took, and the answer's size.
fn request(
    to: &mut impl Write,
    from: &mut impl BufRead,
    id: usize,
    method: &str,
    params: &Value,
) -> (Duration, usize) {
    let t = Instant::now();
    send(
        to,
        &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    );
    let tag = format!("\"id\":{id}");
    loop {
        let body = receive(from);
        let ends = |b: &[u8]| {
            let text = String::from_utf8_lossy(b);
            text.contains(&format!("{tag},")) || text.contains(&format!("{tag}}}"))
        };
        if ends(&body[..body.len().min(64)]) || ends(&body[body.len().saturating_sub(64)..]) {
            return (t.elapsed(), body.len());
        }
    }
}
