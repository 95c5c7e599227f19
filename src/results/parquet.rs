//! The Parquet tables: `epochs.parquet`, `runs.parquet`, `summary.parquet` and
//! `curves.parquet`, with the CSVs' columns and values, typed: integers as Int64, metrics and
//! statistics as Float64, a swept key as its values' type (Int64, Float64, Boolean, a list of
//! Int64 for layer widths, else text), an empty cell as null. zstd-compressed, in row groups of
//! [`ROW_GROUP`] rows so that pandas, polars and DuckDB can read them a group at a time.
//!
//! The values come from the same rows as the CSVs' (`results::rows`): every float cell is
//! written with round-trip digits, so parsing it back gives the same bits.

use super::rows::Rows;
use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::{self, Write};
use std::sync::Arc;

/// Rows per row group (and per batch handed to the writer).
pub const ROW_GROUP: usize = 65_536;

/// A column's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Bool,
    /// A list of integers written `[16,8]`.
    IntList,
    Text,
}

/// The type that holds every one of `values` (empty cells are nulls and fit any type).
pub fn infer<'a>(values: impl IntoIterator<Item = &'a str>) -> Kind {
    let mut kinds = [Kind::Int, Kind::Float, Kind::Bool, Kind::IntList];
    let mut alive = [true; 4];
    for v in values.into_iter().filter(|v| !v.is_empty()) {
        for (k, a) in kinds.iter_mut().zip(alive.iter_mut()) {
            *a = *a && fits(*k, v);
        }
    }
    kinds
        .into_iter()
        .zip(alive)
        .find(|(_, a)| *a)
        .map_or(Kind::Text, |(k, _)| k)
}

fn fits(kind: Kind, v: &str) -> bool {
    match kind {
        Kind::Int => v.parse::<i64>().is_ok(),
        Kind::Float => v.parse::<f64>().is_ok(),
        Kind::Bool => v == "true" || v == "false",
        Kind::IntList => int_list(v).is_some(),
        Kind::Text => true,
    }
}

fn int_list(v: &str) -> Option<Vec<i64>> {
    let inner = v.strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|w| w.trim().parse().ok()).collect()
}

/// A column being filled.
enum Column {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    IntList(ListBuilder<Int64Builder>),
    Text(StringBuilder),
}

