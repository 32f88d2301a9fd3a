"""A functional model's config, in Keras 3's layout, and the model rebuilt from it.

    {"name": ..., "trainable": ...,
     "layers": [{"class_name": "Dense", "config": {...}, "name": "dense",
                 "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}, ...]}, ...],
     "input_layers": ["input_layer", 0, 0],  "output_layers": [["out", 0, 0], ["aux", 0, 0]]}

A tensor in ``args`` is ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history":
[layer name, node index, tensor index]}}``: the output ``tensor index`` of that layer's ``node index``-th call in
this model. Constants stay inline (numbers), or are ``__tensor__`` (arrays) and ``__slice__`` (slices), as Keras
writes them. A layer shared with another model keeps only the nodes of this model, renumbered.

Rebuilding creates each layer from its ``{"class_name", "config"}`` (looked up in the registry, never imported),
then replays the recorded calls on symbolic tensors in an order where every input already exists.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, Callable, Mapping

import numpy as np

from ..layers import registry
from ..layers.input_layer import InputLayer
from ..layers.symbolic import KerasTensor
from ..tensor import Tensor
from ..utils import nest


def serialize_layer(layer: Any) -> dict[str, Any]:
    """``{"class_name", "config"}`` of a layer (a model inside a model included)."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _node_numbering(model: Any) -> dict[int, tuple[str, int]]:
    """id(node) -> (layer name, the node's index among that layer's nodes in this model)."""
    graph = model._graph
    kept = {id(node) for node in graph.nodes}
    kept.update(id(layer._inbound_nodes[0]) for layer in graph.input_layers)
    numbering: dict[int, tuple[str, int]] = {}
    for operation in graph.operations:
        index = 0
        for node in operation._inbound_nodes:
            if id(node) in kept:
                numbering[id(node)] = (operation.name, index)
                index += 1
    return numbering


def _tensor_reference(tensor: KerasTensor, numbering: dict[int, tuple[str, int]]) -> list[Any]:
    operation, node_index, tensor_index = tensor._keras_history
    name, index = numbering[id(operation._inbound_nodes[node_index])]
    return [name, index, tensor_index]


def _serialize_argument(value: Any, numbering: dict[int, tuple[str, int]]) -> Any:
    if isinstance(value, KerasTensor):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(value.shape), "dtype": value.dtype,
                           "keras_history": _tensor_reference(value, numbering)}}
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {"start": value.start, "stop": value.stop, "step": value.step}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        return {"class_name": "__tensor__", "config": {"value": array.tolist(), "dtype": array.dtype.name}}
    if isinstance(value, (list, tuple)):
        return [_serialize_argument(item, numbering) for item in value]
    if isinstance(value, dict):
        return {key: _serialize_argument(item, numbering) for key, item in value.items()}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"cannot save the argument {value!r} of a layer call in a model config")


def _structure_references(structure: Any, numbering: dict[int, tuple[str, int]]) -> Any:
    if isinstance(structure, KerasTensor):
        return _tensor_reference(structure, numbering)
    if isinstance(structure, dict):
        return {key: _structure_references(value, numbering) for key, value in structure.items()}
    return [_structure_references(item, numbering) for item in structure]


def graph_config(model: Any, serialize: Callable[[Any], dict[str, Any]] = serialize_layer) -> dict[str, Any]:
    """The config of a functional ``model`` (``serialize`` turns each layer into its entry)."""
    graph = model._graph
    numbering = _node_numbering(model)
    kept = set(numbering)
    layers = []
    for operation in graph.operations:
        entry = dict(serialize(operation))
        entry["name"] = operation.name
        entry["inbound_nodes"] = [
            {"args": _serialize_argument(list(node.call_args), numbering),
             "kwargs": _serialize_argument(dict(node.call_kwargs), numbering)}
            for node in operation._inbound_nodes
            if id(node) in kept and not isinstance(operation, InputLayer)]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _structure_references(graph.inputs, numbering),
            "output_layers": _structure_references(graph.outputs, numbering)}


