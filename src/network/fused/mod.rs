//! Fused training passes: forward, loss and backward over a block in one SIMD dispatch, with
//! no product calls, for the shapes where that beats the plain path ([`Fused::choose`]). The
//! block is copied once into columns padded to whole registers ([`Padded`]); [`narrow`] and
//! [`wide`] are the two passes, and this module holds what they share.

pub mod members;
pub mod narrow;
pub mod wide;

use super::simd::Lanes;
use super::{Block, LayerShape, Loss, Real, Workspace};
use faer::Accum;

/// A fused training pass — forward, loss and backward in one dispatch — that takes a network
/// of this shape, where one does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    /// Every layer small: [`narrow`].
    Narrow,
    /// One hidden layer of any width between few inputs and outputs: [`wide`].
    Wide,
}

impl Fused {
    pub fn choose(layers: &[LayerShape]) -> Option<Self> {
        // Softmax mixes a row's outputs: the plain path applies it.
        if layers
            .iter()
            .any(|l| l.activation == super::Activation::Softmax)
        {
            return None;
        }
        // Where both fit (one small hidden layer), the wide pass is as fast or faster.
        if wide::fits(layers) {
            Some(Fused::Wide)
        } else if narrow::fits(layers) {
            Some(Fused::Narrow)
        } else {
            None
        }
    }

    /// The workspace the pass needs for blocks of up to `rows` rows.
    pub fn workspace<T: Real>(self, layers: &[LayerShape], rows: usize) -> Workspace<T> {
        let rows = padded_rows(rows);
        match self {
            Fused::Narrow => Workspace::new(layers, rows),
            Fused::Wide => Workspace::outputs_only(layers, rows),
        }
    }

    /// Length of the scratch buffer the pass needs.
    pub fn scratch_len(self, layers: &[LayerShape], params: usize) -> usize {
        match self {
            Fused::Narrow => 0,
            Fused::Wide => wide::scratch_len(layers, params),
        }
    }

    /// Runs the pass: writes or adds the gradient into `p.grad`, leaves the output in `p.ws`
    /// and returns the block's loss summed before division by [`Loss::divisor`].
    pub fn run(self, p: FusedPass<'_, f64>) -> f64 {
        match self {
            Fused::Narrow => narrow::pass(p),
            Fused::Wide => wide::pass(p),
        }
    }
}

/// What a [`Fused`] pass works on: a block, the network, and where the results go.
pub struct FusedPass<'a, T> {
    pub layers: &'a [LayerShape],
    pub params: &'a [T],
    pub block: &'a Padded<T>,
    pub loss: Loss,
    /// The loss's divisor for the whole data set ([`Loss::divisor`]), so that blocks'
    /// gradients add up to the whole gradient.
    pub divisor: f64,
    /// Sized for the block's padded rows ([`Fused::workspace`]); receives the outputs.
    pub ws: &'a mut Workspace<T>,
    /// Written (`Accum::Replace`) or added to (`Accum::Add`), as [`backward`](super::backward) does.
    pub grad: &'a mut [T],
    pub accum: Accum,
    /// [`Fused::scratch_len`] values.
    pub scratch: &'a mut [T],
}

/// Rows are padded to a multiple of this: the lanes of the widest register runner uses
/// (AVX-512: 8 f64), and so a whole number of registers of any narrower one.
pub const PAD: usize = 8;

/// `rows` rounded up to whole registers: the column stride of [`Padded`] blocks and of the
/// workspace the fused pass writes.
pub fn padded_rows(rows: usize) -> usize {
    rows.div_ceil(PAD) * PAD
}

/// A block's inputs and targets in columns of [`padded_rows`] rows. The padding rows hold
/// zeros and are masked out of the loss and the gradient by `live`.
pub struct Padded<T> {
    pub x: Vec<T>,
    pub y: Vec<T>,
    /// 1 for rows holding samples, 0 for padding.
    pub live: Vec<T>,
    pub rows: usize,
}

