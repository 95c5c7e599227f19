//! Samples in cache-sized blocks, processed by a fixed set of groups.
//!
//! A data set is cut into blocks of [`BLOCK_ROWS`] rows, each laid out contiguously: inputs,
//! their transpose and targets for the plain path, or the padded columns of a [`Fused`] pass
//! when the network's shape has one. Per block, the forward pass, the loss and the backward
//! pass run back to back, so a block's activations stay in cache instead of streaming a
//! `rows x width` matrix through memory several times per epoch.
//!
//! The blocks are dealt, in order, to at most [`MAX_GROUPS`] groups; each group owns a gradient
//! buffer (allocated once) and processes its blocks one after another, in a working memory it
//! borrows from one of the run's workers (one per thread it may use). Groups run in parallel or
//! in sequence, and their sums are added in group order — so the result depends only on the
//! data's size, never on the number of threads. A data set of at most [`BLOCK_ROWS`] rows is
//! one block.

use crate::data::Dataset;
use crate::network::fused::Padded;
use crate::network::{self, correct, Block, LayerShape, Loss, Real, Workspace};
use crate::network::{Fused, FusedPass};
use faer::Accum;
use rayon::prelude::*;
use std::ops::Range;

/// Rows per block: a 512 x 256 block of activations and its deltas take 2 MiB, within L2.
pub const BLOCK_ROWS: usize = 512;
/// Groups a data set is dealt to: the most threads one run can use.
pub const MAX_GROUPS: usize = 8;

/// What a pass measures besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Loss,
    /// The loss and, for classes, the accuracy.
    LossAndAccuracy,
}

/// Whether a pass goes backward too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gradient {
    Skip,
    Compute,
}

/// Where a pass runs: the result is the same either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// On the calling thread.
    OneThread,
    /// Over the current rayon pool's threads.
    Pool,
}

impl Spread {
    /// [`Spread::Pool`] when `parallel`, else [`Spread::OneThread`].
    pub fn when(parallel: bool) -> Spread {
        if parallel {
            Spread::Pool
        } else {
            Spread::OneThread
        }
    }
}

/// One block's samples, column-major.
struct BlockData<T> {
    x: Vec<T>,
    xt: Vec<T>,
    y: Vec<T>,
    rows: usize,
    /// The block in whole-register columns, for a [`Fused`] pass.
    padded: Option<Padded<T>>,
}

impl<T: Real> BlockData<T> {
    fn view(&self) -> Block<'_, T> {
        Block {
            x: &self.x,
            xt: &self.xt,
            y: &self.y,
            rows: self.rows,
        }
    }
}

/// A group's partial sums.
struct Group<T> {
    blocks: Range<usize>,
    grad: Vec<T>,
    loss: f64,
    correct: usize,
}

/// The working memory for one group at a time: one per thread a run may use, not one per
/// group, since groups that run one after another can share it.
struct Worker<T> {
    ws: Workspace<T>,
    /// The fused pass's scratch.
    scratch: Vec<T>,
}

/// What one pass over the data yields.
#[derive(Clone, Copy, Debug)]
pub struct PassResult {
    /// The loss over all rows (summed, then divided by [`Loss::divisor`]).
    pub loss: f64,
    /// Fraction of rows classified correctly, when asked for and the targets are classes.
    pub accuracy: Option<f64>,
}

/// A data set in blocks, with its groups' preallocated memory.
pub struct Blocked<T = f64> {
    blocks: Vec<BlockData<T>>,
    groups: Vec<Group<T>>,
    workers: Vec<Worker<T>>,
    rows: usize,
    outputs: usize,
    classes: bool,
    /// The fused pass training takes, if any.
    fused: Option<Fused>,
}

