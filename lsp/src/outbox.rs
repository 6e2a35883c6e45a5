//! The one writer of the server's standard output.
//!
//! tower-lsp-server turns a notification's parameters into a `serde_json::Value` tree before
//! it writes them. For the diagnostics of a large dialplan (ten thousand of them, 3.8 MB of
//! JSON) building and writing that tree took longer than checking the dialplan. Diagnostics
//! are therefore serialized straight to their frame ([`publish`](crate::publish)) and sent
//! here; the server's own frames are read back whole from its output and passed on. Each
//! frame is written in one piece, so the two streams never interleave inside a frame.
//!
//! An editor that reads slower than the server publishes does not make frames pile up: a
//! file's diagnostics overtaken by a newer list for the same file before they were written
//! are dropped (the newer list is complete). The server's own frames are all written.

use std::io::Write;
use std::sync::mpsc::{Receiver, Sender};

use tokio::io::{AsyncRead, BufReader};

use crate::frames::{Headers, read_headers};

/// What the writer is sent.
pub enum Message {
    /// A whole frame of the server's: headers and body.
    Frame(Vec<u8>),
    /// A file's diagnostics, as a whole frame.
    Diagnostics { uri: String, frame: Vec<u8> },
    /// The server's output has ended: write what came before, then stop.
    End,
}

/// Where frames are posted for writing.
pub type Outbox = Sender<Message>;

/// `Content-Length: n` and the blank line, then `body`.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    let mut out = Vec::with_capacity(header.len() + body.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

/// The bodies of the whole frames at the start of `bytes`, in order (written as [`frame`]
/// writes them; what follows the last whole one is left out).
pub fn bodies(mut bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
        let length: usize = std::str::from_utf8(&bytes[..end])
            .ok()?
            .strip_prefix("Content-Length: ")?
            .parse()
            .ok()?;
        let body = bytes.get(end + 4..end + 4 + length)?;
        bytes = &bytes[end + 4 + length..];
        Some(body)
    })
}

/// Posts each frame the server writes to `server_output`, whole, then [`Message::End`] when
/// it closes.
pub async fn forward_frames(server_output: impl AsyncRead + Unpin, outbox: Outbox) {
    let mut reader = BufReader::new(server_output);
    loop {
        let length = match read_headers(&mut reader).await {
            Headers::Length(n) => n,
            Headers::End => break,
            // The server writes well-formed frames; should one not be, the reader finds the
            // next one after it.
            Headers::Bad(_) => continue,
        };
        let mut body = vec![0; length];
        if tokio::io::AsyncReadExt::read_exact(&mut reader, &mut body)
            .await
            .is_err()
        {
            break;
        }
        // Should the writer have stopped (stdout closed), the frames are still read, and
        // dropped: the server must never wait on a full pipe to a writer that is gone.
        let _ = outbox.send(Message::Frame(frame(&body)));
    }
    let _ = outbox.send(Message::End);
}

/// Writes the frames posted, in the order posted, until [`Message::End`] (or until every
/// sender is gone, or the output fails); diagnostics overtaken by newer ones for the same
/// file are left out. Runs on a thread of its own with plain blocking writes: a 3.8 MB frame
/// goes from its buffer into the pipe as the client reads it, with no copy into the async
/// runtime's chunks and no hand-over between threads.
pub fn write(posted: Receiver<Message>, mut output: impl Write) {
    let mut queue = std::collections::VecDeque::new();
    loop {
        if queue.is_empty() {
            match posted.recv() {
                Ok(message) => queue.push_back(message),
                Err(_) => return,
            }
        }
        // All that is waiting, so that overtaken diagnostics are seen as such.
        queue.extend(posted.try_iter());
        let Some(message) = queue.pop_front() else {
            continue;
        };
        let frame = match message {
            Message::End => return,
            Message::Frame(frame) => frame,
            Message::Diagnostics { uri, frame } => {
                let overtaken = queue
                    .iter()
                    .take_while(|m| !matches!(m, Message::End))
                    .any(|m| matches!(m, Message::Diagnostics { uri: later, .. } if *later == uri));
                if overtaken {
                    continue;
                }
                frame
            }
        };
        if output.write_all(&frame).is_err() || output.flush().is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frames of `bytes`, as text.
    fn texts(bytes: &[u8]) -> Vec<String> {
        bodies(bytes)
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    /// Frames posted directly and frames the server writes, in small pieces, come out whole
    /// and each in its own stream's order; after the server's output ends the writer stops.
    #[tokio::test]
    async fn frames_from_both_sides_come_out_whole() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (mut server, from_server) = tokio::io::duplex(16);
        let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = std::thread::spawn({
            let written = written.clone();
            move || write(rx, Shared(written))
        });
        let forward = tokio::spawn(forward_frames(from_server, tx.clone()));
        let server_side = tokio::spawn(async move {
            for i in 0..50 {
                let body = format!("{{\"server\":{i},\"pad\":\"{}\"}}", "x".repeat(i * 7));
                tokio::io::AsyncWriteExt::write_all(&mut server, &frame(body.as_bytes()))
                    .await
                    .unwrap();
            }
            server
        });
        for i in 0..50 {
            let body = format!("{{\"posted\":{i}}}");
            tx.send(Message::Frame(frame(body.as_bytes()))).unwrap();
            tokio::task::yield_now().await;
        }
        // Closing the server's output ends the forwarding, and then the writing.
        drop(server_side.await.unwrap());
        forward.await.unwrap();
        writer.join().unwrap();
        let all = written.lock().unwrap().clone();
        let bodies = texts(&all);
        assert_eq!(bodies.len(), 100);
        let order = |key: &str| -> Vec<u64> {
            bodies
                .iter()
                .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap())
                .filter_map(|v| v.get(key).and_then(|n| n.as_u64()))
                .collect()
        };
        assert_eq!(order("server"), (0..50).collect::<Vec<_>>());
        assert_eq!(order("posted"), (0..50).collect::<Vec<_>>());
    }

    /// Diagnostics of a file that newer ones overtook while waiting are not written; the
    /// server's frames and other files' diagnostics are, in order.
    #[test]
    fn overtaken_diagnostics_are_left_out() {
        let (tx, rx) = std::sync::mpsc::channel();
        let diagnostics = |uri: &str, n: u32| Message::Diagnostics {
            uri: uri.into(),
            frame: frame(format!("{{\"uri\":\"{uri}\",\"n\":{n}}}").as_bytes()),
        };
        for message in [
            diagnostics("a", 1),
            diagnostics("b", 1),
            diagnostics("a", 2),
            Message::Frame(frame(b"{\"server\":1}")),
            diagnostics("a", 3),
            Message::End,
            diagnostics("b", 2),
        ] {
            tx.send(message).unwrap();
        }
        let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        write(rx, Shared(written.clone()));
        let all = written.lock().unwrap().clone();
        assert_eq!(
            texts(&all),
            [
                r#"{"uri":"b","n":1}"#,
                r#"{"server":1}"#,
                r#"{"uri":"a","n":3}"#
            ]
        );
    }

    /// A writer into a buffer the test reads afterwards.
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
