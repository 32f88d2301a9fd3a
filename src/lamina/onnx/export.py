"""``export(model, path)``: a trained Sequential model as an ONNX graph, for inference anywhere ONNX runs.

The graph is the model in inference mode: Dropout and GaussianNoise (identities at inference) leave no node;
BatchNormalization uses its moving statistics and, right after a Dense layer without activation, is folded into
that layer's weights (``W' = W * s``, ``b' = (b - moving_mean) * s + beta`` with
``s = gamma / sqrt(moving_variance + epsilon)``), otherwise it becomes an ONNX ``BatchNormalization`` node (2-D
inputs) or a per-feature ``Mul`` and ``Add``. Dense is ``MatMul`` + ``Add`` (valid for inputs of any rank,
unlike ``Gemm``), Flatten is ``Flatten(axis=1)``, activations map to ``Relu``, ``Sigmoid``, ``Tanh``,
``Softmax``, ``LogSoftmax`` and ``LeakyRelu``. A layer or activation without an ONNX counterpart here raises a
ValueError naming it. The graph computes in float32, with a symbolic batch dimension ``N``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..utils.io import atomic_write

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax over one axis (the semantics Lamina's softmax has) from opset 13


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'lamina[onnx]' (or pip install onnx)") \
            from None
    return onnx


class _GraphBuilder:
    """Collects nodes and constant tensors, naming every intermediate value uniquely."""

    def __init__(self, onnx: Any, input_name: str):
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.current = input_name
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, hint: str, array: np.ndarray) -> str:
        name = self._name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32),
                                                                   name=name))
        return name

    def node(self, op: str, extra_inputs: list[str], hint: str, **attributes: Any) -> None:
        output = self._name(hint)
        self.nodes.append(self.onnx.helper.make_node(op, [self.current, *extra_inputs], [output],
                                                     name=output, **attributes))
        self.current = output


def _activation(builder: _GraphBuilder, name: str, where: str, hint: str) -> None:
    if name == "linear":
        return
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
    if name in simple:
        builder.node(simple[name], [], hint)
    elif name == "softmax":
        builder.node("Softmax", [], hint, axis=-1)
    elif name == "log_softmax":
        builder.node("LogSoftmax", [], hint, axis=-1)
    elif name == "leaky_relu":
        builder.node("LeakyRelu", [], hint, alpha=0.2)  # the slope of Lamina's (and Keras's) 'leaky_relu'
    else:
        raise ValueError(f"{where}: activation {name!r} has no ONNX export (supported: linear, relu, sigmoid, tanh, "
                         f"softmax, log_softmax, leaky_relu)")


def _batch_norm_scale_shift(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """(s, t) with BN(x) = x * s + t at inference, computed in float64."""
    mean = layer.moving_mean.data.astype(np.float64)
    variance = layer.moving_variance.data.astype(np.float64)
    gamma = np.ones_like(mean) if layer.gamma is None else layer.gamma.data.astype(np.float64)
    beta = np.zeros_like(mean) if layer.beta is None else layer.beta.data.astype(np.float64)
    scale = gamma / np.sqrt(variance + layer.epsilon)
    return scale, beta - mean * scale


def _dense(builder: _GraphBuilder, layer: Any, folded_bn: Any | None) -> None:
    kernel = layer.kernel.data.astype(np.float64)
    bias = np.zeros(kernel.shape[-1]) if layer.bias is None else layer.bias.data.astype(np.float64)
    if folded_bn is not None:
        scale, shift = _batch_norm_scale_shift(folded_bn)
        kernel, bias = kernel * scale, bias * scale + shift
    builder.node("MatMul", [builder.constant(f"{layer.name}_kernel", kernel)], f"{layer.name}_matmul")
    if layer.bias is not None or folded_bn is not None:
        builder.node("Add", [builder.constant(f"{layer.name}_bias", bias)], f"{layer.name}_add")


def _batch_norm(builder: _GraphBuilder, layer: Any, rank: int) -> None:
    axis = layer.axis % rank
    if rank == 2 and axis == 1:
        mean = layer.moving_mean.data
        gamma = np.ones_like(mean) if layer.gamma is None else layer.gamma.data
        beta = np.zeros_like(mean) if layer.beta is None else layer.beta.data
        inputs = [builder.constant(f"{layer.name}_{part}", value) for part, value in
                  (("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                   ("moving_variance", layer.moving_variance.data))]
        builder.node("BatchNormalization", inputs, layer.name, epsilon=layer.epsilon)
        return
    scale, shift = _batch_norm_scale_shift(layer)
    shape = [1] * rank
    shape[axis] = -1
    builder.node("Mul", [builder.constant(f"{layer.name}_scale", scale.reshape(shape)[0])], f"{layer.name}_mul")
    builder.node("Add", [builder.constant(f"{layer.name}_shift", shift.reshape(shape)[0])], f"{layer.name}_add")


def _foldable(layer: Any, following: Any) -> bool:
    """A BatchNormalization right after a linear Dense, normalizing its output features, folds into it."""
    last_axis = len(layer.output_shape) - 1
    return (type(layer).__name__ == "Dense" and layer.get_config()["activation"] == "linear"
            and type(following).__name__ == "BatchNormalization" and following.axis in (-1, last_axis))


def to_onnx(model: Any, opset: int = DEFAULT_OPSET, fold_batch_norm: bool = True) -> Any:
    """The ``onnx.ModelProto`` of a built Sequential ``model`` in inference mode (see the module docstring)."""
    onnx = _onnx()
    if not isinstance(opset, int) or opset < MIN_OPSET:
        raise ValueError(f"export: opset must be an integer >= {MIN_OPSET}; received {opset!r}")
    if not getattr(model, "built", False) or not hasattr(model, "layers"):
        raise ValueError("export: the model must be a built Sequential model (call it on data or build() it)")
    builder = _GraphBuilder(onnx, "input")
    layers = model.layers
    skip_next = False
    for index, layer in enumerate(layers):
        if skip_next:
            skip_next = False
            continue
        kind = type(layer).__name__
        where = f'layer "{layer.name}" ({kind})'
        rank = len(layer.input_shape)
        following = layers[index + 1] if index + 1 < len(layers) else None
        if kind in ("InputLayer", "Dropout", "GaussianNoise"):
            continue
        if kind == "Dense":
            fold = fold_batch_norm and following is not None and _foldable(layer, following)
            _dense(builder, layer, following if fold else None)
            _activation(builder, layer.get_config()["activation"], where, f"{layer.name}_activation")
            skip_next = fold
        elif kind == "BatchNormalization":
            _batch_norm(builder, layer, rank)
        elif kind == "Activation":
            _activation(builder, layer.get_config()["activation"], where, layer.name)
        elif kind == "LeakyReLU":
            builder.node("LeakyRelu", [], layer.name, alpha=layer.negative_slope)
        elif kind == "Softmax":
            if layer.temperature != 1.0:
                builder.node("Mul", [builder.constant(f"{layer.name}_inverse_temperature",
                                                      np.array(1.0 / layer.temperature))], f"{layer.name}_scale")
            builder.node("Softmax", [], layer.name, axis=layer.axis)
        elif kind == "Flatten":
            builder.node("Flatten", [], layer.name, axis=1)
        else:
            raise ValueError(f"export: {where} has no ONNX export; supported layers: Dense, Activation, LeakyReLU, "
                             f"Softmax, BatchNormalization, Dropout, GaussianNoise, Flatten")
    if not builder.nodes:  # a model of identities still needs one node joining input to output
        builder.node("Identity", [], "identity")
    helper = onnx.helper
    batch_shape = lambda shape: ["N", *shape[1:]]  # noqa: E731 - a symbolic batch axis
    graph = helper.make_graph(
        builder.nodes, model.name,
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, batch_shape(model.input_shape))],
        [helper.make_tensor_value_info(builder.current, onnx.TensorProto.FLOAT, batch_shape(model.output_shape))],
        initializer=builder.initializers)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="lamina")
    # The oldest IR version that carries this opset, so that older runtimes read the file too.
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    onnx.checker.check_model(proto)
    return proto


def export(model: Any, path: str | os.PathLike, opset: int = DEFAULT_OPSET, fold_batch_norm: bool = True) -> Any:
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the ``onnx.ModelProto``.

    Args:
        model: a built (trained) Sequential model.
        path: the ``.onnx`` file to write.
        opset: the ONNX operator set (at least 13).
        fold_batch_norm: fold a BatchNormalization that follows a linear Dense into the Dense's weights.

    The graph's input is called ``input``, of shape ``(N, *model.input_shape[1:])``, float32.

    Example:
        >>> lamina.onnx.export(model, "model.onnx")
        >>> onnxruntime.InferenceSession("model.onnx").run(None, {"input": x})[0]   # == model.predict(x)
    """
    proto = to_onnx(model, opset=opset, fold_batch_norm=fold_batch_norm)
    with atomic_write(path, "wb") as handle:
        handle.write(proto.SerializeToString())
    return proto
