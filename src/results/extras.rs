//! The files beside the CSVs that pictures and other tools need: each distinct data set once
//! (`data/<data id>.csv`, the rows runner trained and tested on) and each run's final weights
//! (`weights/<run id>.safetensors`, see [`crate::results::weights`]).

use super::{csv_io, csv_writer, num};
use crate::data::Dataset;
use crate::job::prepare::Prepared;
use crate::results::weights::{self, Meta, PackMeta};
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

/// The weights files, each with the runs it holds: one file a run, or, for more than
/// [`weights::PACK_ABOVE`] runs, one a configuration (`weights/config-<k>.safetensors`, `k`
/// counting configurations from 1 in `summary.csv`'s order).
pub fn weights_files(runs: &[Prepared]) -> Vec<WeightsFile> {
    let kept: Vec<usize> = (0..runs.len()).filter(|&i| runs[i].spec.weights).collect();
    if kept.len() <= weights::PACK_ABOVE {
        return kept
            .into_iter()
            .map(|i| WeightsFile {
                name: weights_name(&runs[i].spec.id),
                members: vec![i],
                packed: false,
            })
            .collect();
    }
    // Configurations in order of first appearance, as `summary.csv` lists them.
    let mut order: std::collections::HashMap<&str, usize> = Default::default();
    let mut files: Vec<WeightsFile> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let k = *order.entry(&r.spec.config).or_insert_with(|| {
            files.push(WeightsFile {
                name: format!("weights/config-{}.safetensors", files.len() + 1),
                members: Vec::new(),
                packed: true,
            });
            files.len() - 1
        });
        if r.spec.weights {
            files[k].members.push(i);
        }
    }
    files.retain(|f| !f.members.is_empty());
    files
}

/// A weights file and the runs it holds.
pub struct WeightsFile {
    pub name: String,
    pub members: Vec<usize>,
    /// One configuration's runs along a leading axis, rather than one run.
    pub packed: bool,
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

/// A weights file: one run's, or a configuration's runs packed.
pub fn write_weights(
    w: &mut dyn Write,
    runs: &[Prepared],
    records: &[RunRecord],
    file: &WeightsFile,
) -> io::Result<()> {
    let members = &file.members;
    for &i in members {
        let want = runs[i].arch.param_count();
        if records[i].weights.len() != want {
            return Err(io::Error::other(format!(
                "stored run `{}` holds {} weights, its network has {want}",
                runs[i].spec.id,
                records[i].weights.len(),
            )));
        }
    }
    let first = &runs[members[0]];
    if !file.packed {
        let meta = Meta::new(&first.spec.label, &first.spec.id, &first.arch).with_data(&first.data);
        return w.write_all(&weights::encode(&meta, &records[members[0]].weights));
    }
    let meta = PackMeta {
        configuration: first.spec.config.clone(),
        ids: members.iter().map(|&i| runs[i].spec.id.clone()).collect(),
        labels: members
            .iter()
            .map(|&i| runs[i].spec.label.clone())
            .collect(),
        arch: first.arch.clone(),
        scalers: members
            .iter()
            .filter_map(|&i| runs[i].data.scaler.clone())
            .collect(),
        classes: first.data.train.classes.clone(),
        input_names: first.data.train.input_names.clone(),
    };
    let params: Vec<&[f64]> = members.iter().map(|&i| &records[i].weights[..]).collect();
    w.write_all(&weights::encode_pack(&meta, &params))
}
