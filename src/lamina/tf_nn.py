"""``tf.nn`` under ``import lamina as tf``: activations, dropout, the fused cross-entropies, moments, l2 helpers.

TensorFlow's signatures (``features``, ``logits``, ``labels=``, ``alpha=``) over Lamina's primitives; all
differentiable in their float inputs. Convolution and pooling (``tf.nn.conv2d``, ``max_pool2d``, ...) are not
here: ``tf.nn.<name>`` for a TensorFlow name that Lamina lacks raises an AttributeError saying so.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import functional as _functional
from . import nn_api as _nn
from . import numpy_api as _np_api
from . import ops as _ops
from . import random_ops as _random_ops
from . import smooth_activations as _smooth
from .dtypes import as_float, to_tensor
from .tensor import Tensor

__all__ = ["relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", "elu", "selu", "silu", "swish",
           "softplus", "softsign", "leaky_relu", "log_sigmoid", "dropout", "sigmoid_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits", "l2_loss",
           "l2_normalize", "moments", "bias_add", "compute_average_loss", "scale_regularization_loss", "top_k",
           "in_top_k"]

relu = _nn.relu
relu6 = _nn.relu6
sigmoid = _nn.sigmoid
tanh = _nn.tanh
elu = _nn.elu
selu = _nn.selu
softplus = _nn.softplus
softsign = _nn.softsign
log_sigmoid = _nn.log_sigmoid


def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> Any:  # noqa: A002
    """``tf.math.top_k``: the k largest entries along the last axis and their indices."""
    from .tf_math import top_k as math_top_k
    return math_top_k(input, k=k, sorted=sorted)


def in_top_k(targets: Any, predictions: Any, k: int, name: str | None = None) -> Tensor:
    """``tf.math.in_top_k``: whether each target class is among its row's k largest predictions."""
    from .tf_math import in_top_k as math_in_top_k
    return math_in_top_k(targets, predictions, k)


def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """softmax over ``axis`` (the last by default)."""
    return _nn.softmax(logits, axis=-1 if axis is None else axis)


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """log softmax over ``axis`` (the last by default)."""
    return _nn.log_softmax(logits, axis=-1 if axis is None else axis)


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """GELU, exact by default (TensorFlow's default; ``keras.ops.gelu`` defaults to the approximation)."""
    return _smooth.gelu(features, approximate=approximate)


def silu(features: Any, beta: float = 1.0) -> Tensor:
    """x sigmoid(beta x)."""
    if beta == 1.0:
        return _smooth.silu(features)
    x = as_float(to_tensor(features))
    return _ops.multiply(x, _functional.sigmoid(_ops.multiply(x, beta)))


swish = silu


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """x for x > 0, alpha x otherwise."""
    return _nn.leaky_relu(features, negative_slope=alpha)


def dropout(x: Any, rate: float, noise_shape: Sequence[int] | None = None, seed: Any = None,
            name: str | None = None) -> Tensor:
    """Inverted dropout (kept elements scaled by 1 / (1 - rate))."""
    return _random_ops.dropout(x, rate, noise_shape=noise_shape, seed=seed)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Tensor:
    """Per-element binary cross-entropy from logits z: softplus(z) - z y."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both labels= and logits= are required")
    return _nn.binary_crossentropy(labels, logits, from_logits=True)


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """Per-sample cross-entropy of softmax(logits) against a distribution ``labels``."""
    return _nn.categorical_crossentropy(labels, logits, from_logits=True, axis=axis)


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: str | None = None) -> Tensor:
    """Per-sample cross-entropy of softmax(logits) against integer class labels."""
    return _nn.sparse_categorical_crossentropy(labels, logits, from_logits=True)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """sum(t^2) / 2."""
    x = as_float(to_tensor(t))
    return _ops.multiply(_ops.sum(_ops.power(x, 2)), 0.5)


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None) -> Tensor:
    """x / sqrt(max(sum(x^2), epsilon)) over ``axis`` (all axes by default)."""
    x = as_float(to_tensor(x))
    squares = _ops.sum(_ops.power(x, 2), axis=axis, keepdims=True)
    return _ops.divide(x, _ops.sqrt(_ops.maximum(squares, np.asarray(epsilon, dtype=x.dtype))))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
    """(mean, variance) over ``axes``."""
    return _nn.moments(x, axes, keepdims=keepdims)


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """value + bias, the bias along the last axis (channels-last)."""
    if data_format not in (None, "NHWC", "N...C", "NWC", "NDHWC"):
        raise ValueError(f"bias_add: only channels-last data formats are supported; received {data_format!r}")
    return _np_api.add(value, bias)


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: int | None = None) -> Tensor:
    """sum(per-example loss x weight) / global batch size (the batch's size by default): one process, so the
    global batch is the local one."""
    loss = as_float(to_tensor(per_example_loss))
    if sample_weight is not None:
        loss = _np_api.multiply(loss, sample_weight)
    batch = loss.shape[0] if global_batch_size is None and loss.ndim else (global_batch_size or 1)
    return _ops.divide(_ops.sum(loss), np.asarray(batch, dtype=loss.dtype))


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """The summed regularization loss, divided by the number of replicas (one here)."""
    return _ops.sum(as_float(to_tensor(regularization_loss)))


def __getattr__(name: str) -> Any:
    """Any other name here is one of TensorFlow's that Lamina does not implement: say so."""
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .tf_compat import not_implemented
    raise not_implemented("tf.nn", name)
