//! What the server publishes: each file's diagnostics as the `textDocument/publishDiagnostics`
//! frame it writes to stdout.
//!
//! A generated dialplan has ten thousand diagnostics, 3.8 MB of JSON, and an edit changes a
//! handful of them. So each file keeps its last list as JSON, one fragment per diagnostic
//! under a hash of everything the fragment is made of (its range in the editor's units, its
//! severity, code and text); the next list copies every fragment it finds there and converts
//! and serializes only the rest. The frame is written from those bytes: no
//! `ls::Diagnostic` is built for a diagnostic that did not change, and no `serde_json::Value`
//! for any (see [`outbox`](crate::outbox)).

use std::hash::{Hash, Hasher};
use std::ops::Range;

use pbxc_diagnostics::Diagnostic;
use rustc_hash::{FxHashMap, FxHasher};
use tower_lsp_server::ls_types::{self as ls, Uri};

use crate::analysis::Analysis;
use crate::convert::Encoding;
use crate::features::diagnostics::convert;
use crate::world::lines;

/// Below this many diagnostics, one thread writes them all.
const PARALLEL_FROM: usize = 2048;

/// One file's diagnostics, ready to write.
pub struct Publication {
    pub uri: Uri,
    pub version: Option<i32>,
    /// The whole frame: `Content-Length` header and JSON body.
    pub frame: Vec<u8>,
    /// How many of its diagnostics were converted and serialized; the others were copied
    /// from the list before.
    pub converted: usize,
}

impl Publication {
    /// The diagnostics the frame carries, read back from its JSON; `None` if the frame is
    /// not a `publishDiagnostics` notification (it always is).
    pub fn diagnostics(&self) -> Option<Vec<ls::Diagnostic>> {
        let body = crate::outbox::bodies(&self.frame).next()?;
        let mut v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let list = v.get_mut("params")?.get_mut("diagnostics")?.take();
        serde_json::from_value(list).ok()
    }
}

/// One diagnostic of a file's list.
pub(crate) enum Item<'a> {
    Found(&'a Analysis, &'a Diagnostic),
    /// Why the analysis could not run at all.
    Failure(&'a str),
}

/// A file's last published list, as JSON.
#[derive(Default)]
pub(crate) struct Published {
    /// The fragments, in order, in one or two parts (a long list is written by two
    /// threads); within a part they are joined by commas.
    parts: Vec<Vec<u8>>,
    /// Where each fragment is: its part, and its bytes there.
    at: FxHashMap<Key, (usize, Range<usize>)>,
    /// The keys in order, hashed: equal lists, equal fingerprints.
    pub(crate) fingerprint: u64,
    /// How many fragments were written afresh rather than copied.
    pub(crate) converted: usize,
}

impl Published {
    /// The list of `items`, made from this one's fragments wherever they fit. It is written
    /// into the buffers of `spare` (a list no longer needed), so that a long list does not
    /// take fresh memory after every edit.
    pub(crate) fn next(&self, encoding: Encoding, items: &[Item], spare: Published) -> Published {
        // Room reserved here, on the thread that keeps the list: a buffer grown on the thread
        // that writes the second half would be memory of a thread that exits at once (see
        // `pbxc_syntax::parse_on_this_thread`). Capacity never written takes no memory.
        let mut buffers = spare.parts.into_iter();
        let mut buffer = |items: &[Item]| {
            let mut b = buffers.next().unwrap_or_default();
            b.clear();
            b.reserve(items.len() * 512);
            b
        };
        let parts: Vec<Part> = if items.len() < PARALLEL_FROM {
            vec![self.write(encoding, items, buffer(items))]
        } else {
            let (first, second) = items.split_at(items.len() / 2);
            let (one, two) = (buffer(first), buffer(second));
            std::thread::scope(|s| {
                let later = s.spawn(|| self.write(encoding, second, two));
                let first = self.write(encoding, first, one);
                vec![
                    first,
                    later
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                ]
            })
        };
        let mut at = spare.at;
        at.clear();
        at.reserve(items.len());
        let mut fingerprint = FxHasher::default();
        items.len().hash(&mut fingerprint);
        let mut kept = Vec::with_capacity(parts.len());
        let converted = parts.iter().map(|p| p.converted).sum();
        for (i, part) in parts.into_iter().enumerate() {
            for (key, range) in part.keys {
                key.hash(&mut fingerprint);
                at.insert(key, (i, range));
            }
            kept.push(part.json);
        }
        Published {
            parts: kept,
            at,
            fingerprint: fingerprint.finish(),
            converted,
        }
    }

