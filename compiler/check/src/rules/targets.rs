//! Jump targets: Goto, GotoIf, Gosub, GosubIf and every other argument or option of a kind the
//! catalog marks as a destination, checked as `pbx_parseable_goto` and the PBX loop resolve
//! them (context as written, extension matched with pattern semantics through the includes,
//! priority or label); plus include cycles.

use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::ops::Range;

use pbxc_diagnostics::{Diagnostic, Edit, Label};
use pbxc_expr::template::{Piece, Reference, reference, scan};
use pbxc_stdlib::{ArgKind, Split};

use crate::codes;
use crate::step::{Step, show};
use crate::{Cx, Destination};
use pbxc_dialplan::Arg;

/// What the constant jumps reach: (context, extension index, priority); and where each
/// resolved piece of a destination is written, for the language server's navigation.
#[derive(Default)]
pub(crate) struct Jumps {
    pub reached: HashSet<(usize, usize, i32)>,
    pub references: Vec<crate::Reference>,
}

impl Jumps {
    /// Records that bytes `range` of the step's data name `target` (only where the data is a
    /// plain copy of its source, so the span is exact) `destination`.
    fn refer(&mut self, step: &Step, range: Range<usize>, destination: Destination) {
        if step.exact() && !range.is_empty() {
            let (file, range) = step.span(range);
            self.references.push(crate::Reference {
                file,
                range,
                destination,
            });
        }
    }
}

/// What resolving a part of the steps needs of all of them: the names the dialplan assigns.
pub(super) struct Targets<'c, 'a> {
    cx: &'c Cx<'a>,
    assigned: HashSet<Vec<u8>>,
    /// With a memo, the dialplan's [`shape`]: what the resolutions it keeps hold for.
    shape: Option<Vec<u8>>,
    /// How many steps the dialplan has: the memo is used only for all of them at once.
    steps: usize,
}

impl<'c, 'a> Targets<'c, 'a> {
    pub(super) fn new(cx: &'c Cx<'a>, steps: &[Step]) -> Self {
        let assigned = assigned(steps);
        let shape = cx.memo.map(|_| shape(cx, &assigned));
        Targets {
            cx,
            assigned,
            shape,
            steps: steps.len(),
        }
    }

    /// Resolves the jumps of `steps` (a run of the dialplan's steps: parts can be resolved on
    /// threads of their own and [merged](Self::finish) in order). With a memo, and `steps`
    /// all of them, each priority's resolution is remembered by its place among them, and
    /// copied while the priority and the dialplan's shape stay the same.
    pub(super) fn resolve(&self, steps: &[Step], out: &mut Vec<Diagnostic>) -> Jumps {
        let cx = self.cx;
        let mut jumps = Jumps::default();
        // About one jump in three priorities in generated dialplans.
        jumps.references.reserve(steps.len() / 3);
        let start = out.len();
        match (cx.memo, &self.shape) {
            (Some(memo), Some(shape)) if steps.len() == self.steps => {
                let dialplan = cx
                    .plan
                    .contexts
                    .first()
                    .and_then(|c| c.sections.first())
                    .map(|o| o.file);
                let mut run = memo.shape(dialplan, shape, steps.len(), cx.target);
                for (i, step) in steps.iter().enumerate() {
                    if places(step).is_none() {
                        continue;
                    }
                    let resolved = run.step(i, step, |probe| {
                        let mut found = Vec::new();
                        let mut jumps = Jumps::default();
                        self.step(probe, &mut jumps, &mut found);
                        (found, jumps.references, jumps.reached.into_iter().collect())
                    });
                    resolved.emit(step, &mut jumps.reached, &mut jumps.references, out);
                }
            }
            _ => {
                for step in steps {
                    self.step(step, &mut jumps, out);
                }
            }
        }
        if !cx.complete {
            for d in &mut out[start..] {
                if d.code.id == codes::MISSING_TARGET.id {
                    let taken = std::mem::replace(
                        d,
                        Diagnostic::new(codes::MISSING_TARGET, "", d.primary.file, d.primary.range),
                    );
                    *d = taken
                        .with_severity(pbxc_diagnostics::Severity::Warning)
                        .with_help("this file was checked on its own: a file that includes it may define the target");
                }
            }
        }
        jumps
    }

