//! `pbx_load_config` (pbx/pbx_config.c) over the resolved configuration, and the parts of
//! `ast_add_extension2` (main/pbx.c) that decide what gets registered.

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;

use pbxc_config::{Category, Config, Origin, Variable};
use pbxc_diagnostics::{Diagnostic, Edit, Label, SourceSet, TextRange};

use crate::codes;
use crate::model::{
    Context, Dialplan, Extension, General, Global, HINT, Include, Priority, Switch,
};
use crate::pattern::{ext_cmp, has_unclosed_set, shrink_phone_number, strip_fluff};
use crate::subst::substitute;

/// Lowers a loaded extensions.conf. A rejected file gives an empty dialplan (Asterisk keeps
/// the previous one).
pub fn lower(config: &Config, sources: &SourceSet) -> (Dialplan, Vec<Diagnostic>) {
    let (plan, diagnostics, _) = lower_reusing(config, sources, None, false);
    (plan, diagnostics)
}

/// [`lower`], taking from `previous` (the last lowering of the same dialplan) the context of
/// every section it can (see [`LowerMemo`](crate::LowerMemo)); with what each section made,
/// when asked to `remember` it.
pub(crate) fn lower_reusing(
    config: &Config,
    sources: &SourceSet,
    previous: Option<&crate::memo::Previous>,
    remember: bool,
) -> (Dialplan, Vec<Diagnostic>, Vec<crate::memo::Made>) {
    let mut l = Lowering {
        sources,
        plan: Dialplan::default(),
        diagnostics: Vec::new(),
        last_extension: None,
        context_names: HashMap::default(),
    };
    let mut made = Vec::new();
    if config.rejected {
        return (l.plan, l.diagnostics, made);
    }
    l.general(config);
    l.globals(config);
    let skipped = |cat: &Category| {
        cat.name.eq_ignore_ascii_case(b"general") || cat.name.eq_ignore_ascii_case(b"globals")
    };
    // With a memo: how many sections make each context (one that alone makes its context
    // can be reused).
    let memo = remember || previous.is_some();
    let mut sections_of: HashMap<&[u8], u32> = HashMap::default();
    if memo {
        for cat in config.sections().filter(|c| !skipped(c)) {
            *sections_of.entry(&cat.name).or_default() += 1;
        }
    }
    let previous = previous.filter(|p| p.same_globals(&l.plan.globals));
    // Each section's print is written here and compared; only a section unlike the one
    // remembered keeps a copy of it (a section as before keeps the print it had).
    let mut print = Vec::new();
    for cat in config.sections().filter(|c| !skipped(c)) {
        let alone = memo && sections_of.get(&*cat.name) == Some(&1);
        let start = l.diagnostics.len();
        print.clear();
        if alone {
            crate::memo::print(cat, sources, &mut print);
        }
        let context = alone.then_some(l.plan.contexts.len());
        let kept = match previous
            .filter(|_| alone)
            .and_then(|p| p.reuse(cat, &print))
        {
            Some((context, diagnostics, print)) => {
                l.push_context(context);
                l.diagnostics.extend(diagnostics);
                l.last_extension = None;
                Some(print)
            }
            None => {
                l.section(cat);
                None
            }
        };
        if remember {
            made.push(crate::memo::Made {
                name: cat.name.clone(),
                context,
                diagnostics: start..l.diagnostics.len(),
                reused: kept.is_some(),
                header: cat.header.range.start,
                print: kept.unwrap_or_else(|| print.as_slice().into()),
            });
        }
    }
    l.verify_includes();
    l.check_priority_one();
    (l.plan, l.diagnostics, made)
}

struct Lowering<'a> {
    sources: &'a SourceSet,
    plan: Dialplan,
    diagnostics: Vec<Diagnostic>,
    /// (context, index) of the extension the last priority went to: a `same =>` line goes to
    /// it again, found without a search (the index is checked before it is trusted).
    last_extension: Option<(usize, usize)>,
    /// Each context's index by its name: a configuration of many thousand sections finds
    /// its contexts without a walk of the list for each.
    context_names: HashMap<Vec<u8>, usize>,
}

