"""NumPy's kernels over one large buffer: in cache-sized blocks, on one thread or two.

An update rule (Adam's, say) is a dozen ufunc passes over the parameters, gradients and moments. Over one
large buffer, every pass would stream all of them through memory; a block at a time, the block's arrays stay
in the core's L2 cache and only the first and last passes touch memory. Measured on 5.8 million float32 Adam
elements: 20.6 ms in one pass, 13.4 ms in blocks of 64k elements (alone); 25 ms -> 18 ms inside a training step.

The rules are elementwise, so a block's result does not depend on how the buffer is cut: any split, and any
thread, gives the same numbers bit for bit. Large buffers are split in two halves, the second run by a worker
thread while the calling thread runs the first; NumPy releases the GIL inside each ufunc call, so the halves
really run at once. This pays only when (a) each thread's calls are long enough that handing the GIL back and
forth is cheap beside them (hence the larger blocks and the size threshold: at 235k elements two threads
measured slower than one), and (b) the second core is not taken by OpenBLAS's spinning workers (see
``utils/blas_threads.py``), so the split only happens when they could be released. Measured (2 cores, Adam
right after a matrix product, one thread -> two): 667k elements (workload D) 1.7-1.8 ms -> 1.3-1.5 ms, 5.8
million (workload B) 14.0 ms -> 8.2-8.7 ms; with OpenBLAS's workers left spinning, two threads took 18.5 ms.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from ..utils import blas_threads

CACHE_BLOCK = 65536       # elements per block on one thread: Adam's five float32 arrays are 1.3 MB, within L2
PARALLEL_BLOCK = 262144   # per block when split: fewer, longer ufunc calls hand the GIL over less often
                          # (5.8M Adam elements on two threads: 9.1-9.6 ms at 128k, 8.2-8.7 ms at 256k)
PARALLEL_MIN = 1 << 19    # elements; below this a second thread costs more than it saves (measured at 235k)

_pool: ThreadPoolExecutor | None = None


def _forget_pool_in_child() -> None:
    """A forked child has no worker thread, only the parent's pool object that believes it has one: work
    submitted to it would wait forever. Start the child with no pool (one is made on first use)."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def default_threads() -> int:
    """Threads an update may use: two when this process may run on at least two cores, else one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def idle_worker_threads() -> int:
    """Python threads of this module alive in the process (its pool's idle worker, once made): callers that
    count the process's other threads before stopping OpenBLAS's workers leave it out."""
    return 0 if _pool is None else 1


def largest_part(size: int) -> int:
    """The most elements ``run_in_blocks`` passes in one slice for a buffer of ``size``: what a per-thread
    scratch buffer must hold."""
    return size if size < 2 * CACHE_BLOCK else min(size, max(CACHE_BLOCK, PARALLEL_BLOCK))


def _run_range(update: Callable[[slice, int], None], start: int, stop: int, block: int, lane: int) -> None:
    for first in range(start, stop, block):
        update(slice(first, min(first + block, stop)), lane)


def run_in_blocks(update: Callable[[slice, int], None], size: int, threads: int = 1) -> None:
    """Call ``update(part, lane)`` on slices that cover ``range(size)`` once each.

    ``lane`` is 0 on the calling thread and 1 on the worker: two calls with different lanes may run at the
    same time (each lane needs its own scratch space), two with the same lane never do.

    Small buffers are one slice (each block costs a dozen ufunc calls). With ``threads`` >= 2, a buffer of at
    least ``PARALLEL_MIN`` elements is split in two halves run at the same time, when OpenBLAS's idle workers
    could be released first; otherwise the blocks run one after another on the calling thread.
    """
    global _pool
    if size < 2 * CACHE_BLOCK:
        update(slice(0, size), 0)
        return
    if threads >= 2 and size >= PARALLEL_MIN and \
            blas_threads.release_idle_blas_workers(own_threads=idle_worker_threads()):
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lamina-update")
        half = size // 2 // 16 * 16  # a 64-byte boundary for both halves' SIMD loops
        second = _pool.submit(_run_range, update, half, size, PARALLEL_BLOCK, 1)
        try:
            _run_range(update, 0, half, PARALLEL_BLOCK, 0)
        finally:
            second.result()  # waits for the worker, and raises what it raised
        return
    _run_range(update, 0, size, CACHE_BLOCK, 0)
