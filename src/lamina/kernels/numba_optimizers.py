"""The optimizers' update rules compiled with Numba: one pass over memory per step, prelude included.

Each rule is one loop over the elements that reads the parameter, the gradient and the slots once and writes
them once, with the step's prelude folded in (gradient scale or clip, weight decay, the flush of tiny
moments: ``prelude.py``). NumPy's version (``numpy_optimizers.py``) makes ten or more passes. The arithmetic
is the NumPy version's, operation for operation in the same order and precision, so the results are the
same bit for bit (checked by ``tests/test_kernels_optimizers.py``).

Every kernel comes twice: ``_<rule>`` updates the elements ``start:stop`` on the calling thread (its loop
runs over ``range(n)`` of the sliced arrays: with ``range(start, stop)`` Numba cannot tell that the index is
never negative, and the check it then adds keeps the loop from being vectorized: 10x slower), and
``_<rule>_parallel`` cuts the buffer into one piece per thread and runs ``_<rule>`` on each (Numba caches
code per function, so the two variants must be two functions). ``numba_runtime.py`` says when the second
runs. Arrays the loops cannot take as they are (a strided parameter or slot, a gradient of another dtype)
go to NumPy's kernel, which gives the same numbers.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import numpy_optimizers
from .numba_runtime import launch_lock, parallel, parallel_threads, serial, set_threads
from .prelude import Prelude

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_NO_SLOT = {dtype: np.zeros(0, dtype) for dtype in _FLOATS}  # stands for an absent slot (typed, never read)


# ----- the shared parts of every step ------------------------------------------------------------------------
@serial
def _gradient(g, scale, clipvalue):
    """The prelude's clipped gradient: g * scale, then clip(., -clipvalue, clipvalue) (a NaN stays NaN)."""
    g = g * scale
    if g > clipvalue:
        g = clipvalue
    elif g < -clipvalue:
        g = -clipvalue
    return g


@serial
def _flushed(value, threshold):
    """0 where |value| < threshold (a NaN stays NaN, as with NumPy's flush)."""
    if abs(value) < threshold:
        return type(value)(0)
    return value


@serial
def _bounds(piece, pieces, size):
    """Start and stop of piece ``piece`` of ``pieces``: cut at multiples of 16 elements (64 bytes)."""
    start = piece * size // pieces // 16 * 16
    stop = size if piece == pieces - 1 else (piece + 1) * size // pieces // 16 * 16
    return start, stop


def _flat_arrays(w: np.ndarray, g: np.ndarray, *slots: np.ndarray | None):
    """(w, g, *slots) as 1-D contiguous arrays of w's dtype (an absent slot as an empty array), or None when
    the loops cannot take them as they are."""
    dtype = w.dtype
    if dtype not in _FLOATS or g.dtype != dtype or not w.flags.c_contiguous:
        return None
    if any(s is not None and not s.flags.c_contiguous for s in slots):
        return None
    g = g if g.flags.c_contiguous else np.ascontiguousarray(g)
    return (w.reshape(-1), g.reshape(-1), *(_NO_SLOT[dtype] if s is None else s.reshape(-1) for s in slots))


def _prelude(pre: Prelude, dtype: np.dtype) -> tuple:
    """The prelude as four scalars of ``dtype``, each part that is off set to a value that changes nothing:
    scale 1, clip at infinity, decay 1, flush below 0."""
    cast = dtype.type
    return (cast(1) if pre.scale is None else pre.scale,
            cast(np.inf) if pre.clipvalue is None else pre.clipvalue,
            cast(1) if pre.decay is None else pre.decay,
            cast(0) if pre.flush is None else pre.flush)


def _launch(one_thread, split, arrays: tuple, scalars: tuple, threads: int) -> None:
    size = arrays[0].size
    count = parallel_threads(size, threads)
    if count > 1 and launch_lock.acquire(blocking=False):
        try:
            set_threads(count)
            split(*arrays, *scalars, count)
        finally:
            launch_lock.release()
        return
    one_thread(*arrays, *scalars, 0, size)


# ----- SGD ---------------------------------------------------------------------------------------------------
@serial
def _sgd(w, g, v, has_v, nesterov, scale, clipvalue, decay, flush, lr, momentum, start, stop):
    w, g, v = w[start:stop], g[start:stop], v[start:stop] if has_v else v
    for i in range(w.size):
        s = _gradient(g[i], scale, clipvalue) * lr          # eta * g
        wi = w[i] * decay
        if not has_v:
            w[i] = wi - s                                    # w = w - eta * g
            continue
        vi = v[i] * momentum + s                             # v = gamma * v + eta * g
        if nesterov:
            w[i] = (wi - s) - vi * momentum                  # w = w - (gamma * v + eta * g)
        else:
            w[i] = wi - vi                                   # w = w - v
        v[i] = _flushed(vi, flush)


