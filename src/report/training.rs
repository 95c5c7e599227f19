//! Weights over training: for the runs the report trains again ([`super::replay`]), each
//! layer's weights at the snapshot epochs as box plots (quartiles, median, range), and how
//! much each logged epoch changed each layer, relative to its size.

use super::chart::{self, font, tint, Area, Res, PALETTE};
use super::replay::Replays;
use super::svg;
use crate::format::people;
use crate::network::LayerShape;
use plotters::prelude::*;
use std::io;

/// At most this many points of a layer's update line are drawn.
const POINTS: usize = 400;

/// A layer's weights (biases left out) at `params`: min, lower quartile, median, upper
/// quartile, max (linear interpolation between order statistics, as NumPy's default).
pub fn quartiles(layer: &LayerShape, params: &[f64]) -> [f64; 5] {
    let mut w: Vec<f64> = params[layer.w..layer.w + layer.fan_in * layer.fan_out].to_vec();
    w.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (w.len() - 1) as f64;
        let (i, f) = (pos.floor() as usize, pos.fract());
        let next = w[(i + 1).min(w.len() - 1)];
        w[i] + (next - w[i]) * f
    };
    [at(0.0), at(0.25), at(0.5), at(0.75), at(1.0)]
}

/// A layer's name for people: `layer 1 (2→4)`, the last one `output (4→1)`.
fn layer_name(l: usize, layers: &[LayerShape]) -> String {
    let s = &layers[l];
    if l + 1 == layers.len() {
        format!("output ({}→{})", s.fan_in, s.fan_out)
    } else {
        format!("layer {} ({}→{})", l + 1, s.fan_in, s.fan_out)
    }
}

/// The figure: its SVG and caption.
pub fn figure(replays: &Replays) -> io::Result<(String, String)> {
    let rows = replays.runs.len().max(1);
    let svg = svg(1100, rows as u32 * 320, |a| {
        for (area, r) in a.split_evenly((rows, 1)).iter().zip(&replays.runs) {
            let layers = r.run.arch.layers();
            let (w, _) = area.dim_in_pixel();
            let (plots, side) = area.split_horizontally(w - 200);
            let entries: Vec<(String, RGBColor)> = (0..layers.len())
                .map(|l| (layer_name(l, &layers), PALETTE[l % PALETTE.len()]))
                .collect();
            chart::legend(&side, "layer", &entries, None)?;
            let (left, right) = plots.split_horizontally(450);
            boxes(&left, &r.title, &layers, &r.snapshots)?;
            updates(&right, &r.title, layers.len(), &r.updates)?;
        }
        Ok(())
    })?;
    let caption = format!(
        "Left: each layer's weights (biases left out) at the six epochs of the boundaries above: the box spans the middle half, the line in it is the median, the whisker the smallest to the largest. Right: how much each logged epoch changed each layer's weights, relative to their size (‖ΔW‖ / ‖W‖), on logarithmic axes against the epoch plus one. From the same runs trained again.{}",
        replays.note()
    );
    Ok((svg, caption))
}

/// Box plots of each layer's weights at each snapshot, side by side within a snapshot's slot.
fn boxes(area: &Area, title: &str, layers: &[LayerShape], snaps: &[(usize, Vec<f64>)]) -> Res {
    let stats: Vec<Vec<[f64; 5]>> = snaps
        .iter()
        .map(|(_, p)| layers.iter().map(|l| quartiles(l, p)).collect())
        .collect();
    let (lo, hi) = chart::padded(stats.iter().flatten().flat_map(|q| [q[0], q[4]]));
    let k = snaps.len().max(1);
    let mut c = ChartBuilder::on(area)
        .caption(format!("{} · weights", chart::clip(title, 40)), font(13))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..k as f64 - 0.5, lo..hi)?;
    // A slot's label is its epoch; plotters puts ticks at the whole numbers for this range.
    let epoch = |x: &f64| match snaps.get(x.round().max(0.0) as usize) {
        Some((e, _)) if (x - x.round()).abs() < 1e-6 => people(*e as f64),
        _ => String::new(),
    };
    c.configure_mesh()
        .x_desc("epoch")
        .y_desc("weight")
        .x_labels(k)
        .x_label_formatter(&epoch)
        .y_label_formatter(&|v| people(*v))
        .label_style(font(11))
        .axis_desc_style(font(12))
        .disable_x_mesh()
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    let width = 0.8 / layers.len() as f64;
    for (s, per_layer) in stats.iter().enumerate() {
        for (l, q) in per_layer.iter().enumerate() {
            let col = PALETTE[l % PALETTE.len()];
            let x = s as f64 - 0.4 + (l as f64 + 0.5) * width;
            let half = width * 0.35;
            c.draw_series([
                PathElement::new(vec![(x, q[0]), (x, q[4])], col.stroke_width(1)),
                PathElement::new(
                    vec![(x - half, q[2]), (x + half, q[2])],
                    col.stroke_width(2),
                ),
            ])?;
            c.draw_series([
                Rectangle::new(
                    [(x - half, q[1]), (x + half, q[3])],
                    tint(col, 0.35).filled(),
                ),
                Rectangle::new([(x - half, q[1]), (x + half, q[3])], col.stroke_width(1)),
            ])?;
        }
    }
    Ok(())
}

/// Each layer's relative update per logged epoch, on log axes (zero updates left out).
fn updates(area: &Area, title: &str, layers: usize, ups: &[(usize, Vec<f64>)]) -> Res {
    let last = ups.last().map_or(1, |u| u.0 + 1).max(2) as f64;
    let positive = || {
        ups.iter()
            .flat_map(|u| u.1.iter().copied())
            .filter(|v| *v > 0.0)
    };
    let (lo, hi) = positive().fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() {
        (lo * 0.8, (hi * 1.25).max(lo * 2.0))
    } else {
        (1e-6, 1.0)
    };
    let mut c = ChartBuilder::on(area)
        .caption(format!("{} · updates", chart::clip(title, 40)), font(13))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (1.0..last)
                .log_scale()
                .with_key_points(chart::log_ticks(1.0, last)),
            (lo..hi)
                .log_scale()
                .with_key_points(chart::log_ticks(lo, hi)),
        )?;
    c.configure_mesh()
        .x_desc("epoch + 1")
        .y_desc("‖ΔW‖ / ‖W‖")
        .x_label_formatter(&|v| people(*v))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style(font(11))
        .axis_desc_style(font(12))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    for l in 0..layers {
        let line: Vec<(f64, f64)> = ups
            .iter()
            .map(|(e, s)| (*e as f64 + 1.0, s[l]))
            .filter(|p| p.1 > 0.0)
            .collect();
        let line = super::curves::thin(&line, POINTS, |p| p.1);
        let col = PALETTE[l % PALETTE.len()];
        c.draw_series(LineSeries::new(line, col.stroke_width(2)))?;
    }
    Ok(())
}
