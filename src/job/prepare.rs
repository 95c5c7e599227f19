//! From a validated experiment to runs ready to train: each distinct data set loaded once,
//! the checks only the data allows, and each run's final id, which covers its data's content.

use crate::config::{self, ConfigError, Problem, RunSpec, Spec};
use crate::data::{Dataset, Loaded, Source};
use crate::network::Architecture;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

/// The version of runner's numerics. A run's id includes it, so that stored results are
/// reused only by a runner that would compute the same numbers. Bump it with any change that
/// can move a result's bits: the kernels or their summation order, the initialisers, the data
/// generators or the split, the loss, accuracy or their logging, the CSV number format.
/// (3: accuracy breaks argmax ties to the first output, as NumPy. 4: early stopping's
/// accuracy and test numbers are the restored weights'. 5: the portable sigmoid and tanh
/// divide where they took Newton steps, and tanh takes e^{−2|z|} − 1 as the AVX-512 kernel
/// does, without its small-|z| series.)
pub const NUMERICS: u32 = 5;

/// A run ready to train: its spec, data and shape.
pub struct Prepared {
    pub spec: Arc<RunSpec>,
    pub data: Arc<Loaded>,
    pub arch: Architecture,
    /// A hash of the data's content (16 hex digits): runs with the same data share it.
    pub data_id: String,
}

impl Prepared {
    /// Estimated work: sample × parameter updates (epochs × training rows × parameters).
    pub fn work(&self) -> f64 {
        self.spec.train.epochs as f64 * self.data.train.rows as f64 * self.arch.param_count() as f64
    }

    /// The run's initial weights and its generator right after them.
    pub fn initial(&self) -> (Vec<f64>, crate::rng::RandomState) {
        self.spec
            .init
            .initialize_with_rng(&self.arch.layers(), &self.data.rng)
    }

    /// What training the run takes, the epoch loop run as `opts` says.
    pub fn to_train(&self, opts: crate::train::Options) -> crate::train::Run<'_> {
        crate::train::Run {
            arch: &self.arch,
            spec: &self.spec.train,
            data: &self.data,
            opts,
            predict: self.spec.predict.as_deref(),
        }
    }
}

/// Loads each distinct data set once, checks what only the data can tell, and gives every run
/// its final id: a hash of its resolved configuration, its data's content and [`NUMERICS`].
/// Runs that come out the same are refused, naming both.
pub fn prepare(exp: &mut Spec) -> Result<Vec<Prepared>> {
    let mut cache: Vec<(crate::data::DataSpec, Arc<Loaded>, String)> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut prepared = Vec::new();
    for shared in &mut exp.runs {
        let spec = Arc::make_mut(shared);
        let (data, digest) = match cache.iter().find(|(d, ..)| d == &spec.data) {
            Some((_, l, h)) => (l.clone(), h.clone()),
            None => {
                let loaded = Arc::new(
                    spec.data
                        .load()
                        .with_context(|| format!("experiment `{}`", exp.path.display()))?,
                );
                let digest = data_digest(&loaded);
                problems.extend(check_values(&spec.data, &loaded));
                cache.push((spec.data.clone(), loaded.clone(), digest.clone()));
                (loaded, digest)
            }
        };
        spec.id = run_id(&spec.id, &digest);
        let train = &data.train;
        let rows = train.rows + data.test.as_ref().map_or(0, |t| t.rows);
        let mut found = config::check_data(spec, train.inputs, train.outputs, rows);
        for p in &mut found {
            p.origin = spec.provenance.of(&p.key);
        }
        problems.extend(found);
        problems.extend(check_stratified(spec, &data.train));
        problems.extend(check_reach(spec, &data));
        let arch = spec.model.architecture(train.inputs, train.outputs);
        prepared.push(Prepared {
            arch,
            data_id: digest[..16].to_string(),
            spec: Arc::clone(shared),
            data,
        });
    }
    problems.extend(duplicates(&exp.runs));
    if !problems.is_empty() {
        return Err(ConfigError::Invalid {
            path: exp.path.clone(),
            problems: config::dedupe(problems),
        }
        .into());
    }
    Ok(prepared)
}