    /// Resolves the jumps of one priority.
    fn step(&self, step: &Step, jumps: &mut Jumps, out: &mut Vec<Diagnostic>) {
        let (cx, assigned) = (self.cx, &self.assigned);
        let Some((entry, params)) = places(step) else {
            return;
        };
        let args = step.args();
        // Separate context / extension / priority parameters (ChannelRedirect, Originate…).
        let pos = |k: ArgKind| params.iter().position(|p| p.kind == k);
        if let (Some(c), Some(e), Some(p)) = (
            pos(ArgKind::Context),
            pos(ArgKind::Extension),
            pos(ArgKind::Priority),
        ) {
            if let Some(pri) = args.get(p).filter(|a| !a.range.is_empty()) {
                let dest = Dest {
                    context: args
                        .get(c)
                        .map(|a| a.range.clone())
                        .filter(|r| !r.is_empty()),
                    exten: args
                        .get(e)
                        .map(|a| a.range.clone())
                        .filter(|r| !r.is_empty()),
                    priority: pri.range.clone(),
                    gosub: false,
                };
                resolve(cx, assigned, step, &dest, step.data, jumps, out);
            }
        } else if let Some(c) = pos(ArgKind::Context)
            && let Some(arg) = args.get(c)
        {
            context_only(cx, assigned, step, arg.range.clone(), jumps, out);
        }
        if let Some(d) = pos(ArgKind::DialTargets)
            && let Some(arg) = args.get(d)
        {
            local_targets(cx, assigned, step, arg.range.clone(), jumps);
        }
        for (i, arg) in args.iter().enumerate() {
            let Some(param) = params.get(i) else { break };
            let (sep, gosub) = match param.kind {
                ArgKind::Goto => (b',', false),
                ArgKind::Gosub => (b',', true),
                ArgKind::GotoCaret => (b'^', false),
                ArgKind::GosubCaret => (b'^', true),
                _ => continue,
            };
            if arg.range.is_empty() {
                continue;
            }
            if entry.split == Split::Condition && padded(step, arg, out) {
                continue;
            }
            if let Some(dest) = Dest::parse(step.data, arg.range.clone(), sep, gosub) {
                resolve(cx, assigned, step, &dest, step.data, jumps, out);
            }
        }
        options(cx, assigned, step, entry, args, jumps, out);
    }

    /// The parts' jumps as one, in order; then the include cycles.
    pub(super) fn finish(&self, parts: Vec<Jumps>, out: &mut Vec<Diagnostic>) -> Jumps {
        let mut parts = parts.into_iter();
        let mut jumps = parts.next().unwrap_or_default();
        for part in parts {
            jumps.reached.extend(part.reached);
            jumps.references.extend(part.references);
        }
        include_cycles(self.cx, out);
        jumps
    }
}

/// The catalog entry and parameters of a priority whose application can name a place.
fn places<'s>(
    step: &Step<'s>,
) -> Option<(&'static pbxc_stdlib::Entry, &'static [pbxc_stdlib::Param])> {
    let entry = step.entry?;
    let params = entry.params.as_deref()?;
    names_places(entry, params).then_some((entry, params))
}

/// What resolving a priority's jumps reads of the rest of the dialplan, as bytes: two
/// dialplans with the same shape resolve the same priority alike. That is, in order: the
/// target and whether the dialplan is whole; each context's name, includes (the context
/// each names), whether it has switches, and its extensions with their caller-ID
/// qualifiers and priorities (number and label); the globals, and which of their names the
/// dialplan also assigns on the channel. Every name is written with its length first.
fn shape(cx: &Cx, assigned: &HashSet<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 16);
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(b);
    };
    let number = |out: &mut Vec<u8>, n: i64| out.extend_from_slice(&n.to_le_bytes());
    let target = match cx.target {
        crate::Target::Asterisk(v) => v as i64,
        crate::Target::Pbx => -1,
    };
    number(&mut out, target);
    number(&mut out, cx.complete as i64);
    number(&mut out, cx.plan.contexts.len() as i64);
    for c in &cx.plan.contexts {
        bytes(&mut out, &c.name);
        number(&mut out, c.includes.len() as i64);
        for inc in &c.includes {
            bytes(&mut out, &inc.context);
        }
        number(&mut out, c.switches.is_empty() as i64);
        number(&mut out, c.extensions.len() as i64);
        for e in &c.extensions {
            bytes(&mut out, &e.name);
            match &e.cid {
                Some(cid) => {
                    number(&mut out, 1);
                    bytes(&mut out, cid);
                }
                None => number(&mut out, 0),
            }
            number(&mut out, e.priorities.len() as i64);
            for p in &e.priorities {
                number(&mut out, p.number as i64);
                match &p.label {
                    Some(label) => {
                        number(&mut out, 1);
                        bytes(&mut out, label);
                    }
                    None => number(&mut out, 0),
                }
            }
        }
    }
    number(&mut out, cx.plan.globals.len() as i64);
    for g in &cx.plan.globals {
        bytes(&mut out, &g.name);
        bytes(&mut out, &g.value);
        number(&mut out, assigned.contains(g.name.as_slice()) as i64);
    }
    out
}

