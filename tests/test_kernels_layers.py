"""The compiled layer kernels give NumPy's numbers: bit for bit, or to float rounding where stated.

Tolerances, and why:
- Elementwise work made of + - * / and comparisons (bias + ReLU / leaky ReLU / linear, every activation's
  backward from its saved output, dropout): none, bit for bit, as for the optimizers (the same IEEE operations
  in the same order; ``fastmath=False``).
- ``exp``, ``log``, ``log1p`` and ``tanh`` (sigmoid, tanh, the cross-entropies): NumPy uses its own SIMD
  implementations and Numba calls the C library's; each is within an ulp or two of the true value, so the two
  differ by a few ulps: ``ULPS`` units in the last place of the larger magnitude, on top of the sums below.
- Sums over the batch (a bias gradient, batch norm's mean, variance and parameter gradients, the softmax's
  normalizer): NumPy (BLAS) adds in another order. Two orders of n additions differ by at most
  ``2 (n - 1) eps sum |terms|``; that is the tolerance for the sums, and what follows from it for batch
  norm's outputs (divided by the standard deviation).

Shapes and data are drawn by hypothesis: odd sizes, one row or one column, float32 and float64, inputs that
are strided views of larger arrays. Skipped, with the reason, when numba (the ``fast`` extra) is missing.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba", reason="the compiled kernels need the fast extra (pip install 'lamina[fast]')")

from lamina.kernels import numba_layers, numpy_layers  # noqa: E402

ULPS = 4  # observed: at most 3 (sigmoid, tanh; float32 and float64, a million values each)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
shapes = st.tuples(st.integers(1, 67), st.integers(1, 41))
dtypes = st.sampled_from([np.float32, np.float64])


def eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def close_in_ulps(actual, expected, ulps=ULPS, extra=0.0):
    """|actual - expected| <= ulps * spacing(max |.|) + extra, elementwise (NaN where NaN)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(actual[~finite], expected[~finite])
    a, e = actual[finite].astype(np.float64), expected[finite].astype(np.float64)
    extra = np.broadcast_to(np.asarray(extra, np.float64), expected.shape)[finite]
    bound = ulps * np.spacing(np.maximum(np.abs(a), np.abs(e)).astype(expected.dtype)).astype(np.float64) + extra
    assert np.all(np.abs(a - e) <= bound), f"largest excess {np.max(np.abs(a - e) - bound):.3g}"


def sum_bound(terms: np.ndarray, axis=0) -> np.ndarray:
    """How far two summation orders of ``terms`` along ``axis`` can differ: 2 (n - 1) eps sum |terms|."""
    n = terms.shape[axis]
    return 2 * max(n - 1, 1) * eps(terms.dtype) * np.sum(np.abs(terms.astype(np.float64)), axis=axis)


def data(seed, shape, dtype, strided=False, scale=3.0):
    rng = np.random.default_rng(seed)
    values = (rng.normal(size=shape) * scale).astype(dtype)
    if strided:  # a view of every other row of a larger array
        holder = np.zeros((2 * shape[0],) + shape[1:], dtype)
        holder[::2] = values
        values = holder[::2]
        assert not values.flags.c_contiguous or shape[0] == 1 or values.size == 0
    return values


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1),
       activation=st.sampled_from([None, "linear", "relu", "leaky_relu", "sigmoid", "tanh"]),
       bias=st.booleans(), into_new=st.booleans(), strided=st.booleans())
def test_bias_act_forward(shape, dtype, seed, activation, bias, into_new, strided):
    z = data(seed, shape, dtype, strided)
    z.flat[0] = np.nan if seed % 7 == 0 else z.flat[0]
    b = data(seed + 1, shape[1:], dtype) if bias else None
    results = []
    for module in (numpy_layers, numba_layers):
        work = z.copy()
        out = np.empty_like(work) if into_new else None
        a, saved = module.bias_act_forward(work, b, activation, 0.2, out)
        assert a is (work if out is None else out) or activation == "sigmoid"
        results.append(a)
    if activation in ("sigmoid", "tanh"):
        close_in_ulps(results[1], results[0])
    else:
        np.testing.assert_array_equal(results[1], results[0])


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1),
       activation=st.sampled_from([None, "linear", "relu", "leaky_relu", "sigmoid", "tanh"]),
       want_db=st.booleans(), into_buffer=st.booleans(), strided=st.booleans())
