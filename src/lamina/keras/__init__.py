"""The tf.keras-shaped namespace: ``import lamina as tf; tf.keras.layers.Dense(...)``.

Re-exports only; the code lives in the lamina modules. Submodules written by other parts of the library
(callbacks, optimizers, utils) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import activations, backend, initializers, layers, losses, metrics, models, regularizers
from ..layers import Input
from ..models.model import Model
from ..models.sequential import Sequential
from ..variables import Variable

_LAZY_SUBMODULES = ("callbacks", "datasets", "optimizers", "utils", "saving", "ops", "random", "config",
                    "distribution")
# Keras 3's base classes at the top of ``keras`` (``keras.Layer``, ``keras.Loss``, ...), from their namespaces.
_LAZY_ATTRIBUTES: dict[str, str] = {"Layer": ".layers", "Loss": ".losses", "Metric": ".metrics",
                                    "Optimizer": ".optimizers", "Initializer": ".initializers",
                                    "Regularizer": ".regularizers"}

__all__ = ["Model", "Sequential", "Input", "Variable", "activations", "backend", "initializers", "layers", "losses",
           "metrics", "models", "regularizers", *_LAZY_SUBMODULES, *_LAZY_ATTRIBUTES]


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _LAZY_ATTRIBUTES:
        value = getattr(importlib.import_module(_LAZY_ATTRIBUTES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.keras' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_ATTRIBUTES))
