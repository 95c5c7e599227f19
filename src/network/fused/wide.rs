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

use super::{error, finish, put, Columns, FusedPass, PAD};
use crate::network::simd::{self, lanes_of, Lanes, LanesOp};
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
pub(super) const GROUPS: usize = 4;

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

/// Where a [`step`] reads a block's values and parameters, and where it writes outputs: with
/// samples across lanes (one run, [`Solo`]), or runs across lanes and one sample per register
/// (a lockstep group, [`members`](super::members)). The step's arithmetic is the same code
/// either way, operation for operation, so a member's every value rounds as it does alone.
pub(super) trait Lay<S: Lanes> {
    /// Parameter `p`.
    fn param(&self, s: S, p: usize) -> S::f64s;
    /// Input `i` of group `g`.
    fn x(&self, s: S, g: usize, i: usize) -> S::f64s;
    /// Target `k` of group `g`.
    fn y(&self, s: S, g: usize, k: usize) -> S::f64s;
    /// 1 for samples, 0 for padding, in group `g`.
    fn live(&self, s: S, g: usize) -> S::f64s;
    /// Where output `k` of group `g` goes in the outputs buffer (an offset in values).
    fn out(&self, g: usize, k: usize) -> usize;
}

/// One run: samples across lanes, group `g` the `g`-th register of each column.
struct Solo<'a> {
    params: &'a [f64],
    cols: Columns<'a>,
}

impl<S: Lanes> Lay<S> for Solo<'_> {
    #[inline(always)]
    fn param(&self, s: S, p: usize) -> S::f64s {
        s.splat_f64s(self.params[p])
    }
    #[inline(always)]
    fn x(&self, _: S, g: usize, i: usize) -> S::f64s {
        let lanes = lanes_of::<S>();
        S::as_simd_f64s(&self.cols.x[i * self.cols.ld + g * lanes..][..lanes]).0[0]
    }
    #[inline(always)]
    fn y(&self, _: S, g: usize, k: usize) -> S::f64s {
        let lanes = lanes_of::<S>();
        S::as_simd_f64s(&self.cols.y[k * self.cols.ld + g * lanes..][..lanes]).0[0]
    }
    #[inline(always)]
    fn live(&self, _: S, g: usize) -> S::f64s {
        let lanes = lanes_of::<S>();
        S::as_simd_f64s(&self.cols.live[g * lanes..][..lanes]).0[0]
    }
    #[inline(always)]
    fn out(&self, g: usize, k: usize) -> usize {
        k * self.cols.ld + g * lanes_of::<S>()
    }
}

/// What stays fixed over a block.
pub(super) struct Net<'a, S: Lanes, L> {
    pub hidden: &'a LayerShape,
    pub output: &'a LayerShape,
    pub lay: L,
    pub loss: Loss,
    /// The output delta's factor ([`Loss::delta_factor`]).
    pub scale: S::f64s,
}

/// The pass over `C` groups of samples (registers) from group `first` on: forward, loss,
/// backward. Adds to the gradient accumulators `acc` and to `squares`; `hid_all` holds the
/// groups' hidden activations, `out` receives the outputs. `I`, `O` and `W` fix the inputs,
/// outputs and hidden width at compile time (0: read from the layers), `N` bounds the first two.
#[inline(always)]
pub(super) fn step<
    S: Lanes,
    L: Lay<S>,
    const C: usize,
    const I: usize,
    const O: usize,
    const N: usize,
    const W: usize,