def test_bias_act_backward(shape, dtype, seed, activation, want_db, into_buffer, strided):
    a, saved = numpy_layers.bias_act_forward(data(seed, shape, dtype), None, activation, 0.2)
    g = data(seed + 1, shape, dtype, strided)
    results = []
    for module in (numpy_layers, numba_layers):
        buffer = np.full(shape[1], -7, dtype) if into_buffer else None
        dz, db = module.bias_act_backward(g, a, saved, activation, 0.2, want_db, buffer)
        if want_db and into_buffer:
            assert db is buffer  # the bias gradient lands in the buffer it was given (a packed model's)
        results.append((dz, db))
    (dz_numpy, db_numpy), (dz_numba, db_numba) = results
    np.testing.assert_array_equal(dz_numba, dz_numpy)       # products only: bit for bit
    if want_db:
        close_in_ulps(db_numba, db_numpy, extra=sum_bound(np.asarray(dz_numpy)))
    else:
        assert db_numpy is None and db_numba is None


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1), rate=st.sampled_from([0.0, 0.2, 0.5, 0.9]))
def test_dropout_forward(shape, dtype, seed, rate):
    x = data(seed, shape, dtype)
    raw = np.random.default_rng(seed).integers(0, 2 ** 32, size=x.size, dtype=np.uint32)
    threshold = np.uint32(min(round(rate * 2.0 ** 32), 2 ** 32 - 1))
    scale = np.dtype(dtype).type(1 / (1 - rate))
    (out_numpy, mask_numpy), (out_numba, mask_numba) = (m.dropout_forward(x, raw, threshold, scale)
                                                        for m in (numpy_layers, numba_layers))
    np.testing.assert_array_equal(mask_numba, mask_numpy)
    np.testing.assert_array_equal(out_numba, out_numpy)


def batch_norm_bounds(x: np.ndarray):
    """Tolerances for batch norm's results from the sum bound: mean, variance, and then x_hat (the mean's
    error over the standard deviation, plus the variance's relative error, plus a few ulps)."""
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=0)
    centred = x64 - mean
    var = (centred ** 2).mean(axis=0)
    count = len(x)
    mean_err = sum_bound(x64.astype(x.dtype)) / count + ULPS * np.spacing(np.abs(mean).astype(x.dtype))
    var_err = (sum_bound((centred ** 2).astype(x.dtype)) / count + 2 * mean_err * np.abs(centred).mean(axis=0)
               + ULPS * np.spacing(var.astype(x.dtype)))
    std = np.sqrt(var + 1e-3)
    x_hat_err = (mean_err / std + np.abs(centred / std) * var_err / (2 * (var + 1e-3)))
    return mean_err, var_err, x_hat_err


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1), affine=st.booleans(),
       want_dx=st.booleans(), strided=st.booleans())
