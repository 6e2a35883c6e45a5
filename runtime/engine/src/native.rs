//! Which priorities run as native code, and what the runtime keeps for them.
//!
//! A priority gets a native fast path (`pbxc_codegen::Step::Set` or `Step::Branch`) when its
//! whole effect can be derived from one integer: its data is `BEFORE$[L op R]AFTER` with
//! `L` and `R` each a literal integer or a plain `${NAME}`, nothing else to substitute,
//! and the application is `Set` (the value stored is `BEFORE`/`AFTER` around the number) or
//! `GotoIf` (the number is the condition, and the branches land on priorities known when
//! compiling). The generated code computes `L op R`; the runtime stores it or moves the call
//! exactly as the interpreter would after substituting the same data, because:
//!
//! - `${NAME}` with a plain name is a variable read, with no effect; the fast path takes its
//!   value only when it is a canonical integer (`0` or `-?[1-9][0-9]{0,16}`), which the
//!   expression's lexer sees as that one number whatever surrounds it, and which holds no
//!   `?` or `:` to change where GotoIf cuts its data;
//! - `pbxc_codegen::Op::apply` computes what `$[...]` prints for such operands, or refuses
//!   (an inexact quotient, a product that may print with an exponent) — pinned against the
//!   expression evaluator by `tests::apply_prints_what_the_evaluator_prints`;
//! - a branch target is static only when it is a plain priority number, or a label that no
//!   extension searched before this one has and this one has.
//!
//! A body that compares texts — `$["${DIALSTATUS}" = "BUSY"]`, at least one side a quoted
//! string of text and plain `${NAME}`s, the other such a string or a bare word — is an
//! operand of its own ([`Read::Compare`]): the runtime fills in the values and compares the
//! two sides' texts, quotes included, byte by byte, as `$[...]` does when either side is a
//! string; a value holding a `"` (which would end its token early) or a body too long for
//! substitution to take whole falls back.
//!
//! `While($[L op R])` is computed the same way, the runtime then doing what While does with
//! that number. A step whose effect is fixed before the call runs is a `Step::Pass`: `NoOp`
//! and `Verbose` whose data only reads plain variables (counted and, when the engine
//! traces, shown — nothing else), `Set(name=value)` with nothing to substitute, `Goto` to a
//! static target (jumped to directly within the extension), and `EndWhile()`.
//!
//! Any other application whose data only reads plain variables (`Dial(PJSIP/${EXTEN})`)
//! keeps a template of it: the runtime concatenates the pieces instead of scanning the text,
//! then runs the application. Anything else runs whole in the runtime, as the interpreter
//! runs it.

use pbxc_codegen::{IntExpr, Op, Operand, Step};
use pbxc_dialplan::route_index::RouteIndex;
use pbxc_dialplan::timing::Moment;
use pbxc_dialplan::{Dialplan, Extension, Priority};

/// How the priorities of a dialplan run under the JIT, each reached from its own context:
/// wholly native ([`Share::native`], by kind), with a compiled data template, or calling the
/// runtime for the whole step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Share {
    pub priorities: u64,
    /// `Set(x=$[...])` computed natively.
    pub set: u64,
    /// `GotoIf($[...]?...)` and `While($[...])` decided natively (integers, or texts
    /// compared).
    pub branch: u64,
    /// Fixed effects: `NoOp`, `Set(x=literal)`, `Goto(label)`, `EndWhile()`, `Gosub` to a
    /// fixed place, `Return`.
    pub pass: u64,
    /// Any other application whose data only reads plain variables: the data is built
    /// without scanning it, then the application runs in the runtime.
    pub template: u64,
}

impl Share {
    pub fn native(&self) -> u64 {
        self.set + self.branch + self.pass
    }

    pub fn add(&mut self, other: Share) {
        self.priorities += other.priorities;
        self.set += other.set;
        self.branch += other.branch;
        self.pass += other.pass;
        self.template += other.template;
    }
}

/// What `prepare` makes of every priority of `plan`, as the JIT compiles it for a call in
/// the extension's own context (chains are refused where caller-ID variants make routing
/// depend on the caller; a context's own extensions come before any time-conditioned
/// include).
pub fn native_share(plan: &Dialplan) -> Share {
    let index = pbxc_dialplan::route_index::RouteIndex::new(plan);
    let mut share = Share::default();
    for (c, context) in plan.contexts.iter().enumerate() {
        let real = |e: &Extension| e.priorities.iter().filter(|p| p.number >= 1).count() as u64;
        share.priorities += context.extensions.iter().map(real).sum::<u64>();
        let order = index.fixed_order(c);
        for (position, &(cc, e)) in order.iter().enumerate() {
            if cc as usize != c {
                continue;
            }
            let extension = &context.extensions[e as usize];
            let earlier = &order[..position];
            let variant = |&(c, e): &(u32, u32)| {
                plan.contexts[c as usize].extensions[e as usize]
                    .cid
                    .is_some()
            };
            if extension.cid.is_some() || earlier.iter().any(variant) {
                continue;
            }
            let place = Place {
                plan,
                index: &index,
                extension,
                earlier,
            };
            for priority in extension.priorities.iter().filter(|p| p.number >= 1) {
                match prepare(&place, priority, 0).map(|(_, p)| p) {
                    Some(Prepared::Set(_)) => share.set += 1,
                    Some(Prepared::Branch(_) | Prepared::While { .. }) => share.branch += 1,
                    Some(Prepared::Template(_)) => share.template += 1,
                    Some(_) => share.pass += 1,
                    None => {}
                }
            }
        }
    }
    share
}

/// The longest `${...}` or `$[...]` body substitution reads whole (`VAR_BUF_SIZE - 1`).
const BODY_LIMIT: usize = crate::subst::Limits::APP_DATA.value;

