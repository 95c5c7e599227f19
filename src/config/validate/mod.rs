//! Defaults and checks: a run point's raw table becomes a [`RunSpec`], or the list of every
//! problem found in it. Every default lives in [`fill_defaults`].

mod train;

use super::expand::{label_of, show, Point, Provenance};
use super::raw::*;
use super::{explain_serde, Problem};
use crate::data::{CsvTarget, DataSpec, Source, Targets};
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
    /// The run's sections with every default filled in.
    pub resolved: toml::Table,
    /// The keys its variant and sweep point set, to attribute data-dependent problems.
    pub provenance: Provenance,
}

/// Whether a swept key is a seed: runs differing only in seeds form one configuration.
pub fn is_seed(key: &str) -> bool {
    key.rsplit('.').next().is_some_and(|k| k.ends_with("seed"))
}

/// Checks one point; `base_dir` anchors relative data paths.
pub fn validate(point: Point, base_dir: &Path) -> Result<RunSpec, Vec<Problem>> {
    let with_origin = |mut problems: Vec<Problem>| {
        for p in &mut problems {
            p.origin = p.origin.take().or_else(|| point.provenance.of(&p.key));
        }
        problems
    };
    let mut raw: RawExperiment =
        toml::Value::Table(point.table.clone())
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
    let every = c.positive("output.every", raw.output.every.unwrap_or(1));
    if !c.problems.is_empty() {
        return Err(with_origin(c.problems));
    }
    let mut sections = toml::Table::try_from(&raw).expect("raw experiments serialize");
    sections.remove("name");
    sections.remove("description");
    let id = {
        // What the results folder shows is not part of a run's result.
        let mut hashed = sections.clone();
        if let Some(toml::Value::Table(out)) = hashed.get_mut("output") {
            out.remove("weights");
            out.remove("report");
        }
        let text = toml::to_string(&hashed).expect("tables serialize");
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
        weights: raw.output.weights.unwrap_or(true),
        report: raw.output.report.unwrap_or(true),
        resolved: sections,
        provenance: point.provenance,
    })
}

/// Fills every unset key with its default — the one place defaults live. Keys that have no
/// meaning for the chosen kinds stay unset (and are reported if the user set them).
fn fill_defaults(raw: &mut RawExperiment, problems: &mut Vec<Problem>) {
    let d = &mut raw.data;
    match d.kind {
        Some(kind) if kind.generated() => {
            d.samples.get_or_insert(100);
            d.shuffle.get_or_insert(true);
            match kind {
                DataKind::Circles => {
                    d.factor.get_or_insert(0.8);
                }
                DataKind::Blobs => {
                    d.centers.get_or_insert(3);
                    d.cluster_std.get_or_insert(1.0);
                    d.features.get_or_insert(2);
                }
                DataKind::GaussianQuantiles => {
                    d.classes.get_or_insert(3);
                    d.features.get_or_insert(2);
                }
                DataKind::Spirals => {
                    d.arms.get_or_insert(2);
                }
                _ => {}
            }
        }
        Some(DataKind::Csv) => {
            d.header.get_or_insert(true);
            d.target.get_or_insert(RawTargets::One(RawColumn::Index(-1)));
        }
        Some(_) => {}
        None => problems.push(Problem {
            key: "data.kind".into(),
            message: "is missing; add `kind = \"moons\"` (or `circles`, `blobs`, `gaussian_quantiles`, `spirals`, `xor`, `or`, `and`, `table`, `csv`) under `[data]`".into(),
            origin: None,
        }),
    }
    let seed = *d.seed.get_or_insert(0);
    d.test_fraction.get_or_insert(0.0);
    // The split follows the data seed unless set; a bad data seed is reported once, not
    // again as a split seed the user never wrote.
    if u32::try_from(seed).is_ok() {
        d.split_seed.get_or_insert(seed);
    }

    let m = &mut raw.model;
    m.hidden.get_or_insert_with(Vec::new);
    m.activation.get_or_insert(Activation::Sigmoid);
    m.output.get_or_insert(Activation::Sigmoid);
    m.bias.get_or_insert(true);

    let i = &mut raw.init;
    match *i.kind.get_or_insert(InitKindName::Xavier) {
        InitKindName::Uniform => {
            i.low.get_or_insert(0.0);
            i.high.get_or_insert(1.0);
        }
        InitKindName::Normal => {
            i.std.get_or_insert(1.0);
        }
        _ => {}
    }
    if i.kind != Some(InitKindName::Explicit) {
        i.seed.get_or_insert(RawSeed::Number(0));
    }

    train::fill_defaults(&mut raw.train);
    raw.output.every.get_or_insert(1);
    raw.output.weights.get_or_insert(true);
    raw.output.report.get_or_insert(true);
}

