//! The steps scikit-learn's `sgd` and `adam` solvers take (`_stochastic_optimizers.py`),
//! operation for operation, over preallocated state.
//!
//! Written by hand because reproducing `loss_curve_` to 1e-9 needs scikit-learn's order of
//! operations (bias-corrected learning rate, Nesterov's second velocity term); optimiser crates
//! (`argmin`, `burn`'s and `candle`'s) round differently and own their parameter storage.

/// How a step is taken (the validated `train.optimizer` and its keys).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Full-batch gradient descent: `w -= learning_rate * ∂loss/∂w`.
    Gd,
    /// Minibatch SGD with (Nesterov) momentum: `v ← momentum·v − rate·g`, then `w += v`, or
    /// with Nesterov `w += momentum·v − rate·g`.
    Sgd { momentum: f64, nesterov: bool },
    /// Adam (Kingma & Ba), with scikit-learn's bias-corrected rate.
    Adam {
        beta_1: f64,
        beta_2: f64,
        epsilon: f64,
    },
}

/// How `sgd`'s rate changes between epochs (scikit-learn's `learning_rate`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    Constant,
    /// `rate = learning_rate / (t + 1)^power_t`, `t` the samples seen so far.
    InvScaling {
        power_t: f64,
    },
    /// The rate is divided by 5 each time the stopping rule fires, and training stops once
    /// it is at most 1e-6.
    Adaptive,
}

/// A solver's state: the rate and the moment buffers, allocated once per run.
pub struct Solver<T> {
    method: Method,
    schedule: Schedule,
    rate_init: f64,
    rate: f64,
    /// `sgd`'s velocities, or `adam`'s first moments.
    first: Vec<T>,
    /// `adam`'s second moments.
    second: Vec<T>,
    /// `adam`'s step count.
    steps: i32,
}

impl<T: crate::network::Real> Solver<T> {
    pub fn new(method: Method, schedule: Schedule, rate: f64, params: usize) -> Self {
        let second = if matches!(method, Method::Adam { .. }) {
            params
        } else {
            0
        };
        Self {
            method,
            schedule,
            rate_init: rate,
            rate,
            first: vec![T::default(); params],
            second: vec![T::default(); second],
            steps: 0,
        }
    }

    /// One step: `params += update(grad)`.
    pub fn step(&mut self, params: &mut [T], grad: &[T]) {
        match self.method {
            Method::Gd => {
                let rate = T::from_f64(self.rate);
                for (p, &g) in params.iter_mut().zip(grad) {
                    *p -= rate * g;
                }
            }
            Method::Sgd { momentum, nesterov } => {
                let (m, rate) = (T::from_f64(momentum), T::from_f64(self.rate));
                for ((p, v), &g) in params.iter_mut().zip(&mut self.first).zip(grad) {
                    *v = m * *v - rate * g;
                    *p += if nesterov { m * *v - rate * g } else { *v };
                }
            }
            Method::Adam {
                beta_1,
                beta_2,
                epsilon,
            } => {
                self.steps += 1;
                let t = f64::from(self.steps);
                // Python's float power, as `beta ** t` there.
                self.rate = self.rate_init * (1.0 - beta_2.powf(t)).sqrt() / (1.0 - beta_1.powf(t));
                let (b1, b2, eps) = (
                    T::from_f64(beta_1),
                    T::from_f64(beta_2),
                    T::from_f64(epsilon),
                );
                let (c1, c2) = (T::from_f64(1.0 - beta_1), T::from_f64(1.0 - beta_2));
                let rate = T::from_f64(-self.rate);
                let moments = self.first.iter_mut().zip(&mut self.second);
                for ((p, (m, v)), &g) in params.iter_mut().zip(moments).zip(grad) {
                    *m = b1 * *m + c1 * g;
                    *v = b2 * *v + c2 * (g * g);
                    *p += rate * *m / (T::from_f64(v.to_f64().sqrt()) + eps);
                }
            }
        }
    }

    /// At the end of an epoch, `seen` samples in all: the inverse-scaling rate.
    pub fn epoch_ends(&mut self, seen: u64) {
        if let (Method::Sgd { .. }, Schedule::InvScaling { power_t }) = (self.method, self.schedule)
        {
            self.rate = self.rate_init / (seen as f64 + 1.0).powf(power_t);
        }
    }

    /// The stopping rule fired: whether to stop (else the adaptive rate was lowered).
    pub fn stalled(&mut self) -> bool {
        if !matches!(
            (self.method, self.schedule),
            (Method::Sgd { .. }, Schedule::Adaptive)
        ) || self.rate <= 1e-6
        {
            return true;
        }
        self.rate /= 5.0;
        false
    }
}
