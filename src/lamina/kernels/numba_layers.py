"""The layers' elementwise work compiled with Numba: one pass where NumPy makes several.

Same functions, arguments and results as ``numpy_layers.py`` (the reference, whose docstrings give the
formulas); what differs is that each is one or two loops over the (rows, features) array instead of a chain of
ufunc calls with temporaries. The loops do NumPy's arithmetic in NumPy's order, so elementwise results are
the same bit for bit; the exceptions, to float rounding, are the transcendental functions (NumPy's SIMD
``exp``, ``log``, ``tanh`` and the C library's, which Numba calls, differ in the last bit or two) and the sums
over the batch (a bias gradient, a batch mean: NumPy adds in another order). ``tests/test_kernels_layers.py``
checks both, with the tolerances and their reasons.

These arrays are a batch's activations (128 x 256 in the benchmark's MLPs): small enough that one thread
does each in microseconds, so no kernel here is split over threads. Arrays the loops do not take (not
float32/float64, strided in a way a reshape cannot undo, an axis other than the last) go to NumPy's function.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from . import numpy_layers
from .numba_runtime import serial

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_ACTIVATION_CODES = {None: 0, "linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3, "leaky_relu": 4}


def _rows(array: np.ndarray) -> np.ndarray | None:
    """``array`` as a C-contiguous (rows, last axis) view; None when that would need a copy, and for an empty
    array (whose loops would read a row's first element)."""
    if array.dtype not in _FLOATS or array.ndim == 0 or array.size == 0 or not array.flags.c_contiguous:
        return None
    return array.reshape(-1, array.shape[-1]) if array.ndim != 2 else array


def _wide_rows(rows: np.ndarray, others: tuple, bias: np.ndarray | None) -> tuple:
    """Narrow rows (a convolution's channels: 8 floats) regrouped k to a row, so that the compiled loops run
    over a few hundred elements at a time instead of paying their per-row cost every 8: each element meets the
    same arithmetic, so the results are the same bit for bit. ``others`` (arrays of rows' shape) are regrouped
    alike, the bias tiled k times. Returns (rows, others, bias) unchanged when the rows are wide already."""
    count, width = rows.shape
    if width >= _NARROW or count < 2:  # a Dense layer's hundreds of units: rows as they are, nothing allocated
        return rows, others, bias
    k = next((k for k in range(min(count, _WIDE // width), 1, -1) if count % k == 0), 1)
    if k == 1:
        return rows, others, bias
    shape = (count // k, k * width)
    return (rows.reshape(shape), tuple(o.reshape(shape) for o in others),
            None if bias is None else np.tile(bias, k))


_NARROW = 64  # rows shorter than this are regrouped
_WIDE = 512   # ... into rows of up to this many elements, from which a row's loop cost no longer matters


def _vector(array: np.ndarray | None, dtype: np.dtype, size: int) -> np.ndarray | None:
    """A per-feature vector (bias, gamma, ...) as 1-D contiguous of ``dtype``, or None if it is not one."""
    if array is None or array.dtype != dtype or array.shape != (size,) or not array.flags.c_contiguous:
        return None
    return array


def _contiguous(array: np.ndarray) -> np.ndarray:
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


# ----- bias + activation -------------------------------------------------------------------------------------
@serial
def _sigmoid(x):
    # sigma(x) = 1 / (1 + e^-x) through e^-|x|, as numpy_layers.sigmoid_array
    # (A literal 1 is an integer, which Numba would promote to float64 with a float32: typed ones everywhere.)
    e = np.exp(-abs(x))
    one = type(x)(1)
    return (one if x >= 0 else e) / (one + e)


@serial
def _bias_act(z, bias, has_bias, code, alpha, out, in_place):
    rows, cols = z.shape
    zero, one = type(alpha)(0), type(alpha)(1)
    for r in range(rows):
        # A row at a time (it stays in L1), in place in ``out``'s row, one loop per step: a branch inside a
        # loop keeps it scalar, and so would reading one array while writing another that LLVM cannot prove
        # apart from it (z itself, when ``out`` is z: its run-time overlap check then picks the scalar loop).
        row = out[r]
        if not in_place:
            source = z[r]
            for c in range(cols):
                row[c] = source[c]
        if has_bias and code == 1:                         # the usual hidden layer, in one loop
            for c in range(cols):
                row[c] = np.maximum(row[c] + bias[c], zero)
            continue
        if has_bias:
            for c in range(cols):
                row[c] = row[c] + bias[c]                  # z + b, rounded as NumPy rounds it
        if code == 1:
            for c in range(cols):
                row[c] = np.maximum(row[c], zero)          # ReLU (a NaN stays NaN, as np.maximum)
        elif code == 2:
            for c in range(cols):
                row[c] = _sigmoid(row[c])
        elif code == 3:
            for c in range(cols):
                row[c] = np.tanh(row[c])
        elif code == 4:
            for c in range(cols):
                x = row[c]
                row[c] = x * (one if x > 0 else alpha)     # leaky ReLU: x times its slope


def bias_act_forward(z, bias, activation, alpha=0.2, out=None):  # -> (a, None): the backward needs only a
    rows = _rows(z)
    code = _ACTIVATION_CODES.get(activation)
    target = z if out is None else out
    target_rows = _rows(target) if target.shape == z.shape and target.dtype == z.dtype else None
    vector = None if bias is None or rows is None else _vector(bias, z.dtype, rows.shape[1])
    if rows is None or code is None or target_rows is None or (bias is not None and vector is None):
        return numpy_layers.bias_act_forward(z, bias, activation, alpha, out)
    rows, (target_rows,), vector = _wide_rows(rows, (target_rows,), vector)
    _bias_act(rows, rows[0] if vector is None else vector, vector is not None, code, z.dtype.type(alpha),
              target_rows, target is z)
    return target, None


@serial
def _act_backward(g, a, code, alpha, want_db, dz, db):  # code != 0: linear needs no pass (bias_act_backward)
    rows, cols = g.shape
    zero, one = type(alpha)(0), type(alpha)(1)
    if want_db:
        db[:] = 0
    for r in range(rows):
        source, out, target = g[r], a[r], dz[r]
        if code == 1:
            for c in range(cols):
                target[c] = source[c] * (one if out[c] > 0 else zero)   # ReLU' = 1 where a > 0 (0 * NaN is NaN)
        elif code == 2:
            for c in range(cols):
                target[c] = source[c] * out[c] * (one - out[c])         # sigma' = a (1 - a)
        elif code == 3:
            for c in range(cols):
                target[c] = source[c] * (one - out[c] * out[c])         # tanh' = 1 - a^2
        elif code == 4:
            for c in range(cols):
                target[c] = source[c] * (one if out[c] > 0 else alpha)  # leaky ReLU': from the sign of a
        if want_db:
            for c in range(cols):
                db[c] += target[c]                                      # dL/db = sum over the batch of dz


def bias_act_backward(g, a, saved, activation, alpha=0.2, want_db=False, db_out=None):
    code = _ACTIVATION_CODES.get(activation)
    a_rows = _rows(a)
    if code is None or a_rows is None or g.shape != a.shape or g.dtype != a.dtype:
        return numpy_layers.bias_act_backward(g, a, saved, activation, alpha, want_db, db_out)
    if code == 0:  # linear: dz is g, and BLAS's ones @ g sums its columns faster than a loop here (2.7 vs 6 us)
        return g, (numpy_layers.batch_sum(g, out=db_out) if want_db else None)
    g_rows = _rows(_contiguous(g))
    cols = a_rows.shape[1]
    db = None
    if want_db:
        db = db_out if db_out is not None and _vector(db_out, a.dtype, cols) is not None else np.empty(cols, a.dtype)
    dz = np.empty(a.shape, a.dtype)
    dz_rows = _rows(dz)
    if not want_db:  # (with the bias gradient the rows must stay the batch's: db sums them)
        a_rows, (g_rows, dz_rows), _ = _wide_rows(a_rows, (g_rows, dz_rows), None)
    _act_backward(g_rows, a_rows, code, a.dtype.type(alpha), want_db, dz_rows, db if want_db else a_rows[0])
    if want_db and db_out is not None and db is not db_out:
        np.copyto(db_out, db)
        db = db_out
    return dz, db


# ----- dropout -----------------------------------------------------------------------------------------------
@serial
def _dropout(x, raw, threshold, scale, out, mask):
    zero = type(scale)(0)
    for i in range(x.size):
        keep = scale if raw[i] >= threshold else zero   # keep / (1 - rate)
        mask[i] = keep
        out[i] = x[i] * keep


def dropout_forward(x, raw, threshold, scale):
    if x.dtype not in _FLOATS or not x.flags.c_contiguous or not raw.flags.c_contiguous:
        return numpy_layers.dropout_forward(x, raw, threshold, scale)
    out, mask = np.empty(x.shape, x.dtype), np.empty(x.shape, x.dtype)
    _dropout(x.reshape(-1), raw, np.uint32(threshold), x.dtype.type(scale), out.reshape(-1), mask.reshape(-1))
    return out, mask


# ----- batch normalization -----------------------------------------------------------------------------------
@serial
def _batch_norm_forward(x, gamma, beta, has_gamma, has_beta, epsilon, inv_count, out, x_hat, mean, var, inv_std):
    rows, cols = x.shape
    mean[:] = 0
    var[:] = 0
    for r in range(rows):
        for c in range(cols):
            mean[c] += x[r, c]
    for c in range(cols):
        mean[c] *= inv_count                               # mu_B
    for r in range(rows):
        for c in range(cols):
            centred = x[r, c] - mean[c]
            x_hat[r, c] = centred
            var[c] += centred * centred
    for c in range(cols):
        var[c] *= inv_count                                # sigma_B^2 (biased)
        inv_std[c] = type(epsilon)(1) / np.sqrt(var[c] + epsilon)
    for r in range(rows):
        for c in range(cols):
            h = x_hat[r, c] * inv_std[c]                   # x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps)
            x_hat[r, c] = h
            y = h * gamma[c] if has_gamma else h
            out[r, c] = y + beta[c] if has_beta else y     # y = gamma x_hat + beta


def batch_norm_forward(x, gamma, beta, epsilon):
    rows = _rows(x)
    cols = x.shape[-1] if x.ndim else 0
    g_vec, b_vec = _vector(gamma, x.dtype, cols), _vector(beta, x.dtype, cols)
    if rows is None or (gamma is not None and g_vec is None) or (beta is not None and b_vec is None):
        return numpy_layers.batch_norm_forward(x, gamma, beta, epsilon)
    dtype = x.dtype
    out, x_hat = np.empty(x.shape, dtype), np.empty(x.shape, dtype)
    mean, var, inv_std = np.empty(cols, dtype), np.empty(cols, dtype), np.empty(cols, dtype)
    inv_count = dtype.type(1 / builtins.max(math.prod(x.shape[:-1]), 1))
    _batch_norm_forward(rows, rows[0] if g_vec is None else g_vec, rows[0] if b_vec is None else b_vec,
                        g_vec is not None, b_vec is not None, dtype.type(epsilon), inv_count, _rows(out),
                        _rows(x_hat), mean, var, inv_std)
    return out, x_hat, mean, var, inv_std


@serial
def _batch_norm_backward(g, x_hat, gamma, has_gamma, inv_std, inv_count, want_dx, dx, dgamma, dbeta):
    rows, cols = g.shape
    dgamma[:] = 0
    dbeta[:] = 0
    for r in range(rows):
        for c in range(cols):
            dbeta[c] += g[r, c]                            # dL/dbeta = sum g
            dgamma[c] += g[r, c] * x_hat[r, c]             # dL/dgamma = sum g x_hat
    if not want_dx:
        return
    k, shift, factor = np.empty_like(inv_std), np.empty_like(inv_std), np.empty_like(inv_std)
    for c in range(cols):
        k[c] = dgamma[c] * inv_count
        shift[c] = dbeta[c] * inv_count
        factor[c] = inv_std[c] * gamma[c] if has_gamma else inv_std[c]
    for r in range(rows):
        for c in range(cols):
            # dL/dx = (gamma / sqrt(sigma_B^2 + eps)) (g - (dL/dbeta + x_hat dL/dgamma) / N)
            dx[r, c] = (g[r, c] - x_hat[r, c] * k[c] - shift[c]) * factor[c]


def batch_norm_backward(g, x_hat, gamma, inv_std, want_dx=True):
    x_rows = _rows(x_hat)
    cols = x_hat.shape[-1] if x_hat.ndim else 0
    g_vec = _vector(gamma, x_hat.dtype, cols)
    if x_rows is None or g.shape != x_hat.shape or g.dtype != x_hat.dtype or (gamma is not None and g_vec is None) \
            or _vector(inv_std, x_hat.dtype, cols) is None:
        return numpy_layers.batch_norm_backward(g, x_hat, gamma, inv_std, want_dx)
    dtype = x_hat.dtype
    dx = np.empty(x_hat.shape, dtype) if want_dx else None
    dgamma, dbeta = np.empty(cols, dtype), np.empty(cols, dtype)
    inv_count = dtype.type(1 / builtins.max(math.prod(x_hat.shape[:-1]), 1))
    _batch_norm_backward(_rows(_contiguous(g)), x_rows, x_rows[0] if g_vec is None else g_vec, g_vec is not None,
                         inv_std, inv_count, want_dx, x_rows if dx is None else _rows(dx), dgamma, dbeta)
    return dx, dgamma, dbeta


# ----- fused losses ------------------------------------------------------------------------------------------
@serial
def _shift_and_sum(row, out, keep_exponents):
    """sum_j e^(z_j - max z) over one row, writing z_j - max z (or, with ``keep_exponents``, the e^(z_j - max z))
    into ``out``. Subtracting the max cancels in every ratio and keeps every exponent <= 0."""
    top = row[0]
    for c in range(1, row.size):
        top = np.maximum(top, row[c])
    total = type(top)(0)
    for c in range(row.size):
        shifted = row[c] - top
        e = np.exp(shifted)
        out[c] = e if keep_exponents else shifted
        total += e
    return total


@serial
def _log_softmax_rows(z, log_probs):
    for r in range(z.shape[0]):
        log_norm = np.log(_shift_and_sum(z[r], log_probs[r], False))
        for c in range(z.shape[1]):
            log_probs[r, c] -= log_norm                    # log softmax(z) = z - max - log sum e^(z - max)


@serial
def _softmax_rows(z, out):
    for r in range(z.shape[0]):
        total = _shift_and_sum(z[r], out[r], True)
        for c in range(z.shape[1]):
            out[r, c] /= total                             # e^(z - max) / sum e^(z - max)


def softmax_forward(z, axis):
    rows = _rows(z) if axis in (-1, z.ndim - 1) else None
    if rows is None:
        return numpy_layers.softmax_forward(z, axis)
    out = np.empty(z.shape, z.dtype)
    _softmax_rows(rows, _rows(out))
    return out


@serial
def _softmax_cross_entropy_sparse(z, labels, log_probs, losses):
    _log_softmax_rows(z, log_probs)
    for r in range(z.shape[0]):
        losses[r] = -log_probs[r, labels[r]]               # -log y_hat of the label


@serial
def _softmax_cross_entropy_dense(z, labels, log_probs, losses):
    _log_softmax_rows(z, log_probs)
    rows, cols = z.shape
    for r in range(rows):
        loss = type(losses[0])(0)
        for c in range(cols):
            loss += labels[r, c] * log_probs[r, c]
        losses[r] = -loss                                  # -sum_i y_i log y_hat_i


@serial
def _softmax_cross_entropy_sparse_backward(log_probs, labels, factor, per_row, grad):
    rows, cols = log_probs.shape
    for r in range(rows):
        f = factor[r if per_row else 0]                    # dL/d(loss of row r), times the reduction's scale
        for c in range(cols):
            grad[r, c] = np.exp(log_probs[r, c]) * f       # y_hat ...
        label = labels[r]
        grad[r, label] = (np.exp(log_probs[r, label]) - type(f)(1)) * f  # ... - onehot(y)


@serial
def _softmax_cross_entropy_dense_backward(log_probs, labels, factor, per_row, grad):
    rows, cols = log_probs.shape
    for r in range(rows):
        f = factor[r if per_row else 0]
        total = type(f)(0)
        for c in range(cols):
            total += labels[r, c]
        for c in range(cols):
            grad[r, c] = (np.exp(log_probs[r, c]) * total - labels[r, c]) * f  # (y_hat sum(y) - y) * factor


def _labels(labels: np.ndarray, z: np.ndarray, axis: int) -> np.ndarray | None:
    """Probabilities as contiguous (rows, classes) of z's dtype, class indices as contiguous (rows,) intp;
    None for anything else (another axis, other dtypes), which NumPy's function handles."""
    if z.ndim != 2 or axis != 1 or _rows(z) is None:
        return None
    if labels.shape == z.shape:
        return _contiguous(labels) if labels.dtype == z.dtype else None
    if labels.shape == z.shape[:1] and labels.dtype == np.intp:
        return _contiguous(labels)
    return None


def softmax_cross_entropy_forward(z, labels, axis):
    y = _labels(labels, z, axis)
    if y is None:
        return numpy_layers.softmax_cross_entropy_forward(z, labels, axis)
    log_probs, losses = np.empty(z.shape, z.dtype), np.empty(z.shape[0], z.dtype)
    kernel = _softmax_cross_entropy_dense if y.ndim == 2 else _softmax_cross_entropy_sparse
    kernel(z, y, log_probs, losses)
    return losses, log_probs


def softmax_cross_entropy_backward(log_probs, labels, axis, factor):
    y = _labels(labels, log_probs, axis)
    factor = np.asarray(factor, log_probs.dtype)
    rows = log_probs.shape[0]
    if y is None or factor.size not in (1, rows):
        return numpy_layers.softmax_cross_entropy_backward(log_probs, labels, axis, factor)
    grad = np.empty(log_probs.shape, log_probs.dtype)
    kernel = _softmax_cross_entropy_dense_backward if y.ndim == 2 else _softmax_cross_entropy_sparse_backward
    kernel(log_probs, y, _contiguous(factor.reshape(-1)), factor.size == rows, grad)
    return grad


@serial
def _sigmoid_cross_entropy(z, y, losses):
    for i in range(z.size):
        x = z[i]
        # max(z, 0) - z y + log(1 + e^-|z|): no log of 0 for any z
        losses[i] = np.maximum(x, type(x)(0)) - x * y[i] + np.log1p(np.exp(-abs(x)))


@serial
def _sigmoid_cross_entropy_backward(z, y, factor, grad):
    full = factor.size == z.size
    for i in range(z.size):
        grad[i] = (_sigmoid(z[i]) - y[i]) * factor[i if full else 0]   # (sigma(z) - y) * factor


def _same_flat(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    if z.dtype not in _FLOATS or y.dtype != z.dtype or y.shape != z.shape:
        return None
    return _contiguous(z).reshape(-1), _contiguous(y).reshape(-1)


def sigmoid_cross_entropy_forward(z, y):
    flat = _same_flat(z, y)
    if flat is None:
        return numpy_layers.sigmoid_cross_entropy_forward(z, y)
    losses = np.empty(z.shape, z.dtype)
    _sigmoid_cross_entropy(*flat, losses.reshape(-1))
    return losses


def sigmoid_cross_entropy_backward(z, y, factor):
    flat = _same_flat(z, y)
    factor = np.asarray(factor, z.dtype)
    if flat is None or (factor.size != 1 and factor.shape != z.shape):
        return numpy_layers.sigmoid_cross_entropy_backward(z, y, factor)
    grad = np.empty(z.shape, z.dtype)
    _sigmoid_cross_entropy_backward(*flat, _contiguous(factor).reshape(-1), grad.reshape(-1))
    return grad


# ----- the convolution's scatter-add -------------------------------------------------------------------------
@serial
def _col2im(dcols, dxp, sh, sw, dh, dw):
    n, oh, ow, kh, kw, channels = dcols.shape
    for s in range(n):                   # a sample at a time (its part of dxp stays in cache); within it
        for a in range(kh):              # the offsets in NumPy's order, so each pixel's sum is NumPy's, bit for bit
            for b in range(kw):
                for i in range(oh):
                    row = dxp[s, i * sh + a * dh]
                    source = dcols[s, i]
                    for j in range(ow):
                        pixel = row[j * sw + b * dw]
                        values = source[j, a, b]
                        for c in range(channels):
                            pixel[c] += values[c]


def col2im(dcols, padded_shape, strides, dilation):
    """numpy_layers.col2im as one compiled loop nest: with few channels NumPy's strided adds run a few floats
    at a time (the ResNet example's 8 channels: 1.35 ms per call of its 3 x 3 layers)."""
    if dcols.dtype not in _FLOATS or dcols.ndim != 6 or dcols.size == 0:
        return numpy_layers.col2im(dcols, padded_shape, strides, dilation)
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    _col2im(_contiguous(dcols), dxp, strides[0], strides[1], dilation[0], dilation[1])
    return dxp


# ----- max pooling -------------------------------------------------------------------------------------------
@serial
def _max_pool_forward(xp, kh, kw, sh, sw, best, argmax):
    n, oh, ow, channels = best.shape
    for s in range(n):
        for i in range(oh):
            for j in range(ow):
                top = best[s, i, j]
                where = argmax[s, i, j]
                first = xp[s, i * sh, j * sw]
                for c in range(channels):
                    top[c] = first[c]
                    where[c] = 0
                for a in range(kh):
                    for b in range(kw):
                        if a == 0 and b == 0:
                            continue
                        values = xp[s, i * sh + a, j * sw + b]
                        k = a * kw + b
                        for c in range(channels):
                            if values[c] > top[c]:      # strictly: ties keep the earlier offset
                                top[c] = values[c]
                                where[c] = k


def max_pool_forward(xp, kernel, strides, out):
    """numpy_layers.max_pool_forward as one compiled loop nest over the windows. The same maximum and offset for
    every window without NaN (with NaN, both give NaN; the offset the gradient goes to may differ)."""
    (kh, kw), (sh, sw) = kernel, strides
    if xp.dtype not in _FLOATS or xp.ndim != 4 or xp.size == 0 or kh * kw > 256:
        return numpy_layers.max_pool_forward(xp, kernel, strides, out)
    shape = (xp.shape[0],) + tuple(out) + (xp.shape[3],)
    best, argmax = np.empty(shape, xp.dtype), np.empty(shape, np.uint8)
    _max_pool_forward(_contiguous(xp), kh, kw, sh, sw, best, argmax)
    return best, argmax


# The backward stays NumPy's: its strided writes, one per window offset into an uninitialised array, beat a
# compiled loop's scattered writes into a zeroed one (2x2 pool, 128 x 13 x 13 x 32 gradients: 1.1 against 1.6 ms).
max_pool_backward = numpy_layers.max_pool_backward
