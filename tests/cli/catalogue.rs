//! The bad-input catalogue (`tests/catalogue/cases.toml`, grown by `make_cases.py` beside it):
//! every case must exit with its status, print exactly its message, never panic, and leave
//! every file as it was (the listing and each file's SHA-256, before and after).

use crate::common::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Every file below `dir` with its hash.
fn snapshot(s: &Scratch) -> BTreeMap<String, String> {
    s.listing()
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(s.path().join(&f)).unwrap();
            let sum: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (f, sum)
        })
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn every_catalogued_bad_input_is_refused_with_its_message_and_changes_nothing() {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/catalogue/cases.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let cases = doc["case"].as_array().unwrap();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut classes = std::collections::BTreeSet::new();
    for c in cases {
        let c = c.as_table().unwrap();
        let get = |k: &str| c.get(k).and_then(|v| v.as_str());
        let name = get("name").unwrap();
        classes.insert(get("class").unwrap().to_string());
        let s = Scratch::new();
        let experiment = get("toml")
            .map(|t| t.as_bytes().to_vec())
            .or_else(|| get("toml_hex").map(unhex));
        if let Some(bytes) = &experiment {
            write(s.path(), "bad.toml", bytes);
        }
        for (f, hex) in c
            .get("files")
            .and_then(|v| v.as_table())
            .into_iter()
            .flatten()
        {
            write(s.path(), f, &unhex(hex.as_str().unwrap()));
        }
        let mut args: Vec<String> = Vec::new();
        if experiment.is_some() {
            if c.get("plan").is_some() {
                args.extend(["plan".into(), "bad.toml".into()]);
            } else {
                args.extend(["bad.toml".into(), "-q".into()]);
            }
        }
        for a in c
            .get("args")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            args.push(a.as_str().unwrap().into());
        }
        let before = snapshot(&s);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = runner(s.path(), &argv);
        let real = std::fs::canonicalize(s.path()).unwrap();
        let err = stderr(&o)
            .replace(&real.display().to_string(), "$DIR")
            .replace(&s.path().display().to_string(), "$DIR");
        let want_exit = c["exit"].as_integer().unwrap() as i32;
        let mut wrong = Vec::new();
        if o.status.code() != Some(want_exit) {
            wrong.push(format!("exit {:?}, want {want_exit}", o.status.code()));
        }
        if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            wrong.push("panicked".into());
        }
        if err != get("message").unwrap() {
            wrong.push(format!(
                "message:\n{err}\nwant:\n{}",
                get("message").unwrap()
            ));
        }
        if !stdout(&o).is_empty() {
            wrong.push(format!("stdout: {}", stdout(&o)));
        }
        if snapshot(&s) != before {
            wrong.push(format!("files changed: {:?} -> {:?}", before, snapshot(&s)));
        }
        if !wrong.is_empty() {
            failures.push(format!("case `{name}`: {}", wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(classes.len() >= 14, "{classes:?}");
}
