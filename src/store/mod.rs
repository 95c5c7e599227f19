//! The results store: a cache of finished runs, keyed by run id, that any number of runner
//! processes may share, on one machine or on many over a shared filesystem.
//!
//! Layout of a results folder: the result files at the top, and runner's state in `.runner/`:
//! - `format`, the store's format version ([`FORMAT`]);
//! - `packs/*.pack`, the finished runs: each process appends the runs it finishes to a pack of
//!   its own, one entry a run (its record, then its logged rows, compressed; [`pack`]);
//! - `claims/<id>` while a run trains: the process training it holds a lock on it, so that no
//!   other process trains it at the same time, and streams the run's rows into it;
//! - `index.toml`, the files runner wrote at the top ([`Index`]);
//! - `lock`, held while the top-level files and the index are written;
//! - `live/<experiment>`, locked (shared) by each process that writes here, so that one
//!   experiment at a time writes the folder ([`Live`]);
//! - `command.toml`, the last command run here, for `runner merge` and `runner status`.
//!
//! Invariants:
//! - A run is finished when its latest entry is whole: its record reads back, its checksum
//!   holds, and its rows decode to the count and hash the record gives ([`Store::verify`]).
//! - Only the process that created a pack appends to it, and an entry is appended whole
//!   before the run's claim is let go; a crash leaves at most a cut entry at a pack's end,
//!   which counts as not there (the run trains again), never as a finished run.
//! - A run is trained by one process at a time: the claim's lock is taken before the store is
//!   read again for that run, and let go only after its entry is appended.
//! - Nothing in a pack is rewritten or removed; a run trained again (`--force`) appends a
//!   newer entry, which counts from then on.
//!
//! Locks are std's `File::lock` (flock on Unix; Linux maps it to NFS byte-range locks, so it
//! holds across machines on a shared filesystem). The kernel drops them when a process dies,
//! so a process killed with `kill -9` blocks no one.

mod atomic;
pub mod compress;
mod index;
mod live;
pub mod pack;
mod record;
pub mod rows;

pub use atomic::{stage, write_atomic, Hashing, Staged};
pub use index::{FileState, Index, Written};
pub use live::Live;
pub use record::{Judged, RunRecord, RunStatus};

use pack::Packs;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    #[error("`{}` is a symbolic link, and runner never writes through a link: the files it would write there are not runner's to replace; remove the link (runner makes the folder again), or write elsewhere with `--out DIR`", path.display())]
    Link { path: PathBuf },
    #[error("the results folder `{}` is a file, not a folder; choose a folder with `--out DIR`", path.display())]
    NotAFolder { path: PathBuf },
    #[error("`{}` is being written by another runner process, for another experiment: {other}; wait until it has finished (`runner status {}` shows how far it is), or write this one elsewhere with `--out DIR`", dir.display(), dir.display())]
    Busy { dir: PathBuf, other: String },
    #[error("`{}` is in {what} {found}, newer than this runner's {ours}: a newer runner wrote it, and this one would misread it; use that runner (or a newer one), or write elsewhere with `--out DIR`", path.display())]
    Newer {
        path: PathBuf,
        what: &'static str,
        found: u32,
        ours: u32,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |cause| StoreError::Io {
        path: path.to_owned(),
        cause,
    }
}

/// What the store holds for a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup<T = RunRecord> {
    Missing,
    /// Stored but unusable: the reason, and the file to name.
    Damaged(String, PathBuf),
    Found(T),
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

/// The right to train a run: its locked claim file, which its rows stream into.
pub struct Claim {
    file: File,
    path: PathBuf,
}

