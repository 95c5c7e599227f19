//! The runner, start to finish: read the experiment, load its data, check everything, open the
//! results folder, train what the store does not hold, assemble the files and print the table.

/// `print!` that returns an error (a full disk, `/dev/full`) rather than panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::app::write_stdout(format_args!($($arg)*))
    };
}

pub mod cli;
mod cluster;
mod compare;
mod folder;
mod predict;
mod progress;
pub mod shell;
mod slurm;
mod sweep;
mod table;

use crate::app::cli::{Cli, Command, PlanArgs, Print, RunArgs, Shard};
use crate::config::Spec;
use crate::job::estimate::{self, Timing};
use crate::job::prepare::{self};
use crate::job::saturation;
use crate::job::Columns;
pub use crate::job::{load, Job, Limits};
use crate::report;
use crate::results::{self};
use crate::store::RunRecord;
use anyhow::{bail, Result};
use std::path::Path;
use std::process::ExitCode;

/// Runs the command line; errors are printed by `main`.
pub fn run(mut cli: Cli) -> Result<ExitCode> {
    // Overrides after the experiment are `--set`s, after those given as options.
    let overrides = std::mem::take(&mut cli.args.overrides);
    cli.args.sets.extend(overrides);
    if let Some(Command::Plan(args)) = &mut cli.command {
        let overrides = std::mem::take(&mut args.overrides);
        args.sets.extend(overrides);
    }
    match cli.command {
        Some(Command::Plan(args)) => plan(&args),
        Some(Command::Merge(args)) => folder::merge(&args),
        Some(Command::Status(args)) => folder::status(&args),
        Some(Command::Report(args)) => compare::report(&args),
        Some(Command::Predict(args)) => predict::predict(&args),
        Some(Command::Slurm(args)) => cluster::slurm(&args),
        Some(Command::Completions { shell }) => {
            shell::completions(shell, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            shell::man(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        None if cli.args.dry_run => plan(&PlanArgs::from(&cli.args)),
        None => run_experiment(&cli.args),
    }
}

impl Job {
    /// The files of `report.html` and its figures (none with `[output] report = false`).
    pub fn drawn_files(&self) -> Vec<String> {
        report::files(&self.exp, &self.cols, &self.runs)
    }

    /// Every file assembling may write in the results folder.
    pub fn planned_files(&self) -> Vec<String> {
        results::planned(&self.runs, &self.drawn_files())
    }

    /// Where the report is, when there is one.
    fn report_line(&self) -> Option<String> {
        report::wanted(&self.runs)
            .then(|| format!("report in {}", self.store.dir.join("report.html").display()))
    }
}

/// Writes to stdout, flushed; an error says what happened (a closed pipe ends the process
/// quietly before: `main` restores SIGPIPE).
pub(crate) fn write_stdout(args: std::fmt::Arguments) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(|e| {
        anyhow::anyhow!(
            "cannot write to standard output: {e}; free space where it goes, or send it elsewhere"
        )
    })
}

impl Print {
    /// The final table, as text or JSON lines, on stdout.
    fn table(&self, exp: &Spec, cols: &Columns, records: &[RunRecord]) -> Result<()> {
        table::export::write(&self.exports, exp, cols, records)?;
        if self.json {
            say!("{}", table::json::lines(exp, cols, records))
        } else {
            let text = table::table(exp, cols, records);
            let (head, rest) = text.split_once('\n').unwrap_or((&text, ""));
            say!("{}\n{rest}", crate::color::bold(head))
        }
    }

    /// Where the results are: on stdout after the text table; a note on stderr with `--json`.
    fn place(&self, line: &str) -> Result<()> {
        if !self.json {
            say!("{line}\n")
        } else {
            self.note(line);
            Ok(())
        }
    }

    /// A note on stderr, unless `--quiet`.
    fn note(&self, line: &str) {
        if !self.quiet {
            crate::color::eprint(line);
        }
    }

    /// The table, then where the results and the report are.
    fn finished(&self, job: &Job, records: &[RunRecord], place: &str) -> Result<()> {
        self.table(&job.exp, &job.cols, records)?;
        if let Some(w) = saturation::warning(&job.exp, records) {
            crate::color::eprint(&w);
        }
        self.place(place)?;
        let formats = results::formats(&job.exp, records);
        if formats.csv && !formats.epochs_csv {
            self.note(&format!(
                "note: no epochs.csv: the sweep logs more than {} rows, which epochs.parquet holds in a fraction of the space; set `[output] formats = [\"csv\", \"parquet\"]` to write it too",
                results::EPOCHS_CSV_ROWS
            ));
        }
        if let Some(line) = job.report_line() {
            self.place(&line)?;
        }
        Ok(())
    }
}

fn experiment_path(args: &RunArgs) -> &Path {
    args.experiment
        .as_deref()
        .expect("clap requires the experiment")
}

fn plan(args: &PlanArgs) -> Result<ExitCode> {
    let mut job = load(
        &args.experiment,
        &args.sets,
        &args.only,
        args.out.as_deref(),
        Limits::of(args.threads, args.max_memory),
    )?;
    let total = job.runs.len();
    if let Some(shard) = args.shard {
        // The runs that shard trains, dealt as `--shard` deals them.
        let deal = prepare::deal(&job.runs, shard.count);
        let mut k = 0;
        job.runs.retain(|_| {
            k += 1;
            deal[k - 1] == shard.index
        });
    }
    let state = folder::stored(&job, args.force);
    let stored = if args.force {
        vec![None; job.runs.len()]
    } else {
        job.checksums()
    };
    let time = Timing::of(&job.runs, |i| stored[i].is_none(), job.memory.threads);
    let view = table::Plan {
        exp: &job.exp,
        runs: &job.runs,
        out: &job.store.dir,
        state: &state,
        memory: &job.memory,
        time: &time,
    };
    if args.json {
        say!("{}\n", table::json::plan(&view))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(shard) = args.shard {
        say!(
            "shard {shard}: {} of the sweep's {total} runs, the ones `--shard {shard}` trains\n",
            job.runs.len()
        )?;
    }
    say!("{}", table::plan(&view))?;
    Ok(ExitCode::SUCCESS)
}

fn run_experiment(args: &RunArgs) -> Result<ExitCode> {
    let path = experiment_path(args);
    let mut job = load(
        path,
        &args.sets,
        &args.only,
        args.out.as_deref(),
        Limits::of(args.threads, args.max_memory),
    )?;
    job.store.quiet = args.print.quiet;
    let how = How {
        path,
        sets: &args.sets,
        only: &args.only,
        shard: args.shard,
        force: args.force,
        threads: args.threads,
        lockstep: !args.no_lockstep,
        print: args.print.clone(),
    };
    let dir = job.store.dir.display().to_string();
    match execute(&job, &how)? {
        Ran::UpToDate(records) => {
            args.print
                .finished(&job, &records, &format!("results in {dir} (up to date)"))?;
        }
        Ran::Interrupted(stopped) => {
            crate::color::eprint(&format!(
                "interrupted: {stopped} runs did not finish; finished runs are kept in `{dir}`; run the same command again to resume",
            ));
            return Ok(ExitCode::from(130));
        }
        Ran::Shard { shard, runs, here } => {
            args.print.place(&format!(
                "shard {shard}: {} finished ({here} trained here, {} already stored) in {dir}",
                crate::format::count(runs, "run"),
                runs - here,
            ))?;
            args.print.place(&format!(
                "when every shard has finished: runner merge {dir}"
            ))?;
        }
        Ran::Finished { records, here } => {
            args.print
                .finished(&job, &records, &format!("results in {dir}"))?;
            let reused = job.runs.len() - here;
            if reused > 0 {
                args.print.note(&format!(
                    "{} reused from the store, {here} trained",
                    crate::format::count(reused, "run"),
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How to run a loaded experiment.
pub struct How<'a> {
    /// The experiment file, remembered for `merge` and `status`.
    pub path: &'a Path,
    pub sets: &'a [String],
    pub only: &'a [String],
    pub shard: Option<Shard>,
    pub force: bool,
    pub threads: Option<u16>,
    /// Runs of one shape trained in lockstep groups (the results are the same).
    pub lockstep: bool,
    pub print: Print,
}

/// What running an experiment came to.
pub enum Ran {
    /// Every run was stored and the files were already assembled: nothing was written.
    UpToDate(Vec<RunRecord>),
    /// Ctrl-C stopped this many runs; the finished ones are stored.
    Interrupted(usize),
    /// A shard finished: its `runs`, `here` of them trained by this process.
    Shard {
        shard: Shard,
        runs: usize,
        here: usize,
    },
    /// Every run finished and the files are assembled; `here` runs trained by this process.
    Finished {
        records: Vec<RunRecord>,
        here: usize,
    },
}

/// Trains what the store lacks and assembles the result files; prints only the progress bar,
/// warnings and notes that `how.print` allows.
pub fn execute(job: &Job, how: &How) -> Result<Ran> {
    folder::refuse_inputs_inside(job)?;
    // A finished experiment run again: the files are up to date, nothing is written.
    if how.shard.is_none() && !how.force {
        if let Some(records) = finished(job) {
            if results::up_to_date(
                &job.store,
                &results::key(&job.exp, records.iter().map(RunRecord::checksum)),
            ) {
                return Ok(Ran::UpToDate(records));
            }
        }
    }
    results::precheck(&job.store, &job.exp, &job.planned_files(), how.force)?;
    job.store.create()?;
    let _live = occupy(job)?;
    folder::remember(job, how.path, how.sets, how.only, how.shard)?;
    let deal = how.shard.map(|s| prepare::deal(&job.runs, s.count));
    let mine = |i: usize| match (&deal, how.shard) {
        (Some(d), Some(s)) => d[i] == s.index,
        _ => true,
    };
    let mut records = if how.force {
        vec![None; job.runs.len()]
    } else {
        job.stored(mine, Some("training it again"))
    };
    let todo: Vec<usize> = (0..job.runs.len())
        .filter(|&i| mine(i) && records[i].is_none())
        .collect();
    let trained = sweep::train_all(
        job,
        &todo,
        how.threads,
        how.print.quiet,
        !how.force,
        how.lockstep,
    )?;
    for (i, rec) in trained.records {
        records[i] = rec;
    }
    let stopped = todo.iter().filter(|&&i| records[i].is_none()).count();
    if stopped > 0 {
        return Ok(Ran::Interrupted(stopped));
    }
    if let Some(shard) = how.shard {
        let runs = (0..job.runs.len()).filter(|&i| mine(i)).count();
        return Ok(Ran::Shard {
            shard,
            runs,
            here: trained.here,
        });
    }
    let mut records: Vec<RunRecord> = records.into_iter().flatten().collect();
    saturation::mark(&job.runs, &mut records);
    assemble(job, &records, how.force, how.print.clone())?;
    Ok(Ran::Finished {
        records,
        here: trained.here,
    })
}

/// Assembles the files, then prints the table and where they are.
fn finish(job: &Job, records: &[RunRecord], force: bool, print: Print) -> Result<()> {
    assemble(job, records, force, print.clone())?;
    print.finished(
        job,
        records,
        &format!("results in {}", job.store.dir.display()),
    )?;
    Ok(())
}

/// Holds the results folder for this experiment while the process writes into it: another
/// experiment's process is refused meanwhile ([`crate::store::Live`]).
fn occupy(job: &Job) -> Result<crate::store::Live> {
    let what = format!(
        "experiment `{}` (`{}`)",
        job.exp.name,
        std::fs::canonicalize(&job.exp.path)
            .unwrap_or_else(|_| job.exp.path.clone())
            .display()
    );
    Ok(job.store.occupy(&results::fingerprint(&job.exp), &what)?)
}

/// Writes the result files from the records.
fn assemble(job: &Job, records: &[RunRecord], force: bool, print: Print) -> Result<()> {
    let draw = || {
        report::render(&report::Inputs {
            exp: &job.exp,
            cols: &job.cols,
            runs: &job.runs,
            records,
            sources: &[report::Source {
                store: &job.store,
                runs: job.runs.len(),
                metrics: Vec::new(),
            }],
            compared: &[],
        })
    };
    let drawn = results::Drawn {
        names: job.drawn_files(),
        draw: &draw,
    };
    let replaced = results::assemble(
        &job.store, &job.exp, &job.cols, &job.runs, records, &drawn, force,
    )?;
    if let Some(other) = replaced {
        print.note(&format!(
            "note: the files in `{}` described experiment `{other}` and now describe `{}`; `{other}`'s runs stay stored, and its command reassembles them at once",
            job.store.dir.display(),
            job.exp.name
        ));
    }
    Ok(())
}

/// Every run's record when every one is stored and verified.
fn finished(job: &Job) -> Option<Vec<RunRecord>> {
    let mut records: Vec<RunRecord> = job
        .stored(|_| true, None)
        .into_iter()
        .collect::<Option<_>>()?;
    saturation::mark(&job.runs, &mut records);
    Some(records)
}

/// Refuses when some runs are missing, naming them and the fix.
fn require_all(job: &Job, records: &[Option<RunRecord>], shards: Option<usize>) -> Result<()> {
    let missing: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let deal = shards.map(|n| prepare::deal(&job.runs, n));
    let mut names: Vec<String> = missing
        .iter()
        .take(5)
        .map(|&i| match &deal {
            Some(d) => format!(
                "`{}` (shard {}/{})",
                job.runs[i].spec.label,
                d[i],
                shards.unwrap_or(1)
            ),
            None => format!("`{}`", job.runs[i].spec.label),
        })
        .collect();
    if missing.len() > 5 {
        names.push(format!("and {} more", missing.len() - 5));
    }
    bail!(
        "experiment `{}` (`{}`): {} of {} runs are not finished in `{}`: {}; run their shards again, or run the experiment without `--shard` to train what is missing (`runner status {}` lists them)",
        job.exp.name,
        job.exp.path.display(),
        missing.len(),
        job.runs.len(),
        job.store.dir.display(),
        names.join(", "),
        job.store.dir.display()
    )
}

/// Training estimated at more than this many seconds is announced before it starts.
const LONG: f64 = 3600.0;

/// A warning when the runs `todo` are estimated to train for more than [`LONG`]. runner's speed
/// is measured (about 40 ms) only when even a bound faster than any machine gives a minute.
fn long_sweep(job: &Job, todo: &[usize]) -> Option<String> {
    let threads = job.memory.threads;
    // Faster than runner on any machine of this kind: an activation at 0.5 ns, a weight's
    // six flops at 300 GFLOP/s.
    let fastest = estimate::Speed {
        per_step: 1e-7,
        per_unit: 5e-10,
        per_weight: 2e-11,
    };
    if fastest.sweep_seconds(todo.iter().map(|&i| &job.runs[i]), threads) < 60.0 {
        return None;
    }
    let mut left = vec![false; job.runs.len()];
    todo.iter().for_each(|&i| left[i] = true);
    let time = Timing::of(&job.runs, |i| left[i], threads);
    (time.seconds > LONG).then(|| {
        format!(
            "warning: training is estimated at about {} ({} on {}); `runner plan` shows each run's work; Ctrl-C stops cleanly, and the same command resumes, keeping finished runs",
            crate::format::human(time.seconds),
            crate::format::count(time.to_train, "run"),
            crate::format::count(threads, "thread"),
        )
    })
}
