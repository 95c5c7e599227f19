//! `runner predict DIR --input new.csv`: a trained run's outputs for new rows, from the weights
//! a results folder holds (scaled as its training rows were, classes by name).

use crate::app::cli::PredictArgs;
use crate::format::num;
use crate::network::{self, Activation};
use crate::results::weights::{self, Meta};
use crate::results::{class_name, csv_writer};
use crate::store;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A trained network read from `weights/`.
struct Model {
    meta: Meta,
    params: Vec<f64>,
}

pub fn predict(args: &PredictArgs) -> Result<ExitCode> {
    let models = chosen(load(&args.dir)?, &args.runs, &args.dir)?;
    let first = &models[0].meta;
    if let Some(m) = models.iter().find(|m| {
        m.meta.arch.inputs != first.arch.inputs || m.meta.input_names != first.input_names
    }) {
        bail!(
            "runs `{}` and `{}` take different inputs; predict with one of them at a time, \
             e.g. `--run '{}'`",
            first.label,
            m.meta.label,
            first.label
        );
    }
    let input = Input::open(&args.input, args.delimiter, first)?;
    // A first pass checks every row, so that nothing is written for a file that is refused.
    let rows = input.rows(|_, _| Ok(()))?;
    if rows == 0 {
        bail!(
            "`{}` holds no data rows; add rows of {} numbers",
            args.input.display(),
            first.arch.inputs
        );
    }
    let write = |w: &mut dyn Write| -> std::io::Result<()> { input.write(&models, w) };
    match &args.output {
        Some(path) => {
            store::stage(path, write)
                .and_then(|s| s.persist())
                .map_err(|e| anyhow!("{e}"))?;
            if !args.quiet {
                crate::color::eprint(&format!(
                    "{} predictions of {rows} rows by {} run{} in {}",
                    rows * models.len(),
                    models.len(),
                    if models.len() == 1 { "" } else { "s" },
                    path.display()
                ));
            }
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(|e| anyhow!("cannot write to standard output: {e}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every run whose weights `dir/weights/` holds, in `runs.csv`'s order when there is one.
fn load(dir: &Path) -> Result<Vec<Model>> {
    let folder = dir.join("weights");
    let entries = std::fs::read_dir(&folder).map_err(|e| {
        anyhow!(
            "`{}` holds no trained weights ({e}); give the results folder of an experiment \
             runner has run, e.g. `runner predict results/iris --input new.csv` (weights are \
             written unless `[output] weights = false`)",
            folder.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .collect();
    files.sort();
    let mut models = Vec::new();
    for path in files {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let runs = weights::decode_any(&bytes).map_err(|e| {
            anyhow!(
                "`{}` is not a weights file runner wrote ({e}); run the experiment again to \
                 rewrite it",
                path.display()
            )
        })?;
        models.extend(
            runs.into_iter()
                .map(|(meta, params)| Model { meta, params }),
        );
    }
    if models.is_empty() {
        bail!(
            "`{}` holds no weights files; run the experiment with `[output] weights = true` (the \
             default)",
            folder.display()
        );
    }
    let order = run_order(dir);
    models.sort_by_key(|m| {
        order
            .iter()
            .position(|id| *id == m.meta.id)
            .unwrap_or(usize::MAX)
    });
    Ok(models)
}

/// The run ids in `runs.csv`'s order (empty without it).
fn run_order(dir: &Path) -> Vec<String> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join("runs.csv")) else {
        return Vec::new();
    };
    let Some(at) = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == "id"))
    else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(|r| r.ok().and_then(|r| r.get(at).map(String::from)))
        .collect()
}

/// The runs `--run` names (a label, an id, or an id's first 4 or more digits), or every run.
fn chosen(models: Vec<Model>, wanted: &[String], dir: &Path) -> Result<Vec<Model>> {
    if wanted.is_empty() {
        return Ok(models);
    }
    // A configuration's label is the start of its runs' labels (`hidden` of `hidden seed=0`).
    let matches = |m: &Model, w: &str| {
        let label = &m.meta.label;
        label == w
            || label
                .strip_prefix(w)
                .is_some_and(|rest| rest.starts_with(' '))
            || (w.len() >= 4 && m.meta.id.starts_with(w))
    };
    if let Some(w) = wanted
        .iter()
        .find(|w| !models.iter().any(|m| matches(m, w)))
    {
        let labels: Vec<String> = models
            .iter()
            .take(6)
            .map(|m| format!("`{}`", m.meta.label))
            .collect();
        let more = if models.len() > 6 { ", …" } else { "" };
        bail!(
            "`--run {w}`: no run of `{}` has that label, configuration or id; its runs are \
             {}{more} (labels as in runs.csv's `run` column; quote them: `--run '{}'`)",
            dir.display(),
            labels.join(", "),
            models[0].meta.label
        );
    }
    Ok(models
        .into_iter()
        .filter(|m| wanted.iter().any(|w| matches(m, w)))
        .collect())
}

/// The new rows: a CSV file, with a header naming columns or without one.
struct Input {
    path: PathBuf,
    delimiter: u8,
    header: Option<Vec<String>>,
    /// The file's column of each network input, in input order.
    columns: Vec<usize>,
}

impl Input {
    fn open(path: &Path, delimiter: u8, meta: &Meta) -> Result<Input> {
        let mut reader = reader(path, delimiter)?;
        let first = match reader.records().next() {
            Some(r) => r.map_err(|e| anyhow!("`{}`: {e}", path.display()))?,
            None => bail!(
                "`{}` is empty; write rows of {} numbers",
                path.display(),
                meta.arch.inputs
            ),
        };
        let fields: Vec<String> = first.iter().map(String::from).collect();
        let header = fields
            .iter()
            .any(|f| f.parse::<f64>().is_err())
            .then_some(fields.clone());
        let inputs = meta.arch.inputs;
        let columns =
            match &header {
                Some(names) if !meta.input_names.is_empty() => {
                    let missing: Vec<&String> = meta
                        .input_names
                        .iter()
                        .filter(|n| !names.contains(n))
                        .collect();
                    if !missing.is_empty() {
                        let list = |v: &[&String]| {
                            v.iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        bail!(
                        "`{}`: the header ({}) lacks {}, which the network was trained on; name \
                         the columns as the training file did (others, such as the target, are \
                         ignored), or remove the header to give the {inputs} inputs by position",
                        path.display(),
                        list(&names.iter().collect::<Vec<_>>()),
                        list(&missing),
                    );
                    }
                    meta.input_names
                        .iter()
                        .map(|n| names.iter().position(|c| c == n).expect("checked"))
                        .collect()
                }
                _ if fields.len() == inputs => (0..inputs).collect(),
                _ => {
                    bail!(
                "`{}` has {} columns, but the network takes {inputs} inputs{}; write {inputs} \
                 numbers a row{}",
                path.display(),
                fields.len(),
                if header.is_some() { " (header aside)" } else { "" },
                if meta.input_names.is_empty() {
                    ", in the order of the training data's input columns".to_string()
                } else {
                    format!(", or a header naming {}", meta.input_names.join(", "))
                }
            )
                }
            };
        Ok(Input {
            path: path.to_owned(),
            delimiter,
            header,
            columns,
        })
    }

    /// Reads every data row, calling `each` with its line and inputs; returns the row count.
    fn rows(&self, mut each: impl FnMut(u64, Vec<f64>) -> std::io::Result<()>) -> Result<usize> {
        let mut reader = reader(&self.path, self.delimiter)?;
        let mut n = 0;
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 1;
            if i == 0 && self.header.is_some() {
                continue;
            }
            let record =
                record.map_err(|e| anyhow!("`{}`, line {line}: {e}", self.path.display()))?;
            let mut x = Vec::with_capacity(self.columns.len());
            for &c in &self.columns {
                let cell = record.get(c).unwrap_or("");
                let column = self
                    .header
                    .as_ref()
                    .map_or_else(|| (c + 1).to_string(), |h| format!("`{}`", h[c]));
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => x.push(v),
                    _ => bail!(
                        "`{}`, line {line}, column {column}: `{cell}` is not a finite number; \
                         write a number there or remove the row",
                        self.path.display()
                    ),
                }
            }
            each(line, x)?;
            n += 1;
        }
        Ok(n)
    }

    /// The predictions, as `predictions.csv` has them: run, the row's line in the file, its
    /// inputs, the outputs and, for classes, the predicted class.
    fn write(&self, models: &[Model], w: &mut dyn Write) -> std::io::Result<()> {
        let meta = &models[0].meta;
        let outputs = meta.arch.outputs;
        let classes = !meta.classes.is_empty()
            || matches!(meta.arch.output, Activation::Sigmoid | Activation::Softmax);
        let mut head = vec!["run".to_string(), "id".into(), "line".into()];
        head.extend((0..meta.arch.inputs).map(|i| match &self.header {
            Some(h) => h[self.columns[i]].clone(),
            None => format!("input_{}", i + 1),
        }));
        if outputs == 1 {
            head.push("output".into());
        } else {
            head.extend((1..=outputs).map(|k| format!("output_{k}")));
        }
        if classes {
            head.push("predicted".into());
        }
        let mut csv = csv_writer(w);
        csv.write_record(&head)?;
        for m in models {
            let layers = m.meta.arch.layers();
            let mut chunk: Vec<(u64, Vec<f64>)> = Vec::new();
            let mut flush = |chunk: &mut Vec<(u64, Vec<f64>)>| -> std::io::Result<()> {
                let mut x: Vec<f64> = chunk.iter().flat_map(|(_, x)| x.iter().copied()).collect();
                if let Some(s) = &m.meta.scaler {
                    s.apply(&mut x);
                }
                let y = network::predict(&layers, &m.params, &x, chunk.len());
                for ((line, raw), y) in chunk.iter().zip(y.chunks(outputs)) {
                    let mut row = vec![m.meta.label.clone(), m.meta.id.clone(), line.to_string()];
                    row.extend(raw.iter().map(|&v| num(v)));
                    row.extend(y.iter().map(|&v| num(v)));
                    if classes {
                        row.push(class_name(&m.meta.classes, network::class_of(y)));
                    }
                    csv.write_record(&row)?;
                }
                chunk.clear();
                Ok(())
            };
            self.rows(|line, x| {
                chunk.push((line, x));
                if chunk.len() == network::PREDICT_ROWS {
                    flush(&mut chunk)?;
                }
                Ok(())
            })
            .map_err(std::io::Error::other)?;
            flush(&mut chunk)?;
        }
        csv.flush()
    }
}

fn reader(path: &Path, delimiter: u8) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| {
            anyhow!(
                "cannot read `{}`: {e}; give the CSV file of new rows",
                path.display()
            )
        })
}
