"""BatchNormalization (section 6): normalize each feature over the batch, then scale by gamma, shift by beta."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers as _initializers
from .. import ops
from .. import constraints as _constraints
from .. import regularizers as _regularizers
from ..functional import batch_norm, batch_norm_inference
from ..tensor import Tensor
from .base import Layer, Shape


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Batch normalization of the features on ``axis``.

    Training (statistics of the current mini-batch B, over every axis but ``axis``)::

        mu_B = mean(x),  sigma_B^2 = mean((x - mu_B)^2)        (biased variance, as Keras)
        x_hat = (x - mu_B) / sqrt(sigma_B^2 + epsilon),   y = gamma x_hat + beta

    and the frozen running averages for inference are updated::

        moving_mean = moving_mean * momentum + mu_B * (1 - momentum)
        moving_variance = moving_variance * momentum + sigma_B^2 * (1 - momentum)

    Inference (``training=False``, or a frozen layer): mu_B and sigma_B^2 are replaced by the moving averages.

    With ``synchronized=True`` (Keras's option) and a ``lamina.distribution.DataParallel`` over several processes,
    mu_B and sigma_B^2 are those of the whole global batch rather than of this process's shard
    (``distribution/sync_batch_norm.py``); with one process the option changes nothing.

    Weights ``[gamma, beta, moving_mean, moving_variance]`` (gamma without ``scale``, beta without ``center``
    are left out); the last two are non-trainable. Parameters: 4 per feature.
    (PyTorch's BatchNorm1d: momentum 0.1 means Keras's 0.9, eps 1e-5, unbiased running variance.)
    """

    keras_options = {"axis": "same", "momentum": "same", "epsilon": "same", "center": "same", "scale": "same",
                     "beta_initializer": "initializer", "gamma_initializer": "initializer",
                     "moving_mean_initializer": "initializer", "moving_variance_initializer": "initializer",
                     "beta_regularizer": "regularizer", "gamma_regularizer": "regularizer",
                     "beta_constraint": "constraint", "gamma_constraint": "constraint"}
    keras_extras = {"synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise self._invalid(f"`axis` must be an integer; received axis={axis!r}")
        if not _number(momentum) or not 0 <= momentum <= 1:
            raise self._invalid(f"`momentum` must be a number in [0, 1]; received momentum={momentum!r}")
        if not _number(epsilon) or not epsilon > 0:
            raise self._invalid(f"`epsilon` must be a positive number; received epsilon={epsilon!r}")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.synchronized = bool(synchronized)
        self.scale = bool(scale)
        try:
            self.beta_initializer = _initializers.get(beta_initializer)
            self.gamma_initializer = _initializers.get(gamma_initializer)
            self.moving_mean_initializer = _initializers.get(moving_mean_initializer)
            self.moving_variance_initializer = _initializers.get(moving_variance_initializer)
            self.beta_regularizer = _regularizers.get(beta_regularizer)
            self.gamma_regularizer = _regularizers.get(gamma_regularizer)
            self.beta_constraint = _constraints.get(beta_constraint)
            self.gamma_constraint = _constraints.get(gamma_constraint)
        except ValueError as error:
            raise self._invalid(str(error)) from None

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or (self.axis % ndim) == 0:
            raise self._invalid(f"`axis`={self.axis} is not a feature axis of inputs of shape {input_shape}")
        self._feature_axis = self.axis % ndim
        features = input_shape[self._feature_axis]
        if features is None:
            raise self._invalid(f"axis {self.axis} of the input must have a known size; received {input_shape}")
        shape = (features,)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer, name="gamma",
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer, name="beta",
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer, trainable=False,
                                           name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._ndim = ndim
        self._input_axes = {self._feature_axis: features}

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        # functional.batch_norm normalizes over every axis but the last: move the feature axis there and back.
        last = x.ndim - 1
        moved = self._feature_axis != last
        if moved:
            order = [i for i in range(x.ndim) if i != self._feature_axis] + [self._feature_axis]
            x = ops.transpose(x, order)
        # A frozen layer (trainable=False) always uses its moving statistics, as in Keras.
        if training and self.trainable:
            if self.synchronized:  # the global batch's statistics, shared by every process (lamina.distribution)
                from ..distribution.state import current_replica
                from ..distribution.sync_batch_norm import sync_batch_norm

                out, batch_mean, batch_variance = sync_batch_norm(x, self.gamma, self.beta, self.epsilon,
                                                                  current_replica())
            else:
                out, batch_mean, batch_variance = batch_norm(x, self.gamma, self.beta, self.epsilon)
            self._update_moving(self.moving_mean.data, batch_mean)
            self._update_moving(self.moving_variance.data, batch_variance)
        else:
            out = batch_norm_inference(x, self.gamma, self.beta, self.moving_mean.data, self.moving_variance.data,
                                       self.epsilon)
        if moved:
            out = ops.transpose(out, list(np.argsort(order)))
        return out

    def _update_moving(self, moving: np.ndarray, batch: np.ndarray) -> None:
        """moving = moving * momentum + batch * (1 - momentum), in place (no new array, dtype kept)."""
        np.multiply(moving, moving.dtype.type(self.momentum), out=moving)
        np.add(moving, batch * batch.dtype.type(1 - self.momentum), out=moving, casting="same_kind")

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale, "synchronized": self.synchronized,
            "beta_initializer": _initializers.serialize(self.beta_initializer),
            "gamma_initializer": _initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": _initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": _initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": _regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": _regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": _constraints.serialize(self.beta_constraint),
            "gamma_constraint": _constraints.serialize(self.gamma_constraint),
        }

    def to_onnx(self, graph: Any, inputs: list[str]) -> str:
        """ONNX BatchNormalization for (batch, features) inputs; a per-feature Mul and Add otherwise."""
        rank = len(self.input_shape)
        axis = self.axis % rank
        if rank == 2 and axis == 1:
            mean = self.moving_mean.data
            gamma = np.ones_like(mean) if self.gamma is None else self.gamma.data
            beta = np.zeros_like(mean) if self.beta is None else self.beta.data
            parts = [graph.constant(f"{self.name}_{part}", value) for part, value in
                     (("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                      ("moving_variance", self.moving_variance.data))]
            return graph.node("BatchNormalization", [inputs[0], *parts], self.name, epsilon=self.epsilon)
        from ..onnx.export import batch_norm_scale_shift
        scale, shift = batch_norm_scale_shift(self)
        shape = [1] * rank
        shape[axis] = -1
        out = graph.node("Mul", [inputs[0], graph.constant(f"{self.name}_scale", scale.reshape(shape)[0])],
                         f"{self.name}_mul")
        return graph.node("Add", [out, graph.constant(f"{self.name}_shift", shift.reshape(shape)[0])],
                          f"{self.name}_add")
