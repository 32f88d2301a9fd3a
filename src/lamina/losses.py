"""Loss functions, by name and class, with Keras's reductions.

A loss object is called as ``loss(y_true, y_pred, sample_weight=None) -> scalar Tensor``: ``y_true`` an array
of targets, ``y_pred`` the model's output Tensor. Each sample's loss is reduced over the last axis (a mean for
MSE, MAE and binary cross-entropy, a sum over classes for categorical cross-entropy), then the batch loss is
Keras's "sum over batch size":  L = sum_i w_i l_i / N  (w_i = 1 without sample weights).

Cross-entropy from probabilities clips them to [1e-7, 1 - 1e-7] as Keras does. When the prediction comes
straight out of a sigmoid (binary) or softmax (categorical) layer, its logits z are used instead, through the
fused, stable primitives whose gradient is the notes' dL/dz = y_hat - y; no clipping is needed then.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import ops
from .activations import logits_of
from .functional import sigmoid_binary_cross_entropy, softmax_cross_entropy, squared_error
from .serialization import from_class_config
from .tensor import Tensor, as_tensor

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "mean_squared_error", "mean_absolute_error",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "get",
]

EPSILON = 1e-7


def _labels(y_true: Any) -> np.ndarray:
    array = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"labels must be numeric; received an array of dtype {array.dtype}")
    return array


def _match_rank(name: str, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
    """Give y_true y_pred's shape where they differ only by a trailing axis of size 1, as Keras does.

    Without this, labels of shape (N,) against predictions of shape (N, 1) would broadcast to (N, N) and
    silently compute a wrong loss.
    """
    if y_true.shape == y_pred.shape:
        return y_true
    if y_true.size == y_pred.data.size and (y_true.shape + (1,) == y_pred.shape or y_true.shape == y_pred.shape + (1,)):
        return y_true.reshape(y_pred.shape)
    raise ValueError(f"{name}: y_true of shape {y_true.shape} does not match y_pred of shape {y_pred.shape}")


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred) -> per-sample losses`` (a Tensor of shape (N,)).

    Args:
        name: the name shown in logs.
    """

    def __init__(self, name: str | None = None):
        self.name = name or _snake(type(self).__name__)

    def call(self, y_true: np.ndarray, y_pred: Tensor) -> Tensor:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        if not isinstance(y_pred, Tensor):
            y_pred = as_tensor(np.asarray(y_pred, dtype=np.float32))
        y_true = _labels(y_true)
        if sample_weight is None:
            fused = self.batch_mean(y_true, y_pred)
            if fused is not None:
                return fused
        per_sample = self.call(y_true, y_pred)
        return _weighted_mean(self.name, per_sample, sample_weight)

    def batch_mean(self, y_true: np.ndarray, y_pred: Tensor) -> Tensor | None:
        """The unweighted batch mean as one fused primitive, where the loss has one; else None.

        Training's hot path: one op (and one VJP) for the whole loss instead of a per-sample op and a mean.
        """
        return None

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def _snake(class_name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in class_name).lstrip("_")


def _weighted_mean(name: str, per_sample: Tensor, sample_weight: Any) -> Tensor:
    """sum_i w_i l_i / N over all per-sample losses (Keras's 'sum_over_batch_size')."""
    count = max(per_sample.size, 1)
    if sample_weight is None:
        return ops.mean(per_sample)
    weights = match_sample_weight(sample_weight, per_sample.shape, f"{name}: the per-sample losses")
    return ops.sum(per_sample * weights.astype(per_sample.dtype)) * (1.0 / count)


