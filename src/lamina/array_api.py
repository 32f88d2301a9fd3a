"""``keras.ops``'s core and array functions: conversion, creation, shape manipulation, indexing and sorting.

Same conventions as ``lamina.numpy_api``: Keras 3's signatures, a ``lamina.Tensor`` back (``convert_to_numpy``
gives an ndarray, ``shape`` a tuple, ``split`` a list, ``top_k`` a (values, indices) pair), gradients through
Lamina's primitives. Creation functions default to floatx for floats (``ones``, ``zeros``, ``eye``,
``linspace``) and to int32 for integers (``arange(3)``), as Keras does.
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple, Sequence

import numpy as np

from . import ops as _ops
from . import array_primitives as _prim
from .dtypes import floatx_dtype, result_dtype, standardize_dtype, to_tensor
from .tensor import Tensor

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "cast", "stop_gradient", "shape", "ndim", "size",
    "ones", "zeros", "full", "eye", "identity", "arange", "linspace", "ones_like", "zeros_like", "full_like",
    "reshape", "transpose", "expand_dims", "squeeze", "ravel", "swapaxes", "moveaxis", "concatenate", "stack",
    "hstack", "vstack", "split", "tile", "repeat", "broadcast_to", "flip", "roll", "slice", "take",
    "take_along_axis", "sort", "argsort", "top_k", "TopK",
]

cast = _prim.cast
stop_gradient = _prim.stop_gradient
broadcast_to = _prim.broadcast_to
roll = _prim.roll


# ----- conversion --------------------------------------------------------------------------------------------
def convert_to_tensor(x: Any, dtype: Any = None, sparse: bool | None = None, ragged: bool | None = None) -> Tensor:
    """``x`` as a Tensor (a Tensor of the requested dtype is returned as it is). Lamina's rule for data that is
    not a tensor yet: float64 arrays become float32, Python integers int32. ``sparse`` and ``ragged`` tensors
    do not exist in Lamina; asking for one is an error."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: Lamina has no sparse or ragged tensors (sparse=True / ragged=True)")
    return to_tensor(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array: a copy, so that changing it never changes the tensor."""
    return np.array(x.data if isinstance(x, Tensor) else x)


def shape(x: Any) -> tuple[int, ...]:
    """The shape, as a tuple of ints."""
    return tuple(to_tensor(x).shape)


def ndim(x: Any) -> int:
    """The number of axes."""
    return to_tensor(x).ndim


def size(x: Any) -> int:
    """The number of elements."""
    return int(to_tensor(x).size)


# ----- creation ----------------------------------------------------------------------------------------------
def _dtype_or(dtype: Any, default: np.dtype) -> np.dtype:
    return default if dtype is None else standardize_dtype(dtype)


def _shape_tuple(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.data.tolist()
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ones (floatx unless ``dtype``)."""
    target = _dtype_or(dtype, floatx_dtype())
    return Tensor(np.ones(_shape_tuple(shape), target), dtype=target)


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of zeros (floatx unless ``dtype``)."""
    target = _dtype_or(dtype, floatx_dtype())
    return Tensor(np.zeros(_shape_tuple(shape), target), dtype=target)


def _fill_dtype(fill_value: Any, dtype: Any) -> np.dtype:
    if dtype is not None:
        return standardize_dtype(dtype)
    return to_tensor(fill_value.data if isinstance(fill_value, Tensor) else fill_value).dtype


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``fill_value`` (its dtype unless ``dtype``; Python floats give float32, ints int32)."""
    target = _fill_dtype(fill_value, dtype)
    value = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    return Tensor(np.full(_shape_tuple(shape), value, dtype=target), dtype=target)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803 - Keras's names
    """An N x M matrix with ones on the k-th diagonal (floatx unless ``dtype``)."""
    target = _dtype_or(dtype, floatx_dtype())
    return Tensor(np.eye(int(N), None if M is None else int(M), k=int(k), dtype=target), dtype=target)


def identity(n: int, dtype: Any = None) -> Tensor:
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop): int32 for integer arguments, floatx when one is a float."""
    bounds = [v for v in (start, stop, step) if v is not None]
    is_float = builtins.any(isinstance(v, (float, np.floating)) for v in bounds)
    target = _dtype_or(dtype, floatx_dtype() if is_float else np.dtype(np.int32))
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(start, stop, 1 if step is None else step).astype(target), dtype=target)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Tensor | tuple[Tensor, Tensor]:
    """``num`` evenly spaced values from start to stop (floatx unless ``dtype``)."""
    target = _dtype_or(dtype, floatx_dtype())
    values, step = np.linspace(np.asarray(start), np.asarray(stop), int(num), endpoint=endpoint, retstep=True,
                               axis=axis)
    out = Tensor(values.astype(target), dtype=target)
    return (out, Tensor(np.asarray(step, dtype=target), dtype=target)) if retstep else out


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    t = to_tensor(x)
    return t.shape, _dtype_or(dtype, t.dtype)


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones of x's shape (and dtype unless ``dtype``)."""
    shape_, target = _like(x, dtype)
    return Tensor(np.ones(shape_, target), dtype=target)


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros of x's shape (and dtype unless ``dtype``)."""
    shape_, target = _like(x, dtype)
    return Tensor(np.zeros(shape_, target), dtype=target)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """``fill_value`` in x's shape (and dtype unless ``dtype``)."""
    shape_, target = _like(x, dtype)
    value = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    return Tensor(np.full(shape_, value, dtype=target), dtype=target)


