//! `pbx-lsp`: the language server on stdio (the same as `pbxc lsp`).

/// A check allocates and frees a great many small things; mimalloc does that in two thirds of
/// the time glibc's allocator takes (lsp/benches/edit.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    if let Some(e) = pbxc_lsp::allocator::apply() {
        eprintln!("pbx-lsp: running with the allocator's defaults: {e}");
    }
    match pbxc_lsp::run_stdio() {
        Ok(pbxc_lsp::Ending::ShutDown) => std::process::ExitCode::SUCCESS,
        Ok(pbxc_lsp::Ending::Abandoned) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pbx-lsp: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
