//! scikit-learn's `_fit_stochastic`, step for step: the validation rows split off, then per
//! epoch the rows shuffled, cut into batches, and one optimizer step per batch. A batch's
//! rows are gathered into buffers allocated once; a step allocates nothing.

use super::epoch::{Epochs, Next, Seen};
use super::optimizer::Solver;
use super::stopping::{self, Plateau};
use super::{EpochRow, Outcome, Run, Status};
use crate::data::Dataset;
use crate::network::fused::Padded;
use crate::network::{self, correct, Block, Fused, FusedPass, Loss, Real, Workspace};
use crate::rng::RandomState;
use crate::train::blocks::Blocked;
use faer::Accum;
use std::ops::ControlFlow;

/// A batch's samples, gathered from the training rows: `x` column-major, `xt` its transpose
/// (row-major `x`), `y` column-major.
struct Batch<T> {
    x: Vec<T>,
    xt: Vec<T>,
    y: Vec<T>,
}

impl<T: Real> Batch<T> {
    fn new(capacity: usize, d: &Dataset) -> Self {
        Self {
            x: vec![T::default(); capacity * d.inputs],
            xt: vec![T::default(); capacity * d.inputs],
            y: vec![T::default(); capacity * d.outputs],
        }
    }

    /// Gathers rows `idx` of `d` (`x`, `y` row-major, already in `T`).
    fn gather(&mut self, idx: &[usize], x: &[T], y: &[T], d: &Dataset) -> Block<'_, T> {
        let (m, ni, no) = (idx.len(), d.inputs, d.outputs);
        for (r, &i) in idx.iter().enumerate() {
            let row = &x[i * ni..(i + 1) * ni];
            self.xt[r * ni..(r + 1) * ni].copy_from_slice(row);
            for (j, &v) in row.iter().enumerate() {
                self.x[j * m + r] = v;
            }
            for j in 0..no {
                self.y[j * m + r] = y[i * no + j];
            }
        }
        Block {
            x: &self.x[..m * ni],
            xt: &self.xt[..m * ni],
            y: &self.y[..m * no],
            rows: m,
        }
    }
}

