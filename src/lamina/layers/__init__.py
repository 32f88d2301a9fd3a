"""Layers: the Layer base class and the building blocks of sections 2-6, with Keras's names and contract."""

from __future__ import annotations

from typing import Any

from .activation import Activation, LeakyReLU, Softmax
from .base import Layer, clear_session
from .batch_normalization import BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input_layer import Input, InputLayer
from .noise import GaussianNoise

__all__ = ["Layer", "InputLayer", "Input", "Dense", "Activation", "LeakyReLU", "Softmax", "Dropout",
           "BatchNormalization", "GaussianNoise", "Flatten", "get", "serialize", "deserialize"]

_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (InputLayer, Dense, Activation, LeakyReLU, Softmax, Dropout, BatchNormalization,
                                  GaussianNoise, Flatten)
}


def get(class_name: str) -> type[Layer]:
    """The layer class called ``class_name`` ('Dense', 'BatchNormalization', ...)."""
    cls = _CLASSES.get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer class {class_name!r}. Known layers: {', '.join(sorted(_CLASSES))}")
    return cls


def serialize(layer: Layer) -> dict[str, Any]:
    """``{'class_name': ..., 'config': ...}``, Keras's layout of a layer in a model config."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict[str, Any]) -> Layer:
    """A new layer from ``serialize``'s output."""
    return get(config["class_name"]).from_config(dict(config["config"]))