impl<T: Real> Blocked<T> {
    /// Lays `d` out in blocks; `with_grad` allocates gradient buffers (training data).
    /// `threads` is the most threads [`Blocked::pass`] will use: one working memory is made
    /// for each (up to the number of groups).
    pub fn new(
        d: &Dataset,
        layers: &[LayerShape],
        params: usize,
        with_grad: bool,
        threads: usize,
    ) -> Self {
        let fused = Fused::choose(layers).filter(|_| with_grad && T::FUSED);
        let blocks: Vec<BlockData<T>> = (0..d.rows)
            .step_by(BLOCK_ROWS)
            .map(|start| {
                let end = (start + BLOCK_ROWS).min(d.rows);
                let idx: Vec<usize> = (start..end).collect();
                let part = d.select(&idx);
                let cast = |v: Vec<f64>| v.into_iter().map(T::from_f64).collect::<Vec<T>>();
                let mut block = BlockData {
                    x: cast(network::transpose(&part.x, part.rows, part.inputs)),
                    y: cast(network::transpose(&part.y, part.rows, part.outputs)),
                    xt: cast(part.x),
                    rows: part.rows,
                    padded: None,
                };
                if fused.is_some() {
                    // The fused pass reads its own padded copy of the inputs; the targets
                    // stay for the accuracy.
                    block.padded = Some(Padded::new(block.view()));
                    block.x = Vec::new();
                    block.xt = Vec::new();
                }
                block
            })
            .collect();
        let n_groups = blocks.len().clamp(1, MAX_GROUPS);
        let capacity = blocks.iter().map(|b| b.rows).max().unwrap_or(0);
        let groups = (0..n_groups)
            .map(|g| Group {
                blocks: g * blocks.len() / n_groups..(g + 1) * blocks.len() / n_groups,
                grad: vec![T::default(); if with_grad { params } else { 0 }],
                loss: 0.0,
                correct: 0,
            })
            .collect();
        let workers = (0..threads.clamp(1, n_groups))
            .map(|_| Worker {
                ws: match fused {
                    Some(f) => f.workspace(layers, capacity),
                    None => Workspace::new(layers, capacity),
                },
                scratch: vec![T::default(); fused.map_or(0, |f| f.scratch_len(layers, params))],
            })
            .collect();
        Self {
            blocks,
            groups,
            workers,
            rows: d.rows,
            outputs: d.outputs,
            classes: d.is_classification(),
            fused,
        }
    }

    /// One pass: forward (and, with [`Gradient::Compute`], backward) over every block. With
    /// [`Spread::Pool`], the groups run on the current rayon pool, in as many contiguous runs
    /// as there are working memories; the result is the same either way.
    pub fn pass(
        &mut self,
        layers: &[LayerShape],
        params: &[T],
        loss: Loss,
        measure: Measure,
        gradient: Gradient,
        spread: Spread,
    ) -> PassResult {
        let divisor = loss.divisor(self.rows, self.outputs);
        let want_accuracy = measure == Measure::LossAndAccuracy && self.classes;
        let backward = gradient == Gradient::Compute;
        let blocks = &self.blocks;
        // A fused pass computes the gradient whether or not it is asked for: training data
        // (the only kind that has one) is laid out for it alone.
        let fused = self.fused;
        let work = |g: &mut Group<T>, w: &mut Worker<T>| {
            g.loss = 0.0;
            g.correct = 0;
            for (i, b) in blocks[g.blocks.clone()].iter().enumerate() {
                let accum = if i == 0 { Accum::Replace } else { Accum::Add };
                let fused = match (&b.padded, fused) {
                    (Some(block), Some(kind)) => T::fused_pass(
                        kind,
                        FusedPass {
                            layers,
                            params,
                            block,
                            loss,
                            divisor,
                            ws: &mut w.ws,
                            grad: &mut g.grad,
                            accum,
                            scratch: &mut w.scratch,
                        },
                    ),
                    _ => None,
                };
                g.loss += fused.unwrap_or_else(|| {
                    network::forward(layers, params, &b.x, b.rows, &mut w.ws);
                    loss.sum(w.ws.output(b.rows), &b.y)
                });
                if want_accuracy {
                    g.correct += correct(w.ws.output(b.rows), &b.y, b.rows);
                }
                if backward && fused.is_none() {
                    network::backward(
                        layers,
                        params,
                        b.view(),
                        (loss, divisor),
                        &mut w.ws,
                        &mut g.grad,
                        accum,
                    );
                }
            }
        };
        if spread == Spread::Pool && self.workers.len() > 1 {
            let per = self.groups.len().div_ceil(self.workers.len());
            self.groups
                .par_chunks_mut(per)
                .zip(self.workers.par_iter_mut())
                .for_each(|(groups, w)| groups.iter_mut().for_each(|g| work(g, w)));
        } else {
            let w = &mut self.workers[0];
            self.groups.iter_mut().for_each(|g| work(g, w));
        }
        // Fixed order: group 0, then 1, 2, …
        let total: f64 = self.groups.iter().map(|g| g.loss).sum();
        let right: usize = self.groups.iter().map(|g| g.correct).sum();
        if backward {
            let (first, rest) = self.groups.split_at_mut(1);
            for g in rest {
                first[0]
                    .grad
                    .iter_mut()
                    .zip(&g.grad)
                    .for_each(|(a, &b)| *a += b);
            }
        }
        PassResult {
            loss: total / divisor,
            accuracy: want_accuracy.then(|| right as f64 / self.rows as f64),
        }
    }

    /// The gradient of the last pass with `backward`.
    pub fn grad(&self) -> &[T] {
        &self.groups[0].grad
    }

