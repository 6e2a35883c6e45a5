//! A loaded dialplan: checked, lowered, with the routing index every call shares.
//!
//! Loading is the whole of invariant 6's "off to the side": a configuration is parsed,
//! checked and lowered here, and only a clean result becomes a [`Program`]; the running PBX
//! swaps it in whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pbx_engine::RouteIndex;
use pbxc_config::SourceProvider;
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
    /// voicemail.conf's mailboxes, and the spool their messages go to once the PBX has
    /// said where ([`Program::with_spool`]).
    pub voicemail: Arc<pbx_voicemail::Voicemail>,
    /// The functions compiled for the native code of its calls' loops, each compiled once
    /// for all of them; the code generator is made when a call first needs it, and freed
    /// with the dialplan once its last call is over.
    pub jit: pbx_engine::JitCompiler,
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

/// asterisk.conf's settings as (section, key, value), lower-case names, as Asterisk browses
/// them ([`pbxc_config::asterisk_settings`]); empty when there is no such file.
pub fn asterisk_conf(source: &Source) -> Vec<(String, String, String)> {
    conf_settings(source, "asterisk.conf")
}

/// The settings of configuration file `file` (cdr.conf) as `asterisk_conf` gives asterisk.conf's.
pub fn conf_settings(source: &Source, file: &str) -> Vec<(String, String, String)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    pbxc_config::file_settings(&*source.provider(), &source.dir(), file)
        .into_iter()
        .map(|(section, name, value)| {
            (
                text(&section).to_ascii_lowercase(),
                text(&name).to_ascii_lowercase(),
                text(&value),
            )
        })
        .collect()
}

/// Where a configuration comes from.
#[derive(Clone)]
pub enum Source {
    /// A configuration directory on disk.
    Dir(PathBuf),
    /// The example built into the binary.
    Embedded,
    /// An artifact written by `pbxc build`; sounds and the run directory sit beside it.
    Artifact(PathBuf),
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
        "cdr.conf",
        include_bytes!("../../../examples/demo/cdr.conf"),
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
    /// `--config PATH`: an artifact when PATH is a file that is one, else a directory.
    pub fn from_path(path: &Path) -> Source {
        let is_artifact = path.is_file()
            && std::fs::File::open(path)
                .and_then(|mut f| {
                    let mut magic = [0u8; 8];
                    std::io::Read::read_exact(&mut f, &mut magic).map(|()| magic)
                })
                .is_ok_and(|magic| pbxc_artifact::is_artifact(&magic));
        if is_artifact {
            Source::Artifact(path.to_path_buf())
        } else {
            Source::Dir(path.to_path_buf())
        }
    }

    /// The configuration directory: sounds, music and the run directory are found from it.
    pub fn dir(&self) -> PathBuf {
        match self {
            Source::Dir(dir) => dir.clone(),
            Source::Embedded => PathBuf::from(EMBEDDED_ROOT),
            Source::Artifact(path) => path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        }
    }

    fn provider(&self) -> Box<dyn SourceProvider> {
        match self {
            Source::Dir(_) | Source::Artifact(_) => {
                Box::new(pbxc_project::disk::DiskFs { allow_exec: false })
            }
            Source::Embedded => {
                let mut fs = pbxc_config::MemoryFs::new();
                for (name, text) in EMBEDDED_CONFIG {
                    fs.insert(Path::new(EMBEDDED_ROOT).join(name), text.to_vec());
                }
                Box::new(fs)
            }
        }
    }

    /// Parses, checks and lowers the configuration (or reads the artifact): `Err` with the
    /// reasons when the check reports an error — the runtime refuses what `pbxc check`
    /// refuses.
    pub fn load(&self) -> Result<Program, String> {
        let dir = self.dir();
        let built = match self {
            Source::Artifact(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                let artifact =
                    pbxc_artifact::read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                tracing::info!(
                    "{}: artifact {} built by pbxc {}",
                    path.display(),
                    &artifact.hash_hex()[..16],
                    artifact.built_by
                );
                pbxc_project::Built {
                    dialplan: artifact.dialplan,
                    sources: artifact.sources,
                    music: artifact.music,
                }
            }
            _ => pbxc_project::build(&*self.provider(), &dir, pbxc_check::Target::Pbx)
                .map_err(|refused| refused.explain(&dir))?,
        };
        let moh_classes = built
            .music
            .into_iter()
            .map(|(class, relative)| (class, dir.join(relative)))
            .collect();
        let settings = pbxc_config::file_every_setting(&*self.provider(), &dir, "voicemail.conf");
        let config = pbx_voicemail::Config::from_settings(
            settings
                .iter()
                .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
        );
        for line in &config.log {
            tracing::warn!("voicemail.conf: {line}");
        }
        for format in &config.general.formats {
            if crate::voicemail::writable(format).is_none() {
                tracing::warn!(
                    "voicemail.conf: pbx cannot write format '{format}'; messages are kept in the others"
                );
            }
        }
        Ok(Program {
            cell: Cell::new(built.dialplan, |plan| RouteIndex::new(plan)),
            moh_classes,
            jit: pbx_engine::JitCompiler::lazy(),
            voicemail: Arc::new(pbx_voicemail::Voicemail {
                config,
                spool: None,
            }),
        })
    }
}

impl Program {
    /// The program with its voicemail kept below `dir` (`<astspooldir>/voicemail`).
    pub fn with_spool(mut self, dir: PathBuf) -> Program {
        let config = match Arc::try_unwrap(std::mem::take(&mut self.voicemail)) {
            Ok(voicemail) => voicemail.config,
            Err(shared) => shared.config.clone(),
        };
        self.voicemail = Arc::new(pbx_voicemail::Voicemail {
            config,
            spool: Some(pbx_voicemail::Spool::new(dir)),
        });
        self
    }
}

pub type Shared = Arc<Program>;
