//! Saturated runs: a network that trained every epoch and learned nothing, because its units
//! sit where their slope is zero (a sigmoid's output at 0 or 1, all of a ReLU layer at 0), so
//! no step can move it. Under `loss = "half_sse"` the loss is summed over rows, so the step
//! grows with the data: the tutorials' learning rate on 2 000 moons saturates at once.
//!
//! Found from a finished run's weights and its training data: every output is at the bound
//! of its activation, or the same for every row, and the network classifies no better than
//! always answering the most common class. A network that learned, saturated or not, is
//! never flagged; nor is one that fits a regression.

use super::prepare::Prepared;
use crate::config::Spec;
use crate::network::{self, Activation, Loss};
use crate::store::{Judged, RunRecord};

/// How close to a bound an output is "at" it: the sigmoid's slope there is below 1e-6.
const AT_BOUND: f64 = 1e-6;

/// Whether the run ended saturated (see the module's doc). Runs without weights, or with
/// numeric targets, are not judged.
pub fn saturated(run: &Prepared, record: &RunRecord) -> bool {
    let d = &run.data.train;
    if record.weights.is_empty() || !d.is_classification() || d.rows < 2 {
        return false;
    }
    let layers = run.arch.layers();
    let out = network::predict(&layers, &record.weights, &d.x, d.rows);
    let k = d.outputs;
    let (lo, hi) = match layers[layers.len() - 1].activation {
        Activation::Sigmoid | Activation::Softmax => (0.0, 1.0),
        Activation::Tanh => (-1.0, 1.0),
        _ => (f64::NAN, f64::NAN),
    };
    let at_bounds = out
        .iter()
        .all(|&v| (v - lo).abs() < AT_BOUND || (v - hi).abs() < AT_BOUND);
    let constant = (0..k).all(|j| {
        let first = out[j];
        out.iter().skip(j).step_by(k).all(|&v| v == first)
    });
    if !(at_bounds || constant) {
        return false;
    }
    // No better than always answering the most common class.
    let class = network::class_of::<f64>;
    let mut counts = vec![0usize; k.max(2)];
    let mut right = 0;
    for (y, o) in d.y.chunks_exact(k).zip(out.chunks_exact(k)) {
        counts[class(y)] += 1;
        right += usize::from(class(y) == class(o));
    }
    right <= counts.iter().copied().max().unwrap_or(0)
}

/// Judges each record from its final weights and data, in parallel: saturation, and R² for
/// numeric targets.
pub fn mark(runs: &[Prepared], records: &mut [RunRecord]) {
    use rayon::prelude::*;
    records.par_iter_mut().zip(runs).for_each(|(r, run)| {
        r.judged = Judged {
            saturated: saturated(run, r),
            r2: super::fit::r2(run, &r.weights, &run.data.train),
            test_r2: (run.data.test.as_ref()).and_then(|t| super::fit::r2(run, &r.weights, t)),
        }
    });
}

/// The warning for the saturated runs among `records` (marked by [`mark`]), naming up to
/// three, with the fix for their loss.
pub fn warning(exp: &Spec, records: &[RunRecord]) -> Option<String> {
    let hit: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].shown_status() == "saturated")
        .collect();
    let first = *hit.first()?;
    let named: Vec<String> = hit
        .iter()
        .take(3)
        .map(|&i| format!("`{}`", exp.runs[i].label))
        .collect();
    let more = match hit.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let which = if records.len() == 1 {
        "the run".to_string()
    } else {
        format!(
            "{} of {} runs ({}{more})",
            hit.len(),
            records.len(),
            named.join(", ")
        )
    };
    let run = &exp.runs[first];
    let fix = if run.train.loss == Loss::HalfSse {
        format!("under `loss = \"half_sse\"` the step is summed over the training rows, so it grows with the data: lower `train.learning_rate` (`{}` divided by the number of rows gives the step of the mean), or use `loss = \"bce\"` with a sigmoid output", run.train.learning_rate)
    } else {
        "lower `train.learning_rate`, or start from smaller weights (`init`)".to_string()
    };
    Some(format!(
        "warning: {which} ended saturated: every output sits where its activation's slope is zero, or is the same for every row, and the network classifies no better than always answering the most common class, so more epochs cannot help (status `saturated`); {fix}"
    ))
}