# ----- rebuilding ---------------------------------------------------------------------------------------------
def _is_reference(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


class _Rebuilder:
    def __init__(self, config: Mapping[str, Any], make_layer: Callable[[dict[str, Any]], Any], where: str):
        self.config = config
        self.make_layer = make_layer
        self.where = where
        self.layers: dict[str, Any] = {}
        self.node_outputs: dict[tuple[str, int], list[KerasTensor]] = {}

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}")

    def tensor(self, reference: list[Any]) -> KerasTensor:
        name, node_index, tensor_index = reference
        outputs = self.node_outputs.get((name, node_index))
        if outputs is None or not 0 <= tensor_index < len(outputs):
            raise KeyError((name, node_index))
        return outputs[tensor_index]

    def argument(self, value: Any) -> Any:
        if isinstance(value, dict) and "class_name" in value and set(value) <= {"class_name", "config"}:
            kind, options = value["class_name"], value.get("config") or {}
            if kind == "__keras_tensor__":
                return self.tensor(options["keras_history"])
            if kind == "__slice__":
                return slice(options.get("start"), options.get("stop"), options.get("step"))
            if kind == "__ellipsis__":
                return Ellipsis
            if kind == "__tensor__":
                return np.asarray(options["value"], dtype=np.dtype(options.get("dtype", "float32")))
        if isinstance(value, list):
            return [self.argument(item) for item in value]
        if isinstance(value, dict):
            return {key: self.argument(item) for key, item in value.items()}
        return value

    def run(self) -> tuple[Any, Any]:
        entries = list(self.config.get("layers") or [])
        pending: list[tuple[str, Any, dict[str, Any], int]] = []
        for entry in entries:
            layer = self.make_layer(entry)
            # The config's name is what the graph's references use (a layer of your own whose get_config leaves
            # out its name gets a fresh one when rebuilt).
            name = entry.get("name") or layer.name
            if name in self.layers:
                raise self.error(f"two layers are named {name!r}")
            self.layers[name] = layer
            if isinstance(layer, InputLayer):
                self.node_outputs[(name, 0)] = layer._inbound_nodes[0].outputs
            for index, node in enumerate(entry.get("inbound_nodes") or []):
                pending.append((name, layer, node, index))
        # Replay the calls; a call whose inputs do not exist yet waits for a later pass.
        while pending:
            waiting = []
            for name, layer, node, index in pending:
                if index > 0 and (name, index - 1) not in self.node_outputs:
                    waiting.append((name, layer, node, index))
                    continue
                try:
                    args = self.argument(node.get("args") or [])
                    kwargs = self.argument(node.get("kwargs") or {})
                except KeyError:
                    waiting.append((name, layer, node, index))
                    continue
                with warnings.catch_warnings():
                    # A saved graph holds the masks Keras passed on as explicit call arguments, so the warning
                    # of an Embedding(mask_zero=True) about masks not being passed on does not apply to it.
                    warnings.filterwarnings("ignore", message=r'Embedding ".*" has mask_zero=True')
                    outputs = layer(*args, **kwargs)
                self.node_outputs[(name, index)] = [t for t in nest.flatten(outputs) if isinstance(t, KerasTensor)]
            if len(waiting) == len(pending):
                names = sorted({name for name, _, _, _ in waiting})
                raise self.error(f"the graph cannot be rebuilt: the inputs of layer(s) {names} never appear")
            pending = waiting
        return self.structure(self.config.get("input_layers")), self.structure(self.config.get("output_layers"))

    def structure(self, value: Any) -> Any:
        if _is_reference(value):
            try:
                return self.tensor(value)
            except KeyError:
                raise self.error(f"input/output {value} names no tensor of the graph") from None
        if isinstance(value, dict):
            return {key: self.structure(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.structure(item) for item in value]
        raise self.error(f"cannot read the model's inputs/outputs from {value!r}")


def layer_from_entry(entry: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A new layer (or model) from ``{"class_name", "config"}``."""
    class_name = entry.get("class_name")
    if not isinstance(class_name, str):
        raise ValueError(f"a layer entry has no class_name: {str(entry)[:100]}")
    cls = _model_classes().get(class_name) or registry.lookup(class_name, custom_objects)
    config = dict(entry.get("config") or {})
    # Models and Lambda layers find classes and functions of your own in custom_objects.
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _model_classes() -> dict[str, type]:
    from .functional import Functional
    from .sequential import Sequential
    return {"Functional": Functional, "Sequential": Sequential, "Model": Functional}


def rebuild_graph(config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None,
                  make_layer: Callable[[dict[str, Any]], Any] | None = None,
                  where: str = "Functional.from_config") -> tuple[Any, Any]:
    """(inputs, outputs) of the graph described by ``config``, with new layers."""
    make = make_layer or (lambda entry: layer_from_entry(entry, custom_objects))
    return _Rebuilder(config, make, where).run()
