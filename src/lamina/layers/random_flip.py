"""RandomFlip: mirror images left-right and/or top-bottom during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._augmentation import BaseAugmentation

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseAugmentation):
    """Flip each image with probability 1/2 (Keras's ``RandomFlip``), only when ``training=True``.

    Args:
        mode: "horizontal" (left-right), "vertical" (top-bottom) or "horizontal_and_vertical" (default). As in
            Keras 3, the last flips an image both ways or not at all (one draw per image, i.e. a 180-degree
            rotation half of the time).
        seed: seed of the layer's generator. data_format: "channels_last" (default) or "channels_first".
    """

    keras_options = {**BaseAugmentation.keras_options, "mode": "same"}

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed, data_format, **kwargs)
        if mode not in MODES:
            raise self._invalid(f"RandomFlip layer {self.name} received an unknown mode argument {mode!r}; "
                                f"expected one of {MODES}")
        self.mode = mode

    def augment(self, images: np.ndarray) -> np.ndarray:
        flip = self._rng.uniform(size=len(images)) <= 0.5
        out = images.copy()
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out[flip] = out[flip][:, :, ::-1]
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out[flip] = out[flip][:, ::-1]
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}
