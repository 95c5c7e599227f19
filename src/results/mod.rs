//! Result files. Each run streams its logged epochs to its own file in the store as it trains;
//! once runs finish, the result files are assembled from those in run order — so their bytes
//! never depend on which thread ran what, or when.

mod assemble;
pub mod confusion;
pub mod extras;
pub mod parquet;
pub mod publish;
mod resolved;
mod rows;
pub mod summary;
pub mod weights;

pub use resolved::{resolved_toml, run_settings};
pub use rows::{CsvRows, Rows};

pub use assemble::{
    assemble, fingerprint, formats, key, planned, precheck, up_to_date, Drawn, EPOCHS_CSV_ROWS,
};

use crate::config::{RunSpec, Spec};
use crate::format::num;
use crate::job::prepare::Prepared;
pub use crate::job::{companion_values, companions, Columns};
use crate::store::compress::Compressing;
use crate::store::rows as store_rows;
use crate::store::{Hashing, RunRecord, Store};
use crate::train::EpochRow;
use std::fs::File;
use std::io::{self, BufWriter, Write};

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// Takes one run's logged epochs in the store's compact form (`store::rows`,
/// zstd-compressed: held in memory, streamed into its claim file past
/// 1 MiB), counting and hashing the uncompressed rows.
pub struct EpochSink {
    out: Hashing<Compressing<BufWriter<File>>>,
    rows: u64,
    /// The epoch metrics, in column order.
    metrics: Vec<crate::job::metric::OfEpoch>,
    values: Vec<Option<f64>>,
}

impl EpochSink {
    pub fn new(file: File, columns: &Columns) -> io::Result<Self> {
        let metrics: Vec<_> = columns
            .epoch_metrics()
            .into_iter()
            .filter_map(|m| m.of_epoch)
            .collect();
        let mut out = Hashing::new(Compressing::new(BufWriter::new(file)));
        store_rows::start(&mut out, metrics.len())?;
        Ok(Self {
            out,
            rows: 0,
            values: Vec::with_capacity(metrics.len()),
            metrics,
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &EpochRow) -> io::Result<()> {
        self.values.clear();
        self.values.extend(self.metrics.iter().map(|of| of(row)));
        store_rows::write(&mut self.out, row.epoch as u64, &self.values)?;
        self.rows += 1;
        Ok(())
    }

    /// Finishes the compressed rows; returns the row count, the rows' hash, and the
    /// compressed rows when they were held in memory (else they are in the file).
    pub fn close(self) -> io::Result<(u64, String, Option<Vec<u8>>)> {
        let (out, sha, _) = self.out.finish();
        let (_, held) = out.finish()?;
        Ok((self.rows, sha, held))
    }
}

/// A run's logged rows from the store, each as its epoch and its metrics in
/// [`Columns::metric_names`] order (a missing value is NaN).
pub(crate) fn read_rows(store: &Store, id: &str) -> io::Result<Vec<(usize, Vec<f64>)>> {
    let mut out = Vec::new();
    store.each_row(id, |epoch, values| {
        out.push((
            epoch as usize,
            values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
        ));
        Ok(())
    })?;
    Ok(out)
}

pub(crate) fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(w)
}

pub(crate) fn csv_io(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// `runs.csv`'s rows; `timed` adds the wall-clock `seconds` (the one value that differs
/// between two runs of the same experiment, so the Parquet table leaves it out).
pub(crate) fn write_runs(
    out: &mut dyn Rows,
    exp: &Spec,
    cols: &Columns,
    records: &[RunRecord],
    timed: bool,
) -> io::Result<()> {
    let metrics = summary::metrics(cols);
    let mut head = cols.head();
    head.extend(["id", "status", "diverged_epoch", "epochs"].map(String::from));
    head.extend(metrics.iter().map(|(name, _)| name.to_string()));
    if cols.target {
        head.push("epochs_to_target".into());
    }
    if timed {
        head.push("seconds".into());
    }
    out.strings(&head)?;
    for (run, r) in exp.runs.iter().zip(records) {
        let mut row = cols.prefix(run);
        row.extend([
            r.id.clone(),
            r.shown_status().to_string(),
            r.diverged_epoch.map(|e| e.to_string()).unwrap_or_default(),
            r.epochs.to_string(),
        ]);
        row.extend(metrics.iter().map(|(_, metric)| opt(metric(r))));
        if cols.target {
            row.push(
                r.epochs_to_target
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            );
        }
        if timed {
            row.push(format!("{:.6}", r.seconds));
        }
        out.strings(&row)?;
    }
    out.finish()
}

/// `predictions.csv`: each run's `[predict]` rows, their outputs, and for classes the
/// predicted class (`predicted`: the class name of the largest softmax output, or 0/1 for a
/// single output at 0.5).
/// The name of class `c`: its label when the data named the classes, else its number.
pub fn class_name(names: &[String], c: usize) -> String {
    names.get(c).cloned().unwrap_or_else(|| c.to_string())
}

pub(crate) fn write_predictions<W: Write>(
    w: W,
    exp: &Spec,
    cols: &Columns,
    runs: &[Prepared],
    records: &[RunRecord],
) -> io::Result<()> {
    let width = |f: fn(&RunSpec, &RunRecord) -> usize| {
        exp.runs
            .iter()
            .zip(records)
            .map(|(s, r)| f(s, r))
            .max()
            .unwrap_or(0)
    };
    let inputs = width(|s, _| s.predict.as_ref().map_or(0, |p| p[0].len()));
    let outputs = width(|_, r| r.predictions.first().map_or(0, Vec::len));
    let mut head = cols.head();
    head.push("row".into());
    head.extend((1..=inputs).map(|i| format!("input_{i}")));
    if outputs == 1 {
        head.push("output".into());
    } else {
        head.extend((1..=outputs).map(|i| format!("output_{i}")));
    }
    let classes = runs.iter().any(|r| r.data.train.is_classification());
    if classes {
        head.push("predicted".into());
    }
    let mut csv = csv_writer(w);
    csv.write_record(&head).map_err(csv_io)?;
    for ((run, prepared), r) in exp.runs.iter().zip(runs).zip(records) {
        let Some(rows) = &run.predict else { continue };
        let names = &prepared.data.train.classes;
        for (i, (x, y)) in rows.iter().zip(&r.predictions).enumerate() {
            let mut row = cols.prefix(run);
            row.push((i + 1).to_string());
            row.extend(x.iter().map(|&v| num(v)));
            row.extend(y.iter().map(|&v| num(v)));
            if classes {
                row.push(if prepared.data.train.is_classification() {
                    class_name(names, crate::network::class_of(y))
                } else {
                    String::new()
                });
            }
            csv.write_record(&row).map_err(csv_io)?;
        }
    }
    csv.flush()
}