@parallel
def _sgd_parallel(w, g, v, has_v, nesterov, scale, clipvalue, decay, flush, lr, momentum, pieces):
    for piece in prange(pieces):
        start, stop = _bounds(piece, pieces, w.size)
        _sgd(w, g, v, has_v, nesterov, scale, clipvalue, decay, flush, lr, momentum, start, stop)


def sgd_update(w, g, v, pre: Prelude, lr, momentum, nesterov: bool, threads: int = 1) -> None:
    arrays = _flat_arrays(w, g, v)
    if arrays is None:
        return numpy_optimizers.sgd_update(w, g, v, pre, lr, momentum, nesterov, threads)
    _launch(_sgd, _sgd_parallel, arrays, (v is not None, bool(nesterov), *_prelude(pre, w.dtype), lr, momentum),
            threads)


# ----- AdaGrad -----------------------------------------------------------------------------------------------
@serial
def _adagrad(w, g, r, scale, clipvalue, decay, flush, lr, delta, start, stop):
    w, g, r = w[start:stop], g[start:stop], r[start:stop]
    for i in range(w.size):
        gi = _gradient(g[i], scale, clipvalue)
        ri = r[i] + gi * gi                                  # r = r + g * g
        r[i] = ri
        w[i] = w[i] * decay - gi / (np.sqrt(ri) + delta) * lr  # w = w - eta / (sqrt(r) + delta) * g


@parallel
def _adagrad_parallel(w, g, r, scale, clipvalue, decay, flush, lr, delta, pieces):
    for piece in prange(pieces):
        start, stop = _bounds(piece, pieces, w.size)
        _adagrad(w, g, r, scale, clipvalue, decay, flush, lr, delta, start, stop)


def adagrad_update(w, g, r, pre: Prelude, lr, delta, threads: int = 1) -> None:
    arrays = _flat_arrays(w, g, r)
    if arrays is None:
        return numpy_optimizers.adagrad_update(w, g, r, pre, lr, delta, threads)
    _launch(_adagrad, _adagrad_parallel, arrays, (*_prelude(pre, w.dtype), lr, delta), threads)


# ----- RMSProp -----------------------------------------------------------------------------------------------
@serial
def _rmsprop(w, g, r, m_g, b, centered, has_b, scale, clipvalue, decay, flush, lr, rho, one_minus_rho, mu, delta,
             start, stop):
    w, g, r = w[start:stop], g[start:stop], r[start:stop]
    m_g, b = m_g[start:stop] if centered else m_g, b[start:stop] if has_b else b
    for i in range(w.size):
        gi = _gradient(g[i], scale, clipvalue)
        ri = r[i] * rho + gi * gi * one_minus_rho            # r = rho r + (1 - rho) g*g
        if centered:
            mi = m_g[i] * rho + gi * one_minus_rho           # m_g = rho m_g + (1 - rho) g
            # r - m_g^2 >= 0 in exact arithmetic; rounding can dip below zero.
            root = np.sqrt(np.maximum(ri - mi * mi, type(ri)(0)))
            m_g[i] = _flushed(mi, flush)
        else:
            root = np.sqrt(ri)
        step = gi / (root + delta) * lr                      # eta / (sqrt(.) + delta) * g
        wi = w[i] * decay
        if has_b:
            bi = b[i] * mu + step                            # b = mu b + eta/(...) g
            w[i] = wi - bi
            b[i] = _flushed(bi, flush)
        else:
            w[i] = wi - step
        r[i] = _flushed(ri, flush)


@parallel
def _rmsprop_parallel(w, g, r, m_g, b, centered, has_b, scale, clipvalue, decay, flush, lr, rho, one_minus_rho, mu,
                      delta, pieces):
    for piece in prange(pieces):
        start, stop = _bounds(piece, pieces, w.size)
        _rmsprop(w, g, r, m_g, b, centered, has_b, scale, clipvalue, decay, flush, lr, rho, one_minus_rho, mu,
                 delta, start, stop)


