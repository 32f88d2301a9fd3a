"""Optimizers: golden steps against the notes' equations, the step/apply API, clipping,
state save/restore, dtypes, allocation and denormal flushing.

The notes' claims (momentum's terminal velocity, AdaGrad vs RMSProp, saddle and ravine)
are in test_optimizer_claims.py; the PyTorch cross-check in test_optimizers_vs_torch.py;
bad input in test_optimizer_errors.py.
"""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lamina import optimizers
from lamina.optimizers import SGD, Adagrad, Adam, AdamW, Nadam, RMSprop
from lamina.optimizers.schedules import ExponentialDecay


# --------------------------------------------------------------------------- references
# Plain NumPy transcriptions of the notes' equations (section 4; AdamW from section 5,
# Nadam from Keras). Deliberately naive: new arrays every step, one equation per line.

def ref_sgd(w, grads, eta, gamma=0.0, nesterov=False):
    w = w.copy()
    v = np.zeros_like(w)
    for g in grads:
        if gamma == 0:
            w = w - eta * g
            continue
        v = gamma * v + eta * g
        w = w - (gamma * v + eta * g) if nesterov else w - v
    return w


def ref_adagrad(w, grads, eta, r0=0.1, delta=1e-7):
    w = w.copy()
    r = np.full_like(w, r0)
    for g in grads:
        r = r + g * g
        w = w - eta / (np.sqrt(r) + delta) * g
    return w


def ref_rmsprop(w, grads, eta, rho=0.9, delta=1e-7, mu=0.0, centered=False):
    w = w.copy()
    r, m_g, b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        r = rho * r + (1 - rho) * g * g
        if centered:
            m_g = rho * m_g + (1 - rho) * g
            step = eta / (np.sqrt(r - m_g * m_g) + delta) * g
        else:
            step = eta / (np.sqrt(r) + delta) * g
        if mu > 0:
            b = mu * b + step
            w = w - b
        else:
            w = w - step
    return w


def ref_adam(w, grads, eta, beta_1=0.9, beta_2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    w = w.copy()
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        w = w - eta * wd * w
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        if amsgrad:
            v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta_1 ** t)
        v_hat = (v_max if amsgrad else v) / (1 - beta_2 ** t)
        w = w - eta / (np.sqrt(v_hat) + eps) * m_hat
    return w


def ref_nadam(w, grads, eta, beta_1=0.9, beta_2=0.999, eps=1e-7):
    w = w.copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    u_prod = 1.0
    for t, g in enumerate(grads, start=1):
        u_t = beta_1 * (1 - 0.5 * 0.96 ** t)
        u_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod = u_prod * u_t
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = u_next * m / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
        v_hat = v / (1 - beta_2 ** t)
        w = w - eta / (np.sqrt(v_hat) + eps) * m_hat
    return w


# Each case: (factory of the optimizer, the reference applied to (w0, grads)).
GOLDEN = {
    "sgd": (lambda: SGD(0.1), lambda w, gs: ref_sgd(w, gs, 0.1)),
    "sgd_momentum": (lambda: SGD(0.1, momentum=0.9), lambda w, gs: ref_sgd(w, gs, 0.1, 0.9)),
    "sgd_nesterov": (lambda: SGD(0.1, momentum=0.8, nesterov=True),
                     lambda w, gs: ref_sgd(w, gs, 0.1, 0.8, nesterov=True)),
    "adagrad": (lambda: Adagrad(0.1), lambda w, gs: ref_adagrad(w, gs, 0.1)),
    "adagrad_r0": (lambda: Adagrad(0.1, initial_accumulator_value=0.0, epsilon=1e-3),
                   lambda w, gs: ref_adagrad(w, gs, 0.1, r0=0.0, delta=1e-3)),
    "rmsprop": (lambda: RMSprop(0.01), lambda w, gs: ref_rmsprop(w, gs, 0.01)),
    "rmsprop_centered_momentum": (
        lambda: RMSprop(0.01, rho=0.8, momentum=0.5, centered=True, epsilon=1e-4),
        lambda w, gs: ref_rmsprop(w, gs, 0.01, rho=0.8, delta=1e-4, mu=0.5, centered=True)),
    "adam": (lambda: Adam(0.01), lambda w, gs: ref_adam(w, gs, 0.01)),
    "adam_amsgrad": (lambda: Adam(0.01, beta_1=0.5, beta_2=0.9, amsgrad=True),
                     lambda w, gs: ref_adam(w, gs, 0.01, 0.5, 0.9, amsgrad=True)),
    "adamw": (lambda: AdamW(0.01), lambda w, gs: ref_adam(w, gs, 0.01, wd=0.004)),
    "adamw_big_decay": (lambda: AdamW(0.05, weight_decay=0.5),
                        lambda w, gs: ref_adam(w, gs, 0.05, wd=0.5)),
    "nadam": (lambda: Nadam(0.01), lambda w, gs: ref_nadam(w, gs, 0.01)),
}

