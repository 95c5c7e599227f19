//! Command-line arguments, as parsed (clap derive). [`crate::app::run`] checks and uses them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Train small neural networks from a TOML experiment file; write per-epoch CSV.
#[derive(Debug, Parser)]
#[command(
    name = "runner",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub args: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the runs an experiment expands into, the work, and where outputs go; train nothing.
    Plan(RunArgs),
}

/// What to run, and how.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment file, e.g. experiments/moons.toml.
    #[arg(required = true)]
    pub experiment: Option<PathBuf>,

    /// Folder for the results [default: `results/NAME`, NAME from the experiment].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Replace the results in the output folder (of this or a different experiment) and train
    /// everything afresh.
    #[arg(long)]
    pub force: bool,

    /// Override a key (`train.epochs=500`), or sweep it with several values
    /// (`model.hidden=[2],[4]`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub sets: Vec<String>,

    /// Runs trained at once [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,

    /// Same as `runner plan`: show the runs, train nothing.
    #[arg(long)]
    pub dry_run: bool,
}
