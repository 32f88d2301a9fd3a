"""ONNX export helpers of the image and sequence layers (the convolutions, poolings, padding, normalization).

Lamina's data is channels-last, (N, H, W, C), as Keras's; ONNX's Conv, ConvTranspose, MaxPool and AveragePool
take channels-first, (N, C, H, W). Each layer that needs channels-first wraps its op in a Transpose pair of its
own (``channels_first`` / ``channels_last``): every layer's export stays self-contained, and a run of such
layers leaves back-to-back inverse Transposes (with the elementwise BatchNormalization, ReLU and Add between
them) that onnxruntime's transpose optimizer pushes through the elementwise nodes and cancels when it loads
the graph (tests/test_onnx_conv.py checks that the optimized graph keeps only the Transposes at the ends).
Layers that can work in either layout (global pooling, padding, cropping, upsampling, normalization over the
channels) use the data as it is. Channels-first layers (``data_format="channels_first"``) need no Transpose.

"same" padding is written as explicit pads from TensorFlow's split (the odd zero after, ``conv_geometry``),
which ONNX's ``auto_pad="SAME_UPPER"`` also follows and which is used when a spatial size is unknown.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..conv_geometry import window_pads

# The opset from which the Reduce* operators take their axes as an input instead of an attribute.
REDUCE_AXES_AS_INPUT = 18


def channels_first(graph: Any, value: str, rank: int, data_format: str, hint: str) -> str:
    """(N, *spatial, C) -> (N, C, *spatial); channels-first data passes unchanged."""
    if data_format == "channels_first":
        return value
    return graph.node("Transpose", [value], f"{hint}_to_nchw", perm=[0, rank + 1, *range(1, rank + 1)])


def channels_last(graph: Any, value: str, rank: int, data_format: str, hint: str) -> str:
    """(N, C, *spatial) -> (N, *spatial, C); for channels-first layers, nothing to undo."""
    if data_format == "channels_first":
        return value
    return graph.node("Transpose", [value], f"{hint}_to_nhwc", perm=[0, *range(2, rank + 2), 1])


def spatial_sizes(layer: Any) -> tuple[Any, ...]:
    """The spatial sizes of the input ``layer`` was built for (None where unknown)."""
    shape = tuple(layer.input_shape)
    return shape[1:-1] if layer.data_format == "channels_last" else shape[2:]


def window_attributes(layer: Any, kernel: Sequence[int], dilation: Sequence[int] | None = None) -> dict[str, Any]:
    """``kernel_shape``, ``strides``, ``dilations`` and the padding (explicit ``pads`` [begins..., ends...], or
    ``auto_pad="SAME_UPPER"`` for "same" on an axis of unknown size) of a convolution or pooling layer."""
    dilation = tuple(dilation or (1,) * len(kernel))
    attributes: dict[str, Any] = {"kernel_shape": list(kernel), "strides": list(layer.strides)}
    if any(d != 1 for d in dilation):
        attributes["dilations"] = list(dilation)
    sizes = spatial_sizes(layer)
    if layer.padding == "same" and any(n is None for n in sizes):
        attributes["auto_pad"] = "SAME_UPPER"
        return attributes
    pads = window_pads(sizes, kernel, layer.strides, layer.padding, dilation)
    attributes["pads"] = [before for before, _ in pads] + [after for _, after in pads]
    return attributes


def int64(graph: Any, hint: str, values: Sequence[int]) -> str:
    return graph.constant(hint, np.asarray(values, dtype=np.int64), dtype=np.int64)


def reduce(graph: Any, op_type: str, value: str, axes: Sequence[int], keepdims: bool, hint: str) -> str:
    """``op_type`` (ReduceMean, ReduceMax) over ``axes``: an attribute before opset 18, an input from it."""
    if graph.opset >= REDUCE_AXES_AS_INPUT:
        return graph.node(op_type, [value, int64(graph, f"{hint}_axes", axes)], hint, keepdims=int(keepdims))
    return graph.node(op_type, [value], hint, axes=list(axes), keepdims=int(keepdims))


def resize(graph: Any, value: str, hint: str, scales: Sequence[float] | None = None,
           sizes: Sequence[int] | None = None, **attributes: Any) -> str:
    """ONNX Resize by ``scales`` (one per axis) or to ``sizes`` (one per axis)."""
    inputs = [value, "", graph.constant(f"{hint}_scales", np.asarray(scales, dtype=np.float32))
              if scales is not None else ""]
    if sizes is not None:
        inputs.append(int64(graph, f"{hint}_sizes", sizes))
    return graph.node("Resize", inputs, hint, **attributes)


def crop(graph: Any, value: str, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int], hint: str) -> str:
    """ONNX Slice of ``value`` along ``axes`` (ends negative counts from the end, as Python)."""
    return graph.node("Slice", [value, int64(graph, f"{hint}_starts", starts), int64(graph, f"{hint}_ends", ends),
                                int64(graph, f"{hint}_axes", axes)], hint)
