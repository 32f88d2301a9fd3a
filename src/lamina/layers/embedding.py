"""Embedding: integer indices -> learned dense vectors (word embeddings)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..embedding_lookup import embedding_lookup
from ..tensor import Tensor
from ._spatial import refuse_unsupported
from .base import Layer, Shape


class Embedding(Layer):
    """A lookup table of ``input_dim`` vectors of size ``output_dim`` (Keras's ``Embedding``): index i becomes
    row i of the ``embeddings`` weight; (batch, ...) integers -> (batch, ..., output_dim).

    The gradient of a row is the sum of the output gradients at every position that looked it up.

    Args:
        input_dim: the vocabulary size (indices lie in [0, input_dim)). output_dim: the vector size.
        embeddings_initializer: default "uniform" (U(-0.05, 0.05), as Keras). embeddings_regularizer: as Keras.
        mask_zero: whether index 0 is padding. Then ``compute_mask(inputs)`` returns the boolean mask
            ``inputs != 0`` (Keras's), which ``GlobalAveragePooling1D(...)(x, mask=mask)`` honours. Lamina's
            models do not yet pass masks from layer to layer as Keras's do, so the mask must be passed by hand;
            building a model with such a layer says so in a warning rather than averaging padding silently.
        weights: optional initial value of the table ([array] or array).
    """

    keras_options = {"input_dim": "same", "output_dim": "same", "embeddings_initializer": "initializer",
                     "embeddings_regularizer": "regularizer", "mask_zero": "same"}
    keras_extras = {"embeddings_constraint": None, "activity_regularizer": None, "quantization_config": None}

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None, mask_zero: bool = False,
                 weights: Any = None, lora_rank: Any = None, input_length: Any = None, activity_regularizer: Any = None,
                 quantization_config: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise self._invalid(f"`{name}` must be a positive integer. Received: {name}={value!r} (of type "
                                     f"{type(value).__name__}).")
        refuse_unsupported(self, embeddings_constraint=embeddings_constraint, lora_rank=lora_rank,
                           activity_regularizer=activity_regularizer, quantization_config=quantization_config)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.mask_zero = bool(mask_zero)
        try:
            self.embeddings_initializer = _initializers.get(embeddings_initializer)
            self.embeddings_regularizer = _regularizers.get(embeddings_regularizer)
        except ValueError as error:
            raise self._invalid(str(error)) from None
        if weights is not None:
            self.build((None,))
            self.built = True
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def _to_tensor(self, inputs: Any) -> Tensor:
        """Indices stay integers (the base class would make them floats)."""
        if isinstance(inputs, Tensor):
            return inputs
        array = np.asarray(inputs)
        if array.dtype.kind not in "biuf":
            raise TypeError(f'Layer "{self.name}" expects integer indices; received an array of dtype {array.dtype}')
        return Tensor(array if array.dtype.kind in "iu" else array.astype(np.int64))

    def build(self, input_shape: Shape) -> None:
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                        regularizer=self.embeddings_regularizer)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape) + (self.output_dim,)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        try:
            return embedding_lookup(self.embeddings, x)
        except ValueError as error:
            raise self._invalid(str(error).replace("embedding_lookup: ", "")) from None

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        if self.mask_zero:
            warnings.warn(f'Embedding "{self.name}" has mask_zero=True, but Lamina\'s models do not pass masks from '
                          f"layer to layer as Keras's do: the layers after it see the padding steps. Pass the mask "
                          f"yourself where it matters, e.g. GlobalAveragePooling1D()(x, mask=ids != 0) in a "
                          f"functional model, or embedding.compute_mask(ids) in a subclassed one", stacklevel=3)
        return super()._symbolic_call(args, kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> np.ndarray | None:
        """``inputs != 0`` when ``mask_zero``, else None (Keras's)."""
        if not self.mask_zero:
            return None
        return np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs) != 0

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX Gather of the table's rows, the indices cast to int64 (the model's input may be int32 or float)."""
        indices = graph.node("Cast", [inputs[0]], f"{self.name}_indices", to=graph.onnx.TensorProto.INT64)
        return graph.node("Gather", [graph.constant(f"{self.name}_embeddings", self.embeddings.data), indices],
                          self.name, axis=0)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": _initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": _regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": None, "mask_zero": self.mask_zero, "activity_regularizer": None,
            "quantization_config": None,
        }
