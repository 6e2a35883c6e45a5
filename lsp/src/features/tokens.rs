//! Semantic tokens from the lossless tree: comments, section names, directives, keys, and in
//! a dialplan line the extension, the label, the application, and the variables and
//! functions of `${...}`.

use pbxc_syntax::{PieceKind, StmtKind, SyntaxTree};
use tower_lsp_server::ls_types as ls;

use crate::convert::{Encoding, utf16_len};
use crate::world::World;

/// The legend's order is the token type's number.
const TYPES: &[ls::SemanticTokenType] = &[
    ls::SemanticTokenType::COMMENT,   // 0
    ls::SemanticTokenType::NAMESPACE, // 1: a section or context name
    ls::SemanticTokenType::MACRO,     // 2: `#include` and friends
    ls::SemanticTokenType::KEYWORD,   // 3: a key (`exten`, `type`)
    ls::SemanticTokenType::NUMBER,    // 4: an extension
    ls::SemanticTokenType::PARAMETER, // 5: a label
    ls::SemanticTokenType::FUNCTION,  // 6: an application or function
    ls::SemanticTokenType::VARIABLE,  // 7: a variable in `${...}`
];

const COMMENT: u32 = 0;
const SECTION: u32 = 1;
const DIRECTIVE: u32 = 2;
const KEY: u32 = 3;
const EXTENSION: u32 = 4;
const LABEL: u32 = 5;
const FUNCTION: u32 = 6;
const VARIABLE: u32 = 7;

pub fn legend() -> ls::SemanticTokensLegend {
    ls::SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

pub fn semantic_tokens(world: &mut World, uri: &ls::Uri) -> Option<ls::SemanticTokens> {
    let path = uri.to_file_path()?.into_owned();
    let tree = world.tree(&path)?;
    Some(ls::SemanticTokens {
        result_id: None,
        data: encode(&tree, &raw_tokens(&tree), world.encoding),
    })
}

/// (start, end, type) in bytes, each within one line, in order.
pub fn raw_tokens(tree: &SyntaxTree) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    let text = &tree.text;
    for line in &tree.lines {
        let mut mine = Vec::new();
        for piece in &line.pieces {
            if matches!(piece.kind, PieceKind::LineComment | PieceKind::BlockComment) {
                mine.push((
                    piece.range.start as usize,
                    piece.range.end as usize,
                    COMMENT,
                ));
            }
        }
        if let Some(stmt) = &line.stmt {
            match &stmt.kind {
                StmtKind::Section { name, .. } => {
                    mine.push((name.range.start as usize, name.range.end as usize, SECTION))
                }
                StmtKind::Directive { word, .. } => mine.push((
                    word.range.start as usize - 1,
                    word.range.end as usize,
                    DIRECTIVE,
                )),
                StmtKind::Assign { name, value, .. } => {
                    mine.push((name.range.start as usize, name.range.end as usize, KEY));
                    if value.range.len() == value.bytes.len() {
                        let key = name.bytes.to_ascii_lowercase();
                        value_tokens(&key, &value.bytes, value.range.start as usize, &mut mine);
                    }
                }
                _ => {}
            }
        }
        // A statement can run over several physical lines (a block comment inside it): a
        // token stops at the end of its line.
        for t in &mut mine {
            if let Some(nl) = text[t.0..t.1].iter().position(|&c| c == b'\n') {
                t.1 = t.0 + nl;
            }
        }
        mine.retain(|(s, e, _)| s < e);
        mine.sort();
        // Tokens may not overlap: a later one starting inside an earlier one is dropped.
        let mut end = 0;
        for t in mine {
            if t.0 >= end {
                end = t.1;
                out.push(t);
            }
        }
    }
    out
}

/// A dialplan value: `ext,prio(label),App(data)` or `prio(label),App(data)`.
fn value_tokens(key: &[u8], v: &[u8], base: usize, out: &mut Vec<(usize, usize, u32)>) {
    let (app_field, has_exten) = match key {
        b"exten" => (2, true),
        b"same" => (1, false),
        _ => {
            substitutions(v, base, out);
            return;
        }
    };
    let mut fields = Vec::new();
    let mut start = 0;
    if has_exten {
        // Commas inside `[...]` of a pattern do not end the extension.
        let ext = pbxc_dialplan::pbx_strsep(v).0.len();
        fields.push(0..ext);
        start = (ext + 1).min(v.len());
    }
    for (i, &c) in v.iter().enumerate().skip(start) {
        if c == b',' && fields.len() < app_field {
            fields.push(start..i);
            start = i + 1;
        }
    }
    fields.push(start..v.len());
    if has_exten && let Some(f) = fields.first() {
        let end = v[f.clone()]
            .iter()
            .position(|&c| c == b'/')
            .map_or(f.end, |i| f.start + i);
        out.push((base + f.start, base + end, EXTENSION));
    }
    if let Some(p) = fields.get(app_field - 1)
        && let (Some(o), Some(c)) = (
            v[p.clone()].iter().position(|&c| c == b'('),
            v[p.clone()].iter().rposition(|&c| c == b')'),
        )
        && o < c
    {
        out.push((base + p.start + o + 1, base + p.start + c, LABEL));
    }
    if let Some(app) = fields.get(app_field) {
        let body = &v[app.clone()];
        let lead = body.len() - body.trim_ascii_start().len();
        let name_end = body.iter().position(|&c| c == b'(').unwrap_or(body.len());
        let name = body[..name_end].trim_ascii_end();
        if name.len() > lead {
            out.push((
                base + app.start + lead,
                base + app.start + name.len(),
                FUNCTION,
            ));
        }
        substitutions(&v[app.start..], base + app.start, out);
    }
}

