//! How long training will take: a small model of runner's own speed, calibrated on this machine
//! when asked (two short trainings, about 40 ms), applied to the work of each run.
//!
//! A run's time is `PER_RUN + steps × per_step + epochs × rows × (units × per_unit + weights ×
//! per_weight)`: `steps` the optimizer steps (epochs × batches), `units` the network's units
//! (an activation each), `weights` its weights and biases (a multiply-add each, forward and
//! back). Narrow networks are bound by the activations, wide ones by the products, so both
//! costs are measured. Runs train on `threads` threads at once, so a sweep takes about the
//! larger of its total over the threads and its longest run; fewer runs than threads share
//! the threads within each run.

use super::prepare::Prepared;
use crate::data::{Dataset, Loaded};
use crate::network::{Activation, Architecture, Loss};
use crate::rng::RandomState;
use crate::train::{self, Method, Options, Spread, TrainSpec};
use std::ops::ControlFlow;
use std::time::Instant;

/// What a run costs besides training (claiming it, writing its files, hashing): about 1 ms,
/// measured on this machine kind.
const PER_RUN: f64 = 1e-3;

/// runner's speed on this machine.
#[derive(Clone, Copy, Debug)]
pub struct Speed {
    /// Seconds an optimizer step costs besides its rows.
    pub per_step: f64,
    /// Seconds a unit's activation costs, per row (forward and back).
    pub per_unit: f64,
    /// Seconds a weight costs, per row (forward and back).
    pub per_weight: f64,
}

/// The networks [`Speed::measure`] trains: rows, hidden layers, epochs.
const PROBES: [(usize, &[usize], usize); 3] =
    [(100, &[4], 2000), (2000, &[64], 40), (2000, &[64, 64], 10)];

impl Speed {
    /// Measures runner's speed: full-batch training of a tiny network (its time is mostly per
    /// step), of a wide layer (mostly activations) and of two wide layers (mostly products),
    /// solved for the three costs.
    pub fn measure() -> Speed {
        let mut a = [[0.0; 3]; 3];
        let mut t = [0.0; 3];
        for (k, (rows, hidden, epochs)) in PROBES.into_iter().enumerate() {
            let (units, weights) = sizes(2, hidden, 1);
            a[k] = [1.0, (rows * units) as f64, (rows * weights) as f64];
            t[k] = seconds_per_epoch(rows, hidden, epochs);
        }
        let [s, u, w] = solve(a, t);
        Speed {
            per_step: s.max(1e-8),
            per_unit: u.max(1e-12),
            per_weight: w.max(1e-13),
        }
    }

    /// Seconds `run` takes to train alone.
    pub fn run_seconds(&self, run: &Prepared) -> f64 {
        let spec = &run.spec.train;
        let rows = run.data.train.rows;
        let batches = match spec.method {
            Method::Gd => 1,
            _ => rows.div_ceil(spec.batch_size.unwrap_or(200).clamp(1, rows.max(1))),
        };
        let (units, weights) = sizes(run.arch.inputs, &run.arch.hidden, run.arch.outputs);
        let per_row = units as f64 * self.per_unit + weights as f64 * self.per_weight;
        let epochs = spec.epochs as f64;
        PER_RUN + epochs * (batches as f64 * self.per_step + rows as f64 * per_row)
    }

    /// Seconds `runs` take on `threads` threads: their total shared among the threads, or the
    /// longest run if that is longer and there are runs enough to keep each on one thread.
    pub fn sweep_seconds<'a>(
        &self,
        runs: impl Iterator<Item = &'a Prepared>,
        threads: usize,
    ) -> f64 {
        let (mut n, mut total, mut longest) = (0, 0.0, 0.0_f64);
        for r in runs {
            let s = self.run_seconds(r);
            (n, total, longest) = (n + 1, total + s, longest.max(s));
        }
        let shared = total / threads.max(1) as f64;
        if n < threads {
            shared
        } else {
            shared.max(longest)
        }
    }
}

/// Units and weights (biases included) of `inputs → hidden → outputs`.
fn sizes(inputs: usize, hidden: &[usize], outputs: usize) -> (usize, usize) {
    let widths: Vec<usize> = std::iter::once(inputs)
        .chain(hidden.iter().copied())
        .chain(std::iter::once(outputs))
        .collect();
    let units = widths[1..].iter().sum();
    let weights = widths.windows(2).map(|w| (w[0] + 1) * w[1]).sum();
    (units, weights)
}

