"""dtype names and promotion for the Keras-shaped operations (``keras.ops``, ``tf.*``).

Keras names dtypes by strings ("float32", "int32", "bool"), TensorFlow by objects (``tf.float32``); both become
NumPy dtypes here. Promotion follows Keras 3 where it differs from NumPy's:

- an integer or bool tensor meeting a float one takes the float's dtype (NumPy would widen int64 + float32
  to float64);
- a Python number is "weak": it takes the other operand's dtype (a Python float meeting integers gives floatx);
- otherwise NumPy's rule (int32 + int64 -> int64, float32 + float64 -> float64).

Lamina's own rule for data that is not yet a tensor still applies first: float64 arrays become float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import settings
from .tensor import Tensor

_ALIASES = {"float": None, "int": "int64", "uint": "uint64", "bool": "bool", "boolean": "bool",
            "half": "float16", "double": "float64"}


def standardize_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype from a Keras string ("float32", "float" = floatx, "int" = int64), a NumPy or TensorFlow
    dtype name/object. bfloat16 and string dtypes have no NumPy equivalent and are refused."""
    if isinstance(dtype, str):
        key = dtype.lower()
        if key in _ALIASES:
            key = _ALIASES[key] or settings.floatx()
        if key == "bfloat16":
            raise TypeError("dtype 'bfloat16' is not supported: NumPy has no bfloat16 (use 'float16' or 'float32')")
        dtype = key
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; expected a name such as 'float32', 'int32' or 'bool', or a "
                        f"NumPy dtype") from None
    if result.kind not in "biuf":
        raise TypeError(f"dtype {result} is not supported: Lamina tensors hold bool, integers or floats")
    return result


def floatx_dtype() -> np.dtype:
    """``keras.config.floatx()`` as a NumPy dtype (float32 unless ``set_floatx`` changed it)."""
    return np.dtype(settings.floatx())


def is_weak(value: Any) -> bool:
    """A Python number (not an array or tensor): it adapts to the dtype of what it meets."""
    return isinstance(value, (bool, int, float)) and not isinstance(value, np.generic)


def to_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a Tensor: a Tensor passes through unchanged (keeping its graph) when no dtype is asked;
    anything else goes through Lamina's conversion (floats -> float32) or to the requested dtype."""
    if isinstance(value, Tensor):
        if dtype is None or value.dtype == standardize_dtype(dtype):
            return value
        from .array_primitives import cast
        return cast(value, dtype)
    if dtype is not None:
        return Tensor(value, dtype=standardize_dtype(dtype))
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        from .ops import stack
        return stack([to_tensor(v) for v in value])
    result = Tensor(value)
    if result.dtype == np.int64 and not isinstance(value, (np.ndarray, np.generic)) and _fits_int32(result.data):
        # Python integers become int32, as Keras converts them (NumPy would pick int64).
        result = Tensor(result.data, dtype=np.int32)
    return result


def _fits_int32(array: np.ndarray) -> bool:
    info = np.iinfo(np.int32)
    return array.size == 0 or (info.min <= array.min() and array.max() <= info.max)


def result_dtype(*values: Any) -> np.dtype:
    """The dtype Keras gives to an elementwise operation on ``values`` (see the module docstring)."""
    strong = [v for v in values if not is_weak(v)]
    weak = [v for v in values if is_weak(v)]
    dtypes = [v.dtype if isinstance(v, Tensor) else to_tensor(v).dtype for v in strong]
    if not dtypes:
        dtypes = [to_tensor(v).dtype for v in weak]
        weak = []
    floats = [d for d in dtypes if d.kind == "f"]
    if floats:
        result = np.result_type(*floats)
    elif any(d.kind in "iu" for d in dtypes):
        result = np.result_type(*[d for d in dtypes if d.kind in "iu"])
    else:
        result = np.dtype(bool)
    if result.kind != "f" and any(isinstance(v, float) for v in weak):
        return floatx_dtype()
    if result.kind == "b" and any(isinstance(v, int) and not isinstance(v, bool) for v in weak):
        return np.dtype(np.int32)
    return result


def as_float(x: Tensor) -> Tensor:
    """``x`` unchanged when it is floating, else cast to floatx (for ops defined only on floats)."""
    if x.dtype.kind == "f":
        return x
    return Tensor(x.data, dtype=floatx_dtype())
