//! SHELL's commands (func_shell.c): `popen(command, "r")`, the output read with `fgets`
//! into a 4096-byte line buffer and appended with `strncat` to the function's buffer, then
//! `pclose`. The whole output is read, whatever the buffer keeps, and the shell is always
//! waited for, so no process or pipe outlives the call to the function.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

/// The function's buffer (`VAR_BUF_SIZE`): its text holds one byte less.
const BUFFER: usize = 4096;
/// `fgets(plbuff, 4096, …)`: at most 4095 bytes a line.
const LINE: u64 = 4095;

/// What the shell runs before the command, on the same line (so that its messages still
/// name line 1): Asterisk ignores SIGPIPE, and a program `popen` starts inherits that, so a
/// writer whose reader has gone gets EPIPE (`yes: standard output: Broken pipe`) rather than
/// the signal. Rust's `Command` resets the signal in the child; the shell ignores it again.
const IGNORE_SIGPIPE: &[u8] = b"trap '' PIPE; ";

/// Runs `command` as `popen` does (`sh -c`, the shell named `sh`), and returns what
/// `shell_helper` keeps of its standard output: each line up to its first NUL (`strncat`
/// stops there), 4095 bytes in all; a read that fails ends the output, as `fgets` failing
/// does. Its standard error goes where the PBX's goes, as with `popen`; its standard input
/// is empty rather than the PBX's own, which for a `pbx` run in a terminal is the terminal.
/// The exit status does not matter. `Err` only when the shell cannot start.
pub(crate) fn run(command: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::os::unix::process::CommandExt;
    let script = [IGNORE_SIGPIPE, command].concat();
    let mut child = Command::new("/bin/sh")
        .arg0("sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(&script))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let output = match child.stdout.take() {
        Some(stdout) => kept_output(stdout),
        None => Vec::new(),
    };
    // `pclose`: the shell is reaped, its status not looked at.
    let _ = child.wait();
    Ok(output)
}

fn kept_output(stdout: impl Read) -> Vec<u8> {
    let mut reader = BufReader::new(stdout);
    let mut kept = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if !matches!(
            (&mut reader).take(LINE).read_until(b'\n', &mut line),
            Ok(1..)
        ) {
            return kept;
        }
        let text = line.split(|&b| b == 0).next().unwrap_or_default();
        let room = (BUFFER - 1).saturating_sub(kept.len());
        kept.extend_from_slice(&text[..text.len().min(room)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_kept_as_fgets_and_strncat_keep_it() {
        let run = |c: &str| String::from_utf8(run(c.as_bytes()).unwrap()).unwrap();
        assert_eq!(run("printf 'a\\nb'"), "a\nb");
        // A NUL ends its line's text; the next line is kept.
        assert_eq!(run("printf 'x\\0y\\nz'"), "xz");
        // 4095 bytes at most, however much the command writes (all of which is read).
        assert_eq!(
            run("head -c 100000 /dev/zero | tr '\\0' a"),
            "a".repeat(4095)
        );
        // The status is not looked at; what went to standard error is not kept.
        assert_eq!(run("echo out; echo err >&2; exit 3"), "out\n");
        assert_eq!(run("nosuchcommand-pbxc 2>/dev/null"), "");
        // Standard input is empty.
        assert_eq!(run("wc -c"), "0\n");
        // The shell is `sh`, as popen names it, and the command is its line 1.
        assert_eq!(run("echo $0"), "sh\n");
        assert_eq!(
            run("nosuchcommand-pbxc 2>&1"),
            "sh: 1: nosuchcommand-pbxc: not found\n"
        );
        // SIGPIPE is ignored, as in Asterisk: `yes` hears of its reader's end as an error.
        assert_eq!(
            run("(yes | true) 2>&1"),
            "yes: standard output: Broken pipe\n"
        );
    }
}
