"""SeparableConv2D: a depthwise convolution followed by a 1x1 (pointwise) one (Xception, MobileNet)."""

from __future__ import annotations

from typing import Any

from ..convolution import conv, depthwise_conv
from ..tensor import Tensor
from ._conv_base import ConvLayer, keras_constraints_off, keras_weight_options
from ._spatial import positive_int, refuse_unsupported
from .depthwise_conv2d import onnx_depthwise
from .base import Shape


class SeparableConv2D(ConvLayer):
    """Depthwise-separable 2-D convolution (Keras's ``SeparableConv2D``): a depthwise convolution (each channel
    with its own ``depth_multiplier`` filters, no bias), then a 1x1 convolution mixing the C * M channels into
    ``filters``, plus the bias and activation. It factors a full KxK convolution's K^2 C F weights into
    K^2 C M + C M F.

    Weights: ``depthwise_kernel`` (kernel_size + (C, M)), ``pointwise_kernel`` ((1, 1, C M, filters)), ``bias``.
    """

    keras_options = {**ConvLayer.keras_options, "filters": "same", "depth_multiplier": "same",
                     **keras_weight_options("depthwise", "pointwise", "bias")}
    keras_extras = keras_constraints_off("depthwise", "pointwise", "bias")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         activity_regularizer, **kwargs)
        self.filters = positive_int(self, filters, "filters")
        self.depth_multiplier = positive_int(self, depth_multiplier, "depth_multiplier")
        refuse_unsupported(self, depthwise_constraint=depthwise_constraint,
                           pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint)
        self._weight_options(depthwise=(depthwise_initializer, depthwise_regularizer),
                             pointwise=(pointwise_initializer, pointwise_regularizer),
                             bias=(bias_initializer, bias_regularizer))

    def build(self, input_shape: Shape) -> None:
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self._add("depthwise_kernel", "depthwise", self.kernel_size + (channels, self.depth_multiplier))
        self._add("pointwise_kernel", "pointwise", (1, 1, channels * self.depth_multiplier, self.filters))
        self._add_bias(self.filters)
        self._expect_channels(channels)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        channels = self._input_channels(input_shape)
        return self._output_shape(input_shape, self.filters, self.kernel_size + (channels, self.depth_multiplier))

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        self._spatial_output(x.shape, self.depthwise_kernel.shape)

        def separable(inputs: Tensor, fused: str | None) -> Tensor:
            depthwise = depthwise_conv(inputs, self.depthwise_kernel, None, self.strides, self.padding,
                                       self.dilation_rate)
            return conv(depthwise, self.pointwise_kernel, self.bias, activation=fused)

        return self._convolve(x, separable)

    def _onnx_ops(self, graph: Any, x: str, folded_batch_norm: Any) -> str:
        """The depthwise Conv (one group per channel), then the pointwise 1x1 Conv with the bias."""
        depthwise = onnx_depthwise(self, graph, x, self.depthwise_kernel.data, None, f"{self.name}_depthwise")
        return self._onnx_conv(graph, depthwise, self.pointwise_kernel.data,
                               None if self.bias is None else self.bias.data, f"{self.name}_pointwise",
                               pointwise=True)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "filters": self.filters, **self._common_config(),
            "depth_multiplier": self.depth_multiplier, **self._weight_options_config("depthwise", "pointwise", "bias"),
        }
