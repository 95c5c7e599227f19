//! Command-line arguments, as parsed (clap derive). [`crate::app::run`] checks and uses them.

use clap::{Args, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use std::path::PathBuf;

/// Shown after `runner --help`: examples, where results go, the exit codes.
const AFTER_HELP: &str = "\
Examples:
  runner experiments/moons.toml                       train, write results/moons/
  runner experiments/moons.toml --set 'train.epochs=200'
  runner experiments/moons.toml --set 'model.hidden=[2],[8]' --set 'init.seed=1,2,3'
  runner plan experiments/moons.toml                  show the runs, train nothing
  runner experiments/moons.toml --json | jq .final_loss

Quote every --set value: [ ] and * are glob characters in bash and zsh.

Where results go:
  results/NAME/ in the current folder (NAME is the experiment's `name`, else the file name),
  or --out DIR. Data files named in the experiment are read relative to the experiment file.
  Trained runs are stored in DIR/.runner/, so running the same command again reuses them.

Exit codes:
  0    success (also when everything was reused)
  1    the experiment, the data or the folder was refused, or a run could not be written;
       the message names the file, the key or line, the value and the fix
  2    the command line itself is wrong (an unknown option, a missing file argument)
  130  interrupted (Ctrl-C); finished runs are kept, the same command resumes

Output:
  stdout: the final table (or JSON lines with --json) and where the results are.
  stderr: the progress bar, notes, warnings and errors; --quiet leaves only warnings and
  errors.

More: the README, `runner completions bash|zsh|fish`, `runner man`.";

/// Train small neural networks from a TOML experiment file; write per-epoch CSV.
#[derive(Debug, Parser)]
#[command(
    name = "runner",
    version,
    about,
    after_long_help = AFTER_HELP,
    after_help = "Examples, exit codes and where results go: runner --help",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Colour the messages' prefixes and the table's header: `auto` on a terminal unless
    /// NO_COLOR is set, `always`, or `never`.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: crate::color::When,
    #[command(flatten)]
    pub args: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the runs an experiment expands into, the work, and where outputs go; train nothing.
    Plan(PlanArgs),
    /// Assemble the result files of a sharded sweep once its shards have finished.
    Merge(FolderArgs),
    /// Show how much of the sweep last run in a results folder is finished, per shard.
    Status(StatusArgs),
    /// Rebuild `report.html` and `plots/` (and the other result files) from a results folder
    /// whose runs are all finished; trains nothing. With several folders and --out DIR, one
    /// report comparing them.
    Report(ReportArgs),
    /// Outputs of trained runs for new rows: `runner predict results/iris --input new.csv`.
    Predict(PredictArgs),
    /// Write a Slurm job array that trains the sweep in N shards, and a merge job after it;
    /// with --submit, submit both.
    Slurm(SlurmArgs),
    /// Print the script that makes a shell complete runner's subcommands, files, options and
    /// override keys (`train.epochs=`): `source <(runner completions bash)` in ~/.bashrc.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print runner's man page (roff): `runner man > ~/.local/share/man/man1/runner.1`.
    Man,
}

/// `runner slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// The experiment file.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub experiment: PathBuf,

    /// Tasks in the array: the sweep's runs are dealt into this many shards of equal work.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub array: u32,

    /// Results folder, on a filesystem every node shares [default: `results/NAME`].
    #[arg(long, value_name = "DIR")]
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    /// Override or sweep a key, as for a local run. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    #[arg(add = ArgValueCompleter::new(crate::app::shell::override_keys))]
    pub sets: Vec<String>,

    /// Slurm partition [default: the cluster's default].
    #[arg(long)]
    pub partition: Option<String>,

    /// Slurm account to charge.
    #[arg(long)]
    pub account: Option<String>,

    /// Wall-clock limit per task, as sbatch reads it [default: three times the estimated time of
    /// the largest shard, at least 10 minutes].
    #[arg(long, value_parser = crate::app::slurm::parse_time)]
    pub time: Option<String>,

    /// CPUs per task; each task trains this many runs at once.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub cpus_per_task: u32,

    /// Memory per task, as sbatch reads it (`2G`) [default: the cluster's default].
    #[arg(long, value_parser = crate::app::slurm::parse_mem)]
    pub mem: Option<String>,

    /// The runner binary the tasks run, on a path every node sees [default: this binary].
    #[arg(long, value_name = "PATH")]
    #[arg(value_hint = clap::ValueHint::ExecutablePath)]
    pub runner: Option<PathBuf>,

    /// An extra `#SBATCH` line, e.g. `--sbatch=--qos=long`. Repeatable.
    #[arg(long = "sbatch", value_name = "LINE", allow_hyphen_values = true,
          value_parser = crate::app::slurm::parse_extra)]
    pub extra: Vec<String>,

    /// Submit the array and the merge with sbatch, and print their job ids.
    #[arg(long)]
    pub submit: bool,
}

