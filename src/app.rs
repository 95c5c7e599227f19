//! The runner, start to finish: read the experiment, load its data, check everything, open the
//! results folder, train the runs on a rayon pool, assemble the files and print the table.

use crate::cli::{Cli, Command, RunArgs};
use crate::config::{self, ConfigError, Experiment, Problem, RunSpec};
use crate::data::Loaded;
use crate::network::Architecture;
use crate::output::{self, Columns, EpochSink, RunRecord, Store};
use crate::progress::{self, Ticker};
use crate::report;
use crate::train::{self, Status};
use anyhow::{anyhow, Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// A run ready to train: its spec, data and shape.
pub struct Prepared {
    pub spec: RunSpec,
    pub data: Arc<Loaded>,
    pub arch: Architecture,
}

/// Runs the command line; errors are printed by `main`.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let (args, plan) = match cli.command {
        Some(Command::Plan(args)) => (args, true),
        None => {
            let plan = cli.args.dry_run;
            (cli.args, plan)
        }
    };
    let path = args
        .experiment
        .clone()
        .expect("clap requires the experiment");
    let sets = args
        .sets
        .iter()
        .map(|s| config::parse_set(s).map_err(|e| anyhow!("--set: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let exp = config::load(&path, &sets)?;
    let runs = prepare(&exp)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&exp.name));
    if plan {
        print!("{}", report::plan(&exp, &runs, &out));
        return Ok(ExitCode::SUCCESS);
    }
    let store = Store::open(&out, &fingerprint(&exp), args.force)?;
    let cols = Columns::new(&exp, runs.iter().any(|r| r.data.train.is_classification()));
    let records = train_all(&runs, &store, &cols, &args)?;
    let finished: Vec<RunRecord> = records.into_iter().flatten().collect();
    if finished.len() < runs.len() {
        eprintln!(
            "interrupted: {} of {} runs finished and are kept in `{}`; run the same command again to resume",
            finished.len(),
            runs.len(),
            store.dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    output::assemble(&store, &exp, &cols, &finished)?;
    print!("{}", report::table(&exp, &cols, &finished));
    println!("results in {}", store.dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Trains the runs not finished before on a rayon pool, with a progress bar; `None` for runs
/// stopped by Ctrl-C.
fn train_all(
    runs: &[Prepared],
    store: &Store,
    cols: &Columns,
    args: &RunArgs,
) -> Result<Vec<Option<RunRecord>>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start the thread pool")?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        // Ctrl-C starts nothing new: runs in flight stop at their next epoch and are dropped,
        // finished ones stay on disk.
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    let before: Vec<Option<RunRecord>> = runs.iter().map(|r| store.finished(&r.spec.id)).collect();
    let total: u64 = runs.iter().map(|r| r.spec.train.epochs as u64).sum();
    let bar = progress::bar(total, runs.len(), args.quiet);
    let done = AtomicUsize::new(0);
    // Parallelism at one level: across runs when there are enough to fill the pool, else also
    // across each run's blocks (the results are the same either way).
    let todo = before.iter().filter(|r| r.is_none()).count();
    let parallel = todo < pool.current_num_threads();
    let records = pool.install(|| {
        runs.par_iter()
            .zip(before)
            .map(|(r, earlier)| {
                let record = match earlier {
                    Some(rec) => {
                        bar.inc(r.spec.train.epochs as u64);
                        Some(rec)
                    }
                    None => train_run(r, store, cols, &bar, &stop, parallel)?,
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress::runs_done(&bar, n, runs.len());
                Ok(record)
            })
            .collect::<Result<_>>()
    });
    bar.finish_and_clear();
    records
}

/// Loads each distinct data set once and checks what only the data can tell.
pub fn prepare(exp: &Experiment) -> Result<Vec<Prepared>> {
    let mut cache: Vec<(crate::data::DataSpec, Arc<Loaded>)> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut prepared = Vec::new();
    for spec in &exp.runs {
        let data = match cache.iter().find(|(d, _)| d == &spec.data) {
            Some((_, l)) => l.clone(),
            None => {
                let loaded = Arc::new(
                    spec.data
                        .load()
                        .with_context(|| format!("experiment `{}`", exp.path.display()))?,
                );
                cache.push((spec.data.clone(), loaded.clone()));
                loaded
            }
        };
        let (train, rows) = (
            &data.train,
            data.train.rows + data.test.as_ref().map_or(0, |t| t.rows),
        );
        let mut found = config::check_data(spec, train.inputs, train.outputs, rows);
        for p in &mut found {
            p.origin = spec.provenance.of(&p.key);
        }
        problems.extend(found);
        prepared.push(Prepared {
            arch: spec.model.architecture(train.inputs, train.outputs),
            spec: spec.clone(),
            data,
        });
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid {
            path: exp.path.clone(),
            problems: config::merge(problems),
        }
        .into());
    }
    Ok(prepared)
}

/// Which experiment a results folder belongs to: its name and its runs' ids.
pub fn fingerprint(exp: &Experiment) -> String {
    let mut h = Sha256::new();
    h.update(exp.name.as_bytes());
    for r in &exp.runs {
        h.update(b"\n");
        h.update(r.id.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Trains one run, streaming its epochs to the store, and marks it finished. Returns `None`
/// when stopped: a stopped run leaves no trace and is redone on resume.
fn train_run(
    r: &Prepared,
    store: &Store,
    cols: &Columns,
    bar: &ProgressBar,
    stop: &AtomicBool,
    parallel: bool,
) -> Result<Option<RunRecord>> {
    let start = Instant::now();
    let spec = &r.spec;
    let params = spec.init.initialize(&r.arch.layers(), &r.data.rng);
    let partial = store.partial_epochs(&spec.id);
    let cannot_write = || format!("cannot write `{}`", partial.display());
    let mut sink = EpochSink::create(&partial, cols).with_context(cannot_write)?;
    let mut failed = None;
    let mut ticker = Ticker::new(bar);
    let outcome = train::train_in_precision(
        &r.arch,
        params,
        &spec.train,
        &r.data,
        train::Options {
            every: spec.every,
            parallel,
        },
        spec.predict.as_deref(),
        |_, row| {
            ticker.tick();
            if let Some(Err(e)) = row.map(|row| sink.write(row)) {
                failed = Some(e);
                return ControlFlow::Break(());
            }
            if stop.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        },
    );
    drop(ticker);
    if let Some(e) = failed {
        return Err(e).with_context(cannot_write);
    }
    if outcome.status == Status::Stopped {
        drop(sink);
        let _ = std::fs::remove_file(&partial);
        return Ok(None);
    }
    sink.close().with_context(cannot_write)?;
    let (status, diverged_epoch) = match outcome.status {
        Status::Diverged { epoch } => ("diverged", Some(epoch)),
        _ => ("ok", None),
    };
    let record = RunRecord {
        id: spec.id.clone(),
        status: status.into(),
        diverged_epoch,
        epochs: outcome.epochs,
        final_loss: outcome.last.loss,
        min_loss: outcome.min_loss,
        accuracy: outcome.last.accuracy,
        test_loss: outcome.last.test_loss,
        test_accuracy: outcome.last.test_accuracy,
        epochs_to_target: outcome.reached_target,
        seconds: start.elapsed().as_secs_f64(),
        predictions: outcome.predictions,
    };
    store.finish(&record)?;
    Ok(Some(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;
    use crate::network::transpose;

    #[test]
    fn moons_experiment_data_and_initial_weights_equal_numpy() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("experiments/moons.toml");
        let exp = config::load(&path, &[]).unwrap();
        let runs = prepare(&exp).unwrap();
        let fx = Fixture::load("data.toml");
        let hidden = runs.iter().find(|r| r.spec.label == "hidden").unwrap();
        fx.assert_exact("moons_100_noise_0.1_seed_0_x", &hidden.data.train.x);
        fx.assert_exact("moons_100_noise_0.1_seed_0_y", &hidden.data.train.y);
        let p = hidden
            .spec
            .init
            .initialize(&hidden.arch.layers(), &hidden.data.rng);
        // numpy's rand(2, 4) then rand(4, 1), row-major; runner stores weights column-major.
        let wh = transpose(fx.get("moons_100_noise_0.1_seed_0_then_rand_2x4"), 2, 4);
        fx.assert_exact("moons_100_noise_0.1_seed_0_then_rand_4x1", &p[8..]);
        assert_eq!(&p[..8], &wh[..]);
    }
}
