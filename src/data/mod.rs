//! Data sets: the generated ones (moons, circles), the logic gates, inline tables and CSV
//! files, and the held-out split.
//!
//! A [`DataSpec`] is the validated `[data]` section; [`DataSpec::load`] turns it into a
//! [`Dataset`]. The generator that draws the data is handed back so that initial weights can
//! continue its stream, as a script that seeds NumPy once does.

mod csv_file;
mod generate;
mod scale;

pub use csv_file::{scan, CsvError, Scan};
pub use scale::{Scale, Scaler};

use crate::format::label;
use crate::rng::RandomState;
use serde::Serialize;
use std::path::PathBuf;

/// Samples as row-major matrices: `x` is `rows x inputs`, `y` is `rows x outputs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub rows: usize,
    pub inputs: usize,
    pub outputs: usize,
    /// Class names, in output order, when the targets are one-hot classes; else empty.
    pub classes: Vec<String>,
    /// The input columns' names, from a CSV file's header; else empty.
    pub input_names: Vec<String>,
}

/// What the targets must be, by the loss that scores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Any finite numbers (½SSE, MSE, squared error).
    Numbers,
    /// 0 or 1 (binary cross-entropy).
    Binary,
    /// Class labels, one column, numbers or text, one-hot encoded in scikit-learn's order
    /// (softmax with cross-entropy).
    Classes,
}

/// The two-input truth tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Xor,
    Or,
    And,
}

/// Where the samples come from (validated).
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Moons {
        samples: usize,
        noise: Option<f64>,
        shuffle: bool,
    },
    Circles {
        samples: usize,
        noise: Option<f64>,
        factor: f64,
        shuffle: bool,
    },
    Blobs {
        samples: usize,
        features: usize,
        centers: usize,
        std: f64,
        shuffle: bool,
    },
    GaussianQuantiles {
        samples: usize,
        features: usize,
        classes: usize,
        shuffle: bool,
    },
    Spirals {
        samples: usize,
        arms: usize,
        noise: Option<f64>,
        shuffle: bool,
    },
    Gate(Gate),
    Table {
        inputs: Vec<Vec<f64>>,
        targets: Vec<Vec<f64>>,
    },
    Csv {
        path: PathBuf,
        /// The target columns, in output order.
        target: Vec<CsvTarget>,
        header: bool,
        /// The byte between values (`data.delimiter`; a comma unless set).
        delimiter: u8,
    },
}

/// Which CSV column holds the target.
#[derive(Clone, Debug, PartialEq)]
pub enum CsvTarget {
    Name(String),
    /// 0-based column index.
    Index(usize),
    /// Counted from the end: 1 is the last column.
    FromEnd(usize),
}

/// The validated `[data]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
    pub source: Source,
    /// Seed of the generator that draws the data (and, on request, the initial weights).
    pub seed: u32,
    /// Fraction of rows held out for testing, in `[0, 1)`.
    pub test_fraction: f64,
    /// Seed of the split's own generator.
    pub split_seed: u32,
    /// How the inputs are scaled, fitted on the training rows.
    pub scale: Scale,
    /// What the targets must be.
    pub targets: Targets,
}

/// A loaded data set, split into training and (optional) held-out rows.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub train: Dataset,
    pub test: Option<Dataset>,
    /// The data generator, positioned right after the data.
    pub rng: RandomState,
    /// The scaler fitted on the training rows, already applied to `train` and `test`.
    pub scaler: Option<Scaler>,
}

