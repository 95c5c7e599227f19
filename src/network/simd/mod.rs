//! Vectorised sigmoid and tanh, dispatched at run time to the widest SIMD the CPU has (pulp:
//! AVX-512, AVX2+FMA, or scalar).
//!
//! exp is the whole cost of these activations, and std's exp is a scalar library call (with a
//! slow path for the large |z| of saturated units), so exp is written here as a polynomial on
//! SIMD registers: no crate provides a vectorised f64 exp generic over pulp's `Simd`. It is
//! accurate to a few ulps of std; the tests compare both on random and extreme inputs.
//!
//! Each kernel is a standalone `#[inline(always)]` function over registers, called inside the
//! dispatch, so every `mul_add` compiles to an FMA instruction rather than a library call.
//!
//! The kernels are methods of [`Lanes`], with portable bodies written once over pulp's
//! [`Simd`]. AVX-512 overrides the sigmoid and tanh with two instructions pulp's portable
//! interface lacks: `vscalefpd` (× 2ⁿ, subnormals included, in one step) and `vrcp14pd` (a
//! 14-bit reciprocal and two Newton steps where the portable bodies divide: a 512-bit division
//! costs more than the whole exp). pulp's own dispatch can only call the portable bodies, so
//! [`dispatch`] is written here: it picks the widest [`Lanes`] once.

use super::Activation;
use pulp::{NullaryFnOnce, Simd};
use std::sync::atomic::{AtomicU8, Ordering};
#[cfg(target_arch = "x86_64")]
mod avx512;
mod poly;
mod slices;
#[cfg(test)]
mod tests;

use poly::*;
pub(super) use slices::activate_registers;
pub use slices::AT_ONCE;
use slices::*;

/// A SIMD instruction set with runner's register kernels. The default bodies are portable;
/// an instruction set overrides what it can do faster.
pub trait Lanes: Simd {
    #[inline(always)]
    fn sigmoid(self, z: Self::f64s) -> Self::f64s {
        sigmoid(self, z)
    }
    #[inline(always)]
    fn tanh(self, z: Self::f64s) -> Self::f64s {
        tanh(self, z)
    }
    #[inline(always)]
    fn exp(self, x: Self::f64s) -> Self::f64s {
        exp(self, x)
    }
    #[inline(always)]
    fn relu(self, z: Self::f64s) -> Self::f64s {
        relu(self, z)
    }
    #[inline(always)]
    fn sigmoid_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        sigmoid_grad(self, d, a)
    }
    #[inline(always)]
    fn tanh_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        tanh_grad(self, d, a)
    }
    #[inline(always)]
    fn relu_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        relu_grad(self, d, a)
    }
    /// `z ← σ(z + bias)` in f32. By default through the f64 kernel, a stack buffer at a time,
    /// each value rounded once.
    #[inline(always)]
    fn sigmoid_f32(self, z: &mut [f32], bias: f32) {
        through_f64(self, z, bias, F32Kernel::Sigmoid);
    }
}

/// An f32 kernel.
#[derive(Clone, Copy)]
enum F32Kernel {
    Sigmoid,
    Tanh,
    Relu,
}

/// `z ← f(z + bias)` in f32 through the f64 kernel, a stack buffer at a time: each value is
/// the f64 result rounded once, without a second exp polynomial to maintain.
#[inline(always)]
fn through_f64<S: Lanes>(s: S, z: &mut [f32], bias: f32, f: F32Kernel) {
    let mut buf = [0.0f64; 256];
    for chunk in z.chunks_mut(buf.len()) {
        let b = &mut buf[..chunk.len()];
        for (o, v) in b.iter_mut().zip(chunk.iter()) {
            *o = *v as f64;
        }
        match f {
            F32Kernel::Sigmoid => SigmoidSlice(b, bias as f64).run(s),
            F32Kernel::Tanh => TanhSlice(b, bias as f64).run(s),
            F32Kernel::Relu => ReluSlice(b, bias as f64).run(s),
        }
        for (o, v) in chunk.iter_mut().zip(b.iter()) {
            *o = *v as f32;
        }
    }
}