/// Whether an application can name a place in the dialplan: a jump target, a context, a
/// Local channel, an option that jumps. Most priorities (Set, NoOp, Answer…) cannot, and are
/// not split at all.
fn names_places(entry: &pbxc_stdlib::Entry, params: &[pbxc_stdlib::Param]) -> bool {
    params.iter().any(|p| match p.kind {
        ArgKind::Context
        | ArgKind::DialTargets
        | ArgKind::Goto
        | ArgKind::Gosub
        | ArgKind::GotoCaret
        | ArgKind::GosubCaret => true,
        // The kinds of option argument `options` below reads.
        ArgKind::Options => entry.options.iter().any(|o| {
            matches!(
                o.arg,
                Some((
                    ArgKind::GotoCaret
                        | ArgKind::GosubCaret
                        | ArgKind::Subroutine
                        | ArgKind::Context,
                    _
                ))
            )
        }),
        _ => false,
    })
}

/// Names the dialplan sets on the channel (Set, MSet, and every parameter the catalog marks
/// as a variable written): a channel variable shadows a global of the same name, so those
/// globals cannot be folded.
fn assigned(steps: &[Step]) -> HashSet<Vec<u8>> {
    let mut names = HashSet::default();
    let mut add = |name: &[u8]| {
        let name = name.trim_ascii();
        let name = name
            .strip_prefix(b"__")
            .or(name.strip_prefix(b"_"))
            .unwrap_or(name);
        // A generated dialplan assigns the same few names thousands of times.
        if !names.contains(name) {
            names.insert(name.to_vec());
        }
    };
    for step in steps {
        let Some(entry) = step.entry else { continue };
        if entry.name == "MSet" {
            for pair in step.data.split(|&c| c == b',') {
                add(pair.split(|&c| c == b'=').next().unwrap_or_default());
            }
            continue;
        }
        let Some(params) = &entry.params else {
            continue;
        };
        if !params.iter().any(|p| p.kind == ArgKind::VarWrite) {
            continue;
        }
        for (arg, p) in step.args().iter().zip(params) {
            if p.kind == ArgKind::VarWrite {
                add(step.text(arg.range.clone()));
            }
        }
    }
    names
}

/// `[[context,]extension,]priority[(args)]` as ranges of the data.
struct Dest {
    context: Option<Range<usize>>,
    exten: Option<Range<usize>>,
    priority: Range<usize>,
    gosub: bool,
}

impl Dest {
    fn parse(data: &[u8], range: Range<usize>, sep: u8, gosub: bool) -> Option<Dest> {
        let mut end = range.end;
        if gosub && let Some(open) = data[range.clone()].iter().position(|&c| c == b'(') {
            end = range.start + open;
        }
        // Plain strsep: no nesting, three fields at most, the rest ignored.
        let mut fields: [Range<usize>; 3] = [0..0, 0..0, 0..0];
        let mut count = 0;
        let mut start = range.start;
        for (i, &c) in data[range.start..end].iter().enumerate() {
            if c == sep {
                fields[count] = start..range.start + i;
                count += 1;
                start = range.start + i + 1;
                if count == 2 {
                    break;
                }
            }
        }
        let last = &data[start..end];
        fields[count] = start..start + last.iter().position(|&c| c == sep).unwrap_or(last.len());
        count += 1;
        Some(match count {
            1 => Dest {
                context: None,
                exten: None,
                priority: fields[0].clone(),
                gosub,
            },
            2 => Dest {
                context: None,
                exten: Some(fields[0].clone()),
                priority: fields[1].clone(),
                gosub,
            },
            _ => Dest {
                context: Some(fields[0].clone()),
                exten: Some(fields[1].clone()),
                priority: fields[2].clone(),
                gosub,
            },
        })
    }
}

