//! Pictures of an experiment's results: `report.html`, one self-contained page (inline SVG
//! and CSS, nothing fetched), and each of its figures as `plots/<name>.svg`. Drawn with
//! plotters' SVG backend from the store's run files and records, so that a report is the
//! same bytes whatever the thread count, and after a resume or a merge.

mod boundary;
mod chart;
mod compare;
mod curves;
mod forming;
mod live;
mod page;
mod replay;
mod stepper;
mod training;
mod units;

pub use boundary::{class, grid, Grid, CELLS};
pub use compare::numeric;

use crate::config::Spec;
use crate::job::prepare::Prepared;
use crate::job::Metric;
use crate::results::summary::{config_columns, groups, metrics, Group};
use crate::results::Columns;
use crate::store::{RunRecord, Store};
use plotters::prelude::*;
use std::io;

/// Everything a report is drawn from.
pub struct Inputs<'a> {
    pub exp: &'a Spec,
    pub cols: &'a Columns,
    pub runs: &'a [Prepared],
    pub records: &'a [RunRecord],
    /// Where the runs' logged epochs are, in run order: one store for an experiment, one per
    /// results folder for a comparison.
    pub sources: &'a [Source<'a>],
    /// For a comparison, each results folder compared, as a line for people (its path and
    /// experiment); empty for one experiment's report.
    pub compared: &'a [String],
}

/// A store holding the logged epochs of consecutive runs of a report.
pub struct Source<'a> {
    pub store: &'a Store,
    /// How many of the report's runs, after those of the sources before.
    pub runs: usize,
    /// For each of the report's metric columns, its column in this store's rows (`None`:
    /// absent there); empty when they are the same.
    pub metrics: Vec<Option<usize>>,
}

impl Inputs<'_> {
    /// Run `i`'s logged rows, as [`crate::results::read_rows`] gives them, its metrics in the
    /// report's columns (NaN where its store has none).
    pub fn rows(&self, i: usize) -> io::Result<Vec<(usize, Vec<f64>)>> {
        let mut first = 0;
        for src in self.sources {
            if i < first + src.runs {
                let rows = crate::results::read_rows(src.store, &self.exp.runs[i].id)?;
                if src.metrics.is_empty() {
                    return Ok(rows);
                }
                return Ok(rows
                    .into_iter()
                    .map(|(e, m)| {
                        let pick = |c: &Option<usize>| c.and_then(|c| m.get(c).copied());
                        (
                            e,
                            src.metrics
                                .iter()
                                .map(|c| pick(c).unwrap_or(f64::NAN))
                                .collect(),
                        )
                    })
                    .collect());
            }
            first += src.runs;
        }
        Ok(Vec::new())
    }
}

/// The figures an experiment gets.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `loss` or `accuracy` against epochs.
    Curves(&'static str),
    /// Results against the configuration column with this index.
    Compare(usize),
    Boundaries,
    /// What each unit computes over the input plane.
    Units,
    /// Decision boundaries at a few epochs.
    Forming,
    /// Each layer's weights at a few epochs and its updates.
    Weights,
}

/// A figure to draw: what, its file under `plots/`, its heading.
#[derive(Clone, Debug)]
pub struct Planned {
    pub kind: Kind,
    pub file: String,
    pub heading: String,
}

/// The file of the weights the pictures of training show.
const SNAPSHOTS: &str = "plots/snapshots.safetensors";

/// At most this many decision-boundary panels.
const PANELS: usize = 24;

/// Why an experiment gets no decision boundaries, when it gets none.
fn no_boundaries(runs: &[Prepared]) -> Option<String> {
    let inputs = runs.first().map_or(0, |r| r.data.train.inputs);
    if runs.iter().any(|r| r.data.train.inputs != 2) {
        return Some(format!(
            "Decision boundaries are drawn for data with two inputs; this data has {inputs}."
        ));
    }
    if !runs.iter().all(|r| r.data.train.is_classification()) {
        return Some(
            "Decision boundaries are drawn for class targets (0 or 1); these targets are not classes."
                .into(),
        );
    }
    None
}

