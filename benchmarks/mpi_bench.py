"""What data parallelism over MPI costs: time per step split into compute and all-reduce, the all-reduce's latency
and bandwidth on this machine, and a model of 2 to 64 machines.

The all-reduce's latency and bandwidth here are the fastest of many repetitions (what the transfer costs when
neither process is descheduled); the model of N machines uses the stated network numbers instead.

    python benchmarks/mpi_bench.py                  # workloads A and B on MNIST, 2 repeats (a few minutes)
    python benchmarks/mpi_bench.py -w A --repeats 3 --json results.json
    python benchmarks/mpi_bench.py --tiny           # seconds: synthetic data, few steps (a smoke test)

Runs, each a fresh process (or job), alternating within every repeat:
  - one process with two BLAS threads, at the global batch B;
  - one process with one BLAS thread at B, B/2 (what each of two processes computes, alone on the machine) and
    B/4 (for the compute model);
  - ``mpiexec -n 2``, one BLAS thread per process, global batch B (each process computes B/2).
Each times the second of two passes over ``steps * B`` samples and splits the step into the optimizer update,
the gradient all-reduce (the wall time of ``reduce_gradients``: the transfer plus any wait for the slower
process) and the rest (forward, loss, backward, metrics, Python). Then ``mpiexec -n 2`` times ``Allreduce`` of
1 float up to B's gradient, through Lamina's waiting loop and through the blocking call, and the machine's
in-place float32 addition rate (the arithmetic of a reduction).

The model (printed, with the measured numbers; docs/notes/dist.md explains it): N machines, each one process
computing as fast as one process with one BLAS thread does here (the CPU times of the one-thread runs at B, B/2
and B/4 give the per-step and per-sample costs: CPU time does not count the time other programs on a shared
machine take, and one-thread runs do not collapse under contention as two-thread ones do),
global batch B fixed (the same training as one machine), ring all-reduce:

    T_step(N) = T_update + T_fixed + T_sample * B / N + T_allreduce(N)
    T_allreduce(N) = 2 (N - 1) alpha + 2 (N - 1) / N * S / beta + (N - 1) / N * S / gamma

S the gradient's bytes, alpha the latency of one message, beta the network's bandwidth, gamma the rate of the
float additions. T_update (every process applies the whole update) and T_fixed (the per-step Python) do not shrink
with N: they and the all-reduce are where scaling stops.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import WORKLOADS, load_data  # noqa: E402

#: Networks of the model: (name, bandwidth in bytes/s at 90% of the line rate, latency per message in s).
NETWORKS = (("10 Gbit/s Ethernet (TCP)", 0.9 * 10e9 / 8, 25e-6), ("100 Gbit/s Ethernet (RDMA)", 0.9 * 100e9 / 8, 5e-6))
MACHINES = (1, 2, 4, 8, 16, 32, 64)
STEPS = {"A": 150, "B": 12}


def default_data_dir() -> str | None:
    if os.environ.get("LAMINA_DATA"):
        return os.environ["LAMINA_DATA"]
    shared = HERE.parent.parent / "shared" / "datasets"
    return str(shared) if shared.is_dir() else None


# ----- child: training -------------------------------------------------------------------------------------------
def train_child(workload_name: str, batch: int, steps: int, data_dir: str | None, tiny: bool,
                update_threads: int | None) -> None:
    """Train ``steps`` steps twice (the first pass warms up); print the second pass's split as RESULT json."""
    import lamina.keras as keras
    from lamina import distribution

    distribution.set_distribution(distribution.DataParallel())
    workload = WORKLOADS[workload_name]
    folder = None
    if data_dir:
        candidate = Path(data_dir) / workload.dataset
        folder = str(candidate if candidate.is_dir() else data_dir)
    x_train, y_train, _, _ = load_data(workload, folder, tiny)
    samples = min(len(x_train), steps * batch)
    x_train, y_train = x_train[:samples], y_train[:samples]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input(shape=(x_train.shape[1],))])
    for units in workload.hidden:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if update_threads is not None:
        model.optimizer.update_threads = update_threads
    clock = dict.fromkeys(("update", "allreduce", "update_cpu", "allreduce_cpu"), 0.0)

    def timed(function, key):
        def wrapper(*args, **kwargs):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = function(*args, **kwargs)
            clock[key] += time.perf_counter() - start
            clock[key + "_cpu"] += time.process_time() - start_cpu
            return result
        return wrapper

    model.optimizer.step = timed(model.optimizer.step, "update")
    replica = distribution.current_replica()
    replica.reduce_gradients = timed(replica.reduce_gradients, "allreduce")
    epochs = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            clock.update(dict.fromkeys(clock, 0.0))
            self.start, self.start_cpu = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            epochs.append((time.perf_counter() - self.start, time.process_time() - self.start_cpu, dict(clock)))

    load = os.getloadavg()[0]
    model.fit(x_train, y_train, batch_size=batch, epochs=2, verbose=0, callbacks=[Timer()])
    total, total_cpu, parts = epochs[-1]
    step_count = -(-samples // batch)
    if distribution.rank() == 0:
        result = {"step": total / step_count, "step_cpu": total_cpu / step_count,
                  **{key: value / step_count for key, value in parts.items()}, "processes": distribution.size(),
                  "parameters": int(sum(w.data.size for w in model.trainable_weights)), "load": load}
        result["rest"] = result["step"] - result["update"] - result["allreduce"]
        result["rest_cpu"] = result["step_cpu"] - result["update_cpu"] - result["allreduce_cpu"]
        print("RESULT " + json.dumps(result), flush=True)


# ----- child: the all-reduce alone ----------------------------------------------------------------------------------
def allreduce_child(sizes: list[int], repeats: int) -> None:
    """Under mpiexec: median time of an Allreduce (sum) of each size, through Lamina's wait and the blocking call."""
    import numpy as np
    from lamina import distribution

    distribution.set_distribution(distribution.DataParallel(backend="mpi"))
    collectives = distribution.current_replica().collectives
    comm, mpi = collectives.comm, collectives.MPI
    rows = []
    for size in sizes:
        buffer = np.ones(size, dtype=np.float32)
        count = max(3, min(repeats, int(2e8 / max(size * 4, 1))))
        timings = {"lamina": [], "blocking": []}
        for _ in range(count):
            for kind in timings:
                comm.Barrier()
                start = time.perf_counter()
                if kind == "lamina":
                    collectives.allreduce_sum(buffer, "the benchmark")
                else:
                    comm.Allreduce(mpi.IN_PLACE, buffer, op=mpi.SUM)
                timings[kind].append(time.perf_counter() - start)
        rows.append({"floats": size, "bytes": size * 4, **{k: statistics.median(v) for k, v in timings.items()},
                     **{f"{k}_min": min(v) for k, v in timings.items()}})
    if comm.Get_rank() == 0:
        added = np.ones(5_824_522, dtype=np.float32)
        other = np.ones_like(added)
        best = min(_timed(lambda: np.add(added, other, out=added)) for _ in range(20))
        print("RESULT " + json.dumps({"allreduce": rows, "add_bytes_per_s": added.nbytes / best}), flush=True)


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


# ----- driver -----------------------------------------------------------------------------------------------------
def _environment(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "src"), env.get("PYTHONPATH", "")])
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def _run(command: list[str], threads: int) -> dict:
    done = subprocess.run(command, env=_environment(threads), capture_output=True, text=True, timeout=1800)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _mpiexec() -> str:
    found = shutil.which("mpiexec", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    if found is None:
        raise SystemExit("mpiexec not found: pip install 'lamina[mpi]'")
    return found


def measure(args) -> dict:
    mpiexec = _mpiexec()
    me = [sys.executable, str(Path(__file__).resolve())]
    common = ["--data", args.data or ""] + (["--tiny"] if args.tiny else [])
    results: dict = {"train": {}, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    for name in args.workloads:
        batch = WORKLOADS[name].batch_size
        steps = 4 if args.tiny else STEPS[name]
        runs = {f"1 process, 2 threads, batch {batch}": (None, 2, batch, None),
                f"1 process, 1 thread, batch {batch}": (None, 1, batch, 1),
                f"1 process, 1 thread, batch {batch // 2}": (None, 1, batch // 2, 1),
                f"1 process, 1 thread, batch {batch // 4}": (None, 1, batch // 4, 1),
                f"2 processes, 1 thread each, global batch {batch}": (2, 1, batch, 1)}
        collected: dict[str, list[dict]] = {label: [] for label in runs}
        for _ in range(args.repeats):
            for label, (processes, threads, size, update_threads) in runs.items():
                command = me + ["--role", "train", "-w", name, "--batch", str(size),
                                "--steps", str(steps * batch // size)] + common
                if update_threads is not None:
                    command += ["--update-threads", str(update_threads)]
                if processes is not None:
                    command = [mpiexec, "-n", str(processes)] + command
                collected[label].append(_run(command, threads))
                print(f"  {name} {label}: {collected[label][-1]['step'] * 1e3:.2f} ms/step "
                      f"(load {collected[label][-1]['load']:.2f})", file=sys.stderr, flush=True)
        results["train"][name] = {label: {key: statistics.median(run[key] for run in values) for key in values[0]}
                                  for label, values in collected.items()}
        results["train"][name]["batch"] = batch
    sizes = [1, 16, 256, 4096, 65536, 235146, 1048576, 5824522]
    results["network"] = _run([mpiexec, "-n", "2"] + me + ["--role", "allreduce", "--sizes",
                                                            ",".join(map(str, sizes[:6] if args.tiny else sizes))], 1)
    return results


def fit_loopback(rows: list[dict]) -> tuple[float, float]:
    """(latency s, bandwidth bytes/s) of t = latency + bytes / bandwidth, least squares over the sizes."""
    xs = [row["bytes"] for row in rows]
    ys = [row["lamina_min"] for row in rows]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return min(row["lamina_min"] for row in rows), 1.0 / slope


def report(results: dict) -> None:
    network = results["network"]
    print("\nAllreduce (sum) of float32 on this machine, mpiexec -n 2 over shared memory, per call: the fastest of the")
    print("repetitions (the cost when neither process is descheduled), and the median:")
    print("| floats | bytes | Lamina's wait (Iallreduce + Test): min | median | blocking Allreduce: min | median "
          "| bandwidth (bytes / min) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in network["allreduce"]:
        print(f"| {row['floats']:,} | {row['bytes']:,} | {row['lamina_min'] * 1e6:.1f} us | {row['lamina'] * 1e6:.1f} us "
              f"| {row['blocking_min'] * 1e6:.1f} us | {row['blocking'] * 1e6:.1f} us "
              f"| {row['bytes'] / row['lamina_min'] / 1e9:.2f} GB/s |")
    latency, bandwidth = fit_loopback(network["allreduce"])
    gamma = network["add_bytes_per_s"]
    print(f"latency (1 float) {latency * 1e6:.1f} us, fitted bandwidth {bandwidth / 1e9:.2f} GB/s, in-place float32 "
          f"addition {gamma / 1e9:.2f} GB/s of the summed array")
    for name, runs in results["train"].items():
        batch = runs["batch"]
        print(f"\nWorkload {name} (batch {batch}): time per step (median of the repeats)")
        print("| run | step (wall) | optimizer update | gradient all-reduce | forward, backward, rest | step, CPU "
              "time of rank 0 | update, CPU | rest, CPU |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, run in runs.items():
            if label == "batch":
                continue
            print(f"| {label} | {run['step'] * 1e3:.2f} ms | {run['update'] * 1e3:.2f} ms | "
                  f"{run['allreduce'] * 1e3:.2f} ms | {run['rest'] * 1e3:.2f} ms | {run['step_cpu'] * 1e3:.2f} ms | "
                  f"{run['update_cpu'] * 1e3:.2f} ms | {run['rest_cpu'] * 1e3:.2f} ms |")
        pair = runs[f"2 processes, 1 thread each, global batch {batch}"]
        transfer = min((row for row in network["allreduce"]), key=lambda row: abs(row["floats"] - pair["parameters"]))
        print(f"All-reduce of the {int(pair['parameters']):,} gradients alone (the table above, fastest): "
              f"{transfer['lamina_min'] * 1e3:.2f} ms; the rest of the step's {pair['allreduce'] * 1e3:.2f} ms is "
              f"waiting for the slower process.")
        model_table(name, runs, batch, gamma)


def model_table(name: str, runs: dict, batch: int, gamma: float) -> None:
    """Print the N-machine model for one workload (see the module docstring)."""
    one = [runs[f"1 process, 1 thread, batch {b}"] for b in (batch, batch // 2, batch // 4)]
    sizes = [batch, batch // 2, batch // 4]
    rests = [run["rest_cpu"] for run in one]
    mean_b, mean_r = statistics.fmean(sizes), statistics.fmean(rests)
    per_sample = sum((b - mean_b) * (r - mean_r) for b, r in zip(sizes, rests)) / sum((b - mean_b) ** 2 for b in sizes)
    fixed = max(mean_r - per_sample * mean_b, 0.0)  # (noise can push the intercept below zero)
    update = one[0]["update_cpu"]
    gradient_bytes = 4 * one[0]["parameters"]
    print(f"\nModel for {name}: T_update {update * 1e3:.2f} ms, T_fixed {fixed * 1e3:.2f} ms, T_sample "
          f"{per_sample * 1e6:.2f} us (CPU times of the 1-thread runs at B, B/2, B/4), S = {gradient_bytes / 1e6:.2f} MB")
    for network, beta, alpha in NETWORKS:
        print(f"\n{network}: beta {beta / 1e9:.3f} GB/s, alpha {alpha * 1e6:.0f} us, gamma {gamma / 1e9:.1f} GB/s")
        print("| machines | step | of which all-reduce | all-reduce share | speed-up | efficiency |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        single = update + fixed + per_sample * batch
        for n in MACHINES:
            ring = 0.0 if n == 1 else (2 * (n - 1) * alpha + 2 * (n - 1) / n * gradient_bytes / beta
                                       + (n - 1) / n * gradient_bytes / gamma)
            step = update + fixed + per_sample * batch / n + ring
            print(f"| {n} | {step * 1e3:.2f} ms | {ring * 1e3:.2f} ms | {ring / step:.0%} | {single / step:.2f}x | "
                  f"{single / step / n:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-w", "--workloads", default="A,B", help="comma-separated: A, B")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data", default=None, help="the datasets folder (default: $LAMINA_DATA, ../shared/datasets)")
    parser.add_argument("--tiny", action="store_true", help="synthetic data, a few steps")
    parser.add_argument("--json", default=None, help="also write the measurements here")
    parser.add_argument("--role", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--update-threads", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data = args.data or default_data_dir()
    if args.role == "train":
        train_child(args.workloads, args.batch, args.steps, args.data or None, args.tiny, args.update_threads)
        return
    if args.role == "allreduce":
        allreduce_child([int(s) for s in args.sizes.split(",")], repeats=200)
        return
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in args.workloads if w not in ("A", "B")]
    if unknown:
        raise SystemExit(f"workloads are A and B; received {unknown}")
    started = time.strftime("%Y-%m-%d %H:%M")
    results = measure(args)
    results["started"] = started
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
