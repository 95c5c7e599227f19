//! Pictures and what they need: `report.html`, `plots/*.svg`, `weights/*.safetensors` and
//! `data/*.csv`, checked by parsing them, counting what they draw and recomputing the
//! network's outputs from the saved weights without runner's kernels.

use crate::common::*;
use runner::data::{Dataset, Loaded};
use runner::network::{self, Activation};
use runner::rng::RandomState;
use std::path::Path;

const SWEEP: &str = "name = \"pics\"
[data]
kind = \"moons\"
samples = 60
noise = 0.2
test_fraction = 0.25
[model]
activation = \"tanh\"
[init]
kind = \"xavier\"
[train]
loss = \"mse\"
learning_rate = 1.0
epochs = 300
[output]
every = 10
[sweep]
\"model.hidden\" = [[], [2], [4, 3]]
\"init.seed\" = [0, 1, 2, 3]
";

/// Parses `text` as XML (the page's `<!DOCTYPE html>` allowed), panicking with the parser's
/// message.
fn xml(text: &str, what: &str) {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    if let Err(e) = roxmltree::Document::parse_with_options(text, opts) {
        panic!("{what} is not well-formed XML: {e}");
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every file below `dir/sub`, sorted.
fn files_in(dir: &Path, sub: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
        .map(|d| {
            d.map(|e| format!("{sub}/{}", e.unwrap().file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Elements named `tag` whose attributes include every `(name, value)` of `attrs`.
fn count(svg: &str, tag: &str, attrs: &[(&str, &str)]) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == tag)
        .filter(|n| attrs.iter().all(|(k, v)| n.attribute(*k) == Some(*v)))
        .count()
}

/// The trimmed text of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The outputs of a network from its safetensors file, computed here in plain f64 with std's
/// exp and tanh: row-major, `rows x outputs`.
fn forward_from_file(bytes: &[u8], x: &[f64], rows: usize) -> Vec<f64> {
    layers_from_file(bytes, x, rows).pop().unwrap()
}

/// Every layer's outputs, as [`forward_from_file`] computes them: each `rows x units`,
/// row-major.
fn layers_from_file(bytes: &[u8], x: &[f64], rows: usize) -> Vec<Vec<f64>> {
    layers_at(bytes, "", 0, x, rows)
}

/// Every layer's outputs for the network whose tensors are `{prefix}layers.{l}.weight` (and
/// `.bias`), the `k`th along a leading axis when they have one.
fn layers_at(bytes: &[u8], prefix: &str, k: usize, x: &[f64], rows: usize) -> Vec<Vec<f64>> {
    let file = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).unwrap();
    let json = &meta.metadata().as_ref().unwrap()["runner"];
    let get = |key: &str| -> String {
        let start = json.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
        json[start..]
            .split([',', '}'])
            .next()
            .unwrap()
            .trim_matches('"')
            .to_string()
    };
    let act = |name: &str, z: f64| match name {
        "sigmoid" => 1.0 / (1.0 + (-z).exp()),
        "tanh" => z.tanh(),
        "relu" => z.max(0.0),
        _ => z,
    };
    let floats = |name: &str| -> Option<(Vec<usize>, Vec<f64>)> {
        let t = file.tensor(&format!("{prefix}{name}")).ok()?;
        let v: Vec<f64> = t
            .data()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let shape = t.shape().to_vec();
        if shape.len() == 1 || (shape.len() == 2 && !name.ends_with("bias")) {
            return Some((shape, v));
        }
        let one = v.len() / shape[0];
        Some((shape[1..].to_vec(), v[k * one..(k + 1) * one].to_vec()))
    };
    let (hidden, output) = (get("activation"), get("output"));
    let mut a = x.to_vec();
    let mut width = x.len() / rows;
    let mut l = 0;
    let mut all = Vec::new();
    while let Some((shape, w)) = floats(&format!("layers.{l}.weight")) {
        assert_eq!(shape[0], width);
        let units = shape[1];
        let b = floats(&format!("layers.{l}.bias")).map(|b| b.1);
        let last = floats(&format!("layers.{}.weight", l + 1)).is_none();
        let mut next = vec![0.0; rows * units];
        for r in 0..rows {
            for j in 0..units {
                let mut z = b.as_ref().map_or(0.0, |b| b[j]);
                for i in 0..width {
                    z += a[r * width + i] * w[i * units + j];
                }
                next[r * units + j] = act(if last { &output } else { &hidden }, z);
            }
        }
        all.push(next.clone());
        a = next;
        width = units;
        l += 1;
    }
    all
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}: {g} vs {w}"
        );
    }
}

#[test]
fn the_moons_report_shows_both_boundaries_and_both_curves() {
    let s = Scratch::new();
    let out = ok(runner(
        s.path(),
        &[
            &experiment("moons.toml"),
            "--set",
            "train.epochs=3000",
            "-q",
        ],
    ));
    assert!(
        out.ends_with("report in results/moons/report.html\n"),
        "{out}"
    );
    let dir = s.path().join("results/moons");
    let html = read(&dir, "report.html");
    xml(&html, "report.html");
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "nothing fetched"
    );
    let plots = files_in(&dir, "plots");
    assert_eq!(
        plots,
        [
            "plots/accuracy.svg",
            "plots/boundaries.svg",
            "plots/boundary_epochs.svg",
            "plots/loss.svg",
            "plots/snapshots.safetensors",
            "plots/units.svg",
            "plots/weights.svg"
        ]
    );
    for p in plots.iter().filter(|p| p.ends_with(".svg")) {
        let svg = read(&dir, p);
        xml(&svg, p);
        assert!(html.contains(&svg), "{p} is inline in the page");
    }
    // Two configurations, one run each: a faint and a mean line each, no band.
    let loss = read(&dir, "plots/loss.svg");
    assert_eq!(count(&loss, "polyline", &[("stroke-width", "2")]), 2);
    assert_eq!(count(&loss, "polygon", &[]), 0);
    // Two boundary panels, 100 training points on each.
    let b = read(&dir, "plots/boundaries.svg");
    let t = texts(&b);
    assert!(
        t.contains(&"perceptron".into()) && t.contains(&"hidden".into()),
        "{t:?}"
    );
    assert_eq!(count(&b, "circle", &[]), 2 * 2 * 100);
    assert_eq!(files_in(&dir, "weights").len(), 2);
    let data = read_csv(&dir.join(&files_in(&dir, "data")[0]));
    assert_eq!(data.len(), 100);
    assert_eq!(
        data[0].keys().collect::<Vec<_>>(),
        ["input_1", "input_2", "split", "target"]
    );
}

