//! The resolved view of Asterisk configuration files.
//!
//! A [`Session`] reads files through a [`SourceProvider`] (the input layer: disk for the CLI,
//! buffers for the language server, memory for tests), parses each once into its lossless
//! tree, and builds for each requested file the [`Config`] Asterisk would hold: `#include`s
//! inlined (globs, depth limit, the includer's current section), templates and inheritance
//! copied, `(+)` appends merged, `+=` concatenated. Every section and value keeps its
//! [`Origin`]. Diagnostics carry the same meaning as Asterisk's log lines, plus what Asterisk
//! does silently.

pub mod codes;
pub mod fixture;
pub mod glob;
pub mod known;
mod load;
mod model;
mod provider;

pub use load::{LoadOptions, MAX_INCLUDE_DEPTH, MAX_LOADS, MAX_STATEMENTS, RootError, Session};
pub use model::{Category, Config, Include, Origin, Variable};
pub use provider::{DirEntry, ExecOutput, LoadError, MemoryFs, SourceProvider};

use std::path::Path;

use pbxc_diagnostics::Code;

/// Whether asterisk.conf in `dir` sets `execincludes` in `[options]` (false when there is no
/// such file). Its own diagnostics are not kept: asterisk.conf is checked as a file of its own.
pub fn exec_includes(provider: &dyn SourceProvider, dir: &Path) -> bool {
    let mut probe = Session::new(
        provider,
        LoadOptions {
            config_dir: dir.to_path_buf(),
            exec_includes: false,
        },
    );
    let Ok(config) = probe.load(known::ASTERISK_CONF) else {
        return false;
    };
    config
        .category(b"options")
        .and_then(|c| {
            c.variables
                .iter()
                .rev()
                .find(|v| v.name.eq_ignore_ascii_case(b"execincludes"))
        })
        .is_some_and(|v| is_true(&v.value))
}

/// asterisk.conf's settings in `dir`, as (section, name, value) in file order: what
/// `main/options.c` reads at startup. Empty when there is no such file.
pub fn asterisk_settings(
    provider: &dyn SourceProvider,
    dir: &Path,
) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut probe = Session::new(
        provider,
        LoadOptions {
            config_dir: dir.to_path_buf(),
            exec_includes: false,
        },
    );
    let Ok(config) = probe.load(known::ASTERISK_CONF) else {
        return Vec::new();
    };
    config
        .categories
        .iter()
        .filter(|c| !c.template)
        .flat_map(|c| {
            c.variables
                .iter()
                .map(|v| (c.name.to_vec(), v.name.to_vec(), v.value.to_vec()))
        })
        .collect()
}

/// Every code the configuration layer (line reader and loader) can report.
pub fn all_codes() -> Vec<Code> {
    pbxc_syntax::codes::ALL
        .iter()
        .chain(codes::ALL)
        .copied()
        .collect()
}

/// Asterisk's `ast_true`.
pub fn is_true(value: &[u8]) -> bool {
    let v = pbxc_syntax::strip(value).to_ascii_lowercase();
    matches!(v.as_slice(), b"yes" | b"true" | b"y" | b"t" | b"1" | b"on")
}
