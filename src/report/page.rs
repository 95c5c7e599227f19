//! The report page: a heading, the summary table, the figures and the resolved experiment,
//! as one XHTML-compatible file (every tag closed), so that it parses as XML too.

use super::{Figure, Inputs};
use crate::format::{people, percent};
use crate::results::summary::{group_stats, metrics, Group};
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:#222}\
h1{margin-bottom:.2rem}.sub{color:#555;margin-top:0}\
table{border-collapse:collapse;font-size:.9rem;margin:1rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}\
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#444;font-size:.9rem;max-width:70rem}\
pre{background:#f7f7f7;padding:1rem;overflow:auto;font-size:.85rem}nav a{margin-right:1rem}";

/// Escapes text for HTML and XML, in text and in quoted attributes (`& < > " '`).
pub fn escape(s: &str) -> String {
    html_escape::encode_quoted_attribute(s).into_owned()
}

/// A metric's mean ± std for people.
fn cell(name: &str, s: Option<crate::results::summary::Stats>) -> String {
    let Some(s) = s else {
        return "–".into();
    };
    let f = |v: f64| {
        if crate::job::Metric::named(name).is_some_and(|m| m.percent) {
            percent(v)
        } else {
            people(v)
        }
    };
    if s.n > 1 {
        format!("{} ± {}", f(s.mean), f(s.std))
    } else {
        f(s.mean)
    }
}

fn summary_table(inp: &Inputs, groups: &[Group]) -> String {
    let metrics = metrics(inp.cols);
    let mut t =
        String::from("<table><thead><tr><th>configuration</th><th>runs</th><th>diverged</th>");
    for (name, _) in &metrics {
        let _ = write!(t, "<th>{}</th>", escape(&name.replace('_', " ")));
    }
    t.push_str("</tr></thead><tbody>");
    for g in groups {
        let diverged = g
            .runs
            .iter()
            .filter(|&&i| inp.records[i].diverged())
            .count();
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{diverged}</td>",
            escape(&g.label),
            g.runs.len()
        );
        for (name, metric) in &metrics {
            let _ = write!(
                t,
                "<td>{}</td>",
                escape(&cell(name, group_stats(g, inp.records, *metric)))
            );
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// The settings of the first run with every default filled in, and what the sweep varies.
fn settings(inp: &Inputs) -> String {
    let Some(first) = inp.exp.runs.first() else {
        return String::new();
    };
    let text = toml::to_string(&first.resolved()).unwrap_or_default();
    let varied = if inp.cols.params.is_empty() && inp.exp.runs.len() == 1 {
        String::new()
    } else {
        let mut keys = inp.cols.params.clone();
        if inp.exp.runs.iter().any(|r| r.seed.is_some()) && inp.exp.runs.len() > 1 {
            keys.push("seed".into());
        }
        format!(
            "<p>Runs differ in: {}. The settings of the first run, <code>{}</code>, every default filled in (each run's values are in <code>experiment.toml</code>):</p>",
            keys.iter()
                .map(|k| format!("<code>{}</code>", escape(k)))
                .collect::<Vec<_>>()
                .join(", "),
            escape(&first.label)
        )
    };
    if !inp.compared.is_empty() {
        return format!(
            "<p>This report compares results folders; each configuration's label starts with its folder's:</p><ul>{}</ul><p>Each folder's <code>experiment.toml</code> holds its runs' settings, its CSV files the numbers. The settings of the first run, <code>{}</code>, every default filled in:</p><pre>{}</pre>",
            inp.compared
                .iter()
                .map(|c| format!("<li>{}</li>", code(c)))
                .collect::<String>(),
            escape(&first.label),
            escape(&text)
        );
    }
    format!("{varied}<pre>{}</pre>", escape(&text))
}

/// Escapes `s`, with its `backquoted` spans as code.
fn code(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

/// The whole page.
pub fn html(
    inp: &Inputs,
    groups: &[Group],
    figures: &[Figure],
    note: Option<String>,
    live: &str,
) -> String {
    let exp = inp.exp;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>runner: {}</title><style>{STYLE}{}</style></head><body>",
        escape(&exp.name),
        super::live::STYLE
    );
    let _ = write!(h, "<h1>{}</h1>", escape(&exp.name));
    let runs = exp.runs.len();
    let _ = writeln!(
        h,
        "<p class=\"sub\">{}{} {}, {} {}.</p>",
        exp.description
            .as_deref()
            .map(|d| format!("{} — ", escape(d)))
            .unwrap_or_default(),
        runs,
        if runs == 1 { "run" } else { "runs" },
        groups.len(),
        if groups.len() == 1 {
            "configuration"
        } else {
            "configurations"
        }
    );
    h.push_str("<nav><a href=\"#summary\">summary</a>");
    for (i, f) in figures.iter().enumerate() {
        let _ = write!(h, "<a href=\"#fig{i}\">{}</a>", escape(&f.planned.heading));
    }
    h.push_str("<a href=\"#experiment\">experiment</a></nav>\n");
    let _ = writeln!(
        h,
        "<section id=\"summary\"><h2>Summary</h2><p>Per configuration: mean ± sample standard deviation across its runs that did not diverge; losses at the last epoch (<code>final loss</code>) and the lowest over all epochs (<code>min loss</code>).{}</p>{}</section>",
        if inp.compared.is_empty() {
            " The same numbers are in <code>summary.csv</code>, each run in <code>runs.csv</code>."
        } else {
            " The same numbers are in each folder's <code>summary.csv</code>."
        },
        summary_table(inp, groups)
    );
    h.push_str(live);
    h.push('\n');
    for (i, f) in figures.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section id=\"fig{i}\"><h2>{}</h2><figure>{}<figcaption>{} Also in <code>{}</code>.</figcaption></figure>{}</section>",
            escape(&f.planned.heading),
            f.svg,
            escape(&f.caption),
            escape(&f.planned.file),
            f.after
        );
    }
    if let Some(note) = note {
        let _ = writeln!(
            h,
            "<section><h2>Decision boundaries</h2><p>{}</p></section>",
            escape(&note)
        );
    }
    let _ = writeln!(
        h,
        "<section id=\"experiment\"><h2>Experiment</h2>{}</section>\n</body></html>",
        settings(inp)
    );
    h
}
