//! Input scaling, fitted on the training rows only and applied to every other row (test,
//! validation, `[predict]`), as a scikit-learn pipeline `StandardScaler` / `MinMaxScaler`
//! then `MLPClassifier` would, with scikit-learn's arithmetic.
//!
//! A mean, a variance and a range per column, by hand: the equality with scikit-learn depends
//! on its exact formulas (population variance, a zero scale read as 1).

use serde::{Deserialize, Serialize};

/// `[data] scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// The inputs as given.
    #[default]
    None,
    /// `(x − mean) / std` per input (population std; a constant input is only centred).
    Standard,
    /// `x · s + m` with `s = 1 / (max − min)`, `m = −min · s`, mapping the training range onto
    /// [0, 1] (a constant input gets `s = 1`).
    Minmax,
}

/// A fitted scaler. Written into the weights' metadata as `{"kind": "standard", "mean": […],
/// "scale": […]}` (`(x − mean) / scale`) or `{"kind": "minmax", "scale": […], "min": […]}`
/// (`x · scale + min`), so that a reader scales new inputs as training did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scaler {
    Standard {
        mean: Vec<f64>,
        scale: Vec<f64>,
    },
    #[serde(rename = "minmax")]
    MinMax {
        scale: Vec<f64>,
        min: Vec<f64>,
    },
}

impl Scaler {
    /// Fits `kind` on row-major `x` (`rows x inputs`); `None` for [`Scale::None`].
    pub fn fit(kind: Scale, x: &[f64], rows: usize, inputs: usize) -> Option<Self> {
        let column = |j: usize| (0..rows).map(move |i| x[i * inputs + j]);
        // `_handle_zeros_in_scale`: a zero scale (constant input) becomes 1.
        let nonzero = |s: f64| if s == 0.0 { 1.0 } else { s };
        match kind {
            Scale::None => None,
            Scale::Standard => {
                let n = rows as f64;
                let mean: Vec<f64> = (0..inputs).map(|j| column(j).sum::<f64>() / n).collect();
                let scale = (0..inputs)
                    .map(|j| {
                        let var = column(j).map(|v| (v - mean[j]).powi(2)).sum::<f64>() / n;
                        nonzero(var.sqrt())
                    })
                    .collect();
                Some(Scaler::Standard { mean, scale })
            }
            Scale::Minmax => {
                let (mut scale, mut min) = (Vec::new(), Vec::new());
                for j in 0..inputs {
                    let lo = column(j).fold(f64::INFINITY, f64::min);
                    let hi = column(j).fold(f64::NEG_INFINITY, f64::max);
                    let s = 1.0 / nonzero(hi - lo);
                    scale.push(s);
                    min.push(0.0 - lo * s);
                }
                Some(Scaler::MinMax { scale, min })
            }
        }
    }

    /// Scales row-major `x` in place (its width is the fitted inputs').
    pub fn apply(&self, x: &mut [f64]) {
        match self {
            Scaler::Standard { mean, scale } => {
                for row in x.chunks_exact_mut(mean.len()) {
                    for ((v, m), s) in row.iter_mut().zip(mean).zip(scale) {
                        *v = (*v - m) / s;
                    }
                }
            }
            Scaler::MinMax { scale, min } => {
                for row in x.chunks_exact_mut(scale.len()) {
                    for ((v, s), m) in row.iter_mut().zip(scale).zip(min) {
                        *v = *v * s + m;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_centres_and_scales_and_minmax_maps_onto_the_unit_interval() {
        let x = [1.0, 5.0, 3.0, 5.0, 5.0, 5.0];
        let mut s = x;
        Scaler::fit(Scale::Standard, &x, 3, 2)
            .unwrap()
            .apply(&mut s);
        let var = (4.0 + 0.0 + 4.0) / 3.0_f64;
        assert_eq!(s, [-2.0 / var.sqrt(), 0.0, 0.0, 0.0, 2.0 / var.sqrt(), 0.0]);
        let mut m = x;
        Scaler::fit(Scale::Minmax, &x, 3, 2).unwrap().apply(&mut m);
        assert_eq!(m, [0.0, 0.0, 0.5, 0.0, 1.0, 0.0]);
        assert!(Scaler::fit(Scale::None, &x, 3, 2).is_none());
    }
}
