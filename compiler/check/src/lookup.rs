//! Which extensions of a context a dialled number matches, as `find` in the targets rule
//! asks it for every jump target of the dialplan. Scanning a generated context's thousands of
//! extensions with `extension_match` for each target was most of a check; a context this
//! large is indexed instead, on first use: its literal extensions by name without dashes (a
//! literal matches exactly when the names agree without them), its patterns in a list.

use std::sync::OnceLock;

use pbxc_dialplan::Context;
use pbxc_dialplan::route::{Mode, extension_match};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// Contexts with at most this many extensions are scanned: indexing them costs more.
const INDEX_FROM: usize = 16;

/// Extension indexes in a context's order.
pub(crate) type Matches = SmallVec<[u32; 8]>;

/// The indexes of one dialplan's contexts, each made when first asked for.
pub(crate) struct Lookup {
    contexts: Vec<OnceLock<ContextIndex>>,
}

#[derive(Default)]
struct ContextIndex {
    literals: FxHashMap<Vec<u8>, SmallVec<[u32; 1]>>,
    patterns: Vec<u32>,
}

impl Lookup {
    pub(crate) fn new(contexts: usize) -> Lookup {
        Lookup {
            contexts: (0..contexts).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The extensions of `context` (number `ctx`) that `exten`, a dialled number (not a
    /// pattern: it does not start with `_`), matches in [`Mode::Match`], in the context's
    /// order: what a scan with `extension_match` finds.
    pub(crate) fn matching(&self, ctx: usize, context: &Context, exten: &[u8]) -> Matches {
        let extensions = &context.extensions;
        let scan = |indexes: &mut dyn Iterator<Item = u32>, out: &mut Matches| {
            for i in indexes {
                if extension_match(&extensions[i as usize].name, exten, Mode::Match) != 0 {
                    out.push(i);
                }
            }
        };
        let mut found = Matches::new();
        let index = match self.contexts.get(ctx) {
            Some(slot) if extensions.len() > INDEX_FROM => {
                slot.get_or_init(|| ContextIndex::new(context))
            }
            _ => {
                scan(&mut (0..extensions.len() as u32), &mut found);
                return found;
            }
        };
        let dashless: SmallVec<[u8; 32]> = exten.iter().copied().filter(|&c| c != b'-').collect();
        if let Some(literals) = index.literals.get(dashless.as_slice()) {
            found.extend_from_slice(literals);
        }
        scan(&mut index.patterns.iter().copied(), &mut found);
        found.sort_unstable();
        found
    }
}

impl ContextIndex {
    fn new(context: &Context) -> ContextIndex {
        let mut index = ContextIndex::default();
        for (i, e) in context.extensions.iter().enumerate() {
            if e.name.first() == Some(&b'_') {
                index.patterns.push(i as u32);
            } else {
                let dashless: Vec<u8> = e.name.iter().copied().filter(|&c| c != b'-').collect();
                index.literals.entry(dashless).or_default().push(i as u32);
            }
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The index finds what a scan finds, in the same order, whatever the context.
        #[test]
        fn the_index_finds_what_a_scan_finds(
            names in proptest::collection::vec("_?[0-9X.\\-]{1,4}", 0..60),
            exten in "[0-9\\-]{0,4}",
        ) {
            let text: String = std::iter::once("[c]\n".to_string())
                .chain(names.iter().map(|n| format!("exten => {n},1,NoOp()\n")))
                .collect();
            let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
            let Some(context) = plan.contexts.first() else { return Ok(()) };
            let scanned: Vec<u32> = context
                .extensions
                .iter()
                .enumerate()
                .filter(|(_, e)| extension_match(&e.name, exten.as_bytes(), Mode::Match) != 0)
                .map(|(i, _)| i as u32)
                .collect();
            let lookup = Lookup::new(1);
            prop_assert_eq!(lookup.matching(0, context, exten.as_bytes()).to_vec(), scanned);
        }
    }
}
