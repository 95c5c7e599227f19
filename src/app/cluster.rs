//! `runner slurm`: checks the experiment and the folder as a local run would, writes the
//! scripts, and submits them on request.

use super::{folder, load, Limits};
use crate::app::cli::{Shard, SlurmArgs};
use crate::app::slurm::{quote, time_limit, ArrayJob};
use crate::job::prepare;
use crate::results;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::{Command, ExitCode};

pub(super) fn slurm(args: &SlurmArgs) -> Result<ExitCode> {
    let job = load(
        &args.experiment,
        &args.sets,
        &[],
        args.out.as_deref(),
        Limits::of(Some(1), None),
    )?;
    folder::refuse_inputs_inside(&job)?;
    // More tasks than runs would leave tasks with nothing to train.
    let tasks = (args.array as usize).min(job.runs.len().max(1));
    if tasks < args.array as usize {
        crate::color::eprint(&format!(
            "note: `--array {}` for {}: {tasks} tasks, one a run (a task without runs would train nothing)",
            args.array,
            crate::format::count(job.runs.len(), "run")
        ));
    }
    results::precheck(&job.store, &job.exp, &job.planned_files(), false)?;
    let deal = prepare::deal(&job.runs, tasks);
    // The work as `runner plan` and `runner status` give it (the deal adds a start-up cost).
    let mut work = vec![0.0; tasks];
    for (r, &k) in job.runs.iter().zip(&deal) {
        work[k] += r.work();
    }
    let largest = work.iter().copied().fold(0.0, f64::max);
    // The time limit's estimate: runner's speed measured here (as `runner plan` gives it),
    // for the slowest shard on its CPUs.
    let speed = crate::job::estimate::Speed::measure();
    let cpus = args.cpus_per_task as usize;
    let mut shards = vec![Vec::new(); tasks];
    for (r, &k) in job.runs.iter().zip(&deal) {
        shards[k].push(r);
    }
    let seconds = shards
        .iter()
        .map(|runs| speed.sweep_seconds(runs.iter().copied(), cpus))
        .fold(0.0, f64::max);
    let abs = |p: &Path| std::path::absolute(p).with_context(|| format!("`{}`", p.display()));
    let runner = match &args.runner {
        Some(p) => abs(p)?,
        None => std::env::current_exe()
            .context("cannot tell where this runner binary is; give it with `--runner PATH`")?,
    };
    let array = ArrayJob {
        name: job.exp.name.clone(),
        runner,
        experiment: abs(&args.experiment)?,
        out: abs(&job.store.dir)?,
        workdir: std::env::current_dir().context("cannot read the current folder")?,
        sets: args.sets.clone(),
        tasks,
        cpus: args.cpus_per_task,
        time: args.time.clone().unwrap_or_else(|| time_limit(seconds)),
        mem: args.mem.clone(),
        partition: args.partition.clone(),
        account: args.account.clone(),
        extra: args.extra.clone(),
    };
    job.store.create()?;
    let shard = Shard {
        index: 0,
        count: tasks,
    };
    folder::remember(&job, &args.experiment, &args.sets, &[], Some(shard))?;
    let (array_path, merge_path) = array.write()?;
    let dir = job.store.dir.display();
    say!(
        "{} runs in {} tasks (largest shard {largest:.2e} sample × parameter updates; time limit {})\n",
        job.runs.len(),
        tasks,
        array.time
    )?;
    say!(
        "wrote {} and {}\n",
        array_path.display(),
        merge_path.display()
    )?;
    if !args.submit {
        // Pasted into a shell: every path quoted for it.
        let sh = |p: &Path| quote(&p.to_string_lossy());
        say!("submit them with:\n{}\n", resubmit(args, tasks))?;
        say!(
            "or by hand: sbatch --dependency=afterany:$(sbatch --parsable {}) {}\n",
            sh(&array_path),
            sh(&merge_path)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let array_id = sbatch(&[array_path.as_os_str()])?;
    let dependency = format!("--dependency=afterany:{array_id}");
    let merge_id = sbatch(&[dependency.as_ref(), merge_path.as_os_str()])?;
    say!("submitted array job {array_id} ({tasks} tasks) and merge job {merge_id}\n",)?;
    let dir = quote(&dir.to_string());
    say!("watch: squeue -j {array_id},{merge_id}    progress: runner status {dir}\n")?;
    say!("logs: {dir}/slurm/logs/\n")?;
    Ok(ExitCode::SUCCESS)
}

/// This command again with `--submit`: every option as given (the array as capped), each
/// word quoted for the shell, the program as it was invoked.
fn resubmit(args: &SlurmArgs, tasks: usize) -> String {
    let program = std::env::args().next().unwrap_or_else(|| "runner".into());
    let mut words = vec![quote(&program), "slurm".into()];
    words.push(quote(&args.experiment.to_string_lossy()));
    words.push(format!("--array {tasks}"));
    let mut opt = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            words.push(format!("{name} {}", quote(&v)));
        }
    };
    let path =
        |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
    opt("--out", path(&args.out));
    for s in &args.sets {
        opt("--set", Some(s.clone()));
    }
    opt("--partition", args.partition.clone());
    opt("--account", args.account.clone());
    opt("--time", args.time.clone());
    opt(
        "--cpus-per-task",
        (args.cpus_per_task != 1).then(|| args.cpus_per_task.to_string()),
    );
    opt("--mem", args.mem.clone());
    opt("--runner", path(&args.runner));
    for e in &args.extra {
        words.push(quote(&format!("--sbatch={e}")));
    }
    words.push("--submit".into());
    words.join(" ")
}

/// Runs `sbatch --parsable ARGS` and returns the job id.
fn sbatch(args: &[&std::ffi::OsStr]) -> Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .context(
            "cannot run `sbatch`; run this on a Slurm login node, or submit the scripts by hand",
        )?;
    if !out.status.success() {
        bail!(
            "sbatch refused the job: {}; check the options (partition, account, time, memory)",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        bail!("sbatch printed no job id");
    }
    Ok(id)
}
