"""Letting Lamina's own threads have the cores that OpenBLAS's idle workers are spinning on.

After a matrix product, OpenBLAS (NumPy's BLAS in its Linux wheels) keeps its worker threads busy-waiting for
the next product for about 2**28 CPU cycles (~0.1 s) before they sleep. A thread of ours that starts right
after a product (the second half of NumPy's optimizer update, see ``kernels/blocks.py``; a compiled kernel's
other threads, see ``kernels/numba_runtime.py``) would share its core with a spinning worker and run slower
than doing all the work on one core: measured on 5.8 million Adam elements
right after a product, 18.5 ms on two threads against 16.3 ms on one, and 11.4 ms on two once the workers
were stopped.

``release_idle_blas_workers()`` stops them with OpenBLAS's ``blas_thread_shutdown_``: the very call its own
fork handler makes before every ``fork()``, so a well-trodden path. The next product starts the workers again
(tens of microseconds, against the milliseconds it saves here). Lamina only calls it between steps, from the
thread that runs the training loop, and only when no other Python thread is running: a product in flight in
another thread would lose its workers.

Everything here is best effort: with another BLAS (MKL, Apple's Accelerate), no OpenBLAS loaded, or not on
Linux, ``available()`` is False and callers keep to one thread.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Callable

_shutdown_functions: list[Callable[[], Any]] | None = None  # found on first use


def _find_shutdown_functions() -> list[Callable[[], Any]]:
    """``blas_thread_shutdown_`` of every OpenBLAS this process has loaded (read from /proc/self/maps)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            # Each line: address range, permissions, offset, device, inode, and the mapped file's path.
            paths = {fields[-1] for fields in map(str.split, maps)
                     if len(fields) >= 6 and "openblas" in fields[-1].lower()}
    except OSError:
        return []
    found = []
    for path in sorted(p for p in paths if p.startswith("/")):
        try:
            library = ctypes.CDLL(path)  # already loaded: this only takes another reference to it
            function = library.blas_thread_shutdown_
        except (OSError, AttributeError):
            continue
        function.restype = ctypes.c_int
        function.argtypes = []
        found.append(function)
    return found


def available() -> bool:
    """Whether OpenBLAS's workers can be released (an OpenBLAS with the call is loaded)."""
    global _shutdown_functions
    if _shutdown_functions is None:
        import numpy  # noqa: F401  (loads NumPy's BLAS, so that it is in the process's map)
        _shutdown_functions = _find_shutdown_functions()
    return bool(_shutdown_functions)


def release_idle_blas_workers(own_threads: int = 0) -> bool:
    """Stop OpenBLAS's worker threads if it is safe to; True when they were stopped.

    ``own_threads``: how many of the process's other Python threads are the caller's own (idle) workers. With
    any further Python thread alive, nothing is done: it might be inside a matrix product.
    """
    if not available() or threading.active_count() > 1 + own_threads:
        return False
    for shutdown in _shutdown_functions or ():
        shutdown()
    return True
