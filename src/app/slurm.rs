//! `runner slurm`: a sweep as a Slurm job array. Slurm is the engine; runner only writes the
//! two sbatch scripts (the array of shards, and the merge that runs after it) and, with
//! `--submit`, hands them to `sbatch`. Each task trains its shard into the shared results
//! folder (the store makes that safe), and the merge assembles the files.

use crate::store::{write_atomic, StoreError};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Everything a job array needs.
#[derive(Clone, Debug)]
pub struct ArrayJob {
    pub name: String,
    /// Absolute paths: the tasks may start anywhere on a node.
    pub runner: PathBuf,
    pub experiment: PathBuf,
    pub out: PathBuf,
    pub workdir: PathBuf,
    pub sets: Vec<String>,
    pub tasks: usize,
    pub cpus: u32,
    /// `--time`, as Slurm reads it (`D-HH:MM:SS`).
    pub time: String,
    pub mem: Option<String>,
    pub partition: Option<String>,
    pub account: Option<String>,
    /// Extra `#SBATCH` lines, as given (checked by [`parse_extra`]).
    pub extra: Vec<String>,
}

/// The first line after the shebang of every script runner writes, so that it never replaces
/// a script it did not write.
pub const MARK: &str = "# Written by `runner slurm`";

/// `--time` as sbatch reads it: `MINUTES`, `MINUTES:SECONDS`, `HOURS:MINUTES:SECONDS`,
/// `DAYS-HOURS`, `DAYS-HOURS:MINUTES`, `DAYS-HOURS:MINUTES:SECONDS`, or `UNLIMITED`.
pub fn parse_time(value: &str) -> Result<String, String> {
    let num = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match value.split_once('-') {
        _ if value.eq_ignore_ascii_case("unlimited") || value.eq_ignore_ascii_case("infinite") => {
            true
        }
        Some((days, rest)) => {
            num(days) && {
                let parts: Vec<&str> = rest.split(':').collect();
                parts.len() <= 3 && parts.iter().all(|p| num(p))
            }
        }
        None => {
            let parts: Vec<&str> = value.split(':').collect();
            parts.len() <= 3 && parts.iter().all(|p| num(p))
        }
    };
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!("`{value}` is not a time sbatch reads; write minutes (`90`), `HH:MM:SS` (`1:30:00`) or `DAYS-HH:MM:SS` (`2-00:00:00`)"))
    }
}

/// `--mem` as sbatch reads it: a whole number with an optional unit K, M (the default), G or T.
pub fn parse_mem(value: &str) -> Result<String, String> {
    let digits = value.trim_end_matches(|c: char| "KMGTkmgt".contains(c));
    let unit = value.len() - digits.len();
    if unit <= 1
        && !digits.is_empty()
        && digits.len() <= 12
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        Ok(value.to_string())
    } else {
        Err(format!("`{value}` is not a memory size sbatch reads; write a whole number with an optional unit K, M (the default), G or T, e.g. `4G` or `500M`"))
    }
}

/// An extra `#SBATCH` line as given (`--qos=long`, `--qos long`, `-q long`, a flag such as
/// `--exclusive`, or any of these after `#SBATCH`), checked: it must be an option.
pub fn parse_extra(value: &str) -> Result<String, String> {
    extra_line(value).map(|_| value.to_string())
}

