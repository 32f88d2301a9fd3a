"""Rescaling: multiply by a scale and add an offset, e.g. pixels 0..255 -> 0..1 (a preprocessing layer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from .base import Layer, Shape


class Rescaling(Layer):
    """``output = inputs * scale + offset`` (Keras's ``Rescaling``), in training and inference alike.

    Args:
        scale: a number, or one per channel (broadcast against the last axis). offset: likewise (default 0).
    ``Rescaling(1 / 255)`` maps pixels to [0, 1]; ``Rescaling(1 / 127.5, offset=-1)`` to [-1, 1].
    """

    keras_options = {"scale": "same", "offset": "same"}

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            array = np.asarray(value)
            if array.dtype.kind not in "iuf" or array.ndim > 1:
                raise self._invalid(f"`{name}` must be a number or a list of numbers (one per channel); "
                                    f"received {name}={value!r}")
        self.scale, self.offset = scale, offset
        self._scale = np.asarray(scale, dtype=self.dtype)
        self._offset = np.asarray(offset, dtype=self.dtype)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return ops.add(ops.multiply(x, self._scale), self._offset)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """Mul by the scale, Add the offset (each a number or one per channel, broadcast on the last axis)."""
        out = graph.node("Mul", [inputs[0], graph.constant(f"{self.name}_scale", self._scale)], f"{self.name}_mul")
        return graph.node("Add", [out, graph.constant(f"{self.name}_offset", self._offset)], f"{self.name}_add")

    def get_config(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            return np.asarray(value).tolist()

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}
