//! The `[train]` section: its defaults (scikit-learn's, for `sgd` and `adam`) and every
//! combination of keys that makes no sense, refused with the fix.

use super::super::raw::{
    InitKindName, Optimizer, RawBatch, RawInit, RawModel, RawTrain, ScheduleName,
};
use super::{filled, name_of, Checker};
use crate::network::{Activation, Loss};
use crate::train::{Method, Precision, Schedule, StopRule, TrainSpec};

/// Fills `[train]`'s defaults. `gd` keeps the tutorials' (rate 0.5); `sgd` and `adam` take
/// scikit-learn's (rate 0.001, `alpha` 1e-4, shuffled batches), but the stopping rule stays
/// off unless asked for (`tol`, `early_stopping` or the adaptive schedule).
pub(super) fn fill_train_defaults(t: &mut RawTrain) {
    t.loss.get_or_insert(Loss::HalfSse);
    let opt = *t.optimizer.get_or_insert(Optimizer::Gd);
    let minibatch = opt != Optimizer::Gd;
    t.learning_rate
        .get_or_insert(if minibatch { 0.001 } else { 0.5 });
    t.epochs.get_or_insert(1000);
    t.precision.get_or_insert(Precision::F64);
    if minibatch {
        t.batch_size.get_or_insert(RawBatch::Word("auto".into()));
        t.alpha.get_or_insert(1e-4);
        t.shuffle.get_or_insert(true);
        t.early_stopping.get_or_insert(false);
    }
    if opt == Optimizer::Sgd {
        t.momentum.get_or_insert(0.9);
        t.nesterov.get_or_insert(true);
        if *t.schedule.get_or_insert(ScheduleName::Constant) == ScheduleName::Invscaling {
            t.power_t.get_or_insert(0.5);
        }
    }
    if opt == Optimizer::Adam {
        t.beta_1.get_or_insert(0.9);
        t.beta_2.get_or_insert(0.999);
        t.epsilon.get_or_insert(1e-8);
    }
    let early = t.early_stopping == Some(true);
    if early {
        t.validation_fraction.get_or_insert(0.1);
    }
    if early || t.schedule == Some(ScheduleName::Adaptive) {
        t.tol.get_or_insert(1e-4);
    }
    if t.tol.is_some() {
        t.n_iter_no_change.get_or_insert(10);
    }
}

impl Checker {
    /// A number that must lie in a range, named in words (`what`) with an example.
    fn within(&mut self, key: &str, v: Option<f64>, ok: fn(f64) -> bool, what: &str) {
        if let Some(v) = v.filter(|&v| !ok(v)) {
            self.bad::<()>(key, format!("`{v}` must be {what}"));
        }
    }

    pub(super) fn train(&mut self, t: &RawTrain, m: &RawModel, i: &RawInit) -> Option<TrainSpec> {
        let lr = t.learning_rate?;
        if !(lr.is_finite() && lr > 0.0) {
            self.bad::<()>(
                "train.learning_rate",
                format!("`{lr}` must be a finite number > 0, e.g. `learning_rate = 0.5`"),
            );
        }
        let epochs = self.positive("train.epochs", t.epochs?);
        let loss = t.loss?;
        self.losses(loss, m);
        if let Some(tl) = t.target_loss.filter(|v| !v.is_finite()) {
            self.bad::<()>(
                "train.target_loss",
                format!("`{tl}` must be a finite number"),
            );
        }
        let opt = t.optimizer?;
        let method = self.method(t, opt);
        let schedule = self.schedule(t, opt);
        let batch_size = match &t.batch_size {
            Some(RawBatch::Rows(b)) => Some(self.positive("train.batch_size", *b)?),
            Some(RawBatch::Word(w)) if w == "auto" => None,
            Some(RawBatch::Word(w)) => {
                self.bad::<()>(
                    "train.batch_size",
                    format!("`\"{w}\"` is not a batch size; give a number of rows, e.g. `batch_size = 32`, or `\"auto\"` for scikit-learn's min(200, training rows)"),
                );
                return None;
            }
            None => None,
        };
        self.within(
            "train.alpha",
            t.alpha,
            |v| v.is_finite() && v >= 0.0,
            "a finite number ≥ 0 (the L2 penalty), e.g. `alpha = 0.0001`",
        );
        let stop = self.stop_rule(t);
        let early = t.early_stopping == Some(true);
        if early {
            self.within(
                "train.validation_fraction",
                t.validation_fraction,
                |v| v > 0.0 && v < 1.0,
                "in (0, 1): the share of training rows held out to score each epoch, e.g. `validation_fraction = 0.1`",
            );
        } else if t.validation_fraction.is_some() {
            self.bad::<()>(
                "train.validation_fraction",
                "applies only with early stopping; set `early_stopping = true` or remove it".into(),
            );
        }
        if i.kind == Some(InitKindName::Sklearn) && m.bias == Some(false) {
            self.bad::<()>("init.kind", "`sklearn` draws every layer's bias as scikit-learn does; set `model.bias = true` or choose another kind".into());
        }
        Some(TrainSpec {
            loss,
            learning_rate: lr,
            epochs: epochs?,
            target_loss: t.target_loss,
            precision: t.precision?,
            method: method?,
            batch_size,
            // Unset only for full-batch `gd`, which neither shuffles nor regularises.
            shuffle: t.shuffle == Some(true),
            alpha: t.alpha.unwrap_or_default(),
            schedule: schedule?,
            stop,
            validation_fraction: early.then(|| filled(t.validation_fraction)),
        })
    }

