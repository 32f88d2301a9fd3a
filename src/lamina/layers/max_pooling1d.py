"""MaxPooling1D: the largest value in each window of steps."""

from __future__ import annotations

from typing import Any

from ._pooling_base import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling over windows of steps: (batch, steps, channels) -> (batch, new_steps, channels).

    Arguments: see ``BasePooling`` (pool_size, strides defaulting to pool_size, padding, data_format).
    """

    rank = 1
    mode = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

MaxPool1D = MaxPooling1D  # Keras's other name for it
