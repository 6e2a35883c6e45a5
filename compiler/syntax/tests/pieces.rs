//! How each line is cut into pieces and what statement Asterisk reads from it. Expectations
//! are written in a compact form beside each input: one entry per piece, `Kind"text"`, then
//! `=> statement`.

use std::sync::Arc;

use pbxc_diagnostics::FileId;
use pbxc_syntax::{PieceKind, StmtKind, SyntaxTree, parse};

fn render(tree: &SyntaxTree) -> String {
    let mut out = String::new();
    for line in &tree.lines {
        let mut parts = Vec::new();
        for p in line.pieces() {
            let kind = match p.kind {
                PieceKind::Bom => "Bom",
                PieceKind::Code => "C",
                PieceKind::Escape => "Esc",
                PieceKind::LineComment => "Line",
                PieceKind::BlockComment => "Block",
                PieceKind::Ignored => "Ign",
                PieceKind::Skipped => "Skip",
                PieceKind::Newline => continue,
            };
            parts.push(format!(
                "{kind}{:?}",
                String::from_utf8_lossy(tree.slice(p.range))
            ));
        }
        let stmt = match line.stmt.as_ref().map(|s| &s.kind) {
            None => String::new(),
            Some(StmtKind::Section {
                name,
                options,
                trailing,
            }) => {
                let mut s = format!(" => section {:?}", name.as_str_lossy());
                if let Some(o) = options {
                    let o: Vec<_> = o.iter().map(|t| t.as_str_lossy().into_owned()).collect();
                    s += &format!(" options {o:?}");
                }
                if let Some(t) = trailing {
                    s += &format!(" trailing {:?}", t.as_str_lossy());
                }
                s
            }
            Some(StmtKind::Assign {
                name, op, value, ..
            }) => format!(
                " => {:?} {op:?} {:?}",
                name.as_str_lossy(),
                value.as_str_lossy()
            ),
            Some(StmtKind::Directive { kind, arg, .. }) => format!(
                " => #{kind:?} {:?}",
                arg.as_ref().map(|a| a.as_str_lossy().into_owned())
            ),
            Some(other) => format!(" => {}", format!("{other:?}").split(' ').next().unwrap()),
        };
        out += &format!("{}{stmt}\n", parts.join(" "));
    }
    out
}

#[track_caller]
fn check(input: &str, expect: &str) {
    let (tree, _) = parse(FileId(0), Arc::from(input.as_bytes()));
    assert_eq!(tree.to_bytes(), input.as_bytes(), "round trip");
    let got = render(&tree);
    let expect: String = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(got, expect, "\ninput: {input:?}\n--- got ---\n{got}");
}

#[test]
fn settings_and_their_operators() {
    check(
        "[c]\na=1\n b = 2 \nc=>3\nd += 4\n",
        r##"
        C"[c]" => section "c"
        C"a=1" => "a" Set "1"
        C" b = 2 " => "b" Set "2"
        C"c=>3" => "c" Object "3"
        C"d += 4" => "d" Append "4"
        "##,
    );
}

#[test]
fn comments_escapes_and_inline_blocks_join_the_text_around_them() {
    check(
        "a=1 ;-- x --; tail\nb=x\\;y ; c\nc=1;--- not a block\n",
        r##"
        C"a=1 " Block";-- x --;" C" tail" => "a" Set "1  tail"
        C"b=x" Esc"\\" C";y " Line"; c" => "b" Set "x;y"
        C"c=1" Line";--- not a block" => "c" Set "1"
        "##,
    );
}

#[test]
fn a_block_spanning_lines_resumes_code_after_its_end() {
    check(
        "d=4;-- start\nmiddle\n--; e=5\n",
        r##"
        C"d=4" Block";-- start" => "d" Set "4"
        Block"middle"
        Block"--;" C" e=5" => "e" Set "5"
        "##,
    );
}

#[test]
fn nested_blocks_need_as_many_ends() {
    check(
        ";-- a ;-- b --; c --;x=1\n",
        r##"
        Block";-- a ;-- b --; c --;" C"x=1" => "x" Set "1"
        "##,
    );
}

#[test]
fn a_stray_end_keeps_its_line_and_silences_the_rest() {
    // Asterisk's counter goes to -1: this line is read whole (its `;` included), and the
    // following lines are not read until a `;--` brings the counter back to zero.
    check(
        "e=NoOp(--;) ;x\nf=1\n;-- back\ng=2\n",
        r##"
        C"e=NoOp(--;) ;x" => "e" Set "NoOp(--;) ;x"
        Ign"f=1"
        Ign";-- back"
        C"g=2" => "g" Set "2"
        "##,
    );
}

#[test]
fn section_headers_and_their_traps() {
    check(
        "[ ctx ]\n[t](!,base)\n[t] (!)\n[d]x(!)\n[c\n[x](!\n",
        r##"
        C"[ ctx ]" => section " ctx "
        C"[t](!,base)" => section "t" options ["!", "base"]
        C"[t] (!)" => section "t" trailing " (!)"
        C"[d]x(!)" => section "d" trailing "x(!)"
        C"[c" => UnclosedSection
        C"[x](!" => UnclosedOptions
        "##,
    );
}

#[test]
fn directives_lose_quotes_and_angle_brackets() {
    check(
        "#include \"a b.conf\"\n#INCLUDE <x>\n#tryinclude\n#exec cmd arg\n#bogus\n",
        r##"
        C"#include \"a b.conf\"" => #Include Some("a b.conf")
        C"#INCLUDE <x>" => #Include Some("x")
        C"#tryinclude" => #TryInclude None
        C"#exec cmd arg" => #Exec Some("cmd arg")
        C"#bogus" => #Unknown None
        "##,
    );
}

#[test]
fn escaped_first_characters_and_bad_escapes() {
    check(
        "\\[y=2\n\\;x=1\n\\ z=3\njunk\n=v\n",
        r##"
        C"\\[y=2" => "[y" Set "2"
        Esc"\\" C";x=1" => ";x" Set "1"
        C"\\ z=3" => InvalidEscape
        C"junk" => MissingEquals
        C"=v" => "" Set "v"
        "##,
    );
}

#[test]
fn bom_crlf_and_nul() {
    check(
        "\u{feff}[c]\r\na=1\r\nb=x\0y\n",
        r##"
        Bom"\u{feff}" C"[c]\r" => section "c"
        C"a=1\r" => "a" Set "1"
        C"b=x" Ign"\0y" => "b" Set "x"
        "##,
    );
}
