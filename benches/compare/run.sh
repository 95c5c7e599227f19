#!/usr/bin/env bash
# One command: install the Python side, build runner, time the three workloads in runner,
# NumPy and PyTorch on this machine, and print the ratio table.
#   bash benches/compare/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet -r benches/compare/requirements.txt
cargo build --release --quiet
python3 benches/compare/compare.py "$@"
