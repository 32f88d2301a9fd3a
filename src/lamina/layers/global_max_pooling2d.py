"""GlobalMaxPooling2D: the largest value of each channel over the whole image."""

from __future__ import annotations

from ._global_pooling_base import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """the largest value of each channel over the whole image.

    Arguments: data_format, keepdims (see ``BaseGlobalPooling``).
    """

    rank = 2
    mode = "max"

GlobalMaxPool2D = GlobalMaxPooling2D  # Keras's other name for it
