"""Adam: momentum on the gradient plus RMSProp's per-parameter scaling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels
from ..kernels.prelude import Prelude
from .base import LearningRate, Optimizer
from .checks import _check_float


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014), as the notes write it; ``t`` counts steps from 1::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        w = w - eta / (sqrt(v_hat) + epsilon) * m_hat

    The bias correction undoes the zero start of ``m`` and ``v``: on the first
    step ``m_hat = g`` and ``v_hat = g * g``, so every element moves by
    ``eta * sign(g)`` (up to epsilon).

    With ``amsgrad=True`` the denominator uses the running maximum of ``v``::

        v_max = max(v_max, v)
        v_hat = v_max / (1 - beta_2 ** t)

    Lamina keeps the two moments as running sums rather than averages,
    ``m_sum = m / (1 - beta_1)`` and ``v_sum = v / (1 - beta_2)``, that is::

        m_sum = beta_1 * m_sum + g
        v_sum = beta_2 * v_sum + g * g

    and moves the constant factors into the step's two scalars. It is the
    same rule (equal up to float rounding) with two passes fewer over every
    parameter per step. ``get_state()`` returns these sums, under
    ``m_sum/<i>`` and ``v_sum/<i>`` (and ``v_sum_max/<i>`` with AMSGrad);
    multiply by ``1 - beta`` for the notes' ``m`` and ``v``.

    Arguments, names and defaults are Keras 3's. PyTorch computes exactly the
    notes' form (its default epsilon is 1e-8). Keras folds the corrections into
    the rate, ``w -= eta * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)``,
    which is the notes' rule with epsilon scaled by ``sqrt(1 - beta_2**t)``.

    Args:
        learning_rate: ``eta``, a float >= 0 or a schedule. Defaults to 0.001.
        beta_1: decay of ``m``, in [0, 1). Defaults to 0.9.
        beta_2: decay of ``v``, in [0, 1). Defaults to 0.999.
        epsilon: ``epsilon`` (>= 0). Defaults to 1e-7.
        amsgrad: use the AMSGrad variant. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = Adam(learning_rate=1e-3)
        for x, y in batches:
            loss = ...; loss.backward()
            opt.step(params)
    """

    _decaying_slots = ("m_sum", "v_sum")

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "adam") -> None:
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.beta_1 = _check_float("beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = _check_float("beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = _check_float("epsilon", epsilon, 0)
        self.amsgrad = bool(amsgrad)
        self._slot_names = ("m_sum", "v_sum", "v_sum_max") if self.amsgrad else ("m_sum", "v_sum")

    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        bias_1 = 1.0 - self.beta_1 ** t
        root_bias_2 = math.sqrt(1.0 - self.beta_2 ** t)
        # eta m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta_1^t), v_hat = v / (1 - beta_2^t),
        # m = (1 - beta_1) m_sum and v = (1 - beta_2) v_sum, is
        #     step_size * m_sum / (sqrt(v_sum) + epsilon_hat)   with
        #     step_size = eta sqrt(1 - beta_2^t) / (1 - beta_1^t) * (1 - beta_1) / sqrt(1 - beta_2)
        #     epsilon_hat = eps sqrt(1 - beta_2^t) / sqrt(1 - beta_2):
        # the bias corrections and the moments' constant factors folded into two scalars.
        root_one_minus_beta_2 = math.sqrt(1.0 - self.beta_2)
        return {"beta_1": self.beta_1, "beta_2": self.beta_2,
                "step_size": lr * root_bias_2 / bias_1 * (1.0 - self.beta_1) / root_one_minus_beta_2,
                "epsilon_hat": self.epsilon * root_bias_2 / root_one_minus_beta_2}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        # m_sum = beta_1 m_sum + g;  v_sum = beta_2 v_sum + g*g  (v_sum_max = max(v_sum_max, v_sum) with AMSGrad)
        # w = w - step_size * m_sum / (sqrt(v_sum) + epsilon_hat)
        kernels.adam_update(w, g, state["m_sum"], state["v_sum"], state.get("v_sum_max"), pre, c["beta_1"],
                            c["beta_2"], c["step_size"], c["epsilon_hat"], threads=self.update_threads)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
