//! The store: ids that cover the data, damaged runs retrained, duplicates and names refused,
//! files runner did not write left alone, re-runs that write nothing, growing sweeps, shards,
//! and many processes sharing a folder. Each ends by comparing with a one-process run.

use crate::common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// 2 hidden sizes × 3 seeds on a CSV file of the OR gate.
const GATE: &str = "name = \"gate\"
[data]
kind = \"csv\"
path = \"gate.csv\"
target = \"y\"
[model]
hidden = [2]
[train]
epochs = 300
learning_rate = 2.0
[output]
every = 50
[sweep]
\"model.hidden\" = [[], [2]]
\"init.seed\" = [0, 1, 2]
";

const OR: &str = "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n";
const AND: &str = "a,b,y\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n";

fn gate(s: &Scratch) {
    s.file("gate.toml", GATE);
    s.file("gate.csv", OR);
}

/// 24 runs long enough for processes to overlap.
const MANY: &str = "name = \"many\"
[data]
kind = \"moons\"
samples = 100
[model]
hidden = [8]
[train]
epochs = 3000
[output]
every = 100
[sweep]
\"model.hidden\" = [[4], [8]]
\"init.seed\" = { range = [0, 12] }
";

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How many runs a finished process says it trained.
fn trained(o: &std::process::Output, runs: usize) -> usize {
    let err = stderr(o);
    match err.split(" reused from the store, ").nth(1) {
        Some(rest) => rest.split(' ').next().unwrap().parse().unwrap(),
        None if stdout(o).contains("(up to date)") => 0,
        None if err.is_empty() => runs,
        None => panic!("unexpected stderr: {err}"),
    }
}

