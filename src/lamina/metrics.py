"""Metrics: stateful running averages over an epoch, as Keras's ``metrics``.

Each metric accumulates over ``update_state(y_true, y_pred, sample_weight=None)`` calls (NumPy arrays, or
Tensors whose values are read), reports ``result()`` as a float and starts over with ``reset_state()``.
Per-sample metrics (accuracies, MSE, MAE) keep total = sum_i w_i m_i and count = sum_i w_i, so the epoch's
value is the sample-weighted mean, whatever the batch sizes.

``'accuracy'`` is resolved as Keras resolves it, from the shapes seen at the first update: binary accuracy
when the output's last axis has size 1, sparse categorical when the labels are integers of lower rank (or a
trailing axis of 1), categorical (argmax against argmax) otherwise.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .losses import match_sample_weight
from .tensor import Tensor

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError", "Precision", "Recall", "get"]


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _same_rank(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Labels (N,) against predictions (N, 1): add the trailing axis, as Keras does."""
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size and y_true.shape + (1,) == y_pred.shape:
        return y_true.reshape(y_pred.shape)
    return y_true


class Metric:
    """Base class: ``update_state``, ``result``, ``reset_state``; calling it updates and returns the result."""

    def __init__(self, name: str | None = None):
        self.name = name or type(self).__name__.lower()
        self.reset_state()

    def reset_state(self) -> None:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> float:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, result={self.result():.4f}>"


class Mean(Metric):
    """The (weighted) mean of all values seen: total / count."""

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = _array(values).astype(np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        weights = match_sample_weight(_array(sample_weight), values.shape,
                                      f"the values of metric {self.name!r}").astype(np.float64)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred) -> ndarray of shape (N,)``."""

    def __init__(self, fn: Callable[[np.ndarray, np.ndarray], np.ndarray], name: str | None = None):
        self.fn = fn
        super().__init__(name or getattr(fn, "__name__", "metric"))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        super().update_state(self.fn(_array(y_true), _array(y_pred)), sample_weight)


# ----- per-sample functions (NumPy) --------------------------------------------------------------------------
def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Exact match, averaged over the last axis."""
    y_true = _same_rank(y_true, y_pred)
    return np.mean(y_true == y_pred, axis=-1)


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Fraction of outputs with (y_pred > threshold) == y_true, per sample."""
    y_true = _same_rank(y_true, y_pred)
    return np.mean((y_pred > threshold) == (y_true > 0.5), axis=-1)


def categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """1 where argmax(y_pred) == argmax(y_true) (one-hot labels)."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """1 where argmax(y_pred) equals the integer label."""
    labels = y_true.reshape(y_pred.shape[:-1]) if y_true.size == np.prod(y_pred.shape[:-1]) else y_true
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float64)


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.mean((y_pred - _same_rank(y_true, y_pred)) ** 2, axis=-1)


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.mean(np.abs(y_pred - _same_rank(y_true, y_pred)), axis=-1)


# ----- metric classes ----------------------------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy"):
        super().__init__(accuracy, name)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches a 0/1 label."""

    def __init__(self, threshold: float = 0.5, name: str = "binary_accuracy"):
        self.threshold = float(threshold)
        super().__init__(lambda t, p: binary_accuracy(t, p, self.threshold), name)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) is the one-hot label's class."""

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) equals the integer label."""

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, name)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, name)


class _Counts(Metric):
    """True positives, false positives and false negatives of ``y_pred > threshold`` against 0/1 labels."""

    def __init__(self, thresholds: float = 0.5, name: str | None = None):
        if not 0 <= thresholds <= 1:
            raise ValueError(f"{type(self).__name__}: thresholds must be in [0, 1]; received {thresholds}")
        self.thresholds = float(thresholds)
        super().__init__(name)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = _array(y_pred)
        y_true = _same_rank(_array(y_true), y_pred) > 0.5
        predicted = y_pred > self.thresholds
        weights: Any = 1.0
        if sample_weight is not None:
            w = _array(sample_weight).astype(np.float64)
            weights = np.broadcast_to(w.reshape(w.shape + (1,) * (y_pred.ndim - w.ndim)), y_pred.shape)
        self.true_positives += float((weights * (predicted & y_true)).sum())
        self.false_positives += float((weights * (predicted & ~y_true)).sum())
        self.false_negatives += float((weights * (~predicted & y_true)).sum())

    def get_config(self):
        return {"name": self.name, "thresholds": self.thresholds}


class Precision(_Counts):
    """TP / (TP + FP): of the predicted positives, the fraction that are positive (0 when none predicted)."""

    def __init__(self, thresholds: float = 0.5, name: str = "precision"):
        super().__init__(thresholds, name)

    def result(self) -> float:
        denominator = self.true_positives + self.false_positives
        return self.true_positives / denominator if denominator else 0.0


class Recall(_Counts):
    """TP / (TP + FN): of the actual positives, the fraction found (0 when there are none)."""

    def __init__(self, thresholds: float = 0.5, name: str = "recall"):
        super().__init__(thresholds, name)

    def result(self) -> float:
        denominator = self.true_positives + self.false_negatives
        return self.true_positives / denominator if denominator else 0.0


class _KerasAccuracy(Metric):
    """``'accuracy'``: picks binary, sparse categorical or categorical accuracy at the first update, from the
    shapes (Keras's rule, see the module docstring), and keeps the name it was given for the logs."""

    def __init__(self, name: str = "accuracy"):
        self._metric: Metric | None = None
        super().__init__(name)

    @staticmethod
    def choose(y_true: np.ndarray, y_pred: np.ndarray) -> Metric:
        if y_pred.ndim and y_pred.shape[-1] == 1:
            return BinaryAccuracy()
        sparse = y_true.ndim < y_pred.ndim or (y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,))
        return SparseCategoricalAccuracy() if sparse else CategoricalAccuracy()

    def reset_state(self) -> None:
        if self._metric is not None:
            self._metric.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _array(y_true), _array(y_pred)
        if self._metric is None:
            self._metric = self.choose(y_true, y_pred)
        self._metric.update_state(y_true, y_pred, sample_weight)

    def result(self) -> float:
        return self._metric.result() if self._metric is not None else 0.0


_BY_NAME: dict[str, Callable[[str], Metric]] = {
    "accuracy": _KerasAccuracy, "acc": _KerasAccuracy,
    "binary_accuracy": lambda name: BinaryAccuracy(name=name),
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "precision": lambda name: Precision(name=name), "recall": lambda name: Recall(name=name),
}
_CLASSES = {cls.__name__: cls for cls in (Mean, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                          SparseCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
                                          Precision, Recall)}


def get(identifier: Any, loss: Any = None) -> Metric:
    """A metric object from a name ('accuracy', 'mae', 'precision', ...), a class, an instance, or a function
    ``fn(y_true, y_pred) -> per-sample values``. Names are kept for the logs ('mae' logs as 'mae').

    ``loss`` is accepted for Keras compatibility; 'accuracy' is resolved from the data's shapes instead.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier.lower())
        if factory is None:
            if identifier in _CLASSES:
                return _CLASSES[identifier]()
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: {', '.join(sorted(_BY_NAME))}")
        return factory(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"Could not interpret metric {identifier!r} of type {type(identifier).__name__}")