fn d(code: pbxc_diagnostics::Code, message: impl Into<String>, at: Origin) -> Diagnostic {
    Diagnostic::new(code, message, at.file, at.range)
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `pbx_strsep(…, ",")`: commas inside `[...]` do not split, `\x` skips `x` (the backslash is
/// kept). Returns the field and the rest (None when the input ran out). This is how an
/// `exten =>` line's extension is cut from the rest.
pub fn pbx_strsep(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut square = 0;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'[' => square += 1,
            b']' => square = (square - 1).max(0),
            b'\\' => i += 1,
            b',' if square == 0 => return (&s[..i], Some(&s[i + 1..])),
            _ => {}
        }
        i += 1;
    }
    (s, None)
}

/// Plain `strsep(…, ",")`.
fn strsep(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&c| c == b',') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// `sscanf("%30d")`.
fn scan_int(s: &[u8]) -> Option<i32> {
    let s = std::str::from_utf8(s).ok()?.trim_start();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(s.len(), |(i, _)| i);
    s[..end]
        .parse::<i64>()
        .ok()
        .map(|v| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

/// Where a part of a variable's value sits in the source, when the value is a plain slice of
/// it (no escapes or comments inside); otherwise the whole value.
fn part_origin(var: &Variable, sources: &SourceSet, part: &[u8]) -> Origin {
    exact_origin(var, sources, part).unwrap_or(var.value_origins[0])
}

/// Where `part` (a slice of `var.value`) is in the source, byte for byte; `None` when the value
/// is not a plain copy of its source text.
fn exact_origin(var: &Variable, sources: &SourceSet, part: &[u8]) -> Option<Origin> {
    origin_within(var, plain_copy(var, sources)?, part)
}

/// Where `var`'s value is in the source, when it is a plain copy of one stretch of it (no
/// escapes or comments inside).
pub(crate) fn plain_copy(var: &Variable, sources: &SourceSet) -> Option<Origin> {
    let whole = var.value_origins.first();
    let text = &sources.get(whole.file).text[whole.range.as_range()];
    (var.value_origins.len() == 1 && text == &*var.value).then_some(whole)
}

/// Where `part` (a slice of `var.value`) is, in a value that is a plain copy at `whole`.
fn origin_within(var: &Variable, whole: Origin, part: &[u8]) -> Option<Origin> {
    let base = var.value.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    (at >= base && at + part.len() <= base + var.value.len()).then(|| {
        let start = whole.range.start as usize + (at - base);
        Origin {
            file: whole.file,
            range: TextRange::new(start, start + part.len()),
        }
    })
}

impl Lowering<'_> {
    fn general(&mut self, config: &Config) {
        let mut g = General {
            autofallthrough: true,
            ..General::default()
        };
        if let Some(cat) = config.category(b"general") {
            // `ast_variable_retrieve`: the last value of the first [general] wins.
            let get = |name: &[u8]| {
                cat.variables
                    .iter()
                    .rev()
                    .find(|v| v.name.eq_ignore_ascii_case(name))
                    .map(|v| v.value.to_vec())
            };
            let flag = |name: &[u8], default: bool| {
                get(name).map_or(default, |v| pbxc_config::is_true(&v))
            };
            g.static_ = flag(b"static", false);
            g.writeprotect = flag(b"writeprotect", false);
            g.autofallthrough = flag(b"autofallthrough", true);
            g.extenpatternmatchnew = flag(b"extenpatternmatchnew", false);
            g.clearglobalvars = flag(b"clearglobalvars", false);
            g.overrideswitch = get(b"overrideswitch").filter(|v| !v.is_empty());
        }
        self.plan.general = g;
    }

    fn globals(&mut self, config: &Config) {
        for cat in config
            .sections()
            .filter(|c| c.name.eq_ignore_ascii_case(b"globals"))
        {
            for v in &cat.variables {
                let value = substitute(&v.value, &|n| self.plan.global(n).map(<[u8]>::to_vec));
                self.plan.globals.push(Global {
                    name: v.name.to_vec(),
                    value,
                    origin: v.origin,
                });
            }
        }
    }

    fn subst(&self, text: &[u8]) -> Vec<u8> {
        substitute(text, &|n| self.plan.global(n).map(<[u8]>::to_vec))
    }

    fn context_index(&mut self, cat: &Category) -> usize {
        if let Some(&i) = self.context_names.get(&*cat.name) {
            self.plan.contexts[i].sections.push(cat.header);
            return i;
        }
        self.push_context(Context {
            name: cat.name.to_vec(),
            sections: vec![cat.header],
            extensions: Vec::new(),
            includes: Vec::new(),
            switches: Vec::new(),
            ignorepats: Vec::new(),
            autohints: false,
        })
    }

    /// Adds a context, known by its name from now on; its index.
    fn push_context(&mut self, context: Context) -> usize {
        let index = self.plan.contexts.len();
        self.context_names
            .entry(context.name.clone())
            .or_insert(index);
        self.plan.contexts.push(context);
        index
    }

    fn section(&mut self, cat: &Category) {
        let ctx = self.context_index(cat);
        // Both restart with every section, not every context.
        let mut lastpri: i32 = -2;
        let mut lastext: Option<Vec<u8>> = None;
        for v in &cat.variables {
            let key = &v.name;
            if key.len() >= 4 && key[..4].eq_ignore_ascii_case(b"same") {
                let Some(ext) = lastext.as_deref() else {
                    self.diagnostics.push(
                        d(
                            codes::SAME_BEFORE_EXTEN,
                            format!(
                                "`{}` before any `exten` in context `{}`; the line is dropped",
                                show(key),
                                show(&cat.name)
                            ),
                            v.origin,
                        )
                        .with_help("start the extension with `exten => NAME,1,…`"),
                    );
                    continue;
                };
                self.exten_line(ctx, v, ext, &v.value, &mut lastpri);
            } else if key.eq_ignore_ascii_case(b"exten") {
                let (ext, rest) = pbx_strsep(&v.value);
                let realext = self.subst(ext);
                let rest = rest.unwrap_or_default();
                self.exten_line(ctx, v, &realext, rest, &mut lastpri);
                lastext = Some(realext);
            } else if key.eq_ignore_ascii_case(b"include") {
                self.include(ctx, v);
            } else if key.eq_ignore_ascii_case(b"switch")
                || key.eq_ignore_ascii_case(b"lswitch")
                || key.eq_ignore_ascii_case(b"eswitch")
            {
                self.switch(ctx, v);
            } else if key.eq_ignore_ascii_case(b"ignorepat") {
                let pat = self.subst(&v.value);
                let c = &mut self.plan.contexts[ctx];
                if c.ignorepats
                    .iter()
                    .any(|(p, _)| p.eq_ignore_ascii_case(&pat))
                {
                    self.diagnostics.push(d(
                        codes::DUPLICATE_IGNOREPAT,
                        format!(
                            "ignore pattern `{}` is already in context `{}`",
                            show(&pat),
                            show(&c.name)
                        ),
                        v.origin,
                    ));
                } else {
                    c.ignorepats.push((pat, v.origin));
                }
            } else if key.eq_ignore_ascii_case(b"autohints") {
                self.plan.contexts[ctx].autohints = pbxc_config::is_true(&v.value);
            } else {
                let mut diag = d(
                    codes::UNKNOWN_STATEMENT,
                    format!("unknown statement `{}` in a context; the line is ignored", show(key)),
                    v.name_origin,
                )
                .with_help("contexts hold exten, same, include, switch, lswitch, eswitch, ignorepat and autohints");
                for known in ["exten", "include", "same", "switch", "ignorepat"] {
                    if edit_distance(&key.to_ascii_lowercase(), known.as_bytes()) <= 2 {
                        diag = diag.with_help(format!("did you mean `{known}`?")).with_fix(
                            format!("write `{known}`"),
                            vec![Edit {
                                file: v.name_origin.file,
                                range: v.name_origin.range,
                                replacement: known.into(),
                            }],
                        );
                        break;
                    }
                }
                self.diagnostics.push(diag);
            }
        }
    }

    /// From `process_extension:` on: `realext` is the substituted extension (with `/cid`),
    /// `rest` is `PRIORITY,APP(DATA)`.
    fn exten_line(
        &mut self,
        ctx: usize,
        v: &Variable,
        realext: &[u8],
        rest: &[u8],
        lastpri: &mut i32,
    ) {
        let (ext, cid) = match realext.iter().position(|&c| c == b'/') {
            Some(i) => (&realext[..i], Some(shrink_phone_number(&realext[i + 1..]))),
            None => (realext, None),
        };
        if has_unclosed_set(ext) {
            self.diagnostics.push(
                d(
                    codes::UNCLOSED_SET,
                    format!("`[` in pattern `{}` never closes", show(ext)),
                    v.origin,
                )
                .with_help("commas inside `[...]` do not separate fields: the rest of the line became part of the name"),
            );
        }
        let (pri_field, appl) = strsep(rest);
        let pri_origin = part_origin(v, self.sources, pri_field);
        let mut pri: &[u8] = pbxc_syntax::strip(pri_field);
        let mut label = None;
        if let Some(open) = pri.iter().position(|&c| c == b'(') {
            let after = &pri[open + 1..];
            match after.iter().position(|&c| c == b')') {
                Some(close) => label = Some(after[..close].to_vec()),
                None => {
                    self.diagnostics.push(d(
                        codes::LABEL_UNCLOSED,
                        "label has no closing `)`; the line is dropped",
                        pri_origin,
                    ));
                    return;
                }
            }
            pri = &pri[..open];
        }
        let mut plus = None;
        if let Some(p) = pri.iter().position(|&c| c == b'+') {
            plus = Some(&pri[p + 1..]);
            pri = &pri[..p];
        }
        let ipri = match pri {
            b"hint" => HINT,
            b"next" | b"n" | b"same" | b"s" => {
                if *lastpri <= -2 {
                    self.diagnostics.push(
                        d(
                            codes::NEXT_ON_FIRST,
                            format!(
                                "`{}` priority on the first line of the section; the line is dropped",
                                show(pri)
                            ),
                            pri_origin,
                        )
                        .with_help("the `n` counter restarts with every section header, even of the same context"),
                    );
                    return;
                }
                if pri.starts_with(b"n") {
                    // (Past the largest number C's int would wrap; it stays at the largest,
                    // which is then a priority already in use.)
                    lastpri.saturating_add(1)
                } else {
                    *lastpri
                }
            }
            _ => match scan_int(pri) {
                Some(n) if n < 1 => {
                    self.diagnostics.push(d(
                        codes::INVALID_PRIORITY,
                        format!("invalid priority `{}`: priorities start at 1", show(pri)),
                        pri_origin,
                    ));
                    return;
                }
                Some(n) => n,
                None => match self.find_label(ctx, ext, cid.as_deref(), pri) {
                    Some(n) => n,
                    None => {
                        self.diagnostics.push(
                            d(
                                codes::INVALID_PRIORITY,
                                format!("invalid priority or label `{}`; the line is dropped", show(pri)),
                                pri_origin,
                            )
                            .with_help("a priority is a number, `n`, `s`, `hint`, or a label already defined in this extension (case matters: `hint`, `n`)"),
                        );
                        return;
                    }
                },
            },
        };

        // Application and data.
        let appl = appl.unwrap_or_default();
        // Compared with the source once for the line, not once for each part.
        let plain = plain_copy(v, self.sources);
        let exact = |part: &[u8]| plain.and_then(|whole| origin_within(v, whole, part));
        let mut data_origin = None;
        let (app, data): (&[u8], Vec<u8>) = match appl.iter().position(|&c| c == b'(') {
            None => (appl, Vec::new()),
            Some(open) => {
                let name = &appl[..open];
                if contains(name, b"${") || contains(name, b"$[") {
                    (appl, Vec::new())
                } else {
                    let after = &appl[open + 1..];
                    match after.iter().rposition(|&c| c == b')') {
                        Some(close) => {
                            data_origin = exact(&after[..close]);
                            (name, after[..close].to_vec())
                        }
                        None => {
                            self.diagnostics.push(
                                d(
                                    codes::NO_CLOSING_PAREN,
                                    format!(
                                        "no closing parenthesis in `{}`",
                                        show(appl.trim_ascii())
                                    ),
                                    part_origin(v, self.sources, appl),
                                )
                                .with_help("a `;` in the data starts a comment: write it `\\;`"),
                            );
                            data_origin = exact(after);
                            (name, after.to_vec())
                        }
                    }
                }
            }
        };
        let skip = app.iter().take_while(|&&c| c != 0 && c < 33).count();
        let app = app[skip..].to_vec();
        let app_origin = if appl.len() >= skip + app.len() {
            exact(&appl[skip..skip + app.len()])
        } else {
            None
        };

        if ipri == 0 {
            // `n` right after `hint`: lastpri was -1, so this is priority 0; Asterisk skips the
            // registration without a word and leaves lastpri alone.
            self.diagnostics.push(
                d(
                    codes::DROPPED_AFTER_HINT,
                    "this `n` priority follows a `hint` and computes priority 0: Asterisk drops the line silently",
                    pri_origin,
                )
                .with_help("give the first priority after a hint explicitly, e.g. `1`"),
            );
            return;
        }
        let ipri = ipri.saturating_add(plus.and_then(scan_int).unwrap_or(0));
        *lastpri = ipri;

        self.lint_application(v, ipri, &app, appl);
        if ext == b"_." || ext == b"_!" {
            let fixed = format!("_X{}", ext[1] as char);
            self.diagnostics.push(
                d(
                    codes::CATCH_ALL,
                    format!(
                        "`{}` also matches `h`, `i`, `t`, `e` and other special extensions; use `{fixed}`",
                        show(ext)
                    ),
                    part_origin(v, self.sources, &v.value[..ext.len().min(v.value.len())]),
                )
                .with_help("Asterisk strongly discourages it: a hang-up then runs this extension instead of `h`"),
            );
        }
        let step = Step {
            app,
            data,
            app_origin,
            data_origin,
        };
        self.add_extension(ctx, v, ext, cid, ipri, label, step, pri_origin);
    }

    fn lint_application(&mut self, v: &Variable, ipri: i32, app: &[u8], appl: &[u8]) {
        if ipri == HINT {
            return;
        }
        let name = app.trim_ascii_start();
        if name.ends_with(b" ") || name.ends_with(b"\t") {
            let trimmed = name.trim_ascii_end();
            let origin = part_origin(v, self.sources, appl);
            self.diagnostics.push(
                d(
                    codes::APP_TRAILING_SPACE,
                    format!(
                        "application name `{}` ends with a space: Asterisk finds no such application and hangs up",
                        show(name)
                    ),
                    origin,
                )
                .with_fix(
                    format!("write `{}(`", show(trimmed)),
                    if origin.range.len() == appl.len() {
                        let start = origin.range.start as usize + (appl.len() - appl.trim_ascii_start().len());
                        vec![Edit {
                            file: origin.file,
                            range: TextRange::new(start + trimmed.len(), start + name.len()),
                            replacement: String::new(),
                        }]
                    } else {
                        Vec::new()
                    },
                ),
            );
        }
        if !app.contains(&b'(') && app.contains(&b',') && !contains(app, b"${") {
            let (first, _) = strsep(app);
            self.diagnostics.push(
                d(
                    codes::LEGACY_COMMA_APP,
                    format!(
                        "`{}` is read as one application named `{}`",
                        show(app),
                        show(app)
                    ),
                    part_origin(v, self.sources, appl),
                )
                .with_help(if first.trim_ascii().is_empty() {
                    "an empty field before it: remove the extra comma".to_string()
                } else {
                    format!(
                        "arguments go in parentheses: `{}({})`",
                        show(first.trim_ascii()),
                        show(&app[first.len() + 1..])
                    )
                }),
            );
        }
    }

    fn find_label(&self, ctx: usize, ext: &[u8], cid: Option<&[u8]>, label: &[u8]) -> Option<i32> {
        let name = strip_fluff(ext, false);
        self.plan.contexts[ctx]
            .extensions
            .iter()
            .filter(|e| ext_cmp(&e.name, &name) == Ordering::Equal && e.cid.as_deref() == cid)
            .flat_map(|e| e.priorities.iter())
            .find(|p| p.label.as_deref() == Some(label))
            .map(|p| p.number)
            .filter(|&n| n >= 1)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_extension(
        &mut self,
        ctx: usize,
        v: &Variable,
        ext: &[u8],
        cid: Option<Vec<u8>>,
        number: i32,
        mut label: Option<Vec<u8>>,
        step: Step,
        pri_origin: Origin,
    ) {
        if ext.is_empty() {
            self.diagnostics.push(d(
                codes::EMPTY_EXTENSION,
                "`exten` with no extension name; the line is dropped",
                v.origin,
            ));
            return;
        }
        // Most names have no blank to strip: no copy until the extension is new.
        let name: std::borrow::Cow<[u8]> = if ext.contains(&b' ') {
            strip_fluff(ext, false).into()
        } else {
            ext.into()
        };
        let context = &mut self.plan.contexts[ctx];
        let context_name = &context.name;
        let exts = &mut context.extensions;
        // Asterisk walks the sorted list to the first entry that sorts at or after the new one;
        // on a sorted list that is a binary search.
        let order = |e: &Extension| {
            crate::pattern::extension_order((&e.name, e.cid.as_deref()), (&name, cid.as_deref()))
        };
        let (at, same) = match self.last_extension {
            Some((c, at))
                if c == ctx && exts.get(at).is_some_and(|e| order(e) == Ordering::Equal) =>
            {
                (at, true)
            }
            _ => {
                // Generated dialplans mostly list extensions in order: one comparison with
                // the last then answers.
                let at = match exts.last() {
                    Some(last) if order(last) == Ordering::Less => exts.len(),
                    _ => exts.partition_point(|e| order(e) == Ordering::Less),
                };
                (
                    at,
                    exts.get(at).is_some_and(|e| order(e) == Ordering::Equal),
                )
            }
        };
        self.last_extension = Some((ctx, at));
        let priority = |label: Option<Vec<u8>>| Priority {
            number,
            label: label.map(Into::into),
            app: step.app.into(),
            data: step.data.into(),
            origin: v.origin,
            app_origin: step.app_origin,
            data_origin: step.data_origin,
        };
        if !same {
            exts.insert(
                at,
                Extension {
                    name: name.into_owned().into(),
                    cid: cid.map(Into::into),
                    priorities: vec![priority(label)],
                    origin: v.origin,
                },
            );
            return;
        }
        let e = &mut exts[at];
        // Priorities are kept sorted by number: a long extension costs no scan per line.
        let pos = e.priorities.partition_point(|p| p.number < number);
        if let Some(first) = e.priorities.get(pos).filter(|p| p.number == number) {
            let alias = if *e.name != *name {
                format!(" by extension `{}`, which compares equal", show(&e.name))
            } else {
                String::new()
            };
            let shown = if number == HINT {
                "hint".to_string()
            } else {
                number.to_string()
            };
            let diag = d(
                codes::DUPLICATE_PRIORITY,
                format!(
                    "priority {shown} of extension `{}` in context `{}` is already in use{alias}; this line is ignored",
                    show(ext),
                    show(context_name)
                ),
                pri_origin,
            )
            .with_secondary(Label::new(first.origin.file, first.origin.range).with_message("first defined here, and that wins"));
            self.diagnostics.push(diag);
            return;
        }
        if let Some(l) = &label
            && let Some(other) = e
                .priorities
                .iter()
                .find(|p| p.label.as_deref() == Some(&l[..]))
        {
            self.diagnostics.push(
                d(
                    codes::DUPLICATE_LABEL,
                    format!(
                        "label `{}` is already used at priority {} of this extension; it is dropped here",
                        show(l),
                        other.number
                    ),
                    pri_origin,
                )
                .with_secondary(Label::new(other.origin.file, other.origin.range).with_message("the label is here")),
            );
            label = None;
        }
        e.priorities.insert(pos, priority(label));
    }

    fn include(&mut self, ctx: usize, v: &Variable) {
        let value = self.subst(&v.value);
        let end = value
            .iter()
            .position(|&c| c == b',' || c == b'|')
            .unwrap_or(value.len());
        let context = value[..end].to_vec();
        let c = &mut self.plan.contexts[ctx];
        if c.includes
            .iter()
            .any(|i| i.value.eq_ignore_ascii_case(&value))
        {
            self.diagnostics.push(d(
                codes::DUPLICATE_INCLUDE,
                format!(
                    "context `{}` is already included in `{}`",
                    show(&context),
                    show(&c.name)
                ),
                v.origin,
            ));
            return;
        }
        c.includes.push(Include {
            value,
            context,
            origin: v.origin,
        });
    }

    fn switch(&mut self, ctx: usize, v: &Variable) {
        let eval = v.name.eq_ignore_ascii_case(b"eswitch");
        let raw = if v.name.eq_ignore_ascii_case(b"switch") {
            self.subst(&v.value)
        } else {
            v.value.to_vec()
        };
        let (name, data) = match raw.iter().position(|&c| c == b'/') {
            Some(i) => (raw[..i].to_vec(), raw[i + 1..].to_vec()),
            None => (raw.clone(), Vec::new()),
        };
        let c = &mut self.plan.contexts[ctx];
        if c.switches
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(&name) && s.data.eq_ignore_ascii_case(&data))
        {
            self.diagnostics.push(d(
                codes::DUPLICATE_SWITCH,
                format!(
                    "switch `{}` is already in context `{}`",
                    show(&raw),
                    show(&c.name)
                ),
                v.origin,
            ));
            return;
        }
        c.switches.push(Switch {
            name,
            data,
            eval,
            origin: v.origin,
        });
    }

    /// `ast_context_verify_includes`, but every missing include, not only the first.
    fn verify_includes(&mut self) {
        let mut found = Vec::new();
        // The near-miss for each missing name, once: generated configurations include the
        // same missing context from hundreds of contexts.
        let mut similar_to: HashMap<&[u8], Option<usize>> = HashMap::default();
        // Which letters each context name has, made when the first include is missing.
        let mut masks: Option<Vec<u64>> = None;
        for c in &self.plan.contexts {
            for inc in &c.includes {
                if self.context_names.contains_key(&inc.context)
                    || MODULE_CONTEXTS.contains(&inc.context.as_slice())
                {
                    continue;
                }
                let trimmed = pbxc_syntax::strip(&inc.context);
                let mut diag = if trimmed != inc.context.as_slice()
                    && self.context_names.contains_key(trimmed)
                {
                    d(
                        codes::INCLUDE_NAME_SPACE,
                        format!(
                            "includes context `{}` with the spaces around it: no such context, so nothing is included",
                            show(&inc.context)
                        ),
                        inc.origin,
                    )
                    .with_help(format!("write `include => {}` with no space before the comma", show(trimmed)))
                } else {
                    d(
                        codes::INCLUDE_MISSING_CONTEXT,
                        format!(
                            "context `{}` includes `{}`, which does not exist",
                            show(&c.name),
                            show(&inc.context)
                        ),
                        inc.origin,
                    )
                };
                let contexts = &self.plan.contexts;
                let masks = masks.get_or_insert_with(|| {
                    contexts
                        .iter()
                        .map(|c| letters(&c.name))
                        .collect::<Vec<_>>()
                });
                let similar = *similar_to.entry(&inc.context).or_insert_with(|| {
                    let wanted = letters(&inc.context);
                    contexts
                        .iter()
                        .zip(masks.iter())
                        .enumerate()
                        .filter_map(|(i, (x, &mask))| {
                            // An edit changes at most two letters' presence: names whose
                            // letters differ in more than four cannot be within two edits
                            // (nor equal but for case).
                            if (mask ^ wanted).count_ones() > 4 {
                                return None;
                            }
                            let distance = edit_distance(&x.name, &inc.context);
                            (distance <= 2 || x.name.eq_ignore_ascii_case(&inc.context))
                                .then_some((distance, i))
                        })
                        .min()
                        .map(|(_, i)| i)
                });
                if let Some(similar) = similar
                    && diag.code.id == codes::INCLUDE_MISSING_CONTEXT.id
                {
                    diag = diag.with_help(format!(
                        "did you mean `{}`? context names are case-sensitive",
                        show(&contexts[similar].name)
                    ));
                }
                found.push(diag);
            }
        }
        self.diagnostics.extend(found);
    }

    fn check_priority_one(&mut self) {
        let mut found = Vec::new();
        for c in &self.plan.contexts {
            for e in &c.extensions {
                let has_run = e.priorities.iter().any(|p| p.number >= 1);
                // A labelled entry point (`exten => _X.,50000(sub),…`) is a Gosub/Goto target
                // reached by label, not by dialling.
                let labelled = e.priorities.iter().any(|p| p.label.is_some());
                if has_run && !labelled && e.priority(1).is_none() {
                    let first = e
                        .priorities
                        .iter()
                        .find(|p| p.number >= 1)
                        .unwrap_or(&e.priorities[0]);
                    found.push(
                        d(
                            codes::NO_PRIORITY_ONE,
                            format!(
                                "extension `{}` in context `{}` has no priority 1; a call to it starts nowhere",
                                show(&e.name),
                                show(&c.name)
                            ),
                            first.origin,
                        )
                        .with_help("number the first step 1; `n` continues from the line before, even in another extension"),
                    );
                }
            }
        }
        self.diagnostics.extend(found);
    }
}

/// What a line runs, before it is registered.
struct Step {
    app: Vec<u8>,
    data: Vec<u8>,
    app_origin: Option<Origin>,
    data_origin: Option<Origin>,
}

/// Contexts that modules other than pbx_config register at load time, so that an include of
/// them is not a mistake: res_parking's default parking lot.
const MODULE_CONTEXTS: &[&[u8]] = &[b"parkedcalls"];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The letters a name has, case folded, as bits (`c % 64`: two letters may share one, which
/// only makes names look closer).
fn letters(name: &[u8]) -> u64 {
    name.iter()
        .fold(0, |mask, c| mask | 1 << (c.to_ascii_lowercase() % 64))
}

fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    pbxc_diagnostics::suggest::edit_distance(a, b, 2, false).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The letters filter never drops a name the suggestion would take: within two
        /// edits, or equal but for case.
        #[test]
        fn the_letters_filter_keeps_every_near_name(
            a in "[a-zA-Z0-9_\\-]{0,12}",
            edits in proptest::collection::vec((0usize..14, "[a-zA-Z0-9_\\-]", 0u8..3), 0..3),
            upper in any::<bool>(),
        ) {
            let mut b = a.clone().into_bytes();
            for (at, c, kind) in edits {
                let at = at.min(b.len());
                match kind {
                    0 => b.insert(at, c.as_bytes()[0]),
                    1 if at < b.len() => { b.remove(at); }
                    _ if at < b.len() => b[at] = c.as_bytes()[0],
                    _ => {}
                }
            }
            if upper {
                b.make_ascii_uppercase();
            }
            let a = a.as_bytes();
            if edit_distance(a, &b) <= 2 || a.eq_ignore_ascii_case(&b) {
                prop_assert!((letters(a) ^ letters(&b)).count_ones() <= 4);
            }
        }
    }
}
