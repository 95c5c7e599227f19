//! A run's rows compressed for its pack entry. Most runs log a few hundred rows (a few kB):
//! they are held in memory and compressed at the end with the thread's zstd context, made
//! once and reused; a fresh context per run cost more than the rest of a short run's fixed
//! work (its tables are allocated and zeroed: a few hundred µs). Rows beyond [`HELD`] bytes
//! stream through an encoder of their own, so that memory stays bounded however long a run
//! logs.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};

/// Uncompressed bytes held in memory before a run's rows stream instead (about 25 000 rows).
pub const HELD: usize = 1 << 20;
/// The held buffer's first capacity: room for a run's rows at the default logging density
/// many times over, so that logging more epochs allocates nothing more.
const FIRST: usize = 1 << 16;
/// zstd's level for the rows.
const LEVEL: i32 = 3;

thread_local! {
    static CONTEXT: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// The thread's held buffer, lent to one run at a time.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Compresses what is written: held in memory and returned as one zstd frame by
/// [`Compressing::finish`], or, past [`HELD`] bytes, streamed into `W` as it comes.
pub struct Compressing<W: Write> {
    held: Vec<u8>,
    out: Option<W>,
    stream: Option<zstd::stream::write::Encoder<'static, BufWriter<W>>>,
}

impl<W: Write> Compressing<W> {
    pub fn new(out: W) -> Self {
        let mut held = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
        held.clear();
        held.reserve(FIRST);
        Self {
            held,
            out: Some(out),
            stream: None,
        }
    }

    /// Finishes: the writer, flushed, and the compressed bytes when they were held (then
    /// nothing was written to it; else they are all in it).
    pub fn finish(mut self) -> io::Result<(W, Option<Vec<u8>>)> {
        if let Some(stream) = self.stream.take() {
            let mut w = stream.finish()?.into_inner().map_err(|e| e.into_error())?;
            w.flush()?;
            return Ok((w, None));
        }
        let out = self.out.take().expect("held until finished");
        let held = &self.held;
        let frame = CONTEXT.with(|c| {
            let mut c = c.borrow_mut();
            if c.is_none() {
                *c = Some(zstd::bulk::Compressor::new(LEVEL)?);
            }
            c.as_mut().expect("made above").compress(held)
        })?;
        Ok((out, Some(frame)))
    }
}

impl<W: Write> Write for Compressing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(s) = &mut self.stream {
            return s.write(buf);
        }
        self.held.extend_from_slice(buf);
        if self.held.len() > HELD {
            let out = self.out.take().expect("held until streaming");
            let mut s = zstd::stream::write::Encoder::new(BufWriter::new(out), LEVEL)?;
            s.write_all(&std::mem::take(&mut self.held))?;
            self.stream = Some(s);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Some(s) => s.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for Compressing<W> {
    /// Lends the held buffer back to the thread (kept only while it is not much larger than a
    /// run's usual rows).
    fn drop(&mut self) {
        let held = std::mem::take(&mut self.held);
        if held.capacity() <= 4 * FIRST {
            BUFFER.with(|b| *b.borrow_mut() = held);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn round_trip(len: usize) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut c = Compressing::new(Vec::new());
        for chunk in data.chunks(1000) {
            c.write_all(chunk).unwrap();
        }
        let bytes = match c.finish().unwrap() {
            (_, Some(frame)) => frame,
            (written, None) => written,
        };
        assert!(bytes.len() < len.max(100));
        let mut back = Vec::new();
        zstd::stream::read::Decoder::new(&bytes[..])
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data, "{len} bytes");
    }

    #[test]
    fn held_and_streamed_rows_read_back_and_the_context_is_reused() {
        for len in [0, 1, 5_000, HELD, HELD + 1, 3 * HELD + 17] {
            round_trip(len);
        }
        // Twice on one thread: the second run uses the first one's context, same bytes.
        let once = |d: &[u8]| {
            let mut c = Compressing::new(Vec::new());
            c.write_all(d).unwrap();
            c.finish().unwrap().1.unwrap()
        };
        assert_eq!(once(b"abcabcabc"), once(b"abcabcabc"));
    }
}
