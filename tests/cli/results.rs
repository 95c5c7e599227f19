//! The results folder: layout, columns, never overwriting silently, resuming.

use crate::common::*;

const SMALL: &str = "name = \"small\"
[data]
kind = \"moons\"
samples = 40
noise = 0.2
test_fraction = 0.25
[model]
hidden = [3]
[train]
epochs = 50
[output]
every = 10
[predict]
inputs = [[0.0, 0.5], [1.0, -0.5]]
";

#[test]
fn writes_documented_columns_with_a_split() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    let out = ok(runner(s.path(), &["small.toml", "--quiet"]));
    assert!(out.contains("results in results/small"), "{out}");
    let dir = s.path().join("results/small");
    let epochs = read_csv(&dir.join("epochs.csv"));
    let cols: Vec<&str> = epochs[0].keys().map(String::as_str).collect();
    assert_eq!(
        cols,
        [
            "accuracy",
            "epoch",
            "loss",
            "run",
            "seed",
            "test_accuracy",
            "test_loss"
        ]
    );
    assert_eq!(epochs[0]["seed"], "0");
    let logged: Vec<&str> = epochs.iter().map(|r| r["epoch"].as_str()).collect();
    assert_eq!(logged, ["0", "10", "20", "30", "40", "49"]);
    let runs = read_csv(&dir.join("runs.csv"));
    assert_eq!(runs[0]["status"], "ok");
    assert_eq!(runs[0]["epochs"], "50");
    assert_eq!(runs[0]["final_loss"], epochs[5]["loss"]);
    assert_eq!(runs[0]["test_accuracy"], epochs[5]["test_accuracy"]);
    let p = read_csv(&dir.join("predictions.csv"));
    assert_eq!(p.len(), 2);
    let y = num(&p[1], "output");
    assert!(y > 0.0 && y < 1.0);
    let resolved = std::fs::read_to_string(dir.join("experiment.toml")).unwrap();
    for key in [
        "activation = \"sigmoid\"",
        "loss = \"half_sse\"",
        "kind = \"xavier\"",
        "split_seed = 0",
        "learning_rate = 0.5",
    ] {
        assert!(
            resolved.contains(key),
            "resolved experiment lacks {key}:\n{resolved}"
        );
    }
}

#[test]
fn reads_csv_data_relative_to_the_experiment() {
    let s = Scratch::new();
    std::fs::create_dir(s.path().join("exp")).unwrap();
    s.file(
        "exp/points.csv",
        "x1, x2, label\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n",
    );
    s.file("exp/or.toml", "[data]\nkind = \"csv\"\npath = \"points.csv\"\ntarget = \"label\"\n[model]\nhidden = []\n[train]\nepochs = 3000\nlearning_rate = 2.0\n");
    ok(runner(s.path(), &["exp/or.toml", "--out", "o", "--quiet"]));
    let runs = read_csv(&s.path().join("o/runs.csv"));
    assert_eq!(runs[0]["accuracy"], "1.0");
}

#[test]
fn a_changed_experiment_replaces_the_files_and_the_store_keeps_both() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    ok(runner(s.path(), &["small.toml", "--quiet"]));
    let before = contents(&s.path().join("results/small"));
    // Same name, different experiment: its runs are trained, the files describe it.
    s.file("small.toml", &SMALL.replace("epochs = 50", "epochs = 60"));
    ok(runner(s.path(), &["small.toml", "--quiet"]));
    let runs = read_csv(&s.path().join("results/small/runs.csv"));
    assert_eq!(runs[0]["epochs"], "60");
    assert_eq!(stored_entries(&s.path().join("results/small")), 2);
    // The first experiment again: reassembled from the store at once, nothing trained.
    s.file("small.toml", SMALL);
    let o = runner(s.path(), &["small.toml"]);
    assert!(o.status.success());
    assert_eq!(stderr(&o), "1 run reused from the store, 0 trained\n");
    assert_eq!(contents(&s.path().join("results/small")), before);
}

#[test]
fn refuses_a_folder_holding_result_files_it_did_not_write() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    std::fs::create_dir(s.path().join("o")).unwrap();
    s.file("o/epochs.csv", "precious\n");
    let o = runner(s.path(), &["small.toml", "--out", "o", "--quiet"]);
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(s.path().join("o/epochs.csv")).unwrap(),
        "precious\n"
    );
}

