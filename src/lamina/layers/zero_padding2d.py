"""ZeroPadding2D: rows and columns of zeros around an image batch."""

from __future__ import annotations

from typing import Any

from ..pooling import zero_pad
from ..tensor import Tensor
from ._spatial import (from_channels_last, int_tuple, join_shape, require_rank, split_shape, standardize_data_format,
                       to_channels_last)
from .base import Layer, Shape


def two_pairs(layer: Layer, value: Any, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's forms of a 2-D padding / cropping: n, (rows, cols) or ((top, bottom), (left, right))."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise layer._invalid(f"`{name}` cannot be negative. Received: {name}={value}.")
        return (value, value), (value, value)
    if not hasattr(value, "__len__") or len(value) != 2:
        raise layer._invalid(f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height_{name}, "
                             f"symmetric_width_{name}), or a tuple of 2 tuples of 2 ints ((top_{name}, "
                             f"bottom_{name}), (left_{name}, right_{name})). Received: {name}={value!r}.")
    height = int_tuple(layer, value[0], 2, f"1st entry of {name}", allow_zero=True)
    width = int_tuple(layer, value[1], 2, f"2nd entry of {name}", allow_zero=True)
    return height, width  # type: ignore[return-value]


class ZeroPadding2D(Layer):
    """Pad the height and width of (batch, rows, cols, channels) with zeros (Keras's ``ZeroPadding2D``).

    Args:
        padding: n (n on every side), (rows, cols) (symmetric) or ((top, bottom), (left, right)). Default (1, 1).
        data_format: "channels_last" (default) or "channels_first".
    """

    keras_options = {"padding": "same", "data_format": "same"}

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.padding = two_pairs(self, padding, "padding")
        self._ndim = 4

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        require_rank(self, tuple(input_shape), 4, "images")
        batch, spatial, channels = split_shape(tuple(input_shape), self.data_format)
        out = tuple(None if n is None else n + before + after for n, (before, after) in zip(spatial, self.padding))
        return join_shape(batch, out, channels, self.data_format)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return from_channels_last(zero_pad(to_channels_last(x, self.data_format), self.padding), self.data_format)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX Pad (constant zeros) of the two spatial axes, in the layer's data format."""
        from ..onnx.spatial import int64
        (top, bottom), (left, right) = self.padding
        begins, ends = [0, top, left, 0], [0, bottom, right, 0]
        if self.data_format == "channels_first":
            begins, ends = [0, 0, top, left], [0, 0, bottom, right]
        return graph.node("Pad", [inputs[0], int64(graph, f"{self.name}_pads", begins + ends)], self.name,
                          mode="constant")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
