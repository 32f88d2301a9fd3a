"""Where one training step's time goes: the matrix products, each kernel of lamina.kernels, and the rest.

    python benchmarks/step_profile.py -w A              # with the kernels Lamina chooses (numba when installed)
    python benchmarks/step_profile.py -w D --kernels numpy
    python benchmarks/step_profile.py -w A,B,D --kernels numpy,numba

For a workload of ``workloads.py`` it builds Lamina's model exactly as the benchmark does, trains it for a few
hundred steps (compiling the kernels, letting Adam's moments settle), then times ``--steps`` training steps
(the model's own ``_train_step`` on shuffled batches of MNIST or Fashion-MNIST from ``$LAMINA_DATA``) and prints
per step, medians over the steps:

* the whole step;
* the matrix products alone: the same products (forward, dL/dW, dL/dx but the first layer's), at the same
  shapes, timed in a loop of their own; no framework can go below this on NumPy's BLAS ("the products-only
  bound");
* each kernel of ``lamina.kernels`` (its calls in a step, timed by wrapping the module's functions);
* the rest: the step minus the two above, i.e. Python (layers, autodiff, the optimizer's bookkeeping, the
  metric), the shuffled batch, and the time the products take inside the step beyond their time alone.

Times are wall-clock; on a machine shared with other work, compare within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from workloads import WORKLOADS, build_mlp, load_data  # noqa: E402


def products_alone(workload, inputs: int, steps: int) -> float:
    """Median seconds of one step's dense-layer products, alone, float32."""
    rng = np.random.default_rng(0)
    sizes = (inputs,) + workload.hidden + (10,)
    batch = workload.batch_size
    weights = [rng.normal(size=(a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [rng.normal(size=(batch, a)).astype(np.float32) for a in sizes]
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        for i, w in enumerate(weights):
            acts[i] @ w                       # forward
            acts[i].T @ acts[i + 1]           # dL/dW
            if i:
                acts[i + 1] @ w.T             # dL/dx (not for the first layer)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def profile(workload_name: str, kernel_name: str, steps: int, data_dir: str | None) -> dict:
    import lamina.keras
    from lamina import kernels

    workload = WORKLOADS[workload_name]
    kernels.use(kernel_name)
    folder = str(Path(data_dir) / workload.dataset) if data_dir else None
    x_train, y_train, _, _ = load_data(workload, folder, tiny=False)
    lamina.keras.utils.set_random_seed(0)
    model = build_mlp(lamina.keras, workload, x_train.shape[1])
    rng = np.random.default_rng(0)
    batch = workload.batch_size

    def batches(count):
        order = rng.permutation(len(x_train))
        for i in range(count):
            index = order[(i * batch) % (len(order) - batch):][:batch]
            yield x_train[index], y_train[index]

    for x, y in batches(300):  # warm-up: compile, settle the moments
        model._train_step(x, y, None)

    spent: dict[str, list[float]] = defaultdict(list)
    originals = {name: getattr(kernels, name) for name in kernels.NAMES}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name][-1] += time.perf_counter() - start
        return wrapper

    for name, function in originals.items():
        setattr(kernels, name, timed(name, function))
    step_times = []
    try:
        for x, y in batches(steps):
            for name in originals:
                spent[name].append(0.0)
            start = time.perf_counter()
            model._train_step(x, y, None)
            step_times.append(time.perf_counter() - start)
    finally:
        for name, function in originals.items():
            setattr(kernels, name, function)
    per_kernel = {name: statistics.median(values) for name, values in spent.items() if any(values)}
    return {"step": statistics.median(step_times), "products": products_alone(workload, x_train.shape[1], steps),
            "kernels": per_kernel, "backend": kernels.backend_name()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workloads", default="A,D")
    parser.add_argument("--kernels", default=None, help="numpy, numba or both (comma-separated); default: the "
                        "implementation Lamina chooses")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--data", default=os.environ.get("LAMINA_DATA"))
    args = parser.parse_args()
    from lamina import kernels
    names = args.kernels.split(",") if args.kernels else [kernels.choose()]
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {args.steps} steps; medians per step")
    for workload in args.workloads.split(","):
        for name in names:
            result = profile(workload, name, args.steps, args.data)
            step, products = result["step"], result["products"]
            kernel_total = sum(result["kernels"].values())
            print(f"\nworkload {workload}, {result['backend']}")
            print(f"  step {step * 1e3:7.3f} ms = products (alone) {products * 1e3:.3f} ms"
                  f" + kernels {kernel_total * 1e3:.3f} ms + the rest {(step - products - kernel_total) * 1e3:.3f} ms"
                  f"   (step / products-only bound: {step / products:.2f}x)")
            for kernel, seconds in sorted(result["kernels"].items(), key=lambda item: -item[1]):
                print(f"    {kernel:32s} {seconds * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
