//! The artifact `pbxc build` writes: the checked dialplan IR, the sources it came from (its
//! source map: every origin in the IR points into them), the music-on-hold classes, and who
//! built it — versioned and content-hashed, so a CI pipeline ships exactly what it checked
//! and the runtime can tell a damaged or foreign file from a good one.
//!
//! Layout (little-endian):
//!
//! ```text
//! magic      8 bytes   "PBXCIR\0\n"
//! format     u32       FORMAT_VERSION
//! built by   bytes     the pbxc version that wrote it
//! hash       32 bytes  SHA-256 of the payload
//! payload    bytes     sources, general, globals, contexts, music classes
//! ```
//!
//! `bytes` is a u32 length and the bytes. Reading never trusts a length: every count is
//! checked against what is left, so a hostile file costs no more memory than its size.

use std::path::PathBuf;
use std::sync::Arc;

use pbxc_config::Origin;
use pbxc_diagnostics::{FileId, SourceSet, TextRange};
use pbxc_dialplan::{Context, Dialplan, Extension, General, Global, Include, Priority, Switch};
use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"PBXCIR\0\n";
/// Bumped whenever the layout or the meaning of the IR changes.
pub const FORMAT_VERSION: u32 = 1;

/// A loaded artifact.
#[derive(Debug)]
pub struct Artifact {
    /// The pbxc version that wrote it.
    pub built_by: String,
    /// SHA-256 of the payload, as written in the header (and verified).
    pub hash: [u8; 32],
    pub sources: SourceSet,
    pub dialplan: Dialplan,
    /// Music-on-hold classes: name and directory (relative to the configuration directory).
    pub music: Vec<(String, String)>,
}