/// An extra line as written in the script: `OPTION=VALUE` (`-X VALUE` for a short option),
/// the value quoted for sbatch's parser ([`sbatch_quote`]).
pub fn extra_line(value: &str) -> Result<String, String> {
    let line = value.trim();
    let line = line.strip_prefix("#SBATCH").unwrap_or(line).trim();
    let (name, rest) = match line.find(|c: char| c == '=' || c.is_whitespace()) {
        Some(i) => (&line[..i], Some(line[i + 1..].trim_start())),
        None => (line, None),
    };
    let long = name
        .strip_prefix("--")
        .is_some_and(|n| n.len() > 1 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let short =
        name.len() == 2 && name.starts_with('-') && name.as_bytes()[1].is_ascii_alphabetic();
    if !(long || short) {
        return Err(format!("`{value}` is not an sbatch option; give it as sbatch takes it, starting with `-`, e.g. `--sbatch=--qos=long`"));
    }
    Ok(match rest {
        None => name.to_string(),
        Some(v) if short => format!("{name} {}", sbatch_quote(v)),
        Some(v) => format!("{name}={}", sbatch_quote(v)),
    })
}

/// A word quoted for bash (shlex's POSIX quoting, as `shlex.quote` in Python).
/// A value for an `#SBATCH` line, as sbatch's own parser reads it: it splits the line at
/// spaces outside quotes, takes `\` as an escape and an unquoted `#` as the start of a comment.
/// Plain values stay bare; others are double-quoted with `\` and `"` escaped.
pub fn sbatch_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,%+@".contains(c));
    if plain {
        return value.to_string();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub fn quote(s: &str) -> String {
    // Arguments and paths come from the command line and the OS, which cannot hold NUL, the
    // one thing shlex refuses.
    shlex::try_quote(s)
        .expect("command-line words hold no NUL")
        .into_owned()
}

fn q(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// A wall-clock limit for `seconds` of estimated work: three times the estimate, at least 10
/// minutes, in Slurm's `D-HH:MM:SS`.
pub fn time_limit(seconds: f64) -> String {
    let total = (3.0 * seconds).max(600.0).ceil() as u64;
    let (d, h, m, s) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    format!("{d}-{h:02}:{m:02}:{s:02}")
}

impl ArrayJob {
    fn header(&self, name: &str, log: &str) -> String {
        let mut s =
            format!("#!/bin/bash\n{MARK}; run it with sbatch, or use `runner slurm --submit`.\n");
        let mut line = |l: String| {
            let _ = writeln!(s, "#SBATCH {l}");
        };
        line(format!("--job-name={}", sbatch_quote(name)));
        line(format!(
            "--output={}",
            sbatch_quote(&self.out.join("slurm/logs").join(log).to_string_lossy())
        ));
        if let Some(p) = &self.partition {
            line(format!("--partition={}", sbatch_quote(p)));
        }
        if let Some(a) = &self.account {
            line(format!("--account={}", sbatch_quote(a)));
        }
        s
    }

    fn command(&self, args: &[String]) -> String {
        let mut words = vec![q(&self.runner)];
        words.extend(args.iter().cloned());
        words.push("--out".into());
        words.push(q(&self.out));
        for set in &self.sets {
            words.push("--set".into());
            words.push(quote(set));
        }
        words.join(" ")
    }

    /// The array: task K trains shard K of N.
    pub fn array_script(&self) -> String {
        let mut s = self.header(&format!("runner-{}", self.name), "task-%a.log");
        let _ = writeln!(s, "#SBATCH --array=0-{}", self.tasks - 1);
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus);
        let _ = writeln!(s, "#SBATCH --time={}", self.time);
        if let Some(m) = &self.mem {
            let _ = writeln!(s, "#SBATCH --mem={}", sbatch_quote(m));
        }
        for e in &self.extra {
            let e = extra_line(e).unwrap_or_else(|_| e.clone());
            let _ = writeln!(s, "#SBATCH {e}");
        }
        // N is written out rather than read from SLURM_ARRAY_TASK_COUNT: resubmitting one task
        // (`sbatch --array=2 …`) would make that count 1.
        let _ = write!(
            s,
            "set -euo pipefail\ncd {}\nexec {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --quiet\n",
            q(&self.workdir),
            self.command(&[q(&self.experiment)]),
            self.tasks
        );
        s
    }

    /// The merge, after every task has ended (however it ended): assembles the files, or
    /// reports what is missing.
    pub fn merge_script(&self) -> String {
        let mut s = self.header(&format!("runner-{}-merge", self.name), "merge.log");
        let _ = writeln!(s, "#SBATCH --cpus-per-task=1");
        let _ = writeln!(s, "#SBATCH --time=0-01:00:00");
        if let Some(m) = &self.mem {
            let _ = writeln!(s, "#SBATCH --mem={}", sbatch_quote(m));
        }
        let runner = q(&self.runner);
        let dir = q(&self.out);
        let _ = write!(
            s,
            "set -uo pipefail\ncd {}\nif ! {runner} merge {dir}; then\n  {runner} status {dir}\n  echo \"some tasks did not finish; submit the same command again to train what is missing\"\n  exit 1\nfi\n",
            q(&self.workdir)
        );
        s
    }

    /// Writes `slurm/array.sbatch` and `slurm/merge.sbatch` (and `slurm/logs/`) in the
    /// results folder; refuses to replace scripts runner did not write.
    pub fn write(&self) -> Result<(PathBuf, PathBuf), StoreError> {
        let dir = self.out.join("slurm");
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|cause| StoreError::Io {
            path: logs.clone(),
            cause,
        })?;
        let (array, merge) = (dir.join("array.sbatch"), dir.join("merge.sbatch"));
        for p in [&array, &merge] {
            if let Ok(text) = std::fs::read_to_string(p) {
                if text.lines().nth(1).is_none_or(|l| !l.starts_with(MARK)) {
                    return Err(StoreError::NotOurs { path: p.clone() });
                }
            } else if p.exists() {
                return Err(StoreError::NotOurs { path: p.clone() });
            }
        }
        write_atomic(&array, self.array_script().as_bytes())?;
        write_atomic(&merge, self.merge_script().as_bytes())?;
        Ok((array, merge))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> ArrayJob {
        ArrayJob {
            name: "moons_sweep".into(),
            runner: "/opt/bin/runner".into(),
            experiment: "/home/me/exp/moons sweep.toml".into(),
            out: "/shared/res".into(),
            workdir: "/home/me".into(),
            sets: vec!["model.hidden=[2],[4]".into(), "data.kind=it's".into()],
            tasks: 4,
            cpus: 2,
            time: time_limit(100.0),
            mem: Some("2G".into()),
            partition: Some("short".into()),
            account: None,
            extra: vec!["#SBATCH --qos=low".into(), "--nice 10".into()],
        }
    }

    #[test]
    fn the_array_runs_one_shard_per_task_with_every_option() {
        let s = job().array_script();
        assert!(
            s.starts_with("#!/bin/bash\n# Written by `runner slurm`"),
            "{s}"
        );
        for line in [
            "#SBATCH --job-name=runner-moons_sweep",
            "#SBATCH --output=/shared/res/slurm/logs/task-%a.log",
            "#SBATCH --partition=short",
            "#SBATCH --array=0-3",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --time=0-00:10:00",
            "#SBATCH --mem=2G",
            "#SBATCH --qos=low",
            "#SBATCH --nice=10",
            "exec /opt/bin/runner '/home/me/exp/moons sweep.toml' --out /shared/res --set 'model.hidden=[2],[4]' --set \"data.kind=it's\" --shard \"$SLURM_ARRAY_TASK_ID/4\" --threads \"${SLURM_CPUS_PER_TASK:-1}\" --quiet",
        ] {
            assert!(s.lines().any(|l| l == line), "no `{line}` in\n{s}");
        }
        assert!(!s.contains("--account"));
    }

    #[test]
    fn times_memory_and_extra_lines_are_checked_as_sbatch_reads_them() {
        for ok in [
            "90",
            "30:00",
            "1:30:00",
            "2-0",
            "2-12:00",
            "2-00:00:00",
            "UNLIMITED",
        ] {
            assert_eq!(parse_time(ok).as_deref(), Ok(ok));
        }
        for bad in ["banana", "", "1:2:3:4", "-5", "1h", "2-", "1:", "1.5"] {
            let e = parse_time(bad).unwrap_err();
            assert!(
                e.contains("is not a time sbatch reads; write minutes"),
                "{e}"
            );
        }
        for ok in ["4G", "500", "500M", "2t", "1024K"] {
            assert_eq!(parse_mem(ok).as_deref(), Ok(ok));
        }
        for bad in ["4X", "G", "", "4GB", "-1G", "1.5G", "4 G"] {
            assert!(
                parse_mem(bad).unwrap_err().contains("whole number"),
                "{bad}"
            );
        }
        for (given, line) in [
            ("--qos=long", "--qos=long"),
            ("--qos long", "--qos=long"),
            ("#SBATCH --qos=long", "--qos=long"),
            ("--exclusive", "--exclusive"),
            ("-q long", "-q long"),
            (
                "--comment=a 'b' \"c\" #d",
                "--comment=\"a 'b' \\\"c\\\" #d\"",
            ),
        ] {
            assert_eq!(extra_line(given).as_deref(), Ok(line), "{given}");
            assert_eq!(parse_extra(given).as_deref(), Ok(given));
        }
        for bad in ["qos=long", "", "#SBATCH", "--", "-", "--q%s=1", "-9 x"] {
            let e = parse_extra(bad).unwrap_err();
            assert!(e.contains("is not an sbatch option"), "{bad}: {e}");
        }
    }

    #[test]
    fn quoted_words_reach_bash_unchanged() {
        for word in [
            "plain", "", "it's", "a b", "$HOME", "`x`", "\\\"", "[2],[4]", "*", "a\nb", "é ü",
        ] {
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf %s {}", quote(word)))
                .output()
                .expect("bash runs");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                word,
                "{}",
                quote(word)
            );
        }
    }

    #[test]
    fn the_merge_reports_what_is_missing_when_it_cannot_merge() {
        let s = job().merge_script();
        assert!(s.contains("if ! /opt/bin/runner merge /shared/res; then\n  /opt/bin/runner status /shared/res\n"), "{s}");
        assert!(s.contains("#SBATCH --output=/shared/res/slurm/logs/merge.log"));
    }

    /// sbatch's reading of one `#SBATCH` argument (`_get_argument` in Slurm's
    /// `src/sbatch/opt.c`): words split at unquoted spaces, `'` and `"` quote, `\\` escapes
    /// the next character, an unquoted `#` starts a comment.
    fn sbatch_reads(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            if chars.peek().is_none_or(|&c| c == '#') {
                return words;
            }
            let (mut word, mut quote, mut escape) = (String::new(), None, false);
            while let Some(&c) = chars.peek() {
                if quote.is_none() && !escape && c.is_whitespace() {
                    break;
                }
                chars.next();
                if escape {
                    escape = false;
                } else if c == '\\' {
                    escape = true;
                    continue;
                } else if let Some(q) = quote {
                    if c == q {
                        quote = None;
                        continue;
                    }
                } else if c == '"' || c == '\'' {
                    quote = Some(c);
                    continue;
                } else if c == '#' {
                    words.push(word);
                    return words;
                }
                word.push(c);
            }
            words.push(word);
        }
    }

    #[test]
    fn sbatch_lines_read_back_as_written_whatever_the_value() {
        for value in [
            "short",
            "my part",
            "a\"b",
            "it's",
            "x#y",
            "back\\slash",
            "/shared/my results/logs/task-%a.log",
            "",
        ] {
            let line = format!("--partition={}", sbatch_quote(value));
            assert_eq!(
                sbatch_reads(&line),
                [format!("--partition={value}")],
                "{line}"
            );
        }
        let mut j = job();
        j.out = PathBuf::from("/shared/my res #1");
        j.partition = Some("gpu queue".into());
        let s = j.array_script();
        let output = s
            .lines()
            .find(|l| l.starts_with("#SBATCH --output="))
            .unwrap();
        assert_eq!(
            sbatch_reads(&output["#SBATCH ".len()..]),
            ["--output=/shared/my res #1/slurm/logs/task-%a.log"]
        );
    }

    #[test]
    fn time_limits_leave_room() {
        assert_eq!(time_limit(0.0), "0-00:10:00");
        assert_eq!(time_limit(1000.0), "0-00:50:00");
        assert_eq!(time_limit(40_000.0), "1-09:20:00");
    }
}
