"""Convolutions as primitives (1-D and 2-D, channels-last as Keras): forward and hand-written VJP side by side.

A convolution is one matrix product over patches. With the input x (N, H, W, C), zero-padded to x_p, and the
kernel w (KH, KW, C, F) (Keras's layout), each output pixel is

    z[n, i, j, f] = sum_{a, b, c} x_p[n, i s_h + a d_h, j s_w + b d_w, c] w[a, b, c, f]  (+ bias[f])

so copying every receptive field into a row of the patch matrix P (N OH OW, KH KW C) (*im2col*) makes the whole
layer one GEMM, z = P W with W = w reshaped to (KH KW C, F). Its backward is two more GEMMs and a scatter-add:

    dL/dW = P^T dz                  (the kernel gradient)
    dL/dP = dz W^T                  (each patch row's gradient)
    dL/dx_p = col2im(dL/dP)         (each patch entry goes back to the pixel it was copied from, summed)

No Python loop touches a pixel or a channel: im2col is one copy through a 6-D strided view, or, for fewer than 8
channels, one strided copy per kernel offset (9 for 3x3), which is faster there (0.30 against 0.82 ms for the
keras.io convnet's first layer, 1 channel; 0.54 against 1.63 ms the other way round for its second, 32
channels); col2im is one strided add per kernel offset, a few samples at a time so that the passes stay in
cache. The patch matrix lives in a reused scratch array (``workspace.scratch``), kept for the backward pass.

Groups split the channels into G independent convolutions (a batched GEMM over the groups); the depthwise case
(one input channel per group) is a multiply-add per kernel offset instead, which needs no patch matrix.
A transposed convolution is the adjoint of a convolution: its forward is the GEMM and col2im, its backward
im2col and two GEMMs.

Supported activations are fused into the output like ``functional.dense``: the VJP reads f'(z) from the output.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .conv_geometry import (Pads, effective_size, padded_output_length, transpose_crop_start,
                            transpose_output_length, window_pads)
from . import kernels
from .functional import FUSABLE_ACTIVATIONS
from .kernels.numpy_layers import batch_sum
from .tensor import Tensor, as_tensor, gradient_target
from .workspace import scratch

# im2col copies tap by tap below this many channels, else in one pass through a 6-D strided view (see above).
_FEW_CHANNELS = 8


class Window(NamedTuple):
    """A 2-D sliding window: kernel size, strides, dilation and the output size it produces."""
    kernel: tuple[int, int]
    strides: tuple[int, int]
    dilation: tuple[int, int]
    out: tuple[int, int]

    def tap(self, a: int, b: int) -> tuple[slice, slice]:
        """The (rows, columns) of the padded input that kernel offset (a, b) reads, for every output pixel."""
        (sh, sw), (dh, dw), (oh, ow) = self.strides, self.dilation, self.out
        return (slice(a * dh, a * dh + sh * (oh - 1) + 1, sh), slice(b * dw, b * dw + sw * (ow - 1) + 1, sw))

    def taps(self):
        kh, kw = self.kernel
        for a in range(kh):
            for b in range(kw):
                yield a, b, self.tap(a, b)


# ----- argument checks ---------------------------------------------------------------------------------------
def int_tuple(value: Any, rank: int, name: str, minimum: int = 1) -> tuple[int, ...]:
    """``value`` (an int or ``rank`` ints) as a tuple of ``rank`` ints, each >= ``minimum`` (0 or 1), with the
    messages of Keras's ``standardize_tuple``."""
    message = f"The `{name}` argument must be a tuple of {rank} integers. Received {name}={value!r}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * rank
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != rank or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                          for v in values):
            raise ValueError(message)
        values = tuple(int(v) for v in values)
    bad = sorted({v for v in values if v < minimum})
    if bad:
        requirement = ">= 0" if minimum == 0 else "> 0"
        raise ValueError(f"{message} including values {set(bad)} that do not satisfy `value {requirement}`")
    return values


def _check_activation(name: str, activation: str | None) -> None:
    if activation not in FUSABLE_ACTIVATIONS:
        raise ValueError(f"{name}: activation must be one of {FUSABLE_ACTIVATIONS}; received {activation!r}")


