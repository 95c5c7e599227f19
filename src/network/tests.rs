//! The forward pass and losses against NumPy; the backward pass against finite differences.

use super::*;
use crate::fixtures::Fixture;
use crate::rng::RandomState;

fn arch(
    inputs: usize,
    hidden: &[usize],
    outputs: usize,
    act: Activation,
    out: Activation,
    bias: bool,
) -> Architecture {
    Architecture {
        inputs,
        hidden: hidden.to_vec(),
        outputs,
        activation: act,
        output: out,
        bias,
    }
}

fn act_name(a: Activation) -> &'static str {
    match a {
        Activation::Sigmoid => "sigmoid",
        Activation::Tanh => "tanh",
        Activation::Relu => "relu",
        Activation::Identity => "identity",
        Activation::Softmax => "softmax",
    }
}

const ALL: [Activation; 4] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::Identity,
];

#[test]
fn forward_and_losses_match_numpy() {
    let fx = Fixture::load("network.toml");
    let (rows, widths) = (6, [3, 5, 4, 2]);
    for hidden in ALL {
        for output in [Activation::Sigmoid, Activation::Identity] {
            let a = arch(3, &widths[1..3], 2, hidden, output, true);
            let layers = a.layers();
            let mut params = vec![0.0; a.param_count()];
            for (l, layer) in layers.iter().enumerate() {
                let w = transpose(fx.get(&format!("w{l}")), layer.fan_in, layer.fan_out);
                params[layer.w..layer.w + w.len()].copy_from_slice(&w);
                let b = fx.get(&format!("b{l}"));
                let off = layer.b.unwrap();
                params[off..off + b.len()].copy_from_slice(b);
            }
            let x = transpose(fx.get("x"), rows, 3);
            let y = transpose(fx.get("y"), rows, 2);
            let mut ws = Workspace::new(&layers, rows);
            forward(&layers, &params, &x, rows, &mut ws);
            let name = format!("{}_{}", act_name(hidden), act_name(output));
            let out = transpose(ws.output(rows), 2, rows);
            fx.assert_close(&format!("out_{name}"), &out, 1e-13);
            let half = Loss::HalfSse.value(ws.output(rows), &y, 2);
            fx.assert_close(&format!("half_sse_{name}"), &[half], 1e-13);
            let mse = Loss::Mse.value(ws.output(rows), &y, 2);
            fx.assert_close(&format!("mse_{name}"), &[mse], 1e-13);
            if output == Activation::Sigmoid {
                let bce = Loss::Bce.value(ws.output(rows), &y, 2);
                fx.assert_close(&format!("bce_{name}"), &[bce], 1e-13);
            }
        }
    }
}

