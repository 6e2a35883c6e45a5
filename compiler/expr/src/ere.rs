//! POSIX extended regular expressions as Asterisk's `:` and `=~` operators see them:
//! glibc's `regcomp(&re, pattern, REG_EXTENDED)` and `regexec(&re, subject, 2, rm, 0)` in the
//! C locale (every byte is a character; classes are ASCII).
//!
//! The parser follows glibc's posix/regcomp.c (`peek_token`, `parse_reg_exp`,
//! `parse_branch`, `parse_expression`, `parse_sub_exp`, `parse_dup_op`, `fetch_number`,
//! `parse_bracket_exp`, with the `RE_SYNTAX_POSIX_EXTENDED` syntax bits), including its
//! error codes and `regerror` texts, and builds the same NFA: nodes numbered in the same
//! post-order, `{n,m}` expanded into copies, subexpressions lowered to open/close nodes,
//! the two destinations of an alternation or a star ordered by node number.
//!
//! Matching is glibc's, not Perl's: the match is the *leftmost-longest* one (the earliest
//! start, then the longest end), found by a set simulation of the NFA; the first
//! subexpression is then recovered as glibc's `set_regs` does it: the states that can still
//! reach the end of the match are computed backwards, and a walk from the start takes, at
//! each fork, the first destination (by node number) that can still reach the end, taking
//! the second one when the first was already passed since the last character (glibc's guard
//! against empty loops), and updating the registers with glibc's `update_regs` rules (an
//! empty pass through an optional subexpression restores its previous match).
//!
//! Not supported: back-references (`\1`..`\9`; glibc supports them in EREs) — compiling
//! such a pattern reports [`RegError::BackReference`]. Patterns whose NFA would exceed
//! [`NODE_LIMIT`] nodes, or nest groups deeper than [`DEPTH_LIMIT`], report
//! [`RegError::Space`] ("Memory exhausted") where glibc would go on.

/// glibc's `RE_DUP_MAX`.
const RE_DUP_MAX: i32 = 0x7fff;
/// The largest NFA built (glibc has no such limit; this keeps matching cheap).
pub(crate) const NODE_LIMIT: usize = 20_000;
/// The deepest group nesting parsed.
pub(crate) const DEPTH_LIMIT: usize = 500;
/// The most (position, state) pairs kept to recover the first subexpression; past it the
/// subexpression is reported as not participating.
const SUBMATCH_BUDGET: usize = 4_000_000;

/// Why a pattern does not compile: glibc's `reg_errcode_t`, plus what this engine lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegError {
    BadPat,
    Collate,
    Ctype,
    Escape,
    SubReg,
    Brack,
    Paren,
    Brace,
    BadBr,
    Range,
    Space,
    BadRpt,
    Size,
    /// A valid back-reference, which this engine does not implement.
    BackReference,
}

impl RegError {
    /// `regerror()`'s text (glibc, C locale).
    pub(crate) fn message(self) -> &'static str {
        match self {
            RegError::BadPat => "Invalid regular expression",
            RegError::Collate => "Invalid collation character",
            RegError::Ctype => "Invalid character class name",
            RegError::Escape => "Trailing backslash",
            RegError::SubReg => "Invalid back reference",
            RegError::Brack => "Unmatched [, [^, [:, [., or [=",
            RegError::Paren => "Unmatched ( or \\(",
            RegError::Brace => "Unmatched \\{",
            RegError::BadBr => "Invalid content of \\{\\}",
            RegError::Range => "Invalid range end",
            RegError::Space => "Memory exhausted",
            RegError::BadRpt => "Invalid preceding regular expression",
            RegError::Size => "Regular expression too big",
            RegError::BackReference => "back-references are not supported",
        }
    }
}

/// Zero-width assertions (glibc's anchor constraints, C locale, no `REG_NEWLINE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// `^`
    LineFirst,
    /// `$`
    LineLast,
    /// `` \` ``
    BufFirst,
    /// `\'`
    BufLast,
    /// `\<`
    WordFirst,
    /// `\>`
    WordLast,
    /// half of `\B`
    InsideWord,
    /// half of `\B`
    InsideNotWord,
}

/// 256-bit byte set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
    fn invert(&mut self) {
        for w in &mut self.0 {
            *w = !*w;
        }
    }
    fn from_fn(f: impl Fn(u8) -> bool) -> ByteSet {
        let mut s = ByteSet::default();
        for b in 0..=255u8 {
            if f(b) {
                s.insert(b);
            }
        }
        s
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// C `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `[:name:]` in the C locale.
fn char_class(name: &[u8]) -> Option<ByteSet> {
    let f: fn(u8) -> bool = match name {
        b"alnum" => |b| b.is_ascii_alphanumeric(),
        b"cntrl" => |b| b.is_ascii_control(),
        b"lower" => |b| b.is_ascii_lowercase(),
        b"space" => is_space,
        b"alpha" => |b| b.is_ascii_alphabetic(),
        b"digit" => |b| b.is_ascii_digit(),
        b"print" => |b| (0x20..0x7f).contains(&b),
        b"upper" => |b| b.is_ascii_uppercase(),
        b"blank" => |b| b == b' ' || b == b'\t',
        b"graph" => |b| (0x21..0x7f).contains(&b),
        b"punct" => |b| b.is_ascii_punctuation(),
        b"xdigit" => |b| b.is_ascii_hexdigit(),
        _ => return None,
    };
    Some(ByteSet::from_fn(f))
}

// ---------------------------------------------------------------------------------------
// Tokens (peek_token / peek_token_bracket)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tk {
    End,
    Char,
    Alt,
    Star,
    Plus,
    Quest,
    OpenDup,
    CloseDup,
    Open,
    Close,
    OpenBracket,
    Period,
    Anchor(Ctx),
    /// `\b`
    WordDelim,
    /// `\B`
    NotWordDelim,
    BackRef(u8),
    Word,
    NotWord,
    Space,
    NotSpace,
    /// A backslash at the very end.
    BackSlash,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tk,
    /// glibc's `token->opr.c`: the byte (after a backslash, the escaped one).
    c: u8,
}

