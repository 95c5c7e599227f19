//! The experiment file as written: serde types that mirror the TOML, every field optional.
//!
//! Unknown keys are errors (`deny_unknown_fields`). Defaults are not filled in here but in
//! [`super::validate`], in one place, so that a variant or a sweep can override any key and an
//! unset key can be told from a default one.

use crate::data::{Gate, Scale};
use crate::network::{Activation, Loss};
use crate::train::Precision;
use serde::{Deserialize, Serialize};

/// The whole file. With its variants and sweep removed and overrides applied, the same type
/// describes one run.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub data: RawData,
    #[serde(default)]
    pub model: RawModel,
    #[serde(default)]
    pub init: RawInit,
    #[serde(default)]
    pub train: RawTrain,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict: Option<RawPredict>,
    #[serde(default)]
    pub output: RawOutput,
    #[serde(default, rename = "variant", skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<RawVariant>,
    /// Dotted keys mapped to the values to sweep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<toml::Table>,
}

/// One `[[variant]]`: a name and overrides of any section's keys.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<RawData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<RawModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<RawInit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<RawTrain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict: Option<RawPredict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<RawOutput>,
}

/// Every key of every section, as `section.key`: for hints, and for tests that try them all.
pub const KEYS: &[&str] = &[
    "data.kind",
    "data.samples",
    "data.noise",
    "data.factor",
    "data.centers",
    "data.cluster_std",
    "data.features",
    "data.classes",
    "data.arms",
    "data.shuffle",
    "data.seed",
    "data.test_fraction",
    "data.split_seed",
    "data.inputs",
    "data.targets",
    "data.path",
    "data.target",
    "data.header",
    "data.delimiter",
    "data.scale",
    "model.hidden",
    "model.activation",
    "model.output",
    "model.bias",
    "init.kind",
    "init.low",
    "init.high",
    "init.std",
    "init.seed",
    "init.weights",
    "init.biases",
    "train.loss",
    "train.learning_rate",
    "train.epochs",
    "train.optimizer",
    "train.target_loss",
    "train.precision",
    "train.batch_size",
    "train.shuffle",
    "train.momentum",
    "train.nesterov",
    "train.beta_1",
    "train.beta_2",
    "train.epsilon",
    "train.alpha",
    "train.schedule",
    "train.power_t",
    "train.tol",
    "train.n_iter_no_change",
    "train.early_stopping",
    "train.validation_fraction",
    "predict.inputs",
    "output.every",
    "output.formats",
    "output.weights",
    "output.report",
];

/// The keys of [`RawExperiment`] that are sections (the rest name or expand the experiment).
pub const SECTIONS: [&str; 6] = ["data", "model", "init", "train", "predict", "output"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Moons,
    Circles,
    Blobs,
    GaussianQuantiles,
    Spirals,
    Xor,
    Or,
    And,
    Table,
    Csv,
}

impl DataKind {
    /// Drawn from the data generator (`samples`, `shuffle` and `seed` apply).
    pub fn generated(self) -> bool {
        matches!(
            self,
            DataKind::Moons
                | DataKind::Circles
                | DataKind::Blobs
                | DataKind::GaussianQuantiles
                | DataKind::Spirals
        )
    }

    /// Whether the `[data]` key `key` means something for this kind: the one list both the
    /// validation and a type error's message consult (a wrongly typed key that does not apply
    /// is answered "does not apply", not with the type it would have needed).
    pub fn takes(self, key: &str) -> bool {
        use DataKind::*;
        match key {
            "samples" | "shuffle" => self.generated(),
            "noise" => matches!(self, Moons | Circles | Spirals),
            "centers" | "cluster_std" => self == Blobs,
            "features" => matches!(self, Blobs | GaussianQuantiles),
            "classes" => self == GaussianQuantiles,
            "arms" => self == Spirals,
            "factor" => self == Circles,
            "inputs" | "targets" => self == Table,
            "path" | "target" | "header" | "delimiter" => self == Csv,
            _ => true,
        }
    }

