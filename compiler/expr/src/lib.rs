//! The two small languages inside dialplan application data:
//!
//! - [`template`]: `${...}` substitutions and `$[...]` expressions embedded in text, as
//!   main/pbx_variables.c scans them (brace counting, no escapes);
//! - [`parse_expr`]: the body of a `$[...]`, lexed as main/ast_expr2.fl does ([`lexer`]) and
//!   parsed with main/ast_expr2.y's grammar (lalrpop).
//!
//! Everything works on bytes and never fails: broken input gives a result plus what is wrong
//! with it, with byte ranges for diagnostics.

pub mod ast;
mod ere;
pub mod eval;
pub mod lexer;
pub mod template;

use std::ops::Range;

use lalrpop_util::{ParseError, lalrpop_mod};

pub use ast::{Atom, BinOp, Expr, UnOp};
use lexer::Tok;

lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_parens)]
    grammar
);

/// A syntax error in an expression body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offending token (empty at the end of the body).
    pub range: Range<usize>,
    pub message: String,
}

/// The result of parsing a `$[...]` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// `None` for an empty body (Asterisk's value: the empty string) or a syntax error.
    pub expr: Option<Expr>,
    pub error: Option<SyntaxError>,
    /// Bytes the lexer drops without a word.
    pub dropped: Vec<Range<usize>>,
}

/// Parses an expression body. `${...}` inside it stay operands of their own, as Asterisk lexes
/// a body that needed no substitution.
pub fn parse_expr(body: &[u8]) -> Parsed {
    let mut dropped = Vec::new();
    let mut toks = Vec::new();
    for t in lexer::tokens(body) {
        if t.tok == Tok::Dropped {
            dropped.push(t.start..t.end);
        } else {
            toks.push((t.start, t.tok, t.end));
        }
    }
    match parse_tokens(&toks) {
        Ok(expr) => Parsed {
            expr,
            error: None,
            dropped,
        },
        Err(e) => Parsed {
            expr: None,
            error: Some(syntax_error(body, e)),
            dropped,
        },
    }
}

/// Runs the grammar over already lexed tokens (dropped bytes removed).
pub(crate) fn parse_tokens(
    toks: &[(usize, Tok, usize)],
) -> Result<Option<Expr>, ParseError<usize, Tok, ()>> {
    grammar::StartParser::new().parse(toks.iter().copied().map(Ok::<_, ()>))
}

fn syntax_error(body: &[u8], e: ParseError<usize, Tok, ()>) -> SyntaxError {
    match e {
        ParseError::UnrecognizedToken {
            token: (start, tok, end),
            expected,
        } => SyntaxError {
            range: start..end,
            message: format!(
                "unexpected {}{}",
                describe(tok, &body[start..end]),
                expecting(&expected)
            ),
        },
        ParseError::UnrecognizedEof { location, expected } => SyntaxError {
            range: location..location,
            message: format!("the expression ends too early{}", expecting(&expected)),
        },
        ParseError::ExtraToken {
            token: (start, tok, end),
        } => SyntaxError {
            range: start..end,
            message: format!("unexpected {}", describe(tok, &body[start..end])),
        },
        ParseError::InvalidToken { location } => SyntaxError {
            range: location..location + 1,
            message: "invalid token".into(),
        },
        ParseError::User { .. } => SyntaxError {
            range: 0..0,
            message: "syntax error".into(),
        },
    }
}

fn describe(tok: Tok, text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    match tok {
        Tok::Number | Tok::Quoted | Tok::Word | Tok::Variable => format!("operand `{text}`"),
        _ => format!("`{text}`"),
    }
}

/// lalrpop's expected terminals, shortened to what helps: an operand, or the operators.
fn expecting(expected: &[String]) -> String {
    let operand = expected.iter().any(|e| e == "WORD");
    let closers: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|e| matches!(*e, "\")\"" | "\"::\""))
        .map(|e| e.trim_matches('"'))
        .collect();
    match (operand, closers.as_slice()) {
        (true, _) => "; expected an operand".into(),
        (false, []) => String::new(),
        (false, c) => format!(
            "; expected {}",
            c.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}
