//! `pbx-lsp`: the language server on stdio (the same as `pbxc lsp`).

fn main() -> std::process::ExitCode {
    match pbxc_lsp::run_stdio() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pbx-lsp: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
