//! The matrix products of an epoch at the project's shapes: faer with `Par::Seq` (what runner
//! uses inside a run) against a naive triple loop. Throughput is in flops (2·m·k·n), so
//! criterion's "Gelem/s" reads as GFLOP/s.
//!
//!     cargo bench --bench matmul

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use std::time::Duration;

/// `dst (m x n) = lhs (m x k) · rhs (k x n)`, column-major, the obvious way.
fn naive(dst: &mut [f64], lhs: &[f64], rhs: &[f64], m: usize, k: usize, n: usize) {
    for j in 0..n {
        let col = &mut dst[j * m..(j + 1) * m];
        col.iter_mut().for_each(|v| *v = 0.0);
        for p in 0..k {
            let b = rhs[j * k + p];
            for (d, a) in col.iter_mut().zip(&lhs[p * m..(p + 1) * m]) {
                *d += a * b;
            }
        }
    }
}

fn products(c: &mut Criterion) {
    // (name, m, k, n): forward X·W, the weight gradient Xᵀ·δ, the backpropagated δ·Wᵀ.
    let shapes = [
        ("tiny forward 100x2·2x4", 100, 2, 4),
        ("tiny grad 4x100·100x1", 4, 100, 1),
        ("tiny back 100x1·1x4", 100, 1, 4),
        ("large forward 100000x2·2x256", 100_000, 2, 256),
        ("large grad 256x100000·100000x1", 256, 100_000, 1),
        ("large back 100000x1·1x256", 100_000, 1, 256),
        ("mid hidden 10000x64·64x64", 10_000, 64, 64),
        // Not one of runner's: a large square product, the most one core's f64 products give.
        ("peak 1024x1024·1024x1024", 1024, 1024, 1024),
    ];
    let mut g = c.benchmark_group("matmul");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(10);
    for (name, m, k, n) in shapes {
        let lhs: Vec<f64> = (0..m * k).map(|i| (i % 7) as f64 * 0.1).collect();
        let rhs: Vec<f64> = (0..k * n).map(|i| (i % 5) as f64 * 0.1).collect();
        let mut dst = vec![0.0; m * n];
        g.throughput(Throughput::Elements((2 * m * k * n) as u64));
        g.bench_function(BenchmarkId::new("faer_seq", name), |b| {
            b.iter(|| {
                matmul(
                    MatMut::from_column_major_slice_mut(&mut dst, m, n),
                    Accum::Replace,
                    MatRef::from_column_major_slice(&lhs, m, k),
                    MatRef::from_column_major_slice(&rhs, k, n),
                    1.0,
                    Par::Seq,
                )
            })
        });
        if m * k * n < 100_000_000 {
            g.bench_function(BenchmarkId::new("naive", name), |b| {
                b.iter(|| naive(&mut dst, &lhs, &rhs, m, k, n))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, products, activations);
criterion_main!(benches);

/// The activation kernels per element: runner's SIMD sigmoid and tanh against std's.
fn activations(c: &mut Criterion) {
    let mut g = c.benchmark_group("activation");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(20);
    let n = 4096;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 / n as f64 - 0.5) * 20.0).collect();
    let mut y = x.clone();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("sigmoid/runner_simd", |b| {
        b.iter(|| {
            y.copy_from_slice(&x);
            runner::network::simd::sigmoid_in_place(&mut y, 0.0)
        })
    });
    g.bench_function("sigmoid/std_exp", |b| {
        b.iter(|| {
            for (o, &v) in y.iter_mut().zip(&x) {
                *o = 1.0 / (1.0 + (-v).exp());
            }
        })
    });
    g.bench_function("tanh/runner_simd", |b| {
        b.iter(|| {
            y.copy_from_slice(&x);
            runner::network::simd::tanh_in_place(&mut y, 0.0)
        })
    });
    g.bench_function("tanh/std", |b| {
        b.iter(|| {
            for (o, &v) in y.iter_mut().zip(&x) {
                *o = v.tanh();
            }
        })
    });
    g.finish();
}
