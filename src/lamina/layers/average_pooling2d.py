"""AveragePooling2D: the mean of each 2-D window."""

from __future__ import annotations

from typing import Any

from ._pooling_base import BasePooling


class AveragePooling2D(BasePooling):
    """Average pooling over 2-D windows: each output is the mean of the inputs under its window, and each input
    gets an equal share of the gradient.

    Arguments: see ``BasePooling`` (pool_size, strides defaulting to pool_size, padding, data_format).
    """

    rank = 2
    mode = "average"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

AvgPool2D = AveragePooling2D  # Keras's other name for it
