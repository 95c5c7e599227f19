//! The README and the examples of `runner --help` run as written: every ```sh block in bash (with `failglob`, so an unquoted
//! glob fails) and in zsh (whose `nomatch` fails the same way), in order, in a scratch folder
//! holding a copy of `experiments/`; every ```python block with python3; every ```gnuplot
//! block with gnuplot. A block marked ```text $ COMMAND shows what COMMAND prints: the test
//! runs it there, in the same sequence, and compares (numbers within 1 %, `…` for anything).
//!
//! `cargo run --release -- ARGS` runs the binary cargo built for this test (a `cargo` shim on
//! PATH), `runner` is that binary too, and `cargo test`, `cargo install` and `cargo bench`
//! are no-ops (they are this test, or minutes of benchmarks). Blocks marked ```sh skip need a
//! cluster or network installs. A tool that is missing (zsh, python3 with pandas and
//! matplotlib, safetensors and scikit-learn, gnuplot) skips its blocks with a note, unless `RUNNER_README_STRICT=1`, which
//! CI sets, so that there every block runs.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// The README's fenced blocks: (info string, text, line of the fence).
fn blocks(readme: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in readme.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), String::new(), n + 1)),
            (Some(_), Some("")) => out.push(open.take().unwrap()),
            (Some((_, text, _)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md ends inside a fenced block");
    out
}

fn strict() -> bool {
    std::env::var("RUNNER_README_STRICT").is_ok_and(|v| v == "1")
}

/// Whether `cmd args` runs and succeeds; a missing tool is a failure under strict.
fn have(what: &str, cmd: &str, args: &[&str]) -> bool {
    let ok = Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!strict(), "RUNNER_README_STRICT=1 but {what} is missing");
        eprintln!("note: {what} is missing; its README blocks are not run here");
    }
    ok
}

