"""Every primitive passes a numerical gradient check on random shapes and values, broadcasting included."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import lamina

SETTINGS = settings(max_examples=25, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def values(shape, low=-2.0, high=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


def away_from(x, points, margin=1e-2):
    """Nudge values away from kinks (|x| at 0, clip bounds), where a central difference is meaningless."""
    x = x.copy()
    for p in points:
        close = np.abs(x - p) < margin
        x[close] = p + margin * 2
    return x


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: the second drops leading axes and/or has some axes of size 1."""
    shape = draw(shapes)
    other = list(shape[draw(st.integers(0, len(shape) - 1)):])
    for i in range(len(other)):
        if draw(st.booleans()):
            other[i] = 1
    a = draw(values(shape))
    b = draw(values(tuple(other)))
    return (a, b) if draw(st.booleans()) else (b, a)


@SETTINGS
@given(broadcast_pair())
def test_add_subtract_multiply_broadcast(pair):
    a, b = pair
    assert lamina.gradcheck(lambda x, y: x + y, a, b)
    assert lamina.gradcheck(lambda x, y: x - y, a, b)
    assert lamina.gradcheck(lambda x, y: x * y, a, b)


@SETTINGS
@given(broadcast_pair())
def test_divide_broadcast(pair):
    a, b = pair
    b = np.where(np.abs(b) < 0.5, 0.5 + np.abs(b), b)  # keep the divisor away from 0
    assert lamina.gradcheck(lambda x, y: x / y, a, b)


@SETTINGS
@given(values(shapes), st.sampled_from([2, 3, 0.5, -1.0, 1.5]))
def test_power_by_number(a, p):
    a = np.abs(a) + 0.5 if p != int(p) or p < 0 else a  # real powers need positive bases
    assert lamina.gradcheck(lambda x: x ** p, a)


@SETTINGS
@given(values(shapes))
def test_unary_functions(a):
    positive = np.abs(a) + 0.1
    assert lamina.gradcheck(lambda x: -x, a)
    assert lamina.gradcheck(lamina.exp, a)
    assert lamina.gradcheck(lamina.log, positive)
    assert lamina.gradcheck(lamina.sqrt, positive)
    assert lamina.gradcheck(lamina.abs, away_from(a, [0.0]))
    assert lamina.gradcheck(lambda x: lamina.clip(x, -0.5, 0.7), away_from(a, [-0.5, 0.7]))
    assert lamina.gradcheck(lambda x: 2.0 ** x, a)


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.data())
def test_matmul_2d_batched_and_vectors(n, k, m, batch, data):
    a2 = data.draw(values((n, k)))
    b2 = data.draw(values((k, m)))
    assert lamina.gradcheck(lambda x, y: x @ y, a2, b2)
    a3 = data.draw(values((batch, n, k)))
    assert lamina.gradcheck(lambda x, y: x @ y, a3, b2)          # broadcast batch axis
    v = data.draw(values((k,)))
    assert lamina.gradcheck(lambda x, y: x @ y, a2, v)           # matrix @ vector
    assert lamina.gradcheck(lambda x, y: x @ y, v, b2)           # vector @ matrix
    assert lamina.gradcheck(lambda x, y: x @ y, v, v.copy())     # inner product


@st.composite
def array_and_axis(draw):
    shape = draw(shapes)
    a = draw(values(shape))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return a, axis, draw(st.booleans())


@SETTINGS
@given(array_and_axis())
def test_reductions(case):
    a, axis, keepdims = case
    assert lamina.gradcheck(lambda x: lamina.sum(x, axis=axis, keepdims=keepdims), a)
    assert lamina.gradcheck(lambda x: x.mean(axis=axis, keepdims=keepdims), a)
    # max/min: distinct values so that the winner is unique and the function is smooth around it
    distinct = np.arange(a.size, dtype=np.float64).reshape(a.shape) * 0.37
    distinct = np.random.default_rng(0).permutation(distinct.ravel()).reshape(a.shape)
    assert lamina.gradcheck(lambda x: x.max(axis=axis, keepdims=keepdims), distinct)
    assert lamina.gradcheck(lambda x: lamina.min(x, axis=axis, keepdims=keepdims), distinct)


def test_max_ties_share_the_gradient():
    x = lamina.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0, 0.5, 0.5])


@SETTINGS
@given(values(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4)), st.data())
def test_reshape_transpose(a, data):
    assert lamina.gradcheck(lambda x: x.reshape(-1), a)
    assert lamina.gradcheck(lambda x: x.reshape((a.size, 1)), a)
    assert lamina.gradcheck(lambda x: x.T * lamina.tensor(np.arange(a.size).reshape(a.T.shape), dtype=np.float64), a)
    axes = tuple(data.draw(st.permutations(range(a.ndim))))
    assert lamina.gradcheck(lambda x: x.transpose(axes), a)


