//! The [`wide`](super::wide) pass for a lockstep group: [`MEMBERS`] runs of one shape over one
//! block in one pass, each run's result bit for bit what its own pass gives.
//!
//! Each member keeps the layout it has alone — samples across lanes, its own parameters and
//! accumulators — and a step takes one register of samples for every member at once (its
//! slots are members, where a run alone fills them with its next groups): the members'
//! long chains of dependent operations (the exps above all) interleave, which a run alone
//! cannot do when its data fills only a register or two. Each member's values go through the
//! same operations in the same order as alone (`wide::step`, over the `Lay` this module gives
//! it), and its accumulators are added across lanes by the same reduction, so every value
//! rounds as it does alone.

use super::wide::{self, column, Lay, Net, GROUPS};
use super::{Columns, Padded};
use crate::network::simd::{self, lanes_of, Lanes, LanesOp};
use crate::network::{LayerShape, Loss};

/// The members of a group: a group of fewer runs fills the rest with the first one's
/// parameters (their results are not read).
pub const MEMBERS: usize = GROUPS;

/// Length of the scratch [`pass`] needs: every member's gradient accumulators and one step's
/// hidden activations.
pub fn scratch_len(layers: &[LayerShape], params: usize) -> usize {
    (MEMBERS * params + GROUPS * layers[0].fan_out) * simd::lanes()
}

/// A lockstep group's pass over one block. Member `m`'s values are its own, laid out as alone.
pub struct MembersPass<'a> {
    /// One hidden layer, as [`wide::fits`] takes.
    pub layers: &'a [LayerShape],
    /// Each member's parameters.
    pub params: [&'a [f64]; MEMBERS],
    pub block: &'a Padded<f64>,
    pub loss: Loss,
    /// [`Loss::divisor`] for the whole data set.
    pub divisor: f64,
    /// Receives the outputs: member `m`'s output `k` of sample `r` at `(m · outputs + k) · ld
    /// + r`, `ld` the block's column stride.
    pub out: &'a mut [f64],
    /// Receives the gradients, member `m`'s at `m · params`.
    pub grad: &'a mut [f64],
    /// Receives each member's sum of squared errors over the block.
    pub squares: &'a mut [f64; MEMBERS],
    /// [`scratch_len`] values.
    pub scratch: &'a mut [f64],
}

/// Runs the pass (see [`MembersPass`]).
pub fn pass(p: MembersPass<'_>) {
    debug_assert!(wide::fits(p.layers));
    simd::dispatch(p);
}

/// One group of samples for every member: slot `t` is member `t`.
struct Members<'a> {
    params: [&'a [f64]; MEMBERS],
    cols: Columns<'a>,
    n_params: usize,
    outputs: usize,
}

impl<S: Lanes> Lay<S> for Members<'_> {
    const RUNS: usize = MEMBERS;
    #[inline(always)]
    fn param(&self, s: S, t: usize, p: usize) -> S::f64s {
        s.splat_f64s(self.params[t][p])
    }
    #[inline(always)]
    fn x(&self, s: S, first: usize, _: usize, i: usize) -> S::f64s {
        column(s, self.cols.x, i * self.cols.ld, first)
    }
    #[inline(always)]
    fn y(&self, s: S, first: usize, _: usize, k: usize) -> S::f64s {
        column(s, self.cols.y, k * self.cols.ld, first)
    }
    #[inline(always)]
    fn live(&self, s: S, first: usize, _: usize) -> S::f64s {
        column(s, self.cols.live, 0, first)
    }
    #[inline(always)]
    fn out(&self, first: usize, t: usize, k: usize) -> usize {
        (t * self.outputs + k) * self.cols.ld + first * lanes_of::<S>()
    }
    #[inline(always)]
    fn acc(&self, m: usize, p: usize) -> usize {
        m * self.n_params + p
    }
}

impl LanesOp for MembersPass<'_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Lanes>(self, s: S) {
        let lanes = lanes_of::<S>();
        let zero = s.splat_f64s(0.0);
        let n_params = self.params[0].len();
        let (acc, rest) = self.scratch.split_at_mut(MEMBERS * n_params * lanes);
        let acc = S::as_mut_simd_f64s(acc).0;
        acc.fill(zero);
        let hid = &mut rest[..GROUPS * self.layers[0].fan_out * lanes];
        let net = Net {
            hidden: &self.layers[0],
            output: &self.layers[1],
            lay: Members {
                params: self.params,
                cols: self.block.columns(),
                n_params,
                outputs: self.layers[1].fan_out,
            },
            loss: self.loss,
            scale: s.splat_f64s(self.loss.delta_factor(self.divisor)),
        };
        let mut squares = [zero; MEMBERS];
        // As alone: the registers holding samples.
        let groups = self.block.rows.div_ceil(lanes);
        wide::steps(s, &net, groups, (acc, hid, self.out), &mut squares);
        // Each sum reduced across lanes as alone (`wide`'s pass, one block).
        for (g, v) in self.grad.iter_mut().zip(acc.iter()) {
            *g = s.reduce_sum_f64s(*v);
        }
        for (o, v) in self.squares.iter_mut().zip(&squares) {
            *o = s.reduce_sum_f64s(*v);
        }
    }
}
