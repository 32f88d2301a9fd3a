"""``export(model, path)``: a trained model as an ONNX graph, for inference anywhere ONNX runs.

The model's graph (a functional model's, or a Sequential stack seen as one) is walked node by node and each layer
emits its own inference-mode computation through ``layer.to_onnx(graph, inputs)`` (the layer's file says how it
exports; this module only walks and wires). A model used as a layer is exported inline. Dropout and
GaussianNoise (identities at inference) leave no node. A BatchNormalization whose only input is a Dense or
convolution layer without activation (one that declares ``onnx_folds_batch_norm``; whose output nothing else
reads) is folded into that layer's weights
(``W' = W * s``, ``b' = (b - moving_mean) * s + beta`` with ``s = gamma / sqrt(moving_variance + epsilon)``).
A layer or activation without an ONNX counterpart raises a ValueError naming it. The graph computes in float32,
with a symbolic batch dimension ``N``; a single input is called ``input``, several inputs keep their Input
layers' names.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..utils.io import atomic_write

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax over one axis (the semantics Lamina's softmax has) from opset 13

_SIMPLE_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
                       "softsign": "Softsign", "elu": "Elu", "selu": "Selu"}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'lamina[onnx]' (or pip install onnx)") \
            from None
    return onnx


class OnnxGraph:
    """What layers write into: nodes and constant tensors, every value named uniquely."""

    def __init__(self, onnx: Any, opset: int):
        self.onnx = onnx
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, hint: str, array: Any, dtype: Any = np.float32) -> str:
        """A constant tensor (float32 unless ``dtype`` says otherwise); returns its value name."""
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype),
                                                                   name=name))
        return name

    def node(self, op_type: str, inputs: list[str], hint: str, **attributes: Any) -> str:
        """One node with one output; returns the output's name."""
        output = self.name(hint)
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output], name=output, **attributes))
        return output

    def activation(self, name: str, value: str, hint: str, where: str) -> str:
        """``name`` (an activation's registered name) applied to ``value``."""
        if name == "linear":
            return value
        if name in _SIMPLE_ACTIVATIONS:
            return self.node(_SIMPLE_ACTIVATIONS[name], [value], hint)
        if name == "softmax":
            return self.node("Softmax", [value], hint, axis=-1)
        if name == "log_softmax":
            return self.node("LogSoftmax", [value], hint, axis=-1)
        if name == "leaky_relu":
            return self.node("LeakyRelu", [value], hint, alpha=0.2)  # the slope of the string 'leaky_relu'
        if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6, i.e. clip(x / 6 + 1 / 2, 0, 1)
            return self.node("HardSigmoid", [value], hint, alpha=1.0 / 6.0, beta=0.5)
        if name in ("silu", "swish"):
            return self.node("Mul", [value, self.node("Sigmoid", [value], f"{hint}_sigmoid")], hint)
        raise ValueError(f"{where}: activation {name!r} has no ONNX export (supported: linear, softmax, "
                         f"log_softmax, leaky_relu, hard_sigmoid, silu, {', '.join(_SIMPLE_ACTIVATIONS)})")


