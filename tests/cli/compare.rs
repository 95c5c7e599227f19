//! `runner report A B --out DIR`: one report over several results folders, each configuration
//! labelled by its folder, drawn from the folders' own stored runs, written as safely as an
//! experiment's files.

use crate::common::*;
use std::path::Path;

const PERCEPTRON: &str = "name = \"flat\"\n[data]\nkind = \"moons\"\nsamples = 60\nnoise = 0.2\n\
[model]\nhidden = []\n[train]\nepochs = 200\n[sweep]\n\"init.seed\" = [0, 1, 2]\n";
const HIDDEN: &str = "name = \"deep\"\n[data]\nkind = \"moons\"\nsamples = 60\nnoise = 0.2\n\
test_fraction = 0.25\n[train]\nepochs = 300\n[sweep]\n\"model.hidden\" = [[2], [4]]\n\"init.seed\" = [0, 1]\n";

/// The interactive curves' data of a report: per series label, its points for each metric.
fn curves(page: &str) -> serde_json::Value {
    let start = page.find("id=\"runner-curves\">").unwrap() + "id=\"runner-curves\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

/// Series `label`'s points for metric `name`.
fn series<'a>(data: &'a serde_json::Value, label: &str, name: &str) -> &'a serde_json::Value {
    let m = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m == name)
        .unwrap();
    let s = data["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no series `{label}` in {data}"));
    &s["curves"][m]
}

/// The comparison of the two folders into `results/both`.
const BOTH: [&str; 5] = [
    "report",
    "results/flat",
    "results/deep",
    "--out",
    "results/both",
];

fn two_folders(s: &Scratch) {
    s.file("flat.toml", PERCEPTRON);
    s.file("deep.toml", HIDDEN);
    ok(runner(s.path(), &["flat.toml", "-q"]));
    ok(runner(s.path(), &["deep.toml", "-q"]));
}

