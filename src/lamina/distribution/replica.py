"""The seam between the training loop and the distribution: what ``fit`` / ``evaluate`` ask, in one object.

The loop (``models/training.py``) asks the current ``Replica`` a few questions and does the same thing whatever
the answer: which part of a global batch this process computes (``shard``), how its loss is weighted and its
gradient combined with the others' (``scale_loss``, ``reduce_gradients``), what the metrics are over all
processes (``global_metrics``), whether the processes agree to stop (``agree``), and whether this process writes
files and prints (``writes_side_effects``). This base class is the answer for one process: every question is
answered with "all of it, as it is", at the cost of a method call. ``mpi_replica.MPIReplica`` answers for N
processes.
"""

from __future__ import annotations

import contextlib
from typing import Any, ContextManager, Sequence

import numpy as np


class Replica:
    """One process training alone (the default): shards are whole batches, reductions are the identity."""

    #: this process's index among ``size`` processes (rank 0 writes checkpoints, logs and progress).
    rank: int = 0
    #: the number of processes training together.
    size: int = 1

    @property
    def writes_side_effects(self) -> bool:
        """Whether this process prints progress and writes checkpoints, CSV logs and plots (rank 0 only)."""
        return self.rank == 0

    def begin(self, model: Any, call: str, input_shape: Sequence[int | None],
              data_sizes: dict[str, tuple[int, int]]) -> None:
        """Called once at the start of ``fit`` / ``evaluate``, before any batch.

        Args:
            model: the compiled model.
            call: 'fit' or 'evaluate' (every process must be in the same call).
            input_shape: the shape of x (for building an unbuilt model).
            data_sizes: ``{what: (number of samples, batch size)}`` for each data set the call will go through,
                e.g. ``{'x': (60000, 128), 'validation_data': (10000, 128)}``.
        """

    def shard(self, index: slice | np.ndarray) -> slice | np.ndarray:
        """This process's part of the global batch ``index`` (a slice or an index array)."""
        return index

    def shard_batch(self, model: Any, call: str, input_shape: Sequence[int | None]) -> slice:
        """This process's part of one batch given to ``train_on_batch`` / ``test_on_batch`` (a slice); the first
        such call for a model starts it as ``begin`` does."""
        return slice(0, input_shape[0])

    def scale_loss(self, loss: Any) -> Any:
        """The loss whose gradient this process back-propagates (its share of the global batch's mean loss)."""
        return loss

    def reduce_gradients(self, params: list[Any]) -> None:
        """Turn each parameter's ``.grad`` into the gradient of the global batch's loss, in place."""

    def empty_step(self, model: Any) -> None:
        """Take part in a training step whose shard on this process is empty (never for one process)."""
        raise RuntimeError("internal error: an empty batch reached the training step of a single process")

    def global_metrics(self, model: Any) -> ContextManager[None]:
        """Inside this context the model's loss average and metrics hold their values over all processes."""
        return contextlib.nullcontext()

    def agree(self, flag: bool) -> bool:
        """True on every process if ``flag`` is True on any (so that all stop training together)."""
        return bool(flag)


#: The single-process answer, shared (it has no state).
LOCAL = Replica()
