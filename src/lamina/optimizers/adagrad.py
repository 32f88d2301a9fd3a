"""AdaGrad: a per-parameter rate scaled by the sum of past squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..kernels.prelude import Prelude
from .base import LearningRate, Optimizer
from .checks import _check_float


class Adagrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer, 2011), as the notes write it::

        r = r + g * g
        w = w - eta / (sqrt(r) + delta) * g

    ``r`` starts at ``initial_accumulator_value`` and only grows, so a
    parameter with frequent gradients sees its effective rate
    ``eta / (sqrt(r) + delta)`` decay while a sparse one keeps a large rate.

    Arguments, names and defaults are Keras 3's (``delta`` is ``epsilon``).
    Where the others differ: Keras puts epsilon inside the square root,
    ``w = w - eta * g / sqrt(r + epsilon)``; PyTorch uses the notes' placement
    but starts from ``r = 0`` with ``eps = 1e-10``. Pass
    ``initial_accumulator_value=0.0, epsilon=1e-10`` to follow PyTorch.

    Args:
        learning_rate: ``eta``, a float >= 0 or a schedule. Defaults to 0.001.
        initial_accumulator_value: starting value of ``r`` (>= 0). Defaults to 0.1.
        epsilon: ``delta`` (>= 0). Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = Adagrad(learning_rate=0.1)
        opt.apply([grad_w, grad_b], [w, b])
    """

    _slot_names = ("r",)

    def __init__(self, learning_rate: LearningRate = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "adagrad") -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.initial_accumulator_value = _check_float(
            "initial_accumulator_value", initial_accumulator_value, 0)
        self.epsilon = _check_float("epsilon", epsilon, 0)

    def _init_slots(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {"r": np.full_like(w, self.initial_accumulator_value)}

    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        return {"lr": lr, "delta": self.epsilon}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        # r = r + g * g;  w = w - eta / (sqrt(r) + delta) * g
        kernels.adagrad_update(w, g, state["r"], pre, c["lr"], c["delta"], threads=self.update_threads)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
