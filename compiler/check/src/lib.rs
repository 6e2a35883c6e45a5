//! The dialplan checks: what Asterisk registers without a word but fails, or misbehaves, when
//! a call runs it. Each rule lives in its own module under `rules/`, reads the IR of
//! `pbxc-dialplan` and the catalog of `pbxc-stdlib`, and reports with a code from [`codes`].

pub mod codes;
mod lookup;
mod memo;
mod rules;
mod step;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Mutex;

use pbxc_config::Origin;
use pbxc_diagnostics::{Diagnostic, SourceSet};
use pbxc_dialplan::Dialplan;

pub use memo::StepMemo;

/// The Asterisk version a check is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Asterisk(u8),
    /// pbx's own runtime: the newest Asterisk's catalog.
    Pbx,
}

impl Target {
    /// The catalog version whose applications and functions exist.
    pub fn catalog_version(self) -> u8 {
        match self {
            Target::Asterisk(v) => v,
            Target::Pbx => *pbxc_stdlib::VERSIONS.last().unwrap_or(&22),
        }
    }

    pub fn describe(self) -> String {
        match self {
            Target::Asterisk(v) => format!("Asterisk {v}"),
            Target::Pbx => "pbx".into(),
        }
    }
}

impl Default for Target {
    fn default() -> Self {
        Target::Asterisk(22)
    }
}

/// A pjsip.conf endpoint, as far as the dialplan cares.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub name: Vec<u8>,
    /// `context=` (default `default`), and where it was written (`None` when defaulted).
    pub context: Vec<u8>,
    pub context_origin: Option<Origin>,
    /// The section header.
    pub origin: Origin,
}

/// What a check looks at.
pub struct Input<'a> {
    pub plan: &'a Dialplan,
    pub sources: &'a SourceSet,
    pub target: Target,
    /// The endpoints of pjsip.conf, when it was checked together with the dialplan.
    pub endpoints: Option<&'a [Endpoint]>,
    /// voicemail.conf's mailboxes, when it was checked together with the dialplan (and
    /// Asterisk would load it).
    pub voicemail: Option<&'a pbxc_config::voicemail::Config>,
    /// Whether this is the whole dialplan (extensions.conf as Asterisk loads it). A file
    /// checked on its own may jump to contexts that a file including it defines, so a
    /// missing target is then a warning.
    pub complete: bool,
}

/// Runs every rule.
pub fn check(input: &Input) -> Vec<Diagnostic> {
    check_with_references(input).0
}

/// Runs every rule, and also returns where the dialplan names a context, extension or
/// priority that the checks resolved (Goto and Gosub targets, context parameters, Dial's
/// `Local/exten@context` and option destinations): what the language server navigates.
pub fn check_with_references(input: &Input) -> (Vec<Diagnostic>, Vec<Reference>) {
    check_with_memo(input, None)
}

/// [`check_with_references`], reusing what `memo` remembers of priorities checked before
/// (and remembering this run's): the same findings, in the same order, as without it.
pub fn check_with_memo(
    input: &Input,
    memo: Option<&StepMemo>,
) -> (Vec<Diagnostic>, Vec<Reference>) {
    let mut cx = Cx::new(input);
    cx.memo = memo;
    let mut out = Vec::new();
    let references = rules::run(&cx, &mut out);
    (out, references)
}

/// Where the dialplan names a jump target, and what the checks resolved it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub file: pbxc_diagnostics::FileId,
    pub range: pbxc_diagnostics::TextRange,
    pub destination: Destination,
}

/// A resolved jump target: indexes into [`Dialplan::contexts`], its extensions, and a
/// priority number; or a pjsip endpoint a `Dial` names (an index into [`Input::endpoints`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    Context(usize),
    Extension(usize, usize),
    Priority(usize, usize, i32),
    Endpoint(usize),
}

/// Reads the pjsip.conf endpoints out of a loaded configuration.
pub fn endpoints(config: &pbxc_config::Config) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for cat in config.sections() {
        if cat.template {
            continue;
        }
        let is_endpoint = cat
            .variables
            .iter()
            .rev()
            .find(|v| v.name.eq_ignore_ascii_case(b"type"))
            .is_some_and(|v| v.value.eq_ignore_ascii_case(b"endpoint"));
        if !is_endpoint {
            continue;
        }
        let context = cat
            .variables
            .iter()
            .rev()
            .find(|v| v.name.eq_ignore_ascii_case(b"context"));
        out.push(Endpoint {
            name: cat.name.to_vec(),
            context: context.map_or(b"default".to_vec(), |v| v.value.to_vec()),
            context_origin: context.map(|v| v.value_origins.first()),
            origin: cat.name_origin,
        });
    }
    out
}

/// Shared state of one run: the input and indexes over it.
pub(crate) struct Cx<'a> {
    pub plan: &'a Dialplan,
    pub sources: &'a SourceSet,
    pub target: Target,
    pub endpoints: Option<&'a [Endpoint]>,
    pub voicemail: Option<&'a pbxc_config::voicemail::Config>,
    pub complete: bool,
    pub catalog: &'static pbxc_stdlib::Catalog,
    /// Context name → index (names are case-sensitive).
    pub contexts: HashMap<&'a [u8], usize>,
    pub memo: Option<&'a StepMemo>,
    /// "Did you mean" answers per misspelt name: a generated dialplan repeats the same
    /// missing name thousands of times.
    similar: Mutex<HashMap<Vec<u8>, Option<String>>>,
    /// Which extensions a number matches, per context.
    pub(crate) lookup: lookup::Lookup,
}

impl<'a> Cx<'a> {
    fn new(input: &Input<'a>) -> Cx<'a> {
        let mut contexts = HashMap::default();
        for (i, c) in input.plan.contexts.iter().enumerate() {
            contexts.entry(c.name.as_slice()).or_insert(i);
        }
        Cx {
            plan: input.plan,
            sources: input.sources,
            target: input.target,
            endpoints: input.endpoints,
            voicemail: input.voicemail,
            complete: input.complete,
            catalog: pbxc_stdlib::catalog(),
            contexts,
            memo: None,
            similar: Mutex::new(HashMap::default()),
            lookup: lookup::Lookup::new(input.plan.contexts.len()),
        }
    }

    /// The context name closest to `name` (edit distance at most 2, any case).
    pub fn similar_context(&self, name: &[u8]) -> Option<String> {
        if let Some(hit) = self
            .similar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return hit.clone();
        }
        let found = self
            .plan
            .contexts
            .iter()
            .filter_map(|c| {
                pbxc_diagnostics::suggest::edit_distance(&c.name, name, 2, true)
                    .map(|d| (d, &c.name))
            })
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| String::from_utf8_lossy(n).into_owned());
        self.similar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_vec(), found.clone());
        found
    }

    pub fn context(&self, name: &[u8]) -> Option<usize> {
        self.contexts.get(name).copied()
    }
}