def _to_2d(rank: int, values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """A 1-D convolution runs as a 2-D one over a height-1 image: prepend ``fill`` for the height axis."""
    return (fill,) + values if rank == 1 else values  # type: ignore[return-value]


# ----- the patch matrix and its adjoint ----------------------------------------------------------------------
def pad_spatial(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """x (N, H, W, C) with ``value`` around the two spatial axes (x itself when there is nothing to pad)."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    out = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def im2col(xp: np.ndarray, window: Window) -> np.ndarray:
    """The patches of the padded input xp (N, Hp, Wp, C) as a scratch array (N, OH, OW, KH, KW, C):
    ``cols[n, i, j, a, b, c] = xp[n, i s_h + a d_h, j s_w + b d_w, c]``."""
    n, _, _, c = xp.shape
    (kh, kw), (oh, ow) = window.kernel, window.out
    cols = scratch((n, oh, ow, kh, kw, c), xp.dtype)
    if c < _FEW_CHANNELS:
        for a, b, (rows, columns) in window.taps():
            cols[:, :, :, a, b, :] = xp[:, rows, columns, :]
    else:
        sn, sh, sw, sc = xp.strides
        (st_h, st_w), (d_h, d_w) = window.strides, window.dilation
        view = as_strided(xp, cols.shape, (sn, sh * st_h, sw * st_w, sh * d_h, sw * d_w, sc), writeable=False)
        np.copyto(cols, view)
    return cols


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], window: Window) -> np.ndarray:
    """The adjoint of ``im2col``: scatter-add dcols (N, OH, OW, KH, KW, C) into a fresh (N, Hp, Wp, C) array,
    ``dxp[n, i s_h + a d_h, j s_w + b d_w, c] += dcols[n, i, j, a, b, c]`` (the kernels seam: NumPy's strided adds,
    or one compiled loop nest)."""
    return kernels.col2im(dcols, padded_shape, window.strides, window.dilation)


def unpad_spatial(dxp: np.ndarray, pads: Pads, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of ``pad_spatial``: the (N, H, W, C) inside of a padded array (itself when unpadded)."""
    (top, _), (left, _) = pads
    if dxp.shape == shape:
        return dxp
    return np.ascontiguousarray(dxp[:, top:top + shape[1], left:left + shape[2]])


# ----- the three ways to convolve ----------------------------------------------------------------------------
class _Gemm:
    """groups = 1: one patch matrix, one GEMM."""

    def __init__(self, xp: np.ndarray, k4: np.ndarray, window: Window):
        self.xp_shape, self.k4, self.window = xp.shape, k4, window
        self.cols = im2col(xp, window)

    def forward(self) -> np.ndarray:
        n, oh, ow = self.cols.shape[:3]
        f = self.k4.shape[-1]
        return (self.cols.reshape(n * oh * ow, -1) @ self.k4.reshape(-1, f)).reshape(n, oh, ow, f)

    def backward(self, dz2: np.ndarray, need_dx: bool, dk: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
        f = self.k4.shape[-1]
        cols2 = self.cols.reshape(dz2.shape[0], -1)
        dk2 = np.matmul(cols2.T, dz2, out=None if dk is None else dk.reshape(-1, f))
        if not need_dx:
            return None, dk2
        dcols = scratch(cols2.shape, dz2.dtype)
        np.matmul(dz2, self.k4.reshape(-1, f).T, out=dcols)
        return col2im(dcols.reshape(self.cols.shape), self.xp_shape, self.window), dk2


class _Grouped:
    """1 < groups < channels: G patch matrices (group-major), one batched GEMM."""

    def __init__(self, xp: np.ndarray, k4: np.ndarray, window: Window, groups: int):
        n, _, _, c = xp.shape
        (kh, kw), (oh, ow) = window.kernel, window.out
        g, cg = groups, c // groups
        self.xp_shape, self.k4, self.window, self.groups = xp.shape, k4, window, groups
        sn, sh, sw, sc = xp.strides
        (st_h, st_w), (d_h, d_w) = window.strides, window.dilation
        view = as_strided(xp, (n, oh, ow, kh, kw, g, cg), (sn, sh * st_h, sw * st_w, sh * d_h, sw * d_w, cg * sc, sc),
                          writeable=False)
        self.cols = scratch((g, n, oh, ow, kh, kw, cg), xp.dtype)
        np.copyto(self.cols, view.transpose(5, 0, 1, 2, 3, 4, 6))
        self.rows = n * oh * ow

    def _kernels(self) -> np.ndarray:
        """w as G matrices (G, KH KW Cg, F / G)."""
        kh, kw, cg, f = self.k4.shape
        return self.k4.reshape(kh * kw * cg, self.groups, f // self.groups).transpose(1, 0, 2)

    def forward(self) -> np.ndarray:
        g = self.groups
        zg = np.matmul(self.cols.reshape(g, self.rows, -1), self._kernels())       # (G, M, F/G)
        n, oh, ow = self.cols.shape[1:4]
        return zg.transpose(1, 0, 2).reshape(n, oh, ow, -1)

    def backward(self, dz2: np.ndarray, need_dx: bool, dk: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
        g = self.groups
        dzg = dz2.reshape(self.rows, g, -1).transpose(1, 0, 2)                       # (G, M, F/G)
        cols = self.cols.reshape(g, self.rows, -1)
        dkg = np.matmul(cols.transpose(0, 2, 1), dzg)                                # (G, KH KW Cg, F/G)
        dk4 = dkg.transpose(1, 0, 2).reshape(self.k4.shape)
        if not need_dx:
            return None, dk4
        dcols = np.matmul(dzg, self._kernels().transpose(0, 2, 1))                  # (G, M, KH KW Cg)
        n, oh, ow, kh, kw, cg = self.cols.shape[1:]
        per_pixel = dcols.reshape(g, n, oh, ow, kh, kw, cg).transpose(1, 2, 3, 4, 5, 0, 6)
        return col2im(per_pixel.reshape(n, oh, ow, kh, kw, g * cg), self.xp_shape, self.window), dk4


class _Depthwise:
    """groups = channels (one input channel per group, M filters each): a multiply-add per kernel offset,
    z[n, i, j, c, m] = sum_{a, b} x_p[n, i s_h + a d_h, j s_w + b d_w, c] w[a, b, c, m]; no patch matrix."""

    def __init__(self, xp: np.ndarray, k4: np.ndarray, window: Window):
        kh, kw, _, f = k4.shape
        c = xp.shape[-1]
        self.xp, self.window = xp, window
        self.k_dw = k4.reshape(kh, kw, c, f // c)                                   # (KH, KW, C, M)
        self.k4_shape = k4.shape

    def forward(self) -> np.ndarray:
        n, _, _, c = self.xp.shape
        oh, ow = self.window.out
        multiplier = self.k_dw.shape[-1]
        z = np.zeros((n, oh, ow, c, multiplier), dtype=self.xp.dtype)
        for a, b, (rows, columns) in self.window.taps():
            z += self.xp[:, rows, columns, :, None] * self.k_dw[a, b]
        return z.reshape(n, oh, ow, c * multiplier)

    def backward(self, dz2: np.ndarray, need_dx: bool, dk: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
        n, _, _, c = self.xp.shape
        oh, ow = self.window.out
        multiplier = self.k_dw.shape[-1]
        dz = dz2.reshape(n, oh, ow, c, multiplier)
        dk_dw = np.empty(self.k_dw.shape, dtype=dz2.dtype)
        dxp = np.zeros(self.xp.shape, dtype=dz2.dtype) if need_dx else None
        for a, b, (rows, columns) in self.window.taps():
            patch = self.xp[:, rows, columns, :, None]
            dk_dw[a, b] = batch_sum(np.multiply(patch, dz).reshape(-1, c * multiplier)).reshape(c, multiplier)
            if need_dx:
                dxp[:, rows, columns, :] += (dz * self.k_dw[a, b]).sum(axis=-1) if multiplier > 1 \
                    else dz[..., 0] * self.k_dw[a, b, :, 0]
        return dxp, dk_dw.reshape(self.k4_shape)


# ----- the primitives ----------------------------------------------------------------------------------------
def _finish(z: np.ndarray, bias: Tensor | None, activation: str | None, alpha: float):
    """Add the bias and apply the fused activation in place (the kernels seam, as Dense does); return (output,
    what the backward needs besides it)."""
    return kernels.bias_act_forward(z, None if bias is None else bias.data, activation, alpha)


def _dz(g: np.ndarray, out: np.ndarray, saved: np.ndarray | None, activation: str | None, alpha: float) -> np.ndarray:
    return np.ascontiguousarray(kernels.bias_act_backward(g, out, saved, activation, alpha)[0])


def conv(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1, padding: str | Pads = "valid",
         dilation_rate: Any = 1, groups: int = 1, activation: str | None = None, alpha: float = 0.2,
         kernel_layout: str = "standard") -> Tensor:
    """A 1-D or 2-D convolution (Keras's cross-correlation), channels-last, with bias and fused activation.

    Shapes: x (N, [H,] W, C); kernel (KH, KW, C / groups, F) for 2-D, (K, C / groups, F) for 1-D;
    bias (F,) -> output (N, [OH,] OW, F).
    ``padding``: 'valid', 'same', 'causal' (1-D) or explicit ((before, after) per spatial axis).
    ``kernel_layout='depthwise'`` takes Keras's depthwise kernel (KH, KW, C, M) and convolves each channel with
    its own M filters (output channel c M + m), i.e. groups = C.
    """
    _check_activation("conv", activation)
    if kernel_layout not in ("standard", "depthwise"):
        raise ValueError(f"conv: kernel_layout must be 'standard' or 'depthwise'; received {kernel_layout!r}")
    x = as_tensor(x, like=kernel)
    rank = kernel.ndim - 2
    if rank not in (1, 2):
        raise ValueError(f"conv: the kernel must have 3 (1-D) or 4 (2-D) axes; received shape {kernel.shape}")
    if x.ndim != rank + 2:
        raise ValueError(f"conv: a {rank}-D convolution expects input of rank {rank + 2} (batch, "
                         f"{'' if rank == 1 else 'height, '}width, channels); received shape {x.shape}")
    X, K = x.data, kernel.data
    if kernel_layout == "depthwise":
        groups = K.shape[-2]
        K = K.reshape(K.shape[:-2] + (1, K.shape[-2] * K.shape[-1]))
    strides2 = _to_2d(rank, int_tuple(strides, rank, "strides"), 1)
    dilation2 = _to_2d(rank, int_tuple(dilation_rate, rank, "dilation_rate"), 1)
    X4, K4 = (X[:, None], K[None]) if rank == 1 else (X, K)
    n, h, w, c = X4.shape
    kh, kw, cg, f = K4.shape
    if c != cg * groups or f % groups:
        raise ValueError(f"conv: input of shape {x.shape} has {c} channels, but the kernel of shape {kernel.shape} "
                         f"with groups={groups} expects {cg * groups} (and filters divisible by the groups)")
    if isinstance(padding, str):
        pads = window_pads((h, w), (kh, kw), strides2, padding, dilation2)
    else:
        pads = ((0, 0),) + tuple(tuple(p) for p in padding) if rank == 1 else tuple(tuple(p) for p in padding)
    out_hw = tuple(padded_output_length(size, k, s, p, d)
                   for size, k, s, p, d in zip((h, w), (kh, kw), strides2, pads, dilation2))
    if min(out_hw) <= 0:
        raise ValueError(f"conv: the kernel {kernel.shape[:-2]} (dilation {dilation_rate}) is larger than the padded "
                         f"input {x.shape[1:-1]} (padding {padding}): the output would be empty")
    window = Window((kh, kw), strides2, dilation2, out_hw)
    xp = pad_spatial(X4, pads)
    if groups == 1:
        engine = _Gemm(xp, K4, window)
    elif cg == 1:
        engine = _Depthwise(xp, K4, window)
    else:
        engine = _Grouped(xp, K4, window, groups)
    out, slope = _finish(engine.forward(), bias, activation, alpha)
    out_shape = (n,) + out_hw[2 - rank:] + (f,)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def vjp(g):
        dz2 = _dz(g.reshape(out.shape), out, slope, activation, alpha).reshape(-1, f)
        target = gradient_target(kernel)
        dxp, dk = engine.backward(dz2, x.requires_grad, target if kernel_layout == "standard" else None)
        dk = dk.reshape(kernel.shape)
        if target is not None:  # the GEMM wrote into it already; the other engines made a fresh array
            if not np.may_share_memory(dk, target):
                np.copyto(target, dk)
            dk = target
        grads = [None if dxp is None else unpad_spatial(dxp, pads, X4.shape).reshape(X.shape), dk]
        if bias is not None:
            grads.append(batch_sum(dz2, out=gradient_target(bias)) if bias.requires_grad else None)
        return grads

    return Tensor._from_op(out.reshape(out_shape), parents, vjp)


def depthwise_conv(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1, padding: str = "valid",
                   dilation_rate: Any = 1, activation: str | None = None) -> Tensor:
    """Depthwise convolution: kernel (KH, KW, C, M) (Keras's layout) gives each input channel M filters of its
    own; output (N, OH, OW, C M), channel c M + m. A grouped convolution with groups = C."""
    return conv(x, kernel, bias, strides, padding, dilation_rate, activation=activation, kernel_layout="depthwise")


def conv_transpose(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, dilation_rate: Any = 1, activation: str | None = None,
                   alpha: float = 0.2) -> Tensor:
    """Transposed convolution (the gradient of a convolution with respect to its input), Keras's output size.

    Shapes: x (N, [H,] W, C); kernel (KH, KW, F, C) for 2-D, (K, F, C) for 1-D (Keras's layout: filters before
    input channels); bias (F,). Each input pixel scatters x[p] W^T (a KH x KW x F block) into the output at
    p * stride, overlapping blocks adding up (col2im); the output is then the window of Keras's length
    (``conv_geometry.transpose_output_length``) starting where TensorFlow's "same" padding puts it.
    Backward: dL/dx = im2col(dz) W, dL/dW = im2col(dz)^T x.
    """
    _check_activation("conv_transpose", activation)
    x = as_tensor(x, like=kernel)
    rank = kernel.ndim - 2
    if rank not in (1, 2) or x.ndim != rank + 2:
        raise ValueError(f"conv_transpose: expected a kernel of 3 or 4 axes and an input of 2 more axes than the "
                         f"kernel has spatial ones; received input {x.shape} and kernel {kernel.shape}")
    if padding not in ("valid", "same"):
        raise ValueError(f"conv_transpose: padding must be 'valid' or 'same'; received {padding!r}")
    X, K = x.data, kernel.data
    strides2 = _to_2d(rank, int_tuple(strides, rank, "strides"), 1)
    dilation2 = _to_2d(rank, int_tuple(dilation_rate, rank, "dilation_rate"), 1)
    out_pad = None if output_padding is None else \
        _to_2d(rank, int_tuple(output_padding, rank, "output_padding", minimum=0), 0)
    X4, K4 = (X[:, None], K[None]) if rank == 1 else (X, K)
    n, h, w, c = X4.shape
    kh, kw, f, c_k = K4.shape
    if c != c_k:
        raise ValueError(f"conv_transpose: input of shape {x.shape} has {c} channels, but the kernel of shape "
                         f"{kernel.shape} expects {c_k}")
    if rank == 1:  # the height-1 axis: a 1-tap window, no stride, nothing cropped
        out_hw = [1]
        starts = [0]
    else:
        out_hw = [transpose_output_length(h, kh, strides2[0], padding, None if out_pad is None else out_pad[0],
                                          dilation2[0])]
        starts = [transpose_crop_start(h, out_hw[0], kh, strides2[0], padding, dilation2[0])]
    out_hw.append(transpose_output_length(w, kw, strides2[1], padding, None if out_pad is None else out_pad[1],
                                          dilation2[1]))
    starts.append(transpose_crop_start(w, out_hw[1], kw, strides2[1], padding, dilation2[1]))
    full = [(size - 1) * s + effective_size(k, d) for size, k, s, d in zip((h, w), (kh, kw), strides2, dilation2)]
    extent = tuple(max(fl, st + o) for fl, st, o in zip(full, starts, out_hw))
    window = Window((kh, kw), strides2, dilation2, (h, w))   # the forward convolution's window, output (h, w)
    k2 = K4.reshape(kh * kw * f, c)
    x2 = X4.reshape(n * h * w, c)
    scattered = col2im((x2 @ k2.T).reshape(n, h, w, kh, kw, f), (n,) + extent + (f,), window)
    (top, left), (oh, ow) = starts, out_hw
    z = np.ascontiguousarray(scattered[:, top:top + oh, left:left + ow])
    out, slope = _finish(z, bias, activation, alpha)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def vjp(g):
        dz = _dz(g.reshape(out.shape), out, slope, activation, alpha)
        if (oh, ow) == extent:
            dfull = dz
        else:
            dfull = np.zeros((n,) + extent + (f,), dtype=dz.dtype)
            dfull[:, top:top + oh, left:left + ow] = dz
        cols2 = im2col(dfull, window).reshape(n * h * w, -1)
        grads = [(cols2 @ k2).reshape(X.shape) if x.requires_grad else None,
                 np.matmul(cols2.T, x2).reshape(kernel.shape)]
        if bias is not None:
            grads.append(batch_sum(dz.reshape(-1, f), out=gradient_target(bias)) if bias.requires_grad else None)
        return grads

    out_shape = (n, oh, ow, f) if rank == 2 else (n, ow, f)
    return Tensor._from_op(out.reshape(out_shape), parents, vjp)

