//! Large data under a memory limit: a CSV of many rows trains under `ulimit -v` (the address
//! space limit that made a 100 MB file abort), a tighter limit is refused before anything is
//! written, and a "class" column of distinct values is refused, never an abort. The audit's
//! million rows and 1 GiB are scaled to 300 000 rows, so the test takes seconds.

use super::common::*;
use std::fmt::Write as _;
use std::process::{Command, Output};

const ROWS: usize = 300_000;

/// A CSV of `ROWS` rows: four inputs drawn from a small LCG, and the label of their quadrant.
fn csv(class_per_row: bool) -> String {
    let mut s = String::from("a,b,c,d,y\n");
    let mut state: u64 = 1;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    for i in 0..ROWS {
        let v: Vec<f64> = (0..4).map(|_| next()).collect();
        let y = if class_per_row {
            format!("c{i}")
        } else {
            u8::from(v[0] * v[1] > 0.0).to_string()
        };
        let _ = writeln!(s, "{:.6},{:.6},{:.6},{:.6},{y}", v[0], v[1], v[2], v[3]);
    }
    s
}

/// `runner ARGS` under `ulimit -v KB` in `dir`.
fn limited(dir: &std::path::Path, kb: u64, args: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {kb} && exec \"$0\" {args}"))
        .arg(env!("CARGO_BIN_EXE_runner"))
        .current_dir(dir)
        .output()
        .expect("bash starts")
}

const EXP: &str = "[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = \"y\"\n[model]\nhidden = [16, 16]\n[train]\nepochs = 3\n";

#[test]
fn a_large_csv_trains_under_an_address_space_limit_or_is_refused_never_aborts() {
    let s = Scratch::new();
    s.file("d.csv", &csv(false));
    s.file("big.toml", EXP);
    // 768 MiB: the data (about 25 MB of text, 12 MB of values) and every copy fit.
    let o = limited(s.path(), 768 * 1024, "big.toml --threads 2");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("results in"), "{}", stdout(&o));
    let lines = std::fs::read_to_string(s.path().join("results/big/runs.csv")).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    // Too tight a limit: refused before anything is written, naming the limit.
    let o = limited(s.path(), 330 * 1024, "big.toml --out tight");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("more than the address space `ulimit -v` allows"),
        "{e}"
    );
    assert!(
        e.contains("the data file `") && e.contains("d.csv` (`data.path`)"),
        "{e}"
    );
    assert!(!s.path().join("tight").exists());
}

#[test]
fn a_class_column_of_distinct_values_is_refused_not_one_hot_encoded() {
    let s = Scratch::new();
    s.file("d.csv", &csv(true));
    s.file(
        "classes.toml",
        &EXP.replace(
            "[train]",
            "output = \"softmax\"\n[train]\nloss = \"cross_entropy\"",
        ),
    );
    let o = runner(s.path(), &["classes.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("the target column holds 300000 distinct values over 300000 rows"),
        "{e}"
    );
    assert!(e.contains("`model.output = \"identity\"`"), "{e}");
    assert!(!s.path().join("results").exists());
}
