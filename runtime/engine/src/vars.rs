//! Channel and global variables (`ast_var_t` lists, main/pbx_variables.c and main/chanvars.c).
//!
//! A [`Variables`] is one list, newest first, exactly as Asterisk keeps it:
//! - names are stored as given, inheritance prefix included (`_X`, `__Y`), and compared with
//!   at most two leading `_` stripped (`ast_var_name`), case-sensitively (`strcmp`);
//! - setting removes the first entry whose stripped name matches and puts the new one at the
//!   head (`pbx_builtin_setvar_helper`); the empty string is a value, not a deletion;
//! - a child channel inherits `_X` as `X` and `__Y` as `__Y`, in list order
//!   (`ast_channel_inherit_variables`).

use pbxc_stdlib::functions::strip_inheritance;

/// An ordered variable list (head = newest).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// `(name as stored, value)`, index 0 is the list head.
    entries: Vec<(Bytes, Bytes)>,
    /// Bit `n` for each `WHILE_n`, n < 64, among the stripped names: a function of
    /// `entries`, kept as they change, so that finding a While loop's bookkeeping needs no
    /// scan of the list ([`Variables::while_mask`]).
    whiles: u64,
}

impl std::fmt::Debug for Variables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `whiles` follows from the entries.
        f.debug_struct("Variables")
            .field("entries", &self.entries)
            .finish()
    }
}

/// `n` for a stripped name `WHILE_n`, `n` below 64 written without a leading zero (the
/// names app_while makes).
pub(crate) fn while_index(name: &[u8]) -> Option<u32> {
    let [b'W', b'H', b'I', b'L', b'E', b'_', digits @ ..] = name else {
        return None;
    };
    match digits {
        [d @ b'0'..=b'9'] => Some(u32::from(d - b'0')),
        [d @ b'1'..=b'6', e @ b'0'..=b'9'] => {
            Some(u32::from(d - b'0') * 10 + u32::from(e - b'0')).filter(|&n| n < 64)
        }
        _ => None,
    }
}

/// A name or value: kept inline up to 22 bytes, which holds most names and the counters,
/// flags and numbers loops and subroutines store (ARGC, WHILE_0, `i`), so that setting and
/// deleting them allocates nothing.
pub(crate) type Bytes = smallvec::SmallVec<[u8; 22]>;

/// A name without its inheritance prefix (at most two leading `_`), as Asterisk compares it.
pub fn stripped(name: &[u8]) -> &[u8] {
    strip_inheritance(name)
}

/// `a == b` for names: `==` on byte slices calls the C library's `memcmp` once the lengths
/// agree, and for the few bytes of a variable's name the call costs more than the
/// comparison (a While loop spent a fifth of its time in it). Eight bytes at a time here.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in a_words.by_ref().zip(b_words.by_ref()) {
        // Eight bytes each: compared as one word.
        if <[u8; 8]>::try_from(x).ok() != <[u8; 8]>::try_from(y).ok() {
            return false;
        }
    }
    a_words
        .remainder()
        .iter()
        .zip(b_words.remainder())
        .all(|(x, y)| x == y)
}

impl Variables {
    /// An empty list.
    pub fn new() -> Variables {
        Variables::default()
    }

