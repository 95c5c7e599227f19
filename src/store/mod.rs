//! The results store: a cache of finished runs, keyed by run id, that any number of runner
//! processes may share.
//!
//! Layout of a results folder: the result files at the top, and runner's state in `.runner/`:
//! - `runs/<xx>/<id>.csv` (a run's logged epochs) and `runs/<xx>/<id>.toml` (its outcome,
//!   with the epoch file's row count and hash, and a checksum line last); `xx` is the id's
//!   first two digits, so that no folder holds more than a few thousand files;
//! - `runs/<xx>/<id>.csv.partial` while a run trains: the process training it holds a lock on
//!   it, so that no other process trains it at the same time;
//! - `index.toml`, the files runner wrote at the top ([`Index`]);
//! - `lock`, held while the top-level files and the index are written;
//! - `command.toml`, the last command run here, for `runner merge` and `runner status`.
//!
//! A run is finished when its record reads back, its checksum holds and its epoch file has the
//! row count and hash the record gives ([`Store::verify`]). Both files are renamed into place
//! only when complete, so a crash leaves a finished run or an unfinished one, never a part.
//!
//! Locks are std's `File::lock` (flock on Unix; Linux maps it to NFS byte-range locks, so it
//! holds across machines on a shared filesystem). The kernel drops them when a process dies,
//! so a process killed with `kill -9` blocks no one.

mod atomic;
mod index;
mod record;

pub use atomic::{stage, write_atomic, Hashing, Staged};
pub use index::{FileState, Index, Written};
pub use record::{RunRecord, RunStatus};

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Why a results folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write results at `{}`: {cause}; check that the folder can be written, or choose another with `--out DIR`", path.display())]
    Io { path: PathBuf, cause: io::Error },
    #[error("`{}` {what}; move the result files beside `.runner/` elsewhere and delete `.runner/index.toml`, or write elsewhere with `--out DIR`", path.display())]
    Damaged { path: PathBuf, what: String },
    #[error("`{}` was not written by runner, and runner never replaces a file it did not write; move it away, or write elsewhere with `--out DIR`", path.display())]
    NotOurs { path: PathBuf },
    #[error("`{}` was changed after runner wrote it; move it away to keep the changes, or add `--force` to replace it", path.display())]
    Edited { path: PathBuf },
    #[error("the results folder `{}` is a file, not a folder; choose a folder with `--out DIR`", path.display())]
    NotAFolder { path: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |cause| StoreError::Io {
        path: path.to_owned(),
        cause,
    }
}

/// What the store holds for a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Missing,
    /// Stored but unusable: the reason, and the file to name.
    Damaged(String, PathBuf),
    Found(RunRecord),
}

/// Whether a process may train a run.
pub enum Claimed {
    /// Another process is training it.
    Busy,
    /// It finished meanwhile (in another process).
    Done(Box<RunRecord>),
    /// This process trains it, and holds its lock until it finishes or gives up.
    Mine(Claim),
}

/// The right to train a run: the locked partial epoch file.
pub struct Claim {
    file: File,
    path: PathBuf,
}

