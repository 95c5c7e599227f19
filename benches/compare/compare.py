"""Times runner, NumPy and PyTorch on the same workloads, in one run, and prints the ratios:
per epoch of one run, and runs × epochs a second of whole sweeps, each against the machine's
limit computed from peaks measured here (BLAS products, runner's sigmoid).

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
        # stderr too: the large workloads' runs end saturated (a fixed small step), which
        # runner rightly warns about; the timing is what matters here.
        subprocess.run(
            [RUNNER, path, "--out", pathlib.Path(d) / "out", "--quiet", "--threads", str(threads)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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


def peaks():
    """The machine's limits, measured: f64 matrix product GFLOP/s on all cores (NumPy's BLAS,
    2048³, best of 3) and runner's SIMD sigmoid in ns a value (its criterion bench)."""
    import re

    import numpy as np

    a = np.random.rand(2048, 2048)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    gflops = 2 * 2048**3 / best / 1e9
    out = subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "matmul", "--", "activation/sigmoid/runner_simd", "--noplot"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    value, unit = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", out).groups()
    scale = {"ns": 1, "µs": 1e3, "us": 1e3, "ms": 1e6}[unit]
    return gflops, float(value) * scale / 4096


def epoch_limit(rows, hidden, gflops, sigmoid_ns, cores):
    """Seconds one epoch of full-batch training takes at the machine's limit on one core: the
    products (forward, the weights' gradients and the deltas back, 2 flops a multiply-add) at
    a core's share of the BLAS peak, plus one sigmoid a unit and row at runner's own cost."""
    widths = [2, *hidden, 1]
    macs = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    flops = 2 * rows * (3 * macs - widths[0] * widths[1])
    return flops / (gflops * 1e9 / cores) + rows * sum(widths[1:]) * sigmoid_ns * 1e-9


TINY_SWEEP = """name = "tiny"
[data]
kind = "moons"
samples = 100
noise = 0.1
[model]
hidden = [4]
bias = false
[init]
kind = "uniform"
low = -0.5
high = 0.5
[train]
learning_rate = 0.001
epochs = 2000
[output]
every = 2000
[sweep]
"init.seed" = { range = [0, 1000] }
"""


def runner_sweep(path, threads=2, alone=False):
    """Wall seconds of `runner path` into a fresh folder (best of two); `alone`: every run alone,
    not in lockstep groups (`--no-lockstep`)."""
    best = float("inf")
    for _ in range(2):
        with tempfile.TemporaryDirectory() as d:
            start = time.perf_counter()
            subprocess.run([RUNNER, path, "--out", pathlib.Path(d) / "out", "--quiet", "--threads", str(threads)]
                           + (["--no-lockstep"] if alone else []),
                           check=True, stdout=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - start)
    return best


