"""Activation functions by name (section 3), as Keras's ``activations`` module offers them.

The functions themselves live in ``lamina.functional`` (each one primitive with a hand-written VJP); this
module resolves names and callables, and records which outputs carry their logits.

A sigmoid or softmax layer at the end of a network hands its pre-activation ``z`` to the loss through the
output tensor's ``_logits`` slot, so that cross-entropy can be computed from ``z`` without ever taking the log
of a rounded probability. The loss must know *which* activation produced the output (sigmoid goes with binary
cross-entropy, softmax with categorical), so the slot holds the pair ``(activation name, z)``.
"""

from __future__ import annotations

from typing import Any, Callable

from .functional import leaky_relu, linear, log_softmax, relu, sigmoid, softmax, step, tanh
from .smooth_activations import (
    elu, exponential, gelu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, log_sigmoid, mish, relu6, selu, silu,
    softplus, softsign, swish,
)
from .tensor import Tensor

__all__ = ["get", "serialize", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "linear",
           "step", "attach_logits", "logits_of", "relu6", "elu", "selu", "gelu", "silu", "swish", "softplus",
           "softsign", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "mish", "exponential"]

Activation = Callable[..., Tensor]

_BY_NAME: dict[str, Activation] = {
    "linear": linear,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,   # slope 0.2, as Keras's string 'leaky_relu'
    "softmax": softmax,
    "log_softmax": log_softmax,
    "step": step,
    # Keras 3's other activations (lamina.smooth_activations). An alias follows the name it serializes to:
    # Keras writes 'silu' for swish and 'hard_silu' for hard_swish.
    "relu6": relu6,
    "elu": elu,
    "selu": selu,
    "gelu": gelu,               # the exact (erf) form, as Keras's string 'gelu'
    "silu": silu,
    "swish": swish,
    "softplus": softplus,
    "softsign": softsign,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_swish,
    "hard_tanh": hard_tanh,
    "log_sigmoid": log_sigmoid,
    "mish": mish,
    "exponential": exponential,
}

def get(identifier: str | Activation | None) -> Activation:
    """Resolve an activation: None -> linear, a known name -> its function, a callable -> itself.

    >>> lamina.activations.get('relu')(lamina.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        function = _BY_NAME.get(identifier.lower())
        if function is None:
            raise ValueError(f"Unknown activation {identifier!r}. Known activations: {', '.join(sorted(_BY_NAME))}")
        return function
    if callable(identifier):
        return identifier
    raise TypeError(f"An activation must be a name or a callable; received {identifier!r} "
                    f"of type {type(identifier).__name__}")


def serialize(activation: Activation) -> str:
    """The name under which ``get`` finds ``activation`` again (a custom callable gives its ``__name__``)."""
    for name, function in _BY_NAME.items():
        if function is activation:
            return name
    return getattr(activation, "__name__", repr(activation))


def attach_logits(output: Tensor, logits: Tensor, activation: str) -> Tensor:
    """Record on ``output`` that it is ``activation(logits)`` (activation: 'sigmoid' or 'softmax')."""
    output._logits = (activation, logits)
    return output


def logits_of(output: Tensor, activation: str) -> Tensor | None:
    """The logits that ``activation`` turned into ``output``, or None when ``output`` did not come from it."""
    recorded = getattr(output, "_logits", None)
    if recorded is not None and recorded[0] == activation:
        return recorded[1]
    return None


def apply_with_logits(name: str | None, function: Activation, z: Any) -> Tensor:
    """``function(z)``, remembering ``z`` as the output's logits when the activation is sigmoid or softmax."""
    if name in ("sigmoid", "softmax"):
        return attach_logits(function(z), z, name)
    return function(z)
