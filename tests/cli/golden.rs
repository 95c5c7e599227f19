//! Every shipped experiment's result files, byte for byte, against hashes committed in
//! `tests/fixtures/golden/`. Written before a refactoring so that it can prove the move changed
//! no number. A change that is meant to change result files re-blesses them:
//! `RUNNER_BLESS=1 cargo test --release --test cli golden` rewrites the file for this CPU, and the
//! diff of that file shows which result files changed.
//!
//! Floating-point results depend on the CPU (its instruction set picks the SIMD kernels and their
//! summation order), so the hashes are kept per CPU vendor and instruction set.

use crate::common::{experiment, ok, runner, Scratch, ROOT};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// `vendor-isa`, e.g. `AuthenticAMD-avx512`: what decides which kernels run.
fn cpu_key() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let has = |f: &str| flags.split(' ').any(|x| x == f);
    let isa = if has("avx512f") {
        "avx512"
    } else if has("avx2") && has("fma") {
        "avx2"
    } else {
        "scalar"
    };
    format!("{}-{isa}", field("vendor_id"))
}

/// Hashes of every file below `dir` except runner's private `.runner/` folder (its store format
/// is not a result file), keyed by relative path.
fn hashes(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let key = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if p.is_dir() {
            if name != ".runner" {
                hashes(&p, &key, out);
            }
        } else {
            let mut bytes = std::fs::read(&p).unwrap();
            if name == "runs.csv" {
                bytes = without_seconds(&bytes);
            }
            out.insert(key, hex(&Sha256::digest(&bytes)));
        }
    }
}

/// `runs.csv` less its `seconds` column: the one measured time, which no two runs share.
fn without_seconds(bytes: &[u8]) -> Vec<u8> {
    let mut r = csv::Reader::from_reader(bytes);
    let head = r.headers().unwrap().clone();
    let keep: Vec<usize> = (0..head.len()).filter(|&i| &head[i] != "seconds").collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(keep.iter().map(|&i| &head[i])).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        w.write_record(keep.iter().map(|&i| &rec[i])).unwrap();
    }
    w.into_inner().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn shipped_experiments_write_the_committed_result_files() {
    let mut names: Vec<String> = std::fs::read_dir(format!("{ROOT}/experiments"))
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".toml").map(String::from)
        })
        .collect();
    names.sort();
    let tmp = Scratch::new();
    let mut got: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for name in &names {
        let out = tmp.path().join(name);
        let file = experiment(&format!("{name}.toml"));
        ok(runner(
            tmp.path(),
            &[&file, "--out", out.to_str().unwrap(), "--quiet"],
        ));
        let mut h = BTreeMap::new();
        hashes(&out, "", &mut h);
        got.insert(name.clone(), h);
    }
    let text = toml::to_string(&got).unwrap();
    let path = format!("{ROOT}/tests/fixtures/golden/{}.toml", cpu_key());
    if std::env::var_os("RUNNER_BLESS").is_some() {
        std::fs::create_dir_all(format!("{ROOT}/tests/fixtures/golden")).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    // Hashes are kept for the CPUs they were blessed on; on another CPU (CI may draw an Intel
    // Xeon or an AMD EPYC) the test says so and checks nothing rather than fail on rounding.
    let Ok(want) = std::fs::read_to_string(&path) else {
        eprintln!(
            "golden: no committed result hashes for this CPU ({}), nothing compared; run \
             `RUNNER_BLESS=1 cargo test --release --test cli golden` on a commit whose results \
             are trusted, and commit {path}",
            cpu_key()
        );
        return;
    };
    let want: BTreeMap<String, BTreeMap<String, String>> = toml::from_str(&want).unwrap();
    let mut diffs = Vec::new();
    for (exp, files) in &want {
        let empty = BTreeMap::new();
        let have = got.get(exp).unwrap_or(&empty);
        for (f, sum) in files {
            match have.get(f) {
                None => diffs.push(format!("{exp}/{f}: no longer written")),
                Some(s) if s != sum => diffs.push(format!("{exp}/{f}: changed")),
                _ => {}
            }
        }
        for f in have.keys().filter(|f| !files.contains_key(*f)) {
            diffs.push(format!("{exp}/{f}: new"));
        }
    }
    for exp in got.keys().filter(|e| !want.contains_key(*e)) {
        diffs.push(format!("{exp}: a new experiment"));
    }
    assert!(
        diffs.is_empty(),
        "result files differ from {path}:\n{}",
        diffs.join("\n")
    );
}
