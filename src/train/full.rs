//! Full-batch gradient descent (`optimizer = "gd"`), the tutorials' way: every epoch one
//! forward and backward pass over all training rows, in blocks ([`Blocked`]), then one step.

use super::stopping::Plateau;
use super::{EpochRow, Options, Outcome, Status, TrainSpec};
use crate::data::Loaded;
use crate::network::{Architecture, Real};
use crate::train::blocks::Blocked;
use std::ops::ControlFlow;

/// Trains `arch` from `params` on `data`. `on_epoch` is called after every epoch's forward
/// pass, with the row to log for epochs `0, every, 2·every, …` and the last one; it may stop
/// training by returning `Break`.
pub fn train<T: Real>(
    arch: &Architecture,
    params: Vec<f64>,
    spec: &TrainSpec,
    data: &Loaded,
    opts: Options,
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

    let mut track = super::Tracker::new();
    let mut status = Status::Ok;
    let mut plateau = spec.stop.map(Plateau::new);
    let (alpha, rows) = (spec.alpha, data.train.rows as f64);
    let mut epoch = 0;
    while epoch < spec.epochs {
        let logged = epoch % every == 0 || epoch + 1 == spec.epochs;
        // The forward pass, the loss and the gradient, fused block by block.
        let pass = train.pass(&layers, &params, loss, logged, true, opts.parallel);
        let value = if alpha > 0.0 {
            // The L2 term over all rows, as scikit-learn adds it to a batch's loss.
            pass.loss + alpha * super::half_squared_weights(&layers, &params) / rows
        } else {
            pass.loss
        };
        // scikit-learn's rule, on the training loss: decided now, so the row is logged.
        let converged = plateau.as_mut().is_some_and(|p| p.stalls(value));
        track.saw(spec, epoch, value);
        let diverged = !value.is_finite();
        let is_last = epoch + 1 == spec.epochs || diverged || converged;
        // A diverged epoch off the `every` grid is logged too, with its accuracy like any row.
        let accuracy = if (diverged || converged) && !logged {
            train
                .pass(&layers, &params, loss, true, false, opts.parallel)
                .accuracy
        } else {
            pass.accuracy
        };
        let row = (logged || diverged || converged).then(|| {
            let (test_loss, test_accuracy) =
                super::tested(&mut test, &layers, &params, loss, opts.parallel);
            EpochRow {
                epoch,
                loss: value,
                accuracy,
                test_loss,
                test_accuracy,
                validation_score: None,
            }
        });
        let flow = track.log(epoch, row, &mut on_epoch);
        epoch += 1;
        if diverged {
            status = Status::Diverged { epoch: epoch - 1 };
            break;
        }
        if flow.is_break() && !is_last {
            status = Status::Stopped;
            break;
        }
        if alpha > 0.0 {
            super::add_l2(&layers, &params, train.grad_mut(), alpha / rows);
        }
        for (p, &g) in params.iter_mut().zip(train.grad()) {
            *p -= lr * g;
        }
        if converged {
            status = Status::Converged { epoch: epoch - 1 };
            break;
        }
    }
    track.outcome(status, epoch, &params)
}
