"""Activation layers: Activation (any activation by name or callable), LeakyReLU, Softmax (section 3)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as _activations
from ..functional import leaky_relu, softmax
from ..tensor import Tensor
from .base import Layer


__all__ = ["Activation", "LeakyReLU", "Softmax"]


class Activation(Layer):
    """Applies an activation to its input: ``Activation('relu')``. No weights; the shape is unchanged.

    A sigmoid or softmax keeps its input as ``output._logits`` for a stable cross-entropy.
    """

    keras_options = {"activation": "activation"}
    keras_builds = False

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        try:
            self.activation = _activations.get(activation)
        except ValueError as error:
            raise self._invalid(str(error)) from None
        self._activation_name = _activations.serialize(self.activation)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return _activations.apply_with_logits(self._activation_name, self.activation, x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self._activation_name}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.activation(self._activation_name, inputs[0], self.name, f'layer "{self.name}" (Activation)')


class LeakyReLU(Layer):
    """f(x) = x for x > 0, negative_slope * x otherwise. The layer's default slope is 0.3 (Keras's; the string
    activation 'leaky_relu' uses 0.2). ``alpha`` is accepted as the older name of ``negative_slope``."""

    keras_options = {"negative_slope": "same"}
    keras_builds = False

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)) or not negative_slope >= 0:
            raise self._invalid(f"`negative_slope` must be a number >= 0; received negative_slope={negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return leaky_relu(x, alpha=self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("LeakyRelu", [inputs[0]], self.name, alpha=self.negative_slope)


class Softmax(Layer):
    """softmax(x / T) over ``axis``: e^(x_i/T) / sum_j e^(x_j/T).

    ``temperature`` T (a Lamina extension; Keras has none) flattens the distribution for T > 1 and sharpens it
    for T < 1. Over the last axis, the output keeps x / T as its logits for a stable cross-entropy.
    """

    keras_options = {"axis": "same"}
    keras_builds = False

    def __init__(self, axis: int = -1, temperature: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise self._invalid(f"`axis` must be an integer; received axis={axis!r}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
            raise self._invalid(f"`temperature` must be a positive number; received temperature={temperature!r}")
        self.axis = axis
        self.temperature = float(temperature)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        out = softmax(x, axis=self.axis, temperature=self.temperature)
        if self.axis in (-1, x.ndim - 1):
            logits = x if self.temperature == 1.0 else x / self.temperature
            _activations.attach_logits(out, logits, "softmax")
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "temperature": self.temperature}

    def keras_config_problem(self) -> str | None:
        return None if self.temperature == 1.0 else f"temperature={self.temperature} has no Keras equivalent"

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        value = inputs[0]
        if self.temperature != 1.0:
            value = graph.node("Mul", [value, graph.constant(f"{self.name}_inverse_temperature",
                                                              np.array(1.0 / self.temperature))], f"{self.name}_scale")
        return graph.node("Softmax", [value], self.name, axis=self.axis)