/// The figures of `exp`, in page order.
pub fn plan(exp: &Spec, cols: &Columns, runs: &[Prepared]) -> Vec<Planned> {
    let mut out = vec![Planned {
        kind: Kind::Curves("loss"),
        file: "plots/loss.svg".into(),
        heading: "Loss".into(),
    }];
    let groups = groups(exp, cols);
    // Whether some run is short enough to train again for the pictures of training.
    let again = runs.iter().any(|r| r.work() <= replay::MAX_WORK);
    for (k, key) in config_columns(cols).iter().enumerate() {
        if key != "variant" && compare::arrange(&groups, k).is_some() {
            let slug: String = key
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            out.push(Planned {
                kind: Kind::Compare(k),
                file: format!("plots/compare_{slug}.svg"),
                heading: format!("Results against {key}"),
            });
        }
    }
    if no_boundaries(runs).is_none() {
        out.push(Planned {
            kind: Kind::Boundaries,
            file: "plots/boundaries.svg".into(),
            heading: "Decision boundaries".into(),
        });
        if again {
            out.push(Planned {
                kind: Kind::Forming,
                file: "plots/boundary_epochs.svg".into(),
                heading: "The boundary as it forms".into(),
            });
        }
    }
    if runs.iter().all(|r| r.data.train.inputs == 2) && !runs.is_empty() {
        out.push(Planned {
            kind: Kind::Units,
            file: "plots/units.svg".into(),
            heading: "Hidden units".into(),
        });
    }
    if again {
        out.push(Planned {
            kind: Kind::Weights,
            file: "plots/weights.svg".into(),
            heading: "Weights over training".into(),
        });
    }
    if cols.accuracy {
        out.push(Planned {
            kind: Kind::Curves("accuracy"),
            file: "plots/accuracy.svg".into(),
            heading: "Accuracy".into(),
        });
    }
    out
}

/// Whether the experiment has a report (`[output] report`, on unless a run turns it off).
pub fn wanted(runs: &[Prepared]) -> bool {
    runs.iter().all(|r| r.spec.report)
}

/// The files a report writes: `report.html` and its figures; none without a report.
pub fn files(exp: &Spec, cols: &Columns, runs: &[Prepared]) -> Vec<String> {
    if !wanted(runs) {
        return Vec::new();
    }
    let mut f = vec!["report.html".to_string()];
    let planned = plan(exp, cols, runs);
    if planned.iter().any(|p| p.kind == Kind::Weights) {
        f.push(SNAPSHOTS.into());
    }
    f.extend(planned.into_iter().map(|p| p.file));
    f
}

/// One drawn figure.
pub struct Figure {
    pub planned: Planned,
    pub svg: String,
    /// What the figure shows, for people.
    pub caption: String,
    /// HTML the page shows after the figure (its interactive viewer), or nothing.
    pub after: String,
}

/// Draws every figure and the page: `(file name, contents)`, the page last.
pub fn render(inp: &Inputs) -> io::Result<Vec<(String, Vec<u8>)>> {
    let groups = groups(inp.exp, inp.cols);
    // Every run file read once, for all the curve figures.
    let metric_cols: Vec<usize> = (0..inp.cols.metric_names().len()).collect();
    let curves = curves::load(inp, &groups, &metric_cols)?;
    let planned = plan(inp.exp, inp.cols, inp.runs);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let replays = planned
        .iter()
        .any(|p| p.kind == Kind::Weights)
        .then(|| replay::replays(inp, &groups));
    if let Some(r) = &replays {
        out.push((SNAPSHOTS.into(), r.file()));
    }
    let replayed = || replays.as_ref().expect("planned with the weights");
    let mut figures = Vec::new();
    for planned in planned {
        let (svg, caption) = match &planned.kind {
            Kind::Curves(metric) => curves_figure(inp, &groups, metric, &curves)?,
            Kind::Compare(k) => compare_figure(inp, &groups, *k)?,
            Kind::Boundaries => boundaries_figure(inp, &groups)?,
            Kind::Units => units::figure(inp, &groups),
            Kind::Forming => forming::figure(replayed())?,
            Kind::Weights => training::figure(replayed())?,
        };
        let after = match planned.kind {
            Kind::Forming => stepper::section(replayed()),
            _ => String::new(),
        };
        figures.push(Figure {
            planned,
            svg,
            caption,
            after,
        });
    }
    let n = groups.len();
    let names = inp.cols.metric_names();
    let live = live::section(&live::data(&groups, &names, &curves, |i| {
        chart::color(i, n)
    }));
    let html = page::html(inp, &groups, &figures, no_boundaries(inp.runs), &live);
    out.extend(
        figures
            .into_iter()
            .map(|f| (f.planned.file, f.svg.into_bytes())),
    );
    out.push(("report.html".into(), html.into_bytes()));
    Ok(out)
}

