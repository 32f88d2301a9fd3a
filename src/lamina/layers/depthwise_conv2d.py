"""DepthwiseConv2D: each input channel convolved with its own filters (MobileNet's building block)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..convolution import depthwise_conv
from ..tensor import Tensor
from ._conv_base import ConvLayer, keras_constraints_off, keras_weight_options
from ._spatial import positive_int, refuse_unsupported
from .base import Shape


def onnx_depthwise(layer: ConvLayer, graph: Any, x: str, kernel: np.ndarray, bias: Any, hint: str) -> str:
    """A depthwise convolution as ONNX Conv with one group per input channel: Keras's kernel (KH, KW, C, M) is the
    Conv weight (C M, 1, KH, KW), output channel c M + m being channel c's m-th filter."""
    kh, kw, channels, multiplier = kernel.shape
    grouped = kernel.reshape(kh, kw, 1, channels * multiplier)
    return layer._onnx_conv(graph, x, grouped, bias, hint, group=channels)


class DepthwiseConv2D(ConvLayer):
    """Depthwise 2-D convolution (Keras's ``DepthwiseConv2D``): channel c is convolved with its own
    ``depth_multiplier`` filters M, giving C * M output channels (channel c * M + m), with no mixing across
    channels. Parameters: kernel area * C * M (+ C * M biases) instead of kernel area * C * F.

    Args:
        kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate: as Keras.
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer:
            as Keras.

    Weights: ``kernel`` (kernel_size + (C, depth_multiplier)), ``bias`` (C * depth_multiplier,).
    """

    keras_options = {**ConvLayer.keras_options, "depth_multiplier": "same",
                     **keras_weight_options("depthwise", "bias")}
    keras_extras = keras_constraints_off("depthwise", "bias")

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: Any = (1, 1), activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         activity_regularizer, **kwargs)
        self.depth_multiplier = positive_int(self, depth_multiplier, "depth_multiplier")
        refuse_unsupported(self, depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint)
        self._weight_options(depthwise=(depthwise_initializer, depthwise_regularizer),
                             bias=(bias_initializer, bias_regularizer))

    def build(self, input_shape: Shape) -> None:
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self._add("kernel", "depthwise", self.kernel_size + (channels, self.depth_multiplier))
        self._add_bias(channels * self.depth_multiplier)
        self._expect_channels(channels)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        channels = self._input_channels(input_shape)
        kernel_shape = self.kernel_size + (channels, self.depth_multiplier)
        return self._output_shape(input_shape, channels * self.depth_multiplier, kernel_shape)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_output(x.shape, self.kernel.shape)
        return self._convolve(x, lambda inputs, fused: depthwise_conv(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate, activation=fused))

    def _onnx_ops(self, graph: Any, x: str, folded_batch_norm: Any) -> str:
        return onnx_depthwise(self, graph, x, self.kernel.data, None if self.bias is None else self.bias.data,
                              self.name)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), **self._common_config(), "depth_multiplier": self.depth_multiplier,
            **self._weight_options_config("depthwise", "bias"),
        }
