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

/// Runs `command` with `/bin/sh -c`, as `popen` does, and returns what `shell_helper`
/// keeps of its standard output: each line up to its first NUL (`strncat` stops there),
/// 4095 bytes in all. Its standard error goes where the PBX's goes, as with `popen`; its
/// standard input is empty rather than the PBX's own, which for a `pbx` run in a terminal
/// is the terminal. The exit status does not matter. `Err` when the shell cannot start.
pub(crate) fn run(command: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(command))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let output = match child.stdout.take() {
        Some(stdout) => kept_output(stdout),
        None => Ok(Vec::new()),
    };
    // `pclose`: the shell is reaped even when reading failed.
    child.wait()?;
    output
}

fn kept_output(stdout: impl Read) -> std::io::Result<Vec<u8>> {
    let mut reader = BufReader::new(stdout);
    let mut kept = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if (&mut reader).take(LINE).read_until(b'\n', &mut line)? == 0 {
            return Ok(kept);
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
    }
}
