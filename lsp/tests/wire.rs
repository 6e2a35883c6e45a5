//! Random messages on the real binary's stdin: well framed, but with any method (the
//! server's own internal ones too), ids of every JSON type, parameters of the wrong shape,
//! positions past any document, bodies that are not JSON or not UTF-8. A request (an
//! integer or string id, JSON-RPC 2.0) gets one response with its id, a result or an error;
//! after each message the server still answers a plain request, and at the end it shuts
//! down cleanly.

mod support;

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use support::{Client, Dir, uri};

/// Methods a client may send, and some it may not (`pbxc/direct` is the server's own).
const METHODS: &[&str] = &[
    "initialize",
    "initialized",
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "textDocument/didSave",
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/completion",
    "textDocument/documentSymbol",
    "textDocument/semanticTokens/full",
    "textDocument/formatting",
    "textDocument/codeAction",
    "textDocument/prepareRename",
    "textDocument/rename",
    "workspace/symbol",
    "workspace/didChangeWorkspaceFolders",
    "workspace/didChangeWatchedFiles",
    "workspace/didChangeConfiguration",
    "$/cancelRequest",
    "$/setTrace",
    "pbxc/direct",
    "pbxc/status",
    "no/such/method",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-z/:.é\\\\ ]{0,12}".prop_map(Value::from),
    ]
}

/// Parameters that look like what a method takes, or not at all.
fn params(uri: String) -> impl Strategy<Value = Value> {
    let position = (any::<i32>(), any::<i32>())
        .prop_map(|(l, c)| json!({ "line": l, "character": c }))
        .boxed();
    let document = prop_oneof![
        Just(json!({ "uri": uri.clone() })),
        Just(
            json!({ "uri": uri.clone(), "version": 7, "text": "[c]\nexten => s,1,NoOp(x)\n", "languageId": "asterisk" })
        ),
        Just(json!({ "uri": "file:///nowhere/x.conf" })),
        Just(json!({ "uri": "not a uri" })),
        scalar(),
    ];
    let leaf = scalar().boxed();
    prop_oneof![
        scalar(),
        (document.clone(), position.clone()).prop_map(|(d, p)| {
            json!({ "textDocument": d, "position": p, "newName": "x y", "context": { "includeDeclaration": true } })
        }),
        (document, position, leaf.clone()).prop_map(|(d, p, t)| {
            json!({ "textDocument": d, "contentChanges": [{ "range": { "start": p, "end": p }, "text": t }], "query": t, "id": t })
        }),
        proptest::collection::vec(leaf, 0..4).prop_map(Value::from),
    ]
}

/// One message's body: a JSON-RPC object with parts missing or of the wrong type, or bytes
/// that are not JSON at all.
fn body(uri: String) -> impl Strategy<Value = Vec<u8>> {
    let id = prop_oneof![
        // Never a small number: those are the client's own requests.
        (1_000_000i64..2_000_000).prop_map(|n| Some(Value::from(n))),
        "r[0-9]{1,3}".prop_map(|s| Some(Value::from(s))),
        Just(Some(Value::Null)),
        Just(Some(json!([]))),
        Just(Some(json!(1.5))),
        Just(None),
    ];
    let message = (
        prop::sample::select(METHODS),
        id,
        params(uri),
        prop::sample::select(vec![json!("2.0"), json!("1.0"), json!(2), Value::Null]),
    )
        .prop_map(|(method, id, params, version)| {
            let mut m = json!({ "jsonrpc": version, "method": method, "params": params });
            if let Some(id) = id {
                m["id"] = id;
            }
            m.to_string().into_bytes()
        });
    prop_oneof![
        8 => message,
        1 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => Just(b"{\"jsonrpc\":\"2.0\",\"id\":5000000,\"method\":".to_vec()),
    ]
}

/// The id of a message that is a JSON-RPC 2.0 request whose id can be answered: an
/// integer or a string (a null, fractional or array id cannot be told from another).
fn request_id(body: &[u8]) -> Option<Value> {
    let message: Value = serde_json::from_slice(body).ok()?;
    let id = message.get("id")?;
    let answerable = id.is_i64() || id.is_string();
    (answerable && message["jsonrpc"] == "2.0" && message["method"].is_string()).then(|| id.clone())
}

#[test]
fn random_messages_never_end_the_session() {
    let dir = Dir::new(&[(
        "extensions.conf",
        "[c]\nexten => s,1,Goto(d,s,1)\n[d]\nexten => s,1,NoOp()\n",
    )]);
    let ext = dir.file("extensions.conf");
    let client = RefCell::new(Client::start(Some(&dir.path)));
    client.borrow_mut().open(&ext, None);
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        // Each shrinking step of an unanswered request waits its 5 s.
        max_shrink_iters: 32,
        ..Config::default()
    });
    let result = runner.run(&body(uri(&ext)), |body| {
        let mut c = client.borrow_mut();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        c.send_raw(&frame);
        // Still there, and still answering.
        let answer = c.call("workspace/symbol", json!({ "query": "" }));
        prop_assert!(answer.get("result").is_some(), "{answer}");
        // The random request's own response: its id, and a result or an error.
        if let Some(id) = request_id(&body) {
            // (Its answer came before the plain request's, or comes soon after: an unanswered
            // request fails here in seconds, not at the client's usual patience.)
            let response = c.wait_within(std::time::Duration::from_secs(5), |m| {
                m.get("id") == Some(&id) && m.get("method").is_none()
            });
            prop_assert_eq!(&response["jsonrpc"], "2.0", "{}", response);
            let (result, error) = (response.get("result"), response.get("error"));
            prop_assert!(result.is_some() != error.is_some(), "{}", response);
            if let Some(error) = error {
                prop_assert!(
                    error["code"].is_i64() && error["message"].is_string(),
                    "{}",
                    response
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let mut c = client.into_inner();
    // Whatever came before, the session ends as the protocol says.
    let shut = c.call("shutdown", Value::Null);
    assert!(shut.get("error").is_none(), "{shut}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(0));
}
