//! Training one run. Training prints nothing; it reports each logged epoch through a
//! callback, which may stop it.
//!
//! Two loops share the specs and results here: `full`, full-batch gradient descent over
//! blocked data (the tutorials), and `minibatch`, scikit-learn's `sgd` and `adam` solvers
//! step for step.

pub mod blocks;
mod epoch;
mod full;
pub mod lockstep;
mod minibatch;
mod optimizer;
pub mod stopping;

pub use blocks::Spread;
pub use optimizer::{Method, Schedule};
pub use stopping::StopRule;

use crate::data::Loaded;
use crate::network::{Architecture, Loss, Real};
use crate::rng::RandomState;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

/// The validated `[train]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSpec {
    pub loss: Loss,
    pub learning_rate: f64,
    pub epochs: usize,
    /// A loss to report reaching (the first epoch at or below it).
    pub target_loss: Option<f64>,
    pub precision: Precision,
    /// How a step is taken: `gd`, `sgd` (with momentum) or `adam`.
    pub method: Method,
    /// Rows per step for `sgd` and `adam`; `None`: scikit-learn's `min(200, rows)`.
    pub batch_size: Option<usize>,
    /// Shuffle the rows each epoch (`sgd`, `adam`).
    pub shuffle: bool,
    /// L2 penalty `½·alpha·Σ‖W‖²` over a step's rows (biases are not penalised).
    pub alpha: f64,
    pub schedule: Schedule,
    /// scikit-learn's stopping rule, when asked for.
    pub stop: Option<StopRule>,
    /// Early stopping: the fraction of training rows held out to score each epoch.
    pub validation_fraction: Option<f64>,
}

impl TrainSpec {
    /// A plain full-batch spec (tests and benches).
    pub fn gd(loss: Loss, learning_rate: f64, epochs: usize) -> Self {
        Self {
            loss,
            learning_rate,
            epochs,
            target_loss: None,
            precision: Precision::F64,
            method: Method::Gd,
            batch_size: None,
            shuffle: false,
            alpha: 0.0,
            schedule: Schedule::Constant,
            stop: None,
            validation_fraction: None,
        }
    }
}

/// The float type of parameters, activations and gradients. Losses are summed in f64 either
/// way, and results are written as f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    F64,
    F32,
}

/// One logged epoch. With `gd`, its loss is that of the forward pass whose gradients the
/// epoch applies, so epoch 0 shows the loss at the initial weights, as the tutorials print
/// it. With `sgd` and `adam` it is the mean of the epoch's batch losses, each taken before
/// its step and weighted by its rows: scikit-learn's `loss_curve_`. The test and validation
/// columns are at the weights the epoch ends with.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub loss: f64,
    /// Training accuracy, when the targets are classes.
    pub accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Early stopping's score of the held-out training rows: accuracy for classes, R²
    /// otherwise (scikit-learn's `validation_scores_`).
    pub validation_score: Option<f64>,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The loss became NaN or infinite at this epoch; training stopped there.
    Diverged {
        epoch: usize,
    },
    /// The stopping rule ended training after this epoch (scikit-learn's convergence).
    Converged {
        epoch: usize,
    },
    /// The callback asked to stop (e.g. Ctrl-C).
    Stopped,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// Epochs whose forward pass ran.
    pub epochs: usize,
    /// The last epoch's row.
    pub last: EpochRow,
    pub min_loss: f64,
    /// First epoch whose loss was at or below `target_loss`.
    pub reached_target: Option<usize>,
    /// Outputs for `[predict]` inputs after training, one row per input.
    pub predictions: Vec<Vec<f64>>,
    /// The parameters after training, as f64: after the last step, or with early stopping
    /// the best-scoring epoch's, as scikit-learn keeps them.
    pub params: Vec<f64>,
    /// With [`Options::snapshots`]: the weights at the end of each of [`snapshot_epochs`]
    /// reached, and at the epoch training stopped at, if earlier.
    pub snapshots: Vec<(usize, Vec<f64>)>,
    /// With [`Options::snapshots`]: at each logged epoch, how much the epoch changed each
    /// layer's weights, relative to their size (`‖ΔW‖ / ‖W‖`, biases left out).
    pub updates: Vec<(usize, Vec<f64>)>,
}

/// How to run the epoch loop (not part of the results: they are the same either way).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Log every Nth epoch (the first and last always).
    pub every: usize,
    /// Whether a run's blocks spread over the current rayon pool's threads.
    pub spread: Spread,
    /// Keep the weights at [`snapshot_epochs`] and measure each logged epoch's update (for
    /// the report's pictures of training); the results are the same either way.
    pub snapshots: bool,
}

/// Snapshots a run keeps when asked: this many epochs, log-spaced.
pub const SNAPSHOTS: usize = 6;

