"""Symbolic tensors and nodes: how a functional model records its graph.

``keras.Input(shape=(784,))`` returns a ``KerasTensor``: a shape and a dtype, no values. Calling a layer on
KerasTensors runs no arithmetic; it builds the layer for those shapes, records a ``Node`` (this layer, these
inputs, these outputs) and returns new KerasTensors of the shapes ``compute_output_shape`` gives. Each
KerasTensor remembers the node that made it (``_keras_history = (layer, node_index, tensor_index)``), so a model
given its inputs and outputs can walk back from the outputs and find every node in between: that walk is the
model's graph.

Python's operators on KerasTensors (``x + y``, ``2 * x``, ``-x``, ``x @ w``, ``x[:, 1:]``) record the matching
operation as a node too (``layers/tensor_ops.py``), so ``x += residual`` works as it does in the Keras guides.

This module also holds the *call context*: the ``training`` flag of the outermost call, which layers called
inside another layer's ``call`` without an explicit ``training=`` inherit (Keras's rule, which lets a
subclassed model's Dropout see ``training=True`` during ``fit``), and the losses added with ``add_loss``.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Sequence

import numpy as np

from ..utils import nest

_tensor_numbers = itertools.count()
_node_numbers = itertools.count()


class KerasTensor:
    """A symbolic tensor: a shape (batch axis first, usually None) and a dtype, standing for values to come.

    Attributes:
        shape: a tuple of ints and None. dtype: the dtype's name ('float32'). name: a unique name.
    """

    # NumPy must leave ``array + KerasTensor`` to KerasTensor.__radd__.
    __array_priority__ = 10000

    def __init__(self, shape: Sequence[int | None], dtype: Any = "float32", name: str | None = None,
                 sparse: bool = False):
        self.shape: tuple[int | None, ...] = tuple(None if d is None else int(d) for d in shape)
        self.dtype: str = np.dtype(dtype).name
        number = next(_tensor_numbers)
        self.name: str = name or ("keras_tensor" if number == 0 else f"keras_tensor_{number}")
        self.sparse = bool(sparse)
        self._keras_history: tuple[Any, int, int] | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, name={self.name}>"

    # ----- no values -----------------------------------------------------------------------------------------
    def _no_value(self, what: str) -> TypeError:
        return TypeError(f"{what}: {self!r} is symbolic (it has a shape, but no values until the model runs). "
                         f"Use it only to build a model: call layers or keras.ops on it, or Python operators.")

    def __bool__(self) -> bool:
        raise self._no_value("bool()")

    def __len__(self) -> int:
        raise self._no_value("len()")

    def __iter__(self):
        raise self._no_value("iteration")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._no_value("conversion to a NumPy array")

    def numpy(self) -> np.ndarray:
        raise self._no_value("numpy()")

    # ----- operators record operations ---------------------------------------------------------------------
    def _op(self, name: str, *operands: Any) -> "KerasTensor":
        from .tensor_ops import apply_tensor_op  # the op layers import this module
        return apply_tensor_op(name, *operands)

    def __add__(self, other): return self._op("add", self, other)
    def __radd__(self, other): return self._op("add", other, self)
    def __sub__(self, other): return self._op("subtract", self, other)
    def __rsub__(self, other): return self._op("subtract", other, self)
    def __mul__(self, other): return self._op("multiply", self, other)
    def __rmul__(self, other): return self._op("multiply", other, self)
    def __truediv__(self, other): return self._op("true_divide", self, other)
    def __rtruediv__(self, other): return self._op("true_divide", other, self)
    def __matmul__(self, other): return self._op("matmul", self, other)
    def __rmatmul__(self, other): return self._op("matmul", other, self)
    def __pow__(self, other): return self._op("power", self, other)
    def __rpow__(self, other): return self._op("power", other, self)
    def __neg__(self): return self._op("negative", self)
    def __abs__(self): return self._op("absolute", self)
    def __getitem__(self, key): return self._op("get_item", self, key)

    # Comparisons and logic, as Keras's KerasTensor has them (``ids != 0`` as a mask). Not ``==``: Python's
    # ``in`` and ``list.index`` compare with it, and graph code looks tensors up in lists.
    def _keras_op(self, name: str, *operands: Any) -> "KerasTensor":
        from ..keras import ops  # records a node for symbolic operands
        return getattr(ops, name)(*operands)

    def __ne__(self, other): return self._keras_op("not_equal", self, other)
    def __lt__(self, other): return self._keras_op("less", self, other)
    def __le__(self, other): return self._keras_op("less_equal", self, other)
    def __gt__(self, other): return self._keras_op("greater", self, other)
    def __ge__(self, other): return self._keras_op("greater_equal", self, other)
    def __and__(self, other): return self._keras_op("logical_and", self, other)
    def __rand__(self, other): return self._keras_op("logical_and", other, self)
    def __or__(self, other): return self._keras_op("logical_or", self, other)
    def __ror__(self, other): return self._keras_op("logical_or", other, self)
    def __invert__(self): return self._keras_op("logical_not", self)

    __hash__ = object.__hash__


def is_symbolic(value: Any) -> bool:
    """True when ``value`` is a KerasTensor or a (nested) list/tuple/dict holding one."""
    if type(value) is KerasTensor:
        return True
    if isinstance(value, (list, tuple, dict)):
        return any(type(leaf) is KerasTensor for leaf in nest.flatten(value))
    return False


class Node:
    """One call of an operation (a layer) on symbolic inputs: what it was called with and what it returned.

    Attributes:
        operation: the layer. call_args / call_kwargs: the call's arguments, KerasTensors and constants.
        input_tensors: the KerasTensors among the arguments, in order. outputs: the KerasTensors returned.
        number: creation order, a topological order of every graph (inputs exist before their users).
    """

    def __init__(self, operation: Any, call_args: tuple, call_kwargs: dict, outputs: Any):
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in nest.flatten([list(call_args), call_kwargs]) if type(t) is KerasTensor]
        self.outputs = [t for t in nest.flatten(outputs) if type(t) is KerasTensor]
        self.output_structure = outputs
        self.number = next(_node_numbers)
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor_index, tensor in enumerate(self.outputs):
            tensor._keras_history = (operation, node_index, tensor_index)

    @property
    def parent_nodes(self) -> list["Node"]:
        parents = []
        for tensor in self.input_tensors:
            operation, node_index, _ = tensor._keras_history
            parents.append(operation._inbound_nodes[node_index])
        return parents

    def __repr__(self) -> str:
        return f"<Node {self.operation.name}[{self.operation._inbound_nodes.index(self)}]>"


# ----- the call context ---------------------------------------------------------------------------------------
class _CallContext(threading.local):
    """Per thread: the training flag in force and how deep the current layer call is nested."""

    def __init__(self) -> None:
        self.training: bool | None = None
        self.depth = 0


call_context = _CallContext()
