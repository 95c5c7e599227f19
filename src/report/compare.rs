//! Results against a swept numeric key: the mean ± std across seeds of each configuration's
//! final loss, minimum loss and accuracy, one line per variant (and per value of the other
//! swept keys). The key's values are evenly spaced, as categories: widths such as 0, 1, 2, 4,
//! 32 read better so than on a linear or a log axis (which cannot show the perceptron's 0).

use super::chart::{self, color, font, Area, Res};
use crate::format::{people, percent};
use crate::results::summary::{group_stats, Group, Metric};
use crate::store::RunRecord;
use plotters::prelude::*;

/// A swept value as a number: a number itself, a list of numbers their sum (for
/// `model.hidden`, the total hidden units: the perceptron's `[]` is 0).
pub fn numeric(value: &str) -> Option<f64> {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().ok())
            .sum();
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// What the x axis says for `key`.
pub fn axis_name(key: &str) -> String {
    match key {
        "model.hidden" => "hidden units (total; perceptron = 0)".into(),
        k => k.into(),
    }
}

/// The series of a comparison: a label and, per x index, the group that sits there.
pub struct Series {
    pub label: String,
    pub points: Vec<(usize, usize)>,
}

/// The distinct values of column `k` (an index into the groups' values) in increasing order,
/// and the series; `None` when the column is not numeric for every group or has one value.
pub fn arrange(groups: &[Group], k: usize) -> Option<(Vec<f64>, Vec<Series>)> {
    let xs: Vec<f64> = groups
        .iter()
        .map(|g| numeric(&g.values[k]))
        .collect::<Option<_>>()?;
    let mut distinct = xs.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return None;
    }
    let mut series: Vec<Series> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let rest: Vec<&str> = (0..g.values.len())
            .filter(|&j| j != k)
            .map(|j| g.values[j].as_str())
            .collect();
        let label = if rest.is_empty() {
            "all".to_string()
        } else {
            rest.join(" ")
        };
        let x = distinct.iter().position(|d| *d == xs[gi]).expect("a value");
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push((x, gi)),
            None => series.push(Series {
                label,
                points: vec![(x, gi)],
            }),
        }
    }
    for s in &mut series {
        s.points.sort();
    }
    Some((distinct, series))
}

/// Draws one panel per metric, the legend at the right.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    area: &Area,
    key: &str,
    xs: &[f64],
    series: &[Series],
    groups: &[Group],
    records: &[RunRecord],
    metrics: &[(&str, Metric)],
    y_names: &[String],
) -> Res {
    let (w, _) = area.dim_in_pixel();
    let (plots, side) = area.split_horizontally(w - 200);
    let shown = &series[..series.len().min(12)];
    let entries: Vec<(String, RGBColor)> = shown
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.clone(), color(i, shown.len())))
        .collect();
    let more = (series.len() > shown.len())
        .then(|| format!("(first {} of {} lines)", shown.len(), series.len()));
    chart::legend(&side, "line", &entries, more)?;
    let cells = plots.split_evenly((1, metrics.len()));
    let labels: Vec<String> = xs.iter().map(|&x| people(x)).collect();
    for ((cell, (name, metric)), y_name) in cells.iter().zip(metrics).zip(y_names) {
        let accuracy = crate::job::Metric::named(name).is_some_and(|m| m.percent);
        // (x, mean, std) per series.
        let stats: Vec<Vec<(usize, f64, f64)>> = shown
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .filter_map(|&(x, g)| {
                        group_stats(&groups[g], records, *metric)
                            .map(|st| (x, st.mean, if st.std.is_nan() { 0.0 } else { st.std }))
                    })
                    .collect()
            })
            .collect();
        let (lo, hi) = if accuracy {
            (-0.02, 1.02)
        } else {
            chart::padded(stats.iter().flatten().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
        };
        let n = xs.len() as f64;
        let mut chart = ChartBuilder::on(cell)
            .caption(y_name, font(14))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5f64..n - 0.5, lo..hi)?;
        let labels = &labels;
        chart
            .configure_mesh()
            .x_desc(axis_name(key))
            .y_desc(y_name.as_str())
            .x_labels(xs.len() * 2 + 1)
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| if accuracy { percent(*v) } else { people(*v) })
            .disable_x_mesh()
            .label_style(font(11))
            .axis_desc_style(font(12))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(220, 220, 220))
            .draw()?;
        for (i, pts) in stats.iter().enumerate() {
            let c = color(i, shown.len());
            // Lines of several series side by side, nudged apart so their bars do not hide
            // each other.
            let nudge = (i as f64 - (shown.len() - 1) as f64 / 2.0) * 0.06;
            let at = |x: usize| x as f64 + nudge;
            chart.draw_series(LineSeries::new(
                pts.iter().map(|p| (at(p.0), p.1)),
                c.stroke_width(2),
            ))?;
            chart.draw_series(pts.iter().map(|p| {
                ErrorBar::new_vertical(at(p.0), p.1 - p.2, p.1, p.1 + p.2, c.stroke_width(2), 8)
            }))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swept_values_as_numbers() {
        assert_eq!(numeric("[]"), Some(0.0));
        assert_eq!(numeric("[4]"), Some(4.0));
        assert_eq!(numeric("[16, 8]"), Some(24.0));
        assert_eq!(numeric("[16,8]"), Some(24.0));
        assert_eq!(numeric("0.5"), Some(0.5));
        assert_eq!(numeric("\"relu\""), None);
        assert_eq!(numeric("[\"a\"]"), None);
    }
}