>(
    s: S,
    net: &Net<'_, S, L>,
    first: usize,
    (acc, hid_all, out): (&mut [S::f64s], &mut [f64], &mut [f64]),
    squares: &mut S::f64s,
) {
    let Net {
        hidden,
        output,
        ref lay,
        loss,
        scale,
    } = *net;
    // Copies, held in registers: read through the references, every unit's loop would load
    // them again after each store (the compiler cannot tell that the stores leave them be).
    let (hidden, output) = (*hidden, *output);
    let lanes = lanes_of::<S>();
    // Fixed at compile time for the commonest shape, so that its short loops unroll.
    let inputs = if I > 0 { I } else { hidden.fan_in };
    let outputs = if O > 0 { O } else { output.fan_out };
    let width = if W > 0 { W } else { hidden.fan_out };
    let zero = s.splat_f64s(0.0);
    // Registers held per sample group: `N` inputs or outputs at most, fixed at compile time so
    // that these arrays are no larger than the shape needs (they are zeroed every step).
    let mut x = [[zero; N]; C];
    for (t, x) in x[..C].iter_mut().enumerate() {
        for (i, x) in x[..inputs].iter_mut().enumerate() {
            *x = lay.x(s, first + t, i);
        }
    }

    // Forward: the hidden pre-activations, then their activation in one slice loop
    // (independent units, so the CPU overlaps their exps), then the outputs.
    let hid_f64 = &mut hid_all[..C * width * lanes];
    let hid = S::as_mut_simd_f64s(hid_f64).0;
    for (t, hid) in hid.chunks_exact_mut(width).enumerate() {
        for (j, h) in hid.iter_mut().enumerate() {
            let mut z = match hidden.b {
                Some(b) => lay.param(s, b + j),
                None => zero,
            };
            for (i, x) in x[t][..inputs].iter().enumerate() {
                z = s.mul_add_f64s(lay.param(s, hidden.w + j * inputs + i), *x, z);
            }
            *h = z;
        }
    }
    simd::activate_registers(s, hidden.activation, S::as_mut_simd_f64s(hid_f64).0);
    let hid = S::as_simd_f64s(hid_f64).0;

    // The outputs, all activated together (independent exps overlap), then the loss and the
    // output deltas.
    let mut act = [[zero; N]; GROUPS];
    let act = act.as_flattened_mut();
    for (t, hid) in hid.chunks_exact(width).enumerate() {
        for k in 0..outputs {
            // Σ_j v_j h_j in four independent chains, so that the multiply-adds do not wait
            // on one another.
            let v = output.w + k * width;
            let mut z = [zero; 4];
            let whole = width - width % 4;
            for (j, h) in hid[..whole].chunks_exact(4).enumerate() {
                for c in 0..4 {
                    z[c] = s.mul_add_f64s(lay.param(s, v + 4 * j + c), h[c], z[c]);
                }
            }
            for (j, h) in hid[whole..].iter().enumerate() {
                z[0] = s.mul_add_f64s(lay.param(s, v + whole + j), *h, z[0]);
            }
            let b = match output.b {
                Some(b) => lay.param(s, b + k),
                None => zero,
            };
            let z = s.add_f64s(s.add_f64s(z[0], z[1]), s.add_f64s(z[2], z[3]));
            act[t * outputs + k] = s.add_f64s(b, z);
        }
    }
    simd::activate_registers(s, output.activation, &mut act[..C * outputs]);
    let mut d = [[zero; N]; C];
    for t in 0..C {
        let g = first + t;
        let live = lay.live(s, g);
        for k in 0..outputs {
            let a = act[t * outputs + k];
            S::as_mut_simd_f64s(&mut out[lay.out(g, k)..][..lanes]).0[0] = a;
            let y = lay.y(s, g, k);
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
                let v = lay.param(s, output.w + k * width + j);
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

/// [`step`] over groups `0..groups`: runs of [`GROUPS`] groups, with the run's loops
/// unrolled, then the groups left in one shorter run.
#[inline(always)]
pub(super) fn steps<S: Lanes, L: Lay<S>>(
    s: S,
    net: &Net<'_, S, L>,
    groups: usize,
    (acc, hid_all, out): (&mut [S::f64s], &mut [f64], &mut [f64]),
    squares: &mut S::f64s,
) {
    let whole = groups - groups % GROUPS;
    macro_rules! steps {
        ($i:literal, $o:literal, $n:expr, $w:literal) => {
            for first in (0..whole).step_by(GROUPS) {
                let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                step::<S, L, GROUPS, $i, $o, $n, $w>(s, net, first, bufs, squares);
            }
            // The groups left, together too: one at a time, a step's activations have too
            // few independent exps to overlap (three single steps cost more than one of four).
            let bufs = (&mut *acc, &mut *hid_all, &mut *out);
            match groups - whole {
                0 => {}
                1 => step::<S, L, 1, $i, $o, $n, $w>(s, net, whole, bufs, squares),
                2 => step::<S, L, 2, $i, $o, $n, $w>(s, net, whole, bufs, squares),
                _ => step::<S, L, 3, $i, $o, $n, $w>(s, net, whole, bufs, squares),
            }
        };
    }
    // Two inputs and one output (moons, circles, the logic gates), or any; for the former, the
    // small widths a sweep of tiny networks tries are fixed at compile time too, so that each
    // unit's loops unroll (the 2 → 4 → 1 pass 9 % faster; wider layers amortise their loops).
    macro_rules! widths {
        ($($w:literal)+) => {
            match net.hidden.fan_out {
                $($w => {
                    steps!(2, 1, 2, $w);
                })+
                _ => {
                    steps!(2, 1, 2, 0);
                }
            }
        };
    }
    if (net.hidden.fan_in, net.output.fan_out) == (2, 1) {
        widths!(1 2 3 4 8);
    } else {
        steps!(0, 0, MAX_ENDS, 0);
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
        let lanes = lanes_of::<S>();
        let width = layers[0].fan_out;
        let zero = s.splat_f64s(0.0);
        let lay = Solo {
            params,
            cols: block.columns(),
        };
        let net = Net {
            hidden: &layers[0],
            output: &layers[1],
            lay,
            loss,
            scale: s.splat_f64s(loss.delta_factor(divisor)),
        };

        // One accumulator register per parameter, in the parameters' layout, then the
        // hidden activations of a run of groups.
        let (acc, rest) = scratch.split_at_mut(params.len() * lanes);
        let acc = S::as_mut_simd_f64s(acc).0;
        acc.fill(zero);
        let hid_all = &mut rest[..GROUPS * width * lanes];
        let mut squares = zero;
        // The registers holding samples: the padding past them (to whole AVX-512 registers)
        // would add only zeros.
        let groups = block.rows.div_ceil(lanes);
        steps(s, &net, groups, (acc, hid_all, out), &mut squares);

        for (g, v) in grad.iter_mut().zip(acc.iter()) {
            put(g, s.reduce_sum_f64s(*v), accum);
        }
        s.reduce_sum_f64s(squares)
    }
}