impl Claim {
    /// A handle for writing the run's rows.
    pub fn writer(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    /// Gives the run up (it stopped): its claim file goes.
    pub fn abandon(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// The folder's exclusive lock, held while top-level files are written.
pub struct FolderLock {
    _file: File,
}

/// The version of the store's layout and formats. 2: packs (1: a record and a CSV file a run).
pub const FORMAT: u32 = 2;

/// A results folder's store.
pub struct Store {
    pub dir: PathBuf,
    state: PathBuf,
    packs: PathBuf,
    claims: PathBuf,
    /// What the packs hold, as far as they have been read.
    read: Mutex<Option<Packs>>,
    /// This process's pack.
    writer: pack::Writer,
    /// `--quiet`: no note while waiting for another process's lock.
    pub quiet: bool,
}

impl Store {
    /// The store of `dir`; nothing is read or created yet.
    pub fn at(dir: &Path) -> Store {
        let state = dir.join(".runner");
        let packs = state.join("packs");
        Store {
            dir: dir.to_owned(),
            claims: state.join("claims"),
            writer: pack::Writer::new(&packs),
            packs,
            state,
            read: Mutex::new(None),
            quiet: false,
        }
    }

    /// Creates the folders, for writing, after checking the store's format.
    pub fn create(&self) -> Result<(), StoreError> {
        for d in [&self.packs, &self.claims] {
            fs::create_dir_all(d).map_err(io_err(d))?;
        }
        self.check_format()?;
        let format = self.state.join("format");
        if !format.exists() {
            if self.state.join("runs").is_dir() && !self.quiet {
                crate::color::eprint(&format!(
                    "note: `{}` holds runs in runner's earlier store format, which is not read; they train again (delete that folder to reclaim its space)",
                    self.state.join("runs").display()
                ));
            }
            write_atomic(&format, format!("{FORMAT}\n").as_bytes())?;
        }
        Ok(())
    }

    /// Refuses a store written by a newer runner, naming both versions: its `format` file, or
    /// any pack whose first line names a newer pack format. Read-only commands check too, so
    /// that nothing a newer runner wrote is called damaged.
    pub fn check_format(&self) -> Result<(), StoreError> {
        if let Some((path, found)) = pack::newer(&self.packs) {
            return Err(StoreError::Newer {
                path,
                what: "pack format",
                found,
                ours: pack::VERSION,
            });
        }
        let path = self.state.join("format");
        match fs::read_to_string(&path) {
            Ok(text) => match text.trim().parse::<u32>() {
                Ok(found) if found > FORMAT => Err(StoreError::Newer {
                    path,
                    what: "store format",
                    found,
                    ours: FORMAT,
                }),
                Ok(_) => Ok(()),
                Err(_) => Err(StoreError::Damaged {
                    path,
                    what: format!("does not hold a store format number ({text:?})"),
                }),
            },
            // Nothing there yet (creating the folder says what stands in the way).
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// `.runner/` in the results folder.
    pub fn state(&self) -> &Path {
        &self.state
    }

    fn claim_path(&self, id: &str) -> PathBuf {
        self.claims.join(id)
    }

    /// Reads what other processes (and this one) appended to the packs since the last read.
    pub fn refresh(&self) {
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        // A pack that cannot be read counts as holding nothing: its runs train again.
        let _ = read.get_or_insert_with(Packs::default).refresh(&self.packs);
    }

    /// `f` on what the packs hold as last read (read once at first).
    fn with_packs<T>(&self, f: impl FnOnce(&mut Packs) -> T) -> T {
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        f(read.get_or_insert_with(|| {
            let mut p = Packs::default();
            let _ = p.refresh(&self.packs);
            p
        }))
    }

    /// Where run `id`'s latest entry is, from the packs as last read.
    fn locate(&self, id: &str) -> Option<pack::Loc> {
        self.with_packs(|p| p.get(id).cloned())
    }

    /// Run `id`'s record, checked against its own checksum (its rows are not read).
    pub fn lookup(&self, id: &str) -> Lookup {
        self.record_text(id, RunRecord::from_text)
    }

    /// As [`Store::lookup`], without reading the record's values: only its checksum, which
    /// is returned (what `runner status` needs of 10⁵ runs).
    pub fn checksum(&self, id: &str) -> Lookup<String> {
        self.record_text(id, |text, id| {
            RunRecord::check_text(text, id).map(|(_, sum)| sum.to_string())
        })
    }

    /// `read` on run `id`'s record text.
    fn record_text<T>(
        &self,
        id: &str,
        read: impl FnOnce(&str, &str) -> Result<T, String>,
    ) -> Lookup<T> {
        let Some(loc) = self.locate(id) else {
            return Lookup::Missing;
        };
        let path = loc.pack.clone();
        match pack::read_at(&loc.pack, loc.record_at, loc.record_len) {
            Err(e) => Lookup::Damaged(format!("its record cannot be read ({e})"), path),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => Lookup::Damaged("its record is not text".into(), path),
                Ok(text) => match read(&text, id) {
                    Ok(r) => Lookup::Found(r),
                    Err(why) => Lookup::Damaged(why, path),
                },
            },
        }
    }

    /// As [`Store::lookup`], and the rows decode to the count and hash the record gives.
    pub fn verify(&self, id: &str) -> Lookup {
        let record = match self.lookup(id) {
            Lookup::Found(r) => r,
            other => return other,
        };
        let loc = self.locate(id).expect("found");
        // One decoding pass: the rows are counted as they are read, and hashed on the way.
        let counted = pack::with_body(&loc, |body| {
            let mut hashed = HashRead {
                inner: body,
                hash: Hashing::new(io::sink()),
            };
            let mut reader = rows::Reader::new(&mut hashed)?;
            let mut n = 0u64;
            while reader.next_row()?.is_some() {
                n += 1;
            }
            Ok((n, hashed.hash.finish().1))
        });
        let path = loc.pack;
        match counted {
            Err(e) => Lookup::Damaged(format!("its rows cannot be read ({e})"), path),
            Ok((n, _)) if n != record.rows => Lookup::Damaged(
                format!("it holds {n} rows where its record says {}", record.rows),
                path,
            ),
            Ok((_, sha)) if sha != record.epochs_sha256 => {
                Lookup::Damaged("its rows do not match the hash in its record".into(), path)
            }
            Ok(_) => Lookup::Found(record),
        }
    }

    /// `f` on each of run `id`'s logged rows, in order: its epoch and its metrics (for
    /// assembling the result files).
    pub fn each_row(
        &self,
        id: &str,
        mut f: impl FnMut(u64, Vec<Option<f64>>) -> io::Result<()>,
    ) -> io::Result<()> {
        let loc = self.locate(id).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "run `{id}` is not in the store at `{}`",
                    self.packs.display()
                ),
            )
        })?;
        pack::with_body(&loc, |body| {
            let mut reader = rows::Reader::new(body)?;
            while let Some((epoch, values)) = reader.next_row()? {
                f(epoch, values)?;
            }
            Ok(())
        })
    }

