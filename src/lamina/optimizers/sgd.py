"""Stochastic gradient descent, with the notes' momentum and Keras's Nesterov option."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..kernels.prelude import Prelude
from .base import LearningRate, Optimizer
from .checks import _check_float


class SGD(Optimizer):
    """Mini-batch SGD, optionally with momentum (notes, section 4).

    Plain (``momentum=0``)::

        w = w - eta * g

    Momentum (``gamma = momentum``), the notes' velocity ``v`` starting at 0::

        v = gamma * v + eta * g
        w = w - v

    Nesterov momentum (``nesterov=True``), as Keras applies it::

        v = gamma * v + eta * g
        w = w - (gamma * v + eta * g)

    Keras writes the same rule with ``m = -v``: ``m = mu*m - lr*g; w = w + m``.
    PyTorch keeps ``b = v / eta`` (``b = mu*b + g; w = w - lr*b``), identical
    while the learning rate is constant; when it changes, the notes' and
    Keras's velocity keeps the old rates' contributions and PyTorch's rescales
    them. With a constant gradient the step tends to ``eta*|g| / (1 - gamma)``,
    10x plain SGD at ``gamma = 0.9``.

    Args:
        learning_rate: ``eta``, a float >= 0 or a schedule. Defaults to 0.01.
        momentum: ``gamma`` in [0, 1]. Defaults to 0 (no velocity is stored).
        nesterov: use Nesterov momentum. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = SGD(learning_rate=0.1, momentum=0.9)
        opt.step(model_parameters)   # after loss.backward()
    """

    def __init__(self, learning_rate: LearningRate = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "SGD") -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.momentum = _check_float("momentum", momentum, 0, 1)
        self.nesterov = bool(nesterov)
        # The velocity exists only with momentum; plain SGD keeps no state.
        self._slot_names = ("v",) if self.momentum > 0 else ()
        self._decaying_slots = self._slot_names

    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        return {"lr": lr, "gamma": self.momentum}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        # v = gamma * v + eta * g;  w = w - v  (Nesterov: w = w - (gamma * v + eta * g); no v: w = w - eta * g)
        kernels.sgd_update(w, g, state.get("v"), pre, c["lr"], c["gamma"], self.nesterov,
                           threads=self.update_threads)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