    pub fn gate(self) -> Option<Gate> {
        match self {
            DataKind::Xor => Some(Gate::Xor),
            DataKind::Or => Some(Gate::Or),
            DataKind::And => Some(Gate::And),
            _ => None,
        }
    }
}

/// One row of targets: a single number or a list (several outputs).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawTarget {
    One(f64),
    Many(Vec<f64>),
}

/// `train.batch_size`: a number of rows, or `"auto"`, scikit-learn's `min(200, rows)`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawBatch {
    Rows(i64),
    Word(String),
}

/// A CSV target column: by header name or by 0-based index.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawColumn {
    Index(i64),
    Name(String),
}

/// `data.target`: one column, or a list of columns (several outputs).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawTargets {
    One(RawColumn),
    Many(Vec<RawColumn>),
}

macro_rules! section {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(#[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
        }
    };
}

section!(
    /// `[data]`
    RawData {
        kind: DataKind,
        samples: i64,
        noise: f64,
        factor: f64,
        centers: i64,
        cluster_std: f64,
        features: i64,
        classes: i64,
        arms: i64,
        shuffle: bool,
        seed: i64,
        test_fraction: f64,
        split_seed: i64,
        inputs: Vec<Vec<f64>>,
        targets: Vec<RawTarget>,
        path: String,
        target: RawTargets,
        header: bool,
        delimiter: String,
        scale: Scale,
    }
);

section!(
    /// `[model]`
    RawModel {
        hidden: Vec<i64>,
        activation: Activation,
        output: Activation,
        bias: bool,
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InitKindName {
    Uniform,
    Normal,
    Xavier,
    He,
    Sklearn,
    Explicit,
}

/// `init.seed`: an integer, or `"data"` to continue the data generator's stream.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawSeed {
    Number(i64),
    Word(String),
}

section!(
    /// `[init]`
    RawInit {
        kind: InitKindName,
        low: f64,
        high: f64,
        std: f64,
        seed: RawSeed,
        weights: Vec<Vec<Vec<f64>>>,
        biases: Vec<Vec<f64>>,
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// Full-batch gradient descent: `w -= learning_rate * ∂loss/∂w`.
    Gd,
    /// scikit-learn's `sgd`: minibatches, momentum, schedules.
    Sgd,
    /// scikit-learn's `adam`.
    Adam,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleName {
    Constant,
    Invscaling,
    Adaptive,
}

section!(
    /// `[train]`
    RawTrain {
        loss: Loss,
        learning_rate: f64,
        epochs: i64,
        optimizer: Optimizer,
        target_loss: f64,
        precision: Precision,
        batch_size: RawBatch,
        shuffle: bool,
        momentum: f64,
        nesterov: bool,
        beta_1: f64,
        beta_2: f64,
        epsilon: f64,
        alpha: f64,
        schedule: ScheduleName,
        power_t: f64,
        tol: f64,
        n_iter_no_change: i64,
        early_stopping: bool,
        validation_fraction: f64,
    }
);

section!(
    /// `[predict]`
    RawPredict { inputs: Vec<Vec<f64>> }
);

section!(
    /// `[output]`
    RawOutput {
        every: i64,
        weights: bool,
        report: bool,
        formats: Vec<String>,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_is_a_key_and_every_key_is_listed() {
        for key in KEYS {
            let (section, leaf) = key.split_once('.').unwrap();
            let text = format!("[{section}]\n{leaf} = 0\n");
            let err = toml::from_str::<RawExperiment>(&text)
                .err()
                .map(|e| e.to_string());
            assert!(!err.unwrap_or_default().contains("unknown field"), "{key}");
        }
        // The other way: serde lists a section's fields when one is unknown.
        for section in SECTIONS {
            let err = toml::from_str::<RawExperiment>(&format!("[{section}]\nzzz = 0\n"))
                .unwrap_err()
                .to_string();
            let fields = err.split("expected ").nth(1).unwrap();
            for f in fields.split('`').skip(1).step_by(2) {
                assert!(
                    KEYS.contains(&format!("{section}.{f}").as_str()),
                    "{section}.{f}"
                );
            }
        }
    }
}