/// One token at `pos` outside brackets, and its length.
fn peek_token(p: &[u8], pos: usize) -> (Token, usize) {
    let Some(&c) = p.get(pos) else {
        return (
            Token {
                kind: Tk::End,
                c: 0,
            },
            0,
        );
    };
    if c == b'\\' {
        let Some(&c2) = p.get(pos + 1) else {
            return (
                Token {
                    kind: Tk::BackSlash,
                    c,
                },
                1,
            );
        };
        let kind = match c2 {
            b'1'..=b'9' => Tk::BackRef(c2 - b'1'),
            b'<' => Tk::Anchor(Ctx::WordFirst),
            b'>' => Tk::Anchor(Ctx::WordLast),
            b'b' => Tk::WordDelim,
            b'B' => Tk::NotWordDelim,
            b'w' => Tk::Word,
            b'W' => Tk::NotWord,
            b's' => Tk::Space,
            b'S' => Tk::NotSpace,
            b'`' => Tk::Anchor(Ctx::BufFirst),
            b'\'' => Tk::Anchor(Ctx::BufLast),
            // `\|`, `\(`, `\)`, `\{`, `\}`, `\+`, `\?` and all others: the byte itself.
            _ => Tk::Char,
        };
        return (Token { kind, c: c2 }, 2);
    }
    let kind = match c {
        b'|' => Tk::Alt,
        b'*' => Tk::Star,
        b'+' => Tk::Plus,
        b'?' => Tk::Quest,
        b'{' => Tk::OpenDup,
        b'}' => Tk::CloseDup,
        b'(' => Tk::Open,
        b')' => Tk::Close,
        b'[' => Tk::OpenBracket,
        b'.' => Tk::Period,
        b'^' => Tk::Anchor(Ctx::LineFirst),
        b'$' => Tk::Anchor(Ctx::LineLast),
        _ => Tk::Char,
    };
    (Token { kind, c }, 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bk {
    End,
    Char,
    Range,
    Close,
    NonMatch,
    OpenColl,
    OpenEquiv,
    OpenClass,
}

/// One token at `pos` inside brackets (no backslash escapes in POSIX brackets).
fn peek_bracket(p: &[u8], pos: usize) -> (Bk, u8, usize) {
    let Some(&c) = p.get(pos) else {
        return (Bk::End, 0, 0);
    };
    if c == b'[' {
        let c2 = p.get(pos + 1).copied().unwrap_or(0);
        return match c2 {
            b'.' => (Bk::OpenColl, c2, 2),
            b'=' => (Bk::OpenEquiv, c2, 2),
            b':' => (Bk::OpenClass, c2, 2),
            _ => (Bk::Char, c, 1),
        };
    }
    let kind = match c {
        b'-' => Bk::Range,
        b']' => Bk::Close,
        b'^' => Bk::NonMatch,
        _ => Bk::Char,
    };
    (kind, c, 1)
}

// ---------------------------------------------------------------------------------------
// The parse tree, in an arena

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TKind {
    Cat,
    Alt,
    Star,
    Byte(u8),
    Set(u32),
    Any,
    Anchor(Ctx),
    BackRef(u8),
    Subexp(u32),
    Open(u32),
    Close(u32),
    Eor,
}

#[derive(Clone, Copy, Debug)]
struct TNode {
    kind: TKind,
    left: Option<u32>,
    right: Option<u32>,
    /// glibc's `opt_subexp`: a subexpression repeated optionally.
    opt: bool,
}

type Tree = Option<u32>;

struct Parser<'p> {
    p: &'p [u8],
    pos: usize,
    tok: Token,
    tree: Vec<TNode>,
    sets: Vec<ByteSet>,
    nsub: u32,
    completed: u32,
    has_backref: bool,
}

impl Parser<'_> {
    fn fetch(&mut self) {
        let (t, len) = peek_token(self.p, self.pos);
        self.tok = t;
        self.pos += len;
    }

    fn node(&mut self, kind: TKind, left: Tree, right: Tree) -> Result<u32, RegError> {
        if self.tree.len() >= NODE_LIMIT {
            return Err(RegError::Space);
        }
        self.tree.push(TNode {
            kind,
            left,
            right,
            opt: false,
        });
        Ok((self.tree.len() - 1) as u32)
    }

    fn set(&mut self, s: ByteSet) -> Result<u32, RegError> {
        self.sets.push(s);
        let id = (self.sets.len() - 1) as u32;
        self.node(TKind::Set(id), None, None)
    }

    fn parse_reg_exp(&mut self, nest: usize) -> Result<Tree, RegError> {
        let mut tree = self.parse_branch(nest)?;
        while self.tok.kind == Tk::Alt {
            self.fetch();
            let branch = if self.tok.kind != Tk::Alt
                && self.tok.kind != Tk::End
                && (nest == 0 || self.tok.kind != Tk::Close)
            {
                self.parse_branch(nest)?
            } else {
                None
            };
            tree = Some(self.node(TKind::Alt, tree, branch)?);
        }
        Ok(tree)
    }

    fn parse_branch(&mut self, nest: usize) -> Result<Tree, RegError> {
        let mut tree = self.parse_expression(nest)?;
        while self.tok.kind != Tk::Alt
            && self.tok.kind != Tk::End
            && (nest == 0 || self.tok.kind != Tk::Close)
        {
            let exp = self.parse_expression(nest)?;
            tree = match (tree, exp) {
                (Some(t), Some(e)) => Some(self.node(TKind::Cat, Some(t), Some(e))?),
                (None, e) => e,
                (t, None) => t,
            };
        }
        Ok(tree)
    }

    fn parse_expression(&mut self, nest: usize) -> Result<Tree, RegError> {
        let tok = self.tok;
        let tree = match tok.kind {
            Tk::Char => self.node(TKind::Byte(tok.c), None, None)?,
            Tk::Open => {
                if nest >= DEPTH_LIMIT {
                    return Err(RegError::Space);
                }
                self.parse_sub_exp(nest + 1)?
            }
            Tk::OpenBracket => self.parse_bracket()?,
            Tk::BackRef(i) => {
                if self.completed & (1 << i) == 0 {
                    return Err(RegError::SubReg);
                }
                self.has_backref = true;
                self.node(TKind::BackRef(i), None, None)?
            }
            // RE_CONTEXT_INVALID_OPS: a repetition with nothing before it.
            Tk::OpenDup | Tk::Star | Tk::Plus | Tk::Quest => return Err(RegError::BadRpt),
            // RE_UNMATCHED_RIGHT_PAREN_ORD (only reached at nesting 0), and a lone `}`.
            Tk::Close | Tk::CloseDup => self.node(TKind::Byte(tok.c), None, None)?,
            Tk::Anchor(ctx) => {
                let t = self.node(TKind::Anchor(ctx), None, None)?;
                // An anchor takes no repetition: `^*` is `^` then an invalid `*`.
                self.fetch();
                return Ok(Some(t));
            }
            Tk::WordDelim | Tk::NotWordDelim => {
                let (a, b) = if tok.kind == Tk::WordDelim {
                    (Ctx::WordFirst, Ctx::WordLast)
                } else {
                    (Ctx::InsideWord, Ctx::InsideNotWord)
                };
                let first = self.node(TKind::Anchor(a), None, None)?;
                let last = self.node(TKind::Anchor(b), None, None)?;
                let t = self.node(TKind::Alt, Some(first), Some(last))?;
                self.fetch();
                return Ok(Some(t));
            }
            Tk::Period => self.node(TKind::Any, None, None)?,
            Tk::Word | Tk::NotWord => {
                let mut s = ByteSet::from_fn(is_word);
                if tok.kind == Tk::NotWord {
                    s.invert();
                }
                self.set(s)?
            }
            Tk::Space | Tk::NotSpace => {
                let mut s = ByteSet::from_fn(is_space);
                if tok.kind == Tk::NotSpace {
                    s.invert();
                }
                self.set(s)?
            }
            Tk::Alt | Tk::End => return Ok(None),
            Tk::BackSlash => return Err(RegError::Escape),
        };
        self.fetch();
        let mut tree = Some(tree);
        while matches!(self.tok.kind, Tk::Star | Tk::Plus | Tk::Quest | Tk::OpenDup) {
            tree = self.parse_dup_op(tree)?;
        }
        Ok(tree)
    }

    fn parse_sub_exp(&mut self, nest: usize) -> Result<u32, RegError> {
        let cur = self.nsub;
        self.nsub += 1;
        self.fetch();
        let body = if self.tok.kind == Tk::Close {
            None
        } else {
            let t = self.parse_reg_exp(nest)?;
            if self.tok.kind != Tk::Close {
                return Err(RegError::Paren);
            }
            t
        };
        if cur <= 8 {
            self.completed |= 1 << cur;
        }
        self.node(TKind::Subexp(cur), body, None)
    }

    /// `fetch_number`: -1 for no digits, -2 for garbage or the end of the pattern.
    fn fetch_number(&mut self) -> i32 {
        let mut num: i32 = -1;
        loop {
            self.fetch();
            let c = self.tok.c;
            if self.tok.kind == Tk::End {
                return -2;
            }
            if self.tok.kind == Tk::CloseDup || c == b',' {
                return num;
            }
            num = if self.tok.kind != Tk::Char || !c.is_ascii_digit() || num == -2 {
                -2
            } else if num == -1 {
                i32::from(c - b'0')
            } else {
                (RE_DUP_MAX + 1).min(num * 10 + i32::from(c - b'0'))
            };
        }
    }

    fn parse_dup_op(&mut self, elem: Tree) -> Result<Tree, RegError> {
        let (start, end) = if self.tok.kind == Tk::OpenDup {
            let mut start = self.fetch_number();
            if start == -1 {
                if self.tok.kind == Tk::Char && self.tok.c == b',' {
                    start = 0; // `{,m}` is `{0,m}`
                } else {
                    return Err(RegError::BadBr); // `{}`
                }
            }
            let mut end = 0;
            if start != -2 {
                end = if self.tok.kind == Tk::CloseDup {
                    start
                } else if self.tok.kind == Tk::Char && self.tok.c == b',' {
                    self.fetch_number()
                } else {
                    -2
                };
            }
            if start == -2 || end == -2 {
                return Err(if self.tok.kind == Tk::End {
                    RegError::Brace
                } else {
                    RegError::BadBr
                });
            }
            if (end != -1 && start > end) || self.tok.kind != Tk::CloseDup {
                return Err(RegError::BadBr);
            }
            if RE_DUP_MAX < if end == -1 { start } else { end } {
                return Err(RegError::Size);
            }
            (start, end)
        } else {
            let start = i32::from(self.tok.kind == Tk::Plus);
            let end = if self.tok.kind == Tk::Quest { 1 } else { -1 };
            (start, end)
        };
        self.fetch();
        let Some(mut elem) = elem else {
            return Ok(None);
        };
        if start == 0 && end == 0 {
            return Ok(None);
        }
        let mut old = None;
        if start > 0 {
            let mut tree = elem;
            for _ in 2..=start {
                elem = self.duplicate(elem)?;
                tree = self.node(TKind::Cat, Some(tree), Some(elem))?;
            }
            if start == end {
                return Ok(Some(tree));
            }
            elem = self.duplicate(elem)?;
            old = Some(tree);
        }
        if let TKind::Subexp(idx) = self.tree[elem as usize].kind {
            self.mark_opt_subexp(elem, idx);
        }
        let mut tree = self.node(
            if end == -1 { TKind::Star } else { TKind::Alt },
            Some(elem),
            None,
        )?;
        let mut i = start + 2;
        while i <= end {
            elem = self.duplicate(elem)?;
            tree = self.node(TKind::Cat, Some(tree), Some(elem))?;
            tree = self.node(TKind::Alt, Some(tree), None)?;
            i += 1;
        }
        if let Some(old) = old {
            tree = self.node(TKind::Cat, Some(old), Some(tree))?;
        }
        Ok(Some(tree))
    }

    /// A deep copy of a subtree (glibc's `duplicate_tree`), iteratively.
    fn duplicate(&mut self, root: u32) -> Result<u32, RegError> {
        // Copy nodes in pre-order, then patch children.
        let mut map: Vec<(u32, u32)> = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let node = self.tree[n as usize];
            // `create_token_tree` resets `opt_subexp`: copies are not optional.
            let copy = self.node(node.kind, node.left, node.right)?;
            map.push((n, copy));
            if let Some(r) = node.right {
                stack.push(r);
            }
            if let Some(l) = node.left {
                stack.push(l);
            }
        }
        map.sort_unstable();
        let find = |map: &[(u32, u32)], n: u32| {
            map.binary_search_by_key(&n, |&(o, _)| o)
                .map_or(n, |k| map[k].1)
        };
        for &(_, copy) in &map {
            let c = &self.tree[copy as usize];
            let (l, r) = (c.left, c.right);
            let l = l.map(|l| find(&map, l));
            let r = r.map(|r| find(&map, r));
            let c = &mut self.tree[copy as usize];
            c.left = l;
            c.right = r;
        }
        Ok(find(&map, root))
    }

    fn mark_opt_subexp(&mut self, root: u32, idx: u32) {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let node = &mut self.tree[n as usize];
            if node.kind == TKind::Subexp(idx) {
                node.opt = true;
            }
            stack.extend(node.left);
            stack.extend(node.right);
        }
    }

    fn parse_bracket(&mut self) -> Result<u32, RegError> {
        let mut set = ByteSet::default();
        let mut non_match = false;
        let (mut tk, mut c, mut len) = peek_bracket(self.p, self.pos);
        if tk == Bk::End {
            return Err(RegError::BadPat);
        }
        if tk == Bk::NonMatch {
            non_match = true;
            self.pos += len;
            (tk, c, len) = peek_bracket(self.p, self.pos);
            if tk == Bk::End {
                return Err(RegError::BadPat);
            }
        }
        if tk == Bk::Close {
            tk = Bk::Char;
        }
        let mut first_round = true;
        loop {
            let start = self.bracket_element(tk, c, len, first_round)?;
            first_round = false;
            (tk, c, len) = peek_bracket(self.p, self.pos);
            let mut range_end = None;
            if !matches!(start, Elem::Class(_) | Elem::Equiv(_)) {
                if tk == Bk::End {
                    return Err(RegError::Brack);
                }
                if tk == Bk::Range {
                    self.pos += len;
                    let (tk2, c2, len2) = peek_bracket(self.p, self.pos);
                    if tk2 == Bk::End {
                        return Err(RegError::Brack);
                    }
                    if tk2 == Bk::Close {
                        // A `-` right before `]` is itself.
                        self.pos -= len;
                        tk = Bk::Char;
                    } else {
                        range_end = Some(self.bracket_element(tk2, c2, len2, true)?);
                        (tk, c, len) = peek_bracket(self.p, self.pos);
                    }
                }
            }
            match range_end {
                Some(end) => {
                    let lo = collation_value(&start)?;
                    let hi = collation_value(&end)?;
                    if lo > hi {
                        return Err(RegError::Range);
                    }
                    for b in lo..=hi {
                        set.insert(b);
                    }
                }
                None => match start {
                    Elem::Byte(b) => set.insert(b),
                    Elem::Equiv(name) | Elem::Coll(name) => match name.as_slice() {
                        [b] => set.insert(*b),
                        _ => return Err(RegError::Collate),
                    },
                    Elem::Class(name) => {
                        let class = char_class(&name).ok_or(RegError::Ctype)?;
                        for (w, cw) in set.0.iter_mut().zip(class.0) {
                            *w |= cw;
                        }
                    }
                },
            }
            if tk == Bk::End {
                return Err(RegError::Brack);
            }
            if tk == Bk::Close {
                break;
            }
        }
        self.pos += len;
        if non_match {
            set.invert();
        }
        self.set(set)
    }

    /// `parse_bracket_element`: consumes the token and what a `[:`, `[.` or `[=` opens.
    fn bracket_element(
        &mut self,
        tk: Bk,
        c: u8,
        len: usize,
        accept_hyphen: bool,
    ) -> Result<Elem, RegError> {
        self.pos += len;
        if matches!(tk, Bk::OpenColl | Bk::OpenClass | Bk::OpenEquiv) {
            return self.bracket_symbol(tk, c);
        }
        if tk == Bk::Range && !accept_hyphen {
            let (tk2, _, _) = peek_bracket(self.p, self.pos);
            if tk2 != Bk::Close {
                return Err(RegError::Range);
            }
        }
        Ok(Elem::Byte(c))
    }

    /// `parse_bracket_symbol`: the name up to `delim]`, at most 31 bytes.
    fn bracket_symbol(&mut self, tk: Bk, delim: u8) -> Result<Elem, RegError> {
        if self.pos >= self.p.len() {
            return Err(RegError::Brack);
        }
        let mut name = Vec::new();
        loop {
            if name.len() >= 32 {
                return Err(RegError::Brack);
            }
            let ch = self.p[self.pos];
            self.pos += 1;
            if self.pos >= self.p.len() {
                return Err(RegError::Brack);
            }
            if ch == delim && self.p[self.pos] == b']' {
                break;
            }
            name.push(ch);
        }
        self.pos += 1;
        Ok(match tk {
            Bk::OpenColl => Elem::Coll(name),
            Bk::OpenEquiv => Elem::Equiv(name),
            _ => Elem::Class(name),
        })
    }
}