    /// The value of `name` (`pbx_builtin_getvar_helper` on one list): the newest entry whose
    /// stripped name equals `name` exactly. `Some(b"")` is a set-but-empty variable. A name
    /// asked for *with* a prefix (`_X`) therefore never matches.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| same(stripped(n), name))
            .map(|(_, v)| v.as_slice())
    }

    /// [`Variables::get`] of the name `parts` make when joined, without joining them.
    pub fn get_joined(&self, parts: &[&[u8]]) -> Option<&[u8]> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let equal = |mut name: &[u8]| {
            name.len() == len
                && parts.iter().all(|part| {
                    let (head, rest) = name.split_at(part.len());
                    name = rest;
                    same(head, part)
                })
        };
        self.entries
            .iter()
            .find(|(n, _)| equal(stripped(n)))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether `name` is set, even to the empty string (`VARIABLE_EXISTS`).
    pub fn contains(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// The value stored under exactly this full name, prefix included (`ast_var_find`).
    pub fn get_full(&self, full_name: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| same(n, full_name))
            .map(|(_, v)| v.as_slice())
    }

    /// `pbx_builtin_setvar_helper(name, value)`: removes the first variable with the same
    /// stripped name, then, for `Some(value)`, stores `name` (prefix kept) at the head —
    /// `Some(b"")` is an empty but existing variable, `None` only deletes. Returns the value
    /// removed (copied out when it was short: callers that do not want it use
    /// [`Variables::assign`] or [`Variables::unset`]). (A name ending in `)` is a function
    /// write in Asterisk; that dispatch is the caller's.)
    pub fn set(&mut self, name: &[u8], value: Option<&[u8]>) -> Option<Vec<u8>> {
        let old = self.remove(name);
        if let Some(value) = value {
            self.insert_head(name, value);
        }
        old.map(Bytes::into_vec)
    }

    /// `set(name, Some(value))` without returning the old value: when the variable replaced
    /// has this very name, its storage is reused (a loop counter then costs no allocation).
    pub fn assign(&mut self, name: &[u8], value: &[u8]) {
        let key = stripped(name);
        match self
            .entries
            .iter()
            .position(|(n, _)| same(stripped(n), key))
        {
            Some(i) if same(&self.entries[i].0, name) => {
                let stored = &mut self.entries[i].1;
                stored.clear();
                stored.extend_from_slice(value);
                // Removed and put back at the head.
                self.entries[..=i].rotate_right(1);
            }
            // The same stripped name under another prefix: the set of names stays.
            Some(i) => {
                self.entries.remove(i);
                self.entries.insert(0, (name.into(), value.into()));
            }
            None => self.insert_head(name, value),
        }
    }

    /// A new head entry.
    fn insert_head(&mut self, name: &[u8], value: &[u8]) {
        if let Some(n) = while_index(stripped(name)) {
            self.whiles |= 1 << n;
        }
        self.entries.insert(0, (name.into(), value.into()));
    }

    /// Recomputes [`Variables::whiles`] after entries left (another entry may still have
    /// the name: `push` stacks them).
    fn recount_whiles(&mut self) {
        self.whiles = self
            .entries
            .iter()
            .filter_map(|(n, _)| while_index(stripped(n)))
            .fold(0, |mask, n| mask | 1 << n);
    }

    /// Which of `WHILE_0` … `WHILE_63` the list holds (stripped names), bit `n` for
    /// `WHILE_n`.
    pub(crate) fn while_mask(&self) -> u64 {
        self.whiles
    }

    /// `set(name, None)` (`DELETE`, `GLOBAL_DELETE`). Returns the value removed.
    pub fn delete(&mut self, name: &[u8]) -> Option<Vec<u8>> {
        self.remove(name).map(Bytes::into_vec)
    }

    /// `set(name, None)` when the old value is not wanted.
    pub fn unset(&mut self, name: &[u8]) {
        self.remove(name);
    }

    fn remove(&mut self, name: &[u8]) -> Option<Bytes> {
        let key = stripped(name);
        let i = self
            .entries
            .iter()
            .position(|(n, _)| same(stripped(n), key))?;
        let (name, value) = self.entries.remove(i);
        if while_index(stripped(&name)).is_some() {
            self.recount_whiles();
        }
        Some(value)
    }

    /// `pbx_builtin_pushvar_helper`: a new head entry *without* removing an older one of the
    /// same name (which shows again once this one is deleted).
    pub fn push(&mut self, name: &[u8], value: &[u8]) {
        self.insert_head(name, value);
    }

    /// Removes every variable whose stripped name starts with `prefix` (ClearHash).
    pub fn clear_prefix(&mut self, prefix: &[u8]) {
        self.entries
            .retain(|(n, _)| !stripped(n).starts_with(prefix));
        self.recount_whiles();
    }

    /// What a channel created on behalf of this one starts with: `_X` becomes `X`, `__Y`
    /// stays `__Y`, other variables are not inherited.
    pub fn inherit(&self) -> Variables {
        let mut child = Variables::new();
        self.inherit_into(&mut child);
        child
    }

    /// Appends the inherited variables at the *tail* of `child`'s list, in this list's order,
    /// as `ast_channel_inherit_variables` does.
    pub fn inherit_into(&self, child: &mut Variables) {
        for (name, value) in &self.entries {
            let inherited = match name.as_slice() {
                [b'_', b'_', ..] => name.as_slice(),
                [b'_', rest @ ..] => rest,
                _ => continue,
            };
            child.entries.push((inherited.into(), value.clone()));
        }
        child.recount_whiles();
    }

    /// `(name as stored, value)` from the head (newest) to the tail.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
    }

    /// How many entries (pushed duplicates count).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No variables at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes everything (`pbx_builtin_clear_globals`).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.whiles = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bit `n` for each `WHILE_n` among the stripped names, counted afresh.
    fn whiles_counted(v: &Variables) -> u64 {
        v.iter()
            .filter_map(|(n, _)| while_index(stripped(n)))
            .fold(0, |mask, n| mask | 1 << n)
    }

    #[test]
    fn while_names_are_those_app_while_makes() {
        let cases: &[(&str, Option<u32>)] = &[
            ("WHILE_0", Some(0)),
            ("WHILE_9", Some(9)),
            ("WHILE_10", Some(10)),
            ("WHILE_63", Some(63)),
            ("WHILE_64", None),
            ("WHILE_00", None),
            ("WHILE_07", None),
            ("WHILE_", None),
            ("WHILE_1x", None),
            ("END_WHILE_0", None),
            ("while_0", None),
        ];
        for &(name, expected) in cases {
            assert_eq!(while_index(name.as_bytes()), expected, "{name}");
        }
    }

    proptest! {
        /// The list's record of its `WHILE_n` is what counting them says, after any change.
        #[test]
        fn the_while_mask_follows_the_names(
            ops in proptest::collection::vec(
                (
                    0..7u8,
                    prop_oneof![
                        Just("WHILE_0"), Just("_WHILE_1"), Just("__WHILE_1"), Just("WHILE_63"),
                        Just("WHILE_64"), Just("WHILE_01"), Just("a"), Just("_a"),
                    ],
                    "[0-9]{0,2}",
                ),
                0..30,
            )
        ) {
            let mut v = Variables::new();
            for (op, name, value) in &ops {
                let (name, value) = (name.as_bytes(), value.as_bytes());
                match op {
                    0 => { v.set(name, Some(value)); }
                    1 => v.assign(name, value),
                    2 => v.push(name, value),
                    3 => v.unset(name),
                    4 => { v.delete(name); }
                    5 => v.clear_prefix(&name[..name.len().min(6)]),
                    _ => v = v.inherit(),
                }
                prop_assert_eq!(v.while_mask(), whiles_counted(&v), "after {:?}", (op, name));
            }
            v.clear();
            prop_assert_eq!(v.while_mask(), 0);
        }
    }

    proptest! {
        /// `assign` leaves the very list `set` leaves, whatever was stored before.
        #[test]
        fn assign_is_set(
            ops in proptest::collection::vec(
                (prop_oneof![Just("a"), Just("_a"), Just("__a"), Just("b"), Just("_b")], "[0-9]{0,3}"),
                0..20,
            )
        ) {
            let (mut by_set, mut by_assign) = (Variables::new(), Variables::new());
            for (name, value) in &ops {
                by_set.set(name.as_bytes(), Some(value.as_bytes()));
                by_assign.assign(name.as_bytes(), value.as_bytes());
                prop_assert_eq!(&by_assign, &by_set);
            }
        }
    }

    proptest! {
        /// Names are compared as slices are: equal, one byte changed anywhere (in an
        /// eight-byte word or in the rest), or of another length.
        #[test]
        fn same_is_equality(
            a in proptest::collection::vec(any::<u8>(), 0..40),
            at in any::<proptest::sample::Index>(),
            by in 1u8..,
            other in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            prop_assert!(same(&a, &a.clone()));
            if !a.is_empty() {
                let mut changed = a.clone();
                changed[at.index(a.len())] ^= by;
                prop_assert!(!same(&a, &changed));
            }
            prop_assert_eq!(same(&a, &other), a == other);
        }

        /// A name looked up in parts is the name joined.
        #[test]
        fn get_joined_is_get_of_the_joined_name(
            stored in proptest::collection::vec("_{0,3}[ab]{0,3}", 0..8),
            parts in proptest::collection::vec("_{0,1}[ab]{0,2}", 0..4),
        ) {
            let mut v = Variables::new();
            for (i, name) in stored.iter().enumerate() {
                v.push(name.as_bytes(), i.to_string().as_bytes());
            }
            let parts: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
            prop_assert_eq!(v.get_joined(&parts), v.get(&parts.concat()));
        }
    }

    #[test]
    fn prefixes_are_stored_but_not_compared() {
        let mut v = Variables::new();
        v.set(b"__X", Some(b"1"));
        assert_eq!(v.get(b"X"), Some(&b"1"[..]));
        assert_eq!(v.get(b"__X"), None);
        assert_eq!(v.get(b"_X"), None);
        assert_eq!(v.get_full(b"__X"), Some(&b"1"[..]));
        v.set(b"X", Some(b"2"));
        assert_eq!(v.len(), 1);
        assert_eq!(v.iter().next(), Some((&b"X"[..], &b"2"[..])));
        // Three underscores: the third is part of the name.
        v.set(b"___Y", Some(b"3"));
        assert_eq!(v.get(b"_Y"), Some(&b"3"[..]));
    }

    #[test]
    fn names_are_case_sensitive() {
        let mut v = Variables::new();
        v.set(b"lc", Some(b"1"));
        assert_eq!(v.get(b"LC"), None);
        v.set(b"LC", Some(b"2"));
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn empty_is_a_value() {
        let mut v = Variables::new();
        v.set(b"E", Some(b""));
        assert!(v.contains(b"E"));
        assert_eq!(v.get(b"E"), Some(&b""[..]));
        assert_eq!(v.delete(b"E"), Some(Vec::new()));
        assert!(!v.contains(b"E"));
        assert_eq!(v.delete(b"E"), None);
        assert_eq!(v.set(b"F", None), None);
    }

    #[test]
    fn newest_first_and_push_shadows() {
        let mut v = Variables::new();
        v.set(b"A", Some(b"1"));
        v.set(b"B", Some(b"2"));
        v.push(b"A", b"3");
        assert_eq!(v.get(b"A"), Some(&b"3"[..]));
        v.delete(b"A");
        assert_eq!(v.get(b"A"), Some(&b"1"[..]));
        let names: Vec<_> = v.iter().map(|(n, _)| n.to_vec()).collect();
        assert_eq!(names, [b"B".to_vec(), b"A".to_vec()]);
    }

    #[test]
    fn inheritance_one_level_and_all_levels() {
        let mut parent = Variables::new();
        parent.set(b"_ONE", Some(b"1"));
        parent.set(b"__ALL", Some(b"2"));
        parent.set(b"PLAIN", Some(b"3"));
        let child = parent.inherit();
        assert_eq!(child.get(b"ONE"), Some(&b"1"[..]));
        assert_eq!(child.get(b"ALL"), Some(&b"2"[..]));
        assert_eq!(child.get(b"PLAIN"), None);
        let grandchild = child.inherit();
        assert_eq!(grandchild.get(b"ONE"), None);
        assert_eq!(grandchild.get(b"ALL"), Some(&b"2"[..]));
        // Appended at the tail, parent's order kept.
        let mut existing = Variables::new();
        existing.set(b"OWN", Some(b"x"));
        parent.inherit_into(&mut existing);
        let names: Vec<_> = existing.iter().map(|(n, _)| n.to_vec()).collect();
        assert_eq!(names, [b"OWN".to_vec(), b"__ALL".to_vec(), b"ONE".to_vec()]);
    }

    #[test]
    fn clear_prefix_compares_stripped_names() {
        let mut v = Variables::new();
        v.set(b"_~HASH~h~a~", Some(b"1"));
        v.set(b"~HASH~g~a~", Some(b"2"));
        v.clear_prefix(b"~HASH~h~");
        assert_eq!(v.len(), 1);
    }
}

/// The global variables an engine reads and writes: its own (an offline run), or those of a
/// running PBX, shared by every call as Asterisk's are (`Set(GLOBAL(x)=…)` in one call is
/// seen by the next).
#[derive(Debug)]
pub enum Globals {
    Own(Variables),
    Shared(std::sync::Arc<std::sync::Mutex<Variables>>),
}

impl Globals {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Variables) -> R) -> R {
        match self {
            Globals::Own(vars) => f(vars),
            // A poisoned lock means a call panicked while setting a global; the variables
            // are still whole (each set is one vector operation).
            Globals::Shared(shared) => f(&shared.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    pub fn get(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.with(|vars| vars.get(name).map(<[u8]>::to_vec))
    }

    pub fn set(&mut self, name: &[u8], value: Option<&[u8]>) {
        match self {
            Globals::Own(vars) => {
                vars.set(name, value);
            }
            Globals::Shared(shared) => {
                shared
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .set(name, value);
            }
        }
    }

    /// A copy of every global, in order.
    pub fn snapshot(&self) -> Variables {
        self.with(Clone::clone)
    }
}
