//! Activation functions, applied in place, and their derivatives taken from the stored
//! activations (σ' = a(1−a), tanh' = 1−a²), so the backward pass never recomputes an exp.

use super::simd;
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
}

impl Activation {
    pub const NAMES: [&'static str; 4] = ["sigmoid", "tanh", "relu", "identity"];

    /// Replaces each pre-activation `z + bias` with its activation.
    pub fn apply(self, z: &mut [f64], bias: f64) {
        match self {
            Activation::Sigmoid => simd::sigmoid_in_place(z, bias),
            Activation::Tanh => simd::tanh_in_place(z, bias),
            Activation::Relu => z.iter_mut().for_each(|v| *v = (*v + bias).max(0.0)),
            Activation::Identity => z.iter_mut().for_each(|v| *v += bias),
        }
    }

    /// Multiplies each upstream gradient `d` by the derivative at the activation `a`.
    pub fn scale_by_derivative(self, a: &[f64], d: &mut [f64]) {
        debug_assert_eq!(a.len(), d.len());
        match self {
            Activation::Sigmoid => simd::sigmoid_grad_in_place(d, a),
            Activation::Tanh => simd::tanh_grad_in_place(d, a),
            Activation::Relu => d
                .iter_mut()
                .zip(a)
                .for_each(|(d, &a)| *d = if a > 0.0 { *d } else { 0.0 }),
            Activation::Identity => {}
        }
    }
}