/// A piece of a destination with `${...}` folded where the value is known when checking:
/// globals, and `${EXTEN}`/`${CONTEXT}` of a literal extension. `None` when it stays dynamic.
fn fold<'t>(
    cx: &Cx,
    assigned: &HashSet<Vec<u8>>,
    step: &Step,
    text: &'t [u8],
) -> Option<Cow<'t, [u8]>> {
    if !text.contains(&b'$') {
        return Some(Cow::Borrowed(text));
    }
    let t = scan(text);
    let mut out = Vec::new();
    for p in &t.pieces {
        match p {
            Piece::Text(r) => out.extend_from_slice(&text[r.clone()]),
            Piece::Expression(_) => return None,
            Piece::Substitution(e) => {
                if !e.inner.is_literal() || !e.closed {
                    return None;
                }
                let Reference::Variable {
                    name,
                    substring: None,
                } = reference(text, e.body.clone())
                else {
                    return None;
                };
                let name = &text[name];
                match name {
                    b"EXTEN" if !step.extension.is_pattern() => {
                        out.extend_from_slice(&step.extension.name)
                    }
                    b"CONTEXT" => out.extend_from_slice(&step.context.name),
                    _ if assigned.contains(name) => return None,
                    _ => out.extend_from_slice(cx.plan.global(name)?),
                }
            }
        }
    }
    Some(Cow::Owned(out))
}

enum Want<'w> {
    Priority(i32),
    Label(&'w [u8]),
}

enum Found {
    Yes(usize, usize, i32),
    /// An extension matched but none had the priority or label.
    NoPriority,
    NoExtension,
    /// A switch could answer: not decidable offline.
    Unknown,
}

/// `pbx_find_extension`: own context, then includes depth-first, skipping contexts already on
/// the stack; the first matching extension that has the priority or label wins.
fn find(cx: &Cx, ctx: usize, exten: &[u8], want: &Want, stack: &mut Vec<usize>) -> Found {
    let c = &cx.plan.contexts[ctx];
    stack.push(ctx);
    let mut matched = false;
    let hits: crate::lookup::Matches = if exten.starts_with(b"_") {
        (0..c.extensions.len() as u32)
            .filter(|&i| *c.extensions[i as usize].name == *exten)
            .collect()
    } else {
        cx.lookup.matching(ctx, c, exten)
    };
    for i in hits {
        let i = i as usize;
        let e = &c.extensions[i];
        matched = true;
        let p = match want {
            Want::Priority(n) => e.priority(*n).map(|p| p.number),
            Want::Label(l) => e
                .priorities
                .iter()
                .find(|p| p.label.as_deref() == Some(*l))
                .map(|p| p.number),
        };
        if let Some(n) = p {
            return Found::Yes(ctx, i, n);
        }
    }
    if !c.switches.is_empty() {
        return Found::Unknown;
    }
    for inc in &c.includes {
        let Some(target) = cx.context(&inc.context) else {
            continue;
        };
        if stack
            .iter()
            .any(|&s| cx.plan.contexts[s].name.eq_ignore_ascii_case(&inc.context))
        {
            continue;
        }
        match find(cx, target, exten, want, stack) {
            Found::NoExtension => {}
            Found::NoPriority => matched = true,
            found => return found,
        }
    }
    if matched {
        Found::NoPriority
    } else {
        Found::NoExtension
    }
}

