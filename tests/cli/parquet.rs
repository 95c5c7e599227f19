//! The Parquet tables against the CSVs, value for value, read back with the arrow reader as a
//! user's tool would; their types; `[output] formats`; and the rule that leaves `epochs.csv` out
//! of large sweeps.

use crate::common::{ok, read_csv, runner, stderr, Scratch};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::Path;

/// A sweep with every kind of column: a list key, a float key, a text key (variants), seeds,
/// classes and a test split (accuracy and test columns), a target loss (`epochs_to_target`).
const SWEEP: &str = "name = \"pq\"\n[data]\nkind = \"moons\"\nsamples = 60\ntest_fraction = 0.25\n\
    [model]\nhidden = [3]\n[train]\nepochs = 230\nlearning_rate = 0.5\ntarget_loss = 0.2\n\
    [sweep]\n\"model.hidden\" = [[], [3], [4, 2]]\n\"train.learning_rate\" = [0.5, 1.5]\n\
    \"init.seed\" = [0, 1]\n\
    [[variant]]\nname = \"sig\"\n[[variant]]\nname = \"tanh\"\nmodel = { activation = \"tanh\" }\n";

/// Every row of a Parquet file, each cell as the CSV writes it ("" for null), and each column's
/// type.
fn read_parquet(path: &Path) -> (Vec<BTreeMap<String, String>>, BTreeMap<String, DataType>) {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let mut types = BTreeMap::new();
    for batch in reader {
        let batch: RecordBatch = batch.unwrap();
        let start = rows.len();
        rows.extend((0..batch.num_rows()).map(|_| BTreeMap::new()));
        let schema = batch.schema();
        for (f, col) in schema.fields().iter().zip(batch.columns()) {
            types.insert(f.name().clone(), f.data_type().clone());
            for i in 0..col.len() {
                rows[start + i].insert(f.name().clone(), cell(col.as_ref(), i));
            }
        }
    }
    (rows, types)
}

