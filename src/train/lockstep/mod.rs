//! Lockstep: several runs of one shape on one data set trained together, one pass over the
//! data an epoch for all of them, each member's results bit for bit those of training it alone.
//!
//! A group's pass is [`members::pass`]: one register of samples of every member at a time,
//! each member's sums in the order its own pass takes them (see there). Everything else a
//! member does between two passes — its loss and accuracy, its stopping rule, its row, its
//! step, its callback — is the same `Descent` code a run alone goes through, on the member's
//! own weights. Once a member diverges, converges, reaches its epochs or is stopped, the others
//! go on alone, each from where it is (its slot would cost as much as a member and yield
//! nothing).
//!
//! Groups take what dominates sweeps of tiny networks: full-batch `gd` in f64, one hidden
//! layer the fused [`wide`](crate::network::fused::wide) pass takes, at most one block of rows
//! ([`BLOCK_ROWS`]): [`joins`] says which. A sweep forms them where they are faster
//! ([`pays`]); other runs train alone.

use super::blocks::{Blocked, Measure, PassResult, BLOCK_ROWS};
use super::full::{self, Descent};
use super::{EpochRow, Method, Outcome, Precision, Run};
use crate::network::fused;
use crate::network::fused::members::{self, MembersPass};
use crate::network::{self, Fused, Loss};
use std::ops::ControlFlow;

/// What a group's members must share: the network, the data (the same loaded set), the loss
/// and the pass. Anything else — seeds, initial weights, learning rates, L2, epochs, stopping
/// rules, logging — is each member's own.
pub fn joins(a: &Run, b: &Run) -> bool {
    shares(a, b) && takes(a) && takes(b)
}

/// Whether `a` and `b` share what a group's members must (the [`joins`] test for two runs
/// already known to [`takes`]).
pub fn shares(a: &Run, b: &Run) -> bool {
    a.arch == b.arch && std::ptr::eq(a.data, b.data) && a.spec.loss == b.spec.loss
}

/// Whether `run` can train in a group.
pub fn takes(run: &Run) -> bool {
    run.spec.method == Method::Gd
        && run.spec.precision == Precision::F64
        && run.data.train.rows <= BLOCK_ROWS
        && Fused::choose(&run.arch.layers()) == Some(Fused::Wide)
}

/// Whether training `run` in a group is faster than alone: when its rows fill fewer registers
/// than a step of the wide pass takes (12 rows with AVX2's 4 lanes, 24 with AVX-512's 8).
/// Alone, such a run's steps hold too few independent exps to keep the core busy, and a
/// group's interleave four (1 000 runs of 8 rows: 1.21× faster in `benches/compare`). On more
/// rows a run's own steps already take four registers, and a group only adds work, since each
/// member's sums go through memory at every step (`moons_sweep`, 150 rows: 12 % slower
/// grouped).
pub fn pays(run: &Run) -> bool {
    run.data.train.rows.div_ceil(crate::network::simd::lanes()) < members::MEMBERS
}

/// The most members a group holds: as many as a step of the wide pass takes registers of
/// samples at once.
pub fn width() -> usize {
    members::MEMBERS
}

/// A member's callback, as [`super::train`] takes it.
pub type OnEpoch<'a> = Box<dyn FnMut(usize, Option<&EpochRow>) -> ControlFlow<()> + 'a>;

/// A member: its run, its initial weights and its callback (as [`super::train`] takes them).
pub struct Member<'a> {
    pub run: Run<'a>,
    pub params: Vec<f64>,
    pub on_epoch: OnEpoch<'a>,
}

/// Trains `members` (at most [`width`], all [`joins`]ing the first) together; each outcome is
/// the one [`super::train`] gives the member alone, bit for bit.
pub fn train(members: Vec<Member<'_>>) -> Vec<Outcome> {
    let width = width();
    assert!(
        !members.is_empty()
            && members.len() <= width
            && members.iter().all(|m| joins(&members[0].run, &m.run)),
        "a lockstep group is 1 to {width} runs of one shape"
    );
    let first = members[0].run;
    let (arch, data, loss) = (first.arch, first.data, first.spec.loss);
    let layers = arch.layers();
    let n_params = arch.param_count();
    let d = &data.train;
    let (n, outputs) = (d.rows, d.outputs);
    // The block a run alone trains on (one block, laid out for the wide pass: `takes`).
    let blocked = Blocked::<f64>::new(d, &layers, n_params, true, 1);
    let (block, y) = blocked
        .single_fused()
        .expect("a group's data is one block for the wide pass");
    let ld = block.ld();
    let divisor = loss.divisor(n, outputs);
    let classes = d.is_classification();

    let alone_runs: Vec<Run> = members.iter().map(|m| m.run).collect();
    let mut runs: Vec<_> = members
        .into_iter()
        .map(|m| Descent::<f64, _>::new(&m.run, &layers, m.params, m.on_epoch))
        .collect();
    let mut grad = vec![0.0; n_params * width];
    let mut out = vec![0.0; outputs * ld * width];
    let mut scratch = vec![0.0; members::scratch_len(&layers, n_params)];
    let mut squares = [0.0; members::MEMBERS];
    // One member's outputs in columns of its rows, as its own pass leaves them.
    let mut own_out = vec![0.0; outputs * n];

    // Together while every member trains: once one leaves, the others go on alone (a slot
    // that yields nothing would cost as much as a member; and so do the spare slots of a
    // group smaller than `width`, which the sweep does not form).
    while runs.iter().all(|r| !r.done()) {
        // Spare slots repeat the first member, so that every slot computes on sound values;
        // their results are not read.
        let params = std::array::from_fn(|m| runs.get(m).unwrap_or(&runs[0]).params());
        members::pass(MembersPass {
            layers: &layers,
            params,
            block,
            loss,
            divisor,
            out: &mut out,
            grad: &mut grad,
            squares: &mut squares,
            scratch: &mut scratch,
        });
        for (m, r) in runs.iter_mut().enumerate().filter(|(_, r)| !r.done()) {
            // The member's outputs in its rows' columns, only when something reads them: the
            // cross-entropies' loss, and the accuracy of a logged epoch.
            let want = r.measure() == Measure::LossAndAccuracy;
            let gathered = want || matches!(loss, Loss::Bce | Loss::CrossEntropy);
            let gather = |own: &mut [f64]| {
                for (k, o) in own.chunks_exact_mut(n.max(1)).enumerate() {
                    o.copy_from_slice(&out[(m * outputs + k) * ld..][..o.len()]);
                }
            };
            if gathered {
                gather(&mut own_out);
            }
            // The block's loss and accuracy as a run's own pass sums them
            // (`fused::finish`, then `Blocked::pass`).
            let mut sum = 0.0;
            sum += fused::block_loss(loss, squares[m], &own_out, block);
            let total: f64 = [sum].into_iter().sum();
            let accuracy =
                |own: &[f64]| classes.then(|| network::correct(own, y, n) as f64 / n as f64);
            let pass = PassResult {
                loss: total / divisor,
                accuracy: if want { accuracy(&own_out) } else { None },
            };
            let next = r.end(pass, |_| {
                if !gathered {
                    gather(&mut own_out);
                }
                accuracy(&own_out)
            });
            // A member that stops here ends the group's passes (see the loop).
            let _ = r.step(next, &mut grad[m * n_params..][..n_params]);
        }
    }
    for (r, m) in runs.iter_mut().zip(&alone_runs) {
        full::alone(r, m, &layers);
    }
    runs.into_iter().map(Descent::outcome).collect()
}

#[cfg(test)]
mod tests;
