"""The optimizers' update rules in NumPy: a few in-place ufunc passes each, in cache-sized blocks.

These are the reference the compiled kernels (``numba_optimizers.py``) are checked against. Each rule is the
notes' update written as ufunc calls with ``out=`` (no temporary arrays), and runs through ``_run``, which adds
the step's prelude (clipping, weight decay, the flush of tiny moments: ``prelude.py``) and cuts a large
contiguous buffer into blocks that stay in cache, on one thread or two (``blocks.py``). Every pass is
elementwise, so any cut gives the same numbers, bit for bit.

Scalars are taken as given: the caller casts them to the parameters' dtype.
"""

from __future__ import annotations

import threading
from typing import Callable, Sequence

import numpy as np

from . import blocks
from .prelude import NO_PRELUDE, Prelude

_local = threading.local()  # per-thread scratch: the worker thread of blocks.py has its own
_SMALL = 4096               # elements: scratch this small is allocated, not pooled


def _scratch(count: int, size: int, dtype: np.dtype) -> list[np.ndarray]:
    """``count`` 1-D scratch arrays of ``size`` elements, this thread's own, reused from call to call.

    Scratch holds nothing from one block to the next, so one block-sized set serves every block (it stays in
    cache, where slices of a full-sized buffer would each come from memory first: A's Adam 409 -> 360 us per
    step, measured with the cache cold as it is after a training step's products).
    """
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    buffers = pool.get(dtype)
    if buffers is None or len(buffers) < count or buffers[0].size < size:
        grown = max(size, buffers[0].size if buffers else 0)
        buffers = pool[dtype] = [np.empty(grown, dtype) for _ in range(max(count, len(buffers or ())))]
    return [b[:size] for b in buffers[:count]]


def flush_tiny(values: np.ndarray, threshold, keep: np.ndarray) -> None:
    """Set the elements of ``values`` below ``threshold`` in magnitude to zero; ``keep`` is scratch space."""
    np.abs(values, out=keep)
    np.greater_equal(keep, threshold, out=keep)  # 1.0 keep, 0.0 flush
    values *= keep


def _run(rule: Callable[..., None], w: np.ndarray, g: np.ndarray, slots: Sequence[np.ndarray | None],
         decaying: Sequence[np.ndarray], pre: Prelude, scratch_count: int, threads: int, scalars: tuple) -> None:
    """Prelude, ``rule(w, g, *slots, *scratch, *scalars)`` and flush, over ``w`` in blocks (``threads`` >= 2:
    may split).

    ``slots`` are passed to the rule in order, None where the rule runs without one; ``decaying`` are those
    flushed on flush steps."""
    size = w.size
    need = scratch_count + (pre.scale is not None or pre.clipvalue is not None)
    if size < 2 * blocks.CACHE_BLOCK:
        # One part, the arrays as they are (any strides); scratch from the pool (a fresh array of this size would
        # fault its pages in).
        scratch = [np.empty_like(w) for _ in range(need)] if size <= _SMALL else \
            [s.reshape(w.shape) for s in _scratch(need, size, w.dtype)]
        _part(rule, w, g, slots, decaying, pre, scratch, scalars)
        return
    arrays = [w, g, *(s for s in slots if s is not None)]
    if w.ndim != 1 and all(a.flags.c_contiguous for a in arrays):
        w, g = w.reshape(-1), g.reshape(-1)
        slots = [None if s is None else s.reshape(-1) for s in slots]
        decaying = [s.reshape(-1) for s in decaying]
    if w.ndim != 1 or not all(a.flags.c_contiguous for a in (w, g, *decaying)):
        # Strided arrays: one part, the whole arrays as they are, with scratch of their shape.
        scratch = [s.reshape(w.shape) for s in _scratch(need, size, w.dtype)]
        _part(rule, w, g, slots, decaying, pre, scratch, scalars)
        return

    def update(part: slice, lane: int) -> None:
        scratch = _scratch(need, part.stop - part.start, w.dtype)
        _part(rule, w[part], g[part], [None if s is None else s[part] for s in slots],
              [s[part] for s in decaying], pre, scratch, scalars)

    blocks.run_in_blocks(update, size, threads)