def batch_norm_scale_shift(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """(s, t) with BN(x) = x * s + t at inference, computed in float64."""
    mean = layer.moving_mean.data.astype(np.float64)
    variance = layer.moving_variance.data.astype(np.float64)
    gamma = np.ones_like(mean) if layer.gamma is None else layer.gamma.data.astype(np.float64)
    beta = np.zeros_like(mean) if layer.beta is None else layer.beta.data.astype(np.float64)
    scale = gamma / np.sqrt(variance + layer.epsilon)
    return scale, beta - mean * scale


def _model_graph(model: Any) -> Any:
    if getattr(model, "_graph", None) is not None:
        return model._graph
    if hasattr(model, "graph_view"):
        return model.graph_view()
    raise ValueError(f'export: model "{model.name}" ({type(model).__name__}) has no graph to export: a subclassed '
                     f"model's call() is Python code; export a functional or Sequential model")


def _foldable_pairs(graph: Any) -> dict[int, Any]:
    """id(Dense or convolution node) -> the BatchNormalization node folded into it (over the last axis, the
    layer's output channels)."""
    readers: dict[int, list[Any]] = {}
    for node in graph.nodes:
        for tensor in node.input_tensors:
            readers.setdefault(id(tensor), []).append(node)
    outputs = {id(t) for t in graph.output_tensors}
    pairs = {}
    for node in graph.nodes:
        layer = node.operation
        if not getattr(layer, "onnx_folds_batch_norm", False) or layer._activation_name != "linear" \
                or len(node.outputs) != 1:
            continue
        out = node.outputs[0]
        users = readers.get(id(out), [])
        if len(users) != 1 or id(out) in outputs:
            continue
        bn = users[0]
        last_axis = len(out.shape) - 1
        if type(bn.operation).__name__ == "BatchNormalization" and bn.operation.axis in (-1, last_axis):
            pairs[id(node)] = bn
    return pairs


def _emit(builder: OnnxGraph, graph: Any, input_names: list[str], fold_batch_norm: bool) -> list[str]:
    """Emit ``graph`` reading ``input_names``; returns the names of its outputs, in order."""
    values: dict[int, str] = {id(t): name for t, name in zip(graph.input_tensors, input_names)}
    folds = _foldable_pairs(graph) if fold_batch_norm else {}
    folded = {id(bn) for bn in folds.values()}
    for node in graph.nodes:
        layer = node.operation
        if id(node) in folded:
            values[id(node.outputs[0])] = values[id(node.input_tensors[0])]
            continue
        if getattr(layer, "_graph", None) is not None or hasattr(layer, "graph_view"):  # a model used as a layer
            inner = _model_graph(layer)
            outs = _emit(builder, inner, [values[id(t)] for t in node.input_tensors], fold_batch_norm)
        elif type(layer).__name__ == "TensorOp":
            outs = layer.to_onnx(builder, node.call_args, lambda t: values[id(t)])
        elif id(node) in folds:
            outs = layer.to_onnx(builder, [values[id(node.input_tensors[0])]], folded_batch_norm=folds[id(node)].operation)
        else:
            outs = layer.to_onnx(builder, [values[id(t)] for t in node.input_tensors])
        outs = [outs] if isinstance(outs, str) else list(outs)
        for tensor, name in zip(node.outputs, outs):
            values[id(tensor)] = name
    return [values[id(t)] for t in graph.output_tensors]


def _value_info(onnx: Any, name: str, shape: tuple, dtype: str = "float32") -> Any:
    element = {"float32": onnx.TensorProto.FLOAT, "int32": onnx.TensorProto.INT32,
               "int64": onnx.TensorProto.INT64}.get(dtype, onnx.TensorProto.FLOAT)
    dims = ["N" if i == 0 and d is None else (f"d{i}" if d is None else d) for i, d in enumerate(shape)]
    return onnx.helper.make_tensor_value_info(name, element, dims)


def to_onnx(model: Any, opset: int = DEFAULT_OPSET, fold_batch_norm: bool = True) -> Any:
    """The ``onnx.ModelProto`` of a built ``model`` in inference mode (see the module docstring)."""
    onnx = _onnx()
    if not isinstance(opset, int) or opset < MIN_OPSET:
        raise ValueError(f"export: opset must be an integer >= {MIN_OPSET}; received {opset!r}")
    if not getattr(model, "built", False):
        raise ValueError("export: the model must be built (call it on data or build() it)")
    graph = _model_graph(model)
    builder = OnnxGraph(onnx, opset)
    if len(graph.input_tensors) == 1:
        input_names = ["input"]
    else:
        input_names = [layer.name for layer in graph.input_layers]
    outputs = _emit(builder, graph, input_names, fold_batch_norm)
    # Graph outputs must be values some node produced, and distinct.
    final = []
    for i, name in enumerate(outputs):
        if name in input_names or name in final:
            name = builder.node("Identity", [name], f"output_{i}")
        final.append(name)
    helper = onnx.helper
    proto_graph = helper.make_graph(
        builder.nodes, model.name,
        [_value_info(onnx, name, t.shape, t.dtype) for name, t in zip(input_names, graph.input_tensors)],
        [_value_info(onnx, name, t.shape) for name, t in zip(final, graph.output_tensors)],
        initializer=builder.initializers)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(proto_graph, opset_imports=opsets, producer_name="lamina")
    # The oldest IR version that carries this opset, so that older runtimes read the file too.
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    onnx.checker.check_model(proto)
    return proto


def export(model: Any, path: str | os.PathLike, opset: int = DEFAULT_OPSET, fold_batch_norm: bool = True) -> Any:
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the ``onnx.ModelProto``.

    Args:
        model: a built (trained) Sequential or functional model.
        path: the ``.onnx`` file to write.
        opset: the ONNX operator set (at least 13).
        fold_batch_norm: fold a BatchNormalization that follows a linear Dense into the Dense's weights.

    The graph's input is called ``input`` (several inputs keep their Input layers' names), of shape
    ``(N, *input_shape[1:])``, float32.

    Example::

        lamina.onnx.export(model, "model.onnx")
        onnxruntime.InferenceSession("model.onnx").run(None, {"input": x})[0]   # == model.predict(x)
    """
    proto = to_onnx(model, opset=opset, fold_batch_norm=fold_batch_norm)
    with atomic_write(path, "wb") as handle:
        handle.write(proto.SerializeToString())
    return proto