#[test]
fn running_again_reuses_finished_runs_and_force_trains_afresh() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    let first = ok(runner(s.path(), &["small.toml", "--quiet"]));
    let dir = s.path().join("results/small");
    let epochs = std::fs::read(dir.join("epochs.csv")).unwrap();
    let second = ok(runner(s.path(), &["small.toml", "--quiet"]));
    assert_eq!(
        second,
        first.replace("results/small\n", "results/small (up to date)\n")
    );
    // --force trains afresh: same results, a new entry in the store.
    let entries = || stored_entries(&dir);
    assert_eq!(entries(), 1);
    let o = runner(s.path(), &["small.toml", "--quiet", "--force"]);
    assert_eq!(stdout(&o), first);
    assert_eq!(stderr(&o), "");
    assert_eq!(entries(), 2);
    assert_eq!(std::fs::read(dir.join("epochs.csv")).unwrap(), epochs);
}

#[test]
fn runner_never_writes_through_a_link_it_did_not_make() {
    let s = Scratch::new();
    s.file(
        "xor.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 5\n",
    );
    ok(runner(s.path(), &["xor.toml", "-q"]));
    let elsewhere = s.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("loss.svg"), "<svg>mine</svg>").unwrap();
    let plots = s.path().join("results/xor/plots");
    std::fs::remove_dir_all(&plots).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &plots).unwrap();
    for args in [
        &["xor.toml", "-q", "--force"][..],
        &["report", "results/xor", "-q"],
    ] {
        let o = runner(s.path(), args);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            stderr(&o)
                .contains("plots` is a symbolic link, and runner never writes through a link"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(elsewhere.join("loss.svg")).unwrap(),
            "<svg>mine</svg>"
        );
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
    }
    // A result file replaced by a link is not written through either.
    std::fs::remove_file(&plots).unwrap();
    ok(runner(s.path(), &["xor.toml", "-q"]));
    let runs = s.path().join("results/xor/runs.csv");
    std::fs::remove_file(&runs).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("loss.svg"), &runs).unwrap();
    let o = runner(s.path(), &["xor.toml", "-q", "--force"]);
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("loss.svg")).unwrap(),
        "<svg>mine</svg>"
    );
}

#[test]
fn temporary_files_an_interrupted_assembly_left_are_cleared() {
    let s = Scratch::new();
    s.file(
        "xor.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 5\n",
    );
    ok(runner(s.path(), &["xor.toml", "-q"]));
    let dir = s.path().join("results/xor");
    for left in [".runner-tmpAbC123", "plots/.runner-tmpXyZ"] {
        std::fs::write(dir.join(left), "half").unwrap();
    }
    std::fs::write(dir.join("mine.txt"), "keep").unwrap();
    std::fs::remove_file(dir.join("report.html")).unwrap();
    ok(runner(s.path(), &["xor.toml", "-q"]));
    assert!(!dir.join(".runner-tmpAbC123").exists());
    assert!(!dir.join("plots/.runner-tmpXyZ").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.txt")).unwrap(),
        "keep"
    );
}

