//! Pack files: where finished runs live. Each process appends the runs it finishes to a pack
//! of its own (`.runner/packs/<host>-<pid>-<time>.pack`), so that 10⁵ runs make a few files,
//! not 10⁵, and no two processes ever write one file. A pack is a line `runner pack 1`, then
//! entries:
//!
//! ```text
//! @run <id> <stamp> <record bytes> <body bytes>\n<record><body>\n
//! ```
//!
//! The record is the run's TOML with its checksum line last ([`RunRecord::to_text`]); the body
//! its logged rows ([`super::rows`]), zstd-compressed. The record holds the uncompressed
//! rows' count and hash, so an entry is whole when its record's checksum holds and its body
//! decodes to that count and hash. `stamp` (ns since the epoch) orders two entries of one run
//! (`--force` trains a run again): the later one counts.
//!
//! An entry cut short at a pack's end is one being written, or one whose process died while
//! writing it: it is not there yet (the run is trained again), and the scan resumes there next
//! time. An entry whose header cannot be read is skipped to the next `\n@run `.
//!
//! Bump [`VERSION`] with any change to an entry or a record that an older runner would
//! misread: an older runner then refuses the store rather than call its runs damaged.
//!
//! The format is runner's own: a run's record and rows are appended as one unit by one
//! process and read back by offset; no crate offers an append-only multi-writer record log
//! of this kind without a server.

use super::RunRecord;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The pack format's version, on a pack's first line.
pub const VERSION: u32 = 1;
/// A pack's first line.
const HEAD: &[u8] = b"runner pack 1\n";

/// The first pack in `dir` whose first line names a format newer than [`VERSION`], with it.
pub fn newer(dir: &Path) -> Option<(PathBuf, u32)> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    paths.sort();
    paths.into_iter().find_map(|path| {
        let mut head = [0u8; 32];
        let n = File::open(&path).and_then(|mut f| f.read(&mut head)).ok()?;
        let line = std::str::from_utf8(&head[..n]).ok()?.lines().next()?;
        let found: u32 = line.strip_prefix("runner pack ")?.trim().parse().ok()?;
        (found > VERSION).then_some((path, found))
    })
}
/// How an entry starts.
const ENTRY: &[u8] = b"@run ";
/// The longest header line read.
const MAX_HEADER: usize = 128;

/// Where one run's entry is.
#[derive(Clone, Debug)]
pub struct Loc {
    pub pack: PathBuf,
    stamp: u128,
    pub record_at: u64,
    pub record_len: u64,
    pub body_at: u64,
    pub body_len: u64,
}

/// What the packs of a store hold, as far as they have been read.
#[derive(Default)]
pub struct Packs {
    /// Each pack's path and how far it has been read.
    read: HashMap<PathBuf, u64>,
    /// The latest entry of each run.
    runs: HashMap<String, Loc>,
}

