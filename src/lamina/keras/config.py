"""``keras.config``: floatx, epsilon, image data format, backend name (re-exported from lamina.settings)."""

from ..settings import (  # noqa: F401
    backend, enable_unsafe_deserialization, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
    set_image_data_format,
)