    /// `items` as fragments into `json`, each copied from this list when its key is here.
    fn write(&self, encoding: Encoding, items: &[Item], json: Vec<u8>) -> Part {
        let mut part = Part {
            json,
            keys: Vec::with_capacity(items.len()),
            converted: 0,
        };
        for item in items {
            if !part.json.is_empty() {
                part.json.push(b',');
            }
            let start = part.json.len();
            let key = match key(encoding, item) {
                Some(key) => {
                    match self.at.get(&key) {
                        Some((i, range)) => {
                            part.json.extend_from_slice(&self.parts[*i][range.clone()])
                        }
                        None => {
                            serialize(encoding, item, &mut part.json);
                            part.converted += 1;
                        }
                    }
                    key
                }
                // Not keyed: written afresh, and told apart by what was written.
                None => {
                    serialize(encoding, item, &mut part.json);
                    part.converted += 1;
                    let mut h = Hashes::new();
                    h.add(&part.json[start..]);
                    h.key()
                }
            };
            if part.json.len() == start {
                // Nothing to write after all: no comma either.
                part.json.truncate(start.saturating_sub(1));
                continue;
            }
            part.keys.push((key, start..part.json.len()));
        }
        part
    }

    /// The frame for this list.
    pub(crate) fn frame(&self, uri: &Uri, version: Option<i32>) -> Vec<u8> {
        let mut head = Vec::with_capacity(uri.as_str().len() + 96);
        head.extend_from_slice(
            br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#,
        );
        // A string always serializes.
        let _ = serde_json::to_writer(&mut head, uri.as_str());
        head.extend_from_slice(br#","diagnostics":["#);
        let mut tail = b"]".to_vec();
        if let Some(version) = version {
            tail.extend_from_slice(format!(r#","version":{version}"#).as_bytes());
        }
        tail.extend_from_slice(b"}}");
        let parts = self.parts.iter().filter(|p| !p.is_empty());
        let list = parts
            .clone()
            .map(|p| p.len() + 1)
            .sum::<usize>()
            .saturating_sub(1);
        let length = head.len() + list + tail.len();
        let header = format!("Content-Length: {length}\r\n\r\n");
        let mut frame = Vec::with_capacity(header.len() + length);
        frame.extend_from_slice(header.as_bytes());
        frame.extend_from_slice(&head);
        for (i, part) in parts.enumerate() {
            if i > 0 {
                frame.push(b',');
            }
            frame.extend_from_slice(part);
        }
        frame.extend_from_slice(&tail);
        frame
    }
}

/// Fragments written by one thread, and their keys.
struct Part {
    json: Vec<u8>,
    keys: Vec<(Key, Range<usize>)>,
    converted: usize,
}

/// A fragment's key: two 64-bit hashes of what it is made of. A key found again stands for
/// the same fragment, so a collision would send one diagnostic's text for another's; at 128
/// bits that takes billions of billions of diagnostics.
type Key = u128;

/// Two FxHash streams over the same input from different starts.
struct Hashes(FxHasher, FxHasher);

impl Hashes {
    fn new() -> Hashes {
        let mut second = FxHasher::default();
        0x9e37_79b9_7f4a_7c15_u64.hash(&mut second);
        Hashes(FxHasher::default(), second)
    }

    fn add(&mut self, value: impl Hash) {
        value.hash(&mut self.0);
        value.hash(&mut self.1);
    }

    fn key(&self) -> Key {
        (self.0.finish() as u128) << 64 | self.1.finish() as u128
    }
}

/// The key of everything the item's fragment is made of; `None` for an item whose fragment
/// depends on more than that (secondary labels point into other files, whose lines may have
/// moved), which is always written afresh.
fn key(encoding: Encoding, item: &Item) -> Option<Key> {
    let Item::Found(a, d) = item else {
        return None;
    };
    if !d.secondary.is_empty() {
        return None;
    }
    let range = lines(a, d.primary.file, encoding).range(d.primary.range);
    let mut h = Hashes::new();
    h.add(encoding == Encoding::Utf8);
    h.add((range.start.line, range.start.character));
    h.add((range.end.line, range.end.character));
    h.add(d.severity as u8);
    h.add(d.code.id);
    h.add(&d.message);
    h.add(&d.primary.message);
    h.add(&d.help);
    Some(h.key())
}

/// Converts and serializes one item.
fn serialize(encoding: Encoding, item: &Item, out: &mut Vec<u8>) {
    let diagnostic = match item {
        Item::Found(a, d) => convert(encoding, a, d),
        Item::Failure(why) => Some(ls::Diagnostic {
            range: ls::Range::default(),
            severity: Some(ls::DiagnosticSeverity::ERROR),
            source: Some("pbxc".into()),
            message: why.to_string(),
            ..Default::default()
        }),
    };
    let before = out.len();
    // Serializing fails only for a `data` map with non-string keys, which is never set; such
    // a diagnostic would be left out rather than half written.
    if let Some(d) = diagnostic
        && serde_json::to_writer(&mut *out, &d).is_err()
    {
        out.truncate(before);
    }
}
