//! The float types runner trains in: f64 (the default) and f32 (`train.precision = "f32"`).

use super::{simd, Fused, FusedPass};
use faer::traits::{ComplexField, Conjugate};
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A float a network can be trained in: what faer's products and runner's kernels need.
pub trait Real:
    ComplexField
    + Conjugate<Canonical = Self>
    + Copy
    + Send
    + Sync
    + PartialOrd
    + Default
    + std::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + 'static
{
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    /// `z ← σ(z + bias)` in place.
    fn sigmoid(z: &mut [Self], bias: Self);
    /// `z ← tanh(z + bias)` in place.
    fn tanh(z: &mut [Self], bias: Self);
    /// `d ← d · a(1 − a)`.
    fn sigmoid_grad(d: &mut [Self], a: &[Self]);
    /// `d ← d · (1 − a²)`.
    fn tanh_grad(d: &mut [Self], a: &[Self]);
    /// `z ← max(z + bias, 0)`, NaN kept.
    fn relu(z: &mut [Self], bias: Self);
    /// `d ← d` where `a > 0`, else 0.
    fn relu_grad(d: &mut [Self], a: &[Self]);
    /// Whether [`Real::fused_pass`] is implemented.
    const FUSED: bool = false;
    /// A [`Fused`] pass, where this type has one: its loss sum, or `None` to take the plain
    /// path.
    fn fused_pass(_kind: Fused, _pass: FusedPass<'_, Self>) -> Option<f64> {
        None
    }
}

impl Real for f64 {
    const FUSED: bool = true;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn sigmoid(z: &mut [Self], bias: Self) {
        simd::sigmoid_in_place(z, bias);
    }
    fn tanh(z: &mut [Self], bias: Self) {
        simd::tanh_in_place(z, bias);
    }
    fn sigmoid_grad(d: &mut [Self], a: &[Self]) {
        simd::sigmoid_grad_in_place(d, a);
    }
    fn tanh_grad(d: &mut [Self], a: &[Self]) {
        simd::tanh_grad_in_place(d, a);
    }
    fn relu(z: &mut [Self], bias: Self) {
        simd::relu_in_place(z, bias);
    }
    fn relu_grad(d: &mut [Self], a: &[Self]) {
        simd::relu_grad_in_place(d, a);
    }
    fn fused_pass(kind: Fused, pass: FusedPass<'_, Self>) -> Option<f64> {
        Some(kind.run(pass))
    }
}

impl Real for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    /// Native on AVX-512; elsewhere through the f64 kernel, rounded once.
    fn sigmoid(z: &mut [Self], bias: Self) {
        simd::sigmoid_f32_in_place(z, bias);
    }
    /// Through the f64 kernel, rounded once.
    fn tanh(z: &mut [Self], bias: Self) {
        simd::tanh_f32_in_place(z, bias);
    }
    fn sigmoid_grad(d: &mut [Self], a: &[Self]) {
        simd::sigmoid_grad_f32_in_place(d, a);
    }
    fn tanh_grad(d: &mut [Self], a: &[Self]) {
        simd::tanh_grad_f32_in_place(d, a);
    }
    fn relu(z: &mut [Self], bias: Self) {
        simd::relu_f32_in_place(z, bias);
    }
    fn relu_grad(d: &mut [Self], a: &[Self]) {
        simd::relu_grad_f32_in_place(d, a);
    }
}
