//! A guard in front of tower-lsp-server's reader. Its framed reader stops reading for good
//! after the first message it cannot decode (a body that is not JSON, or not JSON-RPC, or a
//! bad header), and the server then exits. Here every frame is checked first: a good one goes
//! through unchanged; a bad one becomes a `pbxc/malformed` request carrying the error code
//! (and the id, when the message had one), which the server answers with that error. So a
//! malformed message gets an error response and the session goes on.
//!
//! The guard also diverts the requests whose answers are large ([`DIRECT`]): tower-lsp-server
//! turns a result into a `serde_json::Value` tree before writing it, and the outline of the
//! corpus's 1.7 MB dialplan (2.8 MB of JSON) took 65 MB as a tree, its semantic tokens
//! 22 MB. Such a request reaches the server as a `pbxc/direct` notification carrying its id,
//! and the server writes the answer's frame itself (`Backend::direct`), serialized straight
//! from the result. Only between the client's `initialized` and a `shutdown`: before and
//! after, tower-lsp-server answers requests with the errors the protocol asks for, and would
//! drop a notification.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The method a bad frame turns into.
pub const MALFORMED: &str = "pbxc/malformed";

/// The notification a diverted request turns into (see the module docs).
pub const DIRECT_METHOD: &str = "pbxc/direct";

/// The requests answered by the server's own writer rather than tower-lsp-server's.
pub const DIRECT: [&str; 3] = [
    "textDocument/documentSymbol",
    "textDocument/semanticTokens/full",
    "textDocument/formatting",
];

/// Largest body accepted: the 1.7 MB configurations of the corpus fit many times over.
const MAX_BODY: usize = 256 << 20;
/// Longest header line; anything longer is garbage.
const MAX_HEADER: usize = 8 << 10;

/// Copies frames from `input` to `output` until `input` ends, replacing bad ones.
pub async fn filter(input: impl AsyncRead + Unpin, output: impl AsyncWrite + Unpin) {
    filter_noting_shutdown(input, output, &std::sync::atomic::AtomicBool::new(false)).await
}

/// [`filter`], setting `shut_down` when the client asks the server to shut down: the process
/// then exits with 0, else with 1, as the protocol says of `exit`.
pub async fn filter_noting_shutdown(
    input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    shut_down: &std::sync::atomic::AtomicBool,
) {
    let mut reader = BufReader::new(input);
    let mut session = Session {
        initializing: false,
        open: false,
        shut_down,
    };
    loop {
        let length = match read_headers(&mut reader).await {
            Headers::End => break,
            Headers::Length(n) => n,
            Headers::Bad(why) => {
                if forward(&mut output, &malformed(-32700, &why, Value::Null))
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            break;
        }
        let frame = match check(&body) {
            Ok(message) => session.divert(&message).unwrap_or(body),
            Err(bad) => bad,
        };
        if forward(&mut output, &frame).await.is_err() {
            break;
        }
    }
    let _ = output.shutdown().await;
}

pub(crate) enum Headers {
    End,
    Length(usize),
    Bad(String),
}

/// Reads header lines up to the blank line; blank lines before the headers are skipped. After
/// a frame whose length could not be read, its body is still in the stream and runs into the
/// next frame's header on one line (`{...}Content-Length: 52`): a `Content-Length` anywhere in
/// a line is therefore taken from where it starts, and other lines that are not headers are
/// passed over, so the next good frame is found again.
pub(crate) async fn read_headers(reader: &mut (impl AsyncBufReadExt + Unpin)) -> Headers {
    const NAME: &[u8] = b"content-length:";
    let mut length: Option<Result<usize, String>> = None;
    let mut seen = false;
    loop {
        let mut line = Vec::new();
        match (&mut *reader)
            .take(MAX_HEADER as u64)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => return Headers::End,
            Ok(_) => {}
        }
        if line.len() >= MAX_HEADER && !line.ends_with(b"\n") {
            return Headers::Bad("header line too long".into());
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            if seen {
                break;
            }
            continue;
        }
        seen = true;
        let Some(at) = text
            .windows(NAME.len())
            .position(|w| w.eq_ignore_ascii_case(NAME))
        else {
            // Another header (Content-Type…), or what is left of a body: neither matters.
            continue;
        };
        let value = String::from_utf8_lossy(&text[at + NAME.len()..]);
        let value = value.trim();
        length = Some(
            value
                .parse::<usize>()
                .map_err(|_| format!("bad Content-Length `{value}`"))
                .and_then(|n| {
                    if n <= MAX_BODY {
                        Ok(n)
                    } else {
                        Err(format!("a body of {n} bytes is too large"))
                    }
                }),
        );
    }
    match length {
        Some(Ok(n)) => Headers::Length(n),
        Some(Err(why)) => Headers::Bad(why),
        None => Headers::Bad("no Content-Length header".into()),
    }
}