    /// Losses and output activations that belong together.
    fn losses(&mut self, loss: Loss, m: &RawModel) {
        let output = m.output;
        if loss == Loss::Bce && output != Some(Activation::Sigmoid) {
            self.bad::<()>(
                "train.loss",
                "`bce` needs outputs in (0, 1); set `model.output = \"sigmoid\"`".into(),
            );
        }
        if loss == Loss::CrossEntropy && output != Some(Activation::Softmax) {
            self.bad::<()>(
                "train.loss",
                "`cross_entropy` compares class probabilities; set `model.output = \"softmax\"`"
                    .into(),
            );
        }
        if output == Some(Activation::Softmax) && loss != Loss::CrossEntropy {
            self.bad::<()>("model.output", format!("`softmax` gives class probabilities, which `{}` does not score; set `train.loss = \"cross_entropy\"`", name_of(loss)));
        }
        if m.activation == Some(Activation::Softmax) {
            self.bad::<()>("model.activation", "`softmax` is an output layer's activation; choose `sigmoid`, `tanh`, `relu` or `identity` for the hidden layers".into());
        }
    }

    fn method(&mut self, t: &RawTrain, opt: Optimizer) -> Option<Method> {
        let named = format!("to `train.optimizer = \"{}\"`", name_of(opt));
        let only = |keys: &[(&str, bool)], which: &str, me: &mut Checker| {
            for &(key, set) in keys {
                if set {
                    me.bad::<()>(key, format!("does not apply {named}; it is a key of `optimizer = \"{which}\"`: remove it or change the optimizer"));
                }
            }
        };
        if opt != Optimizer::Sgd {
            only(
                &[
                    ("train.momentum", t.momentum.is_some()),
                    ("train.nesterov", t.nesterov.is_some()),
                    ("train.schedule", t.schedule.is_some()),
                    ("train.power_t", t.power_t.is_some()),
                ],
                "sgd",
                self,
            );
        }
        if opt != Optimizer::Adam {
            only(
                &[
                    ("train.beta_1", t.beta_1.is_some()),
                    ("train.beta_2", t.beta_2.is_some()),
                    ("train.epsilon", t.epsilon.is_some()),
                ],
                "adam",
                self,
            );
        }
        if opt == Optimizer::Gd {
            for (key, set) in [
                ("train.batch_size", t.batch_size.is_some()),
                ("train.shuffle", t.shuffle.is_some()),
                ("train.early_stopping", t.early_stopping.is_some()),
            ] {
                if set {
                    self.bad::<()>(key, "does not apply to `train.optimizer = \"gd\"`, whose every step uses all training rows; set `optimizer = \"sgd\"` or `\"adam\"` for minibatches".into());
                }
            }
        }
        Some(match opt {
            Optimizer::Gd => Method::Gd,
            Optimizer::Sgd => {
                let momentum = t.momentum?;
                self.within(
                    "train.momentum",
                    Some(momentum),
                    |v| (0.0..=1.0).contains(&v),
                    "in [0, 1], e.g. `momentum = 0.9`",
                );
                Method::Sgd {
                    momentum,
                    nesterov: t.nesterov?,
                }
            }
            Optimizer::Adam => {
                let beta = |v: f64| (0.0..1.0).contains(&v);
                let what = "in [0, 1), e.g. `beta_1 = 0.9` and `beta_2 = 0.999`";
                self.within("train.beta_1", t.beta_1, beta, what);
                self.within("train.beta_2", t.beta_2, beta, what);
                self.within(
                    "train.epsilon",
                    t.epsilon,
                    |v| v.is_finite() && v > 0.0,
                    "a finite number > 0, e.g. `epsilon = 1e-8`",
                );
                Method::Adam {
                    beta_1: t.beta_1?,
                    beta_2: t.beta_2?,
                    epsilon: t.epsilon?,
                }
            }
        })
    }

    fn schedule(&mut self, t: &RawTrain, opt: Optimizer) -> Option<Schedule> {
        if opt != Optimizer::Sgd {
            return Some(Schedule::Constant);
        }
        let schedule = t.schedule?;
        if schedule != ScheduleName::Invscaling && t.power_t.is_some() {
            self.bad::<()>(
                "train.power_t",
                "applies only to `schedule = \"invscaling\"`; remove it or set that schedule"
                    .into(),
            );
        }
        Some(match schedule {
            ScheduleName::Constant => Schedule::Constant,
            ScheduleName::Adaptive => Schedule::Adaptive,
            ScheduleName::Invscaling => {
                let power_t = t.power_t?;
                self.within(
                    "train.power_t",
                    Some(power_t),
                    |v| v.is_finite() && v >= 0.0,
                    "a finite number ≥ 0, e.g. `power_t = 0.5`",
                );
                Schedule::InvScaling { power_t }
            }
        })
    }

    fn stop_rule(&mut self, t: &RawTrain) -> Option<StopRule> {
        let Some(tol) = t.tol else {
            if t.n_iter_no_change.is_some() {
                self.bad::<()>("train.n_iter_no_change", "has no rule to count for; set `tol` (e.g. `tol = 1e-4`) to stop when the loss stops falling, or remove it".into());
            }
            return None;
        };
        self.within(
            "train.tol",
            Some(tol),
            |v| v.is_finite() && v >= 0.0,
            "a finite number ≥ 0, e.g. `tol = 1e-4`",
        );
        let n = self.positive("train.n_iter_no_change", filled(t.n_iter_no_change))?;
        Some(StopRule {
            tol,
            n_iter_no_change: n,
        })
    }
}