impl Packs {
    /// Reads what was appended to `dir`'s packs since the last call.
    pub fn refresh(&mut self, dir: &Path) -> io::Result<()> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pack"))
            .collect();
        paths.sort();
        for path in paths {
            let from = self.read.get(&path).copied().unwrap_or(0);
            let len = match fs::metadata(&path) {
                Ok(m) => m.len(),
                Err(_) => continue,
            };
            if len <= from {
                continue;
            }
            let end = self.scan(&path, from, len)?;
            self.read.insert(path, end);
        }
        Ok(())
    }

    /// Indexes the whole entries of `path` in `from..len`; returns where reading stopped.
    fn scan(&mut self, path: &Path, mut at: u64, len: u64) -> io::Result<u64> {
        let mut f = File::open(path)?;
        if at == 0 {
            let mut head = vec![0; HEAD.len()];
            if len < HEAD.len() as u64 {
                return Ok(0);
            }
            f.read_exact(&mut head)?;
            if head != HEAD {
                // Not a pack of this format: nothing in it is read.
                return Ok(len);
            }
            at = HEAD.len() as u64;
        }
        while at < len {
            f.seek(SeekFrom::Start(at))?;
            let mut buf = vec![0; MAX_HEADER.min((len - at) as usize)];
            f.read_exact(&mut buf)?;
            let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
                if buf.len() < MAX_HEADER {
                    return Ok(at); // a header still being written
                }
                at = resync(&mut f, at + 1, len)?;
                continue;
            };
            let Some((id, stamp, record_len, body_len)) = parse_header(&buf[..nl]) else {
                at = resync(&mut f, at + 1, len)?;
                continue;
            };
            let record_at = at + nl as u64 + 1;
            let body_at = record_at + record_len;
            let end = body_at.saturating_add(body_len).saturating_add(1);
            if end > len {
                return Ok(at); // an entry still being written, or cut by a crash
            }
            let loc = Loc {
                pack: path.to_owned(),
                stamp,
                record_at,
                record_len,
                body_at,
                body_len,
            };
            self.insert(id, loc);
            at = end;
        }
        Ok(at)
    }

    /// Run `id`'s entry, which this process appended to its own pack at `at`: indexed, and
    /// when the pack had been read up to it, marked read, so that the next refresh does not
    /// open the pack to read back what was just written.
    pub fn appended(&mut self, id: String, loc: Loc, at: Range<u64>) {
        let read = self
            .read
            .get(&loc.pack)
            .copied()
            .unwrap_or(HEAD.len() as u64);
        if read == at.start {
            self.read.insert(loc.pack.clone(), at.end);
        }
        self.insert(id, loc);
    }

    /// Counts `loc` as run `id`'s entry unless a later one is known.
    pub fn insert(&mut self, id: String, loc: Loc) {
        match self.runs.get(&id) {
            Some(old) if (old.stamp, &old.pack) >= (loc.stamp, &loc.pack) => {}
            _ => {
                self.runs.insert(id, loc);
            }
        }
    }

    /// The latest entry of run `id` read so far.
    pub fn get(&self, id: &str) -> Option<&Loc> {
        self.runs.get(id)
    }
}

/// `@run <id> <stamp> <record bytes> <body bytes>`.
fn parse_header(line: &[u8]) -> Option<(String, u128, u64, u64)> {
    let line = std::str::from_utf8(line.strip_prefix(ENTRY)?).ok()?;
    let mut parts = line.split(' ');
    let id = parts.next()?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let stamp = parts.next()?.parse().ok()?;
    let record = parts.next()?.parse().ok()?;
    let body = parts.next()?.parse().ok()?;
    parts
        .next()
        .is_none()
        .then(|| (id.to_string(), stamp, record, body))
}

/// The offset of the next entry after a damaged one: just past the next `\n` that starts
/// `\n@run `, or `len` when there is none.
fn resync(f: &mut File, from: u64, len: u64) -> io::Result<u64> {
    let mut at = from;
    let mut buf = vec![0; 1 << 16];
    while at < len {
        f.seek(SeekFrom::Start(at))?;
        let n = ((len - at) as usize).min(buf.len());
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n]
            .windows(ENTRY.len() + 1)
            .position(|w| w[0] == b'\n' && &w[1..] == ENTRY)
        {
            return Ok(at + i as u64 + 1);
        }
        if n < buf.len() {
            break;
        }
        at += (n - ENTRY.len()) as u64;
    }
    Ok(len)
}

/// Reads `len` bytes at `at` of `path`.
pub fn read_at(path: &Path, at: u64, len: u64) -> io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::new();
    f.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the pack is shorter than its entry",
        ));
    }
    Ok(buf)
}

/// `f` on the body of an entry, as a reader of its uncompressed rows. Decodes with this
/// thread's zstd context: one a thread rather than one a run, as a context's buffers are the
/// size of the rows' window, which 10⁵ runs would allocate and free 10⁵ times.
pub fn with_body<T>(loc: &Loc, f: impl FnOnce(&mut dyn Read) -> io::Result<T>) -> io::Result<T> {
    use zstd::zstd_safe::{DCtx, ResetDirective};
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<DCtx<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let mut file = File::open(&loc.pack)?;
    file.seek(SeekFrom::Start(loc.body_at))?;
    let compressed = io::BufReader::with_capacity(1 << 16, file.take(loc.body_len));
    CONTEXT.with(|cell| {
        let mut cell = cell.borrow_mut();
        let context = cell.get_or_insert_with(DCtx::create);
        context
            .reset(ResetDirective::SessionOnly)
            .map_err(|code| io::Error::other(zstd::zstd_safe::get_error_name(code)))?;
        let decoder = zstd::stream::read::Decoder::with_context(compressed, context);
        let mut rows = io::BufReader::new(decoder);
        f(&mut rows)
    })
}

