//! An artifact gives back exactly the dialplan it was written from — on every extensions
//! file of the corpus — and reading damaged or foreign bytes is an error, never a panic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbxc_artifact::{Error, read, write};
use pbxc_diagnostics::SourceSet;
use proptest::prelude::*;

fn lowered(text: &[u8]) -> (pbxc_dialplan::Dialplan, SourceSet) {
    let mut fs = pbxc_config::MemoryFs::new();
    fs.insert("/etc/asterisk/extensions.conf", text.to_vec());
    let mut session = pbxc_config::Session::new(&fs, pbxc_config::LoadOptions::etc_asterisk());
    let config = session.load("extensions.conf").unwrap();
    let (plan, _) = pbxc_dialplan::lower(&config, session.sources());
    let mut sources = SourceSet::new();
    for (_, file) in session.sources().iter() {
        sources.add(file.path.clone(), file.text.clone());
    }
    (plan, sources)
}

fn extensions_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            extensions_files(&path, out);
        } else if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("extensions"))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_dialplan_survives_the_round_trip() {
    let mut files = Vec::new();
    extensions_files(Path::new("../../../shared/corpus"), &mut files);
    assert!(files.len() > 50, "corpus not found: {}", files.len());
    for path in files {
        let text = std::fs::read(&path).unwrap();
        let (plan, sources) = lowered(&text);
        let music = vec![("default".to_string(), "moh".to_string())];
        let bytes = write(&plan, &sources, &music);
        let back = read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            pbxc_dialplan::dump(&back.dialplan),
            pbxc_dialplan::dump(&plan),
            "{}",
            path.display()
        );
        assert_eq!(back.dialplan.contexts, plan.contexts);
        assert_eq!(back.dialplan.globals, plan.globals);
        assert_eq!(back.dialplan.general, plan.general);
        assert_eq!(back.music, music);
        assert_eq!(back.sources.len(), sources.len());
        assert_eq!(back.built_by, env!("CARGO_PKG_VERSION"));
        // Writing what was read gives the same bytes: the format is canonical.
        assert_eq!(write(&back.dialplan, &back.sources, &back.music), bytes);
    }
}

fn sample() -> Vec<u8> {
    let (plan, sources) = lowered(
        b"[general]\nautofallthrough=no\n[globals]\nA=1\n[in]\ninclude => out\n\
          exten => _1X!/100,1(start),NoOp(${A})\n same => n,Goto(start)\n[out]\nswitch => Loopback/x\n",
    );
    write(&plan, &sources, &[("default".into(), "moh".into())])
}

#[test]
fn foreign_versions_and_damage_are_told_apart() {
    let good = sample();
    assert!(read(&good).is_ok());
    assert_eq!(
        read(b"[in]\nexten => 1,1,NoOp()\n").unwrap_err(),
        Error::NotAnArtifact
    );

    let mut future = good.clone();
    future[8..12].copy_from_slice(&2u32.to_le_bytes());
    let err = read(&future).unwrap_err();
    assert!(matches!(err, Error::Version { found: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("rebuild it with `pbxc build`"));

    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x20;
    assert!(matches!(read(&flipped), Err(Error::Corrupt(why)) if why.contains("hash")));
    assert!(matches!(
        read(&good[..good.len() - 1]),
        Err(Error::Corrupt(_))
    ));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = pbxc_artifact::MAGIC.to_vec();
        bytes.extend_from_slice(&tail);
        let _ = read(&bytes);
        let _ = read(&tail);
    }

    /// A payload whose hash was recomputed (a deliberate forgery, not line noise) still
    /// never makes the reader panic or allocate beyond the input.
    #[test]
    fn forged_payloads_never_panic(at in 0usize..4096, byte in any::<u8>(), cut in 0usize..64) {
        use sha2::Digest;
        let good = sample();
        let version_len = u32::from_le_bytes(good[12..16].try_into().unwrap()) as usize;
        let header = 16 + version_len + 32;
        let mut payload = good[header..].to_vec();
        let at = at % payload.len();
        payload[at] = byte;
        payload.truncate(payload.len().saturating_sub(cut));
        let mut forged = good[..header - 32].to_vec();
        forged.extend_from_slice(&sha2::Sha256::digest(&payload));
        forged.extend_from_slice(&payload);
        let _ = read(&forged);
    }
}

#[test]
fn a_forged_artifact_with_priorities_out_of_order_is_refused() {
    let (mut plan, sources) = lowered(b"[in]\nexten => 1,1,NoOp(a)\n same => n,NoOp(b)\n");
    plan.contexts[0].extensions[0].priorities.swap(0, 1);
    let err = read(&write(&plan, &sources, &[])).unwrap_err();
    assert_eq!(err, Error::Corrupt("priorities out of order".into()));
}

/// Routing and the JIT rely on Asterisk's order of a context's extensions: literals before
/// patterns, a caller-ID variant before its plain name, each once.
#[test]
fn a_forged_artifact_with_extensions_out_of_order_is_refused() {
    let text = b"[in]\nexten => 10,1,NoOp(a)\nexten => 10/5,1,NoOp(b)\nexten => _1X,1,NoOp(c)\n";
    let (plan, sources) = lowered(text);
    assert!(read(&write(&plan, &sources, &[])).is_ok());
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
        let mut forged = plan.clone();
        forged.contexts[0].extensions.swap(a, b);
        let err = read(&write(&forged, &sources, &[])).unwrap_err();
        assert_eq!(
            err,
            Error::Corrupt("extensions out of order".into()),
            "{a} {b}"
        );
    }
    // A name twice.
    let mut forged = plan.clone();
    let again = forged.contexts[0].extensions[2].clone();
    forged.contexts[0].extensions.push(again);
    let err = read(&write(&forged, &sources, &[])).unwrap_err();
    assert_eq!(err, Error::Corrupt("extensions out of order".into()));
}

#[test]
fn sources_keep_their_paths_and_text() {
    let (plan, sources) = lowered(b"[in]\nexten => 1,1,NoOp()\n");
    let back = read(&write(&plan, &sources, &[])).unwrap();
    let (_, file) = back.sources.iter().next().unwrap();
    assert_eq!(file.path, Path::new("/etc/asterisk/extensions.conf"));
    assert_eq!(
        file.text,
        Arc::<[u8]>::from(&b"[in]\nexten => 1,1,NoOp()\n"[..])
    );
}
