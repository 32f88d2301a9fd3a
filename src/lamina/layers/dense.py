"""Dense: the fully connected layer, a = f(x W + b) (sections 2 and 7)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as _activations
from .. import initializers as _initializers
from .. import constraints as _constraints
from .. import regularizers as _regularizers
from ..functional import FUSABLE_ACTIVATIONS, dense
from ..tensor import Tensor
from .base import Layer, Shape


__all__ = ["Dense"]


class Dense(Layer):
    """A fully connected layer: ``output = activation(x @ kernel + bias)``.

    Shapes: x (batch, ..., in) -> (batch, ..., units); kernel (in, units); bias (units,).
    Parameters: units * (in + 1) with a bias. Weights ``[kernel, bias]``.

    The forward pass is one fused primitive (matrix product, bias, activation, with one hand-written VJP). A
    sigmoid or softmax output keeps its pre-activation z as ``output._logits``, so that cross-entropy can be
    computed from z, stably.

    >>> layer = Dense(2, activation='relu')
    >>> layer(np.ones((4, 3))).shape
    (4, 2)
    """

    keras_options = {"units": "same", "activation": "activation", "use_bias": "same",
                     "kernel_initializer": "initializer", "bias_initializer": "initializer",
                     "kernel_regularizer": "regularizer", "bias_regularizer": "regularizer",
                     "kernel_constraint": "constraint", "bias_constraint": "constraint"}
    keras_extras = {"quantization_config": None}
    onnx_folds_batch_norm = True

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise self._invalid(f"`units` must be a positive integer; received units={units!r}")
        self.units = int(units)
        self.use_bias = bool(use_bias)
        try:
            self.activation = _activations.get(activation)
            self.kernel_initializer = _initializers.get(kernel_initializer)
            self.bias_initializer = _initializers.get(bias_initializer)
            self.kernel_regularizer = _regularizers.get(kernel_regularizer)
            self.bias_regularizer = _regularizers.get(bias_regularizer)
            self.kernel_constraint = _constraints.get(kernel_constraint)
            self.bias_constraint = _constraints.get(bias_constraint)
        except ValueError as error:
            raise self._invalid(str(error)) from None
        self._activation_name = _activations.serialize(self.activation)

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise self._invalid(f"the last axis of the input must be known and there must be a batch axis; "
                                f"received input_shape={input_shape}")
        in_features = input_shape[-1]
        self.kernel = self.add_weight(shape=(in_features, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        else:
            self.bias = None
        self._min_ndim = 2
        self._input_axes = {-1: in_features}

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.units,)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        name = self._activation_name
        if name in FUSABLE_ACTIVATIONS and name != "sigmoid":
            return dense(x, self.kernel, self.bias, activation=name)
        # sigmoid / softmax keep their logits for the loss; other activations (step, callables) follow the
        # linear part as a separate op.
        z = dense(x, self.kernel, self.bias, activation=None)
        return _activations.apply_with_logits(name, self.activation, z)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self._activation_name,
            "use_bias": self.use_bias,
            "kernel_initializer": _initializers.serialize(self.kernel_initializer),
            "bias_initializer": _initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": _regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": _constraints.serialize(self.kernel_constraint),
            "bias_constraint": _constraints.serialize(self.bias_constraint),
        }

    def to_onnx(self, graph: Any, inputs: list[str], folded_batch_norm: Any = None) -> str:
        """MatMul + Add (valid for inputs of any rank, unlike Gemm), then the activation; a BatchNormalization
        after a linear Dense is folded into the kernel and bias."""
        kernel = self.kernel.data.astype(np.float64)
        bias = np.zeros(kernel.shape[-1]) if self.bias is None else self.bias.data.astype(np.float64)
        if folded_batch_norm is not None:
            from ..onnx.export import batch_norm_scale_shift
            scale, shift = batch_norm_scale_shift(folded_batch_norm)
            kernel, bias = kernel * scale, bias * scale + shift
        out = graph.node("MatMul", [inputs[0], graph.constant(f"{self.name}_kernel", kernel)], f"{self.name}_matmul")
        if self.bias is not None or folded_batch_norm is not None:
            out = graph.node("Add", [out, graph.constant(f"{self.name}_bias", bias)], f"{self.name}_add")
        return graph.activation(self._activation_name, out, f"{self.name}_activation",
                                f'layer "{self.name}" (Dense)')