#[test]
fn a_comparison_labels_each_configuration_by_its_folder_and_draws_the_folders_own_curves() {
    let s = Scratch::new();
    two_folders(&s);
    let out = ok(runner(s.path(), &BOTH));
    let table: Vec<&str> = out.lines().collect();
    assert!(
        table[1].starts_with("flat ") && table[1].contains(" 3 "),
        "{out}"
    );
    assert!(table[2].starts_with("deep · hidden=[2] "), "{out}");
    assert!(table[3].starts_with("deep · hidden=[4] "), "{out}");
    assert!(
        out.ends_with("report in results/both/report.html\n"),
        "{out}"
    );
    let dir = s.path().join("results/both");
    let page = read_text(&dir.join("report.html"));
    roxmltree::Document::parse(&page.replace("<!DOCTYPE html>", "")).unwrap();
    assert!(page.contains("<h1>flat vs deep</h1>"));
    // The curves are each folder's own, only relabelled; the test loss only the folder that
    // has a test split.
    let both = curves(&page);
    let flat = curves(&read_text(&s.path().join("results/flat/report.html")));
    let deep = curves(&read_text(&s.path().join("results/deep/report.html")));
    assert_eq!(series(&both, "flat", "loss"), series(&flat, "all", "loss"));
    for h in ["hidden=[2]", "hidden=[4]"] {
        for m in ["loss", "accuracy", "test_loss"] {
            assert_eq!(
                series(&both, &format!("deep · {h}"), m),
                series(&deep, h, m),
                "{h} {m}"
            );
        }
    }
    assert_eq!(series(&both, "flat", "test_loss"), &serde_json::json!([]));
    // Every figure, and the folders are untouched.
    let mut plots = files(&dir.join("plots"));
    plots.sort();
    assert_eq!(
        plots,
        [
            "accuracy.svg",
            "boundaries.svg",
            "boundary_epochs.svg",
            "compare_model_hidden.svg",
            "loss.svg",
            "snapshots.safetensors",
            "units.svg",
            "weights.svg"
        ]
    );
    let svg = read_text(&dir.join("plots/loss.svg"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        texts.contains(&"flat") && texts.contains(&"deep · hidden=[4]"),
        "{texts:?}"
    );
    // Again: the same table and the same files.
    let first: Vec<String> = ["report.html", "plots/loss.svg", "plots/weights.svg"]
        .iter()
        .map(|f| read_text(&dir.join(f)))
        .collect();
    let again = ok(runner(s.path(), &BOTH));
    assert_eq!(again, out);
    for (f, before) in ["report.html", "plots/loss.svg", "plots/weights.svg"]
        .iter()
        .zip(&first)
    {
        assert_eq!(&read_text(&dir.join(f)), before, "{f}");
    }
    // The same bytes on one thread.
    let before = std::fs::read(dir.join("report.html")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_runner"))
        .current_dir(s.path())
        .env("RAYON_NUM_THREADS", "1")
        .args([
            "report",
            "results/flat",
            "results/deep",
            "--out",
            "results/one",
        ])
        .output()
        .unwrap();
    ok(o);
    assert_eq!(
        std::fs::read(s.path().join("results/one/report.html")).unwrap(),
        before
    );
}

#[test]
fn a_comparison_is_refused_where_it_would_write_over_what_is_not_its_own() {
    let s = Scratch::new();
    two_folders(&s);
    let flat_files = contents(&s.path().join("results/flat"));
    let err = |args: &[&str]| {
        let o = runner(s.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        stderr(&o)
    };
    let e = err(&["report", "results/flat", "results/deep"]);
    assert!(e.contains("--out DIR") && e.lines().count() == 1, "{e}");
    let e = err(&[
        "report",
        "results/flat",
        "results/deep",
        "--out",
        "results/flat",
    ]);
    assert!(e.contains("one of the folders compared"), "{e}");
    let e = err(&["report", "results/deep", "--out", "results/flat"]);
    assert!(e.contains("holds the results of experiment `flat`"), "{e}");
    assert_eq!(contents(&s.path().join("results/flat")), flat_files);
    // A file runner did not write stays, and nothing is written.
    std::fs::create_dir_all(s.path().join("mine")).unwrap();
    s.file("mine/report.html", "my page");
    let e = err(&["report", "results/flat", "results/deep", "--out", "mine"]);
    assert!(e.contains("was not written by runner"), "{e}");
    assert_eq!(read_text(&s.path().join("mine/report.html")), "my page");
    assert!(!s.path().join("mine/plots").exists());
    // What an earlier comparison wrote and this one does not is removed; what it did not
    // write stays.
    ok(runner(s.path(), &BOTH));
    s.file("results/both/notes.txt", "mine");
    ok(runner(
        s.path(),
        &["report", "results/flat", "--out", "results/both"],
    ));
    let plots = files(&s.path().join("results/both/plots"));
    assert!(
        !plots.contains(&"compare_model_hidden.svg".to_string()),
        "{plots:?}"
    );
    assert_eq!(read_text(&s.path().join("results/both/notes.txt")), "mine");
    // An edited file is kept, and replaced with --force.
    std::fs::write(s.path().join("results/both/report.html"), "edited").unwrap();
    let e = err(&BOTH);
    assert!(e.contains("--force"), "{e}");
    assert_eq!(
        read_text(&s.path().join("results/both/report.html")),
        "edited"
    );
    ok(runner(s.path(), &[&BOTH[..], &["--force"]].concat()));
    assert!(read_text(&s.path().join("results/both/report.html")).starts_with("<!DOCTYPE html>"));
    // An unfinished folder is named.
    s.file("more.toml", &PERCEPTRON.replace("flat", "more"));
    ok(runner(s.path(), &["more.toml", "-q", "--shard", "1/2"]));
    let e = err(&[
        "report",
        "results/flat",
        "results/more",
        "--out",
        "results/both",
    ]);
    assert!(e.contains("more"), "{e}");
}

fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}
