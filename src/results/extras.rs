//! The files beside the CSVs that pictures and other tools need: each distinct data set once
//! (`data/<data id>.csv`, the rows runner trained and tested on) and each run's final weights
//! (`weights/<run id>.safetensors`, see [`crate::results::weights`]).

use super::{csv_io, csv_writer, num};
use crate::data::Dataset;
use crate::job::prepare::Prepared;
use crate::results::weights::{self, Meta};
use crate::store::RunRecord;
use std::io::{self, Write};

pub fn data_name(data_id: &str) -> String {
    format!("data/{data_id}.csv")
}

pub fn weights_name(run_id: &str) -> String {
    format!("weights/{run_id}.safetensors")
}

/// The data files, each once, in order of first use: (name, index of a run that uses it).
pub fn data_files(runs: &[Prepared]) -> Vec<(String, usize)> {
    let mut files: Vec<(String, usize)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let name = data_name(&r.data_id);
        if !files.iter().any(|(n, _)| *n == name) {
            files.push((name, i));
        }
    }
    files
}

/// The weights files: (name, run index), for the runs that keep their weights.
pub fn weights_files(runs: &[Prepared]) -> Vec<(String, usize)> {
    runs.iter()
        .enumerate()
        .filter(|(_, r)| r.spec.weights)
        .map(|(i, r)| (weights_name(&r.spec.id), i))
        .collect()
}

/// A data set as CSV: `input_1…input_d`, `target` (or `target_1…target_k`), and `split`
/// (`train` or `test`); the training rows first, in the order runner trained on them.
pub fn write_data<W: Write>(w: W, train: &Dataset, test: Option<&Dataset>) -> io::Result<()> {
    let mut head: Vec<String> = (1..=train.inputs).map(|i| format!("input_{i}")).collect();
    if train.outputs == 1 {
        head.push("target".into());
    } else {
        head.extend((1..=train.outputs).map(|i| format!("target_{i}")));
    }
    head.push("split".into());
    let mut csv = csv_writer(w);
    csv.write_record(&head).map_err(csv_io)?;
    for (d, split) in std::iter::once((train, "train")).chain(test.map(|t| (t, "test"))) {
        for i in 0..d.rows {
            let mut row: Vec<String> = d.x[i * d.inputs..(i + 1) * d.inputs]
                .iter()
                .map(|&v| num(v))
                .collect();
            row.extend(
                d.y[i * d.outputs..(i + 1) * d.outputs]
                    .iter()
                    .map(|&v| num(v)),
            );
            row.push(split.into());
            csv.write_record(&row).map_err(csv_io)?;
        }
    }
    csv.flush()
}

/// A run's weights file.
pub fn write_weights(w: &mut dyn Write, run: &Prepared, record: &RunRecord) -> io::Result<()> {
    let meta = Meta::new(&run.spec.label, &run.spec.id, &run.arch);
    if record.weights.len() != run.arch.param_count() {
        return Err(io::Error::other(format!(
            "stored run `{}` holds {} weights, its network has {}",
            run.spec.id,
            record.weights.len(),
            run.arch.param_count()
        )));
    }
    w.write_all(&weights::encode(&meta, &record.weights))
}
