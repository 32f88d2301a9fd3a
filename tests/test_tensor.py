"""Tensor semantics: dtypes, attributes, backward rules, no_grad and the errors for bad input."""

import numpy as np
import pytest

import lamina


def test_dtype_policy():
    assert lamina.tensor([1.0, 2.0]).dtype == np.float32
    assert lamina.tensor(np.zeros(3)).dtype == np.float32          # float64 arrays become float32
    assert lamina.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert lamina.tensor([1, 2]).dtype.kind == "i"                  # integers stay integers...
    assert lamina.tensor([1, 2], requires_grad=True).dtype == np.float32  # ...unless they need a gradient


def test_attributes_and_conversions():
    t = lamina.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert t.shape == (1, 3) and t.ndim == 2 and t.requires_grad and t.grad is None
    assert isinstance(t.numpy(), np.ndarray) and t.numpy() is t.data
    assert lamina.tensor(5.0).item() == 5.0
    d = t.detach()
    assert not d.requires_grad and d.data is t.data
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_scalar_seed_and_accumulation_until_cleared():
    w = lamina.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0, -8.0])  # accumulated
    w.zero_grad()
    (3 * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_non_scalar_backward_needs_grad():
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match="non-scalar"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_on_tensor_without_gradient_says_so():
    with pytest.raises(ValueError, match="does not require a gradient"):
        (lamina.tensor([1.0]) * 2).sum().backward()


def test_tensor_used_several_times():
    x = lamina.tensor(3.0, requires_grad=True)
    y = x * x + x * 2 + x       # dy/dx = 2x + 3 = 9
    y.backward()
    assert x.grad == pytest.approx(9.0)
    a = lamina.tensor([1.0, 2.0], requires_grad=True)
    b = a + a                   # the same array reaches `a` twice through add's VJP
    (b * b).sum().backward()    # d/da (2a)^2 = 8a
    np.testing.assert_allclose(a.grad, [8.0, 16.0])


def test_long_chain_is_iterative():
    x = lamina.tensor([1.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 10_000], rtol=1e-9)


def test_backward_never_writes_into_foreign_arrays():
    seed = np.ones(3, dtype=np.float32)
    upstream = seed.copy()
    a = lamina.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lamina.tensor([4.0, 5.0, 6.0], requires_grad=True)
    out = a + b                       # add passes the seed itself to both parents
    out.backward(seed)
    a.grad += 100                     # the user mutates one gradient...
    np.testing.assert_array_equal(seed, upstream)   # ...the seed is untouched
    np.testing.assert_array_equal(b.grad, [1, 1, 1])  # ...and so is the other gradient
    data_before = a.data.copy()
    (a * 1.0).sum().backward()
    np.testing.assert_array_equal(a.data, data_before)


def test_no_grad_records_nothing():
    w = lamina.tensor([1.0], requires_grad=True)
    with lamina.no_grad():
        y = w * 2
        assert not lamina.is_grad_enabled()
    assert lamina.is_grad_enabled()
    assert not y.requires_grad and y._parents == ()


def test_operators_and_methods_mirror_numpy():
    a_np = np.arange(24, dtype=np.float32).reshape(4, 6)
    a = lamina.tensor(a_np)
    np.testing.assert_array_equal(a.reshape(6, 4).data, a_np.reshape(6, 4))
    np.testing.assert_array_equal(a.reshape((6, 4)).data, a_np.reshape((6, 4)))
    np.testing.assert_array_equal(a.T.data, a_np.T)
    np.testing.assert_array_equal(a.transpose(1, 0).data, a_np.T)
    np.testing.assert_array_equal(a.sum(axis=0, keepdims=True).data, a_np.sum(axis=0, keepdims=True))
    np.testing.assert_array_equal(a.max(axis=1).data, a_np.max(axis=1))
    np.testing.assert_array_equal(lamina.exp(a).data, np.exp(a_np))
    np.testing.assert_array_equal(a.exp().data, np.exp(a_np))
    np.testing.assert_array_equal((2 - a).data, 2 - a_np)
    np.testing.assert_array_equal((a_np + a).data, a_np + a_np)        # ndarray on the left
    np.testing.assert_array_equal(a[:, 1:3].data, a_np[:, 1:3])
    assert isinstance(a > 3, np.ndarray) and (a > 3).dtype == bool     # comparisons: plain arrays
    np.testing.assert_array_equal(lamina.where(a > 3, a, 0.0).data, np.where(a_np > 3, a_np, 0))


def test_constants_do_not_upcast_float32():
    x = lamina.tensor(np.ones((2, 3)), requires_grad=True)
    one_hot = np.eye(3)[[0, 2]]                    # float64, as np.eye makes it
    y = (x * one_hot + np.float64(2.0)) / 3.0
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        lamina.tensor(np.ones((2, 3))) @ lamina.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        lamina.tensor(np.ones((2, 3))) + np.ones((4, 5))
    with pytest.raises(TypeError, match="numeric"):
        lamina.tensor(["a", "b"])
    with pytest.raises(TypeError):
        lamina.tensor({"a": 1})
    with pytest.raises(ValueError, match="reshape"):
        lamina.tensor(np.ones(6)).reshape(4, 2)
    with pytest.raises(ValueError, match="class indices"):
        lamina.softmax_cross_entropy(lamina.tensor(np.zeros((2, 3))), np.array([0, 3]))


def test_gradcheck_reports_input_element_and_values():
    def wrong_square(x):
        out = lamina.Tensor._from_op(x.data ** 2, (x,), lambda g: (g * x.data,))  # missing factor 2
        return out

    with pytest.raises(lamina.GradcheckError, match=r"input 0 .* at index \(\d+,\): analytic .* numerical"):
        lamina.gradcheck(wrong_square, np.array([1.0, 2.0]))


def test_one_element_tensors_convert_and_format_like_numbers():
    # What training loops do with a loss: float(loss_value), f"{loss:.4f}"; TensorFlow's tensors allow it.
    loss = lamina.tensor(0.123456, requires_grad=True)
    assert float(loss) == pytest.approx(0.123456) and f"{loss:.2f}" == "0.12"
    assert float(lamina.tensor([2.5])) == 2.5
    assert int(lamina.tensor(7)) == 7 and [10, 20, 30][lamina.tensor(1)] == 20 and range(lamina.tensor(3))
    assert f"{lamina.tensor([1.0, 2.0])}" == str(lamina.tensor([1.0, 2.0]))  # several values: the tensor's text
    with pytest.raises(TypeError, match=r"only a tensor with one element converts to float; .* shape \(2,\)"):
        float(lamina.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="only integer tensors can be used as an index; this one is float32"):
        [1, 2][lamina.tensor(1.0)]