/// Collects problems while turning raw sections into specs.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn bad<T>(&mut self, key: &str, message: String) -> Option<T> {
        self.problems.push(Problem {
            key: key.into(),
            message,
            origin: None,
        });
        None
    }

    fn positive(&mut self, key: &str, v: i64) -> Option<usize> {
        if v >= 1 {
            Some(v as usize)
        } else {
            self.bad(key, format!("`{v}` must be at least 1"))
        }
    }

    fn seed(&mut self, key: &str, v: i64) -> Option<u32> {
        u32::try_from(v).ok().or_else(|| {
            self.bad(
                key,
                format!("`{v}` is not a seed; use an integer from 0 to 4294967295"),
            )
        })
    }

    fn unused(&mut self, key: &str, set: bool, why: &str) {
        if set {
            self.bad::<()>(key, format!("does not apply {why}; remove it"));
        }
    }

    /// Rectangular, non-empty rows of finite numbers.
    fn rows(&mut self, key: &str, rows: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
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

    fn data(&mut self, d: &RawData, base_dir: &Path, targets: Targets) -> Option<DataSpec> {
        let kind = d.kind?;
        let generated = kind.generated();
        let noisy = matches!(
            kind,
            DataKind::Moons | DataKind::Circles | DataKind::Spirals
        );
        let why = format!("to `data.kind = \"{}\"`", name_of(kind));
        self.unused("data.samples", !generated && d.samples.is_some(), &why);
        self.unused("data.noise", !noisy && d.noise.is_some(), &why);
        self.unused("data.shuffle", !generated && d.shuffle.is_some(), &why);
        let blobs = kind == DataKind::Blobs;
        let quantiles = kind == DataKind::GaussianQuantiles;
        self.unused("data.centers", !blobs && d.centers.is_some(), &why);
        self.unused("data.cluster_std", !blobs && d.cluster_std.is_some(), &why);
        self.unused(
            "data.features",
            !(blobs || quantiles) && d.features.is_some(),
            &why,
        );
        self.unused("data.classes", !quantiles && d.classes.is_some(), &why);
        self.unused(
            "data.arms",
            kind != DataKind::Spirals && d.arms.is_some(),
            &why,
        );
        self.unused(
            "data.factor",
            kind != DataKind::Circles && d.factor.is_some(),
            &why,
        );
        let table = kind == DataKind::Table;
        self.unused("data.inputs", !table && d.inputs.is_some(), &why);
        self.unused("data.targets", !table && d.targets.is_some(), &why);
        let csv = kind == DataKind::Csv;
        self.unused("data.path", !csv && d.path.is_some(), &why);
        self.unused("data.target", !csv && d.target.is_some(), &why);
        self.unused("data.header", !csv && d.header.is_some(), &why);

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
        let tf = d.test_fraction.unwrap_or(0.0);
        if !(0.0..1.0).contains(&tf) {
            self.bad::<()>(
                "data.test_fraction",
                format!("`{tf}` must be in [0, 1): the share of rows held out, e.g. `test_fraction = 0.25`"),
            );
        }
        let seed = self.seed("data.seed", d.seed.unwrap_or(0));
        let split_seed = self.seed("data.split_seed", d.split_seed.unwrap_or(0));
        let samples = if generated {
            let n = d.samples.unwrap_or(100);
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
                shuffle: d.shuffle.unwrap_or(true),
            },
            DataKind::Circles => {
                let factor = d.factor.unwrap_or(0.8);
                if !(0.0..1.0).contains(&factor) {
                    self.bad::<()>("data.factor", format!("`{factor}` must be in [0, 1): the inner circle's radius relative to the outer"));
                }
                Source::Circles {
                    samples,
                    noise,
                    factor,
                    shuffle: d.shuffle.unwrap_or(true),
                }
            }
            DataKind::Blobs => {
                let centers = self.positive("data.centers", d.centers.unwrap_or(3));
                let features = self.positive("data.features", d.features.unwrap_or(2));
                let std = d.cluster_std.unwrap_or(1.0);
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
                    shuffle: d.shuffle.unwrap_or(true),
                }
            }
            DataKind::GaussianQuantiles => {
                let classes = self.positive("data.classes", d.classes.unwrap_or(3));
                let features = self.positive("data.features", d.features.unwrap_or(2));
                Source::GaussianQuantiles {
                    samples,
                    features: features?,
                    classes: self.at_most_samples("data.classes", classes?, samples)?,
                    shuffle: d.shuffle.unwrap_or(true),
                }
            }
            DataKind::Spirals => {
                let arms = d.arms.unwrap_or(2);
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
                    shuffle: d.shuffle.unwrap_or(true),
                }
            }
            DataKind::Xor | DataKind::Or | DataKind::And => Source::Gate(kind.gate()?),
            DataKind::Table => self.table(d)?,
            DataKind::Csv => self.csv(d, base_dir)?,
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
    fn at_most_samples(&mut self, key: &str, n: usize, samples: usize) -> Option<usize> {
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

    fn table(&mut self, d: &RawData) -> Option<Source> {
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

    fn csv(&mut self, d: &RawData, base_dir: &Path) -> Option<Source> {
        let Some(path) = &d.path else {
            return self.bad(
                "data.path",
                "is missing; a `csv` data set needs `path = \"data.csv\"`".into(),
            );
        };
        let header = d.header.unwrap_or(true);
        let columns = match d
            .target
            .clone()
            .unwrap_or(RawTargets::One(RawColumn::Index(-1)))
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
        Some(Source::Csv {
            path: base_dir.join(path),
            target,
            header,
        })
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
        self.unused("init.seed", explicit && i.seed.is_some(), &why);
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
