//! `runner report`: one results folder's files again, or one report over several folders
//! (`runner report A B --out DIR`), each configuration labelled by its folder.

use super::cli::{FolderArgs, Print, ReportArgs};
use super::{folder, require_all};
use crate::config::Spec;
use crate::job::prepare::Prepared;
use crate::job::{saturation, Columns};
use crate::report;
use crate::results::publish::{holds_experiment, publish, COMPARISON};
use crate::store::{RunRecord, Store};
use anyhow::{bail, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `runner report DIR…`.
pub(super) fn report(args: &ReportArgs) -> Result<ExitCode> {
    match (args.dirs.as_slice(), &args.out) {
        ([dir], None) => folder::merge(&FolderArgs {
            dir: dir.clone(),
            print: args.print.clone(),
        }),
        (dirs, None) => bail!(
            "a report over {} folders is a new report; say where it goes with `--out DIR` (e.g. `runner report {} --out results/compared`)",
            dirs.len(),
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" ")
        ),
        (dirs, Some(out)) => compare(dirs, out, args.force, &args.print),
    }
}

/// One finished results folder, read.
struct Part {
    label: String,
    job: super::Job,
    records: Vec<RunRecord>,
}

/// The folders' labels: their names, or the paths as given when two names are the same.
fn labels(dirs: &[PathBuf]) -> Vec<String> {
    let name = |d: &Path| {
        d.file_name()
            .map_or_else(|| d.display().to_string(), |n| n.to_string_lossy().into())
    };
    let names: Vec<String> = dirs.iter().map(|d| name(d)).collect();
    let unique = (1..names.len()).all(|i| !names[..i].contains(&names[i]));
    if unique {
        names
    } else {
        dirs.iter().map(|d| d.display().to_string()).collect()
    }
}

fn compare(dirs: &[PathBuf], out: &Path, force: bool, print: &Print) -> Result<ExitCode> {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(d) = dirs.iter().find(|d| same(d, out)) {
        bail!(
            "`--out {}` is one of the folders compared (`{}`), whose files describe its own experiment; write the comparison elsewhere, e.g. `--out results/compared`",
            out.display(),
            d.display()
        );
    }
    let target = Store::at(out);
    if let Some(name) = holds_experiment(&target)? {
        bail!(
            "`{}` holds the results of experiment `{name}`, and a comparison is written in a folder of its own; choose another with `--out DIR`",
            out.display()
        );
    }
    let mut parts = Vec::new();
    for (dir, label) in dirs.iter().zip(labels(dirs)) {
        let (mut job, shards) = folder::recall(dir)?;
        job.store.quiet = print.quiet;
        let found = job.stored(|_| true, Some("its shard must train it again"));
        require_all(&job, &found, shards)?;
        let mut records: Vec<RunRecord> = found.into_iter().flatten().collect();
        saturation::mark(&job.runs, &mut records);
        parts.push(Part {
            label,
            job,
            records,
        });
    }
    let (exp, runs, records) = combined(&parts, out);
    let cols = Columns::new(&exp, parts.iter().any(|p| p.job.cols.accuracy));
    let names = cols.metric_names();
    let sources: Vec<report::Source> = parts
        .iter()
        .map(|p| {
            let theirs = p.job.cols.metric_names();
            report::Source {
                store: &p.job.store,
                runs: p.job.runs.len(),
                metrics: names
                    .iter()
                    .map(|n| theirs.iter().position(|t| t == n))
                    .collect(),
            }
        })
        .collect();
    let compared: Vec<String> = dirs
        .iter()
        .zip(&parts)
        .map(|(d, p)| {
            format!(
                "`{}` ({}): experiment `{}`, `{}`, {} runs",
                d.display(),
                p.label,
                p.job.exp.name,
                p.job.exp.path.display(),
                p.job.runs.len()
            )
        })
        .collect();
    let files = report::render(&report::Inputs {
        exp: &exp,
        cols: &cols,
        runs: &runs,
        records: &records,
        sources: &sources,
        compared: &compared,
    })?;
    let mut hash = Sha256::new();
    for p in &parts {
        hash.update(crate::results::fingerprint(&p.job.exp));
    }
    let mark = format!("{COMPARISON}{}", hex::encode(hash.finalize()));
    publish(&target, &exp.name, &mark, &files, force)?;
    print.table(&exp, &cols, &records)?;
    print.place(&format!("report in {}", out.join("report.html").display()))?;
    Ok(ExitCode::SUCCESS)
}

/// The folders' runs as one experiment: each run's variant, label and configuration led by
/// its folder's label, the swept keys of all of them as columns.
fn combined(parts: &[Part], out: &Path) -> (Spec, Vec<Prepared>, Vec<RunRecord>) {
    let mut columns = vec!["variant".to_string()];
    for p in parts {
        for c in &p.job.exp.columns {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let mut specs = Vec::new();
    let mut runs = Vec::new();
    let mut records = Vec::new();
    for p in parts {
        let label = &p.label;
        for r in &p.job.runs {
            let mut spec = (*r.spec).clone();
            // A key another folder sweeps shows this run's value of it, so that the folders
            // line up against it (a perceptron folder at `model.hidden = []`).
            let missing: Vec<&String> = columns[1..]
                .iter()
                .filter(|c| !spec.swept.iter().any(|(k, _)| k == *c))
                .collect();
            if !missing.is_empty() {
                let table = spec.resolved();
                for key in missing {
                    if let Some(v) = lookup(&table, key) {
                        spec.swept.push((key.clone(), crate::config::show(v)));
                    }
                }
            }
            spec.variant = Some(match &spec.variant {
                Some(v) => format!("{label}/{v}"),
                None => label.clone(),
            });
            spec.label = format!("{label}/{}", spec.label);
            // A sweep of seeds alone has one configuration, which its folder names.
            spec.config = if p.job.exp.columns.is_empty() {
                label.clone()
            } else {
                format!("{label} · {}", spec.config)
            };
            let spec = Arc::new(spec);
            specs.push(spec.clone());
            runs.push(Prepared {
                spec,
                data: r.data.clone(),
                arch: r.arch.clone(),
                data_id: r.data_id.clone(),
            });
        }
        records.extend(p.records.iter().cloned());
    }
    let names: Vec<&str> = parts.iter().map(|p| p.job.exp.name.as_str()).collect();
    let exp = Spec {
        name: names.join(" vs "),
        description: Some(format!(
            "{} results folders compared: {}",
            parts.len(),
            parts
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        path: out.to_owned(),
        runs: specs,
        columns,
    };
    (exp, runs, records)
}

/// The value at dotted `key` (`model.hidden`) in a run's resolved settings.
fn lookup<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let (section, rest) = key.split_once('.')?;
    table.get(section)?.as_table()?.get(rest)
}
