//! The command-line conventions: completions, the man page, `--help`, `--quiet`, `--json` and
//! the exit codes.

use crate::common::*;
use std::process::Command;

const SMALL: &str = "[data]\nkind = \"moons\"\nsamples = 40\n[model]\nhidden = [3]\n\
                     [train]\nepochs = 5\n[sweep]\n\"model.hidden\" = [[2], [4, 4]]\n";

#[test]
fn completions_are_scripts_each_shell_accepts() {
    // What they complete is tried in the shells themselves: tests/cli/shell.rs.
    let s = Scratch::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(runner(s.path(), &["completions", shell]));
        assert!(script.contains("COMPLETE="), "{shell}: {script}");
        let file = s.file(&format!("runner.{shell}"), &script);
        // A shell that is installed must parse it (CI installs zsh; bash is always there).
        if let Ok(o) = Command::new(shell).arg("-n").arg(&file).output() {
            assert!(
                o.status.success(),
                "{shell} -n: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    let o = runner(s.path(), &["completions", "powershel"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn the_man_page_is_roff_with_every_option() {
    let s = Scratch::new();
    let page = ok(runner(s.path(), &["man"]));
    assert!(
        page.starts_with(".ie") || page.contains(".TH runner 1"),
        "{page}"
    );
    for word in [
        "\\-\\-set",
        "\\-\\-json",
        "\\-\\-quiet",
        "\\-\\-out",
        "EXIT CODES",
    ] {
        assert!(page.contains(word), "man page lacks `{word}`");
    }
}

#[test]
fn long_help_gives_examples_exit_codes_and_where_results_go() {
    let s = Scratch::new();
    let help = ok(runner(s.path(), &["--help"]));
    for part in [
        "Examples:",
        "Exit codes:",
        "Where results go:",
        "results/NAME/",
        "130",
    ] {
        assert!(help.contains(part), "--help lacks `{part}`");
    }
    let short = ok(runner(s.path(), &["-h"]));
    assert!(short.contains("runner --help"), "{short}");
}

#[test]
fn json_prints_one_parseable_object_per_table_row_and_nothing_else() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    let out = ok(runner(s.path(), &["small.toml", "--json", "-q"]));
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(rows.len(), 2);
    let runs = read_csv(&s.path().join("results/small/runs.csv"));
    for (row, csv) in rows.iter().zip(&runs) {
        assert_eq!(row["run"], csv["run"].as_str());
        assert_eq!(row["model.hidden"], csv["model.hidden"].as_str());
        assert_eq!(
            row["model.hidden.units"].as_u64().unwrap().to_string(),
            csv["model.hidden.units"]
        );
        assert_eq!(row["final_loss"].as_f64().unwrap(), num(csv, "final_loss"));
        assert_eq!(row["epochs"], 5);
    }
    // Across seeds: one object per configuration, with each metric's mean and spread.
    let grouped = ok(runner(
        s.path(),
        &["small.toml", "--json", "-q", "--set", "init.seed=1,2,3"],
    ));
    let rows: Vec<serde_json::Value> = grouped
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{grouped}");
    // `runner report DIR --json` prints the same lines from the folder.
    let again = ok(runner(
        s.path(),
        &["report", "results/small", "--json", "-q"],
    ));
    assert_eq!(again, grouped);
    assert_eq!(rows[0]["runs"], 3);
    assert!(rows[0]["final_loss"]["mean"].as_f64().unwrap() > 0.0);
    assert!(rows[0]["final_loss"]["std"].as_f64().unwrap() >= 0.0);
}

#[test]
fn quiet_leaves_stderr_to_warnings_and_errors() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    for _ in 0..2 {
        // Trained, then reused: neither prints a note.
        let o = runner(s.path(), &["small.toml", "-q"]);
        assert!(o.status.success());
        assert_eq!(stderr(&o), "");
        assert!(stdout(&o).contains("results in results/small"));
    }
    let o = runner(s.path(), &["small.toml", "-q", "--set", "init.seed=1"]);
    assert_eq!(stderr(&o), "");
    let noisy = runner(
        s.path(),
        &[
            "small.toml",
            "--set",
            "init.seed=1",
            "--set",
            "model.hidden=[2],[4,4],[5]",
        ],
    );
    assert!(
        stderr(&noisy).contains("reused from the store"),
        "{}",
        stderr(&noisy)
    );
}

#[test]
fn exit_codes_separate_refused_input_from_a_wrong_command_line() {
    let s = Scratch::new();
    s.file("bad.toml", "[train]\nepochs = -1\n");
    let refused = runner(s.path(), &["bad.toml"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let usage = runner(s.path(), &["--no-such-flag", "x.toml"]);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
    let missing = runner(s.path(), &[]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn color_always_paints_prefixes_and_the_header_and_never_or_a_pipe_leaves_plain_text() {
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    let o = runner(s.path(), &["small.toml", "--color", "always"]);
    assert!(stdout(&o).starts_with("\x1b[1mrun"), "{}", stdout(&o));
    let o = runner(s.path(), &["missing.toml", "--color=always"]);
    assert!(
        stderr(&o).starts_with("\x1b[1;31merror:\x1b[0m cannot read"),
        "{}",
        stderr(&o)
    );
    // Piped (as here), `auto` and `never` write no escape; nor does any file.
    for args in [vec!["small.toml"], vec!["small.toml", "--color", "never"]] {
        let o = runner(s.path(), &args);
        assert!(!stdout(&o).contains('\x1b') && !stderr(&o).contains('\x1b'));
    }
    let o = runner(s.path(), &["missing.toml", "--color", "never"]);
    assert!(
        stderr(&o).starts_with("error: cannot read"),
        "{}",
        stderr(&o)
    );
    let o = runner(s.path(), &["small.toml", "--color", "pink"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("auto, always, never"), "{}", stderr(&o));
}

#[test]
fn on_a_terminal_auto_colours_unless_no_color_is_set() {
    // `script` gives the command a pseudo-terminal (util-linux; skipped where it is missing).
    let s = Scratch::new();
    let exe = env!("CARGO_BIN_EXE_runner");
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("'{exe}' missing.toml"), "/dev/null"])
            .current_dir(s.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        c.output().ok().map(|o| stdout(&o))
    };
    let Some(plain) = on_tty(None) else {
        eprintln!("note: `script` is missing; colour on a terminal is not tried");
        return;
    };
    assert!(plain.contains("\x1b[1;31merror:"), "{plain:?}");
    assert!(!on_tty(Some("1")).unwrap().contains('\x1b'));
    // An empty NO_COLOR does not count, as no-color.org says.
    assert!(on_tty(Some("")).unwrap().contains("\x1b[1;31merror:"));
}
