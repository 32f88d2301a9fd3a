"""LayerNormalization: normalize each sample over its own features (Ba, Kiros & Hinton 2016)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..normalization import layer_norm
from ..tensor import Tensor
from ._spatial import refuse_unsupported
from .base import Layer, Shape


class LayerNormalization(Layer):
    """Layer normalization (Keras's ``LayerNormalization``): for each sample::

        y = gamma (x - mu) / sqrt(sigma^2 + epsilon) + beta,

    mu and sigma^2 the mean and variance over ``axis`` (not over the batch, unlike BatchNormalization: the same
    computation in training and inference, no moving statistics).

    Args:
        axis: an int or a list of ints, the axes normalized together (default -1, the features).
        epsilon: added to the variance (default 1e-3). center, scale: whether to learn beta, gamma.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer: as Keras.

    Weights: ``gamma``, ``beta``, each of the shape of the normalized axes.
    """

    keras_options = {"axis": "same", "epsilon": "same", "center": "same", "scale": "same",
                     "beta_initializer": "initializer", "gamma_initializer": "initializer",
                     "beta_regularizer": "regularizer", "gamma_regularizer": "regularizer"}
    keras_extras = {"rms_scaling": False, "beta_constraint": None, "gamma_constraint": None}

    def __init__(self, axis: int | list[int] = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None, gamma_constraint: Any = None,
                 rms_scaling: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis: int | list[int] = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f'LayerNormalization layer "{self.name}": Expected an int or a list/tuple of ints for '
                            f"the argument 'axis', but received: {axis!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise self._invalid(f"`epsilon` must be a positive number; received epsilon={epsilon!r}")
        refuse_unsupported(self, beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
                           rms_scaling=rms_scaling)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        try:
            self.beta_initializer = _initializers.get(beta_initializer)
            self.gamma_initializer = _initializers.get(gamma_initializer)
            self.beta_regularizer = _regularizers.get(beta_regularizer)
            self.gamma_regularizer = _regularizers.get(gamma_regularizer)
        except ValueError as error:
            raise self._invalid(str(error)) from None

    def _axes(self, ndim: int) -> tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if not -ndim <= axis < ndim or axis % ndim == 0:
                raise self._invalid(f"Axis {axis} is out of bounds for input of rank {ndim} (or is the batch "
                                    f"axis). Received: axis={self.axis}")
        return tuple(sorted(a % ndim for a in axes))

    def build(self, input_shape: Shape) -> None:
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise self._invalid(f"the normalized axes {axes} must have known sizes; received {input_shape}")
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                     regularizer=self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                    regularizer=self.beta_regularizer) if self.center else None
        self._ndim = len(input_shape)
        self._input_axes = dict(zip(axes, shape))
        if isinstance(self.axis, int):  # as Keras: once built, the config lists the axes ([-1])
            self.axis = [self.axis]

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        self._axes(len(input_shape))
        return tuple(input_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return layer_norm(x, self.gamma, self.beta, self._axes(x.ndim), self.epsilon)

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX LayerNormalization (opset 17) when the axes are the trailing ones; otherwise, or before opset 17,
        the formula in ReduceMean, Sub, Mul, Sqrt, Div (the variance two-pass, as Lamina computes it)."""
        from ..onnx.spatial import reduce
        ndim = len(self.input_shape)
        axes = self._axes(ndim)
        shape = [1] * ndim
        for axis in axes:
            shape[axis] = self.input_shape[axis]
        gamma = None if self.gamma is None else self.gamma.data.reshape(shape)
        beta = None if self.beta is None else self.beta.data.reshape(shape)
        x, name = inputs[0], self.name
        if graph.opset >= 17 and axes == tuple(range(axes[0], ndim)):
            trailing = tuple(shape[axes[0]:])
            scale = np.ones(trailing) if gamma is None else gamma.reshape(trailing)
            parts = [x, graph.constant(f"{name}_gamma", scale)]
            if beta is not None:
                parts.append(graph.constant(f"{name}_beta", beta.reshape(trailing)))
            return graph.node("LayerNormalization", parts, name, axis=axes[0], epsilon=self.epsilon)
        centred = graph.node("Sub", [x, reduce(graph, "ReduceMean", x, axes, True, f"{name}_mean")], f"{name}_centred")
        variance = reduce(graph, "ReduceMean", graph.node("Mul", [centred, centred], f"{name}_square"), axes, True,
                          f"{name}_variance")
        deviation = graph.node("Sqrt", [graph.node("Add", [variance, graph.constant(f"{name}_epsilon", self.epsilon)],
                                                   f"{name}_plus_epsilon")], f"{name}_deviation")
        out = graph.node("Div", [centred, deviation], f"{name}_normalized")
        if gamma is not None:
            out = graph.node("Mul", [out, graph.constant(f"{name}_gamma", gamma)], f"{name}_scaled")
        if beta is not None:
            out = graph.node("Add", [out, graph.constant(f"{name}_beta", beta)], f"{name}_shifted")
        return out

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": False,
            "beta_initializer": _initializers.serialize(self.beta_initializer),
            "gamma_initializer": _initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": _regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": None, "gamma_constraint": None,
        }
