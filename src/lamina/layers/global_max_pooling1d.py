"""GlobalMaxPooling1D: the largest value of each channel over all steps."""

from __future__ import annotations

from ._global_pooling_base import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """the largest value of each channel over all steps.

    Arguments: data_format, keepdims (see ``BaseGlobalPooling``).
    """

    rank = 1
    mode = "max"

GlobalMaxPool1D = GlobalMaxPooling1D  # Keras's other name for it
