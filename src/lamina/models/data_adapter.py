"""Turning user data into checked arrays and mini-batches for fit / evaluate / predict.

Everything here is done once per call, before the loop: conversion to arrays (floats to float32, the library's
dtype), one check that x and y have the same length and hold no NaN or infinity, the ``validation_split``, class
weights turned into sample weights. The loop then only slices.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from ..tensor import Tensor
from ..utils import nest


def to_array(data: Any, name: str, *, features: bool) -> np.ndarray:
    """``data`` as an ndarray with at least one (sample) axis.

    Floats become float32 (float64 is NumPy's default, not a request for double precision). For ``features``
    (x), integers and bools become float32 too, since they feed matrix products; labels (y) keep an integer
    dtype, which sparse losses need.
    """
    if isinstance(data, Tensor):
        data = data.data
    if data is None:
        raise ValueError(f"{name} is None; expected an array of samples")
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be array-like (a NumPy array, nested lists or a lamina Tensor); "
                        f"could not convert {type(data).__name__}: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; received an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{name} must have a first (sample) axis; received a scalar")
    if array.dtype == np.float64 or (features and array.dtype.kind in "biu") or array.dtype.kind == "b":
        array = array.astype(np.float32)
    return array


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ValueError naming ``name`` and the first index holding NaN or infinity."""
    if array.dtype.kind != "f":
        return
    # One float64 sum is a cheap first test (NaN and inf propagate through it); only a failure pays for
    # the elementwise search that locates the culprit.
    total = np.sum(array, dtype=np.float64)
    if np.isfinite(total):
        return
    bad = np.argwhere(~np.isfinite(array))
    if bad.size == 0:  # the float64 sum overflowed on huge but finite values
        return
    index = tuple(int(i) for i in bad[0])
    value = array[index]
    raise ValueError(f"{name} contains {'NaN' if np.isnan(value) else 'an infinite value'} at index "
                     f"{index if len(index) > 1 else index[0]} (sample {index[0]}); "
                     f"{len(bad)} non-finite value(s) in all. Clean or impute the data before training.")


def check_lengths(name_arrays: list[tuple[str, np.ndarray | None]]) -> int:
    """The common number of samples; ValueError if the arrays disagree or are empty."""
    present = [(name, a) for name, a in name_arrays if a is not None]
    counts = {name: len(a) for name, a in present}
    first_name, n = next(iter(counts.items()))
    for name, count in counts.items():
        if count != n:
            detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
            raise ValueError(f"{first_name} and {name} must have the same number of samples; received {detail}")
    if n == 0:
        raise ValueError(f"{first_name} is empty (0 samples); there is nothing to train on or evaluate")
    return n


def match_input_rank(x: np.ndarray, input_shape: tuple[int | None, ...] | None) -> np.ndarray:
    """Keras's rank adjustment of model inputs: x one axis short of a model input whose last axis is 1 gains
    that axis (1-D x of n samples for an input of shape (None, 1) becomes (n, 1)); x with one axis too many,
    of size 1 at the end, loses it. Any other mismatch is left for the first layer's shape check to report."""
    if input_shape is None:
        return x
    if x.ndim == len(input_shape) - 1 and input_shape[-1] == 1:
        return x[..., None]
    if x.ndim == len(input_shape) + 1 and x.shape[-1] == 1:
        return x[..., 0]
    return x


def is_structure(value: Any) -> bool:
    """Several arrays (a model's several inputs or outputs): a dict, or a list / tuple of arrays."""
    if isinstance(value, dict):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(item, (np.ndarray, Tensor)) or item is None for item in value)


def _convert(value: Any, name: str, features: bool) -> Any:
    if not is_structure(value):
        return to_array(value, name, features=features)
    if isinstance(value, dict):
        return {key: None if item is None else to_array(item, f"{name}[{key!r}]", features=features)
                for key, item in value.items()}
    return type(value)(None if item is None else to_array(item, f"{name}[{i}]", features=features)
                       for i, item in enumerate(value))


def _named_leaves(value: Any, name: str) -> list[tuple[str, np.ndarray]]:
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return [(name, value)]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    return [(f"{name}[{key!r}]" if isinstance(value, dict) else f"{name}[{key}]", item)
            for key, item in items if item is not None]


def num_samples(x: Any) -> int:
    """The number of samples in ``x`` (an array, or the first array of a structure)."""
    if isinstance(x, np.ndarray):
        return len(x)
    return len(nest.flatten(x)[0])


