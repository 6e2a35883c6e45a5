//! The input layer on a real file system. This is the only place the checker touches disk.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use pbxc_config::{DirEntry, ExecOutput, LoadError, SourceProvider};

/// Files larger than this are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 1 << 30;

pub struct DiskFs {
    /// Run `#exec` commands (only with `--allow-exec`).
    pub allow_exec: bool,
}

fn describe(e: &std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Unreadable(e.to_string()),
    }
}

impl SourceProvider for DiskFs {
    fn read(&self, path: &Path) -> Result<Arc<[u8]>, LoadError> {
        let meta = std::fs::metadata(path).map_err(|e| describe(&e))?;
        if !meta.is_file() {
            return Err(LoadError::NotAFile);
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(LoadError::Unreadable(format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                meta.len()
            )));
        }
        std::fs::read(path).map(Arc::from).map_err(|e| describe(&e))
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, LoadError> {
        let entries = std::fs::read_dir(dir).map_err(|e| describe(&e))?;
        Ok(entries
            .filter_map(Result::ok)
            .map(|e| DirEntry {
                name: e.file_name().to_string_lossy().into_owned(),
                // Follows symlinks, as glob(3) does.
                is_dir: e.path().is_dir(),
            })
            .collect())
    }

    fn exec(&self, command: &str) -> Option<Result<ExecOutput, String>> {
        if !self.allow_exec {
            return None;
        }
        // Asterisk runs `command 2>&1 > tmpfile` through the shell: the file (standard
        // output) is included, standard error goes to its log.
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .output();
        Some(match out {
            Ok(o) => {
                let mut problems = Vec::new();
                let stderr = String::from_utf8_lossy(&o.stderr);
                if !stderr.trim().is_empty() {
                    problems.push(format!("standard error: {}", stderr.trim()));
                }
                if !o.status.success() {
                    problems.push(format!("it exited with {}", o.status));
                }
                Ok(ExecOutput {
                    stdout: o.stdout,
                    problem: (!problems.is_empty()).then(|| problems.join("; ")),
                })
            }
            Err(e) => Err(e.to_string()),
        })
    }
}