fn cell(col: &dyn Array, i: usize) -> String {
    if col.is_null(i) {
        return String::new();
    }
    match col.data_type() {
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float64 => format!("{:?}", col.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => col.as_boolean().value(i).to_string(),
        DataType::Utf8 => col.as_string::<i32>().value(i).to_string(),
        DataType::List(_) => {
            let list = col.as_list::<i32>().value(i);
            let items: Vec<String> = (0..list.len())
                .map(|j| list.as_primitive::<Int64Type>().value(j).to_string())
                .collect();
            format!("[{}]", items.join(","))
        }
        t => panic!("unexpected column type {t}"),
    }
}

/// Whether a CSV cell and a Parquet cell hold the same value: numbers by their bits, the rest
/// as text.
fn same(csv: &str, pq: &str) -> bool {
    match (csv.parse::<f64>(), pq.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        _ => csv == pq,
    }
}

fn compare(dir: &Path, table: &str) -> BTreeMap<String, DataType> {
    let csv = read_csv(&dir.join(format!("{table}.csv")));
    let (pq, types) = read_parquet(&dir.join(format!("{table}.parquet")));
    assert_eq!(csv.len(), pq.len(), "{table}: row count");
    assert!(!csv.is_empty(), "{table}: no rows");
    for (i, (c, p)) in csv.iter().zip(&pq).enumerate() {
        for (name, value) in c {
            if table == "runs" && name == "seconds" {
                assert!(
                    !p.contains_key(name),
                    "runs.parquet has no wall-clock column"
                );
                continue;
            }
            let got = p
                .get(name)
                .unwrap_or_else(|| panic!("{table}.parquet lacks column {name}"));
            assert!(
                same(value, got),
                "{table} row {i} column {name}: csv {value:?}, parquet {got:?}"
            );
        }
        assert_eq!(
            p.len(),
            c.len() - usize::from(table == "runs"),
            "{table}: columns"
        );
    }
    types
}

#[test]
fn every_parquet_table_holds_the_csv_values_with_typed_columns() {
    let s = Scratch::new();
    s.file("pq.toml", SWEEP);
    ok(runner(s.path(), &["pq.toml", "-q"]));
    let dir = s.path().join("results/pq");
    for table in ["epochs", "runs", "summary", "curves"] {
        let types = compare(&dir, table);
        let list = DataType::List(std::sync::Arc::new(arrow_schema::Field::new(
            "item",
            DataType::Int64,
            true,
        )));
        assert_eq!(types["model.hidden"], list, "{table}");
        assert_eq!(types["model.hidden.units"], DataType::Int64, "{table}");
        if table != "summary" && table != "curves" {
            assert_eq!(types["train.learning_rate"], DataType::Float64, "{table}");
            assert_eq!(types["variant"], DataType::Utf8, "{table}");
            assert_eq!(types["seed"], DataType::Int64, "{table}");
        }
    }
    let (_, types) = read_parquet(&dir.join("epochs.parquet"));
    assert_eq!(types["epoch"], DataType::Int64);
    assert_eq!(types["test_accuracy"], DataType::Float64);
    let (_, types) = read_parquet(&dir.join("runs.parquet"));
    assert_eq!(types["epochs_to_target"], DataType::Int64);
    assert_eq!(types["status"], DataType::Utf8);
}

#[test]
fn formats_choose_the_tables_and_bad_ones_are_refused() {
    let s = Scratch::new();
    let small = "[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 5\n";
    s.file("x.toml", small);
    ok(runner(
        s.path(),
        &["x.toml", "-q", "--set", "output.formats=[\"parquet\"]"],
    ));
    let dir = s.path().join("results/x");
    for t in ["epochs", "runs", "summary", "curves"] {
        assert!(dir.join(format!("{t}.parquet")).exists(), "{t}.parquet");
        assert!(!dir.join(format!("{t}.csv")).exists(), "{t}.csv");
    }
    // Asking for CSV alone removes the Parquet tables runner wrote before; no run trains again
    // (the formats are not part of a run's id).
    let out = ok(runner(
        s.path(),
        &["x.toml", "--set", "output.formats=[\"csv\"]"],
    ));
    assert!(!out.contains("trained"), "{out}");
    for t in ["epochs", "runs", "summary", "curves"] {
        assert!(!dir.join(format!("{t}.parquet")).exists(), "{t}.parquet");
        assert!(dir.join(format!("{t}.csv")).exists(), "{t}.csv");
    }
    for (value, needle) in [
        (
            "[\"xlsx\"]",
            "key `output.formats`: \"xlsx\" is not a format; use \"csv\", \"parquet\" or both",
        ),
        (
            "[]",
            "key `output.formats`: is empty; give at least one of \"csv\" and \"parquet\"",
        ),
    ] {
        let o = runner(
            s.path(),
            &["x.toml", "--set", &format!("output.formats={value}")],
        );
        assert_eq!(o.status.code(), Some(1), "{value}");
        assert!(stderr(&o).contains(needle), "{value}: {}", stderr(&o));
    }
}

#[test]
fn a_sweep_logging_over_a_million_rows_writes_epochs_parquet_alone_and_says_so() {
    let s = Scratch::new();
    s.file(
        "long.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = []\n[train]\nepochs = 1_000_001\n[output]\nevery = 1\nreport = false\n",
    );
    let o = runner(s.path(), &["long.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = s.path().join("results/long");
    assert!(!dir.join("epochs.csv").exists());
    assert!(dir.join("epochs.parquet").exists() && dir.join("runs.csv").exists());
    assert!(
        stderr(&o).contains("note: no epochs.csv: the sweep logs more than 1000000 rows"),
        "{}",
        stderr(&o)
    );
    let (rows, _) = read_parquet(&dir.join("epochs.parquet"));
    assert_eq!(rows.len(), 1_000_001);
    assert_eq!(rows[1_000_000]["epoch"], "1000000");
}