@SETTINGS
@given(values(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=5)), st.data())
def test_indexing(a, data):
    n, m = a.shape
    i = data.draw(st.integers(-n, n - 1))
    assert lamina.gradcheck(lambda x: x[i], a)
    assert lamina.gradcheck(lambda x: x[:, 1:3], a)
    assert lamina.gradcheck(lambda x: x[::-1, ::2], a)
    rows = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    assert lamina.gradcheck(lambda x: x[rows], a)                 # repeats accumulate
    assert lamina.gradcheck(lambda x: x[rows, rows % m], a)
    assert lamina.gradcheck(lambda x: x[a > 0] if (a > 0).any() else x.sum(), a)


def test_integer_array_index_repeats_sum():
    x = lamina.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_allclose(x.grad, [2, 0, 1])


@SETTINGS
@given(broadcast_pair())
def test_maximum_minimum_where(pair):
    a, b = pair
    b = b + 0.013  # avoid exact ties, where max is not differentiable
    assert lamina.gradcheck(lamina.maximum, a, b)
    assert lamina.gradcheck(lamina.minimum, a, b)
    condition = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)) > 0
    assert lamina.gradcheck(lambda x, y: lamina.where(condition, x, y), a, b)


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 4), st.integers(0, 1), st.data())
def test_concatenate_stack(count, size, axis, data):
    parts = [data.draw(values((2, size + i))) if axis == 1 else data.draw(values((size + i, 2)))
             for i in range(count)]
    assert lamina.gradcheck(lambda *xs: lamina.concatenate(xs, axis=axis), *parts)
    same = [data.draw(values((2, size))) for _ in range(count)]
    assert lamina.gradcheck(lambda *xs: lamina.stack(xs, axis=axis), *same)


@SETTINGS
@given(values(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), -4, 4))
def test_activations(a):
    assert lamina.gradcheck(lamina.sigmoid, a)
    assert lamina.gradcheck(lamina.tanh, a)
    assert lamina.gradcheck(lamina.relu, away_from(a, [0.0]))
    assert lamina.gradcheck(lambda x: lamina.leaky_relu(x, alpha=0.2), away_from(a, [0.0]))
    assert lamina.gradcheck(lamina.linear, a)
    assert lamina.gradcheck(lambda x: lamina.softmax(x, axis=-1), a)
    assert lamina.gradcheck(lambda x: lamina.softmax(x, axis=0, temperature=2.5), a)
    assert lamina.gradcheck(lambda x: lamina.log_softmax(x, axis=-1), a)
    assert lamina.gradcheck(lamina.step, away_from(a, [0.0]))


@SETTINGS
@given(st.integers(1, 5), st.integers(2, 5), st.data())
def test_fused_losses(n, classes, data):
    logits = data.draw(values((n, classes), -5, 5))
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    one_hot = np.eye(classes)[labels]
    for reduction in ("mean", "sum", "none"):
        assert lamina.gradcheck(lambda z: lamina.softmax_cross_entropy(z, labels, reduction=reduction), logits)
        assert lamina.gradcheck(lambda z: lamina.softmax_cross_entropy(z, one_hot, reduction=reduction), logits)
    targets = data.draw(values((n, classes), 0, 1))
    for reduction in ("mean", "none"):
        assert lamina.gradcheck(lambda z: lamina.sigmoid_binary_cross_entropy(z, targets, reduction=reduction),
                                logits)


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4),
       st.sampled_from([None, "relu", "sigmoid", "tanh", "leaky_relu"]), st.data())
def test_dense(n, fan_in, units, activation, data):
    x = data.draw(values((n, fan_in)))
    w = data.draw(values((fan_in, units)))
    b = data.draw(values((units,)))
    if activation in ("relu", "leaky_relu"):
        # move pre-activations away from the kink at 0
        z = x @ w + b
        b = b + np.where(np.abs(z).min(axis=0) < 1e-2, 0.05, 0.0)
    assert lamina.gradcheck(lambda x_, w_, b_: lamina.dense(x_, w_, b_, activation), x, w, b)


@SETTINGS
@given(st.integers(2, 6), st.integers(1, 4), st.data())
def test_batch_norm(n, features, data):
    x = data.draw(values((n, features)))
    x = x + np.linspace(0, 1, n)[:, None]  # not all rows equal, so the batch variance is not ~0
    gamma = data.draw(values((features,), 0.5, 2))
    beta = data.draw(values((features,)))
    weights = np.random.default_rng(1).normal(size=(n, features))  # a non-trivial downstream loss
    assert lamina.gradcheck(lambda x_, g_, b_: lamina.batch_norm(x_, g_, b_)[0] * weights, x, gamma, beta,
                            rtol=1e-2)  # rsqrt of a small variance amplifies float64 rounding in differences
    mean, var = np.zeros(features), np.ones(features) * 1.5
    assert lamina.gradcheck(lambda x_, g_, b_: lamina.batch_norm_inference(x_, g_, b_, mean, var), x, gamma, beta)


def test_dropout_gradient_is_the_mask():
    x = np.random.default_rng(0).normal(size=(8, 5))
    assert lamina.gradcheck(lambda x_: lamina.dropout(x_, 0.4, np.random.default_rng(3)), x)
