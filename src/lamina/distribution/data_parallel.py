"""``DataParallel``: Keras 3's data-parallel distribution, with one replica per MPI process.

Keras's ``DataParallel`` spreads each global batch over the devices of one program (JAX) and averages the
gradients. Lamina runs on the CPU with NumPy, so its "devices" are processes: ``mpiexec -n N python train.py``
starts N copies of the program, and a ``DataParallel`` made current with ``set_distribution`` ties them
together over MPI (``mpi4py``): every process holds the whole model, computes the gradient of its contiguous
shard of each global batch, and one all-reduce per step sums the shards' contributions (see
``mpi_replica.py``). Started as plain ``python train.py``, the same program trains in one process and never
imports MPI.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from . import state
from .launcher import launched_under_mpi, launcher_rank_and_size
from .replica import LOCAL, Replica

_BACKENDS = ("auto", "mpi")
#: Seconds a process may wait in one collective operation before the job is aborted (a peer is stuck or dead).
DEFAULT_TIMEOUT = 300.0


def _env_number(name: str, default: float, kind: type) -> Any:
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a {kind.__name__}; received {text!r}") from None
    if value < 0:
        raise ValueError(f"environment variable {name} must be >= 0; received {text!r}")
    return value


def list_devices(device_type: str | None = None) -> list[str]:
    """The replicas a ``DataParallel`` would use: one per process of the MPI job, ``['cpu:0', 'cpu:1', ...]``
    (rank r is ``'cpu:r'``), read from the launcher's environment; ``['cpu:0']`` for a plain ``python`` run.

    Args:
        device_type: None or 'cpu'; any other type ('gpu', 'tpu') has no devices here.
    """
    if device_type is not None and device_type.lower() != "cpu":
        return []
    found = launcher_rank_and_size()
    processes = found[1] if found is not None else 1
    return [f"cpu:{index}" for index in range(processes)]


def get_device_count(device_type: str | None = None) -> int:
    """``len(list_devices(device_type))``, as Keras's ``get_device_count``."""
    return len(list_devices(device_type))


def initialize(job_addresses: Any = None, num_processes: int | None = None, process_id: int | None = None) -> None:
    """Keras's multi-process start-up, for Keras programs: here the MPI launcher has already started and
    connected the processes, so this only checks ``num_processes`` and ``process_id``, when given, against it.

    Raises:
        ValueError: a given number or id that the launcher contradicts.
    """
    found = launcher_rank_and_size() or (0, 1)
    for name, given, actual in (("num_processes", num_processes, found[1]), ("process_id", process_id, found[0])):
        if given is not None and given != actual:
            raise ValueError(f"initialize: {name}={given!r}, but the MPI launcher started this process with "
                             f"{name}={actual} (start the job with mpiexec -n N; job_addresses are not used)")


class DataParallel:
    """Data-parallel training over the processes of an MPI job (Keras 3's ``keras.distribution.DataParallel``).

    Every process keeps the whole model. At the start of ``fit`` (and ``evaluate``) rank 0's weights, optimizer
    state and shuffling generator are broadcast. Each step every process computes the gradient of its
    contiguous shard of the global batch (``batch_size`` is the global batch, as in Keras), weighted by its
    share ``n_p / B`` of it, and one all-reduce sums them: the gradient of the global batch's mean loss,
    applied identically everywhere. Metrics are summed over processes; only rank 0 prints and writes files.

    Args:
        device_mesh: not supported (Keras's mesh of devices); leave None.
        devices: None (every process of the job), or the list ``list_devices()`` returns.
        auto_shard_dataset: accepted for Keras compatibility; arrays are always sharded per batch.
        backend: 'auto' (MPI when an MPI launcher started two or more processes, else one process, without
            importing MPI) or 'mpi' (always initialize MPI, e.g. for a launcher Lamina does not recognise).
        timeout: seconds a process may wait in one collective operation before the whole job is aborted with
            an error naming the ranks that did not arrive (default: ``$LAMINA_DIST_TIMEOUT``, else 300).
        check_every: debug mode: every this many steps, compare a checksum of the weights across processes and
            raise if they differ (default: ``$LAMINA_DIST_CHECK_EVERY``, else 0: never).

    Example (``train.py``, started as ``mpiexec -n 4 python train.py``)::

        from lamina import distribution
        distribution.set_distribution(distribution.DataParallel())
        model.fit(x, y, batch_size=256, epochs=5)
    """

    def __init__(self, device_mesh: Any = None, devices: list[str] | None = None, auto_shard_dataset: bool = True,
                 *, backend: str = "auto", timeout: float | None = None, check_every: int | None = None) -> None:
        if device_mesh is not None:
            raise ValueError("DataParallel(device_mesh=...) is not supported: Lamina runs one replica per MPI "
                             "process; pass devices=None to use every process of the job")
        if backend not in _BACKENDS:
            raise ValueError(f"DataParallel: backend must be one of {_BACKENDS}; received {backend!r}")
        timeout = _env_number("LAMINA_DIST_TIMEOUT", DEFAULT_TIMEOUT, float) if timeout is None else timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"DataParallel: timeout must be a number of seconds > 0; received {timeout!r}")
        check_every = _env_number("LAMINA_DIST_CHECK_EVERY", 0, int) if check_every is None else check_every
        if isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 0:
            raise ValueError(f"DataParallel: check_every must be an integer >= 0; received {check_every!r}")
        expected = list_devices()
        if devices is not None and list(devices) != expected:
            raise ValueError(f"DataParallel: devices must be every process of the job, {expected}; received "
                             f"{list(devices)!r} (Lamina cannot leave processes of an MPI job out)")
        self.backend = backend
        self.timeout = float(timeout)
        self.check_every = int(check_every)
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.batch_dim_name = "batch"
        self.replica: Replica = LOCAL
        if backend == "mpi" or launched_under_mpi():
            from .mpi_replica import MPIReplica  # imports mpi4py: only here

            self.replica = MPIReplica.for_this_process(timeout=self.timeout, check_every=self.check_every)
        self.devices = [f"cpu:{index}" for index in range(self.replica.size)]

    # Keras's names for the job's shape.
    @property
    def num_processes(self) -> int:
        return self.replica.size

    @property
    def num_model_replicas(self) -> int:
        return self.replica.size

    @property
    def data_shard_id(self) -> int:
        return self.replica.rank

    @contextlib.contextmanager
    def scope(self) -> Iterator["DataParallel"]:
        """Make this the current distribution inside a ``with`` block (Keras's ``distribution.scope()``)."""
        previous = state.distribution()
        state.set_distribution(self)
        try:
            yield self
        finally:
            state.set_distribution(previous)

    def __repr__(self) -> str:
        return (f"<DataParallel processes={self.replica.size} rank={self.replica.rank} "
                f"backend={'mpi' if self.replica is not LOCAL else 'one process'}>")
