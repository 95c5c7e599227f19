"""Times runner, NumPy and PyTorch on the same workloads, in one run, and prints the ratios.

    bash benches/compare/run.sh          (installs numpy and torch, builds runner, runs this)
    python3 benches/compare/compare.py   (if they are installed and runner is built)
"""
import csv
import datetime
import os
import pathlib
import platform
import subprocess
import tempfile
import time

import baselines

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNNER = ROOT / "target" / "release" / "runner"

# name, rows, hidden, epochs for runner, epochs for Python, target ratio (numpy / runner),
# precision (all three sides alike)
WORKLOADS = [
    ("100×2 → 4 → 1 (the tutorials)", 100, [4], 200_000, 3_000, 40, "f64"),
    ("10 000×2 → 64 → 64 → 1", 10_000, [64, 64], 200, 20, 10, "f64"),
    ("100 000×2 → 256 → 1", 100_000, [256], 20, 3, 15, "f64"),
    ("10 000×2 → 64 → 64 → 1, all in f32", 10_000, [64, 64], 200, 20, 10, "f32"),
]


def experiment(rows, hidden, epochs, seeds=1, precision="f64"):
    sweep = f'\n[sweep]\n"init.seed" = {{ range = [0, {seeds}] }}\n' if seeds > 1 else ""
    return (
        f'[data]\nkind = "moons"\nsamples = {rows}\nnoise = 0.1\n'
        f"[model]\nhidden = {hidden}\nbias = false\n"
        f'[init]\nkind = "uniform"\nlow = -0.5\nhigh = 0.5\n'
        f'[train]\nlearning_rate = 0.001\nepochs = {epochs}\nprecision = "{precision}"\n'
        f"[output]\nevery = {epochs}\n{sweep}"
    )


def runner(rows, hidden, epochs, threads=2, seeds=1, precision="f64"):
    """(training seconds per epoch from runs.csv, wall-clock seconds of the command)."""
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "bench.toml"
        path.write_text(experiment(rows, hidden, epochs, seeds, precision))
        start = time.perf_counter()
        subprocess.run(
            [RUNNER, path, "--out", pathlib.Path(d) / "out", "--quiet", "--threads", str(threads)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        with open(pathlib.Path(d) / "out" / "runs.csv") as f:
            seconds = sum(float(r["seconds"]) for r in csv.DictReader(f))
    return seconds / (epochs * seeds), wall


SKLEARN_EXPERIMENT = """[data]
kind = "moons"
samples = 10000
noise = 0.1
[model]
hidden = [100]
activation = "relu"
[init]
kind = "sklearn"
[train]
optimizer = "adam"
loss = "bce"
epochs = EPOCHS
[output]
every = EPOCHS
"""


def runner_sklearn_defaults(epochs=100):
    """runner at MLPClassifier's defaults: seconds per epoch from runs.csv (one thread)."""
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "sk.toml"
        path.write_text(SKLEARN_EXPERIMENT.replace("EPOCHS", str(epochs)))
        subprocess.run([RUNNER, path, "--out", pathlib.Path(d) / "out", "--quiet", "--threads", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(pathlib.Path(d) / "out" / "runs.csv") as f:
            return sum(float(r["seconds"]) for r in csv.DictReader(f)) / epochs


def sklearn_defaults(epochs=10):
    """MLPClassifier() (adam, relu, 100 units, batch 200) on 10 000 moons: seconds per epoch,
    with the stopping rule off so that every epoch runs."""
    import warnings

    from sklearn.datasets import make_moons
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x, y = make_moons(10_000, noise=0.1, random_state=0)
    model = MLPClassifier(max_iter=epochs, n_iter_no_change=10**6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(x, y)
    return (time.perf_counter() - start) / epochs


def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{datetime.date.today()}, {cpu()}, {os.cpu_count()} cores; sigmoid, ½SSE, full-batch GD; per epoch\n")
    print("| workload | runner | NumPy | PyTorch (2 threads) | NumPy / runner | PyTorch / runner | target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, rows, hidden, ours, theirs, target, precision in WORKLOADS:
        # Best of three (NumPy and PyTorch: best of five; their times vary more).
        r = min(runner(rows, hidden, ours, precision=precision)[0] for _ in range(3))
        dtype = {"f64": baselines.np.float64, "f32": baselines.np.float32}[precision]
        n = baselines.seconds_per_epoch(baselines.numpy_epochs, rows, hidden, theirs, dtype=dtype)
        t = (
            baselines.seconds_per_epoch(baselines.torch_epochs, rows, hidden, theirs, dtype=dtype)
            if have_torch
            else None
        )
        tcell = fmt(t) if t else "not installed"
        tratio = f"{t / r:.1f}×" if t else "-"
        print(f"| {name} | {fmt(r)} | {fmt(n)} | {tcell} | {n / r:.1f}× | {tratio} | ≥ {target}× |")
    try:
        sk = min(sklearn_defaults() for _ in range(3))
        ours = min(runner_sklearn_defaults() for _ in range(3))
        print(f"\nscikit-learn's MLPClassifier defaults (adam, relu, 100 units, batch 200) on 10 000 moons, "
              f"per epoch: runner {fmt(ours)} (1 thread), scikit-learn {fmt(sk)}: {sk / ours:.1f}× (target ≥ 25×)")
    except ImportError:
        print("\nscikit-learn not installed: its row is skipped")
    one = min(runner(100, [4], 100_000, threads=1, seeds=16)[1] for _ in range(3))
    two = min(runner(100, [4], 100_000, threads=2, seeds=16)[1] for _ in range(3))
    print(f"\nsweep of 16 tiny runs × 100 000 epochs: 1 thread {one:.2f} s, 2 threads {two:.2f} s: {one / two:.2f}× (target ≥ 1.8×)")


if __name__ == "__main__":
    main()
