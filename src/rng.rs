//! NumPy-compatible random numbers: the legacy `RandomState` draws over MT19937.
//!
//! The tutorials runner reproduces seed NumPy's global generator (`np.random.seed(n)`) and draw
//! from it with `random`/`rand`, `uniform`, `normal` and `shuffle`; scikit-learn's `make_moons`
//! and `make_circles` draw from the same generator. Their numbers can only be reproduced bit for
//! bit by drawing exactly what NumPy draws.
//!
//! The MT19937 core is `rand_mt`'s `Mt` (NumPy's `mt19937_seed` is the reference
//! `init_genrand`, which `Mt::new` implements; the fixtures check seeds 0, 1, 42 and 2³²−1 over
//! 1 000 outputs, past the first regeneration). What is written here by hand is what no crate
//! offers, NumPy's legacy code paths (`legacy-distributions.c`, `distributions.c`,
//! `_legacy.pyx`): `random_sample` from two outputs (`rand`'s `f64` uses one 64-bit draw), the
//! polar Gaussian with its cached second value (`rand_distr`'s normal is a ziggurat), the masked
//! rejection integer (`rand` uses widening multiplication) and the legacy Fisher–Yates shuffle
//! built on it. Tests compare against fixtures made by NumPy itself.

use rand_mt::Mt;

/// NumPy's legacy `RandomState`: an MT19937 stream plus the cached second Gaussian of the
/// polar Box–Muller method.
#[derive(Clone, Debug)]
pub struct RandomState {
    mt: Mt,
    gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.seed(seed)` / `RandomState(seed)` for an integer seed in `0..2^32`.
    pub fn new(seed: u32) -> Self {
        Self {
            mt: Mt::new(seed),
            gauss: None,
        }
    }

    /// The next raw 32-bit output (`mt19937_next32`).
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// `random_sample()`: a double in `[0, 1)` with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)`, computed as NumPy does: `low + (high - low) * random_sample()`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `standard_normal()` by the legacy polar method, caching the second value.
    pub fn gauss(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `normal(loc, scale)`: `loc + scale * gauss()`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.gauss()
    }

    /// `random_interval(max)`: a uniform integer in `0..=max` by masked rejection.
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `shuffle(x)` for a one-dimensional array: Fisher–Yates from the end, as NumPy's
    /// legacy `_shuffle_raw` does.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u32) as usize;
            items.swap(i, j);
        }
    }

    /// `permutation(n)`: `arange(n)` shuffled.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        self.shuffle(&mut idx);
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;

    #[test]
    fn raw_outputs_match_numpy() {
        let fx = Fixture::load("rng.toml");
        for seed in [0u32, 1, 42, u32::MAX] {
            let mut rs = RandomState::new(seed);
            let got: Vec<f64> = (0..1000).map(|_| rs.next_u32() as f64).collect();
            fx.assert_exact(&format!("u32_seed_{seed}"), &got);
        }
    }

    #[test]
    fn samples_match_numpy() {
        let fx = Fixture::load("rng.toml");
        let mut rs = RandomState::new(7);
        let got: Vec<f64> = (0..700).map(|_| rs.random_sample()).collect();
        fx.assert_exact("random_sample_seed_7", &got);

        let mut rs = RandomState::new(7);
        let got: Vec<f64> = (0..301).map(|_| rs.uniform(-0.3, 2.5)).collect();
        fx.assert_exact("uniform_seed_7", &got);

        // An odd count leaves a cached Gaussian behind, which the next call must return.
        let mut rs = RandomState::new(3);
        let mut got: Vec<f64> = (0..301).map(|_| rs.normal(0.5, 2.0)).collect();
        got.push(rs.gauss());
        got.push(rs.random_sample());
        fx.assert_exact("normal_seed_3", &got);

        let mut rs = RandomState::new(11);
        let got: Vec<f64> = rs.permutation(1000).iter().map(|&i| i as f64).collect();
        fx.assert_exact("permutation_seed_11", &got);
        fx.assert_exact("after_permutation_seed_11", &[rs.random_sample()]);
    }
}
