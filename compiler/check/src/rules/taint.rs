//! Dialplan injection: caller-controlled text reaching a place where it is interpreted.
//!
//! Sources: the dialled digits of an open-ended pattern extension (`${EXTEN}` in `_X.`), the caller ID and SIP
//! headers. Sinks: Dial's targets (`&` adds a destination), System and SHELL (a shell), AstDB
//! keys (`/` walks families) and computed jump targets (`,` picks another context). FILTER()
//! cleans what it wraps.

use rustc_hash::FxHashSet as HashSet;
use std::ops::Range;

use pbxc_diagnostics::{Diagnostic, Edit};
use pbxc_expr::template::{Piece, Reference, Template, reference};
use pbxc_stdlib::ArgKind;

use crate::Cx;
use crate::codes;
use crate::step::{Step, show};

pub(super) fn check(cx: &Cx, steps: &[Step], out: &mut Vec<Diagnostic>) {
    let reachable = reachable(cx);
    let sources_named = SourceNames::new();
    for step in steps {
        if reachable.as_ref().is_some_and(|r| !r.contains(&step.ctx))
            || !sources_named.in_step(step)
        {
            continue;
        }
        let mut sinks: Vec<(Range<usize>, &'static str)> = Vec::new();
        if let Some(entry) = step.entry
            && let Some(params) = &entry.params
        {
            let args = step.args();
            for (i, arg) in args.iter().enumerate() {
                let Some(p) = params.get(i) else { break };
                let what = match p.kind {
                    ArgKind::DialTargets => "the channels to dial (an `&` adds another)",
                    ArgKind::Goto | ArgKind::Gosub => "a jump target (a `,` picks another context)",
                    ArgKind::FamilyKey => "an AstDB key",
                    _ if entry.name == "System" || entry.name == "TrySystem" => "a shell command",
                    _ => continue,
                };
                sinks.push((arg.range.clone(), what));
            }
        }
        // Function sinks anywhere in the data.
        calls(step, &step.template, &mut |name, args| {
            let what = match name {
                b"SHELL" => "a shell command",
                b"DB" | b"DB_EXISTS" | b"DB_DELETE" | b"DB_KEYS" | b"DB_DELTREE" => "an AstDB key",
                _ => return,
            };
            sinks.push((args, what));
        });
        for (sink, what) in sinks {
            for (range, source) in sources(step, &step.template, sink.clone()) {
                let filtered = format!("${{FILTER(0-9,{})}}", show(&step.data[range.clone()]));
                let mut d = step
                    .diag(
                        codes::TAINTED_DATA,
                        format!(
                            "`{}` is controlled by the caller and goes unfiltered into {what}",
                            source
                        ),
                        range.clone(),
                    )
                    .with_help(format!("allow only what you expect: `{filtered}`"));
                if step.exact() {
                    let (file, at) = step.span(range.clone());
                    d = d.with_fix(
                        format!("allow only digits: `{filtered}`"),
                        vec![Edit {
                            file,
                            range: at,
                            replacement: filtered,
                        }],
                    );
                }
                out.push(d);
            }
        }
    }
}

/// Contexts calls from pjsip endpoints reach through includes; `None` when pjsip.conf is not
/// part of the check (then every context counts).
fn reachable(cx: &Cx) -> Option<HashSet<usize>> {
    let endpoints = cx.endpoints?;
    let mut seen = HashSet::default();
    let mut todo: Vec<usize> = endpoints
        .iter()
        .filter_map(|e| cx.context(&e.context))
        .collect();
    while let Some(c) = todo.pop() {
        if !seen.insert(c) {
            continue;
        }
        for inc in &cx.plan.contexts[c].includes {
            if let Some(t) = cx.context(&inc.context) {
                todo.push(t);
            }
        }
    }
    Some(seen)
}

/// The names every source is written with: a cheap test for them spares most priorities the
/// parsing below.
struct SourceNames {
    exten: memchr::memmem::Finder<'static>,
    callerid: memchr::memmem::Finder<'static>,
    header: memchr::memmem::Finder<'static>,
}

impl SourceNames {
    fn new() -> SourceNames {
        SourceNames {
            exten: memchr::memmem::Finder::new(b"EXTEN"),
            callerid: memchr::memmem::Finder::new(b"CALLERID"),
            header: memchr::memmem::Finder::new(b"_HEADER"),
        }
    }

    /// Whether the step's data can name a source at all: `${EXTEN}` in an open-ended
    /// pattern, `CALLERID(…)`, a SIP header (`PJSIP_HEADER`, `SIP_HEADER`…).
    fn in_step(&self, step: &Step) -> bool {
        (open_ended(&step.extension.name) && self.exten.find(step.data).is_some())
            || self.callerid.find(step.data).is_some()
            || self.header.find(step.data).is_some()
    }
}

/// Whether a pattern lets the caller dial arbitrary characters: `.` and `!` match anything,
/// while `_6XX` admits digits only.
fn open_ended(pattern: &[u8]) -> bool {
    pattern.starts_with(b"_") && pattern.iter().any(|&c| c == b'.' || c == b'!')
}

/// Calls every `${FUNC(args)}` in the template with the range of its arguments.
fn calls(step: &Step, t: &Template, f: &mut dyn FnMut(&[u8], Range<usize>)) {
    for p in &t.pieces {
        if let Piece::Substitution(e) | Piece::Expression(e) = p {
            if matches!(p, Piece::Substitution(_))
                && let Reference::Function { name, args, .. } = reference(step.data, e.body.clone())
            {
                f(&step.data[name], args);
            }
            calls(step, &e.inner, f);
        }
    }
}

/// Caller-controlled substitutions inside `within`, outside any FILTER().
fn sources(step: &Step, t: &Template, within: Range<usize>) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    for p in &t.pieces {
        let (Piece::Substitution(e) | Piece::Expression(e)) = p else {
            continue;
        };
        if e.range.end <= within.start || e.range.start >= within.end {
            continue;
        }
        if matches!(p, Piece::Substitution(_)) {
            match reference(step.data, e.body.clone()) {
                Reference::Variable { name, .. } => {
                    if &step.data[name] == b"EXTEN" && open_ended(&step.extension.name) {
                        out.push((e.range.clone(), "${EXTEN}".to_string()));
                    }
                    continue;
                }
                Reference::Function { name, args, .. } => {
                    let n = &step.data[name];
                    if n == b"FILTER" {
                        continue;
                    }
                    let first_arg = step.data[args.clone()]
                        .split(|&c| c == b',')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    let caller = match n {
                        b"CALLERID" => matches!(
                            first_arg.as_slice(),
                            b"num" | b"name" | b"all" | b"ani" | b"ani-num" | b"rdnis" | b"dnid"
                        ),
                        b"PJSIP_HEADER" | b"SIP_HEADER" | b"PJSIP_HEADERS" => true,
                        _ => false,
                    };
                    if caller {
                        out.push((e.range.clone(), show(&step.data[e.range.clone()])));
                        continue;
                    }
                }
            }
        }
        out.extend(sources(step, &e.inner, within.clone()));
    }
    out
}