def test_batch_norm_forward_and_backward(shape, dtype, seed, affine, want_dx, strided):
    x = data(seed, shape, dtype, scale=2.0) + dtype(1.5)  # a mean away from 0: the centring matters
    gamma = data(seed + 1, shape[1:], dtype) if affine else None
    beta = data(seed + 2, shape[1:], dtype) if affine else None
    g = data(seed + 3, shape, dtype, strided)
    forward = [m.batch_norm_forward(x, gamma, beta, 1e-3) for m in (numpy_layers, numba_layers)]
    (out_np, x_hat_np, mean_np, var_np, inv_std_np), (out_nb, x_hat_nb, mean_nb, var_nb, inv_std_nb) = forward
    mean_err, var_err, x_hat_err = batch_norm_bounds(x)
    close_in_ulps(mean_nb, mean_np, extra=mean_err)
    close_in_ulps(var_nb, var_np, extra=var_err)
    close_in_ulps(x_hat_nb, x_hat_np, extra=x_hat_err)
    scale = np.abs(gamma) if affine else 1.0
    close_in_ulps(out_nb, out_np, extra=x_hat_err * scale)
    # Backward from the same saved values (NumPy's), so that only the backward's own rounding is compared.
    backward = [m.batch_norm_backward(g, x_hat_np, gamma, inv_std_np, want_dx) for m in (numpy_layers, numba_layers)]
    (dx_np, dgamma_np, dbeta_np), (dx_nb, dgamma_nb, dbeta_nb) = backward
    close_in_ulps(dbeta_nb, dbeta_np, extra=sum_bound(np.asarray(g)))
    close_in_ulps(dgamma_nb, dgamma_np, extra=sum_bound(np.asarray(g) * x_hat_np))
    if not want_dx:
        assert dx_np is None and dx_nb is None
        return
    count = len(x)
    shift_err = (sum_bound(np.asarray(g)) + np.abs(x_hat_np) * sum_bound(np.asarray(g) * x_hat_np)) / count
    close_in_ulps(dx_nb, dx_np, extra=shift_err * inv_std_np * scale)


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1), sparse=st.booleans(),
       reduction_none=st.booleans(), strided=st.booleans())
def test_softmax_cross_entropy(shape, dtype, seed, sparse, reduction_none, strided):
    rows, classes = shape
    z = data(seed, shape, dtype, strided, scale=5.0)
    rng = np.random.default_rng(seed)
    if sparse:
        labels = rng.integers(0, classes, size=rows).astype(np.intp)
    else:
        labels = rng.random(shape).astype(dtype)
        labels /= labels.sum(axis=1, keepdims=True)
    z_contiguous = np.ascontiguousarray(z)
    (loss_np, lp_np), (loss_nb, lp_nb) = (m.softmax_cross_entropy_forward(z_contiguous, labels, 1)
                                          for m in (numpy_layers, numba_layers))
    # log_probs = z - max - log(sum of exps): exps a few ulps apart, summed in another order.
    log_err = (ULPS + 2 * classes) * eps(dtype) * (1 + np.abs(lp_np).max())
    close_in_ulps(lp_nb, lp_np, extra=log_err)
    if sparse:
        loss_err = log_err
    else:  # a sum over the classes of labels * log_probs, in another order
        loss_err = log_err * np.abs(labels).sum(axis=1) + sum_bound(labels * lp_np, axis=1)
    close_in_ulps(loss_nb, loss_np, extra=loss_err)
    factor = rng.random(rows).astype(dtype).reshape(rows, 1) if reduction_none else np.asarray(0.25, dtype)
    grads = [m.softmax_cross_entropy_backward(lp_np, labels, 1, factor) for m in (numpy_layers, numba_layers)]
    close_in_ulps(grads[1], grads[0], extra=2 * classes * eps(dtype))


@SETTINGS
@given(shape=st.tuples(st.integers(0, 9), st.integers(0, 13), st.integers(1, 41)), dtype=dtypes,
       seed=st.integers(0, 2 ** 32 - 1), strided=st.booleans())
def test_softmax(shape, dtype, seed, strided):
    z = data(seed, shape, dtype, strided, scale=5.0) if shape[0] else np.zeros(shape, dtype)
    probabilities = [m.softmax_forward(z, -1) for m in (numpy_layers, numba_layers)]
    # e^(z - max), a few ulps apart, over their sum, added in another order
    close_in_ulps(probabilities[1], probabilities[0], extra=(ULPS + 2 * shape[-1]) * eps(dtype) * probabilities[0])
    assert probabilities[1].shape == shape


@SETTINGS
@given(shape=shapes, dtype=dtypes, seed=st.integers(0, 2 ** 32 - 1), reduction_none=st.booleans())
def test_sigmoid_cross_entropy(shape, dtype, seed, reduction_none):
    z = data(seed, shape, dtype, scale=6.0)
    y = np.random.default_rng(seed).random(shape).astype(dtype)
    losses = [m.sigmoid_cross_entropy_forward(z, y) for m in (numpy_layers, numba_layers)]
    close_in_ulps(losses[1], losses[0], extra=4 * eps(dtype) * (1 + np.abs(z)))
    factor = data(seed + 1, shape, dtype) if reduction_none else np.asarray(0.5, dtype)
    grads = [m.sigmoid_cross_entropy_backward(z, y, factor) for m in (numpy_layers, numba_layers)]
    close_in_ulps(grads[1], grads[0], extra=4 * eps(dtype) * np.abs(factor))


