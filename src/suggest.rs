//! "Did you mean …?" hints by edit distance, for unknown keys and names.

/// Levenshtein distance between two short strings.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `"; did you mean `x`?"` for the nearest candidate within a third of the word's length
/// (at least 2 edits), or an empty string when nothing is close.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_close_name() {
        assert_eq!(distance("hiden", "hidden"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(
            did_you_mean("learning_rat", ["epochs", "learning_rate"]),
            "; did you mean `learning_rate`?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["epochs", "loss"]), "");
    }
}
