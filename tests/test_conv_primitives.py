"""The convolution, pooling, padding, upsampling, layer-norm and embedding primitives: values and gradients equal
PyTorch's (float64, random shapes, strides, paddings, dilations and groups drawn by hypothesis), numerical
gradient checks, and float32 in, float32 out.

Tolerances: float64 throughout; the sums are reordered (im2col GEMM against PyTorch's direct / oneDNN kernels), so
values agree to ~1e-12 relative; the asserts allow 1e-9 relative, 1e-10 absolute.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lamina import gradcheck
from lamina.conv_geometry import same_padding, window_pads
from lamina.convolution import conv, conv_transpose, depthwise_conv
from lamina.embedding_lookup import embedding_lookup, scatter_add_rows
from lamina.normalization import layer_norm
from lamina.pooling import avg_pool, max_pool, upsample_nearest, zero_pad
from lamina.tensor import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-9, 1e-10


def run_both(lamina_fn, torch_fn, *arrays, seed=0):
    """Same inputs (float64) to both; compare outputs, then gradients for one random upstream gradient."""
    ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = lamina_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=RTOL, atol=ATOL)


def nchw(t):
    return t.permute(0, 3, 1, 2)


def nhwc(t):
    return t.permute(0, 2, 3, 1)


@st.composite
def conv2d_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    channels = groups * draw(st.integers(1, 3))
    filters = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (1, 1) if max(strides) > 1 else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pads = ((draw(st.integers(0, 2)), draw(st.integers(0, 2))), (draw(st.integers(0, 2)), draw(st.integers(0, 2))))
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    low_height, low_width = max(span[0] - sum(pads[0]), 1), max(span[1] - sum(pads[1]), 1)
    height = draw(st.integers(low_height, max(low_height, 9)))  # a dilated 4x4 kernel spans up to 10 pixels
    width = draw(st.integers(low_width, max(low_width, 9)))
    batch = draw(st.integers(1, 3))
    return batch, height, width, channels, filters, kernel, strides, dilation, pads, groups


@settings(max_examples=30, deadline=None)
@given(conv2d_cases(), st.booleans(), st.integers(0, 2**31 - 1))
def test_conv2d_matches_torch(case, use_bias, seed):
    batch, height, width, channels, filters, kernel, strides, dilation, pads, groups = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, height, width, channels))
    w = rng.normal(size=kernel + (channels // groups, filters))
    arrays = [x, w] + ([rng.normal(size=filters)] if use_bias else [])
    (top, bottom), (left, right) = pads

    def ours(x, w, b=None):
        return conv(x, w, b, strides, pads, dilation, groups)

    def theirs(x, w, b=None):
        padded = F.pad(nchw(x), (left, right, top, bottom))
        return nhwc(F.conv2d(padded, w.permute(3, 2, 0, 1).contiguous(), b, strides, 0, dilation, groups))

    run_both(ours, theirs, *arrays, seed=seed)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 2), st.integers(0, 2), st.sampled_from(["explicit", "causal"]), st.integers(0, 2**31 - 1))
def test_conv1d_matches_torch(channels, filters, kernel, stride, dilation, before, after, padding, seed):
    if stride > 1:
        dilation = 1
    rng = np.random.default_rng(seed)
    if padding == "causal":
        before, after = (kernel - 1) * dilation, 0
    length = rng.integers(max((kernel - 1) * dilation + 1 - before - after, 1), 12)
    x = rng.normal(size=(2, length, channels))
    w = rng.normal(size=(kernel, channels, filters))
    b = rng.normal(size=filters)
    run_both(lambda x, w, b: conv(x, w, b, stride, "causal" if padding == "causal" else ((before, after),),
                                  dilation),
             lambda x, w, b: F.conv1d(F.pad(x.permute(0, 2, 1), (before, after)), w.permute(2, 1, 0).contiguous(), b, stride, 0,
                                      dilation).permute(0, 2, 1),
             x, w, b, seed=seed)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.tuples(st.integers(1, 4), st.integers(1, 4)),
       st.tuples(st.integers(1, 3), st.integers(1, 3)), st.integers(1, 2), st.data())
def test_conv_transpose2d_valid_matches_torch(channels, filters, kernel, strides, dilation, data):
    if max(strides) > 1:
        dilation = 1
    span = [(k - 1) * dilation + 1 for k in kernel]
    # Keras's default output_padding for "valid" is max(span, stride) - span; PyTorch needs it < stride or dilation.
    output_padding = data.draw(st.one_of(st.none(), st.tuples(st.integers(0, strides[0] - 1),
                                                              st.integers(0, strides[1] - 1))))
    torch_extra = output_padding or tuple(max(s, k) - k for s, k in zip(strides, span))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.normal(size=(2, data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)), channels))
    w = rng.normal(size=kernel + (filters, channels))
    b = rng.normal(size=filters)
    run_both(lambda x, w, b: conv_transpose(x, w, b, strides, "valid", output_padding, dilation),
             lambda x, w, b: nhwc(F.conv_transpose2d(nchw(x), w.permute(3, 2, 0, 1).contiguous(), b, strides, 0, torch_extra, 1,
                                                     dilation)),
             x, w, b)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["max", "avg"]), st.integers(1, 2), st.tuples(st.integers(1, 3), st.integers(1, 3)),
       st.tuples(st.integers(1, 3), st.integers(1, 3)), st.booleans(), st.integers(0, 2**31 - 1))
def test_pooling_matches_torch(kind, rank, pool, strides, ties, seed):
    rng = np.random.default_rng(seed)
    spatial = tuple(rng.integers(k, 8) for k in pool[2 - rank:])
    x = rng.normal(size=(2,) + spatial + (3,))
    if ties:  # few distinct values: ties inside windows, which both route to the first maximum
        x = np.round(x)
    pool, strides = pool[2 - rank:], strides[2 - rank:]
    ours = max_pool if kind == "max" else avg_pool
    if rank == 2:
        reference = F.max_pool2d if kind == "max" else F.avg_pool2d
        run_both(lambda x: ours(x, pool, strides), lambda x: nhwc(reference(nchw(x), pool, strides)), x, seed=seed)
    else:
        reference = F.max_pool1d if kind == "max" else F.avg_pool1d
        run_both(lambda x: ours(x, pool, strides),
                 lambda x: reference(x.permute(0, 2, 1), pool, strides).permute(0, 2, 1), x, seed=seed)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 4), min_size=2, max_size=4), st.data())
def test_layer_norm_matches_torch(batch, shape, data):
    ndim = len(shape) + 1
    count = data.draw(st.integers(1, len(shape)))            # PyTorch normalizes the trailing axes
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.normal(size=(batch, *shape)) * 3 + 5             # far from zero mean: the two-pass variance matters
    normalized = tuple(shape[-count:])
    gamma, beta = rng.normal(size=normalized), rng.normal(size=normalized)
    axes = tuple(range(ndim - count, ndim))
    run_both(lambda x, g, b: layer_norm(x, g, b, axes, 1e-3),
             lambda x, g, b: F.layer_norm(x, normalized, g, b, 1e-3), x, gamma, beta)


def test_layer_norm_over_non_trailing_axes_matches_torch_after_a_transpose():
    rng = np.random.default_rng(3)
    x, gamma, beta = rng.normal(size=(2, 4, 3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    run_both(lambda x, g, b: layer_norm(x, g, b, (1, 3)),
             lambda x, g, b: F.layer_norm(x.permute(0, 2, 1, 3), (4, 5), g, b, 1e-3).permute(0, 2, 1, 3),
             x, gamma, beta)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.integers(1, 6), st.lists(st.integers(1, 5), min_size=1, max_size=3),
       st.integers(0, 2**31 - 1))
def test_embedding_lookup_matches_torch(vocabulary, width, index_shape, seed):
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(vocabulary, width))
    indices = rng.integers(0, vocabulary, size=index_shape)   # repeats: their gradients must add up
    run_both(lambda t: embedding_lookup(t, indices), lambda t: F.embedding(torch.tensor(indices), t), table)


def test_scatter_add_rows_equals_np_add_at():
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 50, size=400)
    rows = rng.normal(size=(400, 7)).astype(np.float32)
    expected = np.zeros((60, 7), np.float32)
    np.add.at(expected, indices, rows)
    np.testing.assert_allclose(scatter_add_rows(indices, rows, 60), expected, rtol=1e-5, atol=1e-5)
    assert scatter_add_rows(indices[:0], rows[:0], 60).sum() == 0


def test_zero_pad_and_upsample_match_torch():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 2))
    run_both(lambda x: zero_pad(x, ((1, 2), (0, 3))), lambda x: F.pad(x, (0, 0, 0, 3, 1, 2)), x)
    run_both(lambda x: upsample_nearest(x, (2, 3)), lambda x: x.repeat_interleave(2, 1).repeat_interleave(3, 2), x)
    x1 = rng.normal(size=(2, 5, 3))
    run_both(lambda x: zero_pad(x, ((2, 1),)), lambda x: F.pad(x, (0, 0, 2, 1)), x1)
    run_both(lambda x: upsample_nearest(x, (3,)), lambda x: x.repeat_interleave(3, 1), x1)


# ----- "same" padding: TensorFlow's split --------------------------------------------------------------------
@pytest.mark.parametrize("length, kernel, stride, dilation, expected", [
    (5, 2, 1, 1, (0, 1)),     # even kernel: the extra zero goes after
    (6, 4, 1, 1, (1, 2)),
    (7, 3, 2, 1, (1, 1)),
    (6, 3, 2, 1, (0, 1)),     # stride 2 on an even length: ceil(6 / 2) = 3 outputs need only 1 zero
    (10, 4, 3, 1, (1, 2)),
    (8, 3, 1, 2, (2, 2)),     # dilation 2: the kernel spans 5
    (5, 1, 3, 1, (0, 0)),
])
def test_same_padding_follows_tensorflow(length, kernel, stride, dilation, expected):
    assert same_padding(length, kernel, stride, dilation) == expected
    out = -(-length // stride)
    assert (length + sum(expected) - ((kernel - 1) * dilation + 1)) // stride + 1 == out


def test_same_padding_convolution_equals_explicit_asymmetric_padding_in_torch():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 7, 10, 3)), rng.normal(size=(2, 4, 3, 5))
    (top, bottom), (left, right) = window_pads((7, 10), (2, 4), (2, 3), "same")
    assert ((top, bottom), (left, right)) == ((0, 1), (1, 2))
    run_both(lambda x, w: conv(x, w, strides=(2, 3), padding="same"),
             lambda x, w: nhwc(F.conv2d(F.pad(nchw(x), (left, right, top, bottom)), w.permute(3, 2, 0, 1).contiguous(),
                                        stride=(2, 3))), x, w)


# ----- numerical gradient checks (float64, central differences) ----------------------------------------------
RNG = np.random.default_rng(7)


@pytest.mark.parametrize("name, fn, shapes", [
    ("conv2d same, stride 2", lambda x, w, b: conv(x, w, b, 2, "same", activation="relu"),
     [(2, 5, 4, 2), (2, 3, 2, 3), (3,)]),
    ("conv2d grouped, dilated", lambda x, w: conv(x, w, None, 1, "valid", 2, groups=2, activation="tanh"),
     [(1, 5, 5, 4), (2, 2, 2, 4)]),
    ("conv1d causal", lambda x, w, b: conv(x, w, b, 1, "causal", 2, activation="leaky_relu"),
     [(2, 6, 2), (3, 2, 2), (2,)]),
    ("depthwise", lambda x, w, b: depthwise_conv(x, w, b, (1, 2), "same", activation="sigmoid"),
     [(2, 4, 5, 3), (3, 2, 3, 2), (6,)]),
    ("conv transpose same", lambda x, w, b: conv_transpose(x, w, b, 2, "same"), [(1, 3, 2, 2), (3, 3, 2, 2), (2,)]),
    ("conv transpose output_padding", lambda x, w: conv_transpose(x, w, None, (2, 3), "same", (1, 2)),
     [(1, 2, 3, 2), (3, 2, 2, 2)]),
    ("max pool same", lambda x: max_pool(x, 3, 2, "same"), [(2, 5, 4, 2)]),
    ("avg pool same", lambda x: avg_pool(x, 2, 1, "same"), [(2, 3, 4, 2)]),
    ("max pool 1d", lambda x: max_pool(x, 2, 1), [(2, 5, 3)]),
    ("zero pad", lambda x: zero_pad(x, ((1, 0), (2, 1))), [(1, 2, 3, 2)]),
    ("upsample", lambda x: upsample_nearest(x, (2, 2)), [(1, 2, 3, 2)]),
    ("layer norm", lambda x, g, b: layer_norm(x, g, b, (-1,)), [(3, 5), (5,), (5,)]),
])
def test_gradcheck(name, fn, shapes):
    arrays = [RNG.normal(size=s) for s in shapes]
    if "max pool" in name:
        arrays[0] = arrays[0] + np.arange(arrays[0].size).reshape(shapes[0]) * 0.05   # no ties near the kink
    assert gradcheck(fn, *arrays)


def test_embedding_gradcheck():
    indices = np.array([[1, 3, 1], [0, 3, 3]])
    assert gradcheck(lambda t: embedding_lookup(t, indices), RNG.normal(size=(5, 3)))


# ----- dtype: float32 stays float32 --------------------------------------------------------------------------
def test_float32_in_float32_out_and_float32_gradients():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(2, 6, 6, 2)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 3, 2, 4)).astype(np.float32), requires_grad=True)
    wt = Tensor(rng.normal(size=(2, 2, 3, 4)).astype(np.float32), requires_grad=True)
    g = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = conv(x, w, padding="same", activation="relu")
    y = conv_transpose(max_pool(y, 2), wt, strides=2)
    y = layer_norm(avg_pool(upsample_nearest(zero_pad(y, ((1, 1), (1, 1))), (2, 2)), 2), g, None)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == wt.grad.dtype == g.grad.dtype == np.float32


# ----- bad input ---------------------------------------------------------------------------------------------
def test_primitive_errors_say_what_was_expected():
    x = np.zeros((1, 4, 4, 3), np.float32)
    w = Tensor(np.zeros((5, 5, 3, 2), np.float32))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv(x, w)
    with pytest.raises(ValueError, match="has 2 channels, but the kernel .* expects 3"):
        conv(np.zeros((1, 6, 6, 2), np.float32), w)
    with pytest.raises(ValueError, match="strides"):
        conv(np.zeros((1, 6, 6, 3), np.float32), w, strides=0)
    with pytest.raises(ValueError, match="rank 4"):
        conv(np.zeros((6, 6, 3), np.float32), w)
    with pytest.raises(ValueError, match="pool .* is larger than the input"):
        max_pool(x, 5)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 4\]"):
        embedding_lookup(Tensor(np.zeros((5, 2), np.float32)), [1, 5])
