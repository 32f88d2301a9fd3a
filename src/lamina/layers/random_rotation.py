"""RandomRotation: rotate images by a random angle during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image_ops import affine_transform, rotation_matrices
from ._augmentation import BaseAugmentation, image_size


class RandomRotation(BaseAugmentation):
    """Rotate each image about its centre by its own random angle (Keras's ``RandomRotation``), only when
    ``training=True``.

    Args:
        factor: a fraction of a full turn: f rotates by U(-f, f) * 360 degrees; a pair (a, b) by U(a, b) * 360.
            In [-1, 1].
        fill_mode, interpolation, fill_value: as RandomTranslation ("reflect", "bilinear", 0 by default).
        value_range: accepted for Keras compatibility (Keras neither uses nor saves it).
        seed, data_format: as every augmentation layer.
    """

    keras_options = {**BaseAugmentation.keras_options, "factor": "same", "fill_mode": "same", "interpolation": "same",
                     "fill_value": "same"}

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, value_range: Any = (0, 255),
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed, data_format, **kwargs)
        self.factor = self._bounded_factor(factor, (-1, 1))
        self.value_range = tuple(value_range)
        self._fill_arguments(fill_mode, interpolation, fill_value)

    def augment(self, images: np.ndarray) -> np.ndarray:
        height, width = image_size(images)
        lower, upper = self.factor
        degrees = self._rng.uniform(lower * 360.0, upper * 360.0, size=len(images)).astype(np.float32)
        return affine_transform(images, rotation_matrices(degrees, height, width), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}
