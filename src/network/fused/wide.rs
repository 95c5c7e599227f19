//! One fused training pass for a single hidden layer of any width between few inputs and
//! outputs (at most [`MAX_ENDS`] together): 2 → 256 → 1 and its kind.
//!
//! On the plain path such a layer's `rows x width` activations and deltas are matrices that
//! each step streams through memory again: the products, the activation, the derivative, the
//! gradients. Here SIMD lanes run across samples, and one group of samples at a time goes all
//! the way: its hidden units are computed and activated into a small buffer that stays in L1,
//! each unit feeds the outputs (held in registers) as soon as it is computed, and on the way
//! back each unit's delta goes straight into its weights' gradients — the delta matrix is
//! never written. Gradients are summed per lane and reduced across lanes once per block, in a
//! fixed order.
//!
//! The result equals the plain [`forward`](crate::network::forward) and [`backward`](crate::network::backward) to
//! rounding (the sums run in another order); the tests compare both.

use super::{error, finish, put, FusedPass, Padded, PAD};
use crate::network::simd::{self, Lanes, LanesOp};
use crate::network::{LayerShape, Loss};

/// The most inputs and outputs together the fused pass takes. Each costs a multiply-add per
/// sample and unit on the way forward or back, held in memory rather than in registers;
/// beyond this faer's products win. Set by timing one 512-row block as `cargo bench --bench
/// train -- block_pass` does, with other shapes: 4 inputs and 2 outputs were 15 % faster fused,
/// 8 and 1 5 % slower, 16 and 16 twice as slow.
pub const MAX_ENDS: usize = 6;

/// Whether the fused pass takes these layers: one hidden layer, few inputs and outputs.
pub fn fits(layers: &[LayerShape]) -> bool {
    layers.len() == 2 && layers[0].fan_in + layers[1].fan_out <= MAX_ENDS
}

/// Length of the scratch [`pass`] needs: per-lane gradient accumulators and one group's
/// hidden activations.
pub fn scratch_len(layers: &[LayerShape], params: usize) -> usize {
    (params + GROUPS * layers[0].fan_out) * PAD
}

/// Groups of samples (registers) taken together: their gradients are summed in registers
/// before the accumulators in memory are updated, which is what bounds this pass otherwise.
const GROUPS: usize = 4;

/// The forward pass, the loss and the backward pass of `p.block` in one dispatch (see
/// [`FusedPass`]; the hidden layer's buffers in `p.ws` are not used): the block's loss summed
/// before division by [`Loss::divisor`], as [`Loss::sum`].
pub fn pass(mut p: FusedPass<'_, f64>) -> f64 {
    debug_assert!(fits(p.layers));
    let squares = simd::dispatch(Pass(&mut p));
    finish(p.layers, p.block, p.loss, p.ws, squares)
}

struct Pass<'p, 'a>(&'p mut FusedPass<'a, f64>);

// No closures around SIMD operations in this file's kernels: a closure does not inherit the
// dispatch's target features, so one that is not inlined turns each multiply-add into a call.

/// What stays fixed over a block.
struct Net<'a, S: Lanes> {
    hidden: &'a LayerShape,
    output: &'a LayerShape,
    params: &'a [f64],
    block: &'a Padded<f64>,
    loss: Loss,
    /// The output delta's factor ([`Loss::delta_factor`]).
    scale: S::f64s,
}