#[test]
fn a_sweep_report_has_bands_a_comparison_and_small_multiples() {
    let s = Scratch::new();
    s.file("pics.toml", SWEEP);
    ok(runner(s.path(), &["pics.toml", "-q"]));
    let dir = s.path().join("results/pics");
    let html = read(&dir, "report.html");
    xml(&html, "report.html");
    // Loss and accuracy, train and test: one band and one mean line per configuration.
    for p in ["plots/loss.svg", "plots/accuracy.svg"] {
        let svg = read(&dir, p);
        assert_eq!(count(&svg, "polygon", &[]), 3 * 2, "{p}: bands");
        assert_eq!(
            count(&svg, "polyline", &[("stroke-width", "2")]),
            3 * 2,
            "{p}: mean lines"
        );
    }
    // Final loss, minimum loss and test accuracy against the total hidden units 0, 2, 7: a
    // mean mark on each error bar.
    let cmp = read(&dir, "plots/compare_model_hidden.svg");
    assert_eq!(count(&cmp, "circle", &[]), 3 * 3);
    let t = texts(&cmp);
    for label in [
        "0",
        "2",
        "7",
        "hidden units (total; perceptron = 0)",
        "test accuracy",
    ] {
        assert!(t.contains(&label.to_string()), "{label}: {t:?}");
    }
    let b = read(&dir, "plots/boundaries.svg");
    let t = texts(&b);
    assert!(
        t.iter().any(|t| t.starts_with("hidden=[4,3] · seed ")),
        "{t:?}"
    );
    // 45 training points (circles) and 15 test points (triangles) on each of 3 panels.
    assert_eq!(count(&b, "circle", &[]), 3 * 2 * 45);
    assert!(html.contains("median"), "says which seed is shown and why");
    assert_eq!(files_in(&dir, "weights").len(), 12);
    let data = files_in(&dir, "data");
    assert_eq!(data.len(), 1, "one data set, written once");
    let rows = read_csv(&dir.join(&data[0]));
    let split: Vec<&str> = rows.iter().map(|r| r["split"].as_str()).collect();
    assert_eq!(split.iter().filter(|s| **s == "test").count(), 15);
    assert!(split[..45].iter().all(|s| *s == "train"));
}

