//! Completions complete, driven in the shells themselves: bash's programmable completion
//! (`complete -F`, as at Tab) and zsh's completion system in an interactive zsh on a
//! pseudo-terminal (`zpty`), each loading the script `runner completions SHELL` prints. And the
//! man page renders: no page it points to is missing, the examples keep their lines.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// A folder with `experiments/`, a `results/` and a `runner` on PATH; the script `runner
/// completions SHELL` printed is `comp.SHELL`.
fn place(shell: &str) -> Scratch {
    let s = Scratch::new();
    for name in ["moons.toml", "iris.toml", "moons_sweep.toml"] {
        std::fs::create_dir_all(s.path().join("experiments")).unwrap();
        std::fs::copy(
            Path::new(ROOT).join("experiments").join(name),
            s.path().join("experiments").join(name),
        )
        .unwrap();
    }
    std::fs::create_dir_all(s.path().join("results/moons")).unwrap();
    let o = runner(s.path(), &["completions", shell]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(s.path().join(format!("comp.{shell}")), &o.stdout).unwrap();
    s
}

/// `LINE => RESULT` for each line, from the driver script `tests/shell/complete.SHELL`.
fn drive(shell: &str, s: &Scratch, lines: &[&str]) -> Vec<(String, String)> {
    let driver = Path::new(ROOT)
        .join("tests/shell")
        .join(format!("complete.{shell}"));
    let o = Command::new(shell)
        .arg("-f")
        .arg(&driver)
        .arg(format!("comp.{shell}"))
        .args(lines)
        .current_dir(s.path())
        .env("HOME", s.path())
        .output()
        .expect("the shell starts");
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .filter_map(|l| l.split_once(" => "))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn have(shell: &str) -> bool {
    let ok = Command::new(shell).arg("-c").arg("true").output().is_ok();
    if !ok {
        assert!(
            std::env::var("RUNNER_README_STRICT").is_err(),
            "{shell} is missing; CI installs it"
        );
        eprintln!("note: {shell} is missing; its completions are not tried here");
    }
    ok
}

#[test]
fn bash_completes_subcommands_files_folders_options_and_keys() {
    if !have("bash") {
        return;
    }
    let s = place("bash");
    // bash's `-f` is not zsh's; the driver needs no rc files either way.
    let got = drive(
        "bash",
        &s,
        &[
            "runner pl",
            "runner plan experiments/i",
            "runner experiments/moons",
            "runner status ",
            "runner status results/m",
            "runner experiments/moons.toml --set tr",
            "runner experiments/moons.toml model.h",
            "runner experiments/moons.toml +data.sa",
            "runner --thr",
            "runner completions z",
        ],
    );
    let of = |line: &str| -> Vec<String> {
        let (_, r) = got
            .iter()
            .find(|(l, _)| l == line)
            .unwrap_or_else(|| panic!("{line}: {got:?}"));
        r.split(' ')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(of("runner pl"), ["plan"]);
    assert_eq!(of("runner plan experiments/i"), ["experiments/iris.toml"]);
    assert_eq!(
        of("runner experiments/moons"),
        ["experiments/moons.toml", "experiments/moons_sweep.toml"]
    );
    // A results folder, not subcommands.
    let status = of("runner status ");
    assert!(status.contains(&"results/".to_string()), "{status:?}");
    assert!(!status.contains(&"plan".to_string()), "{status:?}");
    assert_eq!(of("runner status results/m"), ["results/moons/"]);
    let keys = of("runner experiments/moons.toml --set tr");
    assert!(keys.contains(&"train.epochs=".to_string()), "{keys:?}");
    assert!(
        keys.iter()
            .all(|k| k.starts_with("train.") && k.ends_with('=')),
        "{keys:?}"
    );
    assert_eq!(
        of("runner experiments/moons.toml model.h"),
        ["model.hidden="]
    );
    assert_eq!(
        of("runner experiments/moons.toml +data.sa"),
        ["+data.samples="]
    );
    assert_eq!(of("runner --thr"), ["--threads"]);
    assert_eq!(of("runner completions z"), ["zsh"]);
}

#[test]
fn zsh_completes_at_tab_in_an_interactive_shell() {
    if !have("zsh") {
        return;
    }
    let s = place("zsh");
    let got = drive(
        "zsh",
        &s,
        &[
            "runner pl",
            "runner plan experiments/ir",
            "runner status res",
            "runner experiments/moons.toml --set train.epo",
            "runner experiments/moons.toml train.learn",
        ],
    );
    let want = [
        ("runner pl", "runner plan "),
        (
            "runner plan experiments/ir",
            "runner plan experiments/iris.toml ",
        ),
        ("runner status res", "runner status results/"),
        (
            "runner experiments/moons.toml --set train.epo",
            "runner experiments/moons.toml --set train.epochs=",
        ),
        (
            "runner experiments/moons.toml train.learn",
            "runner experiments/moons.toml train.learning_rate=",
        ),
    ];
    for (line, buffer) in want {
        let found = got.iter().find(|(l, _)| l == line).map(|(_, b)| b.as_str());
        assert_eq!(found, Some(buffer), "Tab after `{line}`; all: {got:?}");
    }
}

#[test]
fn the_man_page_names_only_pages_that_exist_and_keeps_its_examples_whole() {
    let s = Scratch::new();
    let o = runner(s.path(), &["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        !page.contains("runner-plan(1)") && !page.contains("\\-plan(1)"),
        "{page}"
    );
    for sub in [
        "plan",
        "merge",
        "status",
        "report",
        "slurm",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("\\fBrunner {sub}")),
            "{sub} missing from\n{page}"
        );
    }
    // Rendered, each example is one line, as in `runner --help`.
    let path = s.file("runner.1", &page);
    let Ok(man) = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANWIDTH", "120")
        .env("MAN_KEEP_FORMATTING", "0")
        .output()
    else {
        eprintln!("note: man is missing; the page is checked as text only");
        return;
    };
    if !man.status.success() {
        eprintln!("note: man cannot render here: {}", stderr(&man));
        return;
    }
    let text = stdout(&man);
    for line in [
        "runner experiments/moons.toml --set 'model.hidden=[2],[8]' --set 'init.seed=1,2,3'",
        "130  interrupted (Ctrl-C); finished runs are kept, the same command resumes",
    ] {
        assert!(text.contains(line), "`{line}` not kept whole in\n{text}");
    }
}
