"""Losses between distributions and counts: Kullback-Leibler divergence and Poisson, as Keras defines them.

    kl_divergence   l = sum_j y_j log(y_j / y_hat_j),  y and y_hat clipped to [eps, 1]
    poisson         l = mean_j (y_hat_j - y_j log(y_hat_j + eps))

eps = 1e-7 (Keras's epsilon).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from .base import EPSILON, LossFunctionWrapper, prepare


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample KL divergence of the predicted distribution from the true one (last axis)."""
    y_true, y_pred = prepare("kl_divergence", y_true, y_pred)
    y_true = np.clip(y_true, EPSILON, 1.0)
    return ops.sum(y_true * (np.log(y_true) - ops.log(ops.clip(y_pred, EPSILON, 1.0))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample Poisson loss: the negative log-likelihood of counts y under rates y_hat, up to a constant."""
    y_true, y_pred = prepare("poisson", y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


class KLDivergence(LossFunctionWrapper):
    """l_i = sum_j y_ij log(y_ij / y_hat_ij), both clipped to [eps, 1]."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "kl_divergence",
                 dtype: Any = None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """l_i = mean_j (y_hat_ij - y_ij log(y_hat_ij + eps)), for count targets and positive predicted rates."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "poisson", dtype: Any = None):
        super().__init__(poisson, reduction, name, dtype)
