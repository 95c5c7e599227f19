//! Loss and accuracy against epochs: each configuration in its colour, its runs faint, and
//! the mean ± std across its seeds as a band. Train and test side by side.

use super::chart::{self, color, font, Area, Res};
use super::Inputs;
use crate::format::{people, percent};
use crate::results::summary::Group;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::io;

/// At most this many points per mean curve, and per faint run curve.
const POINTS: usize = 240;
const FAINT_POINTS: usize = 120;
/// At most this many faint run curves per figure panel, shared by the configurations (at
/// least 3 each): enough to show the spread, few enough that a 1 000-run report stays small.
const FAINT: usize = 120;

/// Per-epoch running mean and variance (Welford), so memory stays per epoch, not per run.
#[derive(Clone, Copy, Default)]
struct Acc {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Acc {
    fn add(&mut self, v: f64) {
        self.n += 1;
        let d = v - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (v - self.mean);
    }
    fn std(&self) -> f64 {
        if self.n > 1 {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        } else {
            0.0
        }
    }
}

/// One configuration's curves for one metric column: its faint runs and its band.
pub struct Curves {
    pub runs: Vec<Vec<(f64, f64)>>,
    /// Epoch, mean, std, runs.
    pub band: Vec<(f64, f64, f64, usize)>,
}

/// At most about `points` of `rows`, keeping each stretch's extremes: the rows are cut into
/// `points / 2` consecutive buckets, and each keeps its lowest and highest `value` (in order),
/// so a spike anywhere is drawn at its height; the first and last rows are always kept.
pub(super) fn thin<T: Clone>(rows: &[T], points: usize, value: impl Fn(&T) -> f64) -> Vec<T> {
    if rows.len() <= points.max(2) {
        return rows.to_vec();
    }
    let size = rows.len().div_ceil((points / 2).max(1));
    let mut keep = vec![0, rows.len() - 1];
    for start in (0..rows.len()).step_by(size) {
        let end = (start + size).min(rows.len());
        let by = |pick: fn(f64, f64) -> bool| {
            (start..end)
                .reduce(|b, i| {
                    if pick(value(&rows[i]), value(&rows[b])) {
                        i
                    } else {
                        b
                    }
                })
                .expect("a bucket is not empty")
        };
        keep.push(by(|a, b| a < b));
        keep.push(by(|a, b| a > b));
    }
    keep.sort_unstable();
    keep.dedup();
    keep.into_iter().map(|i| rows[i].clone()).collect()
}

/// The curves of each group for the metric columns `cols` (indices into a run file's
/// metrics), reading every run's file once.
pub fn load(inp: &Inputs, groups: &[Group], cols: &[usize]) -> io::Result<Vec<Vec<Curves>>> {
    let faint = (FAINT / groups.len().max(1)).max(3);
    let mut out = Vec::new();
    for g in groups {
        let mut runs = vec![Vec::new(); cols.len()];
        let mut accs: Vec<BTreeMap<usize, Acc>> = vec![BTreeMap::new(); cols.len()];
        for (k, &i) in g.runs.iter().enumerate() {
            let rows = inp.rows(i)?;
            if rows.is_empty() {
                continue;
            }
            // The band sees every logged row; only what is drawn is thinned.
            for (c, &col) in cols.iter().enumerate() {
                let points: Vec<(f64, f64)> = rows
                    .iter()
                    .map(|(e, m)| (*e as f64, m.get(col).copied().unwrap_or(f64::NAN)))
                    .filter(|(_, v)| v.is_finite())
                    .collect();
                for &(e, v) in &points {
                    accs[c].entry(e as usize).or_default().add(v);
                }
                if k < faint {
                    runs[c].push(thin(&points, FAINT_POINTS, |p| p.1));
                }
            }
        }
        out.push(
            runs.into_iter()
                .zip(accs)
                .map(|(runs, acc)| Curves {
                    runs,
                    band: thin(
                        &acc.into_iter()
                            .map(|(e, a)| (e as f64, a.mean, a.std(), a.n))
                            .collect::<Vec<_>>(),
                        POINTS,
                        |b| b.1,
                    ),
                })
                .collect(),
        );
    }
    Ok(out)
}

/// One panel: every group's curves for one metric.
pub struct Panel<'a> {
    pub title: String,
    pub y_label: String,
    pub accuracy: bool,
    /// `curves[g]`: group `g`'s curves in this panel.
    pub curves: Vec<&'a Curves>,
}

