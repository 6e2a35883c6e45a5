use std::fmt;

use crate::source::{FileId, TextRange};

/// How bad a finding is. `Error` means Asterisk would reject the input or misbehave for sure;
/// `Warning` mirrors an Asterisk warning or a likely mistake; `Info` is worth knowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable diagnostic code. Codes never change meaning once released; `name` is the
/// kebab-case rule name shown in docs and SARIF, `summary` one line of documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// A span in a file with an optional message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub range: TextRange,
    pub message: Option<String>,
}

impl Label {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Label {
            file,
            range,
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// One text replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub range: TextRange,
    pub replacement: String,
}

/// A suggested change that resolves the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Shared, as is the help: a finding is copied whole after every edit of a large file
    /// (the checker's memo moves the findings of the priorities the edit did not touch).
    pub message: std::sync::Arc<str>,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<std::sync::Arc<str>>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// The same diagnostic with every place it names (its labels and its fix's edits)
    /// [shifted](TextRange::shifted) by `delta`: what an edit before all of them makes of it.
    pub fn shifted(&self, delta: i64) -> Diagnostic {
        let mut d = self.clone();
        d.primary.range = d.primary.range.shifted(delta);
        for label in &mut d.secondary {
            label.range = label.range.shifted(delta);
        }
        if let Some(fix) = &mut d.fix {
            for edit in &mut fix.edits {
                edit.range = edit.range.shifted(delta);
            }
        }
        d
    }

    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>, file: FileId, range: TextRange) -> Self {
        Diagnostic {
            code,
            severity: code.severity,
            message: message.into().into(),
            primary: Label::new(file, range),
            secondary: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = Some(message.into());
        self
    }

    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    /// Adds a line of help; help given twice keeps both, one per line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.help = Some(match self.help.take() {
            Some(before) => format!("{before}\n{help}").into(),
            None => help.into(),
        });
        self
    }

    pub fn with_fix(mut self, description: impl Into<String>, edits: Vec<Edit>) -> Self {
        self.fix = Some(Fix {
            description: description.into(),
            edits,
        });
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn file(&self) -> FileId {
        self.primary.file
    }
}
