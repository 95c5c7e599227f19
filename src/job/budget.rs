//! Memory, estimated before anything is allocated or created: each distinct data set, each
//! run's own working memory (its blocked copy of the data, its parameters and gradients, and
//! its per-thread activations), times the runs that train at once. An experiment whose
//! estimate exceeds the memory the machine has free is refused, naming both; `--max-memory`
//! sets another limit. Sizes are counted in f64, so no setting can overflow the estimate.

use crate::config::{RunSpec, Spec};
use crate::data::{scan, Scan, Source};
pub use crate::memory::Bytes;
use crate::train::blocks::BLOCK_ROWS;

/// Bytes the configuration of one run takes (its settings, spec, label and record): measured
/// as about 3 kB a run on the 100 000-run sweep (`runner status`'s peak), rounded up.
const PER_RUN_CONFIG: f64 = 4e3;

/// An estimate of an experiment's peak memory, in bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Every distinct data set, as loaded and split.
    pub data: f64,
    /// The largest run's own memory: its blocked copy of the data, its parameters.
    pub per_run: f64,
    /// Activations and deltas of one block, per thread.
    pub blocks: f64,
    /// Runs training at once.
    pub at_once: usize,
    /// The runs' configurations and records.
    pub config: f64,
    /// The worker threads (each reserves address space of its own).
    pub threads: usize,
    /// The setting the largest part comes from, as written (`model.hidden = [1000]`), with
    /// how to shrink it.
    pub cause: String,
}

impl Estimate {
    pub fn total(&self) -> f64 {
        self.data + self.per_run * self.at_once as f64 + self.blocks + self.config
    }
}

/// Rows, inputs and outputs a data set will have, as far as the configuration tells; a CSV
/// file's from one pass over its bytes ([`scan`]): its lines, and its first line's fields
/// less the target columns (the reader's buffer, its longest line, is counted as data).
fn shape(spec: &RunSpec, scans: &mut Vec<(std::path::PathBuf, Scan)>) -> (f64, f64, f64) {
    match &spec.data.source {
        Source::Moons { samples, .. }
        | Source::Circles { samples, .. }
        | Source::Spirals { samples, .. } => (*samples as f64, 2.0, 1.0),
        Source::Blobs {
            samples, features, ..
        }
        | Source::GaussianQuantiles {
            samples, features, ..
        } => (*samples as f64, *features as f64, 1.0),
        Source::Gate(_) => (4.0, 2.0, 1.0),
        Source::Table { inputs, targets } => (
            inputs.len() as f64,
            inputs.first().map_or(0, Vec::len) as f64,
            targets.first().map_or(0, Vec::len) as f64,
        ),
        Source::Csv {
            path,
            target,
            delimiter,
            ..
        } => {
            let found = match scans.iter().find(|(p, _)| p == path) {
                Some((_, s)) => *s,
                None => {
                    let s = scan(path, *delimiter);
                    scans.push((path.clone(), s));
                    s
                }
            };
            let outputs = target.len().max(1) as f64;
            let inputs = (found.fields as f64 - outputs).max(1.0);
            // The longest line as extra rows' worth of values: the reader holds it whole.
            let extra = found.longest as f64 / 8.0 / (inputs + outputs);
            (found.lines as f64 + extra, inputs, outputs)
        }
    }
}

/// The run's parameters, with `inputs` and `outputs` as estimated.
fn params(spec: &RunSpec, inputs: f64, outputs: f64) -> f64 {
    let mut widths = vec![inputs];
    widths.extend(spec.model.hidden.iter().map(|&h| h as f64));
    widths.push(outputs);
    widths
        .windows(2)
        .map(|w| w[0] * w[1] + if spec.model.bias { w[1] } else { 0.0 })
        .sum()
}

