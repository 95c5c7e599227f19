//! Full-batch gradient descent (`optimizer = "gd"`), the tutorials' way: every epoch one
//! forward and backward pass over all training rows, in blocks ([`Blocked`]), then one step.
//!
//! A run's epochs are a [`Descent`]: what happens between two passes. A run alone makes its
//! passes with [`Blocked`] ([`train`]); a lockstep group makes one pass for all its members
//! and ends each member's epoch with the same [`Descent`] code ([`super::lockstep`]).

use super::blocks::{Blocked, Gradient, Measure, PassResult};
use super::epoch::{Epochs, Next, Seen};
use super::stopping::Plateau;
use super::{EpochRow, Outcome, Run, Status, TrainSpec};
use crate::network::{LayerShape, Real};
use std::ops::ControlFlow;

/// Trains `run` (with `gd`) from `params`: per epoch one pass forward and backward, then one
/// step, the epoch's loss that of the weights before the step.
pub fn train<T: Real>(
    run: &Run,
    params: Vec<f64>,
    on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    let layers = run.arch.layers();
    let mut d = Descent::<T, _>::new(run, &layers, params, on_epoch);
    alone(&mut d, run, &layers);
    d.outcome()
}

/// Trains `d`'s epochs left with passes of its own (a run alone, or a lockstep member that
/// goes on alone).
pub(super) fn alone<T: Real, F>(d: &mut Descent<'_, T, F>, run: &Run, layers: &[LayerShape])
where
    F: FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
{
    let Run { data, opts, .. } = *run;
    let threads = opts.threads();
    let mut train = Blocked::<T>::new(&data.train, layers, d.params().len(), true, threads);
    let loss = run.spec.loss;
    while !d.done() {
        // The forward pass, the loss and the gradient, fused block by block.
        let (m, g) = (d.measure(), Gradient::Compute);
        let pass = train.pass(layers, d.params(), loss, m, g, opts.spread);
        let next = d.end(pass, |params| {
            // An epoch logged off the grid: its accuracy, as any row has.
            let (m, g) = (Measure::LossAndAccuracy, Gradient::Skip);
            train.pass(layers, params, loss, m, g, opts.spread).accuracy
        });
        if d.step(next, train.grad_mut()).is_break() {
            break;
        }
    }
}

/// One full-batch run between passes: its weights, its epoch ends and its stopping rule.
pub(super) struct Descent<'a, T, F> {
    spec: &'a TrainSpec,
    layers: &'a [LayerShape],
    ends: Epochs<'a, T, F>,
    plateau: Option<Plateau>,
    params: Vec<T>,
    lr: T,
    /// The training rows, for the L2 term.
    rows: f64,
    /// The epoch the next pass is for.
    epoch: usize,
    status: Status,
    stopped: bool,
}

impl<'a, T: Real, F> Descent<'a, T, F>
where
    F: FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
{
    pub fn new(run: &Run<'a>, layers: &'a [LayerShape], params: Vec<f64>, on_epoch: F) -> Self {
        let Run {
            spec, data, opts, ..
        } = *run;
        let params: Vec<T> = params.into_iter().map(T::from_f64).collect();
        let threads = opts.threads();
        let test = data
            .test
            .as_ref()
            .map(|t| Blocked::<T>::new(t, layers, 0, false, threads));
        Self {
            spec,
            layers,
            ends: Epochs::new(spec, opts, layers, test, &params, on_epoch),
            plateau: spec.stop.map(Plateau::new),
            params,
            lr: T::from_f64(spec.learning_rate),
            rows: data.train.rows as f64,
            epoch: 0,
            status: Status::Ok,
            stopped: false,
        }
    }

    /// Whether training has ended: every epoch done, or stopped.
    pub fn done(&self) -> bool {
        self.stopped || self.epoch >= self.spec.epochs
    }

    /// What the next pass measures.
    pub fn measure(&self) -> Measure {
        if self.ends.logs(self.epoch) {
            Measure::LossAndAccuracy
        } else {
            Measure::Loss
        }
    }

    /// The weights the next pass is at.
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// Ends the epoch whose pass gave `pass`: its loss with the L2 term, the stopping rule,
    /// the row. `accuracy(params)` gives the training accuracy of an epoch logged off the
    /// logging grid (diverged or converged), which the pass did not measure.
    pub fn end(&mut self, pass: PassResult, accuracy: impl FnOnce(&[T]) -> Option<f64>) -> Next {
        let alpha = self.spec.alpha;
        let value = if alpha > 0.0 {
            // The L2 term over all rows, as scikit-learn adds it to a batch's loss.
            pass.loss + alpha * super::half_squared_weights(self.layers, &self.params) / self.rows
        } else {
            pass.loss
        };
        // scikit-learn's rule, on the training loss: decided now, so the row is logged.
        let converged = self.plateau.as_mut().is_some_and(|p| p.stalls(value));
        let seen = Seen {
            epoch: self.epoch,
            loss: value,
            converged,
            score: None,
        };
        let params = &self.params;
        let next = self.ends.end(seen, params, |on_grid| {
            if on_grid {
                pass.accuracy
            } else {
                accuracy(params)
            }
        });
        self.epoch += 1;
        next
    }

    /// Takes the step of the pass's gradient `grad` (the L2 term's added to it in place),
    /// unless `next` stops training first; `Break` once training has ended.
    pub fn step(&mut self, next: Next, grad: &mut [T]) -> ControlFlow<()> {
        match next {
            // A converged epoch still takes the step its pass computed.
            Next::Go | Next::Stop(Status::Converged { .. }) => {}
            Next::Stop(s) => {
                self.status = s;
                self.stopped = true;
                return ControlFlow::Break(());
            }
        }
        let alpha = self.spec.alpha;
        if alpha > 0.0 {
            super::add_l2(self.layers, &self.params, grad, alpha / self.rows);
        }
        for (p, &g) in self.params.iter_mut().zip(&*grad) {
            *p -= self.lr * g;
        }
        self.ends
            .keep(self.epoch - 1, &self.params, next != Next::Go);
        if let Next::Stop(s) = next {
            self.status = s;
            self.stopped = true;
            return ControlFlow::Break(());
        }
        if self.done() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// The run's outcome, once [`Descent::done`].
    pub fn outcome(self) -> Outcome {
        self.ends.outcome(self.status, self.epoch, &self.params)
    }
}
