//! "Did you mean …?" hints by edit distance (`strsim`'s Levenshtein), for unknown keys and
//! names.

/// `"; did you mean `x`?"` for the nearest candidate within a third of the word's length
/// (at least 2 edits), or an empty string when nothing is close.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
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
        assert_eq!(
            did_you_mean("learning_rat", ["epochs", "learning_rate"]),
            "; did you mean `learning_rate`?"
        );
        assert_eq!(
            did_you_mean("hiden", ["bias", "hidden"]),
            "; did you mean `hidden`?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["epochs", "loss"]), "");
    }
}
