//! Training one run: full-batch gradient descent over preallocated buffers. Training prints
//! nothing; it reports each logged epoch through a callback, which may stop it.

use crate::blocks::Blocked;
use crate::data::Loaded;
use crate::network::{self, Architecture, Loss, Real};
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
}

/// The float type of parameters, activations and gradients. Losses are summed in f64 either
/// way, and results are written as f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    F64,
    F32,
}

/// [`train`] in the precision `spec` asks for.
pub fn train_in_precision(
    arch: &Architecture,
    params: Vec<f64>,
    spec: &TrainSpec,
    data: &Loaded,
    opts: Options,
    predict: Option<&[Vec<f64>]>,
    on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    match spec.precision {
        Precision::F64 => train::<f64>(arch, params, spec, data, opts, predict, on_epoch),
        Precision::F32 => train::<f32>(arch, params, spec, data, opts, predict, on_epoch),
    }
}

/// One logged epoch. Its loss is that of the forward pass whose gradients the epoch applies,
/// so epoch 0 shows the loss at the initial weights, as the tutorials print it.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub loss: f64,
    /// Training accuracy, when the targets are classes.
    pub accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// The loss became NaN or infinite at this epoch; training stopped there.
    Diverged {
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
    /// Outputs for `[predict]` inputs after the last update, one row per input.
    pub predictions: Vec<Vec<f64>>,
    /// The parameters after the last update, as f64.
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

/// Trains `arch` from `params` on `data`. `on_epoch` is called after every epoch's forward
/// pass, with the row to log for epochs `0, every, 2·every, …` and the last one; it may stop
/// training by returning `Break`.
pub fn train<T: Real>(
    arch: &Architecture,
    params: Vec<f64>,
    spec: &TrainSpec,
    data: &Loaded,
    opts: Options,
    predict: Option<&[Vec<f64>]>,
    mut on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    let layers = arch.layers();
    let mut params: Vec<T> = params.into_iter().map(T::from_f64).collect();
    let n_params = params.len();
    // The most threads a pass will use: one working memory each.
    let threads = if opts.parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let mut train = Blocked::<T>::new(&data.train, &layers, n_params, true, threads);
    let mut test = data
        .test
        .as_ref()
        .map(|t| Blocked::<T>::new(t, &layers, 0, false, threads));
    let (loss, every) = (spec.loss, opts.every);
    let lr = T::from_f64(spec.learning_rate);

    let mut min_loss = f64::INFINITY;
    let mut reached_target = None;
    let mut status = Status::Ok;
    let mut last = None;
    let mut epoch = 0;
    while epoch < spec.epochs {
        let logged = epoch % every == 0 || epoch + 1 == spec.epochs;
        // The forward pass, the loss and the gradient, fused block by block.
        let pass = train.pass(&layers, &params, loss, logged, true, opts.parallel);
        let value = pass.loss;
        min_loss = min_loss.min(value);
        if reached_target.is_none() && spec.target_loss.is_some_and(|t| value <= t) {
            reached_target = Some(epoch);
        }
        let diverged = !value.is_finite();
        let is_last = epoch + 1 == spec.epochs || diverged;
        // A diverged epoch off the `every` grid is logged too, with its accuracy like any row.
        let accuracy = if diverged && !logged {
            train
                .pass(&layers, &params, loss, true, false, opts.parallel)
                .accuracy
        } else {
            pass.accuracy
        };
        let row = (logged || diverged).then(|| {
            let tested = test
                .as_mut()
                .map(|t| t.pass(&layers, &params, loss, true, false, opts.parallel));
            EpochRow {
                epoch,
                loss: value,
                accuracy,
                test_loss: tested.map(|t| t.loss),
                test_accuracy: tested.and_then(|t| t.accuracy),
            }
        });
        let flow = on_epoch(epoch, row.as_ref());
        if row.is_some() {
            last = row;
        }
        epoch += 1;
        if diverged {
            status = Status::Diverged { epoch: epoch - 1 };
            break;
        }
        if flow.is_break() && !is_last {
            status = Status::Stopped;
            break;
        }
        for (p, &g) in params.iter_mut().zip(train.grad()) {
            *p -= lr * g;
        }
    }
    let predictions = predict.map_or_else(Vec::new, |rows| {
        let flat: Vec<T> = rows.concat().into_iter().map(T::from_f64).collect();
        network::predict(&layers, &params, &flat, rows.len())
            .chunks(arch.outputs)
            .map(|r| r.iter().map(|v| v.to_f64()).collect())
            .collect()
    });
    Outcome {
        status,
        epochs: epoch,
        last: last.expect("epoch 0 is always logged"),
        min_loss,
        reached_target,
        predictions,
        params: params.iter().map(|v| v.to_f64()).collect(),
    }
}