fn resolve(
    cx: &Cx,
    assigned: &HashSet<Vec<u8>>,
    step: &Step,
    dest: &Dest,
    data: &[u8],
    jumps: &mut Jumps,
    out: &mut Vec<Diagnostic>,
) {
    let app = step.app_name();
    let whole = dest
        .context
        .clone()
        .or(dest.exten.clone())
        .map_or(dest.priority.start, |r| r.start)..dest.priority.end;
    let part = |r: &Range<usize>| fold(cx, assigned, step, &data[r.clone()]);
    let context = match &dest.context {
        Some(r) => part(r),
        None => Some(Cow::Borrowed(step.context.name.as_slice())),
    };
    let exten = match &dest.exten {
        Some(r) => part(r),
        None => Some(Cow::Borrowed(&step.extension.name[..])),
    };
    let priority = part(&dest.priority);
    let (Some(context), Some(exten), Some(priority)) = (context, exten, priority) else {
        out.push(step.diag(
            codes::DYNAMIC_TARGET,
            format!(
                "`{app}` target `{}` is computed at run time; not checked",
                show(&data[whole.clone()])
            ),
            whole,
        ));
        return;
    };
    let Some(ctx) = cx.context(&context) else {
        let range = dest.context.clone().unwrap_or(whole);
        let mut d = step.diag(
            codes::MISSING_TARGET,
            format!(
                "`{app}` jumps to context `{}`, which does not exist",
                show(&context)
            ),
            range,
        );
        if let Some(similar) = cx.similar_context(&context) {
            d = d.with_help(format!(
                "did you mean `{similar}`? context names are case-sensitive"
            ));
        }
        out.push(d);
        return;
    };
    if let Some(r) = &dest.context {
        jumps.refer(step, r.clone(), Destination::Context(ctx));
    }
    // `sscanf("%30d%1s")`: a number with nothing after it; anything else is a label.
    let number = std::str::from_utf8(&priority)
        .ok()
        .map(str::trim)
        .and_then(|p| p.parse::<i32>().ok());
    if priority.first().is_some_and(|&c| c == b'+' || c == b'-') && number.is_some() {
        return; // relative to the current priority
    }
    let want = match number {
        Some(n) => Want::Priority(n),
        None => Want::Label(&priority),
    };
    // A label alone is looked up in the channel's extension: for a pattern, whatever was
    // dialled, which this extension matches.
    let found = if dest.exten.is_none() && step.extension.is_pattern() {
        let same = cx.plan.contexts[ctx]
            .extensions
            .iter()
            .position(|e| std::ptr::eq(e, step.extension));
        let p = match &want {
            Want::Priority(n) => step.extension.priority(*n).map(|p| p.number),
            Want::Label(l) => step
                .extension
                .priorities
                .iter()
                .find(|p| p.label.as_deref() == Some(*l))
                .map(|p| p.number),
        };
        match (same, p) {
            (Some(i), Some(n)) => Found::Yes(ctx, i, n),
            _ => Found::NoPriority,
        }
    } else {
        find(cx, ctx, &exten, &want, &mut Vec::new())
    };
    let what = || match &want {
        Want::Priority(n) => format!("priority {n}"),
        Want::Label(l) => format!("label `{}`", show(l)),
    };
    match found {
        Found::Yes(c, e, n) => {
            jumps.reached.insert((c, e, n));
            if let Some(r) = &dest.exten {
                jumps.refer(step, r.clone(), Destination::Extension(c, e));
            }
            jumps.refer(step, dest.priority.clone(), Destination::Priority(c, e, n));
        }
        Found::Unknown => {}
        Found::NoExtension => {
            let range = dest.exten.clone().unwrap_or(whole);
            out.push(step.diag(
                codes::MISSING_TARGET,
                format!(
                    "`{app}` jumps to extension `{}` of context `{}`: no extension there (or in its includes) matches it",
                    show(&exten),
                    show(&context)
                ),
                range,
            ));
        }
        Found::NoPriority => {
            let mut d = step.diag(
                codes::MISSING_TARGET,
                format!(
                    "`{app}` jumps to {} of `{}@{}`, which has no such {}",
                    what(),
                    show(&exten),
                    show(&context),
                    if number.is_some() {
                        "priority"
                    } else {
                        "label"
                    }
                ),
                dest.priority.clone(),
            );
            if let Want::Label(l) = want
                && let Some(other) = cx.plan.contexts[ctx]
                    .extensions
                    .iter()
                    .find(|e| e.priorities.iter().any(|p| p.label.as_deref() == Some(l)))
            {
                d = d.with_help(format!(
                    "extension `{}` has that label: write `{}({},{},{})`",
                    show(&other.name),
                    app,
                    show(&context),
                    show(&other.name),
                    show(l)
                ));
            }
            if dest.gosub {
                d = d.with_help(
                    "Gosub checks that its destination exists and fails the call otherwise",
                );
            }
            out.push(d);
        }
    }
}

