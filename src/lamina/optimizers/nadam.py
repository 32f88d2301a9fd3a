"""Nadam: Adam with Nesterov momentum, as Keras computes it."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..kernels.prelude import Prelude
from .base import LearningRate, Optimizer
from .checks import _check_float


class Nadam(Optimizer):
    """Nadam (Dozat, 2016) with Keras 3's momentum schedule; ``t`` counts steps from 1::

        u_t = beta_1 * (1 - 0.5 * 0.96 ** t)           (momentum schedule)
        U_t = u_1 * u_2 * ... * u_t                      (running product, kept as state)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)
        v_hat = v / (1 - beta_2 ** t)
        w = w - eta / (sqrt(v_hat) + epsilon) * m_hat

    ``m_hat`` looks one step ahead (Nesterov): it mixes the next step's momentum
    with the current gradient. Epsilon is outside the square root, as in the
    notes' Adam and in Keras. PyTorch's ``NAdam`` uses a different schedule
    (``0.96 ** (0.004 * t)``) and is not expected to match.

    Args:
        learning_rate: ``eta``, a float >= 0 or a schedule. Defaults to 0.001.
        beta_1: in [0, 1). Defaults to 0.9.
        beta_2: in [0, 1). Defaults to 0.999.
        epsilon: (>= 0). Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = Nadam(learning_rate=2e-3)
    """

    _slot_names = ("m", "v")
    _decaying_slots = ("m", "v")
    _scalar_state = ("_u_product",)

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "nadam") -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.beta_1 = _check_float("beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = _check_float("beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = _check_float("epsilon", epsilon, 0)
        self._u_product = 1.0  # U_0, the empty product

    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96 ** t)
        u_next = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self._u_product *= u_t  # called once per counted step, so U_t stays in step with t
        big_u = self._u_product
        return {"beta_1": self.beta_1, "one_minus_beta_1": 1.0 - self.beta_1,
                "beta_2": self.beta_2, "one_minus_beta_2": 1.0 - self.beta_2,
                "bias_2": 1.0 - self.beta_2 ** t, "epsilon": self.epsilon,
                # eta times the two weights of m_hat, so each term costs one multiply
                "lr_m": lr * u_next / (1.0 - big_u * u_next),
                "lr_g": lr * (1.0 - u_t) / (1.0 - big_u)}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        # m = beta_1 m + (1 - beta_1) g;  v = beta_2 v + (1 - beta_2) g*g;  v_hat = v / bias_2
        # w = w - lr_m m / (sqrt(v_hat) + epsilon) - lr_g g / (sqrt(v_hat) + epsilon)
        kernels.nadam_update(w, g, state["m"], state["v"], pre, c["beta_1"], c["one_minus_beta_1"], c["beta_2"],
                             c["one_minus_beta_2"], c["bias_2"], c["epsilon"], c["lr_m"], c["lr_g"],
                             threads=self.update_threads)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
