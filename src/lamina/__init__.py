"""Lamina: a small, fast deep-learning library on NumPy, with its own autodiff and a Keras-compatible API.

The core (tensors, operations, activations, gradient checking) is imported eagerly; the larger subpackages
(layers, optimizers, models, datasets, the ``keras`` namespace, ...) load on first use to keep
``import lamina`` fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from .tensor import Tensor, tensor, no_grad, is_grad_enabled
from .ops import (
    add, subtract, multiply, divide, negative, power, matmul, sum, mean, max, min, reshape, transpose,
    getitem, concatenate, stack, exp, log, sqrt, abs, clip, maximum, minimum, where, unbroadcast,
)
from .functional import (
    sigmoid, tanh, relu, leaky_relu, softmax, log_softmax, linear, step, softmax_cross_entropy,
    sigmoid_binary_cross_entropy, squared_error, dense, batch_norm, batch_norm_inference, dropout,
)
from .gradcheck import gradcheck, GradcheckError

from .version import __version__

# Subpackages loaded on first attribute access (PEP 562).
_LAZY_SUBMODULES = (
    "activations", "callbacks", "datasets", "initializers", "keras", "layers", "losses", "metrics", "models",
    "optimizers", "regularizers", "utils", "plot", "onnx", "distribution", "data", "image",
)
_LAZY_ATTRIBUTES = {"Sequential": "models", "Model": "models", "Input": "layers", "Variable": "variables",
                    "GradientTape": "gradient_tape"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _LAZY_ATTRIBUTES:
        value = getattr(importlib.import_module(f".{_LAZY_ATTRIBUTES[name]}", __name__), name)
        globals()[name] = value
        return value
    # `import lamina as tf`: TensorFlow's names (tf.constant, tf.nn, tf.reduce_sum, ...), or an error saying
    # that a TensorFlow name is not implemented. While tf_compat itself is loading, its imports probe this
    # package for submodules not loaded yet; those must get a plain AttributeError (then Python imports them).
    lookup = None if name.startswith("_") else getattr(importlib.import_module(".tf_compat", __name__), "lookup", None)
    if lookup is None:
        raise AttributeError(f"module 'lamina' has no attribute {name!r}")
    return lookup(name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_ATTRIBUTES))
