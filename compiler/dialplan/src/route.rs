//! Which extension answers a number: `_extension_match_core` and the search of
//! `pbx_find_extension` (main/pbx.c, the default "old" matcher). The search walks the
//! context's entries in Asterisk's order and takes the first that matches the number, passes
//! the caller-ID test and has the priority; then switches (not resolved offline), then the
//! includes depth-first, each context once (case-insensitively) per lookup, at most
//! [`MAX_STACK`] contexts in all.

use crate::model::{Context, Dialplan, Extension, Include};
use crate::timing::Moment;

/// `AST_PBX_MAX_STACK`: a search enters at most this many contexts. Once that many are
/// marked searched, every include it would still follow (past its time condition, before
/// anything else is asked of it) fails with Asterisk's warning, [`STACK_WARNING`]: the
/// contexts beyond are never searched.
pub const MAX_STACK: usize = 512;

/// What Asterisk logs at each include a full search cannot follow.
pub const STACK_WARNING: &str = "WARNING: Maximum PBX stack (512) exceeded. Too many includes?";

/// `E_MATCH`, `E_CANMATCH`, `E_MATCHMORE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Match,
    CanMatch,
    MatchMore,
}

fn strlen_no_dash(s: &[u8]) -> usize {
    s.iter().filter(|&&c| c != b'-').count()
}

/// 0 no match, 1 match, 2 early match (`!`).
pub fn extension_match(pattern: &[u8], data: &[u8], mode: Mode) -> u8 {
    if pattern.first() != Some(&b'_') {
        let (lp, ld) = (strlen_no_dash(pattern), strlen_no_dash(data));
        if lp < ld {
            return 0;
        }
        let p = pattern.iter().filter(|&&c| c != b'-');
        let d = data.iter().filter(|&&c| c != b'-');
        if mode == Mode::Match {
            return u8::from(p.eq(d));
        }
        let prefix = p.zip(d.clone()).all(|(a, b)| a == b);
        return if ld == 0 || prefix {
            if mode == Mode::MatchMore {
                u8::from(lp > ld)
            } else {
                1
            }
        } else {
            0
        };
    }
    if mode == Mode::Match
        && data.first() == Some(&b'_')
        && crate::pattern::ext_cmp(pattern, data) == std::cmp::Ordering::Equal
    {
        return 1;
    }
    let p = &pattern[1..];
    let (mut pi, mut di) = (0, 0);
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    loop {
        while at(data, di) == b'-' {
            di += 1;
        }
        while at(p, pi) == b'-' {
            pi += 1;
        }
        let (pc, dc) = (at(p, pi), at(data, di));
        if dc == 0 || pc == 0 || pc == b'/' {
            break;
        }
        match pc {
            b'[' => {
                pi += 1;
                let Some(end) = p[pi.min(p.len())..]
                    .iter()
                    .position(|&c| c == b']')
                    .map(|e| e + pi)
                else {
                    return 0;
                };
                if pi == end {
                    pi += 1;
                    continue;
                }
                let mut found = false;
                while pi < end {
                    if pi + 2 < end && p[pi + 1] == b'-' {
                        if dc >= p[pi] && dc <= p[pi + 2] {
                            found = true;
                            break;
                        }
                        pi += 3;
                    } else {
                        if dc == p[pi] {
                            found = true;
                            break;
                        }
                        pi += 1;
                    }
                }
                if !found {
                    return 0;
                }
                pi = end;
            }
            b'n' | b'N' if !(b'2'..=b'9').contains(&dc) => return 0,
            b'x' | b'X' if !dc.is_ascii_digit() => return 0,
            b'z' | b'Z' if !(b'1'..=b'9').contains(&dc) => return 0,
            b'n' | b'N' | b'x' | b'X' | b'z' | b'Z' => {}
            b'.' => return 1,
            b'!' => return 2,
            c if c != dc => return 0,
            _ => {}
        }
        di += 1;
        pi += 1;
    }
    if at(data, di) != 0 {
        return 0;
    }
    match at(p, pi) {
        0 | b'/' => u8::from(mode != Mode::MatchMore),
        b'!' => 2,
        _ => u8::from(mode != Mode::Match),
    }
}

