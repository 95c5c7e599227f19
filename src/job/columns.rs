//! Which columns an experiment's result files have: the swept keys and their numeric
//! companions, and which metrics ([`super::metric`]) the files have.

use crate::config::{RunSpec, Spec};

/// Which optional columns the experiment's files have.
#[derive(Clone, Debug)]
pub struct Columns {
    /// `variant`, then swept keys.
    pub params: Vec<String>,
    pub accuracy: bool,
    pub test: bool,
    pub target: bool,
    /// Some run stops early on a validation score.
    pub validation: bool,
}

impl Columns {
    pub fn new(exp: &Spec, accuracy: bool) -> Self {
        Self {
            params: exp.columns.clone(),
            accuracy,
            test: exp.runs.iter().any(|r| r.data.test_fraction > 0.0),
            target: exp.runs.iter().any(|r| r.train.target_loss.is_some()),
            validation: exp
                .runs
                .iter()
                .any(|r| r.train.validation_fraction.is_some()),
        }
    }

    /// `run`, the parameter columns, their numeric companions ([`companions`]), then `seed`.
    pub fn head(&self) -> Vec<String> {
        let mut h = vec!["run".to_string()];
        h.extend(self.params.iter().cloned());
        h.extend(companions(&self.params).into_iter().map(|(name, _)| name));
        h.push("seed".into());
        h
    }

    /// A run's values for [`Columns::head`].
    pub fn prefix(&self, run: &RunSpec) -> Vec<String> {
        let mut v = vec![run.label.clone()];
        for key in &self.params {
            let value = if key == "variant" {
                run.variant.clone()
            } else {
                run.swept
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            };
            v.push(value.unwrap_or_default());
        }
        let values = v[1..].to_vec();
        v.extend(companion_values(&self.params, &values));
        v.push(run.seed.map(|s| s.to_string()).unwrap_or_default());
        v
    }
}

/// Numeric columns beside a swept list of layer widths (`model.hidden`), so that a plot
/// against width needs no parsing: `model.hidden.units`, the total hidden units (0 for the
/// perceptron), and `model.hidden.layers`, the depth. `(name, index into keys)`.
pub fn companions(keys: &[String]) -> Vec<(String, usize)> {
    keys.iter()
        .enumerate()
        .filter(|(_, k)| *k == "model.hidden")
        .flat_map(|(i, k)| [(format!("{k}.units"), i), (format!("{k}.layers"), i)])
        .collect()
}

/// The companion cells for `values` of `keys` (the lists as written, `[16,8]`).
pub fn companion_values(keys: &[String], values: &[String]) -> Vec<String> {
    companions(keys)
        .into_iter()
        .map(|(name, i)| {
            let widths: Vec<u64> = values[i]
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .filter_map(|w| w.trim().parse().ok())
                .collect();
            if name.ends_with(".units") {
                widths.iter().sum::<u64>().to_string()
            } else {
                widths.len().to_string()
            }
        })
        .collect()
}
