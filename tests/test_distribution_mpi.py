"""Data-parallel training over MPI, end to end: ``mpiexec -n N`` runs of tests/data/distribution/worker.py on
loopback, compared with one process.

Every test here needs mpi4py and an ``mpiexec`` (the ``mpi`` extra: ``pip install 'lamina[mpi]'``); without
them the module is skipped. The processes run with one BLAS thread each; ``-n 3`` oversubscribes a 2-core
machine, which works because Lamina's waits yield the core (``collectives.py``).

Tolerances: N processes compute the same sums as one process in another order (each process sums its shard,
then the all-reduce adds the shards; the loss is scaled by n_p / B before the mean instead of 1 / B after), so
results agree to rounding. In float64 that is ~1e-16 per step and stays below 1e-12 after the ~30 Adam steps
here (measured: 6e-17); in float32 ~1e-7 per step, below 1e-5 here (measured: 3e-8). A wrong weighting, a
double-counted regularizer or a different shuffle would differ by 1e-3 or more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="the MPI tests need mpi4py (pip install 'lamina[mpi]')")
MPIEXEC = shutil.which("mpiexec", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
if MPIEXEC is None:
    pytest.skip("the MPI tests need an mpiexec (the mpich wheel of 'lamina[mpi]' provides one)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "data" / "distribution" / "worker.py"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    # One BLAS thread per process: N processes share the cores.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def run_job(processes: int | None, config: dict, timeout: float = 120, launcher_options: tuple = ()
            ) -> subprocess.CompletedProcess:
    """The worker under ``mpiexec -n processes`` (None: a plain one-process ``python``)."""
    command = [sys.executable, str(WORKER), json.dumps(config)]
    if processes is not None:
        command = [MPIEXEC, *launcher_options, "-n", str(processes), *command]
    return subprocess.run(command, env=_environment(), capture_output=True, text=True, timeout=timeout)


def train(tmp_path: Path, name: str, processes: int | None, **config) -> list[dict]:
    """Run the worker; return each rank's {'weights', 'history', 'evaluate', 'size'}."""
    out = tmp_path / name
    out.mkdir()
    result = run_job(processes, {"out": str(out), **config})
    assert result.returncode == 0, result.stdout + result.stderr
    ranks = []
    for rank in range(processes or 1):
        with np.load(out / f"rank{rank}.npz") as archive:
            weights = [archive[key] for key in sorted(archive.files, key=lambda k: int(k.split("_")[1]))]
        ranks.append({"weights": weights, **json.loads((out / f"rank{rank}.json").read_text())})
    return ranks


def assert_close(got: list[np.ndarray], want: list[np.ndarray], tolerance: float, atol: float | None = None) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance if atol is None else atol)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> dict[str, dict]:
    """The references: one process, float64 and float32, with and without synchronized BatchNormalization."""
    folder = tmp_path_factory.mktemp("one")
    references = {f"{dtype}{'-bn' if bn else ''}": train(folder, f"{dtype}{bn}", None, dtype=dtype, sync_bn=bn)[0]
                  for dtype, bn in (("float64", False), ("float32", False), ("float64", True))}
    references["sgd"] = train(folder, "sgd", None, dtype="float64", optimizer="sgd")[0]
    return references


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_n_processes_follow_one_process_in_float64(tmp_path, one_process, processes):
    # 203 samples, 10% for validation: 182 in batches of 20, so every epoch ends with a batch of 2: with 3
    # processes one of them has an empty shard (it contributes nothing and applies the same update).
    # processes=1 takes the MPI code path with one process (backend='mpi').
    ranks = train(tmp_path, "job", processes, dtype="float64", backend="mpi", check_every=1)
    reference = one_process["float64"]
    for result in ranks:
        assert result["size"] == processes
        assert_close(result["weights"], reference["weights"], 1e-12)
        for key, values in reference["history"].items():
            np.testing.assert_allclose(result["history"][key], values, rtol=1e-12, atol=1e-12)
        for key, value in reference["evaluate"].items():
            assert result["evaluate"][key] == pytest.approx(value, rel=1e-12, abs=1e-12)
    for result in ranks[1:]:  # bit for bit the same model on every process
        for a, b in zip(result["weights"], ranks[0]["weights"]):
            assert np.array_equal(a, b)