#[test]
fn boundary_cells_are_the_networks_outputs_recomputed_from_the_saved_weights() {
    let s = Scratch::new();
    s.file("pics.toml", SWEEP);
    ok(runner(s.path(), &["pics.toml", "-q"]));
    let dir = s.path().join("results/pics");
    let rows = read_csv(&dir.join(&files_in(&dir, "data")[0]));
    let pick = |split: &str| {
        let r: Vec<_> = rows.iter().filter(|r| r["split"] == split).collect();
        let x = r
            .iter()
            .flat_map(|r| [num(r, "input_1"), num(r, "input_2")])
            .collect();
        let y = r.iter().map(|r| num(r, "target")).collect();
        Dataset::new(x, y, r.len(), 2, 1)
    };
    let data = Loaded {
        train: pick("train"),
        test: Some(pick("test")),
        rng: RandomState::new(0),
        scaler: None,
    };
    for w in files_in(&dir, "weights") {
        let bytes = std::fs::read(dir.join(&w)).unwrap();
        let (meta, params) = runner::results::weights::decode(&bytes).unwrap();
        assert_eq!(meta.arch.activation, Activation::Tanh);
        let grid = runner::report::grid(&meta.arch, &params, &data);
        let n = runner::report::CELLS;
        assert_eq!((grid.x.len(), grid.y.len(), grid.out.len()), (n, n, n * n));
        // The grid spans the data, train and test.
        let xs: Vec<f64> = rows.iter().map(|r| num(r, "input_1")).collect();
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(grid.x[0] < lo && lo - grid.x[0] < 0.2);
        let points: Vec<f64> = grid
            .y
            .iter()
            .flat_map(|&b| grid.x.iter().flat_map(move |&a| [a, b]))
            .collect();
        close(&grid.out, &forward_from_file(&bytes, &points, n * n), &w);
    }
}

#[test]
fn saved_weights_reproduce_predictions_exactly() {
    let s = Scratch::new();
    ok(runner(
        s.path(),
        &[
            &experiment("xor3_hidden.toml"),
            "--set",
            "train.epochs=2000",
            "-q",
        ],
    ));
    let dir = s.path().join("results/xor3_hidden");
    let p = read_csv(&dir.join("predictions.csv"));
    let x: Vec<f64> = (1..=3).map(|i| num(&p[0], &format!("input_{i}"))).collect();
    let runs = read_csv(&dir.join("runs.csv"));
    let bytes = std::fs::read(dir.join(format!("weights/{}.safetensors", runs[0]["id"]))).unwrap();
    let (meta, params) = runner::results::weights::decode(&bytes).unwrap();
    assert_eq!(
        (meta.label.as_str(), meta.id.as_str()),
        ("run", runs[0]["id"].as_str())
    );
    assert_eq!(
        (
            meta.arch.inputs,
            meta.arch.hidden.clone(),
            meta.arch.outputs
        ),
        (3, vec![4], 1)
    );
    let layers = meta.arch.layers();
    let exact = network::predict(&layers, &params, &x, 1);
    assert_eq!(exact, [num(&p[0], "output")]);
    close(
        &forward_from_file(&bytes, &x, 1),
        &exact,
        "independent forward",
    );
    // More than two inputs: the report says why it has no boundaries.
    let html = read(&dir, "report.html");
    assert!(html.contains("two inputs; this data has 3"), "{html}");
    assert!(!dir.join("plots/boundaries.svg").exists());
}

