"""LayerNormalization: normalize each sample over its own features (Ba, Kiros & Hinton 2016)."""

from __future__ import annotations

from typing import Any

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..normalization import layer_norm
from ..tensor import Tensor
from ._spatial import refuse_unsupported
from .base import Layer, Shape


class LayerNormalization(Layer):
    """Layer normalization (Keras's ``LayerNormalization``): for each sample,
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
