"""The parts shared by the random image augmentation layers (notes, section 5: data augmentation).

An augmentation layer changes its input only when called with ``training=True`` (``fit`` passes it; ``predict``
and ``evaluate`` do not), drawing its random parameters from its own generator, ``make_rng(seed)``, as Dropout
does: the same seed gives the same sequence of transformations. Inputs are images (batch, height, width,
channels), or one image without the batch axis; channels-first with ``data_format="channels_first"``.

The transformations follow Keras 3's: the same parameter ranges, matrices, fill modes and interpolation (see
``lamina.image_ops``); only the random numbers differ (another generator). Keras applies these layers also when
called directly on data (its ``training`` defaults to True there); Lamina's layers default to inference
(``training=False``), like every other Lamina layer, so a direct call must say ``training=True``.

No gradient flows through a random transformation: they belong at the input of a model, where the data needs
none. A layer asked to transform a tensor that requires a gradient says so instead of silently cutting it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image_ops import FILL_MODES, INTERPOLATIONS
from ..random import make_rng
from ..tensor import Tensor
from ._spatial import standardize_data_format
from .base import Layer, Shape


class BaseAugmentation(Layer):
    """A random image transformation applied only in training; subclasses implement ``augment``."""

    keras_options = {"seed": "same", "data_format": "same"}

    def __init__(self, seed: int | None = None, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise self._invalid(f"`seed` must be None or a non-negative integer; received seed={seed!r}")
        self.seed = seed
        self._rng = make_rng(seed)
        self.data_format = standardize_data_format(self, data_format)

    # ----- argument checks in Keras's words ---------------------------------------------------------------------
    def _bounded_factor(self, factor: Any, bounds: tuple[float, float], name: str = "factor") -> tuple[float, float]:
        """Keras's ``_set_factor`` of RandomRotation / RandomContrast: a number f means (max(-f, low), f); a pair
        (a, b) means (min, max) and must overlap the bounds."""
        message = (f"The `{name}` argument should be a number (or a list of two numbers) in the range "
                   f"[{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor):
                raise self._invalid(message)
            if factor[0] > bounds[1] or factor[1] < bounds[0]:
                raise self._invalid(message)
            lower, upper = sorted(float(f) for f in factor)
            return lower, upper
        if not _is_number(factor) or not bounds[0] <= factor <= bounds[1]:
            raise self._invalid(message)
        factor = abs(float(factor))
        return max(-factor, bounds[0]), factor

    def _symmetric_factor(self, factor: Any, name: str, lowest: float, allow_lowest: bool) -> tuple[float, float]:
        """Keras's ``_set_factor`` of RandomTranslation / RandomZoom: a number f means (-f, f); a pair is sorted;
        every number must lie in [lowest, 1] (or (lowest, 1])."""
        interval = f"[{lowest}, 1.0]" if allow_lowest else f"({lowest}, 1.0]"
        message = f"The `{name}` argument should be a number (or a list of two numbers) in the range {interval}. "

        def check(value: Any) -> float:
            if not _is_number(value) or value > 1.0 or value < lowest or (value == lowest and not allow_lowest):
                raise self._invalid(message + f"Received: {name}={factor!r}")
            return float(value)

        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise self._invalid(message + f"Received: {name}={factor!r}")
            lower, upper = sorted(check(f) for f in factor)
            return lower, upper
        value = abs(check(factor))
        return -value, value

    def _fill_arguments(self, fill_mode: str, interpolation: str, fill_value: Any) -> None:
        if fill_mode not in FILL_MODES:
            raise self._invalid(f"Unknown `fill_mode` {fill_mode!r}. Expected one of {FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise self._invalid(f"Unknown `interpolation` {interpolation!r}. Expected one of {INTERPOLATIONS}.")
        if not _is_number(fill_value):
            raise self._invalid(f"`fill_value` must be a number; received fill_value={fill_value!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    # ----- calling ----------------------------------------------------------------------------------------------
    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if not training:
            return self.inference(x)
        if x.ndim not in (3, 4):
            raise self._invalid(f"expected images of rank 4 (batch, height, width, channels) or one image of rank "
                                f"3; received shape {x.shape}")
        if x.requires_grad:
            raise self._invalid("no gradient flows through a random augmentation; use the layer on the model's "
                                "input data (before any layer with weights)")
        images = x.data if x.ndim == 4 else x.data[None]
        if self.data_format == "channels_first":
            images = images.transpose(0, 2, 3, 1)
        out = self.augment(np.ascontiguousarray(images, dtype=x.dtype))
        if self.data_format == "channels_first":
            out = out.transpose(0, 3, 1, 2)
        return Tensor(np.ascontiguousarray(out if x.ndim == 4 else out[0]), dtype=x.dtype)

    def augment(self, images: np.ndarray) -> np.ndarray:
        """The random transformation of channels-last images (N, H, W, C); a new array."""
        raise NotImplementedError

    def inference(self, x: Tensor) -> Tensor:
        """What the layer does outside training: by default nothing."""
        return x

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return inputs[0]  # the identity at inference

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "data_format": self.data_format}


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def image_size(images: np.ndarray) -> tuple[int, int]:
    """(height, width) of channels-last images (N, H, W, C)."""
    return images.shape[1], images.shape[2]