def _part(rule, w, g, slots, decaying, pre: Prelude, scratch: list[np.ndarray], scalars: tuple) -> None:
    """One block: clip the gradient into scratch, decay, the rule, then (on flush steps) the flush of tiny
    moments, right away, while the arrays are still in cache (a separate pass over B's 5.8M-element moments
    cost 13 ms)."""
    if pre.clipvalue is not None:
        g = np.clip(g, -pre.clipvalue, pre.clipvalue, out=scratch.pop())
    elif pre.scale is not None:
        g = np.multiply(g, pre.scale, out=scratch.pop())  # g * c / ||g||
    if pre.decay is not None:
        w *= pre.decay  # w = w - eta * wd * w, decoupled from the gradient
    rule(w, g, *slots, *scratch, *scalars)
    if pre.flush is not None:
        for slot in decaying:
            flush_tiny(slot, pre.flush, scratch[0])


# ----- the rules (docstrings: the notes' symbols; see each optimizer's class for the derivations) ------------
def _sgd(w, g, v, s, lr, momentum, nesterov):
    np.multiply(g, lr, out=s)               # eta * g
    if v is None:
        w -= s                              # w = w - eta * g
        return
    v *= momentum
    v += s                                  # v = gamma * v + eta * g
    if nesterov:
        w -= s
        np.multiply(v, momentum, out=s)
        w -= s                              # w = w - (gamma * v + eta * g)
    else:
        w -= v                              # w = w - v


def sgd_update(w: np.ndarray, g: np.ndarray, v: np.ndarray | None, pre: Prelude, lr, momentum, nesterov: bool,
               threads: int = 1) -> None:
    """SGD: ``w = w - eta g``; with a velocity ``v = gamma v + eta g; w = w - v``; Nesterov
    ``w = w - (gamma v + eta g)``. ``v`` is None without momentum. Flushed slot: ``v``."""
    if pre is NO_PRELUDE and w.size <= _SMALL:  # a small model's usual step: straight to the rule
        return _sgd(w, g, v, np.empty_like(w), lr, momentum, nesterov)
    _run(_sgd, w, g, (v,), () if v is None else (v,), pre, 1, threads, (lr, momentum, nesterov))


def _adagrad(w, g, r, s, lr, delta):
    np.square(g, out=s)
    r += s                       # r = r + g * g
    np.sqrt(r, out=s)
    s += delta                   # sqrt(r) + delta
    np.divide(g, s, out=s)
    s *= lr
    w -= s                       # w = w - eta / (sqrt(r) + delta) * g


def adagrad_update(w: np.ndarray, g: np.ndarray, r: np.ndarray, pre: Prelude, lr, delta, threads: int = 1) -> None:
    """AdaGrad: ``r = r + g g; w = w - eta / (sqrt(r) + delta) g``. Nothing is flushed (``r`` only grows)."""
    if pre is NO_PRELUDE and w.size <= _SMALL:
        return _adagrad(w, g, r, np.empty_like(w), lr, delta)
    _run(_adagrad, w, g, (r,), (), pre, 1, threads, (lr, delta))


def _rmsprop(w, g, r, m_g, b, s, lr, rho, one_minus_rho, mu, delta):
    np.square(g, out=s)
    s *= one_minus_rho
    r *= rho
    r += s                               # r = rho r + (1 - rho) g*g
    if m_g is not None:
        np.multiply(g, one_minus_rho, out=s)
        m_g *= rho
        m_g += s                         # m_g = rho m_g + (1 - rho) g
        np.multiply(m_g, m_g, out=s)
        np.subtract(r, s, out=s)
        # r - m_g^2 >= 0 in exact arithmetic; rounding can dip below zero.
        np.maximum(s, 0, out=s)
        np.sqrt(s, out=s)
    else:
        np.sqrt(r, out=s)
    s += delta
    np.divide(g, s, out=s)
    s *= lr                              # eta / (sqrt(.) + delta) * g
    if b is not None:
        b *= mu
        b += s                           # b = mu b + eta/(...) g
        w -= b
    else:
        w -= s


