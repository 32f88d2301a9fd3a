"""Learning-rate schedules: the notes' linear decay and Keras 3's schedules.

A schedule is a callable ``schedule(step) -> float``. The optimizer calls it
once per update with ``step = optimizer.iterations`` *before* that update is
counted, so the first batch sees ``schedule(0)``. Steps count batches (the
notes' "iterations"), not epochs.

Every schedule here accepts the same arguments, with the same defaults, as its
Keras 3 namesake, and ``get_config()`` returns them so that
``type(s)(**s.get_config())`` rebuilds it (``serialize``/``deserialize`` add
the class name).

Example::

    from lamina.optimizers import SGD
    from lamina.optimizers.schedules import LinearDecay

    opt = SGD(learning_rate=LinearDecay(eta_0=0.1, tau=100, eta_tau=0.01))
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np


def _check_number(name: str, value: Any, *, positive: bool = False,
                  nonnegative: bool = False) -> float:
    """Return ``value`` as a float, or raise ValueError naming the argument."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `{name}` must be a number. Received: {name}={value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"Argument `{name}` must be finite. Received: {name}={value!r}")
    if positive and x <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value!r}")
    if nonnegative and x < 0:
        raise ValueError(f"Argument `{name}` must be >= 0. Received: {name}={value!r}")
    return x


def _check_step(step: Any) -> float:
    """The step as a float: a Python or NumPy number, a 0-d (or one-element) array, or a Lamina tensor such as
    ``optimizer.iterations`` (Keras passes a variable); anything else is a ValueError naming what it got."""
    value = getattr(step, "data", step)  # a Tensor's (or Variable's) array
    try:
        array = np.asarray(value)
        if array.size != 1 or array.dtype.kind not in "biuf" or array.dtype.kind == "b":
            raise TypeError
        s = float(array.reshape(()))
    except (TypeError, ValueError):
        raise ValueError(f"A schedule's step must be a number (or a one-element array or tensor). Received: "
                         f"step={step!r}") from None
    if s < 0 or not math.isfinite(s):
        raise ValueError(f"A schedule's step must be a finite number >= 0. Received: step={step!r}")
    return s


