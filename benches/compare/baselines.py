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


def train(x, y, ws, epochs, lr, sigmoid, total):
    """The training loop, for NumPy arrays or PyTorch tensors alike."""
    for _ in range(epochs):
        acts = [x]
        for w in ws:
            acts.append(sigmoid(acts[-1] @ w))
        out = acts[-1]
        loss = 0.5 * total((out - y) ** 2)
        delta = (out - y) * out * (1.0 - out)
        for l in reversed(range(len(ws))):
            grad = acts[l].T @ delta
            if l > 0:
                delta = (delta @ ws[l].T) * acts[l] * (1.0 - acts[l])
            ws[l] -= lr * grad
    return float(loss)


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
