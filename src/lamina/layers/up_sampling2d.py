"""UpSampling2D: enlarge an image batch by repeating rows and columns."""

from __future__ import annotations

from typing import Any

from ..pooling import upsample_nearest
from ..tensor import Tensor
from ._spatial import (from_channels_last, int_tuple, join_shape, require_rank, split_shape, standardize_data_format,
                       to_channels_last)
from .base import Layer, Shape


class UpSampling2D(Layer):
    """Repeat each row ``size[0]`` times and each column ``size[1]`` times (Keras's ``UpSampling2D``).

    Args:
        size: the factors (rows, cols), or one int for both. Default (2, 2).
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (Keras's default). Keras's other choices ("bilinear", "bicubic", "lanczos3",
            "lanczos5") are not implemented and are refused.
    """

    keras_options = {"size": "same", "data_format": "same", "interpolation": "same"}

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.size = int_tuple(self, size, 2, "size")
        self.interpolation = str(interpolation).lower()
        if self.interpolation != "nearest":
            raise self._invalid(f"only interpolation='nearest' is implemented in Lamina; received "
                                f"interpolation={interpolation!r}")
        self._ndim = 4

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        require_rank(self, tuple(input_shape), 4, "images")
        batch, spatial, channels = split_shape(tuple(input_shape), self.data_format)
        out = tuple(None if n is None else n * factor for n, factor in zip(spatial, self.size))
        return join_shape(batch, out, channels, self.data_format)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        y = upsample_nearest(to_channels_last(x, self.data_format), self.size)
        return from_channels_last(y, self.data_format)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX Resize, nearest, by the integer factors: output pixel i reads input pixel floor(i / factor)."""
        from ..onnx.spatial import resize
        rows, columns = self.size
        scales = [1, rows, columns, 1] if self.data_format == "channels_last" else [1, 1, rows, columns]
        return resize(graph, inputs[0], self.name, scales=scales, mode="nearest",
                      coordinate_transformation_mode="asymmetric", nearest_mode="floor")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
