"""Layers that rearrange values without computing anything: Reshape, Permute, RepeatVector, Identity.

None has weights. Each gradient is the inverse rearrangement of the upstream gradient (reshape back, apply the
inverse permutation, sum over the repeats), which the primitives in ``ops`` already provide.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import ops
from ..tensor import Tensor
from .base import Layer, Shape

__all__ = ["Reshape", "Permute", "RepeatVector", "Identity"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (the batch axis is kept): ``Reshape((4, 4))`` turns (batch, 16)
    into (batch, 4, 4). One entry may be -1: that axis takes whatever size keeps the number of values.

    Args:
        target_shape: the new shape of one sample, without the batch axis.
    """

    keras_options = {"target_shape": "same"}
    keras_builds = False

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        if _is_int(target_shape):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (list, tuple)) or not all(_is_int(d) for d in target_shape):
            raise self._invalid(f"`target_shape` must be a tuple of integers; received target_shape={target_shape!r}")
        target_shape = tuple(int(d) for d in target_shape)
        if any(d < -1 for d in target_shape):
            raise self._invalid(f"Each dimension in `target_shape` must be a non-negative integer, or `-1` for a "
                                f"single unknown dimension. Received: target_shape={target_shape}.")
        if target_shape.count(-1) > 1:
            raise self._invalid(f"There must be at most one unknown dimension (-1) in `target_shape`. Received: "
                                f"target_shape={target_shape}.")
        self.target_shape = target_shape

    def _sample_shape(self, input_sample_shape: Shape) -> tuple[int | None, ...]:
        """``target_shape`` with its -1 resolved for samples of ``input_sample_shape`` (None if unknown)."""
        target = self.target_shape
        if None in input_sample_shape:
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(input_sample_shape)
        if -1 not in target:
            if size != math.prod(target):
                raise self._invalid(f"The total size of the tensor must be unchanged. Received: input_shape="
                                    f"{tuple(input_sample_shape)}, target_shape={target}")
            return target
        known = math.prod(d for d in target if d != -1)
        if known == 0 or size % known:
            raise self._invalid(f"The total size of the tensor must be unchanged, however, the input size cannot by "
                                f"divided by the specified dimensions in target_shape. Received: input_shape="
                                f"{tuple(input_sample_shape)}, target_shape={target}")
        return tuple(size // known if d == -1 else d for d in target)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0],) + self._sample_shape(tuple(input_shape[1:]))

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return ops.reshape(x, (x.shape[0],) + self._sample_shape(x.shape[1:]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        # ONNX Reshape: 0 copies the input's size (the batch axis), -1 is inferred.
        shape = np.array((0,) + self.target_shape, dtype=np.int64)
        return graph.node("Reshape", [inputs[0], graph.constant(f"{self.name}_shape", shape, dtype=np.int64)],
                          self.name)


class Permute(Layer):
    """Permute the non-batch axes: ``Permute((2, 1))`` swaps the two axes of (batch, steps, features).

    Args:
        dims: a permutation of 1..rank-1 (axis 0, the batch axis, never moves); output axis i+1 is input axis
            ``dims[i]``.
    """

    keras_options = {"dims": "same"}

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(dims, (list, tuple)) or not all(_is_int(d) for d in dims) \
                or sorted(int(d) for d in dims) != list(range(1, len(dims) + 1)):
            raise self._invalid(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                                f"`dims` must be consecutive and start from 1. Received dims={dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self._ndim = len(self.dims) + 1

    def build(self, input_shape: Shape) -> None:
        self._check_input_shape(tuple(input_shape))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        self._check_input_shape(tuple(input_shape))
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return ops.transpose(x, (0,) + self.dims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("Transpose", [inputs[0]], self.name, perm=[0, *self.dims])


class RepeatVector(Layer):
    """Repeat each sample ``n`` times along a new axis: (batch, features) -> (batch, n, features).

    The gradient of the input is the sum of the gradients of its n copies.
    """

    keras_options = {"n": "same"}

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        if not _is_int(n):
            raise TypeError(f'RepeatVector layer "{self.name}": Expected an integer value for `n`, got {type(n)}.')
        if n <= 0:
            raise self._invalid(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = int(n)
        self._ndim = 2

    def build(self, input_shape: Shape) -> None:
        self._check_input_shape(tuple(input_shape))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        self._check_input_shape(tuple(input_shape))
        return (input_shape[0], self.n, input_shape[1])

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        # Adding zeros of the output's shape broadcasts the copies; add's VJP sums their gradients back.
        expanded = ops.reshape(x, (x.shape[0], 1, x.shape[1]))
        return ops.add(expanded, np.zeros((1, self.n, 1), dtype=x.dtype))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        axes = graph.constant(f"{self.name}_axes", np.array([1]), dtype=np.int64)
        expanded = graph.node("Unsqueeze", [inputs[0], axes], f"{self.name}_unsqueeze")
        repeats = graph.constant(f"{self.name}_repeats", np.array([1, self.n, 1]), dtype=np.int64)
        return graph.node("Tile", [expanded, repeats], self.name)


class Identity(Layer):
    """Returns its input unchanged (a named placeholder in a graph)."""

    keras_options: dict[str, str] = {}
    keras_builds = False

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def call(self, x: Any, training: bool = False) -> Any:
        return x

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("Identity", [inputs[0]], self.name)