#[test]
fn editing_the_data_retrains_on_the_new_data() {
    let s = Scratch::new();
    gate(&s);
    ok(runner(s.path(), &["gate.toml", "-q"]));
    let or = read_csv(&s.path().join("results/gate/runs.csv"));
    s.file("gate.csv", AND);
    let o = runner(s.path(), &["gate.toml", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "every run is new");
    let and = read_csv(&s.path().join("results/gate/runs.csv"));
    assert_ne!(or[0]["id"], and[0]["id"]);
    assert_ne!(or[0]["final_loss"], and[0]["final_loss"]);
    // A fresh folder trained on AND data agrees.
    ok(runner(s.path(), &["gate.toml", "-q", "--out", "fresh"]));
    assert_eq!(
        contents(&s.path().join("results/gate")),
        contents(&s.path().join("fresh"))
    );
}

/// One entry of a pack: where its header, record and body start, and the body's end.
struct Entry {
    header: usize,
    record: usize,
    body: usize,
    end: usize,
}

/// The entries of the pack `bytes`, in order.
fn entries(bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    while at < bytes.len() {
        let nl = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap();
        let head = std::str::from_utf8(&bytes[at..nl]).unwrap();
        let f: Vec<&str> = head.split(' ').collect();
        let (record_len, body_len): (usize, usize) = (f[3].parse().unwrap(), f[4].parse().unwrap());
        let record = nl + 1;
        let body = record + record_len;
        out.push(Entry {
            header: at,
            record,
            body,
            end: body + body_len,
        });
        at = body + body_len + 1;
    }
    out
}

/// Damages the third stored run with `damage` (given the pack's bytes and its entries), runs
/// again, and checks the warning (when `warned`: a damaged entry whose run is known) and that
/// the files equal an undamaged folder's.
fn damaged(damage: impl Fn(&mut Vec<u8>, &[Entry]), what: &str, warned: bool) {
    let s = Scratch::new();
    gate(&s);
    ok(runner(s.path(), &["gate.toml", "-q", "--out", "whole"]));
    ok(runner(s.path(), &["gate.toml", "-q", "--out", "hurt"]));
    let pack = &packs(&s.path().join("hurt"))[0];
    let mut bytes = std::fs::read(pack).unwrap();
    let found = entries(&bytes);
    assert_eq!(found.len(), 6);
    damage(&mut bytes, &found);
    std::fs::write(pack, &bytes).unwrap();
    let o = runner(s.path(), &["gate.toml", "--out", "hurt"]);
    assert!(o.status.success(), "{what}: {}", stderr(&o));
    let err = stderr(&o);
    if warned {
        assert!(
            err.starts_with("warning: stored run `")
                && err.contains("is damaged: ")
                && err.contains("training it again"),
            "{what}: {err}"
        );
    } else {
        assert!(!err.contains("warning"), "{what}: {err}");
    }
    assert!(
        err.ends_with("5 runs reused from the store, 1 trained\n"),
        "{what}: {err}"
    );
    assert_eq!(
        contents(&s.path().join("hurt")),
        contents(&s.path().join("whole")),
        "{what}"
    );
}

#[test]
fn a_damaged_run_is_named_and_trained_again() {
    damaged(
        |b, e| {
            let at = (e[2].body + e[2].end) / 2;
            b[at] ^= 0x55;
        },
        "rows garbled",
        true,
    );
    damaged(|b, e| b[e[2].body..e[2].end].fill(0), "rows zeroed", true);
    damaged(
        |b, e| {
            let rec = std::str::from_utf8(&b[e[2].record..e[2].body]).unwrap();
            let garbled = rec.replacen("status = \"ok\"", "status = \"no\"", 1);
            assert_ne!(garbled, rec);
            b.splice(e[2].record..e[2].body, garbled.into_bytes());
        },
        "record garbled",
        true,
    );
    damaged(
        |b, e| b[e[2].record..e[2].record + 3].copy_from_slice(&[0xff, 0xfe, 0]),
        "record binary",
        true,
    );
    // A header that cannot be read hides which run it was: the scan goes on at the next
    // entry, and the run trains again as one never stored.
    damaged(|b, e| b[e[2].header + 1] = b'X', "header garbled", false);
    // An entry cut at the pack's end is what `kill -9` mid-append leaves: not there yet.
    damaged(
        |b, e| {
            let last = &e[5];
            b.truncate((last.body + last.end) / 2);
        },
        "last entry cut",
        false,
    );
}

/// Runs `toml` and expects a refusal that mentions `needle`, with nothing created.
fn refused(toml: &str, args: &[&str], needle: &str) {
    let s = Scratch::new();
    s.file("gate.csv", OR);
    s.file("x.toml", toml);
    let mut all = vec!["x.toml", "-q"];
    all.extend(args);
    let o = runner(s.path(), &all);
    assert_eq!(o.status.code(), Some(1), "{toml}");
    let err = stderr(&o);
    assert!(err.contains(needle), "{toml}: {err}");
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert_eq!(
        s.listing(),
        ["gate.csv", "x.toml"],
        "{toml}: nothing created"
    );
}

#[test]
fn runs_that_cannot_be_told_apart_are_refused() {
    let variants = GATE.replace(
        "[sweep]",
        "[[variant]]\nname = \"a\"\nmodel = { hidden = [2] }\n[[variant]]\nname = \"a\"\nmodel = { hidden = [3] }\n[sweep]",
    );
    refused(&variants, &[], "two `[[variant]]`s are named `a`");
    let same = variants.replace("hidden = [3]", "hidden = [2]").replacen(
        "name = \"a\"",
        "name = \"b\"",
        1,
    );
    refused(&same, &[], "are the same run");
    let seeds = GATE.replace("[0, 1, 2]", "[3, 3, 3, 3]");
    refused(&seeds, &[], "`3` is listed more than once");
    refused(
        GATE,
        &["--set", "init.seed=1,2,1"],
        "`1` is listed more than once",
    );
    refused(
        GATE,
        &["--set", "model.hidden=[2],[2]"],
        "`[2]` is listed more than once",
    );
}

#[test]
fn a_name_is_one_plain_folder_name() {
    let long = "n".repeat(300);
    for name in [
        "../../escape",
        "/tmp/abs",
        "",
        ".hidden",
        "a/b",
        "a b",
        long.as_str(),
    ] {
        let toml = GATE.replace("name = \"gate\"", &format!("name = {name:?}"));
        refused(
            &toml,
            &[],
            "it names the results folder `results/NAME`, so it must be 1 to 64",
        );
    }
    // Only --out picks an arbitrary folder.
    let s = Scratch::new();
    gate(&s);
    ok(runner(
        s.path(),
        &["gate.toml", "-q", "--out", "deep/er/folder"],
    ));
    assert!(s.path().join("deep/er/folder/runs.csv").exists());
}

#[test]
fn never_writes_among_the_inputs_or_over_files_it_did_not_write() {
    let s = Scratch::new();
    s.file("curves.csv", OR);
    s.file("x.toml", &GATE.replace("gate.csv", "curves.csv"));
    for args in [&["--out", "."][..], &["--out", ".", "--force"][..]] {
        let mut all = vec!["x.toml", "-q"];
        all.extend(args);
        let o = runner(s.path(), &all);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("holds the experiment's input"),
            "{}",
            stderr(&o)
        );
        assert_eq!(s.listing(), ["curves.csv", "x.toml"]);
        assert_eq!(
            std::fs::read_to_string(s.path().join("curves.csv")).unwrap(),
            OR
        );
    }
    // A result-file name runner did not write: refused, even with --force.
    std::fs::create_dir(s.path().join("o")).unwrap();
    s.file("o/summary.csv", "mine\n");
    for force in [false, true] {
        let mut all = vec!["x.toml", "-q", "--out", "o"];
        if force {
            all.push("--force");
        }
        let o = runner(s.path(), &all);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("was not written by runner"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(s.path().join("o/summary.csv")).unwrap(),
            "mine\n"
        );
    }
}