    /// Claims run `id` for training: at once, or `Busy` when another process trains it, or
    /// after waiting for that process when `wait`. With `reuse`, a run found finished once
    /// claimed is `Done`; without (`--force`), it is trained again.
    pub fn claim(&self, id: &str, wait: bool, reuse: bool) -> Result<Claimed, StoreError> {
        let path = self.claim_path(id);
        loop {
            fs::create_dir_all(&self.claims).map_err(io_err(&self.claims))?;
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
            // The process that held the lock may have removed the file before letting go:
            // then this lock guards nothing, and we start over.
            if !still_at(&file, &path) {
                continue;
            }
            if reuse {
                self.refresh();
                if let Lookup::Found(r) = self.verify(id) {
                    let _ = fs::remove_file(&path);
                    return Ok(Claimed::Done(Box::new(r)));
                }
            }
            // A stale claim's bytes go; a new file is left alone: truncating it would make
            // ext4 write its data out when it is closed (its guard for files replaced by
            // truncation), a disk write a run for a file that is deleted anyway.
            if file.metadata().map_err(io_err(&path))?.len() > 0 {
                file.set_len(0).map_err(io_err(&path))?;
            }
            return Ok(Claimed::Mine(Claim { file, path }));
        }
    }

    /// Marks a claimed run finished: its entry is appended to this process's pack, and only
    /// then is the claim file removed and its lock let go, so a process that claims the run
    /// at any point finds it either busy or done, never free to train again.
    /// The rows are `held` (compressed, in memory) or, without, in the claim file.
    pub fn finish(
        &self,
        mut claim: Claim,
        record: &RunRecord,
        held: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let body = match held {
            Some(bytes) => pack::Body::Held(bytes),
            None => pack::Body::File(&mut claim.file),
        };
        let (loc, at) = self
            .writer
            .append(record, body)
            .map_err(io_err(&self.packs))?;
        self.with_packs(|p| p.appended(record.id.clone(), loc, at));
        let _ = fs::remove_file(&claim.path);
        Ok(())
    }

    /// Syncs this process's pack to disk.
    pub fn sync(&self) -> Result<(), StoreError> {
        self.writer.sync().map_err(io_err(&self.packs))
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
                    crate::color::eprint(&format!(
                        "waiting for another runner process to finish writing `{}`…",
                        self.dir.display()
                    ));
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

/// A reader that hashes what passes through it.
struct HashRead<R> {
    inner: R,
    hash: Hashing<io::Sink>,
}

impl<R: io::Read> io::Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        io::Write::write_all(&mut self.hash, &buf[..n])?;
        Ok(n)
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

#[cfg(test)]
mod tests;
