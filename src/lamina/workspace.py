"""Scratch arrays that are reused across training steps instead of allocated anew.

A convolution copies its input patches into a matrix (im2col) that is as large as the input times the kernel
area: tens of megabytes per layer per step. Allocating it fresh every step costs page faults and cache misses;
reusing one array per layer avoids them. But an array may only be reused once nobody needs it any more: the
patch matrix of step t is read again by step t's backward pass, and a layer called twice in one graph needs two.

So ``scratch`` keeps a few arrays per (shape, dtype) and hands one out only when nothing else refers to it: the
backward closure that saved it (directly or through a view, whose ``base`` points at it) holds a reference until
its graph is freed. Otherwise it allocates a new one. Correct by construction, however the arrays are shared.
What it keeps is bounded (64 MiB per array, 256 MiB in all, least recently used shapes dropped first), so a
one-off large batch (an evaluation) does not stay in memory.
"""

from __future__ import annotations

import sys
from collections import OrderedDict

import numpy as np

_PER_KEY = 3          # arrays kept per (shape, dtype): a forward, its backward, one more graph alive
_MAX_KEYS = 24        # shapes remembered (e.g. a training and an evaluation batch size for a few layers)
_MAX_KEPT_BYTES = 64 << 20   # larger arrays (e.g. a big evaluation batch) are used once and freed, not kept
_MAX_TOTAL_BYTES = 256 << 20

_pool: OrderedDict[tuple, list[np.ndarray]] = OrderedDict()
# References held while a candidate array is inspected: the pool's list, the loop variable, getrefcount's argument.
_FREE_REFCOUNT = 3


def scratch(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` that nobody else is using."""
    key = (shape, np.dtype(dtype))
    arrays = _pool.get(key)
    if arrays is None:
        if len(_pool) >= _MAX_KEYS:
            _pool.popitem(last=False)
        arrays = _pool[key] = []
    else:
        _pool.move_to_end(key)
        for array in arrays:
            if sys.getrefcount(array) == _FREE_REFCOUNT:
                return array
    array = np.empty(shape, dtype=dtype)
    if len(arrays) < _PER_KEY and array.nbytes <= _MAX_KEPT_BYTES:
        arrays.append(array)
        while _kept_bytes() > _MAX_TOTAL_BYTES and len(_pool) > 1:
            _pool.popitem(last=False)   # the least recently used shape
    return array


def _kept_bytes() -> int:
    return sum(array.nbytes for arrays in _pool.values() for array in arrays)


def clear() -> None:
    """Forget every kept array (their memory is freed once nothing else refers to them)."""
    _pool.clear()