/// `runner predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The results folder of a trained experiment, e.g. results/iris.
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,

    /// A CSV file of new rows: the input columns by the names the training file's header gave
    /// them (other columns ignored), or, without a header, just the inputs in order.
    #[arg(long, short, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub input: PathBuf,

    /// The run to predict with: its label (`'hidden seed=0'`, as in runs.csv) or id (or the id's
    /// first 4+ digits). Repeatable [default: every run].
    #[arg(long = "run", value_name = "LABEL|ID")]
    pub runs: Vec<String>,

    /// The one character between the input file's values: `;`, `tab`, … (the predictions are
    /// written with commas).
    #[arg(long, value_name = "C", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,

    /// Write the predictions to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// No note of where the predictions went.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--delimiter`: one ASCII character, or `tab`.
fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "`{s}` is not one character; give e.g. `--delimiter ';'` or `--delimiter tab`"
        )),
    }
}

/// A results folder whose table is printed again.
#[derive(Debug, Args)]
pub struct FolderArgs {
    /// The results folder, e.g. results/moons_sweep.
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,

    #[command(flatten)]
    pub print: Print,
}

/// `runner report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results folder, e.g. results/moons_sweep; several, with --out, to compare them.
    #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath, required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,

    /// Write one report over all the folders into DIR (its `report.html` and `plots/`),
    /// configurations labelled by folder; the folders are only read.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    /// With --out: replace files of an earlier comparison there even if they were edited since
    /// (never a file runner did not write).
    #[arg(long, requires = "out")]
    pub force: bool,

    #[command(flatten)]
    pub print: Print,
}

/// A results folder.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The results folder, e.g. results/moons_sweep.
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,

    /// Print the status as one JSON object on stdout: finished and total runs, per shard, the
    /// missing runs (all of them), and whether the files are up to date.
    #[arg(long)]
    pub json: bool,
}

/// What a command prints besides warnings and errors.
#[derive(Clone, Debug, Default, Args)]
pub struct Print {
    /// Quiet: no progress bar and no notes; stderr carries only warnings and errors, stdout
    /// still the table.
    #[arg(long, short)]
    pub quiet: bool,

    /// Print the final table as JSON lines on stdout (one object per row), and nothing else
    /// there; where the results are goes to stderr.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub exports: Exports,
}

/// The table written to files, as hyperfine exports its results.
#[derive(Debug, Args, Clone, Default)]
pub struct Exports {
    /// Write the final table to FILE as a JSON document (`{"rows": […]}`, the `--json` objects).
    #[arg(long, value_name = "FILE")]
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub export_json: Option<PathBuf>,

    /// Write the final table to FILE as CSV (statistics as `<metric>_mean`, `_std`, `_n`).
    #[arg(long, value_name = "FILE")]
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub export_csv: Option<PathBuf>,

    /// Write the final table to FILE as a Markdown table, as printed.
    #[arg(long, value_name = "FILE")]
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub export_markdown: Option<PathBuf>,
}