/// Where the session is, as the messages passing show it.
struct Session<'a> {
    /// The client asked to `initialize`.
    initializing: bool,
    /// The client said `initialized` after asking to `initialize`, and has not asked to shut
    /// down since: tower-lsp-server serves requests (and would drop a notification before).
    open: bool,
    /// The client asked to shut down.
    shut_down: &'a std::sync::atomic::AtomicBool,
}

impl Session<'_> {
    /// The `pbxc/direct` notification to send in place of `message`, when it is a request
    /// the server answers itself (see the module docs).
    fn divert(&mut self, message: &Value) -> Option<Vec<u8>> {
        let method = message.get("method")?.as_str()?;
        let id = message.get("id");
        match (method, id) {
            ("initialize", Some(_)) => self.initializing = true,
            ("initialized", None) if self.initializing => self.open = true,
            // A shutdown before `initialize` is refused, and does not count.
            ("shutdown", Some(_)) if self.initializing => {
                self.open = false;
                self.shut_down
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            (method, Some(id)) if self.open && DIRECT.contains(&method) => {
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                return serde_json::to_vec(&json!({
                    "jsonrpc": "2.0",
                    "method": DIRECT_METHOD,
                    "params": { "id": id, "method": method, "params": params },
                }))
                .ok();
            }
            _ => {}
        }
        None
    }
}

/// The message when the body is a JSON-RPC message the server can decode; else the frame to
/// send instead.
fn check(body: &[u8]) -> Result<Value, Vec<u8>> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Err(malformed(-32700, "the message is not JSON", Value::Null));
    };
    // An id LSP allows: an integer that fits 64 bits, a string, or null. (tower-lsp-server
    // reads a fractional one, then rejects it with a message that ends the session.)
    let usable_id = match value.get("id") {
        None | Some(Value::Null | Value::String(_)) => true,
        Some(id) => id.as_i64().is_some(),
    };
    if usable_id
        && (serde_json::from_value::<Request>(value.clone()).is_ok()
            || serde_json::from_value::<Response>(value.clone()).is_ok())
    {
        // A request of a `$/` method must be answered with MethodNotFound (LSP 3.17, "$
        // Notifications and Requests"); tower-lsp-server drops that answer for `$/` methods,
        // which leaves such a request unanswered for good.
        if let (Some(method), Some(id)) = (value["method"].as_str(), value.get("id"))
            && method.starts_with("$/")
            && !id.is_null()
        {
            return Err(malformed(-32601, "Method not found", id.clone()));
        }
        return Ok(value);
    }
    // Valid JSON but not a request, notification or response: answer with its id if it has
    // a usable one.
    let id = match value.get("id") {
        Some(id @ Value::String(_)) => id.clone(),
        Some(id) if id.as_i64().is_some() => id.clone(),
        _ => Value::Null,
    };
    Err(malformed(
        -32600,
        "the message is not a JSON-RPC request, notification or response",
        id,
    ))
}

fn malformed(code: i64, message: &str, id: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": MALFORMED,
        "params": { "code": code, "message": message },
    }))
    .unwrap_or_default()
}

