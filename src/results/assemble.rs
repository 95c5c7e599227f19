//! Assembling the result files from the store, under the folder's lock.
//!
//! Files are written only when their content changes: a finished experiment run again finds
//! its files up to date ([`up_to_date`], which only reads) and writes nothing, so it works on a
//! read-only folder. runner replaces only files it wrote itself (its index says which), and
//! removes the ones it wrote for an earlier experiment that this one does not have, so the
//! files always describe the experiment just run.

use super::parquet::{self, ParquetRows};
use super::{
    extras, resolved_toml, summary, write_predictions, write_runs, Columns, CsvRows, Rows,
};
use crate::config::Spec;
use crate::format::num;
use crate::job::prepare::Prepared;
use crate::store::{stage, FileState, Index, RunRecord, Staged, Store, StoreError, Written};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// Hash of the experiment: its name, description and columns, and each run's label, id and
/// what the folder shows of it, which the id leaves out. A run's id is a hash of its every
/// other setting and its data, so this determines `experiment.toml` without writing it out.
pub fn fingerprint(exp: &Spec) -> String {
    hex::encode(experiment(exp).finalize())
}

/// The hash [`fingerprint`] finishes.
fn experiment(exp: &Spec) -> Sha256 {
    let mut h = Sha256::new();
    h.update(format!("{:?} {:?} {:?}\n", exp.name, exp.description, exp.columns).as_bytes());
    for r in &exp.runs {
        let shown = (
            r.weights, r.report, r.formats, &r.variant, &r.swept, &r.config,
        );
        h.update(format!("{} {:?} {shown:?}\n", r.id, r.label).as_bytes());
    }
    h
}

/// The version of what assembly writes: bump it when a file is added or its format changes,
/// so that folders assembled before are assembled again (2: `confusion.csv`,
/// `validation_score`; 3: lists without spaces, `model.hidden.units` and `.layers`; 4:
/// `experiment.toml` with the shared settings once; 5: `r2` and `test_r2`, the input columns'
/// names with the weights, `plots/units.svg` and the report's interactive curves; 6: the
/// weights over training and `plots/snapshots.safetensors`).
pub const FILES_FORMAT: u32 = 6;

/// Hash of everything the result files are assembled from: runner's version, the experiment
/// ([`fingerprint`]) and each run's record checksum (the record carries its rows' hash).
pub fn key<'a>(exp: &Spec, sums: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    // Another runner may write other files (a report drawn otherwise) from the same runs.
    h.update(concat!("runner ", env!("CARGO_PKG_VERSION"), "\n").as_bytes());
    h.update(format!("files {FILES_FORMAT}\n").as_bytes());
    h.update(experiment(exp).finalize());
    for sum in sums {
        h.update(sum.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Whether the folder's files already are the ones `key` describes (only reads).
pub fn up_to_date(store: &Store, key: &str) -> bool {
    match store.index() {
        Ok(index) => {
            index.key == key
                && !index.files.is_empty()
                && index
                    .files
                    .iter()
                    .all(|w| w.state(&store.dir) != FileState::Missing)
        }
        Err(_) => false,
    }
}

/// Files that are drawn rather than assembled from the store (the report): their names, and
/// how to make them once the runs are finished.
pub struct Drawn<'a> {
    pub names: Vec<String>,
    pub draw: &'a dyn Fn() -> io::Result<Vec<(String, Vec<u8>)>>,
}

/// What the top-level tables are written from.
struct Sources<'a> {
    store: &'a Store,
    exp: &'a Spec,
    cols: &'a Columns,
    runs: &'a [Prepared],
    records: &'a [RunRecord],
}

/// A table at the top of the results folder: its name, whether an experiment has it, and how
/// it is written. [`TABLES`] is the one list that both assembly and [`planned`] read.
struct Table {
    name: &'static str,
    wanted: fn(&Sources) -> bool,
    write: fn(&mut dyn Write, &Sources) -> io::Result<()>,
}