/// The estimate for `exp` with `threads` runs at once.
pub fn estimate(exp: &Spec, threads: usize) -> Estimate {
    let mut data = 0.0;
    let mut per_run: f64 = 0.0;
    let mut block_ws: f64 = 0.0;
    // The run behind the largest data set, per-run figure (and whether its parameters
    // dominate it) and activations.
    let (mut data_of, mut run_of, mut block_of) = (None, None, None);
    let mut largest_data: f64 = 0.0;
    let mut seen: Vec<&crate::data::DataSpec> = Vec::new();
    let mut scans = Vec::new();
    for spec in &exp.runs {
        let (rows, inputs, outputs) = shape(spec, &mut scans);
        let values = rows * (inputs + outputs) * 8.0;
        if !seen.contains(&&spec.data) {
            seen.push(&spec.data);
            // Generated or read, then split: two copies at the peak.
            data += 2.0 * values;
            if data_of.is_none() || values > largest_data {
                (largest_data, data_of) = (values, Some(&**spec));
            }
        }
        let p = params(spec, inputs, outputs);
        let widths: f64 = spec.model.hidden.iter().map(|&h| h as f64).sum::<f64>() + outputs;
        // A block's rows; early stopping scores all its validation rows at once.
        let held = spec
            .train
            .validation_fraction
            .map_or(0.0, |f| (f * rows).ceil());
        let block = rows.min(BLOCK_ROWS as f64).max(held);
        // The blocked copy of the data, and parameters with their gradient and initial copy.
        if run_of.is_none() || values + 4.0 * 8.0 * p > per_run {
            per_run = values + 4.0 * 8.0 * p;
            run_of = Some((4.0 * 8.0 * p > values, &**spec));
        }
        // Activations and deltas of a block: one per thread, whether the threads share a run's
        // blocks or train runs of their own.
        if block_of.is_none() || 2.0 * 8.0 * block * widths > block_ws {
            block_ws = 2.0 * 8.0 * block * widths;
            block_of = Some(&**spec);
        }
    }
    let at_once = threads.min(exp.runs.len()).max(1);
    let blocks = block_ws * threads.max(1) as f64;
    let config = PER_RUN_CONFIG * exp.runs.len() as f64;
    let parts = [data, per_run * at_once as f64, blocks, config];
    let largest = (0..parts.len()).fold(0, |b, i| if parts[i] > parts[b] { i } else { b });
    let cause = match (largest, data_of, run_of, block_of) {
        (0, Some(spec), ..) | (1, _, Some((false, spec)), _) => data_cause(spec),
        (1, _, Some((true, spec)), _) | (2, .., Some(spec)) => format!(
            "`model.hidden = {}`; use fewer or narrower hidden layers",
            hidden_list(&spec.model.hidden)
        ),
        _ => format!(
            "the sweep's {} runs; sweep fewer values, or split the sweep into several experiments",
            exp.runs.len()
        ),
    };
    Estimate {
        data,
        per_run,
        blocks,
        at_once,
        config,
        threads: threads.max(1),
        cause,
    }
}

/// `[16, 8]`, as a file writes a list of widths.
fn hidden_list(widths: &[usize]) -> String {
    let items: Vec<String> = widths.iter().map(usize::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The data setting that makes a run's data large, as written, with the fix.
fn data_cause(spec: &RunSpec) -> String {
    match &spec.data.source {
        Source::Moons { samples, .. }
        | Source::Circles { samples, .. }
        | Source::Spirals { samples, .. } => {
            format!("`data.samples = {samples}`; generate fewer samples")
        }
        Source::Blobs {
            samples, features, ..
        }
        | Source::GaussianQuantiles {
            samples, features, ..
        } => format!(
            "`data.samples = {samples}` with `data.features = {features}`; generate fewer samples or features"
        ),
        Source::Gate(_) | Source::Table { .. } => {
            "the rows written in `data.inputs`; write fewer rows".to_string()
        }
        Source::Csv { path, .. } => format!(
            "the data file `{}` (`data.path`); train on a sample of its rows",
            path.display()
        ),
    }
}

/// A size in `--max-memory`'s own units (powers of 1024): `100M`, `1.5G`.
fn as_typed(bytes: u64) -> String {
    let units = [("T", 4), ("G", 3), ("M", 2), ("K", 1)];
    for (unit, pow) in units {
        let size = 1024f64.powi(pow);
        if bytes as f64 >= size {
            let v = format!("{:.2}", bytes as f64 / size);
            let v = v.trim_end_matches('0').trim_end_matches('.');
            return format!("{v}{unit}");
        }
    }
    format!("{bytes}")
}

/// Parses a size as `--max-memory` takes it: `512M`, `32G`, `1.5T`, or bytes.
///
/// Parsed by hand because the units are sbatch's (`--mem=32G`), powers of 1024 with or
/// without `B` or `iB`: `bytesize` and `parse-size` read `32G` as 32 × 10⁹.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = t[i..].to_ascii_uppercase();
            let mult = match unit.trim_end_matches('B').trim_end_matches('I') {
                "" => 1.0,
                "K" => 1024.0,
                "M" => 1024f64.powi(2),
                "G" => 1024f64.powi(3),
                "T" => 1024f64.powi(4),
                _ => {
                    return Err(format!(
                        "`{s}` is not a size; write e.g. `32G`, `512M` or `1.5T`"
                    ))
                }
            };
            (&t[..i], mult)
        }
        None => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * mult < 1.8e19 => Ok((v * mult) as u64),
        _ => Err(format!(
            "`{s}` is not a size; write e.g. `32G`, `512M` or `1.5T`"
        )),
    }
}

