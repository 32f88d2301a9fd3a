"""GaussianNoise: data augmentation by noise (section 5), x + N(0, stddev^2) during training."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..random import make_rng
from ..tensor import Tensor
from .base import Layer


__all__ = ["GaussianNoise"]


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` in training; the identity at inference.

    Each training step sees a slightly different copy of the data: new fake samples made from the real ones,
    which regularizes like having more data. d(out)/dx = 1.
    """

    keras_options = {"stddev": "same", "seed": "same"}
    keras_builds = False

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not stddev >= 0:
            raise self._invalid(f"`stddev` must be a number >= 0; received stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._rng = make_rng(seed)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training or self.stddev == 0:
            return x
        noise = self._rng.standard_normal(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        return ops.add(x, (noise * self.stddev).astype(x.dtype, copy=False))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return inputs[0]  # the identity at inference
