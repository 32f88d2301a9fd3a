"""Dropout (section 5): during training, keep each unit with probability p = 1 - rate."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import ops
from ..functional import dropout, keep_mask
from ..random import make_rng
from ..tensor import Tensor
from .base import Layer


__all__ = ["Dropout"]


class Dropout(Layer):
    """Randomly drop units during training; the identity at inference.

    Training: each unit is kept with probability p = 1 - rate and the kept ones are scaled by 1/p ("inverted
    dropout", as Keras does). The notes instead leave training unscaled and multiply the outgoing weights by p
    at inference. Both give each unit the same expected contribution downstream: with a mask m_i ~ Bernoulli(p)::

        E[m_i x_i / p] = x_i             (inverted dropout, nothing to do at inference)
        E[m_i x_i] = p x_i               (the notes' training, matched by weights * p at inference)

    so the network seen at inference is the same; inverted dropout just moves the factor into training.

    Args:
        rate: fraction of units to drop, in [0, 1).
        noise_shape: shape of the keep mask, broadcast against the input (None entries take the input's size),
            e.g. ``(None, 1)`` drops whole samples' features together.
        seed: seed of the layer's own generator (masks are reproducible from it).
    """

    keras_options = {"rate": "same", "noise_shape": "same", "seed": "same"}
    keras_builds = False

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None, seed: int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise self._invalid(f"`rate` must be a number in [0, 1); received rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = make_rng(seed)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0:
            return x
        if self.noise_shape is None:
            return dropout(x, self.rate, self._rng)
        if len(self.noise_shape) != x.ndim:
            raise self._invalid(f"noise_shape {self.noise_shape} must have one entry per input axis; "
                                f"received input of shape {x.shape}")
        mask_shape = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        keep = keep_mask(self._rng, mask_shape, self.rate)
        # The broadcast multiply sends each mask entry's gradient to every unit it covers.
        return ops.multiply(x, (keep * np.asarray(1 / (1 - self.rate), dtype=x.dtype)).astype(x.dtype))

    def get_config(self) -> dict[str, Any]:
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise_shape, "seed": self.seed}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return inputs[0]  # the identity at inference
