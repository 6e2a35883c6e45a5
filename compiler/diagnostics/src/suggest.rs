//! Near-miss suggestions ("did you mean …?").

/// Levenshtein distance, ASCII case-insensitive when `fold_case`, or `None` when it exceeds
/// `limit` (checked first on the lengths, and given up as soon as a whole row exceeds it, so
/// scanning thousands of names stays cheap).
pub fn edit_distance(a: &[u8], b: &[u8], limit: usize, fold_case: bool) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Two rows; on the stack for the names people write.
    let mut rows = smallvec::SmallVec::<[usize; 128]>::from_elem(0, 2 * (b.len() + 1));
    let (prev, cur) = rows.split_at_mut(b.len() + 1);
    let (mut prev, mut cur) = (prev, cur);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, &x) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut best = cur[0];
        for (j, &y) in b.iter().enumerate() {
            let same = if fold_case {
                x.eq_ignore_ascii_case(&y)
            } else {
                x == y
            };
            cur[j + 1] = (prev[j] + usize::from(!same))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            best = best.min(cur[j + 1]);
        }
        // Every later cell is at least the smallest of this row.
        if best > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn distances_within_the_limit() {
        assert_eq!(edit_distance(b"include", b"includes", 2, false), Some(1));
        assert_eq!(edit_distance(b"basic", b"BASICS", 2, true), Some(1));
        assert_eq!(edit_distance(b"basic", b"BASICS", 2, false), None);
        assert_eq!(edit_distance(b"a", b"abcd", 2, false), None);
        assert_eq!(edit_distance(b"", b"", 0, false), Some(0));
        // Rows that all exceed the limit stop early, with the same answer.
        assert_eq!(edit_distance(b"abcdef", b"uvwxyz", 2, false), None);
        assert_eq!(edit_distance(b"kitten", b"sitting", 3, false), Some(3));
        assert_eq!(edit_distance(b"kitten", b"sitting", 2, false), None);
        let long = vec![b'a'; 300];
        assert_eq!(edit_distance(&long, &long[1..], 2, false), Some(1));
    }

    proptest::proptest! {
        /// The early exit never changes an answer: the full table agrees.
        #[test]
        fn agrees_with_the_full_table(a in "[ab]{0,8}", b in "[ab]{0,8}", limit in 0..4usize) {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in 0..=a.len() {
                for j in 0..=b.len() {
                    table[i][j] = if i == 0 {
                        j
                    } else if j == 0 {
                        i
                    } else {
                        (table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                            .min(table[i - 1][j] + 1)
                            .min(table[i][j - 1] + 1)
                    };
                }
            }
            let full = Some(table[a.len()][b.len()]).filter(|&d| d <= limit);
            proptest::prop_assert_eq!(edit_distance(a, b, limit, false), full);
        }
    }
}
