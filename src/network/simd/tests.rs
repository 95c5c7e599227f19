use super::*;
use crate::rng::RandomState;

/// Distance in units in the last place, treating equal infinities and NaNs as 0, and
/// zeros of opposite signs as far apart (tanh(−0) is −0).
fn ulps(a: f64, b: f64) -> u64 {
    if a == 0.0 && b == 0.0 && a.is_sign_negative() != b.is_sign_negative() {
        return u64::MAX;
    }
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    let key = |x: f64| {
        let i = x.to_bits() as i64;
        if i < 0 {
            i64::MIN - i
        } else {
            i
        }
    };
    key(a).abs_diff(key(b))
}

fn inputs() -> Vec<f64> {
    let mut rng = RandomState::new(9);
    let mut v: Vec<f64> = (0..20_000).map(|_| rng.uniform(-40.0, 40.0)).collect();
    v.extend((0..20_000).map(|_| rng.uniform(-1.0, 1.0)));
    v.extend((0..5_000).map(|_| rng.uniform(-760.0, 760.0)));
    v.extend((0..2_000).map(|_| rng.normal(0.0, 1e-6)));
    v.extend([
        0.0, -0.0, 700.0, -700.0, 709.78, 709.79, -708.4, -745.1, -745.2, 710.0, -746.0,
    ]);
    v.extend([
        1e-300,
        -1e-300,
        5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.5,
        -0.5,
    ]);
    v.extend([0.49999999999999994, 1e-8, 37.0, -37.0, 19.06, 1e308, -1e308]);
    v
}

/// Checks `fast` against `reference` on all inputs, within `max_ulps`, on every
/// instruction set this CPU has (each has its own code).
fn agrees(name: &str, fast: fn(&mut [f64]), reference: fn(f64) -> f64, max_ulps: u64) {
    let x = inputs();
    on_every_level(|level| {
        // Odd lengths exercise the partial-register tail.
        for len in [x.len(), 1, 3, 7, 13] {
            let mut y = x[..len].to_vec();
            fast(&mut y);
            for (xi, yi) in x.iter().zip(&y) {
                let want = reference(*xi);
                assert!(
                    ulps(*yi, want) <= max_ulps,
                    "{name}({xi:e}) = {yi:e} on level {level}, std gives {want:e}"
                );
            }
        }
    });
}

#[test]
fn dispatch_can_be_limited_to_each_level() {
    let mut seen = Vec::new();
    on_every_level(|level| {
        let lanes = [(1, 1), (3, 4), (4, 8)]
            .iter()
            .find(|l| l.0 == level)
            .unwrap()
            .1;
        assert_eq!(super::lanes(), lanes, "level {level}");
        seen.push(level);
    });
    assert_eq!(seen[0], 1, "scalar code runs everywhere");
    assert_eq!(lanes(), 1 << (LEVEL.load(Ordering::Relaxed) - 1).min(3));
}

#[test]
fn exp_is_within_a_few_ulps_of_std() {
    agrees("exp", exp_in_place, f64::exp, 2);
}

#[test]
fn sigmoid_is_within_a_few_ulps_of_std() {
    // std's exp in the form that cannot overflow: 1/(1 + e^{−z}) would give 0 instead of
    // the subnormal σ(−711) = 1.36e-309.
    let reference = |z: f64| {
        if z >= 0.0 {
            1.0 / (1.0 + (-z).exp())
        } else {
            z.exp() / (1.0 + z.exp())
        }
    };
    agrees("sigmoid", |z| sigmoid_in_place(z, 0.0), reference, 3);
}

#[test]
fn relu_and_its_gradient_match_the_definition() {
    let x = inputs();
    let mut y = x.clone();
    relu_in_place(&mut y, 0.25);
    for (xi, yi) in x.iter().zip(&y) {
        let s = xi + 0.25;
        let want = if s.is_nan() { s } else { s.max(0.0) };
        assert_eq!(ulps(*yi, want), 0, "relu({xi:e} + 0.25) = {yi:e}");
    }
    let mut d: Vec<f64> = (0..x.len()).map(|i| i as f64 + 1.0).collect();
    relu_grad_in_place(&mut d, &x);
    for (i, (di, xi)) in d.iter().zip(&x).enumerate() {
        let want = if *xi > 0.0 { i as f64 + 1.0 } else { 0.0 };
        assert_eq!(*di, want, "relu′ at {xi:e}");
    }
}

#[test]
fn f32_sigmoid_is_within_a_few_f32_ulps_of_std() {
    let f32_ulps = |a: f32, b: f32| {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0;
        }
        let key = |x: f32| {
            let i = x.to_bits() as i32 as i64;
            if i < 0 {
                i64::from(i32::MIN) - i
            } else {
                i
            }
        };
        key(a).abs_diff(key(b))
    };
    let x: Vec<f32> = inputs().iter().map(|&v| v as f32).collect();
    on_every_level(|level| {
        for len in [x.len(), 1, 3, 17, 31] {
            let mut y = x[..len].to_vec();
            sigmoid_f32_in_place(&mut y, 0.0);
            for (xi, yi) in x.iter().zip(&y) {
                let z = *xi as f64;
                let want = if z >= 0.0 {
                    1.0 / (1.0 + (-z).exp())
                } else {
                    z.exp() / (1.0 + z.exp())
                } as f32;
                assert!(
                    f32_ulps(*yi, want) <= 2,
                    "σ({xi:e}) = {yi:e} in f32 on level {level}, std gives {want:e}"
                );
            }
        }
    });
}

#[test]
fn tanh_is_within_a_few_ulps_of_std() {
    agrees("tanh", |z| tanh_in_place(z, 0.0), f64::tanh, 4);
}

/// Taking [`AT_ONCE`] registers together, four, or one, and the partial last register, gives
/// each value the bits it has alone: for every length up to a few runs of registers, on every
/// instruction set, with and without a bias.
#[test]
fn slices_equal_each_value_alone_whatever_the_length() {
    type Kernel = fn(&mut [f64], f64);
    let kernels: [(&str, Kernel); 4] = [
        ("sigmoid", sigmoid_in_place),
        ("tanh", tanh_in_place),
        ("relu", relu_in_place),
        ("exp", |z, _| exp_in_place(z)),
    ];
    let all = inputs();
    on_every_level(|level| {
        for (name, f) in kernels {
            for bias in [0.0, 0.3] {
                for n in 0..(3 * AT_ONCE * 8 + 5) {
                    let v = &all[n * 97 % (all.len() - n)..][..n];
                    let mut whole = v.to_vec();
                    f(&mut whole, bias);
                    for (i, (&x, w)) in v.iter().zip(&whole).enumerate() {
                        let mut one = [x];
                        f(&mut one, bias);
                        assert_eq!(
                            one[0].to_bits(),
                            w.to_bits(),
                            "level {level}, {name}, bias {bias}, length {n}, value {i} ({x})"
                        );
                    }
                }
            }
        }
    });
}
