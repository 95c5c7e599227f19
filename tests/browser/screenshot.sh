#!/usr/bin/env bash
# Renders a results folder's report.html in headless Chromium and saves a PNG, to look at the
# report as a reader sees it. Installs Chromium with apt-get when it is missing (needs root).
#
#   bash tests/browser/screenshot.sh results/moons               # writes moons-report.png
#   bash tests/browser/screenshot.sh results/moons out.png 2400  # a taller window
set -euo pipefail
dir=${1:?usage: bash tests/browser/screenshot.sh RESULTS_DIR [OUT.png] [HEIGHT]}
out=${2:-$(basename "$dir")-report.png}
height=${3:-1000}
[ -f "$dir/report.html" ] || { echo "no report.html in $dir; run the experiment first" >&2; exit 1; }
if ! command -v chromium >/dev/null; then
  apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network (the report needs none) and quiet.
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1400,"$height" --screenshot="$(realpath -m "$out")" \
  "file://$(realpath "$dir")/report.html" 2>/dev/null
echo "wrote $out"
