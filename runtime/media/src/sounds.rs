//! A sounds directory, searched the way Asterisk searches `/var/lib/asterisk/sounds`.
//!
//! `Playback(digits/1)` names a sound without language or format; the file that plays is
//! found by `fileexists_core` and `fileexists_test` in Asterisk 22's `main/file.c`:
//!
//! 1. the channel's language, then that language with each `_suffix` removed in turn
//!    (`en_GB_x` → `en_GB` → `en`): `<root>/<lang>/<name>` (the default `languageprefix=yes`
//!    layout);
//! 2. no language at all: `<root>/<name>`;
//! 3. finally the default language `en` ([`DEFAULT_LANGUAGE`]), unless step 1 already tried
//!    it (the language, or what was left of it after stripping, is `en`).
//!
//! A name starting with `/` is an absolute path without extension; there Asterisk uses the
//! "old layout" and puts the language directory before the last component
//! (`/tmp/greeting` in French is first `/tmp/fr/greeting`). Names may contain
//! subdirectories (`digits/1`); nothing is normalised, as in Asterisk.
//!
//! At each of those places every format is tried, and the first place where any file exists
//! wins. Asterisk then picks among the formats present there the one cheapest to translate
//! to the channel; we take them in the fixed order of [`Format::ALL`] — `sln`, then `ulaw`,
//! `alaw`, then `wav` — each with Asterisk's extension aliases, so lossless audio is
//! preferred. If a file exists but cannot be decoded, the next format at the same place is
//! tried, and if none decodes, that error is returned rather than falling back to another
//! language (Asterisk, too, has committed to the place by then).
//!
//! Sounds can also be compiled into the binary ([`Sounds::embedded`], keyed by their path
//! relative to the root, e.g. `en/demo-congrats.wav`). With both a directory and embedded
//! files, a file on disk overrides the embedded one of the same path.
//!
//! Decoded sounds are cached by file, bounded in total size with least-recently-used
//! eviction. A file on disk is re-read when its size or modification time changes, so a
//! prompt re-recorded by `Record` is heard at once.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::sound::{self, Format, Sound, SoundError};

/// The language tried last, Asterisk's `DEFAULT_LANGUAGE`.
pub const DEFAULT_LANGUAGE: &str = "en";

/// The default bound on the decoded sounds kept in memory: 64 MiB, about 70 minutes of
/// 8 kHz audio.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// The largest sound file read, 256 MiB.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// A sounds directory and/or sounds compiled into the binary, with a cache of decoded sounds.
#[derive(Debug)]
pub struct Sounds {
    root: Option<PathBuf>,
    embedded: HashMap<String, &'static [u8]>,
    cache: Mutex<Cache>,
    /// How long a lookup's answer is reused without looking at the disk again (see
    /// [`Sounds::with_lookup_ttl`]); zero looks every time.
    lookup_ttl: std::time::Duration,
    recent: Mutex<HashMap<(String, String), Recent>>,
}

/// A lookup's answer and when it was found.
type Recent = (std::time::Instant, Arc<Sound>);

/// Where one candidate file lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Source {
    Disk(PathBuf),
    Embedded(String),
}

#[derive(Debug)]
struct Entry {
    sound: Arc<Sound>,
    /// For files on disk: size and modification time when decoded.
    stamp: Option<(u64, Option<SystemTime>)>,
    last_used: u64,
}

#[derive(Debug)]
struct Cache {
    entries: HashMap<Source, Entry>,
    bytes: usize,
    limit: usize,
    clock: u64,
}

impl Cache {
    fn get(
        &mut self,
        source: &Source,
        stamp: Option<(u64, Option<SystemTime>)>,
    ) -> Option<Arc<Sound>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(source)?;
        if entry.stamp != stamp {
            return None;
        }
        entry.last_used = clock;
        Some(entry.sound.clone())
    }

    fn insert(
        &mut self,
        source: Source,
        sound: Arc<Sound>,
        stamp: Option<(u64, Option<SystemTime>)>,
    ) {
        if let Some(old) = self.entries.remove(&source) {
            self.bytes -= old.sound.byte_size();
        }
        let size = sound.byte_size();
        if size > self.limit {
            return;
        }
        while self.bytes + size > self.limit {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(source, _)| source.clone())
            else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.sound.byte_size();
            }
        }
        self.clock += 1;
        self.bytes += size;
        self.entries.insert(
            source,
            Entry {
                sound,
                stamp,
                last_used: self.clock,
            },
        );
    }
}