/// Every top-level table, in the order they are written. The four tables that have rows of
/// numbers come as CSV and as Parquet ([`parquet`]), from the same rows.
const TABLES: [Table; 11] = [
    Table {
        name: "epochs.csv",
        wanted: |s| s.formats().epochs_csv,
        write: |w, s| write_epochs(&mut CsvRows::new(w), s.store, s.exp, s.cols),
    },
    Table {
        name: "epochs.parquet",
        wanted: |s| s.formats().parquet,
        write: |w, s| write_epochs(&mut s.parquet(w), s.store, s.exp, s.cols),
    },
    Table {
        name: "runs.csv",
        wanted: |s| s.formats().csv,
        write: |w, s| write_runs(&mut CsvRows::new(w), s.exp, s.cols, s.records, true),
    },
    Table {
        name: "runs.parquet",
        wanted: |s| s.formats().parquet,
        write: |w, s| write_runs(&mut s.parquet(w), s.exp, s.cols, s.records, false),
    },
    Table {
        name: "predictions.csv",
        wanted: |s| s.exp.runs.iter().any(|r| r.predict.is_some()),
        write: |w, s| write_predictions(w, s.exp, s.cols, s.runs, s.records),
    },
    Table {
        name: "confusion.csv",
        wanted: |s| super::confusion::wanted(s.runs),
        write: |w, s| super::confusion::write(w, s.exp, s.cols, s.runs, s.records),
    },
    Table {
        name: "summary.csv",
        wanted: |s| s.formats().csv,
        write: |w, s| summary::write_summary(&mut CsvRows::new(w), s.exp, s.cols, s.records),
    },
    Table {
        name: "summary.parquet",
        wanted: |s| s.formats().parquet,
        write: |w, s| summary::write_summary(&mut s.parquet(w), s.exp, s.cols, s.records),
    },
    Table {
        name: "curves.csv",
        wanted: |s| s.formats().csv,
        write: |w, s| summary::write_curves(&mut CsvRows::new(w), s.exp, s.cols, s.store),
    },
    Table {
        name: "curves.parquet",
        wanted: |s| s.formats().parquet,
        write: |w, s| summary::write_curves(&mut s.parquet(w), s.exp, s.cols, s.store),
    },
    Table {
        name: "experiment.toml",
        wanted: |_| true,
        write: |w, s| w.write_all(resolved_toml(s.exp).as_bytes()),
    },
];

/// Logged rows above which `epochs.csv` is left out unless `[output] formats` asks for CSV:
/// about 100 MB of CSV, more than a spreadsheet or `pandas.read_csv` handles comfortably;
/// `epochs.parquet` holds the same rows in a fraction of the space.
pub const EPOCHS_CSV_ROWS: u64 = 1_000_000;

/// The formats the tables are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub csv: bool,
    pub parquet: bool,
    /// Whether `epochs.csv` is written: with `csv`, unless the formats were left to runner
    /// and the sweep logs more than [`EPOCHS_CSV_ROWS`] rows.
    pub epochs_csv: bool,
}

/// What `[output] formats` asks for, and the rule when it is unset: both formats, but no
/// `epochs.csv` above [`EPOCHS_CSV_ROWS`] logged rows.
pub fn formats(exp: &Spec, records: &[RunRecord]) -> Chosen {
    match exp.runs.first().and_then(|r| r.formats) {
        Some(f) => Chosen {
            csv: f.csv,
            parquet: f.parquet,
            epochs_csv: f.csv,
        },
        None => Chosen {
            csv: true,
            parquet: true,
            epochs_csv: records.iter().map(|r| r.rows).sum::<u64>() <= EPOCHS_CSV_ROWS,
        },
    }
}

impl Sources<'_> {
    fn formats(&self) -> Chosen {
        formats(self.exp, self.records)
    }

    /// A Parquet table into `w`, its columns typed for this experiment.
    fn parquet<'w>(&self, w: &'w mut dyn Write) -> ParquetRows<&'w mut dyn Write> {
        let runs: Vec<Vec<String>> = self.exp.runs.iter().map(|r| self.cols.prefix(r)).collect();
        let swept = self
            .cols
            .params
            .iter()
            .enumerate()
            .map(|(i, key)| {
                // Column i + 1 of a run's prefix (after `run`).
                let kind = parquet::infer(runs.iter().map(|r| r[i + 1].as_str()));
                (key.clone(), kind)
            })
            .collect();
        ParquetRows::new(w, Box::new(parquet::kinds(swept)))
    }
}

/// Every file assembling `exp` may write: the tables, the data and weights files, and `drawn`.
pub fn planned(runs: &[Prepared], drawn: &[String]) -> Vec<String> {
    let mut names: Vec<String> = TABLES.iter().map(|t| t.name.to_string()).collect();
    names.extend(extras::data_files(runs).into_iter().map(|f| f.0));
    names.extend(extras::weights_files(runs).into_iter().map(|f| f.name));
    names.extend(drawn.iter().cloned());
    names
}

