//! extensions.conf semantics (`pbx/pbx_config.c` and the registration half of `main/pbx.c`):
//! [`lower`] turns the resolved configuration into the [`Dialplan`] Asterisk would register,
//! exactly (per-section `n` counters, first-definition-wins duplicates, aliased patterns,
//! the application/data split quirks), with diagnostics for every line it drops or
//! misreads. [`dump`] prints it the way `dialplan save` does.

pub mod codes;
mod dump;
mod lower;
mod model;
pub mod pattern;
pub mod route;
mod subst;

pub use dump::dump;
pub use lower::lower;
pub use model::{Context, Dialplan, Extension, General, Global, HINT, Include, Priority, Switch};
pub use subst::substitute;
