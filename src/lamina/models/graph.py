"""A model's graph: the nodes between its symbolic inputs and outputs, and how to run them on data.

Built from ``inputs`` and ``outputs`` (KerasTensors, or lists / dicts of them) by walking back from the outputs
through each tensor's ``_keras_history`` to the node that made it, until the inputs. A walk that reaches an
``Input`` that is not among the given inputs means the outputs cannot be computed from them: Keras's
"Graph disconnected" error, naming the tensor and the layer that needs it.

Running the graph visits the nodes in creation order (a topological order: a node's inputs existed before it),
calls each node's layer on the values of its input tensors, and keeps the values of its outputs; a layer called
twice (shared) simply appears in two nodes and uses the same weights both times.
"""

from __future__ import annotations

from typing import Any

from ..layers.input_layer import InputLayer
from ..layers.symbolic import KerasTensor, Node
from ..utils import nest
from .graph_order import keras_operation_order


def _check_tensors(structure: Any, what: str) -> list[KerasTensor]:
    flat = nest.flatten(structure)
    for item in flat:
        if not isinstance(item, KerasTensor):
            raise ValueError(f"Model: all {what} must be symbolic tensors (from keras.Input or from calling layers "
                             f"on them); received {item!r} of type {type(item).__name__}")
        if item._keras_history is None:
            raise ValueError(f"Model: the {what[:-1]} {item!r} was not produced by a layer")
    return flat


class Graph:
    """The nodes of a functional model, in the order they run.

    Attributes:
        inputs / outputs: the structures given (a tensor, a list or a dict of tensors).
        input_tensors / output_tensors: the same, flattened. nodes: the nodes to run (inputs excluded), in order.
        input_layers: the InputLayer of each input, in order.
    """

    def __init__(self, inputs: Any, outputs: Any):
        self.inputs = inputs
        self.outputs = outputs
        self.input_tensors = _check_tensors(inputs, "inputs")
        self.output_tensors = _check_tensors(outputs, "outputs")
        self.input_layers = []
        for tensor in self.input_tensors:
            layer = tensor._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Model: inputs must come straight from keras.Input; {tensor!r} is the output of "
                                 f'layer "{layer.name}" ({layer.class_name})')
            self.input_layers.append(layer)
        if len({id(t) for t in self.input_tensors}) != len(self.input_tensors):
            raise ValueError("Model: the same Input is given twice in `inputs`")
        self.nodes = self._collect_nodes()
        self._operations: list[Any] | None = None

    def _collect_nodes(self) -> list[Node]:
        given = {id(t) for t in self.input_tensors}
        found: dict[int, Node] = {}
        stack = [(t, None) for t in self.output_tensors]
        while stack:
            tensor, consumer = stack.pop()
            if id(tensor) in given:
                continue
            operation, node_index, _ = tensor._keras_history
            node = operation._inbound_nodes[node_index]
            if isinstance(operation, InputLayer):
                needed_by = f'at layer "{consumer.operation.name}"' if consumer is not None else "as an output"
                given_names = [t.name for t in self.input_tensors]
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor {tensor!r} {needed_by}. The "
                                 f'tensor comes from input layer "{operation.name}", which is not among the '
                                 f"model's inputs {given_names}. (Keras 3: Output is not connected to `inputs`.)")
            if id(node) in found:
                continue
            found[id(node)] = node
            stack.extend((t, node) for t in node.input_tensors)
        return sorted(found.values(), key=lambda node: node.number)

    @property
    def operations(self) -> list[Any]:
        """Each operation (layer or tensor op) once, in Keras's order: by depth, inputs first (see
        ``graph_order.py``); the same order after a save and load, whatever order the layers were created in."""
        if self._operations is None:
            self._operations = keras_operation_order(self.input_tensors, self.output_tensors)
        return self._operations

    def run(self, input_values: list[Any], training: bool) -> Any:
        """The outputs' values (in the outputs' structure) for one value per input tensor."""
        values: dict[int, Any] = {id(t): v for t, v in zip(self.input_tensors, input_values)}

        def value_of(item: Any) -> Any:
            return values[id(item)] if type(item) is KerasTensor else item

        for node in self.nodes:
            args = [nest.map_structure(value_of, a) if nest.is_nested(a) else value_of(a) for a in node.call_args]
            kwargs = {key: (nest.map_structure(value_of, v) if nest.is_nested(v) else value_of(v))
                      for key, v in node.call_kwargs.items()}
            # A training flag recorded in the node (``base(x, training=False)``) wins over the model's.
            kwargs.setdefault("training", training)
            result = node.operation(*args, **kwargs)
            for tensor, value in zip(node.outputs, nest.flatten(result)):
                values[id(tensor)] = value
        return nest.pack_like(self.outputs, [values[id(t)] for t in self.output_tensors])
