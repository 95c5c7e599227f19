//! Reading a data set from a CSV file: every column but the targets is an input.

use super::{CsvTarget, Dataset, Targets};
use crate::suggest::did_you_mean;
use std::path::{Path, PathBuf};

/// What can go wrong reading a CSV data file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("cannot read data file `{}`: {cause}; check `data.path` (relative paths start at the experiment file's folder)", path.display())]
    Open {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("`{}`, line {line}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("`{}`, line {line}, column `{column}`: {found} is not a number; write a number there or remove the row", path.display())]
    NotNumber {
        path: PathBuf,
        line: u64,
        column: String,
        found: String,
    },
    #[error("`{}` has no target column `{target}` (columns: {columns}); set `data.target` to one of them{hint}", path.display())]
    NoTarget {
        path: PathBuf,
        target: String,
        columns: String,
        hint: String,
    },
    #[error("`{}`: the header names {count} columns `{target}` (numbers {at}, counting from 0), so which one `data.target` means is ambiguous; rename them in the header, or give the column's number, e.g. `target = {first}`", path.display())]
    Ambiguous {
        path: PathBuf,
        target: String,
        count: usize,
        at: String,
        first: usize,
    },
    #[error("{place}: {message}")]
    Target { place: String, message: String },
    #[error("`{}` holds no data rows; add rows below the header", path.display())]
    Empty { path: PathBuf },
    #[error("`{}` has a single column ({column}), so the network would have no inputs; {}", path.display(), no_inputs_fix(column))]
    NoInputs { path: PathBuf, column: String },
    #[error("`{}`: the target column holds {classes} distinct values over {rows} rows, and a softmax output has one unit a class: its one-hot targets alone would need {need}, more than {what} ({limit}); check that it is the class column, or predict it as a number with `model.output = \"identity\"` and `train.loss = \"squared_error\"`", path.display())]
    TooManyClasses {
        path: PathBuf,
        classes: usize,
        rows: usize,
        need: String,
        what: &'static str,
        limit: String,
    },
}

/// Reads `path`: the columns `targets` are the targets (in that order), the rest inputs.
/// With [`Targets::Classes`] the one target column holds class labels, any text.
/// The fix for a file read as one column: a file separated by `;` or tabs says so (runner
/// reads commas, as `pandas.read_csv` does by default), else the columns to add.
fn no_inputs_fix(column: &str) -> String {
    match [';', '\t', '|', ','].into_iter().find(|&c| column.contains(c)) {
        Some(',') => "its values are separated by commas: remove `data.delimiter` (commas are the default)".into(),
        Some(c) => format!(
            "its values are separated by `{}`, not commas: set `data.delimiter = \"{}\"`",
            c.escape_default(),
            c.escape_default()
        ),
        None => "add input columns (every column but `data.target` is an input), or check that the file is the data set you meant".into(),
    }
}

/// One `bce` target column: labels 0 and 1 as they are; any other two values (text, or numbers
/// such as 1 and 2) mapped, sorted as `np.unique` sorts them, to 0 and 1, as scikit-learn's
/// `LabelBinarizer` does, their names kept as the classes. More than two are refused.
fn two_classes(
    path: &Path,
    x: Vec<f64>,
    labels: &[String],
    inputs: usize,
) -> Result<Dataset, CsvError> {
    let rows = labels.len();
    let names = super::class_names(labels);
    let zero_one = names
        .iter()
        .all(|(v, _)| matches!(v, Some(v) if *v == 0.0 || *v == 1.0));
    if zero_one {
        let y = labels
            .iter()
            .map(|l| l.parse::<f64>().unwrap_or(0.0))
            .collect();
        return Ok(Dataset::new(x, y, rows, inputs, 1));
    }
    if names.len() > 2 {
        let shown: Vec<String> = names
            .iter()
            .take(4)
            .map(|(_, n)| format!("`{n}`"))
            .collect();
        return Err(CsvError::Target {
            place: format!("`{}`", path.display()),
            message: format!(
                "the target column holds {} classes ({}{}), and `train.loss = \"bce\"` with one sigmoid output tells two apart; for more set `model.output = \"softmax\"` with `train.loss = \"cross_entropy\"`, or for numbers choose `loss = \"squared_error\"`",
                names.len(),
                shown.join(", "),
                if names.len() > 4 { ", …" } else { "" }
            ),
        });
    }
    let y = labels
        .iter()
        .map(|l| super::class_of(&names, l) as f64)
        .collect();
    let mut d = Dataset::new(x, y, rows, inputs, 1);
    d.classes = names.into_iter().map(|(_, n)| n).collect();
    Ok(d)
}

/// What one pass over a CSV file's bytes tells before it is parsed, in constant memory: its
/// lines, the fields of its first line (commas inside quotes counted too, so never fewer than
/// it has) and its longest line, which bounds the reader's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scan {
    pub lines: u64,
    pub fields: u64,
    pub longest: u64,
}

