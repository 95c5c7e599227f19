//! Decision boundaries, for data with two inputs and class targets: the network's output on
//! a grid over the data's range as a heatmap, the training points (circles) and the test
//! points (triangles) on top; one panel per configuration.

use super::chart::{self, font, tint, Area, Res, PALETTE};
use crate::data::{Dataset, Loaded};
use crate::network::{self, Architecture};
use plotters::prelude::*;

/// Grid cells per side.
pub const CELLS: usize = 60;
/// Output levels a heatmap tells apart: outputs in the same tenth share a colour, so that
/// neighbouring cells merge into one rectangle and the file stays small.
const LEVELS: usize = 10;

/// The network's outputs at the centres of a `CELLS x CELLS` grid.
pub struct Grid {
    /// Cell centres along the first and the second input.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Outputs, row-major over (second input, first input, output).
    pub out: Vec<f64>,
    pub outputs: usize,
}

/// The range of input `k` over the training and test rows, with a 5% margin.
pub(super) fn range(data: &Loaded, k: usize) -> (f64, f64) {
    let sets = std::iter::once(&data.train).chain(data.test.as_ref());
    chart::padded(sets.flat_map(|d| d.x.iter().skip(k).step_by(d.inputs).copied()))
}

/// The outputs of `arch` with `params` on a grid over `data`'s two inputs.
pub fn grid(arch: &Architecture, params: &[f64], data: &Loaded) -> Grid {
    grid_of(arch, params, data, CELLS)
}

/// [`grid`] with `cells` per side.
pub fn grid_of(arch: &Architecture, params: &[f64], data: &Loaded, cells: usize) -> Grid {
    let axis = |k| {
        let (lo, hi) = range(data, k);
        let step = (hi - lo) / cells as f64;
        (0..cells)
            .map(|i| lo + (i as f64 + 0.5) * step)
            .collect::<Vec<_>>()
    };
    let (x, y) = (axis(0), axis(1));
    let points: Vec<f64> = y
        .iter()
        .flat_map(|&b| x.iter().flat_map(move |&a| [a, b]))
        .collect();
    let out = network::predict(&arch.layers(), params, &points, cells * cells);
    Grid {
        x,
        y,
        out,
        outputs: arch.outputs,
    }
}

/// A target row's class: the thresholded output, or the first largest of several.
pub use network::class_of as class;

/// A cell's colour level: class and confidence, quantised.
fn level(out: &[f64]) -> (usize, usize) {
    let q = |v: f64| ((v.clamp(0.0, 1.0) * LEVELS as f64) as usize).min(LEVELS - 1);
    if out.len() == 1 {
        return (0, q(out[0]));
    }
    let c = class(out);
    (c, q(out[c]))
}

fn cell_color((c, l): (usize, usize), outputs: usize) -> RGBColor {
    let t = (l as f64 + 0.5) / LEVELS as f64;
    if outputs == 1 {
        // Class 0 blue through white to class 1 orange.
        if t < 0.5 {
            tint(PALETTE[0], (0.5 - t) * 2.0 * 0.6)
        } else {
            tint(PALETTE[1], (t - 0.5) * 2.0 * 0.6)
        }
    } else {
        tint(PALETTE[c % PALETTE.len()], 0.1 + 0.5 * t)
    }
}

fn point_color(class: usize, outputs: usize) -> RGBColor {
    if outputs == 1 {
        PALETTE[class]
    } else {
        PALETTE[class % PALETTE.len()]
    }
}

/// One panel to draw.
pub struct Panel<'a> {
    pub title: String,
    pub grid: Grid,
    pub train: &'a Dataset,
    pub test: Option<&'a Dataset>,
    /// At most this many points of a split are drawn ([`MAX_POINTS`] for the main panels).
    pub points: usize,
    /// Points drawn with a dark outline (two SVG elements each); small multiples draw one,
    /// which halves what a browser lays out.
    pub outlined: bool,
}