/// `matchcid`: an empty caller-ID pattern matches only a call without a number.
pub(crate) fn cid_matches(pattern: &Option<crate::model::Bytes>, callerid: Option<&[u8]>) -> bool {
    match (pattern, callerid.filter(|c| !c.is_empty())) {
        (None, _) => true,
        (Some(p), None) => p.is_empty(),
        (Some(p), Some(c)) => extension_match(p, c, Mode::Match) != 0,
    }
}

/// One entry looked at during a search, in the order Asterisk looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub context: usize,
    pub extension: usize,
    /// Why it was passed over, or `None` for the winner.
    pub rejected: Option<Rejection>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    CallerId,
    NoSuchPriority,
}

/// Notes on the search beyond the candidates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// An include of a context that does not exist.
    MissingInclude { from: usize, name: Vec<u8> },
    /// An include skipped because a context of that name (any case) was already searched.
    AlreadySearched { from: usize, name: Vec<u8> },
    /// A time-conditioned include, searched as if the condition held.
    TimeCondition { from: usize, include: usize },
    /// A switch Asterisk would ask before the includes; not resolved offline.
    Switch { context: usize, switch: usize },
    /// An include not followed because the search had entered [`MAX_STACK`] contexts.
    StackExceeded { from: usize, include: usize },
}

#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Matching entries in the order considered.
    pub candidates: Vec<Candidate>,
    pub notes: Vec<Note>,
    /// Contexts searched, in order.
    pub searched: Vec<usize>,
}

impl Search {
    pub fn winner(&self) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.rejected.is_none())
    }
}

/// What a search looks for in a matching extension.
#[derive(Clone, Copy, Debug)]
enum Want<'a> {
    Priority(i32),
    /// `E_FINDLABEL`: a priority with this label.
    Label(&'a [u8]),
}

/// Finds what runs for `exten` at `priority` in `context`, time-conditioned includes searched
/// as if their condition held (for checks and explanations, which know no time).
pub fn find(
    plan: &Dialplan,
    context: &[u8],
    exten: &[u8],
    priority: i32,
    callerid: Option<&[u8]>,
) -> Search {
    search(
        plan,
        context,
        exten,
        Want::Priority(priority),
        callerid,
        None,
    )
}

/// [`find`] for a call at `now` (seconds since the epoch): a time-conditioned include is
/// searched only when its condition holds then.
pub fn find_at(
    plan: &Dialplan,
    context: &[u8],
    exten: &[u8],
    priority: i32,
    callerid: Option<&[u8]>,
    now: Moment,
) -> Search {
    search(
        plan,
        context,
        exten,
        Want::Priority(priority),
        callerid,
        Some(now),
    )
}

/// `ast_findlabel_extension`: the priority number of `label` in the extension that answers
/// `exten` in `context` (includes searched as for a call), or `None`.
pub fn find_label(
    plan: &Dialplan,
    context: &[u8],
    exten: &[u8],
    label: &[u8],
    callerid: Option<&[u8]>,
    now: Option<Moment>,
) -> Option<i32> {
    let found = label_search(plan, context, exten, label, callerid, now);
    let winner = found.winner()?;
    plan.contexts[winner.context].extensions[winner.extension]
        .priorities
        .iter()
        .find(|p| p.label.as_deref() == Some(label))
        .map(|p| p.number)
}

/// The search [`find_label`] makes: every candidate and note on the way.
pub fn label_search(
    plan: &Dialplan,
    context: &[u8],
    exten: &[u8],
    label: &[u8],
    callerid: Option<&[u8]>,
    now: Option<Moment>,
) -> Search {
    search(plan, context, exten, Want::Label(label), callerid, now)
}

