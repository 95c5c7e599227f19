//! What every figure shares: the palette, the legend strip, number formats and the choice of
//! a log axis.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::io;

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Okabe and Ito's palette, which readers with any common colour-vision deficiency can tell
/// apart (yellow last: it is faint on white).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// Viridis at five stops, for more series than the palette has: ordered series (widths,
/// rates) then read as a gradient, which is what they are.
const VIRIDIS: [(u8, u8, u8); 5] = [
    (0x44, 0x01, 0x54),
    (0x3B, 0x52, 0x8B),
    (0x21, 0x91, 0x8C),
    (0x5E, 0xC9, 0x62),
    (0xC8, 0xD8, 0x1E),
];

/// The colour of series `i` of `n`.
pub fn color(i: usize, n: usize) -> RGBColor {
    if n < PALETTE.len() {
        return PALETTE[i];
    }
    let t = i as f64 / (n - 1).max(1) as f64 * (VIRIDIS.len() - 1) as f64;
    let k = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - k as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `c` blended toward white: 0 is white, 1 is `c`.
pub fn tint(c: RGBColor, strength: f64) -> RGBColor {
    let m = |v: u8| (255.0 - (255.0 - v as f64) * strength).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

pub fn to_io(e: Box<dyn std::error::Error>) -> io::Error {
    io::Error::other(format!("cannot draw a figure: {e}"))
}

/// A legend beside the plots, so that it never covers data: one line per entry, a swatch
/// drawn by `swatch` then the label.
pub fn legend(
    area: &Area,
    title: &str,
    entries: &[(String, RGBColor)],
    more: Option<String>,
) -> Res {
    let top = 40;
    area.draw(&Text::new(title.to_string(), (8, top - 18), font(13)))?;
    for (k, (label, c)) in entries.iter().enumerate() {
        let y = top + 20 * k as i32;
        area.draw(&PathElement::new(
            vec![(8, y + 6), (30, y + 6)],
            c.stroke_width(3),
        ))?;
        area.draw(&Text::new(clip(label, 24), (36, y), font(12)))?;
    }
    if let Some(more) = more {
        let y = top + 20 * entries.len() as i32;
        area.draw(&Text::new(
            more,
            (8, y),
            font(11).color(&RGBColor(90, 90, 90)),
        ))?;
    }
    Ok(())
}

/// At most `n` characters, with an ellipsis when cut.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n - 1).collect();
    t.push('…');
    t
}

/// Whether values span enough to want a log axis (all positive, max/min > 10).
pub fn wants_log(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        if v <= 0.0 {
            return None;
        }
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (hi / lo > 10.0).then_some((lo, hi))
}

/// Ticks for a log axis over `lo..hi`: 1, 2 and 5 times the powers of ten, or every digit
/// times them when the range spans less than a decade or so; over more than four decades the
/// powers of ten alone, every other one or fewer so that about eight remain.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = (hi / lo).log10();
    if decades > 4.0 {
        let step = (decades / 8.0).ceil().max(1.0) as i32;
        let first = lo.log10().ceil() as i32;
        let top = hi.log10().floor() as i32;
        return (first..=top)
            .filter(|p| (p - first) % step == 0)
            .map(|p| 10f64.powi(p))
            .collect();
    }
    let pick = |steps: &[f64]| -> Vec<f64> {
        let mut t = Vec::new();
        let mut p = 10f64.powf(lo.log10().floor());
        while p <= hi {
            t.extend(
                steps
                    .iter()
                    .map(|s| s * p)
                    .filter(|v| (lo..=hi).contains(v)),
            );
            p *= 10.0;
        }
        t
    };
    let t = pick(&[1.0, 2.0, 5.0]);
    if t.len() >= 4 {
        return t;
    }
    pick(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
}

/// The finite range of `values`, padded by 5% (a flat range gets some room).
pub fn padded(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_clipped() {
        assert_eq!(clip("abcdef", 4), "abc…");
    }

    #[test]
    fn log_axes_only_for_positive_values_spanning_decades() {
        assert_eq!(wants_log([1.0, 1000.0]), Some((1.0, 1000.0)));
        assert_eq!(wants_log([1.0, 10.0]), None);
        assert_eq!(wants_log([1.5, 17.0]), Some((1.5, 17.0)));
        assert_eq!(wants_log([0.0, 1000.0]), None);
        assert_ne!(color(0, 3), color(1, 3));
        assert_eq!(log_ticks(0.9, 25.0), [1.0, 2.0, 5.0, 10.0, 20.0]);
        assert_eq!(log_ticks(0.015, 0.05), [0.02, 0.03, 0.04, 0.05]);
        assert_ne!(color(0, 20), color(19, 20));
        assert_eq!(log_ticks(1.0, 1e5), [1.0, 10.0, 100.0, 1e3, 1e4, 1e5]);
        assert_eq!(log_ticks(2e-16, 0.2).len(), 8);
        assert!(log_ticks(2e-16, 0.2)
            .iter()
            .all(|t| (2e-16..=0.2).contains(t)));
    }
}
