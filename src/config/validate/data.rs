//! The `[data]` checks: generated data sets, inline tables and CSV files.

use super::{filled, name_of, Checker, Problem};
use crate::config::raw::*;
use crate::data::{CsvTarget, DataSpec, Source, Targets};
use std::path::Path;

/// "Does not apply" for `[data]` key `key` under `kind`, with the key that does when there is one.
fn not_taken(kind: DataKind, key: &str) -> String {
    let instead = match (kind, key) {
        (DataKind::Csv, "targets") => {
            "; a CSV file's target column is named with `target = \"y\"` (or its number)"
        }
        (DataKind::Table, "target") => "; a table's targets are listed with `targets = [0, 1, …]`",
        (DataKind::Csv, "inputs") => "; a CSV file's inputs are its columns other than `target`",
        _ => "",
    };
    format!(
        "does not apply to `data.kind = \"{}\"`; remove it{instead}",
        name_of(kind)
    )
}

/// The `[data]` keys of a file that do not apply to its `kind`, found in the untyped
/// table: asked when the typed read fails, so that a key that does not apply is answered
/// so, whatever its value's type.
pub fn not_applying(file: &toml::Table) -> Vec<Problem> {
    let Some(data) = file.get("data").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let Some(kind) = data
        .get("kind")
        .and_then(|k| k.clone().try_into::<DataKind>().ok())
    else {
        return Vec::new();
    };
    data.keys()
        .filter(|k| !kind.takes(k))
        .map(|k| Problem {
            key: format!("data.{k}"),
            message: not_taken(kind, k),
            origin: None,
        })
        .collect()
}

