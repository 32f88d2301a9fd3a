"""RandomContrast: scale each image's deviation from its mean by a random factor during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._augmentation import BaseAugmentation


class RandomContrast(BaseAugmentation):
    """Adjust each image's contrast by its own random factor c (Keras's ``RandomContrast``), only when
    ``training=True``: per channel, with mu the channel's mean over the image::

        output = clip((x - mu) c + mu, value_range).

    Args:
        factor: a number f in [0, 1] draws c from U(1 - max(-f, 0), 1 + f) = U(1, 1 + f), as Keras 3.15 does
            (its lower bound is clipped to 0, so a single number only raises the contrast); a pair (a, b)
            draws c from U(1 - a, 1 + b).
        value_range: (low, high) of the pixel values, for the clip (default (0, 255)).
        seed: seed of the layer's generator.
    """

    keras_options = {**BaseAugmentation.keras_options, "factor": "same", "value_range": "same"}

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.factor = self._bounded_factor(factor, (0, 1))
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise self._invalid(f"`value_range` must be a pair (low, high); received value_range={value_range!r}")
        if not low < high:
            raise self._invalid(f"`value_range` must have low < high; received value_range={value_range!r}")
        self.value_range = (low, high)

    def augment(self, images: np.ndarray) -> np.ndarray:
        lower, upper = self.factor
        factors = self._rng.uniform(1.0 - lower, 1.0 + upper, size=(len(images), 1, 1, 1)).astype(images.dtype)
        return adjust_contrast(images, factors, self.value_range)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


def adjust_contrast(images: np.ndarray, factors: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """clip((x - mu) c + mu, value_range) with mu each image's per-channel mean (channels-last images)."""
    mean = images.mean(axis=(1, 2), keepdims=True, dtype=images.dtype)
    out = (images - mean) * factors + mean
    return np.clip(out, images.dtype.type(value_range[0]), images.dtype.type(value_range[1]), out=out)
