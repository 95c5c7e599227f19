//! Training one run: full-batch gradient descent over preallocated buffers. Training prints
//! nothing; it reports each logged epoch through a callback, which may stop it.

use crate::data::{Dataset, Loaded};
use crate::network::{self, accuracy, Architecture, LayerShape, Loss, Workspace};
use std::ops::ControlFlow;

/// The validated `[train]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSpec {
    pub loss: Loss,
    pub learning_rate: f64,
    pub epochs: usize,
    /// A loss to report reaching (the first epoch at or below it).
    pub target_loss: Option<f64>,
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
}

/// A held-out or prediction set, column-major, with its workspace.
struct Eval {
    x: Vec<f64>,
    y: Vec<f64>,
    ws: Workspace,
    classes: bool,
}

impl Eval {
    fn new(d: &Dataset, layers: &[LayerShape]) -> Self {
        Self {
            x: network::transpose(&d.x, d.rows, d.inputs),
            y: network::transpose(&d.y, d.rows, d.outputs),
            ws: Workspace::new(layers, d.rows),
            classes: d.is_classification(),
        }
    }

    /// Forward pass and loss.
    fn loss(&mut self, layers: &[LayerShape], params: &[f64], loss: Loss) -> f64 {
        network::forward(layers, params, &self.x, &mut self.ws);
        loss.value(self.ws.output(), &self.y)
    }

    /// Accuracy of the last forward pass, when the targets are classes.
    fn accuracy(&self) -> Option<f64> {
        self.classes
            .then(|| accuracy(self.ws.output(), &self.y, self.ws.rows))
    }
}

/// Trains `arch` from `params` on `data`. `on_epoch` is called after every epoch's forward
/// pass, with the row to log for epochs `0, every, 2·every, …` and the last one; it may stop
/// training by returning `Break`.
pub fn train(
    arch: &Architecture,
    mut params: Vec<f64>,
    spec: &TrainSpec,
    data: &Loaded,
    every: usize,
    predict: Option<&[Vec<f64>]>,
    mut on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    let layers = arch.layers();
    let mut train = Eval::new(&data.train, &layers);
    let xt = data.train.x.clone(); // row-major X is column-major Xᵀ
    let mut test = data.test.as_ref().map(|t| Eval::new(t, &layers));
    let mut grad = vec![0.0; params.len()];
    let (loss, lr) = (spec.loss, spec.learning_rate);

    let mut min_loss = f64::INFINITY;
    let mut reached_target = None;
    let mut status = Status::Ok;
    let mut last = None;
    let mut epoch = 0;
    while epoch < spec.epochs {
        let value = train.loss(&layers, &params, loss);
        min_loss = min_loss.min(value);
        if reached_target.is_none() && spec.target_loss.is_some_and(|t| value <= t) {
            reached_target = Some(epoch);
        }
        let diverged = !value.is_finite();
        let is_last = epoch + 1 == spec.epochs || diverged;
        let row = (epoch % every == 0 || is_last).then(|| {
            let (test_loss, test_accuracy) = match test.as_mut() {
                Some(t) => (Some(t.loss(&layers, &params, loss)), t.accuracy()),
                None => (None, None),
            };
            EpochRow {
                epoch,
                loss: value,
                accuracy: train.accuracy(),
                test_loss,
                test_accuracy,
            }
        });
        let flow = on_epoch(epoch, row.as_ref());
        if row.is_some() {
            last = row;
        }
        if flow.is_break() && !is_last {
            status = Status::Stopped;
            epoch += 1;
            break;
        }
        epoch += 1;
        if diverged {
            status = Status::Diverged { epoch: epoch - 1 };
            break;
        }
        network::backward(
            &layers,
            &params,
            &xt,
            &train.y,
            loss,
            &mut train.ws,
            &mut grad,
        );
        for (p, g) in params.iter_mut().zip(&grad) {
            *p -= lr * g;
        }
    }
    let predictions = predict.map_or_else(Vec::new, |rows| {
        let d = Dataset::new(
            rows.concat(),
            vec![0.0; rows.len() * arch.outputs],
            rows.len(),
            arch.inputs,
            arch.outputs,
        );
        let mut eval = Eval::new(&d, &layers);
        network::forward(&layers, &params, &eval.x, &mut eval.ws);
        let out = network::transpose(eval.ws.output(), arch.outputs, rows.len());
        out.chunks(arch.outputs).map(<[f64]>::to_vec).collect()
    });
    Outcome {
        status,
        epochs: epoch,
        last: last.unwrap_or(EpochRow {
            epoch: 0,
            loss: f64::NAN,
            accuracy: None,
            test_loss: None,
            test_accuracy: None,
        }),
        min_loss,
        reached_target,
        predictions,
    }
}
