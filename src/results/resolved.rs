//! `experiment.toml`: the experiment as runner understood it, in proportion to what varies.
//! The settings every run shares are written once, with every default filled in (`[base]`);
//! `varies` names the keys the runs differ in; each `[[run]]` holds only its label, its id and
//! its values of those keys. A 10⁵-run sweep so writes a few lines per run, not every setting.

use crate::config::Spec;
use std::collections::{HashMap, HashSet};
use toml::{Table, Value};

/// A run's settings as `section.key` → value (a value may itself be a list or a table).
fn flat(resolved: &Table) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (section, v) in resolved {
        match v {
            Value::Table(t) => {
                for (k, v) in t {
                    out.push((format!("{section}.{k}"), v.clone()));
                }
            }
            v => out.push((section.clone(), v.clone())),
        }
    }
    out
}

/// The keys whose value is not the same in every run (or is missing from some), in the order
/// they first appear. Reads one run at a time, so that 10⁵ runs need no more memory than one.
fn varying(exp: &Spec) -> Vec<String> {
    let Some(first) = exp.runs.first() else {
        return Vec::new();
    };
    let base: Vec<(String, Value)> = flat(&first.resolved());
    let index: HashMap<&str, &Value> = base.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut keys: Vec<String> = base.iter().map(|(k, _)| k.clone()).collect();
    let mut varies: HashSet<String> = HashSet::new();
    for run in &exp.runs[1..] {
        let flat = flat(&run.resolved());
        for (k, v) in &flat {
            match index.get(k.as_str()) {
                Some(b) if *b == v => {}
                Some(_) => {
                    varies.insert(k.clone());
                }
                None => {
                    if varies.insert(k.clone()) {
                        keys.push(k.clone());
                    }
                }
            }
        }
        if flat.len() != base.len() || base.iter().zip(&flat).any(|(a, b)| a.0 != b.0) {
            let have: HashSet<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
            for (k, _) in &base {
                if !have.contains(k.as_str()) {
                    varies.insert(k.clone());
                }
            }
        }
    }
    keys.into_iter().filter(|k| varies.contains(k)).collect()
}

/// The text of `experiment.toml`.
pub fn resolved_toml(exp: &Spec) -> String {
    let varies = varying(exp);
    let mut doc = Table::new();
    doc.insert("name".into(), exp.name.clone().into());
    if let Some(d) = &exp.description {
        doc.insert("description".into(), d.clone().into());
    }
    doc.insert(
        "varies".into(),
        Value::Array(varies.iter().map(|k| k.clone().into()).collect()),
    );
    let mut base = Table::new();
    if let Some(first) = exp.runs.first() {
        for (section, v) in &first.resolved() {
            let v = match v {
                Value::Table(t) => {
                    let kept: Table = t
                        .iter()
                        .filter(|(k, _)| !varies.contains(&format!("{section}.{k}")))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    Value::Table(kept)
                }
                _ if varies.contains(section) => continue,
                v => v.clone(),
            };
            base.insert(section.clone(), v);
        }
    }
    doc.insert("base".into(), Value::Table(base));
    let runs: Vec<Value> = exp
        .runs
        .iter()
        .map(|r| {
            let mut t = Table::new();
            t.insert("label".into(), r.label.clone().into());
            t.insert("id".into(), r.id.clone().into());
            for (k, v) in flat(&r.resolved())
                .into_iter()
                .filter(|(k, _)| varies.contains(k))
            {
                t.insert(k, v);
            }
            Value::Table(t)
        })
        .collect();
    doc.insert("run".into(), Value::Array(runs));
    format!(
        "# Written by runner: the experiment as runner understood it. [base] holds the settings every\n\
         # run shares, every default filled in; `varies` the keys the runs differ in; each [[run]]\n\
         # its label, id and values of those keys (a key a run lacks does not apply to it).\n{}",
        toml::to_string(&doc).expect("tables serialize")
    )
}

/// A run's settings, rebuilt from `experiment.toml`'s text: `[base]` with the run's values of
/// the varying keys put back. For tests and readers of the file.
pub fn run_settings(text: &str, index: usize) -> Option<Table> {
    let doc: Table = toml::from_str(text).ok()?;
    let mut out = doc.get("base")?.as_table()?.clone();
    let run = doc.get("run")?.as_array()?.get(index)?.as_table()?;
    for (key, v) in run {
        if key == "label" || key == "id" {
            continue;
        }
        match key.split_once('.') {
            Some((section, k)) => {
                let t = out
                    .entry(section.to_string())
                    .or_insert_with(|| Value::Table(Table::new()));
                t.as_table_mut()?.insert(k.to_string(), v.clone());
            }
            None => {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        let dir = std::env::temp_dir();
        crate::config::parse(text, &dir.join("t.toml"), &[]).unwrap()
    }

    #[test]
    fn each_run_rebuilds_to_its_own_settings_and_shared_ones_are_written_once() {
        let exp = spec(
            "name = \"t\"\n[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 3\n\
             [sweep]\n\"model.hidden\" = [[], [2], [4, 2]]\n\"init.seed\" = [0, 1]\n\
             [[variant]]\nname = \"sgd\"\ntrain = { optimizer = \"sgd\", momentum = 0.5 }\n\
             [[variant]]\nname = \"gd\"\n",
        );
        let text = resolved_toml(&exp);
        assert_eq!(text.matches("epochs = 3").count(), 1, "{text}");
        for (i, run) in exp.runs.iter().enumerate() {
            assert_eq!(
                run_settings(&text, i).as_ref(),
                Some(&run.resolved()),
                "run {i}"
            );
        }
        let doc: Table = toml::from_str(&text).unwrap();
        let varies: Vec<&str> = doc["varies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(varies.contains(&"model.hidden") && varies.contains(&"init.seed"));
        assert!(varies.contains(&"train.optimizer") && varies.contains(&"train.momentum"));
        assert!(!varies.contains(&"data.kind"));
    }
}
