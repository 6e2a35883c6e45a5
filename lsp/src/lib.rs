//! The language server for Asterisk dialplans and configuration files (`pbxc lsp`).
//!
//! Everything `pbxc check` knows, as the user types: the same loading, the same rules and
//! codes, the same suppressions, over a salsa database so an edit recomputes only what read
//! the edited file. Reading order:
//!
//! - [`db`]: the database — files and directory listings as inputs, parse and check as
//!   tracked queries;
//! - [`analysis`]: one root's check result and the index of definitions and uses;
//! - [`world`]: the server's state — buffers, which root covers a file, what to publish;
//! - [`features`]: one module per editor feature;
//! - [`publish`]: each file's diagnostics as the frame the server writes, made from the JSON
//!   of the ones before;
//! - [`server`]: the protocol layer (tower-lsp-server) over stdio, and [`outbox`], the one
//!   writer of stdout.
//!
//! [`allocator`] holds the settings the server's process runs with.
//!
//! The crate stands on the compiler's front end only: no codegen, no runtime.

pub mod allocator;
pub mod analysis;
mod capabilities;
pub mod convert;
pub mod db;
pub mod features;
pub mod frames;
pub mod line;
pub mod outbox;
pub mod publish;
pub mod server;
pub mod world;

pub use world::World;

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client asked the server to shut down, then exited: the process exits with 0.
    ShutDown,
    /// The client exited, or closed the input, without asking first: the process exits with
    /// 1, as the protocol asks.
    Abandoned,
}

/// Serves the language server on standard input and output until the client exits.
pub fn run_stdio() -> std::io::Result<Ending> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // One writer of stdout: the server's frames and the diagnostics written beside it.
    let (outbox, posted) = std::sync::mpsc::channel();
    let writer = std::thread::Builder::new()
        .name("pbxc-lsp-write".into())
        .spawn(move || outbox::write(posted, std::io::stdout().lock()))?;
    let shut_down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    runtime.block_on(async {
        let (service, socket) = tower_lsp_server::LspService::build({
            let outbox = outbox.clone();
            move |client| server::Backend::new(client, outbox)
        })
        .custom_method(frames::MALFORMED, server::Backend::malformed)
        .custom_method(frames::DIRECT_METHOD, server::Backend::direct)
        .custom_method("pbxc/status", server::Backend::status)
        .finish();
        // Every frame passes the guard before the server's reader sees it.
        let (checked, input) = tokio::io::duplex(1 << 16);
        let guard = tokio::spawn({
            let shut_down = shut_down.clone();
            async move {
                frames::filter_noting_shutdown(tokio::io::stdin(), checked, &shut_down).await
            }
        });
        let (output, server_frames) = tokio::io::duplex(1 << 16);
        let forward = tokio::spawn(outbox::forward_frames(server_frames, outbox));
        tower_lsp_server::Server::new(input, output, socket)
            .serve(service)
            .await;
        guard.abort();
        // The server's output is closed: what it wrote last still goes out.
        let _ = forward.await;
    });
    let _ = writer.join();
    // The guard's read of stdin sits in a blocking thread that only returns when the client
    // closes its end; after `exit` the server must not wait for that.
    runtime.shutdown_background();
    Ok(if shut_down.load(std::sync::atomic::Ordering::Relaxed) {
        Ending::ShutDown
    } else {
        Ending::Abandoned
    })
}