impl Column {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Int => Column::Int(Int64Builder::new()),
            Kind::Float => Column::Float(Float64Builder::new()),
            Kind::Bool => Column::Bool(BooleanBuilder::new()),
            Kind::IntList => Column::IntList(ListBuilder::new(Int64Builder::new())),
            Kind::Text => Column::Text(StringBuilder::new()),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            Column::Int(_) => DataType::Int64,
            Column::Float(_) => DataType::Float64,
            Column::Bool(_) => DataType::Boolean,
            Column::IntList(_) => {
                DataType::List(Arc::new(Field::new("item", DataType::Int64, true)))
            }
            Column::Text(_) => DataType::Utf8,
        }
    }

    /// Appends `cell`; a cell the column's type cannot hold is a bug in runner's writers.
    fn push(&mut self, name: &str, cell: &str) -> io::Result<()> {
        let bad = || {
            io::Error::other(format!(
                "column `{name}`: `{cell}` does not fit its Parquet type"
            ))
        };
        match self {
            _ if cell.is_empty() => self.null(),
            Column::Int(b) => b.append_value(cell.parse().map_err(|_| bad())?),
            Column::Float(b) => b.append_value(cell.parse().map_err(|_| bad())?),
            Column::Bool(b) => b.append_value(cell == "true"),
            Column::IntList(b) => {
                let list = int_list(cell).ok_or_else(bad)?;
                b.values().append_slice(&list);
                b.append(true);
            }
            Column::Text(b) => b.append_value(cell),
        }
        Ok(())
    }

    fn null(&mut self) {
        match self {
            Column::Int(b) => b.append_null(),
            Column::Float(b) => b.append_null(),
            Column::Bool(b) => b.append_null(),
            Column::IntList(b) => b.append(false),
            Column::Text(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Int(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::IntList(b) => Arc::new(b.finish()),
            Column::Text(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Int(b) => b.len(),
            Column::Float(b) => b.len(),
            Column::Bool(b) => b.len(),
            Column::IntList(b) => b.len(),
            Column::Text(b) => b.len(),
        }
    }
}

/// A Parquet table written from rows of cells; `kind` gives each header name's type.
///
/// The encoder writes into a buffer that is drained into `out` after each row group (as the
/// parquet crate's own async writer does), so `out` need not be `Send` and memory holds one
/// row group at most.
pub struct ParquetRows<W: Write> {
    out: W,
    kind: Box<dyn Fn(&str) -> Kind>,
    names: Vec<String>,
    columns: Vec<Column>,
    writer: Option<ArrowWriter<Vec<u8>>>,
    schema: Option<Arc<Schema>>,
}

impl<W: Write> ParquetRows<W> {
    pub fn new(out: W, kind: Box<dyn Fn(&str) -> Kind>) -> Self {
        Self {
            out,
            kind,
            names: Vec::new(),
            columns: Vec::new(),
            writer: None,
            schema: None,
        }
    }

    /// Hands the buffered rows to the encoder as one batch, and what it encoded to `out`.
    fn flush_batch(&mut self) -> io::Result<()> {
        let (Some(writer), Some(schema)) = (self.writer.as_mut(), &self.schema) else {
            return Ok(());
        };
        if self.columns.first().is_some_and(|c| c.len() > 0) {
            let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
            let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(io::Error::other)?;
            writer.write(&batch).map_err(io::Error::other)?;
        }
        let buf = writer.inner_mut();
        self.out.write_all(buf)?;
        buf.clear();
        Ok(())
    }
}

impl<W: Write> Rows for ParquetRows<W> {
    fn record(&mut self, cells: &[&str]) -> io::Result<()> {
        if self.writer.is_none() {
            self.names = cells.iter().map(|c| c.to_string()).collect();
            self.columns = cells.iter().map(|n| Column::new((self.kind)(n))).collect();
            let fields: Vec<Field> = self
                .names
                .iter()
                .zip(&self.columns)
                .map(|(n, c)| Field::new(n, c.data_type(), true))
                .collect();
            let schema = Arc::new(Schema::new(fields));
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("valid")))
                .set_max_row_group_row_count(Some(ROW_GROUP))
                // One fixed writer name: the file's bytes depend on its values alone.
                .set_created_by(concat!("runner ", env!("CARGO_PKG_VERSION")).into())
                .build();
            self.writer = Some(
                ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))
                    .map_err(io::Error::other)?,
            );
            self.schema = Some(schema);
            return Ok(());
        }
        for ((col, name), cell) in self.columns.iter_mut().zip(&self.names).zip(cells) {
            col.push(name, cell)?;
        }
        if self.columns[0].len() >= ROW_GROUP {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.flush_batch()?;
        if let Some(w) = self.writer.take() {
            let rest = w.into_inner().map_err(io::Error::other)?;
            self.out.write_all(&rest)?;
        }
        Ok(())
    }
}

/// Each column's type for an experiment's tables: fixed by name for runner's own columns,
/// inferred from the values for the swept keys (`swept`: each key with every run's value).
pub fn kinds(swept: Vec<(String, Kind)>) -> impl Fn(&str) -> Kind {
    move |name: &str| {
        if let Some((_, k)) = swept.iter().find(|(n, _)| n == name) {
            return *k;
        }
        const TEXT: [&str; 5] = ["run", "configuration", "id", "status", "variant"];
        const INT: [&str; 8] = [
            "seed",
            "epoch",
            "epochs",
            "diverged_epoch",
            "epochs_to_target",
            "runs",
            "diverged",
            "reached_target",
        ];
        if TEXT.contains(&name) {
            Kind::Text
        } else if INT.contains(&name)
            || name == "n"
            || name.ends_with(".units")
            || name.ends_with(".layers")
        {
            Kind::Int
        } else {
            Kind::Float
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_takes_the_narrowest_type_that_holds_every_value() {
        assert_eq!(infer(["1", "2", ""]), Kind::Int);
        assert_eq!(infer(["1", "0.5"]), Kind::Float);
        assert_eq!(infer(["true", "false"]), Kind::Bool);
        assert_eq!(infer(["[]", "[16,8]", "[4]"]), Kind::IntList);
        assert_eq!(infer(["sigmoid", "tanh"]), Kind::Text);
        assert_eq!(infer(["[1,x]"]), Kind::Text);
        assert_eq!(infer(["1", "sgd"]), Kind::Text);
    }
}
