//! Diagnostics shared by every pbxc consumer.
//!
//! A [`Diagnostic`] carries a stable [`Code`], a [`Severity`], a primary [`Label`] and any
//! number of secondary labels (possibly in other files), optional help text and an optional
//! machine-applicable [`Fix`]. Spans are byte ranges into a file named by a [`FileId`]; the
//! [`SourceSet`] maps ids to paths and text so renderers can turn offsets into lines and
//! columns.
//!
//! The renderers in [`render`] produce the formats `pbxc check --format` offers.

mod diagnostic;
mod line_index;
pub mod render;
mod source;
pub mod suppress;

pub use diagnostic::{Code, Diagnostic, Edit, Fix, Label, Severity};
pub use line_index::{LineCol, LineIndex};
pub use source::{FileId, SourceFile, SourceSet, TextRange};
