//! Any bytes load as a configuration (with a second file to include, templates, appends)
//! without panicking, lowers as a dialplan and passes the dialplan checks without panicking, and every diagnostic points
//! inside the file it names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbxc_config::{LoadOptions, MemoryFs, Session};

fuzz_target!(|data: &[u8]| {
    // Split the input in two files at the first 0xFF byte, so includes have a target.
    let (main, other) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let mut fs = MemoryFs::new();
    fs.insert("/cfg/main.conf", main.to_vec());
    fs.insert("/cfg/other.conf", other.to_vec());
    let mut session = Session::new(
        &fs,
        LoadOptions {
            config_dir: "/cfg".into(),
            exec_includes: true,
        },
    );
    if let Ok(config) = session.load("main.conf") {
        let (plan, more) = pbxc_dialplan::lower(&config, session.sources());
        session.add_diagnostics(more);
        let checks = pbxc_check::check(&pbxc_check::Input {
            plan: &plan,
            sources: session.sources(),
            target: pbxc_check::Target::Asterisk(22),
            endpoints: None,
            complete: true,
        });
        session.add_diagnostics(checks);
    }
    for d in session.diagnostics() {
        let len = session.sources().get(d.primary.file).text.len() as u32;
        assert!(d.primary.range.start <= d.primary.range.end && d.primary.range.end <= len);
    }
});
