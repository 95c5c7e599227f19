//! Training a sweep's runs on a rayon pool, each streamed into the store. Runs are claimed
//! first, so that processes sharing a folder never train one run at the same time.

use super::Job;
use crate::app::progress::{self, Ticker};
use crate::job::prepare::Prepared;
use crate::results::EpochSink;
use crate::store::{Claim, Claimed, RunRecord, RunStatus};
use crate::train::{self, Status};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What [`train_all`] did.
pub struct Trained {
    /// Each run's record, by index into `job.runs`; `None` for runs stopped by Ctrl-C.
    pub records: Vec<(usize, Option<RunRecord>)>,
    /// How many runs this process trained (the others another process finished meanwhile).
    pub here: usize,
}

/// Trains the runs `todo` (indices into `job.runs`) on a pool of `threads`, with a progress
/// bar. Runs another process is training are waited for, after the rest. `reuse`: a run
/// found finished once claimed is taken as it is (else, with `--force`, trained again).
pub fn train_all(
    job: &Job,
    todo: &[usize],
    threads: Option<u16>,
    quiet: bool,
    reuse: bool,
) -> Result<Trained> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map_or(0, usize::from))
        .build()
        .context("cannot start the thread pool")?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        // Ctrl-C starts nothing new: runs in flight stop at their next epoch and are dropped,
        // finished ones stay on disk.
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    // Said once Ctrl-C is handled, so that a reader can stop cleanly at once.
    if let Some(warning) = super::long_sweep(job, todo) {
        crate::color::eprint(&warning);
    }
    let total: u64 = todo
        .iter()
        .map(|&i| job.runs[i].spec.train.epochs as u64)
        .sum();
    let bar = progress::bar(total, todo.len(), quiet);
    let done = AtomicUsize::new(0);
    // Parallelism at one level: across runs when there are enough to fill the pool, else also
    // across each run's blocks (the results are the same either way).
    let spread = if todo.len() < pool.current_num_threads() {
        train::Spread::Pool
    } else {
        train::Spread::OneThread
    };
    let busy = Mutex::new(Vec::new());
    let ctx = Ctx {
        job,
        bar: &bar,
        stop: &stop,
        spread,
        here: AtomicUsize::new(0),
    };
    let count = |n: usize| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        progress::runs_done(&bar, d, todo.len());
    };
    let mut records: Vec<(usize, Option<RunRecord>)> = pool
        .install(|| {
            todo.par_iter()
                .map(|&i| {
                    let out = match job.store.claim(&job.runs[i].spec.id, false, reuse)? {
                        Claimed::Busy => {
                            busy.lock().expect("not poisoned").push(i);
                            return Ok(None);
                        }
                        Claimed::Done(r) => Some(*r),
                        Claimed::Mine(claim) => ctx.train_run(i, claim)?,
                    };
                    count(1);
                    Ok(Some((i, out)))
                })
                .collect::<Result<Vec<_>>>()
        })?
        .into_iter()
        .flatten()
        .collect();
    // Runs another process was training: wait for it, then take its result, or train the run
    // here if it gave up.
    let busy = busy.into_inner().expect("not poisoned");
    let waited: Vec<(usize, Option<RunRecord>)> = pool.install(|| {
        busy.par_iter()
            .map(|&i| {
                if stop.load(Ordering::Relaxed) {
                    return Ok((i, None));
                }
                let out = match job.store.claim(&job.runs[i].spec.id, true, reuse)? {
                    Claimed::Busy => unreachable!("a waiting claim is never busy"),
                    Claimed::Done(r) => Some(*r),
                    Claimed::Mine(claim) => ctx.train_run(i, claim)?,
                };
                count(1);
                Ok((i, out))
            })
            .collect::<Result<_>>()
    })?;
    records.extend(waited);
    records.sort_by_key(|(i, _)| *i);
    bar.finish_and_clear();
    job.store.sync()?;
    Ok(Trained {
        records,
        here: ctx.here.into_inner(),
    })
}

struct Ctx<'a> {
    job: &'a Job,
    bar: &'a ProgressBar,
    stop: &'a AtomicBool,
    spread: train::Spread,
    here: AtomicUsize,
}

impl Ctx<'_> {
    /// Trains one claimed run, streaming its epochs to the store, and marks it finished.
    /// Returns `None` when stopped: a stopped run leaves no trace and is redone on resume.
    fn train_run(&self, i: usize, claim: Claim) -> Result<Option<RunRecord>> {
        let start = Instant::now();
        let r: &Prepared = &self.job.runs[i];
        let spec = &r.spec;
        let store = &self.job.store;
        let cannot_write = || {
            format!(
                "cannot write run `{}` in `{}`",
                spec.label,
                store.state().display()
            )
        };
        let mut sink = EpochSink::new(claim.writer().with_context(cannot_write)?, &self.job.cols)
            .with_context(cannot_write)?;
        let (params, rng) = r.initial();
        let mut failed = None;
        let mut ticker = Ticker::new(self.bar);
        let run = r.to_train(train::Options {
            every: spec.every,
            spread: self.spread,
            snapshots: false,
        });
        let outcome = train::train(&run, params, rng, |_, row| {
            ticker.tick();
            if let Some(Err(e)) = row.map(|row| sink.write(row)) {
                failed = Some(e);
                return ControlFlow::Break(());
            }
            if self.stop.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        drop(ticker);
        if let Some(e) = failed {
            claim.abandon();
            return Err(e).with_context(cannot_write);
        }
        if outcome.status == Status::Stopped {
            drop(sink);
            claim.abandon();
            return Ok(None);
        }
        let (rows, epochs_sha256, held) = sink.close().with_context(cannot_write)?;
        let (status, diverged_epoch) = match outcome.status {
            Status::Diverged { epoch } => (RunStatus::Diverged, Some(epoch)),
            Status::Converged { .. } => (RunStatus::Converged, None),
            _ => (RunStatus::Ok, None),
        };
        let record = RunRecord {
            id: spec.id.clone(),
            status,
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
            weights: outcome.params,
            rows,
            epochs_sha256,
            sum: Default::default(),
            judged: Default::default(),
        };
        store.finish(claim, &record, held.as_deref())?;
        self.here.fetch_add(1, Ordering::Relaxed);
        Ok(Some(record))
    }
}
