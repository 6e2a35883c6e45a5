//! The catalog's text format (`catalog/README.md`): entries of indented `key: value` fields.

use std::fmt;

use crate::{Access, ArgKind, Entry, EntryKind, OptionSpec, Param, Split, VERSIONS};

/// A mistake in a catalog file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Parses one catalog file. Entries with a mistake are left out and reported.
pub fn parse(file: &'static str, text: &str) -> (Vec<Entry>, Vec<CatalogError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut current: Option<Draft> = None;
    let mut last_key: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| CatalogError {
            file,
            line,
            message,
        };
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if indent == 0 {
            if let Some(d) = current.take() {
                finish(d, file, &mut entries, &mut errors);
            }
            last_key = None;
            let mut words = raw.split_whitespace();
            let kind = match words.next() {
                Some("app") => EntryKind::Application,
                Some("function") => EntryKind::Function,
                _ => {
                    errors.push(err(format!(
                        "expected `app NAME` or `function NAME`, found `{raw}`"
                    )));
                    continue;
                }
            };
            let (Some(name), None) = (words.next(), words.next()) else {
                errors.push(err("expected exactly one name after the kind".into()));
                continue;
            };
            current = Some(Draft {
                kind,
                name: name.to_string(),
                line,
                fields: Vec::new(),
            });
            continue;
        }
        let Some(d) = current.as_mut() else {
            errors.push(err("a field before any entry".into()));
            continue;
        };
        let body = raw.trim();
        // A field is `key: value` at the entry's field indent; anything indented deeper, or
        // not of that shape, continues the previous field.
        let field = body.split_once(':').filter(|(k, _)| {
            indent <= 2 && !k.is_empty() && k.bytes().all(|c| c.is_ascii_lowercase() || c == b'-')
        });
        match field {
            Some((key, value)) => {
                if d.fields.iter().any(|(k, _, _)| k == key) {
                    errors.push(err(format!("`{key}` given twice in `{}`", d.name)));
                }
                d.fields
                    .push((key.to_string(), value.trim().to_string(), line));
                last_key = Some(key.to_string());
            }
            None => match (last_key.as_ref(), d.fields.last_mut()) {
                (Some(_), Some((_, value, _))) => {
                    value.push(' ');
                    value.push_str(body);
                }
                _ => errors.push(err(format!("expected `key: value`, found `{body}`"))),
            },
        }
    }
    if let Some(d) = current.take() {
        finish(d, file, &mut entries, &mut errors);
    }
    (entries, errors)
}

struct Draft {
    kind: EntryKind,
    name: String,
    line: usize,
    fields: Vec<(String, String, usize)>,
}