class LearningRateSchedule:
    """Base class: a learning rate as a function of the batch counter.

    Subclasses implement ``__call__(step) -> float`` and ``get_config()``.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step).")

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LearningRateSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate``.

    With ``k = min(step, decay_steps)``::

        eta_k = (eta_0 - eta_end) * (1 - k / decay_steps) ** power + eta_end

    With ``power=1`` this is the notes' linear decay
    ``eta_k = (1 - alpha) eta_0 + alpha eta_tau`` with ``alpha = k / tau``,
    constant at ``eta_tau`` after ``tau`` steps. With ``cycle=True`` the decay
    restarts: ``decay_steps`` is replaced by the first multiple of it that is
    >= step (1x at step 0), as in Keras.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0,
                 cycle: bool = False, name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate = _check_number("initial_learning_rate", initial_learning_rate,
                                                   nonnegative=True)
        self.decay_steps = _check_number("decay_steps", decay_steps, positive=True)
        self.end_learning_rate = _check_number("end_learning_rate", end_learning_rate,
                                               nonnegative=True)
        self.power = _check_number("power", power)
        self.cycle = bool(cycle)
        self.name = name
        self._decay_steps_arg = decay_steps

    def __call__(self, step: int) -> float:
        k = _check_step(step)
        tau = self.decay_steps
        if self.cycle:
            tau = tau * (1.0 if k == 0 else math.ceil(k / tau))
        else:
            k = min(k, tau)
        frac = 1.0 - k / tau
        return (self.initial_learning_rate - self.end_learning_rate) * frac ** self.power \
            + self.end_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self._decay_steps_arg,
                "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class LinearDecay(PolynomialDecay):
    """The notes' linear decay, in the notes' symbols.

    For ``k <= tau``::

        alpha = k / tau
        eta_k = (1 - alpha) * eta_0 + alpha * eta_tau

    and ``eta_k = eta_tau`` afterwards. Same values as
    ``PolynomialDecay(eta_0, tau, eta_tau, power=1.0)``.

    Example (the notes' numbers): ``LinearDecay(0.1, 100, 0.01)(50) == 0.055``.
    """

    def __init__(self, eta_0: float, tau: int, eta_tau: float) -> None:
        # Checked under the notes' names first, so an error names the argument given.
        _check_number("eta_0", eta_0, nonnegative=True)
        _check_number("tau", tau, positive=True)
        _check_number("eta_tau", eta_tau, nonnegative=True)
        super().__init__(eta_0, tau, eta_tau, power=1.0, cycle=False, name="LinearDecay")
        self._tau_arg = tau

    def __call__(self, step: int) -> float:
        # Written in the notes' form (not (eta_0 - eta_tau)(1 - alpha) + eta_tau)
        # so that values at the end points are exactly eta_0 and eta_tau.
        k = min(_check_step(step), self.decay_steps)
        alpha = k / self.decay_steps
        return (1.0 - alpha) * self.initial_learning_rate + alpha * self.end_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"eta_0": self.initial_learning_rate, "tau": self._tau_arg,
                "eta_tau": self.end_learning_rate}


class ExponentialDecay(LearningRateSchedule):
    """``eta_k = eta_0 * decay_rate ** (k / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(k / decay_steps)``, so the
    rate drops in steps every ``decay_steps`` batches.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        self.initial_learning_rate = _check_number("initial_learning_rate", initial_learning_rate,
                                                   nonnegative=True)
        self._decay_steps_arg = decay_steps
        self.decay_steps = _check_number("decay_steps", decay_steps, positive=True)
        self.decay_rate = _check_number("decay_rate", decay_rate, nonnegative=True)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = _check_step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self._decay_steps_arg, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """Constant pieces: ``values[0]`` for ``step <= boundaries[0]``,
    ``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``, and
    ``values[-1]`` for ``step > boundaries[-1]`` (Keras's inclusive upper
    ends). Needs ``len(values) == len(boundaries) + 1`` and increasing
    boundaries.
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float],
                 name: str = "PiecewiseConstant") -> None:
        boundaries = list(boundaries)
        values = list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "The length of `values` must be one more than the length of `boundaries`. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}.")
        for i, b in enumerate(boundaries):
            _check_number(f"boundaries[{i}]", b)
        if any(b1 <= b0 for b0, b1 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"Argument `boundaries` must be strictly increasing. "
                             f"Received: boundaries={boundaries}")
        for i, v in enumerate(values):
            _check_number(f"values[{i}]", v, nonnegative=True)
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: int) -> float:
        s = _check_step(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= b:
                return float(v)
        return float(self.values[-1])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values),
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``eta_k = eta_0 / (1 + decay_rate * k / decay_steps)``.

    With ``staircase=True``, ``k / decay_steps`` is floored.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        self.initial_learning_rate = _check_number("initial_learning_rate", initial_learning_rate,
                                                   nonnegative=True)
        self._decay_steps_arg = decay_steps
        self.decay_steps = _check_number("decay_steps", decay_steps, positive=True)
        self.decay_rate = _check_number("decay_rate", decay_rate, nonnegative=True)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = _check_step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self._decay_steps_arg, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay, with an optional linear warm-up before it (Keras 3).

    Without warm-up (``warmup_target=None``), with ``k = min(step, decay_steps)``::

        eta_k = eta_0 * ((1 - alpha) * 0.5 * (1 + cos(pi * k / decay_steps)) + alpha)

    With warm-up, for ``step < warmup_steps`` the rate rises linearly::

        eta_k = eta_0 + (warmup_target - eta_0) * step / warmup_steps

    and then decays as above from ``warmup_target`` (in place of ``eta_0``)
    over the next ``decay_steps`` steps, ending at ``alpha * warmup_target``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        self.initial_learning_rate = _check_number("initial_learning_rate", initial_learning_rate,
                                                   nonnegative=True)
        self._decay_steps_arg = decay_steps
        self.decay_steps = _check_number("decay_steps", decay_steps, positive=True)
        self.alpha = _check_number("alpha", alpha, nonnegative=True)
        self.name = name
        self.warmup_target = (None if warmup_target is None else
                              _check_number("warmup_target", warmup_target, nonnegative=True))
        self._warmup_steps_arg = warmup_steps
        self.warmup_steps = _check_number("warmup_steps", warmup_steps, nonnegative=True)
        if self.warmup_target is not None and self.warmup_steps == 0:
            raise ValueError("Argument `warmup_steps` must be > 0 when `warmup_target` is set. "
                             f"Received: warmup_steps={warmup_steps!r}")

    def _decay(self, k: float, eta_from: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * k / self.decay_steps))
        return eta_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: int) -> float:
        s = _check_step(step)
        if self.warmup_target is None:
            return self._decay(min(s, self.decay_steps), self.initial_learning_rate)
        s = min(s, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + delta * (s / self.warmup_steps)
        return self._decay(s - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self._decay_steps_arg, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self._warmup_steps_arg}


_SCHEDULES: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls for cls in (PolynomialDecay, LinearDecay, ExponentialDecay,
                                  PiecewiseConstantDecay, InverseTimeDecay, CosineDecay)
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}`` for a schedule (JSON-compatible)."""
    if not hasattr(schedule, "get_config"):
        raise TypeError(f"Cannot serialize learning-rate schedule {schedule!r}: "
                        "it has no get_config().")
    return {"class_name": type(schedule).__name__, "config": dict(schedule.get_config())}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Rebuild a schedule from ``serialize``'s output."""
    name = config.get("class_name")
    if name not in _SCHEDULES:
        raise ValueError(f"Unknown learning-rate schedule {name!r}; "
                         f"known: {sorted(_SCHEDULES)}.")
    return _SCHEDULES[name].from_config(dict(config.get("config", {})))


__all__ = ["LearningRateSchedule", "PolynomialDecay", "LinearDecay", "ExponentialDecay",
           "PiecewiseConstantDecay", "InverseTimeDecay", "CosineDecay", "serialize",
           "deserialize"]
