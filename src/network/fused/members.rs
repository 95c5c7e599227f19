//! The [`wide`](super::wide) pass for a lockstep group: several runs of one shape over one
//! block, runs across SIMD lanes, each run's result bit for bit what its own pass gives.
//!
//! Alone, a run's pass holds samples across lanes: lane `c` of each register takes the samples
//! `c, c + L, c + 2L, …` (`L` lanes), sums its share of every gradient in that order, and the
//! lanes are added at the end in a fixed tree ([`pulp::Simd::reduce_sum_f64s`]: halves, then
//! halves of those). Here a register holds one sample of every member, and the pass runs once
//! per *class* `c`: the samples `c, c + L, …`, in that order, through the very same step code
//! (`wide::step` over the `Lay` this module gives it), into the class's own accumulators.
//! Adding the classes' accumulators in the same tree, register by register, ends with each
//! member's gradient rounded exactly as its own pass rounds it: the same operations on the
//! same values in the same order, only in another lane. Padding samples are kept, as alone (in
//! the last register that holds samples; neither pass takes registers of padding alone).
//!
//! Why this and not a wider product: a member's result must equal training it alone in every
//! bit, and only the same order of the same operations gives that.

use super::wide::{self, Lay, Net, GROUPS};
use super::{Columns, Padded};
use crate::network::simd::{self, lanes_of, Lanes, LanesOp};
use crate::network::{LayerShape, Loss};

/// Length of the scratch [`pass`] needs: each class's gradient accumulators and one run of
/// groups' hidden activations, for `lanes` lanes.
pub fn scratch_len(layers: &[LayerShape], params: usize, lanes: usize) -> usize {
    (lanes * params + GROUPS * layers[0].fan_out) * lanes
}

/// A lockstep group's pass over one block. Every member's values are interleaved: value `v`
/// of member `m` at `v · lanes + m`.
pub struct MembersPass<'a> {
    /// One hidden layer, as [`wide::fits`] takes.
    pub layers: &'a [LayerShape],
    /// The members' parameters, interleaved.
    pub params: &'a [f64],
    pub block: &'a Padded<f64>,
    pub loss: Loss,
    /// [`Loss::divisor`] for the whole data set.
    pub divisor: f64,
    /// Receives the outputs, interleaved: output `k` of sample `r` is value `k · ld + r`.
    pub out: &'a mut [f64],
    /// Receives the gradients, interleaved as `params`.
    pub grad: &'a mut [f64],
    /// Receives each member's sum of squared errors over the block.
    pub squares: &'a mut [f64],
    /// [`scratch_len`] values.
    pub scratch: &'a mut [f64],
}

/// Runs the pass (see [`MembersPass`]): one dispatch per class, then one adding them up. (One
/// dispatch for all grew the function past what the compiler inlines, and pulp's helpers
/// became calls.)
pub fn pass(p: MembersPass<'_>) {
    debug_assert!(wide::fits(p.layers));
    let lanes = simd::lanes();
    let n_params = p.params.len() / lanes;
    let (acc, rest) = p.scratch.split_at_mut(lanes * n_params * lanes);
    let hid = &mut rest[..GROUPS * p.layers[0].fan_out * lanes];
    let mut squares = [0.0; 64];
    for ((class, acc), sq) in acc
        .chunks_exact_mut(n_params * lanes)
        .enumerate()
        .zip(squares.chunks_exact_mut(lanes))
    {
        let lay = Members {
            params: p.params,
            cols: p.block.columns(),
            class,
            rows: p.block.rows,
        };
        simd::dispatch(Class {
            layers: p.layers,
            lay,
            loss: p.loss,
            divisor: p.divisor,
            acc,
            hid: &mut *hid,
            out: &mut *p.out,
            squares: sq,
        });
    }
    simd::dispatch(Sum {
        acc,
        squares: &squares[..lanes * lanes],
        grad: p.grad,
        out: p.squares,
    });
}

/// Samples of one class across registers, members across lanes.
struct Members<'a> {
    params: &'a [f64],
    cols: Columns<'a>,
    /// The lane a sample had alone: sample `g · lanes + class` of group `g`.
    class: usize,
    /// The block's samples (the rest of its columns is padding).
    rows: usize,
}

impl Members<'_> {
    #[inline(always)]
    fn sample<S: Lanes>(&self, g: usize) -> usize {
        g * lanes_of::<S>() + self.class
    }
}

impl<S: Lanes> Lay<S> for Members<'_> {
    #[inline(always)]
    fn param(&self, _: S, p: usize) -> S::f64s {
        let lanes = lanes_of::<S>();
        S::as_simd_f64s(&self.params[p * lanes..][..lanes]).0[0]
    }
    #[inline(always)]
    fn x(&self, s: S, g: usize, i: usize) -> S::f64s {
        s.splat_f64s(self.cols.x[i * self.cols.ld + self.sample::<S>(g)])
    }
    #[inline(always)]
    fn y(&self, s: S, g: usize, k: usize) -> S::f64s {
        s.splat_f64s(self.cols.y[k * self.cols.ld + self.sample::<S>(g)])
    }
    #[inline(always)]
    fn live(&self, s: S, g: usize) -> S::f64s {
        s.splat_f64s(self.cols.live[self.sample::<S>(g)])
    }
    #[inline(always)]
    fn out(&self, g: usize, k: usize) -> usize {
        (k * self.cols.ld + self.sample::<S>(g)) * lanes_of::<S>()
    }
}

