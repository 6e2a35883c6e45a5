//! The dialplan as pbx_config registers it: contexts of extensions of priorities, each piece
//! pointing back at the line that defined it.

use pbxc_config::Origin;

/// Bytes of the dialplan (names, application data). Shared rather than owned: the language
/// server lowers a dialplan again after every keystroke, and the contexts the edit did not
/// touch are copies of the last lowering's, moved (`crate::memo`); a copy of shared bytes is
/// a count, not an allocation.
pub type Bytes = std::sync::Arc<[u8]>;

/// `PRIORITY_HINT`.
pub const HINT: i32 = -1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priority {
    /// 1.., or [`HINT`].
    pub number: i32,
    pub label: Option<Bytes>,
    /// Application name as registered: leading blanks skipped, trailing ones kept.
    pub app: Bytes,
    /// Application data, unsubstituted.
    pub data: Bytes,
    /// The `exten =>`/`same =>` line.
    pub origin: Origin,
    /// Exactly where the application name and the data are in the source, when the line is a
    /// plain copy of its text (no comment or escape inside it).
    pub app_origin: Option<Origin>,
    pub data_origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// The name as stored: spaces outside `[...]` removed, dashes kept.
    pub name: Bytes,
    /// Caller-ID qualifier after `/`, shrunk like a phone number; `Some(empty)` matches only
    /// calls without a caller number.
    pub cid: Option<Bytes>,
    /// Priorities in ascending order (a hint first).
    pub priorities: Vec<Priority>,
    /// The line that created it.
    pub origin: Origin,
}

impl Extension {
    pub fn is_pattern(&self) -> bool {
        self.name.first() == Some(&b'_')
    }

    pub fn priority(&self, number: i32) -> Option<&Priority> {
        self.position(number).ok().map(|i| &self.priorities[i])
    }

    /// Where priority `number` is in [`Extension::priorities`], or where it would go: the
    /// answer of a binary search, found in one step where the priorities up to the last are
    /// numbered without gaps (`n` writes them so), as they nearly always are. A long extension
    /// is thousands of priorities, and a binary search over them a cache miss a step.
    pub fn position(&self, number: i32) -> Result<usize, usize> {
        // Kept in ascending order (a hint, -1, first), each number once.
        if let Some(last) = self.priorities.last() {
            let back = i64::from(last.number) - i64::from(number);
            if let Some(at) = usize::try_from(back)
                .ok()
                .and_then(|back| (self.priorities.len() - 1).checked_sub(back))
                && self.priorities[at].number == number
            {
                return Ok(at);
            }
        }
        self.priorities.binary_search_by_key(&number, |p| p.number)
    }

    /// How many priorities come before priority 1: the hint, if there is one.
    pub fn hints(&self) -> usize {
        self.priorities.iter().take_while(|p| p.number < 1).count()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The include as registered (after substitution with globals), time spec included.
    pub value: Vec<u8>,
    /// The context name: everything before the first `,` or `|`, untrimmed.
    pub context: Vec<u8>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switch {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    /// `eswitch`: data substituted at run time.
    pub eval: bool,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// Case-sensitive, exactly as written.
    pub name: Vec<u8>,
    /// Every section header that contributed (duplicate sections merge).
    pub sections: Vec<Origin>,
    /// In Asterisk's order (`ext_cmp`, caller-ID variants first).
    pub extensions: Vec<Extension>,
    pub includes: Vec<Include>,
    pub switches: Vec<Switch>,
    pub ignorepats: Vec<(Vec<u8>, Origin)>,
    pub autohints: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct General {
    pub static_: bool,
    pub writeprotect: bool,
    pub autofallthrough: bool,
    pub extenpatternmatchnew: bool,
    pub clearglobalvars: bool,
    pub overrideswitch: Option<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    pub name: Vec<u8>,
    /// After substitution with the globals set before it.
    pub value: Vec<u8>,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default)]
pub struct Dialplan {
    pub general: General,
    /// In the order set; a later one of the same name overrides.
    pub globals: Vec<Global>,
    /// In creation order.
    pub contexts: Vec<Context>,
}

impl Dialplan {
    pub fn context(&self, name: &[u8]) -> Option<&Context> {
        self.contexts.iter().find(|c| c.name == name)
    }

    pub fn global(&self, name: &[u8]) -> Option<&[u8]> {
        self.globals
            .iter()
            .rev()
            .find(|g| g.name == name)
            .map(|g| g.value.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// `position` answers what a binary search answers, for priorities with and without
        /// gaps, with and without a hint, and numbers in them, between and beyond them.
        #[test]
        fn position_is_a_binary_search(
            numbers in proptest::collection::btree_set(1i32..40, 1..20),
            hint in any::<bool>(),
            asked in proptest::collection::vec(-3i32..45, 1..10),
        ) {
            let mut text = String::from("[c]\n");
            if hint {
                text.push_str("exten => 1,hint,SIP/1\n");
            }
            for n in &numbers {
                text.push_str(&format!("exten => 1,{n},NoOp()\n"));
            }
            let (plan, _) = crate::lower_text(text.as_bytes());
            let ext = &plan.contexts[0].extensions[0];
            prop_assert_eq!(ext.hints(), usize::from(hint));
            for number in asked.into_iter().chain(numbers.iter().copied()) {
                let searched = ext.priorities.binary_search_by_key(&number, |p| p.number);
                prop_assert_eq!(ext.position(number), searched, "{}", number);
            }
        }
    }

    /// At the ends of an `int`, the guess from the last priority cannot overflow.
    #[test]
    fn position_at_the_ends_of_an_int() {
        let text = format!("[c]\nexten => 1,1,NoOp()\nexten => 1,{},NoOp()\n", i32::MAX);
        let (plan, _) = crate::lower_text(text.as_bytes());
        let ext = &plan.contexts[0].extensions[0];
        for (number, expected) in [
            (i32::MIN, Err(0)),
            (-1, Err(0)),
            (1, Ok(0)),
            (2, Err(1)),
            (i32::MAX - 1, Err(1)),
            (i32::MAX, Ok(1)),
        ] {
            assert_eq!(ext.position(number), expected, "{number}");
        }
    }
}
