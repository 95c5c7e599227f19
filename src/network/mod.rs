//! Fully connected networks: their shape, parameter layout, and the forward and backward
//! passes as kernels on views into a preallocated [`Workspace`].
//!
//! All matrices are column-major so faer can view them without copying. Parameters live in
//! one flat vector, layer by layer: the weights (`fan_in x fan_out`), then the bias if any.
//! The gradient has the same layout, so an update is one loop over both.

mod activation;
pub mod fused;
pub mod init;
mod loss;
mod real;
pub mod simd;

pub use activation::Activation;
pub use fused::{Fused, FusedPass};
pub use loss::Loss;
pub use real::Real;

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// The validated `[model]` section, with the widths the data fixes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Architecture {
    pub inputs: usize,
    /// Hidden layer widths; empty for a perceptron.
    pub hidden: Vec<usize>,
    pub outputs: usize,
    /// Activation of the hidden layers.
    pub activation: Activation,
    /// Activation of the output layer.
    pub output: Activation,
    pub bias: bool,
}

/// One layer's place in the flat parameter vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerShape {
    pub fan_in: usize,
    pub fan_out: usize,
    /// Offset of the weights, `fan_in x fan_out` column-major.
    pub w: usize,
    /// Offset of the bias (`fan_out` values), if the layer has one.
    pub b: Option<usize>,
    pub activation: Activation,
}

impl LayerShape {
    pub fn weights<'a, T: Real>(&self, params: &'a [T]) -> MatRef<'a, T> {
        let len = self.fan_in * self.fan_out;
        MatRef::from_column_major_slice(&params[self.w..self.w + len], self.fan_in, self.fan_out)
    }
}

impl Architecture {
    /// The layers in order, with their parameter offsets.
    pub fn layers(&self) -> Vec<LayerShape> {
        let widths: Vec<usize> = std::iter::once(self.inputs)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(self.outputs))
            .collect();
        let last = widths.len() - 2;
        let mut offset = 0;
        (0..=last)
            .map(|l| {
                let (fan_in, fan_out) = (widths[l], widths[l + 1]);
                let w = offset;
                offset += fan_in * fan_out;
                let b = self.bias.then(|| {
                    offset += fan_out;
                    offset - fan_out
                });
                let activation = if l == last {
                    self.output
                } else {
                    self.activation
                };
                LayerShape {
                    fan_in,
                    fan_out,
                    w,
                    b,
                    activation,
                }
            })
            .collect()
    }

    pub fn param_count(&self) -> usize {
        self.layers()
            .iter()
            .map(|l| l.fan_in * l.fan_out + if l.b.is_some() { l.fan_out } else { 0 })
            .sum()
    }
}

/// Per-layer activations and deltas for up to `capacity` rows, allocated once per run.
pub struct Workspace<T = f64> {
    pub capacity: usize,
    /// `acts[l]`: layer `l`'s output, `rows x fan_out` column-major (first `rows` rows used).
    pub acts: Vec<Vec<T>>,
    /// `deltas[l]`: ∂loss/∂z of layer `l`, same shape as `acts[l]`.
    pub deltas: Vec<Vec<T>>,
}

impl<T: Real> Workspace<T> {
    pub fn new(layers: &[LayerShape], capacity: usize) -> Self {
        let bufs = || {
            layers
                .iter()
                .map(|l| vec![T::default(); capacity * l.fan_out])
                .collect()
        };
        Self {
            capacity,
            acts: bufs(),
            deltas: bufs(),
        }
    }

    /// A workspace with room for the output layer's activations only (what the [`wide`](fused::wide) pass
    /// writes): the hidden layers' `rows x width` buffers are left empty.
    pub fn outputs_only(layers: &[LayerShape], capacity: usize) -> Self {
        let last = layers.len() - 1;
        let acts = layers
            .iter()
            .enumerate()
            .map(|(l, s)| vec![T::default(); if l == last { capacity * s.fan_out } else { 0 }])
            .collect();
        Self {
            capacity,
            acts,
            deltas: vec![Vec::new(); layers.len()],
        }
    }

