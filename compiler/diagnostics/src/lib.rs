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
pub mod suggest;
pub mod suppress;

pub use diagnostic::{Code, Diagnostic, Edit, Fix, Label, Severity};
pub use line_index::{LineCol, LineIndex};
pub use source::{FileId, SourceFile, SourceSet, TextRange};

/// Declares diagnostic codes as constants plus an `ALL` slice, one line of docs each:
/// `CONST = "ID" "kebab-name" Severity "summary";`.
#[macro_export]
macro_rules! define_codes {
    ($($konst:ident = $id:literal $name:literal $sev:ident $summary:literal;)*) => {
        $(pub const $konst: $crate::Code = $crate::Code {
            id: $id,
            name: $name,
            severity: $crate::Severity::$sev,
            summary: $summary,
        };)*
        pub const ALL: &[$crate::Code] = &[$($konst),*];
    };
}
