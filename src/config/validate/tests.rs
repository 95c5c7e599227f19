//! Validation on its own: the defaults a nearly empty file gets, and every problem of a file
//! reported at once, each under its key.

use crate::config::{parse, ConfigError, Problem, Spec};
use crate::data::Source;
use crate::train::Method;
use std::path::Path;

fn load(text: &str) -> Result<Spec, Vec<Problem>> {
    match parse(text, Path::new("t.toml"), &[]) {
        Ok(exp) => Ok(exp),
        Err(ConfigError::Invalid { problems, .. }) => Err(problems),
        Err(e) => panic!("not a validation error: {e}"),
    }
}

fn keys(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.key.as_str()).collect()
}

#[test]
fn a_file_naming_only_its_data_gets_the_documented_defaults() {
    let exp = load("[data]\nkind = \"moons\"\n").unwrap();
    let run = &exp.runs[0];
    assert_eq!(run.data.seed, 0);
    assert_eq!(run.data.split_seed, 0);
    assert_eq!(run.data.test_fraction, 0.0);
    assert!(matches!(
        run.data.source,
        Source::Moons {
            samples: 100,
            shuffle: true,
            ..
        }
    ));
    assert_eq!(run.train.learning_rate, 0.5);
    assert_eq!(run.train.epochs, 1000);
    assert!(matches!(run.train.method, Method::Gd));
    assert!(!run.train.shuffle);
    assert_eq!(run.train.alpha, 0.0);
    // 1 000 epochs log every 5th: about 200 points.
    assert_eq!(run.every, 5);
    assert!(run.weights && run.report);
}

#[test]
fn the_default_logging_stride_keeps_about_200_points() {
    use super::defaults::default_every;
    for (epochs, every) in [
        (1, 1),
        (200, 1),
        (201, 2),
        (1000, 5),
        (2000, 10),
        (20_000, 100),
    ] {
        assert_eq!(default_every(epochs), every, "{epochs} epochs");
    }
    for epochs in [1, 7, 199, 200, 201, 399, 400, 401, 12_345, 1_000_000] {
        let logged = (0..epochs)
            .filter(|e| e % default_every(epochs) == 0)
            .count() as i64;
        assert!(
            (100..=200).contains(&logged) || epochs < 100,
            "{epochs}: {logged}"
        );
    }
    // Whatever is written, no overflow.
    assert_eq!(default_every(i64::MAX), (i64::MAX - 1) / 200 + 1);
    assert_eq!(default_every(-5), 1);
}

#[test]
fn minibatch_optimisers_take_scikit_learns_defaults() {
    let exp =
        load("[data]\nkind = \"moons\"\n[train]\noptimizer = \"adam\"\nearly_stopping = true\n")
            .unwrap();
    let t = &exp.runs[0].train;
    assert_eq!(t.learning_rate, 0.001);
    assert_eq!(t.alpha, 1e-4);
    assert!(t.shuffle);
    assert_eq!(t.validation_fraction, Some(0.1));
    let stop = t.stop.as_ref().expect("early stopping has a stopping rule");
    assert_eq!((stop.tol, stop.n_iter_no_change), (1e-4, 10));
}

#[test]
fn the_split_follows_the_data_seed_unless_set() {
    let exp = load("[data]\nkind = \"moons\"\nseed = 7\n").unwrap();
    assert_eq!(exp.runs[0].data.split_seed, 7);
    let exp = load("[data]\nkind = \"moons\"\nseed = 7\nsplit_seed = 3\n").unwrap();
    assert_eq!(exp.runs[0].data.split_seed, 3);
}

#[test]
fn every_problem_is_reported_at_once_under_its_key() {
    let problems = load(
        "[data]\nkind = \"moons\"\nsamples = 0\nseed = -1\n[train]\nlearning_rate = -1.0\nepochs = 0\n",
    )
    .unwrap_err();
    let keys = keys(&problems);
    for key in [
        "data.samples",
        "data.seed",
        "train.learning_rate",
        "train.epochs",
    ] {
        assert!(keys.contains(&key), "{key} not reported in {keys:?}");
    }
    // A bad data seed is reported once, not again as a split seed nobody wrote.
    assert!(!keys.contains(&"data.split_seed"), "{keys:?}");
}

#[test]
fn a_missing_kind_is_named_with_the_kinds_to_choose_from() {
    let problems = load("[model]\nhidden = [4]\n").unwrap_err();
    assert_eq!(keys(&problems), ["data.kind"]);
    assert!(problems[0].message.contains("kind = \"moons\""));
}

#[test]
fn keys_without_meaning_for_the_kind_are_refused() {
    let problems = load("[data]\nkind = \"xor\"\nfactor = 0.5\n").unwrap_err();
    assert_eq!(keys(&problems), ["data.factor"]);
}