impl Sounds {
    /// The sounds under the directory `root` (Asterisk's `<datadir>/sounds`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Sounds::with_root(Some(root.into()))
    }

    fn with_root(root: Option<PathBuf>) -> Self {
        Sounds {
            root,
            embedded: HashMap::new(),
            cache: Mutex::new(Cache {
                entries: HashMap::new(),
                bytes: 0,
                limit: DEFAULT_CACHE_BYTES,
                clock: 0,
            }),
            lookup_ttl: std::time::Duration::ZERO,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// Sounds compiled into the binary, each keyed by its path relative to the sounds root
    /// with extension (`en/demo-congrats.wav`, `en/digits/1.ulaw`).
    pub fn embedded<S: Into<String>>(files: impl IntoIterator<Item = (S, &'static [u8])>) -> Self {
        Sounds::with_root(None).with_embedded(files)
    }

    /// Adds embedded sounds; files on disk of the same path take precedence.
    pub fn with_embedded<S: Into<String>>(
        mut self,
        files: impl IntoIterator<Item = (S, &'static [u8])>,
    ) -> Self {
        self.embedded
            .extend(files.into_iter().map(|(path, bytes)| (path.into(), bytes)));
        self
    }

    /// Bounds the memory the cache of decoded sounds may use (default
    /// [`DEFAULT_CACHE_BYTES`]); 0 disables caching.
    pub fn with_cache_limit(self, bytes: usize) -> Self {
        self.cache().limit = bytes;
        self
    }

    /// Reuses the answer for a name for `ttl` without touching the disk. Finding a sound
    /// tries several files (languages × formats), each a `stat`; a PBX whose thousands of
    /// calls start the same prompt in the same instant wants that done once. A file changed
    /// on disk is then seen within `ttl`.
    pub fn with_lookup_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.lookup_ttl = ttl;
        self
    }

    /// The sounds directory, if there is one.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Finds and decodes the sound `name` for a channel whose language is `language`.
    pub fn find(&self, name: &str, language: &str) -> Result<Arc<Sound>, SoundError> {
        if self.lookup_ttl.is_zero() {
            return self.find_now(name, language);
        }
        let key = (name.to_string(), language.to_string());
        let now = std::time::Instant::now();
        {
            let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, sound)) = recent.get(&key)
                && now.duration_since(*at) < self.lookup_ttl
            {
                return Ok(sound.clone());
            }
        }
        let sound = self.find_now(name, language)?;
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: names come from dialplans and callers.
        if recent.len() >= 4096 {
            recent.retain(|_, (at, _)| now.duration_since(*at) < self.lookup_ttl);
            if recent.len() >= 4096 {
                recent.clear();
            }
        }
        recent.insert(key, (now, sound.clone()));
        Ok(sound)
    }

    fn find_now(&self, name: &str, language: &str) -> Result<Arc<Sound>, SoundError> {
        for base in candidates(name, language) {
            let mut error = None;
            for (format, source) in self.files_at(&base) {
                match self.load(&source, format) {
                    Ok(sound) => return Ok(sound),
                    Err(e) => {
                        error.get_or_insert(e);
                    }
                }
            }
            if let Some(error) = error {
                return Err(error);
            }
        }
        Err(SoundError::NotFound {
            name: name.to_string(),
        })
    }

    /// Whether `find` would find a file for `name` (Asterisk's `ast_fileexists`), without
    /// decoding it.
    pub fn exists(&self, name: &str, language: &str) -> bool {
        self.locate(name, language).is_some()
    }

    /// The file `find` would try first for `name`: its path (on disk, or relative to the
    /// root if embedded) and format.
    pub fn locate(&self, name: &str, language: &str) -> Option<(String, Format)> {
        candidates(name, language).iter().find_map(|base| {
            self.files_at(base)
                .next()
                .map(|(format, source)| match source {
                    Source::Disk(path) => (path.display().to_string(), format),
                    Source::Embedded(key) => (key, format),
                })
        })
    }

    /// The bytes of decoded sounds currently cached.
    pub fn cached_bytes(&self) -> usize {
        self.cache().bytes
    }

    /// Forgets every cached sound.
    pub fn clear_cache(&self) {
        let mut cache = self.cache();
        cache.entries.clear();
        cache.bytes = 0;
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // A panic elsewhere while holding the lock leaves the cache consistent enough.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The files that exist for `base` (a name with its language already applied), in the
    /// order they are tried.
    fn files_at<'a>(&'a self, base: &'a str) -> impl Iterator<Item = (Format, Source)> + 'a {
        let absolute = base.starts_with('/');
        Format::ALL.into_iter().flat_map(move |format| {
            format.extensions().iter().filter_map(move |ext| {
                let file = format!("{base}.{ext}");
                let disk = if absolute {
                    Some(PathBuf::from(&file))
                } else {
                    self.root.as_ref().map(|root| root.join(&file))
                };
                if let Some(path) = disk.filter(|path| path.is_file()) {
                    return Some((format, Source::Disk(path)));
                }
                (!absolute && self.embedded.contains_key(&file))
                    .then_some((format, Source::Embedded(file)))
            })
        })
    }

    fn load(&self, source: &Source, format: Format) -> Result<Arc<Sound>, SoundError> {
        match source {
            Source::Disk(path) => {
                let io = |e: std::io::Error| SoundError::Io {
                    path: path.display().to_string(),
                    message: e.to_string(),
                };
                let meta = fs::metadata(path).map_err(io)?;
                if meta.len() > MAX_FILE_BYTES {
                    return Err(SoundError::TooLarge { bytes: meta.len() });
                }
                let stamp = Some((meta.len(), meta.modified().ok()));
                if let Some(sound) = self.cache().get(source, stamp) {
                    return Ok(sound);
                }
                let bytes = fs::read(path).map_err(io)?;
                let sound = Arc::new(sound::decode(&bytes, format)?);
                self.cache().insert(source.clone(), sound.clone(), stamp);
                Ok(sound)
            }
            Source::Embedded(key) => {
                if let Some(sound) = self.cache().get(source, None) {
                    return Ok(sound);
                }
                let bytes = self.embedded.get(key).copied().unwrap_or_default();
                let sound = Arc::new(sound::decode(bytes, format)?);
                self.cache().insert(source.clone(), sound.clone(), None);
                Ok(sound)
            }
        }
    }
}

/// The names to try for `name` in `language`, with the language applied and no extension,
/// in `fileexists_core`'s order.
fn candidates(name: &str, language: &str) -> Vec<String> {
    let absolute = name.starts_with('/');
    let with_language = |lang: &str| {
        if absolute {
            // The old layout: the language directory goes before the last component.
            let split = name.rfind('/').map_or(0, |i| i + 1);
            format!("{}{lang}/{}", &name[..split], &name[split..])
        } else {
            format!("{lang}/{name}")
        }
    };
    let mut out = Vec::new();
    let mut lang = language;
    while !lang.is_empty() {
        out.push(with_language(lang));
        match lang.rfind('_') {
            Some(i) => lang = &lang[..i],
            None => break,
        }
    }
    out.push(name.to_string());
    if language != DEFAULT_LANGUAGE && lang != DEFAULT_LANGUAGE {
        out.push(with_language(DEFAULT_LANGUAGE));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sound::encode;

    /// A directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("pbx-media-{tag}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// A distinguishable sound: `n` samples of value `v`.
    fn tone(v: i16, n: usize) -> Vec<i16> {
        vec![v; n]
    }

    fn first_sample(sound: &Sound) -> i16 {
        sound.samples[0]
    }

    #[test]
    fn candidate_order_is_fileexists_core() {
        assert_eq!(candidates("digits/1", "en"), ["en/digits/1", "digits/1"]);
        assert_eq!(candidates("hello", "fr"), ["fr/hello", "hello", "en/hello"]);
        assert_eq!(candidates("hello", ""), ["hello", "en/hello"]);
        assert_eq!(
            candidates("hello", "en_GB"),
            ["en_GB/hello", "en/hello", "hello"]
        );
        assert_eq!(
            candidates("hello", "pt_BR_x"),
            [
                "pt_BR_x/hello",
                "pt_BR/hello",
                "pt/hello",
                "hello",
                "en/hello"
            ]
        );
        assert_eq!(
            candidates("/var/tmp/msg", "de"),
            ["/var/tmp/de/msg", "/var/tmp/msg", "/var/tmp/en/msg"]
        );
        assert_eq!(candidates("/msg", "en"), ["/en/msg", "/msg"]);
    }

    #[test]
    fn a_lookup_ttl_reuses_the_answer_without_looking_again() {
        let dir = TempDir::new("ttl");
        dir.write("en/x.sln", &encode(&tone(5, 16), Format::Sln).unwrap());
        let sounds = Sounds::new(&dir.0).with_lookup_ttl(std::time::Duration::from_secs(60));
        let first = sounds.find("x", "en").unwrap();
        // Gone from disk, but within the time to live the answer stands.
        fs::remove_file(dir.0.join("en/x.sln")).unwrap();
        assert!(Arc::ptr_eq(&first, &sounds.find("x", "en").unwrap()));
        // Without one, the disk is asked every time.
        let fresh = Sounds::new(&dir.0);
        assert!(fresh.find("x", "en").is_err());
    }

    #[test]
    fn language_directory_wins_over_format_preference() {
        let dir = TempDir::new("lang");
        dir.write("fr/hello.wav", &encode(&tone(1, 10), Format::Wav).unwrap());
        dir.write("hello.sln", &encode(&tone(2, 10), Format::Sln).unwrap());
        dir.write("en/hello.sln", &encode(&tone(3, 10), Format::Sln).unwrap());
        let sounds = Sounds::new(&dir.0);
        assert_eq!(first_sample(&sounds.find("hello", "fr").unwrap()), 1);
        assert_eq!(first_sample(&sounds.find("hello", "fr_CA").unwrap()), 1);
        // No German: the unprefixed file comes before the default language.
        assert_eq!(first_sample(&sounds.find("hello", "de").unwrap()), 2);
        assert_eq!(first_sample(&sounds.find("hello", "en").unwrap()), 3);
    }

    #[test]
    fn default_language_is_the_last_resort() {
        let dir = TempDir::new("default");
        dir.write(
            "en/digits/1.ulaw",
            &encode(&tone(1000, 10), Format::Ulaw).unwrap(),
        );
        let sounds = Sounds::new(&dir.0);
        let sound = sounds.find("digits/1", "es").unwrap();
        assert_eq!(sound.len(), 10);
        assert_eq!(
            sounds.locate("digits/1", "es"),
            Some((
                dir.0.join("en/digits/1.ulaw").display().to_string(),
                Format::Ulaw
            ))
        );
        assert!(sounds.exists("digits/1", ""));
        assert!(!sounds.exists("digits/2", "en"));
        assert_eq!(
            sounds.find("digits/2", "en"),
            Err(SoundError::NotFound {
                name: "digits/2".into()
            })
        );
    }

    #[test]
    fn formats_are_tried_lossless_first_with_aliases() {
        let dir = TempDir::new("formats");
        dir.write("en/a.wav", &encode(&tone(4, 10), Format::Wav).unwrap());
        dir.write("en/a.alaw", &encode(&tone(3000, 10), Format::Alaw).unwrap());
        let sounds = Sounds::new(&dir.0);
        assert_eq!(sounds.locate("a", "en").unwrap().1, Format::Alaw);
        dir.write("en/a.ul", &encode(&tone(2000, 10), Format::Ulaw).unwrap());
        assert_eq!(sounds.locate("a", "en").unwrap().1, Format::Ulaw);
        dir.write("en/a.raw", &encode(&tone(5, 10), Format::Sln).unwrap());
        assert_eq!(first_sample(&sounds.find("a", "en").unwrap()), 5);
        // Extensions match in their case only: `Wav` is no format.
        dir.write("en/b.Wav", b"whatever");
        assert!(!sounds.exists("b", "en"));
    }

    #[test]
    fn an_undecodable_file_falls_to_the_next_format_then_reports() {
        let dir = TempDir::new("broken");
        dir.write("en/x.wav", b"RIFF\x04\x00\x00\x00AVI ");
        dir.write("x.sln", &encode(&tone(9, 4), Format::Sln).unwrap());
        let sounds = Sounds::new(&dir.0);
        // The place en/x is committed to; its only file is broken.
        assert_eq!(sounds.find("x", "en"), Err(SoundError::NotWave));
        dir.write("en/x.alaw", &encode(&tone(8, 4), Format::Alaw).unwrap());
        assert_eq!(sounds.find("x", "en").unwrap().len(), 4);
    }

    #[test]
    fn absolute_names_use_the_old_layout() {
        let dir = TempDir::new("absolute");
        dir.write("rec/de/msg.sln", &encode(&tone(6, 3), Format::Sln).unwrap());
        dir.write("rec/msg.sln", &encode(&tone(7, 3), Format::Sln).unwrap());
        let sounds = Sounds::new("/nonexistent-root");
        let name = dir.0.join("rec/msg").display().to_string();
        assert_eq!(first_sample(&sounds.find(&name, "de").unwrap()), 6);
        assert_eq!(first_sample(&sounds.find(&name, "fr").unwrap()), 7);
    }

    #[test]
    fn cache_returns_the_same_sound_and_sees_rewrites() {
        let dir = TempDir::new("cache");
        let path = dir.write("en/c.sln", &encode(&tone(1, 100), Format::Sln).unwrap());
        let sounds = Sounds::new(&dir.0);
        let a = sounds.find("c", "en").unwrap();
        let b = sounds.find("c", "en").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(sounds.cached_bytes(), 200);
        // Re-recorded with a different length: read again.
        fs::write(&path, encode(&tone(2, 50), Format::Sln).unwrap()).unwrap();
        let c = sounds.find("c", "en").unwrap();
        assert_eq!((c.len(), first_sample(&c)), (50, 2));
        assert_eq!(sounds.cached_bytes(), 100);
        sounds.clear_cache();
        assert_eq!(sounds.cached_bytes(), 0);
    }

    #[test]
    fn cache_is_bounded_and_evicts_the_least_recently_used() {
        let dir = TempDir::new("bound");
        for name in ["a", "b", "c"] {
            dir.write(
                &format!("{name}.sln"),
                &encode(&tone(1, 100), Format::Sln).unwrap(),
            );
        }
        let sounds = Sounds::new(&dir.0).with_cache_limit(450);
        let a = sounds.find("a", "").unwrap();
        sounds.find("b", "").unwrap();
        sounds.find("a", "").unwrap(); // a is now more recent than b
        sounds.find("c", "").unwrap(); // evicts b
        assert_eq!(sounds.cached_bytes(), 400);
        assert!(Arc::ptr_eq(&a, &sounds.find("a", "").unwrap()));
        // Too big to cache at all: still returned.
        let tiny = Sounds::new(&dir.0).with_cache_limit(10);
        assert_eq!(tiny.find("a", "").unwrap().len(), 100);
        assert_eq!(tiny.cached_bytes(), 0);
    }

    #[test]
    fn embedded_sounds_are_served_and_disk_overrides_them() {
        static WAV: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let wav: &'static [u8] = WAV.get_or_init(|| encode(&tone(11, 80), Format::Wav).unwrap());
        let sounds = Sounds::embedded(vec![("en/demo-congrats.wav".to_string(), wav)]);
        assert_eq!(sounds.root(), None);
        let s = sounds.find("demo-congrats", "en").unwrap();
        assert_eq!((s.len(), first_sample(&s)), (80, 11));
        assert!(Arc::ptr_eq(
            &s,
            &sounds.find("demo-congrats", "fr").unwrap()
        ));
        assert!(!sounds.exists("/en/demo-congrats", "en"));

        let dir = TempDir::new("override");
        let both = Sounds::new(&dir.0).with_embedded([("en/demo-congrats.wav", wav)]);
        assert_eq!(first_sample(&both.find("demo-congrats", "en").unwrap()), 11);
        dir.write(
            "en/demo-congrats.wav",
            &encode(&tone(12, 8), Format::Wav).unwrap(),
        );
        assert_eq!(first_sample(&both.find("demo-congrats", "en").unwrap()), 12);
    }

    #[test]
    fn the_demo_prompts_decode() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo/sounds");
        if !root.join("en/demo-congrats.wav").is_file() {
            return; // generated by examples/demo/sounds/make.sh
        }
        let sounds = Sounds::new(&root);
        for name in ["demo-congrats", "demo-echotest", "beep", "digits/7"] {
            let sound = sounds.find(name, "en").unwrap();
            assert!(sound.duration_ms() > 200, "{name}");
        }
        assert_eq!(sounds.find("beep", "en").unwrap().len(), 2000);
    }
}