/// The pass over `C` groups of samples (registers) from group `first` on: forward, loss,
/// backward. Adds to the gradient accumulators `acc` and to `squares`; `hid_all` holds the
/// groups' hidden activations, `out` receives the outputs.
#[inline(always)]
fn step<S: Lanes, const C: usize, const I: usize, const O: usize>(
    s: S,
    net: &Net<'_, S>,
    first: usize,
    (acc, hid_all, out): (&mut [S::f64s], &mut [f64], &mut [f64]),
    squares: &mut S::f64s,
) {
    let Net {
        hidden,
        output,
        params,
        block,
        loss,
        scale,
    } = *net;
    let lanes = std::mem::size_of::<S::f64s>() / std::mem::size_of::<f64>();
    // Fixed at compile time for the commonest shape, so that its short loops unroll.
    let inputs = if I > 0 { I } else { hidden.fan_in };
    let outputs = if O > 0 { O } else { output.fan_out };
    let width = hidden.fan_out;
    let ld = block.ld();
    let zero = s.splat_f64s(0.0);
    // Register `g` of column `j`.
    let at = |j: usize, g: usize| j * ld + g * lanes;
    let mut x = [[zero; MAX_ENDS]; C];
    for (t, x) in x[..C].iter_mut().enumerate() {
        for (i, x) in x[..inputs].iter_mut().enumerate() {
            *x = S::as_simd_f64s(&block.x[at(i, first + t)..][..lanes]).0[0];
        }
    }

    // Forward: the hidden pre-activations, then their activation in one slice loop
    // (independent units, so the CPU overlaps their exps), then the outputs.
    let hid_f64 = &mut hid_all[..C * width * lanes];
    let hid = S::as_mut_simd_f64s(hid_f64).0;
    for (t, hid) in hid.chunks_exact_mut(width).enumerate() {
        for (j, h) in hid.iter_mut().enumerate() {
            let mut z = s.splat_f64s(hidden.b.map_or(0.0, |b| params[b + j]));
            let w = &params[hidden.w + j * inputs..][..inputs];
            for (w, x) in w.iter().zip(&x[t]) {
                z = s.mul_add_f64s(s.splat_f64s(*w), *x, z);
            }
            *h = z;
        }
    }
    simd::activate_slice(s, hidden.activation, hid_f64);
    let hid = S::as_simd_f64s(hid_f64).0;

    // The outputs, the loss and the output deltas.
    let mut d = [[zero; MAX_ENDS]; C];
    for (t, hid) in hid.chunks_exact(width).enumerate() {
        let g = first + t;
        let live = S::as_simd_f64s(&block.live[g * lanes..][..lanes]).0[0];
        for k in 0..outputs {
            // Σ_j v_j h_j in four independent chains, so that the multiply-adds do not wait
            // on one another.
            let v = &params[output.w + k * width..][..width];
            let mut z = [zero; 4];
            let (v4, v_rest) = v.split_at(width - width % 4);
            for (v, h) in v4.chunks_exact(4).zip(hid.chunks_exact(4)) {
                for c in 0..4 {
                    z[c] = s.mul_add_f64s(s.splat_f64s(v[c]), h[c], z[c]);
                }
            }
            for (v, h) in v_rest.iter().zip(&hid[width - width % 4..]) {
                z[0] = s.mul_add_f64s(s.splat_f64s(*v), *h, z[0]);
            }
            let b = s.splat_f64s(output.b.map_or(0.0, |b| params[b + k]));
            let z = s.add_f64s(s.add_f64s(z[0], z[1]), s.add_f64s(z[2], z[3]));
            let a = simd::activate(s, output.activation, s.add_f64s(b, z));
            S::as_mut_simd_f64s(&mut out[at(k, g)..][..lanes]).0[0] = a;
            let y = S::as_simd_f64s(&block.y[at(k, g)..][..lanes]).0[0];
            let diff = error(s, a, y, live);
            *squares = s.mul_add_f64s(diff, diff, *squares);
            let dk = s.mul_f64s(diff, scale);
            d[t][k] = match loss {
                Loss::Bce | Loss::CrossEntropy => dk,
                Loss::HalfSse | Loss::Mse | Loss::SquaredError => {
                    simd::derive(s, output.activation, dk, a)
                }
            };
            if let Some(b) = output.b {
                acc[b + k] = s.add_f64s(acc[b + k], d[t][k]);
            }
        }
    }

    // Backward, unit by unit: the output weights' gradients, the unit's delta, and
    // straight into its own weights' gradients. Summed over this run of groups in
    // registers first, so that the accumulators in memory are updated once per run.
    for j in 0..width {
        let mut delta = [zero; C];
        for (t, delta) in delta[..C].iter_mut().enumerate() {
            let mut back = zero;
            for (k, d) in d[t][..outputs].iter().enumerate() {
                let v = s.splat_f64s(params[output.w + k * width + j]);
                back = s.mul_add_f64s(v, *d, back);
            }
            *delta = simd::derive(s, hidden.activation, back, hid[t * width + j]);
        }
        for k in 0..outputs {
            let idx = output.w + k * width + j;
            let mut sum = acc[idx];
            for (t, d) in d[..C].iter().enumerate() {
                sum = s.mul_add_f64s(d[k], hid[t * width + j], sum);
            }
            acc[idx] = sum;
        }
        if let Some(b) = hidden.b {
            let mut sum = acc[b + j];
            for delta in &delta[..C] {
                sum = s.add_f64s(sum, *delta);
            }
            acc[b + j] = sum;
        }
        for i in 0..inputs {
            let idx = hidden.w + j * inputs + i;
            let mut sum = acc[idx];
            for (delta, x) in delta[..C].iter().zip(&x) {
                sum = s.mul_add_f64s(*delta, x[i], sum);
            }
            acc[idx] = sum;
        }
    }
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
            ref mut scratch,
        } = *self.0;
        // The output layer's activations, in columns of the padded stride.
        let out: &mut [f64] = ws.acts.last_mut().expect("a network has an output layer");
        let lanes = std::mem::size_of::<S::f64s>() / std::mem::size_of::<f64>();
        let width = layers[0].fan_out;
        let zero = s.splat_f64s(0.0);
        let net = Net {
            hidden: &layers[0],
            output: &layers[1],
            params,
            block,
            loss,
            scale: s.splat_f64s(loss.delta_factor(divisor)),
        };

        // One accumulator register per parameter, in the parameters' layout, then the
        // hidden activations of a run of groups.
        let (acc, rest) = scratch.split_at_mut(params.len() * lanes);
        let acc = S::as_mut_simd_f64s(acc).0;
        acc.fill(zero);
        let hid_all = &mut rest[..GROUPS * width * lanes];

        // Runs of GROUPS groups, with the run's loops unrolled; then the groups left, one by
        // one.
        let groups = block.ld() / lanes;
        let whole = groups - groups % GROUPS;
        let mut squares = zero;
        macro_rules! steps {
            ($i:literal, $o:literal) => {
                for first in (0..whole).step_by(GROUPS) {
                    let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                    step::<S, GROUPS, $i, $o>(s, &net, first, bufs, &mut squares);
                }
                for first in whole..groups {
                    let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                    step::<S, 1, $i, $o>(s, &net, first, bufs, &mut squares);
                }
            };
        }
        // Two inputs and one output (moons, circles, the logic gates), or any.
        if (layers[0].fan_in, layers[1].fan_out) == (2, 1) {
            steps!(2, 1);
        } else {
            steps!(0, 0);
        }

        for (g, v) in grad.iter_mut().zip(acc.iter()) {
            put(g, s.reduce_sum_f64s(*v), accum);
        }
        s.reduce_sum_f64s(squares)
    }
}
