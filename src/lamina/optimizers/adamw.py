"""AdamW: Adam with weight decay decoupled from the gradient."""

from __future__ import annotations

from .adam import Adam
from .base import LearningRate


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): shrink the weights, then take Adam's step::

        w = w - eta * lambda * w                      (lambda = weight_decay)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** t);  v_hat = v / (1 - beta_2 ** t)
        w = w - eta / (sqrt(v_hat) + epsilon) * m_hat

    The decay acts on the weights directly, not through ``g``, so Adam's
    per-parameter scaling does not weaken it for parameters with large
    gradients (which is what adding ``lambda * ||w||^2`` to the loss would do;
    that L2 penalty is the regularizers' job). The decay step is the base
    class's ``weight_decay``, the same for every optimizer; AdamW only makes it
    default to Keras's 0.004 (PyTorch's AdamW defaults to 0.01, and its decay
    multiplies by ``1 - lr * wd`` too). The decay uses the same ``eta`` as the
    step, so it follows a learning-rate schedule.

    Args:
        learning_rate: ``eta``. Defaults to 0.001.
        weight_decay: ``lambda`` (>= 0). Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: as ``Adam``.
        clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Example::

        opt = AdamW(learning_rate=1e-3, weight_decay=0.004)
    """

    def __init__(self, learning_rate: LearningRate = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "adamw") -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float >= 0 for AdamW. "
                             "Received: weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