/// This process's pack, opened when it first finishes a run.
pub struct Writer {
    dir: PathBuf,
    open: Mutex<Option<Open>>,
}

/// An entry's body: held in memory, or in a file (a run whose rows outgrew memory).
pub enum Body<'a> {
    Held(&'a [u8]),
    File(&'a mut File),
}

struct Open {
    file: File,
    path: PathBuf,
    /// The pack's length: only this process appends to it.
    len: u64,
    synced: Instant,
}

impl Writer {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            open: Mutex::new(None),
        }
    }

    /// Appends run `record`'s entry, its body (already compressed) from memory or copied from
    /// a file. A failed write leaves at most a cut entry at the pack's end, and the next entry
    /// goes to a new pack.
    pub fn append(&self, record: &RunRecord, body: Body) -> io::Result<(Loc, Range<u64>)> {
        let text = record.to_text();
        let body_len = match &body {
            Body::Held(bytes) => bytes.len() as u64,
            Body::File(file) => file.metadata()?.len(),
        };
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let header = format!("@run {} {stamp} {} {body_len}\n", record.id, text.len());
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.is_none() {
            let (file, path) = self.create()?;
            *open = Some(Open {
                file,
                path,
                len: HEAD.len() as u64,
                synced: Instant::now(),
            });
        }
        let o = open.as_mut().expect("opened");
        let start = o.len;
        let record_at = o.len + header.len() as u64;
        let loc = Loc {
            pack: o.path.clone(),
            stamp,
            record_at,
            record_len: text.len() as u64,
            body_at: record_at + text.len() as u64,
            body_len,
        };
        let written = (|| {
            let mut head = header.into_bytes();
            head.extend_from_slice(text.as_bytes());
            match body {
                // One write for the whole entry.
                Body::Held(bytes) => {
                    head.extend_from_slice(bytes);
                    head.push(b'\n');
                    o.file.write_all(&head)?;
                }
                Body::File(file) => {
                    o.file.write_all(&head)?;
                    file.seek(SeekFrom::Start(0))?;
                    let copied = io::copy(&mut file.take(body_len), &mut o.file)?;
                    if copied != body_len {
                        return Err(io::Error::other(
                            "the run's rows changed while being stored",
                        ));
                    }
                    o.file.write_all(b"\n")?;
                }
            }
            o.len = loc.body_at + body_len + 1;
            // A crash of the machine may lose the last second; a killed process loses nothing.
            if o.synced.elapsed().as_secs() >= 1 {
                o.file.sync_data()?;
                o.synced = Instant::now();
            }
            Ok(())
        })();
        if written.is_err() {
            *open = None;
        }
        let end = loc.body_at + body_len + 1;
        written.map(|()| (loc, start..end))
    }

    /// Syncs the pack to disk, at the end of a sweep.
    pub fn sync(&self) -> io::Result<()> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match open.as_ref() {
            Some(o) => o.file.sync_data(),
            None => Ok(()),
        }
    }

    /// A new pack with a name no other process uses: host, process id and time.
    fn create(&self) -> io::Result<(File, PathBuf)> {
        fs::create_dir_all(&self.dir)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("{}-{}-{now}.pack", host(), std::process::id());
        let path = self.dir.join(name);
        let mut f = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(HEAD)?;
        Ok((f, path))
    }
}

/// This machine's name, for pack names on a filesystem that machines share.
fn host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(0);
    let name: String = String::from_utf8_lossy(&buf[..if ok { end } else { 0 }])
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if name.is_empty() {
        "host".into()
    } else {
        name
    }
}
