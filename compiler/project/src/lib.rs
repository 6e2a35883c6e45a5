//! Loading a configuration the way Asterisk would — from disk through the input layer — and
//! checking it: what `pbxc check`, `pbxc call` and the `pbx` runtime share.

use std::path::Path;

use pbxc_config::{LoadOptions, Session, SourceProvider};
use pbxc_dialplan::Dialplan;

pub mod check;
pub mod disk;

use check::CannotRun;

/// Loads the dialplan of PATH: a configuration directory (its extensions.conf) or a file.
pub fn load_dialplan(provider: &dyn SourceProvider, path: &Path) -> Result<Dialplan, CannotRun> {
    let (dir, name) = if provider.list_dir(path).is_ok() {
        (path.to_path_buf(), "extensions.conf".to_string())
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CannotRun(format!("{}: not a file name", path.display())))?;
        (path.parent().unwrap_or(Path::new("")).to_path_buf(), name)
    };
    let exec_includes = pbxc_config::exec_includes(provider, &dir);
    let mut session = Session::new(
        provider,
        LoadOptions {
            config_dir: dir,
            exec_includes,
        },
    );
    let config = session.load(&name).map_err(|e| CannotRun(e.to_string()))?;
    if config.rejected {
        return Err(CannotRun(format!(
            "{}: Asterisk would reject this file (run `pbxc check` to see why)",
            path.display()
        )));
    }
    Ok(pbxc_dialplan::lower(&config, session.sources()).0)
}