fn stamps(dir: &Path) -> Vec<(String, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.display().to_string(),
                    std::fs::metadata(&p).unwrap().modified().unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn set_readonly(dir: &Path, ro: bool) {
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p.clone());
            }
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            perm.set_readonly(ro);
            std::fs::set_permissions(&p, perm).unwrap();
        }
    }
    let mut perm = std::fs::metadata(dir).unwrap().permissions();
    perm.set_readonly(ro);
    std::fs::set_permissions(dir, perm).unwrap();
}

#[test]
fn a_finished_experiment_run_again_writes_nothing() {
    let s = Scratch::new();
    gate(&s);
    let first = ok(runner(s.path(), &["gate.toml", "-q"]));
    let dir = s.path().join("results/gate");
    // A line the user adds stays.
    let summary = dir.join("summary.csv");
    let mut text = std::fs::read_to_string(&summary).unwrap();
    text.push_str("my note\n");
    std::fs::write(&summary, &text).unwrap();
    let before = stamps(&dir);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Read-only (for a user other than root; for root, the stamps show nothing was written).
    set_readonly(&dir, true);
    let again = runner(s.path(), &["gate.toml", "-q"]);
    set_readonly(&dir, false);
    let again = ok(again);
    assert_eq!(
        again,
        first.replace("results/gate\n", "results/gate (up to date)\n")
    );
    assert_eq!(stamps(&dir), before, "nothing written");
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);
    // A deleted file is written again; the edited one is left as it is.
    std::fs::remove_file(dir.join("curves.csv")).unwrap();
    ok(runner(s.path(), &["gate.toml", "-q"]));
    assert!(dir.join("curves.csv").exists());
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);
    // Another experiment would replace the edited file: refused before training, unless --force.
    let o = runner(s.path(), &["gate.toml", "-q", "--set", "train.epochs=301"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("summary.csv` was changed after runner wrote it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stored_entries(&dir), 6, "nothing trained");
    ok(runner(
        s.path(),
        &["gate.toml", "-q", "--set", "train.epochs=301", "--force"],
    ));
    assert!(!std::fs::read_to_string(&summary)
        .unwrap()
        .contains("my note"));
}

#[test]
fn adding_seeds_trains_only_the_new_runs() {
    let s = Scratch::new();
    gate(&s);
    ok(runner(s.path(), &["gate.toml", "-q"]));
    let o = runner(s.path(), &["gate.toml", "--set", "init.seed=0,1,2,3,4"]);
    assert!(o.status.success());
    assert_eq!(stderr(&o), "6 runs reused from the store, 4 trained\n");
    ok(runner(
        s.path(),
        &[
            "gate.toml",
            "--set",
            "init.seed=0,1,2,3,4",
            "--out",
            "fresh",
        ],
    ));
    assert_eq!(
        contents(&s.path().join("results/gate")),
        contents(&s.path().join("fresh"))
    );
    // The first command again: its files at once, nothing trained.
    let o = runner(s.path(), &["gate.toml"]);
    assert_eq!(stderr(&o), "6 runs reused from the store, 0 trained\n");
    assert_eq!(read_csv(&s.path().join("results/gate/runs.csv")).len(), 6);
}

#[test]
fn processes_sharing_a_folder_train_each_run_once_and_agree() {
    let s = Scratch::new();
    s.file("many.toml", MANY);
    ok(runner(s.path(), &["many.toml", "-q", "--out", "one"]));
    for n in [2, 4] {
        let out = format!("shared{n}");
        let children: Vec<Child> = (0..n)
            .map(|_| spawn(s.path(), &["many.toml", "--threads", "1", "--out", &out]))
            .collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut total = 0;
        for o in &outputs {
            assert!(o.status.success(), "{}", stderr(o));
            total += trained(o, 24);
        }
        assert!(
            (24..=25).contains(&total),
            "{n} processes trained {total} runs of 24"
        );
        assert_eq!(
            contents(&s.path().join(&out)),
            contents(&s.path().join("one"))
        );
        assert_eq!(claims(&s.path().join(&out)), Vec::<String>::new());
    }
}

#[test]
fn two_experiments_writing_one_folder_at_once_never_mix() {
    let s = Scratch::new();
    s.file("many.toml", MANY);
    s.file(
        "other.toml",
        &MANY
            .replace("name = \"many\"", "name = \"other\"")
            .replace("hidden = [8]", "hidden = [5]")
            .replace("[[4], [8]]", "[[3], [5]]"),
    );
    ok(runner(s.path(), &["many.toml", "-q", "--out", "a"]));
    ok(runner(s.path(), &["other.toml", "-q", "--out", "b"]));
    let a = spawn(
        s.path(),
        &["many.toml", "-q", "--threads", "1", "--out", "both"],
    );
    let b = spawn(
        s.path(),
        &["other.toml", "-q", "--threads", "1", "--out", "both"],
    );
    // One experiment writes the folder at a time: the other is refused while it does.
    let done: Vec<bool> = [a, b]
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            if !o.status.success() {
                assert!(
                    stderr(&o).contains(
                        "is being written by another runner process, for another experiment"
                    ),
                    "{}",
                    stderr(&o)
                );
            }
            o.status.success()
        })
        .to_vec();
    assert!(done.contains(&true));
    let both = contents(&s.path().join("both"));
    let (a, b) = (contents(&s.path().join("a")), contents(&s.path().join("b")));
    match (done[0], done[1]) {
        (true, false) => assert!(both == a, "the files are the one that finished"),
        (false, true) => assert!(both == b, "the files are the one that finished"),
        _ => assert!(
            both == a || both == b,
            "the files are one experiment's, whole"
        ),
    }
    // Each command then gives its own files: at once, from the store, when it had finished.
    for (k, (toml, want)) in [("many.toml", &a), ("other.toml", &b)]
        .into_iter()
        .enumerate()
    {
        let o = runner(s.path(), &[toml, "--out", "both"]);
        assert!(o.status.success());
        if done[k] {
            assert!(!stderr(&o).contains("0 runs reused"), "{}", stderr(&o));
            assert_eq!(trained(&o, 24), 0);
        }
        assert_eq!(&contents(&s.path().join("both")), want);
    }
}