/// Scans `path` in 1 MiB pieces ([`Scan`]); a file that cannot be read scans as empty (the
/// read itself then says why).
pub fn scan(path: &Path, delimiter: u8) -> Scan {
    use std::io::Read;
    let mut out = Scan {
        fields: 1,
        ..Scan::default()
    };
    let Ok(mut f) = std::fs::File::open(path) else {
        return out;
    };
    let mut buf = vec![0u8; 1 << 20];
    let (mut line, mut any) = (0u64, false);
    while let Ok(n) = f.read(&mut buf) {
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            any = true;
            if b == b'\n' {
                out.lines += 1;
                out.longest = out.longest.max(line);
                line = 0;
            } else {
                line += 1;
                if out.lines == 0 && b == delimiter {
                    out.fields += 1;
                }
            }
        }
    }
    if line > 0 {
        out.lines += 1;
        out.longest = out.longest.max(line);
    }
    if !any {
        out.fields = 0;
    }
    out
}

pub(super) fn read(
    path: &Path,
    targets: &[CsvTarget],
    header: bool,
    delimiter: u8,
    rule: Targets,
) -> Result<Dataset, CsvError> {
    let malformed = |line: u64, message: String| CsvError::Malformed {
        path: path.to_owned(),
        line,
        message,
    };
    if path.is_dir() {
        return Err(CsvError::Open {
            path: path.to_owned(),
            cause: std::io::Error::other("it is a folder, not a file"),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(header)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(cause) => CsvError::Open {
                path: path.to_owned(),
                cause,
            },
            other => malformed(1, format!("{other:?}")),
        })?;
    let names: Vec<String> = if header {
        let h = reader.headers().map_err(|e| malformed(1, plain(&e)))?;
        h.iter().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    let no_target = |columns: String, hint: String, target: String| CsvError::NoTarget {
        path: path.to_owned(),
        target,
        columns,
        hint,
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut labels = Vec::new();
    let mut width = None;
    let mut target_cols: Option<Vec<usize>> = None;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            let msg = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!(
                    "{len} cells where the rows above have {expected_len}; give every row the same number of cells"
                ),
                _ => plain(&e),
            };
            malformed(line, msg)
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cols = *width.get_or_insert(record.len());
        if cols < 2 {
            return Err(CsvError::NoInputs {
                path: path.to_owned(),
                column: names
                    .first()
                    .map_or_else(|| "unnamed".to_string(), |n| format!("`{n}`")),
            });
        }
        let t = match &target_cols {
            Some(t) => t.clone(),
            None => {
                for target in targets {
                    ambiguous(target, &names, path)?;
                }
                let t = targets
                    .iter()
                    .map(|target| resolve_target(target, &names, cols))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|(c, h, t)| no_target(c, h, t))?;
                if t.len() >= cols {
                    return Err(CsvError::NoInputs {
                        path: path.to_owned(),
                        column: format!("all {cols} are targets"),
                    });
                }
                target_cols = Some(t.clone());
                t
            }
        };
        let column = |j: usize| names.get(j).cloned().unwrap_or_else(|| (j + 1).to_string());
        // Labels kept as text: a softmax's classes, and one `bce` column's two classes, which
        // may be any two values (scikit-learn maps them, sorted, to 0 and 1).
        let as_labels = rule == Targets::Classes || (rule == Targets::Binary && t.len() == 1);
        if as_labels {
            labels.push(record[t[0]].to_string());
        }
        let mut row_y = vec![0.0; t.len()];
        for (j, cell) in record.iter().enumerate() {
            let target = t.iter().position(|&c| c == j);
            if as_labels && target.is_some() {
                continue;
            }
            let value = cell.parse::<f64>().ok().filter(|v| v.is_finite());
            let Some(value) = value else {
                let found = if cell.is_empty() {
                    "an empty cell".into()
                } else {
                    format!("`{cell}`")
                };
                if target.is_some() {
                    return Err(CsvError::Target {
                        place: format!("`{}`, line {line}, column `{}`", path.display(), column(j)),
                        message: format!("{found} is not a number; for class labels set `model.output = \"softmax\"` with `train.loss = \"cross_entropy\"`, else write a number there"),
                    });
                }
                return Err(CsvError::NotNumber {
                    path: path.to_owned(),
                    line,
                    column: column(j),
                    found,
                });
            };
            match target {
                Some(k) => {
                    if rule == Targets::Binary && value != 0.0 && value != 1.0 {
                        return Err(CsvError::Target {
                            place: format!(
                                "`{}`, line {line}, column `{}`",
                                path.display(),
                                column(j)
                            ),
                            message: super::not_binary(cell),
                        });
                    }
                    row_y[k] = value;
                }
                None => x.push(value),
            }
        }
        y.extend(row_y);
    }
    let Some(cols) = width else {
        // Still report a wrong target name for a header-only file.
        if header && names.len() >= 2 {
            for target in targets {
                resolve_target(target, &names, names.len())
                    .map_err(|(c, h, t)| no_target(c, h, t))?;
            }
        }
        return Err(CsvError::Empty {
            path: path.to_owned(),
        });
    };
    let k = target_cols.map_or(1, |t| t.len());
    if rule == Targets::Binary && k == 1 {
        return two_classes(path, x, &labels, cols - 1);
    }
    if rule == Targets::Classes {
        let rows = labels.len();
        let classes = super::class_names(&labels).len();
        let need = (rows * classes) as f64 * 8.0 * 2.0;
        if let Some((limit, what)) = crate::memory::limit(1).filter(|l| need > l.0) {
            return Err(CsvError::TooManyClasses {
                path: path.to_owned(),
                classes,
                rows,
                need: crate::memory::Bytes(need).to_string(),
                what,
                limit: crate::memory::Bytes(limit).to_string(),
            });
        }
        let (y, classes) = super::one_hot(&labels);
        let mut d = Dataset::new(x, y, rows, cols - 1, classes.len());
        d.classes = classes;
        return Ok(d);
    }
    let rows = y.len() / k;
    Ok(Dataset::new(x, y, rows, cols - k, k))
}

