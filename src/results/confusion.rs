//! `confusion.csv`: for every run whose targets are classes, how many rows of each actual
//! class its final weights predict as each class, on the training and the test rows. One file
//! for the whole sweep, keyed by run like `epochs.csv`, so that 10⁵ runs make one file.

use super::{csv_io, csv_writer, Columns};
use crate::config::Spec;
use crate::data::Dataset;
use crate::job::prepare::Prepared;
use crate::network;
use crate::store::RunRecord;
use std::io::{self, Write};

/// Whether any run's targets are classes (else the file is not written).
pub fn wanted(runs: &[Prepared]) -> bool {
    runs.iter().any(|r| r.data.train.is_classification())
}

/// The class of each row of `y` (row-major, `outputs` per row): 0/1 by the ≥ 0.5 rule for
/// one output, else the first largest, as accuracy reads them.
fn classes(y: &[f64], outputs: usize) -> Vec<usize> {
    y.chunks_exact(outputs)
        .map(|r| {
            if outputs == 1 {
                usize::from(r[0] >= 0.5)
            } else {
                (1..outputs).fold(0, |b, k| if r[k].total_cmp(&r[b]).is_gt() { k } else { b })
            }
        })
        .collect()
}

/// `k x k` counts, actual class by predicted class, of `d` under `params`.
pub fn counts(run: &Prepared, params: &[f64], d: &Dataset) -> Vec<u64> {
    let k = d.outputs.max(2);
    let out = network::predict(&run.arch.layers(), params, &d.x, d.rows);
    let mut c = vec![0u64; k * k];
    for (a, p) in classes(&d.y, d.outputs)
        .into_iter()
        .zip(classes(&out, d.outputs))
    {
        c[a * k + p] += 1;
    }
    c
}

pub(crate) fn write<W: Write>(
    w: W,
    exp: &Spec,
    cols: &Columns,
    runs: &[Prepared],
    records: &[RunRecord],
) -> io::Result<()> {
    let mut head = cols.head();
    head.extend(["id", "split", "actual", "predicted", "count"].map(String::from));
    let mut csv = csv_writer(w);
    csv.write_record(&head).map_err(csv_io)?;
    for ((spec, run), r) in exp.runs.iter().zip(runs).zip(records) {
        let train = &run.data.train;
        if !train.is_classification() || r.weights.is_empty() {
            continue;
        }
        let k = train.outputs.max(2);
        let name = |c: usize| {
            train
                .classes
                .get(c)
                .cloned()
                .unwrap_or_else(|| c.to_string())
        };
        let splits =
            std::iter::once(("train", train)).chain(run.data.test.iter().map(|t| ("test", t)));
        for (split, d) in splits {
            let c = counts(run, &r.weights, d);
            for a in 0..k {
                for p in 0..k {
                    let mut row = cols.prefix(spec);
                    row.extend([
                        r.id.clone(),
                        split.to_string(),
                        name(a),
                        name(p),
                        c[a * k + p].to_string(),
                    ]);
                    csv.write_record(&row).map_err(csv_io)?;
                }
            }
        }
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_accuracy() {
        assert_eq!(classes(&[0.2, 0.5, 0.9], 1), [0, 1, 1]);
        assert_eq!(classes(&[0.1, 0.7, 0.2, 0.4, 0.4, 0.2], 3), [1, 0]);
    }
}
