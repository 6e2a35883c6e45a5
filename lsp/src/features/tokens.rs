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
    for line in &tree.lines {
        let mut mine = Vec::new();
        for piece in line.pieces() {
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
    // (A name built with `${...}` gets its variables' tokens instead.)
    if key == b"include" && !v.contains(&b'$') {
        // `include => context[,time spec]`: the context, as a section name is.
        let end = v
            .iter()
            .position(|&c| c == b',' || c == b'|')
            .unwrap_or(v.len());
        let name = &v[..end];
        let lead = name.len() - name.trim_ascii_start().len();
        let body = name.trim_ascii().len();
        out.push((base + lead, base + lead + body, SECTION));
        return;
    }
    let Some(parts) = crate::line::parts(key, v) else {
        substitutions(v, base, out);
        return;
    };
    for (range, kind) in [
        (parts.extension, EXTENSION),
        (parts.label, LABEL),
        (parts.app, FUNCTION),
    ] {
        if let Some(r) = range {
            out.push((base + r.start, base + r.end, kind));
        }
    }
    if let Some(from) = parts.app_field {
        substitutions(&v[from..], base + from, out);
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
                "[ivr] ; menu\nexten => _1XX/200,n(top),Dial(PJSIP/${EXTEN},${CALLERID(num)})\n#include \"x.conf\"\ninclude =>  hours ,09:00-17:00,*,*,*\ninclude => ${DEPT}\n"
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
                ("include", "keyword"),
                ("hours", "namespace"),
                ("include", "keyword"),
                ("DEPT", "variable"),
            ]
            .map(|(a, b)| (a.to_string(), b))
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
