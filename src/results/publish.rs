//! Files written into a folder that holds no experiment of its own: a comparison's report
//! (`runner report A B --out DIR`). The same guarantees as an experiment's files: staged and
//! renamed into place under the folder's lock, an index of what runner wrote, no file runner
//! did not write or that was edited since replaced, nothing written through a link, and what
//! an earlier comparison wrote there and this one does not is removed.

use super::assemble::stage_in;
use crate::store::{FileState, Index, Store, StoreError, Written};

/// What a folder's index says when it holds a comparison: this prefix, then the hash of what
/// was compared.
pub const COMPARISON: &str = "comparison:";

/// Why `store` cannot take a comparison's files: it holds an experiment's results.
pub fn holds_experiment(store: &Store) -> Result<Option<String>, StoreError> {
    let index = store.index()?;
    Ok(
        (!index.experiment.is_empty() && !index.experiment.starts_with(COMPARISON))
            .then_some(index.name),
    )
}

/// Writes `files` (name in the folder, contents) into `store`'s folder as `name`'s, whose
/// index fingerprint is `mark` (starting with [`COMPARISON`]). `force` replaces edited files.
pub fn publish(
    store: &Store,
    name: &str,
    mark: &str,
    files: &[(String, Vec<u8>)],
    force: bool,
) -> Result<(), StoreError> {
    if store.dir.exists() && !store.dir.is_dir() {
        return Err(StoreError::NotAFolder {
            path: store.dir.clone(),
        });
    }
    std::fs::create_dir_all(store.state()).map_err(|cause| StoreError::Io {
        path: store.state().to_owned(),
        cause,
    })?;
    let _lock = store.lock()?;
    let before = store.index()?;
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    before.check(&store.dir, &names, force)?;
    let stale: Vec<&Written> = before
        .files
        .iter()
        .filter(|w| !names.contains(&w.name.as_str()))
        .collect();
    for w in &stale {
        if w.state(&store.dir) == FileState::Edited && !force {
            return Err(StoreError::Edited {
                path: store.dir.join(&w.name),
            });
        }
    }
    let mut staged = Vec::new();
    for (n, bytes) in files {
        staged.push((n, stage_in(&store.dir, n, &mut |w| w.write_all(bytes))?));
    }
    // The index first accepts both the old and the new contents, so that a crash while the
    // files are renamed leaves files runner still knows as its own.
    let mut index = before.clone();
    for (n, s) in &staged {
        match index.files.iter_mut().find(|w| &w.name == *n) {
            Some(w) => {
                w.sha256.push(s.sha256.clone());
                w.size = 0;
            }
            None => index.files.push(Written {
                name: n.to_string(),
                sha256: vec![s.sha256.clone()],
                ..Written::default()
            }),
        }
    }
    index.write(store.state())?;
    let mut written = Vec::new();
    for (n, s) in staged {
        let (path, sha) = (s.path.clone(), s.sha256.clone());
        s.persist()?;
        written.push(Written::of(&path, n, sha)?);
    }
    for w in stale {
        let _ = std::fs::remove_file(store.dir.join(&w.name));
    }
    Index {
        name: name.to_string(),
        experiment: mark.to_string(),
        key: String::new(),
        files: written,
    }
    .write(store.state())
}
