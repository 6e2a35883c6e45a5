//! Hover: applications and functions from the catalog (signature, summary, docs), variables
//! (a global's value, what sets a channel variable), and a summary of a context, extension or
//! label.

use pbxc_dialplan::Dialplan;
use tower_lsp_server::ls_types as ls;

use super::show;
use crate::analysis::{Analysis, Symbol};
use crate::world::World;

pub fn hover(world: &mut World, uri: &ls::Uri, at: ls::Position) -> Option<ls::Hover> {
    let view = world.view(uri)?;
    let a = &view.analysis;
    let lines = world.lines(a, view.file);
    let offset = lines.offset(at).min(view.text.len());
    // Nothing in a comment.
    let line_start = view.text[..offset]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    if super::comment_start(&view.text[line_start..offset]).is_some() {
        return None;
    }
    let (markdown, range) =
        if let Some((symbol, range)) = world.symbols(a).symbol_at(view.file, offset) {
            (symbol_summary(a, &symbol)?, range)
        } else if let Some((name, range)) = application_at(a, view.file, offset) {
            (
                entry_docs(pbxc_stdlib::catalog().application(&name)?),
                range,
            )
        } else if let Some((word, is_function, range)) = substitution_at(&view.text, offset)
            .or_else(|| assigned_at(a, &view.text, view.file, offset))
        {
            if is_function {
                (entry_docs(pbxc_stdlib::catalog().function(&word)?), range)
            } else {
                (variable_summary(a, &word), range)
            }
        } else {
            return None;
        };
    Some(ls::Hover {
        contents: ls::HoverContents::Markup(ls::MarkupContent {
            kind: ls::MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(lines.range(range)),
    })
}

/// The application name written at `offset`, if any.
pub(crate) fn application_at(
    a: &Analysis,
    file: pbxc_diagnostics::FileId,
    offset: usize,
) -> Option<(String, pbxc_diagnostics::TextRange)> {
    for checked in &a.dialplans {
        for ctx in &checked.plan.contexts {
            for ext in &ctx.extensions {
                for p in &ext.priorities {
                    if let Some(o) = p.app_origin
                        && o.file == file
                        && o.range.start as usize <= offset
                        && offset <= o.range.end as usize
                    {
                        return Some((show(p.app.trim_ascii()), o.range));
                    }
                }
            }
        }
    }
    None
}

/// The name a `Set(NAME=…)` or a `[globals]` line assigns, at `offset`: (the variable
/// without its inheritance underscores, or the function a `Set(FUNC(args)=…)` writes; is a
/// function; its range).
fn assigned_at(
    a: &Analysis,
    text: &[u8],
    file: pbxc_diagnostics::FileId,
    offset: usize,
) -> Option<(String, bool, pbxc_diagnostics::TextRange)> {
    let name_at = |start: usize, name: &[u8]| {
        let end = start + name.len();
        (start <= offset && offset <= end && text.get(start..end) == Some(name)).then(|| {
            let stripped = name
                .strip_prefix(b"__")
                .or(name.strip_prefix(b"_"))
                .unwrap_or(name);
            let skipped = name.len() - stripped.len();
            match stripped.iter().position(|&c| c == b'(') {
                Some(open) => (
                    show(&stripped[..open]),
                    true,
                    pbxc_diagnostics::TextRange::new(start + skipped, start + skipped + open),
                ),
                None => (
                    show(stripped),
                    false,
                    pbxc_diagnostics::TextRange::new(start + skipped, end),
                ),
            }
        })
    };
    for checked in &a.dialplans {
        for g in checked
            .plan
            .globals
            .iter()
            .filter(|g| g.origin.file == file)
        {
            if let Some(found) = name_at(g.origin.range.start as usize, &g.name) {
                return Some(found);
            }
        }
        for ctx in &checked.plan.contexts {
            for ext in &ctx.extensions {
                for p in &ext.priorities {
                    let Some(data) = p.data_origin.filter(|o| o.file == file) else {
                        continue;
                    };
                    if !p.app.trim_ascii().eq_ignore_ascii_case(b"Set") {
                        continue;
                    }
                    let name = p.data.split(|&c| c == b'=').next().unwrap_or_default();
                    if let Some(found) = name_at(data.range.start as usize, name) {
                        return Some(found);
                    }
                }
            }
        }
    }
    None
}

/// The `${NAME}` or `${FUNC(` word at `offset`: (word, is a function, its range).
pub(crate) fn substitution_at(
    text: &[u8],
    offset: usize,
) -> Option<(String, bool, pbxc_diagnostics::TextRange)> {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut start = offset.min(text.len());
    while start > 0 && is_word(text[start - 1]) {
        start -= 1;
    }
    let mut end = offset.min(text.len());
    while end < text.len() && is_word(text[end]) {
        end += 1;
    }
    if start == end || start < 2 || &text[start - 2..start] != b"${" {
        return None;
    }
    let word = show(&text[start..end]);
    let is_function = text.get(end) == Some(&b'(');
    Some((
        word,
        is_function,
        pbxc_diagnostics::TextRange::new(start, end),
    ))
}

pub(crate) fn entry_docs(e: &pbxc_stdlib::Entry) -> String {
    let mut s = format!("```\n{}\n```\n{}", e.signature(), e.summary);
    if let Some(removed) = &e.removed {
        s.push_str(&format!("\n\n**Removed:** {removed}"));
    }
    if let Some(r) = &e.replacement {
        s.push_str(&format!(" Use `{r}` instead."));
    }
    if !e.docs.is_empty() {
        s.push_str("\n\n");
        s.push_str(&e.docs);
    }
    if !e.sets.is_empty() {
        s.push_str(&format!("\n\nSets: `{}`", e.sets.join("`, `")));
    }
    let versions: Vec<String> = e.versions.iter().map(|v| v.to_string()).collect();
    s.push_str(&format!("\n\nAsterisk {}", versions.join(", ")));
    s
}

fn variable_summary(a: &Analysis, name: &str) -> String {
    let mut s = format!("**`{name}`**");
    let mut found = false;
    for checked in &a.dialplans {
        if let Some(g) = checked
            .plan
            .globals
            .iter()
            .find(|g| g.name == name.as_bytes())
        {
            s.push_str(&format!(
                "\n\nglobal variable = `{}` ({})",
                show(&g.value),
                place(a, g.origin)
            ));
            found = true;
        }
        let setters = setters(&checked.plan, name.as_bytes());
        if !setters.is_empty() {
            s.push_str(&format!(
                "\n\nchannel variable, set at {}",
                setters
                    .iter()
                    .take(5)
                    .map(|o| place(a, *o))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if setters.len() > 5 {
                s.push_str(&format!(" and {} more", setters.len() - 5));
            }
            found = true;
        }
    }
    if let Some(doc) = builtin_variable(name) {
        s.push_str(&format!("\n\n{doc}"));
        found = true;
    }
    if !found {
        s.push_str(
            "\n\nnot set anywhere in this dialplan (a channel driver or an application may set it)",
        );
    }
    s
}

/// Where `Set(name=…)` (with or without inheritance underscores) is written.
pub(crate) fn setters(plan: &Dialplan, name: &[u8]) -> Vec<pbxc_config::Origin> {
    let mut out = Vec::new();
    for ctx in &plan.contexts {
        for ext in &ctx.extensions {
            for p in &ext.priorities {
                if !p.app.trim_ascii().eq_ignore_ascii_case(b"Set") {
                    continue;
                }
                let written = p.data.split(|&c| c == b'=').next().unwrap_or_default();
                let written = written.trim_ascii();
                let bare = written
                    .strip_prefix(b"__")
                    .or(written.strip_prefix(b"_"))
                    .unwrap_or(written);
                if bare == name {
                    out.push(p.origin);
                }
            }
        }
    }
    out
}

fn place(a: &Analysis, o: pbxc_config::Origin) -> String {
    let source = a.sources.get(o.file);
    let line = source.lines.line_of(o.range.start as usize) + 1;
    let name = source
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{line}")
}

/// Variables Asterisk sets on every channel.
pub(crate) const BUILTIN_VARIABLES: &[(&str, &str)] = &[
    ("EXTEN", "the extension being run"),
    ("CONTEXT", "the context being run"),
    ("PRIORITY", "the priority being run"),
    ("CHANNEL", "the channel's name"),
    ("UNIQUEID", "the channel's unique id"),
    ("CALLERID(num)", "the caller's number"),
    ("EPOCH", "seconds since 1970"),
    ("HANGUPCAUSE", "the Q.850 cause of the hang-up"),
    (
        "DIALSTATUS",
        "set by Dial: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL…",
    ),
    ("ARG1", "the first argument of a Gosub (ARG2, ARG3… follow)"),
    ("GOSUB_RETVAL", "the value Return() passed back"),
    (
        "INVALID_EXTEN",
        "the extension that was not found, in the `i` extension",
    ),
];

fn builtin_variable(name: &str) -> Option<&'static str> {
    BUILTIN_VARIABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

fn symbol_summary(a: &Analysis, symbol: &Symbol) -> Option<String> {
    let find_ctx = |name: &[u8]| a.dialplans.iter().find_map(|c| c.plan.context(name));
    Some(match symbol {
        Symbol::Context(name) => {
            let Some(ctx) = find_ctx(name) else {
                return Some(format!("context `{}` (not defined)", show(name)));
            };
            let mut s = format!(
                "**context `{}`**: {} extension{}",
                show(name),
                ctx.extensions.len(),
                if ctx.extensions.len() == 1 { "" } else { "s" }
            );
            let names: Vec<String> = ctx
                .extensions
                .iter()
                .take(12)
                .map(|e| format!("`{}`", show(&e.name)))
                .collect();
            if !names.is_empty() {
                s.push_str(&format!(
                    " ({}{})",
                    names.join(", "),
                    if ctx.extensions.len() > 12 {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
            if !ctx.includes.is_empty() {
                let inc: Vec<String> = ctx
                    .includes
                    .iter()
                    .map(|i| format!("`{}`", show(&i.value)))
                    .collect();
                s.push_str(&format!("\n\nincludes {}", inc.join(", ")));
            }
            if ctx.sections.len() > 1 {
                s.push_str(&format!(
                    "\n\ndefined in {} sections, merged",
                    ctx.sections.len()
                ));
            }
            s
        }
        Symbol::Extension { context, name } => {
            let ctx = find_ctx(context)?;
            let ext = ctx.extensions.iter().find(|e| *e.name == **name)?;
            let mut s = format!("**extension `{}@{}`**\n```\n", show(name), show(context));
            for p in ext.priorities.iter().take(15) {
                let label = p
                    .label
                    .as_ref()
                    .map(|l| format!("({})", show(l)))
                    .unwrap_or_default();
                let number = if p.number == pbxc_dialplan::HINT {
                    "hint".to_string()
                } else {
                    p.number.to_string()
                };
                s.push_str(&format!(
                    "{number}{label}  {}({})\n",
                    show(&p.app),
                    show(&p.data)
                ));
            }
            if ext.priorities.len() > 15 {
                s.push_str("…\n");
            }
            s.push_str("```");
            s
        }
        Symbol::Label {
            context,
            extension,
            label,
        } => {
            let ctx = find_ctx(context)?;
            let ext = ctx.extensions.iter().find(|e| *e.name == **extension)?;
            let p = ext
                .priorities
                .iter()
                .find(|p| p.label.as_deref() == Some(label.as_slice()))?;
            format!(
                "**label `{}`** of `{}@{}`: priority {}\n```\n{}({})\n```",
                show(label),
                show(extension),
                show(context),
                p.number,
                show(&p.app),
                show(&p.data)
            )
        }
        Symbol::Section(name) => format!("section `{}`", show(name)),
        Symbol::Endpoint(name) => {
            let context = a
                .endpoints
                .iter()
                .find(|e| e.name == *name)
                .map(|e| show(&e.context))
                .unwrap_or_default();
            format!(
                "**endpoint `{}`** (pjsip.conf): its calls start in context `{context}`",
                show(name)
            )
        }
    })
}
