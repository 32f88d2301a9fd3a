"""What every image / sequence layer shares: Keras's argument checks (with Keras's messages, naming the layer),
the data format, and the move between channels-first inputs and the channels-last primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import convolution, ops
from ..tensor import Tensor
from .base import Layer

DATA_FORMATS = ("channels_last", "channels_first")


def standardize_data_format(layer: Layer, value: Any) -> str:
    """None means Keras's default, "channels_last"."""
    if value is None:
        return "channels_last"
    text = str(value).lower()
    if text not in DATA_FORMATS:
        raise layer._invalid(f'The `data_format` argument must be one of {{"channels_first", "channels_last"}}. '
                             f"Received: data_format={value!r}")
    return text


def int_tuple(layer: Layer, value: Any, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """An int or ``n`` ints as a tuple of ``n`` ints (Keras's ``standardize_tuple``), all positive (or >= 0);
    the error names the layer."""
    try:
        return convolution.int_tuple(value, n, name, minimum=0 if allow_zero else 1)
    except ValueError as error:
        raise layer._invalid(str(error)) from None


def standardize_padding(layer: Layer, value: Any, allow_causal: bool = False) -> str:
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    text = value.lower() if isinstance(value, str) else value
    if text not in allowed:
        raise layer._invalid(f"The `padding` argument must be one of {set(allowed)}. Received: {value!r}")
    return text


def positive_int(layer: Layer, value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise layer._invalid(f"Invalid value for argument `{name}`. Expected a strictly positive value. "
                             f"Received {name}={value!r}.")
    return int(value)


def refuse_unsupported(layer: Layer, **arguments: Any) -> None:
    """Keras arguments that Lamina accepts only at their default (None / False), e.g. constraints, LoRA."""
    for name, value in arguments.items():
        if value is not None and value is not False:
            raise layer._invalid(f"`{name}` is not supported by Lamina (only its default, None, is); "
                                 f"received {name}={value!r}")


def channel_axis(data_format: str, ndim: int) -> int:
    return ndim - 1 if data_format == "channels_last" else 1


def spatial_axes(data_format: str, ndim: int) -> tuple[int, ...]:
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


def to_channels_last(x: Tensor, data_format: str) -> Tensor:
    """(N, C, *spatial) -> (N, *spatial, C) for channels-first inputs; channels-last ones pass unchanged."""
    if data_format == "channels_last":
        return x
    return ops.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def from_channels_last(y: Tensor, data_format: str) -> Tensor:
    if data_format == "channels_last":
        return y
    return ops.transpose(y, (0, y.ndim - 1) + tuple(range(1, y.ndim - 1)))


def split_shape(shape: tuple, data_format: str) -> tuple[Any, tuple, Any]:
    """(batch, spatial sizes, channels) of a batch shape in ``data_format``."""
    if data_format == "channels_last":
        return shape[0], tuple(shape[1:-1]), shape[-1]
    return shape[0], tuple(shape[2:]), shape[1]


def join_shape(batch: Any, spatial: tuple, channels: Any, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)


def require_rank(layer: Layer, shape: tuple, rank: int, what: str) -> None:
    """Keras's InputSpec(ndim=...) message when ``shape`` does not have ``rank`` axes."""
    if len(shape) != rank:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim={rank}, '
                         f"found ndim={len(shape)}. Full shape received: {tuple(shape)} ({what})")