impl Checker {
    /// Rectangular, non-empty rows of finite numbers.
    pub(super) fn rows(&mut self, key: &str, rows: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
        let Some(first) = rows.first() else {
            return self.bad(
                key,
                "is empty; give at least one row, e.g. `[[0, 1]]`".into(),
            );
        };
        if first.is_empty() {
            return self.bad(
                key,
                "row 1 is empty; give every row at least one value".into(),
            );
        }
        if let Some((i, r)) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != first.len())
        {
            return self.bad(
                key,
                format!(
                    "row {} has {} values but row 1 has {}; give every row the same number of values",
                    i + 1,
                    r.len(),
                    first.len()
                ),
            );
        }
        if rows.iter().flatten().any(|v| !v.is_finite()) {
            return self.bad(
                key,
                "holds a value that is not a finite number; use finite numbers".into(),
            );
        }
        Some(rows.to_vec())
    }

    pub(super) fn data(
        &mut self,
        d: &RawData,
        base_dir: &Path,
        targets: Targets,
    ) -> Option<DataSpec> {
        let kind = d.kind?;
        let generated = kind.generated();
        let given = [
            ("samples", d.samples.is_some()),
            ("noise", d.noise.is_some()),
            ("shuffle", d.shuffle.is_some()),
            ("centers", d.centers.is_some()),
            ("cluster_std", d.cluster_std.is_some()),
            ("features", d.features.is_some()),
            ("classes", d.classes.is_some()),
            ("arms", d.arms.is_some()),
            ("factor", d.factor.is_some()),
            ("inputs", d.inputs.is_some()),
            ("targets", d.targets.is_some()),
            ("path", d.path.is_some()),
            ("target", d.target.is_some()),
            ("header", d.header.is_some()),
            ("delimiter", d.delimiter.is_some()),
        ];
        for (key, set) in given {
            if set && !kind.takes(key) {
                self.bad::<()>(&format!("data.{key}"), not_taken(kind, key));
            }
        }

        let noise = match d.noise {
            Some(n) if !(n.is_finite() && n >= 0.0) => {
                self.bad::<()>(
                    "data.noise",
                    format!("`{n}` must be a finite number ≥ 0, e.g. `noise = 0.1`"),
                );
                None
            }
            n => n,
        };
        let tf = filled(d.test_fraction);
        if !(0.0..1.0).contains(&tf) {
            self.bad::<()>(
                "data.test_fraction",
                format!("`{tf}` must be in [0, 1): the share of rows held out, e.g. `test_fraction = 0.25`"),
            );
        }
        let seed = self.seed("data.seed", filled(d.seed));
        let split_seed = self.seed(
            "data.split_seed",
            d.split_seed.unwrap_or(
                0, /* unset only when data.seed is bad, reported already */
            ),
        );
        let samples = if generated {
            let n = filled(d.samples);
            if n < 2 {
                self.bad::<()>(
                    "data.samples",
                    format!("`{n}` must be at least 2 (one point per class)"),
                );
            }
            n.max(0) as usize
        } else {
            0
        };
        let source = match kind {
            DataKind::Moons => Source::Moons {
                samples,
                noise,
                shuffle: filled(d.shuffle),
            },
            DataKind::Circles => {
                let factor = filled(d.factor);
                if !(0.0..1.0).contains(&factor) {
                    self.bad::<()>("data.factor", format!("`{factor}` must be in [0, 1): the inner circle's radius relative to the outer"));
                }
                Source::Circles {
                    samples,
                    noise,
                    factor,
                    shuffle: filled(d.shuffle),
                }
            }
            DataKind::Blobs => {
                let centers = self.positive("data.centers", filled(d.centers));
                let features = self.positive("data.features", filled(d.features));
                let std = filled(d.cluster_std);
                if !(std.is_finite() && std > 0.0) {
                    self.bad::<()>(
                        "data.cluster_std",
                        format!("`{std}` must be a finite number > 0, e.g. `cluster_std = 1.0`"),
                    );
                }
                Source::Blobs {
                    samples,
                    features: features?,
                    centers: self.at_most_samples("data.centers", centers?, samples)?,
                    std,
                    shuffle: filled(d.shuffle),
                }
            }
            DataKind::GaussianQuantiles => {
                let classes = self.positive("data.classes", filled(d.classes));
                let features = self.positive("data.features", filled(d.features));
                Source::GaussianQuantiles {
                    samples,
                    features: features?,
                    classes: self.at_most_samples("data.classes", classes?, samples)?,
                    shuffle: filled(d.shuffle),
                }
            }
            DataKind::Spirals => {
                let arms = filled(d.arms);
                if arms < 2 {
                    self.bad::<()>(
                        "data.arms",
                        format!("`{arms}` must be at least 2 (one arm per class)"),
                    );
                }
                Source::Spirals {
                    samples,
                    arms: self.at_most_samples("data.arms", arms.max(2) as usize, samples)?,
                    noise,
                    shuffle: filled(d.shuffle),
                }
            }
            DataKind::Xor | DataKind::Or | DataKind::And => Source::Gate(kind.gate()?),
            DataKind::Table => self.table(d)?,
            DataKind::Csv => {
                let source = self.csv(d, base_dir)?;
                if let Source::Csv { target, .. } = &source {
                    if targets == Targets::Classes && target.len() > 1 {
                        return self.bad("data.target", format!("names {} columns, but a softmax output reads its class labels from one column; name that one, e.g. `target = \"label\"`, or for several numeric outputs set `model.output = \"identity\"` or `\"sigmoid\"`", target.len()));
                    }
                }
                source
            }
        };
        Some(DataSpec {
            source,
            seed: seed?,
            test_fraction: tf,
            split_seed: split_seed?,
            scale: d.scale.unwrap_or_default(),
            targets,
        })
    }

    /// A count of groups (centers, classes, arms) that the samples can fill.
    pub(super) fn at_most_samples(&mut self, key: &str, n: usize, samples: usize) -> Option<usize> {
        if n > samples {
            return self.bad(
                key,
                format!(
                    "`{n}` is more than the {samples} samples; raise `data.samples` or lower `{}`",
                    key.trim_start_matches("data.")
                ),
            );
        }
        Some(n)
    }

    pub(super) fn table(&mut self, d: &RawData) -> Option<Source> {
        let Some(inputs) = &d.inputs else {
            return self.bad(
                "data.inputs",
                "is missing; a `table` needs rows such as `inputs = [[0, 0], [0, 1]]`".into(),
            );
        };
        let Some(targets) = &d.targets else {
            return self.bad(
                "data.targets",
                "is missing; a `table` needs one target per row, e.g. `targets = [0, 1]`".into(),
            );
        };
        let inputs = self.rows("data.inputs", inputs);
        let targets: Vec<Vec<f64>> = targets
            .iter()
            .map(|t| match t {
                RawTarget::One(v) => vec![*v],
                RawTarget::Many(v) => v.clone(),
            })
            .collect();
        let targets = self.rows("data.targets", &targets);
        let (inputs, targets) = (inputs?, targets?);
        if inputs.len() != targets.len() {
            return self.bad(
                "data.targets",
                format!(
                    "has {} rows but `data.inputs` has {}; give one target row per input row",
                    targets.len(),
                    inputs.len()
                ),
            );
        }
        Some(Source::Table { inputs, targets })
    }

    pub(super) fn csv(&mut self, d: &RawData, base_dir: &Path) -> Option<Source> {
        let Some(path) = &d.path else {
            return self.bad(
                "data.path",
                "is missing; a `csv` data set needs `path = \"data.csv\"`".into(),
            );
        };
        let header = filled(d.header);
        let columns = match d
            .target
            .clone()
            .expect("fill_defaults sets data.target for CSV data")
        {
            RawTargets::One(c) => vec![c],
            RawTargets::Many(cs) if cs.is_empty() => {
                return self.bad("data.target", "is an empty list; name at least one target column, e.g. `target = [\"y1\", \"y2\"]`".into());
            }
            RawTargets::Many(cs) => cs,
        };
        let mut target = Vec::new();
        for c in columns {
            target.push(match c {
                RawColumn::Index(i) if i < 0 => CsvTarget::FromEnd((-i) as usize),
                RawColumn::Index(i) => CsvTarget::Index(i as usize),
                RawColumn::Name(n) if header => CsvTarget::Name(n),
                RawColumn::Name(n) => {
                    return self.bad("data.target", format!("`{n}` is a column name but `data.header = false`; give a 0-based column index instead"));
                }
            });
        }
        let delimiter = match d.delimiter.as_deref() {
            None => b',',
            Some("\t" | "tab") => b'\t',
            Some(s) if s.len() == 1 && !s.contains(['"', '\n', '\r']) && s.is_ascii() => {
                s.as_bytes()[0]
            }
            Some(s) => {
                return self.bad(
                    "data.delimiter",
                    format!("`{}` must be one character that separates the values, e.g. `delimiter = \";\"`, or `\"\\t\"` for tabs", s.escape_default()),
                );
            }
        };
        Some(Source::Csv {
            path: base_dir.join(path),
            target,
            header,
            delimiter,
        })
    }
}
