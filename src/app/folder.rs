//! Commands on a results folder: `runner merge`, `runner status`, what `runner plan` says of
//! the folder, and the checks on where results may be written.

use super::table;
use super::{finish, load, require_all, Job, Limits};
use crate::app::cli::{FolderArgs, StatusArgs};
use crate::job::prepare;
use crate::results;
use crate::store::{write_atomic, RunRecord};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The last command run in a results folder (`.runner/command.toml`), so that `merge` and
/// `status` know the experiment.
#[derive(Debug, Serialize, Deserialize)]
struct Remembered {
    /// The experiment file, absolute.
    experiment: PathBuf,
    sets: Vec<String>,
    /// `--only` filters, when some were given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    only: Vec<String>,
    /// N of `--shard K/N`, when sharded.
    shards: Option<usize>,
}

/// Records the command that writes into `job`'s folder.
pub(super) fn remember(
    job: &Job,
    path: &Path,
    sets: &[String],
    only: &[String],
    shard: Option<crate::app::cli::Shard>,
) -> Result<()> {
    let command = Remembered {
        experiment: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        sets: sets.to_vec(),
        only: only.to_vec(),
        shards: shard.map(|s| s.count),
    };
    let text = toml::to_string(&command).expect("commands serialize");
    write_atomic(&job.store.state().join("command.toml"), text.as_bytes())?;
    Ok(())
}

/// The experiment last run in `dir`, loaded for that folder.
pub(super) fn recall(dir: &Path) -> Result<(Job, Option<usize>)> {
    if dir.is_file() {
        // An experiment file where a results folder belongs: name the folder it writes.
        let stem = dir
            .file_stem()
            .map_or("NAME".into(), |s| s.to_string_lossy());
        anyhow::bail!(
            "`{}` is a file; this command takes a results folder, the one the experiment wrote (e.g. `results/{stem}`, or its `--out DIR`)",
            dir.display()
        );
    }
    let path = dir.join(".runner/command.toml");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "`{}` holds no sweep runner has run (no `{}`); check the folder, or run the experiment with `--out {}` first",
            dir.display(),
            path.display(),
            dir.display()
        )
    })?;
    let command: Remembered = toml::from_str(&text).with_context(|| {
        format!(
            "`{}` cannot be read; run the experiment again",
            path.display()
        )
    })?;
    let job = load(
        &command.experiment,
        &command.sets,
        &command.only,
        Some(dir),
        Limits::of(Some(1), None),
    )?;
    Ok((job, command.shards))
}

/// `runner merge DIR`: assembles the files once every run is stored; trains nothing.
pub(super) fn merge(args: &FolderArgs) -> Result<ExitCode> {
    let (mut job, shards) = recall(&args.dir)?;
    job.store.quiet = args.print.quiet;
    let records = job.stored(|_| true, Some("its shard must train it again"));
    require_all(&job, &records, shards)?;
    let mut records: Vec<RunRecord> = records.into_iter().flatten().collect();
    crate::job::saturation::mark(&job.runs, &mut records);
    // Files already up to date are not written: a read-only folder can be merged again.
    let key = results::key(&job.exp, records.iter().map(RunRecord::checksum));
    let _live = match results::up_to_date(&job.store, &key) {
        true => None,
        false => Some(super::occupy(&job)?),
    };
    results::precheck(&job.store, &job.exp, &job.planned_files(), false)?;
    finish(&job, &records, false, args.print.clone())?;
    Ok(ExitCode::SUCCESS)
}

