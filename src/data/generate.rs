//! The synthetic data sets, drawn exactly as scikit-learn draws them from a `RandomState`.
//!
//! Written by hand because equality is the point: `linfa-datasets` and `smartcore` generate
//! moons and blobs with `rand`'s generators and their own formulas, so no crate gives
//! scikit-learn's numbers bit for bit. Fixtures made by scikit-learn check each generator.

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
    finish(
        xs.zip(ys).collect(),
        two_labels(samples, n_out),
        noise,
        shuffle,
        rng,
    )
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
    finish(points, two_labels(samples, n_out), noise, shuffle, rng)
}

/// 0 for the first `n_zero` of `n` points, 1 for the rest.
fn two_labels(n: usize, n_zero: usize) -> Vec<f64> {
    (0..n).map(|i| if i < n_zero { 0.0 } else { 1.0 }).collect()
}

/// Gaussian clusters: `make_blobs(samples, n_features=features, centers=centers,
/// cluster_std=std)` with its default `center_box = (-10, 10)`. Row-major inputs, labels.
pub fn blobs(
    samples: usize,
    features: usize,
    centers: usize,
    std: f64,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    let c: Vec<f64> = (0..centers * features)
        .map(|_| rng.uniform(-10.0, 10.0))
        .collect();
    let mut x = Vec::with_capacity(samples * features);
    let mut y = Vec::with_capacity(samples);
    for k in 0..centers {
        let n = samples / centers + usize::from(k < samples % centers);
        for _ in 0..n {
            for j in 0..features {
                x.push(rng.normal(c[k * features + j], std));
            }
            y.push(k as f64);
        }
    }
    shuffled(x, y, features, shuffle, rng)
}

/// Classes by distance from the origin: `make_gaussian_quantiles(n_samples=samples,
/// n_features=features, n_classes=classes)` (mean 0, `cov` 1).
pub fn gaussian_quantiles(
    samples: usize,
    features: usize,
    classes: usize,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    // `multivariate_normal(0, I)`: standard normals, times √1 = 1, plus 0.
    let x: Vec<f64> = (0..samples * features).map(|_| rng.gauss()).collect();
    let dist: Vec<f64> = x
        .chunks_exact(features)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let mut idx: Vec<usize> = (0..samples).collect();
    idx.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]));
    let x: Vec<f64> = idx
        .iter()
        .flat_map(|&i| x[i * features..(i + 1) * features].to_vec())
        .collect();
    let step = samples / classes;
    let y = (0..samples)
        .map(|i| (i / step.max(1)).min(classes - 1) as f64)
        .collect();
    shuffled(x, y, features, shuffle, rng)
}

/// `arms` interleaved spirals, arm `k` of `K` holding `samples / K` points (the first arms one
/// more when it does not divide): point `i` of an arm's `m` lies at radius `r = i / (m − 1)`
/// and angle `θ = 2πk/K + 3πr` (one and a half turns), `(r cos θ, r sin θ)`, labelled `k`.
/// Then, as for the moons, the rows are shuffled and `normal(0, noise)` is added to each
/// coordinate, from the data generator.
pub fn spirals(
    samples: usize,
    arms: usize,
    noise: Option<f64>,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    let tau = 2.0 * std::f64::consts::PI;
    let mut points = Vec::with_capacity(samples);
    let mut labels = Vec::with_capacity(samples);
    for k in 0..arms {
        let m = samples / arms + usize::from(k < samples % arms);
        for i in 0..m {
            let r = if m > 1 {
                i as f64 / (m - 1) as f64
            } else {
                0.0
            };
            let theta = tau * k as f64 / arms as f64 + 1.5 * tau * r;
            points.push((r * theta.cos(), r * theta.sin()));
            labels.push(k as f64);
        }
    }
    finish(points, labels, noise, shuffle, rng)
}

/// `sklearn.utils.shuffle(X, y)`: rows taken by a permutation of their indices.
fn shuffled(
    x: Vec<f64>,
    y: Vec<f64>,
    width: usize,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
    if !shuffle {
        return (x, y);
    }
    let idx = rng.permutation(y.len());
    let xs = idx
        .iter()
        .flat_map(|&i| x[i * width..(i + 1) * width].to_vec())
        .collect();
    (xs, idx.iter().map(|&i| y[i]).collect())
}

/// The shared tail of the 2-D generators: the shuffle, then Gaussian noise added in
/// row-major order — in that order, from the one generator.
fn finish(
    mut points: Vec<(f64, f64)>,
    mut labels: Vec<f64>,
    noise: Option<f64>,
    shuffle: bool,
    rng: &mut RandomState,
) -> (Vec<f64>, Vec<f64>) {
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
    fn blobs_and_gaussian_quantiles_match_scikit_learn_bit_for_bit() {
        let fx = Fixture::load("data.toml");
        let (x, y) = blobs(101, 3, 4, 0.7, true, &mut RandomState::new(6));
        fx.assert_exact("blobs_101_features_3_centers_4_std_0.7_seed_6_x", &x);
        fx.assert_exact("blobs_101_features_3_centers_4_std_0.7_seed_6_y", &y);
        let (x, y) = blobs(20, 2, 3, 1.0, false, &mut RandomState::new(0));
        fx.assert_exact("blobs_20_noshuffle_seed_0_x", &x);
        fx.assert_exact("blobs_20_noshuffle_seed_0_y", &y);
        let (x, y) = gaussian_quantiles(103, 2, 3, true, &mut RandomState::new(8));
        fx.assert_exact("quantiles_103_features_2_classes_3_seed_8_x", &x);
        fx.assert_exact("quantiles_103_features_2_classes_3_seed_8_y", &y);
        let (x, y) = gaussian_quantiles(50, 5, 4, true, &mut RandomState::new(1));
        fx.assert_exact("quantiles_50_features_5_classes_4_seed_1_x", &x);
        fx.assert_exact("quantiles_50_features_5_classes_4_seed_1_y", &y);
    }

    #[test]
    fn spirals_follow_their_formula() {
        let (x, y) = spirals(6, 3, None, false, &mut RandomState::new(0));
        // Arm 1 of 3, its last point: r = 1, θ = 2π/3 + 3π.
        let theta = 2.0 * std::f64::consts::PI / 3.0 + 3.0 * std::f64::consts::PI;
        let turn = 3.0 * std::f64::consts::PI;
        assert_eq!(&x[4..6], &[0.0, 0.0]);
        assert_eq!(&x[2..4], &[turn.cos(), turn.sin()]);
        assert_eq!(&x[6..8], &[theta.cos(), theta.sin()]);
        assert_eq!(y, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
        let (noisy, _) = spirals(6, 3, Some(0.1), true, &mut RandomState::new(0));
        assert_ne!(noisy, x);
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
