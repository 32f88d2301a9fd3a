"""Training speed of Lamina against PyTorch and Keras on the same networks, data and epochs.

    python benchmarks/train_bench.py                      # workloads A-D, all frameworks installed
    python benchmarks/train_bench.py -w A,C --repeats 5   # a subset
    python benchmarks/train_bench.py --tiny               # seconds: synthetic data, for CI
    python benchmarks/train_bench.py --keras-python /path/to/venv-with-tensorflow/bin/python
    python benchmarks/train_bench.py -w E,F -f lamina,torch,keras,numpy --epochs 2   # the convnets
    python benchmarks/train_bench.py -f lamina,lamina-numpy,torch,torch-fused,keras-jax \
        --keras-jax-python /path/to/venv-with-keras-and-jax/bin/python

Frameworks: ``lamina`` (with its compiled kernels when the ``fast`` extra, numba, is installed; else NumPy),
``lamina-numpy`` (the same with ``LAMINA_KERNELS=numpy``), ``torch`` (its default Adam), ``torch-fused``
(``Adam(fused=True)``), ``keras`` (Keras 3 on whatever backend its interpreter defaults to, TensorFlow in a
``tensorflow-cpu`` venv), ``keras-jax`` (Keras 3 with ``KERAS_BACKEND=jax``: XLA compiles the whole step) and
``numpy`` (the hand-written program of ``numpy_floor.py``).

Each (framework, workload) run is a fresh process; frameworks alternate within every repeat so that machine
noise spreads evenly. Per workload it prints the median steady-state epoch time of each framework (epochs after
the first; several epochs because Adam's moments decay into slow subnormal floats after about two), the first
epoch's extra time over a steady one (graph tracing and XLA compilation for Keras on JAX; for Lamina, the time
its kernels spent compiling or loading from the disk cache is printed beside it), the ratios
of Lamina to the others (and to the fastest of them) and of the hand-written NumPy program (``numpy_floor.py``) to PyTorch, the test accuracy after the same epochs, the peak resident memory of the process, and the
GFLOP/s that the dense layers' matrix products achieved against NumPy doing the same products alone. It also
times ``import lamina``. MNIST / Fashion-MNIST are read from --data, else $LAMINA_DATA, else ../shared/datasets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import RUNNERS, WORKLOADS, load_data  # noqa: E402


def default_data_dir() -> str | None:
    if os.environ.get("LAMINA_DATA"):
        return os.environ["LAMINA_DATA"]
    shared = HERE.parent.parent / "shared" / "datasets"
    return str(shared) if shared.is_dir() else None


def child(framework: str, workload_name: str, epochs: int, seed: int, data_dir: str | None, tiny: bool) -> None:
    """Run one (framework, workload) in this process and print its result as JSON."""
    workload = WORKLOADS[workload_name]
    data = None
    if workload.dataset != "xor":
        dataset_dir = None
        if data_dir:
            candidate = Path(data_dir) / workload.dataset
            dataset_dir = str(candidate if candidate.is_dir() else data_dir)
        data = load_data(workload, dataset_dir, tiny)
    result = RUNNERS[framework](workload, data, epochs, seed)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if data is not None:
        samples = min(len(data[0]), getattr(workload, "train_limit", None) or len(data[0]))  # F: a subset
        flops = workload.matmul_flops_per_sample(data[0].shape[1], 10) * samples
        result["gflops_per_epoch"] = flops / 1e9
    print("RESULT " + json.dumps(result))


# Environment of each framework's child process, on top of the driver's.
FRAMEWORK_ENV = {"lamina-numpy": {"LAMINA_KERNELS": "numpy"}, "keras-jax": {"KERAS_BACKEND": "jax"},
                 "keras": {}}
LAMINAS = ("lamina", "lamina-numpy")


def run_child(python: str, framework: str, workload: str, args) -> dict | None:
    command = [python, str(HERE / "train_bench.py"), "--child", framework, workload, "--epochs",
               str(args.epochs), "--seed", str(args.seed)]
    if args.data:
        command += ["--data", args.data]
    if args.tiny:
        command.append("--tiny")
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.update(FRAMEWORK_ENV.get(framework, {}))
    pin = None
    if args.cpus:
        # Every framework on the same CPUs, its thread pools sized to them (OpenBLAS, Numba, Lamina and JAX read
        # the affinity; PyTorch is told): on a machine busy with other work, threads that wait for each other
        # at every product (OpenBLAS's, OpenMP's) otherwise lose whole time slices and the run measures that.
        cpus = {int(c) for c in args.cpus.split(",")}
        env["BENCH_THREADS"] = str(len(cpus))
        pin = lambda: os.sched_setaffinity(0, cpus)
    done = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=pin)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    print(f"  {framework} on {workload}: failed ({' | '.join(tail)})")
    return None


def available(python: str, module: str, framework: str) -> bool:
    env = {**os.environ, **FRAMEWORK_ENV.get(framework, {})}
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=env).returncode == 0


def first_epoch_extra(results: list[dict]) -> float | None:
    """Median over runs of the first epoch's time minus the run's median steady epoch: start-up work."""
    extras = [r["epoch_times"][0] - statistics.median(r["epoch_times"][1:]) for r in results
              if len(r["epoch_times"]) > 1]
    return statistics.median(extras) if extras else None


def steady_epoch_time(results: list[dict]) -> float:
    """Median epoch time over all repeats, leaving out each run's first epoch when there are more."""
    times = []
    for r in results:
        epoch_times = r["epoch_times"]
        times.extend(epoch_times[1:] if len(epoch_times) > 1 else epoch_times)
    return statistics.median(times)


