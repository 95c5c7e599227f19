//! A job: an experiment loaded, expanded and checked, its memory budgeted before any data is
//! loaded, its data prepared once and its runs given their final ids, with the results folder's
//! store. The layers above (training, results, the report and the commands) take a [`Job`] by
//! reference.

pub mod budget;
mod columns;
pub mod estimate;
pub mod fit;
pub mod metric;
pub mod prepare;
pub mod saturation;

pub use columns::{companion_values, companions, Columns};
pub use metric::{Metric, METRICS};

use crate::config::{self, Spec};
use crate::store::Store;
use anyhow::{anyhow, Result};
use prepare::Prepared;
use std::path::{Path, PathBuf};

/// An experiment with its prepared runs and its results folder.
pub struct Job {
    pub exp: Spec,
    /// Its estimated peak memory.
    pub memory: budget::Estimate,
    pub runs: Vec<Prepared>,
    pub store: Store,
    pub cols: Columns,
}

/// How much of the machine a command may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Runs trained at once.
    pub threads: usize,
    /// `--max-memory`, else the memory free.
    pub max_memory: Option<u64>,
}

impl Limits {
    pub fn of(threads: Option<u16>, max_memory: Option<u64>) -> Limits {
        Limits {
            threads: threads.map_or_else(
                || std::thread::available_parallelism().map_or(1, |n| n.get()),
                usize::from,
            ),
            max_memory,
        }
    }
}

/// Reads, expands, validates and prepares the experiment `path` with `--set` overrides, for
/// the folder `out` (default `results/NAME`). Refuses, before any data is loaded, an
/// experiment whose estimated memory exceeds the limit.
pub fn load(
    path: &Path,
    sets: &[String],
    only: &[String],
    out: Option<&Path>,
    limits: Limits,
) -> Result<Job> {
    let sets = sets
        .iter()
        .map(|s| config::parse_set(s).map_err(|e| anyhow!("--set: {e}")))
        .collect::<Result<Vec<_>>>()?;
    // One key given twice: the second would silently win, so it is refused.
    for (i, a) in sets.iter().enumerate() {
        if let Some(b) = sets[..i].iter().find(|b| b.key == a.key) {
            let all: Vec<String> = b
                .values
                .iter()
                .chain(&a.values)
                .map(|v| v.to_string())
                .collect();
            anyhow::bail!(
                "`{}` is given twice on the command line (`{}` and `{}`); give it once, with every value to sweep them: `{}={}`",
                a.key,
                values_text(&b.values),
                values_text(&a.values),
                a.key,
                all.join(",")
            );
        }
    }
    let mut exp = config::load(path, &sets)?;
    if !only.is_empty() {
        select(&mut exp, only)?;
    }
    let memory = budget::estimate(&exp, limits.threads);
    budget::check(&memory, limits.max_memory, path).map_err(|e| anyhow!(e))?;
    let runs = prepare::prepare(&mut exp)?;
    let out = out.map_or_else(|| PathBuf::from("results").join(&exp.name), Path::to_owned);
    let classes = runs.iter().any(|r| r.data.train.is_classification());
    let cols = Columns::new(&exp, classes);
    let store = Store::at(&out);
    store.check_format()?;
    Ok(Job {
        exp,
        memory,
        runs,
        store,
        cols,
    })
}

/// Values as `--set` writes them: `5` or `5,6`.
fn values_text(values: &[toml::Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

impl Job {
    /// Each run's stored record, verified whole (`None` when missing or damaged), for the
    /// runs `which` picks (the others are `None` unchecked). A damaged run is warned about on
    /// stderr, ending with `then`, what happens to it next; `then = None` passes damaged runs
    /// over in silence. Runs are read in parallel, warnings printed in run order.
    pub fn stored(
        &self,
        which: impl Fn(usize) -> bool + Sync,
        then: Option<&str>,
    ) -> Vec<Option<crate::store::RunRecord>> {
        self.look(which, then, |id| self.store.verify(id))
    }

    /// Each run's record checksum, the record checked but neither its values nor its rows
    /// read (`runner status` and `runner plan` on 10⁵ runs); damaged runs are `None`.
    pub fn checksums(&self) -> Vec<Option<String>> {
        self.look(|_| true, None, |id| self.store.checksum(id))
    }

    fn look<T: Send>(
        &self,
        which: impl Fn(usize) -> bool + Sync,
        then: Option<&str>,
        find: impl Fn(&str) -> crate::store::Lookup<T> + Sync,
    ) -> Vec<Option<T>> {
        use crate::store::Lookup;
        use rayon::prelude::*;
        self.store.refresh();
        let found: Vec<Lookup<T>> = self
            .runs
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                if which(i) {
                    find(&r.spec.id)
                } else {
                    Lookup::Missing
                }
            })
            .collect();
        found
            .into_iter()
            .zip(&self.runs)
            .map(|(found, r)| match found {
                Lookup::Found(rec) => Some(rec),
                Lookup::Damaged(why, file) => {
                    if let Some(then) = then {
                        crate::color::eprint(&format!(
                            "warning: stored run `{}` (`{}`) is damaged: {why}; {then}",
                            r.spec.label,
                            file.display()
                        ));
                    }
                    None
                }
                Lookup::Missing => None,
            })
            .collect()
    }
}

/// Keeps the runs `--only` names: a run is kept when some filter's every term (`hidden=[4]`,
/// `seed=1`, a variant's name) is a whole word of its label. A filter that names no run is
/// refused, with labels to copy.
fn select(exp: &mut config::Spec, only: &[String]) -> Result<()> {
    let matches = |label: &str, filter: &str| {
        let words: Vec<&str> = label.split(' ').collect();
        filter.split_whitespace().all(|t| words.contains(&t))
    };
    for f in only {
        if !exp.runs.iter().any(|r| matches(&r.label, f)) {
            let labels: Vec<String> = exp
                .runs
                .iter()
                .take(4)
                .map(|r| format!("`{}`", r.label))
                .collect();
            let more = if exp.runs.len() > 4 { ", …" } else { "" };
            anyhow::bail!(
                "`--only {f}` names no run of `{}` (`{}`); its runs are labelled {}{more} (`runner plan` lists them all): give words of a label, e.g. `--only '{}'`",
                exp.name,
                exp.path.display(),
                labels.join(", "),
                exp.runs[0].label.split(' ').next().unwrap_or_default()
            );
        }
    }
    exp.runs
        .retain(|r| only.iter().any(|f| matches(&r.label, f)));
    Ok(())
}