def rmsprop_update(w: np.ndarray, g: np.ndarray, r: np.ndarray, m_g: np.ndarray | None, b: np.ndarray | None,
                   pre: Prelude, lr, rho, one_minus_rho, mu, delta, threads: int = 1) -> None:
    """RMSProp: ``r = rho r + (1 - rho) g g; w = w - eta / (sqrt(r) + delta) g``; centered (``m_g`` given):
    ``m_g = rho m_g + (1 - rho) g`` and ``sqrt(r - m_g^2)``; momentum (``b`` given): ``b = mu b + step;
    w = w - b``. Flushed slots: all of ``r``, ``m_g``, ``b``."""
    if pre is NO_PRELUDE and w.size <= _SMALL:
        return _rmsprop(w, g, r, m_g, b, np.empty_like(w), lr, rho, one_minus_rho, mu, delta)
    slots = (r, m_g, b)
    _run(_rmsprop, w, g, slots, [s for s in slots if s is not None], pre, 1, threads,
         (lr, rho, one_minus_rho, mu, delta))


def _adam(w, g, m, v, v_max, s, beta_1, beta_2, step_size, epsilon_hat):
    m *= beta_1
    m += g                               # m_sum = beta_1 m_sum + g
    np.square(g, out=s)                  # (twice as fast as np.multiply(g, g): a dedicated SIMD loop)
    v *= beta_2
    v += s                               # v_sum = beta_2 v_sum + g*g
    if v_max is not None:
        np.maximum(v_max, v, out=v_max)
        v = v_max
    np.sqrt(v, out=s)
    s += epsilon_hat
    np.divide(m, s, out=s)
    s *= step_size                       # eta m_hat / (sqrt(v_hat) + epsilon)
    w -= s


def adam_update(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, v_max: np.ndarray | None,
                pre: Prelude, beta_1, beta_2, step_size, epsilon_hat, threads: int = 1) -> None:
    """Adam on running sums (see ``optimizers/adam.py``): ``m = beta_1 m + g; v = beta_2 v + g g;
    w = w - step_size m / (sqrt(v) + epsilon_hat)``; AMSGrad (``v_max`` given) divides by
    ``sqrt(max(v_max, v))`` and keeps that maximum. Flushed slots: ``m`` and ``v``."""
    if pre is NO_PRELUDE and w.size <= _SMALL:
        return _adam(w, g, m, v, v_max, np.empty_like(w), beta_1, beta_2, step_size, epsilon_hat)
    _run(_adam, w, g, (m, v, v_max), (m, v), pre, 1, threads, (beta_1, beta_2, step_size, epsilon_hat))


def _nadam(w, g, m, v, s, q, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon, lr_m, lr_g):
    np.multiply(g, one_minus_beta_1, out=s)
    m *= beta_1
    m += s                               # m = beta_1 m + (1 - beta_1) g
    np.square(g, out=s)
    s *= one_minus_beta_2
    v *= beta_2
    v += s                               # v = beta_2 v + (1 - beta_2) g*g
    np.divide(v, bias_2, out=s)          # v_hat
    np.sqrt(s, out=s)
    s += epsilon                         # sqrt(v_hat) + epsilon
    # w = w - eta * m_hat / (sqrt(v_hat) + epsilon), one term of m_hat at a time
    np.divide(m, s, out=q)
    q *= lr_m
    w -= q
    np.divide(g, s, out=q)
    q *= lr_g
    w -= q


def nadam_update(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, pre: Prelude, beta_1,
                 one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon, lr_m, lr_g,
                 threads: int = 1) -> None:
    """Nadam (Keras's): ``m = beta_1 m + (1 - beta_1) g; v = beta_2 v + (1 - beta_2) g g;
    w = w - lr_m m / (sqrt(v / bias_2) + epsilon) - lr_g g / (sqrt(v / bias_2) + epsilon)``, with ``lr_m``
    and ``lr_g`` eta times the two weights of Nesterov's ``m_hat``. Flushed slots: ``m`` and ``v``."""
    if pre is NO_PRELUDE and w.size <= _SMALL:
        return _nadam(w, g, m, v, np.empty_like(w), np.empty_like(w), beta_1, one_minus_beta_1, beta_2,
                      one_minus_beta_2, bias_2, epsilon, lr_m, lr_g)
    _run(_nadam, w, g, (m, v), (m, v), pre, 2, threads,
         (beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon, lr_m, lr_g))
