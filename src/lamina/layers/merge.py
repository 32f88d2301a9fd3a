"""Merge layers: combine a list of tensors into one (Keras's ``keras.layers.Add``, ``Concatenate``, ``Dot``, ...).

Elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) follow Keras's broadcasting rule: the
batch axes must agree, the other axes are compared from the right and a size of 1 stretches; an input of lower
rank gains axes of size 1 right after the batch axis ((None, 4) meets (None, 3, 4) as (None, 1, 4)). So
``add([x, bias_row])`` works as in Keras, and shapes that cannot meet raise Keras's error ("Inputs have
incompatible shapes. Received shapes (3,) and (4,)"), naming the layer.

Each layer has a lower-case function form, as in Keras: ``add([a, b])`` is ``Add()([a, b])``. No merge layer has
weights; gradients come from the primitives in ``ops`` (``x + y`` sends the upstream gradient to both inputs,
``maximum`` to the larger, a concatenation slices it back, a dot product multiplies it by the other input).
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Callable, Sequence

import numpy as np

from .. import ops
from ..tensor import Tensor
from .base import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]

Shape = tuple["int | None", ...]


def _is_shape_list(input_shape: Any) -> bool:
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and all(
        isinstance(s, (list, tuple)) for s in input_shape)


def _keras_shape(shape: Sequence[Any]) -> str:
    """A shape printed as Keras prints it: ``(None, 3)``, ``(3,)``."""
    return str(tuple(shape))


class Merge(Layer):
    """The base of the elementwise merge layers: takes a list of tensors, returns one (Keras's ``Merge``)."""

    keras_options: dict[str, str] = {}
    # Keras needs at least this many inputs (Subtract and Dot: exactly two).
    _exact_inputs: int | None = None

    # ----- shapes --------------------------------------------------------------------------------------------
    def _check_list(self, input_shape: Any, what: str = "input_shape") -> None:
        if not _is_shape_list(input_shape):
            raise self._invalid(f"A merge layer should be called on a list of inputs. Received: {what}="
                                f"{_keras_shape(input_shape) if isinstance(input_shape, tuple) else input_shape} "
                                f"(not a list of shapes)")
        if self._exact_inputs is not None and len(input_shape) != self._exact_inputs:
            raise self._invalid(f"A `{type(self).__name__}` layer should be called on exactly {self._exact_inputs} "
                                f"inputs. Received: {what}={[tuple(s) for s in input_shape]}")
        batch_sizes = {s[0] for s in input_shape if len(s)} - {None}
        if len(batch_sizes) > 1:
            raise self._invalid(f"Cannot merge tensors with different batch sizes. Received tensors with shapes "
                                f"{[tuple(s) for s in input_shape]}")

    def _elementwise_shape(self, shape1: Shape, shape2: Shape) -> Shape:
        """The shape of an elementwise operation on samples of these shapes (batch axis excluded), Keras's rule."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        result = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                result.append(None)
            elif i == 1 or j == 1:
                result.append(j if i == 1 else i)
            elif i != j:
                raise self._invalid(f"Inputs have incompatible shapes. Received shapes {_keras_shape(shape1)} and "
                                    f"{_keras_shape(shape2)}")
            else:
                result.append(i)
        return tuple(result)

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        self._check_list(input_shape)
        shape = tuple(input_shape[0][1:])
        for other in input_shape[1:]:
            shape = self._elementwise_shape(shape, tuple(other[1:]))
        batch_sizes = {s[0] for s in input_shape} - {None}
        return (batch_sizes.pop() if len(batch_sizes) == 1 else None,) + shape

    # ----- forward -------------------------------------------------------------------------------------------
    def call(self, inputs: Any, training: bool = False) -> Tensor:
        if not isinstance(inputs, (list, tuple)):
            raise self._invalid(f"A merge layer should be called on a list of inputs. Received: inputs of shape "
                                f"{getattr(inputs, 'shape', None)} (not a list of tensors)")
        tensors = [x if isinstance(x, Tensor) else self._to_tensor(x) for x in inputs]
        self.compute_output_shape([x.shape for x in tensors])  # Keras's error for shapes that cannot meet
        rank = max(x.ndim for x in tensors)
        tensors = [x if x.ndim == rank else ops.reshape(x, x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:])
                   for x in tensors]
        return self._merge(tensors)

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        raise NotImplementedError

    # ----- ONNX ----------------------------------------------------------------------------------------------
    _onnx_op: str = ""  # a variadic ONNX operator with NumPy broadcasting (Sum, Max, Min, Mean)

    def _onnx_inputs(self, graph: Any, inputs: list[str]) -> list[str]:
        """The inputs with the axes Keras inserts after the batch axis for lower ranks (Unsqueeze)."""
        ranks = [len(shape) for shape in self.input_shape]
        rank = max(ranks)
        result = []
        for i, (name, own_rank) in enumerate(zip(inputs, ranks)):
            if own_rank < rank:
                axes = graph.constant(f"{self.name}_axes", np.arange(1, 1 + rank - own_rank), dtype=np.int64)
                name = graph.node("Unsqueeze", [name, axes], f"{self.name}_unsqueeze_{i}")
            result.append(name)
        return result

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        values = self._onnx_inputs(graph, inputs)
        return graph.node(self._onnx_op, values, self.name)


def _chain(function: Callable[[Any, Any], Tensor], tensors: list[Tensor]) -> Tensor:
    return reduce(function, tensors)


class Add(Merge):
    """The elementwise sum of the inputs: ``Add()([x1, x2])`` (a residual connection: ``add([x, shortcut])``)."""

    _onnx_op = "Sum"

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        return _chain(ops.add, tensors)


class Subtract(Merge):
    """``inputs[0] - inputs[1]``, for exactly two inputs."""

    _exact_inputs = 2

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        return ops.subtract(tensors[0], tensors[1])

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("Sub", self._onnx_inputs(graph, inputs), self.name)


class Multiply(Merge):
    """The elementwise product of the inputs (a gate: ``multiply([x, sigmoid_gate])``)."""

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        return _chain(ops.multiply, tensors)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        values = self._onnx_inputs(graph, inputs)
        out = values[0]
        for i, value in enumerate(values[1:]):
            out = graph.node("Mul", [out, value], f"{self.name}_{i}")
        return out


class Average(Merge):
    """The elementwise mean of the inputs, (x_1 + ... + x_n) / n."""

    _onnx_op = "Mean"

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        total = _chain(ops.add, tensors)
        return ops.divide(total, np.asarray(len(tensors), dtype=total.dtype))


class Maximum(Merge):
    """The elementwise maximum of the inputs; the gradient goes to the largest (shared on ties)."""

    _onnx_op = "Max"

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        return _chain(ops.maximum, tensors)


class Minimum(Merge):
    """The elementwise minimum of the inputs; the gradient goes to the smallest (shared on ties)."""

    _onnx_op = "Min"

    def _merge(self, tensors: list[Tensor]) -> Tensor:
        return _chain(ops.minimum, tensors)


class Concatenate(Merge):
    """Join the inputs along ``axis`` (default the last); every other axis must agree (None matches any size).

    Args:
        axis: the axis to join along (negative counts from the end; Keras's default -1).
    """

    keras_options = {"axis": "same"}

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise self._invalid(f"`axis` must be an integer; received axis={axis!r}")
        self.axis = int(axis)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        if not _is_shape_list(input_shape):
            raise self._invalid(f"A `Concatenate` layer should be called on a list of inputs. Received: "
                                f"input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        mismatch = self._invalid(f"A `Concatenate` layer requires inputs with matching shapes except for the "
                                 f"concatenation axis. Received: input_shape={shapes}")
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise mismatch
        axis = self.axis % rank
        for position in range(rank):
            if position != axis and len({s[position] for s in shapes} - {None}) > 1:
                raise mismatch
        output = list(shapes[0])
        for position in range(rank):
            if position != axis:
                known = [s[position] for s in shapes if s[position] is not None]
                output[position] = known[0] if known else None
        sizes = [s[axis] for s in shapes]
        output[axis] = None if None in sizes else sum(sizes)
        return tuple(output)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        if not isinstance(inputs, (list, tuple)):
            raise self._invalid(f"A `Concatenate` layer should be called on a list of inputs. Received: inputs of "
                                f"shape {getattr(inputs, 'shape', None)}")
        tensors = [x if isinstance(x, Tensor) else self._to_tensor(x) for x in inputs]
        self.compute_output_shape([x.shape for x in tensors])
        return ops.concatenate(tensors, axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        return graph.node("Concat", list(inputs), self.name, axis=self.axis)


class Dot(Merge):
    """The dot product of the samples of two inputs along one axis of each (batch axis excluded).

    For inputs x of shape (batch, ..., n, ...) and y of shape (batch, ..., n, ...) and ``axes=(a, b)`` with
    x.shape[a] = y.shape[b] = n:  out[s, i..., j...] = sum_k x[s, i..., k, ...] y[s, j..., k, ...]; the output
    has x's remaining axes then y's remaining axes ((batch, 1) when none remain). With ``normalize=True`` each
    sample is first divided by its L2 norm along the summed axis, x / max(||x||, 1e-7), so the output is the
    cosine similarity.

    Args:
        axes: one axis for both inputs, or a pair (axis of x, axis of y); negative counts from the end.
        normalize: L2-normalize both inputs along the summed axis first.
    """

    keras_options = {"axes": "same", "normalize": "same"}
    _exact_inputs = 2
    _EPSILON = 1e-7  # Keras's backend epsilon: the smallest norm a sample is divided by

    def __init__(self, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise self._invalid(f"Invalid format for argument `axes`: it should contain two elements. "
                                    f"Received: axes={tuple(axes)}")
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
                raise self._invalid(f"Invalid format for argument `axes`: list elements should be integers. "
                                    f"Received: axes={tuple(axes)}")
            axes = (int(axes[0]), int(axes[1]))
        elif isinstance(axes, bool) or not isinstance(axes, (int, np.integer)):
            raise TypeError(f'Dot layer "{self.name}": Invalid type for argument `axes`: it should be a list or an '
                            f"int. Received: axes={axes!r}")
        else:
            axes = int(axes)
        self.axes: int | tuple[int, int] = axes
        self.normalize = bool(normalize)

    def _resolved_axes(self, shape1: Sequence[Any], shape2: Sequence[Any]) -> tuple[int, int]:
        if isinstance(self.axes, int):
            axes = (self.axes % len(shape1), self.axes % len(shape2)) if self.axes < 0 else (self.axes, self.axes)
        else:
            axes = (self.axes[0] % len(shape1), self.axes[1] % len(shape2))
        for axis, shape in zip(axes, (shape1, shape2)):
            if len(shape) < 2 or not 0 < axis < len(shape):
                raise self._invalid(f"axes={self.axes} must name a non-batch axis of each input; received shapes "
                                    f"{_keras_shape(shape1)} and {_keras_shape(shape2)}")
        return axes

    def compute_output_shape(self, input_shape: Any) -> Shape:
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise self._invalid(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape="
                                f"{[tuple(s) for s in input_shape] if _is_shape_list(input_shape) else input_shape}")
        shape1, shape2 = (tuple(s) for s in input_shape)
        axis1, axis2 = self._resolved_axes(shape1, shape2)
        if shape1[axis1] is not None and shape2[axis2] is not None and shape1[axis1] != shape2[axis2]:
            raise self._invalid(f"Incompatible input shapes: axis values {shape1[axis1]} (at axis {axis1}) != "
                                f"{shape2[axis2]} (at axis {axis2}). Full input shapes: {_keras_shape(shape1)}, "
                                f"{_keras_shape(shape2)}")
        if shape1[0] is not None and shape2[0] is not None and shape1[0] != shape2[0]:
            raise self._invalid(f"Cannot merge tensors with different batch sizes. Received tensors with shapes "
                                f"{[shape1, shape2]}")
        output = [d for i, d in enumerate(shape1) if i != axis1] + [d for i, d in enumerate(shape2)
                                                                     if i not in (0, axis2)]
        return tuple(output + [1] if len(output) == 1 else output)

    def _l2_normalized(self, x: Tensor, axis: int) -> Tensor:
        norm = ops.sqrt(ops.sum(ops.multiply(x, x), axis=axis, keepdims=True))
        return ops.divide(x, ops.maximum(norm, np.asarray(self._EPSILON, dtype=x.dtype)))

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise self._invalid("A `Dot` layer should be called on exactly 2 inputs.")
        x, y = (t if isinstance(t, Tensor) else self._to_tensor(t) for t in inputs)
        output_shape = self.compute_output_shape([x.shape, y.shape])
        axis1, axis2 = self._resolved_axes(x.shape, y.shape)
        if self.normalize:
            x, y = self._l2_normalized(x, axis1), self._l2_normalized(y, axis2)
        # (batch, rest of x, n) @ (batch, n, rest of y) as one batched matrix product
        x_order = [0] + [i for i in range(1, x.ndim) if i != axis1] + [axis1]
        y_order = [0, axis2] + [i for i in range(1, y.ndim) if i != axis2]
        batch, n = x.shape[0], x.shape[axis1]
        left = ops.reshape(ops.transpose(x, x_order), (batch, -1, n))
        right = ops.reshape(ops.transpose(y, y_order), (batch, n, -1))
        return ops.reshape(ops.matmul(left, right), (batch,) + tuple(output_shape[1:]))

    def get_config(self) -> dict[str, Any]:
        axes = list(self.axes) if isinstance(self.axes, tuple) else self.axes
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """Einsum over the two inputs (after ReduceSum-based L2 normalization when asked)."""
        shape1, shape2 = self.input_shape
        axis1, axis2 = self._resolved_axes(shape1, shape2)
        values = list(inputs)
        if self.normalize:
            for i, axis in enumerate((axis1, axis2)):
                square = graph.node("Mul", [values[i], values[i]], f"{self.name}_square_{i}")
                axes = graph.constant(f"{self.name}_axes", np.array([axis]), dtype=np.int64)
                total = graph.node("ReduceSum", [square, axes], f"{self.name}_sum_{i}", keepdims=1)
                norm = graph.node("Max", [graph.node("Sqrt", [total], f"{self.name}_norm_{i}"),
                                          graph.constant(f"{self.name}_epsilon", np.array(self._EPSILON))],
                                  f"{self.name}_clipped_norm_{i}")
                values[i] = graph.node("Div", [values[i], norm], f"{self.name}_normalized_{i}")
        letters = iter("bcdefghijklmnopqrstuvwxy")
        x_sub = ["a"] + [next(letters) for _ in shape1[1:]]
        y_sub = ["a"] + [next(letters) for _ in shape2[1:]]
        x_sub[axis1] = y_sub[axis2] = "z"
        out_sub = ["a"] + [c for c in x_sub[1:] if c != "z"] + [c for c in y_sub[1:] if c != "z"]
        equation = f"{''.join(x_sub)},{''.join(y_sub)}->{''.join(out_sub)}"
        out = graph.node("Einsum", values, self.name, equation=equation)
        if len(out_sub) == 1:
            out = graph.node("Unsqueeze", [out, graph.constant(f"{self.name}_axes", np.array([1]), dtype=np.int64)],
                             f"{self.name}_unsqueeze")
        return out


# ----- Keras's function forms ---------------------------------------------------------------------------------
def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``: the elementwise sum of a list of tensors."""
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``: the elementwise product of a list of tensors."""
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``: the elementwise mean of a list of tensors."""
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum of a list of tensors."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum of a list of tensors."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis, **kwargs)(inputs)``: join a list of tensors along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | Sequence[int] = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """``Dot(axes, normalize, **kwargs)(inputs)``: the per-sample dot product of two tensors."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
