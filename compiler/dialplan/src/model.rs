//! The dialplan as pbx_config registers it: contexts of extensions of priorities, each piece
//! pointing back at the line that defined it.

use pbxc_config::Origin;

/// `PRIORITY_HINT`.
pub const HINT: i32 = -1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priority {
    /// 1.., or [`HINT`].
    pub number: i32,
    pub label: Option<Vec<u8>>,
    /// Application name as registered: leading blanks skipped, trailing ones kept.
    pub app: Vec<u8>,
    /// Application data, unsubstituted.
    pub data: Vec<u8>,
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
    pub name: Vec<u8>,
    /// Caller-ID qualifier after `/`, shrunk like a phone number; `Some(empty)` matches only
    /// calls without a caller number.
    pub cid: Option<Vec<u8>>,
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
        // Kept in ascending order (a hint, -1, first).
        self.priorities
            .binary_search_by_key(&number, |p| p.number)
            .ok()
            .map(|i| &self.priorities[i])
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
