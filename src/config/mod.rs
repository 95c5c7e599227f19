//! Experiment files: parsing (strict TOML), expansion into runs (variants × sweep), defaults,
//! and validation into [`RunSpec`]s — the only form that can train.

mod expand;
mod raw;
mod set;
mod validate;
mod written;

pub use expand::show;
pub use raw::{RawExperiment, KEYS};
pub use set::{parse_set, SetArg};
pub use validate::{check_data, is_seed, name_of, Formats, ModelSpec, RunSpec};

use crate::suggest::did_you_mean;
use std::fmt;
use std::path::{Path, PathBuf};

/// An experiment, validated (the raw form is [`raw::RawExperiment`]): its name and the runs it expands into, in order.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub description: Option<String>,
    pub path: PathBuf,
    /// The runs, shared with the prepared runs of a job (a run's settings are held once).
    pub runs: Vec<std::sync::Arc<RunSpec>>,
    /// Keys whose values tell runs apart: `variant` (when there are variants), then the swept
    /// keys but `init.seed` (which every file shows as `seed`).
    pub columns: Vec<String>,
}

/// One thing wrong with a key, in the context where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted key, e.g. `train.learning_rate`.
    pub key: String,
    /// What is wrong with the value and how to fix it.
    pub message: String,
    /// Where the value comes from when not from the base sections, e.g. "variant `hidden`".
    pub origin: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}`", self.key)?;
        if let Some(origin) = &self.origin {
            write!(f, " ({origin})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why an experiment file cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read experiment `{}`: {cause}; check the path (the shipped experiments are in `experiments/`)", path.display())]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// TOML syntax, unknown keys and wrong types, with the toml crate's line, column and caret.
    #[error("`{}`: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("`{}`: {}", path.display(), list(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems:", many.len());
            for p in many {
                s.push_str(&format!("\n  - {p}"));
            }
            s
        }
    }
}

/// The largest experiment file read: far above any real one (inline tables of 10⁵ rows fit).
const MAX_FILE: u64 = 64_000_000;

/// Reads, expands and validates an experiment file, with `--set` overrides applied.
pub fn load(path: &Path, sets: &[SetArg]) -> Result<Spec, ConfigError> {
    let read = |cause| ConfigError::Read {
        path: path.to_owned(),
        cause,
    };
    if path.is_dir() {
        return Err(read(std::io::Error::other("it is a folder, not a file")));
    }
    // Read at most one byte past the limit: a file of any size costs no more than that.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE + 1), &mut bytes)
        })
        .map_err(read)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(ConfigError::Parse {
            path: path.to_owned(),
            message: format!("is larger than {} MB, and an experiment file is a few kB of settings; is it a data file? Give data as `[data] kind = \"csv\"` with `path = \"…\"`", MAX_FILE / 1_000_000),
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        ConfigError::Parse {
            path: path.to_owned(),
            message: format!(
                "line {line}, column {column} (byte {at}) is not UTF-8 text; save the file as UTF-8 (a TOML file is text)"
            ),
        }
    })?;
    parse(&text, path, sets)
}

/// As [`load`], from the file's text (`path` names it in messages and anchors relative paths).
pub fn parse(text: &str, path: &Path, sets: &[SetArg]) -> Result<Spec, ConfigError> {
    // A results folder's `experiment.toml` runs again as the experiment it describes.
    let rewritten = match text.parse::<toml::Table>() {
        Ok(file) if written::is_written(&file) => Some(
            written::as_experiment(&file, path.parent().unwrap_or(Path::new("")))
                .and_then(|t| toml::to_string(&t).map_err(|e| e.to_string()))
                .map_err(|message| ConfigError::Parse {
                    path: path.to_owned(),
                    message: format!("read as an `experiment.toml` runner wrote: {message}"),
                })?,
        ),
        _ => None,
    };
    let text = rewritten.as_deref().unwrap_or(text);
    let raw: RawExperiment = toml::from_str(text).map_err(|e| {
        // A key that does not apply is answered so, whatever the type of its value.
        let misplaced = text
            .parse::<toml::Table>()
            .map(|t| validate::data::not_applying(&t))
            .unwrap_or_default();
        if misplaced.is_empty() {
            ConfigError::Parse {
                path: path.to_owned(),
                message: explain_serde(e.to_string().trim_end().to_string()),
            }
        } else {
            ConfigError::Invalid {
                path: path.to_owned(),
                problems: misplaced,
            }
        }
    })?;
    let invalid = |problems| ConfigError::Invalid {
        path: path.to_owned(),
        problems,
    };
    // A file name that is not a plain folder name (`my exp.toml`) gives a plain one
    // (`my_exp`): every character but letters, digits, `-`, `_` and `.` becomes `_`.
    let default_name: String = path
        .file_stem()
        .map_or("experiment".into(), |s| s.to_string_lossy().into_owned())
        .trim_start_matches('.')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME)
        .collect();
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let name = raw.name.clone().unwrap_or(default_name);
    if let Err(message) = check_name(&name, raw.name.is_some()) {
        return Err(invalid(vec![Problem {
            key: "name".into(),
            message,
            origin: None,
        }]));
    }
    let expanded = expand::expand(&raw, sets).map_err(invalid)?;
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    // Each point is checked on its own (a sweep of 10⁵ points takes seconds on one core).
    let checked: Vec<_> = {
        use rayon::prelude::*;
        (0..expanded.len())
            .into_par_iter()
            .map(|i| validate::validate(expanded.point(i), base_dir).map(std::sync::Arc::new))
            .collect()
    };
    for checked in checked {
        match checked {
            Ok(run) => runs.push(run),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(invalid(dedupe(problems)));
    }
    Ok(Spec {
        name,
        description: raw.description.clone(),
        path: path.to_owned(),
        runs,
        columns: expanded.columns,
    })
}

