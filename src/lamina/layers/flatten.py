"""Flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...), e.g. 28x28 images into 784 inputs."""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from ..tensor import Tensor
from .base import Layer, Shape


__all__ = ["Flatten"]


class Flatten(Layer):
    """Flatten every axis but the batch axis. No weights; the gradient is reshaped back."""

    keras_options: dict = {}
    keras_extras = {"data_format": "channels_last"}

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return ops.reshape(x, (x.shape[0], -1))

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("Flatten", [inputs[0]], self.name, axis=1)
