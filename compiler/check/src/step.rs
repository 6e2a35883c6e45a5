//! One priority as the rules see it: where it is, what it runs, its data scanned for
//! substitutions, and a way to turn byte ranges of the data into source spans.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use pbxc_diagnostics::{Code, Diagnostic, FileId, TextRange};
use pbxc_dialplan::{Arg, Context, Extension, HINT, Priority, split_args};
use pbxc_expr::template::{self, Template};

use crate::Cx;

pub(crate) struct Step<'a> {
    pub ctx: usize,
    pub context: &'a Context,
    pub extension: &'a Extension,
    pub priority: &'a Priority,
    /// The application name as Asterisk looks it up (trailing blanks are DP204's business).
    pub app: &'a [u8],
    pub data: &'a [u8],
    pub template: Arc<Template>,
    pub entry: Option<&'static pbxc_stdlib::Entry>,
    /// The data split into the entry's parameters, once: several rules, on several threads,
    /// read the same split.
    pub params_split: OnceLock<Vec<Arg>>,
}

impl<'a> Step<'a> {
    /// The data split as the application splits it, one argument per catalog parameter (the
    /// last takes the rest); empty for an application without parameters in the catalog.
    pub fn args(&self) -> &[Arg] {
        self.params_split.get_or_init(|| match self.entry {
            Some(entry) => match &entry.params {
                Some(params) => {
                    split_args(self.data, &self.template, entry.split, Some(params.len()))
                }
                None => Vec::new(),
            },
            None => Vec::new(),
        })
    }

    /// The source span of `range` (bytes of the data): exact when the line is a plain copy of
    /// its text, else the whole line.
    pub fn span(&self, range: Range<usize>) -> (FileId, TextRange) {
        match self.priority.data_origin {
            Some(o) if range.end <= o.range.len() => (
                o.file,
                TextRange::new(
                    o.range.start as usize + range.start,
                    o.range.start as usize + range.end,
                ),
            ),
            _ => (self.priority.origin.file, self.priority.origin.range),
        }
    }

    /// Whether [`span`](Self::span) is exact.
    pub fn exact(&self) -> bool {
        self.priority.data_origin.is_some()
    }

    /// The span of the application name.
    pub fn app_span(&self) -> (FileId, TextRange) {
        match self.priority.app_origin {
            Some(o) => (o.file, o.range),
            None => (self.priority.origin.file, self.priority.origin.range),
        }
    }

    pub fn diag(&self, code: Code, message: impl Into<String>, range: Range<usize>) -> Diagnostic {
        let (file, at) = self.span(range);
        Diagnostic::new(code, message, file, at)
    }

    pub fn app_name(&self) -> std::borrow::Cow<'a, str> {
        match self.entry {
            Some(e) => std::borrow::Cow::Borrowed(e.name.as_str()),
            None => String::from_utf8_lossy(self.app),
        }
    }

    pub fn text(&self, range: Range<usize>) -> &'a [u8] {
        &self.data[range]
    }
}

/// Every runnable priority of the dialplan (hints are not run), in dialplan order; with the
/// data scanned unless `scan` is false (the memo then supplies the scan).
pub(crate) fn steps<'a>(cx: &Cx<'a>, scan: bool) -> Vec<Step<'a>> {
    let count = cx
        .plan
        .contexts
        .iter()
        .flat_map(|c| &c.extensions)
        .map(|e| e.priorities.len())
        .sum();
    let mut out = Vec::with_capacity(count);
    let unscanned = Arc::new(Template::default());
    for (ctx, context) in cx.plan.contexts.iter().enumerate() {
        for extension in &context.extensions {
            for priority in &extension.priorities {
                if priority.number == HINT {
                    continue;
                }
                let app = priority.app.trim_ascii_end();
                let entry = std::str::from_utf8(app)
                    .ok()
                    .and_then(|a| cx.catalog.application(a));
                out.push(Step {
                    ctx,
                    context,
                    extension,
                    priority,
                    app,
                    data: &priority.data,
                    template: if scan {
                        Arc::new(template::scan(&priority.data))
                    } else {
                        unscanned.clone()
                    },
                    entry,
                    params_split: OnceLock::new(),
                });
            }
        }
    }
    out
}

pub(crate) fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
