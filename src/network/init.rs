//! Initial weights: drawn from a NumPy-compatible generator in NumPy's order, or written out.
//!
//! Layer by layer, the weights are drawn as `rand(fan_in, fan_out)` fills its array (row by
//! row), then the bias. That is the order of the tutorials (`weights = rand(2, 1)`, then
//! `bias = rand(1)`), so their initial weights come out bit for bit.

use crate::network::LayerShape;
use crate::rng::RandomState;

/// How the weights are drawn (validated `[init]` section).
#[derive(Clone, Debug, PartialEq)]
pub enum InitKind {
    /// `uniform(low, high)` for weights and biases (`rand` is `low = 0, high = 1`).
    Uniform { low: f64, high: f64 },
    /// `normal(0, std)` for weights and biases.
    Normal { std: f64 },
    /// Glorot: `uniform(±sqrt(6 / (fan_in + fan_out)))`; biases start at 0.
    Xavier,
    /// He: `normal(0, sqrt(2 / fan_in))`; biases start at 0.
    He,
    /// scikit-learn's MLP (`_init_coef`): weights then biases of each layer from
    /// `uniform(±sqrt(factor / (fan_in + fan_out)))`, factor 2 for a sigmoid hidden
    /// activation and 6 otherwise.
    Sklearn { factor: f64 },
    /// Written out: one `fan_in x fan_out` matrix (rows of `fan_out` values) per layer, and
    /// optionally one bias row per layer (zeros otherwise).
    Explicit {
        weights: Vec<Vec<Vec<f64>>>,
        biases: Option<Vec<Vec<f64>>>,
    },
}

/// Which generator draws the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitSeed {
    /// A fresh `RandomState(seed)`.
    Seed(u32),
    /// The data generator, continuing right after the data.
    Data,
}

/// The validated `[init]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct InitSpec {
    pub kind: InitKind,
    pub seed: InitSeed,
}

impl InitSpec {
    /// The initial parameter vector, in the layout of [`crate::network`].
    pub fn initialize(&self, layers: &[LayerShape], data_rng: &RandomState) -> Vec<f64> {
        self.initialize_with_rng(layers, data_rng).0
    }

    /// The initial parameters and the generator right after them, which training goes on
    /// drawing from (as scikit-learn's `_random_state`). Written-out weights draw nothing,
    /// and hand on a fresh `RandomState(seed)` (seed 0 unless `init.seed` says), as a
    /// scikit-learn `warm_start` fit draws from a fresh `RandomState(random_state)`.
    pub fn initialize_with_rng(
        &self,
        layers: &[LayerShape],
        data_rng: &RandomState,
    ) -> (Vec<f64>, RandomState) {
        let mut rng = match self.seed {
            InitSeed::Seed(s) => RandomState::new(s),
            InitSeed::Data => data_rng.clone(),
        };
        let total = layers.last().map_or(0, |l| {
            l.b.map_or(l.w + l.fan_in * l.fan_out, |b| b + l.fan_out)
        });
        let mut params = vec![0.0; total];
        for (l, layer) in layers.iter().enumerate() {
            let (fi, fo) = (layer.fan_in, layer.fan_out);
            let draw = |rng: &mut RandomState, i: usize, j: usize, bias: bool| -> f64 {
                match &self.kind {
                    InitKind::Uniform { low, high } => rng.uniform(*low, *high),
                    InitKind::Normal { std } => rng.normal(0.0, *std),
                    InitKind::Xavier if !bias => {
                        let lim = (6.0 / (fi + fo) as f64).sqrt();
                        rng.uniform(-lim, lim)
                    }
                    InitKind::He if !bias => rng.normal(0.0, (2.0 / fi as f64).sqrt()),
                    InitKind::Xavier | InitKind::He => 0.0,
                    InitKind::Sklearn { factor } => {
                        let lim = (factor / (fi + fo) as f64).sqrt();
                        rng.uniform(-lim, lim)
                    }
                    InitKind::Explicit { weights, biases } => match bias {
                        false => weights[l][i][j],
                        true => biases.as_ref().map_or(0.0, |b| b[l][j]),
                    },
                }
            };
            // Row-major draw order, column-major storage.
            for i in 0..fi {
                for j in 0..fo {
                    params[layer.w + j * fi + i] = draw(&mut rng, i, j, false);
                }
            }
            if let Some(b) = layer.b {
                for j in 0..fo {
                    params[b + j] = draw(&mut rng, 0, j, true);
                }
            }
        }
        (params, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Activation, Architecture};

    fn layers(hidden: &[usize], bias: bool) -> Vec<LayerShape> {
        Architecture {
            inputs: 2,
            hidden: hidden.to_vec(),
            outputs: 1,
            activation: Activation::Sigmoid,
            output: Activation::Sigmoid,
            bias,
        }
        .layers()
    }

    #[test]
    fn draws_in_numpy_order() {
        // np.random.seed(42); weights = rand(2, 1); bias = rand(1)
        let spec = InitSpec {
            kind: InitKind::Uniform {
                low: 0.0,
                high: 1.0,
            },
            seed: InitSeed::Seed(42),
        };
        let p = spec.initialize(&layers(&[], true), &RandomState::new(0));
        let mut rs = RandomState::new(42);
        let want: Vec<f64> = (0..3).map(|_| rs.random_sample()).collect();
        assert_eq!(p, want);

        // rand(2, 3) fills row by row; storage is column-major.
        let p = spec.initialize(&layers(&[3], false), &RandomState::new(0));
        let mut rs = RandomState::new(42);
        let r: Vec<f64> = (0..9).map(|_| rs.random_sample()).collect();
        assert_eq!(&p[..6], &[r[0], r[3], r[1], r[4], r[2], r[5]]);
        assert_eq!(&p[6..], &r[6..]);
    }

    #[test]
    fn continues_the_data_stream() {
        let mut data_rng = RandomState::new(5);
        data_rng.random_sample();
        let spec = InitSpec {
            kind: InitKind::Uniform {
                low: -1.0,
                high: 1.0,
            },
            seed: InitSeed::Data,
        };
        let p = spec.initialize(&layers(&[], false), &data_rng);
        let mut rs = RandomState::new(5);
        rs.random_sample();
        assert_eq!(p, [rs.uniform(-1.0, 1.0), rs.uniform(-1.0, 1.0)]);
    }

    #[test]
    fn xavier_and_he_leave_biases_at_zero_and_respect_scale() {
        for kind in [InitKind::Xavier, InitKind::He] {
            let spec = InitSpec {
                kind: kind.clone(),
                seed: InitSeed::Seed(1),
            };
            let ls = layers(&[300], true);
            let p = spec.initialize(&ls, &RandomState::new(0));
            let b = ls[0].b.unwrap();
            assert!(p[b..b + 300].iter().all(|&v| v == 0.0));
            let w = &p[..600];
            let var = w.iter().map(|v| v * v).sum::<f64>() / 600.0;
            // Both are built for variance 2/(fan_in+fan_out) resp. 2/fan_in.
            let want = if kind == InitKind::Xavier {
                2.0 / 302.0
            } else {
                1.0
            };
            assert!((var / want - 1.0).abs() < 0.15, "{kind:?}: variance {var}");
        }
    }
}