    /// The network's output for the last `rows` rows passed forward, column-major.
    pub fn output(&self, rows: usize) -> &[T] {
        let out = self.acts.last().expect("a network has an output layer");
        &out[..rows * (out.len() / self.capacity.max(1))]
    }
}

/// One block of samples: inputs `x` (`rows x inputs`), their transpose `xt`
/// (`inputs x rows`, kept as a copy because a product with a transposed left operand is several
/// times slower at these shapes) and targets `y` (`rows x outputs`), all column-major.
#[derive(Clone, Copy)]
pub struct Block<'a, T = f64> {
    pub x: &'a [T],
    pub xt: &'a [T],
    pub y: &'a [T],
    pub rows: usize,
}

/// Forward pass of `rows` rows of `x` (`rows x inputs`, column-major) into `ws.acts`.
pub fn forward<T: Real>(
    layers: &[LayerShape],
    params: &[T],
    x: &[T],
    rows: usize,
    ws: &mut Workspace<T>,
) {
    let n = rows;
    for (l, layer) in layers.iter().enumerate() {
        let (before, rest) = ws.acts.split_at_mut(l);
        let input = if l == 0 {
            x
        } else {
            &before[l - 1][..n * layer.fan_in]
        };
        let input = MatRef::from_column_major_slice(input, n, layer.fan_in);
        let out = &mut rest[0][..n * layer.fan_out];
        matmul(
            MatMut::from_column_major_slice_mut(out, n, layer.fan_out),
            Accum::Replace,
            input,
            layer.weights(params),
            T::from_f64(1.0),
            Par::Seq,
        );
        // The bias is added inside the activation kernel: one pass over the block (one call
        // for the whole layer when there is no bias).
        match layer.b {
            Some(b) => {
                for (col, &bias) in out.chunks_exact_mut(n).zip(&params[b..b + layer.fan_out]) {
                    layer.activation.apply(col, bias);
                }
            }
            None => layer.activation.apply(out, T::default()),
        }
        if layer.activation == Activation::Softmax {
            activation::softmax_rows(out, n);
        }
    }
}

/// The outputs for `rows` rows of `x` (`rows x inputs`, row-major), row-major: what a user
/// of the trained network gets (predictions, decision boundaries). Allocates its workspace.
///
/// Rows are taken [`PREDICT_ROWS`] at a time, so that the workspace stays small whatever the
/// data (each row's outputs depend on that row alone, so the chunks change no bit).
pub fn predict<T: Real>(layers: &[LayerShape], params: &[T], x: &[T], rows: usize) -> Vec<T> {
    let (inputs, outputs) = (layers[0].fan_in, layers[layers.len() - 1].fan_out);
    let mut ws = Workspace::<T>::new(layers, rows.min(PREDICT_ROWS));
    let mut out = Vec::with_capacity(rows * outputs);
    for start in (0..rows).step_by(PREDICT_ROWS) {
        let n = PREDICT_ROWS.min(rows - start);
        let xc = transpose(&x[start * inputs..(start + n) * inputs], n, inputs);
        forward(layers, params, &xc, n, &mut ws);
        out.extend(transpose(ws.output(n), outputs, n));
    }
    out
}

/// Every layer's outputs for `rows` rows of `x` (`rows x inputs`, row-major): `out[l]` is layer
/// `l`'s, `rows x fan_out` column-major. For pictures of what each unit computes; allocates.
pub fn layer_outputs(
    layers: &[LayerShape],
    params: &[f64],
    x: &[f64],
    rows: usize,
) -> Vec<Vec<f64>> {
    let inputs = layers[0].fan_in;
    let mut ws = Workspace::<f64>::new(layers, rows);
    forward(layers, params, &transpose(x, rows, inputs), rows, &mut ws);
    ws.acts
        .into_iter()
        .zip(layers)
        .map(|(mut a, l)| {
            a.truncate(rows * l.fan_out);
            a
        })
        .collect()
}

/// Rows [`predict`] passes forward at once.
pub const PREDICT_ROWS: usize = 4096;

