//! `build` runs what it checked: a file that changes between the check and the load (an
//! editor saving during a reload) is read once.

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

use pbxc_config::{DirEntry, LoadError, MemoryFs, SourceProvider};

/// extensions.conf reads clean the first time, broken afterwards.
struct Changing {
    fs: MemoryFs,
    reads: Cell<u32>,
}

impl SourceProvider for Changing {
    fn read(&self, path: &Path) -> Result<Arc<[u8]>, LoadError> {
        if path.ends_with("extensions.conf") {
            self.reads.set(self.reads.get() + 1);
            if self.reads.get() > 1 {
                return Ok(Arc::from(&b"[in]\nexten => 1,1,NoOp(${broken)\n"[..]));
            }
        }
        self.fs.read(path)
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, LoadError> {
        self.fs.list_dir(dir)
    }
}

#[test]
fn the_dialplan_built_is_the_one_checked() {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/conf/extensions.conf",
        b"[in]\nexten => 1,1,NoOp(checked)\n".to_vec(),
    );
    let provider = Changing {
        fs,
        reads: Cell::new(0),
    };
    let Ok(built) = pbxc_project::build(&provider, Path::new("/conf"), pbxc_check::Target::Pbx)
    else {
        panic!("refused");
    };
    assert_eq!(provider.reads.get(), 1);
    assert_eq!(
        built.dialplan.contexts[0].extensions[0].priorities[0].data[..],
        b"checked"[..]
    );
}
