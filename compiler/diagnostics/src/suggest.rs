//! Near-miss suggestions ("did you mean …?").

/// Levenshtein distance, ASCII case-insensitive when `fold_case`, or `None` when it exceeds
/// `limit` (checked first on the lengths, so scanning thousands of names stays cheap).
pub fn edit_distance(a: &[u8], b: &[u8], limit: usize, fold_case: bool) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let same = if fold_case {
                x.eq_ignore_ascii_case(&y)
            } else {
                x == y
            };
            cur[j + 1] = (prev[j] + usize::from(!same))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
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
    }
}
