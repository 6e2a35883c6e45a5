//! The allocator's settings for a server that lives as long as the editor.
//!
//! mimalloc gives memory back to the system once it has gone unused for a second (its
//! `purge_delay`). Every edit of a large file frees one analysis and builds the next, so a
//! second after any edit some 20–30 MB is purged; the next edit takes it back page fault by
//! page fault and, the transparent huge pages it had being split, runs slower from then on.
//! On the corpus's 1.7 MB dialplan (`cargo bench -p pbxc-lsp --bench edit -- 80`, runs
//! alternating with `MIMALLOC_PURGE_DELAY=1000`, mimalloc's default): edits while typing had
//! a 30.5–32.3 ms median and a 143–173 ms worst, and an edit after a pause took 183–186 ms;
//! never purging, 25.0–26.6 ms, a 28–56 ms worst, and 45–51 ms after a pause. The server's
//! memory stays at the peak it reached (under 160 MB there), which it needs again at the next
//! edit anyway.
//!
//! mimalloc takes its options from the environment, or from an FFI call, and this workspace
//! keeps `unsafe` to the JIT. So the server executes itself again, once, with the setting in
//! its environment: `exec` keeps the process id, the arguments and standard input and
//! output, so the editor sees one process that started a millisecond later. This is done on
//! Unix only, and only when the program's path and its `argv[0]` name the same file (not when
//! it was started through the dynamic loader, say). Processes the server starts inherit the
//! setting. Under valgrind, set the variable yourself (any value) or trace children.

/// The settings: never give memory back to the system.
pub const SETTINGS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "-1")];

/// Other names mimalloc reads the same option under (it compares names without regard to
/// case): a value set under any of them is the user's, and is kept.
const ALSO_READ_AS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY")];

/// Executes the running program again with [`SETTINGS`] in its environment, unless each is
/// set already (by the first execution, or by a user who chose a value of their own, which is
/// kept). Returns only when it did not execute again, with the reason if it tried and failed;
/// the server then runs with mimalloc's defaults.
pub fn apply() -> Option<std::io::Error> {
    let set: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.to_str().map(str::to_ascii_uppercase))
        .collect();
    let chosen = |name: &str| {
        set.iter().any(|s| {
            s == name
                || ALSO_READ_AS
                    .iter()
                    .any(|&(option, legacy)| option == name && s == legacy)
        })
    };
    let missing: Vec<_> = SETTINGS.iter().filter(|(name, _)| !chosen(name)).collect();
    if missing.is_empty() {
        return None;
    }
    exec_again(&missing)
}

#[cfg(unix)]
fn exec_again(settings: &[&(&str, &str)]) -> Option<std::io::Error> {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(e),
    };
    let mut args = std::env::args_os();
    let arg0 = args.next()?;
    if !same_file(&exe, &arg0) {
        return None;
    }
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

/// Whether `arg0` (a path, or a name found on `PATH`) is the file `exe`.
#[cfg(unix)]
fn same_file(exe: &std::path::Path, arg0: &std::ffi::OsStr) -> bool {
    let exe = match exe.canonicalize() {
        Ok(exe) => exe,
        Err(_) => return false,
    };
    let named = std::path::Path::new(arg0);
    let candidates: Vec<std::path::PathBuf> = if named.components().count() > 1 {
        vec![named.to_path_buf()]
    } else {
        std::env::var_os("PATH")
            .map(|path| {
                std::env::split_paths(&path)
                    .map(|d| d.join(named))
                    .collect()
            })
            .unwrap_or_default()
    };
    candidates
        .iter()
        .filter_map(|c| c.canonicalize().ok())
        .any(|c| c == exe)
}

#[cfg(all(test, unix))]
mod tests {
    use super::same_file;

    /// The exec happens only when `argv[0]` leads to the running file: started through the
    /// dynamic loader (`ld.so /path/pbxc lsp`), the running file is the loader and the program
    /// `argv[0]` names is another, so the server does not execute the loader with its own
    /// arguments.
    #[test]
    fn argv0_must_name_the_running_file() {
        let exe = std::env::current_exe().unwrap();
        assert!(same_file(&exe, exe.as_os_str()));
        // The same file by another spelling of its path.
        let dir = exe.parent().unwrap();
        let dotted = dir.join(".").join(exe.file_name().unwrap());
        assert!(same_file(&exe, dotted.as_os_str()));
        // Another file, a name on no PATH entry, nothing at all.
        assert!(!same_file(&exe, std::ffi::OsStr::new("/bin/sh")));
        assert!(!same_file(
            &exe,
            std::ffi::OsStr::new("pbxc-no-such-program-on-path")
        ));
        assert!(!same_file(&exe, std::ffi::OsStr::new("")));
    }
}
