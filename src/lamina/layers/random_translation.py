"""RandomTranslation: shift images by a random fraction of their size during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image_ops import affine_transform, translation_matrices
from ._augmentation import BaseAugmentation, image_size


class RandomTranslation(BaseAugmentation):
    """Shift each image by its own random offset (Keras's ``RandomTranslation``), only when ``training=True``.

    Args:
        height_factor: a fraction of the height: f shifts vertically by U(-f, f) * height pixels (positive is
            down); a pair (a, b) by U(a, b) * height. Each number in [-1, 1].
        width_factor: the same for horizontal shifts (positive is right).
        fill_mode: how points outside the image are read: "reflect" (default), "wrap", "constant", "nearest".
        interpolation: "bilinear" (default) or "nearest". fill_value: the value of "constant" fill (default 0).
        seed, data_format: as every augmentation layer.
    """

    keras_options = {**BaseAugmentation.keras_options, "height_factor": "same", "width_factor": "same", "fill_mode": "same", "interpolation": "same",
                     "fill_value": "same"}

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = self._symmetric_factor(height_factor, "height_factor", -1.0, allow_lowest=True)
        self.width_range = self._symmetric_factor(width_factor, "width_factor", -1.0, allow_lowest=True)
        self._fill_arguments(fill_mode, interpolation, fill_value)

    def augment(self, images: np.ndarray) -> np.ndarray:
        height, width = image_size(images)
        n = len(images)
        dy = (self._rng.uniform(*self.height_range, size=n) * height).astype(np.float32)
        dx = (self._rng.uniform(*self.width_range, size=n) * width).astype(np.float32)
        return affine_transform(images, translation_matrices(dx, dy), self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation, "fill_value": self.fill_value}
