//! How well a finished run fits numeric targets: R², computed from its final weights and data
//! when its results are shown (as [`super::saturation`] is), so stored runs need not retrain.

use super::prepare::Prepared;
use crate::data::Dataset;
use crate::network;

/// R² of the network `params` (the run's architecture) on `d`, as scikit-learn's `r2_score`
/// and a regressor's `score` (averaged over outputs); `None` for classes, without weights, for
/// fewer than two rows, or when it is not finite (a diverged run).
pub fn r2(run: &Prepared, params: &[f64], d: &Dataset) -> Option<f64> {
    if params.is_empty() || run.data.train.is_classification() || d.rows < 2 {
        return None;
    }
    let layers = run.arch.layers();
    let out = network::predict(&layers, params, &d.x, d.rows);
    // `stopping::r2` takes column-major outputs and targets.
    let (pred, y) = (
        network::transpose(&out, d.rows, d.outputs),
        network::transpose(&d.y, d.rows, d.outputs),
    );
    Some(crate::train::stopping::r2(&pred, &y, d.rows)).filter(|v| v.is_finite())
}
