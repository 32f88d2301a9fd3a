"""Global settings under Keras 3's ``keras.config`` names (re-exported there): the default float type, the
fuzz factor epsilon, the image data format, and the backend's name.

What reads them: ``floatx`` is the dtype that ``keras.ops`` creation functions (``ones``, ``zeros``, ``eye``,
``linspace``, ...) and ``keras.random`` draws use when no dtype is given, and the dtype that integer input to
a floating-only op (``sqrt``, ``mean``, ``divide``) becomes. ``epsilon`` is the clip of probabilities in
``keras.ops`` cross-entropies and the floor of ``sqrt(variance)`` in ``layers.Normalization``.
``image_data_format`` is stored for programs that read it back (Lamina's layers are channels-last).
"""

from __future__ import annotations

import numpy as np

_FLOAT_TYPES = ("float16", "float32", "float64")
_IMAGE_FORMATS = ("channels_last", "channels_first")

_floatx = "float32"
_epsilon = 1e-7
_image_data_format = "channels_last"


def backend() -> str:
    """The name of the running backend: ``"lamina"`` (Keras answers "tensorflow", "jax" or "torch")."""
    return "lamina"


def floatx() -> str:
    """The default float type, as a string: ``"float32"`` unless ``set_floatx`` changed it."""
    return _floatx


def set_floatx(value: str) -> None:
    """Set the default float type: ``"float16"``, ``"float32"`` or ``"float64"`` (NumPy has no bfloat16)."""
    global _floatx
    name = np.dtype(value).name if not isinstance(value, str) else value
    if name not in _FLOAT_TYPES:
        raise ValueError(f"set_floatx: unknown or unsupported floatx type {value!r}; expected one of "
                         f"{', '.join(_FLOAT_TYPES)}")
    _floatx = name


def epsilon() -> float:
    """The fuzz factor used to keep numbers away from 0 and 1 (default 1e-7)."""
    return _epsilon


def set_epsilon(value: float) -> None:
    """Set the fuzz factor (a positive number)."""
    global _epsilon
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not value > 0:
        raise ValueError(f"set_epsilon: epsilon must be a positive number; received {value!r}")
    _epsilon = float(value)


def image_data_format() -> str:
    """``"channels_last"`` (the default) or ``"channels_first"``."""
    return _image_data_format


def set_image_data_format(data_format: str) -> None:
    """Set the image data format: ``"channels_last"`` or ``"channels_first"``."""
    global _image_data_format
    value = str(data_format).lower()
    if value not in _IMAGE_FORMATS:
        raise ValueError(f"set_image_data_format: data_format must be one of {', '.join(_IMAGE_FORMATS)}; "
                         f"received {data_format!r}")
    _image_data_format = value


def enable_unsafe_deserialization() -> None:
    """Accepted for Keras programs that call it before loading models with Lambda layers: Lamina's loaders
    rebuild no Python code from files, so there is nothing to unlock."""
