//! Conformance of `${...}` substitution and the pure dialplan functions against
//! `shared/conformance/dialplan-cases.md`, sections C (substitution and functions), D
//! (argument splitting) and I (Asterisk's tests/test_substitution.c).
//!
//! Every table row runs. A row either passes or is listed in [`SKIP`] with the reason; the
//! test fails when a listed row starts passing too, so the list stays honest. A row counts as
//! passing only if it produced the expected text and log *without* touching anything this
//! test cannot provide (`$[...]`, a function that needs a channel, the dialplan or I/O).

use std::collections::BTreeMap;
use std::path::PathBuf;

use pbx_engine::subst::{self, Level, Limits, Scope};
use pbx_engine::vars::Variables;
use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_stdlib::functions::{self, Env};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// The rows that cannot pass here, by section and input, with the reason.
const SKIP: &[(&str, &str, &str)] = &[
    // --- needs the dialplan.
    ("C", "${DIALPLAN_EXISTS(s,1)}", DIALPLAN),
    ("C", "${DIALPLAN_EXISTS(s,1,99)}", DIALPLAN),
    ("C", "${DIALPLAN_EXISTS(nosuch)}", DIALPLAN),
    ("C", "${DIALPLAN_EXISTS(s)}", DIALPLAN),
    // --- needs the channel or the clock.
    (
        "C",
        "${IFTIME(*,*,*,*?in:out)}",
        "IFTIME reads the clock (and TESTTIME)",
    ),
    ("C", "${EXCEPTION(REASON)}", "channel function EXCEPTION"),
    ("C", "${CALLERID(num)}", "channel function CALLERID"),
    ("C", "${CALLERID(bogus)}", "channel function CALLERID"),
    // --- needs I/O.
    ("C", "${SHELL(echo hi)}", SHELL),
    ("C", "${SHELL(printf hi)}", SHELL),
    (
        "I",
        "${SHELL(printf '%d' 123)},${SHELL(printf '%d' 456)}",
        SHELL,
    ),
    ("I", "${foo},${CDR(answer)},${SHELL(printf '%d' 456)}", CDR),
    (
        "I",
        "${foo},${CDR(answer,u)},${SHELL(printf '%d' 456)}",
        CDR,
    ),
];

const DIALPLAN: &str = "needs the dialplan: DIALPLAN_EXISTS";
const SHELL: &str = "SHELL runs a process (I/O)";
const CDR: &str = "channel function CDR (and SHELL)";

struct Row {
    section: &'static str,
    /// 1-based position in its section's table (`${EXTEN}` in section C).
    index: usize,
    input: String,
    expected: String,
    /// `LEVEL file.c: message`, or empty.
    log: String,
}

fn cases() -> String {
    // shared/ sits beside the repository's checkout.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/dialplan-cases.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The text of a section, from its `## X.` heading to the next `## `.
fn section<'a>(doc: &'a str, letter: &str) -> &'a str {
    let head = format!("\n## {letter}. ");
    let start = doc
        .find(&head)
        .unwrap_or_else(|| panic!("no section {letter}"));
    let body = &doc[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |e| e + 3);
    &body[..end]
}

/// The cells of a table row: a cell written in backticks is exactly what is between them
/// (spaces included), any other cell is its trimmed text.
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut code: Option<String> = None;
    let mut in_code = false;
    for c in line.trim().trim_start_matches('|').chars() {
        match c {
            '`' if in_code => in_code = false,
            '`' => {
                in_code = true;
                code.get_or_insert_with(String::new);
            }
            '|' if !in_code => {
                let text = std::mem::take(&mut cur);
                cells.push(code.take().unwrap_or_else(|| text.trim().to_string()));
            }
            _ if in_code => code.get_or_insert_with(String::new).push(c),
            _ => cur.push(c),
        }
    }
    cells
}

fn rows(doc: &str, letter: &'static str) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in section(doc, letter).lines() {
        if !line.starts_with("| `") {
            continue;
        }
        let c = cells(line);
        rows.push(Row {
            section: letter,
            index: rows.len() + 1,
            input: c[0].clone(),
            expected: c[1].replace("\\n", "\n"),
            log: c.get(2).cloned().unwrap_or_default(),
        });
    }
    rows
}

