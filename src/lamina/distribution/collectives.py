"""MPI collectives that cannot hang: non-blocking operations waited on with a deadline, and a job that ends as a
whole when one process fails.

Failure modes, and what happens (measured with the ``mpich`` wheel's Hydra launcher, see docs/notes/dist.md):

- A process raises: ``install_abort_on_error`` makes the uncaught exception print
  ``lamina.distribution: rank 1 of 2 failed ...`` and call ``MPI_Abort``; the launcher ends every process.
- A process is killed (``SIGKILL``, out of memory): Hydra notices its exit and kills the others within about a
  second, printing the PID of one of the processes that ended (not always the killed one); the killed process's
  watcher (``monitor.py``) prints which rank died.
- A process stops taking part without dying (stuck in a loop, blocked on I/O, or running different code, so
  that the others wait in a collective it never calls): every collective here is started non-blocking and
  polled; after ``timeout`` seconds rank 0 asks every process, on a communicator of its own, which collective
  it is waiting in, and aborts the job naming the ranks that did not answer (stuck outside any collective, or
  dead) and those waiting in another one. If rank 0 is the stuck one, the others abort on their own after
  twice the timeout plus the roll call's grace.

Waiting polls ``MPI_Test`` and yields the core (``sched_yield``) between polls, so that processes sharing a
core with a slower peer (more processes than cores) give it their time instead of spinning; after
``_SPIN_SECONDS`` without completion they sleep between polls, longer each time up to ``_MAX_NAP``.
"""

from __future__ import annotations

import atexit
import os
import pickle
import socket
import sys
import time
from typing import Any

import numpy as np

from .monitor import Watcher

_SPIN_SECONDS = 0.02   # poll with sched_yield this long (a step's all-reduce normally completes within it)
_MAX_NAP = 0.002       # then sleep between polls, doubling up to this
_QUERY_TAG, _REPORT_TAG = 7707, 7708  # point-to-point tags of the roll call (on its own communicator)
_ROLL_CALL_GRACE = 5.0  # seconds rank 0 waits for the answers to its roll call
_FORWARDING_GRACE = 0.3  # seconds between printing why the job ends and ending it

_yield = getattr(os, "sched_yield", lambda: time.sleep(0))


