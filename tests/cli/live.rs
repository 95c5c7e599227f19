//! One experiment per results folder at a time: a process of another experiment is refused
//! while one writes there, and never exits 0 after its files were replaced.

use crate::common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough (a few hundred ms) for another process to start meanwhile.
const SLOW: &str = "name = \"slow\"
[data]
kind = \"moons\"
samples = 200
[model]
hidden = [16]
[train]
epochs = 20000
[output]
report = false
";

const QUICK: &str = "name = \"quick\"
[data]
kind = \"xor\"
[model]
hidden = [2]
[train]
epochs = 10
";

/// The experiment whose files `dir` holds, from its `experiment.toml`.
fn described(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(dir.join("experiment.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["name"].as_str().unwrap().to_string()
}

fn spawn(cwd: &std::path::Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn another_experiment_is_refused_while_one_writes_the_folder() {
    let s = Scratch::new();
    s.file("slow.toml", SLOW);
    s.file("quick.toml", QUICK);
    let mut refused = 0;
    for round in 0..20 {
        let _ = std::fs::remove_dir_all(s.path().join("mix"));
        let mut slow = spawn(s.path(), &["slow.toml", "-q", "--out", "mix"]);
        // Until the slow experiment holds the folder.
        let live = s.path().join("mix/.runner/live");
        let start = Instant::now();
        while std::fs::read_dir(&live).map_or(true, |mut d| d.next().is_none()) {
            assert!(start.elapsed() < Duration::from_secs(20), "round {round}");
            std::thread::sleep(Duration::from_millis(2));
        }
        let quick = runner(s.path(), &["quick.toml", "--out", "mix"]);
        let overlapped = slow.try_wait().unwrap().is_none();
        let slow = slow.wait_with_output().unwrap();
        assert!(slow.status.success(), "{}", stderr(&slow));
        if overlapped {
            // Refused before writing anything, naming the other experiment and the fixes.
            assert!(!quick.status.success(), "round {round}");
            let err = stderr(&quick);
            assert!(
                err.contains("another runner process, for another experiment: experiment `slow`")
                    && err.contains("slow.toml")
                    && err.contains("--out DIR"),
                "{err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
            refused += 1;
        }
        // Either way the folder describes the experiment that finished last and exited 0.
        let last = match quick.status.success() {
            true => "quick",
            false => "slow",
        };
        assert_eq!(described(&s.path().join("mix")), last, "round {round}");
    }
    assert!(refused >= 15, "only {refused} of 20 rounds overlapped");
    // Once the other has finished, the refused experiment runs, and says what it replaced.
    let o = runner(s.path(), &["quick.toml", "--out", "mix"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("described experiment `slow` and now describe `quick`"));
    assert_eq!(described(&s.path().join("mix")), "quick");
}

#[test]
fn processes_of_one_experiment_share_the_folder_and_a_dead_ones_hold_is_let_go() {
    let s = Scratch::new();
    s.file("slow.toml", SLOW);
    s.file("quick.toml", QUICK);
    // Two processes of one experiment run together (the second waits for the first's run).
    let a = spawn(s.path(), &["slow.toml", "-q", "--out", "mix"]);
    let b = spawn(s.path(), &["slow.toml", "-q", "--out", "mix"]);
    for p in [a, b] {
        let o = p.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // A process killed while it held the folder does not hold it any longer.
    let mut killed = spawn(s.path(), &["slow.toml", "-q", "--out", "mix", "--force"]);
    std::thread::sleep(Duration::from_millis(50));
    killed.kill().unwrap();
    killed.wait().unwrap();
    ok(runner(s.path(), &["quick.toml", "-q", "--out", "mix"]));
    assert_eq!(described(&s.path().join("mix")), "quick");
    // The status of a folder reads only, whoever holds it.
    let mut slow = spawn(s.path(), &["slow.toml", "-q", "--out", "mix", "--force"]);
    std::thread::sleep(Duration::from_millis(50));
    ok(runner(s.path(), &["status", "mix"]));
    slow.kill().unwrap();
    slow.wait().unwrap();
}

#[test]
fn a_sweep_estimated_over_an_hour_is_announced_before_it_trains_and_plan_gives_the_time() {
    let s = Scratch::new();
    s.file(
        "long.toml",
        "[data]\nkind = \"moons\"\nsamples = 2000\n[model]\nhidden = [64, 64]\n\
         [train]\nepochs = 1000000\nlearning_rate = 0.0001\n[sweep]\n\"init.seed\" = [0, 1, 2, 3]\n",
    );
    let plan = ok(runner(s.path(), &["plan", "long.toml", "--threads", "2"]));
    let line = plan
        .lines()
        .find(|l| l.starts_with("time: about "))
        .unwrap();
    assert!(line.contains("to train 4 runs on 2 threads"), "{line}");
    assert!(
        line.ends_with(" h)") || line.contains(" h to") || line.contains("days"),
        "{line}"
    );
    let json = ok(runner(s.path(), &["plan", "long.toml", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["seconds"].as_f64().unwrap() > 3600.0, "{json}");
    assert_eq!(v["to_train"], 4);
    // The run warns, then trains; Ctrl-C ends it as usual.
    let mut child = spawn(s.path(), &["long.toml", "-q"]);
    // Should the warning never come, the run is ended rather than left to train for hours.
    let pid = child.id() as i32;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut err, &mut first).unwrap();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(
        first.starts_with("warning: training is estimated at about "),
        "{first}"
    );
    assert!(
        first.contains("4 runs") && first.contains("resumes"),
        "{first}"
    );
    assert_eq!(status.code(), Some(130));
    // A quick experiment says nothing of time.
    s.file("quick.toml", QUICK);
    let o = runner(s.path(), &["quick.toml", "-q"]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