fn search(
    plan: &Dialplan,
    context: &[u8],
    exten: &[u8],
    want: Want,
    callerid: Option<&[u8]>,
    now: Option<Moment>,
) -> Search {
    let mut search = Search::default();
    let mut stack: Vec<&[u8]> = Vec::new();
    if let Some(ctx) = plan.contexts.iter().position(|c| c.name == context) {
        let query = Query {
            exten,
            want,
            callerid,
            now,
        };
        walk(plan, ctx, &query, &mut stack, &mut search);
    }
    search
}

/// What one search looks for.
struct Query<'a> {
    exten: &'a [u8],
    want: Want<'a>,
    callerid: Option<&'a [u8]>,
    now: Option<Moment>,
}

fn walk<'p>(
    plan: &'p Dialplan,
    ctx: usize,
    q: &Query,
    stack: &mut Vec<&'p [u8]>,
    search: &mut Search,
) -> bool {
    let (exten, want, callerid) = (q.exten, q.want, q.callerid);
    let c: &Context = &plan.contexts[ctx];
    stack.push(&c.name);
    search.searched.push(ctx);
    for (i, e) in c.extensions.iter().enumerate() {
        if extension_match(&e.name, exten, Mode::Match) == 0 {
            continue;
        }
        let rejected = if !cid_matches(&e.cid, callerid) {
            Some(Rejection::CallerId)
        } else if !has(e, want) {
            Some(Rejection::NoSuchPriority)
        } else {
            None
        };
        search.candidates.push(Candidate {
            context: ctx,
            extension: i,
            rejected,
        });
        if rejected.is_none() {
            return true;
        }
    }
    for s in 0..c.switches.len() {
        search.notes.push(Note::Switch {
            context: ctx,
            switch: s,
        });
    }
    for (n, inc) in c.includes.iter().enumerate() {
        if stack.len() >= MAX_STACK {
            // The limit is checked once the include's time condition holds, before
            // whether its context was searched or exists.
            if !is_timed(inc) || q.now.is_none_or(|now| is_open(inc, now)) {
                search.notes.push(Note::StackExceeded {
                    from: ctx,
                    include: n,
                });
            }
            continue;
        }
        let target = match follow(plan, inc, stack) {
            Follow::Into(target) => target,
            Follow::AlreadySearched => {
                search.notes.push(Note::AlreadySearched {
                    from: ctx,
                    name: inc.context.clone(),
                });
                continue;
            }
            Follow::Missing => {
                search.notes.push(Note::MissingInclude {
                    from: ctx,
                    name: inc.context.clone(),
                });
                continue;
            }
        };
        if is_timed(inc) {
            match q.now {
                Some(now) if !is_open(inc, now) => continue,
                Some(_) => {}
                None => search.notes.push(Note::TimeCondition {
                    from: ctx,
                    include: n,
                }),
            }
        }
        if walk(plan, target, q, stack, search) {
            return true;
        }
    }
    false
}

fn has(e: &Extension, want: Want) -> bool {
    match want {
        Want::Priority(n) => e.priority(n).is_some(),
        Want::Label(label) => e
            .priorities
            .iter()
            .any(|p| p.label.as_deref() == Some(label)),
    }
}

/// `ast_matchmore_extension`: whether some extension reachable from `context` could still
/// match `number` once more digits are dialled. A `!` pattern that matches (for this
/// caller) ends the search of its context with "no" (it answers as soon as it matches); the
/// search goes on in the includes after it, as `pbx_find_extension` returns NULL only from
/// that context.
pub fn matchmore(
    plan: &Dialplan,
    context: &[u8],
    number: &[u8],
    callerid: Option<&[u8]>,
    now: Moment,
) -> bool {
    matchmore_passing(plan, context, number, callerid, now, &mut Passed::default())
}

/// What a search passed on the way besides its answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Passed {
    /// The switches `(context, switch)` it asked, after each context's own extensions and
    /// before its includes (none answers offline).
    pub switches: Vec<(usize, usize)>,
    /// Whether it met an include it could not follow, having entered [`MAX_STACK`]
    /// contexts (Asterisk then logs [`STACK_WARNING`]).
    pub stack_exceeded: bool,
}

