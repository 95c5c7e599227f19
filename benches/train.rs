//! Epochs per second on the three reference workloads (f64, sigmoid, ½SSE, full-batch GD),
//! and the throughput of a sweep on 1 and 2 threads.
//!
//!     cargo bench --bench train

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use runner::config;
use runner::job::prepare::{prepare, Prepared};
use runner::train::Spread;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

/// The workloads of `benches/compare/`: name, rows, hidden widths.
pub const WORKLOADS: [(&str, usize, &str); 3] = [
    ("tiny_100x2-4-1", 100, "[4]"),
    ("mid_10kx2-64-64-1", 10_000, "[64, 64]"),
    ("large_100kx2-256-1", 100_000, "[256]"),
];

fn workload(rows: usize, hidden: &str, seeds: usize) -> Vec<Prepared> {
    let toml = format!(
        "[data]\nkind = \"moons\"\nsamples = {rows}\nnoise = 0.1\n[model]\nhidden = {hidden}\n\
         [init]\nkind = \"uniform\"\nseed = 0\n[train]\nlearning_rate = 0.001\nepochs = 1\n\
         [sweep]\n\"init.seed\" = {{ range = [0, {seeds}] }}\n"
    );
    prepare(&mut config::parse(&toml, Path::new("bench.toml"), &[]).unwrap()).unwrap()
}

fn train(run: &Prepared, epochs: usize, parallel: bool) -> f64 {
    let mut spec = run.spec.train.clone();
    spec.epochs = epochs;
    let (params, rng) = run
        .spec
        .init
        .initialize_with_rng(&run.arch.layers(), &run.data.rng);
    let spread = Spread::when(parallel);
    let to_train = runner::train::Run {
        arch: &run.arch,
        spec: &spec,
        data: &run.data,
        opts: runner::train::Options {
            every: epochs,
            spread,
            snapshots: false,
        },
        predict: None,
    };
    let out = runner::train::train(&to_train, params, rng, |_, _| ControlFlow::Continue(()));
    out.last.loss
}

fn epochs(c: &mut Criterion) {
    let mut g = c.benchmark_group("epochs");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.sample_size(10);
    for (name, rows, hidden) in WORKLOADS {
        let runs = workload(rows, hidden, 1);
        let n = (2_000_000 / (rows * 8)).clamp(1, 2000);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new(name, format!("{n} epochs")), |b| {
            b.iter(|| train(&runs[0], n, true))
        });
    }
    g.finish();
}

fn sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("sweep_16_tiny_runs");
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.sample_size(10);
    let runs = workload(100, "[4]", 16);
    let epochs = 2000;
    g.throughput(Throughput::Elements((epochs * runs.len()) as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                pool.install(|| {
                    runs.par_iter()
                        .map(|r| train(r, epochs, false))
                        .sum::<f64>()
                })
            })
        });
    }
    g.finish();
}

/// One training pass over one block, plain (faer products and slice kernels, layer by
/// layer) against fused (the pass `network::Fused` picks for the shape): the tutorials' block
/// (100 × 2 → 4 → 1, the wide pass), two small hidden layers (512 × 2 → 4 → 4 → 1, the narrow
/// pass) and a block of the large workload (512 × 2 → 256 → 1, the wide pass); for the wide
/// pass, also a lockstep group's pass (elements: rows × members).
fn block_pass(c: &mut Criterion) {
    use runner::network::{
        self, fused, Activation, Architecture, Block, Fused, FusedPass, Loss, Workspace,
    };
    let mut g = c.benchmark_group("block_pass");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    let shapes: [(&str, usize, &[usize]); 3] = [
        ("tiny_100x2-4-1", 100, &[4]),
        ("deep_512x2-4-4-1", 512, &[4, 4]),
        ("large_512x2-256-1", 512, &[256]),
    ];
    for (name, rows, hidden) in shapes {
        let arch = Architecture {
            inputs: 2,
            hidden: hidden.to_vec(),
            outputs: 1,
            activation: Activation::Sigmoid,
            output: Activation::Sigmoid,
            bias: false,
        };
        let layers = arch.layers();
        let x: Vec<f64> = (0..rows * 2).map(|i| (i as f64 * 0.37).sin()).collect();
        let y: Vec<f64> = (0..rows).map(|i| (i % 2) as f64).collect();
        let xt = network::transpose(&x, 2, rows);
        let block = Block {
            x: &x,
            xt: &xt,
            y: &y,
            rows,
        };
        let params: Vec<f64> = (0..arch.param_count())
            .map(|i| (i as f64 * 0.7).cos() * 0.5)
            .collect();
        let mut grad = vec![0.0; params.len()];
        let loss = (Loss::HalfSse, 1.0);
        g.throughput(Throughput::Elements(rows as u64));
        let mut ws = Workspace::new(&layers, rows);
        g.bench_function(BenchmarkId::new(name, "plain"), |b| {
            b.iter(|| {
                network::forward(&layers, &params, block.x, rows, &mut ws);
                let l = loss.0.sum(ws.output(rows), block.y);
                let accum = faer::Accum::Replace;
                network::backward(&layers, &params, block, loss, &mut ws, &mut grad, accum);
                l
            })
        });
        let kind = Fused::choose(&layers).expect("every shape here has a fused pass");
        let padded = fused::Padded::new(block);
        let mut ws = kind.workspace::<f64>(&layers, rows);
        let mut scratch = vec![0.0; kind.scratch_len(&layers, params.len())];
        g.bench_function(BenchmarkId::new(name, format!("fused_{kind:?}")), |b| {
            b.iter(|| {
                kind.run(FusedPass {
                    layers: &layers,
                    params: &params,
                    block: &padded,
                    loss: loss.0,
                    divisor: loss.1,
                    ws: &mut ws,
                    grad: &mut grad,
                    accum: faer::Accum::Replace,
                    scratch: &mut scratch,
                })
            })
        });
        if kind == Fused::Wide {
            // A lockstep group's pass, one register of samples of every member at a time: per
            // member, against `fused_Wide` alone (rows × members counted as elements).
            let members = fused::members::MEMBERS;
            let each: Vec<Vec<f64>> = (0..members)
                .map(|m| {
                    params
                        .iter()
                        .map(|&p| p * (1.0 + m as f64 * 0.01))
                        .collect()
                })
                .collect();
            let mut grad = vec![0.0; params.len() * members];
            let mut out = vec![0.0; padded.ld() * members];
            let mut squares = [0.0; fused::members::MEMBERS];
            let mut scratch = vec![0.0; fused::members::scratch_len(&layers, params.len())];
            g.throughput(Throughput::Elements((rows * members) as u64));
            g.bench_function(BenchmarkId::new(name, format!("lockstep_{members}")), |b| {
                b.iter(|| {
                    fused::members::pass(fused::members::MembersPass {
                        layers: &layers,
                        params: std::array::from_fn(|m| &each[m][..]),
                        block: &padded,
                        loss: loss.0,
                        divisor: loss.1,
                        out: &mut out,
                        grad: &mut grad,
                        squares: &mut squares,
                        scratch: &mut scratch,
                    })
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, epochs, sweep, block_pass);
criterion_main!(benches);
