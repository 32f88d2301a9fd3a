"""Primitives that ``keras.ops`` needs beyond ``lamina.ops``: each forward next to its VJP, as in ops.py.

Only what cannot be composed well from existing primitives lives here: a composition would be slow (cumsum,
tile, gather) or lose precision (log1p, expm1, logsumexp, prod with zeros). The VJP contract is ops.py's:
return a fresh array (or ``g``) per parent, of the parent's shape and dtype; never write into ``g``.
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .ops import _kept_shape, _normalize_axes, _pair, unbroadcast
from .tensor import Tensor, as_tensor


# ----- dtype and graph control -------------------------------------------------------------------------------
def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype``. Between float types the gradient is cast back (d/dx = 1); a cast to an
    integer or bool type is a step function, so no gradient flows through it."""
    from .dtypes import standardize_dtype
    x = as_tensor(x)
    target = standardize_dtype(dtype)
    if target == x.dtype:
        return x
    out = x.data.astype(target)  # float to int truncates toward zero, as TensorFlow's cast does
    if target.kind == "f" and x.dtype.kind == "f":
        return Tensor._from_op(out, (x,), lambda g: (g.astype(x.dtype),))
    return Tensor(out, dtype=target)


def stop_gradient(x: Any) -> Tensor:
    """The same values, cut from the graph: no gradient flows back through the result."""
    x = as_tensor(x)
    return Tensor(x.data, dtype=x.dtype)


# ----- elementwise functions ---------------------------------------------------------------------------------
def log1p(x: Any) -> Tensor:
    """log(1 + x), exact for small x. d/dx = 1 / (1 + x)."""
    x = as_tensor(x)
    out = np.log1p(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g / (1 + x.data),))


def expm1(x: Any) -> Tensor:
    """e^x - 1, exact for small x. d/dx = e^x = out + 1."""
    x = as_tensor(x)
    out = np.expm1(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g * (out + 1),))


def sin(x: Any) -> Tensor:
    """sin x. d/dx = cos x."""
    x = as_tensor(x)
    return Tensor._from_op(np.sin(x.data), (x,), lambda g: (g * np.cos(x.data),))


def cos(x: Any) -> Tensor:
    """cos x. d/dx = -sin x."""
    x = as_tensor(x)
    return Tensor._from_op(np.cos(x.data), (x,), lambda g: (-g * np.sin(x.data),))


def power(a: Any, b: Any) -> Tensor:
    """a ** b for two tensors (broadcast). d/da = b a^(b-1); d/db = a^b ln a, taken as 0 where a <= 0 (there
    a real power is only defined for integer b, and its derivative in b does not exist)."""
    a, b = _pair(a, b)
    out = np.power(a.data, b.data)

    def vjp(g):
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g * b.data * np.power(a.data, b.data - 1), a.shape, a.dtype)
        if b.requires_grad:
            positive = a.data > 0
            log_a = np.log(np.where(positive, a.data, 1))
            gb = unbroadcast(np.where(positive, g * out * log_a, 0).astype(g.dtype), b.shape, b.dtype)
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


# ----- reductions and scans ----------------------------------------------------------------------------------
def _to_last_axis(data: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Move ``axes`` to the end and merge them into one: (..., n). Also returns the permutation used."""
    kept = [i for i in range(data.ndim) if i not in axes]
    order = tuple(kept) + axes
    moved = np.transpose(data, order)
    return moved.reshape(moved.shape[:len(kept)] + (-1,)), order


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product over ``axis``. d(prod)/dx_i = the product of all the other elements, computed as the product
    of those before i times those after i (two exclusive cumulative products), so zeros need no division."""
    x = as_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    axes = _normalize_axes(axis, x.ndim)
    out = np.prod(x.data, axis=axes, keepdims=keepdims)

    def vjp(g):
        flat, order = _to_last_axis(x.data, axes)
        ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (before * after).reshape(np.transpose(x.data, order).shape)
        g_kept = g.reshape(_kept_shape(x.shape, axes))
        grad = np.transpose(others, np.argsort(order)) * g_kept
        return (grad.astype(x.dtype, copy=False),)

    return Tensor._from_op(np.asarray(out), (x,), vjp)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis`` (over the flattened array when None). Each x_i appears in every sum from
    position i on, so dL/dx_i = sum_{j >= i} g_j: a cumulative sum of g taken from the end."""
    x = as_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    source = x.data.reshape(-1) if axis is None else x.data
    along = 0 if axis is None else axis
    out = np.cumsum(source, axis=along)

    def vjp(g):
        reversed_sum = np.flip(np.cumsum(np.flip(g, along), axis=along), along)
        return (reversed_sum.reshape(x.shape).astype(x.dtype, copy=False),)

    return Tensor._from_op(out, (x,), vjp)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log sum_i e^(x_i), computed as m + log sum_i e^(x_i - m) with m = max x (no overflow).
    d/dx_i = e^(x_i - out) = softmax(x)_i."""
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim)
    kept = _kept_shape(x.shape, axes)
    peak = np.max(x.data, axis=axes, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)  # all -inf (or an inf) along an axis: shift by nothing
    out_kept = np.log(np.sum(np.exp(x.data - peak), axis=axes, keepdims=True)) + peak
    out = out_kept if keepdims else out_kept.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def vjp(g):
        return ((np.exp(x.data - out_kept) * g.reshape(kept)).astype(x.dtype, copy=False),)

    return Tensor._from_op(np.asarray(out, dtype=x.dtype), (x,), vjp)


