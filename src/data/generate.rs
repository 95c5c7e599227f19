//! The synthetic data sets, drawn exactly as scikit-learn draws them from a `RandomState`.

use crate::rng::RandomState;

/// `np.linspace(start, stop, num, endpoint)`, computed as NumPy computes it: `i * step + start`,
/// with the last point set to `stop` when it is included.
fn linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = (stop - start) / div as f64;
    let mut y: Vec<f64> = (0..num)
        .map(|i| if div > 0 { i as f64 * step } else { 0.0 } + start)
        .collect();
    if endpoint && num > 1 {
        y[num - 1] = stop;
    }
    y
}

/// Two interleaving half circles: `make_moons(samples, noise=noise, shuffle=shuffle)`.
/// Returns row-major `samples x 2` inputs and the labels.
pub fn moons(
    samples: usize,
    noise: Option<f64>,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    let n_out = samples / 2;
    let n_in = samples - n_out;
    let outer = linspace(0.0, std::f64::consts::PI, n_out, true);
    let inner = linspace(0.0, std::f64::consts::PI, n_in, true);
    let xs = outer
        .iter()
        .map(|t| t.cos())
        .chain(inner.iter().map(|t| 1.0 - t.cos()));
    let ys = outer
        .iter()
        .map(|t| t.sin())
        .chain(inner.iter().map(|t| 1.0 - t.sin() - 0.5));
    finish(xs.zip(ys).collect(), n_out, noise, shuffle, rng)
}

/// A large circle containing a smaller one: `make_circles(samples, noise=noise, factor=factor)`.
pub fn circles(
    samples: usize,
    noise: Option<f64>,
    factor: f64,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    let n_out = samples / 2;
    let n_in = samples - n_out;
    let tau = 2.0 * std::f64::consts::PI;
    let outer = linspace(0.0, tau, n_out, false);
    let inner = linspace(0.0, tau, n_in, false);
    let points = outer
        .iter()
        .map(|t| (t.cos(), t.sin()))
        .chain(inner.iter().map(|t| (t.cos() * factor, t.sin() * factor)))
        .collect();
    finish(points, n_out, noise, shuffle, rng)
}

/// The shared tail of both generators: labels (0 for the first `n_zero` points), the shuffle,
/// then Gaussian noise added in row-major order — in that order, from the one generator.
fn finish(
    mut points: Vec<(f64, f64)>,
    n_zero: usize,
    noise: Option<f64>,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    let mut labels: Vec<f64> = (0..points.len())
        .map(|i| if i < n_zero { 0.0 } else { 1.0 })
        .collect();
    if shuffle {
        // sklearn.utils.shuffle permutes an index array and takes rows by it.
        let idx = rng.permutation(points.len());
        points = idx.iter().map(|&i| points[i]).collect();
        labels = idx.iter().map(|&i| labels[i]).collect();
    }
    let mut x: Vec<f64> = points.iter().flat_map(|&(a, b)| [a, b]).collect();
    if let Some(scale) = noise {
        for v in &mut x {
            *v += rng.normal(0.0, scale);
        }
    }
    (x, labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;

    #[test]
    fn moons_match_scikit_learn_bit_for_bit() {
        let fx = Fixture::load("data.toml");
        // The tutorial: seed 0, make_moons(100, noise=0.1), then rand(2,4) and rand(4,1).
        let mut rng = RandomState::new(0);
        let (x, y) = moons(100, Some(0.1), true, &mut rng);
        fx.assert_exact("moons_100_noise_0.1_seed_0_x", &x);
        fx.assert_exact("moons_100_noise_0.1_seed_0_y", &y);
        let w: Vec<f64> = (0..8).map(|_| rng.random_sample()).collect();
        fx.assert_exact("moons_100_noise_0.1_seed_0_then_rand_2x4", &w);

        let (x, y) = moons(7, None, true, &mut RandomState::new(3));
        fx.assert_exact("moons_7_nonoise_seed_3_x", &x);
        fx.assert_exact("moons_7_nonoise_seed_3_y", &y);
        let (x, y) = moons(9, Some(0.3), false, &mut RandomState::new(5));
        fx.assert_exact("moons_9_noise_0.3_noshuffle_seed_5_x", &x);
        fx.assert_exact("moons_9_noise_0.3_noshuffle_seed_5_y", &y);
    }

    #[test]
    fn circles_match_scikit_learn_bit_for_bit() {
        let fx = Fixture::load("data.toml");
        let mut rng = RandomState::new(1);
        let (x, y) = circles(51, Some(0.05), 0.5, true, &mut rng);
        fx.assert_exact("circles_51_noise_0.05_factor_0.5_seed_1_x", &x);
        fx.assert_exact("circles_51_noise_0.05_factor_0.5_seed_1_y", &y);
        fx.assert_exact(
            "circles_51_noise_0.05_factor_0.5_seed_1_then_normal",
            &[rng.gauss()],
        );
        let (x, y) = circles(10, None, 0.8, true, &mut RandomState::new(2));
        fx.assert_exact("circles_10_nonoise_seed_2_x", &x);
        fx.assert_exact("circles_10_nonoise_seed_2_y", &y);
    }
}