/// `regs` added in [`pulp::Simd::reduce_sum_f64s`]'s tree, lane by lane: `r[i] += r[i + n]`
/// for n = L/2, L/4, …, 1. (The tests check it against pulp's own on every instruction set.)
#[inline(always)]
fn tree<S: Lanes>(s: S, regs: &mut [S::f64s]) -> S::f64s {
    let mut n = regs.len();
    while n > 1 {
        n /= 2;
        for i in 0..n {
            regs[i] = s.add_f64s(regs[i], regs[i + n]);
        }
    }
    regs[0]
}

/// One class's samples through [`wide::steps`], into its accumulators `acc` (one register a
/// parameter) and its sum of squared errors `squares` (one register).
struct Class<'a> {
    layers: &'a [LayerShape],
    lay: Members<'a>,
    loss: Loss,
    divisor: f64,
    acc: &'a mut [f64],
    hid: &'a mut [f64],
    out: &'a mut [f64],
    squares: &'a mut [f64],
}

impl LanesOp for Class<'_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Lanes>(self, s: S) {
        let zero = s.splat_f64s(0.0);
        // The registers holding samples, as alone.
        let groups = self.lay.rows.div_ceil(lanes_of::<S>());
        let acc = S::as_mut_simd_f64s(self.acc).0;
        acc.fill(zero);
        let net = Net {
            hidden: &self.layers[0],
            output: &self.layers[1],
            lay: self.lay,
            loss: self.loss,
            scale: s.splat_f64s(self.loss.delta_factor(self.divisor)),
        };
        let mut sq = zero;
        wide::steps(s, &net, groups, (acc, self.hid, self.out), &mut sq);
        S::as_mut_simd_f64s(self.squares).0[0] = sq;
    }
}

/// The classes' accumulators added in [`tree`]: each member's gradient into `grad`
/// (interleaved) and its sum of squared errors into `out`.
struct Sum<'a> {
    acc: &'a [f64],
    squares: &'a [f64],
    grad: &'a mut [f64],
    out: &'a mut [f64],
}

impl LanesOp for Sum<'_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Lanes>(self, s: S) {
        let lanes = lanes_of::<S>();
        let acc = S::as_simd_f64s(self.acc).0;
        let n_params = acc.len() / lanes;
        let zero = s.splat_f64s(0.0);
        let mut regs = [zero; 8];
        for (p, g) in self.grad.chunks_exact_mut(lanes).enumerate() {
            for (class, r) in regs[..lanes].iter_mut().enumerate() {
                *r = acc[class * n_params + p];
            }
            S::as_mut_simd_f64s(g).0[0] = tree(s, &mut regs[..lanes]);
        }
        let sq = S::as_simd_f64s(self.squares).0;
        regs[..lanes].copy_from_slice(sq);
        S::as_mut_simd_f64s(&mut self.out[..lanes]).0[0] = tree(s, &mut regs[..lanes]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::simd::on_every_level;

    /// [`tree`] adds as pulp's `reduce_sum_f64s` does, on values whose sum depends on the
    /// order (wide exponents, cancellation).
    #[test]
    fn the_tree_is_pulps_reduction() {
        struct Check;
        impl LanesOp for Check {
            type Output = ();
            fn run<S: Lanes>(self, s: S) {
                let lanes = lanes_of::<S>();
                let mut rng = crate::rng::RandomState::new(7);
                for _ in 0..2000 {
                    // `lanes` registers; lane m of register c is v[c][m].
                    let v: Vec<Vec<f64>> = (0..lanes)
                        .map(|_| {
                            (0..lanes)
                                .map(|_| {
                                    rng.normal(0.0, 1.0)
                                        * 10f64.powi(rng.uniform(-15.0, 15.0) as i32)
                                })
                                .collect()
                        })
                        .collect();
                    let mut regs: Vec<S::f64s> =
                        v.iter().map(|r| S::as_simd_f64s(r).0[0]).collect();
                    let mut got = vec![0.0; lanes];
                    S::as_mut_simd_f64s(&mut got).0[0] = tree(s, &mut regs);
                    for m in 0..lanes {
                        let column: Vec<f64> = (0..lanes).map(|c| v[c][m]).collect();
                        let want = s.reduce_sum_f64s(S::as_simd_f64s(&column).0[0]);
                        assert_eq!(got[m].to_bits(), want.to_bits(), "{column:?}");
                    }
                }
            }
        }
        on_every_level(|_| simd::dispatch(Check));
    }
}
