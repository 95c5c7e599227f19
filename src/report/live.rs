//! The report's interactive curves: the configurations' mean curves as JSON in the page, and a
//! small inline script that draws them with hover values, a legend that hides and shows
//! configurations, zoom on a range of epochs, smoothing and a log scale. Nothing is fetched;
//! without JavaScript the section stays hidden and the static figures say the same.
//!
//! Written by hand (about 200 lines of plain JavaScript) rather than inlining a charting
//! library: the smallest well-kept ones (uPlot, 50 kB) would outweigh the page's own script
//! several times over for one chart, and the page must stay one small file.

use super::curves::Curves;
use crate::results::summary::Group;
use plotters::style::RGBColor;
use serde_json::json;

/// At most this many configurations are explorable (the legend's first ones).
pub const SERIES: usize = 64;

/// The curves as JSON safe inside a `<script>` element (no `<`, `>` or `&`): per metric its
/// name, per configuration its label, colour and `[epoch, mean, std]` points, values rounded
/// to 5 significant digits.
pub fn data(
    groups: &[Group],
    names: &[&str],
    curves: &[Vec<Curves>],
    colour: impl Fn(usize) -> RGBColor,
) -> String {
    let round = |v: f64| -> serde_json::Value {
        if !v.is_finite() {
            return serde_json::Value::Null;
        }
        let s = format!("{v:.4e}");
        json!(s.parse::<f64>().unwrap_or(v))
    };
    let series: Vec<serde_json::Value> = groups
        .iter()
        .zip(curves)
        .take(SERIES)
        .enumerate()
        .map(|(i, (g, per_metric))| {
            let c = colour(i);
            json!({
                "label": g.label,
                "color": format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2),
                "curves": per_metric.iter().map(|cv| {
                    cv.band.iter().map(|&(e, m, s, _)| json!([e, round(m), round(s)])).collect::<Vec<_>>()
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let text = json!({
        "metrics": names,
        "series": series,
        "more": groups.len().saturating_sub(SERIES),
    })
    .to_string();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The section: controls, the chart's place, the data and the script.
pub fn section(data: &str) -> String {
    format!(
        "<section id=\"explore\" style=\"display:none\"><h2>Explore the curves</h2>\
<p>Hover for each configuration's value at an epoch; click a legend entry to hide or show it; drag across the chart to zoom into those epochs (double-click to zoom out); smooth with the slider (an exponential moving average of the mean curve, as TensorBoard smooths). The lines are the configurations' means across seeds, as in <code>curves.csv</code>.</p>\
<div class=\"controls\"><label>metric <select id=\"live-metric\"></select></label> <label>smoothing <input id=\"live-smooth\" type=\"range\" min=\"0\" max=\"0.99\" step=\"0.01\" value=\"0\"/></label> <output id=\"live-smooth-value\">0</output> <label><input id=\"live-log\" type=\"checkbox\"/> log scale</label> <button id=\"live-reset\" type=\"button\">zoom out</button></div>\
<div id=\"live-chart\"></div><div id=\"live-tip\" class=\"tip\"></div><ul id=\"live-legend\" class=\"legend\"></ul>\
<script type=\"application/json\" id=\"runner-curves\">{data}</script>\
<script>//<![CDATA[\n{SCRIPT}\n//]]></script></section>"
    )
}

/// Styles the section needs, added to the page's.
pub const STYLE: &str = ".controls{margin:.5rem 0;font-size:.9rem}.controls label{margin-right:1rem}\
#live-chart svg{max-width:100%;height:auto;user-select:none}.tip{font-size:.85rem;min-height:1.2rem;color:#333}\
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.85rem}\
.legend li{cursor:pointer}.legend li.off{opacity:.35;text-decoration:line-through}\
.legend i{display:inline-block;width:1.2rem;height:.25rem;vertical-align:middle;margin-right:.3rem}";

/// The script: reads `#runner-curves` and draws into `#live-chart`.
const SCRIPT: &str = r##"(function () {
  var D = JSON.parse(document.getElementById('runner-curves').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var W = 900, H = 380, L = 70, R = 20, T = 16, B = 40;
  var S = { metric: 0, smooth: 0, log: false, hidden: {}, lo: null, hi: null, drag: null };
  var box = document.getElementById('live-chart'), tip = document.getElementById('live-tip');
  var legend = document.getElementById('live-legend');
  var select = document.getElementById('live-metric');
  document.getElementById('explore').style.display = '';
  D.metrics.forEach(function (m, i) {
    var o = document.createElement('option'); o.value = i; o.textContent = m.replace(/_/g, ' ');
    select.appendChild(o);
  });
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e7)) ? v.toExponential(3) : String(Number(v.toPrecision(a >= 1e4 ? 7 : 4)));
  }
  // The mean curve of series s for the chosen metric, smoothed: [[epoch, value], ...].
  function points(s) {
    var c = D.series[s].curves[S.metric] || [], out = [], last = null, a = S.smooth;
    for (var i = 0; i < c.length; i++) {
      var v = c[i][1];
      if (v === null) continue;
      last = last === null ? v : a * last + (1 - a) * v;
      out.push([c[i][0], last]);
    }
    return out;
  }
  function visible() {
    var v = [];
    for (var s = 0; s < D.series.length; s++) if (!S.hidden[s]) v.push(s);
    return v;
  }
  var scale = null;
  function draw() {
    box.textContent = '';
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H }, box);
    var shown = visible(), all = [], x0 = Infinity, x1 = -Infinity;
    D.series.forEach(function (_, s) {
      points(s).forEach(function (p) { x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); });
    });
    if (S.lo !== null) { x0 = S.lo; x1 = S.hi; }
    if (!(x1 > x0)) x1 = x0 + 1;
    var y0 = Infinity, y1 = -Infinity, log = S.log;
    shown.forEach(function (s) {
      points(s).forEach(function (p) {
        if (p[0] < x0 || p[0] > x1 || (log && p[1] <= 0)) return;
        y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]);
      });
    });
    if (!isFinite(y0)) { y0 = 0; y1 = 1; }
    if (log) { y0 = Math.log10(y0); y1 = Math.log10(y1); }
    if (!(y1 > y0)) { y1 = y0 + 1; }
    var pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    var X = function (e) { return L + (e - x0) / (x1 - x0) * (W - L - R); };
    var Y = function (v) { var t = log ? Math.log10(v) : v; return H - B - (t - y0) / (y1 - y0) * (H - T - B); };
    scale = { x0: x0, x1: x1, X: X };
    el('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fff', stroke: '#bbb' }, svg);
    for (var k = 0; k <= 4; k++) {
      var e = x0 + (x1 - x0) * k / 4, t = y0 + (y1 - y0) * k / 4;
      var tx = el('text', { x: X(e), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11 }, svg);
      tx.textContent = fmt(Math.round(e));
      var ty = el('text', { x: L - 6, y: H - B - (t - y0) / (y1 - y0) * (H - T - B) + 4, 'text-anchor': 'end', 'font-size': 11 }, svg);
      ty.textContent = fmt(log ? Math.pow(10, t) : t);
    }
    var xl = el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12 }, svg);
    xl.textContent = 'epoch';
    var g = el('g', {}, svg);
    shown.forEach(function (s) {
      var d = '';
      points(s).forEach(function (p) {
        if (p[0] < x0 || p[0] > x1 || (log && p[1] <= 0)) return;
        d += (d ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1);
      });
      if (d) el('path', { d: d, fill: 'none', stroke: D.series[s].color, 'stroke-width': 1.6, 'class': 'series', 'data-series': s }, g);
    });
    var cursor = el('line', { y1: T, y2: H - B, stroke: '#888', 'stroke-dasharray': '3 3', visibility: 'hidden', 'class': 'cursor' }, svg);
    var band = el('rect', { y: T, height: H - T - B, fill: '#0072b2', 'fill-opacity': 0.12, visibility: 'hidden' }, svg);
    function epochAt(ev) {
      var r = svg.getBoundingClientRect(), px = (ev.clientX - r.left) * W / r.width;
      return { px: px, e: x0 + (px - L) / (W - L - R) * (x1 - x0) };
    }
    svg.addEventListener('mousemove', function (ev) {
      var at = epochAt(ev);
      if (S.drag !== null) {
        band.setAttribute('x', Math.min(S.drag, at.px)); band.setAttribute('width', Math.abs(at.px - S.drag));
        band.setAttribute('visibility', 'visible');
      }
      hover(at.e);
      cursor.setAttribute('x1', X(at.e)); cursor.setAttribute('x2', X(at.e));
      cursor.setAttribute('visibility', 'visible');
    });
    svg.addEventListener('mousedown', function (ev) { S.drag = epochAt(ev).px; ev.preventDefault(); });
    svg.addEventListener('mouseup', function (ev) {
      var a = S.drag, b = epochAt(ev).px; S.drag = null;
      if (a !== null && Math.abs(b - a) > 5) {
        var ea = x0 + (Math.min(a, b) - L) / (W - L - R) * (x1 - x0);
        var eb = x0 + (Math.max(a, b) - L) / (W - L - R) * (x1 - x0);
        S.lo = Math.max(ea, x0); S.hi = Math.min(eb, x1); draw();
      } else band.setAttribute('visibility', 'hidden');
    });
    svg.addEventListener('dblclick', function () { S.lo = S.hi = null; draw(); });
    svg.addEventListener('mouseleave', function () { cursor.setAttribute('visibility', 'hidden'); });
  }
  // The value of each shown configuration at the logged epoch nearest `e`, highest first.
  function hover(e) {
    var rows = [], epoch = null;
    visible().forEach(function (s) {
      var p = points(s), best = null;
      for (var i = 0; i < p.length; i++) if (best === null || Math.abs(p[i][0] - e) < Math.abs(best[0] - e)) best = p[i];
      if (best) { epoch = best[0]; rows.push([best[1], D.series[s].label]); }
    });
    rows.sort(function (a, b) { return b[0] - a[0]; });
    tip.textContent = epoch === null ? '' : 'epoch ' + epoch + ': ' + rows.map(function (r) { return r[1] + ' ' + fmt(r[0]); }).join(' · ');
  }
  D.series.forEach(function (s, i) {
    var li = document.createElement('li'), sw = document.createElement('i');
    sw.style.background = s.color; li.appendChild(sw); li.appendChild(document.createTextNode(s.label));
    li.setAttribute('data-series', i); li.setAttribute('role', 'button');
    li.addEventListener('click', function () {
      S.hidden[i] = !S.hidden[i]; li.className = S.hidden[i] ? 'off' : ''; draw();
    });
    legend.appendChild(li);
  });
  if (D.more > 0) {
    var li = document.createElement('li'); li.textContent = '(and ' + D.more + ' more, in curves.csv)'; legend.appendChild(li);
  }
  // A loss spanning more than a factor of 10 starts on a log scale, as the static figure.
  function spans() {
    var lo = Infinity, hi = 0;
    D.series.forEach(function (_, s) { points(s).forEach(function (p) { if (p[1] > 0) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); } }); });
    return /loss/.test(D.metrics[S.metric]) && hi / lo > 10;
  }
  function pick() { S.log = spans(); document.getElementById('live-log').checked = S.log; }
  select.addEventListener('change', function () { S.metric = +select.value; pick(); draw(); });
  var slider = document.getElementById('live-smooth');
  slider.addEventListener('input', function () { S.smooth = +slider.value; document.getElementById('live-smooth-value').textContent = slider.value; draw(); });
  var logbox = document.getElementById('live-log');
  logbox.addEventListener('change', function () { S.log = logbox.checked; draw(); });
  document.getElementById('live-reset').addEventListener('click', function () { S.lo = S.hi = null; draw(); });
  pick();
  draw();
  // The section was hidden when the browser looked for `#explore`.
  if (location.hash === '#explore') document.getElementById('explore').scrollIntoView();
})();"##;