/// Draws the panels as small multiples, `per_row` to a row.
pub fn draw(area: &Area, panels: &[Panel], per_row: usize) -> Res {
    let rows = panels.len().div_ceil(per_row);
    let cells = area.split_evenly((rows, per_row));
    for (cell, p) in cells.iter().zip(panels) {
        let g = &p.grid;
        let step = |v: &[f64]| (v[1] - v[0]) / 2.0;
        let (dx, dy) = (step(&g.x), step(&g.y));
        let n = g.x.len();
        let xr = g.x[0] - dx..g.x[n - 1] + dx;
        let yr = g.y[0] - dy..g.y[n - 1] + dy;
        let mut chart = ChartBuilder::on(cell)
            .caption(chart::clip(&p.title, 40), font(13))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(xr, yr)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("input 1")
            .y_desc("input 2")
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|v| crate::format::people(*v))
            .y_label_formatter(&|v| crate::format::people(*v))
            .label_style(font(10))
            .axis_desc_style(font(11))
            .draw()?;
        // Each row of cells as runs of equal colour: one rectangle per run.
        let k = g.outputs;
        let mut rects = Vec::new();
        for (i, &yc) in g.y.iter().enumerate() {
            let mut j = 0;
            while j < n {
                let lv = level(&g.out[(i * n + j) * k..(i * n + j + 1) * k]);
                let start = j;
                while j < n && level(&g.out[(i * n + j) * k..(i * n + j + 1) * k]) == lv {
                    j += 1;
                }
                rects.push(Rectangle::new(
                    [(g.x[start] - dx, yc - dy), (g.x[j - 1] + dx, yc + dy)],
                    cell_color(lv, k).filled(),
                ));
            }
        }
        chart.draw_series(rects)?;
        let outline = RGBColor(40, 40, 40);
        let pts = |d: &Dataset| -> Vec<(f64, f64, usize)> {
            (0..d.rows)
                .step_by(d.rows.div_ceil(p.points.max(1)).max(1))
                .map(|r| {
                    let y = &d.y[r * d.outputs..(r + 1) * d.outputs];
                    (d.x[r * d.inputs], d.x[r * d.inputs + 1], class(y))
                })
                .collect()
        };
        if p.outlined {
            chart.draw_series(pts(p.train).into_iter().map(|(a, b, c)| {
                EmptyElement::at((a, b))
                    + Circle::new((0, 0), 3, point_color(c, k).filled())
                    + Circle::new((0, 0), 3, outline.stroke_width(1))
            }))?;
        } else {
            chart.draw_series(
                pts(p.train)
                    .into_iter()
                    .map(|(a, b, c)| Circle::new((a, b), 2, point_color(c, k).filled())),
            )?;
        }
        match p.test {
            Some(test) if p.outlined => {
                chart.draw_series(pts(test).into_iter().map(|(a, b, c)| {
                    EmptyElement::at((a, b))
                        + TriangleMarker::new((0, 0), 6, outline.filled())
                        + TriangleMarker::new((0, 0), 4, point_color(c, k).filled())
                }))?;
            }
            Some(test) => {
                chart.draw_series(
                    pts(test).into_iter().map(|(a, b, c)| {
                        TriangleMarker::new((a, b), 4, point_color(c, k).filled())
                    }),
                )?;
            }
            None => {}
        }
    }
    Ok(())
}

