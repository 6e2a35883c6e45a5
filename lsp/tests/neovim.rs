//! End to end with a real editor: Debian's neovim, headless, configured with nothing but the
//! README's snippet, opens extensions.conf; the snippet starts the server (`pbxc lsp`, here
//! `pbx-lsp` under that name) with neovim's own LSP client, and the test reads back what the
//! editor got: the diagnostics, a definition location, and the buffer after formatting.
//!
//! Needs `nvim` (0.7 or newer): `.ci/run` installs it and runs this with
//! `--features neovim`.

#![cfg(feature = "neovim")]

mod support;

use std::path::Path;
use std::process::Command;

use support::Dir;

const EXTENSIONS: &str = "\
[globals]
TRUNK=PJSIP/trunk

[from-phones]
exten => 100,1,Dail(PJSIP/100)
 same => n,Goto(sub,s,start)
exten => 200,1,NoOp (hello)

[sub]
exten => s,1(start),Answer()
 same => n,Return()
";

/// Run once the file is open: what the editor received, one fact per line.
const PROBE: &str = r#"
local out = {}
local function emit(s) table.insert(out, s) end
emit('diagnostics arrived: ' .. tostring(vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)))
for _, d in ipairs(vim.diagnostic.get(0)) do
  emit(string.format('diagnostic %s %d:%d', d.code, d.lnum, d.col))
end
-- On `sub` of `Goto(sub,s,start)`.
local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 5, character = 17 } }
for _, r in pairs(vim.lsp.buf_request_sync(0, 'textDocument/definition', params, 10000) or {}) do
  for _, loc in ipairs(r.result or {}) do
    emit(string.format('definition %s %d:%d', vim.uri_to_fname(loc.uri), loc.range.start.line, loc.range.start.character))
  end
end
if vim.lsp.buf.format then vim.lsp.buf.format({ timeout_ms = 10000 }) else vim.lsp.buf.formatting_sync(nil, 10000) end
for _, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do emit('| ' .. l) end
vim.fn.writefile(out, 'seen.txt')
vim.cmd('qa!')
"#;

/// The Lua block of the README's Neovim section.
fn readme_snippet() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = &readme[readme
        .find("### Neovim")
        .expect("the README has a Neovim section")..];
    let start = section.find("```lua\n").expect("a Lua block") + "```lua\n".len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

#[test]
fn neovim_with_the_readme_snippet_shows_diagnostics_jumps_and_formats() {
    let dir = Dir::new(&[("extensions.conf", EXTENSIONS), ("probe.lua", PROBE)]);
    let config = dir.file("config");
    std::fs::create_dir_all(config.join("nvim")).unwrap();
    std::fs::write(config.join("nvim/init.lua"), readme_snippet()).unwrap();
    // The snippet runs `pbxc lsp`: a `pbxc` on the PATH that is this crate's server.
    let bin = dir.file("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_pbx-lsp"), bin.join("pbxc")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut nvim = Command::new("nvim")
        .args([
            "--headless",
            "-i",
            "NONE",
            "-n",
            "extensions.conf",
            "-c",
            "luafile probe.lua",
        ])
        .env("XDG_CONFIG_HOME", &config)
        .env("XDG_DATA_HOME", dir.file("data"))
        .env("XDG_STATE_HOME", dir.file("state"))
        .env("PATH", path)
        .current_dir(&dir.path)
        .spawn()
        .expect("nvim is installed (Debian's neovim)");
    // A server that never answers must fail the test, not hang it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = nvim.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("neovim did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
    let seen = std::fs::read_to_string(dir.file("seen.txt")).expect("neovim wrote what it saw");
    let lines: Vec<&str> = seen.lines().collect();

    assert_eq!(lines[0], "diagnostics arrived: true", "{seen}");
    let mut diagnostics: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("diagnostic "))
        .copied()
        .collect();
    diagnostics.sort();
    assert_eq!(
        diagnostics,
        ["diagnostic DP204 6:15", "diagnostic DP301 4:15"],
        "{seen}"
    );

    let definition = format!("definition {} 8:1", dir.file("extensions.conf").display());
    assert!(lines.contains(&definition.as_str()), "{seen}");

    let buffer: String = lines
        .iter()
        .filter_map(|l| l.strip_prefix("| "))
        .map(|l| format!("{l}\n"))
        .collect();
    let formatted = String::from_utf8(pbxc_fmt::format(EXTENSIONS.as_bytes())).unwrap();
    assert_ne!(
        formatted, EXTENSIONS,
        "the fixture is not in the canonical layout"
    );
    assert_eq!(buffer.trim_end(), formatted.trim_end(), "{seen}");
}
