"""The training loop's questions answered for N processes over MPI (``replica.Replica`` is the one-process answer).

One global batch of B samples, N processes, process p holding the contiguous shard of n_p samples
(n_p = floor(B/N) or one more; all n_p sum to B). Process p back-propagates its share of the global loss,

    J_p = (n_p / B) J(shard p),      J(shard p) = (1/n_p) sum_{i in p} L_i + Omega(w)

(``scale_loss``), and one all-reduce sums the gradients (``reduce_gradients``):

    sum_p grad J_p = (1/B) sum_i grad L_i + grad Omega(w) * sum_p n_p / B = grad J(global batch)

so the summed gradient is the global batch's, the regularization term Omega counted once (the weights n_p / B
add up to 1), whatever the shard sizes (an uneven last batch). Every process then applies the same update to the
same weights, so they stay identical (``check_every`` verifies it with a checksum).

The loss average and the metrics keep sums (``metric_state.py``): their sums over processes are the sums over
the whole data, so the reported values are one process's. Only rank 0 writes files and prints.
"""

from __future__ import annotations

import contextlib
import weakref
import zlib
from typing import Any, Iterator, Sequence

import numpy as np

from ..packing import flat_base, pack
from .collectives import Collectives
from .metric_state import MetricState, check_reducible
from .replica import Replica
from .sync_batch_norm import synchronized_layers, take_part_without_data


_THE_REPLICA: "MPIReplica | None" = None
_SUMMARY_LENGTH = 16  # int64 entries describing a fit/evaluate call, compared across processes


def _import_mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError("lamina.distribution.DataParallel over several processes needs mpi4py and an MPI library: "
                          "pip install 'lamina[mpi]' (mpi4py and the mpich wheel, whose mpiexec starts the "
                          f"processes) ({error})") from None
    return MPI