# One factory per optimizer family and option set, for the API tests below.
ALL = {name: make for name, (make, _) in GOLDEN.items()}


def _problem(dtype=np.float64, steps=6, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=shape).astype(dtype)
    # Gradients of mixed sign and scale, some near zero, so that epsilon and the
    # sign changes of momentum both matter.
    grads = [(rng.normal(size=shape) * 10.0 ** rng.uniform(-2, 1, size=shape)).astype(dtype)
             for _ in range(steps)]
    return w0, grads


@dataclass
class StandIn:
    """The smallest parameter the optimizers accept: `.data` and `.grad`."""
    data: np.ndarray
    grad: np.ndarray | None = None


def _lamina_param(array: np.ndarray):
    import lamina
    return lamina.tensor(array.copy(), requires_grad=True, dtype=array.dtype)


PARAM_KINDS = {"stand-in": lambda a: StandIn(a.copy()), "lamina.Tensor": _lamina_param}


# --------------------------------------------------------------------------- golden steps
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_steps_float64(name):
    make, ref = GOLDEN[name]
    w0, grads = _problem(np.float64)
    w = w0.copy()
    opt = make()
    for g in grads:
        opt.apply([g], [w])
    np.testing.assert_allclose(w, ref(w0, grads), rtol=1e-6, atol=1e-12)
    assert opt.iterations == len(grads)


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_steps_float32_keep_float32(name):
    make, ref = GOLDEN[name]
    w0, grads = _problem(np.float32)
    w = w0.copy()
    opt = make()
    for g in grads:
        opt.apply([g], [w])
    assert w.dtype == np.float32
    state = opt.get_state()
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, key
    expected = ref(w0.astype(np.float64), [g.astype(np.float64) for g in grads])
    # float32 rounding over a few steps; the updates themselves are ~1e-2 of w.
    np.testing.assert_allclose(w, expected, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind", PARAM_KINDS)
@pytest.mark.parametrize("name", ["sgd_nesterov", "adagrad", "rmsprop_centered_momentum",
                                  "adam_amsgrad", "adamw", "nadam"])
def test_step_reads_grad_and_equals_apply(name, kind):
    make = ALL[name]
    w0, grads = _problem(np.float32, shape=(5,))
    b0, bgrads = _problem(np.float32, shape=(2, 2), seed=1)
    p, b = PARAM_KINDS[kind](w0), PARAM_KINDS[kind](b0)
    w_arr, b_arr = w0.copy(), b0.copy()
    opt_step, opt_apply = make(), make()
    for g, bg in zip(grads, bgrads):
        p.grad, b.grad = g.copy(), bg.copy()
        opt_step.step([p, b])
        opt_apply.apply([g, bg], [w_arr, b_arr])
    assert np.array_equal(p.data, w_arr) and np.array_equal(b.data, b_arr)


def test_step_with_lamina_backward():
    import lamina
    w = lamina.tensor(np.array([1.0, -2.0, 3.0], np.float32), requires_grad=True)
    opt = SGD(learning_rate=0.1)
    loss = lamina.sum(w * w)  # dL/dw = 2w
    loss.backward()
    opt.step([w])
    np.testing.assert_allclose(w.data, [0.8, -1.6, 2.4], rtol=1e-6)
    assert w.data.dtype == np.float32


def test_none_grads_are_skipped_and_all_none_is_not_a_step():
    a, b = StandIn(np.ones(3)), StandIn(np.ones(2))
    opt = Adam(0.1)
    a.grad, b.grad = np.ones(3), None
    opt.step([a, b])
    assert opt.iterations == 1
    assert np.all(a.data < 1) and np.array_equal(b.data, np.ones(2))
    state = opt.get_state()
    assert np.array_equal(state["m_sum/1"], np.zeros(2))
    a.grad = None
    opt.step([a, b])
    assert opt.iterations == 1  # nothing to do: not counted, as in Keras
    opt.apply([None, np.ones(2)], [a.data, b.data])
    assert opt.iterations == 2 and np.all(b.data < 1)


@pytest.mark.parametrize("name", ALL)
def test_gradients_are_never_written(name):
    w0, grads = _problem(np.float32, steps=3)
    for clip in ({}, {"clipnorm": 0.1}, {"clipvalue": 0.01}, {"global_clipnorm": 0.1}):
        opt = ALL[name]()
        for k, v in clip.items():  # clipping options set as the constructor would
            setattr(opt, k, v)
        w = w0.copy()
        for g in grads:
            before = g.copy()
            opt.apply([g], [w])
            assert np.array_equal(g, before), (name, clip)


# --------------------------------------------------------------------------- clipping
def test_clipnorm_per_tensor():
    g1 = np.array([3.0, 4.0])            # norm 5 -> scaled to norm 1
    g2 = np.array([0.3, 0.4])            # norm 0.5 -> unchanged
    w1, w2 = np.zeros(2), np.zeros(2)
    SGD(1.0, clipnorm=1.0).apply([g1, g2], [w1, w2])
    np.testing.assert_allclose(w1, [-0.6, -0.8], rtol=1e-12)
    np.testing.assert_allclose(w2, [-0.3, -0.4], rtol=1e-12)


def test_global_clipnorm_scales_all_together():
    g1, g2 = np.array([3.0, 0.0]), np.array([0.0, 4.0])   # global norm 5
    w1, w2 = np.zeros(2), np.zeros(2)
    SGD(1.0, global_clipnorm=2.5).apply([g1, g2], [w1, w2])
    np.testing.assert_allclose(w1, [-1.5, 0.0], rtol=1e-12)
    np.testing.assert_allclose(w2, [0.0, -2.0], rtol=1e-12)
    w = np.zeros(2)
    SGD(1.0, global_clipnorm=10.0).apply([g1], [w])       # under the limit: unchanged
    np.testing.assert_allclose(w, [-3.0, 0.0])


def test_clipvalue_elementwise():
    w = np.zeros(4, np.float32)
    SGD(1.0, clipvalue=0.5).apply([np.array([-2.0, -0.1, 0.2, 7.0], np.float32)], [w])
    np.testing.assert_allclose(w, [0.5, 0.1, -0.2, -0.5], rtol=1e-6)
    assert w.dtype == np.float32


@settings(max_examples=60, deadline=None)
@given(g=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5),
                    elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
       clip=st.floats(1e-3, 1e3))
