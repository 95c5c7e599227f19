//! Summaries across seeds: runs that differ only in swept seeds form a configuration.
//! `summary.csv` gives each configuration's statistics of its runs' results; `curves.csv` the
//! mean and spread of its loss curves, merged epoch by epoch from the runs' files (streamed, so
//! memory does not grow with epochs or runs).

use super::{num, Columns};
use crate::config::{is_seed, Spec};
use crate::store::{RunRecord, Store};
use std::collections::BTreeMap;
use std::io;

/// Count, mean, sample standard deviation (n − 1), min and max of the finite values (by hand:
/// four folds, where `statrs` would bring a dependency tree for them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Stats> {
        let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Equal values have that mean and no spread exactly (a sum of ten copies divided by
        // ten need not give the value back).
        let mean = if min == max {
            min
        } else {
            v.iter().sum::<f64>() / n as f64
        };
        let std = if n == 1 {
            f64::NAN
        } else if min == max {
            0.0
        } else {
            (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        Some(Stats {
            n,
            mean,
            std,
            min,
            max,
        })
    }

    /// `mean, std, min, max` cells (std empty for a single value).
    fn cells(s: Option<Stats>) -> [String; 4] {
        match s {
            Some(s) => [
                num(s.mean),
                if s.std.is_nan() {
                    String::new()
                } else {
                    num(s.std)
                },
                num(s.min),
                num(s.max),
            ],
            None => Default::default(),
        }
    }
}

/// A configuration and its runs (indices into the experiment's runs).
pub struct Group {
    pub label: String,
    /// Values of the configuration columns ([`config_columns`]).
    pub values: Vec<String>,
    pub runs: Vec<usize>,
}

/// The columns that identify a configuration: the parameter columns that are not seeds.
pub fn config_columns(cols: &Columns) -> Vec<String> {
    cols.params
        .iter()
        .filter(|k| !is_seed(k))
        .cloned()
        .collect()
}

/// The configurations, in order of first appearance.
pub fn groups(exp: &Spec, cols: &Columns) -> Vec<Group> {
    let keys = config_columns(cols);
    let mut groups: Vec<Group> = Vec::new();
    for (i, run) in exp.runs.iter().enumerate() {
        match groups.iter_mut().find(|g| g.label == run.config) {
            Some(g) => g.runs.push(i),
            None => {
                let prefix = cols.prefix(run);
                let values = keys
                    .iter()
                    .map(|k| {
                        let j = cols
                            .params
                            .iter()
                            .position(|p| p == k)
                            .expect("a param column");
                        prefix[j + 1].clone()
                    })
                    .collect();
                groups.push(Group {
                    label: run.config.clone(),
                    values,
                    runs: vec![i],
                });
            }
        }
    }
    groups
}

/// Reads one metric from a run's record.
pub use crate::job::metric::OfRun as Metric;

/// A run's result metrics ([`Columns::run_metrics`]), in `runs.csv` order, and how to read
/// each from its record; `summary.csv` summarises the same ones per configuration.
pub fn metrics(cols: &Columns) -> Vec<(&'static str, Metric)> {
    cols.run_metrics()
        .into_iter()
        .filter_map(|m| Some((m.name, m.of_run?)))
        .collect()
}

/// Statistics of `metric` over a group's runs that did not diverge.
pub fn group_stats(g: &Group, records: &[RunRecord], metric: Metric) -> Option<Stats> {
    Stats::of(
        g.runs
            .iter()
            .map(|&i| &records[i])
            .filter(|r| !r.diverged())
            .filter_map(metric),
    )
}

pub fn write_summary(
    out: &mut dyn super::Rows,
    exp: &Spec,
    cols: &Columns,
    records: &[RunRecord],
) -> io::Result<()> {
    let metrics = metrics(cols);
    let keys = config_columns(cols);
    let mut head = keys.clone();
    head.extend(super::companions(&keys).into_iter().map(|(n, _)| n));
    head.extend(["runs", "diverged"].map(String::from));
    for (name, _) in &metrics {
        head.extend(["mean", "std", "min", "max"].map(|s| format!("{name}_{s}")));
    }
    if cols.target {
        head.push("reached_target".into());
        head.extend(["mean", "std", "min", "max"].map(|s| format!("epochs_to_target_{s}")));
    }
    out.strings(&head)?;
    for g in groups(exp, cols) {
        let mut row = g.values.clone();
        row.extend(super::companion_values(&keys, &g.values));
        let diverged = g.runs.iter().filter(|&&i| records[i].diverged()).count();
        row.extend([g.runs.len().to_string(), diverged.to_string()]);
        for (_, metric) in &metrics {
            row.extend(Stats::cells(group_stats(&g, records, *metric)));
        }
        if cols.target {
            let reached: Vec<f64> = g
                .runs
                .iter()
                .filter_map(|&i| records[i].epochs_to_target)
                .map(|e| e as f64)
                .collect();
            row.push(reached.len().to_string());
            row.extend(Stats::cells(Stats::of(reached)));
        }
        out.strings(&row)?;
    }
    out.finish()
}

/// One metric at one epoch of a configuration, accumulated run by run in two passes, so that a
/// configuration of 10⁵ runs needs neither 10⁵ open readers nor all its rows in memory, and
/// the result equals [`Stats::of`] bit for bit (the same sums, in run order).
#[derive(Clone)]
struct Acc {
    n: usize,
    sum: f64,
    min: f64,
    max: f64,
    squares: f64,
}

impl Acc {
    fn new() -> Self {
        // -0.0: where `Iterator::sum` starts.
        Acc {
            n: 0,
            sum: -0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            squares: -0.0,
        }
    }

    /// First pass.
    fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.n += 1;
            self.sum += x;
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
    }

    fn mean(&self) -> f64 {
        if self.min == self.max {
            self.min
        } else {
            self.sum / self.n as f64
        }
    }

    /// Second pass, once every value is in the first.
    fn add_square(&mut self, x: f64) {
        if x.is_finite() {
            let d = x - self.mean();
            self.squares += d * d;
        }
    }

    fn stats(&self) -> Option<Stats> {
        (self.n > 0).then(|| Stats {
            n: self.n,
            mean: self.mean(),
            std: if self.n == 1 {
                f64::NAN
            } else if self.min == self.max {
                0.0
            } else {
                (self.squares / (self.n - 1) as f64).sqrt()
            },
            min: self.min,
            max: self.max,
        })
    }
}

