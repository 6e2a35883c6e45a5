//! The `$[...]` lexer, rule for rule main/ast_expr2.fl.
//!
//! Flex takes the longest match and, on a tie, the earlier rule; logos takes the longest match
//! and, on a tie, the higher priority, so numbers carry a priority over words. Bytes no rule
//! matches (`[`, `]`, `{`, `}`, a lone `~` or `"`, control characters, a trailing `$`) are
//! dropped silently by Asterisk (flex's default rule); they come out here as [`Tok::Dropped`]
//! so that a checker can point at them, and the parser skips them.

use logos::{Lexer, Logos};

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(utf8 = false)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n]+")]
pub enum Tok {
    #[token("|")]
    #[token("||")]
    Or,
    #[token("&")]
    #[token("&&")]
    And,
    #[token("=")]
    #[token("==")]
    Eq,
    #[token("=~")]
    EqTilde,
    #[token("~~")]
    TildeTilde,
    #[token(">")]
    Gt,
    #[token("<")]
    Lt,
    #[token(">=")]
    Ge,
    #[token("<=")]
    Le,
    #[token("!=")]
    Ne,
    #[token("+")]
    Plus,
    #[token(",")]
    Comma,
    #[token("-")]
    Minus,
    #[token("*")]
    Mult,
    #[token("/")]
    Div,
    #[token("%")]
    Mod,
    #[token("?")]
    Cond,
    #[token("!")]
    Compl,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token("(")]
    Lp,
    #[token(")")]
    Rp,
    /// `"..."`, quotes included in the value.
    #[regex(r#""[^"]*""#)]
    Quoted,
    /// `[0-9]+(\.[0-9]+)?`: a numeric string.
    #[regex(r"[0-9]+(\.[0-9]+)?", priority = 10)]
    Number,
    /// Any other run of word characters, `$x` pairs and high bytes.
    #[regex(r"(?-u:([a-zA-Z0-9.';\\_^#@]|[\x80-\xff]|\$[^{]))+")]
    Word,
    /// `${...}` with what sticks to it, taken verbatim (only present when the body was not
    /// substituted first, as in a static check).
    #[regex(r"(?-u:([a-zA-Z0-9.';\\_^#@]|[\x80-\xff]|\$[^{]))*\$\{", variable)]
    Variable,
    /// A byte no rule matches; Asterisk drops it.
    Dropped,
}

/// The `var` and `trail` start conditions: braces are counted to the `}` that closes the
/// `${`, then everything up to an operator or blank sticks to the token, and another `${`
/// starts over.
fn variable(lex: &mut Lexer<Tok>) -> Result<(), LexError> {
    let rest = lex.remainder();
    let mut i = 0;
    loop {
        // var: to the matching `}`.
        let mut depth = 0usize;
        loop {
            match rest.get(i) {
                // flex has no end-of-file rule in `var`: the rest of the text is lost.
                None => {
                    lex.bump(rest.len());
                    return Err(LexError::UnterminatedVariable);
                }
                Some(b'{') => depth += 1,
                Some(b'}') if depth == 0 => break,
                Some(b'}') => depth -= 1,
                Some(_) => {}
            }
            i += 1;
        }
        i += 1;
        // trail: anything but operators, blanks and `$`.
        while let Some(&c) = rest.get(i) {
            if b"-\t\r \n$():?%/+=*<>!|&".contains(&c) {
                break;
            }
            i += 1;
        }
        if rest.get(i) == Some(&b'$') && rest.get(i + 1) == Some(&b'{') {
            i += 2;
            continue;
        }
        lex.bump(i);
        return Ok(());
    }
}

/// Why logos stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LexError {
    /// No rule matches here.
    #[default]
    Unmatched,
    /// `${` with no `}`: flex loses the rest of the text.
    UnterminatedVariable,
}

/// A token and its byte range in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spanned {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Every token of `body`, dropped bytes included.
pub fn tokens(body: &[u8]) -> Vec<Spanned> {
    let mut out = Vec::new();
    let mut offset = 0;
    'restart: while offset < body.len() {
        let mut lex = Tok::lexer(&body[offset..]);
        while let Some(t) = lex.next() {
            let span = lex.span();
            let (start, end) = (offset + span.start, offset + span.end);
            match t {
                Ok(tok) => out.push(Spanned { tok, start, end }),
                Err(LexError::UnterminatedVariable) => out.push(Spanned {
                    tok: Tok::Dropped,
                    start,
                    end,
                }),
                // logos may have read ahead looking for a longer match (`"` with no closing
                // quote); flex backs up and drops one byte only.
                Err(LexError::Unmatched) => {
                    out.push(Spanned {
                        tok: Tok::Dropped,
                        start,
                        end: start + 1,
                    });
                    offset = start + 1;
                    continue 'restart;
                }
            }
        }
        break;
    }
    out
}
