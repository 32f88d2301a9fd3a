"""The layers' elementwise work in NumPy: bias and activation, dropout, batch norm, fused losses, the
convolution's scatter-add (col2im).

These are the reference the compiled kernels (``numba_layers.py``) are checked against, and what runs without
the ``fast`` extra. Each function is the forward or backward half of one primitive of ``functional.py``, which
holds the autodiff side (the Tensor, the VJP closure, argument checks) and the derivations in the notes'
symbols; here are only the array computations, written with few passes and no needless temporaries.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def batch_sum(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The sum over every axis but the last (a bias or BatchNorm gradient, a batch mean), as ``ones @ values``.

    BLAS's matrix-vector product does it about 3x faster than ``np.add.reduce(values, axis=0)`` on
    (batch, units) arrays: 2.0 against 4.7 us on 128 x 256, 16 against 50 us on 256 x 2048. The sum is the same
    up to float rounding (another order of additions).
    """
    rows = values if values.ndim == 2 else values.reshape(-1, values.shape[-1])
    if rows.dtype not in (np.float32, np.float64):
        return np.add.reduce(rows, axis=0, out=out)
    key = (rows.shape[0], rows.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:  # many batch sizes (e.g. a growing evaluation set): start over
            _ONES.clear()
        ones = _ONES[key] = np.ones(rows.shape[0], rows.dtype)
        ones.flags.writeable = False
    return np.matmul(ones, rows, out=out)


def times_positive(g: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``g`` where ``values > 0``, else 0: ReLU's backward. The boolean mask is made a float array first: a
    float-by-float product runs NumPy's SIMD loop, a float-by-bool one casts element by element (8 against 12 us
    on 128 x 256)."""
    mask = np.greater(values, 0).astype(g.dtype)
    mask *= g
    return mask


def sigmoid_array(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), computed through e^-|z| so that no exponent overflows for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def leaky_slope(values: np.ndarray, alpha: float) -> np.ndarray:
    """Leaky ReLU's derivative, 1 where the value is positive else alpha. The output has the sign of the
    input (alpha >= 0), so the same mask serves forward (from z) and backward (from a = f(z))."""
    slope = np.full(values.shape, alpha, dtype=values.dtype)
    np.copyto(slope, values.dtype.type(1), where=values > 0)  # (np.where with two scalars is slower)
    return slope


# ----- bias + activation -------------------------------------------------------------------------------------
def bias_act_forward(z: np.ndarray, bias: np.ndarray | None, activation: str | None, alpha: float = 0.2,
                     out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(a, saved): a = f(z + b) (b over the last axis; no bias when None) for the fusable activations:
    None/'linear', 'relu', 'sigmoid', 'tanh', 'leaky_relu'. ``a`` is written into ``out`` when given (z is
    left alone), else into z itself, which the caller owns; the sigmoid returns a new array either way.
    ``saved`` is what ``bias_act_backward`` needs besides a, or None (here: the leaky ReLU's slope, which is
    computed anyway, so that the backward is one product)."""
    if out is None:
        out = z
        if bias is not None:
            z += bias
    elif bias is not None:
        z = np.add(z, bias, out=out)
    if activation is None or activation == "linear":
        if z is not out:
            np.copyto(out, z)
        return out, None
    if activation == "relu":
        return np.maximum(z, 0, out=out), None
    if activation == "sigmoid":
        return sigmoid_array(z), None
    if activation == "tanh":
        return np.tanh(z, out=out), None
    if activation == "leaky_relu":
        slope = leaky_slope(z, alpha)
        return np.multiply(z, slope, out=out), slope
    raise ValueError(f"bias_act_forward: activation {activation!r} cannot be fused")


def bias_act_backward(g: np.ndarray, a: np.ndarray, saved: np.ndarray | None, activation: str | None,
                      alpha: float = 0.2, want_db: bool = False, db_out: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """(dL/dz, dL/db) from dL/da, the saved output a = f(z) and ``bias_act_forward``'s ``saved``: dz = g * f'(z),
    db = the sum of dz over every axis but the last (when ``want_db``; into ``db_out`` when given). For 'linear'
    dz is ``g`` itself."""
    if activation is None or activation == "linear":
        dz = g
    elif activation == "relu":
        dz = times_positive(g, a)       # ReLU'(z) = 1 where a > 0
    elif activation == "sigmoid":
        dz = g * a * (1 - a)            # sigma' = a (1 - a)
    elif activation == "tanh":
        dz = g * (1 - a * a)            # tanh' = 1 - a^2
    elif activation == "leaky_relu":
        dz = g * (leaky_slope(a, alpha) if saved is None else saved)
    else:
        raise ValueError(f"bias_act_backward: activation {activation!r} cannot be fused")
    db = batch_sum(dz, out=db_out) if want_db else None
    return dz, db


# ----- dropout -----------------------------------------------------------------------------------------------
def dropout_forward(x: np.ndarray, raw: np.ndarray, threshold: np.uint32, scale) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout with the keep mask ``raw >= threshold`` (``raw``: x.size uniform 32-bit integers).
    Returns (x * mask, mask), new arrays, with mask = keep / (1 - rate) = keep * ``scale`` (a NumPy scalar of
    the mask's dtype: x's, or float32 for integer x)."""
    mask = (raw >= threshold).reshape(x.shape).astype(scale.dtype)  # (then a float-by-float product: SIMD)
    mask *= scale
    return x * mask, mask


# ----- batch normalization -----------------------------------------------------------------------------------
def batch_norm_forward(x: np.ndarray, gamma: np.ndarray | None, beta: np.ndarray | None, epsilon: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training-mode batch norm over every axis but the last: (y, x_hat, mu_B, sigma_B^2, 1/sqrt(sigma_B^2 + eps)).

        mu_B = mean(x),  sigma_B^2 = mean((x - mu_B)^2),  x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps),
        y = gamma x_hat + beta
    """
    dtype = x.dtype
    count = math.prod(x.shape[:-1])
    inv_count = dtype.type(1 / builtins.max(count, 1))
    mu = batch_sum(x) * inv_count
    x_hat = x - mu
    var = batch_sum(x_hat * x_hat) * inv_count
    inv_std = 1 / np.sqrt(var + dtype.type(epsilon))
    x_hat *= inv_std
    out = x_hat * gamma if gamma is not None else x_hat.copy()
    if beta is not None:
        out += beta
    return out, x_hat, mu, var, inv_std


def batch_norm_backward(g: np.ndarray, x_hat: np.ndarray, gamma: np.ndarray | None, inv_std: np.ndarray,
                        want_dx: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dL/dx or None, dL/dgamma, dL/dbeta) of ``batch_norm_forward``, with N values per feature:

        dL/dbeta = sum g,   dL/dgamma = sum g x_hat,
        dL/dx = (gamma / sqrt(sigma_B^2 + eps)) (g - (dL/dbeta + x_hat dL/dgamma) / N)
    """
    inv_count = x_hat.dtype.type(1 / builtins.max(math.prod(x_hat.shape[:-1]), 1))
    dbeta = batch_sum(g)
    dgamma = batch_sum(g * x_hat)
    dx = None
    if want_dx:
        dx = x_hat * (dgamma * inv_count)
        np.subtract(g, dx, out=dx)
        dx -= dbeta * inv_count
        dx *= inv_std * gamma if gamma is not None else inv_std
    return dx, dgamma, dbeta


# ----- fused losses ------------------------------------------------------------------------------------------
def softmax_forward(z: np.ndarray, axis: int) -> np.ndarray:
    """softmax(z) = e^z_i / sum_j e^z_j over ``axis``, as a new array. Subtracting the max first changes nothing
    (it cancels in the ratio) and keeps every exponent <= 0."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def softmax_cross_entropy_forward(z: np.ndarray, labels: np.ndarray, axis: int
                                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample -sum_i y_i log(softmax(z)_i) over ``axis`` and the log-probabilities (saved for backward).

    ``labels``: class indices (intp, z's shape without ``axis``) or probabilities of z's shape and dtype.
    """
    shifted = z - z.max(axis=axis, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    log_probs = shifted - log_norm
    if labels.shape == z.shape:
        return -(labels * log_probs).sum(axis=axis), log_probs
    if z.ndim == 2 and axis == 1:  # the usual (batch, classes) case: plain fancy indexing is cheapest
        return -log_probs[np.arange(len(labels)), labels], log_probs
    return -np.take_along_axis(log_probs, np.expand_dims(labels, axis), axis=axis).squeeze(axis), log_probs


def softmax_cross_entropy_backward(log_probs: np.ndarray, labels: np.ndarray, axis: int,
                                   factor: np.ndarray) -> np.ndarray:
    """dL/dz = (y_hat sum(y) - y) * factor, y_hat = exp(log_probs): for class indices y_hat - onehot(y).
    ``factor``: dL/d(per-sample loss) times the reduction's scale, broadcastable against z."""
    grad = np.exp(log_probs)  # y_hat
    if labels.shape == log_probs.shape:
        grad *= labels.sum(axis=axis, keepdims=True)
        grad -= labels
    elif log_probs.ndim == 2 and axis == 1:
        grad[np.arange(len(labels)), labels] -= 1
    else:
        index = np.expand_dims(labels, axis)
        np.put_along_axis(grad, index, np.take_along_axis(grad, index, axis=axis) - 1, axis=axis)
    grad *= factor
    return grad


def sigmoid_cross_entropy_forward(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per element -[y log(sigma(z)) + (1 - y) log(1 - sigma(z))], written without any log of 0 as
    max(z, 0) - z y + log(1 + e^-|z|). ``y`` has z's shape and dtype."""
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def sigmoid_cross_entropy_backward(z: np.ndarray, y: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """dL/dz = (sigma(z) - y) * factor."""
    return (sigmoid_array(z) - y) * factor


# Bytes of gradient that col2im scatters per block of samples: about what L2 holds.
_CACHE_BLOCK = 1 << 20


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], strides: tuple[int, int],
           dilation: tuple[int, int]) -> np.ndarray:
    """The adjoint of a convolution's patch gather: scatter-add dcols (N, OH, OW, KH, KW, C) into a fresh
    (N, Hp, Wp, C) array, ``dxp[n, i s_h + a d_h, j s_w + b d_w, c] += dcols[n, i, j, a, b, c]``, the kernel
    offsets (a, b) in row-major order: one strided add per offset.

    Done a few samples at a time, so that the KH KW passes over each block find it in the cache (measured on
    the keras.io convnet's second layer, one core: 3.1 ms against 4.9 ms for the whole batch at once).
    """
    n, oh, ow, kh, kw, _ = dcols.shape
    (sh, sw), (dh, dw) = strides, dilation
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    per_sample = dcols[0].nbytes + dxp[0].nbytes
    block = max(1, _CACHE_BLOCK // max(per_sample, 1))
    for start in range(0, n, block):
        part, grads = dxp[start:start + block], dcols[start:start + block]
        for a in range(kh):
            rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
            for b in range(kw):
                columns = slice(b * dw, b * dw + sw * (ow - 1) + 1, sw)
                part[:, rows, columns, :] += grads[:, :, :, a, b, :]
    return dxp


# ----- max pooling ---------------------------------------------------------------------------------------------
def first_argmax(slabs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The elementwise maximum of equally shaped arrays and the index of the first one that attains it.

    Reduced pairwise, as a tree: (a, i) and (b, j) combine to (max(a, b), i + [b > a] (j - i)), the later one
    winning only when strictly greater, so ties keep the earliest index. The indices are small integers (uint8
    for up to 256 arrays), updated by arithmetic: np.copyto(..., where=) and np.where are several times slower
    (measured: 1.9 ms against 12 ms for a 2x2 pool over 128 x 26 x 26 x 32 floats, one core).
    """
    dtype = np.uint8 if len(slabs) <= 256 else np.int32
    level: list[tuple[np.ndarray, Any]] = [(slab, k) for k, slab in enumerate(slabs)]
    while len(level) > 1:
        merged = []
        for (left, i), (right, j) in zip(level[0::2], level[1::2]):
            later = np.greater(right, left).view(np.uint8) if dtype == np.uint8 else np.greater(right, left)
            if isinstance(i, int) and isinstance(j, int):
                index = np.multiply(later, dtype(j - i), dtype=dtype)
                index += dtype(i)
            else:
                first = np.full(left.shape, i, dtype) if isinstance(i, int) else i
                index = np.subtract(j, first, dtype=dtype) if isinstance(j, int) else np.subtract(j, first)
                index *= later                      # (uint8 differences wrap around, and wrap back when added)
                index += first
            merged.append((np.maximum(left, right), index))
        if len(level) % 2:
            merged.append(level[-1])
        level = merged
    best, index = level[0]
    if isinstance(index, int):  # a single slab
        return best.copy(), np.zeros(best.shape, dtype)
    return best, index


def _pool_taps(kernel: tuple[int, int], strides: tuple[int, int], out: tuple[int, int]):
    """(k, rows, columns): the padded input's positions that window offset k = a KW + b reads for every output."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, strides, out
    for a in range(kh):
        for b in range(kw):
            yield a * kw + b, slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)


def max_pool_forward(xp: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int],
                     out: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window of the padded (N, Hp, Wp, C) input and the offset k = a KW + b that attains
    it first (uint8 up to 256 offsets): ``(best, argmax)``, both (N, OH, OW, C)."""
    return first_argmax([xp[:, rows, columns] for _, rows, columns in _pool_taps(kernel, strides, out)])


def max_pool_backward(g: np.ndarray, argmax: np.ndarray, padded_shape: tuple[int, ...], kernel: tuple[int, int],
                      strides: tuple[int, int]) -> np.ndarray:
    """dL/dxp: each output's gradient routed to the input its window's argmax names, summed where windows
    overlap (offsets in order), zero elsewhere."""
    out = g.shape[1:3]
    taps = list(_pool_taps(kernel, strides, out))
    if any(s < k for s, k in zip(strides, kernel)):  # overlapping windows: sums
        dxp = np.zeros(padded_shape, dtype=g.dtype)
        for k, rows, columns in taps:
            dxp[:, rows, columns] += g * (argmax == k)
        return dxp
    # Each input lies under at most one offset of one window: writes, no sums.
    covered = all(s == k and n == o * s for s, k, n, o in zip(strides, kernel, padded_shape[1:3], out))
    dxp = np.empty(padded_shape, dtype=g.dtype) if covered else np.zeros(padded_shape, dtype=g.dtype)
    for k, rows, columns in taps:
        np.multiply(g, argmax == k, out=dxp[:, rows, columns])
    return dxp
