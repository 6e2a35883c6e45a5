//! `pbx` runs an artifact written by `pbxc build` exactly as the directory it came from, takes
//! a new one on reload, and refuses a damaged or foreign one with a clear message.

mod common;

use pbx::scripted::Script;
use pbx::{Options, Pbx, Source};

fn build(dir: &std::path::Path) -> Vec<u8> {
    let provider = pbxc_project::disk::DiskFs { allow_exec: false };
    let Ok(built) = pbxc_project::build(&provider, dir, pbxc_check::Target::Pbx) else {
        panic!("the configuration does not build");
    };
    pbxc_artifact::write(&built.dialplan, &built.sources, &built.music)
}

#[test]
fn an_artifact_runs_reloads_and_is_refused_when_damaged() {
    let dir = common::temp_dir("artifact");
    common::write_config(
        &dir,
        "[in]\nexten => s,1,NoOp(first)\n same => n,MusicOnHold(,1)\n",
    );
    let artifact = dir.join("plan.pbxc");
    std::fs::write(&artifact, build(&dir)).unwrap();
    // The artifact alone carries the dialplan (and the music classes).
    std::fs::remove_file(dir.join("extensions.conf")).unwrap();
    std::fs::remove_file(dir.join("musiconhold.conf")).unwrap();

    let source = Source::from_path(&artifact);
    assert!(matches!(source, Source::Artifact(_)));
    let mut options = Options::for_source(source);
    options.keep_traces = true;
    let pbx = Pbx::start(options).unwrap();
    let call = |expected: &[&str]| {
        let chan = pbx::scripted::place(
            &pbx,
            pbx::scripted::Caller {
                name: "Test/a".into(),
                caller_number: None,
                caller_name: None,
                script: Script::default(),
            },
            pbx::Start::at("in", "s"),
        )
        .unwrap()
        .0;
        assert!(pbx.wait_idle(std::time::Duration::from_secs(10)));
        assert_eq!(chan.trace(), expected);
    };
    call(&["in,s,1,NoOp(first)", "in,s,2,MusicOnHold(,1)"]);

    // A new artifact replaces the dialplan on reload.
    let other = common::temp_dir("artifact2");
    common::write_config(&other, "[in]\nexten => s,1,NoOp(second)\n");
    std::fs::write(&artifact, build(&other)).unwrap();
    pbx.reload().unwrap();
    call(&["in,s,1,NoOp(second)"]);

    // A damaged one is refused, loudly, and the running dialplan stays.
    let mut damaged = std::fs::read(&artifact).unwrap();
    let last = damaged.len() - 2;
    damaged[last] ^= 1;
    std::fs::write(&artifact, &damaged).unwrap();
    let reason = pbx.reload().unwrap_err();
    assert!(reason.contains("damaged artifact"), "{reason}");
    call(&["in,s,1,NoOp(second)"]);

    // One from another format version does not start a PBX, and says what to do.
    let mut foreign = build(&other);
    foreign[8..12].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&artifact, &foreign).unwrap();
    let Err(reason) = Pbx::start(Options::for_source(Source::from_path(&artifact))) else {
        panic!("a foreign artifact was accepted");
    };
    assert!(reason.contains("artifact format 99"), "{reason}");
    assert!(reason.contains("rebuild it with `pbxc build`"), "{reason}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}
