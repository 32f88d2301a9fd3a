"""Hinge losses for maximum-margin classifiers, as Keras defines them.

Labels are -1/1; labels that are all 0 or 1 in a batch are first mapped to -1/1 (y <- 2y - 1), as Keras does.

    hinge               l = mean_j max(1 - y_j y_hat_j, 0)
    squared_hinge       l = mean_j max(1 - y_j y_hat_j, 0)^2
    categorical_hinge   l = max(neg - pos + 1, 0),  pos = sum_j y_j y_hat_j,  neg = max_j (1 - y_j) y_hat_j
                        (one-hot labels: the margin between the true class's score and the best other one)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from .base import LossFunctionWrapper, prepare


def signed_labels(y_true: np.ndarray) -> np.ndarray:
    """0/1 labels as -1/1; labels with any other value are returned unchanged (Keras's rule, per batch)."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def _margin(y_true: Any, y_pred: Any, name: str) -> Tensor:
    y_true, y_pred = prepare(name, y_true, y_pred)
    return ops.maximum(1.0 - signed_labels(y_true).astype(y_pred.dtype) * y_pred, 0.0)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample hinge loss, mean over the last axis of max(1 - y y_hat, 0)."""
    return ops.mean(_margin(y_true, y_pred, "hinge"), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample squared hinge loss, mean over the last axis of max(1 - y y_hat, 0)^2."""
    margin = _margin(y_true, y_pred, "squared_hinge")
    return ops.mean(margin * margin, axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample categorical hinge loss, max(max_j (1 - y_j) y_hat_j - sum_j y_j y_hat_j + 1, 0)."""
    y_true, y_pred = prepare("categorical_hinge", y_true, y_pred)
    positive = ops.sum(y_pred * y_true, axis=-1)
    negative = ops.max(y_pred * (1.0 - y_true), axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """l_i = mean_j max(1 - y_ij y_hat_ij, 0), labels -1/1 (or 0/1, mapped to -1/1)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "hinge", dtype: Any = None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """l_i = mean_j max(1 - y_ij y_hat_ij, 0)^2, labels -1/1 (or 0/1, mapped to -1/1)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "squared_hinge",
                 dtype: Any = None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    """l_i = max(max_j (1 - y_ij) y_hat_ij - sum_j y_ij y_hat_ij + 1, 0), one-hot labels."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "categorical_hinge",
                 dtype: Any = None):
        super().__init__(categorical_hinge, reduction, name, dtype)
