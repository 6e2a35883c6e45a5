//! A configuration directory made for one test: its extensions.conf and short prompts (tones
//! of known length), a PBX running it, and test callers.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pbx::channel::Channel;
use pbx::scripted::{Caller, Recorder, Script};
use pbx::{Options, Pbx, Source, Start};

pub struct Fixture {
    pub dir: PathBuf,
    pub pbx: Arc<Pbx>,
}

/// A tone of `ms` milliseconds, as a WAV file.
pub fn tone(ms: usize) -> Vec<u8> {
    let samples: Vec<i16> = (0..ms * 8)
        .map(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 8000.0).sin() * 8000.0) as i16)
        .collect();
    pbx_media::sound::encode_wav(&samples)
}

pub fn temp_dir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pbx-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sounds/en")).unwrap();
    dir
}

/// Writes the configuration and its sounds: `short` (200 ms), `prompt` (1 s), `long`
/// (10 s), `beep` (100 ms), and music on hold (`moh/default/hold.wav`, 500 ms).
pub fn write_config(dir: &std::path::Path, extensions: &str) {
    std::fs::write(dir.join("extensions.conf"), extensions).unwrap();
    for (name, ms) in [
        ("short", 200),
        ("prompt", 1000),
        ("long", 10_000),
        ("beep", 100),
    ] {
        std::fs::write(dir.join(format!("sounds/en/{name}.wav")), tone(ms)).unwrap();
    }
    std::fs::create_dir_all(dir.join("moh/default")).unwrap();
    std::fs::write(dir.join("moh/default/hold.wav"), tone(500)).unwrap();
    // A cdr.conf as an Asterisk installation has one: cdr_csv writes Master.csv only with a
    // `[csv]` setting (else it declines to load).
    std::fs::write(dir.join("cdr.conf"), "[csv]\naccountlogs = yes\n").unwrap();
    std::fs::write(
        dir.join("musiconhold.conf"),
        "[default]\nmode = files\ndirectory = moh/default\n",
    )
    .unwrap();
}

pub fn fixture(tag: &str, extensions: &str) -> Fixture {
    fixture_with(tag, extensions, |_| {})
}

/// [`fixture`] with the PBX's options changed first.
pub fn fixture_with(tag: &str, extensions: &str, change: impl FnOnce(&mut Options)) -> Fixture {
    let dir = temp_dir(tag);
    write_config(&dir, extensions);
    let mut options = Options::for_source(Source::Dir(dir.clone()));
    options.keep_traces = true;
    change(&mut options);
    let pbx = Pbx::start(options).unwrap();
    Fixture { dir, pbx }
}

impl Fixture {
    /// A test caller `Test/name` (caller number 100) entering `exten@context`.
    pub fn call(
        &self,
        context: &str,
        exten: &str,
        script: Script,
    ) -> (Arc<Channel>, Arc<Recorder>) {
        pbx::scripted::place(
            &self.pbx,
            Caller {
                name: format!("Test/caller-{exten}"),
                caller_number: Some("100".into()),
                caller_name: Some("Alice".into()),
                script,
            },
            Start::at(context, exten),
        )
        .unwrap()
    }

    /// Waits for every call to end (a test that hangs fails here instead).
    pub fn settle(&self) {
        assert!(
            self.pbx.wait_idle(Duration::from_secs(30)),
            "calls still running: {}",
            self.pbx.active_calls()
        );
    }

    pub fn cdr(&self) -> String {
        std::fs::read_to_string(self.dir.join("run/cdr-csv/Master.csv")).unwrap_or_default()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn keys(list: &[(u64, u8)]) -> Script {
    Script {
        dtmf: list
            .iter()
            .map(|&(ms, k)| (Duration::from_millis(ms), k))
            .collect(),
        hangup_after: None,
    }
}

pub fn hangup_after(ms: u64) -> Script {
    Script {
        dtmf: Vec::new(),
        hangup_after: Some(Duration::from_millis(ms)),
    }
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Threads of this process.
pub fn threads() -> usize {
    status_field("Threads:")
}

/// Resident memory in KiB.
pub fn rss_kib() -> usize {
    status_field("VmRSS:")
}

fn status_field(name: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
