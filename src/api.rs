//! What `runner` offers as a library: load an experiment, run it, read its records. The
//! binary is this plus printing.

use crate::app::cli::Print;
use crate::app::{self, How, Job, Limits, Ran};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

pub use crate::store::RunRecord as Record;

/// An experiment file, expanded into its runs and checked, with its data loaded; nothing is
/// written until [`Experiment::run`].
pub struct Experiment {
    job: Job,
    path: PathBuf,
    sets: Vec<String>,
}

/// One run of an experiment, before it trains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Its label: the variant and the swept values, e.g. `hidden=[4] seed=3`.
    pub label: String,
    /// Its id: a hash of everything its result depends on.
    pub id: String,
}

impl Experiment {
    /// Reads, expands and checks `path` with `--set`-style overrides (`"train.epochs=500"`,
    /// or several values to sweep: `"model.hidden=[2],[4]"`), for the results folder `out`
    /// (`results/NAME` relative to the current folder when `None`).
    ///
    /// Every problem is reported in the error, as on the command line.
    ///
    /// ```
    /// # fn main() -> anyhow::Result<()> {
    /// let dir = tempfile::tempdir()?;
    /// let file = dir.path().join("bad.toml");
    /// std::fs::write(&file, "[train]\nepochs = 0\n")?;
    /// let err = runner::Experiment::load(&file, &[], None).err().unwrap();
    /// assert!(format!("{err:#}").contains("`0` must be at least 1"));
    /// # Ok(()) }
    /// ```
    pub fn load(path: &Path, sets: &[&str], out: Option<&Path>) -> Result<Experiment> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let job = app::load(path, &sets, &[], out, Limits::of(None, None))?;
        Ok(Experiment {
            job,
            path: path.to_owned(),
            sets,
        })
    }

    /// The experiment's name (`name`, else the file's name).
    pub fn name(&self) -> &str {
        &self.job.exp.name
    }

    /// Where [`Experiment::run`] writes.
    pub fn results_dir(&self) -> &Path {
        &self.job.store.dir
    }

    /// The runs, in sweep order.
    pub fn runs(&self) -> Vec<Run> {
        self.job
            .runs
            .iter()
            .map(|r| Run {
                label: r.spec.label.clone(),
                id: r.spec.id.clone(),
            })
            .collect()
    }

    /// Trains the runs the results folder's store does not hold, on all cores, writes the
    /// result files, and returns every run's record in sweep order. Running it again trains
    /// nothing. Prints nothing but warnings.
    ///
    /// ```
    /// # fn main() -> anyhow::Result<()> {
    /// let dir = tempfile::tempdir()?;
    /// let file = dir.path().join("or.toml");
    /// std::fs::write(
    ///     &file,
    ///     "[data]\nkind = \"or\"\n[model]\nhidden = [3]\n[train]\nepochs = 300\n",
    /// )?;
    /// let out = dir.path().join("results");
    /// let exp = runner::Experiment::load(&file, &["init.seed=1,2"], Some(&out))?;
    /// assert_eq!(exp.runs().len(), 2);
    /// let records = exp.run()?;
    /// for r in &records {
    ///     assert_eq!((r.status.as_str(), r.epochs), ("ok", 300));
    ///     assert!(r.min_loss <= r.final_loss);
    /// }
    /// let runs = std::fs::read_to_string(out.join("runs.csv"))?;
    /// assert_eq!(runs.lines().count(), 3);
    /// // Again: everything comes from the store, byte for byte the same.
    /// let again = runner::Experiment::load(&file, &["init.seed=1,2"], Some(&out))?.run()?;
    /// assert_eq!(again[1].final_loss, records[1].final_loss);
    /// # Ok(()) }
    /// ```
    pub fn run(&self) -> Result<Vec<Record>> {
        let how = How {
            path: &self.path,
            sets: &self.sets,
            only: &[],
            shard: None,
            force: false,
            threads: None,
            lockstep: false,
            print: Print {
                quiet: true,
                json: false,
                ..Default::default()
            },
        };
        match app::execute(&self.job, &how)? {
            Ran::UpToDate(records) | Ran::Finished { records, .. } => Ok(records),
            Ran::Interrupted(n) => bail!(
                "interrupted: {n} runs did not finish; finished runs are kept in `{}`",
                self.job.store.dir.display()
            ),
            Ran::Shard { .. } => unreachable!("no shard was asked for"),
        }
    }
}
