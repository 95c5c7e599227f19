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

/// Where a [`step`] reads a block's values and parameters, and where it writes outputs and
/// sums. A step takes `C` registers of samples, its *slots*: for one run ([`Solo`]) the
/// groups `first, first + 1, …` of its samples, all adding into one set of accumulators; for
/// a lockstep group ([`members`](super::members)) one group of samples, `first`, for each of
/// `C` members, each member adding into its own. Either way a run's values go through the same
/// operations in the same order, so they round alike.
pub(super) trait Lay<S: Lanes> {
    /// The runs a step's slots belong to: slot `t` is run `t % RUNS`'s (1: one run alone;
    /// a lockstep group's members), each run with its own accumulators.
    const RUNS: usize;
    /// Parameter `p` of slot `t`.
    fn param(&self, s: S, t: usize, p: usize) -> S::f64s;
    /// Input `i` of slot `t` of the step from group `first`.
    fn x(&self, s: S, first: usize, t: usize, i: usize) -> S::f64s;
    /// Target `k` of slot `t`.
    fn y(&self, s: S, first: usize, t: usize, k: usize) -> S::f64s;
    /// 1 for samples, 0 for padding, in slot `t`.
    fn live(&self, s: S, first: usize, t: usize) -> S::f64s;
    /// Where output `k` of slot `t` goes in the outputs buffer (an offset in values).
    fn out(&self, first: usize, t: usize, k: usize) -> usize;
    /// Where run `m`'s accumulator for parameter `p` is.
    fn acc(&self, m: usize, p: usize) -> usize;
}

/// One run: samples across lanes, slot `t` of the step from `first` the group `first + t`,
/// the `first + t`-th register of each column.
struct Solo<'a> {
    params: &'a [f64],
    cols: Columns<'a>,
}

impl<S: Lanes> Lay<S> for Solo<'_> {
    const RUNS: usize = 1;
    #[inline(always)]
    fn param(&self, s: S, _: usize, p: usize) -> S::f64s {
        s.splat_f64s(self.params[p])
    }
    #[inline(always)]
    fn x(&self, s: S, first: usize, t: usize, i: usize) -> S::f64s {
        column(s, self.cols.x, i * self.cols.ld, first + t)
    }
    #[inline(always)]
    fn y(&self, s: S, first: usize, t: usize, k: usize) -> S::f64s {
        column(s, self.cols.y, k * self.cols.ld, first + t)
    }
    #[inline(always)]
    fn live(&self, s: S, first: usize, t: usize) -> S::f64s {
        column(s, self.cols.live, 0, first + t)
    }
    #[inline(always)]
    fn out(&self, first: usize, t: usize, k: usize) -> usize {
        k * self.cols.ld + (first + t) * lanes_of::<S>()
    }
    #[inline(always)]
    fn acc(&self, _: usize, p: usize) -> usize {
        p
    }
}

/// Register `g` of the column at `start` in `values`.
#[inline(always)]
pub(super) fn column<S: Lanes>(_: S, values: &[f64], start: usize, g: usize) -> S::f64s {
    let lanes = lanes_of::<S>();
    S::as_simd_f64s(&values[start + g * lanes..][..lanes]).0[0]
}

