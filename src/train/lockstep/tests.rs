//! Lockstep against training alone: every member's outcome and every row its callback saw,
//! bit for bit, over sweeps that vary what members may differ in, on every instruction set.

use super::*;
use crate::config;
use crate::job::prepare::{self, Prepared};
use crate::train::{self, Options, Outcome, Spread};
use std::path::Path;

/// An experiment's prepared runs.
fn runs(toml: &str) -> Vec<Prepared> {
    let mut exp = config::parse(toml, Path::new("lockstep.toml"), &[]).unwrap();
    prepare::prepare(&mut exp).unwrap()
}

fn opts(r: &Prepared) -> Options {
    Options {
        every: r.spec.every,
        spread: Spread::OneThread,
        snapshots: false,
    }
}

/// The callback both ways: records the rows; run `i` with `i % 5 == 3` asks to stop at
/// epoch 9 (as Ctrl-C does).
fn recorder(
    i: usize,
    rows: &mut Vec<String>,
) -> impl FnMut(usize, Option<&EpochRow>) -> ControlFlow<()> + '_ {
    move |epoch, row| {
        rows.push(format!("{epoch} {row:?}"));
        if i % 5 == 3 && epoch == 9 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Each run alone: its outcome and its callback's rows, as text (`{:?}` writes every f64 so
/// that it reads back to the same bits, −0 and NaN apart).
fn alone(runs: &[Prepared]) -> Vec<String> {
    runs.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut rows = Vec::new();
            let (params, rng) = r.initial();
            let out = train::train(&r.to_train(opts(r)), params, rng, recorder(i, &mut rows));
            shown(&out, &rows)
        })
        .collect()
}

fn shown(out: &Outcome, rows: &[String]) -> String {
    format!("{out:?}\n{}", rows.join("\n"))
}

/// The runs in groups of at most `width()`, in order, as the sweep forms them.
fn together(runs: &[Prepared]) -> Vec<String> {
    let mut shown_all = vec![String::new(); runs.len()];
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); runs.len()];
    let mut rows_left: &mut [Vec<String>] = &mut rows;
    let mut start = 0;
    let mut outs = Vec::new();
    while start < runs.len() {
        let end = (start + width()).min(runs.len());
        let (now, later) = rows_left.split_at_mut(end - start);
        rows_left = later;
        let members = runs[start..end]
            .iter()
            .zip(now.iter_mut())
            .enumerate()
            .map(|(k, (r, rows))| Member {
                run: r.to_train(opts(r)),
                params: r.initial().0,
                on_epoch: Box::new(recorder(start + k, rows)),
            })
            .collect::<Vec<_>>();
        assert!(members.iter().all(|m| joins(&members[0].run, &m.run)));
        outs.extend(train::train_group(members));
        start = end;
    }
    for (i, out) in outs.iter().enumerate() {
        shown_all[i] = shown(out, &rows[i]);
    }
    shown_all
}

/// Trains `toml`'s runs alone and together on every instruction set, checks they agree, and
/// checks that the runs ended in each of `endings` (so that the case tests what it says).
fn same(toml: &str, endings: &[&str]) {
    let runs = runs(toml);
    assert!(runs.iter().all(|r| takes(&r.to_train(opts(r)))));
    crate::network::simd::on_every_level(|level| {
        let (a, b) = (alone(&runs), together(&runs));
        for (i, (a, b)) in a.iter().zip(&b).enumerate() {
            assert!(
                a == b,
                "level {level}, run {i} (`{}`):\nalone:\n{a}\ntogether:\n{b}",
                runs[i].spec.label
            );
        }
        for ending in endings {
            assert!(
                a.iter().any(|a| a.contains(ending)),
                "no run shows `{ending}`"
            );
        }
    });
}

#[test]
fn sigmoid_mse_with_test_rows_targets_and_learning_rates() {
    // Five seeds × three learning rates: 15 members, groups of 4 (8) and a part group; the
    // largest rate overshoots.
    same(
        r#"
        [data]
        kind = "moons"
        samples = 150
        noise = 0.2
        test_fraction = 0.2
        [model]
        hidden = [5]
        [init]
        kind = "xavier"
        [train]
        loss = "mse"
        epochs = 60
        target_loss = 0.2
        [output]
        every = 7
        [sweep]
        "init.seed" = { range = [0, 5] }
        "train.learning_rate" = [0.5, 3.0, 80.0]
        "#,
        &[
            "status: Ok",
            "Stopped",
            "reached_target: Some",
            "test_loss: Some",
        ],
    );
}

#[test]
fn tanh_bce_with_l2_and_each_its_own_epochs() {
    same(
        r#"
        [data]
        kind = "circles"
        samples = 101
        noise = 0.1
        [model]
        hidden = [3]
        activation = "tanh"
        [init]
        kind = "normal"
        std = 0.7
        [train]
        loss = "bce"
        learning_rate = 0.3
        alpha = 0.01
        [output]
        every = 1
        [sweep]
        "init.seed" = { range = [0, 4] }
        "train.epochs" = [1, 13, 40]
        "#,
        &["epochs: 1,", "epochs: 13,", "epochs: 40,", "Stopped"],
    );
}

#[test]
fn relu_regression_that_diverges_and_a_stopping_rule_that_fires() {
    // Three inputs and two targets; the learning rates run from calm to exploding, and the
    // stopping rule ends the calm ones at different epochs.
    same(
        r#"
        [data]
        kind = "table"
        inputs = [[0.1, 0.5, -1.0], [0.9, -0.3, 0.2], [0.4, 0.4, 0.4], [-0.7, 0.0, 1.5], [1.2, -1.1, 0.3], [0.0, 0.2, -0.2], [0.3, 0.8, 0.9]]
        targets = [[1.0, 0.0], [0.5, 0.2], [-0.3, 0.9], [2.0, 1.0], [0.0, -1.0], [0.7, 0.7], [1.1, -0.4]]
        [model]
        hidden = [9]
        activation = "relu"
        output = "identity"
        [init]
        kind = "uniform"
        low = -0.8
        high = 0.8
        [train]
        loss = "half_sse"
        epochs = 400
        tol = 1e-3
        n_iter_no_change = 5
        [output]
        every = 50
        [sweep]
        "init.seed" = { range = [0, 3] }
        "train.learning_rate" = [0.001, 0.05, 0.3, 5.0]
        "#,
        &["Diverged", "Converged", "status: Ok"],
    );
}

#[test]
fn every_count_of_registers_past_the_runs_of_four() {
    // The wide pass takes its registers of samples four at a time, then the 1 to 3 left
    // together: 3, 10, 21, 45 and 57 rows leave each count with 4 lanes, and most with 8.
    for samples in [3, 10, 21, 45, 57] {
        same(
            &format!(
                r#"
                [data]
                kind = "moons"
                samples = {samples}
                noise = 0.3
                [model]
                hidden = [4]
                [init]
                kind = "uniform"
                low = -0.5
                high = 0.5
                [train]
                learning_rate = 0.7
                epochs = 30
                [output]
                every = 4
                [sweep]
                "init.seed" = {{ range = [0, 9] }}
                "#
            ),
            &["status: Ok"],
        );
    }
}