/// `${NAME…}` as a variable, `${NAME(` as a function, at any depth.
fn substitutions(v: &[u8], base: usize, out: &mut Vec<(usize, usize, u32)>) {
    let mut i = 0;
    while i + 1 < v.len() {
        if v[i] == b'$' && v[i + 1] == b'{' {
            let s = i + 2;
            let mut e = s;
            while e < v.len() && (v[e].is_ascii_alphanumeric() || v[e] == b'_') {
                e += 1;
            }
            if e > s {
                let kind = if v.get(e) == Some(&b'(') {
                    FUNCTION
                } else {
                    VARIABLE
                };
                out.push((base + s, base + e, kind));
            }
            i = e.max(s);
        } else {
            i += 1;
        }
    }
}

/// LSP's relative encoding: line delta, start delta, length, type, modifiers.
fn encode(
    tree: &SyntaxTree,
    tokens: &[(usize, usize, u32)],
    encoding: Encoding,
) -> Vec<ls::SemanticToken> {
    let index = pbxc_diagnostics::LineIndex::new(&tree.text);
    let width = |bytes: &[u8]| match encoding {
        Encoding::Utf8 => bytes.len(),
        Encoding::Utf16 => utf16_len(bytes),
    };
    let mut out = Vec::with_capacity(tokens.len());
    let (mut last_line, mut last_start) = (0u32, 0u32);
    for &(s, e, kind) in tokens {
        let line = index.line_of(s);
        let line_start = index.line_start(line);
        let line = line as u32;
        let start = width(&tree.text[line_start..s]) as u32;
        let length = width(&tree.text[s..e]) as u32;
        let delta_start = if line == last_line {
            start - last_start
        } else {
            start
        };
        out.push(ls::SemanticToken {
            delta_line: line - last_line,
            delta_start,
            length,
            token_type: kind,
            token_modifiers_bitset: 0,
        });
        last_line = line;
        last_start = start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each token as (text, type name), for reading.
    fn tokens(src: &str) -> Vec<(String, &'static str)> {
        let (tree, _) = pbxc_syntax::parse(pbxc_diagnostics::FileId(0), src.as_bytes().into());
        raw_tokens(&tree)
            .into_iter()
            .map(|(s, e, k)| (src[s..e].to_string(), TYPES[k as usize].as_str()))
            .collect()
    }

    #[test]
    fn a_dialplan_line_is_split_into_its_parts() {
        assert_eq!(
            tokens(
                "[ivr] ; menu\nexten => _1XX/200,n(top),Dial(PJSIP/${EXTEN},${CALLERID(num)})\n#include \"x.conf\"\n"
            ),
            [
                ("ivr", "namespace"),
                ("; menu", "comment"),
                ("exten", "keyword"),
                ("_1XX", "number"),
                ("top", "parameter"),
                ("Dial", "function"),
                ("EXTEN", "variable"),
                ("CALLERID", "function"),
                ("#include", "macro"),
            ]
            .map(|(a, b)| (a.to_string(), b))
        );
    }

    #[test]
    fn a_statement_over_several_lines_gives_tokens_that_stay_on_theirs() {
        // `ex` + a block comment + `ten` is the key `exten`, written over two lines.
        let src = "[c]\nex;-- a\nb --;ten => 1,1,NoOp()\n[na;-- a\nb --;me]\n";
        let found = tokens(src);
        assert!(found.iter().all(|(t, _)| !t.contains('\n')), "{found:?}");
        assert!(
            found.iter().any(|(_, kind)| *kind == "keyword"),
            "{found:?}"
        );
    }

    #[test]
    fn block_comments_are_tokens_per_line_and_utf16_widths_are_counted() {
        let src = "[c]\n;-- é\nstill --;\nsame => n,NoOp(é${X})\n";
        let (tree, _) = pbxc_syntax::parse(pbxc_diagnostics::FileId(0), src.as_bytes().into());
        let encoded = encode(&tree, &raw_tokens(&tree), Encoding::Utf16);
        let summary: Vec<(u32, u32, u32, u32)> = encoded
            .iter()
            .map(|t| (t.delta_line, t.delta_start, t.length, t.token_type))
            .collect();
        assert_eq!(
            summary,
            [
                (0, 1, 1, SECTION),
                (1, 0, 5, COMMENT), // `;-- é`: 5 units, 6 bytes
                (1, 0, 9, COMMENT), // `still --;`
                (1, 0, 4, KEY),
                (0, 10, 4, FUNCTION),
                (0, 8, 1, VARIABLE), // after `NoOp(é${`: 8 units from `NoOp`
            ]
        );
    }
}
