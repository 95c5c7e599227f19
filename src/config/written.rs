//! Running a results folder's `experiment.toml` again: the file runner writes (`[base]`, the
//! keys that vary, and each `[[run]]`'s label, id and values of them) read back as an
//! experiment of its own, each run a `[[variant]]` named by its label. Every default is
//! written out in that file, so each run resolves to the same settings, and the same id.

use toml::{Table, Value};

/// Whether `file` is an `experiment.toml` runner wrote.
pub fn is_written(file: &Table) -> bool {
    file.contains_key("base") && file.contains_key("run") && file.contains_key("varies")
}

/// The experiment `file` (an `experiment.toml` runner wrote, in folder `dir`) describes, as
/// an experiment file's table: `[base]`'s sections, and one `[[variant]]` a run.
pub fn as_experiment(file: &Table, dir: &std::path::Path) -> Result<Table, String> {
    // `data.path` is written as the experiment gave it, relative to that file's folder (so the
    // file is the same wherever the results are); from elsewhere it would name nothing.
    let data_path = file
        .get("base")
        .and_then(|b| b.get("data"))
        .and_then(|d| d.get("path"))
        .and_then(Value::as_str);
    if let Some(p) = data_path.filter(|p| !dir.join(p).exists()) {
        return Err(format!("`data.path = \"{p}\"` is relative to the experiment file it came from, and there is no `{}` here; copy this file beside that experiment file and run it there, or run the original experiment", dir.join(p).display()));
    }
    let mut out = Table::new();
    for key in ["name", "description"] {
        if let Some(v) = file.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let Some(Value::Table(base)) = file.get("base") else {
        return Err("`base` must be a table of sections".into());
    };
    out.extend(base.iter().map(|(k, v)| (k.clone(), v.clone())));
    let Some(Value::Array(runs)) = file.get("run") else {
        return Err("`run` must be a list of `[[run]]` tables".into());
    };
    let mut variants = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let Some(run) = run.as_table() else {
            return Err(format!("`[[run]]` {} is not a table", i + 1));
        };
        let Some(label) = run.get("label").and_then(Value::as_str) else {
            return Err(format!("`[[run]]` {} has no `label`", i + 1));
        };
        let mut variant = Table::new();
        variant.insert("name".into(), label.into());
        for (key, v) in run.iter().filter(|(k, _)| *k != "label" && *k != "id") {
            match key.split_once('.') {
                Some((section, k)) => {
                    let t = variant
                        .entry(section.to_string())
                        .or_insert_with(|| Value::Table(Table::new()));
                    if let Some(t) = t.as_table_mut() {
                        t.insert(k.to_string(), v.clone());
                    }
                }
                None => {
                    return Err(format!(
                        "`[[run]]` {}: `{key}` is not a `section.key`",
                        i + 1
                    ))
                }
            }
        }
        variants.push(Value::Table(variant));
    }
    out.insert("variant".into(), Value::Array(variants));
    Ok(out)
}