/// Refuses an estimate above `limit` (default: what this process may use, [`crate::memory`]).
pub fn check(est: &Estimate, limit: Option<u64>, path: &std::path::Path) -> Result<(), String> {
    let limit_given = limit;
    let (limit, what) = match limit {
        Some(l) => (l as f64, "the limit set with `--max-memory`"),
        None => match crate::memory::limit(est.threads) {
            Some(l) => l,
            None => return Ok(()),
        },
    };
    if est.total() <= limit {
        return Ok(());
    }
    // The limit as it was typed (powers of 1024), then in the estimate's units.
    let shown = match limit_given {
        Some(l) => format!("{} ({})", as_typed(l), Bytes(l as f64)),
        None => Bytes(limit).to_string(),
    };
    Err(format!(
        "`{}` needs about {} of memory ({} of data, {} per run × {} at once, {} of activations, {} of configuration), more than {what}, {}; most of it comes from {}; or train fewer runs at once with `--threads N`, or raise the limit with `--max-memory SIZE` if the estimate is too cautious",
        path.display(),
        Bytes(est.total()),
        Bytes(est.data),
        Bytes(est.per_run),
        est.at_once,
        Bytes(est.blocks),
        Bytes(est.config),
        shown,
        est.cause,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_people_write_them() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("32G"), Ok(32 << 30));
        assert_eq!(parse_size("32GiB"), Ok(32 << 30));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(as_typed(parse_size("100M").unwrap()), "100M");
        assert_eq!(as_typed(parse_size("1.5G").unwrap()), "1.5G");
        for bad in ["", "G", "-1G", "1Q", "1e30T", "nanG"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(Bytes(999.0).to_string(), "999 B");
        assert_eq!(Bytes(1.5e9).to_string(), "1.5 GB");
        assert_eq!(Bytes(8e13).to_string(), "80.0 TB");
    }

    #[test]
    fn a_refusal_names_the_setting_behind_most_of_the_memory() {
        let path = std::path::Path::new("x.toml");
        for (text, cause) in [
            (
                "[data]\nkind = \"moons\"\n[model]\nhidden = [4, 1000000000]\n",
                "`model.hidden = [4, 1000000000]`; use fewer",
            ),
            (
                "[data]\nkind = \"circles\"\nsamples = 10000000000\n",
                "`data.samples = 10000000000`; generate fewer",
            ),
            (
                "[data]\nkind = \"blobs\"\nfeatures = 100000000\n",
                "`data.samples = 100` with `data.features = 100000000`",
            ),
            (
                "[data]\nkind = \"xor\"\n[sweep]\n\"init.seed\" = { range = [0, 100000] }\n",
                "the sweep's 100000 runs",
            ),
        ] {
            let exp = crate::config::parse(text, path, &[]).unwrap();
            let err = check(&estimate(&exp, 2), Some(1 << 20), path).unwrap_err();
            assert!(
                err.contains(&format!("most of it comes from {cause}")),
                "{err}"
            );
        }
    }

    #[test]
    fn huge_settings_are_estimated_without_overflow() {
        let path = std::path::Path::new("x.toml");
        let exp = crate::config::parse(
            "[data]\nkind = \"moons\"\nsamples = 4611686018427387904\n",
            path,
            &[],
        )
        .unwrap();
        let e = estimate(&exp, 2);
        assert!(e.total() > 1e19 && e.total().is_finite());
        assert!(check(&e, Some(1 << 40), path).is_err());
        let exp = crate::config::parse(
            "[data]\nkind = \"moons\"\n[model]\nhidden = [1000000000]\n",
            path,
            &[],
        )
        .unwrap();
        assert!(estimate(&exp, 1).total() > 3.2e10);
        let small = crate::config::parse("[data]\nkind = \"moons\"\n", path, &[]).unwrap();
        assert!(estimate(&small, 2).total() < 1e6);
        assert!(check(&estimate(&small, 2), Some(1 << 20), path).is_ok());
    }
}