fn finish(d: Draft, file: &'static str, entries: &mut Vec<Entry>, errors: &mut Vec<CatalogError>) {
    let before = errors.len();
    let mut e = Entry {
        kind: d.kind,
        name: d.name.clone(),
        summary: String::new(),
        params: None,
        split: Split::Standard,
        options: Vec::new(),
        sets: Vec::new(),
        versions: Vec::new(),
        removed: None,
        replacement: None,
        access: Access::Read,
        dangerous: false,
        docs: String::new(),
        defined_at: (file, d.line),
    };
    let mut has_versions = false;
    for (key, value, line) in &d.fields {
        let mut err = |message: String| {
            errors.push(CatalogError {
                file,
                line: *line,
                message: format!("{}: {message}", d.name),
            })
        };
        match key.as_str() {
            "summary" => e.summary = value.clone(),
            "docs" => e.docs = value.clone(),
            "syntax" => match parse_params(value) {
                Ok(p) => e.params = Some(p),
                Err(m) => err(m),
            },
            "split" => {
                e.split = match value.as_str() {
                    "standard" => Split::Standard,
                    "raw" => Split::Raw,
                    "whole" => Split::Whole,
                    "set" => Split::Set,
                    "condition" => Split::Condition,
                    other => {
                        err(format!("unknown split `{other}`"));
                        Split::Standard
                    }
                }
            }
            "options" => match parse_options(value) {
                Ok(o) => e.options = o,
                Err(m) => err(m),
            },
            "sets" => e.sets = value.split_whitespace().map(str::to_string).collect(),
            "versions" => {
                has_versions = true;
                if value != "none" {
                    for v in value.split_whitespace() {
                        match v.parse::<u8>() {
                            Ok(n) if VERSIONS.contains(&n) && !e.versions.contains(&n) => {
                                e.versions.push(n)
                            }
                            _ => err(format!("unknown or repeated version `{v}`")),
                        }
                    }
                    e.versions.sort_unstable();
                }
            }
            "removed" => e.removed = Some(value.clone()),
            "replacement" => e.replacement = Some(value.clone()),
            "access" => {
                e.access = match value.as_str() {
                    "read" => Access::Read,
                    "write" => Access::Write,
                    "read-write" => Access::ReadWrite,
                    other => {
                        err(format!("unknown access `{other}`"));
                        Access::Read
                    }
                }
            }
            "dangerous" => e.dangerous = value == "yes",
            other => err(format!("unknown field `{other}`")),
        }
    }
    let mut err = |message: String| {
        errors.push(CatalogError {
            file,
            line: d.line,
            message: format!("{}: {message}", d.name),
        })
    };
    if e.summary.is_empty() {
        err("no `summary`".into());
    }
    if !has_versions {
        err("no `versions`".into());
    }
    if e.kind == EntryKind::Application && (e.access != Access::Read || e.dangerous) {
        err("`access` and `dangerous` are for functions".into());
    }
    let wants_options = e
        .params
        .iter()
        .flatten()
        .any(|p| p.kind == ArgKind::Options);
    if wants_options == e.options.is_empty() && e.params.is_some() {
        err("an `options` parameter and the `options:` field go together".into());
    }
    if e.split == Split::Condition && e.params.as_ref().is_some_and(|p| p.len() != 3) {
        err("`split: condition` takes exactly three parameters".into());
    }
    if matches!(e.split, Split::Set | Split::Whole)
        && e.params
            .as_ref()
            .is_some_and(|p| p.len() > if e.split == Split::Set { 2 } else { 1 })
    {
        err("too many parameters for this split".into());
    }
    if errors.len() == before {
        entries.push(e);
    }
}

/// `[name:kind], name, [rest:kind]...`; `-` for none.
fn parse_params(value: &str) -> Result<Vec<Param>, String> {
    if value == "-" {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = split_top(value, ',');
    let mut params = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut p = part.trim();
        let repeat = if let Some(rest) = p.strip_suffix("...") {
            p = rest;
            true
        } else {
            false
        };
        if repeat && i + 1 != parts.len() {
            return Err(format!("only the last parameter can repeat (`{part}`)"));
        }
        let optional = if let Some(inner) = p.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            p = inner;
            true
        } else {
            false
        };
        let (name, kind) = match p.split_once(':') {
            Some((n, k)) => (
                n,
                ArgKind::parse(k).ok_or_else(|| format!("unknown kind `{k}`"))?,
            ),
            None => (p, ArgKind::Text),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            return Err(format!("bad parameter name `{name}`"));
        }
        params.push(Param {
            name: name.to_string(),
            kind,
            optional,
            repeat,
        });
    }
    // Asterisk has optional parameters before required ones (Goto's context, extension);
    // nothing to check about their order.
    Ok(params)
}

/// `a b(kind) c(kind?) word`.
fn parse_options(value: &str) -> Result<Vec<OptionSpec>, String> {
    let mut out: Vec<OptionSpec> = Vec::new();
    for item in value.split_whitespace() {
        let (name, arg) = match item.split_once('(') {
            Some((n, rest)) => {
                let inner = rest
                    .strip_suffix(')')
                    .ok_or_else(|| format!("option `{item}` has no closing `)`"))?;
                let (k, required) = match inner.strip_suffix('?') {
                    Some(k) => (k, false),
                    None => (inner, true),
                };
                let kind = ArgKind::parse(k).ok_or_else(|| format!("unknown kind `{k}`"))?;
                (n, Some((kind, required)))
            }
            None => (item, None),
        };
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("bad option name `{name}`"));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(format!("option `{name}` listed twice"));
        }
        out.push(OptionSpec {
            name: name.to_string(),
            arg,
        });
    }
    Ok(out)
}

/// Splits on `sep` outside parentheses (so `enum(a|b)` stays whole).
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}