# ----- shape -------------------------------------------------------------------------------------------------
def reshape(x: Any, newshape: Any) -> Tensor:
    """Same values, new shape (one axis may be -1)."""
    return _ops.reshape(to_tensor(x), _shape_tuple(newshape))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Axes permuted by ``axes`` (reversed by default)."""
    return _ops.transpose(to_tensor(x), None if axes is None else tuple(int(a) for a in axes))


def _axes_list(axis: Any) -> list[int]:
    return [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]


def expand_dims(x: Any, axis: int | Sequence[int]) -> Tensor:
    """A new axis of size 1 at ``axis`` (or at each of several positions)."""
    x = to_tensor(x)
    try:
        new_shape = np.expand_dims(np.empty(x.shape, dtype=bool), tuple(_axes_list(axis))).shape
    except np.exceptions.AxisError:
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of shape {x.shape}") from None
    return _ops.reshape(x, new_shape)


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """Remove axes of size 1 (all of them by default, else ``axis``, which must have size 1)."""
    x = to_tensor(x)
    if axis is None:
        return _ops.reshape(x, tuple(n for n in x.shape if n != 1))
    axes = {a % builtins.max(x.ndim, 1) for a in _axes_list(axis)}
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of a tensor of shape {x.shape} has size {x.shape[a]}, not 1")
    return _ops.reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def ravel(x: Any) -> Tensor:
    """The elements as a 1-D tensor."""
    return _ops.reshape(to_tensor(x), (-1,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Axes ``axis1`` and ``axis2`` exchanged."""
    x = to_tensor(x)
    order = list(range(x.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return _ops.transpose(x, tuple(order))


def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Axes moved from ``source`` to ``destination``, the others keeping their order."""
    x = to_tensor(x)
    return _ops.transpose(x, tuple(_moveaxis_order(x.ndim, source, destination)))


def _moveaxis_order(ndim_: int, source: Any, destination: Any) -> list[int]:
    """The permutation ``transpose`` needs to move ``source`` axes to ``destination`` (NumPy's rule)."""
    src = [a % ndim_ for a in _axes_list(source)]
    dst = [a % ndim_ for a in _axes_list(destination)]
    order = [a for a in range(ndim_) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return order


def concatenate(xs: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Tensors joined along an existing axis (flattened first when ``axis`` is None)."""
    parts = [to_tensor(x) for x in xs]
    if axis is None:
        parts, axis = [_ops.reshape(p, (-1,)) for p in parts], 0
    return _ops.concatenate(_common_dtype(parts), axis=axis)


def _common_dtype(parts: list[Tensor]) -> list[Tensor]:
    """The parts cast to Keras's common dtype (floats keep their graph)."""
    if len({p.dtype for p in parts}) <= 1:
        return parts
    target = result_dtype(*parts)
    return [p if p.dtype == target else _prim.cast(p, target) for p in parts]


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    """Tensors of one shape joined along a new axis."""
    parts = _common_dtype([to_tensor(t) for t in x])
    return _ops.stack(parts, axis=axis)


def hstack(xs: Sequence[Any]) -> Tensor:
    """Joined along axis 1 (axis 0 for 1-D tensors), NumPy's ``hstack``."""
    parts = [to_tensor(x) for x in xs]
    return concatenate(parts, axis=0 if parts and parts[0].ndim == 1 else 1)


def vstack(xs: Sequence[Any]) -> Tensor:
    """Joined along axis 0, 1-D tensors first made rows."""
    parts = [to_tensor(x) for x in xs]
    return concatenate([_ops.reshape(p, (1, -1)) if p.ndim == 1 else p for p in parts], axis=0)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Pieces of x along ``axis``: ``n`` equal sections, or cut before each of the given indices."""
    x = to_tensor(x)
    axis = axis % builtins.max(x.ndim, 1)
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(f"split: axis {axis} of size {length} cannot be split into {sections} equal sections")
        cuts = [length // sections * i for i in range(1, sections)]
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = [0] + cuts + [length]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = (builtins.slice(None),) * axis + (builtins.slice(start, stop),)
        pieces.append(_ops.getitem(x, index))
    return pieces


tile = _prim.tile


def repeat(x: Any, repeats: int | Sequence[int], axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along ``axis`` (of the flattened x when None)."""
    x = to_tensor(x)
    length = x.size if axis is None else x.shape[axis]
    positions = np.repeat(np.arange(length), np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats))
    return _prim.take(x, positions, axis=axis)


def flip(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """Elements in reverse order along ``axis`` (every axis by default)."""
    x = to_tensor(x)
    axes = range(x.ndim) if axis is None else [a % builtins.max(x.ndim, 1) for a in _axes_list(axis)]
    index = tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None) for i in range(x.ndim))
    return _ops.getitem(x, index)


def slice(inputs: Any, start_indices: Sequence[int], shape: Sequence[int]) -> Tensor:  # noqa: A001 - Keras's name
    """The block of ``shape`` starting at ``start_indices`` (one start and one size per axis)."""
    x = to_tensor(inputs)
    starts, sizes = [int(i) for i in _flat(start_indices)], [int(n) for n in _flat(shape)]
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ValueError(f"slice: need one start index and one size per axis of a tensor of shape {x.shape}; "
                         f"received start_indices={starts}, shape={sizes}")
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))
    return _ops.getitem(x, index)


def _flat(values: Any) -> list[Any]:
    return list(np.asarray(values.data if isinstance(values, Tensor) else values).reshape(-1))


# ----- indexing and sorting ----------------------------------------------------------------------------------
def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Elements at ``indices`` along ``axis`` (of the flattened x when None); differentiable in x."""
    return _prim.take(to_tensor(x), indices, axis=axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """NumPy's ``take_along_axis`` (the pairing of ``argsort`` / ``argmax(keepdims=True)`` with x)."""
    return _prim.take_along_axis(to_tensor(x), indices, axis=axis)


def argsort(x: Any, axis: int | None = -1) -> Tensor:
    """The indices that sort x along ``axis`` (stable), as int32."""
    data = to_tensor(x).data
    if axis is None:
        data, axis = data.reshape(-1), 0
    return Tensor(np.argsort(data, axis=axis, kind="stable").astype(np.int32), dtype=np.int32)


def sort(x: Any, axis: int | None = -1) -> Tensor:
    """x sorted along ``axis``; the gradient follows each element to its sorted position."""
    x = to_tensor(x)
    if axis is None:
        x, axis = _ops.reshape(x, (-1,)), 0
    return _prim.take_along_axis(x, argsort(x, axis=axis).data, axis=axis)


class TopK(NamedTuple):
    """``top_k``'s result: ``values, indices = ops.top_k(x, k)``."""
    values: Tensor
    indices: Tensor


def top_k(x: Any, k: int, sorted: bool = True) -> TopK:  # noqa: A002 - Keras's name
    """The ``k`` largest entries along the last axis and their indices (int32). Ties keep the lower index
    first, as TensorFlow's ``top_k``. The values are differentiable."""
    x = to_tensor(x)
    if not 1 <= int(k) <= (x.shape[-1] if x.ndim else 0):
        raise ValueError(f"top_k: k must be between 1 and the size of the last axis; received k={k} for a "
                         f"tensor of shape {x.shape}")
    # A stable sort of -x puts larger values first and keeps equal values in index order.
    keys = x.data if x.dtype.kind in "fi" else x.data.astype(np.float64)
    order = np.argsort(-keys, axis=-1, kind="stable")[..., :int(k)].astype(np.int32)
    return TopK(_prim.take_along_axis(x, order, axis=-1), Tensor(order, dtype=np.int32))
