//! Fuzzing the inputs a user controls — the experiment file, `--set` arguments and CSV data —
//! with proptest: random files built from runner's own keys and awkward values, valid files
//! mutated byte by byte, and random CSV text. Whatever the input, reading, checking and
//! preparing it (everything before training) returns a value or an error, and never panics or
//! allocates beyond the memory check. `PROPTEST_CASES=20000 cargo test --release --test fuzz`
//! runs longer.

use proptest::prelude::*;
use runner::config;
use runner::job::{budget, prepare};
use std::path::Path;

/// What `runner FILE` does before training: parse, estimate memory, load and check the data.
fn front_end(text: &str, dir: &Path, sets: &[String]) {
    let sets: Vec<config::SetArg> = match sets.iter().map(|s| config::parse_set(s)).collect() {
        Ok(s) => s,
        Err(_) => return,
    };
    let path = dir.join("fuzz.toml");
    let Ok(mut exp) = config::parse(text, &path, &sets) else {
        return;
    };
    if std::env::var_os("FUZZ_STATS").is_some() {
        eprintln!("parsed");
    }
    let estimate = budget::estimate(&exp, 2);
    if budget::check(&estimate, Some(256 << 20), &path).is_err() {
        return;
    }
    let _ = prepare::prepare(&mut exp);
}

/// runner's keys, and `name`.
static KEYS: std::sync::LazyLock<Vec<&str>> = std::sync::LazyLock::new(|| {
    let mut k = runner::config::KEYS.to_vec();
    k.push("name");
    k
});

const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "-0.0",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "\"moons\"",
    "\"circles\"",
    "\"xor\"",
    "\"table\"",
    "\"csv\"",
    "\"sigmoid\"",
    "\"tanh\"",
    "\"relu\"",
    "\"identity\"",
    "\"bce\"",
    "\"mse\"",
    "\"half_sse\"",
    "\"data\"",
    "\"uniform\"",
    "\"xavier\"",
    "\"explicit\"",
    "\"f32\"",
    "\"d.csv\"",
    "\"\"",
    "\"../x\"",
    "true",
    "false",
    "[]",
    "[0]",
    "[2]",
    "[0, 0]",
    "[[]]",
    "[[0, 1]]",
    "[[0, 1], [1, 0]]",
    "[[0.5]]",
    "[[nan]]",
    "[[[0.1, 0.2]], [[0.3]]]",
    "[1, [2]]",
    "{ range = [0, 3] }",
    "{ range = [3, 0] }",
    "\"label\"",
    "-2",
    "[\"a\"]",
];

fn experiment() -> impl Strategy<Value = String> {
    let entry = (0..KEYS.len(), 0..VALUES.len());
    let sweep = prop::collection::vec(
        (0..KEYS.len(), prop::collection::vec(0..VALUES.len(), 1..4)),
        0..3,
    );
    let variants = prop::collection::vec(prop::collection::vec(entry.clone(), 0..3), 0..3);
    let base = prop::sample::select(vec![
        vec!["kind = \"moons\"", "samples = 20"],
        vec!["kind = \"xor\""],
        vec!["kind = \"csv\"", "path = \"d.csv\""],
    ]);
    (prop::collection::vec(entry, 0..5), sweep, variants, base).prop_map(
        |(entries, sweep, variants, base)| {
            let mut sections: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
            let mut top = Vec::new();
            for (k, v) in entries {
                match KEYS[k].split_once('.') {
                    Some((section, key)) => sections
                        .entry(section)
                        .or_default()
                        .push(format!("{key} = {}", VALUES[v])),
                    None => top.push(format!("{} = {}", KEYS[k], VALUES[v])),
                }
            }
            // The random entries first: they win over the base (a key's first line is kept).
            sections
                .entry("data")
                .or_default()
                .extend(base.iter().map(|l| l.to_string()));
            let mut text = top.join("\n") + "\n";
            for (section, lines) in sections {
                let mut seen = std::collections::HashSet::new();
                text.push_str(&format!("[{section}]\n"));
                for l in lines {
                    if seen.insert(l.split(" = ").next().unwrap().to_string()) {
                        text.push_str(&l);
                        text.push('\n');
                    }
                }
            }
            for (i, overlay) in variants.iter().enumerate() {
                text.push_str(&format!("[[variant]]\nname = \"v{}\"\n", i % 2));
                let mut seen = std::collections::HashSet::new();
                for &(k, v) in overlay {
                    if let Some((section, key)) = KEYS[k].split_once('.') {
                        if seen.insert(section) {
                            text.push_str(&format!("{section} = {{ {key} = {} }}\n", VALUES[v]));
                        }
                    }
                }
            }
            if !sweep.is_empty() {
                text.push_str("[sweep]\n");
                let mut seen = std::collections::HashSet::new();
                for (k, vs) in sweep {
                    if seen.insert(k) {
                        let vs: Vec<&str> = vs.iter().map(|&v| VALUES[v]).collect();
                        text.push_str(&format!("\"{}\" = [{}]\n", KEYS[k], vs.join(", ")));
                    }
                }
            }
            text
        },
    )
}

/// The shipped experiments and a CSV one, to mutate.
fn valid() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    files.sort();
    files.push("[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = \"y\"\n[model]\nhidden = [3]\n[sweep]\n\"init.seed\" = [0, 1]\n".into());
    files
}

fn scratch(csv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    dir
}

/// `PROPTEST_CASES`, else 3000: a few seconds in CI.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

const CSV: &str = "a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_experiments_never_panic(text in experiment()) {
        let dir = scratch(CSV);
        front_end(&text, dir.path(), &[]);
    }

    #[test]
    fn mutated_experiments_never_panic(
        which in 0usize..7,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = valid()[which % valid().len()].clone().into_bytes();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        let dir = scratch(CSV);
        // The file as the user's editor would hand it over: runner reads text.
        if let Ok(text) = String::from_utf8(bytes) {
            front_end(&text, dir.path(), &[]);
        }
    }

    #[test]
    fn random_set_arguments_never_panic(
        key in 0..KEYS.len(),
        raw in "[ -~]{0,24}",
        values in prop::collection::vec(0..VALUES.len(), 0..4),
    ) {
        let dir = scratch(CSV);
        let text = &valid()[3];
        let joined: Vec<&str> = values.iter().map(|&v| VALUES[v]).collect();
        front_end(text, dir.path(), &[format!("{}={}", KEYS[key], joined.join(","))]);
        front_end(text, dir.path(), &[format!("{}={raw}", KEYS[key])]);
        front_end(text, dir.path(), &[raw]);
    }

    #[test]
    fn random_csv_data_never_panics(
        cells in prop::collection::vec(prop::collection::vec("(-?[0-9]{0,3}(\\.[0-9]{0,2})?|nan|inf|x|)", 0..5), 0..8),
        sep in prop::sample::select(vec![",", ";", ",,", "\t"]),
        header in any::<bool>(),
        noise in "[\\x00-\\xff]{0,12}",
    ) {
        let mut csv = if header { "a,b,y\n".to_string() } else { String::new() };
        for row in &cells {
            csv.push_str(&row.join(sep));
            csv.push('\n');
        }
        csv.push_str(&noise);
        let dir = scratch(&csv);
        let text = valid().last().unwrap().replace("target = \"y\"", if header { "target = \"y\"" } else { "header = false" });
        front_end(&text, dir.path(), &[]);
    }
}
