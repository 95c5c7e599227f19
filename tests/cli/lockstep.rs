//! Lockstep groups, end to end: every file of a sweep whose runs train in groups (the
//! default) equals, byte for byte, the files of the same sweep trained run by run
//! (`--no-lockstep`), whatever the threads, and a sweep resumed after some of its runs forms
//! its groups from what is left.

use crate::common::*;

/// Runs that group (one hidden layer, `gd`, f64, rows in fewer registers than a step takes:
/// 9 training rows) and runs that do not (the perceptron, two hidden layers), with what
/// members may differ in: seeds, learning rates (the largest diverges), the stopping rule's
/// patience (the short one fires), with a target, test rows and predictions.
const SWEEP: &str = "name = \"lock\"
[data]
kind = \"moons\"
samples = 12
noise = 0.2
test_fraction = 0.25
[model]
activation = \"tanh\"
output = \"identity\"
[train]
epochs = 150
loss = \"mse\"
target_loss = 0.1
tol = 1e-4
[predict]
inputs = [[0.0, 0.5], [1.5, -0.2]]
[output]
every = 10
[sweep]
\"model.hidden\" = [[], [3], [6], [2, 2]]
\"train.learning_rate\" = [0.05, 0.5, 1e6]
\"init.seed\" = { range = [0, 3] }
\"train.n_iter_no_change\" = [4, 200]
";
#[test]
fn grouped_and_solo_files_are_identical_on_1_and_2_threads() {
    let s = Scratch::new();
    s.file("lock.toml", SWEEP);
    for (out, extra) in [
        ("group1", &["--threads", "1"][..]),
        // `--lockstep` undoes an earlier `--no-lockstep`.
        ("group2", &["--threads", "2", "--no-lockstep", "--lockstep"]),
        ("solo1", &["--threads", "1", "--no-lockstep"]),
    ] {
        let mut args = vec!["lock.toml", "-q", "--out", out];
        args.extend_from_slice(extra);
        ok(runner(s.path(), &args));
    }
    let solo = contents(&s.path().join("solo1"));
    assert_eq!(contents(&s.path().join("group1")), solo);
    assert_eq!(contents(&s.path().join("group2")), solo);
    // The case shows what it claims: runs that diverged, converged and reached the target.
    let runs = read_csv(&s.path().join("solo1/runs.csv"));
    assert_eq!(runs.len(), 72);
    for status in ["diverged", "converged", "ok"] {
        assert!(
            runs.iter().any(|r| r["status"] == status),
            "no {status} run"
        );
    }
    assert!(runs.iter().any(|r| !r["epochs_to_target"].is_empty()));
}

#[test]
fn a_resumed_sweep_groups_what_is_left_and_ends_as_a_fresh_one() {
    let s = Scratch::new();
    s.file("lock.toml", SWEEP);
    // Some runs first (a part of each group), then the rest in the same folder.
    let lockstep = ["lock.toml", "-q", "--out", "resumed"];
    ok(runner(
        s.path(),
        &[&lockstep[..], &["--only", "seed=1"]].concat(),
    ));
    ok(runner(s.path(), &lockstep));
    ok(runner(
        s.path(),
        &["lock.toml", "-q", "--no-lockstep", "--out", "fresh"],
    ));
    assert_eq!(
        contents(&s.path().join("resumed")),
        contents(&s.path().join("fresh"))
    );
}