#[test]
fn four_concurrent_shards_merge_to_the_one_process_files() {
    let s = Scratch::new();
    s.file("many.toml", MANY);
    ok(runner(s.path(), &["many.toml", "-q", "--out", "one"]));
    let shards: Vec<Child> = (0..4)
        .map(|k| {
            spawn(
                s.path(),
                &[
                    "many.toml",
                    "-q",
                    "--threads",
                    "1",
                    "--out",
                    "sh",
                    "--shard",
                    &format!("{k}/4"),
                ],
            )
        })
        .collect();
    let mut sizes = Vec::new();
    for c in shards {
        let o = c.wait_with_output().unwrap();
        let out = ok(o);
        sizes.push(
            out.split(": ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap(),
        );
    }
    assert_eq!(sizes.iter().sum::<usize>(), 24);
    assert!(
        sizes.iter().all(|&n| n == 6),
        "equal work, equal shards: {sizes:?}"
    );
    assert!(
        !s.path().join("sh/epochs.csv").exists(),
        "shards do not assemble"
    );
    let status = ok(runner(s.path(), &["status", "sh"]));
    assert!(status.contains("24 of 24 runs finished"), "{status}");
    assert!(
        status.contains("not assembled; run `runner merge sh`"),
        "{status}"
    );
    ok(runner(s.path(), &["merge", "sh"]));
    assert_eq!(
        contents(&s.path().join("sh")),
        contents(&s.path().join("one"))
    );
    assert!(ok(runner(s.path(), &["status", "sh"])).contains("files: up to date"));
}

#[test]
fn a_missing_shard_is_named_by_merge_and_status_and_trained_on_resubmit() {
    let s = Scratch::new();
    s.file("many.toml", MANY);
    for k in [0, 2, 3] {
        ok(runner(
            s.path(),
            &[
                "many.toml",
                "-q",
                "--out",
                "sh",
                "--shard",
                &format!("{k}/4"),
            ],
        ));
    }
    let status = ok(runner(s.path(), &["status", "sh"]));
    assert!(status.contains("18 of 24 runs finished"), "{status}");
    let shard1 = status.lines().find(|l| l.starts_with("1/4")).unwrap();
    assert_eq!(
        shard1.split_whitespace().take(3).collect::<Vec<_>>(),
        ["1/4", "6", "0"]
    );
    let o = runner(s.path(), &["merge", "sh"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: experiment `many` (")
            && stderr(&o).contains("6 of 24 runs are not finished in `sh`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("(shard 1/4)"), "{}", stderr(&o));
    let again = ok(runner(
        s.path(),
        &["many.toml", "-q", "--out", "sh", "--shard", "1/4"],
    ));
    assert!(
        again.contains("6 trained here, 0 already stored"),
        "{again}"
    );
    ok(runner(s.path(), &["merge", "sh"]));
    ok(runner(s.path(), &["many.toml", "-q", "--out", "one"]));
    assert_eq!(
        contents(&s.path().join("sh")),
        contents(&s.path().join("one"))
    );
}

#[test]
fn a_lock_holder_killed_with_kill_9_blocks_no_one() {
    let s = Scratch::new();
    gate(&s);
    ok(runner(s.path(), &["gate.toml", "-q", "--out", "one"]));
    // A process that takes the folder's lock and is then killed.
    std::fs::create_dir_all(s.path().join("o/.runner")).unwrap();
    let mut holder = Command::new("flock")
        .args(["-o", "o/.runner/lock", "sleep", "600"])
        .current_dir(s.path())
        .spawn()
        .expect("flock (util-linux) is installed");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let waiting = spawn(s.path(), &["gate.toml", "--out", "o"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    holder.kill().unwrap();
    holder.wait().unwrap();
    let o = waiting.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("waiting for another runner process"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        contents(&s.path().join("o")),
        contents(&s.path().join("one"))
    );
    // A runner killed with kill -9 mid-sweep: the next one finishes the sweep.
    s.file("many.toml", MANY);
    let mut victim = spawn(
        s.path(),
        &["many.toml", "-q", "--threads", "1", "--out", "k"],
    );
    while stored_entries(&s.path().join("k")) < 2 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();
    ok(runner(s.path(), &["many.toml", "-q", "--out", "k"]));
    ok(runner(s.path(), &["many.toml", "-q", "--out", "whole"]));
    assert_eq!(
        contents(&s.path().join("k")),
        contents(&s.path().join("whole"))
    );
}

#[test]
fn a_configuration_of_many_runs_needs_few_open_files() {
    // curves.csv once opened every run of a configuration at once: 10⁵ runs ran out of files.
    let s = Scratch::new();
    s.file(
        "many.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 3\n[output]\nreport = false\n\
         [sweep]\n\"init.seed\" = { range = [0, 300] }\n",
    );
    let bin = env!("CARGO_BIN_EXE_runner");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 48 && '{bin}' many.toml -q"))
        .current_dir(s.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let curves = read_csv(&s.path().join("results/many/curves.csv"));
    assert_eq!(curves.len(), 3);
    assert!(curves.iter().all(|r| r["n"] == "300"));
}

#[test]
fn a_run_logging_more_than_memory_holds_streams_its_rows_and_reads_back_whole() {
    // 50 000 logged rows of loss and accuracy: about 1.25 MB uncompressed, past what a run
    // holds in memory (1 MiB, `store::compress::HELD`), so its rows stream through the claim file;
    // a run logging 200 rows beside it is held. Both read back whole, and run again they are
    // reused, not trained.
    let s = Scratch::new();
    s.file(
        "long.toml",
        "[data]\nkind = \"moons\"\nsamples = 20\n[model]\nhidden = [2]\n[train]\nepochs = 50000\n\
         [output]\nevery = 1\nformats = [\"csv\"]\n[[variant]]\nname = \"long\"\n\
         [[variant]]\nname = \"short\"\ntrain = { epochs = 200 }\n",
    );
    ok(runner(s.path(), &["long.toml", "-q"]));
    let rows = read_csv(&s.path().join("results/long/epochs.csv"));
    let count = |run: &str| rows.iter().filter(|r| r["run"] == run).count();
    assert_eq!((count("short"), count("long")), (200, 50_000));
    let last = rows.iter().rfind(|r| r["run"] == "long").unwrap();
    assert_eq!(num(last, "epoch"), 49_999.0);
    std::fs::remove_file(s.path().join("results/long/epochs.csv")).unwrap();
    assert_eq!(trained(&runner(s.path(), &["long.toml"]), 2), 0);
    assert_eq!(read_csv(&s.path().join("results/long/epochs.csv")), rows);
}