def test_clipnorm_bounds_the_norm_and_keeps_the_direction(g, clip):
    w = np.zeros_like(g)
    SGD(1.0, clipnorm=clip).apply([g], [w])  # w = -clipped(g)
    norm = np.linalg.norm(g)
    assert np.linalg.norm(w) <= min(norm, clip) * (1 + 1e-12)
    expected = g if norm <= clip else g * (clip / norm)
    np.testing.assert_allclose(-w, expected, rtol=1e-12, atol=1e-300)


def test_clipping_happens_before_weight_decay_and_update():
    w = np.array([2.0])
    AdamW(0.1, weight_decay=0.5, clipvalue=1e-3).apply([np.array([100.0])], [w])
    # decay: 2 * (1 - 0.1*0.5) = 1.9; Adam's first step: eta * sign(clipped g) = 0.1
    # rtol: Adam's first step is eta * g / (|g| + eps) = 0.1 * (1 - 1e-4) for the clipped |g| = 1e-3 and
    # eps = 1e-7, not exactly eta; a wrong order (decay after the step, no clipping) is off by > 1e-2.
    np.testing.assert_allclose(w, [1.9 - 0.1], rtol=1e-4)


# --------------------------------------------------------------------------- state
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("split", [5, 30])  # 30: the resumed run crosses a flush (step 32)
def test_get_state_set_state_resumes_bit_identically(name, split):
    rng = np.random.default_rng(3)
    params0 = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(3,)).astype(np.float32)]
    grads = [[rng.normal(size=p.shape).astype(np.float32) * 0.1 for p in params0] for _ in range(split + 10)]

    opt = ALL[name]()
    opt.learning_rate = 0.02  # as a ReduceLROnPlateau would; must survive the restore
    params = [p.copy() for p in params0]
    for gs in grads[:split]:
        opt.apply(gs, params)
    state = opt.get_state()
    saved_params = [p.copy() for p in params]
    for gs in grads[split:]:
        opt.apply(gs, params)

    fresh = type(opt).from_config(opt.get_config())
    fresh.set_state(state)
    resumed = saved_params
    for gs in grads[split:]:
        fresh.apply(gs, resumed)
    for a, b in zip(params, resumed):
        assert np.array_equal(a, b)
    assert fresh.iterations == opt.iterations == split + 10
    assert fresh.learning_rate == 0.02