/// `$acc[v] ← $e` with `$sum` the accumulator, for each slot `$t` of `$c` in order: each run's
/// sum held in a register across its slots (all of them for one run alone, one for each member
/// of a lockstep group). A macro, not a closure (see above).
macro_rules! accumulate {
    ($lay:expr, $acc:expr, $v:expr, $c:expr, |$sum:ident, $t:ident| $e:expr) => {{
        let v = $v;
        for m in 0..L::RUNS.min($c) {
            let a = $lay.acc(m, v);
            let mut $sum = $acc[a];
            for $t in (m..$c).step_by(L::RUNS) {
                $sum = $e;
            }
            $acc[a] = $sum;
        }
    }};
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
// The backward loops index `d[t][k]` and `x[t][i]` over the slots `t` inside `accumulate!`.
#[allow(clippy::needless_range_loop)]
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
    squares: &mut [S::f64s],
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
            *x = lay.x(s, first, t, i);
        }
    }

    // Forward: the hidden pre-activations, then their activation in one slice loop
    // (independent units, so the CPU overlaps their exps), then the outputs.
    let hid_f64 = &mut hid_all[..C * width * lanes];
    let hid = S::as_mut_simd_f64s(hid_f64).0;
    for (t, hid) in hid.chunks_exact_mut(width).enumerate() {
        for (j, h) in hid.iter_mut().enumerate() {
            let mut z = match hidden.b {
                Some(b) => lay.param(s, t, b + j),
                None => zero,
            };
            for (i, x) in x[t][..inputs].iter().enumerate() {
                z = s.mul_add_f64s(lay.param(s, t, hidden.w + j * inputs + i), *x, z);
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
                    z[c] = s.mul_add_f64s(lay.param(s, t, v + 4 * j + c), h[c], z[c]);
                }
            }
            for (j, h) in hid[whole..].iter().enumerate() {
                z[0] = s.mul_add_f64s(lay.param(s, t, v + whole + j), *h, z[0]);
            }
            let b = match output.b {
                Some(b) => lay.param(s, t, b + k),
                None => zero,
            };
            let z = s.add_f64s(s.add_f64s(z[0], z[1]), s.add_f64s(z[2], z[3]));
            act[t * outputs + k] = s.add_f64s(b, z);
        }
    }
    simd::activate_registers(s, output.activation, &mut act[..C * outputs]);
    let mut d = [[zero; N]; C];
    for t in 0..C {
        let live = lay.live(s, first, t);
        for k in 0..outputs {
            let a = act[t * outputs + k];
            S::as_mut_simd_f64s(&mut out[lay.out(first, t, k)..][..lanes]).0[0] = a;
            let y = lay.y(s, first, t, k);
            let diff = error(s, a, y, live);
            let sq = &mut squares[t % L::RUNS];
            *sq = s.mul_add_f64s(diff, diff, *sq);
            let dk = s.mul_f64s(diff, scale);
            d[t][k] = match loss {
                Loss::Bce | Loss::CrossEntropy => dk,
                Loss::HalfSse | Loss::Mse | Loss::SquaredError => {
                    simd::derive(s, output.activation, dk, a)
                }
            };
            if let Some(b) = output.b {
                let a = lay.acc(t % L::RUNS, b + k);
                acc[a] = s.add_f64s(acc[a], d[t][k]);
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
                let v = lay.param(s, t, output.w + k * width + j);
                back = s.mul_add_f64s(v, *d, back);
            }
            *delta = simd::derive(s, hidden.activation, back, hid[t * width + j]);
        }
        for k in 0..outputs {
            accumulate!(lay, acc, output.w + k * width + j, C, |sum, t| {
                s.mul_add_f64s(d[t][k], hid[t * width + j], sum)
            });
        }
        if let Some(b) = hidden.b {
            accumulate!(lay, acc, b + j, C, |sum, t| s.add_f64s(sum, delta[t]));
        }
        for i in 0..inputs {
            accumulate!(lay, acc, hidden.w + j * inputs + i, C, |sum, t| {
                s.mul_add_f64s(delta[t], x[t][i], sum)
            });
        }
    }
}

/// [`step`] over groups `0..groups`: for one run, runs of [`GROUPS`] groups with the run's
/// loops unrolled, then the groups left in one shorter run; for a lockstep group of
/// [`GROUPS`] members, one group of every member a step.
#[inline(always)]
pub(super) fn steps<S: Lanes, L: Lay<S>>(
    s: S,
    net: &Net<'_, S, L>,
    groups: usize,
    (acc, hid_all, out): (&mut [S::f64s], &mut [f64], &mut [f64]),
    squares: &mut [S::f64s],
) {
    macro_rules! steps {
        ($i:literal, $o:literal, $n:expr, $w:literal) => {
            if L::RUNS == 1 {
                let whole = groups - groups % GROUPS;
                for first in (0..whole).step_by(GROUPS) {
                    let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                    step::<S, L, GROUPS, $i, $o, $n, $w>(s, net, first, bufs, squares);
                }
                // The groups left, together too: one at a time, a step's activations have
                // too few independent exps to overlap (three single steps cost more than one
                // of four).
                let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                match groups - whole {
                    0 => {}
                    1 => step::<S, L, 1, $i, $o, $n, $w>(s, net, whole, bufs, squares),
                    2 => step::<S, L, 2, $i, $o, $n, $w>(s, net, whole, bufs, squares),
                    _ => step::<S, L, 3, $i, $o, $n, $w>(s, net, whole, bufs, squares),
                }
            } else {
                // A lockstep group: each group of samples for every member at once.
                for first in 0..groups {
                    let bufs = (&mut *acc, &mut *hid_all, &mut *out);
                    step::<S, L, GROUPS, $i, $o, $n, $w>(s, net, first, bufs, squares);
                }
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
        let mut squares = [zero];
        // The registers holding samples: the padding past them (to whole AVX-512 registers)
        // would add only zeros.
        let groups = block.rows.div_ceil(lanes);
        steps(s, &net, groups, (acc, hid_all, out), &mut squares);

        for (g, v) in grad.iter_mut().zip(acc.iter()) {
            put(g, s.reduce_sum_f64s(*v), accum);
        }
        s.reduce_sum_f64s(squares[0])
    }
}
