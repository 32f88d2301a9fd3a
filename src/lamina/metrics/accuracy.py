"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k, as Keras computes them.

The per-sample functions return 1.0 where the prediction is right and 0.0 where it is wrong (one value per
output element for ``accuracy`` / ``binary_accuracy``, averaged per sample by the metric).

``'accuracy'`` in ``compile`` is resolved as Keras resolves it, from the shapes seen at the first update: binary
accuracy when the output's last axis has size 1, sparse categorical when the labels have lower rank (or a
trailing axis of 1), categorical (argmax against argmax) otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric, MeanMetricWrapper, as_array, same_rank


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where the prediction equals the label exactly."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """1 where (y_pred > threshold) equals the 0/1 label."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return (y_true == (y_pred > threshold)).astype(np.float32)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where argmax(y_pred) == argmax(y_true) (one-hot labels)."""
    return (np.argmax(as_array(y_true), axis=-1) == np.argmax(as_array(y_pred), axis=-1)).astype(np.float32)


def _class_labels(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Integer labels of y_pred's shape without the class axis (a trailing axis of 1 is dropped)."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where argmax(y_pred) equals the integer label."""
    y_pred = as_array(y_pred)
    return (_class_labels(as_array(y_true), y_pred) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Whether each label's score is among the k largest of its row (TensorFlow's in_top_k: a tie at the
    boundary counts as in, so fewer than k scores may be strictly larger)."""
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.intp)
    target = scores[np.arange(len(labels)), labels]
    larger = np.sum(scores > target[:, None], axis=-1)
    return (larger < k) & np.isfinite(target)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1 where the one-hot label's class is among the k highest-scored classes."""
    labels = np.argmax(as_array(y_true), axis=-1)
    return _in_top_k(labels, as_array(y_pred), k).astype(np.float32).reshape(labels.shape)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False
                                      ) -> np.ndarray:
    """1 where the integer label is among the k highest-scored classes (or, with ``from_sorted_ids``, among
    the first k of ``y_pred``'s rows of class ids sorted by score)."""
    labels, y_pred = as_array(y_true), as_array(y_pred)
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = np.any(ids == labels.reshape(-1, 1), axis=1)
    else:
        matches = _in_top_k(labels, y_pred, k)
    return matches.astype(np.float32).reshape(labels.shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches a 0/1 label."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=float(threshold))

    @property
    def threshold(self) -> float:
        return self.fn_kwargs["threshold"]


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) is the one-hot label's class."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) equals the integer label."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


def _check_k(owner: str, k: Any) -> int:
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"{owner}: k must be an integer >= 1; received {k!r}")
    return int(k)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest-scored classes."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=_check_k(type(self).__name__, k))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest-scored classes."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None,
                 from_sorted_ids: bool = False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype, k=_check_k(type(self).__name__, k))
        if from_sorted_ids:
            self.fn_kwargs["from_sorted_ids"] = True


class ShapeResolvedAccuracy(Metric):
    """``'accuracy'`` / ``'acc'`` in compile: binary, sparse categorical or categorical accuracy, picked at the
    first update from the shapes (Keras's rule, see the module docstring), logged under the name it was given."""

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._metric: Metric | None = None

    @staticmethod
    def choose(y_true: np.ndarray, y_pred: np.ndarray) -> Metric:
        if y_pred.ndim and y_pred.shape[-1] == 1:
            return BinaryAccuracy()
        sparse = y_true.ndim < y_pred.ndim or (y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,))
        return SparseCategoricalAccuracy() if sparse else CategoricalAccuracy()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if self._metric is None:
            self._metric = self.choose(y_true, y_pred)
        self._metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> float:
        return self._metric.result() if self._metric is not None else 0.0
