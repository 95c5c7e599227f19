//! runner trains as scikit-learn's `MLPClassifier` / `MLPRegressor` do: for every case in
//! `tests/fixtures/sklearn/cases.toml` (made by `make_sklearn.py` there with scikit-learn
//! 1.9), runner's per-epoch loss equals `loss_curve_` to 1e-9 relative, training stops at the
//! same epoch (`n_iter_`), early stopping's scores equal `validation_scores_`, and the final
//! weights equal `coefs_` and `intercepts_`.

use runner::job::prepare;
use runner::{config, train};
use serde::Deserialize;
use std::ops::ControlFlow;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    experiment: String,
    loss_curve: Vec<f64>,
    validation_scores: Vec<f64>,
    params: Vec<f64>,
    n_iter: usize,
    loss_factor: f64,
    /// A regressor's `score(x, y)`: R² on the training rows.
    r2: Option<f64>,
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-12)
}

/// Trains the case's experiment: its rows' losses and scores, its epochs, final weights and the
/// R² runner shows for them.
fn run(case: &Case) -> (Vec<f64>, Vec<f64>, usize, Vec<f64>, Option<f64>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sklearn");
    let path = dir.join(format!("{}.toml", case.name));
    let mut exp = config::parse(&case.experiment, &path, &[]).expect("the case's experiment");
    let runs = prepare::prepare(&mut exp).expect("the case prepares");
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    let (params, rng) = r
        .spec
        .init
        .initialize_with_rng(&r.arch.layers(), &r.data.rng);
    let (mut losses, mut scores) = (Vec::new(), Vec::new());
    let run = train::Run {
        arch: &r.arch,
        spec: &r.spec.train,
        data: &r.data,
        opts: train::Options {
            every: 1,
            spread: train::Spread::OneThread,
            snapshots: false,
        },
        predict: None,
    };
    let out = train::train(&run, params, rng, |_, row| {
        let row = row.expect("every epoch is logged");
        losses.push(row.loss);
        scores.extend(row.validation_score);
        ControlFlow::Continue(())
    });
    let r2 = runner::job::fit::r2(r, &out.params, &r.data.train);
    (losses, scores, out.epochs, out.params, r2)
}

#[test]
fn training_equals_scikit_learn() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sklearn");
    let text = std::fs::read_to_string(dir.join("cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    assert!(cases.case.len() >= 12);
    let mut failures = Vec::new();
    for case in &cases.case {
        let (losses, scores, epochs, params, r2) = run(case);
        let r2_ok = match (r2, case.r2) {
            (Some(g), Some(w)) => close(g, w, 1e-9),
            (None, None) => true,
            _ => false,
        };
        if !r2_ok {
            failures.push(format!(
                "{}: R² {r2:?}, scikit-learn {:?}",
                case.name, case.r2
            ));
        }
        let name = &case.name;
        if epochs != case.n_iter {
            failures.push(format!(
                "{name}: {epochs} epochs, scikit-learn {}",
                case.n_iter
            ));
        }
        for (e, (got, want)) in losses.iter().zip(&case.loss_curve).enumerate() {
            if !close(*got, want * case.loss_factor, 1e-9) {
                failures.push(format!(
                    "{name}: epoch {e} loss {got:e}, scikit-learn {:e}",
                    want * case.loss_factor
                ));
                break;
            }
        }
        if scores.len() != case.validation_scores.len()
            || scores
                .iter()
                .zip(&case.validation_scores)
                .any(|(g, w)| !close(*g, *w, 1e-9))
        {
            failures.push(format!(
                "{name}: validation scores {scores:?}, scikit-learn {:?}",
                case.validation_scores
            ));
        }
        let worst = params
            .iter()
            .zip(&case.params)
            .map(|(g, w)| (g - w).abs() / w.abs().max(1e-3))
            .fold(0.0, f64::max);
        if params.len() != case.params.len() || worst > 1e-9 {
            failures.push(format!(
                "{name}: final weights differ by {worst:e} (relative)"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
