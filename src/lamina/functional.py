"""Activation functions (section 3), fused losses, and the fused layer primitives.

Each function here is one primitive with a hand-derived VJP, chosen because it is faster or more stable than
composing smaller ops; each derivation is written beside it in the notes' symbols. The array work of the
activations, the dense layer's bias and activation, dropout, batch norm and the fused losses is done by
``lamina.kernels`` (NumPy's passes, or compiled loops with the ``fast`` extra); this file holds the autodiff
side: arguments, checks, the Tensor and its VJP.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, Callable

import numpy as np

from . import kernels
from .kernels.numpy_layers import batch_sum, leaky_slope
from .tensor import Tensor, as_tensor, gradient_target

_REDUCTIONS = ("mean", "sum", "none")


# ----- activations (section 3) -------------------------------------------------------------------------------
def _activate(x: Tensor, name: str, alpha: float = 0.2) -> Tensor:
    """a = f(x) as a new array, and its VJP dL/dx = g f'(x), with f' taken from the saved output a."""
    X = x.data
    saved = None
    if X.dtype.kind == "f":
        out, saved = kernels.bias_act_forward(X, None, name, alpha, out=np.empty_like(X))
    elif name in ("sigmoid", "tanh"):  # integers and bools: float64 results, as NumPy's exp and tanh give
        out, saved = kernels.bias_act_forward(X.astype(np.float64), None, name, alpha)
    else:  # ReLU keeps an integer dtype, as np.maximum does
        out = np.maximum(X, 0) if name == "relu" else X * leaky_slope(X, alpha)
    return Tensor._from_op(out, (x,), lambda g: (kernels.bias_act_backward(g, out, saved, name, alpha)[0],))


def sigmoid(x: Any) -> Tensor:
    """sigma(x) = 1 / (1 + e^-x), into (0, 1). d(sigma)/dx = sigma (1 - sigma), from the saved output."""
    return _activate(as_tensor(x), "sigmoid")


def tanh(x: Any) -> Tensor:
    """tanh(x), into (-1, 1), zero-centred. d(tanh)/dx = 1 - tanh^2."""
    return _activate(as_tensor(x), "tanh")


def relu(x: Any) -> Tensor:
    """ReLU(x) = max(0, x). ReLU'(x) = 1 for x > 0, else 0 (the 'dying ReLU' side)."""
    return _activate(as_tensor(x), "relu")


def leaky_relu(x: Any, alpha: float = 0.2) -> Tensor:
    """x for x > 0, alpha x otherwise (Keras's string 'leaky_relu' uses alpha = 0.2). Derivative 1 or alpha."""
    return _activate(as_tensor(x), "leaky_relu", alpha)


def linear(x: Any) -> Tensor:
    """The identity activation, f(x) = x (Keras's 'linear')."""
    return as_tensor(x)


def step(x: Any) -> Tensor:
    """The perceptron's Heaviside step: 1 where x > 0, else 0. Its derivative is 0 everywhere it exists, so
    no gradient flows back through it (which is why the perceptron cannot be trained by back propagation)."""
    x = as_tensor(x)
    out = (x.data > 0).astype(x.dtype if x.dtype.kind == "f" else np.float32)
    return Tensor._from_op(out, (x,), lambda g: (np.zeros(x.shape, dtype=x.dtype),))


