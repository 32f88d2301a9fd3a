"""MaxPooling2D: the largest value in each 2-D window (the pooling of LeNet, VGG, the keras.io convnet)."""

from __future__ import annotations

from typing import Any

from ._pooling_base import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling over 2-D windows: each output is the largest input under its window, and the gradient goes to
    that input alone (the first one on a tie).

    Arguments: see ``BasePooling`` (pool_size, strides defaulting to pool_size, padding, data_format).
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

MaxPool2D = MaxPooling2D  # Keras's other name for it
