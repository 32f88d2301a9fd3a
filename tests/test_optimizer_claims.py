"""The notes' claims about the optimizers (section 4), checked numerically."""

from __future__ import annotations

import numpy as np
import pytest

from lamina.optimizers import SGD, Adagrad, Adam, AdamW, Nadam, RMSprop


def test_momentum_reaches_terminal_step_eta_g_over_one_minus_gamma():
    eta, g = 0.01, np.array([2.0, -0.5])
    for gamma in (0.5, 0.9, 0.99):
        w = np.zeros(2)
        opt = SGD(eta, momentum=gamma)
        for _ in range(3000):
            before = w.copy()
            opt.apply([g], [w])
        step = np.abs(w - before)
        # v_k = eta g (1 + gamma + ... + gamma^(k-1)) -> eta |g| / (1 - gamma)
        np.testing.assert_allclose(step, eta * np.abs(g) / (1 - gamma), rtol=1e-9)
    plain = np.zeros(2)
    SGD(eta).apply([g], [plain])
    # gamma = 0.9: ten times the plain step
    w, opt = np.zeros(2), SGD(eta, momentum=0.9)
    for _ in range(500):
        before = w.copy()
        opt.apply([g], [w])
    np.testing.assert_allclose(np.abs(w - before) / np.abs(plain), 10.0, rtol=1e-9)


def test_adagrad_rate_decays_for_frequent_features_and_stays_large_for_sparse_ones():
    eta = 0.1
    opt = Adagrad(eta)
    w = np.zeros(2)  # w[0]: a frequent feature, w[1]: a sparse one (gradient every 20th step)
    rates = []
    for t in range(200):
        g = np.array([1.0, 1.0 if t % 20 == 0 else 0.0])
        opt.apply([g], [w])
        r = opt.get_state()["r/0"]
        rates.append(eta / (np.sqrt(r) + opt.epsilon))  # effective rate eta / (sqrt(r) + delta)
    rates = np.array(rates)
    assert np.all(np.diff(rates[:, 0]) < 0)  # monotonically shrinking for the frequent one
    assert rates[-1, 0] < rates[0, 0] / 10
    # After 200 steps the sparse feature has had 10 gradients, the frequent one 200:
    # its rate is ~sqrt(200 / 10) ~ 4.5x larger.
    assert rates[-1, 1] > 4 * rates[-1, 0]


def test_rmsprop_accumulator_is_bounded_where_adagrad_grows():
    g = np.array([2.0, 0.3])
    rms, ada = RMSprop(1e-3, rho=0.9), Adagrad(1e-3)
    w1, w2 = np.zeros(2), np.zeros(2)
    r_rms, r_ada = [], []
    for _ in range(1000):
        rms.apply([g], [w1])
        ada.apply([g], [w2])
        r_rms.append(rms.get_state()["r/0"])
        r_ada.append(ada.get_state()["r/0"])
    r_rms, r_ada = np.array(r_rms), np.array(r_ada)
    # r = (1 - rho) g^2 (1 + rho + rho^2 + ...) <= g^2, reached in the limit
    assert np.all(r_rms <= g * g * (1 + 1e-12))
    np.testing.assert_allclose(r_rms[-1], g * g, rtol=1e-12)
    # AdaGrad's sum grows without bound: 0.1 + k g^2
    np.testing.assert_allclose(r_ada[-1], 0.1 + 1000 * g * g, rtol=1e-12)
    assert np.all(np.diff(r_ada, axis=0) > 0)


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_first_step_is_eta_times_sign_of_g(cls):
    rng = np.random.default_rng(0)
    g = rng.choice([-1, 1], size=50) * 10.0 ** rng.uniform(-2, 3, size=50)
    w = np.zeros(50)
    eta = 0.01
    kwargs = {"weight_decay": 0.0} if cls is AdamW else {}
    cls(eta, **kwargs).apply([g], [w])
    # m_hat = g and v_hat = g^2 at t = 1, so the step is eta g / (|g| + eps);
    # with |g| >= 1e-2 and eps = 1e-7 that is eta sign(g) to 1e-5 relative.
    # (Nadam's look-ahead m_hat is not g at t = 1, so it is not part of this claim.)
    np.testing.assert_allclose(w, -eta * np.sign(g), rtol=1e-5)


