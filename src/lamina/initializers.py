"""Weight initializers with Keras's formulas, by name and by class.

Every initializer is called as ``init(shape, dtype=np.float32) -> ndarray`` and draws from its own generator,
``lamina.random.make_rng(seed)``: with a seed, every call gives the same values; without one, each call gets a
fresh child of the library's seed sequence (reproducible after ``set_random_seed``). NumPy's global random state
is never used.

Fans (Keras's convention): a kernel of shape (fan_in, fan_out); for more axes the leading ones form the
receptive field, fan_in = shape[-2] * field, fan_out = shape[-1] * field.

Variance scaling, with n = fan_in, fan_out or (fan_in + fan_out)/2 and s = scale / n::

    uniform:            U(-sqrt(3 s), +sqrt(3 s))                       (variance s)
    truncated normal:   N(0, sd^2) cut at +-2 sd, sd = sqrt(s) / 0.87962566103423978
                        (0.8796... is the sd of a standard normal cut at +-2, so the result has variance s)
    untruncated normal: N(0, s)

glorot (xavier): scale 1, n = (fan_in + fan_out)/2; he: scale 2, n = fan_in; lecun: scale 1, n = fan_in.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .random import make_rng
from .serialization import from_class_config

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
    "get", "serialize", "compute_fans",
]

# Standard deviation of a standard normal truncated to [-2, 2].
_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``, Keras's convention (see the module docstring)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = math.prod(shape[:-2])
    return shape[-2] * field, shape[-1] * field


def _truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], mean: float, stddev: float) -> np.ndarray:
    """N(mean, stddev^2) restricted to mean +- 2 stddev, by redrawing the values that fall outside."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while np.any(outside):
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class Initializer:
    """Base class: ``__call__(shape, dtype)`` returns a new array; ``get_config`` gives the constructor args."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
        shape = tuple(int(d) for d in shape)
        return np.asarray(self._sample(shape), dtype=dtype, order="C")  # (ascontiguousarray makes 0-d 1-d)

    def _sample(self, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Initializer":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (Keras's default bias initializer)."""

    def _sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones (BatchNormalization's gamma and moving variance)."""

    def _sample(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value: float = 0.0):
        self.value = float(value)

    def _sample(self, shape):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    def __init__(self, seed: int | None = None):
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"{type(self).__name__}: seed must be a non-negative integer or None; received {seed!r}")
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    """N(mean, stddev^2); Keras's defaults mean 0, stddev 0.05."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        if not stddev >= 0:
            raise ValueError(f"RandomNormal: stddev must be >= 0; received {stddev}")
        self.mean, self.stddev = float(mean), float(stddev)

    def _sample(self, shape):
        return make_rng(self.seed).normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """N(mean, stddev^2) cut at mean +- 2 stddev (values outside are redrawn)."""

    def _sample(self, shape):
        return _truncated_normal(make_rng(self.seed), shape, self.mean, self.stddev)


class RandomUniform(_Seeded):
    """U(minval, maxval); Keras's defaults -0.05, 0.05."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        if not maxval >= minval:
            raise ValueError(f"RandomUniform: maxval must be >= minval; received minval={minval}, maxval={maxval}")
        self.minval, self.maxval = float(minval), float(maxval)

    def _sample(self, shape):
        return make_rng(self.seed).uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Samples with variance scale / n (see the module docstring for n and the three distributions)."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None):
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(f"{type(self).__name__}: scale must be positive; received {scale}")
        if distribution == "normal":  # Keras's older spelling
            distribution = "truncated_normal"
        if mode not in self.MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {self.MODES}; received {mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"{type(self).__name__}: distribution must be one of {self.DISTRIBUTIONS}; "
                             f"received {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def _sample(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = make_rng(self.seed)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        return _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(class_name: str, scale: float, mode: str, distribution: str, doc: str) -> type[VarianceScaling]:
    """A VarianceScaling with fixed arguments, whose config is only the seed (as in Keras)."""

    def __init__(self, seed: int | None = None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(class_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                                  "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "Glorot (Xavier) uniform: U(+-sqrt(6 / (fan_in + fan_out))). Keras's default kernel init.")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Glorot (Xavier) normal: truncated normal with sd sqrt(2 / (fan_in + fan_out)) after cutting.")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "He uniform: U(+-sqrt(6 / fan_in)).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "He normal: truncated normal with sd sqrt(2 / fan_in) after cutting (for ReLU layers).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "LeCun uniform: U(+-sqrt(3 / fan_in)).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "LeCun normal: truncated normal with sd sqrt(1 / fan_in) after cutting.")

_CLASSES: dict[str, type[Initializer]] = {
    cls.__name__: cls for cls in (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
                                  VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
                                  LecunUniform, LecunNormal)
}
_BY_NAME: dict[str, type[Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "xavier_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "xavier_normal": GlorotNormal,
    "he_uniform": HeUniform, "kaiming_uniform": HeUniform,
    "he_normal": HeNormal, "kaiming_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
}


def get(identifier: Any) -> Initializer | Callable[..., np.ndarray] | None:
    """Resolve an initializer from a name ('he_normal'), a class, an instance, a callable, a config dict
    ``{'class_name': 'HeNormal', 'config': {...}}``, or None (returned as None)."""
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}. Known initializers: {', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_class_config(identifier, _CLASSES, "initializer", aliases=_BY_NAME)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer {identifier!r} of type {type(identifier).__name__}")


def serialize(initializer: Any) -> Any:
    """A JSON-able description that ``get`` turns back into an equal initializer."""
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    if initializer is None:
        return None
    return getattr(initializer, "__name__", repr(initializer))