enum Elem {
    Byte(u8),
    Coll(Vec<u8>),
    Equiv(Vec<u8>),
    Class(Vec<u8>),
}

/// A range end point's collation value in the C locale (its byte).
fn collation_value(e: &Elem) -> Result<u8, RegError> {
    match e {
        Elem::Byte(b) => Ok(*b),
        Elem::Coll(name) => match name.as_slice() {
            [b] => Ok(*b),
            _ => Err(RegError::Collate),
        },
        Elem::Equiv(_) | Elem::Class(_) => Err(RegError::Range),
    }
}

// ---------------------------------------------------------------------------------------
// The NFA

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NKind {
    Byte(u8),
    Set(u32),
    Any,
    /// An alternation or a star: epsilon, one or two destinations.
    Fork,
    Anchor(Ctx),
    Open(u32),
    Close(u32),
    End,
}

#[derive(Clone, Copy, Debug)]
struct NNode {
    kind: NKind,
    /// Where a consuming node goes.
    next: u32,
    /// Where an epsilon node goes, in glibc's order (by node number).
    edests: [u32; 2],
    n_edests: u8,
    opt: bool,
}

impl NNode {
    fn is_epsilon(&self) -> bool {
        matches!(
            self.kind,
            NKind::Fork | NKind::Anchor(_) | NKind::Open(_) | NKind::Close(_)
        )
    }
    fn edests(&self) -> &[u32] {
        &self.edests[..usize::from(self.n_edests)]
    }
}

