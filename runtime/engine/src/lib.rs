//! The reference interpreter: a call runs through a [`pbxc_dialplan::Dialplan`] exactly as
//! Asterisk's `__ast_pbx_run` would run it — routing (`pbxc_dialplan::route`), substitution of
//! `${...}` ([`subst`]), `$[...]` expressions, and the applications that only move the call or
//! change its variables. Applications that need a real channel go through [`Channel`], which
//! the runtime implements; offline, [`SimulatedChannel`] answers at once.
//!
//! It is the executable specification: the JIT must produce the same trace on every test.

mod apps;
pub mod args;
pub mod attributes;
mod call;
pub mod callerid;
mod cdr;
mod channel;
mod clock;
mod db;
pub mod dial_times;
mod environment;
mod expr;
pub mod generate;
pub mod groups;
mod jit;
mod native;
pub mod party;
mod scope;
pub mod shared;
pub mod subst;
pub mod system;
mod text;
pub mod vars;
pub mod voicemail;

pub use attributes::Attributes;
pub use call::{Call, Engine, Exception, Executed, LoadedModules, Outcome};
pub use cdr::Command as CdrCommand;
pub use channel::{AppResult, Channel, Reach, SimulatedChannel};
pub use clock::{Clock, system_time};
pub use jit::CompiledAll;
pub use native::{Share, native_share};
pub use pbx_astdb::AstDb;
/// The compiled functions of chain shapes, shared by engines ([`Engine::enable_jit_sharing`]).
pub use pbxc_codegen::Compiler as JitCompiler;
pub use pbxc_dialplan::route_index::RouteIndex;