/// The solution of `a x = t` (Gaussian elimination with partial pivoting; three unknowns).
fn solve(mut a: [[f64; 3]; 3], mut t: [f64; 3]) -> [f64; 3] {
    for c in 0..3 {
        let p = (c..3)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .expect("rows");
        a.swap(c, p);
        t.swap(c, p);
        for r in c + 1..3 {
            let f = a[r][c] / a[c][c];
            let pivot = a[c];
            for (x, p) in a[r][c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            t[r] -= f * t[c];
        }
    }
    let mut x = [0.0; 3];
    for c in (0..3).rev() {
        let rest: f64 = (c + 1..3).map(|k| a[c][k] * x[k]).sum();
        x[c] = (t[c] - rest) / a[c][c];
    }
    x
}

/// The time a plan shows: for the runs left to train, on the threads that train them.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub seconds: f64,
    pub to_train: usize,
    pub threads: usize,
    pub speed: Speed,
}

impl Timing {
    /// Times the runs `left` selects, measuring this machine's speed first.
    pub fn of(runs: &[Prepared], left: impl Fn(usize) -> bool, threads: usize) -> Timing {
        let speed = Speed::measure();
        let todo: Vec<&Prepared> = (0..runs.len())
            .filter(|&i| left(i))
            .map(|i| &runs[i])
            .collect();
        Timing {
            seconds: speed.sweep_seconds(todo.iter().copied(), threads),
            to_train: todo.len(),
            threads,
            speed,
        }
    }

    /// `time: about 3 s to train 80 runs on 2 threads (…)`, the plan's line.
    pub fn line(&self) -> String {
        if self.to_train == 0 {
            return "time: nothing to train".into();
        }
        format!(
            "time: about {} to train {} on {} (runner measured now, per row: {:.2} ns a unit, {:.2} ns a weight; {:.2} µs a step)",
            crate::format::human(self.seconds),
            crate::format::count(self.to_train, "run"),
            crate::format::count(self.threads, "thread"),
            self.speed.per_unit * 1e9,
            self.speed.per_weight * 1e9,
            self.speed.per_step * 1e6,
        )
    }
}

/// Seconds an epoch of full-batch training takes: `rows` rows, 2 → `hidden` → 1, sigmoid.
fn seconds_per_epoch(rows: usize, hidden: &[usize], epochs: usize) -> f64 {
    let arch = Architecture {
        inputs: 2,
        hidden: hidden.to_vec(),
        outputs: 1,
        activation: Activation::Sigmoid,
        output: Activation::Sigmoid,
        bias: true,
    };
    let x: Vec<f64> = (0..rows * 2)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
        .collect();
    let y: Vec<f64> = (0..rows).map(|i| (i % 2) as f64).collect();
    let data = Loaded {
        train: Dataset::new(x, y, rows, 2, 1),
        test: None,
        rng: RandomState::new(0),
        scaler: None,
    };
    let spec = TrainSpec::gd(Loss::HalfSse, 0.01, epochs);
    let params: Vec<f64> = (0..arch.param_count())
        .map(|i| ((i * 31) % 17) as f64 / 17.0 - 0.5)
        .collect();
    let run = train::Run {
        arch: &arch,
        spec: &spec,
        data: &data,
        opts: Options {
            every: epochs,
            spread: Spread::OneThread,
            snapshots: false,
        },
        predict: None,
    };
    let start = Instant::now();
    train::train(&run, params, RandomState::new(0), |_, _| {
        ControlFlow::Continue(())
    });
    start.elapsed().as_secs_f64() / epochs as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_costs_are_positive_and_a_wider_network_costs_more() {
        let speed = Speed::measure();
        assert!(speed.per_step > 0.0 && speed.per_unit > 0.0 && speed.per_weight > 0.0);
        // Below a second per million updates on any machine this runs on.
        assert!(
            speed.per_weight < 1e-6 && speed.per_unit < 1e-6,
            "{speed:?}"
        );
    }

    #[test]
    fn the_costs_solve_the_probes_equations() {
        let x = solve(
            [
                [1.0, 500.0, 1700.0],
                [1.0, 130_000.0, 514_000.0],
                [1.0, 258_000.0, 8.8e6],
            ],
            [
                1e-6 + 500.0 * 2e-9 + 1700.0 * 3e-10,
                1e-6 + 130_000.0 * 2e-9 + 514_000.0 * 3e-10,
                1e-6 + 258_000.0 * 2e-9 + 8.8e6 * 3e-10,
            ],
        );
        for (got, want) in x.iter().zip([1e-6, 2e-9, 3e-10]) {
            assert!((got - want).abs() < 1e-9 * want, "{x:?}");
        }
        assert_eq!(sizes(2, &[4], 1), (5, 3 * 4 + 5));
        assert_eq!(sizes(2, &[], 1), (1, 3));
    }
}
