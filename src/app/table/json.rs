//! `--json`: the end-of-sweep table as JSON lines on stdout, one object per line of the table
//! ([`super::table`]), for scripts (`jq`, `pandas.read_json(lines=True)`).

use crate::config::Spec;
use crate::results::summary::{config_columns, group_stats, groups, metrics};
use crate::results::{companions, Columns};
use crate::store::RunRecord;
use serde_json::{json, Map, Value};

/// One JSON object per line: per run when every configuration has one run, else per
/// configuration with each metric's `{"mean", "std", "n"}` over the runs that did not diverge.
/// A parameter value that reads as a number is a JSON number, lists such as `[16,8]` stay
/// strings; a metric a run does not have is `null`.
pub fn lines(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> String {
    let mut out = String::new();
    for o in objects(exp, cols, records) {
        push(&mut out, o);
    }
    out
}

/// The table's rows as JSON objects ([`lines`] writes one a line).
pub fn objects(exp: &Spec, cols: &Columns, records: &[RunRecord]) -> Vec<Map<String, Value>> {
    let groups = groups(exp, cols);
    let mut out = Vec::new();
    if groups.iter().all(|g| g.runs.len() == 1) {
        let head = cols.head();
        for (run, r) in exp.runs.iter().zip(records) {
            let mut o = Map::new();
            for (name, cell) in head.iter().zip(cols.prefix(run)) {
                o.insert(name.clone(), cell_value(&cell));
            }
            o.insert("id".into(), json!(r.id));
            o.insert("status".into(), json!(r.shown_status()));
            o.insert("diverged_epoch".into(), json!(r.diverged_epoch));
            o.insert("epochs".into(), json!(r.epochs));
            for (name, metric) in metrics(cols) {
                o.insert(name.into(), number(metric(r)));
            }
            if cols.target {
                o.insert("epochs_to_target".into(), json!(r.epochs_to_target));
            }
            out.push(o);
        }
        return out;
    }
    let keys = config_columns(cols);
    for g in &groups {
        let mut o = Map::new();
        o.insert("configuration".into(), json!(g.label));
        for (k, v) in keys.iter().zip(&g.values) {
            o.insert(k.clone(), cell_value(v));
        }
        let numeric = crate::results::companion_values(&keys, &g.values);
        for ((name, _), v) in companions(&keys).into_iter().zip(numeric) {
            o.insert(name, cell_value(&v));
        }
        o.insert("runs".into(), json!(g.runs.len()));
        for (name, metric) in metrics(cols) {
            let v = match group_stats(g, records, metric) {
                None => Value::Null,
                Some(s) => json!({"mean": s.mean, "std": number(Some(s.std)), "n": s.n}),
            };
            o.insert(name.into(), v);
        }
        let diverged = g.runs.iter().filter(|&&i| records[i].diverged()).count();
        o.insert("diverged".into(), json!(diverged));
        out.push(o);
    }
    out
}

/// `runner plan --json`: the plan as one object, numbers as numbers.
pub fn plan(view: &super::Plan) -> String {
    let super::Plan {
        exp,
        runs,
        out,
        state,
        memory,
        time,
    } = *view;
    let rows: Vec<Value> = runs
        .iter()
        .map(|r| {
            json!({
                "run": r.spec.label,
                "id": r.spec.id,
                "epochs": r.spec.train.epochs,
                "rows": r.data.train.rows,
                "params": r.arch.param_count(),
                "work": r.work(),
            })
        })
        .collect();
    json!({
        "experiment": exp.name,
        "path": exp.path.display().to_string(),
        "outputs": out.display().to_string(),
        "state": state,
        "work": runs.iter().map(|r| r.work()).sum::<f64>(),
        "memory_bytes": memory.total(),
        "at_once": memory.at_once,
        "seconds": time.seconds,
        "to_train": time.to_train,
        "threads": time.threads,
        "runs": rows,
    })
    .to_string()
}

fn push(out: &mut String, o: Map<String, Value>) {
    out.push_str(&Value::Object(o).to_string());
    out.push('\n');
}

/// A finite number, else `null` (JSON has no NaN or infinity).
fn number(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite())
        .map_or(Value::Null, |x| json!(x))
}

/// A table cell: an integer or a finite number when it reads as one, else the text; empty is
/// `null`.
fn cell_value(cell: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    if let Ok(i) = cell.parse::<i64>() {
        return json!(i);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => json!(x),
        _ => json!(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_numbers_only_when_they_read_as_numbers() {
        assert_eq!(cell_value("3"), json!(3));
        assert_eq!(cell_value("0.5"), json!(0.5));
        assert_eq!(cell_value("[16,8]"), json!("[16,8]"));
        assert_eq!(cell_value("relu"), json!("relu"));
        assert_eq!(cell_value("nan"), json!("nan"));
        assert_eq!(cell_value(""), Value::Null);
        assert_eq!(number(Some(f64::NAN)), Value::Null);
    }
}
