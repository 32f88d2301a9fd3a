"""Operations on symbolic tensors: ``x + y``, ``2 * x``, ``-x``, ``x @ w``, ``x[:, 1:]`` inside a functional model.

Keras 3 records such an expression as a node whose operation is a NumPy-style op (``keras.src.ops.numpy.Add``,
``TrueDivide``, ``GetItem``, ...) and saves it under that class name with the constants inline. Lamina records it
as a ``TensorOp`` layer: one class, the operation chosen by name from a fixed table (so a saved file can only ever
name one of these functions), shown and saved under Keras's class name. The output shape comes from running the
operation on small arrays of zeros twice, with the unknown axes at two different sizes: an axis whose size follows
them is unknown in the output too.

``register_tensor_op`` adds an operation to the table (``keras.ops`` functions called on symbolic tensors use it).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .. import ops
from ..tensor import Tensor
from ..utils import nest
from .base import Layer, _symbolic_outputs, infer_output_shapes
from .symbolic import KerasTensor, Node, is_symbolic

# name -> (Keras's class name, the eager function, Keras's module of that class)
_OPS: dict[str, tuple[str, Callable[..., Any], str]] = {}


def register_tensor_op(name: str, keras_class_name: str, function: Callable[..., Any],
                       keras_module: str = "keras.src.ops.numpy") -> None:
    """Make ``function`` (eager, on Tensors) recordable on symbolic tensors as the op ``name``."""
    _OPS[name] = (keras_class_name, function, keras_module)


def accepting_symbolic(name: str, function: Callable[..., Any], keras_module: str) -> Callable[..., Any]:
    """``function`` that records a graph node when any argument is symbolic (``keras.ops.relu(inputs)`` inside a
    functional model) and runs eagerly otherwise; registered as the op ``name``."""
    from .keras_op_classes import KERAS_OP_CLASSES  # measured on Keras 3 by tools/keras_op_classes.py
    keras_module, keras_class_name, _ = KERAS_OP_CLASSES.get(
        name, (keras_module, "".join(part.capitalize() for part in name.split("_")), ()))
    register_tensor_op(name, keras_class_name, function, keras_module)

    def dispatch(*args: Any, **kwargs: Any) -> Any:
        if any(is_symbolic(a) for a in args) or any(is_symbolic(v) for v in kwargs.values()):
            return apply_tensor_op(name, *args, **kwargs)
        return function(*args, **kwargs)

    dispatch.__name__ = function.__name__
    dispatch.__qualname__ = function.__qualname__
    dispatch.__doc__ = function.__doc__
    dispatch.__wrapped__ = function  # type: ignore[attr-defined]
    return dispatch


def _get_item(x: Any, key: Any) -> Tensor:
    # A saved config holds a tuple key as a list; a list of slices (not of integers) means that tuple again.
    if isinstance(key, list) and any(isinstance(k, slice) or k is None or k is Ellipsis for k in key):
        key = tuple(key)
    return ops.getitem(x, key)


for _name, _keras_name, _function in (
        ("add", "Add", ops.add), ("subtract", "Subtract", ops.subtract), ("multiply", "Multiply", ops.multiply),
        ("true_divide", "TrueDivide", ops.divide), ("matmul", "Matmul", ops.matmul), ("power", "Power", ops.power),
        ("negative", "Negative", ops.negative), ("absolute", "Absolute", ops.abs),
        ("get_item", "GetItem", _get_item)):
    register_tensor_op(_name, _keras_name, _function)


class TensorOp(Layer):
    """One recorded operation on tensors (no weights). ``op`` names it in the table above."""

    keras_builds = False

    def __init__(self, op: str, **kwargs: Any):
        if op not in _OPS:
            from ..keras import ops  # noqa: F401 - registers every keras.ops function as an op
        if op not in _OPS:
            raise ValueError(f"TensorOp: unknown operation {op!r}; known: {', '.join(sorted(_OPS))}")
        self.op = op
        # The op's settings (``axis``, ``keepdims``, ...): constructor arguments in Keras's configs, passed by
        # name to the function at every call.
        self.options = {key: kwargs.pop(key) for key in list(kwargs) if key not in ("name", "trainable", "dtype")}
        super().__init__(**kwargs)

    @property
    def class_name(self) -> str:
        return _OPS[self.op][0]

    @property
    def keras_module(self) -> str:  # type: ignore[override]
        return _OPS[self.op][2]

    def call(self, *operands: Any, training: bool = False, **options: Any) -> Tensor:
        return _OPS[self.op][1](*operands, **self.options, **options)

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        self.built = True
        kwargs = {key: value for key, value in kwargs.items() if key != "training"}
        shape = infer_output_shapes(_OPS[self.op][1], args, {**self.options, **kwargs})
        dtypes = [t.dtype for t in nest.flatten(list(args)) if isinstance(t, KerasTensor)]
        outputs = _symbolic_outputs(shape, dtypes[0] if dtypes else "float32")
        Node(self, tuple(args), dict(kwargs), outputs)
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "op": self.op, **self.options}

    def to_onnx(self, graph: Any, call_args: tuple, value_of: Callable[[KerasTensor], str]) -> str:
        """The matching ONNX operator; constants become initializers; ``x[...]`` of slices and integers becomes
        Slice (and Squeeze for the integer indices)."""
        if self.op == "get_item":
            key = call_args[1]
            return _slice_to_onnx(graph, self.name, value_of(call_args[0]), tuple(key) if isinstance(key, list)
                                  else key)
        onnx_op = _ONNX_OPS.get(self.op)
        if onnx_op is None:
            raise ValueError(f'export: operation "{self.name}" ({self.class_name}) has no ONNX export')
        names = [value_of(arg) if isinstance(arg, KerasTensor) else
                 graph.constant(f"{self.name}_constant", np.asarray(arg, dtype=np.float32)) for arg in call_args]
        return graph.node(onnx_op, names, self.name)


_ONNX_OPS = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "true_divide": "Div", "divide": "Div",
             "matmul": "MatMul",
             "power": "Pow", "negative": "Neg", "absolute": "Abs"}


def _slice_to_onnx(graph: Any, name: str, value: str, key: Any) -> str:
    key = key if isinstance(key, tuple) else (key,)
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, item in enumerate(key):
        if isinstance(item, slice):
            if item == slice(None):
                continue
            step = 1 if item.step is None else item.step
            starts.append(item.start if item.start is not None else (0 if step > 0 else -1))
            ends.append(item.stop if item.stop is not None else (2**62 if step > 0 else -2**62))
            axes.append(axis)
            steps.append(step)
        elif isinstance(item, (int, np.integer)):
            starts.append(int(item))
            ends.append(int(item) + 1 if item != -1 else 2**62)
            axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        else:
            raise ValueError(f'export: the indexing {key!r} of "{name}" has no ONNX export (slices and integers '
                             f"only)")
    out = value
    if axes:
        parts = [graph.constant(f"{name}_{part}", np.asarray(values, dtype=np.int64), dtype=np.int64)
                 for part, values in (("starts", starts), ("ends", ends), ("axes", axes), ("steps", steps))]
        out = graph.node("Slice", [out, *parts], name)
    if squeeze:
        out = graph.node("Squeeze", [out, graph.constant(f"{name}_axes", np.asarray(squeeze, dtype=np.int64),
                                                         dtype=np.int64)], f"{name}_squeeze")
    return out


def _split_options(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict, dict]:
    """(call args, call kwargs, settings): the arguments Keras's class for this op keeps in its config (its
    constructor's) are taken out of the call, so that the recorded node reads as Keras records it."""
    from .keras_op_classes import KERAS_OP_CLASSES
    option_names = KERAS_OP_CLASSES.get(name, (None, None, ()))[2]
    if not option_names:
        return args, kwargs, {}
    try:
        bound = inspect.signature(_OPS[name][1]).bind(*args, **kwargs)
    except TypeError:
        return args, kwargs, {}
    settings = {key: value for key, value in bound.arguments.items()
                if key in option_names and not is_symbolic(value)}
    call_args, call_kwargs = [], {}
    for key, value in bound.arguments.items():
        if key in settings:
            continue
        kind = bound.signature.parameters[key].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            call_kwargs.update(value)
        elif kind is inspect.Parameter.KEYWORD_ONLY or call_kwargs:
            call_kwargs[key] = value
        else:
            call_args.append(value)
    return tuple(call_args), call_kwargs, settings


def apply_tensor_op(name: str, *operands: Any, **options: Any) -> KerasTensor:
    """Record the op ``name`` on ``operands`` (at least one symbolic) and return its symbolic output."""
    keras_name = _OPS[name][0]
    from .base import to_snake_case, unique_name
    args, kwargs, settings = _split_options(name, operands, options)
    layer = TensorOp(name, name=unique_name(to_snake_case(keras_name)), **settings)
    return layer(*args, **kwargs)


def op_for_keras_class(keras_class_name: str) -> str | None:
    """The op name Lamina records for Keras's operation class ``keras_class_name`` ('Add' -> 'add')."""
    from ..keras import ops  # noqa: F401 - registers every keras.ops function as an op
    for name, (keras_name, _, _) in _OPS.items():
        if keras_name == keras_class_name:
            return name
    return None


__all__: list[str] = []  # not a Keras layer; reached through symbolic tensors' operators
