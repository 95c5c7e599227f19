//! `runner predict DIR --input FILE`: the saved model's outputs for new rows equal what
//! training computed for the same rows (`predictions.csv`, from the `[predict]` rows), through
//! the saved scaler and class names; bad input is refused before anything is written.

use crate::common::*;
use std::path::Path;

/// A predictions file's rows as (run, outputs and predicted class).
fn predicted(file: &Path) -> Vec<(String, Vec<String>)> {
    read_csv(file)
        .iter()
        .map(|r| {
            let values = r
                .iter()
                .filter(|(k, _)| k.starts_with("output") || *k == "predicted")
                .map(|(_, v)| v.clone())
                .collect();
            (r["run"].clone(), values)
        })
        .collect()
}

/// What training computed for the `[predict]` rows: `predictions.csv`.
fn expected(dir: &Path) -> Vec<(String, Vec<String>)> {
    predicted(&dir.join("predictions.csv"))
}

#[test]
fn iris_predicts_new_flowers_as_training_did_through_scaler_and_names() {
    let s = Scratch::new();
    ok(runner(s.path(), &[&experiment("iris.toml"), "-q"]));
    // The `[predict]` rows, with the training file's header and a column it ignores.
    s.file(
        "new.csv",
        "species,petal_width_cm,sepal_length_cm,sepal_width_cm,petal_length_cm\n\
         ?,0.2,5.1,3.5,1.4\n?,1.5,5.9,3.0,4.2\n?,2.5,6.3,3.3,6.0\n",
    );
    let o = runner(
        s.path(),
        &[
            "predict",
            "results/iris",
            "--input",
            "new.csv",
            "-o",
            "p.csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut got = predicted(&s.path().join("p.csv"));
    let mut want = expected(&s.path().join("results/iris"));
    got.sort();
    want.sort();
    assert_eq!(got.len(), 30);
    assert_eq!(got, want);
    let species: Vec<String> = read_csv(&s.path().join("p.csv"))[..3]
        .iter()
        .map(|r| r["predicted"].clone())
        .collect();
    assert_eq!(species, ["setosa", "versicolor", "virginica"]);
    // Without a header: the inputs by position. One configuration's runs, or one run.
    s.file(
        "plain.csv",
        "5.1,3.5,1.4,0.2\n5.9,3.0,4.2,1.5\n6.3,3.3,6.0,2.5\n",
    );
    let iris = |file: &str, extra: &[&str]| {
        let mut args = vec!["predict", "results/iris", "-i", file];
        args.extend(extra);
        runner(s.path(), &args)
    };
    let o = iris("plain.csv", &["--run", "hidden"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1 + 5 * 3, "{text}");
    assert!(
        text.starts_with("run,id,line,input_1,input_2,input_3,input_4,output_1"),
        "{text}"
    );
    // Another delimiter, as `data.delimiter` reads training files: the same predictions.
    s.file(
        "semi.csv",
        "5.1;3.5;1.4;0.2\n5.9;3.0;4.2;1.5\n6.3;3.3;6.0;2.5\n",
    );
    let semi = iris("semi.csv", &["--run", "hidden", "--delimiter", ";"]);
    assert_eq!(stdout(&semi), text, "{}", stderr(&semi));
    let o = iris("plain.csv", &["--run", "hidden seed=3"]);
    assert_eq!(stdout(&o).lines().count(), 1 + 3, "{}", stderr(&o));
}

#[test]
fn a_sigmoid_on_generated_data_predicts_the_training_outputs() {
    let s = Scratch::new();
    s.file(
        "m.toml",
        "[data]\nkind = \"moons\"\nsamples = 60\n[model]\nhidden = [3]\n\
         [train]\nepochs = 50\nlearning_rate = 0.5\n[sweep]\n\"init.seed\" = [0, 1]\n\
         [predict]\ninputs = [[0.0, 0.5], [1.0, -0.3], [2.0, 0.1]]\n",
    );
    ok(runner(s.path(), &["m.toml", "-q"]));
    s.file("new.csv", "x,y\n0.0,0.5\n1.0,-0.3\n2.0,0.1\n");
    let o = runner(s.path(), &["predict", "results/m", "-i", "new.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = s.file("got.csv", &stdout(&o));
    let (mut got, mut want) = (predicted(&file), expected(&s.path().join("results/m")));
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn bad_new_rows_and_unknown_runs_are_refused_naming_the_fix_and_nothing_is_written() {
    let s = Scratch::new();
    ok(runner(s.path(), &[&experiment("iris.toml"), "-q"]));
    s.file("bad.csv", "5.1,3.5,1.4,0.2\n5.9,x,4.2,1.5\n");
    s.file("wide.csv", "1,2\n");
    s.file("named.csv", "a,b,c,d\n1,2,3,4\n");
    s.file("empty.csv", "");
    for (args, words) in [
        (
            vec!["-i", "bad.csv"],
            vec!["line 2, column 2", "`x`", "write a number"],
        ),
        (
            vec!["-i", "wide.csv"],
            vec!["2 columns", "4 inputs", "sepal_length_cm"],
        ),
        (
            vec!["-i", "named.csv"],
            vec!["lacks `sepal_length_cm`", "remove the header"],
        ),
        (vec!["-i", "empty.csv"], vec!["empty"]),
        (vec!["-i", "missing.csv"], vec!["cannot read `missing.csv`"]),
        (
            vec!["-i", "bad.csv", "--run", "nope"],
            vec!["`--run nope`", "`hidden seed=0`"],
        ),
    ] {
        let before = s.listing();
        let mut all = vec!["predict", "results/iris", "-o", "out.csv"];
        all.extend(&args);
        let o = runner(s.path(), &all);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        for w in words {
            assert!(err.contains(w), "{args:?}: `{w}` not in {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(s.listing(), before, "{args:?} wrote something");
    }
    let o = runner(s.path(), &["predict", "results/none", "-i", "bad.csv"]);
    assert!(
        stderr(&o).contains("holds no trained weights"),
        "{}",
        stderr(&o)
    );
}