/// The loss at `params`, by a fresh forward pass.
fn loss_at(a: &Architecture, loss: Loss, params: &[f64], x: &[f64], y: &[f64], rows: usize) -> f64 {
    let layers = a.layers();
    let mut ws = Workspace::new(&layers, rows);
    forward(&layers, params, x, rows, &mut ws);
    loss.value(ws.output(rows), y, a.outputs)
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = RandomState::new(2024);
    let shapes: [(usize, &[usize], usize); 6] = [
        (2, &[], 1),
        (3, &[4], 1),
        (2, &[5, 3], 2),
        (4, &[3, 3, 2], 1),
        (1, &[7], 3),
        (3, &[2], 1),
    ];
    let mut checked = 0;
    for (case, &(inputs, hidden, outputs)) in shapes.iter().enumerate() {
        for (k, hidden_act) in ALL.iter().enumerate() {
            for loss in [Loss::HalfSse, Loss::Mse, Loss::Bce] {
                let output = match loss {
                    Loss::Bce => Activation::Sigmoid,
                    _ => ALL[(case + k) % 4],
                };
                let bias = (case + k) % 2 == 0;
                let a = arch(inputs, hidden, outputs, *hidden_act, output, bias);
                let rows = 3 + case;
                let x: Vec<f64> = (0..rows * inputs).map(|_| rng.uniform(-2.0, 2.0)).collect();
                let xt = transpose(&x, inputs, rows);
                let y: Vec<f64> = (0..rows * outputs)
                    .map(|_| (rng.random_sample() > 0.5) as u8 as f64)
                    .collect();
                let params: Vec<f64> = (0..a.param_count()).map(|_| rng.normal(0.0, 0.7)).collect();

                let grad = gradient::<f64>(&a.layers(), loss, &params, &x, &xt, &y, rows);

                for i in 0..params.len() {
                    let h = 1e-6;
                    let mut p = params.clone();
                    p[i] += h;
                    let up = loss_at(&a, loss, &p, &x, &y, rows);
                    p[i] -= 2.0 * h;
                    let down = loss_at(&a, loss, &p, &x, &y, rows);
                    let fd = (up - down) / (2.0 * h);
                    let tol = 1e-6 * (1.0 + fd.abs());
                    assert!(
                        (grad[i] - fd).abs() <= tol,
                        "{a:?} {loss:?} param {i}: backward {} vs finite difference {fd}",
                        grad[i]
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} gradients checked");
}

#[test]
fn layout_places_bias_after_weights() {
    let a = arch(2, &[3], 1, Activation::Sigmoid, Activation::Sigmoid, true);
    let l = a.layers();
    assert_eq!((l[0].w, l[0].b, l[1].w, l[1].b), (0, Some(6), 9, Some(12)));
    assert_eq!(a.param_count(), 13);
    let a = arch(2, &[], 1, Activation::Sigmoid, Activation::Sigmoid, false);
    assert_eq!(a.param_count(), 2);
}

#[test]
fn accuracy_thresholds_single_outputs_and_argmaxes_several() {
    assert_eq!(correct(&[0.2, 0.7, 0.5, 0.4], &[0.0, 1.0, 0.0, 1.0], 4), 2);
    // Two rows, two outputs, column-major: row 0 = (0.9, 0.1), row 1 = (0.3, 0.6).
    assert_eq!(correct(&[0.9, 0.3, 0.1, 0.6], &[1.0, 1.0, 0.0, 0.0], 2), 1);
    // Ties go to the first output, as numpy.argmax([0.5, 0.5]) == 0: one row, (0.5, 0.5)
    // against the class (1, 0) is correct, against (0, 1) it is not.
    assert_eq!(correct(&[0.5, 0.5], &[1.0, 0.0], 1), 1);
    assert_eq!(correct(&[0.5, 0.5], &[0.0, 1.0], 1), 0);
    assert_eq!(correct(&[0.2, 0.7, 0.7], &[0.0, 1.0, 0.0], 1), 1);
}

/// The gradient in precision `T` of data and parameters given in f64.
fn gradient<T: Real>(
    layers: &[LayerShape],
    loss: Loss,
    p: &[f64],
    x: &[f64],
    xt: &[f64],
    y: &[f64],
    rows: usize,
) -> Vec<f64> {
    let c = |v: &[f64]| v.iter().map(|&v| T::from_f64(v)).collect::<Vec<T>>();
    let (x, xt, y, p) = (c(x), c(xt), c(y), c(p));
    let mut ws = Workspace::<T>::new(layers, rows);
    let mut g = vec![T::default(); p.len()];
    forward(layers, &p, &x, rows, &mut ws);
    let block = Block {
        x: &x,
        xt: &xt,
        y: &y,
        rows,
    };
    let outputs = y.len() / rows;
    let objective = (loss, loss.divisor(rows, outputs));
    backward(
        layers,
        &p,
        block,
        objective,
        &mut ws,
        &mut g,
        faer::Accum::Replace,
    );
    g.iter().map(|v| v.to_f64()).collect()
}

#[test]
fn f32_gradients_agree_with_f64() {
    for hidden in [
        Activation::Tanh,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Identity,
    ] {
        f32_gradient_agrees(hidden);
    }
}

fn f32_gradient_agrees(hidden: Activation) {
    let mut rng = RandomState::new(77);
    let a = arch(3, &[6, 4], 2, hidden, Activation::Sigmoid, true);
    let layers = a.layers();
    // A whole 16-lane f32 register and a partial one.
    let rows = 21;
    let x: Vec<f64> = (0..rows * 3).map(|_| rng.uniform(-2.0, 2.0)).collect();
    let xt = transpose(&x, 3, rows);
    let y: Vec<f64> = (0..rows * 2)
        .map(|_| (rng.random_sample() > 0.5) as u8 as f64)
        .collect();
    let p: Vec<f64> = (0..a.param_count()).map(|_| rng.normal(0.0, 0.7)).collect();
    for loss in [Loss::HalfSse, Loss::Mse, Loss::Bce] {
        let g64 = gradient::<f64>(&layers, loss, &p, &x, &xt, &y, rows);
        let g32 = gradient::<f32>(&layers, loss, &p, &x, &xt, &y, rows);
        for (g64, g32) in g64.iter().zip(g32) {
            assert!(
                (g64 - g32).abs() <= 1e-5 * (1.0 + g64.abs()),
                "{hidden:?}, {loss:?}: f32 {g32} vs f64 {g64}"
            );
        }
    }
}

/// The fused pass and the plain one on the same block: loss, gradient and activations.
fn compare_fused(kind: Fused, arch: &Architecture, rows: usize, loss: Loss, seed: u32, level: u8) {
    let layers = arch.layers();
    let mut rng = RandomState::new(seed);
    let x: Vec<f64> = (0..rows * arch.inputs)
        .map(|_| rng.uniform(-2.0, 2.0))
        .collect();
    let y: Vec<f64> = (0..rows * arch.outputs)
        .map(|_| (rng.random_sample() > 0.5) as u8 as f64)
        .collect();
    let params: Vec<f64> = (0..arch.param_count())
        .map(|_| rng.normal(0.0, 0.8))
        .collect();
    let block = Block {
        x: &transpose(&x, rows, arch.inputs),
        xt: &x,
        y: &transpose(&y, rows, arch.outputs),
        rows,
    };
    let divisor = loss.divisor(rows, arch.outputs);

    let mut plain_ws = Workspace::new(&layers, rows);
    let mut plain = vec![0.5; params.len()];
    forward(&layers, &params, block.x, rows, &mut plain_ws);
    let plain_loss = loss.sum(plain_ws.output(rows), block.y);
    backward(
        &layers,
        &params,
        block,
        (loss, divisor),
        &mut plain_ws,
        &mut plain,
        Accum::Add,
    );

    let mut ws = Workspace::new(&layers, fused::padded_rows(rows));
    let mut fused = vec![0.5; params.len()];
    let padded = fused::Padded::new(block);
    let mut scratch = vec![f64::NAN; kind.scratch_len(&layers, params.len())];
    let fused_loss = kind.run(FusedPass {
        layers: &layers,
        params: &params,
        block: &padded,
        loss,
        divisor,
        ws: &mut ws,
        grad: &mut fused,
        accum: Accum::Add,
        scratch: &mut scratch,
    });

    // Sums of up to a few thousand terms in another order, some cancelling: a wrong or a
    // missing term would be off by far more.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-11 * (1.0 + b.abs());
    let what = format!("{kind:?} on level {level}: {arch:?}, {rows} rows, {loss:?}");
    assert!(
        close(fused_loss, plain_loss),
        "{what}: loss {fused_loss} vs {plain_loss}"
    );
    for (k, (f, p)) in fused.iter().zip(&plain).enumerate() {
        assert!(close(*f, *p), "{what}: ∂/∂θ{k} {f} vs {p}");
    }
    for (f, p) in ws.output(rows).iter().zip(plain_ws.output(rows)) {
        assert!(close(*f, *p), "{what}: output {f} vs {p}");
    }
}

#[test]
fn fused_passes_equal_the_plain_one_to_rounding() {
    let acts = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Identity,
    ];
    let mut seed = 0;
    for (inputs, hidden, outputs) in [
        // Narrow.
        (2, vec![], 1),
        (4, vec![], 4),
        (2, vec![4, 4], 1),
        (3, vec![4, 2], 2),
        (4, vec![4, 4, 4], 4),
        // Both. Two inputs and one output at widths 1, 2, 3, 4 and 8 have their own code in the
        // wide pass (fixed at compile time), 40 the code of any width.
        (2, vec![1], 1),
        (2, vec![2], 1),
        (2, vec![3], 1),
        (2, vec![4], 1),
        (2, vec![8], 1),
        (8, vec![2], 1),
        // Wide.
        (2, vec![40], 1),
        (3, vec![17], 2),
        (1, vec![9], 5),
    ] {
        for (h, &activation) in acts.iter().enumerate() {
            for bias in [true, false] {
                // Rows: fewer than a register, a register's worth, a partial tail, and
                // 1 to 4 registers past the wide pass's runs of four, with 4 lanes and with 8.
                for rows in [1, 5, 8, 12, 16, 20, 100, 515] {
                    for loss in [Loss::HalfSse, Loss::Mse, Loss::Bce] {
                        let output = if loss == Loss::Bce {
                            Activation::Sigmoid
                        } else {
                            acts[(h + rows) % acts.len()]
                        };
                        let arch = Architecture {
                            inputs,
                            hidden: hidden.clone(),
                            outputs,
                            activation,
                            output,
                            bias,
                        };
                        seed += 1;
                        let layers = arch.layers();
                        let kinds = [
                            (Fused::Narrow, fused::narrow::fits(&layers)),
                            (Fused::Wide, fused::wide::fits(&layers)),
                        ];
                        for (kind, fits) in kinds {
                            if fits {
                                // Both paths at each instruction set: each has its own code.
                                simd::on_every_level(|level| {
                                    compare_fused(kind, &arch, rows, loss, seed, level)
                                });
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn each_shape_takes_its_pass() {
    let pass = |inputs, hidden: &[usize], outputs| {
        let act = Activation::Sigmoid;
        Fused::choose(&arch(inputs, hidden, outputs, act, act, true).layers())
    };
    // One hidden layer between few inputs and outputs: wide, whatever its width.
    assert_eq!(pass(2, &[4], 1), Some(Fused::Wide));
    assert_eq!(pass(2, &[256], 1), Some(Fused::Wide));
    assert_eq!(pass(4, &[1000], 2), Some(Fused::Wide));
    // Small layers, any depth: narrow.
    assert_eq!(pass(2, &[], 1), Some(Fused::Narrow));
    assert_eq!(pass(2, &[4, 4], 1), Some(Fused::Narrow));
    assert_eq!(
        pass(fused::narrow::MAX_WEIGHTS, &[], 1),
        Some(Fused::Narrow)
    );
    assert_eq!(pass(8, &[2], 1), Some(Fused::Narrow));
    // Neither: the plain path.
    assert_eq!(pass(2, &[8, 8], 1), None);
    assert_eq!(pass(2, &[64, 64], 1), None);
    assert_eq!(pass(fused::narrow::MAX_WEIGHTS + 1, &[], 1), None);
    assert_eq!(pass(fused::wide::MAX_ENDS, &[256], 1), None);
}
