"""The error function erf, in NumPy alone (NumPy has no erf; SciPy is not a dependency).

    erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt,        d erf/dx = 2/sqrt(pi) e^(-x^2)

Two classical expansions, each used where it converges fast:
- |x| < 2: the Maclaurin series erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), summed by Horner's
  rule in x^2 (at |x| = 2 the alternating terms lose about two digits to cancellation, still ~1e-15);
- |x| >= 2: the continued fraction of the complement,
  erfc(x) = e^(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
  evaluated from a fixed depth backwards.
Against Python's ``math.erf`` on [-8, 8] the relative error is below 1e-15 in float64 (30 series terms, depth
50); float32 and float16 inputs use fewer terms (20, depth 40; error below 4e-9, far under float32's
resolution). The sums run in float64 and the result takes the input's dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tensor import Tensor, as_tensor

_SPLIT = 2.0
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _series_coefficients(terms: int) -> np.ndarray:
    """(-1)^n / (n! (2n+1)) for n = terms .. 0 (highest first, for Horner's rule)."""
    return np.array([(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(terms, -1, -1)])


_PRECISION = {  # dtype kind/size -> (series coefficients, continued-fraction depth)
    "double": (_series_coefficients(30), 50),
    "single": (_series_coefficients(20), 40),
}


def erf_array(x: Any) -> np.ndarray:
    """erf of every element of ``x`` (an ndarray of ``x``'s floating dtype; integers give float32)."""
    values = np.asarray(x)
    out_dtype = values.dtype if values.dtype.kind == "f" else np.dtype(np.float32)
    coefficients, depth = _PRECISION["double" if out_dtype.itemsize >= 8 else "single"]
    v = values.astype(np.float64)
    out = np.empty_like(v)
    magnitude = np.abs(v)
    near = magnitude < _SPLIT
    # Series, |x| < 2.
    xs = v[near]
    t = xs * xs
    acc = np.zeros_like(xs)
    for c in coefficients:
        acc *= t
        acc += c
    out[near] = _TWO_OVER_SQRT_PI * xs * acc
    # Continued fraction for erfc, |x| >= 2 (NaN falls here too and stays NaN).
    far = ~near
    if far.any():
        a = magnitude[far]
        fraction = a.copy()
        for k in range(depth, 0, -1):
            fraction = a + (k / 2) / fraction
        complement = np.exp(-a * a) / (math.sqrt(math.pi) * fraction)
        out[far] = np.copysign(1.0 - complement, v[far])
    return out.astype(out_dtype, copy=False)


def erf(x: Any) -> Tensor:
    """The error function, elementwise. d erf/dx = 2/sqrt(pi) e^(-x^2)."""
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.data, dtype=np.float32)
    out = erf_array(x.data)

    def vjp(g):
        return (g * (_TWO_OVER_SQRT_PI * np.exp(-(x.data * x.data))),)

    return Tensor._from_op(out, (x,), vjp)