/// `name=value` items written in backticks on the line starting with `prefix`.
fn assignments(text: &str, prefix: &str) -> Vec<(String, String)> {
    let line = text
        .lines()
        .find(|l| l.contains(prefix))
        .unwrap_or_else(|| panic!("no line with {prefix}"));
    let after = &line[line.find(prefix).unwrap() + prefix.len()..];
    after
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|item| item.split_once('='))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The call a row is substituted in: channel variables, globals and the built-ins the
/// section describes, the stdlib's pure functions, and EVAL.
#[derive(Default)]
struct TestScope {
    builtins: Vec<(&'static [u8], Vec<u8>)>,
    vars: Variables,
    globals: Variables,
    /// `(level when known, message)`; a notice carries none (the table's rows have none).
    logs: Vec<(Option<Level>, String)>,
    /// What this row needed that the test cannot provide.
    unsupported: Vec<String>,
}

impl Scope for TestScope {
    fn variable_into(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool {
        let value = match self.builtins.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => Some(&v[..]),
            None => self.vars.get(name).or_else(|| self.globals.get(name)),
        };
        value.map(|v| out.extend_from_slice(v)).is_some()
    }

    fn function(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
        let name = String::from_utf8_lossy(name).into_owned();
        if name == "EVAL" {
            return subst::eval(args, self, Limits::APP_DATA);
        }
        match functions::read(&name, args, &mut Bridge(self)) {
            Some(Ok(v)) => Some(v),
            Some(Err(complaint)) => {
                if !complaint.message.is_empty() {
                    let level = match complaint.level {
                        functions::Level::Error => Some(Level::Error),
                        functions::Level::Warning => Some(Level::Warning),
                        functions::Level::Notice => None,
                    };
                    self.logs.push((level, complaint.message));
                }
                None
            }
            None => {
                // How ast_func_read answers for what is not a pure function.
                match pbxc_stdlib::catalog().function(&name) {
                    None => self.logs.push((
                        Some(Level::Error),
                        format!("Function {name} not registered"),
                    )),
                    Some(e) if e.access == pbxc_stdlib::Access::Write => self.logs.push((
                        Some(Level::Error),
                        format!("Function {name} cannot be read"),
                    )),
                    Some(_) => self.unsupported.push(format!("function {name}")),
                }
                None
            }
        }
    }

    fn expression(&mut self, body: &[u8]) -> Vec<u8> {
        struct Calls<'a>(&'a mut TestScope);
        impl pbxc_expr::eval::Functions for Calls<'_> {
            fn call(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
                self.0.function(name, args)
            }
        }
        let result = pbxc_expr::eval::evaluate(body, &mut Calls(self));
        for w in result.warnings {
            self.logs.push((Some(Level::Warning), w));
        }
        result.value
    }

    fn log(&mut self, level: Level, message: &str) {
        self.logs.push((Some(level), message.to_string()));
    }
}

/// The stdlib's view of the test call.
struct Bridge<'a>(&'a mut TestScope);

impl Env for Bridge<'_> {
    fn substitute(&mut self, template: &[u8]) -> Vec<u8> {
        subst::substitute_with(template, self.0, Limits::UNBOUNDED)
    }
    fn var(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.0
            .vars
            .get(name)
            .or_else(|| self.0.globals.get(name))
            .map(<[u8]>::to_vec)
    }
    fn set_var(&mut self, name: &[u8], value: Option<&[u8]>) {
        self.0.vars.set(name, value);
    }
    fn global(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.0.globals.get(name).map(<[u8]>::to_vec)
    }
    fn set_global(&mut self, name: &[u8], value: Option<&[u8]>) {
        self.0.globals.set(name, value);
    }
    fn var_list(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.0
            .vars
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect()
    }
    fn random(&mut self) -> u32 {
        0
    }
    fn now(&mut self) -> (i64, u32) {
        (0, 0)
    }
}

fn scope_for(doc: &str, row: &Row) -> TestScope {
    let mut scope = TestScope::default();
    match row.section {
        "C" | "D" => {
            for (n, v) in assignments(section(doc, "C"), "Globals:") {
                scope.globals.set(n.as_bytes(), Some(v.as_bytes()));
            }
            scope.builtins = vec![
                (b"EXTEN", row.index.to_string().into_bytes()),
                (b"CONTEXT", b"s".to_vec()),
                (b"PRIORITY", b"1".to_vec()),
                (b"CHANNEL", b"CLIEval/1".to_vec()),
            ];
        }
        _ => {
            for (n, v) in assignments(section(doc, row.section), "channel has") {
                scope.vars.set(n.as_bytes(), Some(v.as_bytes()));
            }
        }
    }
    scope
}

