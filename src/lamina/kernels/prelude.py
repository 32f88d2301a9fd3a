"""What every optimizer step does around its rule, in Keras's order, as one value the kernels take."""

from __future__ import annotations

from typing import Any, NamedTuple


class Prelude(NamedTuple):
    """The parts of one optimizer step shared by every rule, for one parameter or one flat buffer.

    In Keras's order, element by element:

        g = g * scale                      (clipnorm / global_clipnorm: scale = c / ||g|| when ||g|| > c)
        g = clip(g, -clipvalue, clipvalue) (clipvalue)
        w = w * decay                      (decoupled weight decay: decay = 1 - eta * weight_decay)
        ... the rule's update of w and its slots from g ...
        m = 0 where |m| < flush            (each decaying slot, on flush steps: see optimizers/base.py)

    At most one of ``scale`` and ``clipvalue`` is set (Keras allows one clipping option); ``None`` means the
    part is skipped. Values are scalars of the parameter's dtype (a float64 scalar would upcast float32 arrays).
    The gradient is never written to: a clipped gradient goes into the kernel's own scratch space.
    """

    scale: Any = None
    clipvalue: Any = None
    decay: Any = None
    flush: Any = None


NO_PRELUDE = Prelude()  # a step with nothing around the rule: the one to pass, so that kernels can tell at once