# --------------------------------------------------------------------------- non-convex
def _steps_until(opt, grad, w0, done, cap):
    w = np.array(w0, dtype=np.float64)
    for k in range(cap):
        if done(w):
            return k
        opt.apply([grad(w)], [w])
    return cap + 1  # not reached


def test_escaping_the_saddle_of_x2_minus_y2():
    # f(x, y) = x^2 - y^2: a saddle at the origin. Start almost on the ridge (y = 1e-3),
    # where the gradient along y is tiny; escape = |y| >= 1.
    def grad(w):
        return np.array([2 * w[0], -2 * w[1]])

    def escaped(w):
        return abs(w[1]) >= 1.0

    eta = 0.01
    steps = {
        "sgd": _steps_until(SGD(eta), grad, [1.0, 1e-3], escaped, 2000),
        "momentum": _steps_until(SGD(eta, momentum=0.9), grad, [1.0, 1e-3], escaped, 2000),
        "nesterov": _steps_until(SGD(eta, momentum=0.9, nesterov=True), grad, [1.0, 1e-3], escaped, 2000),
        # AdaGrad divides by sqrt(r) >= sqrt(0.1), so it gets a 10x larger eta.
        "adagrad": _steps_until(Adagrad(10 * eta), grad, [1.0, 1e-3], escaped, 2000),
        "rmsprop": _steps_until(RMSprop(eta), grad, [1.0, 1e-3], escaped, 2000),
        "adam": _steps_until(Adam(eta), grad, [1.0, 1e-3], escaped, 2000),
        "nadam": _steps_until(Nadam(eta), grad, [1.0, 1e-3], escaped, 2000),
    }
    # Plain SGD grows y by a factor (1 + 2 eta) per step: ln(1000) / ln(1.02) ~ 349 steps.
    assert 340 <= steps["sgd"] <= 360
    # Momentum and the adaptive methods escape in under 100 (measured: 28 to 77).
    for name, k in steps.items():
        if name != "sgd":
            assert k < 100, (name, k)


def test_rosenbrock_ravine():
    # f = (1 - x)^2 + 100 (y - x^2)^2: a narrow curved valley, minimum at (1, 1).
    # Plain SGD must use eta ~ 1e-3 to stay stable across the valley (curvature ~1000)
    # and then crawls along its floor.
    def grad(w):
        x, y = w
        return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])

    def at_minimum(w):
        return np.hypot(w[0] - 1, w[1] - 1) < 1e-2

    start, cap = [-1.2, 1.0], 20000
    steps = {
        "sgd": _steps_until(SGD(1e-3), grad, start, at_minimum, cap),
        "momentum": _steps_until(SGD(1e-3, momentum=0.9), grad, start, at_minimum, cap),
        "adagrad": _steps_until(Adagrad(0.5), grad, start, at_minimum, cap),
        "rmsprop": _steps_until(RMSprop(3e-3), grad, start, at_minimum, cap),
        "adam": _steps_until(Adam(0.05), grad, start, at_minimum, cap),
        "nadam": _steps_until(Nadam(0.05), grad, start, at_minimum, cap),
    }
    # Measured: SGD ~11,300 steps; momentum ~1,000; AdaGrad ~6,000; RMSProp ~4,500;
    # Adam ~1,500; Nadam ~1,200. Thresholds leave room for rounding differences.
    assert 10000 < steps["sgd"] <= cap
    for name, k in steps.items():
        if name != "sgd":
            assert k < 7000, (name, k)
            assert k < steps["sgd"] / 1.5, (name, k)
