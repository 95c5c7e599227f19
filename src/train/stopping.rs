//! scikit-learn's stopping rule and early stopping: the plateau count, the validation rows
//! (split off as `train_test_split` does, stratified for one class column) and their score.
//!
//! By hand for the same reason as `data::generate`: the split must draw the rows
//! scikit-learn draws (`_approximate_mode`, then its permutations), which no crate does.

use crate::rng::RandomState;

/// The validated `tol` and `n_iter_no_change`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopRule {
    pub tol: f64,
    pub n_iter_no_change: usize,
}

/// Counts epochs without improvement, as `_update_no_improvement_count`.
pub struct Plateau {
    rule: StopRule,
    best: f64,
    count: usize,
}

impl Plateau {
    pub fn new(rule: StopRule) -> Self {
        Self {
            rule,
            best: f64::INFINITY,
            count: 0,
        }
    }

    /// After an epoch whose training loss is `loss`: whether the rule fires (more than
    /// `n_iter_no_change` epochs in a row without a fall of `tol` below the best).
    pub fn stalls(&mut self, loss: f64) -> bool {
        self.count = if loss > self.best - self.rule.tol {
            self.count + 1
        } else {
            0
        };
        if loss < self.best {
            self.best = loss;
        }
        self.fires()
    }

    /// After an epoch whose validation score is `score` (higher is better, NaN counts as
    /// an improvement as in scikit-learn): whether it is the best so far, and whether the
    /// rule fires.
    pub fn scored(&mut self, score: f64) -> (bool, bool) {
        // `self.best` holds the negated best score, so that it starts at +∞ as a loss does.
        let best = -self.best;
        self.count = if score < best + self.rule.tol {
            self.count + 1
        } else {
            0
        };
        let better = score > best;
        if better {
            self.best = -score;
        }
        (better, self.fires())
    }

    fn fires(&self) -> bool {
        self.count > self.rule.n_iter_no_change
    }

    /// The rule fired and training goes on (the adaptive rate was lowered): count afresh.
    pub fn reset(&mut self) {
        self.count = 0;
    }
}

/// The validation split of `rows` training rows: `(train, validation)` row indices, as
/// `train_test_split(test_size=fraction, random_state=rng, stratify=…)` draws them.
/// `classes`: each row's class when the split is stratified (one class column), else `None`.
pub fn validation_split(
    rows: usize,
    fraction: f64,
    classes: Option<&[usize]>,
    rng: &mut RandomState,
) -> (Vec<usize>, Vec<usize>) {
    let n_test = validation_rows(rows, fraction);
    match classes {
        None => {
            let perm = rng.permutation(rows);
            (perm[n_test..].to_vec(), perm[..n_test].to_vec())
        }
        Some(y) => stratified(y, rows - n_test, n_test, rng),
    }
}

/// How many rows early stopping holds out: `ceil(fraction · rows)`.
pub fn validation_rows(rows: usize, fraction: f64) -> usize {
    (fraction * rows as f64).ceil() as usize
}

/// `StratifiedShuffleSplit._iter_indices`, one split.
fn stratified(
    y: &[usize],
    n_train: usize,
    n_test: usize,
    rng: &mut RandomState,
) -> (Vec<usize>, Vec<usize>) {
    let k = y.iter().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in y.iter().enumerate() {
        members[c].push(i);
    }
    // `np.unique` lists only the classes present.
    members.retain(|m| !m.is_empty());
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    let n_i = approximate_mode(&counts, n_train, rng);
    let left: Vec<usize> = counts.iter().zip(&n_i).map(|(c, n)| c - n).collect();
    let t_i = approximate_mode(&left, n_test, rng);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (c, m) in members.iter().enumerate() {
        let perm = rng.permutation(m.len());
        let picked: Vec<usize> = perm.iter().map(|&p| m[p]).collect();
        train.extend_from_slice(&picked[..n_i[c]]);
        test.extend_from_slice(&picked[n_i[c]..n_i[c] + t_i[c]]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    (train, test)
}

/// scikit-learn's `_approximate_mode`: `n_draws` dealt in proportion to `counts`, floored,
/// the rest to the largest remainders, ties drawn at random.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<f64> = continuous.iter().map(|c| c.floor()).collect();
    let mut need = (n_draws as f64 - floored.iter().sum::<f64>()) as i64;
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, f)| c - f)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..remainder.len())
                .filter(|&i| remainder[i] == value)
                .collect();
            let now = (inds.len() as i64).min(need) as usize;
            // `rng.choice(inds, now, replace=False)`: a permutation's first `now`.
            let perm = rng.permutation(inds.len());
            for &p in &perm[..now] {
                floored[inds[p]] += 1.0;
            }
            need -= now as i64;
            if need == 0 {
                break;
            }
        }
    }
    floored.iter().map(|&f| f as usize).collect()
}

/// R² averaged over outputs (`r2_score`, `uniform_average`): `pred` and `y` are
/// `rows x outputs` column-major. An output with constant targets scores 1 if predicted
/// exactly, else 0 (scikit-learn's `force_finite`).
pub fn r2(pred: &[f64], y: &[f64], rows: usize) -> f64 {
    let outputs = y.len() / rows.max(1);
    let mut total = 0.0;
    for j in 0..outputs {
        let (p, t) = (&pred[j * rows..][..rows], &y[j * rows..][..rows]);
        let mean = t.iter().sum::<f64>() / rows as f64;
        let num: f64 = t.iter().zip(p).map(|(t, p)| (t - p) * (t - p)).sum();
        let den: f64 = t.iter().map(|t| (t - mean) * (t - mean)).sum();
        total += if den != 0.0 {
            1.0 - num / den
        } else if num == 0.0 {
            1.0
        } else {
            0.0
        };
    }
    total / outputs as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_fires_after_more_than_n_epochs_without_improvement() {
        let mut p = Plateau::new(StopRule {
            tol: 0.1,
            n_iter_no_change: 2,
        });
        // 1.0 improves on ∞; 0.95 and 0.92 are within tol of 1.0; 0.91 too: the third fires.
        let fired: Vec<bool> = [1.0, 0.95, 0.92, 0.91].map(|l| p.stalls(l)).to_vec();
        assert_eq!(fired, [false, false, false, true]);
        p.reset();
        assert!(!p.stalls(0.5));
    }

    #[test]
    fn a_stratified_split_keeps_class_shares() {
        let y: Vec<usize> = (0..40).map(|i| usize::from(i % 4 == 0)).collect();
        let mut rng = RandomState::new(3);
        let (train, test) = validation_split(40, 0.25, Some(&y), &mut rng);
        assert_eq!((train.len(), test.len()), (30, 10));
        // 7.5 of the 30 training rows are ones: 7 or 8, by the draw that breaks the tie.
        let ones = test.iter().filter(|&&i| y[i] == 1).count();
        assert!(ones == 2 || ones == 3, "{ones}");
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        assert_eq!(all, (0..40).collect::<Vec<_>>());
    }
}
