"""AveragePooling1D: the mean of each window of steps."""

from __future__ import annotations

from typing import Any

from ._pooling_base import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling over windows of steps: (batch, steps, channels) -> (batch, new_steps, channels).

    Arguments: see ``BasePooling`` (pool_size, strides defaulting to pool_size, padding, data_format).
    """

    rank = 1
    mode = "average"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

AvgPool1D = AveragePooling1D  # Keras's other name for it
