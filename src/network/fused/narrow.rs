//! One fused training pass for narrow networks of any depth — every layer at most
//! [`MAX_WEIGHTS`] weights, as in 2 → 4 → 4 → 1.
//!
//! At such shapes a matrix product is a handful of multiply-adds, so the plain path's cost is
//! its calls: a faer product, a kernel dispatch and a loop per layer and direction, each with
//! its setup and its partial last register. Here the whole pass — forward through every layer,
//! the loss, the output delta, back through every layer — is one dispatch with SIMD lanes
//! across samples. Each block is copied once into columns padded to whole registers
//! ([`Padded`](super::Padded)), so every loop runs over whole registers: a layer's pre-activation is one
//! broadcast multiply-add per weight and register, a weight's gradient one dot product, kept
//! in a register until it is summed across lanes.
//!
//! The result equals the plain [`forward`](crate::network::forward) and [`backward`](crate::network::backward) to
//! rounding (the sums run in another order); the tests compare both.

use super::{error, finish, put, FusedPass};
use crate::network::simd::{self, dispatch, Lanes, LanesOp};
use crate::network::LayerShape;

/// The most weights a layer may have for the fused pass. Each weight costs a pass over the
/// block's column of its input and of its output, so beyond this faer's products win. Set by
/// timing one 512-row block as `cargo bench --bench train -- block_pass` does, with other
/// shapes: 2 → 4 → 4 → 1 was 20 % faster fused (that shape stays in the bench), 2 → 8 → 8 → 1
/// 17 % slower.
pub const MAX_WEIGHTS: usize = 16;
/// Whether the fused pass takes these layers.
pub fn fits(layers: &[LayerShape]) -> bool {
    layers.iter().all(|l| l.fan_in * l.fan_out <= MAX_WEIGHTS)
}

/// The forward pass, the loss and the backward pass of `p.block` in one dispatch (see
/// [`FusedPass`]): the block's loss summed before division by [`Loss::divisor`](crate::network::Loss::divisor), as
/// [`Loss::sum`](crate::network::Loss::sum).
pub fn pass(mut p: FusedPass<'_, f64>) -> f64 {
    debug_assert!(fits(p.layers));
    let squares = dispatch(Pass(&mut p));
    finish(p.layers, p.block, p.loss, p.ws, squares)
}

struct Pass<'p, 'a>(&'p mut FusedPass<'a, f64>);

/// Column `j` of a matrix with `ld`-row columns, as registers.
#[inline(always)]
fn col<S: Lanes>(m: &[f64], ld: usize, j: usize) -> &[S::f64s] {
    S::as_simd_f64s(&m[j * ld..(j + 1) * ld]).0
}

#[inline(always)]
fn col_mut<S: Lanes>(m: &mut [f64], ld: usize, j: usize) -> &mut [S::f64s] {
    S::as_mut_simd_f64s(&mut m[j * ld..(j + 1) * ld]).0
}

/// `out ← input · W + b`: per unit, one broadcast multiply-add per weight and register.
#[inline(always)]
fn pre_activation<S: Lanes>(
    s: S,
    (layer, params): (&LayerShape, &[f64]),
    input: &[f64],
    out: &mut [f64],
    ld: usize,
) {
    for j in 0..layer.fan_out {
        let o = col_mut::<S>(out, ld, j);
        let b = s.splat_f64s(layer.b.map_or(0.0, |b| params[b + j]));
        let w = &params[layer.w + j * layer.fan_in..][..layer.fan_in];
        let w0 = s.splat_f64s(w[0]);
        for (o, x) in o.iter_mut().zip(col::<S>(input, ld, 0)) {
            *o = s.mul_add_f64s(w0, *x, b);
        }
        for (i, &w) in w.iter().enumerate().skip(1) {
            let w = s.splat_f64s(w);
            for (o, x) in o.iter_mut().zip(col::<S>(input, ld, i)) {
                *o = s.mul_add_f64s(w, *x, *o);
            }
        }
    }
}

// No closures around SIMD operations in this file's kernels: a closure does not inherit the
// dispatch's target features, so one that is not inlined turns each multiply-add into a call.

