//! A job: an experiment loaded, expanded and checked, its memory budgeted before any data is
//! loaded, its data prepared once and its runs given their final ids, with the results folder's
//! store. The layers above (training, results, the report and the commands) take a [`Job`] by
//! reference.

pub mod budget;
mod columns;
pub mod prepare;

pub use columns::{companion_values, companions, Columns};

use crate::config::{self, Experiment};
use crate::store::Store;
use anyhow::{anyhow, Result};
use prepare::Prepared;
use std::path::{Path, PathBuf};

/// An experiment with its prepared runs and its results folder.
pub struct Job {
    pub exp: Experiment,
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
pub fn load(path: &Path, sets: &[String], out: Option<&Path>, limits: Limits) -> Result<Job> {
    let sets = sets
        .iter()
        .map(|s| config::parse_set(s).map_err(|e| anyhow!("--set: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let mut exp = config::load(path, &sets)?;
    let memory = budget::estimate(&exp, limits.threads);
    budget::check(&memory, limits.max_memory, path).map_err(|e| anyhow!(e))?;
    let runs = prepare::prepare(&mut exp)?;
    let out = out.map_or_else(|| PathBuf::from("results").join(&exp.name), Path::to_owned);
    let classes = runs.iter().any(|r| r.data.train.is_classification());
    let cols = Columns::new(&exp, classes);
    Ok(Job {
        exp,
        memory,
        runs,
        store: Store::at(&out),
        cols,
    })
}
