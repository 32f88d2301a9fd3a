"""The parts shared by every convolution layer: Keras's arguments and checks, output shapes, activations.

Conv1D and Conv2D are ``BaseConv`` at rank 1 and 2; DepthwiseConv2D, SeparableConv2D and Conv2DTranspose build on
``ConvLayer`` for their own weights. The arithmetic of sizes and paddings is in ``lamina.conv_geometry``, the
computation in ``lamina.convolution``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as _activations
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..conv_geometry import output_length
from ..convolution import conv
from ..functional import FUSABLE_ACTIVATIONS
from ..tensor import Tensor
from ._spatial import (channel_axis, from_channels_last, int_tuple, positive_int, refuse_unsupported, split_shape,
                       join_shape, standardize_data_format, standardize_padding, to_channels_last)
from .base import Layer, Shape


def keras_weight_options(*kinds: str) -> dict[str, str]:
    """``keras_options`` entries of the initializer and regularizer of each kind of weight ("kernel", "bias")."""
    return {f"{kind}_{part}": part for part in ("initializer", "regularizer") for kind in kinds}


def keras_constraints_off(*kinds: str) -> dict[str, None]:
    """``keras_extras`` for what Lamina's convolutions lack, the activity regularizer and the constraint of each
    kind of weight: read and written only as None (off)."""
    return {"activity_regularizer": None, **{f"{kind}_constraint": None for kind in kinds}}


class ConvLayer(Layer):
    """Arguments every convolution shares (kernel_size, strides, padding, data_format, dilation_rate, activation,
    use_bias), validated as Keras validates them, and the helpers to shape and finish the output."""

    rank = 2
    allow_causal = False
    # Keras's config keys shared by every convolution (each subclass adds its own: see ``keras_options`` in
    # layers/base.py); the weight options are named after each layer's kinds of weight.
    keras_options = {"kernel_size": "same", "strides": "same", "padding": "same", "data_format": "same",
                     "dilation_rate": "same", "activation": "activation", "use_bias": "same"}

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 activity_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        rank = self.rank
        self.kernel_size = int_tuple(self, kernel_size, rank, "kernel_size")
        self.strides = int_tuple(self, strides, rank, "strides")
        self.dilation_rate = int_tuple(self, dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(self, padding, allow_causal=self.allow_causal)
        self.data_format = standardize_data_format(self, data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise self._invalid(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        refuse_unsupported(self, activity_regularizer=activity_regularizer)
        try:
            self.activation = _activations.get(activation)
        except (ValueError, TypeError) as error:
            raise self._invalid(str(error)) from None
        self._activation_name = _activations.serialize(self.activation)
        self.use_bias = bool(use_bias)

    # ----- weights ----------------------------------------------------------------------------------------------
    def _weight_options(self, **options: tuple[Any, Any]) -> None:
        """For each kind of weight (kernel=(initializer, regularizer), ...), resolve and store
        ``<kind>_initializer`` and ``<kind>_regularizer``; unknown names raise errors naming the layer."""
        for kind, (initializer, regularizer) in options.items():
            try:
                setattr(self, f"{kind}_initializer", _initializers.get(initializer))
                setattr(self, f"{kind}_regularizer", _regularizers.get(regularizer))
            except ValueError as error:
                raise self._invalid(str(error)) from None
        self._weight_kinds = tuple(options)

    def _add(self, name: str, kind: str, shape: tuple[int, ...]) -> None:
        """Create weight ``name`` with the initializer and regularizer of ``kind``."""
        self.add_weight(name, shape, getattr(self, f"{kind}_initializer"),
                        regularizer=getattr(self, f"{kind}_regularizer"))

    def _add_bias(self, size: int) -> None:
        if self.use_bias:
            self._add("bias", "bias", (size,))
        else:
            self.bias = None

    def _weight_options_config(self, *unsupported: str) -> dict[str, Any]:
        """The initializers, then the regularizers (Keras's order), then None for the arguments Lamina only takes
        at their default (activity regularizer, constraints)."""
        config = {f"{kind}_initializer": _initializers.serialize(getattr(self, f"{kind}_initializer"))
                  for kind in self._weight_kinds}
        config.update({f"{kind}_regularizer": _regularizers.serialize(getattr(self, f"{kind}_regularizer"))
                       for kind in self._weight_kinds})
        return {**config, "activity_regularizer": None, **{f"{kind}_constraint": None for kind in unsupported}}

    # ----- shapes -----------------------------------------------------------------------------------------------
    def _input_channels(self, input_shape: Shape) -> int:
        """Check the rank and return the (known) number of input channels."""
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")
        channels = input_shape[channel_axis(self.data_format, len(input_shape))]
        if channels is None:
            raise self._invalid(f"the channel axis of the input must be known; received input_shape={input_shape}")
        return channels

    def _expect_channels(self, channels: int) -> None:
        """Later inputs must have the channel count the layer was built for (Keras's InputSpec axes)."""
        self._input_axes = {-1 if self.data_format == "channels_last" else 1: channels}
        self._ndim = self.rank + 2

    def _spatial_output(self, input_shape: Shape, kernel_shape: tuple) -> tuple:
        _, spatial, _ = split_shape(tuple(input_shape), self.data_format)
        out = tuple(output_length(n, k, s, self.padding, d)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise self._invalid(f"Computed output size would be zero or negative. Received `inputs shape="
                                f"{tuple(input_shape)}`, `kernel shape={kernel_shape}`, `dilation_rate="
                                f"{self.dilation_rate}`, `strides={self.strides}`, `padding={self.padding}`: the "
                                f"kernel is larger than the (padded) input")
        return out

    def _output_shape(self, input_shape: Shape, filters: int, kernel_shape: tuple) -> Shape:
        batch = input_shape[0]
        return join_shape(batch, self._spatial_output(input_shape, kernel_shape), filters, self.data_format)

    # ----- forward ----------------------------------------------------------------------------------------------
    def _fused(self) -> str | None:
        """The activation to fuse into the primitive (None when it must follow as its own op)."""
        name = self._activation_name
        return name if name in FUSABLE_ACTIVATIONS and name != "sigmoid" else None

    def _convolve(self, x: Tensor, primitive) -> Tensor:
        """Run ``primitive(channels_last_input, activation)``, restore the data format, apply a non-fused activation
        (sigmoid and softmax keep their logits for the loss, as Dense does)."""
        fused = self._fused()
        y = from_channels_last(primitive(to_channels_last(x, self.data_format), fused), self.data_format)
        if fused is None and self._activation_name != "linear":
            return _activations.apply_with_logits(self._activation_name, self.activation, y)
        return y

    def _common_config(self) -> dict[str, Any]:
        return {
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": self._activation_name, "use_bias": self.use_bias,
        }

    # ----- ONNX export ------------------------------------------------------------------------------------------
    def to_onnx(self, graph: Any, inputs: list[str], folded_batch_norm: Any = None) -> str:
        """The layer's ONNX op(s) on channels-first data between a Transpose pair (``onnx/spatial.py``), then the
        activation; a BatchNormalization that follows a linear convolution is folded into its kernel and bias."""
        from ..onnx.spatial import channels_first, channels_last
        x = channels_first(graph, inputs[0], self.rank, self.data_format, self.name)
        y = self._onnx_ops(graph, x, folded_batch_norm)
        y = channels_last(graph, y, self.rank, self.data_format, self.name)
        return graph.activation(self._activation_name, y, f"{self.name}_activation",
                                f'layer "{self.name}" ({self.class_name})')

    def _onnx_ops(self, graph: Any, x: str, folded_batch_norm: Any) -> str:
        """The computation before the activation, on channels-first data; returns the output's name."""
        raise NotImplementedError

    def _onnx_conv(self, graph: Any, x: str, kernel: np.ndarray, bias: Any, hint: str, group: int = 1,
                   folded_batch_norm: Any = None, pointwise: bool = False) -> str:
        """ONNX Conv with a kernel in Keras's layout (*kernel_size, in / group, out), the layer's strides, padding
        and dilation (a 1x1 ``pointwise`` convolution: none of them); ``bias`` an array or None."""
        from ..onnx.spatial import window_attributes
        weight = np.transpose(kernel, (self.rank + 1, self.rank, *range(self.rank))).astype(np.float64)
        bias = None if bias is None else np.asarray(bias, dtype=np.float64)
        if folded_batch_norm is not None:
            from ..onnx.export import batch_norm_scale_shift
            scale, shift = batch_norm_scale_shift(folded_batch_norm)
            weight = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
            bias = (0.0 if bias is None else bias) * scale + shift
        inputs = [x, graph.constant(f"{hint}_weight", weight)]
        if bias is not None:
            inputs.append(graph.constant(f"{hint}_bias", bias))
        attributes = {"kernel_shape": list(kernel.shape[:self.rank])} if pointwise else \
            window_attributes(self, self.kernel_size, self.dilation_rate)
        return graph.node("Conv", inputs, hint, group=group, **attributes)


class BaseConv(ConvLayer):
    """An N-D convolution layer: ``output = activation(conv(inputs, kernel) + bias)`` (Keras's ``BaseConv``).

    Args:
        filters: the number of output channels F.
        kernel_size, strides, dilation_rate: an int or one per spatial axis. ``strides > 1`` and
            ``dilation_rate > 1`` cannot be combined (as in Keras).
        padding: "valid" (none) or "same" (output size ceil(n / stride), zeros split as TensorFlow does: the odd
            one at the end); Conv1D also takes "causal" (all zeros before).
        data_format: "channels_last" (default, (batch, ..., channels)) or "channels_first".
        groups: split the input channels into this many groups, each convolved with filters / groups filters.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer: as Dense.

    Weights: ``kernel`` of shape kernel_size + (channels / groups, filters), ``bias`` (filters,).
    """

    keras_options = {**ConvLayer.keras_options, "filters": "same", "groups": "same",
                     **keras_weight_options("kernel", "bias")}
    keras_extras = keras_constraints_off("kernel", "bias")

    @property
    def onnx_folds_batch_norm(self) -> bool:  # type: ignore[override]
        """A following BatchNormalization over the last axis is one over the filters only in channels-last."""
        return self.data_format == "channels_last"

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, lora_rank: Any = None,
                 lora_alpha: Any = None, **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         activity_regularizer, **kwargs)
        self.filters = positive_int(self, filters, "filters")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise self._invalid(f"The number of groups must be a positive integer. Received: groups={groups!r}.")
        if self.filters % groups:
            raise self._invalid(f"The number of filters must be evenly divisible by the number of groups. "
                                f"Received: groups={groups}, filters={self.filters}.")
        self.groups = groups
        refuse_unsupported(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                           lora_rank=lora_rank, lora_alpha=lora_alpha)
        self._weight_options(kernel=(kernel_initializer, kernel_regularizer), bias=(bias_initializer, bias_regularizer))

    def build(self, input_shape: Shape) -> None:
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise self._invalid(f"The number of input channels must be evenly divisible by the number of groups. "
                                f"Received groups={self.groups}, but the input has {channels} channels (full input "
                                f"shape is {tuple(input_shape)}).")
        kernel_shape = self.kernel_size + (channels // self.groups, self.filters)
        self.compute_output_shape(input_shape)   # refuse a kernel larger than the input before making weights
        self._add("kernel", "kernel", kernel_shape)
        self._add_bias(self.filters)
        self._expect_channels(channels)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        channels = input_shape[channel_axis(self.data_format, len(input_shape))]
        kernel_shape = self.kernel_size + (channels, self.filters)
        return self._output_shape(input_shape, self.filters, kernel_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_output(x.shape, self.kernel.shape)   # a clear error, naming the layer, for a too-small input
        return self._convolve(x, lambda inputs, fused: conv(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, self.groups,
            activation=fused))

    def _onnx_ops(self, graph: Any, x: str, folded_batch_norm: Any) -> str:
        bias = None if self.bias is None else self.bias.data
        return self._onnx_conv(graph, x, self.kernel.data, bias, self.name, self.groups, folded_batch_norm)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "filters": self.filters, **self._common_config(), "groups": self.groups,
            **self._weight_options_config("kernel", "bias"),
        }