/// A compiled pattern.
#[derive(Debug)]
pub(crate) struct Regex {
    nodes: Vec<NNode>,
    sets: Vec<ByteSet>,
    init: u32,
    end: u32,
    /// Epsilon edges reversed, for the backward pass.
    rev_eps: Vec<Vec<u32>>,
    nsub: usize,
}

/// `rm[0]` and `rm[1]` of a successful `regexec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Match {
    pub start: usize,
    pub end: usize,
    /// The first subexpression, when it took part.
    pub group1: Option<(usize, usize)>,
}

/// `regcomp(pattern, REG_EXTENDED)`.
pub(crate) fn compile(pattern: &[u8]) -> Result<Regex, RegError> {
    let mut parser = Parser {
        p: pattern,
        pos: 0,
        tok: Token {
            kind: Tk::End,
            c: 0,
        },
        tree: Vec::new(),
        sets: Vec::new(),
        nsub: 0,
        completed: 0,
        has_backref: false,
    };
    parser.fetch();
    let tree = parser.parse_reg_exp(0)?;
    if parser.has_backref {
        return Err(RegError::BackReference);
    }
    let eor = parser.node(TKind::Eor, None, None)?;
    let root = match tree {
        Some(t) => parser.node(TKind::Cat, Some(t), Some(eor))?,
        None => eor,
    };
    let nsub = parser.nsub as usize;
    let Parser { mut tree, sets, .. } = parser;
    optimize_subexps(&mut tree, root);
    lower_subexps(&mut tree, root)?;
    build_nfa(&tree, root, sets, nsub)
}