/// Runs a row: `Ok(())` when it passes, else why not.
fn run(doc: &str, row: &Row) -> Result<(), String> {
    let mut scope = scope_for(doc, row);
    let out = subst::substitute(row.input.as_bytes(), &mut scope);
    let out = String::from_utf8_lossy(&out).into_owned();
    if !scope.unsupported.is_empty() {
        return Err(format!("needs {}", scope.unsupported.join(", ")));
    }
    if out != row.expected {
        return Err(format!("got {out:?}, want {:?}", row.expected));
    }
    if !row.log.is_empty() {
        let (level, rest) = row.log.split_once(' ').unwrap_or(("", &row.log));
        let message = rest.split_once(": ").map_or(rest, |(_, m)| m);
        let level = match level {
            "ERROR" => Some(Level::Error),
            "WARNING" => Some(Level::Warning),
            _ => None,
        };
        let logged = scope
            .logs
            .iter()
            .any(|(l, m)| m == message && (l.is_none() || *l == level));
        if !logged {
            return Err(format!(
                "log {:?} missing; logged {:?}",
                row.log, scope.logs
            ));
        }
    }
    Ok(())
}

#[test]
fn conformance_tables() {
    let doc = cases();
    let mut failures = Vec::new();
    let mut tally: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut used_skips = vec![false; SKIP.len()];
    for letter in ["C", "D", "I"] {
        let rows = rows(&doc, letter);
        assert!(!rows.is_empty(), "section {letter} has no rows");
        for row in &rows {
            let skip = SKIP
                .iter()
                .position(|(s, input, _)| *s == letter && *input == row.input);
            let result = run(&doc, row);
            let t = tally.entry(letter).or_default();
            t.0 += 1;
            match (skip, result) {
                (None, Ok(())) => t.1 += 1,
                (None, Err(why)) => failures.push(format!("{letter} {:?}: {why}", row.input)),
                (Some(i), Err(_)) => {
                    used_skips[i] = true;
                    t.2 += 1;
                }
                (Some(i), Ok(())) => {
                    used_skips[i] = true;
                    failures.push(format!(
                        "{letter} {:?} passes now: remove it from SKIP ({})",
                        row.input, SKIP[i].2
                    ));
                }
            }
        }
    }
    for (i, used) in used_skips.iter().enumerate() {
        if !used {
            failures.push(format!("SKIP entry {:?} matches no row", SKIP[i]));
        }
    }
    for (letter, (total, passed, skipped)) in &tally {
        eprintln!("section {letter}: {passed}/{total} pass, {skipped} skipped");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `${EXTEN}` is the row's number: the table says 51 at `${EXTEN}`, 54 (→ `4`) at
/// `${EXTEN:1}`, which checks that rows are numbered as the oracle numbered them.
#[test]
fn rows_are_numbered_like_the_oracle() {
    let doc = cases();
    let rows = rows(&doc, "C");
    let exten = rows.iter().find(|r| r.input == "${EXTEN}").unwrap();
    assert_eq!(exten.expected, exten.index.to_string());
}

/// The substring cases of main/pbx_variables.c's own test, through a function's result.
#[test]
fn substrings_apply_to_function_results() {
    let mut scope = TestScope::default();
    scope.vars.set(b"num", Some(b"somevaluehere"));
    for (spec, want) in [
        (":0:25", "somevaluehere"),
        (":0:5", "somev"),
        (":4:5", "value"),
        (":0:-4", "somevalue"),
        (":-4", "here"),
    ] {
        let input = format!("${{PASSTHRU(${{num}}){spec}}}");
        let out = subst::substitute(input.as_bytes(), &mut scope);
        assert_eq!(String::from_utf8(out).unwrap(), want, "{input}");
    }
}

/// Latin-1 bytes pass through untouched.
#[test]
fn bytes_not_text() {
    let mut scope = TestScope::default();
    scope.vars.set(b"n\xe9", Some(b"\xff\xfe"));
    let out = subst::substitute(b"a\xe9${n\xe9}${LEN(\xe9)}", &mut scope);
    assert_eq!(out, b"a\xe9\xff\xfe1");
}

/// Variable-name arguments are read as `${name}`, so they see the whole call.
#[test]
fn variable_name_arguments_are_substituted() {
    let mut scope = TestScope::default();
    scope.vars.set(b"chan", Some(b"SIP/321-1"));
    let out = subst::substitute(b"${CUT(PASSTHRU(${CUT(chan,-,1)}),/,2)}", &mut scope);
    assert_eq!(out, b"321");
    let out = subst::substitute(b"${CUT(chan:4,-,1)}", &mut scope);
    assert_eq!(out, b"321");
}

/// Functions that write variables change what later substitutions see.
#[test]
fn functions_write_variables() {
    let mut scope = TestScope::default();
    let out = subst::substitute(b"${SET(a=1)}${INC(a)}${a}${SHIFT(b)}", &mut scope);
    assert_eq!(out, b"122");
    assert_eq!(scope.vars.get(b"a"), Some(&b"2"[..]));
    assert_eq!(
        functions::write("PUSH", b"l", b"x", &mut Bridge(&mut scope)),
        Some(Ok(()))
    );
    assert_eq!(scope.vars.get(b"l"), Some(&b"x"[..]));
}

/// The rows of [`SKIP`] a call here cannot run either: those that reach outside the call (a
/// process, the call's CDR). The rest of [`SKIP`] needs what a call has (the dialplan, the
/// channel, the clock), and must pass.
fn call_skip() -> Vec<&'static (&'static str, &'static str, &'static str)> {
    SKIP.iter()
        .filter(|(_, _, why)| [SHELL, CDR].contains(why))
        .collect()
}

/// Sections C, D and I as the oracle ran them: each row the data of `NoOp(...)` at
/// `s,<row>,1` (sections C and D, the globals of section C set, the channel `CLIEval/1`), or
/// in a call whose channel has section I's variables; on both engines (the JIT three times on
/// one engine). The printed data must be the row's result, and its log line must be logged.
#[test]
fn every_row_in_a_call_on_both_engines() {
    let doc = cases();
    let mut text = String::from("[globals]\n");
    for (n, v) in assignments(section(&doc, "C"), "Globals:") {
        text.push_str(&format!("{n}={v}\n"));
    }
    let mut all = Vec::new();
    for letter in ["C", "D", "I"] {
        text.push_str(&format!("[{}]\n", if letter == "I" { "i" } else { "s" }));
        for row in rows(&doc, letter) {
            let exten = if letter == "D" {
                // Section D's rows follow C's in context `s`.
                all.iter().filter(|r: &&Row| r.section == "C").count() + row.index
            } else {
                row.index
            };
            text.push_str(&format!(
                "exten => {exten},1,NoOp({})\n",
                row.input.replace(';', "\\;")
            ));
            all.push(Row {
                index: exten,
                ..row
            });
        }
    }
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let mut engines = engines(&plan);
    let mut failures = Vec::new();
    let call_skip = call_skip();
    let mut used_skips = vec![false; call_skip.len()];
    for row in &all {
        let skip = call_skip
            .iter()
            .position(|(s, input, _)| *s == row.section && *input == row.input);
        let mut problems = Vec::new();
        for (name, engine, runs) in engines.iter_mut() {
            for _ in 0..*runs {
                let (printed, log) = in_a_call(engine, &doc, row);
                if printed != row.expected {
                    problems.push(format!("{name} printed {printed:?}"));
                }
                if !row.log.is_empty() {
                    let (level, rest) = row.log.split_once(' ').unwrap_or(("", &row.log));
                    let message = rest.split_once(": ").map_or(rest, |(_, m)| m);
                    if !log
                        .iter()
                        .any(|l| l.ends_with(message) && l.starts_with(level))
                    {
                        problems.push(format!("{name} did not log {:?}: {log:?}", row.log));
                    }
                }
            }
        }
        match (skip, problems.is_empty()) {
            (Some(i), false) => used_skips[i] = true,
            (Some(i), true) => failures.push(format!(
                "{} {:?} passes in a call now: it is no longer one of call_skip ({})",
                row.section, row.input, call_skip[i].2
            )),
            (None, true) => {}
            (None, false) => failures.push(format!(
                "{} {:?}: want {:?}; {}",
                row.section,
                row.input,
                row.expected,
                problems.join("; ")
            )),
        }
    }
    for (i, used) in used_skips.iter().enumerate() {
        if !used {
            failures.push(format!("call_skip entry {:?} matches no row", call_skip[i]));
        }
    }
    assert!(all.len() > 200, "{} rows", all.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What `row`'s NoOp printed in a call, and what the call logged.
fn in_a_call(engine: &mut Engine, doc: &str, row: &Row) -> (String, Vec<String>) {
    let context: &[u8] = if row.section == "I" { b"i" } else { b"s" };
    let mut call = Call::new(context, row.index.to_string().as_bytes(), None);
    if row.section == "I" {
        for (n, v) in assignments(section(doc, "I"), "channel has") {
            call.vars.set(n.as_bytes(), Some(v.as_bytes()));
        }
    }
    let mut printed = None;
    engine.run(
        &mut call,
        &mut SimulatedChannel::new(b"CLIEval/1"),
        &mut |e| {
            if printed.is_none() {
                printed = Some(String::from_utf8_lossy(e.data).into_owned());
            }
        },
    );
    (printed.unwrap_or_default(), call.log)
}
