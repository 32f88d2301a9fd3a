"""The parts shared by the pooling layers: Keras's arguments, output shapes, the move to channels-last."""

from __future__ import annotations

from typing import Any

from ..conv_geometry import output_length
from ..pooling import avg_pool, max_pool
from ..tensor import Tensor
from ._spatial import (from_channels_last, int_tuple, join_shape, require_rank, split_shape, standardize_data_format,
                       standardize_padding, to_channels_last)
from .base import Layer, Shape


class BasePooling(Layer):
    """Max or average pooling over ``rank``-D windows (Keras's ``BasePooling``).

    Args:
        pool_size: the window, an int or one per spatial axis.
        strides: the step between windows (default: the pool size, so windows do not overlap).
        padding: "valid" (windows inside the input; the rest is dropped) or "same" (output size ceil(n / stride);
            max pooling ignores the padding, average pooling averages only real inputs).
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = 2
    mode = "max"
    keras_options = {"pool_size": "same", "padding": "same", "strides": "same", "data_format": "same"}
    keras_builds = False  # Keras's pooling layers have no build step, so no build_config

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.pool_size = int_tuple(self, pool_size, self.rank, "pool_size")
        self.strides = int_tuple(self, self.pool_size if strides is None else strides, self.rank, "strides")
        self.padding = standardize_padding(self, padding)
        self.data_format = standardize_data_format(self, data_format)
        self._ndim = self.rank + 2

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        require_rank(self, tuple(input_shape), self.rank + 2, f"{self.rank}-D pooling")
        batch, spatial, channels = split_shape(tuple(input_shape), self.data_format)
        out = tuple(output_length(n, k, s, self.padding) for n, k, s in zip(spatial, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise self._invalid(f"Computed output size would be zero or negative. Received: `inputs.shape="
                                f"{tuple(input_shape)}`, `pool_size={self.pool_size}`, `strides={self.strides}`, "
                                f"`padding={self.padding}`: the pool is larger than the input")
        return join_shape(batch, out, channels, self.data_format)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self.compute_output_shape(x.shape)
        pool = max_pool if self.mode == "max" else avg_pool
        y = pool(to_channels_last(x, self.data_format), self.pool_size, self.strides, self.padding)
        return from_channels_last(y, self.data_format)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX MaxPool (padding ignored) or AveragePool with count_include_pad=0 (the mean of the real inputs
        only, as TensorFlow's "same"), on channels-first data between a Transpose pair."""
        from ..onnx.spatial import channels_first, channels_last, window_attributes
        x = channels_first(graph, inputs[0], self.rank, self.data_format, self.name)
        attributes = window_attributes(self, self.pool_size)
        if self.mode == "max":
            y = graph.node("MaxPool", [x], self.name, **attributes)
        else:
            y = graph.node("AveragePool", [x], self.name, count_include_pad=0, **attributes)
        return channels_last(graph, y, self.rank, self.data_format, self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}
