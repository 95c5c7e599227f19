//! Helpers: run the binary in a scratch folder, read CSV files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A scratch folder that is removed when dropped.
pub struct Scratch(pub tempfile::TempDir);

impl Scratch {
    pub fn new() -> Self {
        Scratch(tempfile::tempdir().expect("temp dir"))
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
    /// Writes `text` to `name` inside the scratch folder and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    /// Every file below the scratch folder, relative, sorted.
    pub fn listing(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(self.path(), self.path(), &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// Runs `runner args…` with `cwd` as working directory.
pub fn runner(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runner starts")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "runner failed: {}", stderr(&o));
    stdout(&o)
}

/// The shipped experiment `name`, as an absolute path.
pub fn experiment(name: &str) -> String {
    format!("{ROOT}/experiments/{name}")
}

/// A CSV file as rows of column name → cell.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            head.iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

pub fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .unwrap_or_else(|| panic!("no column {col} in {row:?}"))
        .parse()
        .unwrap()
}

/// Asserts `got` is within relative `rel` of `want`.
pub fn assert_rel(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: got {got}, want {want} (rel {rel})"
    );
}

/// Every file of a results folder but runner's state (`.runner/`), relative and sorted, with
/// runs.csv's wall-clock `seconds` column cut off and binary files (the weights) as hex.
pub fn contents(dir: &Path) -> Vec<(String, String)> {
    let mut names = Vec::new();
    walk(dir, dir, &mut names);
    names.retain(|n| !n.starts_with(".runner"));
    names.sort();
    for name in [
        "epochs.csv",
        "runs.csv",
        "summary.csv",
        "curves.csv",
        "experiment.toml",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{}: no {name}",
            dir.display()
        );
    }
    names
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            let text = match String::from_utf8(bytes.clone()) {
                Ok(text) if name == "runs.csv" => text
                    .lines()
                    .map(|l| l.rsplit_once(',').unwrap().0)
                    .collect::<Vec<_>>()
                    .join("\n"),
                Ok(text) => text,
                Err(_) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            };
            (name, text)
        })
        .collect()
}

/// The pack files of `DIR`'s store, sorted.
pub fn packs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.join(".runner/packs"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// The runs being trained in `DIR` (their claim files), sorted.
pub fn claims(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join(".runner/claims"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// How many run entries `DIR`'s store holds (a run trained twice counts twice).
pub fn stored_entries(dir: &Path) -> usize {
    packs(dir)
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            bytes.windows(6).filter(|w| w == b"\n@run ").count()
        })
        .sum()
}
