//! What runner prints on stdout: the table when a sweep ends, and the plan.

use crate::config::Spec;
use crate::format::{count, sig};
use crate::job::prepare::Prepared;
use crate::results::summary::{group_stats, groups, metrics};
use crate::results::Columns;
use crate::store::RunRecord;
use std::fmt::Write;

pub mod export;
pub mod json;

/// One line per run, its header first: final and minimum loss, accuracy (or, for numeric
/// targets, R² and the test loss), status.
fn run_rows(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> Vec<Vec<String>> {
    let metrics = shown(cols);
    let mut head = vec!["run".to_string()];
    head.extend(metrics.iter().map(|m| m.name.to_string()));
    head.push("status".into());
    let mut rows = vec![head];
    for (run, r) in exp.runs.iter().zip(records) {
        let status = match r.diverged_epoch {
            Some(e) => format!("diverged at epoch {e}"),
            None => r.shown_status().to_string(),
        };
        let mut row = vec![run.label.clone()];
        for m in &metrics {
            let v = m.of_run.and_then(|f| f(r));
            row.push(match v {
                None => "-".into(),
                Some(a) if m.percent => format!("{:.1}%", 100.0 * a),
                Some(v) => sig(v),
            });
        }
        row.push(status);
        rows.push(row);
    }
    rows
}

/// The metrics the table shows: the test loss only where there is no accuracy to show.
fn shown(cols: &Columns) -> Vec<&'static crate::job::Metric> {
    cols.run_metrics()
        .into_iter()
        .filter(|m| m.name != "test_loss" || !cols.accuracy)
        .collect()
}

/// The end-of-sweep table: one line per run when every configuration has one run; otherwise
/// one line per configuration with mean ± std across its seeds and its diverged runs.
pub fn table(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> String {
    let (rows, grouped) = cells(exp, cols, records);
    let mut out = align(&rows);
    if grouped {
        out.push_str(FOOTER);
        out.push('\n');
    }
    out
}

/// The cells of [`table`], its header first, and whether its rows are configurations (which
/// [`FOOTER`] then follows).
pub fn cells(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> (Vec<Vec<String>>, bool) {
    let groups = groups(exp, cols);
    if groups.iter().all(|g| g.runs.len() == 1) {
        return (run_rows(exp, cols, records), false);
    }
    let metrics: Vec<_> = metrics(cols)
        .into_iter()
        .filter(|(n, _)| *n != "test_loss" || !cols.accuracy)
        .collect();
    let mut head = vec!["configuration".to_string(), "runs".into()];
    head.extend(metrics.iter().map(|(n, _)| n.to_string()));
    head.push("diverged".into());
    let mut rows = vec![head];
    for g in &groups {
        let mut row = vec![g.label.clone(), g.runs.len().to_string()];
        for (name, metric) in &metrics {
            let cell = match group_stats(g, records, *metric) {
                None => "-".to_string(),
                Some(s) if crate::job::Metric::named(name).is_some_and(|m| m.percent) => {
                    format!("{:.1}% ± {:.1}", 100.0 * s.mean, 100.0 * s.std.max(0.0))
                }
                Some(s) => format!(
                    "{} ± {}",
                    sig4(s.mean),
                    sig4(if s.std.is_nan() { 0.0 } else { s.std })
                ),
            };
            row.push(cell);
        }
        let diverged = g.runs.iter().filter(|&&i| records[i].diverged()).count();
        row.push(diverged.to_string());
        rows.push(row);
    }
    (rows, true)
}

/// The line under a table of configurations.
pub const FOOTER: &str = "mean ± sample std across seeds, over runs that did not diverge";

/// Four significant digits.
fn sig4(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        let d = if v == 0.0 {
            3
        } else {
            (3 - v.abs().log10().floor() as i32).clamp(0, 6)
        };
        format!("{v:.*}", d as usize)
    } else {
        format!("{v:.3e}")
    }
}

/// What a plan shows: the runs, where outputs go and what is already there (`state`), the
/// memory and the time.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub exp: &'a Spec,
    pub runs: &'a [Prepared],
    pub out: &'a std::path::Path,
    pub state: &'a str,
    pub memory: &'a crate::job::budget::Estimate,
    pub time: &'a crate::job::estimate::Timing,
}

/// `runner plan`: the runs, the work, where outputs go and what is already there (`state`).
pub fn plan(view: &Plan) -> String {
    let Plan {
        exp,
        runs,
        out,
        state,
        memory,
        time,
    } = *view;
    let mut rows = vec![["run", "id", "epochs", "rows", "params", "work"]
        .map(String::from)
        .to_vec()];
    let mut total = 0.0;
    for r in runs {
        let (epochs, n, p) = (r.spec.train.epochs, r.data.train.rows, r.arch.param_count());
        let work = r.work();
        total += work;
        rows.push(vec![
            r.spec.label.clone(),
            r.spec.id.clone(),
            epochs.to_string(),
            n.to_string(),
            p.to_string(),
            format!("{work:.2e}"),
        ]);
    }
    let mut s = format!(
        "experiment `{}` ({}): {}\noutputs: {} ({state})\nwork: {total:.3e} sample × parameter updates (epochs × training rows × parameters)\nmemory: about {} at the peak ({} at once)\n{}\n\n",
        exp.name,
        exp.path.display(),
        count(runs.len(), "run"),
        out.display(),
        crate::job::budget::Bytes(memory.total()),
        count(memory.at_once, "run"),
        time.line(),
    );
    s.push_str(&align(&rows));
    s
}

/// Left-aligns the first column, right-aligns the others.
pub fn align(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|j| {
            rows.iter()
                .filter_map(|r| r.get(j))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        for (j, cell) in r.iter().enumerate() {
            let pad = widths[j] - cell.chars().count();
            if j == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
    }
    out
}
