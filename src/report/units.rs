//! Hidden-unit maps, for data with two inputs: each unit's output over the input plane as a
//! small heatmap, layer by layer, the output layer last, with the training points faint on
//! top; for a few configurations, each at the run its decision-boundary panel shows.
//!
//! Written as plain SVG rather than with plotters: hundreds of tiny panels, each a grid of
//! rectangles, stay a fraction of the size, and each unit's panel carries what a reader needs
//! to read its values back (`data-layer`, `data-unit`, the grid's origin and step, the value
//! range of its colour scale).

use super::boundary::range;
use super::chart::{tint, PALETTE};
use super::{shown_run, Inputs};
use crate::data::Loaded;
use crate::network::{self, Activation, Architecture};
use crate::results::summary::Group;
use plotters::style::RGBColor;
use std::fmt::Write;

/// Grid cells per side of a unit's map.
pub const CELLS: usize = 20;
/// Pixels per cell.
const PX: usize = 3;
/// Colour levels: values in the same tenth of the scale share a colour.
pub const LEVELS: usize = 10;
/// At most this many units of a layer are drawn.
pub const UNITS: usize = 16;
/// At most this many training points a map shows.
const POINTS: usize = 150;

/// One network to map: a heading, its architecture and weights, its data.
pub struct Mapped<'a> {
    pub title: String,
    pub arch: &'a Architecture,
    pub params: &'a [f64],
    pub data: &'a Loaded,
}

/// The grid's cell centres along both inputs: `(x0, dx)`, `(y0, dy)`.
pub fn axes(data: &Loaded) -> ((f64, f64), (f64, f64)) {
    let axis = |k| {
        let (lo, hi) = range(data, k);
        let step = (hi - lo) / CELLS as f64;
        (lo + 0.5 * step, step)
    };
    (axis(0), axis(1))
}

/// The scale a layer's colours span: its activation's range, or for unbounded ones the values
/// it takes on the grid.
pub fn scale(activation: Activation, values: &[f64]) -> (f64, f64) {
    match activation {
        Activation::Sigmoid | Activation::Softmax => (0.0, 1.0),
        Activation::Tanh => (-1.0, 1.0),
        _ => {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() && hi > lo {
                (lo, hi)
            } else {
                (lo.min(0.0), lo.max(0.0) + 1.0)
            }
        }
    }
}

/// The colour level of `v` on the scale `(lo, hi)`.
pub fn level(v: f64, (lo, hi): (f64, f64)) -> usize {
    let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    ((t * LEVELS as f64) as usize).min(LEVELS - 1)
}

