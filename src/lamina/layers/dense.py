"""Dense: the fully connected layer, a = f(x W + b) (sections 2 and 7)."""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..functional import FUSABLE_ACTIVATIONS, dense
from ..tensor import Tensor
from .base import Layer, Shape


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

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
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
        except ValueError as error:
            raise self._invalid(str(error)) from None
        self._activation_name = _activations.serialize(self.activation)

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise self._invalid(f"the last axis of the input must be known and there must be a batch axis; "
                                f"received input_shape={input_shape}")
        in_features = input_shape[-1]
        self.add_weight("kernel", (in_features, self.units), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, regularizer=self.bias_regularizer)
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
        }