def test_state_is_plain_and_a_copy():
    w = np.ones(3, np.float32)
    opt = Nadam()
    opt.apply([np.ones(3, np.float32)], [w])
    state = opt.get_state()
    assert set(state) == {"iterations", "learning_rate", "u_product", "num_params", "m/0", "v/0"}
    assert isinstance(state["iterations"], int) and isinstance(state["u_product"], float)
    m = state["m/0"].copy()
    opt.apply([np.ones(3, np.float32)], [w])
    assert np.array_equal(state["m/0"], m)  # later steps do not touch the snapshot


def test_set_state_rewinds_a_built_optimizer_and_checks_shapes():
    w0, grads = _problem(np.float64)
    opt = Adam(0.01)
    w = w0.copy()
    opt.apply([grads[0]], [w])
    state, w_saved = opt.get_state(), w.copy()
    opt.apply([grads[1]], [w])
    first = w.copy()
    opt.set_state(state)
    w = w_saved
    opt.apply([grads[1]], [w])
    assert np.array_equal(w, first)

    other = Adam(0.01)
    other.set_state(state)
    with pytest.raises(ValueError, match=r"m_sum/0.*\(3, 4\).*\(2, 2\)"):
        other.apply([np.ones((2, 2))], [np.ones((2, 2))])
    bad = dict(state)
    del bad["v_sum/0"]
    with pytest.raises(ValueError, match="v_sum/0"):
        Adam().set_state(bad)


def test_schedule_learning_rate_state_and_config_round_trip():
    schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = SGD(learning_rate=schedule, momentum=0.9)
    w = np.ones(2)
    for _ in range(7):
        opt.apply([np.ones(2)], [w])
    config = optimizers.serialize(opt)
    json.dumps(config)  # JSON-compatible, for saving models
    rebuilt = optimizers.deserialize(config)
    assert isinstance(rebuilt, SGD) and rebuilt.get_config() == opt.get_config()
    rebuilt.set_state(opt.get_state())
    assert rebuilt.learning_rate == opt.learning_rate == schedule(7)


# --------------------------------------------------------------------------- get / config
def test_get_resolves_names_instances_and_dicts():
    for name, cls in [("sgd", SGD), ("ADAM", Adam), ("RMSprop", RMSprop), ("adagrad", Adagrad),
                      ("AdamW", AdamW), ("nadam", Nadam)]:
        opt = optimizers.get(name)
        assert type(opt) is cls
    sgd = SGD(0.3)
    assert optimizers.get(sgd) is sgd
    assert optimizers.get(optimizers.serialize(sgd)).learning_rate == 0.3
    with pytest.raises(ValueError, match="adagrad, adam, adamw, nadam, rmsprop, sgd"):
        optimizers.get("adamax")


