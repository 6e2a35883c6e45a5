//! extensions.conf semantics (`pbx/pbx_config.c` and the registration half of `main/pbx.c`):
//! [`lower`] turns the resolved configuration into the [`Dialplan`] Asterisk would register,
//! exactly (per-section `n` counters, first-definition-wins duplicates, aliased patterns,
//! the application/data split quirks), with diagnostics for every line it drops or
//! misreads. [`dump`] prints it the way `dialplan save` does.

pub mod args;
pub mod codes;
mod dump;
mod lower;
mod memo;
mod model;
pub mod pattern;
pub mod route;
pub mod route_index;
mod subst;
pub mod timing;

pub use args::{Arg, Argument, Step, split_args};
pub use dump::dump;
pub use lower::{lower, pbx_strsep};
pub use memo::{Free, LowerMemo};
pub use model::{
    Bytes, Context, Dialplan, Extension, General, Global, HINT, Include, Priority, Switch,
};
pub use subst::substitute;

/// Lowers one extensions.conf given as text, with nothing to include: for tools and tests.
pub fn lower_text(text: &[u8]) -> (Dialplan, Vec<pbxc_diagnostics::Diagnostic>) {
    let mut fs = pbxc_config::MemoryFs::new();
    fs.insert("/etc/asterisk/extensions.conf", text.to_vec());
    let mut session = pbxc_config::Session::new(&fs, pbxc_config::LoadOptions::etc_asterisk());
    let Ok(config) = session.load("extensions.conf") else {
        return (Dialplan::default(), session.diagnostics());
    };
    let (plan, more) = lower(&config, session.sources());
    session.add_diagnostics(more);
    (plan, session.diagnostics())
}