def numpy_matmul_gflops(workload_name: str, samples: int, repeats: int = 3) -> float:
    """GFLOP/s of NumPy doing one epoch's dense-layer products (forward, dW, dx) alone, float32."""
    import numpy as np
    workload = WORKLOADS[workload_name]
    sizes = (784,) + workload.hidden + (10,)
    batch = workload.batch_size
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [rng.normal(size=(batch, a)).astype(np.float32) for a in sizes]
    steps = samples // batch
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            for i, w in enumerate(weights):
                acts[i] @ w                       # forward
                acts[i].T @ acts[i + 1]           # dL/dW
                if i:
                    acts[i + 1] @ w.T             # dL/dx (not for the first layer)
        best = min(best, time.perf_counter() - start)
    flops = workload.matmul_flops_per_sample(784, 10) * steps * batch
    return flops / best / 1e9


def kernel_backend(python: str) -> str:
    """Which kernels the lamina runs use (chosen as at the first fit: numba when installed, unless
    LAMINA_KERNELS=numpy)."""
    code = "from lamina import kernels; kernels.choose(); print(kernels.backend_name())"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    return done.stdout.strip() or f"unknown ({done.stderr.strip().splitlines()[-1:]})"


def products_alone(workload: str, args) -> float:
    """``numpy_matmul_gflops`` in a fresh process, pinned like the frameworks when --cpus is given."""
    cpus = {int(c) for c in args.cpus.split(",")} if args.cpus else None
    done = subprocess.run([sys.executable, str(HERE / "train_bench.py"), "--products-child", workload],
                          capture_output=True, text=True, preexec_fn=(lambda: os.sched_setaffinity(0, cpus))
                          if cpus else None)
    found = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("GFLOPS ")]
    return float(found[0]) if found else float("nan")