/// Checks, before anything is trained or written, that assembling `exp` in the folder will
/// replace only files runner wrote (of the `names` it may write), and none that were edited
/// since unless `force`.
pub fn precheck(
    store: &Store,
    exp: &Spec,
    names: &[String],
    force: bool,
) -> Result<(), StoreError> {
    if store.dir.exists() && !store.dir.is_dir() {
        return Err(StoreError::NotAFolder {
            path: store.dir.clone(),
        });
    }
    let index = store.index()?;
    let same = index.experiment == fingerprint(exp);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    index.check(&store.dir, &names, force || same)
}

/// Writes the result files that changed, and the index, under the folder's lock. Returns the
/// name of the experiment whose files were replaced, when it was another one (by name).
pub fn assemble(
    store: &Store,
    exp: &Spec,
    cols: &Columns,
    runs: &[Prepared],
    records: &[RunRecord],
    drawn: &Drawn,
    force: bool,
) -> Result<Option<String>, StoreError> {
    let key = key(exp, records.iter().map(RunRecord::checksum));
    // Nothing to write takes no lock (a read-only folder up to date is fine).
    if up_to_date(store, &key) {
        return Ok(None);
    }
    let _lock = store.lock()?;
    clear_leftovers(&store.dir);
    let mut index = store.index()?;
    if up_to_date(store, &key) {
        return Ok(None);
    }
    // Files of this name that runner did not write are refused whatever else happens.
    let names = planned(runs, &drawn.names);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    index.check(&store.dir, &names, true)?;
    // Edited files: left alone when their runner content would not change; else replaced
    // only with --force. When nothing they are made from changed, only the files that are
    // missing are made again (a deleted report, say), not the ones in place.
    let unchanged_content = index.key == key;
    let keep = |name: &str| {
        unchanged_content
            && index
                .get(name)
                .is_some_and(|w| w.state(&store.dir) != FileState::Missing)
    };
    let staged = stage_all(store, exp, cols, runs, records, drawn, &keep)?;
    let mut plan: Vec<(Staged, bool)> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for entry in staged {
        let s = match entry {
            Entry::Kept(name) => {
                kept.push(name);
                continue;
            }
            Entry::Staged(s) => s,
        };
        let name = file_name(&store.dir, &s);
        let write = match index.get(&name) {
            None => true,
            Some(w) => match w.state(&store.dir) {
                FileState::Missing => true,
                FileState::Ours => !w.sha256.contains(&s.sha256),
                FileState::Edited if unchanged_content => false,
                FileState::Edited if force => true,
                FileState::Edited => return Err(StoreError::Edited { path: s.path }),
            },
        };
        plan.push((s, write));
    }
    let produced: Vec<String> = plan
        .iter()
        .map(|(s, _)| file_name(&store.dir, s))
        .chain(kept.iter().cloned())
        .collect();
    let stale: Vec<Written> = index
        .files
        .iter()
        .filter(|w| !produced.contains(&w.name))
        .cloned()
        .collect();
    for w in &stale {
        if w.state(&store.dir) == FileState::Edited && !force {
            return Err(StoreError::Edited {
                path: store.dir.join(&w.name),
            });
        }
    }
    let before = index.clone();
    // Step 1: the index accepts the old and the new contents, so that a crash while the files
    // are renamed into place leaves files runner still knows as its own.
    for (s, _) in &plan {
        let name = file_name(&store.dir, s);
        match index.files.iter_mut().find(|w| w.name == name) {
            Some(w) => {
                w.sha256.push(s.sha256.clone());
                w.size = 0;
            }
            None => index.files.push(Written {
                name,
                sha256: vec![s.sha256.clone()],
                ..Written::default()
            }),
        }
    }
    index.write(store.state())?;
    // Step 2: the files.
    let replaced = (!index.name.is_empty() && index.name != exp.name).then(|| index.name.clone());
    let mut files: Vec<Written> = kept.iter().filter_map(|n| before.get(n).cloned()).collect();
    for (s, write) in plan {
        let name = file_name(&store.dir, &s);
        if write {
            let (path, sha) = (s.path.clone(), s.sha256.clone());
            s.persist()?;
            files.push(Written::of(&path, &name, sha)?);
        } else {
            // Kept as it is: as runner wrote it, or as the user edited it.
            files.extend(before.get(&name).cloned());
        }
    }
    for w in stale {
        let _ = std::fs::remove_file(store.dir.join(&w.name));
    }
    // Step 3: the index of what is there now.
    Index {
        name: exp.name.clone(),
        experiment: fingerprint(exp),
        key,
        files,
    }
    .write(store.state())?;
    Ok(replaced)
}