def shard_bounds(total: int, size: int, rank: int) -> tuple[int, int]:
    """[start, stop) of process ``rank``'s contiguous shard of ``total`` samples: the first ``total % size``
    processes take one sample more (sizes differ by at most one; some are empty when total < size)."""
    base, extra = divmod(total, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class MPIReplica(Replica):
    """Data parallelism over the processes of MPI's COMM_WORLD (see the module docstring).

    Args:
        timeout: seconds one collective may wait before the job is aborted (``collectives.py``).
        check_every: compare a checksum of the weights across processes every this many steps (0: never).
    """

    def __init__(self, timeout: float, check_every: int = 0) -> None:
        self.collectives = Collectives(_import_mpi(), timeout)
        self.rank = self.collectives.rank
        self.size = self.collectives.size
        self.check_every = check_every
        self._steps = 0
        self._local_count = 0
        self._global_count = 0
        self._has_gradient: list[bool] | None = None  # which parameters got a gradient in this process's last step
        self._synchronized: weakref.WeakSet = weakref.WeakSet()  # models whose weights came from rank 0
        if self.size > 1:
            self.collectives.install_abort_on_error()
            self.collectives.announce()

    @classmethod
    def for_this_process(cls, timeout: float, check_every: int = 0) -> "MPIReplica":
        """The process's one MPIReplica (MPI, the watcher and the error hook are set up once), with these
        settings."""
        global _THE_REPLICA
        if _THE_REPLICA is None:
            _THE_REPLICA = cls(timeout, check_every)
        _THE_REPLICA.collectives.timeout = float(timeout)
        _THE_REPLICA.check_every = check_every
        return _THE_REPLICA

    # ----- collectives the layers use (synchronized BatchNormalization) ---------------------------------------
    def allreduce_sum(self, array: np.ndarray, what: str) -> None:
        self.collectives.allreduce_sum(array, what)

    def allgather(self, values: np.ndarray, what: str) -> np.ndarray:
        return self.collectives.allgather(values, what)

    # ----- start of fit / evaluate ------------------------------------------------------------------------------
    def begin(self, model: Any, call: str, input_shape: Sequence[int | None],
              data_sizes: dict[str, tuple[int, int]]) -> None:
        """Check that every process is in the same call with the same data and can shard it; then copy rank 0's
        weights, optimizer state and shuffling generator to every process."""
        self._check_same_call(call, input_shape, data_sizes)
        for what, (samples, batch) in data_sizes.items():
            if min(samples, batch) < self.size:
                raise ValueError(f"{call}: {what} gives batches of {min(samples, batch)} samples, which cannot be "
                                 f"shared by {self.size} processes; use batch_size >= {self.size} (batch_size is the "
                                 f"global batch, split over the processes)")
        check_reducible(model._reducible_metrics())
        if not getattr(model, "built", True) and hasattr(model, "graph_view"):
            model.build((None,) + tuple(input_shape[1:]))  # a Sequential stack builds from shapes alone
        self._broadcast_weights(model)
        self._synchronized.add(model)
        if call != "fit":
            return
        optimizer = model.optimizer
        state = self.collectives.broadcast_object(optimizer.get_state(), "the broadcast of the optimizer state")
        if self.rank != 0:
            optimizer.set_state(state)
        # (made here, as fit would make it next: the same draws from the library's seed as one process)
        generator = model._shuffle_generator()
        generator.bit_generator.state = self.collectives.broadcast_object(
            generator.bit_generator.state, "the broadcast of the shuffling seed")

    def shard_batch(self, model: Any, call: str, input_shape: Sequence[int | None]) -> slice:
        if model not in self._synchronized:  # a model first trained batch by batch: rank 0's weights first
            self.begin(model, call, input_shape, {"x": (input_shape[0], input_shape[0])})
        return self.shard(slice(0, input_shape[0]))

    def _check_same_call(self, call: str, input_shape: Sequence[int | None],
                         data_sizes: dict[str, tuple[int, int]]) -> None:
        """Every process must be in the same call (``fit``, ``evaluate``) with data of the same sizes; otherwise
        their collectives would pair up wrongly. One all-gather of a fixed-size summary, compared."""
        summary = np.zeros(_SUMMARY_LENGTH, dtype=np.int64)
        values = [zlib.crc32(call.encode()), int(np.prod(input_shape[1:], dtype=np.int64)), len(data_sizes)]
        values += [value for sizes in data_sizes.values() for value in sizes]
        summary[:min(len(values), _SUMMARY_LENGTH)] = values[:_SUMMARY_LENGTH]
        table = self.collectives.allgather(summary, f"the start of {call}")
        different = [rank for rank in range(self.size) if not np.array_equal(table[rank], table[0])]
        if not different:
            return
        rank = different[0]
        if table[rank][0] != table[0][0]:
            detail = f"rank {rank} is in another call than rank 0's {call}()"
        else:
            detail = (f"rank {rank} was given other data: rank 0's {call}() has "
                      + ", ".join(f"{what} of {n} samples in batches of {b}" for what, (n, b) in data_sizes.items())
                      if self.rank == 0 else f"rank {rank}'s data differ from rank 0's")
        raise ValueError(f"the processes disagree at the start of {call}(): {detail}. Under "
                         f"DataParallel every process must run the same fit/evaluate calls on the same data (Lamina "
                         f"gives each its shard of every batch)")

    def _broadcast_weights(self, model: Any) -> None:
        trainable = list(model.trainable_weights)
        flat = flat_base([w.data for w in trainable])
        arrays = [flat] if flat is not None else [w.data for w in trainable]
        arrays += [w.data for w in model.weights if not any(w is t for t in trainable)]
        for array in arrays:
            if array.flags.c_contiguous:
                self.collectives.broadcast(array, "the broadcast of the weights")
            else:
                copy = np.ascontiguousarray(array)
                self.collectives.broadcast(copy, "the broadcast of the weights")
                array[...] = copy

    # ----- one step ---------------------------------------------------------------------------------------------
    def shard(self, index: slice | np.ndarray) -> slice | np.ndarray:
        if isinstance(index, slice):
            first, last, _ = index.indices(index.stop)
            start, stop = shard_bounds(last - first, self.size, self.rank)
            self._local_count, self._global_count = stop - start, last - first
            return slice(first + start, first + stop)
        start, stop = shard_bounds(len(index), self.size, self.rank)
        self._local_count, self._global_count = stop - start, len(index)
        return index[start:stop]

    def scale_loss(self, loss: Any) -> Any:
        if self._global_count == 0 or self._local_count == self._global_count:
            return loss
        return loss * loss.data.dtype.type(self._local_count / self._global_count)

    def reduce_gradients(self, params: list[Any]) -> None:
        self._has_gradient = [p.grad is not None for p in params]
        self._steps += 1
        if self.check_every and self._steps % self.check_every == 0:
            self._check_identical(params)
        buffers = [getattr(p, "_grad_buffer", None) for p in params]
        flat = flat_base(buffers) if all(b is not None for b in buffers) else None
        if flat is not None and all(p.grad is None or p.grad is b for p, b in zip(params, buffers)):
            for p, buffer in zip(params, buffers):
                if p.grad is None:
                    buffer[...] = 0  # no stale values from an earlier step in the sum
            self.collectives.allreduce_sum(flat, "the gradient all-reduce")
            return
        # Weights that are not packed into one buffer: one all-reduce per gradient (slower, same sums).
        for p in params:
            if p.grad is not None:
                if not (isinstance(p.grad, np.ndarray) and p.grad.flags.c_contiguous and p.grad.flags.writeable):
                    p.grad = np.array(p.grad, order="C")
                self.collectives.allreduce_sum(p.grad, "the gradient all-reduce")
        # (processes agree on which gradients exist: the same model on every process)

    def empty_step(self, model: Any) -> None:
        """This process's shard of the step is empty (the last batch of an epoch has fewer samples than there are
        processes): contribute zero gradients to the all-reduce and apply the same update as the others."""
        params = list(model.trainable_weights)
        if getattr(model, "_packed_weights", None) != [id(p) for p in params]:
            pack(params)  # as the training step does on its first call
            model._packed_weights = [id(p) for p in params]
        present = self._has_gradient if self._has_gradient is not None and len(self._has_gradient) == len(params) \
            else [True] * len(params)
        for p, has in zip(params, present):
            buffer = getattr(p, "_grad_buffer", None)
            if buffer is None:
                buffer = np.zeros_like(p.data)
            buffer[...] = 0
            p.grad = buffer if has else None
        take_part_without_data(synchronized_layers(model), self)
        self.reduce_gradients(params)
        model.optimizer.step(params)

    def _check_identical(self, params: list[Any]) -> None:
        """Debug mode: a checksum of the weights on every process, compared; raises on every process at once."""
        checksum = 0
        for p in params:
            checksum = zlib.crc32(np.ascontiguousarray(p.data).view(np.uint8), checksum)
        sums = self.collectives.allgather(np.array([checksum], dtype=np.int64), "the weight checksum")[:, 0]
        different = [rank for rank in range(self.size) if sums[rank] != sums[0]]
        if different:
            raise RuntimeError(f"after {self._steps - 1} steps the weights of rank(s) "
                               f"{', '.join(map(str, different))} differ from rank 0's (checksums "
                               f"{', '.join(f'{s:08x}' for s in sums)}): the processes no longer train one model")

    # ----- metrics and decisions --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def global_metrics(self, model: Any) -> Iterator[None]:
        state = MetricState(model._reducible_metrics())
        originals = state.originals()
        totals = state.read()
        self.collectives.allreduce_sum(totals, "the reduction of the metrics")
        state.write(totals)
        try:
            yield
        finally:
            state.restore(originals)

    def agree(self, flag: bool) -> bool:
        vote = np.array([1 if flag else 0], dtype=np.int64)
        self.collectives.allreduce_max(vote, "the agreement to stop training")
        return bool(vote[0])
