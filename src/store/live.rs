//! Which experiment a results folder is being written for: one at a time.
//!
//! A process that trains into a folder or assembles its files holds a shared lock on
//! `.runner/live/<experiment>` for as long as it runs, where `<experiment>` is a digest of
//! the experiment (its fingerprint). Processes of one experiment (shards, a second terminal
//! resuming the same sweep) share the file and run together. A process of another experiment
//! finds that file locked and is refused, naming the experiment that holds the folder, before
//! it writes anything: otherwise the files it assembled could be replaced, once both finish,
//! by the other experiment's, after it had said where its results were.
//!
//! The check and the taking of the lock happen under the folder's lock ([`Store::lock`]), so
//! two processes starting together cannot both find the folder free. A file whose lock no one
//! holds is left by a process that has ended (the kernel lets go of a dead process's locks);
//! it is removed.

use super::{io_err, Store, StoreError};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};

/// The folder held for one experiment, until dropped.
pub struct Live {
    _file: File,
}

impl Store {
    /// Holds the folder for the experiment `fingerprint`, described to other processes by
    /// `what` (its name and file); refuses when another experiment's process holds it.
    pub fn occupy(&self, fingerprint: &str, what: &str) -> Result<Live, StoreError> {
        let dir = self.state.join("live");
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let _folder = self.lock()?;
        let mine = dir.join(&fingerprint[..fingerprint.len().min(16)]);
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))?.flatten() {
            let path = entry.path();
            if path == mine {
                continue;
            }
            let Ok(mut other) = OpenOptions::new().read(true).write(true).open(&path) else {
                continue;
            };
            match other.try_lock() {
                Ok(()) => {
                    // Its process has ended.
                    let _ = fs::remove_file(&path);
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = (&mut other).take(4096).read_to_string(&mut text);
                    return Err(StoreError::Busy {
                        dir: self.dir.clone(),
                        other: text.trim().to_string(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&mine)
            .map_err(io_err(&mine))?;
        file.lock_shared().map_err(io_err(&mine))?;
        // Every process of this experiment writes the same text.
        if file.metadata().map_err(io_err(&mine))?.len() == 0 {
            file.write_all(what.as_bytes()).map_err(io_err(&mine))?;
        }
        Ok(Live { _file: file })
    }
}