#[test]
fn report_rebuilds_a_folder_and_can_be_turned_off_without_retraining() {
    let s = Scratch::new();
    s.file("pics.toml", SWEEP);
    ok(runner(s.path(), &["pics.toml", "-q"]));
    let dir = s.path().join("results/pics");
    let before = contents(&dir);
    std::fs::remove_file(dir.join("report.html")).unwrap();
    std::fs::remove_dir_all(dir.join("plots")).unwrap();
    let out = ok(runner(s.path(), &["report", "results/pics"]));
    assert!(out.contains("report in results/pics/report.html"), "{out}");
    assert_eq!(contents(&dir), before);
    // Off: the same runs, reused; no report, no weights.
    let off = SWEEP.replace("every = 10", "every = 10\nweights = false\nreport = false");
    s.file("off.toml", &off);
    let o = runner(s.path(), &["off.toml", "--out", "results/pics"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("12 runs reused from the store, 0 trained"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("report in"));
    let left: Vec<String> = contents(&dir).into_iter().map(|f| f.0).collect();
    let mut want: Vec<String> = [
        "confusion.csv",
        "curves.csv",
        "curves.parquet",
        "epochs.csv",
        "epochs.parquet",
        "experiment.toml",
        "runs.csv",
        "runs.parquet",
        "summary.csv",
        "summary.parquet",
    ]
    .map(String::from)
    .to_vec();
    want.extend(files_in(&dir, "data"));
    want.sort();
    assert_eq!(left, want);
}

#[test]
fn a_report_file_runner_did_not_write_is_never_replaced() {
    let s = Scratch::new();
    s.file("pics.toml", SWEEP);
    std::fs::create_dir_all(s.path().join("results/pics/plots")).unwrap();
    s.file("results/pics/plots/loss.svg", "<svg>mine</svg>");
    let o = runner(s.path(), &["pics.toml", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: `results/pics/plots/loss.svg` was not written by runner, and runner never replaces a file it did not write; move it away, or write elsewhere with `--out DIR`\n"
    );
    assert_eq!(s.listing(), ["pics.toml", "results/pics/plots/loss.svg"]);
}

#[test]
fn the_page_stays_small_whatever_the_data() {
    let s = Scratch::new();
    let mut csv = String::from("a,b,y\n");
    for i in 0..60_000u64 {
        // A deterministic scatter over the square, labelled by quadrant.
        let a = ((i * 7919) % 2001) as f64 / 1000.0 - 1.0;
        let b = ((i * 104_729) % 1999) as f64 / 999.5 - 1.0;
        csv.push_str(&format!("{a},{b},{}\n", u8::from(a * b > 0.0)));
    }
    s.file("big.csv", &csv);
    s.file(
        "big.toml",
        "[data]\nkind = \"csv\"\npath = \"big.csv\"\ntarget = \"y\"\ntest_fraction = 0.2\n\
         [model]\nhidden = [4]\n[train]\nepochs = 2\n",
    );
    ok(runner(s.path(), &["big.toml", "-q"]));
    let page = std::fs::read_to_string(s.path().join("results/big/report.html")).unwrap();
    assert!(page.len() < 600_000, "{} bytes", page.len());
    assert!(
        page.contains("Of the 48000 training rows, 1000 evenly spaced ones are drawn"),
        "the caption says the points are thinned"
    );
}

#[test]
fn unit_maps_are_each_units_output_recomputed_from_the_saved_weights() {
    let s = Scratch::new();
    ok(runner(s.path(), &[&experiment("moons.toml"), "-q"]));
    let dir = s.path().join("results/moons");
    let svg = read(&dir, "plots/units.svg");
    assert!(read(&dir, "report.html").contains("Hidden units"));
    // The perceptron has no hidden unit: the hidden layer's run is mapped, its 4 units and
    // its output.
    let runs = read_csv(&dir.join("runs.csv"));
    let id = &runs.iter().find(|r| r["run"] == "hidden").unwrap()["id"];
    let bytes = std::fs::read(dir.join(format!("weights/{id}.safetensors"))).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let units: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("unit"))
        .collect();
    assert_eq!(units.len(), 4 + 1, "{svg}");
    let mut cells_checked = 0;
    for u in units {
        let f = |k: &str| u.attribute(k).unwrap().parse::<f64>().unwrap();
        let (l, j, n) = (
            f("data-layer") as usize,
            f("data-unit") as usize,
            f("data-cells") as usize,
        );
        let (x0, dx, y0, dy, lo, hi) = (
            f("data-x0"),
            f("data-dx"),
            f("data-y0"),
            f("data-dy"),
            f("data-lo"),
            f("data-hi"),
        );
        let points: Vec<f64> = (0..n)
            .flat_map(|i| (0..n).flat_map(move |c| [x0 + c as f64 * dx, y0 + i as f64 * dy]))
            .collect();
        let layer = &layers_from_file(&bytes, &points, n * n)[l];
        let width = layer.len() / (n * n);
        // The level each cell shows, from the paths' rectangles `M x y h w v 3 h -w z`.
        let mut shown = vec![None; n * n];
        for p in u.children().filter(|c| c.has_tag_name("path")) {
            let lv: usize = p.attribute("data-level").unwrap().parse().unwrap();
            for rect in p
                .attribute("d")
                .unwrap()
                .split('M')
                .filter(|r| !r.is_empty())
            {
                let nums: Vec<usize> = rect
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse().unwrap())
                    .collect();
                let (x, y, w, px) = (nums[0], nums[1], nums[2], nums[3]);
                let i = n - 1 - y / px;
                for c in x / px..(x + w) / px {
                    assert!(shown[i * n + c].replace(lv).is_none(), "cell drawn twice");
                }
            }
        }
        for (cell, got) in shown.iter().enumerate() {
            let v = layer[cell * width + j];
            let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 10.0;
            let want = (t as usize).min(9);
            let edge = (t - t.round()).abs() < 1e-9;
            assert!(
                *got == Some(want) || edge,
                "layer {l} unit {j} cell {cell}: shows {got:?}, the weights give {v} (level {want})"
            );
            cells_checked += 1;
        }
    }
    assert_eq!(cells_checked, 5 * 400);
}

#[test]
fn snapshots_are_the_weights_training_ends_with_at_those_epochs() {
    use runner::train::{self, Options, Spread};
    let text = "[data]\nkind = \"moons\"\nsamples = 60\n[model]\nhidden = [3]\n\
                [train]\nepochs = 500\n[init]\nseed = 3\n";
    let path = Path::new("snap.toml");
    let train_for = |epochs: usize, snapshots: bool| {
        let set = runner::config::parse_set(&format!("train.epochs={epochs}")).unwrap();
        let mut exp = runner::config::parse(text, path, &[set]).unwrap();
        let runs = runner::job::prepare::prepare(&mut exp).unwrap();
        let r = &runs[0];
        let (params, rng) = r.initial();
        let run = r.to_train(Options {
            every: 1,
            spread: Spread::OneThread,
            snapshots,
        });
        let out = train::train(
            &run,
            params,
            rng,
            |_, _| std::ops::ControlFlow::Continue(()),
        );
        (out, r.arch.layers(), r.initial().0)
    };
    let (out, layers, initial) = train_for(500, true);
    let epochs: Vec<usize> = out.snapshots.iter().map(|(e, _)| *e).collect();
    assert_eq!(epochs, train::snapshot_epochs(500));
    assert_eq!(
        (epochs[0], *epochs.last().unwrap(), epochs.len()),
        (0, 499, 6)
    );
    assert_eq!(out.snapshots.last().unwrap().1, out.params);
    // Each snapshot is where training for that many epochs ends, bit for bit.
    for (e, p) in &out.snapshots {
        assert_eq!(&train_for(e + 1, false).0.params, p, "epoch {e}");
    }
    // Every epoch is logged here, so every epoch's update is measured: ‖W(e) − W(e−1)‖ / ‖W(e−1)‖
    // per layer, recomputed from trainings that stop before and after it.
    assert_eq!(out.updates.len(), 500);
    for e in [0, 1, 52, 380, 499] {
        let after = train_for(e + 1, false).0.params;
        let before = if e == 0 {
            initial.clone()
        } else {
            train_for(e, false).0.params
        };
        for (l, shape) in layers.iter().enumerate() {
            let w = shape.w..shape.w + shape.fan_in * shape.fan_out;
            let d: f64 = w.clone().map(|i| (after[i] - before[i]).powi(2)).sum();
            let n: f64 = w.map(|i| before[i].powi(2)).sum();
            let want = (d / n).sqrt();
            let got = out.updates[e].1[l];
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "epoch {e} layer {l}: {got} vs {want}"
            );
            assert!(want > 0.0);
        }
    }
    // Snapshots change no result.
    let plain = train_for(500, false).0;
    assert_eq!(
        (plain.params, plain.last),
        (out.params.clone(), out.last.clone())
    );
}