def softmax(x: Any, axis: int = -1, temperature: float = 1.0) -> Tensor:
    """sigma(z)_i = e^(z_i/T) / sum_j e^(z_j/T): a probability distribution over ``axis``.

    Temperature T -> infinity flattens it towards uniform; T -> 0 sharpens it towards one-hot.
    Jacobian: d(sigma_i)/d(z_j) = sigma_i (delta_ij - sigma_j) / T, so the VJP is
    dL/dz = sigma * (g - sum_j g_j sigma_j) / T.
    """
    x = as_tensor(x)
    if not temperature > 0:
        raise ValueError(f"softmax: temperature must be positive; received {temperature}")
    z = x.data if temperature == 1.0 else x.data / np.asarray(temperature, dtype=x.dtype)
    s = kernels.softmax_forward(z, axis)

    def vjp(g):
        grad = s * (g - (g * s).sum(axis=axis, keepdims=True))
        return (grad if temperature == 1.0 else grad / np.asarray(temperature, dtype=grad.dtype),)

    return Tensor._from_op(s, (x,), vjp)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log sigma(z)_i = z_i - log sum_j e^(z_j), computed stably. VJP: g - sigma * sum_j g_j."""
    x = as_tensor(x)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def vjp(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

    return Tensor._from_op(out, (x,), vjp)


# ----- fused losses ------------------------------------------------------------------------------------------
def _reduce(per_sample: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The reduced loss and the factor that the reduction puts in front of each sample's gradient."""
    if reduction == "mean":
        scale = 1.0 / builtins.max(per_sample.size, 1)
        return np.asarray(np.add.reduce(per_sample, axis=None) * per_sample.dtype.type(scale)), scale
    if reduction == "sum":
        return np.asarray(per_sample.sum(), dtype=per_sample.dtype), 1.0
    if reduction == "none":
        return per_sample, 1.0
    raise ValueError(f"reduction must be one of {_REDUCTIONS}; received {reduction!r}")


def _labels_array(labels: Any) -> np.ndarray:
    return np.asarray(labels.data if isinstance(labels, Tensor) else labels)


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) against ``labels``, fused and stable.

    L = -sum_i y_i log(sigma(z)_i) = logsumexp(z) - sum_i y_i z_i   (for labels summing to 1)

    Labels are one-hot / probabilities (same shape as ``logits``) or integer class indices (``logits``'s shape
    without ``axis``). The VJP is the notes' dL/dz = y_hat - y (scaled by 1/N for the mean), with
    y_hat = softmax(z); for labels that do not sum to 1 it is y_hat sum(y) - y.
    """
    logits = as_tensor(logits)
    z = logits.data
    y = _labels_array(labels)
    axis = axis % z.ndim
    if y.shape == z.shape:
        y = y.astype(z.dtype, copy=False)
    else:
        expected = z.shape[:axis] + z.shape[axis + 1:]
        if y.shape != expected and not (y.shape == expected + (1,)):
            raise ValueError(f"softmax_cross_entropy: labels must be one-hot of shape {z.shape} or class indices "
                             f"of shape {expected}; received shape {y.shape}")
        y = y.reshape(expected)
        if y.dtype.kind not in "iu" and not np.all(np.mod(y, 1) == 0):
            raise ValueError("softmax_cross_entropy: class-index labels must be integers")
        y = y.astype(np.intp)
        classes = z.shape[axis]
        if y.size and (y.min() < 0 or y.max() >= classes):
            raise ValueError(f"softmax_cross_entropy: labels must be class indices in [0, {classes - 1}]; "
                             f"received values from {y.min()} to {y.max()}")
    per_sample, log_probs = kernels.softmax_cross_entropy_forward(z, y, axis)
    loss, scale = _reduce(per_sample, reduction)

    def vjp(g):
        g_each = np.expand_dims(g * np.asarray(scale, dtype=z.dtype), axis) if reduction == "none" \
            else np.asarray(g * scale, dtype=z.dtype)
        return (kernels.softmax_cross_entropy_backward(log_probs, y, axis, g_each),)

    return Tensor._from_op(loss, (logits,), vjp)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against 0/1 (or soft) labels, fused and stable.

    L = -[y log(y_hat) + (1 - y) log(1 - y_hat)], y_hat = sigma(z), rewritten without any log of 0 as
    L = max(z, 0) - z y + log(1 + e^-|z|).
    Section 7 derives dL/dz = y_hat - y; that is the VJP (scaled by 1/N for the mean).
    With ``reduction='none'`` the loss of every element is returned.
    """
    logits = as_tensor(logits)
    z = logits.data
    y = _labels_array(labels)
    if y.shape != z.shape:
        try:
            y = np.broadcast_to(y.reshape(z.shape) if y.size == z.size else y, z.shape)
        except ValueError:
            raise ValueError(f"sigmoid_binary_cross_entropy: labels of shape {y.shape} do not match logits of "
                             f"shape {z.shape}") from None
    y = y.astype(z.dtype, copy=False)
    per_element = kernels.sigmoid_cross_entropy_forward(z, y)
    loss, scale = _reduce(per_element, reduction)

    def vjp(g):
        return (kernels.sigmoid_cross_entropy_backward(z, y, g * np.asarray(scale, dtype=z.dtype)),)

    return Tensor._from_op(loss, (logits,), vjp)