/// Backward pass after [`forward`] of `block`: writes (`accum = Replace`) or adds
/// (`accum = Add`) ∂loss/∂params into `grad`. `divisor` is the loss's divisor for the whole
/// data set ([`Loss::divisor`]), so that blocks' gradients add up to the whole gradient.
pub fn backward<T: Real>(
    layers: &[LayerShape],
    params: &[T],
    block: Block<'_, T>,
    (loss, divisor): (Loss, f64),
    ws: &mut Workspace<T>,
    grad: &mut [T],
    accum: Accum,
) {
    let n = block.rows;
    let last = layers.len() - 1;
    let width = |l: usize| n * layers[l].fan_out;
    loss.output_delta(
        layers[last].activation,
        &ws.acts[last][..width(last)],
        block.y,
        divisor,
        &mut ws.deltas[last][..width(last)],
    );
    for l in (0..=last).rev() {
        let layer = &layers[l];
        let delta = MatRef::from_column_major_slice(&ws.deltas[l][..width(l)], n, layer.fan_out);
        let input_t = if l == 0 {
            MatRef::from_column_major_slice(block.xt, layer.fan_in, n)
        } else {
            MatRef::from_column_major_slice(&ws.acts[l - 1][..width(l - 1)], n, layer.fan_in)
                .transpose()
        };
        let gw = &mut grad[layer.w..layer.w + layer.fan_in * layer.fan_out];
        matmul(
            MatMut::from_column_major_slice_mut(gw, layer.fan_in, layer.fan_out),
            accum,
            input_t,
            delta,
            T::from_f64(1.0),
            Par::Seq,
        );
        if let Some(b) = layer.b {
            let cols = ws.deltas[l][..width(l)].chunks_exact(n);
            for (g, col) in grad[b..b + layer.fan_out].iter_mut().zip(cols) {
                let s = col.iter().fold(T::default(), |acc, &v| acc + v);
                *g = if accum == Accum::Add { *g + s } else { s };
            }
        }
        if l > 0 {
            let (below, above) = ws.deltas.split_at_mut(l);
            let upstream = MatRef::from_column_major_slice(&above[0][..width(l)], n, layer.fan_out);
            let down = &mut below[l - 1][..width(l - 1)];
            matmul(
                MatMut::from_column_major_slice_mut(down, n, layer.fan_in),
                Accum::Replace,
                upstream,
                layer.weights(params).transpose(),
                T::from_f64(1.0),
                Par::Seq,
            );
            layers[l - 1]
                .activation
                .scale_by_derivative(&ws.acts[l - 1][..width(l - 1)], down);
        }
    }
}

/// The class one row's outputs name: a single output is class 1 when it is at least 0.5;
/// several outputs, the first of their largest (as NumPy's argmax).
pub fn class_of<T: Real>(y: &[T]) -> usize {
    match y.len() {
        1 => usize::from(y[0] >= T::from_f64(0.5)),
        k => (1..k).fold(0, |best, j| {
            if y[j].to_f64().total_cmp(&y[best].to_f64()).is_gt() {
                j
            } else {
                best
            }
        }),
    }
}

/// Rows classified correctly: a single output is read as 1 when ≥ 0.5, several outputs by
/// their largest value. `a` and `y` are `rows x outputs` column-major.
pub fn correct<T: Real>(a: &[T], y: &[T], rows: usize) -> usize {
    let outputs = a.len() / rows;
    let half = T::from_f64(0.5);
    (0..rows)
        .filter(|&i| {
            if outputs == 1 {
                (a[i] >= half) == (y[i] >= half)
            } else {
                // The first of equal maxima, as NumPy's argmax.
                let argmax = |m: &[T]| {
                    (1..outputs).fold(0, |best, p| {
                        let (v, b) = (m[p * rows + i].to_f64(), m[best * rows + i].to_f64());
                        if v.total_cmp(&b).is_gt() {
                            p
                        } else {
                            best
                        }
                    })
                };
                argmax(a) == argmax(y)
            }
        })
        .count()
}

/// Transposes a row-major `rows x cols` matrix into column-major order (and back).
pub fn transpose<T: Copy + Default>(m: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = vec![T::default(); m.len()];
    for i in 0..rows {
        for j in 0..cols {
            out[j * rows + i] = m[i * cols + j];
        }
    }
    out
}

#[cfg(test)]
mod tests;
