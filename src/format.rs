//! Numbers and counts as runner writes them: in result files ([`num`], round-trip digits), in
//! tables ([`sig`]), in pictures and messages ([`people`], [`percent`]), class labels
//! ([`label`]) and counts ([`count`]). Every layer formats through here, so that a number reads
//! the same everywhere, and formatting needs nothing above it.

/// Formats a float the same way everywhere: shortest round-trip digits, exponent for very
/// small or large values, `NaN`/`inf` as pandas reads them.
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// A number as a class label: `2`, not `2.0`.
pub fn label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        num(v)
    }
}

/// Seven significant digits, fixed-point when that is readable.
pub fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e6).contains(&v.abs()) {
        let decimals = if v == 0.0 || !v.is_finite() {
            6
        } else {
            (6 - v.abs().log10().floor() as i32).clamp(0, 9)
        };
        format!("{v:.*}", decimals as usize)
    } else {
        format!("{v:.6e}")
    }
}

/// A number for people: four significant digits, plain where readable.
pub fn people(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e5..1e7).contains(&a) && v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.3e}")
    }
}

/// An accuracy as a percentage.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// `1 run`, `2 runs`.
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `text` with its control characters escaped (`\u{0}`, `\t`, `\u{1b}`), but line breaks:
/// a value echoed in a message shows what the file holds, and cannot move the cursor or ring
/// the bell.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A duration for people: `40 ms`, `12 s`, `3 min`, `2.5 h`, `3.1 days`.
pub fn human(seconds: f64) -> String {
    match seconds {
        s if s < 1.0 => format!("{:.0} ms", (s * 1000.0).max(1.0)),
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s if s < 2.0 * 86_400.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86_400.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(people(1.503350), "1.503");
        assert_eq!(people(4.14874), "4.149");
        assert_eq!(people(0.05), "0.05");
        assert_eq!(people(200000.0), "200000");
        assert_eq!(people(2.5e7), "2.500e7");
        assert_eq!(people(2.650159e-4), "2.650e-4");
        assert_eq!(people(12.0), "12");
        assert_eq!(percent(0.97), "97.0%");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(sig(4.148740123), "4.148740");
        assert_eq!(sig(1.5033190), "1.503319");
        assert_eq!(sig(2.650159e-4), "2.650159e-4");
        assert_eq!(sig(12.5), "12.50000");
    }

    #[test]
    fn result_files_round_trip_and_labels_drop_the_fraction() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1e-20), "1e-20");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(f64::INFINITY), "inf");
        assert_eq!(label(2.0), "2");
        assert_eq!(label(2.5), "2.5");
        assert_eq!(count(1, "run"), "1 run");
        assert_eq!(count(3, "run"), "3 runs");
    }

    #[test]
    fn control_characters_are_escaped_and_line_breaks_kept() {
        assert_eq!(escape_controls("a\0b"), "a\\u{0}b");
        assert_eq!(escape_controls("x\u{1b}[2Jy\tz\r"), "x\\u{1b}[2Jy\\tz\\r");
        assert_eq!(escape_controls("one\ntwo é"), "one\ntwo é");
    }

    #[test]
    fn durations_for_people() {
        assert_eq!(human(0.04), "40 ms");
        assert_eq!(human(12.2), "12 s");
        assert_eq!(human(600.0), "10 min");
        assert_eq!(human(9000.0), "2.5 h");
        assert_eq!(human(3.0 * 86_400.0), "3.0 days");
    }
}
