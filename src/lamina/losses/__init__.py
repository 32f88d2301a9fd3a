"""Loss functions, by name, function and class, with Keras 3's names, arguments, reductions and sample weights.

Every loss Keras 3 accepts in ``compile`` (except CTC and Circle) exists here under Keras's names:

- classes (``keras.losses.Huber(delta=1.0)``): MeanSquaredError, MeanAbsoluteError,
  MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity, Hinge, SquaredHinge,
  CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
  SparseCategoricalCrossentropy, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky;
- functions of per-sample losses (``keras.losses.huber(y_true, y_pred)``) and their short aliases
  (mse, mae, mape, msle, kld, bce, ...);
- names for ``compile(loss=...)``: the function names, the aliases, Keras 2's names ('logcosh', 'huber_loss',
  'kullback_leibler_divergence'), and 'crossentropy' / 'ce', which pick binary, sparse or categorical
  cross-entropy from the shapes of the first batch, as Keras does.

A subclass of ``Loss`` implementing ``call(y_true, y_pred)`` and any plain function ``fn(y_true, y_pred)`` work
in ``compile`` too. See ``base.py`` for the reductions.
"""

from __future__ import annotations

from typing import Any

from ..serialization import from_class_config
from .base import EPSILON, REDUCTIONS, Loss, LossFunctionWrapper, match_sample_weight, reduce_weighted
from .crossentropy import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                           CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, binary_crossentropy,
                           binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy,
                           sparse_categorical_crossentropy)
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .overlap import Dice, Tversky, dice, tversky
from .probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                         mean_squared_logarithmic_error)

# Keras's short aliases of the functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASS_LIST = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber,
               LogCosh, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
               BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryFocalCrossentropy,
               CategoricalFocalCrossentropy, Dice, Tversky)
_CLASSES: dict[str, type[Loss]] = {cls.__name__: cls for cls in _CLASS_LIST}

# Each function and the class that wraps it with a reduction.
_FUNCTION_CLASSES = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber, log_cosh: LogCosh,
    cosine_similarity: CosineSimilarity, hinge: Hinge, squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge, kl_divergence: KLDivergence, poisson: Poisson,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    binary_focal_crossentropy: BinaryFocalCrossentropy, categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    dice: Dice, tversky: Tversky,
}
# Names accepted by compile: each function's name, and the aliases (lower-case).
_BY_NAME: dict[str, type[Loss]] = {fn.__name__: cls for fn, cls in _FUNCTION_CLASSES.items()}
_BY_NAME.update({
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
    "logcosh": LogCosh, "huber_loss": Huber, "bce": BinaryCrossentropy,
})


class _ShapeResolvedCrossentropy(Loss):
    """``'crossentropy'`` / ``'ce'``: binary cross-entropy when the output's last axis is 1, sparse categorical
    when the labels have lower rank (or a trailing axis of 1 against several classes), else categorical; chosen
    at the first call from the shapes, as Keras chooses it."""

    def __init__(self, name: str = "crossentropy"):
        super().__init__(name)
        self.loss: Loss | None = None

    def _resolved(self, y_true: Any, y_pred: Any) -> Loss:
        if self.loss is None:
            true_shape, pred_shape = y_true.shape, y_pred.shape
            if pred_shape[-1:] == (1,):
                self.loss = BinaryCrossentropy()
            elif len(true_shape) < len(pred_shape) or (true_shape[-1:] == (1,) and pred_shape[-1] > 1):
                self.loss = SparseCategoricalCrossentropy()
            else:
                self.loss = CategoricalCrossentropy()
        return self.loss

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self._resolved(y_true, y_pred)(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        return self._resolved(y_true, y_pred).call(y_true, y_pred)


def known_names() -> list[str]:
    """Every string ``get`` accepts (lower-case names), sorted."""
    return sorted({*_BY_NAME, "crossentropy", "ce"})


def get(identifier: Any) -> Loss:
    """A Loss object from a name ('mse', 'huber', 'kld', ...), a class name ('Huber'), a class, an instance, one
    of this module's functions, a config dict ``{"class_name", "config"}``, or any callable
    ``fn(y_true, y_pred) -> Tensor`` (wrapped in a LossFunctionWrapper)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("crossentropy", "ce"):
            return _ShapeResolvedCrossentropy(identifier)
        cls = _CLASSES.get(identifier) or _BY_NAME.get(key)
        if cls is None:
            raise ValueError(f"Unknown loss {identifier!r}. Known losses: {', '.join(known_names())} (and the "
                             f"classes {', '.join(sorted(_CLASSES))})")
        loss = cls()
        if key in ("mse", "mae"):
            loss.name = key
        return loss
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_class_config(identifier, _CLASSES, "loss")
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        cls = _FUNCTION_CLASSES.get(identifier)
        return cls() if cls is not None else LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss {identifier!r} of type {type(identifier).__name__}")


__all__ = [
    "EPSILON", "REDUCTIONS", "Loss", "LossFunctionWrapper", *sorted(_CLASSES),
    *sorted(fn.__name__ for fn in _FUNCTION_CLASSES), "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE",
    "kld", "KLD", "kullback_leibler_divergence", "logcosh", "bce", "BCE", "get", "known_names",
    "match_sample_weight", "reduce_weighted",
]
