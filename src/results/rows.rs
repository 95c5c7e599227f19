//! Where a table's rows go: the table writers (`epochs`, `runs`, `summary`, `curves`) produce
//! rows of cells once, and a [`Rows`] sink writes them as CSV ([`CsvRows`]) or as typed Parquet
//! ([`super::parquet::ParquetRows`]), so both formats hold the same values.

use std::io::{self, Write};

/// A table being written, one record at a time; the first record is the header.
pub trait Rows {
    fn record(&mut self, cells: &[&str]) -> io::Result<()>;
    /// Writes out what is buffered; the table is complete.
    fn finish(&mut self) -> io::Result<()>;

    /// [`Rows::record`] for owned cells.
    fn strings(&mut self, cells: &[String]) -> io::Result<()> {
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        self.record(&cells)
    }
}

/// Rows as CSV.
pub struct CsvRows<W: Write>(csv::Writer<W>);

impl<W: Write> CsvRows<W> {
    pub fn new(w: W) -> Self {
        Self(super::csv_writer(w))
    }
}

impl<W: Write> Rows for CsvRows<W> {
    fn record(&mut self, cells: &[&str]) -> io::Result<()> {
        self.0.write_record(cells).map_err(super::csv_io)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