/// What the runtime keeps for a priority with a fast path. The larger cases are boxed, so
/// that the commonest (`NoOp`, a template) keep a step small: a dialplan compiled whole has
/// a step for each of its priorities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Prepared {
    /// `Set(name=before<number>after)`.
    Set(Box<SetNumber>),
    /// `GotoIf(<number>after)`.
    Branch(Box<Branch>),
    /// `While(<number>)`.
    While { reads: Vec<Read> },
    /// `NoOp` or `Verbose` whose data only reads plain variables.
    Pass,
    /// `Set(name=value)` with nothing to substitute.
    Assign(Box<Assign>),
    /// `Goto(label)` or `Goto(n)`: to that priority of the same extension.
    Goto(i32),
    /// `EndWhile()`.
    EndWhile,
    /// Any application whose data only reads plain variables: the data is these pieces'
    /// concatenation.
    Template(Vec<Piece>),
    /// `Goto(exten,n)` or `Goto(context,exten,n)` (an empty name keeps the call's).
    GotoElsewhere(Box<Destination>),
    /// `Gosub(context,exten,n(arguments))` to a priority every call finds there.
    Gosub(Box<(Destination, Vec<Vec<u8>>)>),
    /// `Return(value)`, nothing in `value` to substitute.
    Return(Vec<u8>),
}

/// `Set(name=before<number>after)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetNumber {
    pub name: Vec<u8>,
    pub before: Vec<u8>,
    pub after: Vec<u8>,
    pub reads: Vec<Read>,
}

/// `GotoIf(<number>after)`, where `after` is `?iftrue[:iffalse]`; each branch is the
/// priority it goes to, or `None` for none (the call continues).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Branch {
    pub after: Vec<u8>,
    pub iftrue: Option<i32>,
    pub iffalse: Option<i32>,
    pub reads: Vec<Read>,
}

/// `Set(name=value)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Assign {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

/// A priority of an extension of a context, by name (an empty name keeps the call's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Destination {
    pub context: Vec<u8>,
    pub exten: Vec<u8>,
    pub priority: i32,
}

/// An operand of a native expression: what [`pbxc_codegen::Host::operand`] answers for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// `${NAME}`: its value when it is a small canonical integer.
    Variable(Vec<u8>),
    /// A whole `$[L op R]` that compares texts: 1 or 0.
    Compare(Comparison),
}

/// `L op R` where at least one side is a quoted string, so that `$[...]` compares the two
/// sides' texts, quotes included, byte by byte (`strcoll` in the C locale). Each side is
/// the text of its token: a quoted one with its quotes, its variables filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub left: Vec<Piece>,
    pub op: Op,
    pub right: Vec<Piece>,
    /// The length of the body as written: the substituted body is at most this plus the
    /// values' lengths.
    pub written: usize,
}

/// A part of a [`Prepared::Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(Vec<u8>),
    /// `${NAME}`.
    Variable(Vec<u8>),
}

impl Prepared {
    /// The operands the generated code reads, by index.
    pub(crate) fn reads(&self) -> &[Read] {
        match self {
            Prepared::Set(set) => &set.reads,
            Prepared::Branch(branch) => &branch.reads,
            Prepared::While { reads } => reads,
            Prepared::Pass
            | Prepared::Assign(_)
            | Prepared::Goto(_)
            | Prepared::GotoElsewhere(_)
            | Prepared::Gosub(_)
            | Prepared::Return(_)
            | Prepared::EndWhile
            | Prepared::Template(_) => &[],
        }
    }

    /// The priority a jump of this step lands on when taken, if it is known.
    pub(crate) fn landing(&self) -> Option<i32> {
        match *self {
            Prepared::Branch(ref branch) => branch.iftrue,
            Prepared::Goto(n) => Some(n),
            _ => None,
        }
    }
}

/// Where a priority is compiled: the extension as reached from a context, after the
/// extensions searched before it there.
pub(crate) struct Place<'a> {
    pub plan: &'a Dialplan,
    pub index: &'a RouteIndex<'a>,
    pub extension: &'a Extension,
    /// `(context, extension)` indices searched before `extension`, in order.
    pub earlier: &'a [(u32, u32)],
}

/// The native step of `priority` (numbered `id` by the runtime) and what the runtime keeps
/// for it, or `None` when it runs whole.
pub(crate) fn prepare(place: &Place, priority: &Priority, id: u32) -> Option<(Step, Prepared)> {
    let app = std::str::from_utf8(&priority.app).ok()?;
    let entry = pbxc_stdlib::catalog()
        .application(app)
        .filter(|e| e.in_version(22))?;
    let data = &priority.data;
    // Substituted data is cut at 8191 bytes (`Limits::APP_DATA`); the fast paths never cut,
    // so they keep well below it (a configuration line cannot exceed it anyway).
    if data.len() > 8000 {
        return None;
    }
    let pass = Step::Pass { id, taken: None };
    let fixed = !data.iter().any(|&c| c == b'$' || c == 0);
    match entry.name.as_str() {
        // They do nothing but show their data, and reading plain variables has no effect.
        // (`Log` writes to the log: the runtime runs it.)
        "NoOp" | "Verbose" => {
            return only_plain_variables(data).then_some((pass, Prepared::Pass));
        }
        "Set" if fixed => {
            let (name, value) = set_target(data)?;
            let prepared = Prepared::Assign(Box::new(Assign {
                name: name.to_vec(),
                value: value.to_vec(),
            }));
            return Some((pass, prepared));
        }
        "Goto" if fixed => return goto(place, data).map(|g| (pass, g)),
        // EndWhile reads no argument; its bookkeeping is While's, done by the runtime.
        "EndWhile" if fixed => return Some((pass, Prepared::EndWhile)),
        "Gosub" if fixed => return gosub(place, data).map(|g| (pass, g)),
        "Return" if fixed => return Some((pass, Prepared::Return(data.to_vec()))),
        _ => {}
    }
    arithmetic(place, &entry.name, data, id).or_else(|| template(data).map(|t| (Step::Call(id), t)))
}

/// `Set`, `GotoIf` and `While` over `$[L op R]` (see the module docs).
fn arithmetic(place: &Place, app: &str, data: &[u8], id: u32) -> Option<(Step, Prepared)> {
    let (before, body, after) = split_data(data)?;
    let mut reads = Vec::new();
    let expr = expression(body, &mut reads).or_else(|| {
        reads.clear();
        comparison(body, &mut reads)
    })?;
    let branch = Step::Branch {
        id,
        expr,
        taken: None,
    };
    match app {
        "Set" => {
            let (name, before) = set_target(before)?;
            let prepared = Prepared::Set(Box::new(SetNumber {
                name: name.to_vec(),
                before: before.to_vec(),
                after: after.to_vec(),
                reads,
            }));
            Some((Step::Set { id, expr }, prepared))
        }
        "GotoIf" => {
            // The number is the whole condition: GotoIf cuts at the first `?`, then `:`.
            if !before.is_empty() || after.first() != Some(&b'?') {
                return None;
            }
            let rest = &after[1..];
            let (iftrue, iffalse) = match rest.iter().position(|&c| c == b':') {
                Some(colon) => (&rest[..colon], Some(&rest[colon + 1..])),
                None => (rest, None),
            };
            let prepared = Prepared::Branch(Box::new(Branch {
                after: after.to_vec(),
                iftrue: target(place, Some(iftrue))?,
                iffalse: target(place, iffalse)?,
                reads,
            }));
            Some((branch, prepared))
        }
        // The number is the whole condition.
        "While" if before.is_empty() && after.is_empty() => {
            Some((branch, Prepared::While { reads }))
        }
        _ => None,
    }
}

