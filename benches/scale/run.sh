#!/usr/bin/env bash
# The 10 000-run sweep of the README's "Sweeps at scale" table: 4 widths × 2 500 seeds, 200
# moons with a quarter held out, tanh, BCE, 2 000 epochs, every other key at its default.
# Prints wall time and peak memory of the sweep, of running it again (nothing to do), of
# `runner status` and of `runner report` (the page drawn again), then the folder's size and
# file count, the report's size and the time headless Chromium takes to open it. SEEDS=25000 makes it the 100 000-run sweep. Usage: bash benches/scale/run.sh [DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
runner="$root/target/release/runner"
dir="${1:-$(mktemp -d)}"
seeds="${SEEDS:-2500}"
cd "$dir"
cat > scale.toml <<TOML
name = "scale"
[data]
kind = "moons"
samples = 200
test_fraction = 0.25
[model]
activation = "tanh"
[train]
loss = "bce"
epochs = 2000
[sweep]
"model.hidden" = [[2], [4], [8], [16]]
"init.seed" = { range = [0, $seeds] }
TOML
rm -rf results/scale
t() { local what="$1"; shift; /usr/bin/time -f "$what: %e s, peak %M KB" "$@" > /dev/null; }
t "sweep" "$runner" scale.toml -q
t "again (up to date)" "$runner" scale.toml -q
t "status" "$runner" status results/scale
rm results/scale/report.html
t "report" "$runner" report results/scale -q
echo "folder: $(du -sh results/scale | cut -f1), $(find results/scale -type f | wc -l) files"
echo "report.html: $(du -k results/scale/report.html | cut -f1) KB, plots/: $(du -sk results/scale/plots | cut -f1) KB"
if command -v chromium > /dev/null; then
  # The page loaded, its scripts run and its DOM dumped by headless Chromium, against an empty
  # page for the browser's own start; best of five (single opens vary by half a second here).
  open() {
    local best=999 s t
    for _ in 1 2 3 4 5; do
      s=$(date +%s.%N)
      chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$1" > /dev/null 2>&1
      t=$(echo "$(date +%s.%N) - $s" | bc)
      best=$(echo "if ($t < $best) $t else $best" | bc)
    done
    echo "$best"
  }
  echo "<html><body></body></html>" > empty.html
  echo "report opened in Chromium: $(open "$PWD/results/scale/report.html") s (an empty page: $(open "$PWD/empty.html") s)"
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
