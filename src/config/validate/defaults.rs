//! Every default of the experiment file, written once: [`fill_defaults`] sets each unset key
//! that has a meaning for the chosen kinds, before any check runs.

use super::train;
use crate::config::raw::*;
use crate::config::Problem;
use crate::network::Activation;

/// Fills every unset key with its default — the one place defaults live. Keys that have no
/// meaning for the chosen kinds stay unset (and are reported if the user set them).
pub(super) fn fill_defaults(raw: &mut RawExperiment, problems: &mut Vec<Problem>) {
    let d = &mut raw.data;
    d.scale.get_or_insert_with(Default::default);
    match d.kind {
        Some(kind) if kind.generated() => {
            d.samples.get_or_insert(100);
            d.shuffle.get_or_insert(true);
            match kind {
                DataKind::Circles => {
                    d.factor.get_or_insert(0.8);
                }
                DataKind::Blobs => {
                    d.centers.get_or_insert(3);
                    d.cluster_std.get_or_insert(1.0);
                    d.features.get_or_insert(2);
                }
                DataKind::GaussianQuantiles => {
                    d.classes.get_or_insert(3);
                    d.features.get_or_insert(2);
                }
                DataKind::Spirals => {
                    d.arms.get_or_insert(2);
                }
                _ => {}
            }
        }
        Some(DataKind::Csv) => {
            d.header.get_or_insert(true);
            d.target.get_or_insert(RawTargets::One(RawColumn::Index(-1)));
        }
        Some(_) => {}
        None => problems.push(Problem {
            key: "data.kind".into(),
            message: "is missing; add `kind = \"moons\"` (or `circles`, `blobs`, `gaussian_quantiles`, `spirals`, `xor`, `or`, `and`, `table`, `csv`) under `[data]`".into(),
            origin: None,
        }),
    }
    let seed = *d.seed.get_or_insert(0);
    d.test_fraction.get_or_insert(0.0);
    // The split follows the data seed unless set; a bad data seed is reported once, not
    // again as a split seed the user never wrote.
    if u32::try_from(seed).is_ok() {
        d.split_seed.get_or_insert(seed);
    }

    let m = &mut raw.model;
    m.hidden.get_or_insert_with(Vec::new);
    m.activation.get_or_insert(Activation::Sigmoid);
    m.output.get_or_insert(Activation::Sigmoid);
    m.bias.get_or_insert(true);

    let i = &mut raw.init;
    match *i.kind.get_or_insert(InitKindName::Xavier) {
        InitKindName::Uniform => {
            i.low.get_or_insert(0.0);
            i.high.get_or_insert(1.0);
        }
        InitKindName::Normal => {
            i.std.get_or_insert(1.0);
        }
        _ => {}
    }
    if i.kind != Some(InitKindName::Explicit) {
        i.seed.get_or_insert(RawSeed::Number(0));
    }

    train::fill_train_defaults(&mut raw.train);
    let epochs = raw.train.epochs.unwrap_or(1).max(1);
    raw.output.every.get_or_insert(default_every(epochs));
    raw.output.weights.get_or_insert(true);
    raw.output.report.get_or_insert(true);
}

/// Points a run's loss curve has by default: enough that a curve plots the same as one logged
/// every epoch, few enough that 10⁵ runs stay small on disk.
pub const LOGGED_POINTS: i64 = 200;

/// `[output] every` when it is not set: every epoch up to [`LOGGED_POINTS`] epochs, then the
/// stride that logs about that many (a fixed stride, so that every run of a sweep logs the same
/// epochs and curves average across seeds epoch by epoch). The first and last epochs are logged
/// whatever the stride, and the summaries see every epoch.
pub fn default_every(epochs: i64) -> i64 {
    (epochs.max(1) - 1) / LOGGED_POINTS + 1
}

/// A key [`fill_defaults`] has set. Its default lives there and nowhere else; the checks run
/// only after it, so `None` here is a bug in runner, not bad input.
pub(super) fn filled<T>(v: Option<T>) -> T {
    v.expect("fill_defaults sets every key the checks read")
}
