//! Channel groups (main/app.c's `ast_app_group_*`, funcs/func_groupcount.c): each channel
//! is in at most one group per category (`Set(GROUP(trunks)=out)`), and any call can count
//! the channels of a group (`GROUP_COUNT(out@trunks)`) — a PBX-wide list, as Asterisk's,
//! shared by every call ([`crate::Engine::share_groups`]). A channel leaves its groups when it
//! is gone ([`Groups::discard`]).

use std::sync::Mutex;

/// The channels' groups, in the order they joined (`GROUP_LIST` lists them so).
#[derive(Debug, Default)]
pub struct Groups {
    entries: Mutex<Vec<Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The channel ([`crate::Call::channel_key`]).
    owner: u64,
    /// Its name, for `group show channels`.
    channel: Vec<u8>,
    group: Vec<u8>,
    /// Empty for none.
    category: Vec<u8>,
}

/// `ast_app_group_split_group`: `group@category`, through its 256-byte copy, each part cut
/// to its 80-byte buffer.
pub(crate) fn split(data: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let data = &data[..data.len().min(255)];
    let (group, category) = match data.iter().position(|&c| c == b'@') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    (
        group[..group.len().min(79)].to_vec(),
        category[..category.len().min(79)].to_vec(),
    )
}

impl Groups {
    /// A key no other channel of this process has.
    pub fn new_key() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // Every change is one vector operation: a poisoned list is still whole.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `ast_app_group_set_channel(chan, "group@category")`: replaces the channel's group of
    /// that category; an empty group only leaves it.
    pub fn set(&self, owner: u64, channel: &[u8], data: &[u8]) {
        let (group, category) = split(data);
        let mut entries = self.lock();
        if let Some(i) = entries.iter().position(|e| {
            e.owner == owner
                && ((category.is_empty() && e.category.is_empty())
                    || (!e.category.is_empty() && e.category.eq_ignore_ascii_case(&category)))
        }) {
            entries.remove(i);
        }
        if !group.is_empty() {
            entries.push(Entry {
                owner,
                channel: channel.to_vec(),
                group,
                category,
            });
        }
    }

    /// `GROUP(category)`: the channel's first group of that category (of any, for none).
    pub fn get(&self, owner: u64, category: &[u8]) -> Option<Vec<u8>> {
        self.first_of(owner, category).map(|(group, _)| group)
    }

    /// GROUP_COUNT's default: the channel's first group in `category` (any for none), with
    /// its category.
    pub fn first_of(&self, owner: u64, category: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        self.lock()
            .iter()
            .find(|e| {
                e.owner == owner
                    && (category.is_empty()
                        || (!e.category.is_empty() && e.category.eq_ignore_ascii_case(category)))
            })
            .map(|e| (e.group.clone(), e.category.clone()))
    }

    /// `ast_app_group_get_count`: channels in `group` (ignoring case), of `category` unless
    /// it is empty.
    pub fn count(&self, group: &[u8], category: &[u8]) -> usize {
        if group.is_empty() {
            return 0;
        }
        self.lock()
            .iter()
            .filter(|e| {
                e.group.eq_ignore_ascii_case(group)
                    && (category.is_empty()
                        || (!e.category.is_empty() && e.category.eq_ignore_ascii_case(category)))
            })
            .count()
    }

    /// `ast_app_group_match_get_count`: channels whose group (and category, unless empty)
    /// the extended regular expressions match; `Err` is what Asterisk logs when one does not
    /// compile (the count is then 0).
    pub fn match_count(&self, group: &[u8], category: &[u8]) -> Result<usize, String> {
        use pbxc_stdlib::functions::regex_compile as compile;
        let failed = |pattern: &[u8]| {
            format!(
                "ERROR: Regex compile failed on: {}",
                String::from_utf8_lossy(pattern)
            )
        };
        let group_re = compile(group).map_err(|_| failed(group))?;
        let category_re = if category.is_empty() {
            None
        } else {
            Some(compile(category).map_err(|_| failed(category))?)
        };
        Ok(self
            .lock()
            .iter()
            .filter(|e| {
                group_re.is_match(&e.group)
                    && category_re
                        .as_ref()
                        .is_none_or(|re| !e.category.is_empty() && re.is_match(&e.category))
            })
            .count())
    }

    /// `GROUP_LIST()`: the channel's `group@category` (or `group`), space separated.
    pub fn list(&self, owner: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for e in self.lock().iter().filter(|e| e.owner == owner) {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(&e.group);
            if !e.category.is_empty() {
                out.push(b'@');
                out.extend_from_slice(&e.category);
            }
        }
        out.truncate(1023);
        out
    }

    /// Every channel's groups, as `(channel name, group, category)`, for `group show
    /// channels`.
    pub fn all(&self) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        self.lock()
            .iter()
            .map(|e| (e.channel.clone(), e.group.clone(), e.category.clone()))
            .collect()
    }

    /// `ast_app_group_discard`: the channel is gone.
    pub fn discard(&self, owner: u64) {
        self.lock().retain(|e| e.owner != owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_has_one_group_per_category_and_counts_ignore_case() {
        let g = Groups::default();
        g.set(1, b"A", b"out@trunks");
        g.set(1, b"A", b"OUT2@Trunks");
        g.set(1, b"A", b"sales");
        g.set(2, b"B", b"out2@trunks");
        g.set(3, b"C", b"out2");
        // A replaced group goes to the end of the list.
        assert_eq!(g.list(1), b"OUT2@Trunks sales");
        assert_eq!(g.count(b"out2", b"TRUNKS"), 2);
        assert_eq!(g.count(b"out2", b""), 3);
        assert_eq!(g.get(1, b"trunks"), Some(b"OUT2".to_vec()));
        assert_eq!(g.get(1, b""), Some(b"OUT2".to_vec()));
        assert_eq!(g.get(2, b"nope"), None);
        assert_eq!(g.match_count(b"^out", b""), Ok(2));
        assert_eq!(g.match_count(b"^[oO]", b"k"), Ok(2));
        assert_eq!(
            g.match_count(b"(", b""),
            Err("ERROR: Regex compile failed on: (".into())
        );
        // An empty group leaves the category.
        g.set(1, b"A", b"@trunks");
        assert_eq!(g.list(1), b"sales");
        g.discard(1);
        assert_eq!(g.list(1), b"");
        assert_eq!(g.count(b"out2", b""), 2);
    }

    #[test]
    fn parts_are_cut_to_asterisks_buffers() {
        let long = [b'g'; 300];
        let (group, category) = split(&long);
        assert_eq!((group.len(), category.len()), (79, 0));
        let mut data = vec![b'g'; 10];
        data.push(b'@');
        data.extend([b'c'; 300]);
        assert_eq!(split(&data).1.len(), 79);
    }
}
