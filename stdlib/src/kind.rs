//! What an argument is: the vocabulary of `syntax:` and `options:` in the catalog.

/// See `catalog/README.md` for the meaning of each.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    Text,
    Int,
    Number,
    Duration,
    DurationMs,
    /// `ast_app_parse_timelen`: a number with an optional unit `h`, `m`, `s` or `ms`;
    /// without one, seconds (`Timelen`) or milliseconds (`TimelenMs`).
    Timelen,
    TimelenMs,
    Digits,
    /// One of these words, compared case-insensitively.
    Enum(Vec<String>),
    Options,
    Goto,
    Gosub,
    GotoCaret,
    GosubCaret,
    Subroutine,
    Context,
    Extension,
    Priority,
    App,
    Cond,
    Expr,
    Timespec,
    File,
    Files,
    Var,
    VarWrite,
    DialTargets,
    Channel,
    MohClass,
    Mailbox,
    ExtenAtContext,
    FamilyKey,
}

impl ArgKind {
    /// Parses a kind as written in the catalog.
    pub fn parse(s: &str) -> Option<ArgKind> {
        Some(match s {
            "text" => ArgKind::Text,
            "int" => ArgKind::Int,
            "number" => ArgKind::Number,
            "duration" => ArgKind::Duration,
            "duration-ms" => ArgKind::DurationMs,
            "timelen" => ArgKind::Timelen,
            "timelen-ms" => ArgKind::TimelenMs,
            "digits" => ArgKind::Digits,
            "options" => ArgKind::Options,
            "goto" => ArgKind::Goto,
            "gosub" => ArgKind::Gosub,
            "goto-caret" => ArgKind::GotoCaret,
            "gosub-caret" => ArgKind::GosubCaret,
            "subroutine" => ArgKind::Subroutine,
            "context" => ArgKind::Context,
            "extension" => ArgKind::Extension,
            "priority" => ArgKind::Priority,
            "app" => ArgKind::App,
            "cond" => ArgKind::Cond,
            "expr" => ArgKind::Expr,
            "timespec" => ArgKind::Timespec,
            "file" => ArgKind::File,
            "files" => ArgKind::Files,
            "var" => ArgKind::Var,
            "var-write" => ArgKind::VarWrite,
            "dial-targets" => ArgKind::DialTargets,
            "channel" => ArgKind::Channel,
            "moh-class" => ArgKind::MohClass,
            "mailbox" => ArgKind::Mailbox,
            "exten-at-context" => ArgKind::ExtenAtContext,
            "family-key" => ArgKind::FamilyKey,
            _ => {
                let words = s.strip_prefix("enum(")?.strip_suffix(')')?;
                let words: Vec<String> = words.split('|').map(str::to_string).collect();
                if words.iter().any(|w| w.is_empty()) {
                    return None;
                }
                ArgKind::Enum(words)
            }
        })
    }

    /// The kind as written in the catalog.
    pub fn name(&self) -> String {
        match self {
            ArgKind::Text => "text".into(),
            ArgKind::Int => "int".into(),
            ArgKind::Number => "number".into(),
            ArgKind::Duration => "duration".into(),
            ArgKind::DurationMs => "duration-ms".into(),
            ArgKind::Timelen => "timelen".into(),
            ArgKind::TimelenMs => "timelen-ms".into(),
            ArgKind::Digits => "digits".into(),
            ArgKind::Enum(words) => format!("enum({})", words.join("|")),
            ArgKind::Options => "options".into(),
            ArgKind::Goto => "goto".into(),
            ArgKind::Gosub => "gosub".into(),
            ArgKind::GotoCaret => "goto-caret".into(),
            ArgKind::GosubCaret => "gosub-caret".into(),
            ArgKind::Subroutine => "subroutine".into(),
            ArgKind::Context => "context".into(),
            ArgKind::Extension => "extension".into(),
            ArgKind::Priority => "priority".into(),
            ArgKind::App => "app".into(),
            ArgKind::Cond => "cond".into(),
            ArgKind::Expr => "expr".into(),
            ArgKind::Timespec => "timespec".into(),
            ArgKind::File => "file".into(),
            ArgKind::Files => "files".into(),
            ArgKind::Var => "var".into(),
            ArgKind::VarWrite => "var-write".into(),
            ArgKind::DialTargets => "dial-targets".into(),
            ArgKind::Channel => "channel".into(),
            ArgKind::MohClass => "moh-class".into(),
            ArgKind::Mailbox => "mailbox".into(),
            ArgKind::ExtenAtContext => "exten-at-context".into(),
            ArgKind::FamilyKey => "family-key".into(),
        }
    }
}
