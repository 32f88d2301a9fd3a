"""SpatialDropout2D: drop whole feature maps (channels) instead of single activations."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..functional import keep_mask
from ..tensor import Tensor
from ._spatial import require_rank, standardize_data_format
from .dropout import Dropout


class SpatialDropout2D(Dropout):
    """Dropout of entire channels (Tompson et al. 2014; Keras's ``SpatialDropout2D``): during training each
    (sample, channel) feature map is kept with probability 1 - rate and scaled by 1 / (1 - rate), else zeroed.
    Neighbouring pixels of a map are strongly correlated, so dropping single pixels would regularize little.
    The identity at inference. Seeded like Dropout (its own generator from ``seed``).
    """

    keras_options = {"rate": "same", "seed": "same", "data_format": "same"}
    keras_writes_trainable = False  # Keras's SpatialDropout2D takes no ``trainable`` argument

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self._ndim = 4

    def compute_output_shape(self, input_shape):
        require_rank(self, tuple(input_shape), 4, "images")
        return tuple(input_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0:
            return x
        n = x.shape[0]
        mask_shape = (n, 1, 1, x.shape[3]) if self.data_format == "channels_last" else (n, x.shape[1], 1, 1)
        keep = keep_mask(self._rng, mask_shape, self.rate)
        scale = np.asarray(1 / (1 - self.rate), dtype=x.dtype)
        return ops.multiply(x, (keep * scale).astype(x.dtype))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("noise_shape")
        return {**config, "data_format": self.data_format}