/// `--shard K/N`: the K-th of N shards, K from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!("`{s}` is not K/N with 0 <= K < N (shards count from 0), e.g. `--shard 0/4`")
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `runner plan`: the options that change what a plan says.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The experiment file, e.g. experiments/moons.toml.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub experiment: PathBuf,

    /// Overrides after the experiment, as for a run (`train.epochs=500`); the same as `--set`.
    #[arg(value_name = "KEY=VALUES")]
    #[arg(add = ArgValueCompleter::new(crate::app::shell::override_keys))]
    pub overrides: Vec<String>,

    /// Folder the results would go to [default: `results/NAME`].
    #[arg(long, value_name = "DIR")]
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    /// Plan as `--force` would run: every run trained afresh.
    #[arg(long)]
    pub force: bool,

    /// Only the runs shard K of N trains (K from 0), as `--shard K/N` deals them.
    #[arg(long, value_name = "K/N", allow_hyphen_values = true)]
    pub shard: Option<Shard>,

    /// Override or sweep a key, as for a run. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    #[arg(add = ArgValueCompleter::new(crate::app::shell::override_keys))]
    pub sets: Vec<String>,

    /// Only the runs whose label has these words, e.g. `--only 'hidden=[4]'`, `--only
    /// perceptron`, `--only 'hidden=[4] seed=1'`. Repeatable: a run any filter names.
    #[arg(long = "only", value_name = "WORDS")]
    pub only: Vec<String>,

    /// Runs trained at once, 1 to 1024, for the memory estimate [default: all cores].
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,

    /// The memory limit to check the estimate against (`32G`, `512M`) [default: the memory
    /// free].
    #[arg(long, value_name = "SIZE", value_parser = crate::job::budget::parse_size)]
    pub max_memory: Option<u64>,

    /// Print the plan as one JSON object on stdout: the experiment, the folder, the work, the
    /// memory and each run's label, id, epochs, rows, parameters and work.
    #[arg(long)]
    pub json: bool,
}

impl From<&RunArgs> for PlanArgs {
    fn from(a: &RunArgs) -> PlanArgs {
        PlanArgs {
            experiment: a.experiment.clone().unwrap_or_default(),
            overrides: a.overrides.clone(),
            shard: a.shard,
            out: a.out.clone(),
            force: a.force,
            sets: a.sets.clone(),
            only: a.only.clone(),
            threads: a.threads,
            max_memory: a.max_memory,
            json: a.print.json,
        }
    }
}

/// What to run, and how.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment file, e.g. experiments/moons.toml.
    #[arg(required = true)]
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub experiment: Option<PathBuf>,

    /// Overrides after the experiment, as Hydra writes them: `train.epochs=500`,
    /// `model.hidden=[2],[4]` (a sweep), `init.seed=range(0,5)`, `data.kind=choice(moons,circles)`.
    /// The same as `--set KEY=VALUES`.
    #[arg(value_name = "KEY=VALUES")]
    #[arg(add = ArgValueCompleter::new(crate::app::shell::override_keys))]
    pub overrides: Vec<String>,

    /// Folder for the results [default: `results/NAME`, NAME from the experiment].
    #[arg(long, value_name = "DIR")]
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    /// Train this experiment's runs afresh instead of reusing stored ones, and replace result
    /// files runner wrote even if they were edited since.
    #[arg(long)]
    pub force: bool,

    /// Train only shard K of N (K from 0) and leave assembling to `runner merge DIR`.
    #[arg(long, value_name = "K/N", allow_hyphen_values = true)]
    pub shard: Option<Shard>,

    /// Override a key (`train.epochs=500`), or sweep it with several values
    /// (`model.hidden=[2],[4]`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    #[arg(add = ArgValueCompleter::new(crate::app::shell::override_keys))]
    pub sets: Vec<String>,

    /// Only the runs whose label has these words, e.g. `--only 'hidden=[4]'`, `--only
    /// perceptron`, `--only 'hidden=[4] seed=1'`. Repeatable: a run any filter names.
    #[arg(long = "only", value_name = "WORDS")]
    pub only: Vec<String>,

    /// Runs trained at once, 1 to 1024 [default: all cores].
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,

    /// Refuse experiments estimated to need more memory than SIZE (`32G`, `512M`)
    /// [default: the memory free when runner starts].
    #[arg(long, value_name = "SIZE", value_parser = crate::job::budget::parse_size)]
    pub max_memory: Option<u64>,

    /// Train every run alone, not runs of one shape in lockstep groups (the default; see the
    /// README's Sweeps). The results are byte for byte the same either way.
    #[arg(long, overrides_with = "lockstep")]
    pub no_lockstep: bool,

    /// Train runs of one shape in lockstep groups: the default, and so only undoes an earlier
    /// `--no-lockstep`.
    #[arg(long, overrides_with = "no_lockstep", hide = true)]
    pub lockstep: bool,

    #[command(flatten)]
    pub print: Print,

    /// Same as `runner plan`: show the runs, train nothing.
    #[arg(long)]
    pub dry_run: bool,
}
