"""The arithmetic of sliding windows: output sizes and paddings of convolutions and pooling, as Keras computes them.

For one spatial axis of length n, a window of k taps spaced by the dilation d spans k_eff = (k - 1) d + 1 input
positions; the window moves by the stride s. Keras (TensorFlow's rules) gives

    "valid":  no padding,             n_out = floor((n - k_eff) / s) + 1
    "same":   n_out = ceil(n / s),    total padding p = max((n_out - 1) s + k_eff - n, 0),
              p // 2 before and the rest after (the extra one goes after: even kernels pad more at the end)
    "causal": (1-D convolutions) k_eff - 1 zeros before, none after: n_out = n

The transposed convolution runs this map backwards; its output length (Keras's
``compute_conv_transpose_output_shape``) is

    "valid":  (n - 1) s + k_eff + output_padding,   output_padding defaulting to max(k_eff, s) - k_eff
    "same":   n s when output_padding is None, else (n - 1) s + k_eff % 2 + output_padding

and it is the gradient of the forward convolution whose input has that length (TensorFlow's definition).
"""

from __future__ import annotations

from typing import Sequence

Pads = tuple[tuple[int, int], ...]

PADDINGS = ("valid", "same")


def effective_size(kernel: int, dilation: int = 1) -> int:
    """k_eff = (k - 1) d + 1: the input positions that a dilated window spans."""
    return (kernel - 1) * dilation + 1


def same_padding(length: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(before, after) zeros of "same" padding on one axis (TensorFlow's split: the odd one goes after)."""
    out = -(-length // stride)
    total = max((out - 1) * stride + effective_size(kernel, dilation) - length, 0)
    return total // 2, total - total // 2


def window_pads(spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int], padding: str,
                dilation: Sequence[int] | None = None) -> Pads:
    """Per-axis (before, after) padding of a convolution or pooling window for ``padding``."""
    dilation = dilation or (1,) * len(spatial)
    if padding == "valid":
        return tuple((0, 0) for _ in spatial)
    if padding == "same":
        return tuple(same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))
    if padding == "causal":
        return tuple((effective_size(k, d) - 1, 0) for k, d in zip(kernel, dilation))
    raise ValueError(f"padding must be 'valid', 'same' or 'causal'; received {padding!r}")


def output_length(length: int | None, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """The output length of a convolution / pooling on one axis (None stays None); may be <= 0 for "valid"."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return (length - effective_size(kernel, dilation)) // stride + 1


def padded_output_length(length: int, kernel: int, stride: int, pads: tuple[int, int], dilation: int = 1) -> int:
    """The output length on one axis for explicit (before, after) padding."""
    return (length + pads[0] + pads[1] - effective_size(kernel, dilation)) // stride + 1


def transpose_output_length(length: int | None, kernel: int, stride: int, padding: str,
                            output_padding: int | None = None, dilation: int = 1) -> int | None:
    """The output length of a transposed convolution on one axis (Keras's rule, module docstring)."""
    if length is None:
        return None
    k_eff = effective_size(kernel, dilation)
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return (length - 1) * stride + k_eff + extra
    if padding == "same":
        return length * stride if output_padding is None else (length - 1) * stride + k_eff % 2 + output_padding
    raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}")


def transpose_crop_start(length: int, out_length: int, kernel: int, stride: int, padding: str,
                         dilation: int = 1) -> int:
    """Where a transposed convolution's output starts inside the full scatter of length (n - 1) s + k_eff.

    The forward convolution from ``out_length`` positions with ``padding`` pads ``before`` zeros at the start
    (TensorFlow's "same" split; none for "valid"), so its input position 0 is scatter position ``before``.
    """
    if padding == "valid":
        return 0
    total = max((length - 1) * stride + effective_size(kernel, dilation) - out_length, 0)
    return total // 2

