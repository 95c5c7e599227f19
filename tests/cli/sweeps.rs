//! Sweeps: byte-identical files whatever the thread count, resuming after kill -9 or Ctrl-C,
//! divergence as a result, the plan, and the summaries across seeds.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// 3 hidden sizes × 4 seeds on moons with a split; small enough for a test.
const SWEEP: &str = "name = \"sweep\"
[data]
kind = \"moons\"
samples = 60
noise = 0.2
test_fraction = 0.25
[train]
epochs = 400
target_loss = 2.0
[output]
every = 7
[sweep]
\"model.hidden\" = [[], [3], [4, 2]]
\"init.seed\" = { range = [0, 4] }
";

#[test]
fn files_are_identical_for_1_2_and_4_threads_and_on_reruns() {
    let s = Scratch::new();
    s.file("sweep.toml", SWEEP);
    for t in ["1", "2", "4"] {
        ok(runner(
            s.path(),
            &["sweep.toml", "--threads", t, "--out", t, "-q"],
        ));
    }
    let one = contents(&s.path().join("1"));
    assert_eq!(one, contents(&s.path().join("2")));
    assert_eq!(one, contents(&s.path().join("4")));
    let runs = read_csv(&s.path().join("1/runs.csv"));
    assert_eq!(runs.len(), 12);
    assert_eq!(runs[5]["run"], "hidden=[3] seed=1");
    assert_eq!(
        (runs[5]["model.hidden"].as_str(), runs[5]["seed"].as_str()),
        ("[3]", "1")
    );
    // Ids come from the configuration, not the position: the same run in a smaller sweep
    // has the same id.
    ok(runner(
        s.path(),
        &[
            "sweep.toml",
            "--set",
            "model.hidden=[3]",
            "--out",
            "single",
            "-q",
        ],
    ));
    let single = read_csv(&s.path().join("single/runs.csv"));
    assert_eq!(single[1]["id"], runs[5]["id"]);
    assert_eq!(single[1]["final_loss"], runs[5]["final_loss"]);
}

#[test]
fn summary_and_curves_aggregate_across_seeds() {
    let s = Scratch::new();
    s.file("sweep.toml", SWEEP);
    let table = ok(runner(s.path(), &["sweep.toml", "-q", "--out", "o"]));
    assert!(table.starts_with("configuration  runs"), "{table}");
    assert!(table.contains("hidden=[4,2]      4"), "{table}");
    let runs = read_csv(&s.path().join("o/runs.csv"));
    let summary = read_csv(&s.path().join("o/summary.csv"));
    // Lists are written without spaces, with their total units and depth beside them.
    let last = summary.last().unwrap();
    assert_eq!(
        (
            last["model.hidden"].as_str(),
            last["model.hidden.units"].as_str()
        ),
        ("[4,2]", "6")
    );
    assert_eq!(last["model.hidden.layers"], "2");
    assert_eq!(summary[0]["model.hidden.units"], "0");

    assert_eq!(summary.len(), 3);
    assert_eq!(summary[1]["model.hidden"], "[3]");
    assert_eq!(summary[1]["runs"], "4");
    let finals: Vec<f64> = runs[4..8].iter().map(|r| num(r, "final_loss")).collect();
    let mean = finals.iter().sum::<f64>() / 4.0;
    assert_rel(
        num(&summary[1], "final_loss_mean"),
        mean,
        1e-12,
        "mean of final losses",
    );
    let max = finals.iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(num(&summary[1], "final_loss_max"), max);
    assert!(summary[1].contains_key("test_accuracy_std"));
    assert!(summary[1].contains_key("epochs_to_target_mean"));
    // curves.csv: per configuration per logged epoch (0, 7, …, 392, 399 = 57·7), mean across 4 seeds.
    let curves = read_csv(&s.path().join("o/curves.csv"));
    assert_eq!(curves.len(), 3 * 58);
    let epochs = read_csv(&s.path().join("o/epochs.csv"));
    let at7: Vec<f64> = epochs
        .iter()
        .filter(|r| r["model.hidden"] == "[]" && r["epoch"] == "7")
        .map(|r| num(r, "loss"))
        .collect();
    assert_eq!(at7.len(), 4);
    let c = curves
        .iter()
        .find(|r| r["model.hidden"] == "[]" && r["epoch"] == "7")
        .unwrap();
    assert_eq!(c["n"], "4");
    assert_rel(
        num(c, "loss_mean"),
        at7.iter().sum::<f64>() / 4.0,
        1e-12,
        "curve mean",
    );
}

