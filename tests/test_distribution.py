"""lamina.distribution without MPI: the API, one-process behaviour, and the arithmetic of the pieces (shards,
metric sums, synchronized batch normalization), the last with processes simulated by threads.

The runs over real MPI processes are in test_distribution_mpi.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import callbacks, distribution, layers, metrics
from lamina.distribution.metric_state import MetricState, check_reducible
from lamina.distribution.mpi_replica import shard_bounds
from lamina.distribution.replica import Replica
from lamina.distribution.sync_batch_norm import sync_batch_norm, take_part_without_data
from lamina.functional import batch_norm
from lamina.models import Sequential
from lamina.tensor import Tensor
from lamina.utils import set_random_seed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_distribution_left_behind():
    yield
    distribution.set_distribution(None)


def _model(dtype: str = "float32") -> Sequential:
    model = Sequential([layers.Input((5,)), layers.Dense(8, activation="relu", dtype=dtype, kernel_regularizer="l2"),
                        layers.Dense(3, activation="softmax", dtype=dtype)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n: int = 67):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)


# ----- the API in one process -----------------------------------------------------------------------------------
def test_one_process_reports_one_process():
    assert distribution.distribution() is None
    assert (distribution.rank(), distribution.size()) == (0, 1)
    strategy = distribution.DataParallel()
    assert strategy.num_processes == strategy.num_model_replicas == 1 and strategy.data_shard_id == 0
    assert strategy.devices == distribution.list_devices() == ["cpu:0"]
    assert distribution.list_devices("gpu") == [] and distribution.get_device_count() == 1
    distribution.set_distribution(strategy)
    assert distribution.distribution() is strategy and distribution.size() == 1


def test_fit_under_data_parallel_in_one_process_is_plain_fit():
    x, y = _data()
    results = []
    for strategy in (None, distribution.DataParallel()):
        distribution.set_distribution(strategy)
        set_random_seed(5)
        model = _model()
        history = model.fit(x, y, batch_size=10, epochs=3, validation_split=0.2, verbose=0)
        results.append((model.get_weights(), history.history, model.evaluate(x, y, verbose=0)))
    for a, b in zip(results[0][0], results[1][0]):
        assert np.array_equal(a, b)
    assert results[0][1:] == results[1][1:]


def test_nothing_about_mpi_is_imported_in_one_process():
    # Fresh interpreter: the claim is about what importing and training load.
    code = textwrap.dedent("""
        import sys
        import numpy as np
        from lamina import distribution, layers
        from lamina.models import Sequential
        distribution.set_distribution(distribution.DataParallel())
        model = Sequential([layers.Input((2,)), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((8, 2)), np.ones((8, 1)), verbose=0)
        print(sorted(name for name in sys.modules if name.split(".")[0] in ("mpi4py", "mpich")))
    """)
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_initialize_checks_what_it_is_told_against_the_launcher():
    distribution.initialize()
    distribution.initialize(num_processes=1, process_id=0)
    with pytest.raises(ValueError, match="num_processes=4, but the MPI launcher started this process with "
                                         "num_processes=1"):
        distribution.initialize(num_processes=4)


def test_launcher_environment_decides(monkeypatch):
    from lamina.distribution.launcher import launched_under_mpi, launcher_rank_and_size

    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert launcher_rank_and_size() is None and not launched_under_mpi()
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "2")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert launcher_rank_and_size() == (2, 4) and launched_under_mpi()
    assert distribution.list_devices() == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setenv("PMI_SIZE", "1")  # mpiexec -n 1: one process, no MPI needed
    assert launcher_rank_and_size() == (0, 1) and not launched_under_mpi()


@pytest.mark.parametrize("arguments, message", [
    ({"device_mesh": object()}, "device_mesh"),
    ({"devices": ["cpu:0", "cpu:1"]}, "devices must be every process"),
    ({"backend": "nccl"}, "backend must be one of"),
    ({"timeout": 0}, "timeout must be a number of seconds > 0"),
    ({"check_every": -1}, "check_every must be an integer >= 0"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        distribution.DataParallel(**arguments)


def test_bad_environment_setting_is_named(monkeypatch):
    monkeypatch.setenv("LAMINA_DIST_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="LAMINA_DIST_TIMEOUT must be a float; received 'soon'"):
        distribution.DataParallel()


def test_set_distribution_rejects_other_objects_and_scope_restores():
    with pytest.raises(TypeError, match="expects a lamina.distribution.DataParallel or None"):
        distribution.set_distribution("mpi")
    strategy = distribution.DataParallel()
    with strategy.scope():
        assert distribution.distribution() is strategy
    assert distribution.distribution() is None


def test_mpi_backend_without_mpi4py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # makes `from mpi4py import MPI` fail
    with pytest.raises(ImportError, match=r"pip install 'lamina\[mpi\]'"):
        distribution.DataParallel(backend="mpi")


def test_reachable_as_lamina_and_keras_distribution():
    from lamina import keras

    assert lamina.distribution is distribution
    assert keras.distribution.DataParallel is distribution.DataParallel
    assert keras.distribution.set_distribution is distribution.set_distribution


# ----- rank 0 alone prints and writes ---------------------------------------------------------------------------
class _SecondOfTwo(Replica):
    rank, size = 1, 2


class _Pretend:
    """A distribution whose replica says "rank 1 of 2" but computes as one process (for the callbacks only)."""
    replica = _SecondOfTwo()


def test_callbacks_on_another_rank_write_and_print_nothing(tmp_path, capsys):
    x, y = _data()
    seen = []
    distribution.set_distribution(_Pretend())
    model = _model()
    model.fit(x, y, batch_size=16, epochs=2, validation_split=0.2, verbose=1, callbacks=[
        callbacks.ModelCheckpoint(tmp_path / "ckpt.weights.npz", save_weights_only=True),
        callbacks.CSVLogger(tmp_path / "log.csv"),
        callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10, verbose=1),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: (seen.append(epoch), print("hello")))])
    assert list(tmp_path.iterdir()) == []
    assert capsys.readouterr().out == ""
    assert seen == [0, 1]  # the other callbacks run: their decisions must agree on every process
    assert model.stop_training  # EarlyStopping decided (and printed nothing)


# ----- the arithmetic -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("total", [0, 1, 2, 7, 20, 21])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_shards_partition_a_batch_in_order(total, size):
    bounds = [shard_bounds(total, size, rank) for rank in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == total
    assert all(bounds[r][1] == bounds[r + 1][0] for r in range(size - 1))
    counts = [stop - start for start, stop in bounds]
    assert max(counts) - min(counts) <= 1


def test_metric_state_reads_writes_and_restores():
    mean, precision, accuracy = metrics.Mean(), metrics.Precision(), metrics.get("accuracy")
    mean.update_state([1.0, 3.0])
    precision.update_state([1, 0, 1], [0.9, 0.8, 0.1])
    accuracy.update_state(np.array([0, 1]), np.array([[0.9, 0.1], [0.8, 0.2]]))
    state = MetricState([mean, precision, accuracy])
    originals = state.originals()
    vector = state.read()
    # A Metric's state is its variables: Mean's total and count, Precision's counts, accuracy's total and count.
    expected = [float(v) for metric in (mean, precision, accuracy) for v in np.concatenate(
        [np.ravel(variable.numpy()) for variable in metric.variables])]
    assert vector.tolist() == expected and expected[:2] == [4.0, 2.0]
    state.write(vector * 2)  # what two processes with the same data would sum to
    assert mean.result() == 2.0 and precision.result() == 0.5 and accuracy.result() == 0.5
    assert float(mean.total.numpy()) == 8.0
    state.restore(originals)
    assert float(mean.total.numpy()) == 4.0 and float(np.ravel(precision.true_positives.numpy())[0]) == 1.0


def test_a_metric_without_known_totals_is_refused_by_name():
    class Median(metrics.Metric):
        def reset_state(self):
            self.values = []

    with pytest.raises(TypeError, match="metric 'median'.*distributed_state"):
        check_reducible([Median()])

    class Total(metrics.Metric):
        distributed_state = ("total",)

        def reset_state(self):
            self.total = 0.0

    total = Total()
    total.total = 3.0
    assert MetricState([total]).read().tolist() == [3.0]


class _ThreadReplica(Replica):
    """Process ``rank`` of ``size``, simulated by a thread: collectives meet at a barrier (sums in rank order)."""

    def __init__(self, rank: int, size: int, board: dict, barrier: threading.Barrier) -> None:
        self.rank, self.size, self._board, self._barrier = rank, size, board, barrier

    def _exchange(self, values: np.ndarray) -> np.ndarray:
        self._board[self.rank] = np.array(values, copy=True)
        self._barrier.wait()
        table = np.stack([self._board[r] for r in range(self.size)])
        self._barrier.wait()
        return table

    def allgather(self, values, what):
        return self._exchange(values)

    def allreduce_sum(self, array, what):
        table = self._exchange(array)
        total = table[0].copy()
        for row in table[1:]:
            total += row
        array[...] = total


@pytest.mark.parametrize("sizes", [(3, 2, 2), (4, 3, 0)])
def test_synchronized_batch_norm_is_batch_norm_over_the_global_batch(sizes):
    # Shards of a batch of 7 on len(sizes) simulated processes (one of them empty); the loss is the linear
    # sum_i r_i . y_i, so each shard's gradient needs no weighting. Forward values, the statistics, and the
    # gradients of x (per row), gamma and beta (summed over processes) must equal one batch_norm on all 7 rows.
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(7, 4))
    r = rng.normal(size=(7, 4))
    gamma0, beta0 = rng.normal(size=4), rng.normal(size=4)
    def leaf(values):
        return Tensor(values, requires_grad=True, dtype=np.float64)

    whole_x, gamma, beta = leaf(x), leaf(gamma0), leaf(beta0)
    whole, mean, variance = batch_norm(whole_x, gamma, beta, 1e-3)
    (whole * r).sum().backward()

    size = len(sizes)
    board, barrier = {}, threading.Barrier(size)
    results, errors = [None] * size, []
    starts = np.cumsum((0,) + sizes)

    def process(rank):
        try:
            replica = _ThreadReplica(rank, size, board, barrier)
            rows = slice(starts[rank], starts[rank + 1])
            if sizes[rank] == 0:
                layer = layers.BatchNormalization(synchronized=True, dtype="float64")
                layer.build((None, 4))
                take_part_without_data([layer], replica)
                results[rank] = {"moving": layer.moving_mean.data.copy()}
                return
            xs, g, b = leaf(x[rows]), leaf(gamma0), leaf(beta0)
            out, mu, var = sync_batch_norm(xs, g, b, 1e-3, replica)
            (out * r[rows]).sum().backward()
            results[rank] = {"out": out.data, "mu": mu, "var": var, "dx": xs.grad, "dg": g.grad, "db": b.grad}
        except Exception as error:  # surfaced below (a thread's exception would be lost)
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=process, args=(rank,)) for rank in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    computing = [rank for rank in range(size) if sizes[rank]]
    np.testing.assert_allclose(np.concatenate([results[k]["out"] for k in computing]), whole.data, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([results[k]["dx"] for k in computing]), whole_x.grad, atol=1e-12)
    np.testing.assert_allclose(sum(results[k]["dg"] for k in computing), gamma.grad, atol=1e-12)
    np.testing.assert_allclose(sum(results[k]["db"] for k in computing), beta.grad, atol=1e-12)
    for k in computing:
        np.testing.assert_allclose(results[k]["mu"], mean, atol=1e-12)
        np.testing.assert_allclose(results[k]["var"], variance, atol=1e-12)
    for k in range(size):
        if not sizes[k]:  # the empty process's moving mean took the same step: 0.99 * 0 + 0.01 * mu_B
            np.testing.assert_allclose(results[k]["moving"], 0.01 * mean, atol=1e-12)


def test_synchronized_batch_norm_in_one_process_changes_nothing():
    x = np.random.default_rng(1).normal(size=(6, 3)).astype(np.float32)
    outputs = []
    for synchronized in (False, True):
        layer = layers.BatchNormalization(synchronized=synchronized)
        outputs.append((layer(x, training=True).data, layer.moving_variance.data.copy()))
        assert layer.get_config()["synchronized"] is synchronized
    assert np.array_equal(outputs[0][0], outputs[1][0]) and np.array_equal(outputs[0][1], outputs[1][1])
