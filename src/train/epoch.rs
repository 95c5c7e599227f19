//! The end of an epoch, shared by both loops: the running summaries (over every epoch, logged
//! or not), whether the epoch is logged, the test pass, the row handed to the callback, and
//! whether training goes on.

use super::blocks::{Blocked, Gradient, Measure};
use super::{EpochRow, Options, Outcome, Status, TrainSpec};
use crate::network::{LayerShape, Real};
use std::ops::ControlFlow;

/// What an epoch's end decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    Go,
    /// Training ends with this status (never [`Status::Ok`]).
    Stop(Status),
}

/// One run's epoch ends, with its callback.
pub(super) struct Epochs<'a, T, F> {
    spec: &'a TrainSpec,
    opts: Options,
    layers: &'a [LayerShape],
    /// The test rows, when there are any.
    test: Option<Blocked<T>>,
    min_loss: f64,
    reached_target: Option<usize>,
    last: Option<EpochRow>,
    on_epoch: F,
    /// The epochs to keep the weights of, and those kept.
    wanted: Vec<usize>,
    snapshots: Vec<(usize, Vec<f64>)>,
    /// With snapshots: the weights the epoch started from, and each logged epoch's update
    /// size per layer.
    before: Vec<f64>,
    updates: Vec<(usize, Vec<f64>)>,
}

/// An epoch as its loop saw it.
pub(super) struct Seen {
    pub epoch: usize,
    /// The training loss.
    pub loss: f64,
    /// The stopping rule fired (and the solver agrees to stop).
    pub converged: bool,
    /// Early stopping's validation score.
    pub score: Option<f64>,
}

impl<'a, T: Real, F> Epochs<'a, T, F>
where
    F: FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
{
    pub fn new(
        spec: &'a TrainSpec,
        opts: Options,
        layers: &'a [LayerShape],
        test: Option<Blocked<T>>,
        initial: &[T],
        on_epoch: F,
    ) -> Self {
        Self {
            spec,
            opts,
            layers,
            test,
            min_loss: f64::INFINITY,
            reached_target: None,
            last: None,
            on_epoch,
            wanted: if opts.snapshots {
                super::snapshot_epochs(spec.epochs)
            } else {
                Vec::new()
            },
            snapshots: Vec::new(),
            before: if opts.snapshots {
                initial.iter().map(|v| v.to_f64()).collect()
            } else {
                Vec::new()
            },
            updates: Vec::new(),
        }
    }

    /// Whether `epoch` is on the logging grid.
    pub fn logs(&self, epoch: usize) -> bool {
        self.opts.logs(epoch, self.spec.epochs)
    }

    /// Ends epoch `seen.epoch` at weights `params`. A diverged or converged epoch is logged
    /// even off the grid; `accuracy(on_grid)` gives the training accuracy of a logged row.
    pub fn end(
        &mut self,
        seen: Seen,
        params: &[T],
        accuracy: impl FnOnce(bool) -> Option<f64>,
    ) -> Next {
        let Seen {
            epoch,
            loss,
            converged,
            score,
        } = seen;
        self.min_loss = self.min_loss.min(loss);
        if self.reached_target.is_none() && self.spec.target_loss.is_some_and(|t| loss <= t) {
            self.reached_target = Some(epoch);
        }
        let diverged = !loss.is_finite();
        let on_grid = self.logs(epoch);
        let is_last = epoch + 1 == self.spec.epochs || diverged || converged;
        let row = (on_grid || diverged || converged).then(|| {
            let (test_loss, test_accuracy) = self.tested(params);
            EpochRow {
                epoch,
                loss,
                accuracy: accuracy(on_grid),
                test_loss,
                test_accuracy,
                validation_score: score,
            }
        });
        // Full-batch steps come after the epoch's end: that loop keeps its own.
        if !diverged && self.spec.method != super::Method::Gd {
            self.keep(epoch, params, converged);
        }
        let flow = (self.on_epoch)(epoch, row.as_ref());
        if row.is_some() {
            self.last = row;
        }
        if diverged {
            Next::Stop(Status::Diverged { epoch })
        } else if converged {
            Next::Stop(Status::Converged { epoch })
        } else if flow.is_break() && !is_last {
            Next::Stop(Status::Stopped)
        } else {
            Next::Go
        }
    }

    /// Keeps `params` as the weights at the end of `epoch` when it is a snapshot's epoch, or
    /// when training stops there (`last`).
    /// With snapshots on, also measures the epoch's update of each layer (on the logging grid).
    pub fn keep(&mut self, epoch: usize, params: &[T], last: bool) {
        if !self.opts.snapshots {
            return;
        }
        if self.wanted.contains(&epoch) || last {
            self.snapshots
                .push((epoch, params.iter().map(|v| v.to_f64()).collect()));
        }
        if self.logs(epoch) || last {
            let sizes = self
                .layers
                .iter()
                .map(|l| update_size(l, &self.before, params))
                .collect();
            self.updates.push((epoch, sizes));
        }
        for (b, p) in self.before.iter_mut().zip(params) {
            *b = p.to_f64();
        }
    }

    /// The test rows' loss and accuracy at `params`, when there are test rows.
    fn tested(&mut self, params: &[T]) -> (Option<f64>, Option<f64>) {
        let (layers, loss, spread) = (self.layers, self.spec.loss, self.opts.spread);
        let t = self.test.as_mut().map(|t| {
            t.pass(
                layers,
                params,
                loss,
                Measure::LossAndAccuracy,
                Gradient::Skip,
                spread,
            )
        });
        (t.map(|t| t.loss), t.and_then(|t| t.accuracy))
    }

    /// The weights are restored to `params` (early stopping's best): the run's final
    /// training accuracy (`accuracy`, given), test loss and test accuracy become theirs. The
    /// last logged row, already written, and the training loss stay the last epoch's.
    pub fn restored(&mut self, params: &[T], accuracy: Option<f64>) {
        let (test_loss, test_accuracy) = self.tested(params);
        if let Some(last) = &mut self.last {
            last.accuracy = accuracy;
            last.test_loss = test_loss;
            last.test_accuracy = test_accuracy;
        }
    }

    /// The run's outcome after `epochs` epochs, at weights `params`.
    pub fn outcome(self, status: Status, epochs: usize, params: &[T]) -> Outcome {
        Outcome {
            status,
            epochs,
            last: self.last.expect("epoch 0 is always logged"),
            min_loss: self.min_loss,
            reached_target: self.reached_target,
            predictions: Vec::new(),
            params: params.iter().map(|v| v.to_f64()).collect(),
            snapshots: self.snapshots,
            updates: self.updates,
        }
    }
}

/// The size of one epoch's change to a layer's weights (biases left out), relative to the
/// weights: `‖W_after − W_before‖ / ‖W_before‖` (Frobenius norms; 0 for all-zero weights).
fn update_size<T: Real>(layer: &LayerShape, before: &[f64], after: &[T]) -> f64 {
    let range = layer.w..layer.w + layer.fan_in * layer.fan_out;
    let (mut change, mut size) = (0.0, 0.0);
    for (b, a) in before[range.clone()].iter().zip(&after[range]) {
        change += (a.to_f64() - b) * (a.to_f64() - b);
        size += b * b;
    }
    if size > 0.0 {
        (change / size).sqrt()
    } else {
        0.0
    }
}
