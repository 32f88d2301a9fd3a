"""Data-parallel training across processes and machines, over MPI, in the shape of Keras 3's
``keras.distribution``.

Write the program once; start it with ``mpiexec``::

    from lamina import distribution
    distribution.set_distribution(distribution.DataParallel())
    model = build_model(); model.compile(...)
    model.fit(x, y, batch_size=256, epochs=10, callbacks=[ModelCheckpoint("ckpt.keras")])

    $ mpiexec -n 4 python train.py        # 4 processes, each computing 64 of every 256 samples
    $ python train.py                     # the same program, one process, MPI never imported

Every process loads the same data and holds the whole model; ``fit`` gives each its contiguous shard of every
global batch and sums the gradients with one all-reduce per step, so the N processes follow the same weights
as one process with the same ``batch_size`` (see ``mpi_replica.py`` for the arithmetic). Metrics are summed
over processes; rank 0 alone prints and writes checkpoints and logs; if a process fails, the job ends.
``fit`` and ``evaluate`` are collective (every process must call them); ``predict`` is not (each process
predicts everything it is given).

Needs the ``mpi`` extra (``pip install 'lamina[mpi]'``: mpi4py and the MPICH wheel with its ``mpiexec``). Nothing
here imports MPI until a ``DataParallel`` is created in a process that an MPI launcher started (or with
``backend='mpi'``).
"""

from __future__ import annotations

from .data_parallel import DataParallel, get_device_count, initialize, list_devices
from .launcher import launched_under_mpi
from .replica import Replica
from .state import current_replica, distribution, rank, set_distribution, size

__all__ = ["DataParallel", "Replica", "current_replica", "distribution", "get_device_count", "initialize",
           "launched_under_mpi", "list_devices", "rank", "set_distribution", "size"]
