//! Full-batch gradient descent (`optimizer = "gd"`), the tutorials' way: every epoch one
//! forward and backward pass over all training rows, in blocks ([`Blocked`]), then one step.

use super::blocks::{Blocked, Gradient, Measure};
use super::epoch::{Epochs, Next, Seen};
use super::stopping::Plateau;
use super::{Outcome, Run, Status};
use crate::network::Real;

/// Trains `run` (with `gd`) from `params`: per epoch one pass forward and backward, then one
/// step, the epoch's loss that of the weights before the step.
pub fn train<T: Real>(
    run: &Run,
    params: Vec<f64>,
    on_epoch: impl FnMut(usize, Option<&super::EpochRow>) -> std::ops::ControlFlow<()>,
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
    let n_params = params.len();
    let threads = opts.threads();
    let mut train = Blocked::<T>::new(&data.train, &layers, n_params, true, threads);
    let test = data
        .test
        .as_ref()
        .map(|t| Blocked::<T>::new(t, &layers, 0, false, threads));
    let mut ends = Epochs::new(spec, opts, &layers, test, &params, on_epoch);
    let loss = spec.loss;
    let lr = T::from_f64(spec.learning_rate);

    let mut status = Status::Ok;
    let mut plateau = spec.stop.map(Plateau::new);
    let (alpha, rows) = (spec.alpha, data.train.rows as f64);
    let mut epoch = 0;
    while epoch < spec.epochs {
        let measure = if ends.logs(epoch) {
            Measure::LossAndAccuracy
        } else {
            Measure::Loss
        };
        // The forward pass, the loss and the gradient, fused block by block.
        let pass = train.pass(
            &layers,
            &params,
            loss,
            measure,
            Gradient::Compute,
            opts.spread,
        );
        let value = if alpha > 0.0 {
            // The L2 term over all rows, as scikit-learn adds it to a batch's loss.
            pass.loss + alpha * super::half_squared_weights(&layers, &params) / rows
        } else {
            pass.loss
        };
        // scikit-learn's rule, on the training loss: decided now, so the row is logged.
        let converged = plateau.as_mut().is_some_and(|p| p.stalls(value));
        let seen = Seen {
            epoch,
            loss: value,
            converged,
            score: None,
        };
        let next = ends.end(seen, &params, |on_grid| {
            if on_grid {
                pass.accuracy
            } else {
                // An epoch logged off the grid: its accuracy, as any row has.
                let (m, g) = (Measure::LossAndAccuracy, Gradient::Skip);
                train
                    .pass(&layers, &params, loss, m, g, opts.spread)
                    .accuracy
            }
        });
        epoch += 1;
        match next {
            // A converged epoch still takes the step its pass computed.
            Next::Go | Next::Stop(Status::Converged { .. }) => {}
            Next::Stop(s) => {
                status = s;
                break;
            }
        }
        if alpha > 0.0 {
            super::add_l2(&layers, &params, train.grad_mut(), alpha / rows);
        }
        for (p, &g) in params.iter_mut().zip(train.grad()) {
            *p -= lr * g;
        }
        ends.keep(epoch - 1, &params, next != Next::Go);
        if let Next::Stop(s) = next {
            status = s;
            break;
        }
    }
    ends.outcome(status, epoch, &params)
}
