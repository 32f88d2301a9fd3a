"""``keras.random``: random tensors with Keras 3's signatures, drawn from Lamina's seeded generators.

Where a draw's randomness comes from (the ``seed`` argument), as in Keras 3:
- ``seed=None``: the library's seed sequence (``lamina.random``), so a script that calls
  ``keras.utils.set_random_seed(42)`` (or ``tf.random.set_seed(42)``) draws the same numbers on every run;
- an integer: that seed alone decides the draw, so the same call with the same seed gives the same tensor;
- a ``SeedGenerator``: its own stream, which advances with every draw (reproducible from its seed).

Draws are NumPy's ``Generator`` methods, so the numbers are not TensorFlow's or JAX's: only the distributions
and the reproducibility rules are Keras's. Values come back as ``lamina.Tensor`` of floatx unless ``dtype``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops as _ops
from .array_primitives import take as _take
from .dtypes import floatx_dtype, standardize_dtype, to_tensor
from .random import make_rng
from .tensor import Tensor

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "dropout", "shuffle",
           "categorical", "gamma", "beta", "binomial"]


class SeedGenerator:
    """A stream of random state: pass it as ``seed=`` to draws that should differ from call to call but be
    reproducible as a whole (Keras layers hold one each).

    Args:
        seed: an integer for a reproducible stream; None takes one from the library's seed sequence (itself
            reproducible after ``set_random_seed``).
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any):
        unknown = set(kwargs) - {"backend", "dtype"}
        if unknown:
            raise TypeError(f"SeedGenerator: unexpected keyword argument(s) {sorted(unknown)}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"SeedGenerator: seed must be a non-negative integer or None; received {seed!r}")
        self.seed = seed
        self.name = name or "seed_generator"
        self.generator = make_rng(seed)

    def next(self, ordered: bool = True) -> Tensor:
        """Advance the stream; returns the two 32-bit words drawn (Keras returns a seed pair, too)."""
        return Tensor(self.generator.integers(0, 2**31 - 1, size=2, dtype=np.int64).astype(np.uint32),
                      dtype=np.uint32)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, seed={self.seed}>"


def generator_for(seed: Any) -> np.random.Generator:
    """The NumPy generator that a ``seed`` argument stands for (see the module docstring)."""
    if seed is None:
        return make_rng(None)
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, Tensor):
        seed = seed.data
    if isinstance(seed, (np.ndarray, list, tuple)):  # a Keras-style seed pair [s0, s1]
        return np.random.default_rng(np.asarray(seed, dtype=np.int64).ravel().tolist())
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be None, a non-negative integer or a SeedGenerator; received {seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.data.tolist()
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def _float_dtype(dtype: Any, what: str) -> np.dtype:
    result = floatx_dtype() if dtype is None else standardize_dtype(dtype)
    if result.kind != "f":
        raise ValueError(f"{what}: dtype must be a float type; received {result} (use randint for integers)")
    return result


def _result(values: np.ndarray, dtype: np.dtype) -> Tensor:
    return Tensor(values.astype(dtype, copy=False), dtype=dtype)


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of the normal distribution N(mean, stddev^2)."""
    target = _float_dtype(dtype, "normal")
    return _result(generator_for(seed).normal(mean, stddev, _shape(shape)), target)


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of the uniform distribution on [minval, maxval)."""
    target = _float_dtype(dtype, "uniform")
    return _result(generator_for(seed).uniform(minval, maxval, _shape(shape)), target)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Tensor:
    """Samples of N(mean, stddev^2) conditioned on lying within two standard deviations of the mean: values
    further out are drawn again (Keras's and TensorFlow's rule)."""
    target = _float_dtype(dtype, "truncated_normal")
    rng = generator_for(seed)
    values = rng.standard_normal(_shape(shape))
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return _result(values * stddev + mean, target)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval)."""
    target = standardize_dtype(dtype)
    if target.kind not in "iu":
        raise ValueError(f"randint: dtype must be an integer type; received {target}")
    return _result(generator_for(seed).integers(int(minval), int(maxval), _shape(shape)), target)


def dropout(inputs: Any, rate: float, noise_shape: Sequence[int | None] | None = None, seed: Any = None) -> Tensor:
    """Inverted dropout: each element kept with probability 1 - rate and scaled by 1 / (1 - rate), zeroed
    otherwise. ``noise_shape`` shares one decision along its axes of size 1 (None takes the input's size).
    Differentiable in ``inputs`` (the gradient passes through the same mask)."""
    x = to_tensor(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1); received {rate}")
    if x.dtype.kind != "f":
        x = Tensor(x.data, dtype=floatx_dtype())
    shape = x.shape if noise_shape is None else tuple(
        size if wanted is None else int(wanted) for size, wanted in zip(x.shape, noise_shape))
    keep = generator_for(seed).random(shape) >= rate
    scale = np.asarray(1 / (1 - rate), dtype=x.dtype)
    return _ops.multiply(x, (keep * scale).astype(x.dtype))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """``x`` with its slices along ``axis`` in a random order (differentiable: a gather)."""
    x = to_tensor(x)
    order = generator_for(seed).permutation(x.shape[axis])
    return _take(x, order, axis=axis)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """For each row of ``logits`` (batch, classes), ``num_samples`` class indices drawn with probabilities
    softmax(logits): (batch, num_samples). Drawn by the Gumbel-max rule: argmax(logits + Gumbel noise)."""
    z = to_tensor(logits).data.astype(np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical: logits must be 2-D (batch, classes); received shape {z.shape}")
    rng = generator_for(seed)
    uniforms = rng.uniform(np.finfo(np.float64).tiny, 1.0, (z.shape[0], int(num_samples), z.shape[1]))
    gumbel = -np.log(-np.log(uniforms))
    return _result(np.argmax(z[:, None, :] + gumbel, axis=-1), standardize_dtype(dtype))


def gamma(shape: Any, alpha: float, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of the gamma distribution with concentration ``alpha`` (scale 1)."""
    return _result(generator_for(seed).gamma(alpha, 1.0, _shape(shape)), _float_dtype(dtype, "gamma"))


def beta(shape: Any, alpha: float, beta: float, dtype: Any = None, seed: Any = None) -> Tensor:  # noqa: A002
    """Samples of the beta distribution Beta(alpha, beta)."""
    return _result(generator_for(seed).beta(alpha, beta, _shape(shape)), _float_dtype(dtype, "beta"))


def binomial(shape: Any, counts: float, probabilities: float, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of the binomial distribution: successes in ``counts`` trials of probability ``probabilities``
    (as floats, Keras's default dtype)."""
    draws = generator_for(seed).binomial(np.asarray(counts, dtype=np.int64), probabilities, _shape(shape))
    return _result(draws, _float_dtype(dtype, "binomial"))
