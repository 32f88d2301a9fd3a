"""One flat buffer for all trainable weights, and one for their gradients.

A network's parameters are a handful of arrays (for an MLP: a kernel and a bias per layer). Updating each with
its own dozen ufunc calls costs Python overhead per array and leaves small arrays bound by call overhead rather
than arithmetic. Instead, after the model is built, its trainable weights are copied into one contiguous
float32 buffer and each weight Tensor's ``.data`` becomes a *view* of its segment; likewise each weight gets a
view of a flat gradient buffer as its ``_grad_buffer``, into which backward writes its gradient. An optimizer
that sees parameters and gradients laid out this way (``optimizers/base.py``) runs its update rule once, on
the whole buffer: the same equations, a few large ufunc calls per step.

Nothing else changes: layers keep their Tensor objects, ``get_weights`` / ``set_weights`` read and write
through the views, and a weight that is not packed simply takes the per-parameter path.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .tensor import Tensor


def pack(weights: Sequence[Tensor]) -> tuple[np.ndarray, np.ndarray] | None:
    """Move ``weights`` (Tensors of one floating dtype) into a flat buffer, in order; give each a gradient view.

    Returns (flat values, flat gradients), or None when there is nothing to pack (no weights, mixed dtypes).
    Packing twice is harmless: already-packed weights are copied into a fresh pair of buffers.
    """
    weights = list(weights)
    if not weights or len({w.data.dtype for w in weights}) != 1:
        return None
    dtype = weights[0].data.dtype
    total = sum(w.data.size for w in weights)
    values = np.empty(total, dtype=dtype)
    grads = np.zeros(total, dtype=dtype)
    offset = 0
    for w in weights:
        size, shape = w.data.size, w.data.shape
        segment = values[offset:offset + size]
        segment[...] = w.data.reshape(-1)
        w.data = segment.reshape(shape)
        w._grad_buffer = grads[offset:offset + size].reshape(shape)
        offset += size
    return values, grads


def flat_base(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The 1-D buffer that ``arrays`` tile exactly, in order and without gaps, else None.

    This is how an optimizer recognises packed parameters (and gradients) without being told.
    """
    if not arrays:
        return None
    # NumPy points every view's ``base`` at the array that owns the memory, so views of one buffer share it.
    base = arrays[0].base
    if base is None or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    start = base.__array_interface__["data"][0]
    position = start
    itemsize = base.itemsize
    for array in arrays:
        if array.base is not base or not array.flags.c_contiguous:
            return None
        if array.__array_interface__["data"][0] != position:
            return None
        position += array.size * itemsize
    if position != start + base.size * itemsize:
        return None
    return base
