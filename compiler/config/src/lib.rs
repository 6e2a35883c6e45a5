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
pub mod voicemail;

pub use load::{LoadOptions, MAX_INCLUDE_DEPTH, MAX_LOADS, MAX_STATEMENTS, RootError, Session};
pub use model::{Category, Config, Include, Origin, Origins, Variable};
pub use provider::{DirEntry, ExecOutput, LoadError, MemoryFs, SourceProvider};

use std::path::Path;

use pbxc_diagnostics::Code;

/// Whether asterisk.conf in `dir` sets `execincludes` in `[options]` (false when there is no
/// such file). Its own diagnostics are not kept: asterisk.conf is checked as a file of its own.
pub fn exec_includes(provider: &dyn SourceProvider, dir: &Path) -> bool {
    asterisk_settings(provider, dir)
        .iter()
        .rev()
        .find(|(section, name, _)| {
            section.eq_ignore_ascii_case(b"options") && name.eq_ignore_ascii_case(b"execincludes")
        })
        .is_some_and(|(_, _, value)| is_true(value))
}

/// asterisk.conf's settings in `dir`, as (section, name, value) in file order: what
/// `main/options.c` reads at startup, which browses, for each section name, the first
/// section of that name (any case) that is not a template. Empty when there is no such file.
pub fn asterisk_settings(
    provider: &dyn SourceProvider,
    dir: &Path,
) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    file_settings(provider, dir, known::ASTERISK_CONF)
}

/// The settings of configuration file `file` in `dir` (cdr.conf), read as
/// [`asterisk_settings`] reads asterisk.conf.
pub fn file_settings(
    provider: &dyn SourceProvider,
    dir: &Path,
    file: &str,
) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    load_alone(provider, dir, file).map_or_else(Vec::new, |config| settings(&config))
}

/// The settings of configuration file `file` in `dir` as [`every_setting`] gives them
/// (none when the file cannot be read, or Asterisk would reject it).
pub fn file_every_setting(
    provider: &dyn SourceProvider,
    dir: &Path,
    file: &str,
) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    match load_alone(provider, dir, file) {
        Some(config) if !config.rejected => every_setting(&config),
        _ => Vec::new(),
    }
}

/// `file` of configuration directory `dir`, loaded on its own (no `#exec`).
fn load_alone(provider: &dyn SourceProvider, dir: &Path, file: &str) -> Option<Config> {
    let mut probe = Session::new(
        provider,
        LoadOptions {
            config_dir: dir.to_path_buf(),
            exec_includes: false,
        },
    );
    probe.load(file).ok()
}

/// The settings of every category that is not a template, as (section, name, value) in
/// file order, a category repeated further down included: what `ast_category_browse`
/// walks (app_voicemail.c's mailboxes).
pub fn every_setting(config: &Config) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
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

/// The settings of a loaded file as (section, name, value), in file order, each section
/// name browsed once (its first, non-template, category), as Asterisk's modules browse
/// them.
pub fn settings(config: &Config) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut browsed: Vec<&[u8]> = Vec::new();
    let mut out = Vec::new();
    for c in config.categories.iter().filter(|c| !c.template) {
        if browsed.iter().any(|b| b.eq_ignore_ascii_case(&c.name)) {
            continue;
        }
        browsed.push(&c.name);
        out.extend(
            c.variables
                .iter()
                .map(|v| (c.name.to_vec(), v.name.to_vec(), v.value.to_vec())),
        );
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Asterisk browses the first section of a name (any case) that is not a template.
    #[test]
    fn asterisk_settings_are_those_of_the_first_section_of_each_name() {
        let mut fs = MemoryFs::new();
        fs.insert(
            "/etc/asterisk/asterisk.conf",
            "[options](!)\nexecincludes=no\n[options]\nsystemname=a\nexecincludes=yes\n\
             [Options]\nsystemname=b\nexecincludes=no\n[directories]\nastetcdir=/x\n",
        );
        let dir = Path::new("/etc/asterisk");
        let settings: Vec<(String, String, String)> = asterisk_settings(&fs, dir)
            .into_iter()
            .map(|(s, n, v)| {
                let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
                (text(s), text(n), text(v))
            })
            .collect();
        let want = [
            ("options", "systemname", "a"),
            ("options", "execincludes", "yes"),
            ("directories", "astetcdir", "/x"),
        ]
        .map(|(s, n, v)| (s.to_string(), n.to_string(), v.to_string()));
        assert_eq!(settings, want);
        assert!(exec_includes(&fs, dir));
        assert!(asterisk_settings(&MemoryFs::new(), dir).is_empty());
    }
}
