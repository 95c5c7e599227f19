"""The workloads as NumPy and PyTorch would be written by hand: sigmoid layers without bias,
½SSE, full-batch gradient descent (the tutorials' training loop, vectorised), in f64 unless
asked for f32."""
import time

import numpy as np


def data(rows, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1.5, 2.5, (rows, 2))
    y = (x[:, :1] + 0.3 * np.sin(3 * x[:, 1:]) > 0.5).astype(np.float64)
    return x, y


def weights(widths, seed=1):
    rng = np.random.RandomState(seed)
    return [rng.uniform(-0.5, 0.5, (a, b)) for a, b in zip(widths[:-1], widths[1:])]


def train(x, y, ws, epochs, lr, sigmoid, total, transpose=lambda a: a.T, update=True):
    """The training loop, for NumPy arrays or PyTorch tensors alike (with `transpose` over the
    last two axes, for runs stacked along a leading one). Without `update`, the step is
    returned functionally: `ws` is rebound to the new weights (for torch.func.vmap)."""
    loss = 0.0
    for _ in range(epochs):
        acts = [x]
        for w in ws:
            acts.append(sigmoid(acts[-1] @ w))
        out = acts[-1]
        loss = 0.5 * total((out - y) ** 2)
        delta = (out - y) * out * (1.0 - out)
        for l in reversed(range(len(ws))):
            grad = transpose(acts[l]) @ delta
            if l > 0:
                delta = (delta @ transpose(ws[l])) * acts[l] * (1.0 - acts[l])
            if update:
                ws[l] -= lr * grad
            else:
                ws[l] = ws[l] - lr * grad
    return loss


def numpy_epochs(rows, hidden, epochs, lr=0.001, dtype=np.float64):
    x, y = (a.astype(dtype) for a in data(rows))
    ws = [w.astype(dtype) for w in weights([2, *hidden, 1])]
    return train(x, y, ws, epochs, dtype(lr), lambda z: 1.0 / (1.0 + np.exp(-z)), np.sum)


def torch_epochs(rows, hidden, epochs, lr=0.001, threads=2, dtype=np.float64):
    import torch

    torch.set_num_threads(threads)
    x, y = (torch.from_numpy(a.astype(dtype)) for a in data(rows))
    ws = [torch.from_numpy(w.astype(dtype)) for w in weights([2, *hidden, 1])]
    with torch.no_grad():
        return train(x, y, ws, epochs, lr, torch.sigmoid, torch.sum)


def seconds_per_epoch(fn, rows, hidden, epochs, repeats=5, **kw):
    """Best of `repeats` timings of `epochs` epochs, after one warm-up epoch."""
    fn(rows, hidden, 1, **kw)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(rows, hidden, epochs, **kw)
        best = min(best, time.perf_counter() - start)
    return best / epochs


def stacked_weights(runs, widths, dtype=np.float64):
    """Each run's own weights, stacked along a leading run axis: (runs, fan_in, fan_out)."""
    return [
        np.stack([weights(widths, seed=1 + r)[l] for r in range(runs)]).astype(dtype)
        for l in range(len(widths) - 1)
    ]


def numpy_loop_seconds(rows, hidden, runs, epochs, lr=0.001):
    """A sweep as a NumPy script writes it: one training loop after another. Seconds for all."""
    x, y = data(rows)
    widths = [2, *hidden, 1]
    start = time.perf_counter()
    for r in range(runs):
        ws = weights(widths, seed=1 + r)
        train(x, y, ws, epochs, lr, lambda z: 1.0 / (1.0 + np.exp(-z)), np.sum)
    return time.perf_counter() - start


def numpy_batched_seconds(rows, hidden, runs, epochs, lr=0.001):
    """The runs of one shape as one batched NumPy program (each run its own weights; matmul over
    a leading run axis, as vmap would make it). Seconds for all."""
    x, y = data(rows)
    ws = stacked_weights(runs, [2, *hidden, 1])
    xs = np.broadcast_to(x, (runs, *x.shape))
    start = time.perf_counter()
    train(xs, y, ws, epochs, lr, lambda z: 1.0 / (1.0 + np.exp(-z)),
          lambda a: a.sum(axis=(1, 2)), transpose=lambda a: np.swapaxes(a, 1, 2))
    return time.perf_counter() - start


def torch_vmap_seconds(rows, hidden, runs, epochs, lr=0.001, threads=2):
    """The runs of one shape with torch.func.vmap over their stacked weights (PyTorch's model
    ensembling), the same loop vectorised over runs. Seconds for all."""
    import torch
    from torch.func import vmap

    torch.set_num_threads(threads)
    x, y = (torch.from_numpy(a) for a in data(rows))
    ws = [torch.from_numpy(w) for w in stacked_weights(runs, [2, *hidden, 1])]

    def step(*w):
        w = list(w)
        train(x, y, w, 1, lr, torch.sigmoid, torch.sum, update=False)
        return tuple(w)

    batched = vmap(step)
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(epochs):
            ws = list(batched(*ws))
    return time.perf_counter() - start
