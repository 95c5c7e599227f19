//! Bad input: one clear message naming the file, the line or key, the value and the fix; a
//! non-zero exit; and nothing written.

use crate::common::*;

/// Runs `runner bad.toml` on `toml` (plus `extra` files), and checks the failure contract.
/// Returns stderr.
fn fails(toml: &str, extra: &[(&str, &str)]) -> String {
    let s = Scratch::new();
    s.file("bad.toml", toml);
    for (name, text) in extra {
        s.file(name, text);
    }
    let before = s.listing();
    let o = runner(s.path(), &["bad.toml", "--quiet"]);
    assert!(!o.status.success(), "runner accepted:\n{toml}");
    assert_eq!(s.listing(), before, "runner wrote files on bad input");
    assert!(stdout(&o).is_empty(), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one message: {err}");
    err
}

const MOONS: &str = "[data]\nkind = \"moons\"\n";

#[test]
fn toml_syntax_error_points_at_line_and_column() {
    let err = fails("[data]\nkind = \"moons\n", &[]);
    assert_eq!(
        err,
        "error: `bad.toml`: TOML parse error at line 2, column 14\n  |\n2 | kind = \"moons\n  |              ^\ninvalid basic string, expected `\"`\n"
    );
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let err = fails(&format!("{MOONS}[model]\nhiden = [4]\n"), &[]);
    assert!(err.contains("line 4, column 1"), "{err}");
    assert!(err.ends_with("unknown field `hiden`, expected one of `hidden`, `activation`, `output`, `bias`; did you mean `hidden`?\n"), "{err}");
    let err = fails("[data]\nkind = \"moon\"\n", &[]);
    assert!(
        err.contains("unknown variant `moon`") && err.contains("did you mean `moons`?"),
        "{err}"
    );
    let err = fails(
        &format!("{MOONS}[[variant]]\nname = \"a\"\nmodel = {{ hiden = [3] }}\n"),
        &[],
    );
    assert!(
        err.contains("line 5, column 11") && err.contains("did you mean `hidden`?"),
        "{err}"
    );
}

#[test]
fn wrong_type_names_value_and_expected_type() {
    let err = fails(&format!("{MOONS}[train]\nlearning_rate = \"fast\"\n"), &[]);
    assert!(err.contains("line 4, column 17"), "{err}");
    assert!(
        err.contains("invalid type: string \"fast\", expected a number, e.g. `0.5`"),
        "{err}"
    );
}

#[test]
fn out_of_range_values_are_all_reported_at_once() {
    let err = fails(
        &format!("{MOONS}noise = -0.1\ntest_fraction = 1.0\n[model]\nhidden = [4, 0]\n[train]\nlearning_rate = -0.5\nepochs = 0\n"),
        &[],
    );
    assert_eq!(
        err,
        "error: `bad.toml`: 5 problems:
  - key `data.noise`: `-0.1` must be a finite number ≥ 0, e.g. `noise = 0.1`
  - key `data.test_fraction`: `1` must be in [0, 1): the share of rows held out, e.g. `test_fraction = 0.25`
  - key `model.hidden`: layer 2 has width `0`; widths must be at least 1 (use `hidden = []` for no hidden layer)
  - key `train.learning_rate`: `-0.5` must be a finite number > 0, e.g. `learning_rate = 0.5`
  - key `train.epochs`: `0` must be at least 1
"
    );
    let err = fails(&format!("{MOONS}[train]\nlearning_rate = inf\n"), &[]);
    assert!(
        err.contains("key `train.learning_rate`: `inf` must be a finite number > 0"),
        "{err}"
    );
    let err = fails(&format!("{MOONS}[train]\nlearning_rate = 0\n"), &[]);
    assert!(
        err.contains("key `train.learning_rate`: `0` must be"),
        "{err}"
    );
}

#[test]
fn missing_kind_and_keys_that_do_not_apply() {
    let err = fails("[model]\nhidden = [2]\n", &[]);
    assert!(
        err.contains("key `data.kind`: is missing; add `kind = \"moons\"`"),
        "{err}"
    );
    let err = fails("[data]\nkind = \"xor\"\nsamples = 10\n", &[]);
    assert!(
        err.contains("key `data.samples`: does not apply to `data.kind = \"xor\"`; remove it"),
        "{err}"
    );
}

#[test]
fn ragged_table_rows() {
    let err = fails(
        "[data]\nkind = \"table\"\ninputs = [[0, 1], [1]]\ntargets = [0, 1]\n",
        &[],
    );
    assert!(err.contains("key `data.inputs`: row 2 has 1 values but row 1 has 2; give every row the same number of values"), "{err}");
    let err = fails(
        "[data]\nkind = \"table\"\ninputs = [[0, 1], [1, 0]]\ntargets = [0]\n",
        &[],
    );
    assert!(
        err.contains("key `data.targets`: has 1 rows but `data.inputs` has 2"),
        "{err}"
    );
}

#[test]
fn explicit_weights_of_the_wrong_shape_and_input_width() {
    let err = fails(
        "[data]\nkind = \"or\"\n[model]\nhidden = [3]\nbias = false\n[init]\nkind = \"explicit\"\nweights = [[[0.1, 0.2], [0.4, 0.5]], [[0.7], [0.8], [0.9]]]\n[predict]\ninputs = [[1, 1, 0]]\n",
        &[],
    );
    assert!(err.contains("key `predict.inputs`: rows have 3 values but the data has 2 inputs; give 2 values per row"), "{err}");
    assert!(err.contains("key `init.weights[0]`: is 2 rows of 2 values; layer 1 needs 2 rows (its inputs) of 3 values (its units)"), "{err}");
    let err = fails(
        "[data]\nkind = \"or\"\n[init]\nkind = \"explicit\"\nweights = [[[0.1], [0.2]], [[1.0]]]\n",
        &[],
    );
    assert!(
        err.contains("key `init.weights`: has 2 matrices but the model has 1 layers"),
        "{err}"
    );
}

#[test]
fn csv_problems() {
    let csv = "[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = \"label\"\n";
    let err = fails(csv, &[]);
    assert!(
        err.contains("cannot read data file `./d.csv`")
            || err.contains("cannot read data file `d.csv`"),
        "{err}"
    );
    assert!(err.contains("check `data.path`"), "{err}");
    let err = fails(csv, &[("d.csv", "a,b,label\n1,2,0\n3,x,1\n")]);
    assert!(err.contains("d.csv`, line 3, column `b`: `x` is not a number; write a number there or remove the row"), "{err}");
    let err = fails(csv, &[("d.csv", "a,b,label\n1,2,0\n3,,1\n")]);
    assert!(
        err.contains("line 3, column `b`: an empty cell is not a number"),
        "{err}"
    );
    let err = fails(csv, &[("d.csv", "a,b,lable\n1,2,0\n")]);
    assert!(err.contains("has no target column `label` (columns: `a`, `b`, `lable`); set `data.target` to one of them; did you mean `lable`?"), "{err}");
    let err = fails(csv, &[("d.csv", "a,b,label\n1,2,0\n3,1\n")]);
    assert!(
        err.contains("line 3: 2 cells where the rows above have 3"),
        "{err}"
    );
}

#[test]
fn bad_sweeps_and_overrides_fail_before_training() {
    let err = fails(
        &format!("{MOONS}[sweep]\n\"model.hiden\" = [[1], [2]]\n"),
        &[],
    );
    assert!(
        err.contains("key `model.hiden` (sweep value `[1]`): unknown field `hiden`")
            && err.contains("did you mean `hidden`?"),
        "{err}"
    );
    let err = fails(
        &format!("{MOONS}[sweep]\n\"train.learning_rate\" = [0.5, -1.0]\n"),
        &[],
    );
    assert!(
        err.contains(
            "key `train.learning_rate` (sweep value `-1.0`): `-1` must be a finite number > 0"
        ),
        "{err}"
    );
    let s = Scratch::new();
    s.file("ok.toml", MOONS);
    let o = runner(s.path(), &["ok.toml", "--set", "train.epoch=5"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("key `train.epoch` (--set `5`): unknown field `epoch`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.listing(), ["ok.toml"]);
}

#[test]
fn missing_experiment_file() {
    let s = Scratch::new();
    let o = runner(s.path(), &["nope.toml"]);
    assert!(!o.status.success());
    assert_eq!(
        stderr(&o),
        "error: cannot read experiment `nope.toml`: No such file or directory (os error 2); check the path (the shipped experiments are in `experiments/`)\n"
    );
    assert!(s.listing().is_empty());
}

#[test]
fn each_problem_is_reported_once_and_attributed_to_what_set_it() {
    // A base-section error is the same in every run of a sweep: reported once, no origin.
    let err = fails(
        &format!("{MOONS}[train]\nlearning_rate = -1.0\n[predict]\ninputs = [[1, 2, 3]]\n[sweep]\n\"init.seed\" = {{ range = [0, 4] }}\n"),
        &[],
    );
    assert_eq!(
        err,
        "error: `bad.toml`: key `train.learning_rate`: `-1` must be a finite number > 0, e.g. `learning_rate = 0.5`\n"
    );
    // A data-dependent base error likewise, once the config itself is fine.
    let err = fails(
        &format!("{MOONS}[predict]\ninputs = [[1, 2, 3]]\n[sweep]\n\"init.seed\" = [0, 1]\n"),
        &[],
    );
    assert_eq!(
        err,
        "error: `bad.toml`: key `predict.inputs`: rows have 3 values but the data has 2 inputs; give 2 values per row\n"
    );
    // Problems a variant or a sweep value brings name it, once however many runs share it.
    let err = fails(
        &format!("{MOONS}[[variant]]\nname = \"a\"\ntrain = {{ learning_rate = -1.0 }}\n[[variant]]\nname = \"b\"\nmodel = {{ hidden = [0] }}\n[sweep]\n\"init.seed\" = [0, 1]\n"),
        &[],
    );
    assert_eq!(
        err,
        "error: `bad.toml`: 2 problems:
  - key `train.learning_rate` (variant `a`): `-1` must be a finite number > 0, e.g. `learning_rate = 0.5`
  - key `model.hidden` (variant `b`): layer 1 has width `0`; widths must be at least 1 (use `hidden = []` for no hidden layer)
"
    );
}

#[test]
fn an_output_folder_that_cannot_be_written() {
    let s = Scratch::new();
    s.file("ok.toml", MOONS);
    s.file("afile", "");
    let o = runner(s.path(), &["ok.toml", "--out", "afile/res", "-q"]);
    assert!(!o.status.success());
    assert_eq!(
        stderr(&o),
        "error: cannot write results at `afile/res/.runner/packs`: Not a directory (os error 20); check that the folder can be written, or choose another with `--out DIR`\n"
    );
}

#[test]
fn nothing_crashes_or_exhausts_memory_and_plan_refuses_it_too() {
    // No inputs.
    let one = "[data]\nkind = \"csv\"\npath = \"d.csv\"\n";
    for (csv, want) in [
        (
            "y\n0\n1\n",
            "`d.csv` has a single column (`y`), so the network would have no inputs",
        ),
        ("0\n1\n", "`d.csv` has a single column (`0`)"),
        ("y\n", "`d.csv` holds no data rows"),
        ("", "`d.csv` holds no data rows"),
    ] {
        let err = fails(one, &[("d.csv", csv)]);
        assert!(err.contains(want), "{csv:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let headless = format!("{one}header = false\n");
    let err = fails(&headless, &[("d.csv", "0\n1\n")]);
    assert!(
        err.contains("`d.csv` has a single column (unnamed)"),
        "{err}"
    );
    // Sizes that cannot fit: refused with the estimate, before anything is allocated.
    for (toml, want) in [
        (
            "[data]\nkind = \"moons\"\nsamples = 4611686018427387904\n",
            "EB of memory",
        ),
        (
            "[data]\nkind = \"moons\"\nsamples = 10000000000\n",
            "of memory (",
        ),
        (
            "[data]\nkind = \"moons\"\n[model]\nhidden = [1000000000]\n",
            "TB of memory",
        ),
        (
            "[data]\nkind = \"moons\"\n[sweep]\n\"init.seed\" = { range = [0, 1000000000000] }\n",
            "sweeps 1000000000000 values, more than the 200000 runs one experiment may have",
        ),
        (
            "[data]\nkind = \"moons\"\n[sweep]\n\"init.seed\" = { range = [0, 1000] }\n\"data.seed\" = { range = [0, 1000] }\n",
            "the sweep expands into 1000000 runs, more than the 200000 runs",
        ),
    ] {
        let err = fails(toml, &[]);
        assert!(err.contains(want), "{toml}: {err}");
        assert!(err.contains("--max-memory") || err.contains("runs one experiment"), "{err}");
        let s = Scratch::new();
        s.file("bad.toml", toml);
        let o = runner(s.path(), &["plan", "bad.toml"]);
        assert_eq!(o.status.code(), Some(1), "plan accepted {toml}");
        assert!(stderr(&o).contains(want));
    }
    // --max-memory lowers (or raises) the limit; plan shows the estimate.
    let s = Scratch::new();
    s.file("ok.toml", MOONS);
    let plan = ok(runner(s.path(), &["plan", "ok.toml"]));
    assert!(plan.contains("\nmemory: about "), "{plan}");
    let o = runner(s.path(), &["ok.toml", "-q", "--max-memory", "1k"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("more than the limit set with `--max-memory`, 1K (1.0 kB)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.listing(), ["ok.toml"]);
    // Thread counts out of range: usage errors, nothing created.
    for t in ["0", "-1", "100000", "x"] {
        let o = runner(s.path(), &["ok.toml", "-q", "--threads", t]);
        assert_eq!(o.status.code(), Some(2), "--threads {t}");
        assert!(stderr(&o).contains("--threads <N>"), "{}", stderr(&o));
        assert_eq!(s.listing(), ["ok.toml"]);
    }
}

#[test]
fn explicit_weights_must_be_finite_and_rectangular() {
    let base = "[data]\nkind = \"or\"\n[model]\nhidden = []\n[init]\nkind = \"explicit\"\n";
    let err = fails(&format!("{base}weights = [[[nan], [0.5]]]\n"), &[]);
    assert_eq!(
        err,
        "error: `bad.toml`: key `init.weights`: holds `NaN`; every initial value must be a finite number\n"
    );
    let err = fails(&format!("{base}weights = [[[0.1], [0.5, 0.2]]]\n"), &[]);
    assert_eq!(
        err,
        "error: `bad.toml`: key `init.weights[0]`: has rows of different lengths; layer 1 needs 2 rows (its inputs) of 1 values each (its units)\n"
    );
}

#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    let s = Scratch::new();
    s.file(
        "xor.toml",
        "[data]\nkind = \"xor\"\n[model]\nhidden = [2]\n[train]\nepochs = 5\n",
    );
    for args in [
        &["xor.toml", "--json"][..],
        &["xor.toml"],
        &["plan", "xor.toml"],
        &["status", "results/xor"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_runner"))
            .args(args)
            .current_dir(s.path())
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "error: cannot write to standard output: No space left on device (os error 28); free space where it goes, or send it elsewhere\n",
            "{args:?}"
        );
    }
}

#[test]
fn control_characters_in_echoed_values_are_shown_escaped() {
    let err = fails("name = \"a\\u0000b\"\n[data]\nkind = \"xor\"\n", &[]);
    assert!(
        err.contains("`a\\u{0}b` is not a plain folder name"),
        "{err}"
    );
    let err = fails(
        "[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = \"zz\"\n",
        &[("d.csv", "a,b\u{1b}[31m,y\n1,2,0\n")],
    );
    assert!(err.contains("`b\\u{1b}[31m`"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn data_that_cannot_mean_anything_is_refused_naming_the_key() {
    let softmax = "[model]\noutput = \"softmax\"\n[train]\nloss = \"cross_entropy\"\n";
    let csv = |target: &str, more: &str| {
        format!("[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = {target}\n{more}")
    };
    let two = "a,y,z\n1,0,1\n2,1,0\n3,0,1\n4,1,0\n";
    let err = fails(&csv("[\"y\", \"z\"]", softmax), &[("d.csv", two)]);
    assert!(err.contains("key `data.target`: names 2 columns, but a softmax output reads its class labels from one column"), "{err}");
    for header in ["a,y,y", "y,a,y", "y,y,y"] {
        let text = format!("{header}\n1,0,1\n2,1,0\n3,0,1\n4,1,0\n");
        let err = fails(&csv("\"y\"", ""), &[("d.csv", &text)]);
        assert!(
            err.contains("columns `y`") && err.contains("is ambiguous"),
            "{err}"
        );
    }
    let err = fails(&csv("\"y\"", softmax), &[("d.csv", "a,y\n1,0\n2,0\n3,0\n")]);
    assert!(
        err.contains("key `data.target`: its column holds one class, `0`"),
        "{err}"
    );
    for (kind, key) in [
        ("moons", "noise"),
        ("circles", "noise"),
        ("spirals", "noise"),
        ("blobs", "cluster_std"),
    ] {
        let err = fails(&format!("[data]\nkind = \"{kind}\"\n{key} = 1e308\n"), &[]);
        assert!(
            err.contains(&format!(
                "key `data.{key}`: `1e308` is so large that the data holds"
            )) && err.contains("not finite"),
            "{err}"
        );
    }
}

#[test]
fn a_class_only_in_the_test_split_is_warned_about() {
    let s = Scratch::new();
    s.file("d.csv", "a,y\n1,0\n2,0\n3,0\n4,0\n5,0\n6,0\n7,1\n");
    s.file(
        "c.toml",
        "[data]\nkind = \"csv\"\npath = \"d.csv\"\ntarget = \"y\"\ntest_fraction = 0.2\n\
         [model]\noutput = \"softmax\"\n[train]\nloss = \"cross_entropy\"\nepochs = 5\n",
    );
    let o = runner(s.path(), &["c.toml", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: class `1` is only in the test split"),
        "{}",
        stderr(&o)
    );
}

/// A file name that is not a plain folder name gives a plain experiment name, whatever `--out`
/// says; a written `name` that is not plain is still refused.
#[test]
fn a_file_name_with_spaces_names_its_experiment_plainly() {
    let s = Scratch::new();
    s.file(
        "my exp.toml",
        "[data]\nkind = \"or\"\n[train]\nepochs = 5\n",
    );
    let o = runner(s.path(), &["my exp.toml", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(s.path().join("results/my_exp/runs.csv").exists());
    let o = runner(s.path(), &["my exp.toml", "-q", "--out", "else"]);
    assert!(o.status.success(), "{}", stderr(&o));
    s.file("named.toml", "name = \"my run\"\n[data]\nkind = \"or\"\n");
    let o = runner(s.path(), &["named.toml", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`my run` is not a plain folder name"),
        "{}",
        stderr(&o)
    );
}