impl DataSpec {
    /// Builds the samples and splits them.
    pub fn load(&self) -> Result<Loaded, CsvError> {
        let mut rng = RandomState::new(self.seed);
        let all = match &self.source {
            Source::Moons {
                samples,
                noise,
                shuffle,
            } => {
                let (x, y) = generate::moons(*samples, *noise, *shuffle, &mut rng);
                Dataset::new(x, y, *samples, 2, 1)
            }
            Source::Circles {
                samples,
                noise,
                factor,
                shuffle,
            } => {
                let (x, y) = generate::circles(*samples, *noise, *factor, *shuffle, &mut rng);
                Dataset::new(x, y, *samples, 2, 1)
            }
            &Source::Blobs {
                samples,
                features,
                centers,
                std,
                shuffle,
            } => {
                let (x, y) = generate::blobs(samples, features, centers, std, shuffle, &mut rng);
                Dataset::new(x, y, samples, features, 1)
            }
            &Source::GaussianQuantiles {
                samples,
                features,
                classes,
                shuffle,
            } => {
                let (x, y) =
                    generate::gaussian_quantiles(samples, features, classes, shuffle, &mut rng);
                Dataset::new(x, y, samples, features, 1)
            }
            &Source::Spirals {
                samples,
                arms,
                noise,
                shuffle,
            } => {
                let (x, y) = generate::spirals(samples, arms, noise, shuffle, &mut rng);
                Dataset::new(x, y, samples, 2, 1)
            }
            Source::Gate(gate) => gate.table(),
            Source::Table { inputs, targets } => Dataset::from_rows(inputs, targets),
            Source::Csv {
                path,
                target,
                header,
                delimiter,
            } => {
                let mut all = csv_file::read(path, target, *header, *delimiter, self.targets)?;
                if *header {
                    all.input_names = csv_file::input_names(path, target, *delimiter, all.inputs);
                }
                all
            }
        };
        let all = self.check_targets(all)?;
        let (mut train, mut test) = split(all, self.test_fraction, self.split_seed);
        let scaler = Scaler::fit(self.scale, &train.x, train.rows, train.inputs);
        if let Some(s) = &scaler {
            s.apply(&mut train.x);
            if let Some(t) = &mut test {
                s.apply(&mut t.x);
            }
        }
        Ok(Loaded {
            train,
            test,
            rng,
            scaler,
        })
    }
}

impl DataSpec {
    /// Checks the targets against [`Targets`], and turns class labels into one-hot rows
    /// (a CSV file's are already).
    fn check_targets(&self, mut all: Dataset) -> Result<Dataset, CsvError> {
        let place = |row: usize| match &self.source {
            Source::Table { .. } => format!("key `data.targets`, row {}", row + 1),
            other => format!("`data.kind = \"{}\"`, sample {}", other.name(), row + 1),
        };
        match self.targets {
            Targets::Numbers => {}
            _ if matches!(self.source, Source::Csv { .. }) => {}
            Targets::Binary => {
                if let Some(i) = all.y.iter().position(|&v| v != 0.0 && v != 1.0) {
                    return Err(CsvError::Target {
                        place: place(i / all.outputs),
                        message: not_binary(&label(all.y[i])),
                    });
                }
            }
            Targets::Classes => {
                if all.outputs != 1 {
                    return Err(CsvError::Target {
                        place: place(0),
                        message: format!("has {} target values; class labels are one value per row, e.g. `targets = [0, 2, 1]`", all.outputs),
                    });
                }
                let labels: Vec<String> = all.y.iter().map(|&v| label(v)).collect();
                let (y, classes) = one_hot(&labels);
                all.outputs = classes.len();
                all.y = y;
                all.classes = classes;
            }
        }
        Ok(all)
    }
}

/// Why a target is refused by binary cross-entropy, with the fix.
fn not_binary(value: &str) -> String {
    format!("`{value}` is not 0 or 1, and `train.loss = \"bce\"` needs targets of 0 or 1; for more than two classes set `model.output = \"softmax\"` with `train.loss = \"cross_entropy\"`, or for numbers choose `loss = \"squared_error\"`")
}