/// A parameter that is a context for digit matching (BackGround, ReadExten, DISA…).
fn context_only(
    cx: &Cx,
    assigned: &HashSet<Vec<u8>>,
    step: &Step,
    range: Range<usize>,
    jumps: &mut Jumps,
    out: &mut Vec<Diagnostic>,
) {
    let text = step.text(range.clone());
    if text.is_empty() {
        return;
    }
    let Some(name) = fold(cx, assigned, step, text) else {
        return;
    };
    if let Some(ctx) = cx.context(&name) {
        jumps.refer(step, range, Destination::Context(ctx));
    } else {
        let mut d = step.diag(
            codes::MISSING_TARGET,
            format!(
                "`{}` names context `{}`, which does not exist",
                step.app_name(),
                show(&name)
            ),
            range,
        );
        if let Some(similar) = cx.similar_context(&name) {
            d = d.with_help(format!("did you mean `{similar}`?"));
        }
        out.push(d);
    }
}

/// `GotoIf(c ? yes : no)`: the spaces belong to the label.
fn padded(step: &Step, arg: &Arg, out: &mut Vec<Diagnostic>) -> bool {
    let text = step.text(arg.range.clone());
    let trimmed = text.trim_ascii();
    if trimmed.is_empty() || trimmed.len() == text.len() || trimmed.contains(&b',') {
        // A destination with commas keeps its spaces in context/extension names, which the
        // target check reports as missing.
        return false;
    }
    let lead = text.len() - text.trim_ascii_start().len();
    let inner = arg.range.start + lead..arg.range.start + lead + trimmed.len();
    let mut d = step
        .diag(
            codes::PADDED_LABEL,
            format!(
                "`{}` jumps to the label `{}`, spaces included: no label is named like that",
                step.app_name(),
                show(text)
            ),
            arg.range.clone(),
        )
        .with_help("Asterisk does not trim the destinations around `?` and `:`");
    if step.exact() {
        let mut edits = Vec::new();
        for r in [arg.range.start..inner.start, inner.end..arg.range.end] {
            if !r.is_empty() {
                let (file, range) = step.span(r);
                edits.push(Edit {
                    file,
                    range,
                    replacement: String::new(),
                });
            }
        }
        d = d.with_fix(format!("write `{}`", show(trimmed)), edits);
    }
    out.push(d);
    true
}

/// Option letters whose argument is a destination (Dial's F, G, U, b, B; Queue's…).
fn options(
    cx: &Cx,
    assigned: &HashSet<Vec<u8>>,
    step: &Step,
    entry: &pbxc_stdlib::Entry,
    args: &[Arg],
    jumps: &mut Jumps,
    out: &mut Vec<Diagnostic>,
) {
    let Some(params) = &entry.params else { return };
    let Some(i) = params.iter().position(|p| p.kind == ArgKind::Options) else {
        return;
    };
    let Some(arg) = args.get(i) else { return };
    for (letter, inner) in super::applications::option_args(step.data, arg.range.clone()) {
        let Some(inner) = inner.filter(|r| !r.is_empty()) else {
            continue;
        };
        let Some(spec) = entry.option(&(letter as char).to_string()) else {
            continue;
        };
        let Some((kind, _)) = &spec.arg else { continue };
        match kind {
            ArgKind::GotoCaret | ArgKind::GosubCaret => {
                if let Some(dest) =
                    Dest::parse(step.data, inner, b'^', *kind == ArgKind::GosubCaret)
                {
                    resolve(cx, assigned, step, &dest, step.data, jumps, out);
                }
            }
            ArgKind::Subroutine => {
                // `U(context^arg…)` runs `context,s,1`.
                let text = step.text(inner.clone());
                let end = text.iter().position(|&c| c == b'^').unwrap_or(text.len());
                let name = inner.start..inner.start + end;
                let Some(context) = fold(cx, assigned, step, step.text(name.clone())) else {
                    continue;
                };
                match cx.context(&context) {
                    None => out.push(step.diag(
                        codes::MISSING_TARGET,
                        format!(
                            "option `{}` runs subroutine context `{}`, which does not exist",
                            letter as char,
                            show(&context)
                        ),
                        name,
                    )),
                    Some(ctx) => {
                        jumps.refer(step, name.clone(), Destination::Context(ctx));
                        if let Found::Yes(c, e, n) =
                            find(cx, ctx, b"s", &Want::Priority(1), &mut Vec::new())
                        {
                            jumps.reached.insert((c, e, n));
                        } else {
                            out.push(step.diag(
                                codes::MISSING_TARGET,
                                format!(
                                    "option `{}` runs `s,1` of context `{}`, which has none",
                                    letter as char,
                                    show(&context)
                                ),
                                name,
                            ));
                        }
                    }
                }
            }
            ArgKind::Context => context_only(cx, assigned, step, inner, jumps, out),
            _ => {}
        }
    }
}