#[test]
fn divergence_is_recorded_and_the_sweep_goes_on() {
    let s = Scratch::new();
    s.file(
        "div.toml",
        "[data]\nkind = \"moons\"\n[model]\nhidden = [4]\noutput = \"identity\"\nactivation = \"identity\"\n[train]\nloss = \"mse\"\nepochs = 300\n[sweep]\n\"train.learning_rate\" = [0.01, 50.0]\n",
    );
    let out = ok(runner(s.path(), &["div.toml", "-q", "--out", "o"]));
    assert!(out.contains("diverged at epoch"), "{out}");
    let runs = read_csv(&s.path().join("o/runs.csv"));
    assert_eq!(runs[0]["status"], "ok");
    assert_eq!(runs[1]["status"], "diverged");
    let at: usize = runs[1]["diverged_epoch"].parse().unwrap();
    assert!(at > 0 && at < 300, "diverged at {at}");
    let epochs = read_csv(&s.path().join("o/epochs.csv"));
    let curve: Vec<_> = epochs
        .iter()
        .filter(|r| r["run"] == runs[1]["run"])
        .collect();
    // 300 epochs log every 2nd by default (about 200 points), and the diverged epoch.
    let logged: Vec<usize> = curve.iter().map(|r| r["epoch"].parse().unwrap()).collect();
    let expected: Vec<usize> = (0..at).filter(|e| e % 2 == 0).chain([at]).collect();
    assert_eq!(logged, expected, "its curve up to the divergence");
    let n = curve.len();
    assert!(!num(curve[n - 1], "loss").is_finite());
    assert!(num(curve[n - 2], "loss").is_finite());
    let summary = read_csv(&s.path().join("o/summary.csv"));
    assert_eq!(summary[1]["diverged"], "1");
    // Logged every 1000th epoch: the diverged epoch is off the grid and still gets its row,
    // with its training accuracy written like its test accuracy.
    s.file(
        "sparse.toml",
        "[data]\nkind = \"moons\"\ntest_fraction = 0.25\n[model]\nhidden = [4]\noutput = \"identity\"\nactivation = \"identity\"\n[train]\nloss = \"mse\"\nlearning_rate = 50.0\nepochs = 300\n[output]\nevery = 1000\n",
    );
    ok(runner(s.path(), &["sparse.toml", "-q", "--out", "p"]));
    let rows = read_csv(&s.path().join("p/epochs.csv"));
    let last = rows.last().unwrap();
    assert!(!num(last, "loss").is_finite(), "{last:?}");
    assert!(
        !last["accuracy"].is_empty() && !last["test_accuracy"].is_empty(),
        "{last:?}"
    );
}

#[test]
fn plan_shows_the_runs_and_writes_nothing() {
    let s = Scratch::new();
    s.file("sweep.toml", SWEEP);
    for args in [
        &["plan", "sweep.toml"][..],
        &["sweep.toml", "--dry-run"][..],
    ] {
        let out = ok(runner(s.path(), args));
        assert!(out.starts_with("experiment `sweep` (sweep.toml): 12 runs\noutputs: results/sweep (new folder)\nwork: "), "{out}");
        assert!(out.contains("hidden=[4,2] seed=3"), "{out}");
        assert_eq!(s.listing(), ["sweep.toml"]);
    }
    ok(runner(s.path(), &["sweep.toml", "-q"]));
    let out = ok(runner(s.path(), &["plan", "sweep.toml"]));
    assert!(
        out.contains("outputs: results/sweep (12 of 12 runs already stored there; 0 to train)"),
        "{out}"
    );
}

/// A sweep long enough to interrupt: 16 runs, one thread.
const LONG: &str = "[data]
kind = \"moons\"
samples = 200
[model]
hidden = [16]
[train]
epochs = 30000
[output]
every = 500
[sweep]
\"init.seed\" = { range = [0, 16] }
";