/// A scratch folder with `experiments/`, a `bin/` holding `runner` and the `cargo` shim, and a
/// home of its own.
fn workplace() -> Scratch {
    let s = Scratch::new();
    copy_dir(
        &Path::new(ROOT).join("experiments"),
        &s.path().join("experiments"),
    );
    let bin = s.path().join(".bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(s.path().join(".home")).unwrap();
    let exe = env!("CARGO_BIN_EXE_runner");
    std::os::unix::fs::symlink(exe, bin.join("runner")).unwrap();
    let shim = format!(
        "#!/bin/sh\n# cargo, as the README test needs it\ncase \"$1 $2 $3\" in\n\
         'run --release --') shift 3; exec '{exe}' \"$@\" ;;\n\
         'test '*|'install '*|'bench '*) exit 0 ;;\n\
         *) echo \"the README test's cargo shim cannot run: cargo $*\" >&2; exit 1 ;;\nesac\n"
    );
    let cargo = bin.join("cargo");
    std::fs::write(&cargo, shim).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    s
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Runs `program args… script` in the workplace; panics with the block and its output.
fn run(s: &Scratch, program: &str, args: &[&str], script: &str, line: usize) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let file = s.path().join(format!(".block-{line}"));
    std::fs::write(&file, script).unwrap();
    let o = Command::new(program)
        .args(args)
        .arg(&file)
        .current_dir(s.path())
        .env(
            "PATH",
            format!("{}:{path}", s.path().join(".bin").display()),
        )
        .env("HOME", s.path().join(".home"))
        .env("MPLBACKEND", "Agg")
        .output()
        .expect("the interpreter starts");
    assert!(
        o.status.success(),
        "README.md line {line}, with {program}:\n{script}\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Whether `got` reads as `shown`: line by line, token by token (split at spaces and commas),
/// numbers within 1 % (the last digits depend on the CPU, and timing on the machine); `…` in a
/// token stands for any text (`…)` for anything up to a closing parenthesis, across tokens),
/// and a line that is only `…` for any lines.
fn reads_as(shown: &str, got: &str) -> bool {
    fn tokens(line: &str) -> Vec<String> {
        line.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    }
    fn token(a: &str, b: &str) -> bool {
        let number = |t: &str| t.trim_end_matches('%').parse::<f64>().ok();
        match (number(a), number(b)) {
            (Some(x), Some(y)) => (x - y).abs() <= 0.01 * x.abs().max(y.abs()) || x == y,
            _ => a == b,
        }
    }
    /// `shown` tokens against `got` tokens; a token holding `…` takes one or more tokens
    /// whose text starts and ends as it does.
    fn line(shown: &[String], got: &[String]) -> bool {
        match shown.split_first() {
            None => got.is_empty(),
            Some((x, rest)) => match x.split_once('…') {
                Some((pre, post)) => (1..=got.len()).any(|k| {
                    got[0].starts_with(pre) && got[k - 1].ends_with(post) && line(rest, &got[k..])
                }),
                None => !got.is_empty() && token(x, &got[0]) && line(rest, &got[1..]),
            },
        }
    }
    fn lines(shown: &[Vec<String>], got: &[Vec<String>]) -> bool {
        match shown.split_first() {
            None => got.is_empty(),
            Some((x, rest)) if x.len() == 1 && x[0] == "…" => {
                (0..=got.len()).any(|k| lines(rest, &got[k..]))
            }
            Some((x, rest)) => !got.is_empty() && line(x, &got[0]) && lines(rest, &got[1..]),
        }
    }
    let split = |t: &str| -> Vec<Vec<String>> {
        t.lines()
            .filter(|l| !l.trim().is_empty())
            .map(tokens)
            .collect()
    };
    lines(&split(shown), &split(got))
}

/// Every sh block, in order, in one workplace, under `shell`.
fn shell_blocks(shell: &str, prelude: &str, extra: bool) -> (Scratch, bool) {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let s = workplace();
    let python = extra
        && have(
            "python3 with pandas, matplotlib, safetensors and scikit-learn",
            "python3",
            &["-c", "import pandas, matplotlib, safetensors, sklearn"],
        );
    let gnuplot = extra && have("gnuplot", "gnuplot", &["--version"]);
    let mut ran = 0;
    for (info, text, line) in blocks(&readme) {
        match info.as_str() {
            "sh" => {
                if text.contains("python3") && !python && extra {
                    continue;
                }
                if text.contains("python3") && !extra {
                    continue;
                }
                run(&s, shell, &[], &format!("{prelude}\n{text}"), line);
                ran += 1;
            }
            "python" if python => {
                run(&s, "python3", &[], &text, line);
                ran += 1;
            }
            // A shown output: its command's stdout and stderr must read as the block does.
            _ if info.starts_with("text $ ") && extra => {
                let command = &info["text $ ".len()..];
                // Errors are shown too: the command may fail.
                let script = format!("{prelude}\nexec 2>&1\n{command} || true");
                // The README shows a first run; here the command may have run before.
                let got = run(&s, shell, &[], &script, line).replace(" (up to date)", "");
                assert!(
                    reads_as(&text, &got),
                    "README.md line {line}: `{command}` prints\n{got}\nbut the README shows\n{text}"
                );
                ran += 1;
            }
            "gnuplot" if gnuplot => {
                run(&s, "gnuplot", &[], &text, line);
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 5, "only {ran} README blocks ran");
    (s, python)
}

#[test]
fn shown_outputs_are_compared_by_tokens_numbers_within_a_percent() {
    assert!(reads_as("a  1.00  85.3%\n…\nz", "a 1.005 85.4%\nx\ny\nz"));
    assert!(reads_as("memory: … free", "memory: 24.5 GB free"));
    assert!(reads_as(
        "time (per row: …)",
        "time (per row: 5 ns a unit; 2 µs)"
    ));
    assert!(!reads_as(
        "time (per row: …)",
        "time (per row: 5 ns a unit; 2 µs"
    ));
    assert!(!reads_as("a 1.00", "a 1.05"));
    assert!(!reads_as("ok", "saturated"));
    assert!(!reads_as("a\nb", "a"));
    assert!(!reads_as("a", "a\nb"));
}

#[test]
fn every_readme_command_runs_in_bash_with_failglob() {
    let (s, python) = shell_blocks("bash", "set -euo pipefail\nshopt -s failglob", true);
    // What the README says the commands make.
    for f in ["results/moons/report.html", "results/first/curves.csv"] {
        assert!(s.path().join(f).is_file(), "{f}");
    }
    if python {
        for f in ["table.jsonl", "moons.png", "first.png"] {
            assert!(s.path().join(f).is_file(), "{f}");
        }
    }
    let home = s.path().join(".home/.local/share");
    assert!(home.join("man/man1/runner.1").is_file());
    // The ~/.bashrc the README's step wrote registers runner's completion.
    let o = Command::new("bash")
        .args(["-c", "source ~/.bashrc && complete -p runner"])
        .env("HOME", s.path().join(".home"))
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("_clap_complete_runner"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_readme_command_runs_in_zsh() {
    if have("zsh", "zsh", &["-c", "true"]) {
        shell_blocks("zsh", "set -e\nsetopt pipefail", false);
    }
}

#[test]
fn the_readme_fences_are_balanced_and_every_runnable_block_is_marked() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    for (info, text, line) in blocks(&readme) {
        // Every block says what it is: rustdoc would run a bare fence as Rust.
        assert!(
            !info.is_empty(),
            "README.md line {line}: a bare fence; mark it ```text, ```sh, …"
        );
        // A block that shows shell commands is `sh` (run) or `sh skip`; a synopsis or an
        // output is `text` (the synopsis, which names `[OPTIONS]`, shows forms, not commands).
        if info == "text" && !text.contains("[OPTIONS]") {
            assert!(
                !text
                    .lines()
                    .any(|l| l.starts_with("cargo ") || l.starts_with("runner ")),
                "README.md line {line}: commands in a block the test does not run; mark it ```sh"
            );
            // What runner prints is shown with the command that prints it, and compared.
            let first = text.lines().next().unwrap_or("");
            assert!(
                ![
                    "error:",
                    "warning:",
                    "run ",
                    "configuration ",
                    "experiment `"
                ]
                .iter()
                .any(|p| first.starts_with(p)),
                "README.md line {line}: runner's output in a plain block; mark it \
                 ```text $ COMMAND so that the test compares it with what COMMAND prints"
            );
        }
    }
}

#[test]
fn every_example_in_the_long_help_runs_as_written() {
    let s = workplace();
    let help = ok(runner(s.path(), &["--help"]));
    let examples: Vec<&str> = help
        .split("Examples:\n")
        .nth(1)
        .expect("--help has examples")
        .lines()
        .take_while(|l| !l.trim().is_empty())
        // The command, without the description after it.
        .map(|l| l.trim().split("   ").next().unwrap().trim())
        .collect();
    assert!(examples.len() >= 4, "{examples:?}");
    let jq = have("jq", "jq", &["--version"]);
    for (n, cmd) in examples.iter().enumerate() {
        if cmd.contains("| jq") && !jq {
            continue;
        }
        run(
            &s,
            "bash",
            &[],
            &format!("set -euo pipefail\nshopt -s failglob\n{cmd}\n"),
            n,
        );
    }
}