/// The longest experiment name: one folder name, short enough for any filesystem.
pub const MAX_NAME: usize = 64;

/// Checks that an experiment name is one plain folder name (it names `results/NAME`).
/// `written`: it comes from `name` (else from the file name).
fn check_name(name: &str, written: bool) -> Result<(), String> {
    let plain = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        return Ok(());
    }
    let shown: String = name.chars().take(80).collect();
    let ellipsis = if name.chars().count() > 80 { "…" } else { "" };
    let rule = format!(
        "it names the results folder `results/NAME`, so it must be 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`, not starting with `.`, e.g. `name = \"moons_sweep\"`; to write somewhere else, keep the name and pass `--out DIR`"
    );
    Err(if name.is_empty() {
        format!("is empty: {rule}")
    } else if written {
        format!("`{shown}{ellipsis}` is not a plain folder name: {rule}")
    } else {
        format!("the file name `{shown}{ellipsis}` cannot name the results folder, and the file sets no `name`; add one: {rule}")
    })
}

/// One problem per key and message, in order of first appearance: a problem found in several
/// runs names all their origins, and one that is also found without an origin (it comes from
/// the base sections) names none.
pub fn dedupe(problems: Vec<Problem>) -> Vec<Problem> {
    let mut out: Vec<(Problem, Vec<String>, bool)> = Vec::new();
    for p in problems {
        let i = match out
            .iter()
            .position(|(q, ..)| q.key == p.key && q.message == p.message)
        {
            Some(i) => i,
            None => {
                out.push((p.clone(), Vec::new(), false));
                out.len() - 1
            }
        };
        match p.origin {
            Some(o) if !out[i].1.contains(&o) => out[i].1.push(o),
            Some(_) => {}
            None => out[i].2 = true,
        }
    }
    out.into_iter()
        .map(|(mut p, origins, base)| {
            p.origin = (!base && !origins.is_empty()).then(|| origins.join("; "));
            p
        })
        .collect()
}

/// serde's words for what a key wants, in the words of the file: no Rust type names.
const PLAIN: [(&str, &str); 10] = [
    (
        "data did not match any variant of untagged enum RawBatch",
        "expected a number of rows, e.g. `batch_size = 32`, or `\"auto\"` for scikit-learn's min(200, training rows)",
    ),
    (
        "data did not match any variant of untagged enum RawTargets",
        "expected a column: its header name as a string (`target = \"label\"`) or its number as an integer (0 is the first, -1 the last), or a list of them for several outputs (`target = [\"y1\", \"y2\"]`)",
    ),
    (
        "data did not match any variant of untagged enum RawSeed",
        "expected a seed: an integer from 0 to 4294967295, or `\"data\"` to continue the data generator",
    ),
    (
        "data did not match any variant of untagged enum RawTarget",
        "expected a target row: a number, or a list of numbers for several outputs, e.g. `targets = [0, 1, 1, 0]`",
    ),
    ("expected i64", "expected an integer, e.g. `500`"),
    ("expected u32", "expected an integer, e.g. `500`"),
    ("expected usize", "expected an integer, e.g. `500`"),
    ("expected f64", "expected a number, e.g. `0.5`"),
    ("expected a sequence", "expected a list in brackets, e.g. `[4]`"),
    ("expected a boolean", "expected `true` or `false`"),
];

/// serde's message in the file's words ([`PLAIN`]), with a "did you mean" hint for an unknown
/// field or variant (`x`, expected one of …).
pub(crate) fn explain_serde(message: String) -> String {
    let message = PLAIN
        .iter()
        .fold(message, |m, (rust, plain)| m.replace(rust, plain));
    let Some(start) = message
        .find("unknown field `")
        .or_else(|| message.find("unknown variant `"))
    else {
        return message;
    };
    let rest = &message[start..];
    let quoted: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let Some((word, expected)) = quoted.split_first() else {
        return message;
    };
    // A key of another section: where it belongs, before any near name here.
    let elsewhere: Vec<String> = raw::KEYS
        .iter()
        .filter_map(|k| k.split_once('.'))
        .filter(|(_, key)| key == word)
        .map(|(section, _)| format!("`[{section}]`"))
        .collect();
    let hint = if elsewhere.is_empty() || message.contains("unknown variant") {
        did_you_mean(word, expected.iter().copied())
    } else {
        format!(
            "; `{word}` is a key of {}: move it there",
            elsewhere.join(" or ")
        )
    };
    let line_end = message[start..]
        .find('\n')
        .map_or(message.len(), |i| start + i);
    let fix = if hint.is_empty() {
        "; use one of the names listed".to_string()
    } else {
        hint
    };
    format!("{}{}{}", &message[..line_end], fix, &message[line_end..])
}
