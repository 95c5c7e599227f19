//! The kernels over slices, and over runs of registers: each activation [`AT_ONCE`]
//! registers together, so that their long chains of dependent multiply-adds overlap.

use super::{Lanes, LanesOp};
use crate::network::Activation;

/// Registers an activation takes at once: its exp is one long chain of dependent
/// multiply-adds, so one register at a time leaves the core waiting on each step's latency;
/// eight independent chains, their instructions interleaved, keep it busy. Each value's
/// operations are the same either way, so the results are too (the sigmoid is 1.4× faster on
/// the AVX2 machine of this kind: `cargo bench --bench matmul -- activation`).
pub const AT_ONCE: usize = 8;

/// `$v[i] ← $e` with `$x = $v[i]` for the registers `i` listed, written out: every result
/// computed before any is stored, in one block the compiler interleaves. (A loop is not
/// unrolled at this size, and a closure does not inherit the dispatch's target features.)
macro_rules! together {
    ($v:expr, $x:ident => $e:expr; $($i:literal)+) => {{
        let v: &mut [_] = $v;
        let r = [$({
            let $x = v[$i];
            $e
        }),+];
        v[..r.len()].copy_from_slice(&r);
    }};
}

/// [`together!`] for [`AT_ONCE`] registers.
macro_rules! at_once {
    ($v:expr, $x:ident => $e:expr) => {
        together!($v, $x => $e; 0 1 2 3 4 5 6 7)
    };
}

/// [`together!`] for 4 registers.
macro_rules! four_at_once {
    ($v:expr, $x:ident => $e:expr) => {
        together!($v, $x => $e; 0 1 2 3)
    };
}

/// `f` on registers, each independent of the others: [`AT_ONCE`] at a time, then 4, then one.
#[inline(always)]
pub(in crate::network) fn activate_registers<S: Lanes>(s: S, f: Activation, z: &mut [S::f64s]) {
    macro_rules! each {
        ($x:ident => $e:expr) => {{
            let mut many = z.chunks_exact_mut(AT_ONCE);
            for v in &mut many {
                at_once!(v, $x => $e);
            }
            let mut rest = many.into_remainder();
            if rest.len() >= 4 {
                four_at_once!(rest, $x => $e);
                rest = &mut rest[4..];
            }
            for v in rest {
                let $x = *v;
                *v = $e;
            }
        }};
    }
    match f {
        Activation::Sigmoid => each!(v => s.sigmoid(v)),
        Activation::Tanh => each!(v => s.tanh(v)),
        Activation::Relu => each!(v => s.relu(v)),
        // Softmax is never fused (`Fused::choose`).
        Activation::Identity | Activation::Softmax => {}
    }
}

/// Applies a register kernel in place to `z + bias`, [`AT_ONCE`] registers together, the tail
/// through a partial register. A zero bias is not added (one instruction in about thirty, and
/// `z + 0` would only turn −0 into +0).
macro_rules! unary_kernel {
    ($name:ident, $kernel:ident) => {
        pub(super) struct $name<'a>(pub &'a mut [f64], pub f64);

        impl LanesOp for $name<'_> {
            type Output = ();

            #[inline(always)]
            fn run<S: Lanes>(self, s: S) {
                let bias = s.splat_f64s(self.1);
                let (body, tail) = S::as_mut_simd_f64s(self.0);
                let mut many = body.chunks_exact_mut(AT_ONCE);
                if self.1 == 0.0 {
                    for v in &mut many {
                        at_once!(v, x => s.$kernel(x));
                    }
                    for v in many.into_remainder() {
                        *v = s.$kernel(*v);
                    }
                } else {
                    for v in &mut many {
                        at_once!(v, x => s.$kernel(s.add_f64s(x, bias)));
                    }
                    for v in many.into_remainder() {
                        *v = s.$kernel(s.add_f64s(*v, bias));
                    }
                }
                if !tail.is_empty() {
                    let v = s.add_f64s(s.partial_load_f64s(tail), bias);
                    s.partial_store_f64s(tail, s.$kernel(v));
                }
            }
        }
    };
}

/// Applies a register kernel `d ← f(d, a)` over two slices.
macro_rules! binary_kernel {
    ($name:ident, $kernel:ident) => {
        pub(super) struct $name<'a>(pub &'a mut [f64], pub &'a [f64]);

        impl LanesOp for $name<'_> {
            type Output = ();

            #[inline(always)]
            fn run<S: Lanes>(self, s: S) {
                let (d_body, d_tail) = S::as_mut_simd_f64s(self.0);
                let (a_body, a_tail) = S::as_simd_f64s(self.1);
                for (d, a) in d_body.iter_mut().zip(a_body) {
                    *d = s.$kernel(*d, *a);
                }
                if !d_tail.is_empty() {
                    let v = s.$kernel(s.partial_load_f64s(d_tail), s.partial_load_f64s(a_tail));
                    s.partial_store_f64s(d_tail, v);
                }
            }
        }
    };
}

unary_kernel!(SigmoidSlice, sigmoid);
unary_kernel!(TanhSlice, tanh);
unary_kernel!(ExpSlice, exp);
unary_kernel!(ReluSlice, relu);
binary_kernel!(ReluGrad, relu_grad);
binary_kernel!(SigmoidGrad, sigmoid_grad);
binary_kernel!(TanhGrad, tanh_grad);
