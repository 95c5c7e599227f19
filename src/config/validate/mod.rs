//! Defaults and checks: a run point's raw table becomes a [`RunSpec`], or the list of every
//! problem found in it. Every default lives in
//! [`defaults::fill_defaults`], once; the checks read filled keys through [`filled`].

pub(crate) mod data;
mod defaults;
mod train;

use defaults::{fill_defaults, filled};

use super::expand::{label_of, show, Point, Provenance};
use super::raw::*;
use super::{explain_serde, Problem};
use crate::data::{DataSpec, Targets};
use crate::network::init::{InitKind, InitSeed, InitSpec};
use crate::network::{Activation, Architecture, Loss};
use crate::train::TrainSpec;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The validated `[model]` section; the data fixes the input and output widths.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub output: Activation,
    pub bias: bool,
}

impl ModelSpec {
    pub fn architecture(&self, inputs: usize, outputs: usize) -> Architecture {
        Architecture {
            inputs,
            hidden: self.hidden.clone(),
            outputs,
            activation: self.activation,
            output: self.output,
            bias: self.bias,
        }
    }
}

/// One run, validated: everything needed to train it and to name its results.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Readable label: the variant and the swept values, e.g. `hidden hidden=[4] seed=3`.
    pub label: String,
    /// Stable id: a hash of the resolved configuration; `prepare` adds the data's content.
    pub id: String,
    pub variant: Option<String>,
    /// Swept keys and this run's values, as written in CSV columns.
    pub swept: Vec<(String, String)>,
    /// The seed of the generator that draws the initial weights (none for explicit weights).
    pub seed: Option<u32>,
    /// The configuration this run belongs to: its label without seeds. Runs that differ only
    /// in swept seeds are summarised together.
    pub config: String,
    pub data: DataSpec,
    pub model: ModelSpec,
    pub init: InitSpec,
    pub train: TrainSpec,
    /// Inputs to predict after training.
    pub predict: Option<Vec<Vec<f64>>>,
    /// Log every Nth epoch (the first and last always).
    pub every: usize,
    /// `[output] weights`: write `weights/<id>.safetensors`.
    pub weights: bool,
    /// `[output] report`: write `report.html` and `plots/`.
    pub report: bool,
    /// `[output] formats`: the table formats asked for; `None` when unset (both, but no
    /// `epochs.csv` for large sweeps).
    pub formats: Option<Formats>,
    /// The run's sections with every default filled in (as a table: [`RunSpec::resolved`]).
    pub settings: RawExperiment,
    /// The keys its variant and sweep point set, to attribute data-dependent problems.
    pub provenance: Provenance,
}

impl RunSpec {
    /// The run's sections with every default filled in, as a table (built when asked for:
    /// a 10⁵-run sweep keeps its runs' settings as compact structs).
    pub fn resolved(&self) -> toml::Table {
        toml::Table::try_from(&self.settings).expect("raw experiments serialize")
    }
}

/// Which formats the tables are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}

/// Whether a swept key is a seed: runs differing only in seeds form one configuration.
pub fn is_seed(key: &str) -> bool {
    key.rsplit('.').next().is_some_and(|k| k.ends_with("seed"))
}

