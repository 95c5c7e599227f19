//! Training a sweep's runs on a rayon pool, each streamed into the store. Runs are claimed
//! first, so that processes sharing a folder never train one run at the same time.

use super::Job;
use crate::app::progress::{self, Ticker};
use crate::job::prepare::Prepared;
use crate::results::EpochSink;
use crate::store::{Claim, Claimed, RunRecord, RunStatus};
use crate::train::{self, lockstep, EpochRow, Status};
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
/// bar; with `lockstep`, runs of one shape in groups ([`groups`]). Runs another process is
/// training are waited for, after the rest. `reuse`: a run found finished once claimed is
/// taken as it is (else, with `--force`, trained again).
pub fn train_all(
    job: &Job,
    todo: &[usize],
    threads: Option<u16>,
    quiet: bool,
    reuse: bool,
    lockstep: bool,
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
    let lockstep = lockstep && spread == train::Spread::OneThread;
    let groups = groups(&job.runs, todo, pool.current_num_threads(), lockstep);
    let mut records: Vec<(usize, Option<RunRecord>)> = pool
        .install(|| {
            // One task a group (a run alone is a group of one): rayon otherwise hands each
            // thread long stretches of groups, and a thread still in its last stretch leaves
            // the others idle at the end (with 250 lockstep groups on 2 threads, half a second
            // of a 3-second sweep).
            groups
                .par_iter()
                .with_max_len(1)
                .map(|group| {
                    let mut mine = Vec::new();
                    let mut out = Vec::new();
                    for &i in group {
                        match job.store.claim(&job.runs[i].spec.id, false, reuse)? {
                            Claimed::Busy => busy.lock().expect("not poisoned").push(i),
                            Claimed::Done(r) => out.push((i, Some(*r))),
                            Claimed::Mine(claim) => mine.push((i, claim)),
                        }
                    }
                    out.extend(ctx.train(mine)?);
                    count(out.len());
                    Ok(out)
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
                    Claimed::Mine(claim) => ctx.train(vec![(i, claim)])?.remove(0).1,
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

/// The runs `todo` in the groups they train in, in `todo`'s order: with `lockstep`, runs that
/// can train together ([`lockstep::joins`]), faster than alone ([`lockstep::pays`]), in groups
/// of [`lockstep::width`] (a smaller group would cost as much and yield less), when there are
/// enough to give every one of `threads` a group; the others alone.
fn groups(runs: &[Prepared], todo: &[usize], threads: usize, lockstep: bool) -> Vec<Vec<usize>> {
    let width = lockstep::width();
    if !lockstep || width < 2 || todo.len() < threads.max(1) * width {
        return todo.iter().map(|&i| vec![i]).collect();
    }
    let opts = train::Options {
        every: 1,
        spread: train::Spread::OneThread,
        snapshots: false,
    };
    let run = |i: usize| runs[i].to_train(opts);
    let mut out: Vec<Vec<usize>> = Vec::new();
    // Groups with room, by index into `out`.
    let mut open: Vec<usize> = Vec::new();
    for &i in todo {
        let r = run(i);
        if !lockstep::takes(&r) || !lockstep::pays(&r) {
            out.push(vec![i]);
            continue;
        }
        match open
            .iter()
            .position(|g| lockstep::shares(&run(out[*g][0]), &r))
        {
            Some(k) => {
                out[open[k]].push(i);
                if out[open[k]].len() == width {
                    open.remove(k);
                }
            }
            None => {
                open.push(out.len());
                out.push(vec![i]);
            }
        }
    }
    // Groups left short train alone.
    out.into_iter()
        .flat_map(|g| {
            if g.len() == width {
                vec![g]
            } else {
                g.into_iter().map(|i| vec![i]).collect()
            }
        })
        .collect()
}

/// A run being trained: where its rows go.
struct Streaming<'a> {
    i: usize,
    claim: Claim,
    sink: EpochSink,
    failed: Option<std::io::Error>,
    ticker: Ticker<'a>,
}

impl Ctx<'_> {
    /// Trains claimed runs — one alone, several of one shape in lockstep — streaming each
    /// one's epochs to the store, and marks each finished. A run's record is `None` when it
    /// was stopped: a stopped run leaves no trace and is redone on resume.
    fn train(&self, claimed: Vec<(usize, Claim)>) -> Result<Vec<(usize, Option<RunRecord>)>> {
        if claimed.len() > 1 && claimed.len() < lockstep::width() {
            // A group left short (another process had some of its runs): alone, since a
            // short group costs as much as a whole one.
            let mut out = Vec::new();
            for one in claimed {
                out.extend(self.train(vec![one])?);
            }
            return Ok(out);
        }
        let start = Instant::now();
        let mut streams = Vec::with_capacity(claimed.len());
        for (i, claim) in claimed {
            let writer = claim.writer().with_context(|| self.cannot_write(i))?;
            let sink =
                EpochSink::new(writer, &self.job.cols).with_context(|| self.cannot_write(i))?;
            streams.push(Streaming {
                i,
                claim,
                sink,
                failed: None,
                ticker: Ticker::new(self.bar),
            });
        }
        let opts = |r: &Prepared| train::Options {
            every: r.spec.every,
            spread: self.spread,
            snapshots: false,
        };
        let outcomes = match &mut streams[..] {
            [] => return Ok(Vec::new()),
            [one] => {
                let r = &self.job.runs[one.i];
                let (params, rng) = r.initial();
                let on_epoch = |_: usize, row: Option<&EpochRow>| self.on_epoch(one, row);
                vec![train::train(&r.to_train(opts(r)), params, rng, on_epoch)]
            }
            many => {
                let members = many
                    .iter_mut()
                    .map(|st| {
                        let r = &self.job.runs[st.i];
                        lockstep::Member {
                            run: r.to_train(opts(r)),
                            params: r.initial().0,
                            on_epoch: Box::new(move |_, row| self.on_epoch(st, row)),
                        }
                    })
                    .collect();
                train::train_group(members)
            }
        };
        // Each member's share of the group's time.
        let seconds = start.elapsed().as_secs_f64() / outcomes.len() as f64;
        let mut out = Vec::with_capacity(streams.len());
        let mut failed = None;
        for (st, outcome) in streams.into_iter().zip(outcomes) {
            match self.finish(st, outcome, seconds) {
                Ok(rec) => out.push(rec),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        failed.map_or(Ok(out), Err)
    }

    /// A run's callback: its row into its sink; `Break` to stop (Ctrl-C, or the sink failed).
    fn on_epoch(&self, st: &mut Streaming, row: Option<&EpochRow>) -> ControlFlow<()> {
        st.ticker.tick();
        if let Some(Err(e)) = row.map(|row| st.sink.write(row)) {
            st.failed = Some(e);
            return ControlFlow::Break(());
        }
        if self.stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn cannot_write(&self, i: usize) -> String {
        format!(
            "cannot write run `{}` in `{}`",
            self.job.runs[i].spec.label,
            self.job.store.state().display()
        )
    }

    /// Stores a trained run: its rows and its record, the run marked finished.
    fn finish(
        &self,
        st: Streaming,
        outcome: train::Outcome,
        seconds: f64,
    ) -> Result<(usize, Option<RunRecord>)> {
        let Streaming {
            i,
            claim,
            sink,
            failed,
            ticker,
        } = st;
        drop(ticker);
        let spec = &self.job.runs[i].spec;
        if let Some(e) = failed {
            claim.abandon();
            return Err(e).with_context(|| self.cannot_write(i));
        }
        if outcome.status == Status::Stopped {
            drop(sink);
            claim.abandon();
            return Ok((i, None));
        }
        let (rows, epochs_sha256, held) = sink.close().with_context(|| self.cannot_write(i))?;
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
            seconds,
            predictions: outcome.predictions,
            weights: outcome.params,
            rows,
            epochs_sha256,
            sum: Default::default(),
            judged: Default::default(),
        };
        self.job.store.finish(claim, &record, held.as_deref())?;
        self.here.fetch_add(1, Ordering::Relaxed);
        Ok((i, Some(record)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::job::prepare;
    use std::path::Path;

    fn runs(toml: &str) -> Vec<Prepared> {
        let mut exp = config::parse(toml, Path::new("groups.toml"), &[]).unwrap();
        prepare::prepare(&mut exp).unwrap()
    }

    /// Whole groups of runs that share a shape and data, in order; runs that cannot group
    /// (the perceptron) or are left over alone; nothing grouped when there are too few runs
    /// for every thread to get a group, or with `--no-lockstep`.
    #[test]
    fn runs_group_by_shape_in_whole_groups() {
        let w = lockstep::width();
        let runs = runs(&format!(
            "[data]\nkind = \"moons\"\nsamples = 10\n[train]\nepochs = 3\n[sweep]\n\
             \"model.hidden\" = [[], [3], [5]]\n\"init.seed\" = {{ range = [0, {}] }}\n",
            2 * w + 1
        ));
        let per = 2 * w + 1;
        let todo: Vec<usize> = (0..runs.len()).collect();
        let got = groups(&runs, &todo, 2, true);
        let mut want: Vec<Vec<usize>> = (0..per).map(|i| vec![i]).collect();
        for shape in 1..3 {
            let base = shape * per;
            want.push((base..base + w).collect());
            want.push((base + w..base + 2 * w).collect());
            want.push(vec![base + 2 * w]);
        }
        assert_eq!(got, want);
        let alone: Vec<Vec<usize>> = todo.iter().map(|&i| vec![i]).collect();
        assert_eq!(groups(&runs, &todo, 2, false), alone);
        // Fewer runs than two threads' groups: each alone, on its own thread.
        let few: Vec<usize> = (per..per + 2 * w - 1).collect();
        let few_alone: Vec<Vec<usize>> = few.iter().map(|&i| vec![i]).collect();
        assert_eq!(groups(&runs, &few, 2, true), few_alone);
        // A resumed sweep: what is left groups on its own.
        let left: Vec<usize> = (per..3 * per).filter(|i| i % 3 != 0).collect();
        let got = groups(&runs, &left, 1, true);
        assert!(got.iter().all(|g| g.len() == 1 || g.len() == w));
        assert_eq!(got.concat(), left);
        assert!(got.iter().filter(|g| g.len() == w).count() >= 2);
        // On as many rows as a step's registers hold, runs train faster alone.
        let lanes = crate::network::simd::lanes();
        let big = self::runs(&format!(
            "[data]\nkind = \"moons\"\nsamples = {}\n[model]\nhidden = [3]\n\
             [train]\nepochs = 3\n[sweep]\n\"init.seed\" = {{ range = [0, {}] }}\n",
            4 * lanes,
            2 * w
        ));
        let all: Vec<usize> = (0..big.len()).collect();
        let alone: Vec<Vec<usize>> = all.iter().map(|&i| vec![i]).collect();
        assert_eq!(groups(&big, &all, 2, true), alone);
    }
}