/// One-hot rows (row-major) for class `labels`, and the class names in scikit-learn's order
/// (`np.unique`): by value when every label is a finite number, else by text. Each label's
/// class is found by binary search, so 10⁶ rows of 10⁴ classes take milliseconds.
fn one_hot(labels: &[String]) -> (Vec<f64>, Vec<String>) {
    let classes = class_names(labels);
    let k = classes.len();
    let mut y = vec![0.0; labels.len() * k];
    for (i, l) in labels.iter().enumerate() {
        y[i * k + class_of(&classes, l)] = 1.0;
    }
    (y, classes.into_iter().map(|(_, name)| name).collect())
}

/// The distinct classes of `labels`, sorted: `(value, name)`, values when every label is a
/// finite number (`0` and `-0` are one class, named as first seen in order).
pub(crate) fn class_names(labels: &[String]) -> Vec<(Option<f64>, String)> {
    let numbers: Option<Vec<f64>> = labels
        .iter()
        .map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    let mut classes: Vec<(Option<f64>, String)> = match numbers {
        Some(n) => n
            .into_iter()
            .zip(labels.iter().cloned())
            .map(|(v, l)| (Some(v), l))
            .collect(),
        None => labels.iter().map(|l| (None, l.clone())).collect(),
    };
    classes.sort_by(compare);
    classes.dedup_by(|a, b| compare(a, b).is_eq());
    classes
}

/// Class order: by value (finite, so `partial_cmp` is total but for `0 == -0`), else by text.
fn compare(a: &(Option<f64>, String), b: &(Option<f64>, String)) -> std::cmp::Ordering {
    match (a.0, b.0) {
        (Some(x), Some(y)) => x.partial_cmp(&y).expect("finite"),
        _ => a.1.cmp(&b.1),
    }
}

/// The index of `label`'s class in `classes` ([`class_names`]).
pub(crate) fn class_of(classes: &[(Option<f64>, String)], label: &str) -> usize {
    let key = match classes.first() {
        Some((Some(_), _)) => (label.parse::<f64>().ok(), String::new()),
        _ => (None, label.to_string()),
    };
    classes
        .binary_search_by(|c| compare(c, &key))
        .expect("every label is a class")
}

impl Source {
    /// The data kind's name, as the file writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Moons { .. } => "moons",
            Source::Circles { .. } => "circles",
            Source::Blobs { .. } => "blobs",
            Source::GaussianQuantiles { .. } => "gaussian_quantiles",
            Source::Spirals { .. } => "spirals",
            Source::Gate(Gate::Xor) => "xor",
            Source::Gate(Gate::Or) => "or",
            Source::Gate(Gate::And) => "and",
            Source::Table { .. } => "table",
            Source::Csv { .. } => "csv",
        }
    }
}