# ----- shape and indexing ------------------------------------------------------------------------------------
def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """``x`` repeated to ``shape`` by NumPy's broadcasting rules; the VJP sums back (``unbroadcast``)."""
    x = as_tensor(x)
    shape = tuple(int(n) for n in shape)
    try:
        out = np.array(np.broadcast_to(x.data, shape))
    except ValueError:
        raise ValueError(f"broadcast_to: a tensor of shape {x.shape} cannot be broadcast to shape {shape}") from None
    return Tensor._from_op(out, (x,), lambda g: (unbroadcast(g, x.shape, x.dtype),))


def tile(x: Any, repeats: Sequence[int] | int) -> Tensor:
    """``x`` repeated ``repeats[i]`` times along axis i (NumPy's ``tile``). Each element appears once in every
    tile, so its gradient is the sum of g over the tiles: g reshaped to (r_0, n_0, r_1, n_1, ...) and summed
    over the r axes."""
    x = as_tensor(x)
    reps = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
    out = np.tile(x.data, reps)
    ndim = builtins.max(len(reps), x.ndim)
    sizes = (1,) * (ndim - x.ndim) + x.shape
    reps = (1,) * (ndim - len(reps)) + reps

    def vjp(g):
        interleaved = g.reshape([v for pair in zip(reps, sizes) for v in pair])
        return (interleaved.sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(x.shape).astype(x.dtype, copy=False),)

    return Tensor._from_op(out, (x,), vjp)


def _index_array(indices: Any) -> np.ndarray:
    array = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and np.all(np.mod(array, 1) == 0):
            return array.astype(np.intp)
        raise TypeError(f"indices must be integers; received an array of dtype {array.dtype}")
    return array


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None), NumPy's ``take``.
    The VJP adds each g entry back at the index it came from (``np.add.at``: repeated indices accumulate)."""
    x = as_tensor(x)
    idx = _index_array(indices)
    source = x.data.reshape(-1) if axis is None else x.data
    along = 0 if axis is None else axis % builtins.max(x.ndim, 1)
    size = source.shape[along] if source.ndim else 0
    if idx.size and (idx.max() >= size or idx.min() < -size):
        raise IndexError(f"take: indices from {idx.min()} to {idx.max()} are out of range for axis "
                         f"{along if axis is not None else 'None (flattened)'} of size {size}")
    out = np.take(source, idx, axis=along)

    def vjp(g):
        grad = np.zeros(source.shape, dtype=x.dtype)
        moved_grad = np.moveaxis(grad, along, 0)
        k = idx.ndim
        moved_g = np.moveaxis(g, list(range(along, along + k)), list(range(k)))
        np.add.at(moved_grad, idx, moved_g)
        return (grad.reshape(x.shape),)

    return Tensor._from_op(out, (x,), vjp)


def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """NumPy's ``take_along_axis``: out[..., i, ...] = x[..., indices[..., i, ...], ...] along ``axis``.
    The VJP scatters g back with ``np.add.at`` at the same (full) indices."""
    x = as_tensor(x)
    idx = _index_array(indices)
    source = x.data.reshape(-1) if axis is None else x.data
    along = 0 if axis is None else axis % builtins.max(x.ndim, 1)
    out = np.take_along_axis(source, idx, axis=along)

    def vjp(g):
        grad = np.zeros(source.shape, dtype=x.dtype)
        full_index = []
        for d in range(source.ndim):
            if d == along:
                full_index.append(idx)
            else:
                positions = np.arange(source.shape[d]) if source.shape[d] == out.shape[d] \
                    else np.zeros(out.shape[d], dtype=np.intp)
                full_index.append(positions.reshape([-1 if i == d else 1 for i in range(source.ndim)]))
        np.add.at(grad, tuple(np.broadcast_arrays(*full_index)), g)
        return (grad.reshape(x.shape),)

    return Tensor._from_op(out, (x,), vjp)


def roll(x: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Tensor:
    """Elements shifted cyclically by ``shift`` along ``axis`` (NumPy's ``roll``); the VJP rolls g back."""
    x = as_tensor(x)
    out = np.roll(x.data, shift, axis=axis)
    back = -np.asarray(shift)
    return Tensor._from_op(out, (x,), lambda g: (np.roll(g, back, axis=axis),))
