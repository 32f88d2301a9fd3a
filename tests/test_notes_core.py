"""The notes' worked examples, computed with Lamina's operations (sections 2, 3 and 7)."""

import numpy as np
import pytest

import lamina


def test_xor_hand_solution_section_2():
    X = lamina.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    W = lamina.tensor([[1, 1], [1, 1]], dtype=np.float32)
    c = lamina.tensor([0, -1], dtype=np.float32)
    w = lamina.tensor([[1], [-2]], dtype=np.float32)
    y_hat = lamina.relu(X @ W + c) @ w + 0
    np.testing.assert_array_equal(y_hat.data.ravel(), [0, 1, 1, 0])


def test_softmax_example_section_3():
    s = lamina.softmax(lamina.tensor([3.0, 1.0, 0.5])).data
    np.testing.assert_allclose(s, [0.821, 0.111, 0.067], atol=5e-4)  # the notes print three decimals
    assert s.sum() == pytest.approx(1.0)


def test_softmax_temperature_limits():
    z = lamina.tensor([3.0, 1.0, 0.5], dtype=np.float64)
    hot = lamina.softmax(z, temperature=1000.0).data
    cold = lamina.softmax(z, temperature=0.01).data
    # T -> infinity: uniform. At T = 1000 each probability is 1/3 + (z_i - mean z) / (3 T) + O(1/T^2), at most
    # 6e-4 away for these logits, so 1e-3 is the limit's distance, not a numerical slack.
    np.testing.assert_allclose(hot, 1 / 3, atol=1e-3)
    np.testing.assert_allclose(cold, [1, 0, 0], atol=1e-12)        # T -> 0: one-hot


def test_softmax_jacobian_is_s_i_delta_minus_s_j():
    z = np.array([3.0, 1.0, 0.5])
    s = lamina.softmax(lamina.tensor(z, dtype=np.float64)).data
    jacobian = np.empty((3, 3))
    for i in range(3):
        zt = lamina.tensor(z, requires_grad=True, dtype=np.float64)
        lamina.softmax(zt)[i].backward()
        jacobian[i] = zt.grad                         # row i: d s_i / d z_j
    expected = s[:, None] * (np.eye(3) - s[None, :])  # s_i (delta_ij - s_j)
    np.testing.assert_allclose(jacobian, expected, rtol=1e-12)


def test_backprop_worked_example_section_7():
    """2-2-1 network, ReLU hidden layer, sigmoid output, binary cross-entropy: autodiff vs the closed forms."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=2)
    y = 1.0
    W1 = np.array([[0.7, -0.4], [0.3, 0.9]])   # W1[j, i] = w_ji^(1): from input i to hidden unit j
    W2 = np.array([[1.2, -0.6]])               # W2[0, j] = w_1j^(2)

    x_t = lamina.tensor(x, dtype=np.float64)
    W1_t = lamina.tensor(W1, requires_grad=True, dtype=np.float64)
    W2_t = lamina.tensor(W2, requires_grad=True, dtype=np.float64)
    z1 = W1_t @ x_t                            # z_j^(1) = w_j1 x1 + w_j2 x2
    a1 = lamina.relu(z1)
    z2 = W2_t @ a1                             # z_1^(2) = w_11 a_1 + w_12 a_2
    y_hat = lamina.sigmoid(z2)
    loss = -(y * lamina.log(y_hat) + (1 - y) * lamina.log(1 - y_hat)).sum()
    z2.requires_grad  # the graph keeps z2; check dL/dz2 through a second, fused route below
    loss.backward()

    yh = 1 / (1 + np.exp(-(W2 @ np.maximum(W1 @ x, 0))))[0]
    a = np.maximum(W1 @ x, 0)
    relu_prime = (W1 @ x > 0).astype(float)
    # dL/dw11^(2) = (y_hat - y) a1^(1)
    assert W2_t.grad[0, 0] == pytest.approx((yh - y) * a[0], rel=1e-12)
    # dL/dw11^(1) = (y_hat - y) w11^(2) ReLU'(z1^(1)) x1
    assert W1_t.grad[0, 0] == pytest.approx((yh - y) * W2[0, 0] * relu_prime[0] * x[0], rel=1e-12)

    # dL/dz = y_hat - y: the fused loss's VJP
    z = lamina.tensor(np.log(yh / (1 - yh)), requires_grad=True, dtype=np.float64)
    lamina.sigmoid_binary_cross_entropy(z, np.array(y)).backward()
    assert z.grad == pytest.approx(yh - y, rel=1e-9)