/// A staged file's name in the results folder `dir` (`plots/loss.svg`).
fn file_name(dir: &std::path::Path, s: &Staged) -> String {
    let rel = s.path.strip_prefix(dir).unwrap_or(&s.path);
    let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
    parts.join("/")
}

/// A result file made for assembly: staged beside its target, or kept as it is.
enum Entry {
    Staged(Staged),
    /// In place and unchanged: not made again.
    Kept(String),
}

/// Writes every result file but those to `keep` beside its target, not yet in place.
fn stage_all(
    store: &Store,
    exp: &Spec,
    cols: &Columns,
    runs: &[Prepared],
    records: &[RunRecord],
    drawn: &Drawn,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Vec<Entry>, StoreError> {
    let dir = &store.dir;
    let mut out = Vec::new();
    let entry = |name: &str,
                 fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>|
     -> Result<Entry, StoreError> {
        Ok(if keep(name) {
            Entry::Kept(name.to_string())
        } else {
            Entry::Staged(stage_in(dir, name, fill)?)
        })
    };
    for (name, i) in extras::data_files(runs) {
        let data = &runs[i].data;
        out.push(entry(&name, &mut |w| {
            extras::write_data(w, &data.train, data.test.as_ref())
        })?);
    }
    for file in extras::weights_files(runs) {
        out.push(entry(&file.name, &mut |w| {
            extras::write_weights(w, runs, records, &file)
        })?);
    }
    // The report is drawn whole, when any of its files is needed.
    if drawn.names.iter().any(|n| !keep(n)) {
        let files = (drawn.draw)().map_err(|cause| StoreError::Io {
            path: dir.join("report.html"),
            cause,
        })?;
        // All of them: a page and its figures come from one drawing.
        for (name, bytes) in files {
            out.push(Entry::Staged(stage_in(dir, &name, &mut |w| {
                w.write_all(&bytes)
            })?));
        }
    } else {
        for name in &drawn.names {
            out.push(entry(name, &mut |_| Ok(()))?);
        }
    }
    let from = Sources {
        store,
        exp,
        cols,
        runs,
        records,
    };
    for table in TABLES.iter().filter(|t| (t.wanted)(&from)) {
        out.push(entry(table.name, &mut |w| (table.write)(w, &from))?);
    }
    Ok(out)
}

/// Removes the temporary files an assembly killed midway left (`.runner-tmp*`, runner's own
/// names) in the folder and its subfolders. Called under the folder's lock, which every
/// assembly stages under, so none of them is being written.
fn clear_leftovers(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if kind.is_dir() && name != ".runner" {
            clear_leftovers(&entry.path());
        } else if kind.is_file() && name.to_string_lossy().starts_with(".runner-tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// [`stage`] for a file in a subfolder of the results folder, which is created if need be.
pub(crate) fn stage_in(
    dir: &std::path::Path,
    name: &str,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<Staged, StoreError> {
    let path = dir.join(name);
    // A subfolder (or file) replaced by a symbolic link would send the write elsewhere,
    // over files runner did not write: refused, whatever the link points at.
    let mut at = dir.to_path_buf();
    for part in std::path::Path::new(name).components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(StoreError::Link { path: at });
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|cause| StoreError::Io {
            path: parent.to_owned(),
            cause,
        })?;
    }
    stage(&path, |w| fill(w))
}

/// `epochs.csv`: every run's logged epochs, in run order, each row prefixed by its run.
fn write_epochs(out: &mut dyn Rows, store: &Store, exp: &Spec, cols: &Columns) -> io::Result<()> {
    let mut head = cols.head();
    head.push("epoch".into());
    head.extend(cols.metric_names().iter().map(|s| s.to_string()));
    out.strings(&head)?;
    let mut cells: Vec<String> = Vec::new();
    for run in &exp.runs {
        let prefix = cols.prefix(run);
        store.each_row(&run.id, |epoch, values| {
            cells.clear();
            cells.extend(prefix.iter().cloned());
            cells.push(epoch.to_string());
            cells.extend(values.iter().map(|v| v.map(num).unwrap_or_default()));
            out.strings(&cells)
        })?;
    }
    out.finish()
}