/// The id of a run whose configuration hashes to `config` and whose data hashes to `data`.
fn run_id(config: &str, data: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("runner numerics {NUMERICS}\n{config}\n{data}\n").as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// Checks of the values themselves, once per data set: every value finite, and two classes
/// at least for a softmax output. A class seen only in the test split is warned about.
fn check_values(spec: &crate::data::DataSpec, data: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    let sets = || std::iter::once(&data.train).chain(data.test.as_ref());
    let bad: usize = sets()
        .map(|d| d.x.iter().chain(&d.y).filter(|v| !v.is_finite()).count())
        .sum();
    if bad > 0 {
        let (key, value) = match &spec.source {
            Source::Moons { noise, .. }
            | Source::Circles { noise, .. }
            | Source::Spirals { noise, .. } => ("data.noise", noise.map(|n| format!("{n:?}"))),
            Source::Blobs { std, .. } => ("data.cluster_std", Some(format!("{std:?}"))),
            _ => ("data", None),
        };
        out.push(Problem {
            key: key.into(),
            message: format!(
                "{}the data holds {bad} values that are not finite numbers (inf or NaN), which no network can train on; use smaller values",
                value.map_or(String::new(), |v| format!("`{v}` is so large that "))
            ),
            origin: None,
        });
    }
    let classes = &data.train.classes;
    if classes.len() == 1 {
        out.push(Problem {
            key: "data.target".into(),
            message: format!("its column holds one class, `{}`, and a classifier needs two classes or more; check the column, or predict a number with `model.output = \"identity\"`", classes[0]),
            origin: None,
        });
    }
    if let Some(test) = &data.test {
        for (k, name) in classes.iter().enumerate() {
            // One output (two classes, `bce`): class k is the value k; else its one-hot column.
            let seen = |d: &Dataset| match d.outputs {
                1 => (0..d.rows).any(|r| d.y[r] == k as f64),
                n => (0..d.rows).any(|r| d.y[r * n + k] == 1.0),
            };
            if !seen(&data.train) && seen(test) {
                crate::color::eprint(&format!("warning: class `{name}` is only in the test split: no training row teaches its output, so no test row of it can be classified right; lower `data.test_fraction` or add rows of that class"));
            }
        }
    }
    out
}

/// Early stopping on a two-class output (one sigmoid unit, `bce`) holds out a stratified
/// validation split, as scikit-learn's `train_test_split(stratify=y)`, which refuses a class
/// of one row and a split with fewer rows than classes on either side. So does runner, rather
/// than train on a split that scikit-learn could not make.
fn check_stratified(spec: &RunSpec, train: &Dataset) -> Option<Problem> {
    let fraction = spec.train.validation_fraction?;
    if spec.train.loss != crate::network::Loss::Bce || train.outputs != 1 {
        return None;
    }
    let ones = train.y.iter().filter(|&&v| v >= 0.5).count();
    let counts = [train.rows - ones, ones];
    let classes = counts.iter().filter(|&&c| c > 0).count();
    let held = crate::train::stopping::validation_rows(train.rows, fraction);
    if held < 2 || held >= train.rows {
        return None; // refused already: too few rows to split
    }
    let (key, message) = if let Some(c) = counts.iter().position(|&c| c == 1) {
        ("train.early_stopping",
        format!("`true` holds out a validation split stratified by class, as scikit-learn's, and class {c} has one training row, which cannot be on both sides of it (scikit-learn refuses it too); add rows of that class, or set `early_stopping = false`"))
    } else if held < classes || train.rows - held < classes {
        ("train.validation_fraction", format!("`{fraction}` holds out {held} of the {} training rows, and a stratified split needs each side to hold at least one row of each of the {classes} classes; change it or add rows", train.rows))
    } else {
        return None;
    };
    Some(Problem {
        key: key.into(),
        message,
        origin: spec.provenance.of(key),
    })
}

/// Targets the output activation can never produce: a sigmoid output (0 to 1) for blobs
/// labelled 0, 1, 2, a tanh for targets beyond ±1, a ReLU for negative ones. Training would
/// run and could only fail, so it is refused, with the output that fits.
fn check_reach(spec: &RunSpec, data: &Loaded) -> Option<Problem> {
    use crate::network::Activation;
    let output = spec.model.output;
    let (lo, hi, range) = match output {
        Activation::Sigmoid => (0.0, 1.0, "from 0 to 1"),
        Activation::Tanh => (-1.0, 1.0, "from -1 to 1"),
        Activation::Relu => (0.0, f64::INFINITY, "of 0 or more"),
        Activation::Identity | Activation::Softmax => return None,
    };
    let sets = std::iter::once(&data.train).chain(data.test.as_ref());
    let outside = sets
        .flat_map(|d| d.y.iter())
        .copied()
        .find(|v| !(lo..=hi).contains(v))?;
    let mut distinct: Vec<f64> = data.train.y.iter().copied().take(100_000).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let classes = distinct.len() <= 20 && distinct.iter().all(|v| v.fract() == 0.0);
    let fix = if classes && data.train.outputs == 1 {
        format!("the targets look like {} classes: set `model.output = \"softmax\"` with `train.loss = \"cross_entropy\"`; or, to predict them as numbers, `model.output = \"identity\"`", distinct.len())
    } else {
        "to predict numbers set `model.output = \"identity\"`, or scale the targets into its range"
            .to_string()
    };
    Some(Problem {
        key: "model.output".into(),
        message: format!(
            "`{}` outputs values {range}, and a target is `{outside}`, which it can never reach, so the loss could not fall to it; {fix}",
            config::name_of(output)
        ),
        origin: spec.provenance.of("model.output"),
    })
}

/// A hash of the samples as loaded: every value's bits, in order, train then test.
fn data_digest(data: &Loaded) -> String {
    let mut h = Sha256::new();
    let mut add = |d: &Dataset| {
        h.update(format!("{} {} {}\n", d.rows, d.inputs, d.outputs).as_bytes());
        for v in d.x.iter().chain(&d.y) {
            h.update(v.to_bits().to_le_bytes());
        }
    };
    add(&data.train);
    if let Some(t) = &data.test {
        add(t);
    }
    hex::encode(h.finalize())
}

/// Runs that are the same run: a results row could not tell them apart. One problem names
/// the first pair and counts the rest.
fn duplicates(runs: &[Arc<RunSpec>]) -> Vec<Problem> {
    let mut seen: std::collections::HashMap<&str, &RunSpec> = Default::default();
    let mut pairs = Vec::new();
    for r in runs {
        if let Some(first) = seen.insert(&r.id, r) {
            pairs.push((first, r));
        }
    }
    let Some((first, r)) = pairs.first() else {
        return Vec::new();
    };
    let what = if first.label == r.label {
        format!("`{}` appears twice", r.label)
    } else {
        format!("`{}` and `{}` are the same run", first.label, r.label)
    };
    let more = match pairs.len() {
        1 => String::new(),
        n => format!(", and so are {} more pairs", n - 1),
    };
    vec![Problem {
        key: "sweep".into(),
        message: format!("{what} (same settings, same data){more}; remove the duplicates"),
        origin: None,
    }]
}

/// The files the experiment reads: the experiment file and its data files.
pub fn inputs(exp: &Spec) -> Vec<PathBuf> {
    let mut files = vec![exp.path.clone()];
    for r in &exp.runs {
        if let Source::Csv { path, .. } = &r.data.source {
            if !files.contains(path) {
                files.push(path.clone());
            }
        }
    }
    files
}

/// Which shard (0-based, of `n`) trains each run: runs dealt by estimated work, largest
/// first, each to the shard with the least work so far (ties to the lowest shard). The deal
/// depends only on the runs, so every shard process computes the same one.
pub fn deal(runs: &[Prepared], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    // Work plus a fixed start-up cost, so that many tiny runs spread too.
    let work: Vec<f64> = runs.iter().map(|r| r.work() + 1e6).collect();
    order.sort_by(|&a, &b| work[b].total_cmp(&work[a]).then(a.cmp(&b)));
    let mut load = vec![0.0f64; n.max(1)];
    let mut shard = vec![0; runs.len()];
    for i in order {
        let k = (0..load.len())
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .expect("at least one shard");
        shard[i] = k;
        load[k] += work[i];
    }
    shard
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;
    use crate::network::transpose;
    use std::path::PathBuf;

    #[test]
    fn moons_experiment_data_and_initial_weights_equal_numpy() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments/moons.toml");
        let mut exp = config::load(&path, &[]).unwrap();
        let runs = prepare(&mut exp).unwrap();
        let fx = Fixture::load("data.toml");
        let hidden = runs.iter().find(|r| r.spec.label == "hidden").unwrap();
        fx.assert_exact("moons_100_noise_0.1_seed_0_x", &hidden.data.train.x);
        fx.assert_exact("moons_100_noise_0.1_seed_0_y", &hidden.data.train.y);
        let p = hidden
            .spec
            .init
            .initialize(&hidden.arch.layers(), &hidden.data.rng);
        // numpy's rand(2, 4) then rand(4, 1), row-major; runner stores weights column-major.
        let wh = transpose(fx.get("moons_100_noise_0.1_seed_0_then_rand_2x4"), 2, 4);
        fx.assert_exact("moons_100_noise_0.1_seed_0_then_rand_4x1", &p[8..]);
        assert_eq!(&p[..8], &wh[..]);
    }
}
