"""The compiled optimizer kernels give NumPy's numbers, bit for bit.

Tolerance: none (``assert_array_equal``). Each compiled loop does the NumPy kernel's IEEE float operations in
the same order and precision: Numba with ``fastmath=False`` neither reorders them nor fuses a multiply and an
add, and ``sqrt`` and division are correctly rounded in both. So every element of the weights and slots must
come out the same, for any shape, dtype, stride and prelude (clip, decay, flush), NaN and inf included.

Skipped, with the reason, when numba (the ``fast`` extra) is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba", reason="the compiled kernels need the fast extra (pip install 'lamina[fast]')")

from lamina import kernels, optimizers  # noqa: E402
from lamina.kernels import numba_optimizers, numba_runtime, numpy_optimizers  # noqa: E402
from lamina.kernels.prelude import Prelude  # noqa: E402
from lamina.utils import blas_threads  # noqa: E402

RULES = {
    # name: (slot names, the optional ones (no momentum, not centered, ...), scalar names)
    "sgd": (("v",), {"v"}, ("lr", "momentum")),
    "adagrad": (("r",), set(), ("lr", "delta")),
    "rmsprop": (("r", "m_g", "b"), {"m_g", "b"}, ("lr", "rho", "one_minus_rho", "mu", "delta")),
    "adam": (("m", "v", "v_max"), {"v_max"}, ("beta_1", "beta_2", "step_size", "epsilon_hat")),
    "nadam": (("m", "v"), set(), ("beta_1", "one_minus_beta_1", "beta_2", "one_minus_beta_2", "bias_2", "epsilon",
                                  "lr_m", "lr_g")),
}
OPTIONAL_SLOTS = {"v", "m_g", "b", "v_max"}


def strided(values: np.ndarray) -> np.ndarray:
    """A copy of ``values`` that is a view of every other element of a larger array: not contiguous."""
    holder = np.zeros(values.shape + (2,), values.dtype)
    view = holder[..., 0]
    view[...] = values
    return view


def make_arrays(rng, shape, dtype, strided_grad, strided_param, special):
    """w, g and a dict of slots (each >= 0 where the rule needs it: accumulated squares)."""
    def array(positive=False):
        values = rng.normal(size=shape) * 10.0 ** rng.integers(-3, 2)
        return np.array(np.abs(values) if positive else values, dtype=dtype)  # shape (): a 0-d array

    w, g = array(), array()
    if special and g.size:
        picks = rng.integers(0, g.size, size=min(3, g.size))
        g.flat[picks] = rng.choice([np.nan, np.inf, -np.inf, 0.0, 1e-42], size=len(picks))
    slots = {name: array(positive=name in ("r", "v", "v_max")) for name in ("v", "r", "m_g", "b", "m", "v_max")}
    slots["r"] = np.array(slots["r"] + slots["m_g"] ** 2, dtype=dtype)  # r - m_g^2 >= 0, as centered expects
    return strided(w) if strided_param else w, strided(g) if strided_grad else g, slots


def call(module, rule, w, g, slots, pre, scalars, flags, use_slots, threads=1):
    names, optional, scalar_names = RULES[rule]
    slot_args = [slots[n] if (n not in optional or n in use_slots) else None for n in names]
    args = [w, g, *slot_args, pre, *[scalars[n] for n in scalar_names], *flags]
    getattr(module, f"{rule}_update")(*args, threads=threads)


shapes = st.one_of(st.tuples(st.integers(0, 300)), st.tuples(st.integers(1, 17), st.integers(1, 23)),
                   st.just(()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=st.sampled_from(sorted(RULES)), shape=shapes, dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2 ** 32 - 1), strided_grad=st.booleans(), strided_param=st.booleans(),
       special=st.booleans(), clip=st.sampled_from(["none", "value", "scale"]), decay=st.booleans(),
       flush=st.booleans(), use_slots=st.sets(st.sampled_from(sorted(OPTIONAL_SLOTS))), nesterov=st.booleans())
def test_every_rule_equals_numpy_bit_for_bit(rule, shape, dtype, seed, strided_grad, strided_param, special, clip,
                                             decay, flush, use_slots, nesterov):
    rng = np.random.default_rng(seed)
    w, g, slots = make_arrays(rng, shape, dtype, strided_grad, strided_param, special)
    cast = np.dtype(dtype).type
    pre = Prelude(clipvalue=cast(0.05) if clip == "value" else None, scale=cast(0.3) if clip == "scale" else None,
                  decay=cast(0.999) if decay else None, flush=cast(0.5) if flush else None)
    scalars = {name: cast(value) for name, value in
               dict(lr=0.01, momentum=0.9, delta=1e-7, rho=0.9, one_minus_rho=0.1, mu=0.5, beta_1=0.9,
                    beta_2=0.999, step_size=0.003, epsilon_hat=3e-6, one_minus_beta_1=0.1, one_minus_beta_2=0.001,
                    bias_2=0.02, epsilon=1e-7, lr_m=0.005, lr_g=0.0007).items()}
    flags = [nesterov] if rule == "sgd" else []
    results = []
    for module in (numpy_optimizers, numba_optimizers):
        w_copy = strided(w) if strided_param else w.copy()  # a strided parameter stays strided
        slot_copies = {k: v.copy() for k, v in slots.items()}
        g_before = g.copy()
        with np.errstate(all="ignore"):  # inf / inf and the like, from the special values: NaN in both
            call(module, rule, w_copy, g, slot_copies, pre, scalars, flags, use_slots)
        np.testing.assert_array_equal(g, g_before)  # the gradient is never written to
        results.append((w_copy, slot_copies))
    (w_numpy, slots_numpy), (w_numba, slots_numba) = results
    np.testing.assert_array_equal(w_numba, w_numpy)
    for name in slots:
        np.testing.assert_array_equal(slots_numba[name], slots_numpy[name], err_msg=name)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_split_kernels_equal_the_one_thread_kernels(rule, monkeypatch):
    """The parallel variant (one piece per thread, cut at 16-element boundaries) changes nothing."""
    monkeypatch.setattr(numba_runtime, "PARALLEL_MIN", 100)
    monkeypatch.setattr(numba_runtime, "THREADS", 2)
    released = []
    monkeypatch.setattr(blas_threads, "release_idle_blas_workers",
                        lambda own_threads=0: released.append(own_threads) or True)
    rng = np.random.default_rng(3)
    w, g, slots = make_arrays(rng, (1001,), np.float32, False, False, True)
    pre = Prelude(clipvalue=np.float32(0.5), decay=np.float32(0.99), flush=np.float32(1e-3))
    scalars = {k: np.float32(v) for k, v in dict(lr=0.01, momentum=0.9, delta=1e-7, rho=0.9, one_minus_rho=0.1,
                                                  mu=0.5, beta_1=0.9, beta_2=0.999, step_size=0.003,
                                                  epsilon_hat=3e-6, one_minus_beta_1=0.1, one_minus_beta_2=0.001,
                                                  bias_2=0.02, epsilon=1e-7, lr_m=0.005, lr_g=0.0007).items()}
    results = []
    for threads in (1, 2):
        w_copy, slot_copies = w.copy(), {k: v.copy() for k, v in slots.items()}
        call(numba_optimizers, rule, w_copy, g, slot_copies, pre, scalars, [True] if rule == "sgd" else [],
             OPTIONAL_SLOTS, threads=threads)
        results.append((w_copy, slot_copies))
    assert released, "the split variant did not run"
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for name in slots:
        np.testing.assert_array_equal(results[0][1][name], results[1][1][name], err_msg=name)


OPTIMIZERS = [
    lambda: optimizers.SGD(0.1),
    lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda: optimizers.Adagrad(0.1, clipnorm=0.5),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: optimizers.RMSprop(0.01, clipvalue=0.1),
    lambda: optimizers.Adam(0.01),
    lambda: optimizers.Adam(0.01, amsgrad=True, clipvalue=0.05),
    lambda: optimizers.AdamW(0.01, global_clipnorm=0.1),
    lambda: optimizers.Nadam(0.01, weight_decay=0.004),
]


@pytest.mark.parametrize("packed", [True, False], ids=["flat buffer", "per parameter"])
@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_optimizers_step_the_same_with_either_kernels(make_optimizer, packed):
    """40 steps (past a flush of tiny moments at step 32) through the optimizer classes: the same weights and
    state with the compiled kernels as with NumPy's, on a packed model's flat buffer and per parameter."""
    finals = []
    for name in ("numpy", "numba"):
        kernels.use(name)
        try:
            rng = np.random.default_rng(0)
            flat = rng.normal(size=1000).astype(np.float32)
            grads_flat = np.zeros_like(flat)
            if packed:
                params = [flat[:600].reshape(20, 30), flat[600:]]
                grads = [grads_flat[:600].reshape(20, 30), grads_flat[600:]]
            else:
                params = [flat[:600].reshape(20, 30).copy(), flat[600:].copy()]
                grads = [np.zeros((20, 30), np.float32), np.zeros(400, np.float32)]
            opt = make_optimizer()
            for step in range(40):
                for gr in grads:
                    gr[...] = rng.normal(size=gr.shape) * 10.0 ** -(step % 5)
                opt.apply(grads, params)
            assert (opt._flat is not None) == packed
            finals.append(([p.copy() for p in params], opt.get_state()))
        finally:
            kernels.use(None)
    (params_numpy, state_numpy), (params_numba, state_numba) = finals
    for a, b in zip(params_numpy, params_numba):
        np.testing.assert_array_equal(a, b)
    for key in state_numpy:
        np.testing.assert_array_equal(state_numpy[key], state_numba[key], err_msg=key)