/// `Set`'s data cut at its first `=` into the name and the rest of the value, when the name
/// is one `Set` stores as a channel variable without a word: a blank in it gets a warning,
/// a `)` at its end makes it a function write, both left to the runtime.
fn set_target(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = data.iter().position(|&c| c == b'=')?;
    let name = &data[..eq];
    let settable = !name.is_empty() && !name.contains(&b' ') && name.last() != Some(&b')');
    settable.then(|| (name, &data[eq + 1..]))
}

/// Data that only reads plain variables, as its literal text and variable names in order:
/// substituting it is their concatenation, which the runtime builds without scanning the
/// text (`None` when there is nothing to substitute, or more than plain variables).
fn template(data: &[u8]) -> Option<Prepared> {
    if !only_plain_variables(data) || !data.windows(2).any(|w| w == b"${") {
        return None;
    }
    let mut pieces = Vec::new();
    let mut rest = data;
    while let Some(open) = rest.windows(2).position(|w| w == b"${") {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_vec()));
        }
        let close = open + rest[open..].iter().position(|&c| c == b'}')?;
        pieces.push(Piece::Variable(rest[open + 2..close].to_vec()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_vec()));
    }
    Some(Prepared::Template(pieces))
}

/// Whether substituting `data` only reads plain variables (`${NAME}`), which has no effect:
/// no function, no expression, no substring, nothing unbalanced.
fn only_plain_variables(data: &[u8]) -> bool {
    let mut rest = data;
    while let Some(dollar) = rest.iter().position(|&c| c == b'$') {
        let Some(body) = rest[dollar + 1..].strip_prefix(b"{") else {
            return false;
        };
        let Some(close) = body.iter().position(|&c| c == b'}') else {
            return false;
        };
        let name = &body[..close];
        // (Substitution looks up only the first 4,095 bytes of a longer name.)
        if name.is_empty()
            || name.len() > BODY_LIMIT
            || !name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        {
            return false;
        }
        rest = &body[close + 1..];
    }
    !data.contains(&0)
}

/// `BEFORE$[BODY]AFTER` with nothing else that substitution or the C string would touch.
fn split_data(data: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let open = data.windows(2).position(|w| w == b"$[")?;
    let close = open + 2 + data[open + 2..].iter().position(|&c| c == b']')?;
    let (before, body, after) = (&data[..open], &data[open + 2..close], &data[close + 1..]);
    // Substitution evaluates only the first 4,095 bytes of a longer body.
    if body.len() > BODY_LIMIT {
        return None;
    }
    let inert = |text: &[u8]| !text.iter().any(|c| matches!(c, b'$' | b'[' | b']' | 0));
    (inert(before) && inert(after) && !body.contains(&0)).then_some((before, body, after))
}