def sweeps(gflops, sigmoid_ns, have_torch):
    """Whole sweeps, runs × epochs a second: runner against NumPy looping over the runs, NumPy
    batched over the runs of one shape, and torch.func.vmap; and the machine's limit."""
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory() as d:
        tiny = pathlib.Path(d) / "tiny.toml"
        tiny.write_text(TINY_SWEEP)
        # The same network on 8 rows (logic-gate sized data), 10× the epochs.
        small = pathlib.Path(d) / "small.toml"
        small.write_text(TINY_SWEEP.replace('"tiny"', '"small"').replace("samples = 100", "samples = 8")
                         .replace("2000", "20000"))
        # (name, runner's experiment, [(train rows, hidden, runs)], epochs)
        cases = [
            ("`moons_sweep` (80 runs: 8 widths × 10 seeds, 150 rows, 20 000 epochs)",
             ROOT / "experiments" / "moons_sweep.toml",
             [(150, h, 10) for h in ([], [1], [2], [3], [4], [8], [16], [32])], 20_000),
            ("1 000 runs of 100×2 → 4 → 1, 2 000 epochs", tiny, [(100, [4], 1000)], 2000),
            ("1 000 runs of 8×2 → 4 → 1, 20 000 epochs", small, [(8, [4], 1000)], 20_000),
        ]
        print("\n| sweep, runs × epochs a second | runner (2 threads) | runner --no-lockstep | NumPy, a loop over runs | "
              "NumPy, batched over runs | torch.func.vmap | limit here | runner / NumPy loop | limit / runner |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, path, shapes, epochs in cases:
            work = sum(runs for _, _, runs in shapes) * epochs
            ours = work / runner_sweep(path)
            alone = work / runner_sweep(path, alone=True)
            # The Python sides train a sample of each shape for fewer epochs; a run-epoch costs
            # the same at any epoch of full-batch training.
            e = 50
            loop = sum(baselines.numpy_loop_seconds(r, h, min(n, 3), e) / (min(n, 3) * e) * n * epochs
                       for r, h, n in shapes)
            batched = sum(baselines.numpy_batched_seconds(r, h, n, e) / e * epochs for r, h, n in shapes)
            vmap = (sum(baselines.torch_vmap_seconds(r, h, n, e) / e * epochs for r, h, n in shapes)
                    if have_torch else None)
            limit = sum(epoch_limit(r, h, gflops, sigmoid_ns, 1) * n * epochs for r, h, n in shapes) / cores
            cell = lambda s: f"{work / s:,.0f}" if s else "not installed"
            print(f"| {name} | {ours:,.0f} | {alone:,.0f} | {cell(loop)} | {cell(batched)} | {cell(vmap)} | {work / limit:,.0f} | "
                  f"{ours / (work / loop):.1f}× | {(work / limit) / ours:.2f}× |")


def fixed_cost(runs=2000):
    """runner's cost a run beyond training, from `runs` one-epoch runs of 100×2 → 4 → 1 on one
    thread against a tenth as many: (training side: claim, store entry, record — as
    `--shard 0/1`, which leaves assembling out; assembling the files — `runner merge`), wall
    seconds a run, best of three."""
    def timed(n):
        text = TINY_SWEEP.replace("epochs = 2000", "epochs = 1").replace("every = 2000", "every = 1")
        text = text.replace("range = [0, 1000]", f"range = [0, {n}]")
        best = (float("inf"), float("inf"))
        for _ in range(3):
            with tempfile.TemporaryDirectory() as d:
                path, out = pathlib.Path(d) / "fixed.toml", pathlib.Path(d) / "out"
                path.write_text(text)
                run = lambda *a: subprocess.run([RUNNER, *a, "--quiet"], check=True, stdout=subprocess.DEVNULL)
                # The sweeps timed before leave their files to be written out; that writeback
                # would land in these short timings (300 µs a run instead of 70 in one run).
                os.sync()
                start = time.perf_counter()
                run(path, "--out", out, "--threads", "1", "--shard", "0/1")
                trained = time.perf_counter()
                run("merge", out)
                best = (min(best[0], trained - start), min(best[1], time.perf_counter() - trained))
        return best
    small, large = timed(runs // 10), timed(runs)
    n = runs - runs // 10
    return (large[0] - small[0]) / n, (large[1] - small[1]) / n


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
    gflops, sigmoid_ns = peaks()
    cores = os.cpu_count()
    print(f"{datetime.date.today()}, {cpu()}, {cores} cores; sigmoid, ½SSE, full-batch GD; per epoch")
    print(f"limits measured here: f64 matrix products {gflops:.0f} GFLOP/s on {cores} cores (NumPy's BLAS, 2048³), "
          f"runner's sigmoid {sigmoid_ns:.2f} ns a value (one core)\n")
    print("| workload | runner | NumPy | PyTorch (2 threads) | NumPy / runner | PyTorch / runner | target | limit here | runner / limit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
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
        # A run of one block (512 rows) uses one core; larger ones spread over all.
        used = 1 if rows <= 512 else cores
        limit = epoch_limit(rows, hidden, gflops, sigmoid_ns, cores) / used if precision == "f64" else None
        lcell, lratio = (fmt(limit), f"{r / limit:.2f}×") if limit else ("–", "–")
        print(f"| {name} | {fmt(r)} | {fmt(n)} | {tcell} | {n / r:.1f}× | {tratio} | ≥ {target}× | {lcell} | {lratio} |")
    try:
        sk = min(sklearn_defaults() for _ in range(3))
        ours = min(runner_sklearn_defaults() for _ in range(3))
        print(f"\nscikit-learn's MLPClassifier defaults (adam, relu, 100 units, batch 200) on 10 000 moons, "
              f"per epoch: runner {fmt(ours)} (1 thread), scikit-learn {fmt(sk)}: {sk / ours:.1f}× (target ≥ 25×)")
    except ImportError:
        print("\nscikit-learn not installed: its row is skipped")
    sweeps(gflops, sigmoid_ns, have_torch)
    train, assemble = fixed_cost()
    print(f"\nper-run fixed cost (one-epoch runs of 100×2 → 4 → 1, 1 thread, 2 000 against 200): "
          f"{fmt(train)} a run to claim, train, store and record it (target < 100 µs), "
          f"then {fmt(assemble)} a run to assemble the result files")
    one = min(runner(100, [4], 100_000, threads=1, seeds=16)[1] for _ in range(3))
    two = min(runner(100, [4], 100_000, threads=2, seeds=16)[1] for _ in range(3))
    print(f"\nsweep of 16 tiny runs × 100 000 epochs: 1 thread {one:.2f} s, 2 threads {two:.2f} s: {one / two:.2f}× (target ≥ 1.8×)")


if __name__ == "__main__":
    main()
