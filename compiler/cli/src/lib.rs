//! The `pbxc` command: a thin shell over the compiler front end.

pub mod call;
pub mod check;
pub mod disk;
pub mod explain;