/// `Local/exten@context` among Dial's targets: references for navigation only (a Local
/// channel that finds no extension fails the dial, not the dialplan, so nothing is reported).
fn local_targets(
    cx: &Cx,
    assigned: &HashSet<Vec<u8>>,
    step: &Step,
    range: Range<usize>,
    jumps: &mut Jumps,
) {
    let mut start = range.start;
    for piece in step.text(range.clone()).split(|&c| c == b'&') {
        let at = start;
        start += piece.len() + 1;
        // Channel technologies are looked up case-insensitively.
        let Some(rest) = piece
            .get(..6)
            .filter(|t| t.eq_ignore_ascii_case(b"Local/"))
            .map(|_| &piece[6..])
        else {
            continue;
        };
        let rest_at = at + b"Local/".len();
        // `exten@context[/options]`
        let end = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
        let Some(sep) = rest[..end].iter().position(|&c| c == b'@') else {
            continue;
        };
        let exten_range = rest_at..rest_at + sep;
        let context_range = rest_at + sep + 1..rest_at + end;
        let (Some(context), Some(exten)) = (
            fold(cx, assigned, step, step.text(context_range.clone())),
            fold(cx, assigned, step, step.text(exten_range.clone())),
        ) else {
            continue;
        };
        let Some(ctx) = cx.context(&context) else {
            continue;
        };
        jumps.refer(step, context_range, Destination::Context(ctx));
        if let Found::Yes(c, e, _) = find(cx, ctx, &exten, &Want::Priority(1), &mut Vec::new()) {
            jumps.refer(step, exten_range, Destination::Extension(c, e));
        }
    }
}

/// Include cycles, each reported once at the include that closes it.
fn include_cycles(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let n = cx.plan.contexts.len();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first search: (context, next include to look at).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (ctx, ref mut next)) = stack.last_mut() {
            let includes = &cx.plan.contexts[ctx].includes;
            if *next >= includes.len() {
                state[ctx] = 2;
                stack.pop();
                path.pop();
                continue;
            }
            let inc = *next;
            *next += 1;
            let Some(target) = cx.context(&includes[inc].context) else {
                continue;
            };
            match state[target] {
                0 => {
                    state[target] = 1;
                    path.push((ctx, inc));
                    stack.push((target, 0));
                }
                1 => {
                    let mut names: Vec<String> = stack
                        .iter()
                        .skip_while(|(c, _)| *c != target)
                        .map(|(c, _)| show(&cx.plan.contexts[*c].name))
                        .collect();
                    names.push(show(&cx.plan.contexts[target].name));
                    let origin = includes[inc].origin;
                    let mut d = Diagnostic::new(
                        codes::INCLUDE_CYCLE,
                        format!("contexts include each other in a cycle: {}", names.join(" → ")),
                        origin.file,
                        origin.range,
                    )
                    .with_help("Asterisk skips a context already being searched, so the cycle adds nothing; remove one include");
                    if let Some(first) = cx.plan.contexts[target].sections.first() {
                        d = d.with_secondary(
                            Label::new(first.file, first.range)
                                .with_message("the cycle starts here"),
                        );
                    }
                    out.push(d);
                }
                _ => {}
            }
        }
    }
}
