//! The index of the files runner wrote at the top of a results folder (`.runner/index.toml`):
//! for each, the hashes it may have and, once in place, its size and modification time. It
//! is how runner knows which files it may replace (only its own, unchanged since it wrote
//! them), and whether the files already describe the experiment being run (`key`), in which
//! case nothing is written at all.

use super::atomic::{sha256_file, write_atomic};
use super::StoreError;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// One file runner wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Written {
    /// The file's name in the results folder.
    pub name: String,
    /// The contents runner wrote: one hash, or two while a file is being replaced (a crash
    /// between the two steps leaves either, and both are runner's).
    pub sha256: Vec<String>,
    /// Size and modification time (ns since the epoch) once in place: a cheap check that the
    /// file is unchanged, before hashing it.
    pub size: u64,
    pub modified: String,
}

/// What the results folder's top-level files are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The experiment the files describe.
    pub name: String,
    /// Hash of the resolved experiment (ids and labels included).
    pub experiment: String,
    /// Hash of everything the files were assembled from.
    pub key: String,
    #[serde(default, rename = "file")]
    pub files: Vec<Written>,
}

/// A written file, compared with the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    Missing,
    /// As runner wrote it.
    Ours,
    /// Changed since runner wrote it.
    Edited,
}

fn stamp(meta: &fs::Metadata) -> String {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or_else(String::new, |d| d.as_nanos().to_string())
}

impl Written {
    /// Records `path` as just written with contents `sha256`.
    pub fn of(path: &Path, name: &str, sha256: String) -> Result<Written, StoreError> {
        let meta = fs::metadata(path).map_err(|cause| StoreError::Io {
            path: path.to_owned(),
            cause,
        })?;
        Ok(Written {
            name: name.into(),
            sha256: vec![sha256],
            size: meta.len(),
            modified: stamp(&meta),
        })
    }

    /// Whether the file in `dir` is still as runner wrote it.
    pub fn state(&self, dir: &Path) -> FileState {
        let path = dir.join(&self.name);
        let Ok(meta) = fs::metadata(&path) else {
            return FileState::Missing;
        };
        if meta.len() == self.size && stamp(&meta) == self.modified && self.sha256.len() == 1 {
            return FileState::Ours;
        }
        match sha256_file(&path) {
            Ok(h) if self.sha256.contains(&h) => FileState::Ours,
            _ => FileState::Edited,
        }
    }
}

impl Index {
    /// The index of `state` (`DIR/.runner`); empty when there is none.
    pub fn read(state: &Path) -> Result<Index, StoreError> {
        let path = state.join("index.toml");
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| StoreError::Damaged {
                path,
                what: format!("cannot be read ({})", e.message()),
            }),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(Index::default())
            }
            Err(cause) => Err(StoreError::Io { path, cause }),
        }
    }

    pub fn write(&self, state: &Path) -> Result<(), StoreError> {
        let text = toml::to_string(self).expect("indexes serialize");
        write_atomic(&state.join("index.toml"), text.as_bytes())
    }

    pub fn get(&self, name: &str) -> Option<&Written> {
        self.files.iter().find(|w| w.name == name)
    }

    /// Checks the files named `names` in `dir` before anything is written there: a file that
    /// runner did not write is refused always; one it wrote but that was edited since is
    /// refused unless `force`.
    pub fn check(&self, dir: &Path, names: &[&str], force: bool) -> Result<(), StoreError> {
        for name in names {
            let path = dir.join(name);
            if fs::symlink_metadata(&path).is_err() {
                continue;
            }
            match self.get(name).map(|w| w.state(dir)) {
                None => return Err(StoreError::NotOurs { path }),
                Some(FileState::Edited) if !force => return Err(StoreError::Edited { path }),
                _ => {}
            }
        }
        Ok(())
    }
}