def rmsprop_update(w, g, r, m_g, b, pre: Prelude, lr, rho, one_minus_rho, mu, delta, threads: int = 1) -> None:
    arrays = _flat_arrays(w, g, r, m_g, b)
    if arrays is None:
        return numpy_optimizers.rmsprop_update(w, g, r, m_g, b, pre, lr, rho, one_minus_rho, mu, delta, threads)
    _launch(_rmsprop, _rmsprop_parallel, arrays,
            (m_g is not None, b is not None, *_prelude(pre, w.dtype), lr, rho, one_minus_rho, mu, delta), threads)


# ----- Adam (and AdamW: Adam with the prelude's decay) -------------------------------------------------------
@serial
def _adam(w, g, m, v, v_max, amsgrad, scale, clipvalue, decay, flush, beta_1, beta_2, step_size, epsilon_hat,
          start, stop):
    w, g, m, v = w[start:stop], g[start:stop], m[start:stop], v[start:stop]
    v_max = v_max[start:stop] if amsgrad else v_max
    for i in range(w.size):
        gi = _gradient(g[i], scale, clipvalue)
        mi = m[i] * beta_1 + gi                              # m_sum = beta_1 m_sum + g
        vi = v[i] * beta_2 + gi * gi                         # v_sum = beta_2 v_sum + g*g
        if amsgrad:
            top = np.maximum(v_max[i], vi)                   # v_max = max(v_max, v_sum)
            v_max[i] = top
            root = np.sqrt(top)
        else:
            root = np.sqrt(vi)
        # eta m_hat / (sqrt(v_hat) + epsilon), the corrections folded into step_size and epsilon_hat
        w[i] = w[i] * decay - mi / (root + epsilon_hat) * step_size
        m[i] = _flushed(mi, flush)
        v[i] = _flushed(vi, flush)


@parallel
def _adam_parallel(w, g, m, v, v_max, amsgrad, scale, clipvalue, decay, flush, beta_1, beta_2, step_size,
                   epsilon_hat, pieces):
    for piece in prange(pieces):
        start, stop = _bounds(piece, pieces, w.size)
        _adam(w, g, m, v, v_max, amsgrad, scale, clipvalue, decay, flush, beta_1, beta_2, step_size, epsilon_hat,
              start, stop)


def adam_update(w, g, m, v, v_max, pre: Prelude, beta_1, beta_2, step_size, epsilon_hat, threads: int = 1) -> None:
    arrays = _flat_arrays(w, g, m, v, v_max)
    if arrays is None:
        return numpy_optimizers.adam_update(w, g, m, v, v_max, pre, beta_1, beta_2, step_size, epsilon_hat, threads)
    _launch(_adam, _adam_parallel, arrays,
            (v_max is not None, *_prelude(pre, w.dtype), beta_1, beta_2, step_size, epsilon_hat), threads)


# ----- Nadam -------------------------------------------------------------------------------------------------
@serial
def _nadam(w, g, m, v, scale, clipvalue, decay, flush, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2,
           epsilon, lr_m, lr_g, start, stop):
    w, g, m, v = w[start:stop], g[start:stop], m[start:stop], v[start:stop]
    for i in range(w.size):
        gi = _gradient(g[i], scale, clipvalue)
        mi = m[i] * beta_1 + gi * one_minus_beta_1           # m = beta_1 m + (1 - beta_1) g
        vi = v[i] * beta_2 + gi * gi * one_minus_beta_2      # v = beta_2 v + (1 - beta_2) g*g
        root = np.sqrt(vi / bias_2) + epsilon                # sqrt(v_hat) + epsilon
        wi = w[i] * decay - mi / root * lr_m                 # w = w - eta m_hat / (...), one term at a time
        w[i] = wi - gi / root * lr_g
        m[i] = _flushed(mi, flush)
        v[i] = _flushed(vi, flush)


@parallel
def _nadam_parallel(w, g, m, v, scale, clipvalue, decay, flush, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                    bias_2, epsilon, lr_m, lr_g, pieces):
    for piece in prange(pieces):
        start, stop = _bounds(piece, pieces, w.size)
        _nadam(w, g, m, v, scale, clipvalue, decay, flush, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
               bias_2, epsilon, lr_m, lr_g, start, stop)


def nadam_update(w, g, m, v, pre: Prelude, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon,
                 lr_m, lr_g, threads: int = 1) -> None:
    arrays = _flat_arrays(w, g, m, v)
    if arrays is None:
        return numpy_optimizers.nadam_update(w, g, m, v, pre, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
                                             bias_2, epsilon, lr_m, lr_g, threads)
    _launch(_nadam, _nadam_parallel, arrays,
            (*_prelude(pre, w.dtype), beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon, lr_m,
             lr_g), threads)
