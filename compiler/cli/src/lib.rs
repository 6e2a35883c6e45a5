//! The `pbxc` command: a thin shell over the compiler front end.

pub mod call;
pub mod explain;

pub use pbxc_project::{check, disk};