/// The epochs whose weights a snapshot keeps: about [`SNAPSHOTS`] log-spaced from the first
/// to the last of `epochs`, each once.
pub fn snapshot_epochs(epochs: usize) -> Vec<usize> {
    let last = epochs.max(1) as f64;
    let mut out: Vec<usize> = (0..SNAPSHOTS)
        .map(|k| {
            (last.powf(k as f64 / (SNAPSHOTS - 1) as f64).round() as usize).clamp(1, epochs.max(1))
                - 1
        })
        .collect();
    out.dedup();
    out
}

impl Options {
    /// Whether epoch `epoch` of `epochs` is logged.
    pub fn logs(&self, epoch: usize, epochs: usize) -> bool {
        epoch.is_multiple_of(self.every) || epoch + 1 == epochs
    }

    /// The most threads a pass uses: one working memory each.
    fn threads(&self) -> usize {
        match self.spread {
            Spread::Pool => rayon::current_num_threads(),
            Spread::OneThread => 1,
        }
    }
}

/// What a run trains: the network, its `[train]` spec and data, how, and the `[predict]`
/// inputs to give outputs for.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub arch: &'a Architecture,
    pub spec: &'a TrainSpec,
    pub data: &'a Loaded,
    pub opts: Options,
    pub predict: Option<&'a [Vec<f64>]>,
}

/// Trains `run` from the initial weights `params`, in the precision and with the method its
/// spec asks for. `rng` is the run's generator, right after the initial weights: `sgd` and
/// `adam` split off the validation rows and shuffle with it, as scikit-learn's
/// `_random_state` does. `on_epoch` is called after every epoch, with the row when the epoch
/// is logged; it may stop training by returning `Break`.
pub fn train(
    run: &Run,
    params: Vec<f64>,
    rng: RandomState,
    on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    fn go<T: Real>(
        run: &Run,
        params: Vec<f64>,
        rng: RandomState,
        on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
    ) -> Outcome {
        let mut out = match run.spec.method {
            Method::Gd => full::train::<T>(run, params, on_epoch),
            _ => minibatch::train::<T>(run, params, rng, on_epoch),
        };
        out.predictions = predictions::<T>(run.arch, &out.params, run.data, run.predict);
        out
    }
    match run.spec.precision {
        Precision::F64 => go::<f64>(run, params, rng, on_epoch),
        Precision::F32 => go::<f32>(run, params, rng, on_epoch),
    }
}

/// Trains a lockstep group ([`lockstep::train`]): each outcome, predictions included, is the
/// one [`train`] gives the member alone, bit for bit.
pub fn train_group(members: Vec<lockstep::Member<'_>>) -> Vec<Outcome> {
    let runs: Vec<Run> = members.iter().map(|m| m.run).collect();
    let mut outs = lockstep::train(members);
    for (out, run) in outs.iter_mut().zip(&runs) {
        out.predictions = predictions::<f64>(run.arch, &out.params, run.data, run.predict);
    }
    outs
}

/// The outputs for `[predict]` rows, scaled as the training inputs were.
fn predictions<T: Real>(
    arch: &Architecture,
    params: &[f64],
    data: &Loaded,
    predict: Option<&[Vec<f64>]>,
) -> Vec<Vec<f64>> {
    let Some(rows) = predict else {
        return Vec::new();
    };
    let mut flat = rows.concat();
    if let Some(s) = &data.scaler {
        s.apply(&mut flat);
    }
    let cast = |v: &[f64]| v.iter().map(|&v| T::from_f64(v)).collect::<Vec<T>>();
    crate::network::predict(&arch.layers(), &cast(params), &cast(&flat), rows.len())
        .chunks(arch.outputs)
        .map(|r| r.iter().map(|v| v.to_f64()).collect())
        .collect()
}

/// `½·Σ‖W‖²` over the weight matrices (not the biases), in f64.
fn half_squared_weights<T: Real>(layers: &[crate::network::LayerShape], params: &[T]) -> f64 {
    layers
        .iter()
        .map(|l| {
            params[l.w..l.w + l.fan_in * l.fan_out]
                .iter()
                .map(|v| v.to_f64() * v.to_f64())
                .sum::<f64>()
        })
        .sum::<f64>()
        * 0.5
}

/// Adds the L2 penalty's gradient `alpha·W/rows` to the weights' gradient.
fn add_l2<T: Real>(
    layers: &[crate::network::LayerShape],
    params: &[T],
    grad: &mut [T],
    scale: f64,
) {
    let scale = T::from_f64(scale);
    for l in layers {
        let w = l.w..l.w + l.fan_in * l.fan_out;
        for (g, &p) in grad[w.clone()].iter_mut().zip(&params[w]) {
            *g += scale * p;
        }
    }
}
