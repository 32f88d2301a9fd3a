"""Numba for the compiled kernels: the compile options, the threads, and the time spent compiling.

Imported only when ``lamina.kernels`` chooses the compiled kernels (at the first kernel call on a large
array, never by ``import lamina``); importing it imports numba.

Compile options, the same for every kernel (``serial`` and ``parallel`` below):

- ``fastmath=False``: IEEE arithmetic in the order written, no fused multiply-adds, so an elementwise kernel
  gives the NumPy path's numbers bit for bit;
- ``error_model="numpy"``: a division by zero gives inf or NaN as in NumPy. Numba's default ("python") puts a
  zero check before every division, which alone keeps LLVM from vectorizing a loop (Adam over 235k elements:
  412 us without SIMD, 44 us with it);
- ``cache=True``: compiled code is written to ``__pycache__`` beside the kernel files (or
  ``NUMBA_CACHE_DIR``), so a second process loads it instead of compiling again;
- ``nogil=True``: other Python threads run while a kernel runs.

Threads. The matrix products run on OpenBLAS's threads, which keep spinning on every core for a while after
each product (``utils/blas_threads.py``). A parallel kernel started then shares its cores with them and runs
slower than one thread (B's Adam: 4.4 ms on two threads against 2.2 ms on one). So a kernel runs split over
threads only when (a) its array is large (``PARALLEL_MIN``): below that, one compiled thread already runs
at memory speed and starting the others costs more than it saves (tens of microseconds on a busy machine);
(b) OpenBLAS's idle workers could be stopped first (no other Python thread alive); (c) no other thread of
ours is inside a parallel kernel (``launch_lock``). Otherwise its one-thread version runs, which gives the
same numbers (every kernel that is split is elementwise).

The threading layer is Numba's own ``workqueue``, chosen here unless ``NUMBA_THREADING_LAYER`` says
otherwise: its workers sleep between kernels, where GNU OpenMP's keep spinning after every parallel region
(``GOMP_SPINCOUNT``) and would take the cores from the next matrix product in turn; TBB is a further
install. workqueue must never be entered by two threads at once (Numba aborts the process), which
``launch_lock`` guarantees for Lamina's kernels. The thread count is the number of cores this process may
run on (its CPU affinity), at most Numba's pool size.
"""

from __future__ import annotations

import os
import threading
import time

import numba
from numba.core import event
from numba.np.ufunc import parallel as _parallel_backend

from . import blocks
from ..utils import blas_threads

_OPTIONS = dict(fastmath=False, cache=True, nogil=True, error_model="numpy")
serial = numba.njit(**_OPTIONS)
parallel = numba.njit(parallel=True, **_OPTIONS)

PARALLEL_MIN = 1 << 21   # elements: see the module docstring, and docs/notes/kernels.md for the measurements
launch_lock = threading.Lock()

if "NUMBA_THREADING_LAYER" not in os.environ and not _parallel_backend._is_initialized:
    numba.config.THREADING_LAYER = "workqueue"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


THREADS = max(1, min(_cores(), numba.config.NUMBA_NUM_THREADS))


def parallel_threads(size: int, threads: int) -> int:
    """How many threads a kernel over ``size`` elements should use, the caller allowing ``threads``: more
    than one only when it pays and OpenBLAS's spinning workers were stopped (then ``launch_lock`` must be
    taken with ``acquire(blocking=False)`` before the launch, and the one-thread kernel run if it is busy)."""
    threads = min(threads, THREADS)
    if threads < 2 or size < PARALLEL_MIN:
        return 1
    if not blas_threads.release_idle_blas_workers(own_threads=blocks.idle_worker_threads()):
        return 1
    return threads


def set_threads(threads: int) -> None:
    """Numba's thread count for the calling thread's next parallel kernel."""
    if numba.get_num_threads() != threads:
        numba.set_num_threads(threads)


# ----- compile time ------------------------------------------------------------------------------------------
class _CompileTimer(event.Listener):
    """Sums the time spent holding Numba's compiler lock (compiling, or loading compiled code from the disk
    cache), outermost acquisitions only, per thread."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._local = threading.local()

    def on_start(self, event_: event.Event) -> None:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            self._local.start = time.perf_counter()
        self._local.depth = depth + 1

    def on_end(self, event_: event.Event) -> None:
        self._local.depth -= 1
        if self._local.depth == 0:
            self.seconds += time.perf_counter() - self._local.start


compile_timer = _CompileTimer()
event.register("numba:compiler_lock", compile_timer)
