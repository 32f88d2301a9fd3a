"""Weight penalties added to the loss (section 5): J_reg(w) = J(w) + lambda * sum_j ||w_j||^2.

Each regularizer maps a weight tensor to a scalar tensor, built from differentiable ops so that its gradient
(2 lambda w for L2, lambda sign(w) for L1) flows into the weight with the loss's. As in Keras, L2 is
``l2 * sum(w**2)``, without the 1/2 that some texts put in front.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from . import ops
from .serialization import from_class_config
from .tensor import Tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize"]


def _strength(owner: str, argument: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{owner}: `{argument}` must be a non-negative finite number; received {value!r}")
    return float(value)


class Regularizer:
    """Base class: ``__call__(w) -> scalar Tensor`` penalty; ``get_config`` gives the constructor args."""

    def __call__(self, weight: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Regularizer":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """l1 * sum(|w|): pushes weights to exactly zero (sparse weights)."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _strength("L1", "l1", l1)

    def __call__(self, weight: Tensor) -> Tensor:
        return ops.sum(ops.abs(weight)) * self.l1

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(w^2), weight decay: its gradient 2 l2 w pulls every weight towards zero."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _strength("L2", "l2", l2)

    def __call__(self, weight: Tensor) -> Tensor:
        return ops.sum(weight * weight) * self.l2

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 * sum(|w|) + l2 * sum(w^2). The class defaults to no penalty (as Keras's); ``l1_l2()`` to 0.01 each."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _strength("L1L2", "l1", l1)
        self.l2 = _strength("L1L2", "l2", l2)

    def __call__(self, weight: Tensor) -> Tensor:
        penalty = ops.sum(weight * weight) * self.l2
        if self.l1:
            penalty = penalty + ops.sum(ops.abs(weight)) * self.l1
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


# Keras spells the factories in lower case: ``regularizers.l2(1e-4)``.
l1 = L1
l2 = L2


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: F811 - the arguments shadow the aliases above
    """L1 and L2 penalties together, 0.01 each by default."""
    return L1L2(l1=l1, l2=l2)


_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
_BY_NAME: dict[str, Callable[[], Regularizer]] = {"l1": L1, "l2": L2, "l1_l2": l1_l2}


def get(identifier: Any) -> Regularizer | Callable[[Tensor], Tensor] | None:
    """Resolve a regularizer from None, a name ('l2' means L2(0.01)), an instance, a class, a callable or a
    config dict ``{'class_name': 'L2', 'config': {'l2': 0.01}}``."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if factory is None:
            raise ValueError(f"Unknown regularizer {identifier!r}. Known regularizers: {', '.join(sorted(_BY_NAME))}")
        return factory()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_class_config(identifier, _CLASSES, "regularizer")
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret regularizer {identifier!r} of type {type(identifier).__name__}")


def serialize(regularizer: Any) -> Any:
    """A JSON-able description that ``get`` turns back into an equal regularizer."""
    if isinstance(regularizer, Regularizer):
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    if regularizer is None:
        return None
    return getattr(regularizer, "__name__", repr(regularizer))
