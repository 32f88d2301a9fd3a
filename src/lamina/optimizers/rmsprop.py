"""RMSProp: AdaGrad with an exponentially decaying average of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..kernels.prelude import Prelude
from .base import LearningRate, Optimizer
from .checks import _check_float


class RMSprop(Optimizer):
    """RMSProp (Hinton, 2012), as the notes write it::

        r = rho * r + (1 - rho) * g * g
        w = w - eta / (sqrt(r) + delta) * g

    With a constant gradient ``r`` tends to ``g*g`` (a geometric series), so
    unlike AdaGrad's sum it stays bounded and the rate does not vanish.

    Keras's options, in the same symbols:

    - ``centered=True`` also tracks the mean gradient and divides by an
      estimate of the standard deviation instead::

          m_g = rho * m_g + (1 - rho) * g
          w = w - eta / (sqrt(r - m_g * m_g) + delta) * g

    - ``momentum = mu > 0`` accumulates the scaled steps, as SGD's velocity::

          b = mu * b + eta / (sqrt(r) + delta) * g     (or the centered form)
          w = w - b

    Arguments, names and defaults are Keras 3's (``delta`` is ``epsilon``).
    Keras puts epsilon inside the square root (``sqrt(r + epsilon)``);
    PyTorch's ``RMSprop(alpha=rho, eps=...)`` uses the notes' placement, and its
    momentum buffer leaves ``eta`` out (``b = mu*b + g/(...); w -= eta*b``),
    which is identical while the learning rate is constant.

    Args:
        learning_rate: ``eta``, a float >= 0 or a schedule. Defaults to 0.001.
        rho: decay rate of ``r``, in [0, 1). Defaults to 0.9.
        momentum: ``mu`` in [0, 1]. Defaults to 0.
        epsilon: ``delta`` (>= 0). Defaults to 1e-7.
        centered: use the centered form. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = RMSprop(learning_rate=1e-3, rho=0.9)
    """

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "rmsprop") -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.rho = _check_float("rho", rho, 0, 1, high_open=True)
        self.momentum = _check_float("momentum", momentum, 0, 1)
        self.epsilon = _check_float("epsilon", epsilon, 0)
        self.centered = bool(centered)
        slots = ["r"]
        if self.centered:
            slots.append("m_g")
        if self.momentum > 0:
            slots.append("b")
        self._slot_names = tuple(slots)
        self._decaying_slots = self._slot_names

    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        return {"lr": lr, "rho": self.rho, "one_minus_rho": 1.0 - self.rho,
                "mu": self.momentum, "delta": self.epsilon}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        # r = rho r + (1 - rho) g*g  [m_g = rho m_g + (1 - rho) g, and r - m_g^2 under the root, if centered]
        # step = eta / (sqrt(r) + delta) * g;  w = w - step  [b = mu b + step; w = w - b, with momentum]
        kernels.rmsprop_update(w, g, state["r"], state.get("m_g"), state.get("b"), pre, c["lr"], c["rho"],
                               c["one_minus_rho"], c["mu"], c["delta"], threads=self.update_threads)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