/// A CSV reading error in the file's words, with the fix.
fn plain(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "holds bytes that are not UTF-8 text (is it a binary file?); give a CSV text file, saved as UTF-8".into()
        }
        csv::ErrorKind::Io(cause) => format!("{cause}; check that the file can be read"),
        _ => format!("{e}; check the file's format (comma-separated numbers, one row per line)"),
    }
}

/// Refuses a target name that the header gives to several columns.
fn ambiguous(target: &CsvTarget, names: &[String], path: &Path) -> Result<(), CsvError> {
    let CsvTarget::Name(name) = target else {
        return Ok(());
    };
    let at: Vec<usize> = (0..names.len()).filter(|&j| &names[j] == name).collect();
    if at.len() < 2 {
        return Ok(());
    }
    Err(CsvError::Ambiguous {
        path: path.to_owned(),
        target: name.clone(),
        count: at.len(),
        at: at
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" and "),
        first: at[0],
    })
}

/// The names the header gives the input columns (every column but the targets), read after
/// [`read`] accepted the file; empty if they are not `inputs` names.
pub(super) fn input_names(
    path: &Path,
    targets: &[CsvTarget],
    delimiter: u8,
    inputs: usize,
) -> Vec<String> {
    let Ok(mut reader) = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_path(path)
    else {
        return Vec::new();
    };
    let Ok(header) = reader.headers() else {
        return Vec::new();
    };
    let names: Vec<String> = header.iter().map(String::from).collect();
    let cols: Vec<usize> = targets
        .iter()
        .filter_map(|t| resolve_target(t, &names, names.len()).ok())
        .collect();
    let kept: Vec<String> = (0..names.len())
        .filter(|j| !cols.contains(j))
        .map(|j| names[j].clone())
        .collect();
    if kept.len() == inputs {
        kept
    } else {
        Vec::new()
    }
}

/// The target's column index, or the pieces of a [`CsvError::NoTarget`].
fn resolve_target(
    target: &CsvTarget,
    names: &[String],
    cols: usize,
) -> Result<usize, (String, String, String)> {
    let listing = || {
        if names.is_empty() {
            format!("{cols} unnamed, numbered from 0")
        } else {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let range = || {
        format!(
            " by name, or by number: 0 to {} (or -1 to -{cols} counting from the end)",
            cols.saturating_sub(1)
        )
    };
    match target {
        CsvTarget::Name(name) => match names.iter().position(|n| n == name) {
            Some(i) => Ok(i),
            None => Err((
                listing(),
                did_you_mean(name, names.iter().map(String::as_str)),
                name.clone(),
            )),
        },
        CsvTarget::Index(i) if *i < cols && cols >= 2 => Ok(*i),
        CsvTarget::FromEnd(k) if *k <= cols && cols >= 2 => Ok(cols - k),
        CsvTarget::Index(i) => Err((listing(), range(), i.to_string())),
        CsvTarget::FromEnd(k) => Err((listing(), range(), format!("-{k}"))),
    }
}
