"""GlobalAveragePooling1D: the mean of each channel over all steps (over the unmasked ones with a mask)."""

from __future__ import annotations

from ._global_pooling_base import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """the mean of each channel over all steps (over the unmasked ones with a mask).

    Arguments: data_format, keepdims (see ``BaseGlobalPooling``).
    """

    rank = 1
    mode = "average"

GlobalAvgPool1D = GlobalAveragePooling1D  # Keras's other name for it
