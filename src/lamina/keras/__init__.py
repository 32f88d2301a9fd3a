"""The tf.keras-shaped namespace: ``import lamina as tf; tf.keras.layers.Dense(...)``.

Re-exports only; the code lives in the lamina modules. Submodules written by other parts of the library
(callbacks, optimizers, utils) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import activations, backend, initializers, layers, losses, metrics, models, regularizers
from ..layers import Input
from ..models.sequential import Sequential

_LAZY_SUBMODULES = ("callbacks", "optimizers", "utils", "distribution")

__all__ = ["Sequential", "Input", "activations", "backend", "initializers", "layers", "losses", "metrics", "models",
           "regularizers", *_LAZY_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lamina.keras' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
