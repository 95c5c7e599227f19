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
    /// Binary cross-entropy `−mean [y ln ŷ + (1 − y) ln(1 − ŷ)]`; needs a sigmoid output.
    /// `ŷ` is clipped to `[ε, 1 − ε]` (machine ε) so a saturated output gives a finite loss.
    Bce,
}

impl Loss {
    /// The loss of predictions `a` against targets `y` (all of them).
    pub fn value<T: Real>(self, a: &[T], y: &[T]) -> f64 {
        self.sum(a, y) / self.divisor(a.len())
    }

    /// The loss summed over some of the values (a block), before division by
    /// [`Loss::divisor`]: blocks' sums add up to the whole sum.
    pub fn sum<T: Real>(self, a: &[T], y: &[T]) -> f64 {
        // Accumulated in f64 whatever T is.
        let pairs = a.iter().zip(y).map(|(a, y)| (a.to_f64(), y.to_f64()));
        match self {
            Loss::HalfSse => 0.5 * pairs.map(|(a, y)| (a - y) * (a - y)).sum::<f64>(),
            Loss::Mse => pairs.map(|(a, y)| (a - y) * (a - y)).sum::<f64>(),
            Loss::Bce => {
                let eps = f64::EPSILON;
                -pairs
                    .map(|(a, y)| {
                        let a = a.clamp(eps, 1.0 - eps);
                        y * a.ln() + (1.0 - y) * (1.0 - a).ln()
                    })
                    .sum::<f64>()
            }
        }
    }

    /// What the summed loss is divided by when there are `count` values in all.
    pub fn divisor(self, count: usize) -> f64 {
        match self {
            Loss::HalfSse => 1.0,
            Loss::Mse | Loss::Bce => count as f64,
        }
    }

    /// The fused passes' output delta is `(a − y)` times this, then times the output
    /// activation's derivative — except for BCE, whose sigmoid derivative cancels: 1 for ½SSE,
    /// 2/count for MSE, 1/count for BCE (`divisor` is [`Loss::divisor`]).
    pub fn delta_factor(self, divisor: f64) -> f64 {
        match self {
            Loss::HalfSse => 1.0,
            Loss::Mse => 2.0 / divisor,
            Loss::Bce => 1.0 / divisor,
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
        let (two, divisor) = (T::from_f64(2.0), T::from_f64(divisor));
        match self {
            Loss::HalfSse => it.for_each(|(d, (&a, &y))| *d = a - y),
            Loss::Mse => it.for_each(|(d, (&a, &y))| *d = two * (a - y) / divisor),
            // With a sigmoid output, ∂bce/∂z simplifies to (ŷ − y)/count: no division by
            // ŷ(1 − ŷ), which would blow up as the output saturates.
            Loss::Bce => {
                it.for_each(|(d, (&a, &y))| *d = (a - y) / divisor);
                return;
            }
        }
        output.scale_by_derivative(a, delta);
    }
}