/// Starts the long sweep, waits until at least two runs are finished, then sends `signal`.
fn interrupt(dir: &Path, signal: &str) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(["long.toml", "--threads", "1", "--out", "cut", "-q"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let cut = dir.join("cut");
    let start = Instant::now();
    loop {
        if stored_entries(&cut) >= 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "sweep too slow to interrupt"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

#[test]
fn resuming_after_kill_9_equals_an_uninterrupted_sweep() {
    let s = Scratch::new();
    s.file("long.toml", LONG);
    let status = interrupt(s.path(), "-KILL");
    assert!(!status.success());
    let finished = stored_entries(&s.path().join("cut"));
    assert!(
        finished < 16,
        "the sweep finished before the kill; make it longer"
    );
    // Running the same command again resumes.
    ok(runner(
        s.path(),
        &["long.toml", "--threads", "2", "--out", "cut", "-q"],
    ));
    ok(runner(s.path(), &["long.toml", "--out", "whole", "-q"]));
    assert_eq!(
        contents(&s.path().join("cut")),
        contents(&s.path().join("whole"))
    );
}

#[test]
fn ctrl_c_stops_cleanly_and_running_again_resumes() {
    let s = Scratch::new();
    s.file("long.toml", LONG);
    let status = interrupt(s.path(), "-INT");
    assert_eq!(status.code(), Some(130));
    assert!(!s.path().join("cut/epochs.csv").exists());
    assert_eq!(claims(&s.path().join("cut")), Vec::<String>::new());
    ok(runner(s.path(), &["long.toml", "--out", "cut", "-q"]));
    ok(runner(s.path(), &["long.toml", "--out", "whole", "-q"]));
    assert_eq!(
        contents(&s.path().join("cut")),
        contents(&s.path().join("whole"))
    );
}

/// Overrides after the experiment, as Hydra writes them, are `--set`s: the same runs and
/// files; `range(…)`, `choice(…)` and a `{ range = […] }` table sweep; `+key` is the key; a
/// key given twice is refused before anything is written.
#[test]
fn hydra_style_overrides_are_set_arguments() {
    let s = Scratch::new();
    let exp = s.file(
        "h.toml",
        "[data]\nkind = \"moons\"\n[model]\nhidden = [2]\n[train]\nepochs = 20\n",
    );
    let exp = exp.to_str().unwrap();
    let a = runner(
        s.path(),
        &[
            exp,
            "--out",
            "a",
            "-q",
            "--set",
            "init.seed=0,1,2",
            "--set",
            "train.epochs=7",
        ],
    );
    assert!(a.status.success(), "{}", stderr(&a));
    for (out, args) in [
        ("b", vec!["init.seed=range(0,3)", "train.epochs=7"]),
        ("c", vec!["init.seed={range=[0,3]}", "+train.epochs=7"]),
        ("d", vec!["init.seed=choice(0,1,2)", "++train.epochs=7"]),
    ] {
        let mut argv = vec![exp, "--out", out, "-q"];
        argv.extend(args);
        let o = runner(s.path(), &argv);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        let table =
            |o: &std::process::Output| stdout(o).lines().take(2).collect::<Vec<_>>().join("\n");
        assert_eq!(table(&o), table(&a), "{out}");
        for f in ["epochs.csv", "summary.csv"] {
            assert_eq!(
                std::fs::read(s.path().join("a").join(f)).unwrap(),
                std::fs::read(s.path().join(out).join(f)).unwrap(),
                "{out}/{f}"
            );
        }
    }
    let plan = runner(s.path(), &["plan", exp, "init.seed=range(0,3)"]);
    assert!(stdout(&plan).contains(": 3 runs"), "{}", stdout(&plan));
    let twice = runner(
        s.path(),
        &[
            exp,
            "--out",
            "e",
            "train.epochs=5",
            "--set",
            "train.epochs=6",
        ],
    );
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        stderr(&twice).contains("`train.epochs` is given twice on the command line (`6` and `5`)"),
        "{}",
        stderr(&twice)
    );
    assert!(!s.path().join("e").exists());
    let bad = runner(s.path(), &[exp, "init.seed=range(5,0)"]);
    assert!(
        stderr(&bad).contains("is empty: stop must be above start"),
        "{}",
        stderr(&bad)
    );
}

/// The table exported as hyperfine exports: JSON (the `--json` objects), CSV (statistics
/// flattened) and Markdown (as printed), and `runner plan --json`; the same values everywhere.
#[test]
fn the_table_exports_to_json_csv_and_markdown_and_plan_prints_json() {
    let s = Scratch::new();
    let exp = s.file(
        "x.toml",
        "[data]\nkind = \"moons\"\n[train]\nepochs = 30\n[sweep]\n\"model.hidden\" = [[], [3]]\n\"init.seed\" = [0, 1, 2]\n",
    );
    let exp = exp.to_str().unwrap();
    let o = runner(
        s.path(),
        &[
            exp,
            "-q",
            "--export-json",
            "t.json",
            "--export-csv",
            "t.csv",
            "--export-markdown",
            "t.md",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("t.json")).unwrap()).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let csv = read_csv(&s.path().join("t.csv"));
    assert_eq!(csv.len(), 2);
    for (j, c) in rows.iter().zip(&csv) {
        assert_eq!(j["configuration"], c["configuration"].as_str());
        assert_eq!(
            j["final_loss"]["mean"].as_f64().unwrap(),
            num(c, "final_loss_mean")
        );
        assert_eq!(
            j["final_loss"]["n"].as_f64().unwrap(),
            num(c, "final_loss_n")
        );
    }
    let md = std::fs::read_to_string(s.path().join("t.md")).unwrap();
    let table = stdout(&o);
    let lines: Vec<&str> = md.lines().collect();
    assert!(
        lines[0].starts_with("| configuration | runs | final_loss |"),
        "{md}"
    );
    assert_eq!(
        lines[1].matches("---:").count(),
        lines[0].matches(" | ").count()
    );
    let first = table
        .lines()
        .nth(1)
        .unwrap()
        .split("  ")
        .find(|c| !c.is_empty())
        .unwrap();
    assert!(
        lines[2].starts_with(&format!("| {first} |")),
        "{md}\n{table}"
    );
    assert!(md.contains("mean ± sample std across seeds"), "{md}");
    // Up to date: the exports are written again from the stored runs.
    std::fs::remove_file(s.path().join("t.csv")).unwrap();
    assert!(runner(s.path(), &[exp, "-q", "--export-csv", "t.csv"])
        .status
        .success());
    assert_eq!(read_csv(&s.path().join("t.csv")), csv);
    // The plan as JSON.
    let plan = runner(s.path(), &["plan", exp, "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&plan)).unwrap();
    assert_eq!(plan["runs"].as_array().unwrap().len(), 6);
    assert_eq!(plan["runs"][1]["run"], "hidden=[] seed=1");
    assert!(plan["memory_bytes"].as_f64().unwrap() > 0.0);
    // A shard's plan: the shards' runs make the whole, each once.
    let mut ids: Vec<String> = Vec::new();
    for k in ["0/2", "1/2"] {
        let p = runner(s.path(), &["plan", exp, "--json", "--shard", k]);
        let p: serde_json::Value = serde_json::from_str(&stdout(&p)).unwrap();
        ids.extend(
            p["runs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].to_string()),
        );
    }
    ids.sort();
    let mut all: Vec<String> = plan["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    all.sort();
    assert_eq!(ids, all);
    // The status as JSON: every run finished, the files up to date.
    let status = runner(s.path(), &["status", "results/x", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(
        (status["finished"].as_u64(), status["runs"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(status["files_up_to_date"], true);
    assert_eq!(status["missing"].as_array().unwrap().len(), 0);
}

#[test]
fn only_trains_the_runs_it_names_and_the_full_sweep_reuses_them() {
    let s = Scratch::new();
    s.file("sweep.toml", SWEEP);
    let all = ok(runner(s.path(), &["plan", "sweep.toml", "--json"]));
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    let labels: Vec<String> = all["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_str().unwrap().to_string())
        .collect();
    // Some word of the first label (a variant or a key's value), and one whole label.
    let word = labels[0].split(' ').next().unwrap().to_string();
    let last = labels.last().unwrap().clone();
    let o = runner(
        s.path(),
        &[
            "sweep.toml",
            "--only",
            &word,
            "--only",
            &last,
            "--json",
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = read_csv(&s.path().join("results/sweep/runs.csv"));
    let want: Vec<&String> = labels
        .iter()
        .filter(|l| l.split(' ').any(|w| w == word) || **l == last)
        .collect();
    assert!(want.len() < labels.len() && !want.is_empty(), "{labels:?}");
    assert_eq!(runs.len(), want.len());
    // The status of the folder counts the runs --only chose.
    let status = ok(runner(s.path(), &["status", "results/sweep", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["runs"], want.len(), "{status}");
    // The whole sweep then trains only the rest.
    let o = runner(s.path(), &["sweep.toml"]);
    let note = stderr(&o);
    assert!(
        note.contains(&format!(
            "{} runs reused from the store, {} trained",
            want.len(),
            labels.len() - want.len()
        )),
        "{note}"
    );
    // A filter that names nothing is refused before anything is written.
    let before = s.listing();
    let o = runner(
        s.path(),
        &["sweep.toml", "--only", "hiden=[4]", "--out", "other"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`--only hiden=[4]` names no run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.listing(), before);
}
