"""Layer normalization as one fused primitive (Ba, Kiros & Hinton 2016): each sample normalized over its own
features, not over the batch, so it behaves the same in training and inference and for any batch size."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .kernels.numpy_layers import batch_sum
from .tensor import Tensor, as_tensor


def layer_norm(x: Any, gamma: Tensor | None, beta: Tensor | None, axes: Sequence[int] = (-1,),
               epsilon: float = 1e-3) -> Tensor:
    """y = gamma x_hat + beta with x_hat = (x - mu) / sqrt(sigma^2 + eps), mu and sigma^2 the mean and (biased)
    variance of each sample over ``axes``; gamma and beta have the shape of those axes.

    The variance is computed from the centred values (two passes), which stays accurate when |mu| >> sigma.
    Backward, with D values normalized together, dx_hat = g gamma and means taken over ``axes``:
        dL/dx = (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat)) / sqrt(sigma^2 + eps)
        dL/dgamma = sum over the other axes of g x_hat,   dL/dbeta = sum over the other axes of g
    """
    x = as_tensor(x)
    X = x.data
    ndim = X.ndim
    axes = tuple(sorted(a % ndim for a in axes))
    others = tuple(i for i in range(ndim) if i not in axes)
    param_shape = tuple(X.shape[a] for a in axes)
    broadcast = tuple(X.shape[i] if i in axes else 1 for i in range(ndim))
    trailing = axes == tuple(range(ndim - len(axes), ndim))  # the usual case: BLAS sums over the rest
    dtype = X.dtype
    count = dtype.type(1 / int(np.prod(param_shape)))
    mu = np.add.reduce(X, axis=axes, keepdims=True) * count
    x_hat = X - mu
    var = np.add.reduce(x_hat * x_hat, axis=axes, keepdims=True) * count
    inv_std = 1 / np.sqrt(var + dtype.type(epsilon))
    x_hat *= inv_std
    gamma_b = None if gamma is None else gamma.data.reshape(broadcast)
    out = x_hat * gamma_b if gamma is not None else x_hat.copy()
    if beta is not None:
        out += beta.data.reshape(broadcast)
    parents = (x,) + tuple(p for p in (gamma, beta) if p is not None)

    def parameter_sum(values: np.ndarray) -> np.ndarray:
        if trailing:
            return batch_sum(values.reshape(-1, int(np.prod(param_shape)))).reshape(param_shape)
        return np.add.reduce(values, axis=others).reshape(param_shape)

    def vjp(g):
        grads = [None]
        if x.requires_grad:
            dx_hat = g * gamma_b if gamma is not None else g.copy()
            mean_dx_hat = np.add.reduce(dx_hat, axis=axes, keepdims=True) * count
            mean_dx_hat_x_hat = np.add.reduce(dx_hat * x_hat, axis=axes, keepdims=True) * count
            dx_hat -= mean_dx_hat
            dx_hat -= x_hat * mean_dx_hat_x_hat
            dx_hat *= inv_std
            grads[0] = dx_hat
        if gamma is not None:
            grads.append(parameter_sum(g * x_hat) if gamma.requires_grad else None)
        if beta is not None:
            grads.append(parameter_sum(g) if beta.requires_grad else None)
        return grads

    return Tensor._from_op(out, parents, vjp)
