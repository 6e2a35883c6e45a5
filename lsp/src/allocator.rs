//! The allocator's settings for a server that lives as long as the editor.
//!
//! mimalloc gives memory back to the system once it has gone unused for a second (its
//! `purge_delay`). Every edit of a large file frees one analysis and builds the next, so a
//! second after any edit some 20–30 MB is purged; the next edit takes it back page fault by
//! page fault and, the transparent huge pages it had being split, runs slower from then on.
//! On the corpus's 1.7 MB dialplan (`cargo bench -p pbxc-lsp --bench edit`): the first edit
//! after a pause took 130–140 ms instead of 25, and the edits after it 30–37 ms instead of 24.
//! Never purging keeps the server's memory at the peak it reached (under 160 MB there), which
//! it needs again at the next edit anyway.
//!
//! mimalloc reads its options from the environment only, when the process starts, before
//! `main` runs. Setting one from Rust would take an FFI call, and this workspace keeps
//! `unsafe` to the JIT. So the server executes itself again, once, with the setting in its
//! environment: `exec` keeps the process id, the arguments and standard input and output, so
//! the editor sees one process that started a millisecond later.

/// The settings: never give memory back to the system.
pub const SETTINGS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "-1")];

/// Executes the running program again with [`SETTINGS`] in its environment, unless every
/// one of them is set already (by the first execution, or by a user who chose a value of
/// their own, which is kept). Returns only when it did not execute again, with the reason if
/// it tried and failed; the server then runs with mimalloc's defaults.
pub fn apply() -> Option<std::io::Error> {
    let missing: Vec<_> = SETTINGS
        .iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return None;
    }
    exec_again(&missing)
}

#[cfg(unix)]
fn exec_again(settings: &[&(&str, &str)]) -> Option<std::io::Error> {
    use std::ffi::OsString;
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(e),
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| OsString::from(&exe));
    let mut command = std::process::Command::new(&exe);
    command.arg0(arg0).args(args);
    for (name, value) in settings {
        command.env(name, value);
    }
    // `exec` returns only if it failed.
    Some(command.exec())
}

#[cfg(not(unix))]
fn exec_again(_: &[&(&str, &str)]) -> Option<std::io::Error> {
    None
}
