//! A minimal LSP client driving the real `pbx-lsp` binary over stdio with JSON-RPC.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts the server without initialising it.
    pub fn spawn() -> Client {
        Client::spawn_with_env(&[])
    }

    /// [`spawn`](Self::spawn) with the server's environment changed: a variable set to a
    /// value, or removed (`None`).
    pub fn spawn_with_env(env: &[(&str, Option<&str>)]) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pbx-lsp"));
        for &(name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pbx-lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let Some(n) = length else { return };
                let mut body = vec![0; n];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(v) = serde_json::from_slice(&body) else {
                    return;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            backlog: Vec::new(),
            next_id: 1,
        }
    }

    /// Starts and initialises the server with `folder` as the workspace (if any).
    pub fn start(folder: Option<&Path>) -> Client {
        Client::start_with(folder, json!({}))
    }

    /// [`start`](Self::start) with the client capabilities given.
    pub fn start_with(folder: Option<&Path>, capabilities: Value) -> Client {
        let mut c = Client::spawn();
        let folders = folder.map(|f| json!([{ "uri": uri(f), "name": "ws" }]));
        let result = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": folder.map(uri),
                "workspaceFolders": folders,
                "capabilities": capabilities,
            }),
        );
        assert!(result["capabilities"].is_object(), "{result}");
        c.notify("initialized", json!({}));
        c
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.send_raw(framed.as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response message.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// Sends a request; panics on an error response; returns the result.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next message satisfying `pred` (from the backlog first).
    pub fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_within(PATIENCE, pred)
    }

    /// [`Client::wait`], giving up (a panic) after `patience`.
    pub fn wait_within(&mut self, patience: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no answer in time; backlog: {:?}", self.backlog)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output; backlog: {:?}", self.backlog)
                }
            }
        }
    }

    /// Opens a document (from disk unless `text` is given).
    pub fn open(&mut self, path: &Path, text: Option<&str>) {
        let text = match text {
            Some(t) => t.to_string(),
            None => std::fs::read_to_string(path).unwrap(),
        };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(path), "languageId": "asterisk", "version": 1, "text": text } }),
        );
    }

    /// The diagnostics published for `path` at `version` (the latest such notification).
    pub fn diagnostics(&mut self, path: &Path, version: i64) -> Vec<Value> {
        let u = uri(path);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(u)
                && m["params"]["version"] == json!(version)
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Published diagnostics for a file the editor has not opened (no version).
    pub fn closed_file_diagnostics(&mut self, path: &Path) -> Vec<Value> {
        let u = uri(path);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(u)
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the server to exit; its exit status.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A position as JSON.
pub fn at(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

/// A temporary configuration directory.
pub struct Dir {
    pub path: PathBuf,
}

impl Dir {
    pub fn new(files: &[(&str, &str)]) -> Dir {
        let path = tempfile::tempdir().unwrap().keep();
        for (name, text) in files {
            let file = path.join(name);
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::write(file, text).unwrap();
        }
        Dir { path }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Where `needle` (the `n`th occurrence, from 0) is in `text`, as (line, UTF-16 column).
pub fn find(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let mut from = 0;
    let mut at = 0;
    for _ in 0..=n {
        at = from
            + text[from..]
                .find(needle)
                .unwrap_or_else(|| panic!("`{needle}` not in the text"));
        from = at + 1;
    }
    let line = text[..at].matches('\n').count() as u32;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].encode_utf16().count() as u32)
}