async fn forward(output: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> std::io::Result<()> {
    output
        .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await?;
    output.write_all(body).await?;
    output.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What comes out of the filter for `input`, as the bodies of the frames.
    fn through(input: &[u8]) -> Vec<Value> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out = runtime.block_on(async {
            let mut out = Vec::new();
            filter(input, &mut out).await;
            out
        });
        crate::outbox::bodies(&out)
            .map(|b| serde_json::from_slice(b).unwrap())
            .collect()
    }

    #[test]
    fn a_dollar_request_is_answered_method_not_found_and_a_dollar_notification_passes() {
        let mut input = Vec::new();
        for body in [
            &br#"{"jsonrpc":"2.0","id":"t","method":"$/setTrace","params":{"value":"off"}}"#[..],
            br#"{"jsonrpc":"2.0","method":"$/setTrace","params":{"value":"off"}}"#,
        ] {
            input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            input.extend_from_slice(body);
        }
        let out = through(&input);
        assert_eq!(out[0]["method"], MALFORMED);
        assert_eq!(out[0]["id"], "t");
        assert_eq!(out[0]["params"]["code"], -32601);
        assert_eq!(out[1]["method"], "$/setTrace");
        assert!(out[1].get("id").is_none());
    }

    #[test]
    fn good_frames_pass_and_bad_ones_become_error_requests_with_their_id() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut input = format!("Content-Length: {}\r\n\r\n", good.len()).into_bytes();
        input.extend_from_slice(good);
        input.extend_from_slice(b"Content-Length: 9\r\n\r\n{not json");
        input.extend_from_slice(b"Content-Length: 17\r\n\r\n{\"id\":7,\"x\":true}");
        // An id LSP does not allow (tower-lsp-server ends the session on it).
        let fractional = br#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#;
        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", fractional.len()).as_bytes());
        input.extend_from_slice(fractional);
        // A length that cannot be read, with its body: the next frame is found all the same.
        input.extend_from_slice(b"Content-Length: nine\r\n\r\n{\"jsonrpc\":\"2.0\"}");
        input.extend_from_slice(b"X-Other: 1\r\n\r\n");
        input.extend_from_slice(b"Content-Length: 2\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]");
        // A bad length whose body runs into the next frame's header, then that frame.
        input.extend_from_slice(b"Content-Length: x\r\n\r\n{\"a\":1}");
        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", good.len()).as_bytes());
        input.extend_from_slice(good);
        let out = through(&input);
        assert_eq!(
            out.last(),
            Some(&serde_json::from_slice::<Value>(good).unwrap())
        );
        let summary: Vec<(Value, Value)> = out
            .iter()
            .map(|m| (m["id"].clone(), m["params"]["code"].clone()))
            .collect();
        assert_eq!(out[0], serde_json::from_slice::<Value>(good).unwrap());
        assert_eq!(
            summary[1..],
            [
                (Value::Null, json!(-32700)),
                (json!(7), json!(-32600)),
                (Value::Null, json!(-32600)),
                (Value::Null, json!(-32700)),
                (Value::Null, json!(-32700)),
                (Value::Null, json!(-32600)),
                (Value::Null, json!(-32700)),
                (json!(1), Value::Null),
            ]
        );
    }

    proptest::proptest! {
        /// Whatever arrives, what leaves is well-framed JSON-RPC the server can decode.
        #[test]
        fn any_bytes_become_decodable_frames(
            chunks in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                    proptest::strategy::Just(b"Content-Length: 2\r\n\r\n{}".to_vec()),
                    proptest::strategy::Just(b"Content-Length: 44\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}".to_vec()),
                    proptest::strategy::Just(b"\r\n".to_vec()),
                ],
                0..12,
            )
        ) {
            for body in through(&chunks.concat()) {
                let decodable = serde_json::from_value::<Request>(body.clone()).is_ok()
                    || serde_json::from_value::<Response>(body.clone()).is_ok();
                proptest::prop_assert!(decodable, "{body}");
            }
        }
    }

    #[test]
    fn a_body_cut_short_ends_the_stream_quietly() {
        assert!(through(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"").is_empty());
        assert!(through(b"").is_empty());
    }
}
