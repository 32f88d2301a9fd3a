"""Cropping2D: cut rows and columns off the borders of an image batch."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._spatial import join_shape, require_rank, split_shape, standardize_data_format
from .base import Layer, Shape
from .zero_padding2d import two_pairs


class Cropping2D(Layer):
    """Remove rows and columns at the borders (Keras's ``Cropping2D``); the gradient of the removed ones is 0.

    Args:
        cropping: n, (rows, cols) (symmetric) or ((top, bottom), (left, right)). Default: nothing.
        data_format: "channels_last" (default) or "channels_first".
    """

    keras_options = {"cropping": "same", "data_format": "same"}

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.cropping = two_pairs(self, cropping, "cropping")
        self._ndim = 4

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        require_rank(self, tuple(input_shape), 4, "images")
        batch, spatial, channels = split_shape(tuple(input_shape), self.data_format)
        if any(n is not None and sum(crop) >= n for n, crop in zip(spatial, self.cropping)):
            raise self._invalid(f"Values in `cropping` argument should be smaller than the corresponding spatial "
                                f"dimension of the input. Received: input_shape={tuple(input_shape)}, "
                                f"cropping={self.cropping}")
        out = tuple(None if n is None else n - before - after for n, (before, after) in zip(spatial, self.cropping))
        return join_shape(batch, out, channels, self.data_format)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self.compute_output_shape(x.shape)
        (top, bottom), (left, right) = self.cropping
        rows = slice(top, x.shape[-3 if self.data_format == "channels_last" else -2] - bottom)
        columns = slice(left, x.shape[-2 if self.data_format == "channels_last" else -1] - right)
        index = (slice(None), rows, columns) if self.data_format == "channels_last" else \
            (slice(None), slice(None), rows, columns)
        return ops.getitem(x, index)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX Slice of the two spatial axes (an end of 0 removed is the axis's end)."""
        from ..onnx.spatial import crop
        (top, bottom), (left, right) = self.cropping
        axes = [1, 2] if self.data_format == "channels_last" else [2, 3]
        unbounded = np.iinfo(np.int64).max
        return crop(graph, inputs[0], [top, left], [-bottom or unbounded, -right or unbounded], axes, self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
