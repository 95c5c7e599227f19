//! Training as people train, end to end: class labels read as text, softmax, minibatches,
//! early stopping, scaling, and the files they add (`confusion.csv`, `validation_score`).

use crate::common::*;
use std::collections::BTreeMap;

/// Counts of `confusion.csv` rows for one run and split: (actual, predicted) → count.
fn confusion(
    rows: &[BTreeMap<String, String>],
    id: &str,
    split: &str,
) -> BTreeMap<(String, String), u64> {
    rows.iter()
        .filter(|r| r["id"] == id && r["split"] == split)
        .map(|r| {
            (
                (r["actual"].clone(), r["predicted"].clone()),
                r["count"].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn iris_learns_its_species_and_the_confusion_matrix_agrees_with_the_accuracy() {
    let s = Scratch::new();
    let out = ok(runner(
        s.path(),
        &[
            &experiment("iris.toml"),
            "--quiet",
            "--set",
            "train.epochs=60",
        ],
    ));
    assert!(out.contains("results in results/iris"), "{out}");
    let dir = s.path().join("results/iris");
    let runs = read_csv(&dir.join("runs.csv"));
    let conf = read_csv(&dir.join("confusion.csv"));
    assert_eq!(runs.len(), 10);
    for r in &runs {
        let train = confusion(&conf, &r["id"], "train");
        let test = confusion(&conf, &r["id"], "test");
        // 150 rows, 45 held out; three classes by name, in sorted order.
        assert_eq!(train.values().sum::<u64>(), 105);
        assert_eq!(test.values().sum::<u64>(), 45);
        assert_eq!(train.len(), 9);
        assert!(train.contains_key(&("virginica".into(), "setosa".into())));
        let right = |m: &BTreeMap<(String, String), u64>| -> u64 {
            m.iter().filter(|((a, p), _)| a == p).map(|(_, c)| c).sum()
        };
        assert_rel(
            right(&test) as f64 / 45.0,
            num(r, "test_accuracy"),
            1e-12,
            "test accuracy",
        );
        assert_rel(
            right(&train) as f64 / 105.0,
            num(r, "accuracy"),
            0.03,
            "train accuracy",
        );
    }
    // A hidden layer tells the species apart on held-out rows.
    let hidden: Vec<f64> = runs
        .iter()
        .filter(|r| r["variant"] == "hidden")
        .map(|r| num(r, "test_accuracy"))
        .collect();
    assert!(hidden.iter().all(|&a| a >= 0.9), "{hidden:?}");
}

/// Three standardised blobs, 8 units, softmax, Adam as scikit-learn; `rest` ends `[train]`.
fn blobs(samples: usize, rest: &str) -> String {
    format!(
        "[data]\nkind = \"blobs\"\nsamples = {samples}\ncenters = 3\nscale = \"standard\"\n\
         [model]\nhidden = [8]\noutput = \"softmax\"\n[init]\nkind = \"sklearn\"\n\
         [train]\noptimizer = \"adam\"\nloss = \"cross_entropy\"\nlearning_rate = 0.05\n{rest}"
    )
}

#[test]
fn early_stopping_logs_its_scores_and_stops_as_converged() {
    let s = Scratch::new();
    s.file(
        "es.toml",
        &blobs(
            300,
            "epochs = 500\nearly_stopping = true\nn_iter_no_change = 5\n",
        ),
    );
    ok(runner(s.path(), &["es.toml", "--quiet"]));
    let dir = s.path().join("results/es");
    let runs = read_csv(&dir.join("runs.csv"));
    assert_eq!(runs[0]["status"], "converged");
    let epochs: usize = runs[0]["epochs"].parse().unwrap();
    assert!(epochs < 500, "{epochs}");
    let rows = read_csv(&dir.join("epochs.csv"));
    // 500 epochs log every 3rd by default, and the epoch it stopped at.
    let logged: Vec<usize> = rows.iter().map(|r| r["epoch"].parse().unwrap()).collect();
    let expected: Vec<usize> = (0..epochs - 1)
        .filter(|e| e % 3 == 0)
        .chain([epochs - 1])
        .collect();
    assert_eq!(logged, expected);
    assert!(rows.iter().all(|r| num(r, "validation_score") <= 1.0));
    assert!(dir.join("confusion.csv").exists());
}

/// With early stopping the saved weights are the best-scoring epoch's, and the run's numbers
/// are theirs: runs.csv's test accuracy is the saved model's, which confusion.csv counts,
/// not the last epoch's; on noisy data the two differ for some seed.
#[test]
fn early_stopping_reports_the_numbers_of_the_saved_model() {
    let s = Scratch::new();
    s.file(
        "es.toml",
        "[data]\nkind = \"moons\"\nsamples = 400\nnoise = 0.35\ntest_fraction = 0.5\n\
         [model]\nhidden = [16]\noutput = \"sigmoid\"\n[train]\noptimizer = \"adam\"\nloss = \"bce\"\n\
         learning_rate = 0.05\nepochs = 300\nearly_stopping = true\nn_iter_no_change = 30\n\
         [sweep]\n\"init.seed\" = { range = [0, 8] }\n",
    );
    ok(runner(s.path(), &["es.toml", "--quiet"]));
    let dir = s.path().join("results/es");
    let runs = read_csv(&dir.join("runs.csv"));
    let rows = read_csv(&dir.join("epochs.csv"));
    let confusion = read_csv(&dir.join("confusion.csv"));
    let mut differs = 0;
    for r in &runs {
        let (mut right, mut all) = (0.0, 0.0);
        for c in confusion
            .iter()
            .filter(|c| c["id"] == r["id"] && c["split"] == "test")
        {
            all += num(c, "count");
            if c["actual"] == c["predicted"] {
                right += num(c, "count");
            }
        }
        assert_eq!(num(r, "test_accuracy"), right / all, "{r:?}");
        let last = rows.iter().rfind(|e| e["seed"] == r["seed"]).unwrap();
        differs += usize::from(num(last, "test_accuracy") != num(r, "test_accuracy"));
    }
    assert!(
        differs > 0,
        "every seed's best epoch scored as its last: the test proves nothing"
    );
}

#[test]
fn regression_writes_no_confusion_and_takes_several_targets() {
    let s = Scratch::new();
    s.file("d.csv", "a,y1,y2\n0,0.5,1\n1,1.5,-1\n2,2.5,0.25\n3,3.5,2\n");
    s.file(
        "reg.toml",
        "[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = [\"y1\", \"y2\"]\nscale = \"minmax\"\n\
         [model]\nhidden = [4]\noutput = \"identity\"\n[train]\noptimizer = \"sgd\"\n\
         loss = \"squared_error\"\nbatch_size = 2\nepochs = 20\n[predict]\ninputs = [[1.5]]\n",
    );
    ok(runner(s.path(), &["reg.toml", "--quiet"]));
    let dir = s.path().join("results/reg");
    assert!(!dir.join("confusion.csv").exists());
    let p = read_csv(&dir.join("predictions.csv"));
    assert!(p[0].contains_key("output_2"), "{:?}", p[0]);
}

#[test]
fn converged_runs_count_in_the_summary_like_any_run_that_did_not_diverge() {
    let s = Scratch::new();
    s.file(
        "tol.toml",
        &blobs(
            200,
            "epochs = 400\ntol = 1e-3\nn_iter_no_change = 3\n[sweep]\n\"init.seed\" = [1, 2, 3]\n",
        ),
    );
    let out = ok(runner(s.path(), &["tol.toml", "--quiet"]));
    let dir = s.path().join("results/tol");
    let runs = read_csv(&dir.join("runs.csv"));
    assert!(runs.iter().all(|r| r["status"] == "converged"), "{runs:?}");
    let summary = read_csv(&dir.join("summary.csv"));
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["diverged"], "0");
    let mean: f64 = runs.iter().map(|r| num(r, "final_loss")).sum::<f64>() / 3.0;
    let got = num(&summary[0], "final_loss_mean");
    assert!((got - mean).abs() <= 1e-12 * mean.abs(), "{got} vs {mean}");
    assert!(
        !out.contains(" - "),
        "the table shows every statistic:\n{out}"
    );
}
