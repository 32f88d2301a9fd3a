"""Input: the symbolic tensor a functional model starts from (``inputs = keras.Input(shape=(784,))``).

``Input`` makes an ``InputLayer`` and returns its output, a ``KerasTensor`` of shape ``(None, *shape)``; calling
layers on it builds the model's graph (see ``layers/symbolic.py``). A Sequential model also accepts it (or the
InputLayer) as its first element.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .base import Layer, _shape_tuple
from .symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The entry point of a model: no weights, the identity; built from its shape at construction.

    Args:
        shape: shape of one sample, without the batch axis. batch_size: optional fixed batch size.
        batch_shape: alternatively, the full shape with the batch axis.
        dtype: the dtype of the data it stands for ('float32'; 'int32' for token ids).
        sparse: Keras's sparse inputs; only False is supported.
    """

    keras_options = {"batch_shape": "same"}
    keras_extras = {"sparse": False, "ragged": False, "optional": False}
    keras_builds = False

    def __init__(self, shape: Sequence[int | None] | None = None, batch_size: int | None = None,
                 batch_shape: Sequence[int | None] | None = None, dtype: Any = None, sparse: bool = False,
                 input_tensor: Any = None, **kwargs: Any):
        kwargs.pop("batch_input_shape", None)
        for keras_only in ("ragged", "optional"):
            if kwargs.pop(keras_only, False):
                raise ValueError(f"InputLayer: {keras_only}=True inputs have no Lamina equivalent")
        if dtype is not None and str(dtype) not in ("float32", "float64", "float16"):
            self.input_dtype = str(dtype)
            dtype = None
        else:
            self.input_dtype = str(dtype or "float32")
        super().__init__(dtype=dtype, **kwargs)
        if sparse:
            raise self._invalid("sparse inputs have no Lamina equivalent; pass dense arrays")
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
        output = KerasTensor(batch_shape, dtype=self.input_dtype, name=self.name)
        Node(self, (), {}, output)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return x

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": list(self.batch_shape), "dtype": self.input_dtype, "name": self.name}


def Input(shape: Sequence[int | None] | None = None, batch_size: int | None = None, dtype: Any = None,
          sparse: bool = False, batch_shape: Sequence[int | None] | None = None, name: str | None = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic input of ``shape`` (one sample's shape; the batch axis is added, unknown).

    >>> inputs = Input(shape=(784,))
    >>> inputs.shape
    (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, batch_shape=batch_shape, name=name, dtype=dtype,
                       sparse=sparse, optional=optional)
    return layer.output
