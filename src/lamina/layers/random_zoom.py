"""RandomZoom: zoom images in or out by a random factor during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image_ops import affine_transform, zoom_matrices
from ._augmentation import BaseAugmentation, image_size


class RandomZoom(BaseAugmentation):
    """Zoom each image about its centre by its own random factor (Keras's ``RandomZoom``), only when
    ``training=True``.

    Args:
        height_factor: f draws the vertical factor from U(1 - f, 1 + f); a pair (a, b) from U(1 + a, 1 + b).
            Each number in (-1, 1]. A factor above 1 shows a larger area (zooms out), below 1 zooms in.
        width_factor: the same horizontally; None (default) keeps the aspect ratio (the vertical factor).
        fill_mode, interpolation, fill_value: as RandomTranslation ("reflect", "bilinear", 0 by default).
        seed, data_format: as every augmentation layer.
    """

    keras_options = {**BaseAugmentation.keras_options, "height_factor": "same", "width_factor": "same", "fill_mode": "same", "interpolation": "same",
                     "fill_value": "same"}

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = self._symmetric_factor(height_factor, "height_factor", -1.0, allow_lowest=False)
        self.width_range = None if width_factor is None else \
            self._symmetric_factor(width_factor, "width_factor", -1.0, allow_lowest=False)
        self._fill_arguments(fill_mode, interpolation, fill_value)

    def augment(self, images: np.ndarray) -> np.ndarray:
        height, width = image_size(images)
        n = len(images)
        height_zoom = self._rng.uniform(1 + self.height_range[0], 1 + self.height_range[1], size=n)
        width_zoom = height_zoom if self.width_range is None else \
            self._rng.uniform(1 + self.width_range[0], 1 + self.width_range[1], size=n)
        matrices = zoom_matrices(width_zoom.astype(np.float32), height_zoom.astype(np.float32), height, width)
        return affine_transform(images, matrices, self.interpolation, self.fill_mode, self.fill_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation, "fill_value": self.fill_value}