impl<T: Real> Padded<T> {
    pub fn new(b: Block<'_, T>) -> Self {
        let ld = padded_rows(b.rows);
        let pad = |m: &[T]| {
            let mut out = vec![T::default(); ld * (m.len() / b.rows.max(1))];
            for (o, c) in out.chunks_exact_mut(ld).zip(m.chunks_exact(b.rows)) {
                o[..b.rows].copy_from_slice(c);
            }
            out
        };
        let live = (0..ld).map(|i| T::from_f64((i < b.rows) as u8 as f64));
        Self {
            x: pad(b.x),
            y: pad(b.y),
            live: live.collect(),
            rows: b.rows,
        }
    }

    /// Lays another block out in place, in the memory this one holds: no allocation when the
    /// block is no larger than the first (a minibatch step).
    pub fn refill(&mut self, b: Block<'_, T>) {
        let ld = padded_rows(b.rows);
        let fill = |out: &mut Vec<T>, m: &[T]| {
            let cols = m.len() / b.rows.max(1);
            out.clear();
            out.resize(ld * cols, T::default());
            for (o, c) in out.chunks_exact_mut(ld).zip(m.chunks_exact(b.rows.max(1))) {
                o[..b.rows].copy_from_slice(c);
            }
        };
        fill(&mut self.x, b.x);
        fill(&mut self.y, b.y);
        self.live.clear();
        self.live
            .extend((0..ld).map(|i| T::from_f64((i < b.rows) as u8 as f64)));
        self.rows = b.rows;
    }

    /// The column stride.
    pub fn ld(&self) -> usize {
        self.live.len()
    }
}

/// A padded block's columns and their stride, as a pass reads them: held by value in the pass's
/// layout rather than read through the block at each use, since the compiler cannot tell the
/// block from the buffers the pass writes and reloads them after every store (that cost the
/// lockstep pass 12 %).
#[derive(Clone, Copy)]
pub(super) struct Columns<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub live: &'a [f64],
    pub ld: usize,
}

impl Padded<f64> {
    pub(super) fn columns(&self) -> Columns<'_> {
        Columns {
            x: &self.x,
            y: &self.y,
            live: &self.live,
            ld: self.ld(),
        }
    }
}

/// After a fused pass: moves the output columns from the padded stride to the plain one
/// (where [`Workspace::output`] finds them) and returns the block's loss sum.
fn finish(
    layers: &[LayerShape],
    block: &Padded<f64>,
    loss: Loss,
    ws: &mut Workspace<f64>,
    squares: f64,
) -> f64 {
    let (n, ld) = (block.rows, block.ld());
    let out = ws.acts.last_mut().expect("a network has an output layer");
    for j in 1..layers[layers.len() - 1].fan_out {
        out.copy_within(j * ld..j * ld + n, j * n);
    }
    block_loss(loss, squares, ws.output(n), block)
}

/// A block's loss sum, before division by [`Loss::divisor`], from the pass's sum of squared
/// errors and its outputs `a` (columns of the block's rows, unpadded).
pub fn block_loss(loss: Loss, squares: f64, a: &[f64], block: &Padded<f64>) -> f64 {
    let (n, ld) = (block.rows, block.ld());
    match loss {
        Loss::HalfSse | Loss::SquaredError => 0.5 * squares,
        Loss::Mse => squares,
        // The cross-entropies need a log: summed by `Loss::sum`, a column at a time.
        Loss::Bce | Loss::CrossEntropy => (a.chunks_exact(n.max(1)))
            .zip(block.y.chunks_exact(ld))
            .map(|(a, y)| loss.sum(a, &y[..n]))
            .sum(),
    }
}

/// `a − y` in the rows holding samples (`live` 1), 0 in the padding: a select, not a product,
/// so that an infinite output there cannot turn the sums into NaN.
#[inline(always)]
fn error<S: Lanes>(s: S, a: S::f64s, y: S::f64s, live: S::f64s) -> S::f64s {
    let zero = s.splat_f64s(0.0);
    s.select_f64s(s.greater_than_f64s(live, zero), s.sub_f64s(a, y), zero)
}

/// Writes (`Replace`) or adds (`Add`) `v` into `g`.
#[inline(always)]
fn put(g: &mut f64, v: f64, accum: Accum) {
    *g = if accum == Accum::Add { *g + v } else { v };
}