impl Gate {
    fn table(self) -> Dataset {
        let inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
        let y = inputs
            .iter()
            .map(|&[a, b]| {
                let (a, b) = (a == 1.0, b == 1.0);
                let on = match self {
                    Gate::Xor => a != b,
                    Gate::Or => a || b,
                    Gate::And => a && b,
                };
                if on {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        Dataset::new(inputs.concat(), y, 4, 2, 1)
    }
}

impl Dataset {
    pub fn new(x: Vec<f64>, y: Vec<f64>, rows: usize, inputs: usize, outputs: usize) -> Self {
        debug_assert_eq!(x.len(), rows * inputs);
        debug_assert_eq!(y.len(), rows * outputs);
        Self {
            x,
            y,
            rows,
            inputs,
            outputs,
            classes: Vec::new(),
            input_names: Vec::new(),
        }
    }

    /// From rectangular rows (checked by validation).
    pub fn from_rows(inputs: &[Vec<f64>], targets: &[Vec<f64>]) -> Self {
        Self::new(
            inputs.concat(),
            targets.concat(),
            inputs.len(),
            inputs[0].len(),
            targets[0].len(),
        )
    }

    /// The rows `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Self {
        let pick = |m: &[f64], w: usize| -> Vec<f64> {
            idx.iter()
                .flat_map(|&i| &m[i * w..(i + 1) * w])
                .copied()
                .collect()
        };
        let mut d = Self::new(
            pick(&self.x, self.inputs),
            pick(&self.y, self.outputs),
            idx.len(),
            self.inputs,
            self.outputs,
        );
        d.classes = self.classes.clone();
        d.input_names = self.input_names.clone();
        d
    }

    /// True when every target is 0 or 1, so that accuracy means something.
    pub fn is_classification(&self) -> bool {
        self.y.iter().all(|&v| v == 0.0 || v == 1.0)
    }
}

/// Splits as scikit-learn's `train_test_split(test_size=fraction, random_state=seed)` does:
/// `ceil(fraction * rows)` test rows, taken first from a permutation of the rows.
fn split(all: Dataset, fraction: f64, seed: u32) -> (Dataset, Option<Dataset>) {
    if fraction == 0.0 {
        return (all, None);
    }
    let (train, test) = split_indices(all.rows, fraction, seed);
    (all.select(&train), Some(all.select(&test)))
}

/// The `(train, test)` row indices of the held-out split.
pub fn split_indices(rows: usize, fraction: f64, seed: u32) -> (Vec<usize>, Vec<usize>) {
    let n_test = (fraction * rows as f64).ceil() as usize;
    let perm = RandomState::new(seed).permutation(rows);
    (perm[n_test..].to_vec(), perm[..n_test].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;

    fn as_f64(v: &[usize]) -> Vec<f64> {
        v.iter().map(|&i| i as f64).collect()
    }

    #[test]
    fn split_matches_train_test_split() {
        let fx = Fixture::load("data.toml");
        let (tr, te) = split_indices(100, 0.25, 4);
        fx.assert_exact("split_100_0.25_seed_4_train", &as_f64(&tr));
        fx.assert_exact("split_100_0.25_seed_4_test", &as_f64(&te));
        let (tr, te) = split_indices(7, 0.3, 0);
        fx.assert_exact("split_7_0.3_seed_0_train", &as_f64(&tr));
        fx.assert_exact("split_7_0.3_seed_0_test", &as_f64(&te));
    }

    #[test]
    fn class_labels_one_hot_in_numpy_unique_order_whatever_they_hold() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Numbers by value (10 after 9), `-0` and `0` one class, as np.unique.
        let (y, names) = one_hot(&strings(&["10", "9", "-0", "0", "9"]));
        assert_eq!(names, ["-0", "9", "10"]);
        assert_eq!(
            y,
            [0., 0., 1., 0., 1., 0., 1., 0., 0., 1., 0., 0., 0., 1., 0.]
        );
        // A label that is not a finite number makes every label text, sorted as text.
        let (y, names) = one_hot(&strings(&["NaN", "2", "NaN", "10", "inf"]));
        assert_eq!(names, ["10", "2", "NaN", "inf"]);
        assert_eq!(y.iter().sum::<f64>(), 5.0);
        assert_eq!(&y[..4], [0., 0., 1., 0.]);
        assert_eq!(&y[8..12], [0., 0., 1., 0.]);
        // 10⁵ distinct labels: found by search, not by scanning every class.
        let many: Vec<String> = (0..100_000).rev().map(|i| format!("c{i}")).collect();
        let (y, names) = one_hot(&many[..2000]);
        assert_eq!(names.len(), 2000);
        assert_eq!(y.iter().sum::<f64>(), 2000.0);
        assert_eq!(class_names(&many).len(), 100_000);
    }

    #[test]
    fn gates_are_their_truth_tables() {
        assert_eq!(Gate::Xor.table().y, [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(Gate::Or.table().y, [0.0, 1.0, 1.0, 1.0]);
        assert_eq!(Gate::And.table().y, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            Gate::And.table().x,
            [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
        );
    }

    #[test]
    fn select_keeps_rows_together() {
        let d = Dataset::new(vec![1., 2., 3., 4., 5., 6.], vec![0., 1., 0.], 3, 2, 1);
        let s = d.select(&[2, 0]);
        assert_eq!(s.x, [5., 6., 1., 2.]);
        assert_eq!(s.y, [0., 0.]);
    }
}
