//! A run's logged rows in the store, compact: a byte giving the metric count `m`, then per
//! row its epoch (u64, little-endian), a byte whose bit `j` says metric `j` has a value, and
//! those values (f64, little-endian). About 40 bytes a row before compression, against about
//! 80 as CSV text; the values keep every bit.

use std::io::{self, Read, Write};

/// The most metrics a row holds (one bit each in its mask).
pub const MAX_METRICS: usize = 8;

/// Writes rows of `metrics` values.
pub fn start(w: &mut impl Write, metrics: usize) -> io::Result<()> {
    assert!(
        metrics <= MAX_METRICS,
        "at most {MAX_METRICS} metrics a row"
    );
    w.write_all(&[metrics as u8])
}

/// Writes one row.
pub fn write(w: &mut impl Write, epoch: u64, values: &[Option<f64>]) -> io::Result<()> {
    let mut buf = [0u8; 9 + 8 * MAX_METRICS];
    buf[..8].copy_from_slice(&epoch.to_le_bytes());
    let mut mask = 0u8;
    let mut n = 9;
    for (j, v) in values.iter().enumerate() {
        if let Some(v) = v {
            mask |= 1 << j;
            buf[n..n + 8].copy_from_slice(&v.to_le_bytes());
            n += 8;
        }
    }
    buf[8] = mask;
    w.write_all(&buf[..n])
}

/// Reads rows back: each as its epoch and its metrics' values.
pub struct Reader<R> {
    inner: R,
    metrics: usize,
}

impl<R: Read> Reader<R> {
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut m = [0u8];
        inner.read_exact(&mut m)?;
        let metrics = m[0] as usize;
        if metrics > MAX_METRICS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a run's rows claim too many metrics",
            ));
        }
        Ok(Self { inner, metrics })
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> io::Result<Option<(u64, Vec<Option<f64>>)>> {
        let mut head = [0u8; 9];
        // The end of the rows may only fall between two rows.
        match self.inner.read(&mut head[..1])? {
            0 => return Ok(None),
            _ => self.inner.read_exact(&mut head[1..])?,
        }
        let epoch = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        let mask = head[8];
        let mut values = Vec::with_capacity(self.metrics);
        for j in 0..self.metrics {
            if mask & (1 << j) != 0 {
                let mut v = [0u8; 8];
                self.inner.read_exact(&mut v)?;
                values.push(Some(f64::from_le_bytes(v)));
            } else {
                values.push(None);
            }
        }
        Ok(Some((epoch, values)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_bit_for_bit_with_their_gaps() {
        let rows: Vec<(u64, Vec<Option<f64>>)> = vec![
            (0, vec![Some(0.25), None, Some(f64::NAN)]),
            (7, vec![Some(-0.0), Some(f64::INFINITY), None]),
            (u64::MAX, vec![Some(1e-310), Some(3.0), Some(5e300)]),
        ];
        let mut buf = Vec::new();
        start(&mut buf, 3).unwrap();
        for (e, v) in &rows {
            write(&mut buf, *e, v).unwrap();
        }
        let mut r = Reader::new(&buf[..]).unwrap();
        for (e, v) in &rows {
            let (ge, gv) = r.next_row().unwrap().unwrap();
            assert_eq!(ge, *e);
            let bits =
                |v: &[Option<f64>]| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
            assert_eq!(bits(&gv), bits(v));
        }
        assert!(r.next_row().unwrap().is_none());
        // A row cut short is an error, not the end.
        let mut r = Reader::new(&buf[..buf.len() - 3]).unwrap();
        r.next_row().unwrap();
        r.next_row().unwrap();
        assert!(r.next_row().is_err());
    }
}