#[test]
fn the_saved_snapshots_give_the_logged_loss_and_the_weights_figure_draws_them() {
    let s = Scratch::new();
    // Full-batch steps, every epoch logged: the loss logged at epoch e + 1 is the loss at the
    // weights epoch e ends with.
    s.file("pics.toml", &SWEEP.replace("every = 10", "every = 1"));
    ok(runner(s.path(), &["pics.toml", "-q"]));
    let dir = s.path().join("results/pics");
    let bytes = std::fs::read(dir.join("plots/snapshots.safetensors")).unwrap();
    let snaps = runner::results::weights::decode_snapshots(&bytes).unwrap();
    // One run per configuration (three, fewer than four), the median seed's.
    assert_eq!(snaps.len(), 3);
    let rows = read_csv(&dir.join(&files_in(&dir, "data")[0]));
    let train: Vec<_> = rows.iter().filter(|r| r["split"] == "train").collect();
    let x: Vec<f64> = train
        .iter()
        .flat_map(|r| [num(r, "input_1"), num(r, "input_2")])
        .collect();
    let y: Vec<f64> = train.iter().map(|r| num(r, "target")).collect();
    let epochs = read_csv(&dir.join("epochs.csv"));
    let mut checked = 0;
    for (r, (meta, params)) in snaps.iter().enumerate() {
        assert_eq!(meta.epochs, runner::train::snapshot_epochs(300));
        assert_eq!(params.len(), meta.epochs.len());
        let run_rows: Vec<_> = epochs.iter().filter(|e| e["run"] == meta.label).collect();
        assert_eq!(run_rows.len(), 300, "{}", meta.label);
        for (k, e) in meta.epochs.iter().enumerate() {
            let out = layers_at(&bytes, &format!("runs.{r}."), k, &x, y.len())
                .pop()
                .unwrap();
            let mse = out
                .iter()
                .zip(&y)
                .map(|(o, t)| (o - t).powi(2))
                .sum::<f64>()
                / y.len() as f64;
            let Some(next) = run_rows
                .iter()
                .find(|row| num(row, "epoch") == (*e + 1) as f64)
            else {
                assert_eq!(*e, 299);
                continue;
            };
            assert_rel(
                mse,
                num(next, "loss"),
                1e-9,
                &format!("{} epoch {e}", meta.label),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 5);
    // The last snapshot is the saved final weights.
    for (meta, params) in &snaps {
        let file = std::fs::read(dir.join(format!("weights/{}.safetensors", meta.id))).unwrap();
        let (_, last) = runner::results::weights::decode(&file).unwrap();
        assert_eq!(params.last().unwrap(), &last);
    }
    // The weights figure: per run a box per layer and snapshot, a line per layer.
    let svg = read(&dir, "plots/weights.svg");
    xml(&svg, "weights.svg");
    let layers: usize = [1, 2, 3].iter().sum();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| n.attribute("points").unwrap().split_whitespace().count() > 2)
        .count();
    assert_eq!(lines, layers, "one update line per layer");
    assert_eq!(
        count(&svg, "rect", &[("fill", "none")]),
        layers * 6,
        "a box per layer and snapshot"
    );
    let page = read(&dir, "report.html");
    assert!(page.contains("Weights over training") && page.contains("id=\"stepper\""));
    assert_eq!(
        page.matches("data-epochs=").count(),
        3,
        "the stepper offers each run"
    );
}
