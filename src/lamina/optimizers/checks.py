"""Argument and array checks shared by the optimizers: clear errors that name the argument or parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _param_array(p: Any, what: str) -> np.ndarray:
    """The ndarray behind a parameter: the array itself or a Tensor's ``.data``.

    (An ndarray also has a ``.data`` attribute, a memoryview, so it is tested first.)
    """
    arr = p if isinstance(p, np.ndarray) else getattr(p, "data", None)
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{what} must be a numpy array or an object with an ndarray `.data` "
                        f"(a lamina Tensor); received {type(p).__name__}.")
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{what} must have a floating dtype; received {arr.dtype}.")
    if not arr.flags.writeable:
        raise ValueError(f"{what} is read-only; the optimizer updates parameters in place.")
    return arr


def _grad_array(g: Any) -> np.ndarray:
    if isinstance(g, np.ndarray):
        return g
    data = getattr(g, "data", None)
    if isinstance(data, np.ndarray):
        return data
    return np.asarray(g)


def _check_float(name: str, value: Any, low: float | None = None, high: float | None = None,
                 *, low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float inside the given interval, else ValueError naming it."""
    if isinstance(value, bool):
        raise ValueError(f"Argument `{name}` must be a number. Received: {name}={value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `{name}` must be a number. Received: {name}={value!r}") from None
    bad = not math.isfinite(x)
    if low is not None:
        bad = bad or (x <= low if low_open else x < low)
    if high is not None:
        bad = bad or (x >= high if high_open else x > high)
    if bad:
        lo = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
        raise ValueError(f"Argument `{name}` must be a finite number in {lo}, {hi}. "
                         f"Received: {name}={value!r}")
    return x