/// Low values blue, the middle white, high values orange.
fn colour(level: usize) -> String {
    let t = (level as f64 + 0.5) / LEVELS as f64;
    let c: RGBColor = if t < 0.5 {
        tint(PALETTE[0], (0.5 - t) * 2.0 * 0.8)
    } else {
        tint(PALETTE[1], (t - 0.5) * 2.0 * 0.8)
    };
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The SVG of the maps, one block of rows per network, and how many units were left out.
pub fn draw(nets: &[Mapped]) -> (String, usize) {
    let side = CELLS * PX;
    let pitch = side + 12;
    let mut body = String::new();
    let mut y = 0;
    let mut width = 0;
    let mut left_out = 0;
    for (k, net) in nets.iter().enumerate() {
        let ((x0, dx), (y0, dy)) = axes(net.data);
        // The training points once per network, shown faint in each of its maps.
        let d = &net.data.train;
        let stride = d.rows.div_ceil(POINTS).max(1);
        let _ = write!(
            body,
            "<defs><g id=\"units-points-{k}\" fill=\"#222\" fill-opacity=\"0.35\">"
        );
        for row in (0..d.rows).step_by(stride) {
            let (a, b) = (d.x[row * d.inputs], d.x[row * d.inputs + 1]);
            let px = (a - (x0 - dx / 2.0)) / dx * PX as f64;
            let py = side as f64 - (b - (y0 - dy / 2.0)) / dy * PX as f64;
            let _ = write!(body, "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"1\"/>");
        }
        body.push_str("</g></defs>");
        let points: Vec<f64> = (0..CELLS)
            .flat_map(|i| (0..CELLS).flat_map(move |j| [x0 + j as f64 * dx, y0 + i as f64 * dy]))
            .collect();
        let layers = net.arch.layers();
        let outs = network::layer_outputs(&layers, net.params, &points, CELLS * CELLS);
        let _ = write!(
            body,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">{}</text>",
            y + 14,
            super::page::escape(&net.title)
        );
        y += 22;
        for (l, (layer, out)) in layers.iter().zip(&outs).enumerate() {
            let shown = layer.fan_out.min(UNITS);
            left_out += layer.fan_out - shown;
            let name = if l + 1 == layers.len() {
                "output".to_string()
            } else {
                format!("hidden layer {}", l + 1)
            };
            let more = if shown < layer.fan_out {
                format!(" (first {shown} of {} units)", layer.fan_out)
            } else {
                String::new()
            };
            let _ = write!(
                body,
                "<text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"#444\">{name}{more}</text>",
                y + 10
            );
            y += 14;
            let scale = scale(layer.activation, out);
            for j in 0..shown {
                let values = &out[j * CELLS * CELLS..(j + 1) * CELLS * CELLS];
                let left = j * pitch;
                let _ = write!(
                    body,
                    "<g class=\"unit\" data-cells=\"{CELLS}\" data-layer=\"{l}\" data-unit=\"{j}\" data-x0=\"{x0:?}\" data-dx=\"{dx:?}\" data-y0=\"{y0:?}\" data-dy=\"{dy:?}\" data-lo=\"{:?}\" data-hi=\"{:?}\" transform=\"translate({left},{y})\">",
                    scale.0, scale.1
                );
                // Rows from the top: the highest second input first. Each row's runs of one
                // level are one rectangle, and each level's rectangles one path.
                let mut paths = vec![String::new(); LEVELS];
                for r in 0..CELLS {
                    let i = CELLS - 1 - r;
                    let mut c = 0;
                    while c < CELLS {
                        let lv = level(values[i * CELLS + c], scale);
                        let start = c;
                        while c < CELLS && level(values[i * CELLS + c], scale) == lv {
                            c += 1;
                        }
                        let w = (c - start) * PX;
                        let _ = write!(paths[lv], "M{} {}h{w}v{PX}h-{w}z", start * PX, r * PX);
                    }
                }
                for (lv, d) in paths.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
                    let _ = write!(
                        body,
                        "<path d=\"{d}\" fill=\"{}\" data-level=\"{lv}\"/>",
                        colour(lv)
                    );
                }
                let _ = write!(body, "<use href=\"#units-points-{k}\"/>");
                let _ = write!(
                    body,
                    "<rect width=\"{side}\" height=\"{side}\" fill=\"none\" stroke=\"#999\"/><text x=\"0\" y=\"{}\" font-size=\"9\" fill=\"#555\">{}</text></g>",
                    side + 10,
                    j + 1
                );
            }
            width = width.max(shown * pitch);
            y += pitch + 4;
        }
        y += 8;
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\" font-family=\"sans-serif\">{body}</svg>"
    );
    (svg, left_out)
}

/// At most this many configurations get unit maps.
const MAPPED: usize = 4;

/// The figure: its SVG and caption.
pub fn figure(inp: &Inputs, groups: &[Group]) -> (String, String) {
    // Configurations with hidden layers first (a perceptron has only its output unit), then
    // up to MAPPED of them, evenly spaced so that the smallest and the largest are both there.
    let mut candidates: Vec<&Group> = groups
        .iter()
        .filter(|g| {
            g.runs
                .first()
                .is_some_and(|&i| !inp.runs[i].arch.hidden.is_empty())
        })
        .collect();
    if candidates.is_empty() {
        candidates = groups.iter().collect();
    }
    let n = candidates.len();
    let picked: Vec<&Group> = if n <= MAPPED {
        candidates
    } else {
        (0..MAPPED)
            .map(|k| candidates[k * (n - 1) / (MAPPED - 1)])
            .collect()
    };
    let nets: Vec<Mapped> = picked
        .iter()
        .filter_map(|g| {
            let i = shown_run(inp, g)?;
            let run = &inp.runs[i];
            let title = match (g.runs.len(), run.spec.seed) {
                (n, Some(s)) if n > 1 => format!("{} · seed {s}", g.label),
                _ => g.label.clone(),
            };
            Some(Mapped {
                title,
                arch: &run.arch,
                params: &inp.records[i].weights,
                data: &run.data,
            })
        })
        .collect();
    let (svg, left_out) = draw(&nets);
    let mut caption = String::from(
        "What each unit computes: its output over the same input plane as the decision boundaries (input 1 across, input 2 up), blue low, white the middle, orange high (a sigmoid's 0 to 1, a tanh's −1 to 1, else the range it takes there), with the training points faint on top; one row per layer, the output last. A hidden unit's map is a feature the next layer combines: with sigmoid or tanh units each is a soft half-plane, whose edge is the line its weights draw; the output's map is the decision boundary.",
    );
    if groups.len() > nets.len() {
        caption += &format!(
            " {} of {} configurations are shown{}, each at the run its boundary panel shows.",
            nets.len(),
            groups.len(),
            if nets.len() > 1 {
                ", evenly spaced"
            } else {
                ""
            }
        );
    }
    if left_out > 0 {
        caption += &format!(
            " Wide layers show their first {} units ({left_out} units not drawn).",
            UNITS
        );
    }
    (svg, caption)
}