def import_time(python: str, module: str, repeats: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    values = [float(subprocess.run([python, "-c", code], capture_output=True, text=True, env=env).stdout)
              for _ in range(repeats)]
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description="Lamina vs PyTorch vs Keras training speed")
    parser.add_argument("-w", "--workloads", default="A,B,C,D")
    parser.add_argument("-f", "--frameworks", default="lamina,lamina-numpy,torch,torch-fused,keras,keras-jax,numpy",
                        help="any of lamina, lamina-numpy, torch, torch-fused, keras, keras-jax, numpy (the "
                             "hand-written NumPy program of numpy_floor.py)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (C always runs its 100 steps)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="folder with mnist/ and fashion-mnist/ IDX files")
    parser.add_argument("--keras-python", default=sys.executable, help="interpreter that has keras installed")
    parser.add_argument("--keras-jax-python", default=None,
                        help="interpreter that has keras and jax installed (default: --keras-python)")
    parser.add_argument("--cpus", default=None, help="run every framework pinned to these CPUs, e.g. 0 (one core) "
                        "or 0,1: a fairer comparison on a machine busy with other work")
    parser.add_argument("--tiny", action="store_true", help="synthetic data, 1 epoch, 1 repeat: a smoke run")
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"), help=argparse.SUPPRESS)
    parser.add_argument("--products-child", metavar="WORKLOAD", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.products_child:
        print(f"GFLOPS {numpy_matmul_gflops(args.products_child, 60000)}")
        return
    if args.tiny:
        args.epochs, args.repeats = 1, 1
    if args.child:
        child(args.child[0], args.child[1], args.epochs, args.seed, args.data, args.tiny)
        return
    args.data = args.data or default_data_dir()

    pythons = {"lamina": sys.executable, "lamina-numpy": sys.executable, "torch": sys.executable,
               "torch-fused": sys.executable, "keras": args.keras_python,
               "keras-jax": args.keras_jax_python or args.keras_python, "numpy": sys.executable}
    modules = {"lamina": "numpy", "lamina-numpy": "numpy", "torch": "torch", "torch-fused": "torch",
               "keras": "keras", "keras-jax": "keras, jax", "numpy": "numpy"}
    frameworks = []
    for name in args.frameworks.split(","):
        if name not in pythons:
            parser.error(f"unknown framework {name!r}; known: {', '.join(pythons)}")
        if available(pythons[name], modules[name], name):
            frameworks.append(name)
        else:
            print(f"{name}: {modules[name]} is not installed for {pythons[name]}; skipped")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; epochs per run {args.epochs}, repeats {args.repeats}"
          f"{', TINY synthetic data' if args.tiny else ''}{f', pinned to CPUs {args.cpus}' if args.cpus else ''}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"import lamina: {import_time(sys.executable, 'lamina') * 1000:.0f} ms")
    if "lamina" in frameworks:
        print(f"lamina kernels: {kernel_backend(sys.executable)}")

    for workload in args.workloads.split(","):
        results: dict[str, list[dict]] = {f: [] for f in frameworks}
        for _ in range(args.repeats):
            for framework in frameworks:
                result = run_child(pythons[framework], framework, workload, args)
                if result:
                    results[framework].append(result)
        print(f"\nworkload {workload}: {WORKLOADS[workload]}")
        summary = {f: steady_epoch_time(r) for f, r in results.items() if r}
        xor = WORKLOADS[workload].dataset == "xor"
        for framework, runs in results.items():
            if not runs:
                continue
            accuracy = statistics.median(r["accuracy"] for r in runs)
            rss = max(r["peak_rss_mb"] for r in runs)
            if xor:  # one fit of 100 one-batch epochs; "accuracy" is whether it solved XOR (often not: 2 units)
                solved = sum(r["accuracy"] for r in runs)
                line = (f"  {framework:12s} {summary[framework] * 1000:8.1f} ms for the 100 steps   solved XOR in "
                        f"{solved:.0f}/{len(runs)} runs   peak RSS {rss:7.0f} MB")
            else:
                line = (f"  {framework:12s} {summary[framework]:8.3f} s/epoch   accuracy {accuracy:.4f}"
                        f"   peak RSS {rss:7.0f} MB")
            if "gflops_per_epoch" in runs[0]:
                line += f"   {runs[0]['gflops_per_epoch'] / summary[framework]:6.1f} GFLOP/s in matmuls"
            extra = first_epoch_extra(runs)
            if extra is not None:
                line += f"   first epoch +{extra:.2f} s"
                compile_times = [r["compile_s"] for r in runs if r.get("compile_s") is not None]
                if compile_times:
                    line += f" (kernels compiled or loaded in {statistics.median(compile_times):.2f} s)"
            print(line)
        peers = {f: t for f, t in summary.items() if f not in LAMINAS and f != "numpy"}
        for lamina in LAMINAS:
            if lamina not in summary:
                continue
            for reference in (*LAMINAS, "torch", "torch-fused", "keras", "keras-jax", "numpy"):
                if reference in summary and reference != lamina:
                    print(f"  {lamina} / {reference}: {summary[lamina] / summary[reference]:.3g}x")
            if peers:
                fastest = min(peers, key=peers.get)
                print(f"  {lamina} / fastest peer ({fastest}): {summary[lamina] / peers[fastest]:.3g}x")
        if "numpy" in summary and "torch" in summary:
            # The hand-written NumPy program against PyTorch: what any NumPy-only library could reach at best.
            print(f"  numpy (hand-written floor) / torch: {summary['numpy'] / summary['torch']:.3g}x")
        if workload != "C" and WORKLOADS[workload].hidden and not args.tiny:  # the MLPs (not E, F)
            print(f"  NumPy, the same matrix products alone: {products_alone(workload, args):.1f} GFLOP/s")


if __name__ == "__main__":
    main()
