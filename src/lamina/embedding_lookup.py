"""Row lookup (an embedding table) as a primitive, with a sorted scatter-add backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor


def scatter_add_rows(indices: np.ndarray, rows: np.ndarray, num_rows: int) -> np.ndarray:
    """A (num_rows, D) array whose row r is the sum of ``rows[k]`` over every k with ``indices[k] == r``.

    Sorting the indices makes equal ones adjacent, so one ``np.add.reduceat`` sums each run. Measured on 6,400
    lookups of 64 floats (NumPy 2.4, 2 shared cores, best of 10): 0.9 ms against 2.6 ms for ``np.add.at`` with
    1,000 rows, 2.4 against 2.8 ms with 20,000; one ``np.bincount`` per column is as fast for few rows but
    12x slower for many rows and few lookups.
    """
    grad = np.zeros((num_rows, rows.shape[-1]), dtype=rows.dtype)
    if indices.size == 0:
        return grad
    order = np.argsort(indices, kind="stable")
    sorted_indices = indices[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_indices[1:] != sorted_indices[:-1])))
    grad[sorted_indices[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return grad


def embedding_lookup(table: Tensor, indices: Any) -> Tensor:
    """``table[indices]``: one row of the (V, D) table per integer index; output indices.shape + (D,).

    Backward: dL/dtable[r] = sum of dL/dout over the positions that looked up row r (``scatter_add_rows``);
    the indices get no gradient.
    """
    ids = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if ids.dtype.kind not in "iu":
        if ids.dtype.kind != "f" or not np.all(np.mod(ids, 1) == 0):
            raise ValueError(f"embedding_lookup: indices must be integers; received dtype {ids.dtype}")
        ids = ids.astype(np.int64)
    vocabulary, width = table.shape
    if ids.size and (ids.min() < 0 or ids.max() >= vocabulary):
        raise ValueError(f"embedding_lookup: indices must lie in [0, {vocabulary - 1}] (the table has {vocabulary} "
                         f"rows); received values from {ids.min()} to {ids.max()}")
    flat = ids.reshape(-1)
    out = np.take(table.data, flat, axis=0).reshape(ids.shape + (width,))

    def vjp(g):
        return (scatter_add_rows(flat, g.reshape(-1, width), vocabulary),)

    return Tensor._from_op(out, (table,), vjp)