/// f32 derivatives: plain loops, which the compiler vectorises for the instruction set they
/// are dispatched to.
struct F32Grad<'a>(&'a mut [f32], &'a [f32], F32Kernel);

impl LanesOp for F32Grad<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Lanes>(self, _: S) {
        let F32Grad(d, a, f) = self;
        match f {
            F32Kernel::Sigmoid => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d *= a * (1.0 - a);
                }
            }
            F32Kernel::Tanh => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d *= 1.0 - a * a;
                }
            }
            F32Kernel::Relu => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d = if *a > 0.0 { *d } else { 0.0 };
                }
            }
        }
    }
}

impl Lanes for pulp::Scalar {}

#[cfg(target_arch = "x86_64")]
impl Lanes for pulp::x86::V3 {}

/// `d` times the derivative of `f` at its output `a`, on one register.
#[inline(always)]
pub(super) fn derive<S: Lanes>(s: S, f: Activation, d: S::f64s, a: S::f64s) -> S::f64s {
    match f {
        Activation::Sigmoid => s.sigmoid_grad(d, a),
        Activation::Tanh => s.tanh_grad(d, a),
        Activation::Relu => s.relu_grad(d, a),
        Activation::Identity | Activation::Softmax => d,
    }
}

/// `z ← f(z)` over a slice, inside a dispatch already made (the slice kernels' bodies; a
/// closure here would not be inlined, and each multiply-add would become a call).
#[inline(always)]
pub(super) fn activate_slice<S: Lanes>(s: S, f: Activation, z: &mut [f64]) {
    match f {
        Activation::Sigmoid => SigmoidSlice(z, 0.0).run(s),
        Activation::Tanh => TanhSlice(z, 0.0).run(s),
        Activation::Relu => ReluSlice(z, 0.0).run(s),
        Activation::Identity | Activation::Softmax => {}
    }
}

/// `d ← d · f'(a)` over slices, inside a dispatch already made.
#[inline(always)]
pub(super) fn derive_slice<S: Lanes>(s: S, f: Activation, d: &mut [f64], a: &[f64]) {
    match f {
        Activation::Sigmoid => SigmoidGrad(d, a).run(s),
        Activation::Tanh => TanhGrad(d, a).run(s),
        Activation::Relu => ReluGrad(d, a).run(s),
        Activation::Identity | Activation::Softmax => {}
    }
}

/// The widest instruction set, detected once: 0 unknown, 1 scalar, 3 AVX2+FMA, 4 AVX-512.
static LEVEL: AtomicU8 = AtomicU8::new(0);

#[cfg(test)]
thread_local! {
    /// Tests: the widest level [`dispatch`] may use on this thread (0: no limit).
    static BELOW: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Runs `f` with [`dispatch`] limited, on this thread, to each instruction set in turn that the
/// CPU has (scalar, AVX2, AVX-512): each has its own compiled code to test.
#[cfg(test)]
pub(crate) fn on_every_level(mut f: impl FnMut(u8)) {
    // Make sure the CPU's own level is known before limiting it.
    dispatch(ExpSlice(&mut [], 0.0));
    let top = LEVEL.load(Ordering::Relaxed);
    for level in [1, 3, 4].into_iter().filter(|&l| l <= top) {
        BELOW.with(|b| b.set(level));
        f(level);
        BELOW.with(|b| b.set(0));
    }
}

/// An operation to run on the widest [`Lanes`] the CPU has.
pub trait LanesOp {
    type Output;
    fn run<S: Lanes>(self, s: S) -> Self::Output;
}

struct Call<Op, S>(Op, S);

impl<Op: LanesOp, S: Lanes> NullaryFnOnce for Call<Op, S> {
    type Output = Op::Output;
    #[inline(always)]
    fn call(self) -> Op::Output {
        self.0.run(self.1)
    }
}

/// Runs `op` with the widest instruction set this CPU has, compiled for it.
#[inline(always)]
pub fn dispatch<Op: LanesOp>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    {
        use pulp::x86::{V3, V4};
        let mut level = LEVEL.load(Ordering::Relaxed);
        #[cfg(test)]
        {
            let below = BELOW.with(|b| b.get());
            if below != 0 {
                level = level.min(below);
            }
        }
        if level == 0 {
            level = if V4::try_new().is_some() {
                4
            } else if V3::try_new().is_some() {
                3
            } else {
                1
            };
            LEVEL.store(level, Ordering::Relaxed);
        }
        // SAFETY: the level was read off this CPU just above or by an earlier call.
        unsafe {
            match level {
                4 => return V4::new_unchecked().vectorize(Call(op, V4::new_unchecked())),
                3 => return V3::new_unchecked().vectorize(Call(op, V3::new_unchecked())),
                _ => {}
            }
        }
    }
    op.run(pulp::Scalar::new())
}