/// glibc's `optimize_subexps`: `((x))` keeps only the outer group (one level per visit).
fn optimize_subexps(tree: &mut [TNode], root: u32) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let node = tree[n as usize];
        if let (TKind::Subexp(_), Some(l)) = (node.kind, node.left)
            && let TKind::Subexp(_) = tree[l as usize].kind
        {
            tree[n as usize].left = tree[l as usize].left;
        }
        let node = tree[n as usize];
        stack.extend(node.right);
        stack.extend(node.left);
    }
}

/// glibc's `lower_subexp`: a group becomes `OPEN body CLOSE`.
fn lower_subexps(tree: &mut Vec<TNode>, root: u32) -> Result<(), RegError> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let node = tree[n as usize];
        stack.extend(node.right);
        stack.extend(node.left);
        if let TKind::Subexp(idx) = node.kind {
            if tree.len() + 3 > NODE_LIMIT {
                return Err(RegError::Space);
            }
            let mk = |tree: &mut Vec<TNode>, kind, left, right| {
                tree.push(TNode {
                    kind,
                    left,
                    right,
                    opt: node.opt,
                });
                (tree.len() - 1) as u32
            };
            let open = mk(tree, TKind::Open(idx), None, None);
            let close = mk(tree, TKind::Close(idx), None, None);
            let tree1 = match node.left {
                Some(body) => mk(tree, TKind::Cat, Some(body), Some(close)),
                None => close,
            };
            tree[n as usize] = TNode {
                kind: TKind::Cat,
                left: Some(open),
                right: Some(tree1),
                opt: node.opt,
            };
        }
    }
    Ok(())
}

fn build_nfa(
    tree: &[TNode],
    root: u32,
    sets: Vec<ByteSet>,
    nsub: usize,
) -> Result<Regex, RegError> {
    let n = tree.len();
    const NONE: u32 = u32::MAX;
    // calc_first, in post-order: every node but CONCAT becomes an NFA node.
    let mut first = vec![NONE; n]; // tree node whose NFA node is entered first
    let mut idx = vec![NONE; n];
    let mut nodes: Vec<NNode> = Vec::new();
    let mut stack = vec![(root, false)];
    while let Some((t, done)) = stack.pop() {
        let node = tree[t as usize];
        if !done {
            stack.push((t, true));
            stack.extend(node.right.map(|r| (r, false)));
            stack.extend(node.left.map(|l| (l, false)));
            continue;
        }
        if node.kind == TKind::Cat {
            let l = node.left.unwrap_or(t);
            first[t as usize] = first[l as usize];
            idx[t as usize] = idx[l as usize];
        } else {
            let kind = match node.kind {
                TKind::Byte(b) => NKind::Byte(b),
                TKind::Set(s) => NKind::Set(s),
                TKind::Any => NKind::Any,
                TKind::Alt | TKind::Star => NKind::Fork,
                TKind::Anchor(c) => NKind::Anchor(c),
                TKind::Open(k) => NKind::Open(k),
                TKind::Close(k) => NKind::Close(k),
                // Rejected before; and groups are lowered.
                TKind::BackRef(_) | TKind::Subexp(_) | TKind::Cat | TKind::Eor => NKind::End,
            };
            first[t as usize] = t;
            idx[t as usize] = nodes.len() as u32;
            nodes.push(NNode {
                kind,
                next: NONE,
                edests: [NONE; 2],
                n_edests: 0,
                opt: node.opt,
            });
        }
    }
    // calc_next, in pre-order.
    let mut next = vec![NONE; n];
    let mut stack = vec![root];
    while let Some(t) = stack.pop() {
        let node = tree[t as usize];
        match node.kind {
            TKind::Star => {
                if let Some(l) = node.left {
                    next[l as usize] = t;
                }
            }
            TKind::Cat => {
                if let (Some(l), Some(r)) = (node.left, node.right) {
                    next[l as usize] = first[r as usize];
                    next[r as usize] = next[t as usize];
                }
            }
            _ => {
                if let Some(l) = node.left {
                    next[l as usize] = next[t as usize];
                }
                if let Some(r) = node.right {
                    next[r as usize] = next[t as usize];
                }
            }
        }
        stack.extend(node.right);
        stack.extend(node.left);
    }
    // link_nfa_nodes.
    let nfa_of = |t: u32| -> Result<u32, RegError> {
        match t {
            NONE => Err(RegError::Space),
            t => Ok(idx[t as usize]),
        }
    };
    for t in 0..n {
        let node = tree[t];
        let i = idx[t];
        if i == NONE || node.kind == TKind::Cat {
            continue;
        }
        let nn = &mut nodes[i as usize];
        match node.kind {
            TKind::Eor => {}
            TKind::Alt | TKind::Star => {
                let left = match node.left {
                    Some(l) => nfa_of(first[l as usize])?,
                    None => nfa_of(next[t])?,
                };
                let right = match node.right {
                    Some(r) => nfa_of(first[r as usize])?,
                    None => nfa_of(next[t])?,
                };
                if left == right {
                    nn.edests = [left, NONE];
                    nn.n_edests = 1;
                } else {
                    nn.edests = [left.min(right), left.max(right)];
                    nn.n_edests = 2;
                }
            }
            TKind::Anchor(_) | TKind::Open(_) | TKind::Close(_) => {
                nn.edests = [nfa_of(next[t])?, NONE];
                nn.n_edests = 1;
            }
            _ => nn.next = nfa_of(next[t])?,
        }
    }
    let init = idx[first[root as usize] as usize];
    let end = nodes
        .iter()
        .position(|x| x.kind == NKind::End)
        .ok_or(RegError::Space)? as u32;
    let mut rev_eps = vec![Vec::new(); nodes.len()];
    for (i, nn) in nodes.iter().enumerate() {
        if nn.is_epsilon() {
            for &d in nn.edests() {
                rev_eps[d as usize].push(i as u32);
            }
        }
    }
    Ok(Regex {
        nodes,
        sets,
        init,
        end,
        rev_eps,
        nsub,
    })
}

// ---------------------------------------------------------------------------------------
// Matching

fn holds(ctx: Ctx, text: &[u8], i: usize) -> bool {
    let prev_word = i > 0 && is_word(text[i - 1]);
    let next_word = i < text.len() && is_word(text[i]);
    match ctx {
        Ctx::LineFirst | Ctx::BufFirst => i == 0,
        Ctx::LineLast | Ctx::BufLast => i == text.len(),
        Ctx::WordFirst => !prev_word && next_word,
        Ctx::WordLast => prev_word && !next_word,
        Ctx::InsideWord => prev_word && next_word,
        Ctx::InsideNotWord => !prev_word && !next_word,
    }
}