/// Checks one point; `base_dir` anchors relative data paths.
pub fn validate(mut point: Point, base_dir: &Path) -> Result<RunSpec, Vec<Problem>> {
    let with_origin = |mut problems: Vec<Problem>| {
        for p in &mut problems {
            p.origin = p.origin.take().or_else(|| point.provenance.of(&p.key));
        }
        problems
    };
    let mut raw: RawExperiment = toml::Value::Table(std::mem::take(&mut point.table))
        .try_into()
        .map_err(|e: toml::de::Error| {
            let key = point
                .swept
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            // Only overrides can fail here: the file itself was parsed strictly before.
            let origin = point.provenance.of(&key);
            vec![Problem {
                origin,
                key: if key.is_empty() {
                    "(overrides)".into()
                } else {
                    key
                },
                message: explain_serde(e.message().trim().to_string()),
            }]
        })?;
    let mut problems = Vec::new();
    fill_defaults(&mut raw, &mut problems);
    let mut c = Checker { problems };
    let rule = match (raw.model.output, raw.train.loss) {
        (Some(Activation::Softmax), _) => Targets::Classes,
        (_, Some(Loss::Bce)) => Targets::Binary,
        _ => Targets::Numbers,
    };
    let data = c.data(&raw.data, base_dir, rule);
    let model = c.model(&raw.model);
    let init = c.init(&raw.init, &raw.model);
    let train = c.train(&raw.train, &raw.model, &raw.init);
    let predict = match raw.predict.as_ref().map(|p| p.inputs.as_ref()) {
        None => None,
        Some(None) => c.bad(
            "predict.inputs",
            "is missing; give the rows to predict, e.g. `inputs = [[1, 1, 0]]`".into(),
        ),
        Some(Some(rows)) => c.rows("predict.inputs", rows),
    };
    let every = c.positive("output.every", filled(raw.output.every));
    let formats = raw.output.formats.as_ref().map(|f| c.formats(f));
    if !c.problems.is_empty() {
        return Err(with_origin(c.problems));
    }
    raw.name = None;
    raw.description = None;
    let id = {
        // What the results folder shows is not part of a run's result.
        let mut hashed = raw.clone();
        hashed.output.weights = None;
        hashed.output.report = None;
        hashed.output.formats = None;
        let text = toml::to_string(&hashed).expect("raw experiments serialize");
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    let mut label: Vec<String> = point.variant.iter().cloned().collect();
    let mut config = label.clone();
    if !point.swept.is_empty() {
        label.push(label_of(&point.swept));
        let unseeded: Vec<_> = point
            .swept
            .iter()
            .filter(|(k, _)| !is_seed(k))
            .cloned()
            .collect();
        if !unseeded.is_empty() {
            config.push(label_of(&unseeded));
        }
    }
    let (data, init) = (data.expect("checked"), init.expect("checked"));
    let seed = match (&init.kind, init.seed) {
        (InitKind::Explicit { .. }, _) => None,
        (_, InitSeed::Seed(s)) => Some(s),
        (_, InitSeed::Data) => Some(data.seed),
    };
    Ok(RunSpec {
        label: if label.is_empty() {
            "run".into()
        } else {
            label.join(" ")
        },
        id,
        variant: point.variant,
        swept: point
            .swept
            .iter()
            .map(|(k, v)| (k.clone(), show(v)))
            .collect(),
        seed,
        config: if config.is_empty() {
            "all".into()
        } else {
            config.join(" ")
        },
        data,
        model: model.expect("checked"),
        init,
        train: train.expect("checked"),
        predict,
        every: every.expect("checked"),
        weights: filled(raw.output.weights),
        report: filled(raw.output.report),
        formats: formats.flatten(),
        settings: raw,
        provenance: point.provenance,
    })
}

/// Collects problems while turning raw sections into specs.
pub(super) struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn bad<T>(&mut self, key: &str, message: String) -> Option<T> {
        self.problems.push(Problem {
            key: key.into(),
            message,
            origin: None,
        });
        None
    }

    /// `[output] formats`: a non-empty list of `"csv"` and `"parquet"`.
    pub(super) fn formats(&mut self, names: &[String]) -> Option<Formats> {
        let mut f = Formats {
            csv: false,
            parquet: false,
        };
        for name in names {
            match name.as_str() {
                "csv" => f.csv = true,
                "parquet" => f.parquet = true,
                other => {
                    return self.bad(
                        "output.formats",
                        format!(
                            "{other:?} is not a format; use \"csv\", \"parquet\" or both, e.g. `formats = [\"csv\", \"parquet\"]`"
                        ),
                    )
                }
            }
        }
        if !(f.csv || f.parquet) {
            return self.bad(
                "output.formats",
                "is empty; give at least one of \"csv\" and \"parquet\", or remove the key for both".into(),
            );
        }
        Some(f)
    }

    pub(super) fn positive(&mut self, key: &str, v: i64) -> Option<usize> {
        if v >= 1 {
            Some(v as usize)
        } else {
            self.bad(key, format!("`{v}` must be at least 1"))
        }
    }

    pub(super) fn seed(&mut self, key: &str, v: i64) -> Option<u32> {
        u32::try_from(v).ok().or_else(|| {
            self.bad(
                key,
                format!("`{v}` is not a seed; use an integer from 0 to 4294967295"),
            )
        })
    }

    pub(super) fn unused(&mut self, key: &str, set: bool, why: &str) {
        if set {
            self.bad::<()>(key, format!("does not apply {why}; remove it"));
        }
    }

    fn model(&mut self, m: &RawModel) -> Option<ModelSpec> {
        let mut hidden = Vec::new();
        for (i, &h) in m.hidden.iter().flatten().enumerate() {
            if h < 1 {
                self.bad::<()>(
                    "model.hidden",
                    format!("layer {} has width `{h}`; widths must be at least 1 (use `hidden = []` for no hidden layer)", i + 1),
                );
            }
            hidden.push(h.max(0) as usize);
        }
        Some(ModelSpec {
            hidden,
            activation: m.activation?,
            output: m.output?,
            bias: m.bias?,
        })
    }

    fn init(&mut self, i: &RawInit, m: &RawModel) -> Option<InitSpec> {
        let kind = i.kind?;
        let why = format!("to `init.kind = \"{}\"`", name_of(kind));
        self.unused(
            "init.low",
            kind != InitKindName::Uniform && i.low.is_some(),
            &why,
        );
        self.unused(
            "init.high",
            kind != InitKindName::Uniform && i.high.is_some(),
            &why,
        );
        self.unused(
            "init.std",
            kind != InitKindName::Normal && i.std.is_some(),
            &why,
        );
        let explicit = kind == InitKindName::Explicit;
        self.unused("init.weights", !explicit && i.weights.is_some(), &why);
        self.unused("init.biases", !explicit && i.biases.is_some(), &why);
        let seed = match &i.seed {
            None => InitSeed::Seed(0),
            Some(RawSeed::Number(n)) => InitSeed::Seed(self.seed("init.seed", *n)?),
            Some(RawSeed::Word(w)) if w == "data" => InitSeed::Data,
            Some(RawSeed::Word(w)) => {
                return self.bad("init.seed", format!("`\"{w}\"` is not a seed; use an integer, or `\"data\"` to continue the data generator's stream"));
            }
        };
        let kind = match kind {
            InitKindName::Uniform => {
                let (low, high) = (i.low?, i.high?);
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return self.bad("init.high", format!("`low = {low}, high = {high}` is not an interval; use finite numbers with low < high"));
                }
                InitKind::Uniform { low, high }
            }
            InitKindName::Normal => {
                let std = i.std?;
                if !(std.is_finite() && std > 0.0) {
                    return self.bad("init.std", format!("`{std}` must be a finite number > 0"));
                }
                InitKind::Normal { std }
            }
            InitKindName::Xavier => InitKind::Xavier,
            InitKindName::He => InitKind::He,
            InitKindName::Sklearn => InitKind::Sklearn {
                factor: if m.activation == Some(Activation::Sigmoid) {
                    2.0
                } else {
                    6.0
                },
            },
            InitKindName::Explicit => {
                let Some(weights) = i.weights.clone() else {
                    return self.bad("init.weights", "is missing; `kind = \"explicit\"` needs one matrix per layer, e.g. `weights = [[[0.1], [0.2]]]`".into());
                };
                let bad_weight = weights.iter().flatten().flatten().find(|v| !v.is_finite());
                let bad_bias = i.biases.iter().flatten().flatten().find(|v| !v.is_finite());
                for (key, v) in [("init.weights", bad_weight), ("init.biases", bad_bias)] {
                    if let Some(v) = v {
                        return self.bad(
                            key,
                            format!("holds `{v}`; every initial value must be a finite number"),
                        );
                    }
                }
                InitKind::Explicit {
                    weights,
                    biases: i.biases.clone(),
                }
            }
        };
        Some(InitSpec { kind, seed })
    }
}

