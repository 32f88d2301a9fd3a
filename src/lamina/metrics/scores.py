"""Scores over (samples, classes) arrays: F-beta / F1 and the coefficient of determination R^2, as Keras computes
them.

F-beta per class, from predictions thresholded at ``threshold`` (or, without one, the row's maximum):

    precision = TP / (TP + FP + eps),  recall = TP / (TP + FN + eps)
    F_beta = (1 + beta^2) precision recall / (beta^2 precision + recall + eps)

averaged over classes as ``average`` says (None: one score per class; "micro": counts pooled over classes first;
"macro": the plain mean; "weighted": weighted by each class's (weighted) number of true labels).

R^2 per output column: 1 - sum w (y - y_hat)^2 / sum w (y - mean(y))^2, then averaged ("uniform_average"),
weighted by each column's variance ("variance_weighted_average") or not (None); ``num_regressors`` p > 0 gives the
adjusted score 1 - (1 - R^2)(n - 1)/(n - p - 1), with n the number of values seen.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import Metric, as_array, same_rank

_EPSILON = 1e-7


def _two_dimensional(owner: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if y_pred.ndim != 2 or y_true.ndim != 2:
        raise ValueError(f"{owner} expects 2-D inputs of shape (batch_size, output_dim); received y_true of shape "
                         f"{y_true.shape} and y_pred of shape {y_pred.shape}")


class FBetaScore(Metric):
    """The F-beta score (precision and recall combined, recall weighted beta times as much).

    Args:
        average: None, "micro", "macro" or "weighted" (see the module docstring).
        beta: the weight of recall (> 0).
        threshold: predictions above it count as positive (in (0, 1]); None: each row's largest score.
    """

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str = "fbeta_score", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, 'micro', 'macro' or 'weighted'; "
                             f"received {average!r}")
        if isinstance(beta, bool) or not float(beta) > 0:
            raise ValueError(f"{type(self).__name__}: beta must be a number > 0; received {beta!r}")
        if threshold is not None and not 0 < float(threshold) <= 1:
            raise ValueError(f"{type(self).__name__}: threshold must satisfy 0 < threshold <= 1; received "
                             f"{threshold!r}")
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self._axis = None if average == "micro" else 0
        self._built = False

    def _build(self, classes: int) -> None:
        shape = () if self.average == "micro" else (classes,)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, initializer="zeros", name=name))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = as_array(y_true, self._dtype), as_array(y_pred, self._dtype)
        _two_dimensional(type(self).__name__, y_true, y_pred)
        if not self._built:
            self._build(y_pred.shape[-1])
        if self.threshold is None:
            # Each row's best class is its prediction; an all-zero row predicts nothing.
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self._dtype)
        weights = None if sample_weight is None else as_array(sample_weight, self._dtype)[:, None]

        def weighted_sum(values: np.ndarray) -> np.ndarray:
            return np.sum(values if weights is None else values * weights, axis=self._axis)

        self.true_positives.assign_add(weighted_sum(predicted * y_true))
        self.false_positives.assign_add(weighted_sum(predicted * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - predicted) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self) -> Any:
        if not self._built:
            return 0.0
        tp, fp, fn = self.true_positives.data, self.false_positives.data, self.false_negatives.data
        precision = tp / (tp + fp + _EPSILON)
        recall = tp / (tp + fn + _EPSILON)
        beta2 = self.beta ** 2
        score = (1 + beta2) * (precision * recall / (beta2 * precision + recall + _EPSILON))
        if self.average == "weighted":
            support = self.intermediate_weights.data
            return float(np.sum(score * support / (np.sum(support) + _EPSILON)))
        if self.average is not None:
            return float(np.mean(score))
        return score.astype(self._dtype)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score, the harmonic mean of precision and recall (F-beta with beta = 1)."""

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str = "f1_score",
                 dtype: Any = None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination R^2 (see the module docstring).

    Args:
        class_aggregation: None, "uniform_average" or "variance_weighted_average".
        num_regressors: p, the number of independent regressors, for the adjusted R^2 (0: the plain one).
    """

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: class_aggregation must be None, 'uniform_average' or "
                             f"'variance_weighted_average'; received {class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0; received {num_regressors!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, outputs: int) -> None:
        for attribute, name in (("squared_sum", "squared_sum"), ("sum", "sum"), ("total_mse", "residual"),
                                ("count", "count")):
            setattr(self, attribute, self.add_variable(shape=(outputs,), initializer="zeros", name=name))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = same_rank(as_array(y_true, self._dtype), as_array(y_pred, self._dtype))
        _two_dimensional("R2Score", y_true, y_pred)
        if not self._built:
            self._build(y_pred.shape[-1])
        weights = np.ones((), self._dtype) if sample_weight is None else as_array(sample_weight, self._dtype)
        if weights.ndim == 1:
            weights = weights[:, None]
        weights = np.broadcast_to(weights, y_true.shape)
        self.sum.assign_add(np.sum(y_true * weights, axis=0))
        self.squared_sum.assign_add(np.sum(y_true * y_true * weights, axis=0))
        self.total_mse.assign_add(np.sum((y_true - y_pred) ** 2 * weights, axis=0))
        self.count.assign_add(np.sum(weights, axis=0))
        self.num_samples.assign_add(y_true.size)

    def result(self) -> Any:
        if not self._built:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.data / self.count.data
            total = self.squared_sum.data - self.sum.data * mean
            raw = 1 - self.total_mse.data / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score: Any = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        samples, regressors = float(self.num_samples.data), self.num_regressors
        if regressors:
            if regressors >= samples - 1:
                warnings.warn("R2Score: as many or more regressors than samples - 1; reporting the plain R^2",
                              stacklevel=2)
            else:
                score = 1 - (1 - score) * (samples - 1) / (samples - regressors - 1)
        return float(score) if np.ndim(score) == 0 else np.asarray(score, dtype=self._dtype)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()
        else:
            self.num_samples.assign(0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
