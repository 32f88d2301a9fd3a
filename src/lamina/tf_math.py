"""``tf.math`` under ``import lamina as tf``, and the ``reduce_*`` family that ``tf`` also exposes at its top.

TensorFlow's signatures over ``lamina.numpy_api`` / ``nn_api``: ``input_tensor`` and ``axis=None`` reduce
everything, ``argmax`` defaults to axis 0 and returns int64, ``cumsum`` defaults to axis 0. Differentiable
wherever the result is a float.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import array_api as _array
from . import nn_api as _nn
from . import numpy_api as _np_api
from . import ops as _ops
from .array_primitives import cumsum as _cumsum
from .dtypes import standardize_dtype, to_tensor
from .tensor import Tensor

__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_std", "reduce_variance",
    "reduce_logsumexp", "reduce_any", "reduce_all", "argmax", "argmin", "add", "add_n", "subtract", "multiply",
    "divide", "truediv", "floordiv", "floormod", "pow", "negative", "abs", "sign", "square", "sqrt", "rsqrt",
    "exp", "log", "log1p", "expm1", "sigmoid", "tanh", "softplus", "erf", "sin", "cos", "reciprocal", "round",
    "floor", "ceil", "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "is_nan", "is_finite", "is_inf",
    "cumsum", "count_nonzero", "top_k", "in_top_k", "confusion_matrix", "l2_normalize",
]


def _reduction(function: Any, doc: str) -> Any:
    def reduce(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
        return function(input_tensor, axis=axis, keepdims=keepdims)
    reduce.__doc__ = doc
    return reduce


reduce_sum = _reduction(_np_api.sum, "Sum over ``axis`` (all axes by default).")
reduce_mean = _reduction(_np_api.mean, "Mean over ``axis`` (all axes by default).")
reduce_max = _reduction(_np_api.max, "Largest element over ``axis``.")
reduce_min = _reduction(_np_api.min, "Smallest element over ``axis``.")
reduce_prod = _reduction(_np_api.prod, "Product over ``axis``.")
reduce_std = _reduction(_np_api.std, "Standard deviation (biased) over ``axis``.")
reduce_variance = _reduction(_np_api.var, "Variance (biased) over ``axis``.")
reduce_logsumexp = _reduction(_nn.logsumexp, "log sum exp over ``axis``, stable.")
reduce_any = _reduction(_np_api.any, "Logical or over ``axis``.")
reduce_all = _reduction(_np_api.all, "Logical and over ``axis``.")


def _arg(function: Any, input: Any, axis: int | None, output_type: Any) -> Tensor:  # noqa: A002 - TF's name
    index = function(input, axis=0 if axis is None else axis)
    target = standardize_dtype(output_type)
    return Tensor(index.data.astype(target), dtype=target)


def argmax(input: Any, axis: int | None = None, output_type: Any = "int64",  # noqa: A002 - TF's name
           name: str | None = None) -> Tensor:
    """Index of the largest element along ``axis`` (axis 0 by default, TensorFlow's rule), as int64."""
    return _arg(_np_api.argmax, input, axis, output_type)


def argmin(input: Any, axis: int | None = None, output_type: Any = "int64",  # noqa: A002 - TF's name
           name: str | None = None) -> Tensor:
    """Index of the smallest element along ``axis`` (axis 0 by default), as int64."""
    return _arg(_np_api.argmin, input, axis, output_type)


def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """The elementwise sum of a list of tensors of one shape."""
    items = list(inputs)
    if not items:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    total = to_tensor(items[0])
    for item in items[1:]:
        total = _np_api.add(total, item)
    return total


add = _np_api.add
subtract = _np_api.subtract
multiply = _np_api.multiply
divide = _np_api.divide
truediv = _np_api.divide
floordiv = _np_api.floor_divide
floormod = _np_api.mod
pow = _np_api.power  # noqa: A001 - TensorFlow's name
negative = _np_api.negative
abs = _np_api.abs  # noqa: A001 - TensorFlow's name
sign = _np_api.sign
square = _np_api.square
sqrt = _np_api.sqrt
exp = _np_api.exp
log = _np_api.log
log1p = _np_api.log1p
expm1 = _np_api.expm1
sigmoid = _nn.sigmoid
tanh = _nn.tanh
softplus = _nn.softplus
sin = _np_api.sin
cos = _np_api.cos
reciprocal = _np_api.reciprocal
round = _np_api.round  # noqa: A001 - TensorFlow's name
floor = _np_api.floor
ceil = _np_api.ceil
maximum = _np_api.maximum
minimum = _np_api.minimum
equal = _np_api.equal
not_equal = _np_api.not_equal
greater = _np_api.greater
greater_equal = _np_api.greater_equal
less = _np_api.less
less_equal = _np_api.less_equal
logical_and = _np_api.logical_and
logical_or = _np_api.logical_or
logical_not = _np_api.logical_not
logical_xor = _np_api.logical_xor
is_nan = _np_api.isnan
is_finite = _np_api.isfinite
is_inf = _np_api.isinf
count_nonzero = _np_api.count_nonzero


def erf(x: Any, name: str | None = None) -> Tensor:
    """The error function."""
    return _np_api.erf(x)


def rsqrt(x: Any, name: str | None = None) -> Tensor:
    """1 / sqrt(x)."""
    return _np_api.reciprocal(_np_api.sqrt(x))


def cumsum(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Running sum along ``axis`` (axis 0 by default); ``reverse`` sums from the end, ``exclusive`` leaves each
    element out of its own sum."""
    x = to_tensor(x)
    if reverse:
        x = _array.flip(x, axis)
    out = _cumsum(x, axis=axis)
    if exclusive:
        out = _ops.subtract(out, x)
    return _array.flip(out, axis) if reverse else out


class TopKV2(NamedTuple):
    """``tf.math.top_k``'s result."""
    values: Tensor
    indices: Tensor


def top_k(input: Any, k: int = 1, sorted: bool = True, index_type: Any = "int32",  # noqa: A002 - TF's names
          name: str | None = None) -> TopKV2:
    """The ``k`` largest entries along the last axis and their indices."""
    values, indices = _array.top_k(input, k, sorted=sorted)
    target = standardize_dtype(index_type)
    return TopKV2(values, Tensor(indices.data.astype(target), dtype=target))


def in_top_k(targets: Any, predictions: Any, k: int, name: str | None = None) -> Tensor:
    """Whether each target class is among the ``k`` largest predictions of its row (a bool Tensor). A target
    tied with the k-th value counts as in, as in TensorFlow."""
    scores = to_tensor(predictions).data
    labels = np.asarray(to_tensor(targets).data, dtype=np.int64)
    target_scores = scores[np.arange(len(labels)), labels]
    better = (scores > target_scores[:, None]).sum(axis=1)
    return Tensor(better < k, dtype=bool)


def confusion_matrix(labels: Any, predictions: Any, num_classes: int | None = None, weights: Any = None,
                     dtype: Any = "int32", name: str | None = None) -> Tensor:
    """counts[i, j] = how many samples of true class i were predicted as j (weighted when ``weights``)."""
    truth = np.asarray(to_tensor(labels).data, dtype=np.int64).ravel()
    guess = np.asarray(to_tensor(predictions).data, dtype=np.int64).ravel()
    size = int(num_classes) if num_classes is not None else \
        int(np.max([truth.max(initial=-1), guess.max(initial=-1)]) + 1)
    counts = np.zeros((size, size), dtype=standardize_dtype(dtype))
    np.add.at(counts, (truth, guess), 1 if weights is None else np.asarray(to_tensor(weights).data).ravel())
    return Tensor(counts, dtype=counts.dtype)


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None) -> Tensor:
    """x / sqrt(max(sum(x^2), epsilon)) over ``axis``."""
    from .tf_nn import l2_normalize as normalize
    return normalize(x, axis=axis, epsilon=epsilon)


def __getattr__(name: str) -> Any:
    """Any other name here is one of TensorFlow's that Lamina does not implement: say so."""
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .tf_compat import not_implemented
    raise not_implemented("tf.math", name)