/// A set of NFA nodes with O(1) membership and clearing.
struct NodeSet {
    stamp: Vec<u32>,
    epoch: u32,
    list: Vec<u32>,
}

impl NodeSet {
    fn new(n: usize) -> NodeSet {
        NodeSet {
            stamp: vec![0; n],
            epoch: 1,
            list: Vec::new(),
        }
    }
    fn clear(&mut self) {
        self.list.clear();
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
    }
    fn contains(&self, n: u32) -> bool {
        self.stamp[n as usize] == self.epoch
    }
    fn insert(&mut self, n: u32) -> bool {
        if self.contains(n) {
            return false;
        }
        self.stamp[n as usize] = self.epoch;
        self.list.push(n);
        true
    }
}

impl Regex {
    pub(crate) fn nsub(&self) -> usize {
        self.nsub
    }

    fn accepts(&self, n: &NNode, b: u8) -> bool {
        match n.kind {
            NKind::Byte(x) => x == b,
            NKind::Set(s) => self.sets[s as usize].contains(b),
            NKind::Any => b != 0,
            _ => false,
        }
    }

    /// Adds `seed` and everything reachable from it without consuming, at position `i`.
    fn close(&self, set: &mut NodeSet, seed: u32, text: &[u8], i: usize, stack: &mut Vec<u32>) {
        stack.push(seed);
        while let Some(n) = stack.pop() {
            if !set.insert(n) {
                continue;
            }
            let node = &self.nodes[n as usize];
            if !node.is_epsilon() {
                continue;
            }
            if let NKind::Anchor(c) = node.kind
                && !holds(c, text, i)
            {
                continue;
            }
            for &d in node.edests().iter().rev() {
                stack.push(d);
            }
        }
    }

    /// `regexec(re, text, 2, rm, 0)`: the leftmost-longest match and the first group.
    pub(crate) fn exec(&self, text: &[u8]) -> Option<Match> {
        let (start, end) = self.leftmost_longest(text)?;
        let group1 = if self.nsub > 0 {
            self.submatch(text, start, end)
        } else {
            None
        };
        Some(Match { start, end, group1 })
    }

    /// One pass over the text; every state remembers the earliest start that reached it.
    fn leftmost_longest(&self, text: &[u8]) -> Option<(usize, usize)> {
        let m = self.nodes.len();
        let mut cur = NodeSet::new(m);
        let mut nxt = NodeSet::new(m);
        let mut label = vec![0usize; m];
        let mut nlabel = vec![0usize; m];
        let mut stack = Vec::new();
        // Threads carried to position i: (node, start), in increasing start order.
        let mut threads: Vec<(u32, usize)> = Vec::new();
        let mut best: Option<(usize, usize)> = None;
        for i in 0..=text.len() {
            cur.clear();
            // Closure of the carried threads, then of a new thread starting here.
            let mut seeds = std::mem::take(&mut threads);
            if best.is_none() {
                seeds.push((self.init, i));
            }
            for &(seed, st) in &seeds {
                let before = cur.list.len();
                self.close(&mut cur, seed, text, i, &mut stack);
                for &n in &cur.list[before..] {
                    label[n as usize] = st;
                }
            }
            if cur.contains(self.end) {
                let st = label[self.end as usize];
                match best {
                    Some((bs, _)) if bs < st => {}
                    Some((bs, _)) if bs == st => best = Some((bs, i)),
                    _ => best = Some((st, i)),
                }
            }
            if i == text.len() {
                break;
            }
            // Step over text[i]; keep the earliest start per state.
            nxt.clear();
            let b = text[i];
            for &n in &cur.list {
                let node = &self.nodes[n as usize];
                if node.is_epsilon() || !self.accepts(node, b) {
                    continue;
                }
                let st = label[n as usize];
                if let Some((bs, _)) = best
                    && st > bs
                {
                    continue;
                }
                let d = node.next;
                if nxt.insert(d) || st < nlabel[d as usize] {
                    nlabel[d as usize] = st;
                }
            }
            threads = nxt.list.iter().map(|&d| (d, nlabel[d as usize])).collect();
            threads.sort_by_key(|&(_, st)| st);
            if threads.is_empty() && best.is_some() {
                break;
            }
        }
        best
    }

