"""Input: declares the shape of the samples a model receives (``layers.Input(shape=(20,))``)."""

from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .base import Layer, _shape_tuple


class InputLayer(Layer):
    """The entry point of a model: no weights, the identity; built from its shape at construction.

    Args:
        shape: shape of one sample, without the batch axis. batch_size: optional fixed batch size.
        batch_shape: alternatively, the full shape with the batch axis.
    """

    def __init__(self, shape: Sequence[int | None] | None = None, batch_size: int | None = None,
                 batch_shape: Sequence[int | None] | None = None, **kwargs: Any):
        kwargs.pop("batch_input_shape", None)
        super().__init__(**kwargs)
        if batch_shape is None:
            if shape is None:
                raise self._invalid("give `shape` (one sample's shape) or `batch_shape`")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        batch_shape = _shape_tuple(batch_shape)
        if any(d is not None and d <= 0 for d in batch_shape):
            raise self._invalid(f"every dimension must be positive; received shape {batch_shape}")
        self.batch_shape = batch_shape
        self._batch_input_shape = batch_shape
        self.build_for(batch_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("batch_input_shape", None)
        return {**config, "batch_shape": list(self.batch_shape)}


def Input(shape: Sequence[int | None] | None = None, batch_size: int | None = None, name: str | None = None,
          dtype: Any = None, batch_shape: Sequence[int | None] | None = None) -> InputLayer:
    """The input of a Sequential model, as in ``Sequential([layers.Input(shape=(20,)), layers.Dense(64)])``.

    (Keras returns a symbolic tensor; Lamina has no symbolic graph, so this returns the InputLayer itself,
    which Sequential accepts in the same place.)
    """
    return InputLayer(shape=shape, batch_size=batch_size, batch_shape=batch_shape, name=name, dtype=dtype)