/// Trains `run` (with `sgd` or `adam`) from `params`, splitting and shuffling with `rng`.
pub fn train<T: Real>(
    run: &Run,
    params: Vec<f64>,
    mut rng: RandomState,
    on_epoch: impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()>,
) -> Outcome {
    let Run {
        arch,
        spec,
        data,
        opts,
        ..
    } = *run;
    let layers = arch.layers();
    let mut params: Vec<T> = params.into_iter().map(T::from_f64).collect();
    let loss = spec.loss;
    let classes = data.train.is_classification();
    // Early stopping: the validation rows leave the training rows first.
    let (train, validation) = match spec.validation_fraction {
        None => (data.train.clone(), None),
        Some(fraction) => {
            let labels = (loss == Loss::Bce && data.train.outputs == 1).then(|| {
                data.train
                    .y
                    .iter()
                    .map(|&v| usize::from(v >= 0.5))
                    .collect::<Vec<_>>()
            });
            let (t, v) =
                stopping::validation_split(data.train.rows, fraction, labels.as_deref(), &mut rng);
            (data.train.select(&t), Some(data.train.select(&v)))
        }
    };
    let n = train.rows;
    let batch = spec.batch_size.unwrap_or(200).clamp(1, n.max(1));
    let cast = |v: &[f64]| v.iter().map(|&v| T::from_f64(v)).collect::<Vec<T>>();
    let (x, y) = (cast(&train.x), cast(&train.y));
    let mut buf = Batch::new(batch, &train);
    // The fused pass where the shape has one (f64): forward, loss and backward in one
    // dispatch, on the batch copied into padded columns.
    let fused = Fused::choose(&layers).filter(|_| T::FUSED);
    let mut ws = match fused {
        Some(f) => f.workspace(&layers, batch),
        None => Workspace::<T>::new(&layers, batch),
    };
    let mut scratch = vec![T::default(); fused.map_or(0, |f| f.scratch_len(&layers, params.len()))];
    let mut padded = fused.map(|_| {
        let idx: Vec<usize> = (0..batch).collect();
        Padded::new(buf.gather(&idx, &x, &y, &train))
    });
    let mut grad = vec![T::default(); params.len()];
    let mut order: Vec<usize> = (0..n).collect();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut opt = Solver::<T>::new(spec.method, spec.schedule, spec.learning_rate, params.len());
    let mut plateau = spec.stop.map(Plateau::new);
    let test = data
        .test
        .as_ref()
        .map(|t| Blocked::<T>::new(t, &layers, 0, false, opts.threads()));
    // Scored as scikit-learn's classifiers (accuracy) or regressors (R²) score.
    let classifier = loss.cancels_derivative();
    let mut scorer = validation
        .as_ref()
        .map(|v| Scorer::new(v, &layers, classifier));
    let mut best = params.clone();
    let total = loss.divisor(n, train.outputs);

    let mut ends = Epochs::new(spec, opts, &layers, test, &params, on_epoch);
    let (mut status, mut epoch) = (Status::Ok, 0);
    while epoch < spec.epochs {
        if spec.shuffle {
            // `sample_idx = shuffle(sample_idx, random_state)`: a fresh permutation, composed.
            perm.iter_mut().enumerate().for_each(|(i, p)| *p = i);
            rng.shuffle(&mut perm);
            for p in perm.iter_mut() {
                *p = order[*p];
            }
            std::mem::swap(&mut order, &mut perm);
        }
        let (mut sum, mut right) = (0.0, 0usize);
        for start in (0..n).step_by(batch) {
            let idx = &order[start..(start + batch).min(n)];
            let m = idx.len();
            let block = buf.gather(idx, &x, &y, &train);
            let divisor = loss.divisor(m, train.outputs);
            let sum_here = match (fused, &mut padded) {
                (Some(kind), Some(p)) => {
                    p.refill(block);
                    T::fused_pass(
                        kind,
                        FusedPass {
                            layers: &layers,
                            params: &params,
                            block: p,
                            loss,
                            divisor,
                            ws: &mut ws,
                            grad: &mut grad,
                            accum: Accum::Replace,
                            scratch: &mut scratch,
                        },
                    )
                }
                _ => None,
            };
            let sum_here = sum_here.unwrap_or_else(|| {
                network::forward(&layers, &params, block.x, m, &mut ws);
                let s = loss.sum(ws.output(m), block.y);
                network::backward(
                    &layers,
                    &params,
                    block,
                    (loss, divisor),
                    &mut ws,
                    &mut grad,
                    Accum::Replace,
                );
                s
            });
            let mut value = sum_here / divisor;
            if spec.alpha > 0.0 {
                value += spec.alpha * super::half_squared_weights(&layers, &params) / m as f64;
            }
            // Weighted by the batch's share of the epoch's divisor: its rows, for a mean.
            sum += value * divisor;
            if classes {
                right += correct(ws.output(m), &buf.y[..m * train.outputs], m);
            }
            if spec.alpha > 0.0 {
                super::add_l2(&layers, &params, &mut grad, spec.alpha / m as f64);
            }
            opt.step(&mut params, &grad);
        }
        let value = sum / total;
        opt.epoch_ends((epoch as u64 + 1) * n as u64);
        let score = scorer.as_mut().map(|s| s.score(&layers, &params));
        let stalled = match (&mut plateau, score) {
            (None, _) => false,
            (Some(p), None) => p.stalls(value),
            (Some(p), Some(s)) => {
                let (better, fired) = p.scored(s);
                if better {
                    best.copy_from_slice(&params);
                }
                fired
            }
        };
        let converged = stalled && {
            let stop = opt.stalled();
            if !stop {
                plateau.as_mut().expect("stalled").reset();
            }
            stop
        };
        let seen = Seen {
            epoch,
            loss: value,
            converged,
            score,
        };
        let next = ends.end(seen, &params, |_| classes.then(|| right as f64 / n as f64));
        epoch += 1;
        if let Next::Stop(s) = next {
            status = s;
            break;
        }
    }
    if scorer.is_some() {
        // Early stopping keeps the best-scoring weights, as scikit-learn restores them, and
        // the run's numbers are the saved model's, as scikit-learn scores its restored weights.
        params = best;
        let accuracy = classes.then(|| accuracy_at(&layers, &params, &train));
        ends.restored(&params, accuracy);
    }
    ends.outcome(status, epoch, &params)
}

/// The share of `d`'s rows that `params` classifies right (rows a few thousand at a time).
fn accuracy_at<T: Real>(layers: &[network::LayerShape], params: &[T], d: &Dataset) -> f64 {
    let x: Vec<T> = d.x.iter().map(|&v| T::from_f64(v)).collect();
    let out = network::predict(layers, params, &x, d.rows);
    let a = network::transpose(&out, d.rows, d.outputs);
    let y: Vec<T> = network::transpose(&d.y, d.rows, d.outputs)
        .into_iter()
        .map(T::from_f64)
        .collect();
    correct(&a, &y, d.rows) as f64 / d.rows as f64
}

/// Scores the validation rows after an epoch: accuracy for classes, else R².
struct Scorer<T> {
    x: Vec<T>,
    y: Vec<f64>,
    /// The outputs in f64 (allocated once).
    out: Vec<f64>,
    rows: usize,
    classes: bool,
    ws: Workspace<T>,
}

impl<T: Real> Scorer<T> {
    fn new(d: &Dataset, layers: &[network::LayerShape], classes: bool) -> Self {
        let x = network::transpose(&d.x, d.rows, d.inputs);
        Self {
            x: x.into_iter().map(T::from_f64).collect(),
            y: network::transpose(&d.y, d.rows, d.outputs),
            out: vec![0.0; d.rows * d.outputs],
            rows: d.rows,
            classes,
            ws: Workspace::new(layers, d.rows),
        }
    }

    fn score(&mut self, layers: &[network::LayerShape], params: &[T]) -> f64 {
        network::forward(layers, params, &self.x, self.rows, &mut self.ws);
        for (o, v) in self.out.iter_mut().zip(self.ws.output(self.rows)) {
            *o = v.to_f64();
        }
        // scikit-learn scores non-finite predictions as NaN.
        if self.out.iter().any(|v| !v.is_finite()) {
            return f64::NAN;
        }
        if self.classes {
            correct(&self.out, &self.y, self.rows) as f64 / self.rows as f64
        } else {
            stopping::r2(&self.out, &self.y, self.rows)
        }
    }
}