def squared_error(y_pred: Any, y_true: Any, reduction: str = "none") -> Tensor:
    """Mean squared error over the last axis, as one primitive (the notes' regression cost).

        l_i = (1/D) sum_j (y_hat_ij - y_ij)^2,    dl_i/dy_hat_ij = (2/D) (y_hat_ij - y_ij)

    ``y_true`` is a constant (no gradient) of ``y_pred``'s shape. ``reduction='none'`` returns the per-sample
    losses l_i; 'mean' and 'sum' reduce them over the batch in the same primitive.
    """
    y_pred = as_tensor(y_pred)
    y = _labels_array(y_true).astype(y_pred.dtype, copy=False)
    diff = y_pred.data - y
    features = diff.shape[-1] if diff.ndim else 1
    square = diff * diff
    per_sample = np.add.reduce(square, axis=-1) * np.asarray(1 / features, dtype=square.dtype) \
        if diff.ndim else square
    loss, scale = _reduce(per_sample, reduction)
    scale = np.asarray(2 * scale / features, dtype=y_pred.dtype)

    def vjp(g):
        g = g[..., None] if reduction == "none" and diff.ndim else g
        return (g * diff * scale,)

    return Tensor._from_op(loss, (y_pred,), vjp)


# ----- fused layer primitives --------------------------------------------------------------------------------
FUSABLE_ACTIVATIONS = (None, "linear", "relu", "sigmoid", "tanh", "leaky_relu")


def dense(x: Any, kernel: Tensor, bias: Tensor | None = None, activation: str | None = None,
          alpha: float = 0.2) -> Tensor:
    """A fully connected layer as one primitive: a = f(x W + b).

    Shapes: x (..., in), kernel W (in, units), bias b (units,) -> (..., units).
    Backward, with dz = dL/da * f'(z) taken from the saved output a::

        dL/dW = x^T dz,   dL/db = sum over the batch of dz,   dL/dx = dz W^T

    dL/dx is skipped when x needs no gradient (the first layer), which saves a matrix product.
    """
    if activation not in FUSABLE_ACTIVATIONS:
        raise ValueError(f"dense: activation must be one of {FUSABLE_ACTIVATIONS}; received {activation!r}")
    x = as_tensor(x, like=kernel)
    X, W = x.data, kernel.data
    if X.shape[-1:] != W.shape[:1]:
        raise ValueError(f"dense: input of shape {X.shape} does not match kernel of shape {W.shape} "
                         f"(expected last input axis {W.shape[0]}, received {X.shape[-1] if X.ndim else '-'})")
    z = X @ W
    out, saved = kernels.bias_act_forward(z, None if bias is None else bias.data, activation, alpha)  # in z
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def vjp(g):
        want_db = bias is not None and bias.requires_grad
        # dL/db goes straight into the bias's gradient buffer when it has one (a packed model).
        dz, db = kernels.bias_act_backward(g, out, saved, activation, alpha, want_db,
                                           gradient_target(bias) if want_db else None)
        dz2 = dz if dz.ndim == 2 else dz.reshape(-1, dz.shape[-1])
        grads = [None, None]
        if x.requires_grad:
            grads[0] = dz @ W.T
        if kernel.requires_grad:
            # dL/dW goes straight into the weight's gradient buffer when it has one (a packed model).
            X2 = X if X.ndim == 2 else X.reshape(-1, X.shape[-1])
            grads[1] = np.matmul(X2.T, dz2, out=gradient_target(kernel))
        if bias is not None:
            grads.append(db)
        return grads

    return Tensor._from_op(out, parents, vjp)


