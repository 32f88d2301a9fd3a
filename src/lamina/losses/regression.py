"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh and cosine, as Keras defines them.

Each is a function ``fn(y_true, y_pred) -> per-sample losses`` (reduced over the last axis; Keras's
``keras.losses.huber`` etc.) and a class that wraps it with a reduction (``keras.losses.Huber``). With e = y_hat - y:

    mean_squared_error               l = mean_j e_j^2                       (the notes' regression cost)
    mean_absolute_error              l = mean_j |e_j|
    mean_absolute_percentage_error   l = 100 mean_j |e_j| / max(|y_j|, eps)
    mean_squared_logarithmic_error   l = mean_j (log(max(y_hat_j, eps) + 1) - log(max(y_j, eps) + 1))^2
    huber                            l = mean_j (e_j^2 / 2 if |e_j| <= delta else delta |e_j| - delta^2 / 2)
    log_cosh                         l = mean_j log(cosh(e_j)) = mean_j (e_j + softplus(-2 e_j) - log 2)
    cosine_similarity                l = -sum_j y_j y_hat_j / (max(||y||, eps) max(||y_hat||, eps))

eps = 1e-7 (Keras's epsilon). log-cosh uses the softplus form, which does not overflow for large errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from ..functional import squared_error
from ..tensor import Tensor
from .base import EPSILON, LossFunctionWrapper, prepare


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), stably: max(x, 0) + log(1 + e^-|x|) never exponentiates a large positive number."""
    return ops.maximum(x, 0.0) + ops.log(1.0 + ops.exp(-ops.abs(x)))


def l2_normalize(x: Any, axis: int = -1) -> Any:
    """x / max(||x||, eps) along ``axis`` (Keras's ``normalize``); the floor keeps a zero vector at zero."""
    if isinstance(x, Tensor):
        return x / ops.sqrt(ops.maximum(ops.sum(x * x, axis=axis, keepdims=True), EPSILON ** 2))
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), EPSILON ** 2))


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean squared error, one fused primitive."""
    y_true, y_pred = prepare("mean_squared_error", y_true, y_pred)
    return squared_error(y_pred, y_true)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean absolute error."""
    y_true, y_pred = prepare("mean_absolute_error", y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean absolute percentage error, 100 mean |y - y_hat| / max(|y|, eps)."""
    y_true, y_pred = prepare("mean_absolute_percentage_error", y_true, y_pred)
    scale = 100.0 / np.maximum(np.abs(y_true), EPSILON)
    return ops.mean(ops.abs(y_pred - y_true) * scale.astype(y_pred.dtype), axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean squared logarithmic error (values below eps count as eps)."""
    y_true, y_pred = prepare("mean_squared_logarithmic_error", y_true, y_pred)
    target = np.log(np.maximum(y_true, EPSILON) + 1.0).astype(y_pred.dtype)
    difference = ops.log(ops.maximum(y_pred, EPSILON) + 1.0) - target
    return ops.mean(difference * difference, axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Per-sample Huber loss: quadratic for errors up to ``delta``, linear beyond."""
    y_true, y_pred = prepare("huber", y_true, y_pred)
    error = y_pred - y_true
    absolute = ops.abs(error)
    quadratic = 0.5 * error * error
    linear = delta * absolute - 0.5 * delta * delta
    return ops.mean(ops.where(absolute.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean of log(cosh(y_hat - y))."""
    y_true, y_pred = prepare("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    return ops.mean(error + softplus(-2.0 * error) - math.log(2.0), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """The negated cosine similarity along ``axis``: -1 for parallel vectors, 0 for orthogonal (or zero) ones."""
    y_true, y_pred = prepare("cosine_similarity", y_true, y_pred)
    return -ops.sum(l2_normalize(y_pred, axis) * l2_normalize(y_true, axis), axis=axis)


class MeanSquaredError(LossFunctionWrapper):
    """l_i = mean_j (y_ij - y_hat_ij)^2, the notes' regression cost."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "mean_squared_error",
                 dtype: Any = None):
        super().__init__(mean_squared_error, reduction, name, dtype)

    def batch_mean(self, y_true, y_pred):
        y_true, y_pred = prepare(self.name, y_true, y_pred)
        return squared_error(y_pred, y_true, reduction="mean")


class MeanAbsoluteError(LossFunctionWrapper):
    """l_i = mean_j |y_ij - y_hat_ij|."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "mean_absolute_error",
                 dtype: Any = None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """l_i = 100 mean_j |y_ij - y_hat_ij| / max(|y_ij|, eps)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_absolute_percentage_error", dtype: Any = None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """l_i = mean_j (log(max(y_hat_ij, eps) + 1) - log(max(y_ij, eps) + 1))^2."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_squared_logarithmic_error", dtype: Any = None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: e^2 / 2 where |e| <= delta, delta |e| - delta^2 / 2 beyond (e = y_hat - y), averaged.

    Args:
        delta: where the loss turns from quadratic to linear (> 0).
    """

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size", name: str = "huber_loss",
                 dtype: Any = None):
        delta = float(delta)
        if not delta > 0:
            raise ValueError(f"Huber: delta must be > 0; received {delta}")
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """l_i = mean_j log(cosh(y_hat_ij - y_ij)): about e^2 / 2 for small errors, |e| - log 2 for large ones."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None):
        super().__init__(log_cosh, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """l_i = -cos(y_i, y_hat_i) along ``axis``, so that minimizing it aligns predictions with targets.

    Args:
        axis: the axis of the vectors (default the last).
    """

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype: Any = None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=int(axis))