def test_plain_sgd_follows_one_process(tmp_path, one_process):
    # Adam divides by the gradient's scale, so a gradient summed where it should be averaged would pass unseen
    # with Adam alone; SGD's step is proportional to the gradient and shows any error in the weighting.
    ranks = train(tmp_path, "job", 3, dtype="float64", optimizer="sgd")
    for result in ranks:
        assert_close(result["weights"], one_process["sgd"]["weights"], 1e-12)


def test_float32_training_agrees_to_rounding_and_stays_identical_across_processes(tmp_path, one_process):
    ranks = train(tmp_path, "job", 2, dtype="float32", check_every=1)
    for result in ranks:
        assert_close(result["weights"], one_process["float32"]["weights"], 1e-5)
        assert result["evaluate"]["accuracy"] == pytest.approx(one_process["float32"]["evaluate"]["accuracy"],
                                                               abs=1e-12)
    for a, b in zip(ranks[1]["weights"], ranks[0]["weights"]):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("processes", [2, 3])
def test_synchronized_batch_norm_follows_one_process(tmp_path, one_process, processes):
    # The global batch's statistics on every process: the moving averages (non-trainable weights) agree too.
    # atol 1e-10: the Dense bias in front of BatchNormalization has a gradient of exactly zero in exact
    # arithmetic (BN subtracts the mean); its float64 rounding noise (~1e-16) divided by Adam's epsilon (1e-7)
    # moves it by up to ~1e-12 per step, in directions that depend on the order of the sums.
    ranks = train(tmp_path, "job", processes, dtype="float64", sync_bn=True)
    for result in ranks:
        assert_close(result["weights"], one_process["float64-bn"]["weights"], 1e-12, atol=1e-10)


def test_side_effects_on_rank_zero_only_and_every_rank_stops_together(tmp_path):
    out = tmp_path / "job"
    out.mkdir()
    # -prepend-rank: Hydra starts each output line with [rank].
    result = run_job(2, {"out": str(out), "files": True, "verbose": 1, "epochs": 6},
                     launcher_options=("-prepend-rank",))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("[0]") and "Epoch 1/6" in line for line in lines), result.stdout
    assert not any(line.startswith("[1]") for line in lines), result.stdout
    # EarlyStopping(min_delta=0.5, patience=0) stops after the second epoch on both ranks, printing once.
    assert sum("early stopping" in line for line in lines) == 1, result.stdout
    histories = [json.loads((out / f"rank{rank}.json").read_text())["history"] for rank in (0, 1)]
    assert len(histories[0]["loss"]) == len(histories[1]["loss"]) == 2
    assert (out / "ckpt-rank0.weights.npz").exists() and (out / "log-rank0.csv").exists()
    assert not (out / "ckpt-rank1.weights.npz").exists() and not (out / "log-rank1.csv").exists()


def test_a_checkpoint_from_two_processes_resumes_on_three(tmp_path, one_process):
    # 2 processes train epochs 0-1 and save (rank 0 writes); 3 processes load it and train epoch 2: the same
    # weights as one process training epochs 0-2 without stopping (optimizer and shuffling state included).
    checkpoint = tmp_path / "ckpt.lamina"
    train(tmp_path, "first", 2, dtype="float64", epochs=2, save=str(checkpoint))
    ranks = train(tmp_path, "second", 3, resume=str(checkpoint), epochs=3, initial_epoch=2)
    for result in ranks:
        assert_close(result["weights"], one_process["float64"]["weights"], 1e-12)


