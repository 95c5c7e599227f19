//! Atomic writes: a temporary file in the target's folder, synced, then renamed over the
//! target, so readers (and crashes) see the old file or the new one, never a part. The
//! contents are hashed as they are written, so a caller can keep an unchanged file untouched.

use super::StoreError;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A writer that hashes and counts what passes through it.
pub struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The writer, the hex SHA-256 and the byte count of everything written.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file written in full beside its target but not yet in place.
pub struct Staged {
    tmp: tempfile::TempPath,
    pub path: PathBuf,
    pub sha256: String,
}

impl Staged {
    /// Renames the file over its target.
    pub fn persist(self) -> Result<(), StoreError> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| StoreError::Io {
            path: path.clone(),
            cause: e.error,
        })?;
        Ok(())
    }
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

/// Writes the contents `fill` streams into a synced temporary file beside `path`.
pub fn stage(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<Staged, StoreError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let err = |cause| StoreError::Io {
        path: path.to_owned(),
        cause,
    };
    let mut tmp = temp_in(dir).map_err(|cause| StoreError::Io {
        path: dir.to_owned(),
        cause,
    })?;
    let sha256 = {
        let mut w = Hashing::new(io::BufWriter::new(&mut tmp));
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
        w.finish().1
    };
    tmp.as_file().sync_all().map_err(err)?;
    Ok(Staged {
        // Closed now: a sweep stages thousands of files before it renames any into place,
        // more than a process may hold open.
        tmp: tmp.into_temp_path(),
        path: path.to_owned(),
        sha256,
    })
}

/// Writes `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    stage(path, |w| w.write_all(bytes))?.persist()
}

/// The hex SHA-256 of a file's contents, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut h = Hashing::new(io::sink());
    io::copy(&mut fs::File::open(path)?, &mut h)?;
    Ok(h.finish().1)
}