/// The f64 lanes of `S`'s registers: a constant once `S` is known.
#[inline(always)]
pub fn lanes_of<S: Simd>() -> usize {
    std::mem::size_of::<S::f64s>() / std::mem::size_of::<f64>()
}

/// The f64 lanes of the registers [`dispatch`] runs with: those of the widest instruction set
/// this CPU has (1 when it has none).
pub fn lanes() -> usize {
    struct Width;
    impl LanesOp for Width {
        type Output = usize;
        #[inline(always)]
        fn run<S: Lanes>(self, _: S) -> usize {
            lanes_of::<S>()
        }
    }
    dispatch(Width)
}

struct F32Slice<'a>(&'a mut [f32], f32, F32Kernel);

impl LanesOp for F32Slice<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Lanes>(self, s: S) {
        let F32Slice(z, bias, f) = self;
        match f {
            // Native where the instruction set has it.
            F32Kernel::Sigmoid => s.sigmoid_f32(z, bias),
            F32Kernel::Tanh | F32Kernel::Relu => through_f64(s, z, bias, f),
        }
    }
}

/// `z ← 1 / (1 + e^{−(z + bias)})` in place, in f32.
pub fn sigmoid_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Sigmoid));
}

/// `z ← tanh(z + bias)` in place, in f32.
pub fn tanh_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Tanh));
}

/// `z ← max(z + bias, 0)` in place, in f32 (NaN stays NaN).
pub fn relu_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Relu));
}

/// `d ← d · a(1 − a)` in f32.
pub fn sigmoid_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Sigmoid));
}

/// `d ← d · (1 − a²)` in f32.
pub fn tanh_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Tanh));
}

/// `d ← d` where `a > 0`, else 0, in f32.
pub fn relu_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Relu));
}

/// `z ← 1 / (1 + e^{−(z + bias)})` in place.
pub fn sigmoid_in_place(z: &mut [f64], bias: f64) {
    dispatch(SigmoidSlice(z, bias));
}

/// `z ← tanh(z + bias)` in place.
pub fn tanh_in_place(z: &mut [f64], bias: f64) {
    dispatch(TanhSlice(z, bias));
}

/// `z ← max(z + bias, 0)` in place (NaN stays NaN).
pub fn relu_in_place(z: &mut [f64], bias: f64) {
    dispatch(ReluSlice(z, bias));
}

/// `d ← d` where `a > 0`, else 0.
pub fn relu_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(ReluGrad(d, a));
}

/// `x ← e^x` in place.
pub fn exp_in_place(x: &mut [f64]) {
    dispatch(ExpSlice(x, 0.0));
}

/// `d ← d · a(1 − a)`.
pub fn sigmoid_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(SigmoidGrad(d, a));
}

/// `d ← d · (1 − a²)`.
pub fn tanh_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(TanhGrad(d, a));
}
