"""Per-operation overhead of Lamina's autodiff on a small expression, against NumPy and PyTorch.

The expression (10 ops) is evaluated forward and backward many times on tiny arrays, where the arithmetic is
negligible and what is measured is the bookkeeping: creating tensors, recording VJPs, topological sort,
accumulating gradients. The "NumPy" column is the same arithmetic written by hand (forward and the derived
backward), so Lamina minus NumPy is the cost of the autodiff itself.

    python benchmarks/op_overhead.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import lamina

OPS_PER_PASS = 10  # matmul, add, tanh, mul, sub, exp, sum(axis), mean, mul, sum (forward, plus their VJPs)


def lamina_step(x, w, b):
    h = lamina.tanh(x @ w + b)
    y = (h * h - lamina.exp(h)).sum(axis=1).mean() * 0.5
    loss = y.sum()
    w.grad = b.grad = None
    loss.backward()


def numpy_step(x, w, b):
    z = x @ w + b
    h = np.tanh(z)
    e = np.exp(h)
    s = (h * h - e).sum(axis=1)
    _ = s.mean() * 0.5
    gs = np.full(s.shape, 0.5 / s.size, dtype=x.dtype)
    gh = gs[:, None] * (2 * h - e)
    gz = gh * (1 - h * h)
    return x.T @ gz, gz.sum(axis=0)


def torch_step(torch, x, w, b):
    h = torch.tanh(x @ w + b)
    y = (h * h - torch.exp(h)).sum(dim=1).mean() * 0.5
    w.grad = b.grad = None
    y.backward()


def timeit(fn, repeat: int) -> float:
    """Median over 5 rounds of the mean time per call, in microseconds."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        rounds.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x_np = rng.normal(size=(4, 3)).astype(np.float32)
    w_np = rng.normal(size=(3, 5)).astype(np.float32)
    b_np = rng.normal(size=5).astype(np.float32)

    x = lamina.tensor(x_np)
    w = lamina.tensor(w_np, requires_grad=True)
    b = lamina.tensor(b_np, requires_grad=True)
    results = {
        "numpy (hand-written fwd+bwd)": timeit(lambda: numpy_step(x_np, w_np, b_np), args.repeat),
        "lamina": timeit(lambda: lamina_step(x, w, b), args.repeat),
    }
    try:
        import torch
        torch.set_num_threads(2)
        xt, wt, bt = torch.tensor(x_np), torch.tensor(w_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
        results["pytorch"] = timeit(lambda: torch_step(torch, xt, wt, bt), args.repeat)
    except ImportError:
        print("pytorch: not installed, skipped")

    print(f"forward + backward of a {OPS_PER_PASS}-op expression on (4, 3) arrays, median of 5 rounds")
    for name, micros in results.items():
        print(f"  {name:30s} {micros:8.1f} us/step  {micros / OPS_PER_PASS:6.2f} us/op")
    overhead = (results["lamina"] - results["numpy (hand-written fwd+bwd)"]) / OPS_PER_PASS
    print(f"  lamina overhead beyond NumPy's own work: {overhead:.2f} us/op")
    if "pytorch" in results:
        print(f"  lamina / pytorch: {results['lamina'] / results['pytorch']:.2f}x")


if __name__ == "__main__":
    main()
