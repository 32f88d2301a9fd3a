"""Metrics: stateful values accumulated over an epoch, with Keras 3's classes, names and results.

- ``base``: ``Metric`` (state in ``Variable``s made by ``add_variable``), ``Mean``, ``Sum``, ``MeanMetricWrapper``;
- ``accuracy``: Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy (and ``'accuracy'`` resolved from the shapes, as Keras does);
- ``errors``: the losses as metrics (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError, Hinge, SquaredHinge,
  CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
  SparseCategoricalCrossentropy);
- ``confusion``: TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC;
- ``scores``: F1Score, FBetaScore, R2Score.

``get`` resolves every metric name Keras 3 accepts in ``compile`` ('mape', 'msle', 'auc',
'top_k_categorical_accuracy', ...); a metric given by name reports under that name in the logs and history
('mape' logs as 'mape'), as in Keras.
"""

from __future__ import annotations

from typing import Any

from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, ShapeResolvedAccuracy,
                       SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy,
                       binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .base import Mean, MeanMetricWrapper, Metric, Sum, result_value
from .confusion import AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .errors import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                     KLDivergence, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                     MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError, SparseCategoricalCrossentropy,
                     SquaredHinge, mean_absolute_error, mean_squared_error)
from .scores import F1Score, FBetaScore, R2Score

_CLASS_LIST = (Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
               TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
               MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity,
               LogCoshError, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
               CategoricalCrossentropy, SparseCategoricalCrossentropy, TruePositives, FalsePositives,
               TrueNegatives, FalseNegatives, Precision, Recall, AUC, F1Score, FBetaScore, R2Score)
# Keras's upper-case aliases of classes.
MSE, MAE, MAPE, MSLE, BCE = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
                             MeanSquaredLogarithmicError, BinaryCrossentropy)
_CLASSES: dict[str, type[Metric]] = {cls.__name__: cls for cls in _CLASS_LIST}
_CLASSES.update({"MSE": MSE, "MAE": MAE, "MAPE": MAPE, "MSLE": MSLE, "BCE": BCE})

# Lower-case names for compile(metrics=[...]): Keras 3's, plus Keras 2's aliases ('kld', 'logcosh').
_BY_NAME: dict[str, type[Metric]] = {
    "accuracy": ShapeResolvedAccuracy, "acc": ShapeResolvedAccuracy,
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "root_mean_squared_error": RootMeanSquaredError, "cosine_similarity": CosineSimilarity,
    "log_cosh_error": LogCoshError, "logcosh": LogCoshError, "log_cosh": LogCoshError,
    "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson, "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "true_positives": TruePositives, "false_positives": FalsePositives, "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives, "precision": Precision, "recall": Recall, "auc": AUC,
    "f1_score": F1Score, "f_beta_score": FBetaScore, "fbeta_score": FBetaScore, "r2_score": R2Score,
}


def known_names() -> list[str]:
    """Every lower-case name ``get`` accepts, sorted."""
    return sorted(_BY_NAME)


def get(identifier: Any, loss: Any = None) -> Metric:
    """A metric object from a name ('accuracy', 'mape', 'auc', ...) or class name ('AUC'), a Metric class or
    instance, a config dict ``{"class_name", "config"}``, or a function ``fn(y_true, y_pred) -> per-sample
    values`` (wrapped in a MeanMetricWrapper named after it). A name becomes the metric's name in the logs.

    ``loss`` is accepted for Keras compatibility; 'accuracy' is resolved from the data's shapes instead.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier) or _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: {', '.join(known_names())} (and the "
                             f"classes {', '.join(sorted(_CLASSES))})")
        return cls(name=identifier)
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_config(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"Could not interpret metric {identifier!r} of type {type(identifier).__name__}")


def from_config(entry: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Metric:
    """A metric from ``{"class_name", "config"}`` (Keras's or Lamina's serialized form): a Lamina class, or a
    Metric subclass from ``custom_objects``; nothing named in the entry is imported."""
    name = entry.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if not (isinstance(cls, type) and issubclass(cls, Metric)) or cls in (Metric, MeanMetricWrapper):
        raise ValueError(f"Unknown metric class {name!r}. Known classes: {', '.join(sorted(_CLASSES))}")
    return cls.from_config(dict(entry.get("config") or {}))


__all__ = [
    "Metric", *sorted(name for name in _CLASSES if name not in ("Metric",)), "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_squared_error", "mean_absolute_error", "get", "from_config",
    "known_names", "result_value",
]
