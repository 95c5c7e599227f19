//! The results folder: who owns it, which runs are already done, and atomic writes.
//!
//! Layout: the result files at the top, and runner's working state in `.runner/`:
//! `fingerprint` (which experiment the folder belongs to) and, per finished run, `runs/<id>.csv`
//! (its logged epochs) and `runs/<id>.toml` (its outcome). A run counts as done once its
//! `.toml` exists; both files are renamed into place only when complete, so a crash leaves
//! either a finished run or nothing of it.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Files runner writes at the top of a results folder.
pub const RESULT_FILES: [&str; 6] = [
    "experiment.toml",
    "epochs.csv",
    "runs.csv",
    "predictions.csv",
    "summary.csv",
    "curves.csv",
];

/// Why a results folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("`{}` already holds results of a different experiment; add `--force` to replace them, or write elsewhere with `--out DIR`", dir.display())]
    Foreign { dir: PathBuf },
    #[error("cannot write results at `{}`: {cause}; check that the folder can be written, or choose another with `--out DIR`", path.display())]
    Io { path: PathBuf, cause: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |cause| StoreError::Io {
        path: path.to_owned(),
        cause,
    }
}

/// What a results folder holds, as `runner plan` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderState {
    New,
    Resumable { finished: usize },
    Foreign,
}

/// A finished run's outcome as stored in `.runner/runs/<id>.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    /// `ok`, `diverged` or `stopped`.
    pub status: String,
    pub diverged_epoch: Option<usize>,
    pub epochs: usize,
    pub final_loss: f64,
    pub min_loss: f64,
    pub accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub epochs_to_target: Option<usize>,
    pub seconds: f64,
    pub predictions: Vec<Vec<f64>>,
}

/// An opened results folder.
pub struct Store {
    pub dir: PathBuf,
    runs: PathBuf,
}

impl Store {
    /// Opens `dir` for the experiment with `fingerprint`: creates it, resumes it (same
    /// fingerprint), or refuses it (other results). `force` clears runner's files first, so
    /// everything is trained afresh.
    pub fn open(dir: &Path, fingerprint: &str, force: bool) -> Result<Store, StoreError> {
        let state = dir.join(".runner");
        let runs = state.join("runs");
        let stamp = state.join("fingerprint");
        let ours = fs::read_to_string(&stamp).ok();
        let has_results = RESULT_FILES.iter().any(|f| dir.join(f).exists());
        let foreign = match &ours {
            Some(f) => f.trim() != fingerprint,
            None => has_results || state.exists(),
        };
        if foreign && !force {
            return Err(StoreError::Foreign {
                dir: dir.to_owned(),
            });
        }
        if force {
            for f in RESULT_FILES {
                let p = dir.join(f);
                if p.exists() {
                    fs::remove_file(&p).map_err(io_err(&p))?;
                }
            }
            if state.exists() {
                fs::remove_dir_all(&state).map_err(io_err(&state))?;
            }
        }
        fs::create_dir_all(&runs).map_err(io_err(&runs))?;
        if force || ours.is_none() {
            write_atomic(&stamp, fingerprint.as_bytes())?;
        }
        Ok(Store {
            dir: dir.to_owned(),
            runs,
        })
    }

    /// What `dir` holds for the experiment with `fingerprint` and run `ids`, without changing it.
    pub fn inspect(dir: &Path, fingerprint: &str, ids: &[&str]) -> FolderState {
        let state = dir.join(".runner");
        match fs::read_to_string(state.join("fingerprint")) {
            Ok(f) if f.trim() == fingerprint => FolderState::Resumable {
                finished: ids
                    .iter()
                    .filter(|id| state.join("runs").join(format!("{id}.toml")).exists())
                    .count(),
            },
            Ok(_) => FolderState::Foreign,
            Err(_) if RESULT_FILES.iter().any(|f| dir.join(f).exists()) || state.exists() => {
                FolderState::Foreign
            }
            Err(_) => FolderState::New,
        }
    }

    /// The stored outcome of run `id`, if it finished before.
    pub fn finished(&self, id: &str) -> Option<RunRecord> {
        let text = fs::read_to_string(self.runs.join(format!("{id}.toml"))).ok()?;
        toml::from_str(&text).ok()
    }

    /// Where run `id`'s epoch rows are written while it trains.
    pub fn partial_epochs(&self, id: &str) -> PathBuf {
        self.runs.join(format!("{id}.csv.partial"))
    }

    /// The finished epoch rows of run `id`.
    pub fn epochs(&self, id: &str) -> PathBuf {
        self.runs.join(format!("{id}.csv"))
    }

    /// Marks run `id` done: its rows move into place, then its record is written.
    pub fn finish(&self, record: &RunRecord) -> Result<(), StoreError> {
        let (partial, done) = (self.partial_epochs(&record.id), self.epochs(&record.id));
        fs::rename(&partial, &done).map_err(io_err(&done))?;
        let text = toml::to_string(record).expect("records serialize");
        write_atomic(
            &self.runs.join(format!("{}.toml", record.id)),
            text.as_bytes(),
        )
    }
}

/// Writes `path` through a temporary file in the same folder and a rename, so readers (and
/// crashes) see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// A temporary file in `dir`, readable like any other result file (tempfile's default is
/// owner-only).
fn temp_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".runner-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o644));
    }
    b.tempfile_in(dir)
}

/// As [`write_atomic`], streaming the contents from `fill`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<&mut tempfile::NamedTempFile>) -> io::Result<()>,
) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = temp_in(dir).map_err(io_err(dir))?;
    {
        let mut w = io::BufWriter::new(&mut tmp);
        fill(&mut w).map_err(io_err(path))?;
        w.flush().map_err(io_err(path))?;
    }
    tmp.as_file().sync_all().map_err(io_err(path))?;
    tmp.persist(path).map_err(|e| StoreError::Io {
        path: path.to_owned(),
        cause: e.error,
    })?;
    Ok(())
}
