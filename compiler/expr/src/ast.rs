//! The `$[...]` syntax tree. Ranges are byte offsets in the expression body.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Plus,
    Minus,
    Mult,
    Div,
    Mod,
    /// `:` — anchored regex match.
    Colon,
    /// `=~` — unanchored regex match.
    EqTilde,
    /// `~~` — concatenation.
    TildeTilde,
}

impl BinOp {
    pub fn text(self) -> &'static str {
        match self {
            BinOp::Or => "|",
            BinOp::And => "&",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::Plus => "+",
            BinOp::Minus => "-",
            BinOp::Mult => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Colon => ":",
            BinOp::EqTilde => "=~",
            BinOp::TildeTilde => "~~",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

/// What an operand token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Atom {
    /// `[0-9]+(\.[0-9]+)?`
    Number,
    /// `"..."`, quotes part of the value.
    Quoted,
    Word,
    /// `${...}` left unsubstituted.
    Variable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Atom(Atom, Range<usize>),
    Unary(UnOp, Range<usize>, Box<Expr>),
    Binary(Box<Expr>, BinOp, Range<usize>, Box<Expr>),
    /// `c ? a :: b`
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `NAME(args)`; an empty argument is `None`.
    Call(Range<usize>, Vec<Option<Expr>>, Range<usize>),
    Paren(Range<usize>, Box<Expr>),
}

impl Expr {
    /// The byte range the expression covers.
    pub fn range(&self) -> Range<usize> {
        match self {
            Expr::Atom(_, r) => r.clone(),
            Expr::Unary(_, op, e) => op.start..e.range().end,
            Expr::Binary(a, _, _, b) => a.range().start..b.range().end,
            Expr::Cond(c, _, b) => c.range().start..b.range().end,
            Expr::Call(name, _, all) => name.start..all.end,
            Expr::Paren(r, _) => r.clone(),
        }
    }
}

impl Expr {
    /// A compact prefix form, `(+ 1 (* 2 3))`, for tests and hovers; `text` is the body the
    /// ranges point into.
    pub fn sexp(&self, text: &[u8]) -> String {
        let t = |r: &Range<usize>| String::from_utf8_lossy(&text[r.clone()]).into_owned();
        match self {
            Expr::Atom(_, r) => t(r),
            Expr::Unary(UnOp::Neg, _, e) => format!("(neg {})", e.sexp(text)),
            Expr::Unary(UnOp::Not, _, e) => format!("(! {})", e.sexp(text)),
            Expr::Binary(a, op, _, b) => {
                format!("({} {} {})", op.text(), a.sexp(text), b.sexp(text))
            }
            Expr::Cond(c, a, b) => {
                format!("(? {} {} {})", c.sexp(text), a.sexp(text), b.sexp(text))
            }
            Expr::Call(name, args, _) => {
                let mut s = format!("({}", t(name));
                for a in args {
                    s.push(' ');
                    s.push_str(&a.as_ref().map_or("<empty>".into(), |a| a.sexp(text)));
                }
                s.push(')');
                s
            }
            Expr::Paren(_, e) => e.sexp(text),
        }
    }
}