def test_keras_defaults():
    assert SGD().get_config() == {"name": "SGD", "learning_rate": 0.01, "weight_decay": None,
                                  "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                                  "momentum": 0.0, "nesterov": False}
    adam = Adam().get_config()
    assert (adam["learning_rate"], adam["beta_1"], adam["beta_2"], adam["epsilon"],
            adam["amsgrad"]) == (0.001, 0.9, 0.999, 1e-7, False)
    rms = RMSprop().get_config()
    assert (rms["learning_rate"], rms["rho"], rms["epsilon"], rms["momentum"],
            rms["centered"]) == (0.001, 0.9, 1e-7, 0.0, False)
    ada = Adagrad().get_config()
    assert (ada["learning_rate"], ada["initial_accumulator_value"], ada["epsilon"]) == (0.001, 0.1, 1e-7)
    assert AdamW().get_config()["weight_decay"] == 0.004
    assert Nadam().get_config()["learning_rate"] == 0.001


@pytest.mark.parametrize("name", ALL)
def test_config_rebuilds_the_same_optimizer(name):
    opt = ALL[name]()
    rebuilt = type(opt).from_config(opt.get_config())
    assert rebuilt.get_config() == opt.get_config()


def test_weight_decay_means_the_same_for_every_optimizer():
    # With a zero gradient every rule's own step is zero, leaving only the decay.
    for cls in (SGD, Adagrad, RMSprop, Adam, Nadam):
        w = np.array([2.0, -4.0])
        cls(learning_rate=0.1, weight_decay=0.5).apply([np.zeros(2)], [w])
        np.testing.assert_allclose(w, [1.9, -3.8], rtol=1e-12, err_msg=cls.__name__)


def test_learning_rate_property_and_setter():
    opt = SGD(0.1)
    assert opt.learning_rate == 0.1
    opt.learning_rate = 0.05
    w = np.zeros(1)
    opt.apply([np.ones(1)], [w])
    np.testing.assert_allclose(w, [-0.05])
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    scheduled = SGD(ExponentialDecay(0.1, 1, 0.5))
    with pytest.raises(TypeError, match="schedule"):
        scheduled.learning_rate = 0.01
    scheduled.learning_rate = ExponentialDecay(0.2, 1, 0.5)  # a new schedule is fine
    assert scheduled.learning_rate == 0.2


# --------------------------------------------------------------------------- performance
@pytest.mark.parametrize("name", ALL)
def test_steps_allocate_no_parameter_sized_arrays(name):
    n = 100_000  # 400 KB in float32: any full-size temporary would show up
    rng = np.random.default_rng(0)
    ws = [rng.normal(size=n).astype(np.float32), rng.normal(size=(100, 10)).astype(np.float32)]
    gs = [rng.normal(size=w.shape).astype(np.float32) for w in ws]
    for extra in ({}, {"clipnorm": 1.0}):
        opt = ALL[name]()
        for k, v in extra.items():
            setattr(opt, k, v)
        opt.apply(gs, ws)  # first step builds state and clip buffers
        tracemalloc.start()
        try:
            for _ in range(3):
                opt.apply(gs, ws)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 40_000, (name, extra, peak)


def test_flushing_tiny_moments_keeps_results_and_removes_subnormals():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=1000).astype(np.float32)
    g_big = rng.normal(size=1000).astype(np.float32)
    zero = np.zeros(1000, np.float32)
    runs = {}
    for flush in (True, False):
        opt = Adam(1e-3, beta_1=0.5, beta_2=0.8)
        opt.flush_denormals = flush
        w = w0.copy()
        for t in range(420):  # 0.8**415 * g*g is in the subnormal range for most g
            opt.apply([g_big if t < 5 else zero], [w])
        runs[flush] = (w, opt.get_state())
    tiny = np.finfo(np.float32).tiny
    for key in ("m_sum/0", "v_sum/0"):
        flushed, unflushed = runs[True][1][key], runs[False][1][key]
        assert np.all((flushed == 0) | (np.abs(flushed) >= tiny)), key
        if key == "v_sum/0":  # without flushing, subnormals are there: the test does test something
            assert np.any((unflushed != 0) & (np.abs(unflushed) < tiny))
    np.testing.assert_allclose(runs[True][0], runs[False][0], rtol=1e-6, atol=0)


def test_adam_keeps_running_sums_whose_scaled_values_are_the_notes_moments():
    """Adam stores m_sum = m / (1 - beta_1) and v_sum = v / (1 - beta_2) (two passes fewer per step)."""
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=5) for _ in range(7)]
    opt = Adam(0.01, beta_1=0.8, beta_2=0.9)
    w = np.zeros(5)
    m, v = np.zeros(5), np.zeros(5)
    for g in grads:
        opt.apply([g], [w])
        m = 0.8 * m + 0.2 * g          # the notes' moments
        v = 0.9 * v + 0.1 * g * g
    state = opt.get_state()
    np.testing.assert_allclose((1 - 0.8) * state["m_sum/0"], m, rtol=1e-12)
    np.testing.assert_allclose((1 - 0.9) * state["v_sum/0"], v, rtol=1e-12)
