"""Conv2D: the 2-D convolution of image networks (LeNet, AlexNet, VGG, ResNet)."""

from __future__ import annotations

from ._conv_base import BaseConv


class Conv2D(BaseConv):
    """2-D convolution (Keras's ``Conv2D``): (batch, rows, cols, channels) -> (batch, new_rows, new_cols, filters)
    (channels first with ``data_format="channels_first"``).

    Each output pixel is the kernel's dot product with the receptive field under it, plus the bias, through the
    activation; the whole layer is one matrix product over image patches (see ``lamina.convolution``).
    Parameters: kernel_size[0] * kernel_size[1] * channels / groups * filters (+ filters with a bias).
    Arguments: see ``BaseConv``.

    >>> Conv2D(32, (3, 3), activation="relu")(np.ones((2, 28, 28, 1))).shape
    (2, 26, 26, 32)
    """

    rank = 2

Convolution2D = Conv2D  # Keras's other name for it