impl Claim {
    /// A handle for writing the run's epoch rows.
    pub fn writer(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    /// Gives the run up (it stopped): its partial file goes.
    pub fn abandon(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// The folder's exclusive lock, held while top-level files are written.
pub struct FolderLock {
    _file: File,
}

/// A results folder's store.
pub struct Store {
    pub dir: PathBuf,
    state: PathBuf,
    runs: PathBuf,
    /// `--quiet`: no note while waiting for another process's lock.
    pub quiet: bool,
}

impl Store {
    /// The store of `dir`; nothing is read or created yet.
    pub fn at(dir: &Path) -> Store {
        let state = dir.join(".runner");
        Store {
            dir: dir.to_owned(),
            runs: state.join("runs"),
            state,
            quiet: false,
        }
    }

    /// Creates the folders, for writing.
    pub fn create(&self) -> Result<(), StoreError> {
        fs::create_dir_all(&self.runs).map_err(io_err(&self.runs))
    }

    /// `.runner/` in the results folder.
    pub fn state(&self) -> &Path {
        &self.state
    }

    fn prefix(&self, id: &str) -> PathBuf {
        self.runs.join(id.get(..2).unwrap_or(id))
    }

    /// The finished epoch rows of run `id`.
    pub fn epochs(&self, id: &str) -> PathBuf {
        self.prefix(id).join(format!("{id}.csv"))
    }

    /// The record of run `id`.
    pub fn record_path(&self, id: &str) -> PathBuf {
        self.prefix(id).join(format!("{id}.toml"))
    }

    fn partial(&self, id: &str) -> PathBuf {
        self.prefix(id).join(format!("{id}.csv.partial"))
    }

    /// The text of run `id`'s record, if there is one.
    pub fn record_text(&self, id: &str) -> Option<String> {
        fs::read_to_string(self.record_path(id)).ok()
    }

    /// Run `id`'s record, checked against its own checksum (the epoch file is not read).
    pub fn lookup(&self, id: &str) -> Lookup {
        let path = self.record_path(id);
        match fs::read(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Lookup::Missing,
            Err(e) => Lookup::Damaged(format!("its record cannot be read ({e})"), path),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => Lookup::Damaged("its record is not text".into(), path),
                Ok(text) => match RunRecord::from_text(&text, id) {
                    Ok(r) => Lookup::Found(r),
                    Err(why) => Lookup::Damaged(why, path),
                },
            },
        }
    }

    /// As [`Store::lookup`], and the epoch file has the rows and hash the record gives.
    pub fn verify(&self, id: &str) -> Lookup {
        let record = match self.lookup(id) {
            Lookup::Found(r) => r,
            other => return other,
        };
        let path = self.epochs(id);
        let counted = File::open(&path).and_then(|f| {
            let mut h = Hashing::new(io::sink());
            let mut lines = 0u64;
            let mut r = BufReader::new(f);
            loop {
                let buf = r.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                let n = buf.len();
                io::Write::write_all(&mut h, buf)?;
                r.consume(n);
            }
            Ok((lines, h.finish().1))
        });
        match counted {
            Err(e) => Lookup::Damaged(format!("its epoch file cannot be read ({e})"), path),
            Ok((rows, _)) if rows != record.rows => Lookup::Damaged(
                format!(
                    "its epoch file has {rows} rows where its record says {}",
                    record.rows
                ),
                path,
            ),
            Ok((_, sha)) if sha != record.epochs_sha256 => Lookup::Damaged(
                "its epoch file does not match the hash in its record".into(),
                path,
            ),
            Ok(_) => Lookup::Found(record),
        }
    }

    /// Claims run `id` for training: at once, or `Busy` when another process trains it, or
    /// after waiting for that process when `wait`. With `reuse`, a run found finished once
    /// claimed is `Done`; without (`--force`), it is trained again.
    pub fn claim(&self, id: &str, wait: bool, reuse: bool) -> Result<Claimed, StoreError> {
        let path = self.partial(id);
        let dir = self.prefix(id);
        loop {
            fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err(&path))?;
            if wait {
                file.lock().map_err(io_err(&path))?;
            } else {
                match file.try_lock() {
                    Ok(()) => {}
                    Err(fs::TryLockError::WouldBlock) => return Ok(Claimed::Busy),
                    Err(fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
                }
            }
            // The process that held the lock may have renamed the file into place, or removed
            // it, before letting go: then this lock guards nothing, and we start over.
            if !still_at(&file, &path) {
                continue;
            }
            if reuse {
                if let Lookup::Found(r) = self.verify(id) {
                    let _ = fs::remove_file(&path);
                    return Ok(Claimed::Done(Box::new(r)));
                }
            }
            file.set_len(0).map_err(io_err(&path))?;
            return Ok(Claimed::Mine(Claim { file, path }));
        }
    }

    /// Marks a claimed run finished. The epoch file goes into place under a second name (a
    /// hard link) while the partial file stays locked at its own, then the record is written,
    /// and only then is the partial name dropped and the lock released: a process that
    /// claims the run at any point finds it either busy or done, never free to train again.
    pub fn finish(&self, claim: Claim, record: &RunRecord) -> Result<(), StoreError> {
        let done = self.epochs(&record.id);
        let link = done.with_extension("csv.link");
        let _ = fs::remove_file(&link);
        match fs::hard_link(&claim.path, &link) {
            Ok(()) => fs::rename(&link, &done).map_err(io_err(&done))?,
            // A filesystem without hard links: rename; a claim in between waits and retries.
            Err(_) => fs::rename(&claim.path, &done).map_err(io_err(&done))?,
        }
        write_atomic(&self.record_path(&record.id), record.to_text().as_bytes())?;
        let _ = fs::remove_file(&claim.path);
        Ok(())
    }

    /// Takes the folder's exclusive lock, waiting (with a note on stderr unless `quiet`) while
    /// another process holds it.
    pub fn lock(&self) -> Result<FolderLock, StoreError> {
        let path = self.state.join("lock");
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                if !self.quiet {
                    eprintln!(
                        "waiting for another runner process to finish writing `{}`…",
                        self.dir.display()
                    );
                }
                file.lock().map_err(io_err(&path))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
        }
        Ok(FolderLock { _file: file })
    }

    /// The index of the top-level files.
    pub fn index(&self) -> Result<Index, StoreError> {
        Index::read(&self.state)
    }
}

/// Whether `file` is still the file at `path`.
fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}
