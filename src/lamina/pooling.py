"""Pooling, zero padding and nearest upsampling as primitives (1-D and 2-D, channels-last), each with its VJP.

Pooling slides a window over each channel like a convolution without weights (see ``convolution.Window``);
the loops below run over the window's offsets (4 for a 2x2 pool), each step one vectorised pass over a whole
(N, OH, OW, C) slab.

Max pooling keeps, for every output, the index of the offset that won (the first one on a tie, as PyTorch
and TensorFlow choose), so the backward pass routes the gradient to exactly that input:
    dL/dx[n, i s_h + a, j s_w + b, c] += dL/dy[n, i, j, c]   where (a, b) is the saved argmax.
Average pooling divides by the number of real (unpadded) inputs in the window, as TensorFlow's "same" does,
and spreads dL/dy / count evenly over the window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import kernels
from .conv_geometry import padded_output_length, window_pads
from .convolution import Window, int_tuple, pad_spatial, unpad_spatial
from .tensor import Tensor, as_tensor


def _as_4d(name: str, x: Tensor, rank: int) -> np.ndarray:
    if x.ndim != rank + 2:
        raise ValueError(f"{name}: a {rank}-D pooling expects input of rank {rank + 2} (batch, "
                         f"{'' if rank == 1 else 'height, '}width, channels); received shape {x.shape}")
    return x.data[:, None] if rank == 1 else x.data


def _window(name: str, x4: np.ndarray, rank: int, pool_size: Any, strides: Any, padding: str):
    """The pooling window on the (N, H, W, C) view of x and its (before, after) paddings."""
    pool = int_tuple(pool_size, rank, "pool_size")
    stride = int_tuple(pool if strides is None else strides, rank, "strides")
    if rank == 1:
        pool, stride = (1,) + pool, (1,) + stride
    if padding not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same'; received {padding!r}")
    spatial = x4.shape[1:3]
    pads = window_pads(spatial, pool, stride, padding)
    out = tuple(padded_output_length(n, k, s, p) for n, k, s, p in zip(spatial, pool, stride, pads))
    if min(out) <= 0:
        raise ValueError(f"{name}: the pool {pool[2 - rank:]} is larger than the input {spatial[2 - rank:]} "
                         f"(padding {padding!r}): the output would be empty")
    return Window(pool, stride, (1, 1), out), pads


def _prepare(name: str, x: Any, pool_size: Any, strides: Any, padding: str, fill: float):
    """(x as a tensor, its rank, its (N, H, W, C) view, the window, the padded input) for a pooling."""
    x = as_tensor(x)
    rank = x.ndim - 2
    if rank not in (1, 2):
        raise ValueError(f"{name}: expected input of rank 3 or 4 (channels last); received shape {x.shape}")
    x4 = _as_4d(name, x, rank)
    window, pads = _window(name, x4, rank, pool_size, strides, padding)
    return x, rank, x4, window, pads, pad_spatial(x4, pads, fill)


def _output_shape(x: Tensor, rank: int, window: Window) -> tuple[int, ...]:
    return (x.shape[0],) + window.out[2 - rank:] + (x.shape[-1],)


def max_pool(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Max pooling over 1-D or 2-D windows (strides default to the pool size; "same" pads with -inf).

    Forward and backward are kernels of the speed seam (``lamina.kernels``: NumPy's passes over the window's
    offsets, or one compiled loop nest), the argmax of each window saved between them."""
    x, rank, x4, window, pads, xp = _prepare("max_pool", x, pool_size, strides, padding, -np.inf)
    best, argmax = kernels.max_pool_forward(xp, window.kernel, window.strides, window.out)

    def vjp(g):
        dxp = kernels.max_pool_backward(g.reshape(best.shape), argmax, xp.shape, window.kernel, window.strides)
        return (unpad_spatial(dxp, pads, x4.shape).reshape(x.shape),)

    return Tensor._from_op(best.reshape(_output_shape(x, rank, window)), (x,), vjp)


def avg_pool(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Average pooling over 1-D or 2-D windows; "same" averages only the real inputs under each window."""
    x, rank, x4, window, pads, xp = _prepare("avg_pool", x, pool_size, strides, padding, 0.0)
    total = None
    for _, _, (rows, columns) in window.taps():
        total = xp[:, rows, columns].copy() if total is None else np.add(total, xp[:, rows, columns], out=total)
    inverse_count = 1 / _window_counts(x4.shape[1:3], window, pads).astype(x4.dtype)
    total *= inverse_count

    def vjp(g):
        share = g.reshape(total.shape) * inverse_count
        dxp = np.zeros(xp.shape, dtype=g.dtype)
        for _, _, (rows, columns) in window.taps():
            dxp[:, rows, columns] += share
        return (unpad_spatial(dxp, pads, x4.shape).reshape(x.shape),)

    return Tensor._from_op(total.reshape(_output_shape(x, rank, window)), (x,), vjp)


def _window_counts(spatial: tuple[int, int], window: Window, pads) -> np.ndarray:
    """How many real (not padding) inputs each output window covers, shaped (1, OH, OW, 1) for broadcasting."""
    real = pad_spatial(np.ones((1,) + spatial + (1,), dtype=np.int32), pads, 0)
    counts = np.zeros((1,) + window.out + (1,), dtype=np.int32)
    for _, _, (rows, columns) in window.taps():
        counts += real[:, rows, columns]
    return counts


def zero_pad(x: Any, padding: tuple[tuple[int, int], ...]) -> Tensor:
    """Zeros around the spatial axes of a channels-last batch (1-D: ((left, right),); 2-D: two pairs).
    The VJP cuts the padded border off the gradient."""
    x = as_tensor(x)
    rank = x.ndim - 2
    if rank not in (1, 2) or len(padding) != rank:
        raise ValueError(f"zero_pad: expected {len(padding)} (before, after) pairs for the spatial axes of input of "
                         f"rank 3 or 4; received padding {padding} and shape {x.shape}")
    pads = (((0, 0),) if rank == 1 else ()) + tuple((int(a), int(b)) for a, b in padding)
    x4 = x.data[:, None] if rank == 1 else x.data
    out = pad_spatial(x4, pads)
    if out is x4:
        out = x4.copy()

    def vjp(g):
        return (unpad_spatial(g.reshape(out.shape), pads, x4.shape).reshape(x.shape),)

    shape = (x.shape[0],) + out.shape[3 - rank:3] + (x.shape[-1],)
    return Tensor._from_op(out.reshape(shape), (x,), vjp)


def upsample_nearest(x: Any, size: tuple[int, ...]) -> Tensor:
    """Repeat every pixel ``size`` times along each spatial axis (channels-last, 1-D or 2-D).
    The VJP sums the gradient over each pixel's copies."""
    x = as_tensor(x)
    rank = x.ndim - 2
    if rank not in (1, 2) or len(size) != rank:
        raise ValueError(f"upsample_nearest: expected {rank} factors for input of shape {x.shape}; received {size}")
    sh, sw = (1,) + tuple(size) if rank == 1 else tuple(size)
    x4 = x.data[:, None] if rank == 1 else x.data
    n, h, w, c = x4.shape
    out = np.empty((n, h, sh, w, sw, c), dtype=x4.dtype)
    out[...] = x4[:, :, None, :, None, :]

    def vjp(g):
        return (g.reshape(n, h, sh, w, sw, c).sum(axis=(2, 4)).reshape(x.shape),)

    shape = (n, h * sh, w * sw, c) if rank == 2 else (n, w * sw, c)
    return Tensor._from_op(out.reshape(shape), (x,), vjp)
