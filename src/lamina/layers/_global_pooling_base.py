"""The parts shared by the global pooling layers: one value per channel, over every spatial position."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._spatial import require_rank, spatial_axes, split_shape, standardize_data_format
from .base import Layer, Shape


class BaseGlobalPooling(Layer):
    """Global max or average pooling (Keras's ``BaseGlobalPooling``): (batch, *spatial, channels) ->
    (batch, channels), or (batch, 1, ..., 1, channels) with ``keepdims=True``.

    Max shares the gradient equally between tied maxima (as ``lamina.max`` and TensorFlow's ``reduce_max``);
    average gives each position 1 / (number of positions).
    """

    rank = 2
    mode = "max"
    keras_options = {"data_format": "same", "keepdims": "same"}
    keras_builds = False  # as Keras's: no build step, so no build_config

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.keepdims = bool(keepdims)
        self._ndim = self.rank + 2

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        require_rank(self, tuple(input_shape), self.rank + 2, f"{self.rank}-D global pooling")
        batch, _, channels = split_shape(tuple(input_shape), self.data_format)
        if not self.keepdims:
            return (batch, channels)
        ones = (1,) * self.rank
        return (batch,) + ones + (channels,) if self.data_format == "channels_last" else (batch, channels) + ones

    def call(self, x: Tensor, training: bool = False, mask: Any = None) -> Tensor:
        axes = spatial_axes(self.data_format, x.ndim)
        if mask is not None:
            return self._masked_mean(x, mask, axes)
        reduce = ops.max if self.mode == "max" else ops.mean
        return reduce(x, axis=axes, keepdims=self.keepdims)

    def _masked_mean(self, x: Tensor, mask: Any, axes: tuple[int, ...]) -> Tensor:
        """The mean over the unmasked steps only (Keras's GlobalAveragePooling1D with a mask)."""
        if self.mode != "average" or self.rank != 1:
            raise self._invalid("a mask is only supported by GlobalAveragePooling1D")
        keep = np.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
        if keep.shape != (x.shape[0], x.shape[axes[0]]):
            raise self._invalid(f"the mask must have shape (batch, steps) = {(x.shape[0], x.shape[axes[0]])}; "
                                f"received {keep.shape}")
        weights = keep.astype(x.dtype)[:, :, None] if self.data_format == "channels_last" \
            else keep.astype(x.dtype)[:, None, :]
        counts = np.maximum(weights.sum(axis=axes[0], keepdims=self.keepdims), 1)
        return ops.sum(ops.multiply(x, weights), axis=axes, keepdims=self.keepdims) / counts

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ReduceMean / ReduceMax over the spatial axes, in the layer's data format (no Transpose)."""
        from ..onnx.spatial import reduce
        op_type = "ReduceMax" if self.mode == "max" else "ReduceMean"
        return reduce(graph, op_type, inputs[0], spatial_axes(self.data_format, self.rank + 2), self.keepdims,
                      self.name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