    /// glibc's `set_regs` for register 1 over the match `[s, e)`.
    fn submatch(&self, text: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
        let m = self.nodes.len();
        let mut stack = Vec::new();
        // Forward: the states reachable at every position of the match.
        let mut reach: Vec<Vec<u32>> = Vec::with_capacity(e - s + 1);
        let mut set = NodeSet::new(m);
        let mut total = 0usize;
        self.close(&mut set, self.init, text, s, &mut stack);
        for i in s..=e {
            let mut list = set.list.clone();
            list.sort_unstable();
            total += list.len();
            if total > SUBMATCH_BUDGET {
                return None;
            }
            reach.push(list);
            if i == e {
                break;
            }
            let cur = std::mem::take(&mut set.list);
            set.clear();
            for n in cur {
                let node = &self.nodes[n as usize];
                if !node.is_epsilon() && self.accepts(node, text[i]) {
                    self.close(&mut set, node.next, text, i + 1, &mut stack);
                }
            }
        }
        // At e, glibc ends on one END node: the lowest numbered one whose context holds.
        // Anchors clone what follows them up to the next character (with their
        // constraint), END included; the clones are numbered after every original node, in
        // the order the anchors are met. So the plain END wins when some path reaches it
        // with no anchor since the last character; otherwise the END cloned by the first
        // anchor. Only paths to that END are alive at e. States at e are therefore
        // (node, first anchor passed since the last character).
        let final_alive = self.final_states(text, s, e, &reach)?;
        // Backward: the states that can still end the match at e.
        let mut alive: Vec<Vec<u32>> = vec![Vec::new(); e - s + 1];
        let mut live = NodeSet::new(m);
        for i in (s..=e).rev() {
            let r = &reach[i - s];
            let in_reach = |n: u32| r.binary_search(&n).is_ok();
            live.clear();
            let mut work = Vec::new();
            if i == e {
                for &(n, fa) in &final_alive {
                    if fa == NO_ANCHOR {
                        live.insert(n);
                    }
                }
            } else {
                let after = &alive[i - s + 1];
                for &n in r {
                    let node = &self.nodes[n as usize];
                    if !node.is_epsilon()
                        && node.kind != NKind::End
                        && self.accepts(node, text[i])
                        && after.binary_search(&node.next).is_ok()
                        && live.insert(n)
                    {
                        work.push(n);
                    }
                }
            }
            while let Some(y) = work.pop() {
                for &x in &self.rev_eps[y as usize] {
                    if live.contains(x) || !in_reach(x) {
                        continue;
                    }
                    if let NKind::Anchor(c) = self.nodes[x as usize].kind
                        && !holds(c, text, i)
                    {
                        continue;
                    }
                    live.insert(x);
                    work.push(x);
                }
            }
            let mut l = live.list.clone();
            l.sort_unstable();
            alive[i - s] = l;
        }
        // The walk.
        let is_alive = |i: usize, n: u32, fa: u32| {
            if i == e {
                final_alive.binary_search(&(n, fa)).is_ok()
            } else {
                alive[i - s].binary_search(&n).is_ok()
            }
        };
        if !is_alive(s, self.init, NO_ANCHOR) {
            return None;
        }
        // The first anchor passed since the last character (only looked at on e).
        let mut fa = NO_ANCHOR;
        let (mut so, mut eo): (isize, isize) = (-1, -1);
        let (mut prev_so, mut prev_eo): (isize, isize) = (-1, -1);
        let mut cur = self.init;
        let mut idx = s;
        let mut eps_via: Vec<u32> = Vec::new();
        let mut steps = 0usize;
        let limit = (e - s + 2) * (m + 2) * 2;
        loop {
            steps += 1;
            if steps > limit {
                return None;
            }
            let node = self.nodes[cur as usize];
            // update_regs for register 1 (group index 0).
            match node.kind {
                NKind::Open(0) => {
                    so = idx as isize;
                    eo = -1;
                }
                NKind::Close(0) => {
                    if so < idx as isize {
                        eo = idx as isize;
                        (prev_so, prev_eo) = (so, eo);
                    } else if node.opt && prev_so != -1 {
                        (so, eo) = (prev_so, prev_eo);
                    } else {
                        eo = idx as isize;
                    }
                }
                _ => {}
            }
            if idx == e && cur == self.end {
                break;
            }
            // proceed_next_node.
            if node.is_epsilon() {
                if !eps_via.contains(&cur) {
                    eps_via.push(cur);
                }
                let next_fa = match node.kind {
                    NKind::Anchor(_) if fa == NO_ANCHOR => cur,
                    _ => fa,
                };
                let mut dest = None;
                for &cand in node.edests() {
                    if !is_alive(idx, cand, next_fa) {
                        continue;
                    }
                    match dest {
                        None => dest = Some(cand),
                        Some(first) => {
                            if eps_via.contains(&first) {
                                dest = Some(cand);
                            }
                            break;
                        }
                    }
                }
                cur = dest?;
                fa = next_fa;
            } else {
                if idx >= e || !self.accepts(&node, text[idx]) {
                    return None;
                }
                idx += 1;
                cur = node.next;
                eps_via.clear();
                fa = NO_ANCHOR;
            }
        }
        if so < 0 || eo < so {
            return None;
        }
        Some((so as usize, eo as usize))
    }
}

/// "No anchor passed since the last character."
const NO_ANCHOR: u32 = u32::MAX;

impl Regex {
    /// The (node, first anchor since the last character) states at `e` that lead to the
    /// END glibc ends on (see `submatch`), sorted.
    fn final_states(
        &self,
        text: &[u8],
        s: usize,
        e: usize,
        reach: &[Vec<u32>],
    ) -> Option<Vec<(u32, u32)>> {
        // Where the last character (or the start) leads.
        let mut entries = Vec::new();
        if e == s {
            entries.push(self.init);
        } else {
            for &n in &reach[e - 1 - s] {
                let node = &self.nodes[n as usize];
                if !node.is_epsilon() && self.accepts(node, text[e - 1]) {
                    entries.push(node.next);
                }
            }
        }
        // Forward over (node, first anchor) through the epsilon edges that hold at e.
        let mut seen: Vec<(u32, u32)> = Vec::new();
        let mut edges: Vec<((u32, u32), (u32, u32))> = Vec::new();
        let mut stack: Vec<(u32, u32)> = entries.iter().map(|&n| (n, NO_ANCHOR)).collect();
        let mut visited = std::collections::HashSet::new();
        while let Some(st) = stack.pop() {
            if !visited.insert(st) {
                continue;
            }
            if visited.len() > SUBMATCH_BUDGET {
                return None;
            }
            seen.push(st);
            let (n, fa) = st;
            let node = &self.nodes[n as usize];
            if !node.is_epsilon() {
                continue;
            }
            if let NKind::Anchor(c) = node.kind
                && !holds(c, text, e)
            {
                continue;
            }
            let next_fa = match node.kind {
                NKind::Anchor(_) if fa == NO_ANCHOR => n,
                _ => fa,
            };
            for &d in node.edests() {
                edges.push((st, (d, next_fa)));
                stack.push((d, next_fa));
            }
        }
        // The END glibc picks: the plain one, else the first anchor's clone.
        let key = seen
            .iter()
            .filter(|(n, _)| *n == self.end)
            .map(|&(_, fa)| fa)
            .min_by_key(|&fa| if fa == NO_ANCHOR { None } else { Some(fa) })?;
        let mut into: std::collections::HashMap<(u32, u32), Vec<(u32, u32)>> =
            std::collections::HashMap::new();
        for &(from, to) in &edges {
            into.entry(to).or_default().push(from);
        }
        let mut alive = std::collections::HashSet::new();
        let mut work = vec![(self.end, key)];
        alive.insert((self.end, key));
        while let Some(t) = work.pop() {
            for &from in into.get(&t).into_iter().flatten() {
                if alive.insert(from) {
                    work.push(from);
                }
            }
        }
        let mut out: Vec<(u32, u32)> = alive.into_iter().collect();
        out.sort_unstable();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(re: &str, text: &str) -> Result<Option<(usize, usize, Option<String>)>, RegError> {
        let r = compile(re.as_bytes())?;
        Ok(r.exec(text.as_bytes()).map(|m| {
            (
                m.start,
                m.end,
                m.group1.map(|(a, b)| text[a..b].to_string()),
            )
        }))
    }

    fn err(re: &str) -> &'static str {
        match compile(re.as_bytes()) {
            Err(e) => e.message(),
            Ok(_) => "ok",
        }
    }

    #[test]
    fn leftmost_longest_not_leftmost_first() {
        assert_eq!(exec("ab|abc", "abc"), Ok(Some((0, 3, None))));
        assert_eq!(exec("a|ab|abc", "xabcd"), Ok(Some((1, 4, None))));
        assert_eq!(
            exec("(a|ab)(c|bcd)?", "abc"),
            Ok(Some((0, 3, Some("ab".into()))))
        );
        assert_eq!(exec("b", "abc"), Ok(Some((1, 2, None))));
        assert_eq!(exec("x", "abc"), Ok(None));
    }