/// Draws into an SVG string of `w x h` pixels.
fn svg(w: u32, h: u32, draw: impl FnOnce(&chart::Area) -> chart::Res) -> io::Result<String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| chart::to_io(e.into()))?;
        draw(&root).map_err(chart::to_io)?;
        root.present().map_err(|e| chart::to_io(e.into()))?;
    }
    Ok(s)
}

/// The loss's name as the tutorials write it.
fn loss_name(inp: &Inputs) -> String {
    let names: Vec<String> = inp
        .exp
        .runs
        .iter()
        .map(|r| crate::config::name_of(r.train.loss))
        .collect();
    let name = match names.first().map(String::as_str) {
        Some("half_sse") => "½SSE",
        Some("mse") => "MSE",
        Some("bce") => "BCE",
        Some("squared_error") => "squared error",
        Some("cross_entropy") => "cross-entropy",
        _ => "loss",
    };
    if names.iter().all(|n| *n == names[0]) {
        name.into()
    } else {
        "loss".into()
    }
}

fn legend_entries(groups: &[Group]) -> (Vec<(String, RGBColor)>, Option<String>) {
    let n = groups.len();
    let shown = n.min(16);
    let entries = groups[..shown]
        .iter()
        .enumerate()
        .map(|(i, g)| (g.label.clone(), chart::color(i, n)))
        .collect();
    let more = (n > shown).then(|| format!("(and {} more)", n - shown));
    (entries, more)
}

/// `data[g][c]`: group `g`'s curves of metric column `c`.
fn curves_figure(
    inp: &Inputs,
    groups: &[Group],
    metric: &str,
    data: &[Vec<curves::Curves>],
) -> io::Result<(String, String)> {
    let names = inp.cols.metric_names();
    let test = format!("test_{metric}");
    let cols: Vec<usize> = [metric, test.as_str()]
        .iter()
        .filter_map(|m| names.iter().position(|n| n == m))
        .collect();
    let accuracy = metric == "accuracy";
    let what = if accuracy {
        "accuracy".to_string()
    } else {
        loss_name(inp)
    };
    let panels: Vec<curves::Panel> = cols
        .iter()
        .map(|&col| curves::Panel {
            title: format!(
                "{} {what}",
                if names[col].starts_with("test_") {
                    "test"
                } else {
                    "training"
                }
            ),
            y_label: what.clone(),
            accuracy,
            curves: data.iter().map(|g| &g[col]).collect(),
        })
        .collect();
    let (entries, more) = legend_entries(groups);
    let w = 200 + 440 * panels.len() as u32;
    let svg = svg(w, 380, |a| curves::draw(a, &panels, &entries, more))?;
    let faint: usize = data.iter().map(|g| g[cols[0]].runs.len()).sum();
    let caption = format!(
        "{what} against epoch, per configuration: the line is the mean across its seeds and the band ± one standard deviation; each faint line is one run ({faint} of {} runs drawn){}.",
        inp.exp.runs.len(),
        if accuracy { "" } else { "; the axis is logarithmic when the values span decades" }
    );
    Ok((svg, caption))
}

