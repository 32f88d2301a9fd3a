"""Batch normalization with the statistics of the global batch, shared by every process (Keras's
``BatchNormalization(synchronized=True)``).

By default each process normalizes its shard with the shard's own mean and variance (as Keras does on several
devices): with shards of 32 samples the statistics are noisier than those of the global batch, and each process's
moving averages drift apart. Synchronized, the moments are those of the whole global batch B = union of the
shards, which is what one process with the global batch computes (section 6, over all N samples of B):

    mu_B = (1/N) sum_p n_p mu_p
    N sigma_B^2 = sum_p [ n_p sigma_p^2 + n_p (mu_p - mu_B)^2 ]     (Chan et al.'s merge of per-shard moments)

from one all-gather of (n_p, mu_p, n_p sigma_p^2) per process. The backward pass needs the two sums over the
global batch that ``functional.batch_norm``'s backward takes over its batch, with dx_hat = g gamma:

    dL/dx_i = (gamma / sqrt(sigma_B^2 + eps)) (g_i - (sum_j g_j + x_hat_i sum_j g_j x_hat_j) / N)

so backward all-reduces ``[sum g, sum g x_hat]`` (each process's g is already weighted by its share of the global
loss, ``Replica.scale_loss``). The gradients of gamma and beta are left per process: the gradient all-reduce
sums them with every other gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import batch_norm
from ..kernels.numpy_layers import batch_sum
from ..tensor import Tensor, as_tensor


def _global_moments(local: np.ndarray, count: int, replica: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """(mu_B, sigma_B^2, N) from this process's rows of ``local`` (float64, shape (n, C)) and everyone else's."""
    features = local.shape[-1]
    mine = np.zeros(2 * features + 1)
    mine[0] = count
    if count:
        mean = local.mean(axis=0)
        mine[1:features + 1] = mean
        centered = local - mean
        mine[features + 1:] = np.einsum("ij,ij->j", centered, centered)
    table = replica.allgather(mine, "the moments of a synchronized BatchNormalization")
    counts, means, squares = table[:, 0], table[:, 1:features + 1], table[:, features + 1:]
    total = float(counts.sum())
    mu = counts @ means / total
    spread = squares.sum(axis=0) + counts @ (means - mu) ** 2
    return mu, spread / total, total


def sync_batch_norm(x: Any, gamma: Tensor | None, beta: Tensor | None, epsilon: float,
                    replica: Any) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """``functional.batch_norm`` over the global batch of ``replica``'s processes (one process: the same call).

    Returns y and the global batch statistics (mu_B, sigma_B^2), for the moving averages (identical on every
    process, so that the moving statistics stay identical too).
    """
    if replica.size == 1:
        return batch_norm(x, gamma, beta, epsilon)
    x = as_tensor(x)
    X = x.data
    dtype = X.dtype
    rows = X.reshape(-1, X.shape[-1])
    mu64, var64, total = _global_moments(rows.astype(np.float64), rows.shape[0], replica)
    mu, var = mu64.astype(dtype), var64.astype(dtype)
    inv_std = (1 / np.sqrt(var64 + epsilon)).astype(dtype)
    x_hat = (X - mu) * inv_std
    out = x_hat * gamma.data if gamma is not None else x_hat.copy()
    if beta is not None:
        out += beta.data
    parents = (x,) + tuple(p for p in (gamma, beta) if p is not None)
    inv_total = dtype.type(1 / total)
    scale = inv_std * gamma.data if gamma is not None else inv_std

    def vjp(g: np.ndarray) -> list[np.ndarray | None]:
        shard_sums = [batch_sum(g), batch_sum(g * x_hat)]  # this shard's dL/dbeta, dL/dgamma
        totals = np.concatenate(shard_sums).astype(np.float64)
        replica.allreduce_sum(totals, "the backward sums of a synchronized BatchNormalization")
        sum_g, sum_g_x_hat = np.split(totals.astype(dtype), 2)
        dx = None
        if x.requires_grad:  # (g - (sum g + x_hat sum g x_hat) / N) gamma / sqrt(sigma_B^2 + eps)
            dx = g - (sum_g + x_hat * sum_g_x_hat) * inv_total
            dx *= scale
        parameter_grads = [grad for grad, param in zip(shard_sums[::-1], (gamma, beta)) if param is not None]
        return [dx, *parameter_grads]

    return Tensor._from_op(out, parents, vjp), mu, var


def take_part_without_data(layers: list[Any], replica: Any) -> None:
    """The collectives of the synchronized BatchNormalization ``layers`` (in forward order) for a process whose
    shard of this step is empty: zero samples in the forward moments (and the same moving-average update as
    the others), zero sums in the backward pass (run in reverse order, as backward runs them)."""
    for layer in layers:
        features = layer.moving_mean.data.shape[0]
        mu, var, _ = _global_moments(np.zeros((0, features)), 0, replica)
        layer._update_moving(layer.moving_mean.data, mu.astype(layer.moving_mean.data.dtype))
        layer._update_moving(layer.moving_variance.data, var.astype(layer.moving_variance.data.dtype))
    for layer in reversed(layers):
        features = layer.moving_mean.data.shape[0]
        replica.allreduce_sum(np.zeros(2 * features), "the backward sums of a synchronized BatchNormalization")


def synchronized_layers(model: Any) -> list[Any]:
    """The model's BatchNormalization layers that synchronize in training, in forward order (nested models
    included)."""
    found = []
    for layer in getattr(model, "layers", []):
        if hasattr(layer, "layers"):
            found.extend(synchronized_layers(layer))
        elif getattr(layer, "synchronized", False) and getattr(layer, "trainable", True) and layer.built:
            found.append(layer)
    return found

