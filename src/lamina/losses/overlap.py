"""Overlap losses for segmentation masks: Dice and Tversky, as Keras defines them.

    dice      l = 1 - 2 sum(y y_hat) / (sum(y) + sum(y_hat) + eps)
    tversky   l = 1 - TP / (TP + alpha FP + beta FN + eps),
              TP = sum(y y_hat), FP = sum((1 - y_hat) y), FN = sum(y_hat (1 - y))   (Keras's definitions)

The sums run over ``axis``; with ``axis=None`` (the default) over everything, giving one value for the batch.
eps = 1e-7.
"""

from __future__ import annotations

from typing import Any

from .. import ops
from ..tensor import Tensor
from .base import EPSILON, LossFunctionWrapper, labels_array, prediction_tensor

Axis = int | tuple[int, ...] | None


def _pair(y_true: Any, y_pred: Any):
    y_pred = prediction_tensor(y_pred)
    return labels_array(y_true).astype(y_pred.dtype, copy=False), y_pred


def dice(y_true: Any, y_pred: Any, axis: Axis = None) -> Tensor:
    """The Dice loss over ``axis`` (everything when None)."""
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = ops.sum(y_pred * y_true, axis=axis)
    denominator = ops.sum(y_pred, axis=axis) + (y_true.sum(axis=axis) + EPSILON)
    return 1.0 - 2.0 * intersection / denominator


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Axis = None) -> Tensor:
    """The Tversky loss over ``axis``: alpha weighs false positives, beta false negatives."""
    y_true, y_pred = _pair(y_true, y_pred)
    true_positive = ops.sum(y_pred * y_true, axis=axis)
    false_positive = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    false_negative = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - true_positive / (true_positive + alpha * false_positive + beta * false_negative + EPSILON)


def _axis(axis: Any) -> Axis:
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (None if axis is None else int(axis))


class Dice(LossFunctionWrapper):
    """l = 1 - 2 |y . y_hat| / (|y| + |y_hat|) over ``axis`` (default: the whole batch, one value)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "dice", axis: Axis = None,
                 dtype: Any = None):
        super().__init__(dice, reduction, name, dtype, axis=_axis(axis))


class Tversky(LossFunctionWrapper):
    """l = 1 - TP / (TP + alpha FP + beta FN) over ``axis``; alpha = beta = 0.5 is the Dice loss."""

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: str | None = "sum_over_batch_size",
                 name: str = "tversky", axis: Axis = None, dtype: Any = None):
        super().__init__(tversky, reduction, name, dtype, alpha=float(alpha), beta=float(beta), axis=_axis(axis))