def match_sample_weight(sample_weight: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``sample_weight`` shaped like ``shape`` (same size: reshaped; else broadcast), or a ValueError naming
    ``what`` it had to match. Shared by the losses and the metrics."""
    weights = np.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight)
    if weights.size == math.prod(shape):
        return weights.reshape(shape)
    try:
        return np.broadcast_to(weights, shape)
    except ValueError:
        raise ValueError(f"sample_weight of shape {weights.shape} does not match {what} of shape {shape}") from None


class LossFunctionWrapper(Loss):
    """A loss from a plain function ``fn(y_true, y_pred) -> Tensor`` of per-sample (or already reduced) losses."""

    def __init__(self, fn: Callable[[np.ndarray, Tensor], Tensor], name: str | None = None):
        super().__init__(name or getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred):
        result = self.fn(y_true, y_pred)
        return result if isinstance(result, Tensor) else as_tensor(result, like=y_pred)


class MeanSquaredError(Loss):
    """l_i = mean_j (y_ij - y_hat_ij)^2, the notes' regression cost."""

    def call(self, y_true, y_pred):
        return squared_error(y_pred, _match_rank(self.name, y_true, y_pred))

    def batch_mean(self, y_true, y_pred):
        return squared_error(y_pred, _match_rank(self.name, y_true, y_pred), reduction="mean")


class MeanAbsoluteError(Loss):
    """l_i = mean_j |y_ij - y_hat_ij|."""

    def call(self, y_true, y_pred):
        return ops.mean(ops.abs(y_pred - _match_rank(self.name, y_true, y_pred)), axis=-1)


class BinaryCrossentropy(Loss):
    """l_i = mean_j -[y log(y_hat) + (1 - y) log(1 - y_hat)], labels in [0, 1].

    Args:
        from_logits: y_pred holds logits z (y_hat = sigmoid(z)) instead of probabilities.
        label_smoothing: s moves the labels towards 1/2: y (1 - s) + s / 2.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, name: str | None = None):
        super().__init__(name or "binary_crossentropy")
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"BinaryCrossentropy: label_smoothing must be in [0, 1]; received {label_smoothing}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def _targets(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        y = _match_rank(self.name, y_true, y_pred).astype(y_pred.dtype, copy=False)
        if y.size and (np.nanmin(y) < 0 or np.nanmax(y) > 1):
            raise ValueError(f"{self.name}: labels must be in [0, 1]; received values from {np.nanmin(y)} to "
                             f"{np.nanmax(y)}")
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y

    def batch_mean(self, y_true, y_pred):
        # Every sample has the same number of outputs, so the mean over samples of their means is the mean
        # over all elements: one fused op.
        logits = y_pred if self.from_logits else logits_of(y_pred, "sigmoid")
        if logits is None:
            return None
        return sigmoid_binary_cross_entropy(logits, self._targets(y_true, y_pred), reduction="mean")

    def call(self, y_true, y_pred):
        y = self._targets(y_true, y_pred)
        logits = y_pred if self.from_logits else logits_of(y_pred, "sigmoid")
        if logits is not None:
            return ops.mean(sigmoid_binary_cross_entropy(logits, y, reduction="none"), axis=-1)
        p = ops.clip(y_pred, EPSILON, 1 - EPSILON)
        return -ops.mean(ops.log(p) * y + ops.log(1 - p) * (1 - y), axis=-1)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(Loss):
    """l_i = -sum_k y_ik log(y_hat_ik), one-hot (or probability) labels of y_pred's shape.

    From probabilities, y_hat is renormalized to sum to 1 and clipped, as Keras does.
    Args: from_logits, label_smoothing (y (1 - s) + s / K for K classes).
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, name: str | None = None):
        super().__init__(name or "categorical_crossentropy")
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"{type(self).__name__}: label_smoothing must be in [0, 1]; received {label_smoothing}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)

    def _one_hot(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        if y_true.shape != y_pred.shape:
            hint = (" (these look like integer class indices: use sparse_categorical_crossentropy)"
                    if y_true.ndim < y_pred.ndim or y_true.shape[-1:] == (1,) else "")
            raise ValueError(f"{self.name}: y_true of shape {y_true.shape} must be one-hot with y_pred's shape "
                             f"{y_pred.shape}{hint}")
        return y_true.astype(y_pred.dtype)

    def _targets(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        """What softmax_cross_entropy takes: one-hot rows here (class indices in the sparse subclass)."""
        y = self._one_hot(y_true, y_pred)
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + self.label_smoothing / y.shape[-1]
        return y

    def batch_mean(self, y_true, y_pred):
        logits = y_pred if self.from_logits else logits_of(y_pred, "softmax")
        if logits is None:
            return None
        return softmax_cross_entropy(logits, self._targets(y_true, y_pred), reduction="mean")

    def call(self, y_true, y_pred):
        logits = y_pred if self.from_logits else logits_of(y_pred, "softmax")
        if logits is not None:
            return softmax_cross_entropy(logits, self._targets(y_true, y_pred), reduction="none")
        y = self._one_hot(y_true, y_pred)
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + self.label_smoothing / y.shape[-1]
        p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        return -ops.sum(ops.log(ops.clip(p, EPSILON, 1 - EPSILON)) * y, axis=-1)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels (shape (N,) or (N, 1)) instead of one-hot rows."""

    def __init__(self, from_logits: bool = False, name: str | None = None):
        super().__init__(from_logits=from_logits, name=name or "sparse_categorical_crossentropy")

    def _targets(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        # Class indices go to the fused cross-entropy as they are: no one-hot matrix is built.
        return self._indices(y_true, y_pred)

    def _one_hot(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        return np.eye(y_pred.shape[-1], dtype=y_pred.dtype)[self._indices(y_true, y_pred)]

    def _indices(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        expected = y_pred.shape[:-1]
        if y_true.shape != expected:
            if y_true.shape == expected + (1,):
                y_true = y_true.reshape(expected)
            else:
                raise ValueError(f"{self.name}: labels must be class indices of shape {expected} (or "
                                 f"{expected + (1,)}) for predictions of shape {y_pred.shape}; received shape "
                                 f"{y_true.shape}")
        classes = y_pred.shape[-1]
        if y_true.dtype.kind == "f" and not np.all(np.mod(y_true, 1) == 0):
            raise ValueError(f"{self.name}: labels must be integer class indices in [0, {classes - 1}]")
        if y_true.size and (y_true.min() < 0 or y_true.max() >= classes):
            raise ValueError(f"{self.name}: labels must be class indices in [0, {classes - 1}]; received values "
                             f"from {y_true.min()} to {y_true.max()}")
        return y_true.astype(np.intp, copy=False)

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits}


# Keras's function-style names; each call builds the default loss object (from probabilities).
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean squared error."""
    return MeanSquaredError().call(_labels(y_true), as_tensor(y_pred))


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean absolute error."""
    return MeanAbsoluteError().call(_labels(y_true), as_tensor(y_pred))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample binary cross-entropy."""
    return BinaryCrossentropy(from_logits).call(_labels(y_true), as_tensor(y_pred))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample categorical cross-entropy."""
    return CategoricalCrossentropy(from_logits).call(_labels(y_true), as_tensor(y_pred))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample sparse categorical cross-entropy."""
    return SparseCategoricalCrossentropy(from_logits).call(_labels(y_true), as_tensor(y_pred))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_CLASSES: dict[str, type[Loss]] = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy)}
_BY_NAME: dict[str, type[Loss]] = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_FUNCTIONS = {mean_squared_error: "mean_squared_error", mean_absolute_error: "mean_absolute_error",
              binary_crossentropy: "binary_crossentropy", categorical_crossentropy: "categorical_crossentropy",
              sparse_categorical_crossentropy: "sparse_categorical_crossentropy"}


def get(identifier: Any) -> Loss:
    """A Loss object from a name ('mse', 'binary_crossentropy', ...), a class, an instance, one of this module's
    functions, a config dict, or any callable ``fn(y_true, y_pred) -> Tensor`` (wrapped)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown loss {identifier!r}. Known losses: {', '.join(sorted(_BY_NAME))}")
        loss = cls()
        if identifier.lower() in ("mse", "mae"):
            loss.name = identifier.lower()
        return loss
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_class_config(identifier, _CLASSES, "loss")
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        if identifier in _FUNCTIONS:
            return _BY_NAME[_FUNCTIONS[identifier]]()
        return LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss {identifier!r} of type {type(identifier).__name__}")
