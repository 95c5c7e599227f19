//! Loss functions: their value and their gradient with respect to the output layer's
//! pre-activation (the output delta).

use super::{Activation, Real};
use serde::{Deserialize, Serialize};

/// A training loss over all samples and outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `½ Σ (ŷ − y)²`, summed over samples: the tutorials' loss (and the default).
    HalfSse,
    /// `mean (ŷ − y)²` over samples and outputs.
    Mse,
    /// scikit-learn's `squared_error` (`MLPRegressor`): `½ Σ (ŷ − y)² / rows`, summed over
    /// outputs. With one output this is `loss_curve_`; with `k` outputs scikit-learn reports
    /// it divided by `k` but trains on this gradient.
    SquaredError,
    /// Binary cross-entropy `−mean [y ln ŷ + (1 − y) ln(1 − ŷ)]`; needs a sigmoid output.
    /// `ŷ` is clipped to `[ε, 1 − ε]` (machine ε) so a saturated output gives a finite loss.
    Bce,
    /// Categorical cross-entropy `−Σ y ln ŷ / rows` over one-hot class targets; needs a
    /// softmax output. `ŷ` is clipped as for [`Loss::Bce`], as scikit-learn's `log_loss`.
    CrossEntropy,
}

impl Loss {
    /// The loss of predictions `a` against targets `y` (all of them), `outputs` per row.
    pub fn value<T: Real>(self, a: &[T], y: &[T], outputs: usize) -> f64 {
        self.sum(a, y) / self.divisor(a.len() / outputs.max(1), outputs)
    }

    /// The loss summed over some of the values (a block), before division by
    /// [`Loss::divisor`]: blocks' sums add up to the whole sum.
    pub fn sum<T: Real>(self, a: &[T], y: &[T]) -> f64 {
        // Accumulated in f64 whatever T is.
        let pairs = a.iter().zip(y).map(|(a, y)| (a.to_f64(), y.to_f64()));
        let eps = f64::EPSILON;
        match self {
            Loss::HalfSse | Loss::SquaredError => {
                0.5 * pairs.map(|(a, y)| (a - y) * (a - y)).sum::<f64>()
            }
            Loss::Mse => pairs.map(|(a, y)| (a - y) * (a - y)).sum::<f64>(),
            Loss::Bce => -pairs
                .map(|(a, y)| {
                    let a = a.clamp(eps, 1.0 - eps);
                    y * a.ln() + (1.0 - y) * (1.0 - a).ln()
                })
                .sum::<f64>(),
            // scipy's xlogy: a zero target contributes 0.
            Loss::CrossEntropy => -pairs
                .filter(|&(_, y)| y != 0.0)
                .map(|(a, y)| y * a.clamp(eps, 1.0 - eps).ln())
                .sum::<f64>(),
        }
    }

    /// What the summed loss is divided by, for `rows` samples of `outputs` values.
    pub fn divisor(self, rows: usize, outputs: usize) -> f64 {
        match self {
            Loss::HalfSse => 1.0,
            Loss::Mse | Loss::Bce => (rows * outputs) as f64,
            Loss::SquaredError | Loss::CrossEntropy => rows as f64,
        }
    }

    /// Whether the output activation's derivative cancels in the output delta, which is then
    /// `(ŷ − y) / divisor`: sigmoid with BCE, softmax with cross-entropy.
    pub fn cancels_derivative(self) -> bool {
        matches!(self, Loss::Bce | Loss::CrossEntropy)
    }

    /// The fused passes' output delta is `(a − y)` times this, then times the output
    /// activation's derivative — unless it cancels ([`Loss::cancels_derivative`]): 1 for
    /// ½SSE, 2/count for MSE, 1/divisor for the others (`divisor` is [`Loss::divisor`]).
    pub fn delta_factor(self, divisor: f64) -> f64 {
        match self {
            Loss::HalfSse => 1.0,
            Loss::Mse => 2.0 / divisor,
            Loss::SquaredError | Loss::Bce | Loss::CrossEntropy => 1.0 / divisor,
        }
    }

    /// Writes `∂loss/∂z` for the output layer into `delta`, given its activations `a` and the
    /// [`Loss::divisor`] of the whole data set.
    pub fn output_delta<T: Real>(
        self,
        output: Activation,
        a: &[T],
        y: &[T],
        divisor: f64,
        delta: &mut [T],
    ) {
        let it = delta.iter_mut().zip(a.iter().zip(y));
        let factor = T::from_f64(self.delta_factor(divisor));
        match self {
            Loss::HalfSse => it.for_each(|(d, (&a, &y))| *d = a - y),
            // 2(a − y)/count, in that order (the bits of earlier results).
            Loss::Mse => {
                let (two, divisor) = (T::from_f64(2.0), T::from_f64(divisor));
                it.for_each(|(d, (&a, &y))| *d = two * (a - y) / divisor)
            }
            Loss::SquaredError => it.for_each(|(d, (&a, &y))| *d = (a - y) * factor),
            // With a sigmoid output, ∂bce/∂z simplifies to (ŷ − y)/count, and with softmax
            // ∂ce/∂z to (ŷ − y)/rows: no division by ŷ(1 − ŷ), which would blow up as the
            // output saturates.
            Loss::Bce | Loss::CrossEntropy => {
                let divisor = T::from_f64(divisor);
                it.for_each(|(d, (&a, &y))| *d = (a - y) / divisor);
                return;
            }
        }
        output.scale_by_derivative(a, delta);
    }
}