/// The SVG `svg` with each run of consecutive filled, unstroked rectangles (a heatmap's cells,
/// drawn in one series) merged into one `<path>` per colour, in order of first appearance.
/// Written by hand: plotters draws a rectangle per element, and a browser lays out a page of
/// several thousand of them (two heatmap figures of a large sweep) about a third of a second
/// slower; the cells of a run are disjoint, so drawing them by colour changes no pixel.
pub fn merge_cells(svg: &str) -> String {
    /// A cell's colour and its outline as path data, when `line` is a filled, unstroked
    /// rectangle as plotters writes it.
    fn cell(line: &str) -> Option<(&str, String)> {
        let rest = line.trim().strip_prefix("<rect x=\"")?;
        let v: Vec<&str> = rest.split('"').collect();
        let (x, y, w, h) = (v.first()?, v.get(2)?, v.get(4)?, v.get(6)?);
        let (opacity, fill, stroke) = (v.get(8)?, v.get(10)?, v.get(12)?);
        (*opacity == "1" && *stroke == "none" && fill.starts_with('#'))
            .then(|| (*fill, format!("M{x} {y}h{w}v{h}h-{w}z")))
    }
    /// Writes `run` (lines and their cells): a lone rectangle as it was, more as paths.
    fn flush(run: &mut Vec<(&str, (&str, String))>, out: &mut String) {
        if let [(line, _)] = run.as_slice() {
            out.push_str(line);
            out.push('\n');
        } else {
            let mut order: Vec<&str> = Vec::new();
            for (_, (fill, _)) in run.iter() {
                if !order.contains(fill) {
                    order.push(fill);
                }
            }
            for fill in order {
                let d: String = run
                    .iter()
                    .filter(|(_, (f, _))| *f == fill)
                    .map(|(_, (_, d))| d.as_str())
                    .collect();
                out.push_str(&format!("<path fill=\"{fill}\" d=\"{d}\"/>\n"));
            }
        }
        run.clear();
    }
    let mut out = String::with_capacity(svg.len());
    let mut run = Vec::new();
    for line in svg.lines() {
        match cell(line) {
            Some(c) => run.push((line, c)),
            None => {
                flush(&mut run, &mut out);
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// At most this many points of a split are drawn in a panel, so that the page's size does not
/// grow with the data.
pub const MAX_POINTS: usize = 1000;

/// Every how many rows a point is drawn: every row up to [`MAX_POINTS`], then evenly spaced.
pub fn point_stride(rows: usize) -> usize {
    rows.div_ceil(MAX_POINTS).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_draws_at_most_max_points_of_a_split() {
        for rows in [0, 1, 999, 1000, 1001, 100_000, 1_000_003] {
            let drawn = (0..rows).step_by(point_stride(rows)).count();
            assert!(drawn <= MAX_POINTS, "{rows}: {drawn}");
            if rows <= MAX_POINTS {
                assert_eq!(drawn, rows);
            } else {
                assert!(drawn >= MAX_POINTS / 2, "{rows}: {drawn}");
            }
        }
    }

    #[test]
    fn cells_merge_by_colour_and_a_lone_rectangle_stays() {
        let svg = "<svg>\n<rect x=\"0\" y=\"0\" width=\"9\" height=\"9\" opacity=\"1\" fill=\"#FFFFFF\" stroke=\"none\"/>\n<text>t</text>\n\
<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" opacity=\"1\" fill=\"#AA0000\" stroke=\"none\"/>\n\
<rect x=\"4\" y=\"2\" width=\"1\" height=\"4\" opacity=\"1\" fill=\"#00AA00\" stroke=\"none\"/>\n\
<rect x=\"5\" y=\"2\" width=\"2\" height=\"4\" opacity=\"1\" fill=\"#AA0000\" stroke=\"none\"/>\n\
<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" opacity=\"1\" fill=\"none\" stroke=\"#000000\"/>\n</svg>";
        let merged = merge_cells(svg);
        assert_eq!(
            merged,
            "<svg>\n<rect x=\"0\" y=\"0\" width=\"9\" height=\"9\" opacity=\"1\" fill=\"#FFFFFF\" stroke=\"none\"/>\n<text>t</text>\n\
<path fill=\"#AA0000\" d=\"M1 2h3v4h-3zM5 2h2v4h-2z\"/>\n<path fill=\"#00AA00\" d=\"M4 2h1v4h-1z\"/>\n\
<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" opacity=\"1\" fill=\"none\" stroke=\"#000000\"/>\n</svg>\n"
        );
    }

    #[test]
    fn classes_and_levels() {
        assert_eq!(class(&[0.49]), 0);
        assert_eq!(class(&[0.5]), 1);
        assert_eq!(class(&[0.2, 0.7, 0.7]), 1);
        assert_eq!(level(&[0.0]), (0, 0));
        assert_eq!(level(&[1.0]), (0, 9));
        assert_eq!(level(&[0.1, 0.95]), (1, 9));
        assert_ne!(cell_color((0, 0), 1), cell_color((0, 9), 1));
    }
}