/// [`matchmore`], and what the search passed on the way ([`Passed`]).
pub fn matchmore_passing(
    plan: &Dialplan,
    context: &[u8],
    number: &[u8],
    callerid: Option<&[u8]>,
    now: Moment,
    passed: &mut Passed,
) -> bool {
    fn walk<'p>(
        plan: &'p Dialplan,
        ctx: usize,
        number: &[u8],
        callerid: Option<&[u8]>,
        now: Moment,
        visited: &mut Vec<&'p [u8]>,
        passed: &mut Passed,
    ) -> Option<bool> {
        let c = &plan.contexts[ctx];
        visited.push(&c.name);
        for e in &c.extensions {
            let found = extension_match(&e.name, number, Mode::MatchMore);
            if found == 0 || !cid_matches(&e.cid, callerid) {
                continue;
            }
            // A `!` pattern "is final and is NULL" (pbx.c): this context's search returns
            // nothing, so the whole search answers no when it is the one searched first,
            // and the context that included it goes on with its next include.
            if found == 2 {
                return None;
            }
            return Some(true);
        }
        passed
            .switches
            .extend((0..c.switches.len()).map(|s| (ctx, s)));
        for inc in &c.includes {
            if is_timed(inc) && !is_open(inc, now) {
                continue;
            }
            if visited.len() >= MAX_STACK {
                passed.stack_exceeded = true;
                continue;
            }
            let Follow::Into(target) = follow(plan, inc, visited) else {
                continue;
            };
            if let Some(answer) = walk(plan, target, number, callerid, now, visited, passed) {
                return Some(answer);
            }
        }
        None
    }
    let Some(ctx) = plan.contexts.iter().position(|c| c.name == context) else {
        return false;
    };
    walk(plan, ctx, number, callerid, now, &mut Vec::new(), passed).unwrap_or(false)
}

/// Where a search goes from an include (`pbx_find_extension`): the context it names, unless
/// one of that name (compared case-insensitively) was already searched, or none exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Follow {
    Into(usize),
    AlreadySearched,
    Missing,
}

pub(crate) fn follow(plan: &Dialplan, inc: &Include, searched: &[&[u8]]) -> Follow {
    follow_to(
        plan.contexts.iter().position(|x| x.name == inc.context),
        inc,
        searched,
    )
}

/// [`follow`] where the context `inc` names (exactly) is known: `target`.
pub(crate) fn follow_to(target: Option<usize>, inc: &Include, searched: &[&[u8]]) -> Follow {
    if searched
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&inc.context))
    {
        return Follow::AlreadySearched;
    }
    match target {
        Some(target) => Follow::Into(target),
        None => Follow::Missing,
    }
}

/// Whether an include has a time condition (`include => ctx,times,…`).
pub(crate) fn is_timed(inc: &Include) -> bool {
    inc.value.len() > inc.context.len()
}

/// Whether an include's time condition names a time zone: whether it is open may then
/// change at any second (a zone's offset may have seconds: local mean time, Monrovia until
/// 1972), not only when a minute of the epoch begins.
pub fn is_zoned(inc: &Include) -> bool {
    is_timed(inc) && timing(inc).is_some_and(|t| t.timezone.is_some())
}

/// Whether a time-conditioned include is open at `now` (an unreadable condition never
/// closes it, as `ast_build_timing` then leaves the include untimed).
pub(crate) fn is_open(inc: &Include, now: Moment) -> bool {
    timing(inc).is_none_or(|t| t.matches(now))
}

/// A time-conditioned include's condition; `None` when it does not parse.
pub(crate) fn timing(inc: &Include) -> Option<crate::timing::Timing> {
    let spec = inc.value.get(inc.context.len() + 1..)?;
    crate::timing::Timing::parse(spec, &mut Vec::new())
}
