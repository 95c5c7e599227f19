//! Training one run. Training prints nothing; it reports each logged epoch through a
//! callback, which may stop it.
//!
//! Two loops share the specs and results here: `full`, full-batch gradient descent over
//! blocked data (the tutorials), and `minibatch`, scikit-learn's `sgd` and `adam` solvers
//! step for step.

pub mod blocks;
mod full;
mod minibatch;
mod optimizer;
pub mod stopping;

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
}

/// How to run the epoch loop (not part of the results: they are the same either way).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Log every Nth epoch (the first and last always).
    pub every: usize,
    /// Spread a run's blocks over the current rayon pool's threads.
    pub parallel: bool,
}

/// Trains in the precision and with the method `spec` asks for. `rng` is the run's
/// generator, right after the initial weights: `sgd` and `adam` split off the validation rows
/// and shuffle with it, as scikit-learn's `_random_state` does.
#[allow(clippy::too_many_arguments)]
pub fn train(
    arch: &Architecture,
    params: Vec<f64>,
    spec: &TrainSpec,
    data: &Loaded,
    rng: RandomState,
    opts: Options,
    predict: Option<&[Vec<f64>]>,
    on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    fn go<T: Real>(
        arch: &Architecture,
        params: Vec<f64>,
        spec: &TrainSpec,
        data: &Loaded,
        rng: RandomState,
        opts: Options,
        predict: Option<&[Vec<f64>]>,
        on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
    ) -> Outcome {
        let mut out = match spec.method {
            Method::Gd => full::train::<T>(arch, params, spec, data, opts, on_epoch),
            _ => minibatch::train::<T>(arch, params, spec, data, rng, opts, on_epoch),
        };
        out.predictions = predictions::<T>(arch, &out.params, data, predict);
        out
    }
    match spec.precision {
        Precision::F64 => go::<f64>(arch, params, spec, data, rng, opts, predict, on_epoch),
        Precision::F32 => go::<f32>(arch, params, spec, data, rng, opts, predict, on_epoch),
    }
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

/// What both epoch loops track: the lowest loss, the first epoch at the target, the last
/// logged row.
struct Tracker {
    min_loss: f64,
    reached_target: Option<usize>,
    last: Option<EpochRow>,
}

impl Tracker {
    fn new() -> Self {
        Self {
            min_loss: f64::INFINITY,
            reached_target: None,
            last: None,
        }
    }

    /// Epoch `epoch` had loss `value`.
    fn saw(&mut self, spec: &TrainSpec, epoch: usize, value: f64) {
        self.min_loss = self.min_loss.min(value);
        if self.reached_target.is_none() && spec.target_loss.is_some_and(|t| value <= t) {
            self.reached_target = Some(epoch);
        }
    }

    /// Hands `row` to the callback and keeps it as the last row logged.
    fn log(
        &mut self,
        epoch: usize,
        row: Option<EpochRow>,
        on_epoch: &mut impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let flow = on_epoch(epoch, row.as_ref());
        if row.is_some() {
            self.last = row;
        }
        flow
    }

    fn outcome<T: Real>(self, status: Status, epochs: usize, params: &[T]) -> Outcome {
        Outcome {
            status,
            epochs,
            last: self.last.expect("epoch 0 is always logged"),
            min_loss: self.min_loss,
            reached_target: self.reached_target,
            predictions: Vec::new(),
            params: params.iter().map(|v| v.to_f64()).collect(),
        }
    }
}

/// The test rows' loss and accuracy at `params`, when there are test rows.
fn tested<T: Real>(
    test: &mut Option<crate::train::blocks::Blocked<T>>,
    layers: &[crate::network::LayerShape],
    params: &[T],
    loss: Loss,
    parallel: bool,
) -> (Option<f64>, Option<f64>) {
    let t = test
        .as_mut()
        .map(|t| t.pass(layers, params, loss, true, false, parallel));
    (t.map(|t| t.loss), t.and_then(|t| t.accuracy))
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