/// `L op R`, blank-separated, each side a literal or a plain `${NAME}` (recorded in
/// `reads`).
fn expression(body: &[u8], reads: &mut Vec<Read>) -> Option<IntExpr> {
    let words: Vec<&[u8]> = body
        .split(|&c| c == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    let [left, op, right] = words.as_slice() else {
        return None;
    };
    let op = match *op {
        b"+" => Op::Add,
        b"-" => Op::Sub,
        b"*" => Op::Mul,
        b"/" => Op::Div,
        b"%" => Op::Rem,
        b"<" => Op::Lt,
        b"<=" => Op::Le,
        b">" => Op::Gt,
        b">=" => Op::Ge,
        b"=" | b"==" => Op::Eq,
        b"!=" => Op::Ne,
        _ => return None,
    };
    let mut operand = |word: &[u8]| -> Option<Operand> {
        if let Some(n) = small_integer(word) {
            return Some(Operand::Const(n));
        }
        let name = word.strip_prefix(b"${")?.strip_suffix(b"}")?;
        let plain =
            !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_');
        if !plain {
            return None;
        }
        reads.push(Read::Variable(name.to_vec()));
        Some(Operand::Read(reads.len() as u32 - 1))
    };
    Some(IntExpr {
        left: operand(left)?,
        op,
        right: operand(right)?,
    })
}

/// `L op R` comparing texts (see [`Comparison`]): three tokens as the expression's lexer
/// cuts them — each side a quoted string of text and plain `${NAME}`s, or a bare word of
/// letters, digits and `_` — with at least one side quoted, and `op` one of `= == != < <= >
/// >=`. The expression's value is the comparison's, an operand read as `0 + that`.
fn comparison(body: &[u8], reads: &mut Vec<Read>) -> Option<IntExpr> {
    // Substitution's bracket matching would count a `[` (and the body ends at the first `]`).
    if body.contains(&b'[') {
        return None;
    }
    let mut rest = body;
    let mut token = || -> Option<Token> {
        rest = skip_blanks(rest);
        let (token, after) = lex(rest)?;
        rest = after;
        Some(token)
    };
    let (Token::Side(left, lq), Token::Op(op), Token::Side(right, rq)) =
        (token()?, token()?, token()?)
    else {
        return None;
    };
    if !skip_blanks(rest).is_empty() || !(lq || rq) {
        return None;
    }
    reads.push(Read::Compare(Comparison {
        left,
        op,
        right,
        written: body.len(),
    }));
    Some(IntExpr {
        left: Operand::Const(0),
        op: Op::Add,
        right: Operand::Read(reads.len() as u32 - 1),
    })
}

/// What `$[L op R]` prints (1 or 0) for sides whose texts are `left` and `right`, at least
/// one of them a quoted string: `strcoll` in the C locale, bytes compared as unsigned.
/// `None` for an operator that does not compare.
pub(crate) fn compare_texts(op: Op, left: &[u8], right: &[u8]) -> Option<i64> {
    let order = left.cmp(right);
    let holds = match op {
        Op::Eq => order.is_eq(),
        Op::Ne => order.is_ne(),
        Op::Lt => order.is_lt(),
        Op::Le => order.is_le(),
        Op::Gt => order.is_gt(),
        Op::Ge => order.is_ge(),
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem => return None,
    };
    Some(i64::from(holds))
}

/// What the expression's lexer skips between tokens.
fn skip_blanks(text: &[u8]) -> &[u8] {
    let blanks = text
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    &text[blanks..]
}

enum Token {
    /// A side's text, and whether it is quoted.
    Side(Vec<Piece>, bool),
    Op(Op),
}

/// The token at the very start of `text`, and what follows it.
fn lex(text: &[u8]) -> Option<(Token, &[u8])> {
    match *text.first()? {
        b'"' => {
            let close = 1 + text[1..].iter().position(|&c| c == b'"')?;
            let inside = &text[1..close];
            if !only_plain_variables(inside) {
                return None;
            }
            let mut pieces = vec![Piece::Text(b"\"".to_vec())];
            match template(inside) {
                Some(Prepared::Template(inner)) => pieces.extend(inner),
                _ if inside.is_empty() => {}
                _ => pieces.push(Piece::Text(inside.to_vec())),
            }
            pieces.push(Piece::Text(b"\"".to_vec()));
            Some((Token::Side(pieces, true), &text[close + 1..]))
        }
        c if c.is_ascii_alphanumeric() || c == b'_' => {
            let end = text
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                .unwrap_or(text.len());
            let word = Piece::Text(text[..end].to_vec());
            Some((Token::Side(vec![word], false), &text[end..]))
        }
        _ => {
            let (op, len) = match text {
                [b'=', b'=', ..] => (Op::Eq, 2),
                [b'!', b'=', ..] => (Op::Ne, 2),
                [b'<', b'=', ..] => (Op::Le, 2),
                [b'>', b'=', ..] => (Op::Ge, 2),
                [b'=', ..] => (Op::Eq, 1),
                [b'<', ..] => (Op::Lt, 1),
                [b'>', ..] => (Op::Gt, 1),
                _ => return None,
            };
            // `=~` is the regex operator; `===` and the like are other token runs.
            let after = &text[len..];
            if after
                .first()
                .is_some_and(|c| matches!(c, b'=' | b'~' | b'!' | b'<' | b'>'))
            {
                return None;
            }
            Some((Token::Op(op), after))
        }
    }
}

/// A canonical decimal integer of at most 17 digits: `0` or `-?[1-9][0-9]{0,16}`.
pub(crate) fn small_integer(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let canonical = match digits {
        [b'0'] => !negative,
        [b'1'..=b'9', rest @ ..] => rest.len() < 17 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !canonical {
        return None;
    }
    let n = digits
        .iter()
        .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    Some(if negative { -n } else { n })
}

/// `Goto` with fixed data, cut as `pbx_parseable_goto` cuts it (`strsep` on `,` three
/// times): a priority of this extension (as a GotoIf branch), a plain priority number of
/// another extension or context, or a label of another context whose answer cannot change
/// (see [`label_elsewhere`]). Other labels elsewhere are looked up at run time.
fn goto(place: &Place, data: &[u8]) -> Option<Prepared> {
    let mut fields = data.splitn(4, |&c| c == b',');
    let first = fields.next()?;
    let (context, exten, priority) = match (fields.next(), fields.next()) {
        (None, _) => return target(place, Some(first))?.map(Prepared::Goto),
        (Some(priority), None) => (&b""[..], first, priority),
        (Some(exten), Some(priority)) => (first, exten, priority),
    };
    let digits = !priority.is_empty() && priority.len() <= 9;
    let priority = if digits && priority.iter().all(u8::is_ascii_digit) {
        std::str::from_utf8(priority).ok()?.parse().ok()?
    } else {
        label_elsewhere(place, context, exten, priority)?
    };
    Some(Prepared::GotoElsewhere(Box::new(Destination {
        context: context.to_vec(),
        exten: exten.to_vec(),
        priority,
    })))
}

/// `Gosub(context,exten,priority(arguments))` where every call finds the same destination:
/// the frame it pushes is all that is left to do when the call runs it. Anything else —
/// the call's own context, a relative jump, a destination that some calls or none find
/// — runs in the runtime, which reports what Asterisk reports.
fn gosub(place: &Place, data: &[u8]) -> Option<Prepared> {
    // app_stack.c: the label up to the first `(`, the arguments up to the last `)`.
    let (label, rest) = crate::args::strsep(data, b'(');
    let arguments = match rest {
        Some(rest) => {
            let end = rest.iter().rposition(|&c| c == b')')?;
            crate::args::raw(&rest[..end], 100)
        }
        None => Vec::new(),
    };
    let mut fields = label.splitn(4, |&c| c == b',');
    let (context, exten, priority) = (fields.next()?, fields.next()?, fields.next()?);
    if context.is_empty() || exten.is_empty() || !fixed_search(place, context) {
        return None;
    }
    let digits = !priority.is_empty() && priority.len() <= 9;
    let priority = if digits && priority.iter().all(u8::is_ascii_digit) {
        std::str::from_utf8(priority).ok()?.parse().ok()?
    } else {
        label_elsewhere(place, context, exten, priority)?
    };
    // Gosub checks the destination exists before it pushes anything.
    place
        .index
        .find(context, exten, priority, None, Moment::utc(0))?;
    Some(Prepared::Gosub(Box::new((
        Destination {
            context: context.to_vec(),
            exten: exten.to_vec(),
            priority,
        },
        arguments,
    ))))
}

/// Whether every call searching `context` finds the same extensions at any time: no
/// time-conditioned include and no caller-ID variant in its search (the dialplan never
/// changes under an engine). A search that may pass a switch is left to the runtime too,
/// which reports the switch.
fn fixed_search(place: &Place, context: &[u8]) -> bool {
    let index = place.index;
    let Some(c) = index.context(context).filter(|&c| !index.meets_switch(c)) else {
        return false;
    };
    let Some(order) = index.order(c) else {
        return false;
    };
    !order.iter().any(|&(c, e)| {
        place.plan.contexts[c as usize].extensions[e as usize]
            .cid
            .is_some()
    })
}

/// The priority `Goto(context,exten,label)` goes to, where every call finds the same one:
/// `ast_findlabel_extension` routes `exten` in `context` for the caller at the time, so the
/// answer is fixed when no time-conditioned include and no caller-ID variant is in that
/// context's search (the dialplan never changes under an engine). `None` otherwise, and
/// when the label is not found (the runtime then logs and hangs up, as Asterisk does).
fn label_elsewhere(place: &Place, context: &[u8], exten: &[u8], label: &[u8]) -> Option<i32> {
    // What `sscanf("%d")` cannot start on, so that `pbx_parseable_goto` takes it for a
    // label (and neither `+` nor `-`, which make a relative jump of a number).
    let is_label = label
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_');
    if !is_label || context.is_empty() || exten.is_empty() || !fixed_search(place, context) {
        return None;
    }
    place
        .index
        .find_label(context, exten, label, None, Moment::utc(0))
        .filter(|&n| n >= 1)
}

/// For a literal extension, the number every call that reaches it has as far as matching
/// can tell: its name without dashes, which matching skips. `None` for a pattern, and for a
/// name whose number starts with `_`: such a number is compared as a pattern, where a dash
/// inside `[...]` is a range, so the numbers reaching the literal (`_[1-3]` and `_[13]` reach
/// `-_[1-3]`) match differently.
pub(crate) fn literal_number(extension: &Extension) -> Option<std::borrow::Cow<'_, [u8]>> {
    if extension.is_pattern() {
        return None;
    }
    let name = &extension.name[..];
    let number: std::borrow::Cow<[u8]> = if name.contains(&b'-') {
        name.iter().copied().filter(|&c| c != b'-').collect()
    } else {
        name.into()
    };
    (number.first() != Some(&b'_')).then_some(number)
}

/// Where a GotoIf branch goes: `Some(None)` for no jump, `Some(Some(n))` for priority `n`,
/// `None` when that is not known before the call runs.
fn target(place: &Place, branch: Option<&[u8]>) -> Option<Option<i32>> {
    let Some(branch) = branch.filter(|b| !b.is_empty()) else {
        return Some(None);
    };
    if branch.iter().all(u8::is_ascii_digit) {
        // `pbx_parseable_goto`'s `sscanf("%d")` of a plain number.
        return (branch.len() <= 9)
            .then(|| std::str::from_utf8(branch).ok()?.parse().ok().map(Some))
            .flatten();
    }
    // A label: anything `sscanf("%d")` cannot start on, without a `,` (which names an
    // extension or context).
    if !(branch[0].is_ascii_alphabetic() || branch[0] == b'_') || branch.contains(&b',') {
        return None;
    }
    let has_label = |e: &Extension| {
        e.priorities
            .iter()
            .find(|p| p.label.as_deref() == Some(branch))
            .map(|p| p.number)
    };
    // The label is looked up in the first extension, in search order, that matches the
    // call's number and has it: for a literal, an earlier extension that does not match
    // its number cannot answer; for a pattern, any earlier one with the label might. (A
    // caller-ID variant might answer for some callers.)
    let literal = literal_number(place.extension);
    let shadowed = place.earlier.iter().any(|&(c, e)| {
        let other = &place.plan.contexts[c as usize].extensions[e as usize];
        has_label(other).is_some()
            && (other.cid.is_some()
                || literal.as_ref().is_none_or(|number| {
                    pbxc_dialplan::route::extension_match(
                        &other.name,
                        number,
                        pbxc_dialplan::route::Mode::Match,
                    ) != 0
                }))
    });
    if shadowed {
        return None;
    }
    has_label(place.extension).filter(|&n| n >= 1).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn printed(body: &str) -> String {
        let evaluated =
            pbxc_expr::eval::evaluate(body.as_bytes(), &mut pbxc_expr::eval::NoFunctions);
        String::from_utf8(evaluated.value).unwrap()
    }

    const OPS: [(&str, Op); 12] = [
        ("+", Op::Add),
        ("-", Op::Sub),
        ("*", Op::Mul),
        ("/", Op::Div),
        ("%", Op::Rem),
        ("<", Op::Lt),
        ("<=", Op::Le),
        (">", Op::Gt),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("==", Op::Eq),
        ("!=", Op::Ne),
    ];

    /// Integers the fast path takes, and their neighbourhood at the guards.
    fn operand() -> impl Strategy<Value = i64> {
        let small = pbxc_codegen::SMALL - 1;
        let factor = pbxc_codegen::SMALL_FACTOR;
        prop_oneof![
            -20i64..20,
            -small..=small,
            (factor - 3)..(factor + 3),
            (-factor - 3)..(-factor + 3),
            (small - 3)..=small,
            -small..(-small + 3),
        ]
    }

    /// Texts a variable may hold that a quoted token keeps whole: blanks, bytes that sort
    /// below the quote (`!`, space), operators, digits, high bytes; never a `"`.
    fn quotable() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-c0-9 !#&|=<>()*+:.\\\\-]{0,6}|é|00|1|10|9").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// A comparison of texts answers what the whole evaluator prints for the
        /// substituted body: a quoted side against a quoted side or a bare word.
        #[test]
        fn text_comparisons_print_what_the_evaluator_prints(
            a in quotable(),
            b in quotable(),
            word in "[a-z0-9_]{1,4}",
            op in 5..OPS.len(),
            quoted_right in proptest::bool::ANY,
            blanks in 0..2usize,
        ) {
            let (symbol, op) = OPS[op];
            let pad = " ".repeat(blanks);
            let left = format!("\"{a}\"");
            let right = if quoted_right { format!("\"{b}\"") } else { word };
            let body = format!("{left}{pad}{symbol}{pad}{right}");
            let answer = compare_texts(op, left.as_bytes(), right.as_bytes()).unwrap();
            prop_assert_eq!(answer.to_string(), printed(&body), "{}", body);
        }
    }

    /// Any body `comparison` accepts, its variables filled with any values without a
    /// quote, answers what the whole evaluator prints for the substituted body.
    fn body() -> impl Strategy<Value = String> {
        let inside = proptest::collection::vec(
            prop_oneof![
                "[a-c !<=>~&|:()+*.-]{0,3}",
                Just("${A}".to_string()),
                Just("${B}".to_string())
            ],
            0..3,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()));
        let token = prop_oneof![
            inside,
            "[a-c0-9_]{1,3}",
            prop_oneof![
                Just("="),
                Just("=="),
                Just("!="),
                Just("<"),
                Just(">"),
                Just("<="),
                Just(">="),
                Just("=~"),
                Just("!"),
                Just("&"),
                Just("~~"),
                Just(":"),
                Just("$"),
                Just("{"),
                Just("\""),
                Just("."),
            ]
            .prop_map(str::to_string),
        ];
        let blank = prop_oneof![
            Just(""),
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\n"),
            Just("\r"),
            Just("\x0b")
        ];
        proptest::collection::vec((token, blank), 1..5).prop_map(|parts| {
            parts
                .into_iter()
                .map(|(token, blank)| format!("{token}{blank}"))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn accepted_bodies_compare_as_the_evaluator_prints(
            body in body(),
            a in "[a-c0-9 !#=<>.-]{0,4}",
            b in "[a-c0-9 !#=<>.-]{0,4}",
        ) {
            let mut reads = Vec::new();
            if comparison(body.as_bytes(), &mut reads).is_some() {
                let [Read::Compare(c)] = reads.as_slice() else {
                    panic!("one comparison");
                };
                let fill = |pieces: &[Piece]| -> Vec<u8> {
                    pieces
                        .iter()
                        .flat_map(|p| match p {
                            Piece::Text(t) => t.clone(),
                            Piece::Variable(n) if n == b"A" => a.as_bytes().to_vec(),
                            Piece::Variable(_) => b.as_bytes().to_vec(),
                        })
                        .collect()
                };
                let answer = compare_texts(c.op, &fill(&c.left), &fill(&c.right)).unwrap();
                let substituted = body.replace("${A}", &a).replace("${B}", &b);
                prop_assert_eq!(answer.to_string(), printed(&substituted), "{:?}", body);
            }
        }
    }

    #[test]
    fn the_idioms_of_string_tests_are_recognised_and_the_rest_refused() {
        let recognised = |body: &str| comparison(body.as_bytes(), &mut Vec::new()).is_some();
        for body in [
            r#""${CALLER_DEST}"!="""#,
            r#""${DIALSTATUS}" = "NO ANSWER""#,
            r#""foo${toext}"="foo""#,
            r#" "${A}${B}" >= "x" "#,
            r#""${v}" == 3"#,
            r#"abc < "${v}""#,
        ] {
            assert!(recognised(body), "{body}");
        }
        for body in [
            // Two comparisons, a regex, no quoted side, a bracket, a function, a `$` alone,
            // an unterminated quote, a token the bare-word rule does not take, `===`.
            r#""${A}" = "x" & "${B}" = """#,
            r#""${X}" =~ "a""#,
            "${X} = abc",
            r#""a[b" = "x""#,
            r#""${LEN(x)}" = "3""#,
            r#""$x" = "3""#,
            r#""${X} = "3"#,
            r#""${X}" = a.b"#,
            r#""${X}" === "a""#,
        ] {
            assert!(!recognised(body), "{body}");
        }
        let mut reads = Vec::new();
        comparison(br#""${X}"!="""#, &mut reads).unwrap();
        let [Read::Compare(c)] = reads.as_slice() else {
            panic!("one comparison")
        };
        let quote = || Piece::Text(b"\"".to_vec());
        assert_eq!(c.left, [quote(), Piece::Variable(b"X".to_vec()), quote()]);
        assert_eq!(c.op, Op::Ne);
        assert_eq!(c.right, [quote(), quote()]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// What the generated code computes is what Asterisk prints for the same text:
        /// the substituted body `a op b` through the whole expression evaluator.
        #[test]
        fn apply_prints_what_the_evaluator_prints(
            a in operand(),
            b in operand(),
            op in 0..OPS.len(),
            blanks in 1..3usize,
        ) {
            let (symbol, op) = OPS[op];
            let pad = " ".repeat(blanks);
            let body = format!("{a}{pad}{symbol}{pad}{b}");
            if let Some(value) = op.apply(a, b) {
                prop_assert_eq!(value.to_string(), printed(&body), "{}", body);
            }
        }
    }

    #[test]
    fn the_guards_refuse_what_would_print_otherwise() {
        // An inexact quotient prints a fraction.
        assert_eq!(printed("7 / 2"), "3.5");
        assert_eq!(Op::Div.apply(7, 2), None);
        // A product of 10^18 prints with an exponent.
        assert_eq!(printed("1000000000 * 1000000000"), "1e+18");
        assert_eq!(Op::Mul.apply(1_000_000_000, 1_000_000_000), None);
        // Division by zero is the evaluator's to report.
        assert_eq!(Op::Rem.apply(1, 0), None);
        assert_eq!(Op::Div.apply(1, 0), None);
    }

    #[test]
    fn only_canonical_integers_are_small() {
        for (text, expected) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("12345678901234567", Some(12_345_678_901_234_567)),
            ("123456789012345678", None),
            ("-0", None),
            ("007", None),
            ("+1", None),
            ("1 ", None),
            (" 1", None),
            ("1e3", None),
            ("", None),
            ("-", None),
        ] {
            assert_eq!(small_integer(text.as_bytes()), expected, "{text:?}");
        }
    }

    /// Jumps from `c` to `s` of contexts where every call finds the same priority (`fixed`
    /// through its include, `more`, `shadowed` by its own extension) and where it depends on
    /// the clock or the caller (`timed`, `variant`).
    const ELSEWHERE: &[u8] = b"[c]\nexten => s,1,NoOp()\n\
          [fixed]\ninclude => more\nexten => s,1,NoOp()\n\
          [more]\nexten => s,5(start),NoOp()\n\
          [timed]\ninclude => more,00:00-23:59,*,*,*\nexten => s,1,NoOp()\n\
          [variant]\nexten => s/100,7(start),NoOp()\nexten => s,8(start),NoOp()\n\
          [shadowed]\nexten => s,3(start),NoOp()\ninclude => more\n";

    /// What `prepare` makes of `app(data)` as the first priority of context `c`.
    fn prepared_in_c(plan: &Dialplan, app: &str, data: &str) -> Option<Prepared> {
        let index = RouteIndex::new(plan);
        let first = &plan.contexts[0].extensions[0];
        let place = Place {
            plan,
            index: &index,
            extension: first,
            earlier: &[],
        };
        let priority = Priority {
            data: data.as_bytes().to_vec().into(),
            app: app.as_bytes().to_vec().into(),
            ..first.priorities[0].clone()
        };
        prepare(&place, &priority, 0).map(|(_, prepared)| prepared)
    }

    /// `Goto(context,exten,label)` jumps to the priority found when the program is compiled
    /// only where every call would find that one.
    #[test]
    fn a_label_in_another_context_is_found_once_where_the_answer_cannot_change() {
        let (plan, _) = pbxc_dialplan::lower_text(ELSEWHERE);
        let goto = |data: &str| match prepared_in_c(&plan, "Goto", data) {
            Some(Prepared::GotoElsewhere(to)) => Some(to.priority),
            None => None,
            Some(other) => panic!("{other:?}"),
        };
        let cases: &[(&str, Option<i32>)] = &[
            // Found through an include, and in the context's own extension first.
            ("fixed,s,start", Some(5)),
            ("shadowed,s,start", Some(3)),
            ("more,s,start", Some(5)),
            // Numbers as before.
            ("more,s,5", Some(5)),
            ("s,5", Some(5)),
            // The include is open only when its condition holds (all day, but a condition);
            // the caller's number decides.
            ("timed,s,start", None),
            ("variant,s,start", None),
            // Not there: the runtime says so and hangs up.
            ("fixed,s,nosuch", None),
            ("nosuch,s,start", None),
            // The call's own context (unknown here), and relative or numeric-looking jumps.
            ("s,start", None),
            (",s,start", None),
            ("more,s,+start", None),
            ("more,s,5start", None),
        ];
        for &(data, expected) in cases {
            assert_eq!(goto(data), expected, "Goto({data})");
        }
    }

    /// `Gosub(context,exten,priority(arguments))` pushes its frame natively only where every
    /// call finds the destination, and finds it there.
    #[test]
    fn a_gosub_is_native_where_every_call_finds_its_destination() {
        let (plan, _) = pbxc_dialplan::lower_text(ELSEWHERE);
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        let gosub = |data: &str| match prepared_in_c(&plan, "Gosub", data) {
            Some(Prepared::Gosub(gosub)) => {
                let (
                    Destination {
                        context,
                        exten,
                        priority,
                    },
                    arguments,
                ) = *gosub;
                let arguments: Vec<String> = arguments.iter().map(|a| text(a)).collect();
                Some(format!(
                    "{},{},{priority}({})",
                    text(&context),
                    text(&exten),
                    arguments.join("|")
                ))
            }
            None => None,
            Some(other) => panic!("{other:?}"),
        };
        let cases: &[(&str, Option<&str>)] = &[
            ("more,s,5", Some("more,s,5()")),
            ("more,s,start(a,b)", Some("more,s,5(a|b)")),
            ("fixed,s,start(a,,b,)", Some("fixed,s,5(a||b|)")),
            ("fixed,s,1", Some("fixed,s,1()")),
            ("shadowed,s,start(x)", Some("shadowed,s,3(x)")),
            // A fourth field is ignored, as Goto ignores it.
            ("more,s,5,x(a)", Some("more,s,5(a)")),
            // Not there: Gosub says so and hangs up, in the runtime.
            ("more,s,6", None),
            ("more,s,nosuch", None),
            ("nosuch,s,1", None),
            // Some calls find it, or find another.
            ("timed,s,5", None),
            ("variant,s,8", None),
            // The call's own context, a relative jump, no closing parenthesis.
            ("s,1", None),
            ("1", None),
            (",s,1", None),
            ("more,s,+1", None),
            ("more,s,start(a", None),
            ("", None),
        ];
        for &(data, expected) in cases {
            assert_eq!(gosub(data).as_deref(), expected, "Gosub({data})");
        }
    }

    /// `(data, application) → prepared or not`, over one extension `s` of context `c`:
    /// `1(top)`, `2`, `3(out)`.
    #[test]
    fn which_priorities_get_a_fast_path() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[c]\nexten => s,1(top),NoOp()\n same => n,NoOp()\n same => n(out),NoOp()\n",
        );
        let extension = &plan.contexts[0].extensions[0];
        let place = Place {
            plan: &plan,
            index: &RouteIndex::new(&plan),
            extension,
            earlier: &[],
        };
        let cases: &[(&str, &str, bool)] = &[
            ("Set", "i=$[${i} + 1]", true),
            ("set", "i=$[${i} + 1]", true),
            ("Set", "i=x$[${i} * 2]y", true),
            ("Set", "i=$[${i}+1]", false),
            ("Set", "i=$[${i} + ${j}]", true),
            ("Set", "i=$[${i:1} + 1]", false),
            ("Set", "i=$[${LEN(x)} + 1]", false),
            ("Set", "i=$[${i} + 1]${j}", false),
            ("Set", "i=$[\"${i}\" + 1]", false),
            ("Set", "i=$[${i} + 007]", false),
            ("Set", "i=$[${i} & 1]", false),
            ("Set", "i=$[${i} + 1 + 2]", false),
            ("Set", "i j=$[${i} + 1]", false),
            ("Set", "ARRAY(a)=$[${i} + 1]", false),
            ("Set", "$[${i} + 1]", false),
            ("MSet", "i=$[${i} + 1]", false),
            ("Set ", "i=$[${i} + 1]", false),
            ("GotoIf", "$[${i} < 10]?top", true),
            ("GotoIf", "$[${i} < 10]?top:out", true),
            ("GotoIf", "$[${i} < 10]?:3", true),
            ("GotoIf", "$[${i} < 10]?2", true),
            ("GotoIf", "$[${i} < 10]?nosuch", false),
            ("GotoIf", "$[${i} < 10]?s,top", false),
            ("GotoIf", "$[${i} < 10]?+1", false),
            ("GotoIf", "$[${i} < 10]?top:${x}", false),
            ("GotoIf", "x$[${i} < 10]?top", false),
            ("GotoIf", "$[${i} < 10]top", false),
            ("While", "$[${i} < 10]", true),
            ("While", "$[${i} < 10]x", false),
            ("NoOp", "", true),
            ("NoOp", "x ${i} y${EXTEN}", true),
            ("Verbose", "1,${i}", true),
            ("NoOp", "${i:1}", false),
            ("NoOp", "${LEN(x)}", false),
            ("NoOp", "${i", false),
            ("NoOp", "$x", false),
            ("NoOp", "$[1 + 1]", false),
            ("Set", "x=1", true),
            ("Set", "x=", true),
            ("Set", "x", false),
            ("Set", "x y=1", false),
            ("Set", "CDR(x)=1", false),
            ("Set", "x=$y", false),
            ("Goto", "top", true),
            ("Goto", "3", true),
            ("Goto", "nosuch", false),
            ("Goto", "s,1", true),
            ("Goto", "c,s,2", true),
            ("Goto", "c,s,2,junk", true),
            ("Goto", ",,2", true),
            ("Goto", "s,top", false),
            ("Goto", "c,s,+1", false),
            ("Goto", "c,s,", false),
            ("Goto", "", false),
            // A template: the runtime concatenates the data, Goto reads it.
            ("Goto", "${x}", true),
            ("EndWhile", "", true),
            ("EndWhile", "${x}", true),
            ("Dial", "PJSIP/${EXTEN}@${TRUNK},30", true),
            ("Dial", "PJSIP/${EXTEN:1}", false),
            ("Dial", "PJSIP/x", false),
        ];
        let long = format!("i={}$[${{i}} + 1]", "x".repeat(8000));
        for &(app, data, fast) in cases {
            let priority = Priority {
                number: 1,
                label: None,
                app: app.as_bytes().to_vec().into(),
                data: data.as_bytes().to_vec().into(),
                ..extension.priorities[0].clone()
            };
            assert_eq!(
                prepare(&place, &priority, 0).is_some(),
                fast,
                "{app}({data})"
            );
        }
        // Bodies substitution would cut are left to the runtime.
        let long_name = format!("x=${{{}}}", "A".repeat(4096));
        let long_body = format!("x=$[1{}+ 1]", " ".repeat(4100));
        for (app, data) in [("Set", long_name), ("Set", long_body)] {
            let priority = Priority {
                app: app.as_bytes().to_vec().into(),
                data: data.into_bytes().into(),
                ..extension.priorities[0].clone()
            };
            assert_eq!(prepare(&place, &priority, 0), None);
        }
        let name_at_the_limit = format!("x=${{{}}}", "A".repeat(4095));
        let priority = Priority {
            app: b"Set".to_vec().into(),
            data: name_at_the_limit.into_bytes().into(),
            ..extension.priorities[0].clone()
        };
        assert!(prepare(&place, &priority, 0).is_some());
        // Data that substitution could cut is left to the runtime.
        let priority = Priority {
            app: b"Set".to_vec().into(),
            data: long.into_bytes().into(),
            ..extension.priorities[0].clone()
        };
        assert_eq!(prepare(&place, &priority, 0), None);
    }

    #[test]
    fn the_share_counts_each_kind() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[c]\nexten => s,1,Set(i=0)\n same => n(top),Set(i=$[${i} + 1])\n\
              same => n,GotoIf($[${i} < 9]?top)\n same => n,While($[${i} > 0])\n\
              same => n,NoOp(${i})\n same => n,Dial(PJSIP/x)\n same => n,Goto(top)\n\
              [d]\ninclude => c\nexten => _X,1,Set(i=${i}x)\n\
              [e]\nexten => 1/2,1,NoOp()\n",
        );
        assert_eq!(
            native_share(&plan),
            Share {
                priorities: 9,
                set: 1,
                branch: 2,
                pass: 3,
                // `Set(i=${i}x)` in [d].
                template: 1,
            }
        );
    }

    #[test]
    fn a_label_an_earlier_extension_has_is_not_static() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[c]\nexten => _X.,1(top),NoOp()\n same => n,GotoIf($[1 = 1]?top)\n\
              exten => _1.,1(top),NoOp()\n same => n,GotoIf($[1 = 1]?top)\n",
        );
        let index = |name: &[u8]| {
            plan.contexts[0]
                .extensions
                .iter()
                .position(|e| *e.name == *name)
                .unwrap()
        };
        let (first, second) = (index(b"_X."), index(b"_1."));
        let second = &plan.contexts[0].extensions[second];
        let goto = &second.priorities[1];
        let alone = Place {
            plan: &plan,
            index: &RouteIndex::new(&plan),
            extension: second,
            earlier: &[],
        };
        let Some((_, Prepared::Branch(branch))) = prepare(&alone, goto, 0) else {
            panic!("a fast branch")
        };
        assert_eq!(branch.iftrue, Some(1));
        let searched_first = [(0, first as u32)];
        let after = Place {
            plan: &plan,
            index: &RouteIndex::new(&plan),
            extension: second,
            earlier: &searched_first,
        };
        assert_eq!(prepare(&after, goto, 0), None);
    }

    /// Every number that reaches a literal extension is its name (dashes aside): an earlier
    /// extension with the label answers only if it matches that name.
    #[test]
    fn a_label_an_earlier_extension_has_shadows_a_literal_only_where_it_matches() {
        let (plan, _) = pbxc_dialplan::lower_text(
            b"[c]\nexten => 100,1(top),NoOp()\n\
              exten => _2XX,1(top),NoOp()\n\
              exten => _1XX,1(top),NoOp()\n\
              exten => 1-0-1,1(top),NoOp()\n same => n,GotoIf($[1 = 1]?top)\n\
              [d]\nexten => 10-1,1(top),NoOp()\n",
        );
        let at = |name: &[u8]| {
            let (c, e) = plan
                .contexts
                .iter()
                .enumerate()
                .find_map(|(c, x)| Some((c, x.extensions.iter().position(|e| *e.name == *name)?)))
                .unwrap();
            (c as u32, e as u32)
        };
        let target = &plan.contexts[0].extensions[at(b"1-0-1").1 as usize];
        let goto = &target.priorities[1];
        let branch = |earlier: &[(u32, u32)]| {
            let place = Place {
                plan: &plan,
                index: &RouteIndex::new(&plan),
                extension: target,
                earlier,
            };
            match prepare(&place, goto, 0) {
                Some((_, Prepared::Branch(branch))) => Some(branch.iftrue),
                None => None,
                Some(other) => panic!("{other:?}"),
            }
        };
        // `100` and `_2XX` never match 101.
        assert_eq!(branch(&[at(b"100"), at(b"_2XX")]), Some(Some(1)));
        // `_1XX` and `10-1` do.
        assert_eq!(branch(&[at(b"100"), at(b"_1XX")]), None);
        assert_eq!(branch(&[at(b"10-1")]), None);
    }
}
