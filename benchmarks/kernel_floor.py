"""The floor study behind ``lamina.kernels``: NumPy against compiled loops for the elementwise work of a step.

    python benchmarks/kernel_floor.py                       # every case
    python benchmarks/kernel_floor.py --cases adam,layers   # a subset: adam, layers, threads

What is timed is the elementwise work between the matrix products of one training step, at the benchmark's
shapes (workloads A, B and D of ``workloads.py``), written several ways:

* ``numpy``: Lamina's NumPy kernels (``kernels/numpy_*.py``: what Lamina ran before the compiled kernels;
  Adam blocked in cache-sized pieces, on two threads for a large buffer);
* ``numba-1``: Lamina's compiled kernels (``kernels/numba_*.py``), one thread: ``@njit(fastmath=False,
  cache=True, error_model="numpy")``;
* ``numba-par``: the same loop split over the cores with ``prange`` (``parallel=True``), on Numba's workqueue
  threading layer, OpenBLAS's idle workers stopped first (as ``numba_runtime.py`` does); ``numba-par,
  BLAS spinning``: without stopping them;
* ``numexpr``: ``numexpr.evaluate`` with ``out=`` (its own thread pool), one call per output array;
* ``torch-fused`` (Adam only): PyTorch's ``_fused_adam_`` on the same buffers, for reference.

Each is timed (median of ``--repeats`` calls) in two conditions: ``alone`` (called back to back) and
``after-matmul`` (a matrix product of the layer's size right before each call, untimed): the condition inside
a training step, where OpenBLAS's workers are still spinning on both cores when the elementwise work starts
(see ``lamina/utils/blas_threads.py``). ``threads`` compares Numba's threading layers (workqueue, GNU OpenMP)
in fresh processes: a parallel Adam over B's buffer after a product, and the product right after it.

The numbers and the decision taken from them are in ``docs/notes/kernels.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

A_PARAMS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10                  # 235,146
B_PARAMS = 784 * 2048 + 2048 + 2048 * 2048 + 2048 + 2048 * 10 + 10            # 5,824,522
D_PARAMS = 784 * 256 + 256 + 7 * (256 * 256 + 256) + 8 * 2 * 256 + 256 * 10 + 10  # 668,170


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


def product(rows: int, inner: int, cols: int):
    """A matrix product of the given size as a function (OpenBLAS's workers then spin on the cores)."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(rows, inner)).astype(np.float32)
    b = rng.normal(size=(inner, cols)).astype(np.float32)
    out = np.empty((rows, cols), np.float32)
    return lambda: np.matmul(a, b, out=out)


def load_numba():
    try:
        from lamina import kernels
        kernels.use("numba")
    except ImportError:
        print("numba: not installed; its columns are skipped")
        return None
    import numba
    from numba import njit, prange

    @njit(parallel=True, fastmath=False, cache=True, error_model="numpy")
    def bias_relu_parallel(z, b):  # the layer kernel split over threads, to show what starting them costs
        rows, cols = z.shape
        for r in prange(rows):
            for c in range(cols):
                z[r, c] = max(z[r, c] + b[c], np.float32(0))

    return {"numba": numba, "bias_relu_parallel": bias_relu_parallel}


def load_numexpr():
    try:
        import numexpr
    except ImportError:
        print("numexpr: not installed; its columns are skipped")
        return None
    numexpr.set_num_threads(len(os.sched_getaffinity(0)))
    return numexpr


# ----- Adam --------------------------------------------------------------------------------------------------
def adam_case(size: int, compiled, numexpr, repeats: int) -> dict[str, dict[str, float]]:
    from lamina.kernels import numpy_optimizers
    from lamina.kernels.prelude import Prelude
    from lamina.utils import blas_threads

    rng = np.random.default_rng(0)
    g = (rng.normal(size=size) * 1e-2).astype(np.float32)
    w0 = rng.normal(size=size).astype(np.float32)
    before = product(256, 784, 2048) if size > 1_000_000 else product(128, 784, 256)
    f = np.float32
    scalars = (f(0.9), f(0.999), f(0.0032), f(3.2e-6))
    fresh = lambda: (w0.copy(), np.zeros(size, np.float32), np.zeros(size, np.float32))
    results: dict[str, dict[str, float]] = {}

    w, m, v = fresh()
    numpy_call = lambda: numpy_optimizers.adam_update(w, g, m, v, None, Prelude(), *scalars, threads=2)
    results["numpy"] = {"alone": timed(numpy_call, repeats=repeats),
                        "after-matmul": timed(numpy_call, before, repeats)}
    if compiled:
        from lamina.kernels import numba_optimizers as k
        one = (f(1), f(np.inf), f(1), f(0))  # no scale, clip, decay or flush
        w, m, v = fresh()
        empty = np.zeros(0, np.float32)
        serial = lambda: k._adam(w, g, m, v, empty, False, *one, *scalars, 0, size)
        split = lambda: k._adam_parallel(w, g, m, v, empty, False, *one, *scalars, 2)
        compiled["numba"].set_num_threads(min(2, compiled["numba"].config.NUMBA_NUM_THREADS))
        released = lambda: (before(), blas_threads.release_idle_blas_workers())
        results["numba-1"] = {"alone": timed(serial, repeats=repeats), "after-matmul": timed(serial, before, repeats)}
        results["numba-par"] = {"alone": timed(split, repeats=repeats), "after-matmul": timed(split, released, repeats)}
        results["numba-par, BLAS spinning"] = {"after-matmul": timed(split, before, repeats)}
    if numexpr is not None:
        w, m, v = fresh()
        names = {"beta_1": scalars[0], "beta_2": scalars[1], "step_size": scalars[2], "epsilon_hat": scalars[3]}

        def call():
            numexpr.evaluate("m * beta_1 + g", {"m": m, "g": g, **names}, out=m)
            numexpr.evaluate("v * beta_2 + g * g", {"v": v, "g": g, **names}, out=v)
            numexpr.evaluate("w - m / (sqrt(v) + epsilon_hat) * step_size", {"w": w, "m": m, "v": v, **names}, out=w)
        results["numexpr"] = {"alone": timed(call, repeats=repeats), "after-matmul": timed(call, before, repeats)}
    try:
        import torch
        torch.set_num_threads(len(os.sched_getaffinity(0)))
        tw, tg = torch.from_numpy(w0.copy()), torch.from_numpy(g)
        tm, tv, steps = torch.zeros(size), torch.zeros(size), torch.zeros(())

        def call():
            torch._fused_adam_([tw], [tg], [tm], [tv], [], [steps], lr=1e-3, beta1=0.9, beta2=0.999,
                               weight_decay=0.0, eps=1e-7, amsgrad=False, maximize=False)
        results["torch-fused"] = {"alone": timed(call, repeats=repeats), "after-matmul": timed(call, before, repeats)}
    except (ImportError, AttributeError, RuntimeError) as error:
        print(f"  torch-fused: skipped ({error})")
    return results


# ----- layers ------------------------------------------------------------------------------------------------
def dense_case(rows: int, inner: int, cols: int, compiled, numexpr, repeats: int) -> dict[str, dict[str, float]]:
    """bias + ReLU forward on z (rows, cols), ReLU's backward with the bias gradient (column sums)."""
    from lamina.kernels import numpy_layers

    rng = np.random.default_rng(0)
    z = rng.normal(size=(rows, cols)).astype(np.float32)
    b = rng.normal(size=cols).astype(np.float32)
    g = rng.normal(size=(rows, cols)).astype(np.float32)
    a = np.maximum(z + b, 0)
    before = product(rows, inner, cols)
    results = {}
    modules = {"numpy": numpy_layers}
    if compiled:
        from lamina.kernels import numba_layers
        modules["numba-1"] = numba_layers
    for name, module in modules.items():
        results[name] = {"forward": timed(lambda: module.bias_act_forward(z, b, "relu"), before, repeats),
                         "backward": timed(lambda: module.bias_act_backward(g, a, None, "relu", 0.2, True),
                                           before, repeats)}
    if compiled:
        results["numba-par"] = {"forward": timed(lambda: compiled["bias_relu_parallel"](z, b), before, repeats)}
    if numexpr is not None:
        out = np.empty_like(z)
        results["numexpr"] = {
            "forward": timed(lambda: numexpr.evaluate("where(z + b > 0, z + b, 0)", {"z": z, "b": b}, out=out),
                             before, repeats),
            "backward": timed(lambda: numpy_layers.batch_sum(numexpr.evaluate("where(a > 0, g, 0)",
                                                                              {"a": a, "g": g}, out=out)),
                              before, repeats)}
    return results


def loss_and_norm_case(compiled, repeats: int) -> dict[str, dict[str, float]]:
    """Softmax cross-entropy at A's output (128, 10) and batch norm at D's layers (128, 256)."""
    from lamina.kernels import numpy_layers

    rng = np.random.default_rng(0)
    z = rng.normal(size=(128, 10)).astype(np.float32)
    labels = rng.integers(0, 10, size=128).astype(np.intp)
    x = rng.normal(size=(128, 256)).astype(np.float32)
    gamma, beta = (rng.normal(size=256).astype(np.float32) for _ in range(2))
    factor = np.float32(1 / 128)
    modules = {"numpy": numpy_layers}
    if compiled:
        from lamina.kernels import numba_layers
        modules["numba-1"] = numba_layers
    results = {}
    for name, module in modules.items():
        _, log_probs = module.softmax_cross_entropy_forward(z, labels, 1)
        _, x_hat, _, _, inv_std = module.batch_norm_forward(x, gamma, beta, 1e-3)
        results[name] = {
            "softmax CE forward": timed(lambda: module.softmax_cross_entropy_forward(z, labels, 1), None, repeats),
            "softmax CE backward": timed(lambda: module.softmax_cross_entropy_backward(log_probs, labels, 1, factor),
                                         None, repeats),
            "batch norm forward": timed(lambda: module.batch_norm_forward(x, gamma, beta, 1e-3), None, repeats),
            "batch norm backward": timed(lambda: module.batch_norm_backward(x, x_hat, gamma, inv_std), None, repeats)}
    return results


# ----- threading layers --------------------------------------------------------------------------------------
def threading_probe(repeats: int) -> None:
    """(In a fresh process with NUMBA_THREADING_LAYER set.) A parallel Adam over B's buffer after a product,
    and the product right after the parallel Adam; prints JSON."""
    import numba
    from lamina.kernels import numba_optimizers as k
    from lamina.utils import blas_threads

    f = np.float32
    rng = np.random.default_rng(0)
    g = (rng.normal(size=B_PARAMS) * 1e-2).astype(np.float32)
    w, m, v = rng.normal(size=B_PARAMS).astype(np.float32), np.zeros(B_PARAMS, f), np.zeros(B_PARAMS, f)
    args = (w, g, m, v, np.zeros(0, f), False, f(1), f(np.inf), f(1), f(0), f(0.9), f(0.999), f(3e-3), f(3e-6), 2)
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    before = product(256, 784, 2048)
    kernel = lambda: k._adam_parallel(*args)
    kernel()
    adam = timed(kernel, lambda: (before(), blas_threads.release_idle_blas_workers()), repeats)
    matmul = timed(before, kernel, repeats)
    alone = timed(before, None, repeats)
    print(json.dumps({"layer": numba.threading_layer(), "adam": adam, "matmul after adam": matmul,
                      "matmul alone": alone}))


def threads_case(repeats: int) -> dict[str, dict[str, float]]:
    results = {}
    for layer in ("workqueue", "omp"):
        env = {**os.environ, "NUMBA_THREADING_LAYER": layer, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run([sys.executable, __file__, "--threading-probe", "--repeats", str(repeats)],
                              capture_output=True, text=True, env=env)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            print(f"  {layer}: not available ({(done.stderr.strip().splitlines() or ['?'])[-1]})")
            continue
        found = json.loads(lines[-1])
        results[found.pop("layer")] = found
    return results


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title} (microseconds, median)")
    columns = list(dict.fromkeys(c for r in results.values() for c in r))
    print(f"  {'':26s}" + "".join(f"{c:>22s}" for c in columns))
    for name, row in results.items():
        print(f"  {name:26s}" + "".join(f"{row[c] * 1e6:22.1f}" if c in row else f"{'-':>22s}" for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="adam,layers,threads")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--threading-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threading_probe:
        threading_probe(args.repeats)
        return
    cases = args.cases.split(",")
    start = time.perf_counter()
    compiled = load_numba()
    numexpr = load_numexpr()
    print(f"cores available: {len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.1f}")
    if "adam" in cases:
        for label, size, repeats in (("A", A_PARAMS, args.repeats), ("D", D_PARAMS, args.repeats),
                                     ("B", B_PARAMS, max(args.repeats // 5, 10))):
            print_table(f"Adam over {label}'s {size:,} parameters", adam_case(size, compiled, numexpr, repeats))
    if "layers" in cases:
        for title, shape in (("A's first layer", (128, 784, 256)), ("A's second layer", (128, 256, 128)),
                             ("B's layers", (256, 2048, 2048))):
            print_table(f"bias + ReLU at {title}, z of {shape[0]} x {shape[2]}, after the product",
                        dense_case(*shape, compiled, numexpr, args.repeats))
        print_table("softmax cross-entropy (128 x 10) and batch norm (128 x 256), alone",
                    loss_and_norm_case(compiled, args.repeats))
    if "threads" in cases and compiled:
        print_table("Numba's threading layers: parallel Adam over B, and the product (256x784 @ 784x2048) "
                    "after it", threads_case(max(args.repeats // 5, 10)))
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