def _say(message: str) -> None:
    """One line on stderr, written at once (several processes share the terminal)."""
    try:
        os.write(2, (message.rstrip("\n") + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


class Collectives:
    """COMM_WORLD's collectives with a deadline, counted so that a stall can be located.

    Args:
        mpi: the ``mpi4py.MPI`` module.
        timeout: seconds one collective may wait before the job is aborted.
    """

    def __init__(self, mpi: Any, timeout: float) -> None:
        self.MPI = mpi
        self.comm = mpi.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = float(timeout)
        self.count = 0  # collectives started so far (the same sequence on every process)
        self.watcher: Watcher | None = None
        self._roll_call = self.comm.Dup() if self.size > 1 else None
        # Processes other than rank 0 keep a receive posted for rank 0's roll call, answered while they wait.
        self._query = None
        if self._roll_call is not None and self.rank != 0:
            self._query_buffer = np.zeros(1, dtype=np.int64)
            self._query = self._roll_call.Irecv(self._query_buffer, source=0, tag=_QUERY_TAG)
            atexit.register(self._cancel_query)

    def _cancel_query(self) -> None:
        if self._query is not None:
            self._query.Cancel()
            self._query.Wait()
            self._query = None

    # ----- waiting ------------------------------------------------------------------------------------------
    def wait(self, request: Any, what: str) -> None:
        """Complete ``request``; abort the job (naming the stuck ranks) if it takes longer than ``timeout``."""
        self.count += 1
        if request.Test():
            return
        start = time.monotonic()
        spin_until = start + _SPIN_SECONDS
        deadline = start + self.timeout
        warned = False
        nap = 0.0001
        while not request.Test():
            now = time.monotonic()
            if now < spin_until:
                _yield()
                continue
            self._answer_roll_call()
            if now > deadline:
                if self.rank == 0:
                    self._roll_call_and_abort(what)
                if not warned:
                    _say(f"lamina.distribution: rank {self.rank} has waited {now - start:.0f} s in {what} "
                         f"(collective #{self.count}); a process is stuck or dead")
                    warned = True
                if now > deadline + self.timeout + min(_ROLL_CALL_GRACE, self.timeout):
                    self.abort(f"rank {self.rank} waited {now - start:.0f} s in {what} and rank 0 did not end the "
                               f"job: rank 0 is stuck")
            time.sleep(nap)
            nap = min(nap * 2, _MAX_NAP)

    def _answer_roll_call(self) -> None:
        """A process other than rank 0, while it waits: answer rank 0's roll call with the collective it is in."""
        if self._query is not None and self._query.Test():
            self._report = np.array([self.rank, self.count], dtype=np.int64)  # (kept alive until sent)
            self._roll_call.Isend(self._report, dest=0, tag=_REPORT_TAG)
            self._query = None  # one answer: rank 0 aborts the job after its roll call

    def _roll_call_and_abort(self, what: str) -> None:
        """Rank 0, when its wait ran out: ask every process which collective it is waiting in, then abort the job
        naming those that did not answer (stuck outside any collective, or dead) and those waiting elsewhere."""
        comm = self._roll_call
        pending = {}
        query = np.zeros(1, dtype=np.int64)
        for source in range(1, self.size):
            comm.Isend(query, dest=source, tag=_QUERY_TAG)
            buffer = np.zeros(2, dtype=np.int64)
            pending[source] = (comm.Irecv(buffer, source=source, tag=_REPORT_TAG), buffer)
        reports = {0: self.count}
        deadline = time.monotonic() + min(_ROLL_CALL_GRACE, self.timeout)
        while pending and time.monotonic() < deadline:
            for source, (request, buffer) in list(pending.items()):
                if request.Test():
                    reports[source] = int(buffer[1])
                    del pending[source]
            time.sleep(0.01)
        silent = sorted(pending)
        elsewhere = sorted(rank for rank, count in reports.items() if count != self.count)
        parts = [f"{what} (collective #{self.count}) did not complete within {self.timeout:g} s"]
        if silent:
            parts.append(f"rank(s) {', '.join(map(str, silent))} did not answer: stuck outside any collective, or dead")
        if elsewhere:
            parts.append(f"rank(s) {', '.join(map(str, elsewhere))} are waiting in another collective "
                         f"(#{', #'.join(str(reports[r]) for r in elsewhere)}): the processes ran different code")
        if not silent and not elsewhere:
            parts.append("every process is waiting in it (a failure inside MPI)")
        self.abort("; ".join(parts))

    def abort(self, message: str, code: int = 1) -> None:
        """Print ``message`` and end every process of the job (``MPI_Abort``)."""
        _say(f"lamina.distribution: {message}; aborting all {self.size} processes")
        if self.watcher is not None:
            self.watcher.claim()  # the failure is reported: no watcher need report the clean-up
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        # The launcher forwards each process's output through its own pipes and drops what it has not forwarded
        # when it ends the job: give it a moment (without this, 1 test run in ~20 lost part of the traceback).
        time.sleep(_FORWARDING_GRACE)
        self.comm.Abort(code)
        os._exit(code)  # (MPI_Abort may return before the launcher ends this process)

    # ----- the operations -----------------------------------------------------------------------------------
    def allreduce_sum(self, array: np.ndarray, what: str) -> None:
        """Sum ``array`` (contiguous) over the processes, in place."""
        self.wait(self.comm.Iallreduce(self.MPI.IN_PLACE, array, op=self.MPI.SUM), what)

    def allreduce_max(self, array: np.ndarray, what: str) -> None:
        self.wait(self.comm.Iallreduce(self.MPI.IN_PLACE, array, op=self.MPI.MAX), what)

    def broadcast(self, array: np.ndarray, what: str) -> None:
        """Overwrite ``array`` (contiguous) with rank 0's, in place."""
        self.wait(self.comm.Ibcast(array, root=0), what)

    def broadcast_object(self, value: Any, what: str) -> Any:
        """Rank 0's ``value`` (any picklable object) on every process."""
        payload = np.frombuffer(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), dtype=np.uint8) \
            if self.rank == 0 else None
        length = np.array([0 if payload is None else payload.size], dtype=np.int64)
        self.broadcast(length, what)
        buffer = payload.copy() if payload is not None else np.empty(int(length[0]), dtype=np.uint8)
        self.broadcast(buffer, what)
        return value if self.rank == 0 else pickle.loads(buffer.tobytes())

    def allgather(self, values: np.ndarray, what: str) -> np.ndarray:
        """Every process's ``values`` (same shape and dtype everywhere), stacked by rank."""
        values = np.ascontiguousarray(values)
        gathered = np.empty((self.size,) + values.shape, dtype=values.dtype)
        self.wait(self.comm.Iallgather(values, gathered), what)
        return gathered

    # ----- start-up -----------------------------------------------------------------------------------------
    def announce(self) -> None:
        """Start this process's watcher (``monitor.py``), tell it the job's name (rank 0's PID and host), and have
        rank 0 print one line mapping ranks to PIDs and hosts."""
        host = socket.gethostname()
        self.watcher = Watcher(self.rank, self.size, host)
        me = f"{self.rank}:{os.getpid()}@{host}".encode()[:200]
        buffer = np.zeros(200, dtype=np.uint8)
        buffer[:len(me)] = np.frombuffer(me, dtype=np.uint8)
        table = [bytes(row).rstrip(b"\0").decode() for row in self.allgather(buffer, "the start-up roll call")]
        self.watcher.tell_job(table[0].split(":", 1)[1])
        if self.rank == 0:
            _say(f"lamina.distribution: data parallel over {self.size} processes (rank:pid@host) {' '.join(table)}")

    def install_abort_on_error(self) -> None:
        """An uncaught exception on this process prints which rank failed, then aborts the whole job, so that the
        other processes do not wait for it forever."""
        previous = sys.excepthook

        def hook(kind: type, error: BaseException, trace: Any) -> None:
            previous(kind, error, trace)
            self.abort(f"rank {self.rank} of {self.size} failed with {kind.__name__}: {error}")

        sys.excepthook = hook