def batch_norm(x: Any, gamma: Tensor | None, beta: Tensor | None,
               epsilon: float = 1e-3) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Batch normalization in training mode (section 6), over every axis but the last::

        mu_B = mean(x),  sigma_B^2 = mean((x - mu_B)^2)   (the biased variance, as Keras uses)
        x_hat = (x - mu_B) / sqrt(sigma_B^2 + eps),   y = gamma x_hat + beta

    Returns y and the batch statistics (mu_B, sigma_B^2), which the layer folds into its running averages.
    Backward, with N values per feature and dx_hat = g gamma::

        dL/dbeta = sum g,   dL/dgamma = sum g x_hat,
        dL/dx = (1/sqrt(sigma_B^2 + eps)) (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat))
              = (gamma / sqrt(sigma_B^2 + eps)) (g - (dL/dbeta + x_hat dL/dgamma) / N)

    (the second line reuses the two parameter gradients: fewer passes over the batch).
    """
    x = as_tensor(x)
    out, x_hat, mu, var, inv_std = kernels.batch_norm_forward(x.data, None if gamma is None else gamma.data,
                                                              None if beta is None else beta.data, epsilon)
    parents = (x,) + tuple(p for p in (gamma, beta) if p is not None)

    def vjp(g):
        dx, dgamma, dbeta = kernels.batch_norm_backward(g, x_hat, None if gamma is None else gamma.data, inv_std,
                                                        want_dx=x.requires_grad)
        grads = [dx]
        if gamma is not None:
            grads.append(dgamma)
        if beta is not None:
            grads.append(dbeta)
        return grads

    return Tensor._from_op(out, parents, vjp), mu, var


def batch_norm_inference(x: Any, gamma: Tensor | None, beta: Tensor | None, mean: np.ndarray,
                         variance: np.ndarray, epsilon: float = 1e-3) -> Tensor:
    """Batch normalization at inference: the frozen running statistics replace the batch's.

        y = gamma (x - mu) / sqrt(var + eps) + beta,  an affine map of x: dL/dx = g gamma / sqrt(var + eps)
    """
    x = as_tensor(x)
    X = x.data
    inv_std = 1 / np.sqrt(variance + np.asarray(epsilon, dtype=X.dtype))
    scale = inv_std * gamma.data if gamma is not None else inv_std
    x_hat = (X - mean) * inv_std
    out = x_hat * gamma.data if gamma is not None else x_hat
    if beta is not None:
        out = out + beta.data
    parents = (x,) + tuple(p for p in (gamma, beta) if p is not None)

    def vjp(g):
        grads = [g * scale if x.requires_grad else None]
        if gamma is not None:
            grads.append(batch_sum(g * x_hat))
        if beta is not None:
            grads.append(batch_sum(g))
        return grads

    return Tensor._from_op(out.astype(X.dtype, copy=False), parents, vjp)


def _keep_draws(rng: np.random.Generator, count: int, rate: float) -> tuple[np.ndarray, np.uint32]:
    """``count`` uniform 32-bit integers and the threshold at or above which a unit is kept: P(keep) = 1 - rate.

    Drawn straight from the generator's raw 64-bit output (two draws per word): half the cost of comparing
    uniform floats, and the probability is exact to 2^-32.
    """
    raw = rng.bit_generator.random_raw((count + 1) // 2).view(np.uint32)[:count]
    return raw, np.uint32(builtins.min(round(rate * 2.0 ** 32), 2 ** 32 - 1))


def keep_mask(rng: np.random.Generator, shape: tuple[int, ...], rate: float) -> np.ndarray:
    """A boolean mask that is True with probability 1 - rate, independently for each element."""
    raw, threshold = _keep_draws(rng, math.prod(shape), rate)
    return (raw >= threshold).reshape(shape)


def dropout(x: Any, rate: float, rng: np.random.Generator) -> Tensor:
    """Inverted dropout (section 5), for training: keep each unit with probability p = 1 - rate and scale the
    kept ones by 1/p, so that E[output] = x and inference needs no change. (The notes instead scale the
    weights by p at inference; both give the same expected activation.) d(out)/dx = mask / p.
    """
    x = as_tensor(x)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1); received {rate}")
    if rate == 0:
        return x
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    raw, threshold = _keep_draws(rng, x.size, rate)
    out, scaled_mask = kernels.dropout_forward(x.data, raw, threshold, dtype.type(1 / (1 - rate)))
    return Tensor._from_op(out, (x,), lambda g: (g * scaled_mask,))


ACTIVATIONS: dict[str, Callable[..., Tensor]] = {
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu, "softmax": softmax,
    "log_softmax": log_softmax, "linear": linear, "step": step,
}
