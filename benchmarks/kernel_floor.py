"""The floor study behind ``lamina.kernels``: NumPy against compiled loops for the elementwise work of a step.

    python benchmarks/kernel_floor.py                 # every case, median of --repeats timings each
    python benchmarks/kernel_floor.py --cases adam    # a subset: adam, dense, softmax, batchnorm

What is timed is the elementwise work between the matrix products of one training step, at the benchmark's
shapes (workloads A, B and D of ``workloads.py``), written five ways:

* ``numpy``: what Lamina ran before its compiled kernels (Adam: the optimizer's blocked, two-thread update;
  dense and softmax: ``functional.py``'s passes);
* ``numba-par``: one ``@njit(parallel=True, fastmath=False, cache=True, error_model='numpy')`` loop (``prange``), on the workqueue
  threading layer with as many threads as the process has cores;
* ``numba-1``: the same loop compiled without ``parallel`` (one thread);
* ``numexpr``: ``numexpr.evaluate`` with ``out=`` (its own thread pool), one call per output array;
* (Adam only) ``torch-fused``: PyTorch's ``_fused_adam_`` on the same buffers, for reference.

Each case is timed in two conditions: ``alone`` (the kernel called back to back) and ``after-matmul`` (a
matrix product of the layer's size right before each call, untimed): the condition inside a training step,
where OpenBLAS's workers are still spinning on both cores when the elementwise work starts (see
``lamina/utils/blas_threads.py``). The compiled loops compute the same float32 operations in the same order
as the NumPy passes; the script checks that their results agree before timing them.

The numbers and the decision taken from them are in ``docs/notes/kernels.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

A_PARAMS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10                  # 235,146
B_PARAMS = 784 * 2048 + 2048 + 2048 * 2048 + 2048 + 2048 * 10 + 10            # 5,824,522
D_PARAMS = 784 * 256 + 256 + 7 * (256 * 256 + 256) + 8 * 2 * 256 + 256 * 10 + 10  # 669,706


def timed(fn, before=None, repeats: int = 200) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls; ``before()`` runs untimed before each."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_before(rows: int, inner: int, cols: int):
    """A product of the given size, run before each timed call (OpenBLAS's workers then spin on the cores)."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(rows, inner)).astype(np.float32)
    b = rng.normal(size=(inner, cols)).astype(np.float32)
    out = np.empty((rows, cols), np.float32)
    return lambda: np.matmul(a, b, out=out)


# ----- the compiled candidates (defined only when numba is installed) ----------------------------------------
def numba_kernels(parallel: bool):
    import numba
    from numba import njit, prange

    # error_model="numpy": a division by zero gives inf or NaN as in NumPy, instead of a per-element check that
    # raises ZeroDivisionError; that check alone keeps LLVM from vectorizing the loops (10x on Adam).
    jit = njit(parallel=parallel, fastmath=False, cache=True, nogil=True, error_model="numpy")
    loop = prange if parallel else range

    @jit
    def adam(w, g, m, v, beta_1, beta_2, step_size, epsilon_hat):
        for i in loop(w.size):
            gi = g[i]
            mi = m[i] * beta_1 + gi
            vi = v[i] * beta_2 + gi * gi
            m[i] = mi
            v[i] = vi
            w[i] -= mi / (np.sqrt(vi) + epsilon_hat) * step_size

    @jit
    def bias_relu_forward(z, b):
        rows, cols = z.shape
        for r in loop(rows):
            for c in range(cols):
                value = z[r, c] + b[c]
                z[r, c] = value if value > 0 else np.float32(0)

    @jit
    def relu_backward(g, a, dz, db):
        rows, cols = g.shape
        for c in range(cols):
            db[c] = 0
        for r in range(rows):
            for c in range(cols):
                value = g[r, c] if a[r, c] > 0 else np.float32(0)
                dz[r, c] = value
                db[c] += value

    @jit
    def softmax_cross_entropy(z, labels, grad, losses):
        rows, cols = z.shape
        scale = np.float32(1.0 / rows)
        for r in loop(rows):
            top = z[r, 0]
            for c in range(1, cols):
                top = max(top, z[r, c])
            total = np.float32(0)
            for c in range(cols):
                e = np.exp(z[r, c] - top)
                grad[r, c] = e
                total += e
            losses[r] = np.log(total) - (z[r, labels[r]] - top)
            for c in range(cols):
                grad[r, c] = grad[r, c] / total * scale
            grad[r, labels[r]] -= scale

    @jit
    def batch_norm_forward(x, gamma, beta, epsilon, x_hat, out, mean, var, inv_std):
        rows, cols = x.shape
        inv_count = np.float32(1.0 / rows)
        for c in loop(cols):
            total = np.float32(0)
            for r in range(rows):
                total += x[r, c]
            mu = total * inv_count
            square = np.float32(0)
            for r in range(rows):
                d = x[r, c] - mu
                square += d * d
            sigma2 = square * inv_count
            s = np.float32(1) / np.sqrt(sigma2 + epsilon)
            mean[c], var[c], inv_std[c] = mu, sigma2, s
            for r in range(rows):
                h = (x[r, c] - mu) * s
                x_hat[r, c] = h
                out[r, c] = h * gamma[c] + beta[c]

    def threads():
        return numba.get_num_threads() if parallel else 1

    return {"adam": adam, "bias_relu_forward": bias_relu_forward, "relu_backward": relu_backward,
            "softmax_cross_entropy": softmax_cross_entropy, "batch_norm_forward": batch_norm_forward,
            "threads": threads}


def load_numba():
    """The two compiled variants, {"numba-par": ..., "numba-1": ...}, or {} without numba."""
    try:
        import numba
    except ImportError:
        print("numba: not installed; its columns are skipped")
        return {}
    numba.config.THREADING_LAYER = "workqueue"
    return {"numba-par": numba_kernels(True), "numba-1": numba_kernels(False)}


def load_numexpr():
    try:
        import numexpr
    except ImportError:
        print("numexpr: not installed; its columns are skipped")
        return None
    numexpr.set_num_threads(len(os.sched_getaffinity(0)))
    return numexpr


# ----- the cases ---------------------------------------------------------------------------------------------
def adam_case(size: int, compiled, numexpr, args) -> dict[str, dict[str, float]]:
    from lamina import optimizers
    from lamina.utils import blas_threads

    rng = np.random.default_rng(0)
    g_flat = (rng.normal(size=size) * 1e-2).astype(np.float32)
    w0 = rng.normal(size=size).astype(np.float32)
    product = matmul_before(256, 784, 2048) if size > 1_000_000 else matmul_before(128, 784, 256)
    results: dict[str, dict[str, float]] = {}
    beta_1, beta_2 = np.float32(0.9), np.float32(0.999)

    def check(name, w, reference):
        if not np.array_equal(w, reference):
            worst = np.max(np.abs(w - reference))
            print(f"  {name}: differs from NumPy by up to {worst:.3g}")

    # NumPy: the library's own flat update (blocked, split over two threads on a large buffer)
    w_flat = w0.copy()
    opt = optimizers.Adam(1e-3)
    params, grads = [w_flat[:]], [g_flat[:]]
    opt.apply(grads, params)
    reference = w_flat.copy()
    step_size = np.float32(opt._coefficients(1e-3, 1)["step_size"])
    epsilon_hat = np.float32(opt._coefficients(1e-3, 1)["epsilon_hat"])
    results["numpy"] = {"alone": timed(lambda: opt.apply(grads, params), repeats=args.repeats),
                        "after-matmul": timed(lambda: opt.apply(grads, params), product, args.repeats)}
    for name, kernels in compiled.items():
        w, m, v = w0.copy(), np.zeros(size, np.float32), np.zeros(size, np.float32)
        call = lambda: kernels["adam"](w, g_flat, m, v, beta_1, beta_2, step_size, epsilon_hat)
        call()
        check(name, w, reference)
        release = (lambda: (product(), blas_threads.release_idle_blas_workers())) if name == "numba-par" \
            else product
        results[name] = {"alone": timed(call, repeats=args.repeats),
                         "after-matmul": timed(call, product, args.repeats)}
        if name == "numba-par":
            results[name]["after-matmul, BLAS released"] = timed(call, release, args.repeats)
    if numexpr is not None:
        w, m, v = w0.copy(), np.zeros(size, np.float32), np.zeros(size, np.float32)
        scalars = {"beta_1": beta_1, "beta_2": beta_2, "step_size": step_size, "epsilon_hat": epsilon_hat}

        def call():
            numexpr.evaluate("m * beta_1 + g", {"m": m, "g": g_flat, **scalars}, out=m)
            numexpr.evaluate("v * beta_2 + g * g", {"v": v, "g": g_flat, **scalars}, out=v)
            numexpr.evaluate("w - m / (sqrt(v) + epsilon_hat) * step_size", {"w": w, "m": m, "v": v, **scalars},
                             out=w)
        results["numexpr"] = {"alone": timed(call, repeats=args.repeats),
                              "after-matmul": timed(call, product, args.repeats)}
    try:
        import torch
        torch.set_num_threads(len(os.sched_getaffinity(0)))
        tw = torch.from_numpy(w0.copy())
        tg, tm, tv = torch.from_numpy(g_flat), torch.zeros(size), torch.zeros(size)
        steps = torch.zeros((), dtype=torch.float32)

        def call():
            torch._fused_adam_([tw], [tg], [tm], [tv], [], [steps], lr=1e-3, beta1=0.9, beta2=0.999,
                               weight_decay=0.0, eps=1e-7, amsgrad=False, maximize=False)
        results["torch-fused"] = {"alone": timed(call, repeats=args.repeats),
                                  "after-matmul": timed(call, product, args.repeats)}
    except (ImportError, AttributeError, RuntimeError) as error:
        print(f"  torch-fused: skipped ({error})")
    return results


def dense_case(rows: int, cols: int, compiled, numexpr, args) -> dict[str, dict[str, float]]:
    """bias + ReLU forward on z (rows, cols), and ReLU's backward with the bias gradient (column sums)."""
    from lamina.functional import batch_sum, times_positive

    rng = np.random.default_rng(0)
    z0 = rng.normal(size=(rows, cols)).astype(np.float32)
    b = rng.normal(size=cols).astype(np.float32)
    g = rng.normal(size=(rows, cols)).astype(np.float32)
    product = matmul_before(rows, 784 if cols == 256 else 256, cols)
    z = z0.copy()
    results: dict[str, dict[str, float]] = {}

    def numpy_forward():
        np.copyto(z, z0)
        z.__iadd__(b)
        np.maximum(z, 0, out=z)

    def numpy_backward():
        dz = times_positive(g, z)
        batch_sum(dz)

    numpy_forward()
    a = z.copy()
    results["numpy"] = {"forward": timed(numpy_forward, product, args.repeats),
                        "backward": timed(numpy_backward, product, args.repeats)}
    dz, db = np.empty_like(g), np.empty(cols, np.float32)
    for name, kernels in compiled.items():
        def forward():
            np.copyto(z, z0)
            kernels["bias_relu_forward"](z, b)
        forward()
        assert np.array_equal(z, a), name
        results[name] = {"forward": timed(forward, product, args.repeats),
                         "backward": timed(lambda: kernels["relu_backward"](g, a, dz, db), product, args.repeats)}
    if numexpr is not None:
        def forward():
            numexpr.evaluate("where(z0 + b > 0, z0 + b, 0)", {"z0": z0, "b": b}, out=z)
        results["numexpr"] = {"forward": timed(forward, product, args.repeats),
                              "backward": timed(lambda: batch_sum(numexpr.evaluate("where(a > 0, g, 0)",
                                                                                   {"a": a, "g": g}, out=dz)),
                                                product, args.repeats)}
    return results


def softmax_case(rows: int, cols: int, compiled, args) -> dict[str, dict[str, float]]:
    from lamina import functional, tensor

    rng = np.random.default_rng(0)
    z = rng.normal(size=(rows, cols)).astype(np.float32)
    labels = rng.integers(0, cols, size=rows)
    seed = np.ones((), np.float32)
    results: dict[str, dict[str, float]] = {}

    def numpy_both():
        loss = functional.softmax_cross_entropy(tensor(z, requires_grad=True), labels)
        return loss._vjp(seed)[0]

    reference = numpy_both()
    results["numpy"] = {"loss + gradient": timed(numpy_both, repeats=args.repeats)}
    grad, losses = np.empty_like(z), np.empty(rows, np.float32)
    for name, kernels in compiled.items():
        kernels["softmax_cross_entropy"](z, labels, grad, losses)
        worst = float(np.max(np.abs(grad - reference)))
        if worst > 1e-8:
            print(f"  softmax {name}: gradient differs by {worst:.3g}")
        results[name] = {"loss + gradient": timed(lambda: kernels["softmax_cross_entropy"](z, labels, grad, losses),
                                                  repeats=args.repeats)}
    return results


def batchnorm_case(rows: int, cols: int, compiled, args) -> dict[str, dict[str, float]]:
    from lamina import functional, tensor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, cols)).astype(np.float32)
    gamma = tensor(rng.normal(size=cols).astype(np.float32), requires_grad=True)
    beta = tensor(rng.normal(size=cols).astype(np.float32), requires_grad=True)
    results = {"numpy": {"forward": timed(lambda: functional.batch_norm(x, gamma, beta), repeats=args.repeats)}}
    x_hat, out = np.empty_like(x), np.empty_like(x)
    stats = [np.empty(cols, np.float32) for _ in range(3)]
    eps = np.float32(1e-3)
    for name, kernels in compiled.items():
        call = lambda: kernels["batch_norm_forward"](x, gamma.data, beta.data, eps, x_hat, out, *stats)
        call()
        results[name] = {"forward": timed(call, repeats=args.repeats)}
    return results


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title} (microseconds, median)")
    columns = sorted({c for r in results.values() for c in r}, key=lambda c: (len(c), c))
    print(f"  {'':14s}" + "".join(f"{c:>32s}" for c in columns))
    for name, row in results.items():
        print(f"  {name:14s}" + "".join(f"{row[c] * 1e6:32.1f}" if c in row else f"{'-':>32s}" for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="adam,dense,softmax,batchnorm")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    cases = args.cases.split(",")
    start = time.perf_counter()
    compiled = load_numba()
    numexpr = load_numexpr()
    print(f"cores available: {len(os.sched_getaffinity(0))}; numba threads: "
          f"{compiled['numba-par']['threads']() if compiled else '-'}")
    if compiled:  # compile (or load from the disk cache) everything once, and say how long that took
        first = time.perf_counter()
        for kernels in compiled.values():
            w = np.zeros(8, np.float32)
            kernels["adam"](w, w, w.copy(), w.copy(), *(np.float32(0.5),) * 4)
            z = np.zeros((2, 3), np.float32)
            kernels["bias_relu_forward"](z, z[0])
            kernels["relu_backward"](z, z, z.copy(), z[0].copy())
            kernels["softmax_cross_entropy"](z, np.zeros(2, np.int64), z.copy(), z[:, 0].copy())
            kernels["batch_norm_forward"](z, z[0], z[0], np.float32(1e-3), z.copy(), z.copy(), *(z[0].copy(),) * 3)
        print(f"numba: compiling or loading the kernels took {time.perf_counter() - first:.2f} s "
              f"(threading layer {__import__('numba').threading_layer()})")
    if "adam" in cases:
        print_table(f"Adam over A's {A_PARAMS:,} parameters", adam_case(A_PARAMS, compiled, numexpr, args))
        print_table(f"Adam over D's {D_PARAMS:,} parameters", adam_case(D_PARAMS, compiled, numexpr, args))
        print_table(f"Adam over B's {B_PARAMS:,} parameters",
                    adam_case(B_PARAMS, compiled, numexpr, argparse.Namespace(repeats=max(args.repeats // 5, 10))))
    if "dense" in cases:
        print_table("bias + ReLU at A's first layer, (128, 256)", dense_case(128, 256, compiled, numexpr, args))
        print_table("bias + ReLU at A's second layer, (128, 128)", dense_case(128, 128, compiled, numexpr, args))
    if "softmax" in cases:
        print_table("softmax cross-entropy at A's output, (128, 10)", softmax_case(128, 10, compiled, args))
    if "batchnorm" in cases:
        print_table("batch norm forward at D's layers, (128, 256)", batchnorm_case(128, 256, compiled, args))
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
