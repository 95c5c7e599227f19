//! The tables runner prints on stdout when a sweep ends.

use crate::config::Experiment;
use crate::output::RunRecord;
use std::fmt::Write;

/// Seven significant digits, fixed-point when that is readable.
pub fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e6).contains(&v.abs()) {
        let decimals = if v == 0.0 || !v.is_finite() {
            6
        } else {
            (6 - v.abs().log10().floor() as i32).clamp(0, 9)
        };
        format!("{v:.*}", decimals as usize)
    } else {
        format!("{v:.6e}")
    }
}

/// One line per run: final and minimum loss, accuracy, status.
pub fn runs_table(exp: &Experiment, records: &[RunRecord]) -> String {
    let mut rows = vec![vec![
        "run".to_string(),
        "final_loss".into(),
        "min_loss".into(),
        "accuracy".into(),
        "test_accuracy".into(),
        "status".into(),
    ]];
    let pct = |v: Option<f64>| v.map_or("-".into(), |a| format!("{:.1}%", 100.0 * a));
    for (run, r) in exp.runs.iter().zip(records) {
        let status = match r.diverged_epoch {
            Some(e) => format!("diverged at epoch {e}"),
            None => r.status.clone(),
        };
        rows.push(vec![
            run.label.clone(),
            sig(r.final_loss),
            sig(r.min_loss),
            pct(r.accuracy),
            pct(r.test_accuracy),
            status,
        ]);
    }
    if records.iter().all(|r| r.test_accuracy.is_none()) {
        rows.iter_mut().for_each(|r| {
            r.remove(4);
        });
    }
    align(&rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(sig(4.148740123), "4.148740");
        assert_eq!(sig(1.5033190), "1.503319");
        assert_eq!(sig(2.650159e-4), "2.650159e-4");
        assert_eq!(sig(12.5), "12.50000");
    }
}
