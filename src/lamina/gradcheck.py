"""Numerical gradient check: autodiff's gradients against central differences, in float64.

For each input element x_k, the central difference

    dL/dx_k ~ (L(x + eps e_k) - L(x - eps e_k)) / (2 eps)

has error O(eps^2), so in float64 with eps = 1e-6 it agrees with a correct analytic gradient to ~1e-8.
A non-scalar output is reduced with fixed random weights, L = sum(w * f(x)), which checks the full VJP.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def gradcheck(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check ``fn``'s gradients with respect to every floating input.

    Args:
        fn: a function of tensors returning a tensor (any shape).
        inputs: arrays or tensors; each floating one is converted to a float64 tensor requiring a gradient.
            Integer arrays (e.g. class labels) are passed through unchanged.
        eps: finite-difference step. atol, rtol: |analytic - numeric| <= atol + rtol |numeric| elementwise.
    Returns:
        True when every element agrees.
    Raises:
        GradcheckError naming the input, the worst element, and both values.

    >>> lamina.gradcheck(lambda a, b: (a * b).sum(), np.random.rand(3), np.random.rand(3))
    True
    """
    tensors = []
    for value in inputs:
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind == "f":
            tensors.append(Tensor(array.astype(np.float64), requires_grad=True, dtype=np.float64))
        else:
            tensors.append(value)
    checked = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: none of the inputs is floating point, so there is nothing to check")

    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor; it returned {type(out).__name__}")
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)

    def scalar_loss() -> float:
        result = fn(*tensors)
        return float(np.sum(np.asarray(result.data, dtype=np.float64) * weights))

    if out.requires_grad:
        out.backward(weights.astype(out.dtype))

    for i in checked:
        t = tensors[i]
        analytic = t.grad if t.grad is not None else np.zeros_like(t.data)
        numeric = np.zeros_like(t.data)
        flat, flat_numeric = t.data.reshape(-1), numeric.reshape(-1)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = scalar_loss()
            flat[k] = original - eps
            minus = scalar_loss()
            flat[k] = original
            flat_numeric[k] = (plus - minus) / (2 * eps)
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and (np.max(excess) > 0 or not np.all(np.isfinite(analytic))):
            worst = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(excess), excess, np.inf))), t.shape)
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {t.shape}) is wrong at index {tuple(int(w) for w in worst)}:"
                f" analytic {analytic[worst]!r}, numerical {numeric[worst]!r} "
                f"(atol={atol}, rtol={rtol}, eps={eps})")
    return True
