"""RandomCrop: a random window of fixed size during training, the central one (resized) at inference."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image_ops import resize_axis_weights, resize_bilinear
from ..tensor import Tensor
from ._augmentation import BaseAugmentation, image_size
from ._spatial import positive_int, split_shape, join_shape
from .base import Shape


class RandomCrop(BaseAugmentation):
    """Crop images to (height, width) (Keras's ``RandomCrop``).

    Training, on images larger than the target in both axes: one random window for the whole batch (as Keras 3
    draws one offset per call), each offset uniform over the positions where the window fits.
    Inference, or images not larger than the target: the largest central window with the target's aspect ratio,
    resized (bilinear) to (height, width) -- what Keras documents. (Keras 3.15 itself returns the input
    unchanged at inference, which disagrees with its own ``compute_output_shape``; Lamina keeps the shape.)

    Args:
        height, width: the output size. seed, data_format: as every augmentation layer.
    """

    keras_options = {**BaseAugmentation.keras_options, "height": "same", "width": "same"}

    def __init__(self, height: int, width: int, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(seed, data_format, **kwargs)
        self.height = positive_int(self, height, "height")
        self.width = positive_int(self, width, "width")

    def augment(self, images: np.ndarray) -> np.ndarray:
        height, width = image_size(images)
        if height > self.height and width > self.width:
            top = int(self._rng.uniform(0, height - self.height + 1))
            left = int(self._rng.uniform(0, width - self.width + 1))
            return images[:, top:top + self.height, left:left + self.width].copy()
        return self._central_resized(images)

    def _central_window(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the largest central window with the target's aspect ratio."""
        crop_height = max(min(height, int(width * self.height / self.width)), 1)
        crop_width = max(min(width, int(height * self.width / self.height)), 1)
        return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width

    def _central_resized(self, images: np.ndarray) -> np.ndarray:
        top, left, crop_height, crop_width = self._central_window(*image_size(images))
        window = images[:, top:top + crop_height, left:left + crop_width]
        if window.shape[1:3] == (self.height, self.width):
            return window.copy()
        return resize_bilinear(np.ascontiguousarray(window), (self.height, self.width))

    def inference(self, x: Tensor) -> Tensor:
        images = x.data if x.ndim == 4 else x.data[None]
        if self.data_format == "channels_first":
            images = images.transpose(0, 2, 3, 1)
        out = self._central_resized(images)
        if self.data_format == "channels_first":
            out = out.transpose(0, 3, 1, 2)
        return Tensor(np.ascontiguousarray(out if x.ndim == 4 else out[0]), dtype=x.dtype)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """The inference computation: Slice the central window, then (when its size is not the target's) the
        bilinear resize as Lamina computes it, per axis two Gathers weighted (1 - w) and w, columns first."""
        from ..onnx.spatial import crop, int64
        _, (height, width), _ = split_shape(tuple(self.input_shape), self.data_format)
        if height is None or width is None:
            raise ValueError(f'export: layer "{self.name}" (RandomCrop) needs inputs of known height and width '
                             f"to export its central crop; it was built for {self.input_shape}")
        rows, columns = (1, 2) if self.data_format == "channels_last" else (2, 3)
        top, left, crop_height, crop_width = self._central_window(height, width)
        out = crop(graph, inputs[0], [top, left], [top + crop_height, left + crop_width], [rows, columns],
                   f"{self.name}_window")
        for axis, length, size in ((columns, crop_width, self.width), (rows, crop_height, self.height)):
            if length == size:
                continue
            lower, upper, weight = resize_axis_weights(length, size)
            shape = [1, 1, 1, 1]
            shape[axis] = size
            hint = f"{self.name}_resize_{axis}"
            parts = [graph.node("Mul", [graph.node("Gather", [out, int64(graph, f"{hint}_{side}", index)],
                                                   f"{hint}_{side}", axis=axis),
                                        graph.constant(f"{hint}_{side}_weight", factor.reshape(shape))],
                                f"{hint}_{side}_weighted")
                     for side, index, factor in (("lower", lower, 1 - weight), ("upper", upper, weight))]
            out = graph.node("Add", parts, hint)
        return out

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) == 3:  # one image
            _, _, channels = split_shape((None,) + tuple(input_shape), self.data_format)
            return join_shape(None, (self.height, self.width), channels, self.data_format)[1:]
        batch, _, channels = split_shape(tuple(input_shape), self.data_format)
        return join_shape(batch, (self.height, self.width), channels, self.data_format)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}