@pytest.mark.parametrize("fault, message", [
    ("kill", r"rank 1 of 2 \(pid \d+ on .*\) died abruptly"),
    ("raise", r"rank 1 of 2 failed with ValueError: a failure on purpose"),
    ("hang", r"rank\(s\) 1 did not answer: stuck outside any collective"),
])
def test_a_failed_process_ends_the_job_with_an_error_naming_it(tmp_path, fault, message):
    # The hang waits for the timeout (2 s) and rank 0's roll call (2 s); the others end within a second or two.
    start = time.monotonic()
    result = run_job(2, {"out": str(tmp_path), "fault": fault, "timeout": 2, "epochs": 50}, timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode != 0
    assert elapsed < 30, f"the job took {elapsed:.0f} s to end"
    assert re.search(message, result.stderr + result.stdout), result.stderr + result.stdout
    # One report: the processes the launcher then kills are not reported as failures.
    assert (result.stderr + result.stdout).count("died abruptly") == (1 if fault == "kill" else 0), result.stderr


def test_when_rank_zero_hangs_the_others_end_the_job(tmp_path):
    # Rank 0 leads the roll call; when it is the stuck one, the others abort on their own after twice the timeout
    # plus the roll call's grace (2 + 2 + 2 s here).
    result = run_job(2, {"out": str(tmp_path), "fault": "hang", "fault_rank": 0, "timeout": 2, "epochs": 50},
                     timeout=60)
    assert result.returncode != 0
    assert "rank 0 did not end the job: rank 0 is stuck" in result.stderr, result.stderr


_SCRIPT_HEADER = """
import sys
import numpy as np
from lamina import distribution, layers
from lamina.models import Sequential
distribution.set_distribution(distribution.DataParallel())
"""


def run_script(tmp_path: Path, body: str, processes: int = 2) -> subprocess.CompletedProcess:
    """``body`` after a header that makes a DataParallel current, under ``mpiexec -n processes``; the script's
    argv[1] is ``tmp_path``."""
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT_HEADER + textwrap.dedent(body))
    return subprocess.run([MPIEXEC, "-n", str(processes), sys.executable, str(script), str(tmp_path)],
                          env=_environment(), capture_output=True, text=True, timeout=60)


def test_processes_in_different_calls_are_stopped_with_an_error(tmp_path):
    # One process is given less data: fit would pair its collectives with the others' wrongly.
    result = run_script(tmp_path, """
        model = Sequential([layers.Input((4,)), layers.Dense(1)])
        model.compile(optimizer='sgd', loss='mse')
        n = 64 if distribution.rank() == 0 else 32
        model.fit(np.ones((n, 4)), np.ones((n, 1)), batch_size=8, verbose=0)
    """)
    assert result.returncode != 0
    assert "the processes disagree at the start of fit()" in result.stderr, result.stderr


def test_training_batch_by_batch_starts_from_rank_zeros_weights(tmp_path):
    # No common seed: each process draws other initial weights; the first train_on_batch copies rank 0's, so the
    # processes then train one model.
    result = run_script(tmp_path, """
        model = Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)])
        model.compile(optimizer='adam', loss='mse')
        x = np.arange(28.0).reshape(7, 4) / 28
        for _ in range(3):
            model.train_on_batch(x, x[:, :1])
        np.savez(sys.argv[1] + f'/rank{distribution.rank()}.npz', *model.get_weights())
    """)
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "rank0.npz") as first, np.load(tmp_path / "rank1.npz") as second:
        assert all(np.array_equal(first[key], second[key]) for key in first.files)


def test_a_batch_smaller_than_the_job_is_refused(tmp_path):
    result = run_job(3, {"out": str(tmp_path), "batch_size": 2}, timeout=60)
    assert result.returncode != 0
    assert "use batch_size >= 3" in result.stderr, result.stderr


def test_lamina_train_under_mpiexec(tmp_path):
    result = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "lamina.cli", "train", "--epochs", "2",
                             "--output", str(tmp_path / "out"), "--no-plot", "--verbose", "2"],
                            env=_environment(), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("test accuracy:") == 1
    assert result.stdout.count("Epoch 2/2") == 1
    assert (tmp_path / "out" / "model.weights.npz").exists()
    assert "data parallel over 2 processes" in result.stderr
