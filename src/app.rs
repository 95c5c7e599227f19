//! The runner, start to finish: read the experiment, load its data, check everything, open the
//! results folder, train the runs on a rayon pool, assemble the files and print the table.

use crate::cli::Cli;
use crate::config::{self, ConfigError, Experiment, Problem, RunSpec};
use crate::data::Loaded;
use crate::network::Architecture;
use crate::output::{self, Columns, EpochSink, RunRecord, Store};
use crate::report;
use crate::train::{self, Status};
use anyhow::{anyhow, Context, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
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
    let sets = cli
        .sets
        .iter()
        .map(|s| config::parse_set(s).map_err(|e| anyhow!("--set: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let exp = config::load(&cli.experiment, &sets)?;
    let runs = prepare(&exp)?;
    let out = cli
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&exp.name));
    let store = Store::open(&out, &fingerprint(&exp), cli.force)?;
    let cols = Columns::new(&exp, runs.iter().any(|r| r.data.train.is_classification()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cli.threads.unwrap_or(0))
        .build()
        .context("cannot start the thread pool")?;
    let records: Vec<RunRecord> = pool.install(|| {
        runs.par_iter()
            .map(|r| match store.finished(&r.spec.id) {
                Some(done) => Ok(done),
                None => train_run(r, &store, &cols),
            })
            .collect::<Result<_>>()
    })?;
    output::assemble(&store, &exp, &cols, &records)?;
    print!("{}", report::runs_table(&exp, &records));
    println!("results in {}", store.dir.display());
    Ok(ExitCode::SUCCESS)
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
            p.origin = p
                .origin
                .take()
                .or_else(|| (exp.runs.len() > 1).then(|| format!("run `{}`", spec.label)));
        }
        problems.extend(found);
        prepared.push(Prepared {
            arch: spec.model.architecture(train.inputs, train.outputs),
            spec: spec.clone(),
            data,
        });
    }
    problems.dedup_by(|a, b| a.key == b.key && a.message == b.message);
    if !problems.is_empty() {
        return Err(ConfigError::Invalid {
            path: exp.path.clone(),
            problems,
        }
        .into());
    }
    Ok(prepared)
}

/// Which experiment a results folder belongs to: its name and its runs' ids.
fn fingerprint(exp: &Experiment) -> String {
    let mut h = Sha256::new();
    h.update(exp.name.as_bytes());
    for r in &exp.runs {
        h.update(b"\n");
        h.update(r.id.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Trains one run, streaming its epochs to the store, and marks it finished.
fn train_run(r: &Prepared, store: &Store, cols: &Columns) -> Result<RunRecord> {
    let start = Instant::now();
    let spec = &r.spec;
    let params = spec.init.initialize(&r.arch.layers(), &r.data.rng);
    let partial = store.partial_epochs(&spec.id);
    let mut sink = EpochSink::create(&partial, cols)
        .with_context(|| format!("cannot write `{}`", partial.display()))?;
    let mut failed = None;
    let outcome = train::train(
        &r.arch,
        params,
        &spec.train,
        &r.data,
        spec.every,
        spec.predict.as_deref(),
        |row| match sink.write(row) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
    );
    if let Some(e) = failed {
        return Err(e).with_context(|| format!("cannot write `{}`", partial.display()));
    }
    sink.close()
        .with_context(|| format!("cannot write `{}`", partial.display()))?;
    let (status, diverged_epoch) = match outcome.status {
        Status::Ok => ("ok", None),
        Status::Diverged { epoch } => ("diverged", Some(epoch)),
        Status::Stopped => ("stopped", None),
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
    Ok(record)
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