pub fn write_curves(
    out: &mut dyn super::Rows,
    exp: &Spec,
    cols: &Columns,
    store: &Store,
) -> io::Result<()> {
    let names = cols.metric_names();
    let keys = config_columns(cols);
    let mut head = keys.clone();
    head.extend(super::companions(&keys).into_iter().map(|(n, _)| n));
    head.extend(["epoch", "n"].map(String::from));
    for name in &names {
        head.extend([format!("{name}_mean"), format!("{name}_std")]);
    }
    out.strings(&head)?;
    for g in groups(exp, cols) {
        // Per logged epoch: how many runs logged it, and each metric's accumulator. Every run
        // of a configuration logs the same epochs, except that a diverged run stops early (at
        // an epoch that may be off the grid).
        let mut at: BTreeMap<u64, (usize, Vec<Acc>)> = BTreeMap::new();
        for pass in 0..2 {
            for &i in &g.runs {
                store.each_row(&exp.runs[i].id, |epoch, values| {
                    let e = at
                        .entry(epoch)
                        .or_insert_with(|| (0, vec![Acc::new(); names.len()]));
                    if pass == 0 {
                        e.0 += 1;
                    }
                    for (a, v) in e.1.iter_mut().zip(&values) {
                        let x = v.unwrap_or(f64::NAN);
                        if pass == 0 {
                            a.add(x)
                        } else {
                            a.add_square(x)
                        }
                    }
                    Ok(())
                })?;
            }
        }
        for (epoch, (count, accs)) in &at {
            let mut row = g.values.clone();
            row.extend(super::companion_values(&keys, &g.values));
            row.extend([epoch.to_string(), count.to_string()]);
            for a in accs {
                row.extend(Stats::cells(a.stats()).into_iter().take(2));
            }
            out.strings(&row)?;
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_match_numpy_sample_std() {
        // numpy: np.mean([1, 2, 4, 8]) = 3.75, np.std([1, 2, 4, 8], ddof=1) = 3.095695936834452
        let s = Stats::of([1.0, 2.0, 4.0, f64::NAN, 8.0]).unwrap();
        assert_eq!((s.n, s.mean, s.min, s.max), (4, 3.75, 1.0, 8.0));
        assert!((s.std - 3.095_695_936_834_452).abs() < 1e-12);
        assert!(Stats::of([f64::NAN]).is_none());
        assert!(Stats::of([2.0]).unwrap().std.is_nan());
        // Ten copies of 0.1 sum to 0.9999999999999999: the mean is still 0.1, the std 0.
        let same = Stats::of([0.1; 10]).unwrap();
        assert_eq!((same.mean, same.std), (0.1, 0.0));
    }

    #[test]
    fn curves_accumulated_in_two_passes_equal_stats_of_bit_for_bit() {
        let sets: [&[f64]; 5] = [
            &[0.1, 0.7, 0.30000000000000004, 1e-9, f64::NAN, 12.5],
            &[0.1; 10],
            &[2.0],
            &[f64::NAN, f64::INFINITY],
            &[-1.0, 1.0, -0.0, 3.25],
        ];
        for v in sets {
            let mut a = Acc::new();
            v.iter().for_each(|&x| a.add(x));
            v.iter().for_each(|&x| a.add_square(x));
            let (want, got) = (Stats::of(v.iter().copied()), a.stats());
            let bits = |s: Option<Stats>| s.map(|s| (s.n, s.mean.to_bits(), s.std.to_bits()));
            assert_eq!(bits(got), bits(want), "{v:?}");
        }
    }
}