    /// The gradient of the last pass, to add to (a penalty's gradient).
    pub fn grad_mut(&mut self) -> &mut [T] {
        &mut self.groups[0].grad
    }

    /// A data set of one block laid out for a fused pass: that block, padded, and its
    /// targets in columns (for a lockstep group, which reads the very block a run alone
    /// does).
    pub fn single_fused(&self) -> Option<(&Padded<T>, &[T])> {
        match &self.blocks[..] {
            [b] => b.padded.as_ref().map(|p| (p, &b.y[..])),
            _ => None,
        }
    }

    /// Blocks in this data set (for tests).
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Activation, Architecture};
    use crate::rng::RandomState;
    const ALL: Measure = Measure::LossAndAccuracy;

    /// Hidden widths that take each of the three passes: narrow, wide, plain.
    const SHAPES: [&[usize]; 3] = [&[4, 2], &[40], &[20, 20]];

    fn setup(rows: usize, hidden: &[usize]) -> (Architecture, Dataset, Vec<f64>) {
        let arch = Architecture {
            inputs: 3,
            hidden: hidden.to_vec(),
            outputs: 2,
            activation: Activation::Tanh,
            output: Activation::Sigmoid,
            bias: true,
        };
        let mut rng = RandomState::new(4);
        let x = (0..rows * 3).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let y = (0..rows * 2)
            .map(|_| (rng.random_sample() > 0.5) as u8 as f64)
            .collect();
        let params = (0..arch.param_count())
            .map(|_| rng.normal(0.0, 0.5))
            .collect();
        (arch, Dataset::new(x, y, rows, 3, 2), params)
    }

    #[test]
    fn parallel_and_sequential_groups_agree_bit_for_bit() {
        for hidden in SHAPES {
            groups_agree(hidden);
        }
    }

    fn groups_agree(hidden: &[usize]) {
        let (arch, d, params) = setup(5 * BLOCK_ROWS + 17, hidden);
        let layers = arch.layers();
        let mut a = Blocked::new(&d, &layers, params.len(), true, 1);
        let mut b = Blocked::new(&d, &layers, params.len(), true, 3);
        assert_eq!(a.block_count(), 6);
        let pa = a.pass(
            &layers,
            &params,
            Loss::Mse,
            ALL,
            Gradient::Compute,
            Spread::OneThread,
        );
        let pb = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| {
                b.pass(
                    &layers,
                    &params,
                    Loss::Mse,
                    ALL,
                    Gradient::Compute,
                    Spread::Pool,
                )
            });
        assert_eq!(pa.loss.to_bits(), pb.loss.to_bits());
        assert_eq!(pa.accuracy, pb.accuracy);
        assert!(a
            .grad()
            .iter()
            .zip(b.grad())
            .all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn blocks_add_up_to_the_whole() {
        for (loss, hidden) in [Loss::HalfSse, Loss::Mse, Loss::Bce]
            .into_iter()
            .flat_map(|l| SHAPES.map(|h| (l, h)))
        {
            let (arch, d, params) = setup(3 * BLOCK_ROWS + 5, hidden);
            let layers = arch.layers();
            let mut blocked = Blocked::new(&d, &layers, params.len(), true, 1);
            let p = blocked.pass(
                &layers,
                &params,
                loss,
                ALL,
                Gradient::Compute,
                Spread::OneThread,
            );
            // The same computation on all rows at once.
            let x = network::transpose(&d.x, d.rows, 3);
            let y = network::transpose(&d.y, d.rows, 2);
            let mut ws = Workspace::new(&layers, d.rows);
            let mut grad = vec![0.0; params.len()];
            network::forward(&layers, &params, &x, d.rows, &mut ws);
            let whole = loss.value(ws.output(d.rows), &y, 2);
            let right = correct(ws.output(d.rows), &y, d.rows) as f64 / d.rows as f64;
            let block = Block {
                x: &x,
                xt: &d.x,
                y: &y,
                rows: d.rows,
            };
            let divisor = loss.divisor(d.rows, 2);
            network::backward(
                &layers,
                &params,
                block,
                (loss, divisor),
                &mut ws,
                &mut grad,
                Accum::Replace,
            );
            assert!(
                (p.loss - whole).abs() <= 1e-13 * whole.abs(),
                "{loss:?} {hidden:?}: {} vs {whole}",
                p.loss
            );
            assert_eq!(p.accuracy, Some(right));
            for (g, w) in blocked.grad().iter().zip(&grad) {
                assert!(
                    (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                    "{loss:?} {hidden:?}: gradient {g} vs {w}"
                );
            }
        }
    }
}
