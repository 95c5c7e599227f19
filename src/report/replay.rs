//! The runs the report trains again: for a few configurations, the run the boundary panel
//! shows, with snapshots on. Training is deterministic, so this gives the weights at the
//! snapshot epochs and each logged epoch's update bit for bit as the sweep had them, without
//! storing six copies of every run's weights (a 10⁵-run sweep would carry them all for the
//! four the report draws).

use super::{shown_run, Inputs};
use crate::job::prepare::Prepared;
use crate::results::summary::Group;
use crate::train;

/// At most this many configurations are trained again.
pub const PICKED: usize = 4;
/// Runs of more work than this (epochs × rows × weights, about a second of training) are not
/// trained again.
pub const MAX_WORK: f64 = 2e9;

/// A run trained again.
pub struct Replayed<'a> {
    /// The configuration's label, and the seed when it has several.
    pub title: String,
    pub config: String,
    pub run: &'a Prepared,
    /// The weights at [`train::snapshot_epochs`] (and where training stopped, if earlier).
    pub snapshots: Vec<(usize, Vec<f64>)>,
    /// Each logged epoch's update size per layer ([`train::Outcome::updates`]).
    pub updates: Vec<(usize, Vec<f64>)>,
}

/// What the report trained again, and what it left out.
pub struct Replays<'a> {
    pub runs: Vec<Replayed<'a>>,
    /// Configurations picked whose shown run is too long to train again.
    pub skipped: usize,
    /// Configurations in the experiment.
    pub configs: usize,
}

impl Replays<'_> {
    /// What a caption says of the configurations shown and left out.
    pub fn note(&self) -> String {
        let mut s = String::new();
        if self.configs > self.runs.len() + self.skipped {
            s += &format!(
                " {} of {} configurations are shown, evenly spaced.",
                self.runs.len(),
                self.configs
            );
        }
        if self.skipped > 0 {
            s += &format!(
                " {} configurations are left out: their runs are too long to train again for a picture.",
                self.skipped
            );
        }
        s
    }
}

impl Replays<'_> {
    /// `plots/snapshots.safetensors`: every run's weights at its snapshot epochs.
    pub fn file(&self) -> Vec<u8> {
        use crate::results::weights::{encode_snapshots, Snapshots};
        let runs: Vec<(Snapshots, Vec<&[f64]>)> = self
            .runs
            .iter()
            .map(|r| {
                let meta = Snapshots {
                    configuration: r.config.clone(),
                    label: r.run.spec.label.clone(),
                    id: r.run.spec.id.clone(),
                    epochs: r.snapshots.iter().map(|s| s.0).collect(),
                    arch: r.run.arch.clone(),
                };
                (meta, r.snapshots.iter().map(|s| s.1.as_slice()).collect())
            })
            .collect();
        encode_snapshots(&runs)
    }
}

/// Up to [`PICKED`] configurations, evenly spaced, first and last included.
pub fn picked(groups: &[Group]) -> Vec<&Group> {
    let n = groups.len();
    if n <= PICKED {
        groups.iter().collect()
    } else {
        (0..PICKED)
            .map(|k| &groups[k * (n - 1) / (PICKED - 1)])
            .collect()
    }
}

/// Trains the picked configurations' shown runs again, in parallel.
pub fn replays<'a>(inp: &Inputs<'a>, groups: &[Group]) -> Replays<'a> {
    use rayon::prelude::*;
    let mut skipped = 0;
    let mut chosen = Vec::new();
    for g in picked(groups) {
        let Some(i) = shown_run(inp, g) else {
            continue;
        };
        let run = &inp.runs[i];
        if run.work() > MAX_WORK {
            skipped += 1;
            continue;
        }
        let title = match (g.runs.len(), run.spec.seed) {
            (n, Some(s)) if n > 1 => format!("{} · seed {s}", g.label),
            _ => g.label.clone(),
        };
        chosen.push((title, g.label.clone(), run));
    }
    let runs = chosen
        .into_par_iter()
        .map(|(title, config, run)| {
            let out = again(run);
            Replayed {
                title,
                config,
                run,
                snapshots: out.snapshots,
                updates: out.updates,
            }
        })
        .collect();
    Replays {
        runs,
        skipped,
        configs: groups.len(),
    }
}

/// Trains `run` again as the sweep did (same initial weights, same generator, same logging
/// grid), with snapshots on.
fn again(run: &Prepared) -> train::Outcome {
    let (params, rng) = run.initial();
    let opts = train::Options {
        every: run.spec.every,
        spread: train::Spread::OneThread,
        snapshots: true,
    };
    let to_train = train::Run {
        predict: None,
        ..run.to_train(opts)
    };
    train::train(&to_train, params, rng, |_, _| {
        std::ops::ControlFlow::Continue(())
    })
}
