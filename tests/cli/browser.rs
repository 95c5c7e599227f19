//! The report in a real browser: headless Chromium loads it offline with no console message,
//! and a driver script, added to a copy of the page, hovers the interactive chart, hides a
//! configuration, zooms, smooths and steps through the boundary's snapshots through the page's
//! own event handlers, then records what the page shows, which Chromium's `--dump-dom` hands
//! back. Skipped where Chromium is missing (CI installs it).

use crate::common::*;
use std::process::Command;

const SMALL: &str = "[data]\nkind = \"moons\"\nsamples = 80\nnoise = 0.2\n[train]\nepochs = 300\n\
[sweep]\n\"model.hidden\" = [[2], [4]]\n\"init.seed\" = [0, 1, 2]\n";

/// Presses, hovers, clicks and drags as a reader would, then writes what the page shows into
/// `body[data-driven]`.
const DRIVER: &str = r#"<script>//<![CDATA[
window.addEventListener('load', function () {
  var out = {};
  function svg() { return document.querySelector('#live-chart svg'); }
  function at(type, x) {
    var s = svg(), r = s.getBoundingClientRect();
    s.dispatchEvent(new MouseEvent(type, { clientX: r.left + x * r.width / 900, clientY: r.top + 150, bubbles: true }));
  }
  function lines() { return document.querySelectorAll('#live-chart path.series').length; }
  function ticks() { return Array.prototype.map.call(svg().querySelectorAll('text'), function (t) { return t.textContent; }); }
  out.shown = getComputedStyle(document.getElementById('explore')).display;
  out.lines = lines();
  at('mousemove', 480);
  out.tip = document.getElementById('live-tip').textContent;
  document.querySelector('#live-legend li').click();
  out.hidden_lines = lines();
  out.legend_class = document.querySelector('#live-legend li').className;
  out.ticks_before = ticks();
  at('mousedown', 300); at('mousemove', 600); at('mouseup', 600);
  out.ticks_after = ticks();
  var slider = document.getElementById('live-smooth');
  slider.value = '0.9'; slider.dispatchEvent(new Event('input'));
  out.smoothing = document.getElementById('live-smooth-value').textContent;
  out.smoothed_lines = lines();
  out.stepper = getComputedStyle(document.getElementById('stepper')).display;
  var config = document.getElementById('step-config'), step = document.getElementById('step-epoch');
  config.value = '1'; config.dispatchEvent(new Event('change'));
  step.value = '2'; step.dispatchEvent(new Event('input'));
  out.step_max = step.max;
  var fig = document.getElementById('forming-figure');
  out.step_view = fig.getAttribute('viewBox');
  out.step_size = fig.getBoundingClientRect().width;
  out.step_label = document.getElementById('step-label').textContent;
  document.getElementById('step-all').click();
  out.step_all = fig.getAttribute('viewBox');
  document.body.setAttribute('data-driven', JSON.stringify(out));
});
//]]></script>"#;

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var("RUNNER_README_STRICT").is_err(),
            "Chromium is missing; CI installs it"
        );
        eprintln!("note: Chromium is missing; the report is not tried in a browser");
    }
    found
}

/// `--dump-dom` of `page`, and the console messages Chromium logged.
fn load(browser: &str, page: &std::path::Path) -> (String, Vec<String>) {
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    let console = stderr(&o)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    (stdout(&o), console)
}

#[test]
fn the_report_loads_offline_without_console_errors_and_responds_to_hover_hide_zoom_smoothing_and_the_stepper(
) {
    let Some(browser) = chromium() else { return };
    let s = Scratch::new();
    s.file("small.toml", SMALL);
    ok(runner(s.path(), &["small.toml", "-q"]));
    let page = s.path().join("results/small/report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing to fetch: no external source, link or request.
    for bad in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "fetch(",
        "XMLHttpRequest",
        "@import",
    ] {
        assert!(!html.contains(bad), "the page would fetch: `{bad}`");
    }
    let (dom, console) = load(browser, &page);
    assert!(console.is_empty(), "console: {console:?}");
    assert!(
        dom.contains("id=\"live-chart\"><svg"),
        "the interactive chart was not drawn"
    );
    // Driven.
    let driven = s.path().join("results/small/driven.html");
    std::fs::write(
        &driven,
        html.replace("</body>", &format!("{DRIVER}</body>")),
    )
    .unwrap();
    let (dom, console) = load(browser, &driven);
    assert!(console.is_empty(), "console: {console:?}");
    let start = dom.find("data-driven=\"").expect("the driver ran") + "data-driven=\"".len();
    let json = html_unescape(&dom[start..start + dom[start..].find('"').unwrap()]);
    let out: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(out["shown"], "block");
    assert_eq!(out["lines"], 2, "{out}");
    let tip = out["tip"].as_str().unwrap();
    assert!(
        tip.starts_with("epoch ") && tip.contains("hidden=[2]") && tip.contains("hidden=[4]"),
        "{tip}"
    );
    assert_eq!(out["hidden_lines"], 1, "{out}");
    assert_eq!(out["legend_class"], "off");
    assert_ne!(
        out["ticks_before"], out["ticks_after"],
        "zooming changed no axis label: {out}"
    );
    assert_eq!(out["smoothing"], "0.9");
    assert_eq!(out["smoothed_lines"], 1);
    // The snapshot stepper: the second configuration's third snapshot (epoch 11 of 300).
    assert_eq!(out["stepper"], "block");
    assert_eq!(out["step_max"], "5");
    assert_eq!(out["step_view"], "480 240 240 240", "{out}");
    let third = runner::train::snapshot_epochs(300)[2];
    assert_eq!(out["step_label"], format!("epoch {third}"));
    assert_eq!(out["step_size"], 480, "{out}");
    // "all" shows every panel again: six to a row, two configurations.
    assert_eq!(out["step_all"], "0 0 1440 480");
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
