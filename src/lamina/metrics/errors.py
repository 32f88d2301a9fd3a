"""Metrics that report a loss's value: the running (weighted) mean of a per-sample loss, as Keras's metrics of the
same names (regression errors, hinge, KL divergence, Poisson, cross-entropies), plus the root mean squared error.

Mean squared and absolute error are NumPy functions (they run every batch in most programs); the others reuse
``lamina.losses``'s per-sample functions on the batch's values (no gradient is recorded: the inputs are arrays).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses
from ..losses.regression import l2_normalize
from .base import Mean, MeanMetricWrapper, as_array, same_rank


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean over the last axis of (y_pred - y_true)^2."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return np.mean((y_pred - y_true) ** 2, axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean over the last axis of |y_pred - y_true|."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def cosine_proximity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Per-sample cosine similarity sum_j y_j y_hat_j / (||y|| ||y_hat||): 1 for parallel vectors (the
    metric's sign; the loss of that name is its negation)."""
    y_true, y_pred = same_rank(as_array(y_true, np.float32), as_array(y_pred, np.float32))
    return np.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """The mean of (y_pred - y_true)^2."""

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of |y_pred - y_true|."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of 100 |y_pred - y_true| / max(|y_true|, eps)."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of (log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: Any = None):
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype)


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_pred - y_true)^2)): the square root of the (weighted) mean of the squared errors."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        y_true, y_pred = same_rank(as_array(y_true, self._dtype), as_array(y_pred, self._dtype))
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self) -> float:
        return float(np.sqrt(np.float32(super().result())))


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along ``axis`` (1 = same direction)."""

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1):
        super().__init__(cosine_proximity, name, dtype, axis=int(axis))


class LogCoshError(MeanMetricWrapper):
    """The mean of log(cosh(y_pred - y_true)); Keras names it 'logcosh'."""

    def __init__(self, name: str = "logcosh", dtype: Any = None):
        super().__init__(losses.log_cosh, name, dtype)


class Hinge(MeanMetricWrapper):
    """The mean hinge loss, max(1 - y y_hat, 0), labels -1/1 or 0/1."""

    def __init__(self, name: str = "hinge", dtype: Any = None):
        super().__init__(losses.hinge, name, dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean squared hinge loss, max(1 - y y_hat, 0)^2."""

    def __init__(self, name: str = "squared_hinge", dtype: Any = None):
        super().__init__(losses.squared_hinge, name, dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean categorical hinge loss (one-hot labels)."""

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None):
        super().__init__(losses.categorical_hinge, name, dtype)


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence sum_j y_j log(y_j / y_hat_j)."""

    def __init__(self, name: str = "kl_divergence", dtype: Any = None):
        super().__init__(losses.kl_divergence, name, dtype)


class Poisson(MeanMetricWrapper):
    """The mean Poisson loss y_hat - y log(y_hat + eps)."""

    def __init__(self, name: str = "poisson", dtype: Any = None):
        super().__init__(losses.poisson, name, dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy (from probabilities, clipped, or from logits)."""

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0.0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=bool(from_logits),
                         label_smoothing=float(label_smoothing))


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy against one-hot labels."""

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=bool(from_logits),
                         label_smoothing=float(label_smoothing), axis=int(axis))


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy against integer labels. Samples labelled ``ignore_class`` count as 0;
    as in Keras's metric they still count in the mean, except in batches with sample weights, where they get
    weight 0 (Keras applies the loss's mask only together with sample weights)."""

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None, from_logits: bool = False,
                 ignore_class: int | None = None, axis: int = -1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype, from_logits=bool(from_logits),
                         ignore_class=None if ignore_class is None else int(ignore_class), axis=int(axis))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        ignore_class = self.fn_kwargs["ignore_class"]
        if ignore_class is not None and sample_weight is not None:
            y_pred = as_array(y_pred)
            keep = (as_array(y_true) != ignore_class).reshape(y_pred.shape[:-1])
            sample_weight = as_array(sample_weight).reshape(keep.shape) * keep
        super().update_state(y_true, y_pred, sample_weight)