def prepare(x: Any, y: Any = None, sample_weight: Any = None, *, need_y: bool = True, prefix: str = "",
            input_shape: Any = None) -> tuple[Any, Any, np.ndarray | None]:
    """Convert and check ``x``, ``y`` (arrays, or lists / dicts of arrays for models with several inputs or
    outputs) and ``sample_weight``: the same length, non-empty, finite. A single ``x`` is fitted to the model's
    ``input_shape`` (when known) by ``match_input_rank``."""
    x_name, y_name, w_name = f"{prefix}x", f"{prefix}y", f"{prefix}sample_weight"
    xa = _convert(x, x_name, features=True)
    if isinstance(xa, np.ndarray) and isinstance(input_shape, tuple):
        xa = match_input_rank(xa, input_shape)
    if y is None and need_y:
        raise ValueError(f"{y_name} is None; fit and evaluate need targets (labels) for every sample in "
                         f"{x_name}")
    ya = None if y is None else _convert(y, y_name, features=False)
    wa = None
    if sample_weight is not None:
        wa = to_array(sample_weight, w_name, features=True)
        if wa.ndim == 2 and wa.shape[1] == 1:
            wa = wa[:, 0]  # (n, 1), as Keras's guides write it: Keras squeezes the axis to match the (n,) losses
        if wa.ndim != 1:
            raise ValueError(f"{w_name} must be one weight per sample, of shape (n,) or (n, 1); received shape "
                             f"{wa.shape}")
    leaves = _named_leaves(xa, x_name) + _named_leaves(ya, y_name) + _named_leaves(wa, w_name)
    if not leaves:
        raise ValueError(f"{x_name} holds no arrays")
    check_lengths(leaves)
    for name, array in leaves:
        if array is not wa:
            check_finite(array, name)
    if wa is not None:
        check_finite(wa, w_name)
        if (wa < 0).any():
            raise ValueError(f"{w_name} must be >= 0; found {wa.min()}")
    return xa, ya, wa


def split_validation(arrays: tuple[np.ndarray | None, ...], validation_split: float
                     ) -> tuple[tuple[np.ndarray | None, ...], tuple[np.ndarray | None, ...]]:
    """Keras's split: the LAST ``n - floor(n * (1 - s))`` samples, in order, become the validation set."""
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                         f"validation and training set as specified by validation_split={validation_split}. "
                         f"Either provide more data, or a different value for validation_split.")
    train = tuple(take(a, slice(0, split_at)) for a in arrays)
    val = tuple(take(a, slice(split_at, n)) for a in arrays)
    return train, val


def check_validation_split(value: Any) -> float:
    try:
        split = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"validation_split must be a number in [0, 1); received {value!r}") from None
    if not 0.0 <= split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); received {value!r}")
    return split


def unpack_validation_data(data: Any) -> tuple[Any, Any, Any]:
    """``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``."""
    if isinstance(data, (tuple, list)) and len(data) in (2, 3):
        return (data[0], data[1], data[2] if len(data) == 3 else None)
    raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val); "
                     f"received {type(data).__name__}"
                     + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))


def class_weight_to_sample_weight(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """One weight per sample from its class: the argmax of a one-hot row, else the (rounded) label."""
    if is_structure(y):
        raise ValueError("class_weight is for models with one output; for several outputs, pass sample_weight")
    if not isinstance(class_weight, dict) or not class_weight:
        raise ValueError(f"class_weight must be a non-empty dict {{class index: weight}}; "
                         f"received {class_weight!r}")
    if y.ndim > 1 and y.shape[-1] != 1:
        classes = np.argmax(y, axis=-1)
    else:
        classes = np.round(y.reshape(len(y))).astype(np.int64)
    if classes.ndim != 1:
        raise ValueError(f"class_weight needs one class per sample; y has shape {y.shape}")
    weights = np.ones(len(y), dtype=np.float32)
    present = set(np.unique(classes).tolist())
    missing = present - {int(k) for k in class_weight}
    if missing:
        raise ValueError(f"class_weight has no weight for class(es) {sorted(missing)} found in y; "
                         f"it has keys {sorted(class_weight)}")
    for cls, weight in class_weight.items():
        weights[classes == int(cls)] = float(weight)
    return weights


def check_batch_size(batch_size: Any) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}")
    return int(batch_size)


def num_steps(n: int, batch_size: int) -> int:
    """Batches per epoch: the last, partial batch is kept (100 samples at 32 -> 4 steps)."""
    return -(-n // batch_size)


def batches(n: int, batch_size: int, order: np.ndarray | None = None) -> Iterator[slice | np.ndarray]:
    """Indices of each batch: slices (views, no copy) in order, or chunks of ``order`` (a permutation)."""
    for start in range(0, n, batch_size):
        if order is None:
            yield slice(start, min(start + batch_size, n))
        else:
            yield order[start:start + batch_size]


def take(array: Any, index: slice | np.ndarray) -> Any:
    """The samples ``index`` of an array, or of every array of a structure (None stays None)."""
    if array is None:
        return None
    if isinstance(array, np.ndarray):
        return array[index]
    return nest.map_structure(lambda a: None if a is None else a[index], array)