/// Draws the panels side by side with the legend at the right.
pub fn draw(
    area: &Area,
    panels: &[Panel],
    legend: &[(String, RGBColor)],
    more: Option<String>,
) -> Res {
    let (w, _) = area.dim_in_pixel();
    let (plots, side) = area.split_horizontally(w - 200);
    chart::legend(&side, "configuration", legend, more)?;
    let cells = plots.split_evenly((1, panels.len().max(1)));
    for (cell, p) in cells.iter().zip(panels) {
        let values = p.curves.iter().flat_map(|c| {
            c.band
                .iter()
                .map(|b| b.1)
                .chain(c.runs.iter().flatten().map(|r| r.1))
        });
        let x_max = p
            .curves
            .iter()
            .flat_map(|c| c.band.last().map(|b| b.0))
            .fold(1.0f64, f64::max);
        if p.accuracy {
            panel(cell, p, x_max, -0.02..1.02)?;
        } else if let Some((lo, hi)) = chart::wants_log(values.clone()) {
            let (lo, hi) = (lo * 0.8, hi * 1.25);
            panel(
                cell,
                p,
                x_max,
                (lo..hi)
                    .log_scale()
                    .with_key_points(chart::log_ticks(lo, hi)),
            )?;
        } else {
            let (lo, hi) = chart::padded(values);
            panel(cell, p, x_max, lo..hi)?;
        }
    }
    Ok(())
}

fn panel<Y>(area: &Area, p: &Panel, x_max: f64, y: Y) -> Res
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, font(14))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_max, y)?;
    let accuracy = p.accuracy;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(&p.y_label)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| people(*v))
        .y_label_formatter(&|v| if accuracy { percent(*v) } else { people(*v) })
        .label_style(font(11))
        .axis_desc_style(font(12))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    let n = p.curves.len();
    for (g, c) in p.curves.iter().enumerate() {
        let col = color(g, n);
        for run in &c.runs {
            chart.draw_series(LineSeries::new(run.iter().copied(), col.mix(0.18)))?;
        }
        if c.band.iter().any(|b| b.3 > 1) {
            let upper = c.band.iter().map(|b| (b.0, b.1 + b.2));
            let lower = c.band.iter().rev().map(|b| (b.0, positive(b.1 - b.2, b.1)));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                col.mix(0.2),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            c.band.iter().map(|b| (b.0, b.1)),
            col.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// The band's lower edge, kept above zero where the mean is (a log axis cannot show ≤ 0).
fn positive(lower: f64, mean: f64) -> f64 {
    if mean > 0.0 && lower <= 0.0 {
        mean * 0.5
    } else {
        lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_first_and_last_every_spike_and_at_most_the_limit() {
        let rows: Vec<(usize, f64)> = (0..2001).map(|e| (e, 1.0 / (1.0 + e as f64))).collect();
        let mut spiky = rows.clone();
        for (at, v) in [(333, 4.55), (1200, 4.9), (1999, -3.0)] {
            spiky[at].1 = v;
        }
        for rows in [&rows, &spiky] {
            let t = thin(rows, POINTS, |r| r.1);
            assert!(t.len() <= POINTS + 2, "{}", t.len());
            assert_eq!((t[0].0, t.last().unwrap().0), (0, 2000));
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "in order");
        }
        let t = thin(&spiky, POINTS, |r| r.1);
        for at in [333, 1200, 1999] {
            assert!(t.iter().any(|r| r.0 == at), "spike at {at} dropped");
        }
        let short: Vec<(usize, f64)> = rows[..5].to_vec();
        assert_eq!(thin(&short, POINTS, |r| r.1), short);
        let mut a = Acc::default();
        [1.0, 2.0, 4.0, 8.0].iter().for_each(|&v| a.add(v));
        assert!((a.mean - 3.75).abs() < 1e-15 && (a.std() - 3.095_695_936_834_452).abs() < 1e-12);
    }
}
