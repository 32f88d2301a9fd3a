"""The Loss base class, Keras's reductions and sample weights, and the wrapper that makes a loss of a function.

A loss object is called as ``loss(y_true, y_pred, sample_weight=None) -> Tensor``: ``y_true`` an array of
targets, ``y_pred`` the model's output Tensor. ``call(y_true, y_pred)`` gives each sample's loss l_i (reduced
over the last axis), then the reduction combines them as Keras does:

- ``"sum_over_batch_size"`` (the default) and ``"mean"``:  L = sum_i w_i l_i / N  (N: the number of values);
- ``"mean_with_sample_weight"``:  L = sum_i w_i l_i / sum_i w_i  (the plain mean without sample weights);
- ``"sum"``:  L = sum_i w_i l_i;
- ``"none"`` / ``None``: the weighted values w_i l_i themselves.

w_i = 1 without sample weights. A loss that already returns a scalar is not reduced.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import ops
from ..tensor import Tensor, as_tensor
from ..utils.naming import to_snake_case

EPSILON = 1e-7  # Keras's backend.epsilon(): the clip / floor of probabilities and denominators
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


def labels_array(y_true: Any) -> np.ndarray:
    """``y_true`` as a numeric ndarray (a Tensor's values are read; labels never carry a gradient)."""
    array = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"labels must be numeric; received an array of dtype {array.dtype}")
    return array


def prediction_tensor(y_pred: Any, dtype: Any = None) -> Tensor:
    """``y_pred`` as a Tensor (arrays become float32, or ``dtype``, constants)."""
    if isinstance(y_pred, Tensor):
        return y_pred
    return as_tensor(np.asarray(y_pred, dtype=dtype or np.float32))


def squeeze_or_expand(y_true: np.ndarray, y_pred: Tensor) -> tuple[np.ndarray, Tensor]:
    """Keras's ``squeeze_or_expand_to_same_rank``: where the ranks differ by a trailing axis of size 1, the
    operand with that axis loses it, unless the other is 1-D, which gains one instead."""
    if y_true.shape != y_pred.shape:
        if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
            if y_pred.ndim == 1:
                y_pred = ops.reshape(y_pred, y_pred.shape + (1,))
            else:
                y_true = y_true.reshape(y_true.shape[:-1])
        elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1:] == (1,):
            if y_true.ndim == 1:
                y_true = y_true.reshape(y_true.shape + (1,))
            else:
                y_pred = ops.reshape(y_pred, y_pred.shape[:-1])
    return y_true, y_pred


def match_rank(name: str, y_true: np.ndarray, y_pred: Tensor) -> tuple[np.ndarray, Tensor]:
    """``squeeze_or_expand``, then any other shape mismatch is an error naming ``name``: broadcasting labels of
    shape (N,) against predictions of shape (N, 1) would silently compute an (N, N) loss."""
    true_shape, pred_shape = y_true.shape, y_pred.shape
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true of shape {true_shape} does not match y_pred of shape {pred_shape}")
    return y_true, y_pred


def prepare(name: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, Tensor]:
    """(labels in the predictions' dtype, predictions as a Tensor), of the same shape (see ``match_rank``)."""
    y_pred = prediction_tensor(y_pred)
    y_true, y_pred = match_rank(name, labels_array(y_true), y_pred)
    return y_true.astype(y_pred.dtype, copy=False), y_pred


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


def check_reduction(reduction: Any, name: str) -> Any:
    if reduction not in REDUCTIONS:
        raise ValueError(f"loss {name!r}: reduction must be one of {list(REDUCTIONS)}; received {reduction!r}")
    return reduction


def reduce_weighted(values: Tensor, sample_weight: Any, reduction: Any, name: str,
                    mask: np.ndarray | None = None) -> Tensor:
    """Weight the per-sample ``values`` and reduce them as ``reduction`` says (see the module docstring).

    ``mask`` (booleans of ``values``'s shape) drops values as Keras drops masked ones: under the mean reductions
    the kept ones are weighted total/kept, so the mean runs over the kept values only.
    """
    weights = None
    if sample_weight is not None:
        if values.ndim == 0:  # one value for the batch (Dice over everything): Keras weights it per sample
            weights = np.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight)
        else:
            weights = match_sample_weight(sample_weight, values.shape, f"loss {name!r}: the per-sample losses")
        weights = weights.astype(values.dtype, copy=False)
    if mask is not None:
        mask = mask.astype(values.dtype)
        if reduction in ("sum_over_batch_size", "mean") and mask.size:
            kept = mask.sum()
            mask = mask * (mask.size / kept if kept else 0.0)
        weights = mask if weights is None else weights * mask
    if weights is not None:
        values = values * weights
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(np.sum(weights))
    else:
        divisor = float(values.size)
    # Keras's divide_no_nan: an empty or all-zero-weight batch gives 0, not NaN.
    return total * (1.0 / divisor) if divisor else total * 0.0


class Loss:
    """Base class of losses, as Keras's ``keras.losses.Loss``: subclasses implement ``call(y_true, y_pred)``,
    returning each sample's loss (a Tensor of shape (N,), or of y_pred's shape without its last axis).

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: how per-sample losses combine (see the module docstring); default "sum_over_batch_size".
        dtype: the dtype NumPy predictions are converted to (default float32); Tensors keep theirs.

    Example:
        >>> class MeanFourth(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return lamina.mean((y_pred - y_true) ** 4, axis=-1)
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: Any = None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = check_reduction(reduction, self.name)
        self.dtype = dtype

    def call(self, y_true: np.ndarray, y_pred: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = prediction_tensor(y_pred, self.dtype)
        y_true = labels_array(y_true)
        mask = self.mask(y_true, y_pred)
        if sample_weight is None and mask is None and self.reduction in _MEAN_REDUCTIONS:
            fused = self.batch_mean(y_true, y_pred)
            if fused is not None:
                return fused
        values = self.call(y_true, y_pred)
        if not isinstance(values, Tensor):
            values = as_tensor(values, like=y_pred)
        if mask is not None and mask.shape != values.shape:
            mask = None  # call() reduced over the masked axis itself
        return reduce_weighted(values, sample_weight, self.reduction, self.name, mask)

    def mask(self, y_true: np.ndarray, y_pred: Tensor) -> np.ndarray | None:
        """The per-sample values to keep (booleans), or None to keep all (sparse crossentropy's ignore_class)."""
        return None

    def batch_mean(self, y_true: np.ndarray, y_pred: Tensor) -> Tensor | None:
        """The unweighted batch mean as one fused primitive, where the loss has one; else None.

        Training's hot path: one op (and one VJP) for the whole loss instead of a per-sample op and a mean.
        """
        return None

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class LossFunctionWrapper(Loss):
    """A loss from a function ``fn(y_true, y_pred, **kwargs) -> per-sample losses`` (or an already reduced
    scalar), as Keras's class of that name. Labels and predictions reach ``fn`` with matched ranks.

    Args:
        fn: the function; its ``__name__`` is the default name.
        reduction, name, dtype: as for ``Loss``.
        **kwargs: passed to ``fn`` on every call (and returned by ``get_config``).
    """

    def __init__(self, fn: Callable[..., Any], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: fn must be callable; received {fn!r}")
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction, dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand(y_true, y_pred)
        result = self.fn(y_true, y_pred, **self.fn_kwargs)
        return result if isinstance(result, Tensor) else as_tensor(result, like=y_pred)

    def get_config(self):
        return {**super().get_config(), **self.fn_kwargs}
