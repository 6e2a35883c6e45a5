//! A loaded dialplan: checked, lowered, with the routing index every call shares.
//!
//! Loading is the whole of invariant 6's "off to the side": a configuration is parsed,
//! checked and lowered here, and only a clean result becomes a [`Program`]; the running PBX
//! swaps it in whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbx_engine::RouteIndex;
use pbxc_config::SourceProvider;
use pbxc_diagnostics::Severity;
use pbxc_dialplan::Dialplan;

self_cell::self_cell!(
    struct Cell {
        owner: Dialplan,
        #[covariant]
        dependent: RouteIndex,
    }
);

/// A dialplan ready to run, shared by every call that started on it.
pub struct Program {
    cell: Cell,
    /// Music-on-hold classes: name → directory of sound files.
    pub moh_classes: Vec<(String, PathBuf)>,
}

impl Program {
    pub fn plan(&self) -> &Dialplan {
        self.cell.borrow_owner()
    }

    /// Runs `f` with the dialplan and its routing index.
    pub fn with<R>(&self, f: impl FnOnce(&Dialplan, &RouteIndex<'_>) -> R) -> R {
        f(self.cell.borrow_owner(), self.cell.borrow_dependent())
    }
}

/// Where a configuration comes from.
#[derive(Clone)]
pub enum Source {
    /// A configuration directory on disk.
    Dir(PathBuf),
    /// The example built into the binary.
    Embedded,
}

/// Files of `examples/demo` compiled into the binary, so `pbx` with no argument runs it on a
/// machine with nothing else.
pub const EMBEDDED_ROOT: &str = "/embedded/demo";
pub const EMBEDDED_CONFIG: &[(&str, &[u8])] = &[
    (
        "asterisk.conf",
        include_bytes!("../../../examples/demo/asterisk.conf"),
    ),
    (
        "extensions.conf",
        include_bytes!("../../../examples/demo/extensions.conf"),
    ),
    (
        "musiconhold.conf",
        include_bytes!("../../../examples/demo/musiconhold.conf"),
    ),
    (
        "pjsip.conf",
        include_bytes!("../../../examples/demo/pjsip.conf"),
    ),
];

impl Source {
    pub fn dir(&self) -> PathBuf {
        match self {
            Source::Dir(dir) => dir.clone(),
            Source::Embedded => PathBuf::from(EMBEDDED_ROOT),
        }
    }

    fn provider(&self) -> Box<dyn SourceProvider> {
        match self {
            Source::Dir(_) => Box::new(pbxc_project::disk::DiskFs { allow_exec: false }),
            Source::Embedded => {
                let mut fs = pbxc_config::MemoryFs::new();
                for (name, text) in EMBEDDED_CONFIG {
                    fs.insert(Path::new(EMBEDDED_ROOT).join(name), text.to_vec());
                }
                Box::new(fs)
            }
        }
    }

    /// Parses, checks and lowers the configuration: `Err` with the reasons when the check
    /// reports an error (the runtime refuses what `pbxc check` refuses).
    pub fn load(&self) -> Result<Program, String> {
        let provider = self.provider();
        let dir = self.dir();
        let report = pbxc_project::check::check(
            &*provider,
            std::slice::from_ref(&dir),
            pbxc_check::Target::Pbx,
        )
        .map_err(|e| e.to_string())?;
        let errors: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect();
        if !errors.is_empty() || report.rejected {
            let mut text = Vec::new();
            let _ = pbxc_diagnostics::render::render(
                &pbxc_diagnostics::render::Format::Human { color: false },
                &errors,
                &report.sources,
                &[],
                &mut text,
            );
            return Err(format!(
                "{} refused: {} error(s) (`pbxc check {}` shows them)\n{}",
                dir.display(),
                errors.len(),
                dir.display(),
                String::from_utf8_lossy(&text).trim_end()
            ));
        }
        let plan = pbxc_project::load_dialplan(&*provider, &dir).map_err(|e| e.to_string())?;
        let moh_classes = music_classes(&*provider, &dir);
        Ok(Program {
            cell: Cell::new(plan, |plan| RouteIndex::new(plan)),
            moh_classes,
        })
    }
}

/// `musiconhold.conf`'s `mode = files` classes and their directories (relative ones below
/// the configuration directory).
fn music_classes(provider: &dyn SourceProvider, dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(text) = provider.read(&dir.join("musiconhold.conf")) else {
        return Vec::new();
    };
    let mut classes = Vec::new();
    let mut class: Option<String> = None;
    for line in String::from_utf8_lossy(&text).lines() {
        let line = line.split(';').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            class = Some(name.trim().to_string());
        } else if let (Some(class), Some((key, value))) = (&class, line.split_once('=')) {
            let value = value.trim_start_matches('>').trim();
            if key.trim().eq_ignore_ascii_case("directory") {
                classes.push((class.clone(), dir.join(value)));
            }
        }
    }
    classes
}

pub type Shared = Arc<Program>;
