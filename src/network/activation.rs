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
}

impl Activation {
    /// Replaces each pre-activation `z + bias` with its activation.
    pub fn apply<T: Real>(self, z: &mut [T], bias: T) {
        match self {
            Activation::Sigmoid => T::sigmoid(z, bias),
            Activation::Tanh => T::tanh(z, bias),
            Activation::Relu => T::relu(z, bias),
            Activation::Identity => z.iter_mut().for_each(|v| *v += bias),
        }
    }

    /// Multiplies each upstream gradient `d` by the derivative at the activation `a`.
    pub fn scale_by_derivative<T: Real>(self, a: &[T], d: &mut [T]) {
        debug_assert_eq!(a.len(), d.len());
        match self {
            Activation::Sigmoid => T::sigmoid_grad(d, a),
            Activation::Tanh => T::tanh_grad(d, a),
            Activation::Relu => T::relu_grad(d, a),
            Activation::Identity => {}
        }
    }
}