/// `runner status DIR`: finished out of total, per shard, what is missing, and whether the
/// files are assembled. Reads only.
pub(super) fn status(args: &StatusArgs) -> Result<ExitCode> {
    let (job, shards) = recall(&args.dir)?;
    let found = job.checksums();
    let done = found.iter().filter(|r| r.is_some()).count();
    let total = job.runs.len();
    let assembled = done == total
        && results::up_to_date(
            &job.store,
            &results::key(&job.exp, found.iter().flatten().map(String::as_str)),
        );
    if args.json {
        let deal = shards.map(|n| (n, prepare::deal(&job.runs, n)));
        let per_shard: Vec<serde_json::Value> = deal
            .iter()
            .flat_map(|(n, deal)| {
                (0..*n)
                    .map(|k| {
                        let of: Vec<usize> = (0..total).filter(|&i| deal[i] == k).collect();
                        serde_json::json!({
                            "shard": k,
                            "of": n,
                            "runs": of.len(),
                            "finished": of.iter().filter(|&&i| found[i].is_some()).count(),
                            "work": of.iter().map(|&i| job.runs[i].work()).sum::<f64>(),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let missing: Vec<serde_json::Value> = (0..total)
            .filter(|&i| found[i].is_none())
            .map(|i| serde_json::json!({"run": job.runs[i].spec.label, "id": job.runs[i].spec.id}))
            .collect();
        let doc = serde_json::json!({
            "experiment": job.exp.name,
            "path": job.exp.path.display().to_string(),
            "finished": done,
            "runs": total,
            "shards": per_shard,
            "missing": missing,
            "files_up_to_date": assembled,
        });
        say!("{doc}\n")?;
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "experiment `{}` ({}): {done} of {total} runs finished\n",
        job.exp.name,
        job.exp.path.display()
    )?;
    if let Some(n) = shards {
        let deal = prepare::deal(&job.runs, n);
        let mut rows = vec![["shard", "runs", "finished", "work"]
            .map(String::from)
            .to_vec()];
        for k in 0..n {
            let of: Vec<usize> = (0..total).filter(|&i| deal[i] == k).collect();
            let work: f64 = of.iter().map(|&i| job.runs[i].work()).sum();
            rows.push(vec![
                format!("{k}/{n}"),
                of.len().to_string(),
                of.iter()
                    .filter(|&&i| found[i].is_some())
                    .count()
                    .to_string(),
                format!("{work:.2e}"),
            ]);
        }
        say!("{}", table::align(&rows))?;
    }
    let missing: Vec<usize> = (0..total).filter(|&i| found[i].is_none()).collect();
    if !missing.is_empty() {
        say!("missing:\n")?;
        for &i in missing.iter().take(20) {
            say!("  {} ({})\n", job.runs[i].spec.label, job.runs[i].spec.id)?;
        }
        if missing.len() > 20 {
            say!("  … and {} more\n", missing.len() - 20)?;
        }
    }
    say!(
        "files: {}\n",
        match (assembled, done == total) {
            (true, _) => "up to date".to_string(),
            (false, true) => format!("not assembled; run `runner merge {}`", args.dir.display()),
            (false, false) => "not assembled until every run has finished".to_string(),
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What `runner plan` says of the folder.
pub(super) fn stored(job: &Job, force: bool) -> String {
    let dir = &job.store.dir;
    if !dir.exists() {
        return "new folder".into();
    }
    let done = job.checksums().iter().flatten().count();
    let total = crate::format::count(job.runs.len(), "run");
    if force {
        return format!("{done} of {total} stored there; with --force all are trained again");
    }
    format!(
        "{done} of {total} already stored there; {} to train",
        job.runs.len() - done
    )
}

/// Refuses an output folder that holds any of the experiment's inputs (at any depth).
pub(super) fn refuse_inputs_inside(job: &Job) -> Result<()> {
    let out = absolute(&job.store.dir);
    for input in prepare::inputs(&job.exp) {
        let input = absolute(&input);
        if input.starts_with(&out) {
            bail!(
                "the output folder `{}` holds the experiment's input `{}`, and runner never writes among its inputs; choose a folder of its own with `--out DIR`, e.g. `--out results/{}`",
                job.store.dir.display(),
                input.display(),
                job.exp.name
            );
        }
    }
    Ok(())
}

/// `path` made absolute with its symbolic links resolved, as far as it exists.
fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(name)) => {
                rest.push(name.to_owned());
                existing = p;
            }
            _ => return path.clone(),
        }
    }
    let mut out = std::fs::canonicalize(existing).unwrap_or_else(|_| existing.to_owned());
    out.extend(rest.iter().rev());
    out
}