/// A network that learned nothing because its outputs saturated shows `saturated`, in the
/// table and in runs.csv, with a warning that names the fix; healthy runs beside it, and a
/// network that fits with saturated outputs, stay `ok`.
#[test]
fn a_saturated_run_is_shown_saturated_with_the_fix() {
    let s = Scratch::new();
    // The tutorials' learning rate under half_sse on 2 000 rows: the step is 20× too large.
    s.file(
        "sat.toml",
        "[data]\nkind = \"moons\"\nsamples = 2000\nnoise = 0.1\n[model]\nhidden = [4]\n[train]\nepochs = 300\n[sweep]\n\"train.learning_rate\" = [0.5, 0.0005]\n",
    );
    let o = runner(s.path(), &["sat.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    let status: Vec<&str> = table
        .lines()
        .skip(1)
        .take(2)
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(status, ["saturated", "ok"], "{table}");
    let e = stderr(&o);
    assert!(
        e.contains("warning: 1 of 2 runs (`learning_rate=0.5`) ended saturated"),
        "{e}"
    );
    assert!(e.contains("`0.5` divided by the number of rows"), "{e}");
    let runs = read_csv(&s.path().join("results/sat/runs.csv"));
    assert_eq!(runs[0]["status"], "saturated");
    assert_eq!(runs[1]["status"], "ok");
    // Shown again from the store, the same.
    let again = runner(s.path(), &["sat.toml"]);
    assert_eq!(stdout(&again).lines().nth(1), table.lines().nth(1));
    // XOR learned to saturation (outputs at 0 and 1, every row right) is not saturated.
    s.file(
        "xor.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = [4]\n[train]\nlearning_rate = 5.0\nepochs = 20000\n",
    );
    let o = runner(s.path(), &["xor.toml"]);
    assert!(
        stdout(&o).contains("100.0%") && stdout(&o).contains(" ok"),
        "{}",
        stdout(&o)
    );
    assert!(!stderr(&o).contains("saturated"), "{}", stderr(&o));
}

/// A results folder's experiment.toml runs again: every default is written out (the batch
/// size and the scaling too), and each run comes back with its own id and numbers.
#[test]
fn experiment_toml_runs_again_to_the_same_runs() {
    let s = Scratch::new();
    let exp = std::path::Path::new(ROOT).join("experiments/optimizers.toml");
    let o = runner(s.path(), &[exp.to_str().unwrap(), "--out", "first", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(s.path().join("first/experiment.toml")).unwrap();
    assert!(written.contains("scale = \"none\""), "{written}");
    assert!(
        written.contains("\"train.batch_size\" = \"auto\""),
        "{written}"
    );
    let o = runner(s.path(), &["first/experiment.toml", "--out", "again", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        read_csv(&s.path().join("first/runs.csv")),
        read_csv(&s.path().join("again/runs.csv")),
    );
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        for key in ["id", "final_loss", "accuracy", "test_accuracy", "epochs"] {
            assert_eq!(a[key], b[key], "{key}: {a:?} / {b:?}");
        }
        assert_eq!(a["run"], b["run"]);
    }
}

#[test]
fn numeric_targets_show_r2_and_the_test_loss_in_the_table_and_files() {
    let s = Scratch::new();
    std::fs::copy(
        format!("{ROOT}/tests/fixtures/sklearn/regression.csv"),
        s.path().join("regression.csv"),
    )
    .unwrap();
    s.file(
        "reg.toml",
        "[data]\nkind = \"csv\"\npath = \"regression.csv\"\ntarget = \"y1\"\n\
         test_fraction = 0.25\n[model]\nhidden = [12]\nactivation = \"tanh\"\n\
         output = \"identity\"\n[train]\noptimizer = \"adam\"\nloss = \"squared_error\"\n\
         learning_rate = 0.01\nepochs = 200\n",
    );
    let table = ok(runner(s.path(), &["reg.toml"]));
    let head: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        head,
        [
            "run",
            "final_loss",
            "min_loss",
            "test_loss",
            "r2",
            "test_r2",
            "status"
        ]
    );
    let runs = read_csv(&s.path().join("results/reg/runs.csv"));
    let r2: f64 = runs[0]["r2"].parse().unwrap();
    let test_r2: f64 = runs[0]["test_r2"].parse().unwrap();
    assert!(r2 > 0.5 && r2 <= 1.0 && test_r2 <= 1.0, "{r2} {test_r2}");
    assert!(!runs[0].contains_key("accuracy"));
    // As shown: the table's cells are the file's values.
    let cells: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert!((cells[4].parse::<f64>().unwrap() - r2).abs() < 1e-6 * r2.abs());
    // Seeds: `r2` summarised per configuration too.
    ok(runner(s.path(), &["reg.toml", "--set", "init.seed=0,1,2"]));
    let summary = read_csv(&s.path().join("results/reg/summary.csv"));
    assert!(summary[0]["r2_mean"].parse::<f64>().unwrap() > 0.5);
    assert!(summary[0].contains_key("test_r2_std"));
}

#[test]
fn a_delimiter_reads_semicolons_and_tabs_as_commas_are_read() {
    let s = Scratch::new();
    let rows = [
        ["x1", "x2", "y"],
        ["0", "0.5", "0"],
        ["1", "0.25", "1"],
        ["0.5", "1", "1"],
        ["1", "1", "0"],
    ];
    let mut runs = Vec::new();
    for (name, sep, setting) in [
        ("comma", ",", ""),
        ("semi", ";", "delimiter = \";\"\n"),
        ("tab", "\t", "delimiter = \"\\t\"\n"),
    ] {
        let text: String = rows.iter().map(|r| r.join(sep) + "\n").collect();
        s.file(&format!("{name}.csv"), &text);
        s.file(
            &format!("{name}.toml"),
            &format!(
                "[data]\nkind = \"csv\"\npath = \"{name}.csv\"\ntarget = \"y\"\n{setting}\
                 [model]\nhidden = [3]\n[train]\nepochs = 50\n"
            ),
        );
        ok(runner(s.path(), &[&format!("{name}.toml"), "-q"]));
        let mut r = read_csv(&s.path().join(format!("results/{name}/runs.csv")));
        r[0].remove("seconds");
        runs.push(r);
        // The written experiment keeps the delimiter, so that it runs again as it is.
        let written =
            std::fs::read_to_string(s.path().join(format!("results/{name}/experiment.toml")))
                .unwrap();
        assert_eq!(
            written.contains("delimiter"),
            !setting.is_empty(),
            "{written}"
        );
    }
    // The same numbers; the ids differ only where the setting is written.
    let numbers = |r: &std::collections::BTreeMap<String, String>| {
        let mut r = r.clone();
        r.remove("id");
        r
    };
    assert_eq!(numbers(&runs[0][0]), numbers(&runs[1][0]));
    assert_eq!(numbers(&runs[0][0]), numbers(&runs[2][0]));
}