/// Σ over registers of `a · b`, then across lanes.
#[inline(always)]
fn dot<S: Lanes>(s: S, a: &[S::f64s], b: &[S::f64s]) -> f64 {
    let mut sum = s.splat_f64s(0.0);
    for (a, b) in a.iter().zip(b) {
        sum = s.mul_add_f64s(*a, *b, sum);
    }
    s.reduce_sum_f64s(sum)
}

/// Σ over registers, then across lanes.
#[inline(always)]
fn total<S: Lanes>(s: S, a: &[S::f64s]) -> f64 {
    let mut sum = s.splat_f64s(0.0);
    for a in a {
        sum = s.add_f64s(sum, *a);
    }
    s.reduce_sum_f64s(sum)
}

impl LanesOp for Pass<'_, '_> {
    /// The sum of squared errors.
    type Output = f64;

    #[inline(always)]
    fn run<S: Lanes>(self, s: S) -> f64 {
        let FusedPass {
            layers,
            params,
            block,
            loss,
            divisor,
            ref mut ws,
            ref mut grad,
            accum,
            ..
        } = *self.0;
        let ld = block.ld();
        let last = layers.len() - 1;
        let zero = s.splat_f64s(0.0);

        for (l, layer) in layers.iter().enumerate() {
            let (before, rest) = ws.acts.split_at_mut(l);
            let input: &[f64] = if l == 0 { &block.x } else { &before[l - 1] };
            let out = &mut rest[0][..ld * layer.fan_out];
            pre_activation(s, (layer, params), input, out, ld);
            simd::activate_slice(s, layer.activation, out);
        }

        // The loss and the output delta (see `Loss::delta_factor`).
        let out = &layers[last];
        let scale = s.splat_f64s(loss.delta_factor(divisor));
        let live = col::<S>(&block.live, ld, 0);
        let mut squares = zero;
        for j in 0..out.fan_out {
            let a = col::<S>(&ws.acts[last], ld, j);
            let y = col::<S>(&block.y, ld, j);
            let d = col_mut::<S>(&mut ws.deltas[last], ld, j);
            for (((d, a), y), live) in d.iter_mut().zip(a).zip(y).zip(live) {
                let diff = error(s, *a, *y, *live);
                squares = s.mul_add_f64s(diff, diff, squares);
                *d = s.mul_f64s(diff, scale);
            }
        }
        if !loss.cancels_derivative() {
            let n = ld * out.fan_out;
            simd::derive_slice(
                s,
                out.activation,
                &mut ws.deltas[last][..n],
                &ws.acts[last][..n],
            );
        }

        for l in (0..=last).rev() {
            let layer = &layers[l];
            let (below, above) = ws.deltas.split_at_mut(l);
            let delta = &above[0];
            let input: &[f64] = if l == 0 { &block.x } else { &ws.acts[l - 1] };
            for j in 0..layer.fan_out {
                let d = col::<S>(delta, ld, j);
                if let Some(b) = layer.b {
                    put(&mut grad[b + j], total(s, d), accum);
                }
                for i in 0..layer.fan_in {
                    let v = dot(s, d, col::<S>(input, ld, i));
                    put(&mut grad[layer.w + j * layer.fan_in + i], v, accum);
                }
            }
            if l > 0 {
                // δ_below = (δ · Wᵀ) ⊙ f'(a_below), a column of units at a time.
                let down = &mut below[l - 1][..ld * layer.fan_in];
                for i in 0..layer.fan_in {
                    let o = col_mut::<S>(down, ld, i);
                    let w0 = s.splat_f64s(params[layer.w + i]);
                    for (o, d) in o.iter_mut().zip(col::<S>(delta, ld, 0)) {
                        *o = s.mul_f64s(w0, *d);
                    }
                    for j in 1..layer.fan_out {
                        let wj = s.splat_f64s(params[layer.w + j * layer.fan_in + i]);
                        for (o, d) in o.iter_mut().zip(col::<S>(delta, ld, j)) {
                            *o = s.mul_add_f64s(wj, *d, *o);
                        }
                    }
                }
                let a = &ws.acts[l - 1][..ld * layer.fan_in];
                simd::derive_slice(s, layers[l - 1].activation, down, a);
            }
        }
        s.reduce_sum_f64s(squares)
    }
}
