"""Conv1D: a convolution along one axis (time, sequence position), e.g. over (batch, steps, channels)."""

from __future__ import annotations

from ._conv_base import BaseConv


class Conv1D(BaseConv):
    """1-D convolution (Keras's ``Conv1D``): inputs (batch, steps, channels) -> (batch, new_steps, filters).

    ``padding="causal"`` puts all (kernel_size - 1) * dilation_rate zeros before the sequence, so output t sees
    only inputs up to t (WaveNet). Other arguments: see ``BaseConv``.

    >>> Conv1D(8, 3, padding="same")(np.ones((2, 10, 4))).shape
    (2, 10, 8)
    """

    rank = 1
    allow_causal = True

Convolution1D = Conv1D  # Keras's other name for it
