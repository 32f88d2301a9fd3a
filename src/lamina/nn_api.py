"""``keras.ops``'s neural-network functions: activations with Keras's ops signatures, softmax, logsumexp, norms,
moments, one-hot encodings and the three cross-entropies.

The activations are Lamina's primitives (``lamina.functional`` and ``lamina.smooth_activations``); what this
module adds is Keras's ops-level signatures and defaults, which differ from ``keras.activations`` in places:
``ops.gelu`` defaults to ``approximate=True`` (``keras.activations.gelu`` to False), ``ops.leaky_relu`` takes
``negative_slope``. Cross-entropies follow Keras's TensorFlow backend: probabilities are clipped to
[epsilon, 1 - epsilon]; an output made by a sigmoid or softmax that kept its logits is scored from the logits.
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from . import settings
from . import functional as _functional
from . import ops as _ops
from . import smooth_activations as _smooth
from .activations import logits_of
from .array_primitives import logsumexp as _logsumexp
from .array_primitives import take_along_axis as _take_along_axis
from .dtypes import as_float, floatx_dtype, standardize_dtype, to_tensor
from .numpy_api import var as _var
from .tensor import Tensor

__all__ = [
    "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "gelu", "silu", "swish",
    "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "log_sigmoid",
    "logsumexp", "norm", "moments", "normalize", "one_hot", "multi_hot", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy",
]


def _float(x: Any) -> Tensor:
    return as_float(to_tensor(x))


# ----- activations -------------------------------------------------------------------------------------------
def relu(x: Any) -> Tensor:
    """max(x, 0)."""
    return _functional.relu(_float(x))


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x)."""
    return _functional.sigmoid(_float(x))


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent."""
    return _functional.tanh(_float(x))


def softmax(x: Any, axis: int | Sequence[int] = -1) -> Tensor:
    """e^(x_i) / sum_j e^(x_j) over ``axis`` (over several axes at once when a tuple)."""
    x = _float(x)
    if isinstance(axis, (int, np.integer)):
        return _functional.softmax(x, axis=int(axis))
    return _ops.exp(_ops.subtract(x, _logsumexp(x, axis=tuple(axis), keepdims=True)))


def log_softmax(x: Any, axis: int | Sequence[int] = -1) -> Tensor:
    """x_i - log sum_j e^(x_j) over ``axis``, computed stably."""
    x = _float(x)
    if isinstance(axis, (int, np.integer)):
        return _functional.log_softmax(x, axis=int(axis))
    return _ops.subtract(x, _logsumexp(x, axis=tuple(axis), keepdims=True))


# The same functions as keras.activations (lamina.smooth_activations), except gelu's default.
relu6 = _smooth.relu6
elu = _smooth.elu
selu = _smooth.selu
silu = swish = _smooth.silu
softplus = _smooth.softplus
softsign = _smooth.softsign
hard_sigmoid = _smooth.hard_sigmoid
hard_silu = hard_swish = _smooth.hard_silu
hard_tanh = _smooth.hard_tanh
log_sigmoid = _smooth.log_sigmoid


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """x Phi(x); ``approximate=True`` (this function's default, as ``keras.ops.gelu``) uses the tanh form."""
    return _smooth.gelu(x, approximate=approximate)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _functional.leaky_relu(_float(x), alpha=negative_slope)


# ----- reductions --------------------------------------------------------------------------------------------
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log sum e^x over ``axis``, without overflow; its gradient is softmax(x)."""
    return _logsumexp(_float(x), axis=axis, keepdims=keepdims)


def _vector_norm(x: Tensor, order: Any, axis: Any, keepdims: bool) -> Tensor:
    if order is None or order == 2:
        return _ops.sqrt(_ops.sum(_ops.power(x, 2), axis=axis, keepdims=keepdims))
    if order == np.inf:
        return _ops.max(_ops.abs(x), axis=axis, keepdims=keepdims)
    if order == -np.inf:
        return _ops.min(_ops.abs(x), axis=axis, keepdims=keepdims)
    if order == 0:
        counts = np.sum(x.data != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
        return Tensor(counts, dtype=x.dtype)
    if order == 1:
        return _ops.sum(_ops.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(order, str):
        raise ValueError(f"norm: ord={order!r} is a matrix norm; a vector norm (one axis) takes a number")
    p = float(order)
    return _ops.power(_ops.sum(_ops.power(_ops.abs(x), p), axis=axis, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x: Tensor, order: Any, axes: tuple[int, int], keepdims: bool) -> Tensor:
    rows, cols = axes
    if order is None or order == "fro":
        return _ops.sqrt(_ops.sum(_ops.power(x, 2), axis=axes, keepdims=keepdims))
    if order in (1, -1, np.inf, -np.inf):
        # ord=+-1: the largest / smallest column sum of |x|; ord=+-inf: the same over rows.
        summed_axis, picked_axis = (rows, cols) if order in (1, -1) else (cols, rows)
        sums = _ops.sum(_ops.abs(x), axis=summed_axis, keepdims=True)
        pick = _ops.max if order in (1, np.inf) else _ops.min
        out = pick(sums, axis=picked_axis, keepdims=True)
        return out if keepdims else _ops.reshape(out, [n for i, n in enumerate(x.shape) if i not in axes])
    raise ValueError(f"norm: matrix norm ord={order!r} is not supported by Lamina (it supports None, 'fro', 1, "
                     f"-1, inf and -inf; 'nuc', 2 and -2 need a singular value decomposition)")


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002 - Keras's
    """A vector or matrix norm (NumPy's ``linalg.norm`` rules). Default: the 2-norm of all elements
    (Frobenius for a matrix), sqrt(sum x^2). ``axis`` one int: vector norms (``ord`` None/2, 1, inf, -inf, 0 or
    any p: (sum |x|^p)^(1/p)); two ints, or a 2-D x with ``ord``: matrix norms ('fro', 1, -1, inf, -inf)."""
    x = _float(x)
    if axis is None and ord is None:
        out = _ops.sqrt(_ops.sum(_ops.power(x, 2)))
        return _ops.reshape(out, (1,) * x.ndim) if keepdims else out
    if axis is None:
        axis = tuple(range(x.ndim))  # with an `ord`: a vector norm of a 1-D x, a matrix norm of a 2-D one
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(int(a) % builtins.max(x.ndim, 1) for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: axis must be one or two axes; received axis={axis} for a tensor of shape {x.shape}")


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """(mean, variance) over ``axes``; the variance is the biased one (divide by N), as Keras computes it."""
    x = _float(x)
    return _ops.mean(x, axis=axes, keepdims=keepdims), _var(x, axis=axes, keepdims=keepdims)


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    """x divided by its ``order``-norm along ``axis``; the norm is floored at ``epsilon`` (Keras's epsilon by
    default) so that a zero vector stays zero instead of becoming NaN."""
    x = _float(x)
    if x.ndim == 0:
        x = _ops.reshape(x, (1,))
    floor = settings.epsilon() if epsilon is None else float(epsilon)
    size = _vector_norm(x, order, axis, keepdims=True)
    return _ops.divide(x, _ops.maximum(size, np.asarray(floor, dtype=x.dtype)))


# ----- encodings ---------------------------------------------------------------------------------------------
def _class_indices(x: Any, what: str) -> np.ndarray:
    array = np.asarray(x.data if isinstance(x, Tensor) else x)
    if array.dtype.kind == "f":
        if not np.all(np.mod(array, 1) == 0):
            raise ValueError(f"{what}: class indices must be integers; received non-integer values")
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biu":
        raise TypeError(f"{what}: class indices must be integers; received dtype {array.dtype}")
    return array.astype(np.int64)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False) -> Tensor:
    """A new axis of size ``num_classes`` holding 1 at each index of x and 0 elsewhere (floatx unless
    ``dtype``). An index outside [0, num_classes) gives a row of zeros, as TensorFlow's one_hot does."""
    if sparse:
        raise ValueError("one_hot: Lamina has no sparse tensors (sparse=True)")
    indices = _class_indices(x, "one_hot")
    depth = int(num_classes)
    target = floatx_dtype() if dtype is None else standardize_dtype(dtype)
    encoded = (indices[..., None] == np.arange(depth)).astype(target)
    if axis != -1 and axis != indices.ndim:
        encoded = np.moveaxis(encoded, -1, axis)
    return Tensor(encoded, dtype=target)


def multi_hot(inputs: Any, num_classes: int | None = None, axis: int = -1, dtype: Any = None,
              sparse: bool = False, **kwargs: Any) -> Tensor:
    """1 at every class index that appears in a sample, 0 elsewhere: (batch, k) indices -> (batch, num_classes);
    a 1-D input is one sample."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword argument(s) {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    indices = _class_indices(inputs, "multi_hot")
    if indices.ndim == 0:
        indices = indices.reshape(1)
    encoded = one_hot(indices, num_classes, axis=axis, dtype=dtype, sparse=sparse).data
    return Tensor(encoded.max(axis=1 if indices.ndim > 1 else 0), dtype=encoded.dtype)


# ----- cross-entropies ---------------------------------------------------------------------------------------
def _same_shape(target: Tensor, output: Tensor, what: str) -> None:
    if target.shape != output.shape:
        raise ValueError(f"{what}: `target` and `output` must have the same shape; received "
                         f"target.shape={target.shape}, output.shape={output.shape}")


def _clipped(output: Tensor) -> Tensor:
    eps = settings.epsilon()
    return _ops.clip(output, eps, 1.0 - eps)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """-[y log p + (1 - y) log(1 - p)] per element, with p clipped to [epsilon, 1 - epsilon].
    From logits z: softplus(z) - z y, the same loss without the clip (and stable)."""
    output_tensor = _float(output)
    target = _float(target)
    _same_shape(target, output_tensor, "binary_crossentropy")
    logits = output_tensor if from_logits else logits_of(output_tensor, "sigmoid")
    if logits is not None:
        return _ops.subtract(_smooth.softplus(logits), _ops.multiply(logits, target))
    p = _clipped(output_tensor)
    log_p, log_q = _ops.log(p), _ops.log(_ops.subtract(1.0, p))
    return _ops.negative(_ops.add(_ops.multiply(target, log_p), _ops.multiply(_ops.subtract(1.0, target), log_q)))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """-sum_i y_i log p_i over ``axis``; p is first rescaled to sum to 1, then clipped to [epsilon, 1 - epsilon].
    From logits z: -sum_i y_i log_softmax(z)_i."""
    output_tensor = _float(output)
    target = _float(target)
    if target.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least rank 1")
    _same_shape(target, output_tensor, "categorical_crossentropy")
    logits = output_tensor if from_logits else logits_of(output_tensor, "softmax")
    if logits is not None:
        log_p = _functional.log_softmax(logits, axis=axis)
    else:
        rescaled = _ops.divide(output_tensor, _ops.sum(output_tensor, axis=axis, keepdims=True))
        log_p = _ops.log(_clipped(rescaled))
    return _ops.negative(_ops.sum(_ops.multiply(target, log_p), axis=axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """-log p_y for integer class labels y; probabilities are clipped to [epsilon, 1 - epsilon] and
    renormalized (Keras's TensorFlow backend takes their log as logits). Labels of shape (..., 1) are squeezed."""
    output_tensor = _float(output)
    if axis not in (-1, output_tensor.ndim - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported; received axis={axis}")
    labels = _class_indices(target, "sparse_categorical_crossentropy")
    if labels.ndim == output_tensor.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    if labels.shape != output_tensor.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: `target` must have the shape of `output` without its "
                         f"last axis; received target.shape={labels.shape}, output.shape={output_tensor.shape}")
    classes = output_tensor.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {classes - 1}]; received values "
                         f"from {labels.min()} to {labels.max()}")
    logits = output_tensor if from_logits else logits_of(output_tensor, "softmax")
    if logits is None:
        logits = _ops.log(_clipped(output_tensor))
    log_p = _functional.log_softmax(logits, axis=-1)
    picked = _take_along_axis(log_p, labels[..., None], axis=-1)
    return _ops.negative(_ops.reshape(picked, labels.shape))
