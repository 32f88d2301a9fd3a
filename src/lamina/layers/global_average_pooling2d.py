"""GlobalAveragePooling2D: the mean of each channel over the whole image (the head of ResNets)."""

from __future__ import annotations

from ._global_pooling_base import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """the mean of each channel over the whole image (the head of ResNets).

    Arguments: data_format, keepdims (see ``BaseGlobalPooling``).
    """

    rank = 2
    mode = "average"

GlobalAvgPool2D = GlobalAveragePooling2D  # Keras's other name for it
