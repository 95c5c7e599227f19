//! A stepper through the boundary as it forms: pick a configuration, drag a slider through its
//! snapshot epochs, and the figure `plots/boundary_epochs.svg` above zooms to that panel, twice
//! as large ("all" shows every panel again). The figure's own `viewBox` is changed, so nothing
//! is drawn or stored twice and the page costs no more to open; without JavaScript the stepper
//! stays hidden and the figure shows every panel.

use super::page::escape;
use super::replay::Replays;

/// The id the forming figure's `<svg>` gets, for the stepper to zoom.
pub const FIGURE_ID: &str = "forming-figure";
/// A panel's side in the figure, in its pixels.
pub const PANEL: u32 = 240;

/// Gives the figure's root `<svg>` the id the stepper refers to.
pub fn mark(svg: &str) -> String {
    svg.replacen("<svg ", &format!("<svg id=\"{FIGURE_ID}\" "), 1)
}

/// The stepper's HTML and script, for the rows of the forming figure.
pub fn section(replays: &Replays) -> String {
    let mut options = String::new();
    for (row, r) in replays.runs.iter().enumerate() {
        let epochs: Vec<String> = r.snapshots.iter().map(|s| s.0.to_string()).collect();
        options += &format!(
            "<option value=\"{row}\" data-epochs=\"{}\">{}</option>",
            epochs.join(" "),
            escape(&r.title)
        );
    }
    format!(
        "<div id=\"stepper\" style=\"display:none\"><p>Step through the snapshots: pick a configuration and drag the slider; the figure shows that panel, twice as large (<em>all</em> shows every panel again).</p>\
<div class=\"controls\"><label>configuration <select id=\"step-config\">{options}</select></label> <label>snapshot <input id=\"step-epoch\" type=\"range\" min=\"0\" max=\"0\" step=\"1\" value=\"0\"/></label> <output id=\"step-label\">all</output> <button id=\"step-all\" type=\"button\">all</button></div>\
<script>//<![CDATA[\n{}\n//]]></script></div>",
        SCRIPT
            .replace("PANEL", &PANEL.to_string())
            .replace("FIGURE_ID", FIGURE_ID)
    )
}

const SCRIPT: &str = r##"(function () {
  var P = PANEL;
  var fig = document.getElementById('FIGURE_ID');
  var config = document.getElementById('step-config'), slider = document.getElementById('step-epoch');
  var label = document.getElementById('step-label');
  var all = { box: fig.getAttribute('viewBox'), w: fig.getAttribute('width'), h: fig.getAttribute('height') };
  document.getElementById('stepper').style.display = '';
  function epochs() { var o = config.options[config.selectedIndex]; return o ? o.getAttribute('data-epochs').split(' ') : []; }
  function show() {
    var e = epochs(), k = Math.min(+slider.value, e.length - 1);
    slider.max = String(Math.max(e.length - 1, 0));
    fig.setAttribute('viewBox', (k * P) + ' ' + (+config.value * P) + ' ' + P + ' ' + P);
    fig.setAttribute('width', 2 * P); fig.setAttribute('height', 2 * P);
    label.textContent = e.length ? 'epoch ' + e[k] : '';
  }
  function reset() {
    fig.setAttribute('viewBox', all.box); fig.setAttribute('width', all.w); fig.setAttribute('height', all.h);
    label.textContent = 'all';
  }
  config.addEventListener('change', show);
  slider.addEventListener('input', show);
  document.getElementById('step-all').addEventListener('click', reset);
  slider.max = String(Math.max(epochs().length - 1, 0));
})();"##;
