"""Cross-entropy losses (binary, categorical, sparse categorical, and their focal forms), as Keras defines them.

    binary_crossentropy        l = mean_j -[y_j log(y_hat_j) + (1 - y_j) log(1 - y_hat_j)]
    categorical_crossentropy   l = -sum_k y_k log(y_hat_k)   (one-hot or probability labels)
    sparse_categorical_...     the same with integer class labels
    binary_focal_crossentropy  l = mean_j (1 - p_t)^gamma bce_j,  p_t = y y_hat + (1 - y)(1 - y_hat)
                               (times alpha y + (1 - alpha)(1 - y) with apply_class_balancing)
    categorical_focal_...      l = sum_k alpha (1 - y_hat_k)^gamma (-y_k log(y_hat_k))

From probabilities, y_hat is clipped to [1e-7, 1 - 1e-7] (and renormalized to sum to 1 for the categorical
ones), as Keras does. When the prediction comes straight out of a sigmoid (binary) or softmax (categorical)
layer, its logits z are used instead, through the fused, stable primitives whose gradient is the notes'
dL/dz = y_hat - y; no clipping is needed then.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..activations import logits_of
from ..functional import sigmoid, sigmoid_binary_cross_entropy, softmax, softmax_cross_entropy
from ..tensor import Tensor
from .base import EPSILON, Loss, LossFunctionWrapper, labels_array, match_rank, prediction_tensor


def _check_smoothing(owner: str, label_smoothing: float) -> float:
    label_smoothing = float(label_smoothing)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{owner}: label_smoothing must be in [0, 1]; received {label_smoothing}")
    return label_smoothing


def _clipped_log(p: Tensor) -> Tensor:
    return ops.log(ops.clip(p, EPSILON, 1 - EPSILON))


def _binary_targets(name: str, y_true: np.ndarray, y_pred: Tensor, label_smoothing: float):
    y, y_pred = match_rank(name, y_true, y_pred)
    # Targets outside [0, 1] are not refused here, as Keras does not (GANs train on noisy labels such as
    # 1 + 0.05 u); fit checks its labels up front (models/label_checks.py), where such values are a data mistake.
    y = y.astype(y_pred.dtype, copy=False)
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    return y, y_pred


def _binary_elements(y: np.ndarray, y_pred: Tensor, from_logits: bool) -> Tensor:
    """The cross-entropy of every element: through the logits where known, else of clipped probabilities."""
    logits = y_pred if from_logits else logits_of(y_pred, "sigmoid")
    if logits is not None:
        return sigmoid_binary_cross_entropy(logits, y, reduction="none")
    p = ops.clip(y_pred, EPSILON, 1 - EPSILON)
    return -(ops.log(p) * y + ops.log(1 - p) * (1 - y))


def _one_hot(name: str, y_true: np.ndarray, y_pred: Tensor, label_smoothing: float, axis: int) -> np.ndarray:
    if y_true.shape != y_pred.shape:
        hint = (" (these look like integer class indices: use sparse_categorical_crossentropy)"
                if y_true.ndim < y_pred.ndim or y_true.shape[-1:] == (1,) else "")
        raise ValueError(f"{name}: y_true of shape {y_true.shape} must be one-hot with y_pred's shape "
                         f"{y_pred.shape}{hint}")
    y = y_true.astype(y_pred.dtype)
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / y.shape[axis]
    return y


def _class_indices(name: str, y_true: np.ndarray, y_pred: Tensor, axis: int) -> np.ndarray:
    axis = axis % y_pred.ndim
    expected = y_pred.shape[:axis] + y_pred.shape[axis + 1:]
    if y_true.shape != expected:
        if y_true.size == int(np.prod(expected)) and y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
            y_true = y_true.reshape(expected)
        else:
            raise ValueError(f"{name}: labels must be class indices of shape {expected} (or with a trailing axis "
                             f"of 1) for predictions of shape {y_pred.shape}; received shape {y_true.shape}")
    classes = y_pred.shape[axis]
    if y_true.dtype.kind == "f" and not np.all(np.mod(y_true, 1) == 0):
        raise ValueError(f"{name}: labels must be integer class indices in [0, {classes - 1}]")
    if y_true.size and (y_true.min() < 0 or y_true.max() >= classes):
        raise ValueError(f"{name}: labels must be class indices in [0, {classes - 1}]; received values from "
                         f"{y_true.min()} to {y_true.max()}")
    return y_true.astype(np.intp, copy=False)


def _categorical(y: np.ndarray, y_pred: Tensor, from_logits: bool, axis: int) -> Tensor:
    """Per-sample -sum_k y_k log(y_hat_k), y one-hot / probabilities or (integer dtype) class indices."""
    logits = y_pred if from_logits else logits_of(y_pred, "softmax")
    if logits is not None:
        return softmax_cross_entropy(logits, y, axis=axis, reduction="none")
    if y.dtype.kind in "iu":
        y = np.moveaxis(np.eye(y_pred.shape[axis], dtype=y_pred.dtype)[y], -1, axis)
    p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    return -ops.sum(_clipped_log(p) * y, axis=axis)


# ----- functions (Keras's keras.losses.binary_crossentropy etc.): per-sample losses --------------------------
def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """Per-sample binary cross-entropy (mean over ``axis``)."""
    y, y_pred = _binary_targets("binary_crossentropy", labels_array(y_true), prediction_tensor(y_pred),
                                _check_smoothing("binary_crossentropy", label_smoothing))
    return ops.mean(_binary_elements(y, y_pred, from_logits), axis=axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """Per-sample categorical cross-entropy against one-hot (or probability) labels."""
    y_pred = prediction_tensor(y_pred)
    y = _one_hot("categorical_crossentropy", labels_array(y_true), y_pred,
                 _check_smoothing("categorical_crossentropy", label_smoothing), axis)
    return _categorical(y, y_pred, from_logits, axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """Per-sample categorical cross-entropy against integer class labels (0 where the label is ignore_class)."""
    y_pred = prediction_tensor(y_pred)
    labels = labels_array(y_true)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    values = _categorical(_class_indices("sparse_categorical_crossentropy", labels, y_pred, axis), y_pred,
                          from_logits, axis)
    if valid is not None:
        values = ops.where(valid.reshape(values.shape), values, 0.0)
    return values


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Tensor:
    """Per-sample binary focal cross-entropy: easy examples (p_t near 1) down-weighted by (1 - p_t)^gamma."""
    y, y_pred = _binary_targets("binary_focal_crossentropy", labels_array(y_true), prediction_tensor(y_pred),
                                _check_smoothing("binary_focal_crossentropy", label_smoothing))
    p = sigmoid(y_pred) if from_logits else y_pred
    bce = _binary_elements(y, p, from_logits=False)
    p_t = p * y + (1.0 - p) * (1.0 - y)
    focal = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = focal * (alpha * y + (1.0 - alpha) * (1.0 - y))
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> Tensor:
    """Per-sample categorical focal cross-entropy, sum_k alpha (1 - y_hat_k)^gamma (-y_k log(y_hat_k))."""
    y_pred = prediction_tensor(y_pred)
    y = _one_hot("categorical_focal_crossentropy", labels_array(y_true), y_pred,
                 _check_smoothing("categorical_focal_crossentropy", label_smoothing), axis)
    p = softmax(y_pred, axis=axis) if from_logits else y_pred
    p = ops.clip(p / ops.sum(p, axis=axis, keepdims=True), EPSILON, 1 - EPSILON)
    weight = (1.0 - p) ** gamma * np.asarray(alpha, dtype=y_pred.dtype)
    return ops.sum(weight * (ops.log(p) * -y), axis=axis)


# ----- classes -------------------------------------------------------------------------------------------------
class BinaryCrossentropy(Loss):
    """l_i = mean_j -[y log(y_hat) + (1 - y) log(1 - y_hat)], labels in [0, 1].

    Args:
        from_logits: y_pred holds logits z (y_hat = sigmoid(z)) instead of probabilities.
        label_smoothing: s moves the labels towards 1/2: y (1 - s) + s / 2.
        axis: the axis averaged over for each sample.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str = "binary_crossentropy", dtype: Any = None):
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(type(self).__name__, label_smoothing)
        self.axis = int(axis)

    def batch_mean(self, y_true, y_pred):
        # Every sample has the same number of outputs, so the mean over samples of their means is the mean
        # over all elements: one fused op.
        logits = y_pred if self.from_logits else logits_of(y_pred, "sigmoid")
        if logits is None:
            return None
        y, _ = _binary_targets(self.name, y_true, y_pred, self.label_smoothing)
        return sigmoid_binary_cross_entropy(logits, y.reshape(logits.shape), reduction="mean")

    def call(self, y_true, y_pred):
        y, y_pred = _binary_targets(self.name, y_true, y_pred, self.label_smoothing)
        return ops.mean(_binary_elements(y, y_pred, self.from_logits), axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class CategoricalCrossentropy(Loss):
    """l_i = -sum_k y_ik log(y_hat_ik), one-hot (or probability) labels of y_pred's shape.

    Args:
        from_logits: y_pred holds logits (y_hat = softmax(z)).
        label_smoothing: s gives the labels y (1 - s) + s / K for K classes.
        axis: the class axis.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str = "categorical_crossentropy",
                 dtype: Any = None):
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(type(self).__name__, label_smoothing)
        self.axis = int(axis)

    def targets(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray:
        """What softmax_cross_entropy takes: one-hot rows here (class indices in the sparse subclass)."""
        return _one_hot(self.name, y_true, y_pred, self.label_smoothing, self.axis)

    def batch_mean(self, y_true, y_pred):
        logits = y_pred if self.from_logits else logits_of(y_pred, "softmax")
        if logits is None:
            return None
        return softmax_cross_entropy(logits, self.targets(y_true, y_pred), axis=self.axis, reduction="mean")

    def call(self, y_true, y_pred):
        return _categorical(self.targets(y_true, y_pred), y_pred, self.from_logits, self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels (shape (N,) or (N, 1)) instead of one-hot rows.

    Args:
        from_logits: y_pred holds logits.
        ignore_class: a label value whose samples are left out (loss 0, not counted in the mean), e.g. the
            "void" class of a segmentation map.
        axis: the class axis.
    """

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None):
        super().__init__(from_logits=from_logits, axis=axis, reduction=reduction, name=name, dtype=dtype)
        self.ignore_class = None if ignore_class is None else int(ignore_class)

    def targets(self, y_true, y_pred):
        # Class indices go to the fused cross-entropy as they are: no one-hot matrix is built.
        if self.ignore_class is not None:
            y_true = np.where(y_true != self.ignore_class, y_true, 0)
        return _class_indices(self.name, y_true, y_pred, self.axis)

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        return (y_true != self.ignore_class).reshape(y_pred.shape[:self.axis % y_pred.ndim]
                                                    + y_pred.shape[self.axis % y_pred.ndim + 1:])

    def call(self, y_true, y_pred):
        values = super().call(y_true, y_pred)
        valid = self.mask(y_true, y_pred)
        return values if valid is None else ops.where(valid, values, 0.0)

    def get_config(self):
        config = super().get_config()
        del config["label_smoothing"]
        return {**config, "ignore_class": self.ignore_class}


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy with the focal factor (1 - p_t)^gamma (and optional class balancing by alpha)."""

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size", name: str = "binary_focal_crossentropy",
                 dtype: Any = None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=bool(apply_class_balancing), alpha=float(alpha), gamma=float(gamma),
                         from_logits=bool(from_logits),
                         label_smoothing=_check_smoothing(type(self).__name__, label_smoothing), axis=int(axis))


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with the focal weight alpha (1 - y_hat_k)^gamma on each class's term."""

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_focal_crossentropy", dtype: Any = None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=float(alpha),
                         gamma=float(gamma), from_logits=bool(from_logits),
                         label_smoothing=_check_smoothing(type(self).__name__, label_smoothing), axis=int(axis))
