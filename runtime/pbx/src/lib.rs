//! The pbx runtime: a checked dialplan running on real channels.
//!
//! Reading order: [`channel`] (the API every driver implements and every application
//! drives), [`media`] (the 20 ms clock that plays prompts and music), [`pbx`] (the running
//! PBX: the dialplan swapped whole on reload, a thread per call running the engine),
//! `apps` and `dial` (the applications that do I/O), [`modules`] (load/unload/reload hooks,
//! and the drivers they provide: [`local`], [`scripted`]), [`program`] (a checked dialplan or
//! artifact, ready to run), [`control`] (the commands of `pbx -rx` and the socket they travel
//! on), and [`unit`] (`pbxc test`).

pub mod channel;
pub mod control;
pub mod local;
pub mod media;
pub mod modules;
pub mod pbx;
pub mod program;
pub mod scripted;
pub mod unit;

mod apps;
mod cdr;
mod dial;
mod drivers;
mod embedded;
mod shell;
mod voicemail;

pub use pbx::{Options, Pbx, Start};
pub use program::Source;
