"""Conv2DTranspose: the transposed ("de-") convolution that upsamples feature maps (decoders, GAN generators)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conv_geometry import effective_size, transpose_crop_start, transpose_output_length
from ..convolution import conv_transpose
from ..tensor import Tensor
from ._conv_base import ConvLayer, keras_constraints_off, keras_weight_options
from ._spatial import int_tuple, join_shape, positive_int, refuse_unsupported, split_shape
from .base import Shape


class Conv2DTranspose(ConvLayer):
    """Transposed 2-D convolution (Keras's ``Conv2DTranspose``): the gradient of a Conv2D with respect to its
    input, used as a learned upsampling. Output size per axis (Keras's rule), with k_eff = (k - 1) d + 1::

        "valid": (n - 1) s + k_eff + output_padding   (output_padding defaults to max(k_eff, s) - k_eff)
        "same":  n s, or (n - 1) s + k_eff % 2 + output_padding when output_padding is given

    ``output_padding`` (each < the stride) picks among the sizes that a strided convolution maps to n.

    Weights: ``kernel`` (kernel_size + (filters, C)), note filters before input channels; ``bias`` (filters,).
    """

    keras_options = {**ConvLayer.keras_options, "filters": "same", "output_padding": "same",
                     **keras_weight_options("kernel", "bias")}
    keras_extras = keras_constraints_off("kernel", "bias")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = (1, 1),
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         activity_regularizer, **kwargs)
        self.filters = positive_int(self, filters, "filters")
        self.output_padding = None if output_padding is None else \
            int_tuple(self, output_padding, 2, "output_padding", allow_zero=True)
        if self.output_padding is not None:
            for i, (extra, stride) in enumerate(zip(self.output_padding, self.strides)):
                if extra >= stride:
                    raise self._invalid(f"`output_padding` must be strictly less than `strides` for all dimensions. "
                                        f"At dimension {i}, `output_padding` is {extra} but `strides` is {stride}. "
                                        f"Received: output_padding={self.output_padding}, strides={self.strides}")
        refuse_unsupported(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._weight_options(kernel=(kernel_initializer, kernel_regularizer), bias=(bias_initializer, bias_regularizer))

    def build(self, input_shape: Shape) -> None:
        channels = self._input_channels(input_shape)
        self._add("kernel", "kernel", self.kernel_size + (self.filters, channels))
        self._add_bias(self.filters)
        self._expect_channels(channels)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        batch, spatial, _ = split_shape(tuple(input_shape), self.data_format)
        extras = self.output_padding or (None, None)
        out = tuple(transpose_output_length(n, k, s, self.padding, extra, d) for n, k, s, extra, d in
                    zip(spatial, self.kernel_size, self.strides, extras, self.dilation_rate))
        return join_shape(batch, out, self.filters, self.data_format)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return self._convolve(x, lambda inputs, fused: conv_transpose(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.output_padding, self.dilation_rate,
            activation=fused))

    def _onnx_ops(self, graph: Any, x: str, folded_batch_norm: Any) -> str:
        """ONNX ConvTranspose, weight (C, F, KH, KW). Per axis, of the full scatter of length
        (n - 1) s + k_eff the output keeps ``out`` positions from TensorFlow's start: ONNX's begin pad is that
        start, and its end pad (or, when the output reaches past the scatter, ``output_padding``) the rest. Both
        are the same for every input size n, so an unknown size exports too."""
        from ..onnx.spatial import spatial_sizes
        begins, ends, extras = [], [], []
        for n, k, s, d, extra in zip(spatial_sizes(self), self.kernel_size, self.strides, self.dilation_rate,
                                     self.output_padding or (None, None)):
            n = 1 if n is None else n
            out = transpose_output_length(n, k, s, self.padding, extra, d)
            start = transpose_crop_start(n, out, k, s, self.padding, d)
            beyond = start + out - ((n - 1) * s + effective_size(k, d))
            begins.append(start)
            ends.append(max(-beyond, 0))
            extras.append(max(beyond, 0))
        inputs = [x, graph.constant(f"{self.name}_weight", np.transpose(self.kernel.data, (3, 2, 0, 1)))]
        if self.bias is not None:
            inputs.append(graph.constant(f"{self.name}_bias", self.bias.data))
        attributes = {"dilations": list(self.dilation_rate)} if max(self.dilation_rate) > 1 else {}
        return graph.node("ConvTranspose", inputs, self.name, kernel_shape=list(self.kernel_size),
                          strides=list(self.strides), pads=begins + ends, output_padding=extras, **attributes)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "filters": self.filters, **self._common_config(),
            "output_padding": self.output_padding, **self._weight_options_config("kernel", "bias"),
        }
