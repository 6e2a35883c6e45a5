//! `SHARED(name[,channel])` (funcs/func_global.c): variables kept on a channel in a
//! datastore of their own, which other channels can read and write by naming it.

/// One channel's shared variables: `None` until the first is written (no datastore yet, and
/// a read then fails), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedVariables(Option<Vec<(Vec<u8>, Vec<u8>)>>);

impl SharedVariables {
    /// `name`'s value (empty when unset, names compared exactly); `None` while the channel
    /// has no datastore.
    pub fn read(&self, name: &[u8]) -> Option<Vec<u8>> {
        let list = self.0.as_ref()?;
        Some(
            list.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        )
    }

    /// Sets `name`: the old value goes, the new one comes first.
    pub fn write(&mut self, name: &[u8], value: &[u8]) {
        let list = self.0.get_or_insert_with(Vec::new);
        if let Some(at) = list.iter().position(|(n, _)| n == name) {
            list.remove(at);
        }
        list.insert(0, (name.to_vec(), value.to_vec()));
    }
}

/// How a `SHARED()` channel argument names a channel, in the order Asterisk tries them:
/// `ast_channel_get_by_name` (the name, then the unique ID, in any case), then
/// `ast_channel_get_by_name_prefix` with `wanted-`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Naming {
    Name,
    UniqueId,
    Prefix,
}

/// How `wanted` names the channel called `name` with unique ID `unique_id`, if it does.
pub fn naming(wanted: &[u8], name: &[u8], unique_id: &[u8]) -> Option<Naming> {
    if wanted.eq_ignore_ascii_case(name) {
        Some(Naming::Name)
    } else if wanted.eq_ignore_ascii_case(unique_id) {
        Some(Naming::UniqueId)
    } else if name.len() > wanted.len()
        && name[..wanted.len()].eq_ignore_ascii_case(wanted)
        && name[wanted.len()] == b'-'
    {
        Some(Naming::Prefix)
    } else {
        None
    }
}

/// Whether `ast_channel_get_by_name(wanted)` finds the channel: by its name or its unique
/// ID, in any case (no prefix).
pub fn is_named(wanted: &[u8], name: &[u8], unique_id: &[u8]) -> bool {
    matches!(
        naming(wanted, name, unique_id),
        Some(Naming::Name | Naming::UniqueId)
    )
}

/// Whether `wanted` names the channel at all ([`naming`]).
pub fn names_channel(wanted: &[u8], name: &[u8], unique_id: &[u8]) -> bool {
    naming(wanted, name, unique_id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_made_by_the_first_write_and_keeps_one_value_a_name() {
        let mut s = SharedVariables::default();
        assert_eq!(s.read(b"x"), None);
        s.write(b"x", b"1");
        s.write(b"y", b"2");
        s.write(b"x", b"3");
        assert_eq!(s.read(b"x").as_deref(), Some(&b"3"[..]));
        assert_eq!(s.read(b"X").as_deref(), Some(&b""[..]), "names are exact");
        assert_eq!(s.0.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn a_channel_is_named_by_its_name_unique_id_or_name_before_a_dash() {
        let (name, id) = (&b"PJSIP/alice-00000001"[..], &b"1700000000.1"[..]);
        for (wanted, expected) in [
            (&b"PJSIP/alice-00000001"[..], true),
            (b"pjsip/ALICE-00000001", true),
            (b"1700000000.1", true),
            (b"PJSIP/alice", true),
            (b"pjsip/alice", true),
            (b"PJSIP/ali", false),
            (b"PJSIP/alice-0000", false),
            (b"1700000000", false),
            (b"1700000000.1", true),
        ] {
            assert_eq!(
                names_channel(wanted, name, id),
                expected,
                "{}",
                String::from_utf8_lossy(wanted)
            );
        }
    }
}