    #[test]
    fn submatches_as_glibc_walks_them() {
        // glibc takes the first viable branch, not POSIX's longest subexpression.
        assert_eq!(
            exec("(a|ab)(c|bcd)(d*)", "abcd"),
            Ok(Some((0, 4, Some("a".into()))))
        );
        // Branch order is by node number: the empty branch of `(|a)` comes last.
        assert_eq!(exec("(|a)(a*)b", "ab"), Ok(Some((0, 2, Some("a".into())))));
        assert_eq!(exec("(a|)(a*)b", "ab"), Ok(Some((0, 2, Some("a".into())))));
        // An empty pass through a starred group still sets it.
        assert_eq!(exec("(a*)*", "b"), Ok(Some((0, 0, Some(String::new())))));
        assert_eq!(exec("(a?)*", "aa"), Ok(Some((0, 2, Some("a".into())))));
        assert_eq!(exec("(x)?", "abc"), Ok(Some((0, 0, None))));
        assert_eq!(
            exec("011(..)", "9011043"),
            Ok(Some((1, 6, Some("04".into()))))
        );
        assert_eq!(exec("((a))b", "ab"), Ok(Some((0, 2, Some("a".into())))));
    }

    #[test]
    fn syntax_of_glibc_eres() {
        assert_eq!(exec("a**", "aaa"), Ok(Some((0, 3, None))));
        assert_eq!(exec("a+?", "aaa"), Ok(Some((0, 3, None))), "not lazy");
        assert_eq!(exec("a||b", "b"), Ok(Some((0, 1, None))));
        assert_eq!(exec("a||b", "c"), Ok(Some((0, 0, None))));
        assert_eq!(exec("()", "abc"), Ok(Some((0, 0, Some(String::new())))));
        assert_eq!(exec("\\d", "d"), Ok(Some((0, 1, None))));
        assert_eq!(exec("\\(a\\)", "(a)"), Ok(Some((0, 3, None))));
        assert_eq!(exec("a)", "a)"), Ok(Some((0, 2, None))));
        assert_eq!(exec("a{,}", "aa"), Ok(Some((0, 2, None))));
        assert_eq!(exec("a{,2}", "aaa"), Ok(Some((0, 2, None))));
        assert_eq!(exec("a{2,3}", "aaaa"), Ok(Some((0, 3, None))));
        assert_eq!(exec("a{0}b", "ab"), Ok(Some((1, 2, None))));
        assert_eq!(exec("}", "}"), Ok(Some((0, 1, None))));
        assert_eq!(exec("[]a]+", "]a]"), Ok(Some((0, 3, None))));
        assert_eq!(exec("[a-]+", "a-"), Ok(Some((0, 2, None))));
        assert_eq!(exec("[^a]", "a\n"), Ok(Some((1, 2, None))));
        assert_eq!(exec("[\\]+", "\\\\"), Ok(Some((0, 2, None))));
        assert_eq!(exec("[[:alpha:]]+", "ab1"), Ok(Some((0, 2, None))));
        assert_eq!(exec("[[=a=][.b.]]+", "ab"), Ok(Some((0, 2, None))));
        assert_eq!(exec(".", "\n"), Ok(Some((0, 1, None))));
        assert_eq!(exec("^b", "ab"), Ok(None));
        assert_eq!(exec("a^", "a"), Ok(None));
        assert_eq!(exec("b$", "ab"), Ok(Some((1, 2, None))));
        assert_eq!(exec("\\<b", "a b"), Ok(Some((2, 3, None))));
        assert_eq!(exec("a\\>", "ab a"), Ok(Some((3, 4, None))));
        assert_eq!(exec("\\bb\\b", "ab b"), Ok(Some((3, 4, None))));
        assert_eq!(exec("\\Bb", "ab b"), Ok(Some((1, 2, None))));
        assert_eq!(exec("\\w+\\s\\W", "ab !"), Ok(Some((0, 4, None))));
        assert_eq!(exec("\\`a\\'", "a"), Ok(Some((0, 1, None))));
        // Bytes, not characters: `+` repeats the second byte of the UTF-8 `é`.
        assert_eq!(exec("\u{e9}+", "\u{e9}\u{e9}"), Ok(Some((0, 2, None))));
        assert_eq!(
            exec("(\u{e9})+", "\u{e9}\u{e9}"),
            Ok(Some((0, 4, Some("\u{e9}".into()))))
        );
    }

    #[test]
    fn errors_with_glibc_texts() {
        assert_eq!(err("*a"), "Invalid preceding regular expression");
        assert_eq!(err("a|*b"), "Invalid preceding regular expression");
        assert_eq!(err("^*"), "Invalid preceding regular expression");
        assert_eq!(err("{1}"), "Invalid preceding regular expression");
        assert_eq!(err("a{"), "Unmatched \\{");
        assert_eq!(err("a{1"), "Unmatched \\{");
        assert_eq!(err("a{1,2,3}"), "Invalid content of \\{\\}");
        assert_eq!(err("a{}"), "Invalid content of \\{\\}");
        assert_eq!(err("a{2,1}"), "Invalid content of \\{\\}");
        assert_eq!(err("a{x}"), "Invalid content of \\{\\}");
        assert_eq!(err("a{32768}"), "Regular expression too big");
        assert_eq!(err("a{40000}"), "Regular expression too big");
        assert_eq!(err("a\\"), "Trailing backslash");
        assert_eq!(err("["), "Invalid regular expression");
        assert_eq!(err("[^"), "Invalid regular expression");
        assert_eq!(err("[a"), "Unmatched [, [^, [:, [., or [=");
        assert_eq!(err("[[:alpha:]"), "Unmatched [, [^, [:, [., or [=");
        assert_eq!(err("[[:foo:]]"), "Invalid character class name");
        assert_eq!(err("[[.ab.]]"), "Invalid collation character");
        assert_eq!(err("[z-a]"), "Invalid range end");
        assert_eq!(err("[a-[:alpha:]]"), "Invalid range end");
        assert_eq!(err("[[:alpha:]-z]"), "Invalid range end");
        assert_eq!(err("(a"), "Unmatched ( or \\(");
        assert_eq!(err("\\1"), "Invalid back reference");
        assert_eq!(err("(a)\\1"), "back-references are not supported");
        assert_eq!(err("(a)(b)"), "ok");
    }

    #[test]
    fn limits_do_not_blow_up() {
        assert_eq!(err("(a{1000}){1000}"), "Memory exhausted");
        assert_eq!(err(&"(".repeat(10_000)), "Memory exhausted");
        let long = "a".repeat(100_000);
        assert_eq!(exec("(a|b)*c", &long), Ok(None));
        assert_eq!(exec("a*", &long).map(|m| m.map(|m| m.1)), Ok(Some(100_000)));
    }
}