def test_unusual_inputs_go_to_numpy_with_the_same_results():
    """What the loops do not take (integers, float16, an axis that is not the last, broadcast labels) runs
    NumPy's function: the same results, by construction."""
    ints = np.arange(-6, 6).reshape(3, 4)
    np.testing.assert_array_equal(numba_layers.bias_act_forward(ints.copy(), None, "relu")[0], np.maximum(ints, 0))
    half = np.linspace(-2, 2, 12, dtype=np.float16).reshape(3, 4)
    np.testing.assert_array_equal(numba_layers.bias_act_forward(half.copy(), None, "tanh")[0],
                                  numpy_layers.bias_act_forward(half.copy(), None, "tanh")[0])
    z = np.random.default_rng(0).normal(size=(3, 5, 4)).astype(np.float32)
    labels = np.random.default_rng(1).integers(0, 5, size=(3, 4)).astype(np.intp)
    for a, b in zip(numba_layers.softmax_cross_entropy_forward(z, labels, 1),
                    numpy_layers.softmax_cross_entropy_forward(z, labels, 1)):
        np.testing.assert_array_equal(a, b)
    empty = np.zeros((4, 0), np.float32)  # no features: the loops would read a row's first element
    np.testing.assert_array_equal(numba_layers.bias_act_forward(empty.copy(), None, "relu")[0], empty)


# ----- the convolution's scatter-add: bit for bit (the same additions, each pixel's in the same order) -------
@SETTINGS
@given(n=st.integers(1, 5), out=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)), strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       dilation=st.tuples(st.integers(1, 3), st.integers(1, 2)), channels=st.integers(1, 9), dtype=dtypes,
       seed=st.integers(0, 2**31 - 1))
def test_col2im_equals_numpy_bit_for_bit(n, out, kernel, strides, dilation, channels, dtype, seed):
    (oh, ow), (kh, kw), (sh, sw), (dh, dw) = out, kernel, strides, dilation
    padded = (n, sh * (oh - 1) + dh * (kh - 1) + 1, sw * (ow - 1) + dw * (kw - 1) + 1, channels)
    dcols = np.random.default_rng(seed).normal(size=(n, oh, ow, kh, kw, channels)).astype(dtype)
    expected = numpy_layers.col2im(dcols, padded, strides, dilation)
    actual = numba_layers.col2im(dcols, padded, strides, dilation)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


# ----- max pooling: the same maxima and offsets, the same routed (and, where windows overlap, summed) gradients
@SETTINGS
@given(n=st.integers(1, 4), out=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       extra=st.tuples(st.integers(0, 2), st.integers(0, 2)), channels=st.integers(1, 9), dtype=dtypes,
       ties=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_max_pool_equals_numpy_bit_for_bit(n, out, kernel, strides, extra, channels, dtype, ties, seed):
    (oh, ow), (kh, kw), (sh, sw) = out, kernel, strides
    rng = np.random.default_rng(seed)
    shape = (n, sh * (oh - 1) + kh + extra[0], sw * (ow - 1) + kw + extra[1], channels)  # some rows unread
    xp = (rng.integers(0, 3, shape) if ties else rng.normal(size=shape)).astype(dtype)  # ties: first offset wins
    best, argmax = numba_layers.max_pool_forward(xp, kernel, strides, out)
    expected_best, expected_argmax = numpy_layers.max_pool_forward(xp, kernel, strides, out)
    np.testing.assert_array_equal(best, expected_best)
    np.testing.assert_array_equal(argmax, expected_argmax)
    g = rng.normal(size=best.shape).astype(dtype)
    np.testing.assert_array_equal(numba_layers.max_pool_backward(g, argmax, shape, kernel, strides),
                                  numpy_layers.max_pool_backward(g, expected_argmax, shape, kernel, strides))
