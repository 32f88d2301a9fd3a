"""Learning-rate schedules: values at given steps (Keras 3 formulas), the notes' linear
decay, use as an optimizer's learning rate (steps count batches from 0), config, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lamina.optimizers import SGD, Adam
from lamina.optimizers import schedules as S


def test_notes_linear_decay():
    # The notes' example: eta_0 = 0.1, eta_tau = 0.01, tau = 100; constant after tau.
    lin = S.LinearDecay(eta_0=0.1, tau=100, eta_tau=0.01)
    assert lin(0) == 0.1
    assert lin(50) == pytest.approx(0.5 * 0.1 + 0.5 * 0.01, rel=1e-15)
    assert lin(25) == pytest.approx(0.75 * 0.1 + 0.25 * 0.01, rel=1e-15)
    assert lin(100) == pytest.approx(0.01, rel=1e-15)
    assert lin(10_000) == pytest.approx(0.01, rel=1e-15)
    poly = S.PolynomialDecay(0.1, 100, 0.01, power=1.0)
    for k in (0, 1, 37, 99, 100, 150):
        assert poly(k) == pytest.approx(lin(k), rel=1e-14)


def test_polynomial_decay_power_and_cycle():
    p = S.PolynomialDecay(1.0, 10, end_learning_rate=0.0, power=2.0)
    assert p(5) == pytest.approx(0.25)
    assert p(20) == 0.0
    c = S.PolynomialDecay(1.0, 10, end_learning_rate=0.0, power=1.0, cycle=True)
    assert c(0) == 1.0                      # multiplier 1 at step 0
    assert c(5) == pytest.approx(0.5)
    assert c(10) == pytest.approx(0.0)      # ceil(10/10) = 1
    assert c(15) == pytest.approx(0.25)     # decay_steps becomes 20
    assert S.PolynomialDecay(0.5, 3).end_learning_rate == 0.0001  # Keras default


def test_exponential_decay():
    e = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert e(0) == 0.1
    assert e(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert e(20) == pytest.approx(0.025)
    st = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [st(k) for k in (0, 9, 10, 19, 20)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_piecewise_constant_decay_upper_ends_inclusive():
    pc = S.PiecewiseConstantDecay(boundaries=[100, 110], values=[1.0, 0.5, 0.1])
    assert [pc(k) for k in (0, 100, 101, 110, 111, 1000)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_inverse_time_decay():
    it = S.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    assert it(0) == 0.1 and it(2) == pytest.approx(0.05)
    st = S.InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0, staircase=True)
    assert [st(k) for k in (0, 9, 10, 25)] == pytest.approx([1.0, 1.0, 0.5, 1 / 3])


def test_cosine_decay_and_warmup():
    c = S.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    assert c(0) == pytest.approx(0.1)
    assert c(50) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert c(100) == pytest.approx(0.01)
    assert c(500) == pytest.approx(0.01)    # clamped at decay_steps
    w = S.CosineDecay(0.0, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    assert w(0) == 0.0
    assert w(5) == pytest.approx(0.1)       # linear warm-up from 0 to 0.2
    assert w(10) == pytest.approx(0.2)      # then cosine from the warm-up target
    assert w(60) == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert w(110) == pytest.approx(0.0, abs=1e-15)
    assert w(1000) == pytest.approx(0.0, abs=1e-15)


def test_schedule_as_learning_rate_counts_batches_from_zero():
    sched = S.PiecewiseConstantDecay([1, 3], [1.0, 0.1, 0.01])
    opt = SGD(learning_rate=sched)
    w = np.zeros(1)
    seen = []
    for _ in range(6):
        seen.append(opt.learning_rate)
        before = w.copy()
        opt.apply([np.ones(1)], [w])
        assert (before - w)[0] == pytest.approx(seen[-1])  # this step used schedule(iterations)
    # steps 0, 1 -> 1.0; 2, 3 -> 0.1; 4, 5 -> 0.01
    assert seen == [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    assert opt.learning_rate == 0.01 and opt.iterations == 6


def test_schedule_with_float32_parameters_keeps_float32():
    opt = Adam(learning_rate=S.CosineDecay(1e-2, 10, warmup_target=0.1, warmup_steps=3))
    w = np.ones(4, np.float32)
    for _ in range(15):
        opt.apply([np.ones(4, np.float32)], [w])
    assert w.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.get_state().values() if isinstance(v, np.ndarray))


def test_linear_decay_schedule_in_sgd_matches_the_notes():
    opt = SGD(learning_rate=S.LinearDecay(0.1, 100, 0.01))
    w = np.zeros(1)
    for _ in range(150):
        opt.apply([np.ones(1)], [w])
    # sum over k = 0..149 of eta_k: 101 decaying terms (k = 0..100) plus 49 at eta_tau
    expected = sum((1 - k / 100) * 0.1 + (k / 100) * 0.01 for k in range(101)) + 49 * 0.01
    assert -w[0] == pytest.approx(expected, rel=1e-12)


ALL = [
    S.PolynomialDecay(0.1, 50, 0.001, power=0.5, cycle=True),
    S.LinearDecay(0.1, 100, 0.01),
    S.ExponentialDecay(0.1, 10, 0.96, staircase=True),
    S.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    S.InverseTimeDecay(0.1, 5, 0.5),
    S.CosineDecay(0.0, 100, alpha=0.05, warmup_target=0.1, warmup_steps=10),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_config_round_trip(schedule):
    config = S.serialize(schedule)
    json.dumps(config)
    rebuilt = S.deserialize(config)
    assert type(rebuilt) is type(schedule)
    assert rebuilt.get_config() == schedule.get_config()
    for k in (0, 1, 7, 33, 120):
        assert rebuilt(k) == schedule(k)
    assert type(schedule)(**schedule.get_config()).get_config() == schedule.get_config()


def test_optimizer_config_carries_the_schedule():
    opt = SGD(learning_rate=S.ExponentialDecay(0.1, 10, 0.5), momentum=0.9)
    config = opt.get_config()
    assert config["learning_rate"] == {"class_name": "ExponentialDecay",
                                       "config": S.ExponentialDecay(0.1, 10, 0.5).get_config()}
    rebuilt = SGD.from_config(config)
    assert isinstance(rebuilt._learning_rate, S.ExponentialDecay)
    assert rebuilt.learning_rate == 0.1


@pytest.mark.parametrize("make, argument", [
    (lambda: S.PolynomialDecay(0.1, 0), "decay_steps"),
    (lambda: S.ExponentialDecay(0.1, -1, 0.5), "decay_steps"),
    (lambda: S.InverseTimeDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: S.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: S.LinearDecay(-0.1, 10, 0.01), "eta_0"),
    (lambda: S.LinearDecay(0.1, 0, 0.01), "tau"),
    (lambda: S.ExponentialDecay(float("nan"), 10, 0.5), "initial_learning_rate"),
    (lambda: S.CosineDecay(0.0, 10, warmup_target=0.1), "warmup_steps"),
    (lambda: S.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "one more"),
    (lambda: S.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), "increasing"),
])
def test_bad_arguments(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_negative_step_is_rejected():
    with pytest.raises(ValueError, match="step"):
        S.ExponentialDecay(0.1, 10, 0.5)(-1)
    with pytest.raises(ValueError, match="Unknown"):
        S.deserialize({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize("schedule", [
    S.PolynomialDecay(0.1, 10), S.ExponentialDecay(0.1, 10, 0.5, staircase=True), S.InverseTimeDecay(0.1, 10, 0.5),
    S.PiecewiseConstantDecay([2, 5], [0.3, 0.2, 0.1]), S.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=4),
])
def test_numpy_and_tensor_steps_give_the_python_int_value(schedule):
    import lamina

    expected = schedule(3)
    for step in (np.int64(3), np.int32(3), np.float32(3.0), np.array(3), np.array([3]), lamina.tensor(3),
                 lamina.tensor([3.0])):
        assert schedule(step) == expected, repr(step)
    for bad in (np.array([1, 2]), "3", None, lamina.tensor([[1.0, 2.0]])):
        with pytest.raises(ValueError, match="step must be a number"):
            schedule(bad)
