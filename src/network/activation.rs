//! Activation functions, applied in place, and their derivatives taken from the stored
//! activations (σ' = a(1−a), tanh' = 1−a²), so the backward pass never recomputes an exp.

use super::Real;
use serde::{Deserialize, Serialize};

/// An elementwise activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `1 / (1 + exp(-z))`, the tutorials' choice (and the default).
    Sigmoid,
    Tanh,
    /// `max(z, 0)`.
    Relu,
    /// `z`, for regression outputs.
    Identity,
    /// `exp(z_k) / Σ_j exp(z_j)` across a row's outputs: class probabilities. Only as the
    /// output layer, with `loss = "cross_entropy"`; [`super::forward`] applies it row by row.
    Softmax,
}

impl Activation {
    /// Replaces each pre-activation `z + bias` with its activation.
    pub fn apply<T: Real>(self, z: &mut [T], bias: T) {
        match self {
            Activation::Sigmoid => T::sigmoid(z, bias),
            Activation::Tanh => T::tanh(z, bias),
            Activation::Relu => T::relu(z, bias),
            // Softmax needs the whole row: here the bias only, then `softmax_rows`.
            Activation::Identity | Activation::Softmax => z.iter_mut().for_each(|v| *v += bias),
        }
    }

    /// Multiplies each upstream gradient `d` by the derivative at the activation `a`.
    pub fn scale_by_derivative<T: Real>(self, a: &[T], d: &mut [T]) {
        debug_assert_eq!(a.len(), d.len());
        match self {
            Activation::Sigmoid => T::sigmoid_grad(d, a),
            Activation::Tanh => T::tanh_grad(d, a),
            Activation::Relu => T::relu_grad(d, a),
            // Softmax is only an output, and its loss's delta needs no derivative.
            Activation::Identity | Activation::Softmax => {}
        }
    }
}

/// Softmax across the `k` columns of an `n x k` column-major block, row by row, as
/// scikit-learn's `inplace_softmax`: `exp(z − max)`, divided by the row's sum.
pub fn softmax_rows<T: Real>(z: &mut [T], n: usize) {
    let k = z.len() / n.max(1);
    for i in 0..n {
        let max = (0..k).fold(f64::NEG_INFINITY, |m, j| m.max(z[j * n + i].to_f64()));
        let mut sum = 0.0;
        for j in 0..k {
            let e = (z[j * n + i].to_f64() - max).exp();
            z[j * n + i] = T::from_f64(e);
            sum += e;
        }
        for j in 0..k {
            z[j * n + i] = T::from_f64(z[j * n + i].to_f64() / sum);
        }
    }
}