impl Artifact {
    pub fn hash_hex(&self) -> String {
        self.hash.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// Not an artifact at all.
    NotAnArtifact,
    /// Written by a pbxc whose format this one does not read.
    Version { found: u32, built_by: String },
    /// Damaged: truncated, or the content does not match its hash.
    Corrupt(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotAnArtifact => write!(f, "not a pbxc artifact"),
            Error::Version { found, built_by } => write!(
                f,
                "artifact format {found} (written by pbxc {built_by}); this pbx reads format \
                 {FORMAT_VERSION} (pbxc {}): rebuild it with `pbxc build`",
                env!("CARGO_PKG_VERSION")
            ),
            Error::Corrupt(why) => write!(f, "damaged artifact: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// Whether `bytes` starts like an artifact.
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

// --- writing ----------------------------------------------------------------------------

/// The artifact of a checked dialplan.
pub fn write(dialplan: &Dialplan, sources: &SourceSet, music: &[(String, String)]) -> Vec<u8> {
    let mut payload = Writer::default();
    payload.u32(sources.len() as u32);
    for (_, file) in sources.iter() {
        payload.bytes(file.path.to_string_lossy().as_bytes());
        payload.bytes(&file.text);
    }
    let g = &dialplan.general;
    payload.flags(&[
        g.static_,
        g.writeprotect,
        g.autofallthrough,
        g.extenpatternmatchnew,
        g.clearglobalvars,
    ]);
    payload.opt_bytes(g.overrideswitch.as_deref());
    payload.u32(dialplan.globals.len() as u32);
    for global in &dialplan.globals {
        payload.bytes(&global.name);
        payload.bytes(&global.value);
        payload.origin(global.origin);
    }
    payload.u32(dialplan.contexts.len() as u32);
    for context in &dialplan.contexts {
        payload.context(context);
    }
    payload.u32(music.len() as u32);
    for (class, dir) in music {
        payload.bytes(class.as_bytes());
        payload.bytes(dir.as_bytes());
    }
    let payload = payload.0;

    let mut out = Writer::default();
    out.0.extend_from_slice(MAGIC);
    out.u32(FORMAT_VERSION);
    out.bytes(env!("CARGO_PKG_VERSION").as_bytes());
    out.0.extend_from_slice(&Sha256::digest(&payload));
    out.0.extend_from_slice(&payload);
    out.0
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn opt_bytes(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.0.push(0),
            Some(b) => {
                self.0.push(1);
                self.bytes(b);
            }
        }
    }
    fn flags(&mut self, flags: &[bool]) {
        self.0.extend(flags.iter().map(|&f| u8::from(f)));
    }
    fn origin(&mut self, o: Origin) {
        self.u32(o.file.0);
        self.u32(o.range.start);
        self.u32(o.range.end);
    }
    fn opt_origin(&mut self, o: Option<Origin>) {
        match o {
            None => self.0.push(0),
            Some(o) => {
                self.0.push(1);
                self.origin(o);
            }
        }
    }
    fn context(&mut self, c: &Context) {
        self.bytes(&c.name);
        self.u32(c.sections.len() as u32);
        for &o in &c.sections {
            self.origin(o);
        }
        self.u32(c.extensions.len() as u32);
        for e in &c.extensions {
            self.bytes(&e.name);
            self.opt_bytes(e.cid.as_deref());
            self.origin(e.origin);
            self.u32(e.priorities.len() as u32);
            for p in &e.priorities {
                self.i32(p.number);
                self.opt_bytes(p.label.as_deref());
                self.bytes(&p.app);
                self.bytes(&p.data);
                self.origin(p.origin);
                self.opt_origin(p.app_origin);
                self.opt_origin(p.data_origin);
            }
        }
        self.u32(c.includes.len() as u32);
        for i in &c.includes {
            self.bytes(&i.value);
            self.bytes(&i.context);
            self.origin(i.origin);
        }
        self.u32(c.switches.len() as u32);
        for s in &c.switches {
            self.bytes(&s.name);
            self.bytes(&s.data);
            self.flags(&[s.eval]);
            self.origin(s.origin);
        }
        self.u32(c.ignorepats.len() as u32);
        for (pattern, o) in &c.ignorepats {
            self.bytes(pattern);
            self.origin(*o);
        }
        self.flags(&[c.autohints]);
    }
}

// --- reading ----------------------------------------------------------------------------

/// Reads an artifact, checking its format version and its hash.
pub fn read(bytes: &[u8]) -> Result<Artifact, Error> {
    if !is_artifact(bytes) {
        return Err(Error::NotAnArtifact);
    }
    let mut header = Reader {
        rest: &bytes[MAGIC.len()..],
        files: u32::MAX,
        lengths: Vec::new(),
    };
    let truncated = |_| Error::Corrupt("the header is cut short".into());
    let format = header.u32().map_err(truncated)?;
    let built_by = String::from_utf8_lossy(header.bytes().map_err(truncated)?).into_owned();
    if format != FORMAT_VERSION {
        return Err(Error::Version {
            found: format,
            built_by,
        });
    }
    let hash: [u8; 32] = header
        .take(32)
        .map_err(truncated)?
        .try_into()
        .map_err(|_| Error::Corrupt("the header is cut short".into()))?;
    let payload = header.rest;
    if Sha256::digest(payload).as_slice() != hash {
        return Err(Error::Corrupt(
            "its content does not match its hash (truncated or modified after `pbxc build`)".into(),
        ));
    }
    let mut r = Reader {
        rest: payload,
        files: 0,
        lengths: Vec::new(),
    };
    let (sources, dialplan, music) = r.payload().map_err(Error::Corrupt)?;
    Ok(Artifact {
        built_by,
        hash,
        sources,
        dialplan,
        music,
    })
}

struct Reader<'a> {
    rest: &'a [u8],
    /// Files in the source map: origins must point into them.
    files: u32,
    /// Their lengths, which origins must stay within.
    lengths: Vec<u32>,
}

type Read<T> = Result<T, String>;

/// What the payload holds.
type Payload = (SourceSet, Dialplan, Vec<(String, String)>);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Read<&'a [u8]> {
        if n > self.rest.len() {
            return Err(format!(
                "cut short ({n} bytes expected, {} left)",
                self.rest.len()
            ));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Read<u8> {
        Ok(self.take(1)?[0])
    }
    fn flag(&mut self) -> Read<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("a flag of {other}")),
        }
    }
    fn u32(&mut self) -> Read<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Read<i32> {
        Ok(self.u32()? as i32)
    }
    /// A count of items each at least `min_size` bytes: never more than what is left.
    fn count(&mut self, min_size: usize) -> Read<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.rest.len() {
            return Err(format!("a count of {n} in {} bytes", self.rest.len()));
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Read<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn vec(&mut self) -> Read<Vec<u8>> {
        Ok(self.bytes()?.to_vec())
    }
    fn opt_vec(&mut self) -> Read<Option<Vec<u8>>> {
        Ok(if self.flag()? {
            Some(self.vec()?)
        } else {
            None
        })
    }
    fn string(&mut self) -> Read<String> {
        String::from_utf8(self.vec()?).map_err(|_| "a name that is not UTF-8".to_string())
    }
    fn origin(&mut self) -> Read<Origin> {
        let file = self.u32()?;
        let (start, end) = (self.u32()?, self.u32()?);
        if file >= self.files || start > end {
            return Err(format!(
                "an origin {file}:{start}..{end} outside the sources"
            ));
        }
        Ok(Origin {
            file: FileId(file),
            range: TextRange { start, end },
        })
    }
    fn opt_origin(&mut self) -> Read<Option<Origin>> {
        Ok(if self.flag()? {
            Some(self.origin()?)
        } else {
            None
        })
    }

    fn payload(&mut self) -> Read<Payload> {
        let mut sources = SourceSet::new();
        let files = self.count(8)?;
        for _ in 0..files {
            let path = PathBuf::from(String::from_utf8_lossy(self.bytes()?).into_owned());
            let text: Arc<[u8]> = self.bytes()?.into();
            self.lengths
                .push(u32::try_from(text.len()).unwrap_or(u32::MAX));
            sources.add(path, text);
        }
        self.files = files as u32;
        let flags: Vec<bool> = (0..5).map(|_| self.flag()).collect::<Read<_>>()?;
        let general = General {
            static_: flags[0],
            writeprotect: flags[1],
            autofallthrough: flags[2],
            extenpatternmatchnew: flags[3],
            clearglobalvars: flags[4],
            overrideswitch: self.opt_vec()?,
        };
        let mut globals = Vec::new();
        for _ in 0..self.count(20)? {
            globals.push(Global {
                name: self.vec()?,
                value: self.vec()?,
                origin: self.origin()?,
            });
        }
        let mut contexts = Vec::new();
        for _ in 0..self.count(25)? {
            contexts.push(self.context()?);
        }
        let mut music = Vec::new();
        for _ in 0..self.count(8)? {
            music.push((self.string()?, self.string()?));
        }
        if !self.rest.is_empty() {
            return Err(format!("{} bytes after the end", self.rest.len()));
        }
        Ok((
            sources,
            Dialplan {
                general,
                globals,
                contexts,
            },
            music,
        ))
    }

    fn context(&mut self) -> Read<Context> {
        let name = self.vec()?;
        let mut sections = Vec::new();
        for _ in 0..self.count(12)? {
            sections.push(self.origin()?);
        }
        let mut extensions = Vec::new();
        for _ in 0..self.count(21)? {
            let name = self.vec()?;
            let cid = self.opt_vec()?;
            let origin = self.origin()?;
            let mut priorities = Vec::new();
            for _ in 0..self.count(27)? {
                priorities.push(Priority {
                    number: self.i32()?,
                    label: self.opt_vec()?.map(Into::into),
                    app: self.vec()?.into(),
                    data: self.vec()?.into(),
                    origin: self.origin()?,
                    app_origin: self.opt_origin()?,
                    data_origin: self.opt_origin()?,
                });
            }
            // The engine finds priorities by binary search: they must be in order, once each.
            if !priorities.windows(2).all(|w| w[0].number < w[1].number) {
                return Err("priorities out of order".to_string());
            }
            extensions.push(Extension {
                name: name.into(),
                cid: cid.map(Into::into),
                priorities,
                origin,
            });
        }
        // Routing and the JIT rely on Asterisk's order of a context's extensions (literals
        // first, each name once).
        let ordered = extensions.windows(2).all(|w| {
            pbxc_dialplan::pattern::extension_order(
                (&w[0].name, w[0].cid.as_deref()),
                (&w[1].name, w[1].cid.as_deref()),
            ) == std::cmp::Ordering::Less
        });
        if !ordered {
            return Err("extensions out of order".to_string());
        }
        let mut includes = Vec::new();
        for _ in 0..self.count(20)? {
            includes.push(Include {
                value: self.vec()?,
                context: self.vec()?,
                origin: self.origin()?,
            });
        }
        let mut switches = Vec::new();
        for _ in 0..self.count(21)? {
            switches.push(Switch {
                name: self.vec()?,
                data: self.vec()?,
                eval: self.flag()?,
                origin: self.origin()?,
            });
        }
        let mut ignorepats = Vec::new();
        for _ in 0..self.count(16)? {
            ignorepats.push((self.vec()?, self.origin()?));
        }
        Ok(Context {
            name,
            sections,
            extensions,
            includes,
            switches,
            ignorepats,
            autohints: self.flag()?,
        })
    }
}
