"""More activations (section 3's family, as Keras 3 defines them), each one primitive with a hand-written VJP.

One primitive per activation rather than a composition of smaller ops: one pass forward, one backward, and no
overflow where a composition would take e^x of a large x (softplus, mish). Each derivative is written beside
its function. Keras's definitions are followed exactly (checked against Keras 3.15 by
tests/data/keras_ops/make_fixtures.py):

    relu6(x)        = min(max(x, 0), 6)
    elu(x)          = x if x > 0 else alpha (e^x - 1)
    selu(x)         = scale * elu(x, alpha), alpha = 1.6732632..., scale = 1.0507009...
    gelu(x)         = x Phi(x) = x/2 (1 + erf(x / sqrt 2))                      (approximate=False)
                    = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))               (approximate=True)
    silu(x)         = x sigma(x)                      (also called swish)
    softplus(x)     = log(1 + e^x)
    softsign(x)     = x / (1 + |x|)
    hard_sigmoid(x) = relu6(x + 3) / 6                (Keras 3's; Keras 2 used 0.2 x + 0.5)
    hard_silu(x)    = x hard_sigmoid(x)               (also called hard_swish)
    mish(x)         = x tanh(softplus(x))
    log_sigmoid(x)  = log sigma(x) = -softplus(-x)
    hard_tanh(x)    = clip(x, -1, 1)
    exponential(x)  = e^x
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .kernels.numpy_layers import sigmoid_array as _sigmoid_array  # the library's one stable sigma(z)
from .ops import exp
from .special import erf_array
from .tensor import Tensor, as_tensor

__all__ = ["relu6", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "hard_silu",
           "hard_swish", "mish", "log_sigmoid", "hard_tanh", "exponential"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def _floating(x: Any) -> Tensor:
    """``x`` as a floating tensor (integer input becomes float32, Keras's floatx)."""
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor(x.data, dtype=np.float32)


def _softplus_array(z: np.ndarray) -> np.ndarray:
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no exponent of a large positive number.
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6). Derivative 1 for 0 < x < 6, else 0."""
    x = _floating(x)
    out = np.clip(x.data, 0, 6)
    return Tensor._from_op(out, (x,), lambda g: (g * ((x.data > 0) & (x.data < 6)),))


def _elu_parts(v: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """elu(v) and its derivative, without a data-dependent select:
        elu = alpha (e^min(v,0) - 1) + max(v, 0),   elu' = alpha e^min(v,0) + (1 - alpha) [v > 0]
    (for v > 0 the first terms give 0 and alpha, for v <= 0 the second ones vanish)."""
    negative_part = np.minimum(v, 0)
    out = alpha * np.expm1(negative_part) + np.maximum(v, 0)
    slope = alpha * np.exp(negative_part)
    if alpha != 1:
        slope += (1 - alpha) * (v > 0)
    return out.astype(v.dtype, copy=False), slope.astype(v.dtype, copy=False)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise. Derivative 1, or alpha e^x."""
    x = _floating(x)
    out, slope = _elu_parts(x.data, alpha)
    return Tensor._from_op(out, (x,), lambda g: (g * slope,))


def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with Klambauer et al.'s self-normalizing constants. Derivative scale * elu'."""
    x = _floating(x)
    out, slope = _elu_parts(x.data, SELU_ALPHA)
    out *= SELU_SCALE
    slope *= SELU_SCALE
    return Tensor._from_op(out, (x,), lambda g: (g * slope,))


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit, x Phi(x), with Phi the standard normal CDF.

    Exact: Phi(x) = (1 + erf(x / sqrt 2)) / 2, d/dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).
    approximate=True: with u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u)::

        gelu = x/2 (1 + t),   d/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).

    ``keras.activations.gelu`` and the string 'gelu' default to the exact form; ``keras.ops.gelu`` to the
    approximation.
    """
    x = _floating(x)
    v = x.data
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (v + _GELU_CUBIC * v * v * v))
        out = 0.5 * v * (1 + t)

        def vjp(g):
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * v * v)
            return (g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du),)
    else:
        cdf = 0.5 * (1 + erf_array(v * (1 / math.sqrt(2.0))))
        out = v * cdf

        def vjp(g):
            pdf = np.exp(-0.5 * v * v) * (1 / math.sqrt(2 * math.pi))
            return (g * (cdf + v * pdf),)

    return Tensor._from_op(out.astype(x.dtype, copy=False), (x,), vjp)


def silu(x: Any) -> Tensor:
    """x sigma(x) (also 'swish'). Derivative sigma(x) (1 + x (1 - sigma(x)))."""
    x = _floating(x)
    s = _sigmoid_array(x.data).astype(x.dtype, copy=False)
    out = x.data * s
    return Tensor._from_op(out, (x,), lambda g: (g * (s * (1 + x.data * (1 - s))),))


swish = silu


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), computed without overflow. Derivative sigma(x)."""
    x = _floating(x)
    out = _softplus_array(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g * _sigmoid_array(x.data).astype(g.dtype, copy=False),))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|). Derivative 1 / (1 + |x|)^2."""
    x = _floating(x)
    denominator = 1 + np.abs(x.data)
    out = x.data / denominator
    return Tensor._from_op(out, (x,), lambda g: (g / (denominator * denominator),))


def hard_sigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1). Derivative 1/6 for -3 < x < 3, else 0."""
    x = _floating(x)
    out = np.clip(x.data * (1 / 6) + 0.5, 0, 1).astype(x.dtype, copy=False)
    inside = (x.data > -3) & (x.data < 3)
    return Tensor._from_op(out, (x,), lambda g: (g * inside * (1 / 6),))


def hard_silu(x: Any) -> Tensor:
    """x hard_sigmoid(x) (also 'hard_swish'). Derivative hard_sigmoid(x) + x/6 for -3 < x < 3."""
    x = _floating(x)
    gate = np.clip(x.data * (1 / 6) + 0.5, 0, 1).astype(x.dtype, copy=False)
    out = x.data * gate
    inside = (x.data > -3) & (x.data < 3)

    def vjp(g):
        return (g * (gate + inside * x.data * (1 / 6)),)

    return Tensor._from_op(out, (x,), vjp)


hard_swish = hard_silu


def mish(x: Any) -> Tensor:
    """x tanh(softplus(x)). With t = tanh(softplus(x)): d/dx = t + x (1 - t^2) sigma(x)."""
    x = _floating(x)
    t = np.tanh(_softplus_array(x.data))
    out = x.data * t

    def vjp(g):
        return (g * (t + x.data * (1 - t * t) * _sigmoid_array(x.data)).astype(g.dtype, copy=False),)

    return Tensor._from_op(out, (x,), vjp)


def log_sigmoid(x: Any) -> Tensor:
    """log sigma(x) = -softplus(-x), stable for large |x|. Derivative sigma(-x) = 1 - sigma(x)."""
    x = _floating(x)
    out = -_softplus_array(-x.data)
    return Tensor._from_op(out, (x,), lambda g: (g * _sigmoid_array(-x.data).astype(g.dtype, copy=False),))


def hard_tanh(x: Any) -> Tensor:
    """clip(x, -1, 1). Derivative 1 for -1 < x < 1, else 0."""
    x = _floating(x)
    out = np.clip(x.data, -1, 1)
    return Tensor._from_op(out, (x,), lambda g: (g * ((x.data > -1) & (x.data < 1)),))


def exponential(x: Any) -> Tensor:
    """e^x (Keras's 'exponential' activation)."""
    return exp(_floating(x))
