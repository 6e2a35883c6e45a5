//! What the server publishes: each file's diagnostics as the `textDocument/publishDiagnostics`
//! frame it writes to stdout.
//!
//! A generated dialplan has ten thousand diagnostics, 3.8 MB of JSON, and an edit changes a
//! handful of them. So each file keeps its last list as JSON, one fragment per diagnostic
//! under a hash of everything the fragment is made of (its range in the editor's units, its
//! severity, code and text); the next list copies every fragment it finds there and converts
//! and serializes only the rest. The frame is written from those bytes: no
//! `ls::Diagnostic` is built for a diagnostic that did not change, and no `serde_json::Value`
//! for any (see [`outbox`](crate::outbox)). Most are not even hashed: a diagnostic whose texts
//! are the very strings of the fragment that came next in the list before (the analysis
//! shares them from one edit to the next), at the same range, is that fragment.

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
    /// Each fragment in order: its key, where it is, and what it was made of.
    fragments: Vec<Fragment>,
    /// Each fragment's place in `fragments` by its key, made when a list first asks for a
    /// fragment that is not where the same position was last time (see [`Published::write`]).
    at: std::sync::OnceLock<FxHashMap<Key, usize>>,
    /// The keys in order, hashed: equal lists, equal fingerprints.
    pub(crate) fingerprint: u64,
    /// How many fragments were written afresh rather than copied.
    pub(crate) converted: usize,
}

/// One fragment of a list.
struct Fragment {
    key: Key,
    /// Its part, and its bytes there.
    part: usize,
    bytes: Range<usize>,
    /// What the fragment was made of, for a diagnostic keyed by it.
    made: Option<Made>,
}

/// Everything a keyed diagnostic's fragment is made of (what [`key`] hashes), with its texts
/// as the very strings the analysis shares from one edit to the next: a diagnostic whose
/// texts are the same strings, with the same range, severity, code and label, has the same
/// fragment, known without reading its text. The strings are held, so that their memory is
/// not another string's while this list lives.
struct Made {
    message: std::sync::Arc<str>,
    help: Option<std::sync::Arc<str>>,
    label: Option<String>,
    range: ls::Range,
    severity: pbxc_diagnostics::Severity,
    code: &'static str,
}

impl Made {
    fn of(d: &Diagnostic, range: ls::Range) -> Made {
        Made {
            message: d.message.clone(),
            help: d.help.clone(),
            label: d.primary.message.clone(),
            range,
            severity: d.severity,
            code: d.code.id,
        }
    }

    fn is(&self, d: &Diagnostic, range: ls::Range) -> bool {
        std::sync::Arc::ptr_eq(&self.message, &d.message)
            && match (&self.help, &d.help) {
                (None, None) => true,
                (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
                _ => false,
            }
            && self.range == range
            && self.severity == d.severity
            && self.code == d.code.id
            && self.label == d.primary.message
    }
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
            vec![self.write(encoding, items, 0, buffer(items))]
        } else {
            let half = items.len() / 2;
            let (first, second) = items.split_at(half);
            let (one, two) = (buffer(first), buffer(second));
            std::thread::scope(|s| {
                let later = s.spawn(|| self.write(encoding, second, half, two));
                let first = self.write(encoding, first, 0, one);
                vec![
                    first,
                    later
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                ]
            })
        };
        let mut fragments = spare.fragments;
        fragments.clear();
        fragments.reserve(items.len());
        let mut fingerprint = FxHasher::default();
        items.len().hash(&mut fingerprint);
        let mut kept = Vec::with_capacity(parts.len());
        let converted = parts.iter().map(|p| p.converted).sum();
        for (i, part) in parts.into_iter().enumerate() {
            for (key, bytes, made) in part.keys {
                key.hash(&mut fingerprint);
                fragments.push(Fragment {
                    key,
                    part: i,
                    bytes,
                    made,
                });
            }
            kept.push(part.json);
        }
        Published {
            parts: kept,
            fragments,
            at: std::sync::OnceLock::new(),
            fingerprint: fingerprint.finish(),
            converted,
        }
    }

    /// `items` (the list's from position `first` on) as fragments into `json`, each copied
    /// from this list when it is here.
    ///
    /// An edit leaves nearly every diagnostic as it was, in the same order, its texts the very
    /// strings they were. So each item is first compared with the fragment that came next in
    /// this list: the same strings and the same range, severity, code and label are the same
    /// fragment, copied without hashing its text or searching for it. Any other item is
    /// hashed and searched for by its key, and the comparison goes on after what it found.
    fn write(&self, encoding: Encoding, items: &[Item], first: usize, json: Vec<u8>) -> Part {
        let mut part = Part {
            json,
            keys: Vec::with_capacity(items.len()),
            converted: 0,
        };
        let mut next = first;
        for item in items {
            if !part.json.is_empty() {
                part.json.push(b',');
            }
            let start = part.json.len();
            let (key, made) = match item {
                Item::Found(a, d) if d.secondary.is_empty() => {
                    let range = lines(a, d.primary.file, encoding).range(d.primary.range);
                    let same = self
                        .fragments
                        .get(next)
                        .filter(|f| f.made.as_ref().is_some_and(|m| m.is(d, range)));
                    let (key, at) = match same {
                        Some(f) => (f.key, Some(next)),
                        None => {
                            let key = key(encoding, d, range);
                            (key, self.find(key))
                        }
                    };
                    match at {
                        Some(i) => {
                            let f = &self.fragments[i];
                            part.json
                                .extend_from_slice(&self.parts[f.part][f.bytes.clone()]);
                            next = i + 1;
                        }
                        None => {
                            serialize(encoding, item, &mut part.json);
                            part.converted += 1;
                            next += 1;
                        }
                    }
                    (key, Some(Made::of(d, range)))
                }
                // Not keyed (secondary labels point into other files, whose lines may have
                // moved; or why the analysis failed): written afresh, and told apart by what
                // was written.
                _ => {
                    serialize(encoding, item, &mut part.json);
                    part.converted += 1;
                    next += 1;
                    let mut h = Hashes::new();
                    h.add(&part.json[start..]);
                    (h.key(), None)
                }
            };
            if part.json.len() == start {
                // Nothing to write after all: no comma either.
                part.json.truncate(start.saturating_sub(1));
                continue;
            }
            part.keys.push((key, start..part.json.len(), made));
        }
        part
    }

    /// Where the fragment of `key` is in this list, if it is.
    fn find(&self, key: Key) -> Option<usize> {
        self.at
            .get_or_init(|| {
                let mut at = FxHashMap::default();
                at.reserve(self.fragments.len());
                for (i, f) in self.fragments.iter().enumerate() {
                    at.entry(f.key).or_insert(i);
                }
                at
            })
            .get(&key)
            .copied()
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
    keys: Vec<(Key, Range<usize>, Option<Made>)>,
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

/// The key of everything a diagnostic's fragment is made of, for a diagnostic without
/// secondary labels at `range` in the editor's units.
fn key(encoding: Encoding, d: &Diagnostic, range: ls::Range) -> Key {
    let mut h = Hashes::new();
    h.add(encoding == Encoding::Utf8);
    h.add((range.start.line, range.start.character));
    h.add((range.end.line, range.end.character));
    h.add(d.severity as u8);
    h.add(d.code.id);
    h.add(&d.message);
    h.add(&d.primary.message);
    h.add(&d.help);
    h.key()
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
