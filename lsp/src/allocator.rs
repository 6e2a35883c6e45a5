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

/// Turns transparent huge pages off for this process and those it starts (Linux; elsewhere
/// there is nothing to do). mimalloc asks for huge pages wherever it can. A huge page is
/// zeroed whole, 2 MB, at its first touch, much of it for memory never used; and on a virtual
/// machine whose host takes back the guest's free memory, each such fault waits for the host
/// to supply the page again. This machine's virtio balloon reports free memory to its host
/// (`F_REPORTING`, in 2 MB blocks, a couple of seconds after they are freed), so a process
/// that starts after the machine sat idle for a few seconds pays that on every huge page.
/// `pbxc check` on the corpus's 1.7 MB dialplan spends 0.01–0.03 s in the kernel when run
/// right after itself and 0.15–0.21 s after 15 s idle; with 4 KB pages, 0.02–0.06 s either
/// way.
///
/// Runs alternating with huge pages allowed (`MIMALLOC_ALLOW_THP=1`), each after 15 s idle, on
/// that dialplan (2026-11-29):
///
/// - the server over its pipes (`cargo bench -p pbxc-lsp --bench stdio -- 60`, eight runs
///   each, three more of the first analysis): the first analysis took 265–414 ms with huge
///   pages and 94–140 ms without; edits 17.8–24.6 and 18.8–24.1 ms (medians; one run at
///   32.6 ms without them, when the other's runs were slow too); the worst edit 92–156 and
///   34–53 ms; the peak 170–177 and 146–151 MB;
/// - in the process (`--bench edit -- 60`, three runs each, 5 s idle): the first analysis
///   254–295 and 98–104 ms, edits 16.5–19.9 and 19.3–21.7 ms, their worst 44–47 and
///   25–39 ms. Without huge pages an edit costs about 2 ms more (a TLB entry then maps 4 KB
///   rather than 2 MB), the first analysis and the worst edit a good deal less;
/// - `pbxc check` after 15 s idle: 0.28–0.46 s with huge pages (0.20–0.34 s of it in the
///   kernel) and 0.18–0.24 s without, 97–101 MB and 67–73 MB.
///
/// The setting is kept across `exec` ([`apply`]), so it holds for the server that answers,
/// and is inherited by every process started from this one. Where the user set mimalloc's own
/// option (`MIMALLOC_ALLOW_THP`, under any case), the process's setting is left as it was
/// found (mimalloc then follows the option; a parent that turned huge pages off still has them
/// off here).
pub fn no_huge_pages() -> Option<std::io::Error> {
    #[cfg(target_os = "linux")]
    {
        let chosen =
            std::env::vars_os().any(|(name, _)| name.eq_ignore_ascii_case("MIMALLOC_ALLOW_THP"));
        if !chosen && let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
            return Some(e.into());
        }
    }
    None
}

/// Touches about `bytes` of memory the allocator has not yet handed out, on this thread, and
/// gives it back; returns how much it touched. With [`SETTINGS`] the allocator keeps what was
/// freed, so the memory stays mapped for what this thread allocates next.
///
/// Why: after a root's first analysis, the first edits of a large file fill memory the
/// process never touched, a page fault per 4 KB page, and on a virtual machine each fault is
/// dear. In steady state an edit reuses what the edit before last freed. On the corpus's
/// 1.7 MB dialplan over stdio (`--bench stdio`, 2026-11-30), the first edit took 5,400–6,300
/// more page faults than the later ones and 32–38 ms against their 18–20 ms. The world calls
/// this after a large root's first analysis, before its diagnostics go out (see its
/// `PREFAULT_PER_BYTE`): the faults are then taken where the budget is 300 ms, not 30.
///
/// Half is touched as small blocks of the sizes a check allocates and half as 4 MB blocks
/// (the lists of a file's lines, settings and diagnostics are one allocation each); both
/// halves were needed to spare most of the faults.
pub fn prefault(bytes: usize) -> usize {
    const SMALL: [usize; 11] = [16, 32, 48, 64, 96, 128, 256, 512, 1024, 4096, 65536];
    const LARGE: usize = 4 << 20;
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut touched = 0;
    for &size in SMALL.iter().cycle() {
        if touched >= bytes / 2 {
            break;
        }
        blocks.push(vec![1; size]);
        touched += size;
    }
    while touched < bytes {
        blocks.push(vec![1; LARGE]);
        touched += LARGE;
    }
    // Kept until here, as an optimizer may drop an allocation that nothing reads.
    std::hint::black_box(&blocks);
    drop(blocks);
    touched
}

/// The settings: never give memory back to the system.
pub const SETTINGS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "-1")];

/// Other names mimalloc reads the same option under (it compares names without regard to
/// case): a value set under any of them is the user's, and is kept.
const ALSO_READ_AS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY")];

/// Turns huge pages off ([`no_huge_pages`]), then executes the running program again with
/// [`SETTINGS`] in its environment, unless each is set already (by the first execution, or by
/// a user who chose a value of their own, which is kept). Returns only when it did not execute
/// again, with the reason if something failed; the server then runs with mimalloc's defaults
/// for what failed.
pub fn apply() -> Option<std::io::Error> {
    let huge_pages = no_huge_pages();
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
        return huge_pages;
    }
    exec_again(&missing).or(huge_pages)
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
