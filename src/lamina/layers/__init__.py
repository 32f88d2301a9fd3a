"""Layers: the Layer base class and every layer Lamina has, with Keras's names and contract.

Every module of this package is imported here and every layer class it defines is exported by name, so a new
layer is one new file (it registers itself: see ``registry.py``). Keras's lower-case functional forms of the
merge layers (``layers.add([a, b])``, ``layers.concatenate``, ...) come from their modules too.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from . import registry
from .base import Layer, clear_session
from .input_layer import Input, InputLayer

_INTERNAL_MODULES = {"base", "registry", "symbolic", "input_layer"}


def _import_layer_modules() -> dict[str, Any]:
    exported: dict[str, Any] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _INTERNAL_MODULES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f".{module_info.name}", __name__)
        names = getattr(module, "__all__", None)
        if names is None:  # no list: every public layer class the module defines
            names = [name for name, value in vars(module).items() if not name.startswith("_")
                     and isinstance(value, type) and issubclass(value, Layer) and value.__module__ == module.__name__]
        for name in names:
            exported[name] = getattr(module, name)
    return exported


_EXPORTED = _import_layer_modules()
globals().update(_EXPORTED)

__all__ = sorted({"Layer", "Input", "InputLayer", "clear_session", "get", "serialize", "deserialize", *_EXPORTED})


def get(class_name: str) -> type[Layer]:
    """The layer class called ``class_name`` ('Dense', 'BatchNormalization', ...)."""
    return registry.lookup(class_name)


def serialize(layer: Layer) -> dict[str, Any]:
    """``{'class_name': ..., 'config': ...}``, Keras's layout of a layer in a model config."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Layer:
    """A new layer from ``serialize``'s output."""
    return registry.lookup(config["class_name"], custom_objects).from_config(dict(config["config"]))
