//! "Did you mean …?" hints by edit distance (`strsim`'s Levenshtein), for unknown keys and
//! names.

/// `"; did you mean `x`?"` for the nearest candidate within a third of the word's length
/// (at least 2 edits), or an empty string when nothing is close.
/// Case is ignored in the distance, so `C` finds `c` first.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (word.chars().count() / 3).max(2);
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let d =
                strsim::levenshtein(word, c).min(strsim::levenshtein(&lower, &c.to_lowercase()));
            // The same word in another case comes before any other as near.
            (d, c.to_lowercase() != lower, c)
        })
        .filter(|&(d, _, _)| d <= limit)
        .min_by_key(|&(d, other, _)| (d, other))
        .map(|(_, _, c)| c)
        .map(|c| format!("; did you mean `{c}`?"))
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
        assert_eq!(did_you_mean("C", ["a", "b", "c"]), "; did you mean `c`?");
    }
}
