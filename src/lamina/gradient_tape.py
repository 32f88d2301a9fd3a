"""GradientTape: TensorFlow's way of writing a training loop by hand, on Lamina's autodiff.

Lamina records the graph of every operation whose inputs need a gradient, tape or no tape (as PyTorch does), so
the tape's job is small: inside ``with tape:`` recording is switched on (even inside ``no_grad``), ``watch(x)``
makes a tensor that is not a trainable variable need a gradient, and ``tape.gradient(loss, variables)`` runs the
back propagation of section 7 from ``loss`` and returns ``dL/dv`` for each variable, leaving every ``.grad``
alone. A tape answers once unless made with ``persistent=True``.

>>> from lamina import layers, losses, optimizers
>>> model = lamina.Sequential([layers.Input((3,)), layers.Dense(2)])
>>> x_batch, y_batch = np.ones((4, 3), np.float32), np.array([0, 1, 1, 0])
>>> loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
>>> optimizer = optimizers.SGD(learning_rate=0.1)
>>> with GradientTape() as tape:
...     logits = model(x_batch, training=True)
...     loss = loss_fn(y_batch, logits)
>>> grads = tape.gradient(loss, model.trainable_weights)
>>> optimizer.apply_gradients(zip(grads, model.trainable_weights))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, gradients, set_grad_enabled
from .utils import nest


class GradientTape:
    """Records a computation so that its gradients can be asked for.

    Args:
        persistent: allow several ``gradient`` calls (otherwise the second one raises RuntimeError).
        watch_accessed_variables: accepted for TensorFlow compatibility; trainable variables are always watched.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self._used = False
        self._recording = False
        self._outer_mode: Any = None

    def __enter__(self) -> "GradientTape":
        self._outer_mode = set_grad_enabled(True)
        self._recording = True
        return self

    def __exit__(self, *exc_info: Any) -> None:
        set_grad_enabled(self._outer_mode)
        self._recording = False

    def watch(self, tensor: Any) -> None:
        """Record operations on ``tensor`` (or each tensor of a list) so that gradients with respect to it exist."""
        for item in nest.flatten(tensor):
            if not isinstance(item, Tensor):
                raise TypeError(f"GradientTape.watch needs lamina tensors (lamina.tensor(...) or a Variable); "
                                f"received {type(item).__name__}, whose operations cannot be recorded")
            if item.data.dtype.kind != "f":
                raise TypeError(f"GradientTape.watch: gradients need a floating tensor; this one is {item.dtype}")
            item.requires_grad = True

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: str = "none") -> Any:
        """``d target / d source`` for each source, in the structure of ``sources`` (a list, dict or one tensor).

        Args:
            target: a scalar loss (or a list of tensors, whose sum is differentiated).
            sources: the variables / tensors to differentiate with respect to.
            output_gradients: the seed ``dL/d(target)`` for a non-scalar target.
            unconnected_gradients: "none" (a source the target does not depend on gets None) or "zero".

        Returns:
            Tensors (no gradient of their own) in the structure of ``sources``.
        """
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients "
                               "(or jacobians); make it with GradientTape(persistent=True) to ask again")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero'; received {unconnected_gradients!r}")
        self._used = True
        targets = nest.flatten(target)
        if len(targets) != 1:
            from . import ops
            target = _sum_all([ops.sum(t) for t in targets])
        else:
            target = targets[0]
        if not isinstance(target, Tensor):
            raise TypeError(f"GradientTape.gradient: the target must be a lamina tensor computed inside the tape; "
                            f"received {type(target).__name__}")
        flat_sources = nest.flatten(sources)
        for source in flat_sources:
            if not isinstance(source, Tensor):
                raise TypeError(f"GradientTape.gradient: sources must be variables or tensors; received "
                                f"{type(source).__name__}")
        grads = gradients(target, flat_sources, seed=output_gradients)
        results = []
        for source, grad in zip(flat_sources, grads):
            if grad is None and unconnected_gradients == "zero":
                grad = np.zeros_like(source.data)
            results.append(None if grad is None else Tensor(grad, dtype=grad.dtype))
        return nest.pack_like(sources, results) if nest.is_nested(sources) else results[0]

    def __repr__(self) -> str:
        return f"<GradientTape persistent={self.persistent}, recording={self._recording}>"


def _sum_all(values: list[Tensor]) -> Tensor:
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total
