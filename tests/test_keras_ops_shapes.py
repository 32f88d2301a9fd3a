"""keras.ops on random shapes (hypothesis): values against NumPy, gradients against central differences; and
the conventions: what each function returns, Keras's dtype promotion, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import lamina
from lamina.keras import ops

SETTINGS = settings(max_examples=25, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def values(shape, low=-2.0, high=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


@st.composite
def array_and_axis(draw, low=-2.0, high=2.0):
    """An array and an axis spec: None, one axis (possibly negative) or a tuple of distinct axes."""
    shape = draw(shapes)
    array = draw(values(shape, low, high))
    choice = draw(st.sampled_from(["none", "one", "tuple"]))
    if choice == "none":
        return array, None
    if choice == "one":
        return array, draw(st.integers(-len(shape), len(shape) - 1))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    return array, tuple(axes)


def check(fn, reference, *arrays, rtol=1e-10):
    """fn on float64 tensors equals the NumPy reference and passes gradcheck."""
    got = fn(*[lamina.tensor(a, dtype=np.float64) for a in arrays]).numpy()
    np.testing.assert_allclose(got, reference(*arrays), rtol=rtol, atol=1e-12)
    assert lamina.gradcheck(fn, *arrays)


@SETTINGS
@given(array_and_axis(), st.booleans())
def test_reductions(case, keepdims):
    x, axis = case
    check(lambda t: ops.sum(t, axis=axis, keepdims=keepdims), lambda a: np.sum(a, axis=axis, keepdims=keepdims), x)
    check(lambda t: ops.mean(t, axis=axis, keepdims=keepdims), lambda a: np.mean(a, axis=axis, keepdims=keepdims), x)
    check(lambda t: ops.var(t, axis=axis, keepdims=keepdims), lambda a: np.var(a, axis=axis, keepdims=keepdims), x)
    check(lambda t: ops.prod(t, axis=axis, keepdims=keepdims), lambda a: np.prod(a, axis=axis, keepdims=keepdims),
          x)
    check(lambda t: ops.logsumexp(t, axis=axis, keepdims=keepdims),
          lambda a: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)), x)


@SETTINGS
@given(array_and_axis(low=0.5, high=2.0))
def test_std_and_norm(case):
    x, axis = case
    x = x + np.arange(x.size).reshape(x.shape) * 0.01  # distinct values: std's gradient exists
    reduced = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    if reduced > 1:  # the std of one value is 0, where sqrt has no derivative
        check(lambda t: ops.std(t, axis=axis), lambda a: np.std(a, axis=axis), x)
    one_axis = axis if isinstance(axis, int) else None
    if one_axis is not None:
        for order in (1, 2, 3, np.inf):
            check(lambda t: ops.norm(t, ord=order, axis=one_axis),
                  lambda a: np.linalg.norm(a, ord=order, axis=one_axis), x)


def test_prod_gradient_with_zeros():
    """d(prod)/dx_i is the product of the others, also where x holds zeros (no division by x_i)."""
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5]])
    t = lamina.tensor(x, requires_grad=True, dtype=np.float64)
    ops.prod(t, axis=1).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]])
    assert lamina.gradcheck(lambda v: ops.prod(v, axis=1), x)


@SETTINGS
@given(array_and_axis())
def test_cumsum_sort_flip(case):
    x, axis = case
    one_axis = axis if isinstance(axis, int) else None
    check(lambda t: ops.cumsum(t, axis=one_axis), lambda a: np.cumsum(a, axis=one_axis), x)
    sort_axis = -1 if one_axis is None else one_axis
    x = x + np.arange(x.size).reshape(x.shape) * 1e-3  # no ties: sort's gradient is then defined
    check(lambda t: ops.sort(t, axis=sort_axis), lambda a: np.sort(a, axis=sort_axis), x)
    check(lambda t: ops.flip(t, axis=one_axis), lambda a: np.flip(a, axis=one_axis), x)


@SETTINGS
@given(values(shapes), st.data())
def test_take_and_take_along_axis_with_repeats(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    size = x.shape[axis]
    indices = np.array(data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=6)))
    check(lambda t: ops.take(t, indices, axis=axis), lambda a: np.take(a, indices, axis=axis), x)
    along = data.draw(hnp.arrays(np.int64, x.shape, elements=st.integers(0, size - 1)))
    check(lambda t: ops.take_along_axis(t, along, axis=axis), lambda a: np.take_along_axis(a, along, axis=axis), x)


@SETTINGS
@given(values(shapes), st.data())
def test_tile_repeat_broadcast(x, data):
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    check(lambda t: ops.tile(t, reps), lambda a: np.tile(a, reps), x)
    count = data.draw(st.integers(1, 3))
    axis = data.draw(st.one_of(st.none(), st.integers(0, x.ndim - 1)))
    check(lambda t: ops.repeat(t, count, axis=axis), lambda a: np.repeat(a, count, axis=axis), x)
    target = (2,) + x.shape
    check(lambda t: ops.broadcast_to(t, target), lambda a: np.broadcast_to(a, target), x)


@SETTINGS
@given(st.data())
def test_tensordot_and_dot(data):
    free_a = data.draw(st.lists(st.integers(1, 3), max_size=2))
    summed = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    free_b = data.draw(st.lists(st.integers(1, 3), max_size=2))
    a = data.draw(values(tuple(free_a + summed)))
    b = data.draw(values(tuple(summed + free_b)))
    k = len(summed)
    check(lambda s, t: ops.tensordot(s, t, axes=k), lambda p, q: np.tensordot(p, q, axes=k), a, b)
    if a.ndim >= 1 and b.ndim >= 1 and a.shape[-1] == b.shape[max(b.ndim - 2, 0)]:
        check(lambda s, t: ops.dot(s, t), lambda p, q: np.dot(p, q), a, b)


@SETTINGS
@given(values(shapes), st.data())
def test_expand_dims_squeeze_moveaxis(x, data):
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(lambda t: ops.squeeze(ops.expand_dims(t, axis), axis), lambda a: a, x)
    check(lambda t: ops.expand_dims(t, axis), lambda a: np.expand_dims(a, axis), x)
    source = data.draw(st.integers(0, x.ndim - 1))
    destination = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check(lambda t: ops.moveaxis(t, source, destination), lambda a: np.moveaxis(a, source, destination), x)


def test_softmax_over_several_axes():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    got = ops.softmax(lamina.tensor(x, dtype=np.float64), axis=(1, 2)).numpy()
    expected = np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert lamina.gradcheck(lambda t: ops.softmax(t, axis=(1, 2)), x)


# ----- conventions -------------------------------------------------------------------------------------------
def test_everything_returns_tensors_except_the_documented_few():
    x = lamina.tensor([[1.0, -2.0], [3.0, 0.5]])
    for result in (ops.add(x, 1), ops.equal(x, 1.0), ops.argmax(x), ops.where(ops.greater(x, 0), x, 0.0),
                   ops.one_hot([0, 1], 2), ops.isnan(x)):
        assert isinstance(result, lamina.Tensor)
    assert isinstance(ops.convert_to_numpy(x), np.ndarray)
    assert ops.shape(x) == (2, 2) and isinstance(ops.shape(x), tuple)
    assert isinstance(ops.split(x, 2), list)
    values, indices = ops.top_k(x, 1)
    assert isinstance(values, lamina.Tensor) and indices.dtype == np.int32


def test_comparisons_are_bool_tensors_that_work_as_masks():
    x = lamina.tensor([1.0, -1.0, 2.0])
    mask = ops.greater(x, 0)
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(ops.where(mask, x, 0.0).numpy(), [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(x[mask].numpy(), [1.0, 2.0])
    assert bool(ops.all(ops.logical_or(mask, ops.logical_not(mask))))


def test_dtype_promotion_follows_keras():
    ints = np.array([1, 2], dtype=np.int64)
    floats = lamina.tensor([0.5, 0.25])
    assert ops.add(ints, floats).dtype == np.float32        # NumPy would give float64
    assert ops.add(ints, 1).dtype == np.int64               # a Python int takes the tensor's dtype
    assert ops.add(ints, 0.5).dtype == np.float32           # a Python float meeting ints gives floatx
    assert ops.multiply(floats, 2).dtype == np.float32
    assert ops.divide(ints, ints).dtype == np.float32
    assert ops.sqrt(ints).dtype == np.float32 and ops.mean(ints).dtype == np.float32
    assert ops.sum(ints).dtype == np.int64 and ops.sum(np.array([True, False])).dtype == np.int32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32 and ops.convert_to_tensor(np.float64(1)).dtype == np.float32
    double = lamina.tensor([1.0], dtype=np.float64)
    assert ops.add(double, floats[:1]).dtype == np.float64


def test_float_casts_keep_the_gradient():
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    y = ops.cast(x, "float64")
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
    assert not ops.cast(x, "int32").requires_grad


def test_stop_gradient_blocks_the_gradient():
    x = lamina.tensor([3.0], requires_grad=True)
    (x * ops.stop_gradient(x)).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0])


def test_crossentropy_uses_kept_logits():
    """An output made by a softmax that kept its logits is scored from the logits (Keras's TF backend rule):
    finite even where the probability underflows to 0."""
    logits = lamina.tensor([[0.0, 200.0]])
    probs = lamina.activations.apply_with_logits("softmax", lamina.softmax, logits)
    loss = ops.categorical_crossentropy(np.array([[1.0, 0.0]]), probs)
    np.testing.assert_allclose(loss.numpy(), [200.0], rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.reshape(np.ones(6), (4, -1)), "cannot reshape"),
    (lambda: ops.squeeze(np.ones((2, 3)), axis=0), "has size 2, not 1"),
    (lambda: ops.split(np.ones(5), 2), "cannot be split into 2 equal sections"),
    (lambda: ops.take(np.ones(3), [3]), "out of range"),
    (lambda: ops.top_k(np.ones((2, 3)), 4), "k must be between 1 and"),
    (lambda: ops.tensordot(np.ones((2, 3)), np.ones((2, 3)), axes=1), "summed axes differ"),
    (lambda: ops.binary_crossentropy(np.ones((2, 1)), np.ones((2,))), "same shape"),
    (lambda: ops.sparse_categorical_crossentropy([3], np.ones((1, 3)) / 3), r"labels must be in \[0, 2\]"),
    (lambda: ops.norm(np.ones((2, 2)), ord="nuc"), "not supported"),
    (lambda: ops.convert_to_tensor([1.0], dtype="bfloat16"), "bfloat16"),
    (lambda: ops.convert_to_tensor([1.0], sparse=True), "no sparse"),
    (lambda: ops.where(np.ones(2), np.ones(2)), "both x1 and x2"),
])
def test_errors_name_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError, IndexError), match=message):
        call()