fn compare_figure(inp: &Inputs, groups: &[Group], k: usize) -> io::Result<(String, String)> {
    let key = &config_columns(inp.cols)[k];
    let (xs, series) = compare::arrange(groups, k).expect("planned");
    let all = metrics(inp.cols);
    let want = |n: &str| all.iter().find(|(m, _)| *m == n).copied();
    let acc = if inp.cols.test {
        want("test_accuracy")
    } else {
        want("accuracy")
    };
    let chosen: Vec<_> = [want("final_loss"), want("min_loss"), acc]
        .into_iter()
        .flatten()
        .collect();
    let loss = loss_name(inp);
    let y_names: Vec<String> = chosen
        .iter()
        .filter_map(|(m, _)| Some(Metric::named(m)?.label_with(&loss)))
        .collect();
    let w = 200 + 400 * chosen.len() as u32;
    let svg = svg(w, 380, |a| {
        compare::draw(a, key, &xs, &series, groups, inp.records, &chosen, &y_names)
    })?;
    let caption = format!(
        "Each point is a configuration's mean across its seeds, the bar ± one standard deviation (runs that diverged are left out); the values of `{key}` are evenly spaced{}.",
        if key == "model.hidden" { ", a perceptron (no hidden layer) at 0" } else { "" }
    );
    Ok((svg, caption))
}

fn boundaries_figure(inp: &Inputs, groups: &[Group]) -> io::Result<(String, String)> {
    let mut panels = Vec::new();
    let mut note = String::new();
    for g in groups.iter().take(PANELS) {
        let Some(i) = shown_run(inp, g) else {
            continue;
        };
        let run = &inp.runs[i];
        let title = match (g.runs.len(), run.spec.seed) {
            (n, Some(s)) if n > 1 => format!("{} · seed {s}", g.label),
            _ => g.label.clone(),
        };
        panels.push(boundary::Panel {
            title,
            grid: grid(&run.arch, &inp.records[i].weights, &run.data),
            train: &run.data.train,
            test: run.data.test.as_ref(),
            points: boundary::MAX_POINTS,
            outlined: true,
        });
    }
    let rows_drawn = |rows: usize| rows.div_ceil(boundary::point_stride(rows));
    if let Some(p) = panels.iter().find(|p| {
        rows_drawn(p.train.rows) < p.train.rows
            || p.test.is_some_and(|t| rows_drawn(t.rows) < t.rows)
    }) {
        note.push_str(&format!(
            " Of the {} training rows, {} evenly spaced ones are drawn (at most {} of each split), so that the page stays small.",
            p.train.rows,
            rows_drawn(p.train.rows),
            boundary::MAX_POINTS
        ));
    }
    if groups.len() > PANELS {
        note += &format!(
            " The first {PANELS} of {} configurations are shown.",
            groups.len()
        );
    }
    let per_row = panels.len().clamp(1, 4);
    let rows = panels.len().div_ceil(per_row).max(1);
    let svg = svg(per_row as u32 * 320, rows as u32 * 320, |a| {
        boundary::draw(a, &panels, per_row)
    })?;
    let svg = boundary::merge_cells(&svg);
    let seeds = groups.iter().any(|g| g.runs.len() > 1);
    let caption = format!(
        "The network's output over the inputs' range ({}), with the training points as circles and the test points as triangles, coloured by their class.{}{note}",
        if inp.runs.iter().all(|r| r.arch.outputs == 1) {
            "blue: class 0, orange: class 1, in tenths; white is 0.5, the boundary"
        } else {
            "each cell in the colour of the output that is largest there, darker where that output is larger"
        },
        if seeds {
            " Each panel shows the run whose final loss is the median of its configuration's seeds (the lower median for an even count), so that the picture is typical rather than the best or the worst."
        } else {
            ""
        }
    );
    Ok((svg, caption))
}

/// The run a configuration's pictures show: the one whose final loss is the (lower) median of
/// its seeds that did not diverge.
pub(super) fn shown_run(inp: &Inputs, g: &Group) -> Option<usize> {
    let mut ok: Vec<usize> = g
        .runs
        .iter()
        .copied()
        .filter(|&i| !inp.records[i].diverged() && !inp.records[i].weights.is_empty())
        .collect();
    ok.sort_by(|&a, &b| {
        inp.records[a]
            .final_loss
            .total_cmp(&inp.records[b].final_loss)
            .then(a.cmp(&b))
    });
    ok.get(ok.len().checked_sub(1)? / 2).copied()
}
