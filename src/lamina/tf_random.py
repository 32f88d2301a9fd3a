"""``tf.random`` under ``import lamina as tf``: set_seed, normal, uniform, truncated_normal, shuffle, categorical.

``lamina.random`` answers these names (its module ``__getattr__`` forwards here), so ``tf.random`` is one
module whichever way it was reached. TensorFlow's seed rule is kept: an operation seed (``seed=1``) starts a
stream that advances with each call (two calls with seed=1 differ) and restarts after ``tf.random.set_seed``;
without an operation seed a draw comes from the global sequence. (Keras 3's ``keras.random`` differs: there an
integer seed repeats the same draw; see lamina.random_ops.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import random as _random
from . import random_ops as _keras_random
from .dtypes import standardize_dtype, to_tensor
from .tensor import Tensor

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical"]

# Operation seed -> its stream, for the library seed sequence of _streams_root (a new sequence, made by
# set_random_seed / set_seed, restarts every stream).
_streams: dict[int, np.random.Generator] = {}
_streams_root: Any = None


def set_seed(seed: int) -> None:
    """Make every later random draw reproducible from ``seed`` (Lamina's ``set_random_seed``)."""
    _random.set_random_seed(seed)


def _generator(seed: Any) -> np.random.Generator:
    if seed is None:
        return _random.make_rng(None)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer or None; received {seed!r}")
    global _streams_root
    if _random._root is not _streams_root:
        _streams.clear()
        _streams_root = _random._root
    stream = _streams.get(int(seed))
    if stream is None:
        stream = _streams[int(seed)] = np.random.default_rng([int(seed), int(_random._root.entropy) % 2**63])
    return stream


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = "float32", seed: Any = None,
           name: str | None = None) -> Tensor:
    """Samples of N(mean, stddev^2)."""
    return _keras_random.normal(shape, mean, stddev, dtype=dtype, seed=_generator(seed))


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = "float32", seed: Any = None,
            name: str | None = None) -> Tensor:
    """Samples of the uniform distribution on [minval, maxval): floats (maxval defaults to 1) or, for an
    integer dtype, integers (maxval required)."""
    target = standardize_dtype(dtype)
    if target.kind in "iu":
        if maxval is None:
            raise ValueError("uniform: an integer dtype needs maxval")
        return _keras_random.randint(shape, minval, maxval, dtype=target, seed=_generator(seed))
    return _keras_random.uniform(shape, float(minval), 1.0 if maxval is None else float(maxval), dtype=target,
                                 seed=_generator(seed))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = "float32",
                     seed: Any = None, name: str | None = None) -> Tensor:
    """Samples of N(mean, stddev^2) redrawn until within two standard deviations."""
    return _keras_random.truncated_normal(shape, mean, stddev, dtype=dtype, seed=_generator(seed))


def shuffle(value: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """``value`` with its first axis in a random order."""
    return _keras_random.shuffle(value, axis=0, seed=_generator(seed))


def categorical(logits: Any, num_samples: int, dtype: Any = None, seed: Any = None,
                name: str | None = None) -> Tensor:
    """(batch, num_samples) class indices drawn with probabilities softmax(logits) (int64 by default)."""
    return _keras_random.categorical(to_tensor(logits), num_samples, dtype=dtype or "int64", seed=_generator(seed))