/// A config enum's name as the file writes it (`moons`, `half_sse`, …).
pub fn name_of(value: impl serde::Serialize) -> String {
    show(&toml::Value::try_from(value).expect("enums serialize"))
}

/// Checks that need the loaded data: input widths, explicit weight shapes, the split.
pub fn check_data(run: &RunSpec, inputs: usize, outputs: usize, rows: usize) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    if let Some(p) = &run.predict {
        if p[0].len() != inputs {
            c.bad::<()>("predict.inputs", format!("rows have {} values but the data has {inputs} inputs; give {inputs} values per row", p[0].len()));
        }
    }
    let test = (run.data.test_fraction * rows as f64).ceil() as usize;
    let mut train_rows = rows.saturating_sub(test);
    if let Some(f) = run.train.validation_fraction {
        let held = crate::train::stopping::validation_rows(train_rows, f);
        if held < 2 || held >= train_rows {
            c.bad::<()>("train.validation_fraction", format!("`{f}` holds out {held} of the {train_rows} training rows; early stopping needs at least 2 to score and 1 to train on, so change it or add rows"));
        }
        train_rows = train_rows.saturating_sub(held);
    }
    if let Some(b) = run.train.batch_size.filter(|&b| b > train_rows) {
        c.bad::<()>("train.batch_size", format!("`{b}` is larger than the {train_rows} rows training steps on; lower it to at most {train_rows}"));
    }
    if run.data.test_fraction > 0.0 && test >= rows {
        c.bad::<()>(
            "data.test_fraction",
            format!(
                "`{}` holds out all {rows} rows; lower it so at least one row is left to train on",
                run.data.test_fraction
            ),
        );
    }
    if let InitKind::Explicit { weights, biases } = &run.init.kind {
        let arch = run.model.architecture(inputs, outputs);
        let layers = arch.layers();
        let shape = |m: &[Vec<f64>]| {
            (
                m.len(),
                m.first().map_or(0, Vec::len),
                m.iter().all(|r| r.len() == m[0].len()),
            )
        };
        if weights.len() != layers.len() {
            c.bad::<()>("init.weights", format!("has {} matrices but the model has {} layers ({inputs} inputs, hidden {:?}, {outputs} outputs); give one matrix per layer", weights.len(), layers.len(), run.model.hidden));
        }
        for (l, (w, layer)) in weights.iter().zip(&layers).enumerate() {
            let (r, k, rect) = shape(w);
            if !rect {
                c.bad::<()>(&format!("init.weights[{l}]"), format!("has rows of different lengths; layer {} needs {} rows (its inputs) of {} values each (its units)", l + 1, layer.fan_in, layer.fan_out));
            } else if r != layer.fan_in || k != layer.fan_out {
                c.bad::<()>(&format!("init.weights[{l}]"), format!("is {r} rows of {k} values; layer {} needs {} rows (its inputs) of {} values (its units)", l + 1, layer.fan_in, layer.fan_out));
            }
        }
        match (biases, run.model.bias) {
            (Some(_), false) => {
                c.bad::<()>(
                    "init.biases",
                    "is set but `model.bias = false`; remove it or set `model.bias = true`".into(),
                );
            }
            (Some(b), true) => {
                if b.len() != layers.len() {
                    c.bad::<()>(
                        "init.biases",
                        format!(
                            "has {} rows but the model has {} layers; give one bias row per layer",
                            b.len(),
                            layers.len()
                        ),
                    );
                }
                for (l, (row, layer)) in b.iter().zip(&layers).enumerate() {
                    if row.len() != layer.fan_out {
                        c.bad::<()>(
                            &format!("init.biases[{l}]"),
                            format!(
                                "has {} values; layer {} has {} units",
                                row.len(),
                                l + 1,
                                layer.fan_out
                            ),
                        );
                    }
                }
            }
            (None, _) => {}
        }
    }
    c.problems
}

#[cfg(test)]
mod tests;
