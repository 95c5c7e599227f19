//! `--export-json`, `--export-csv` and `--export-markdown FILE`: the end-of-sweep table in a
//! file, as hyperfine exports its results. JSON holds the `--json` objects in an array; CSV
//! the same values flattened (`final_loss_mean`, `final_loss_std`, `final_loss_n` for a
//! configuration's statistics), one row each; Markdown the table as printed. Each is written
//! atomically, replacing the file named: the user named it for this.

use super::json::objects;
use crate::config::Spec;
use crate::results::Columns;
use crate::store::{write_atomic, RunRecord};
use serde_json::Value;
use std::path::Path;

/// The table as one JSON document: `{"rows": [ … ]}`.
pub fn json(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> String {
    let rows: Vec<Value> = objects(exp, cols, records)
        .into_iter()
        .map(Value::Object)
        .collect();
    let doc = serde_json::json!({ "experiment": exp.name, "rows": rows });
    serde_json::to_string_pretty(&doc).expect("values serialize") + "\n"
}

/// The table as CSV: the JSON objects' fields as columns, a statistic's `mean`, `std` and `n`
/// as `<metric>_mean`, `<metric>_std`, `<metric>_n`; `null` as an empty cell.
pub fn csv(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> String {
    let rows = objects(exp, cols, records);
    // A key whose value is a statistic in any row: its mean, std and n in every row.
    let stats: std::collections::HashSet<&String> = rows
        .iter()
        .flat_map(|o| o.iter().filter(|(_, v)| v.is_object()).map(|(k, _)| k))
        .collect();
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut head = Vec::new();
    for k in first.keys() {
        if stats.contains(k) {
            head.extend(["mean", "std", "n"].map(|s| format!("{k}_{s}")));
        } else {
            head.push(k.clone());
        }
    }
    let _ = w.write_record(&head);
    for o in &rows {
        let mut row = Vec::new();
        for (k, v) in o {
            if stats.contains(k) {
                row.extend(["mean", "std", "n"].map(|s| cell(v.get(s))));
            } else {
                row.push(cell(Some(v)));
            }
        }
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The table as Markdown, cell for cell as printed: a header row, an alignment row (the first
/// column left, the others right), then the rows; the configurations' footer under it.
pub fn markdown(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> String {
    let (rows, grouped) = super::cells(exp, cols, records);
    let line = |r: &[String]| {
        let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = String::new();
    let Some((head, body)) = rows.split_first() else {
        return out;
    };
    out.push_str(&line(head));
    let align: Vec<String> = (0..head.len())
        .map(|j| if j == 0 { ":---" } else { "---:" }.to_string())
        .collect();
    out.push_str(&line(&align));
    for r in body {
        out.push_str(&line(r));
    }
    if grouped {
        out.push_str(&format!("\n{}\n", super::FOOTER));
    }
    out
}

/// Writes each export asked for.
pub fn write(
    exports: &crate::app::cli::Exports,
    exp: &Spec,
    cols: &Columns,
    records: &[RunRecord],
) -> anyhow::Result<()> {
    let put = |path: &Path, text: String| -> anyhow::Result<()> {
        write_atomic(path, text.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))
    };
    if let Some(p) = &exports.export_json {
        put(p, json(exp, cols, records))?;
    }
    if let Some(p) = &exports.export_csv {
        put(p, csv(exp, cols, records))?;
    }
    if let Some(p) = &exports.export_markdown {
        put(p, markdown(exp, cols, records))?;
    }
    Ok(())
}
