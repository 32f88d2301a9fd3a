"""Optimizers: bad input raises errors that name the argument or the parameter; NaN behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from lamina.optimizers import SGD, Adagrad, Adam, AdamW, Nadam, Optimizer, RMSprop


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("make, argument", [
    (lambda: SGD(learning_rate=-0.1), "learning_rate"),
    (lambda: SGD(learning_rate=float("nan")), "learning_rate"),
    (lambda: Adam(learning_rate=float("inf")), "learning_rate"),
    (lambda: Adam(learning_rate="fast"), "learning_rate"),
    (lambda: Adam(beta_1=1.0), "beta_1"),
    (lambda: Adam(beta_2=-0.1), "beta_2"),
    (lambda: Nadam(beta_1=1.5), "beta_1"),
    (lambda: SGD(momentum=1.1), "momentum"),
    (lambda: RMSprop(momentum=-0.5), "momentum"),
    (lambda: RMSprop(rho=1.0), "rho"),
    (lambda: Adam(epsilon=-1e-8), "epsilon"),
    (lambda: Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda: AdamW(weight_decay=-0.1), "weight_decay"),
    (lambda: AdamW(weight_decay=None), "weight_decay"),
    (lambda: SGD(clipnorm=0.0), "clipnorm"),
    (lambda: SGD(clipnorm=1.0, clipvalue=1.0), "clipnorm.*clipvalue"),
    (lambda: Adam(clipvalue=1.0, global_clipnorm=1.0), "clipvalue.*global_clipnorm"),
])
def test_bad_hyper_parameters_name_the_argument(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_gradient_shape_mismatch_names_the_parameter():
    opt = Adam()
    with pytest.raises(ValueError, match=r"Gradient 1 has shape \(3,\).*parameter 1 has shape \(2,\)"):
        opt.apply([np.ones(4), np.ones(3)], [np.ones(4), np.ones(2)])


def test_parameter_list_must_not_change():
    opt = SGD(0.1, momentum=0.9)
    opt.apply([np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="built for 2 parameters, received 3"):
        opt.apply([np.ones(2)] * 3, [np.ones(2), np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match=r"Parameter 1 .*expected shape \(3,\).*received shape \(4,\)"):
        opt.apply([np.ones(2), np.ones(4)], [np.ones(2), np.ones(4)])
    with pytest.raises(ValueError, match="gradients for"):
        opt.apply([np.ones(2)], [np.ones(2), np.ones(3)])


def test_bad_parameters():
    with pytest.raises(TypeError, match="floating"):
        SGD().apply([np.ones(2)], [np.ones(2, dtype=np.int64)])
    with pytest.raises(TypeError, match="apply"):
        SGD().step([np.ones(2)])
    with pytest.raises(TypeError, match="numpy array"):
        SGD().apply([np.ones(2)], [[1.0, 2.0]])


def test_schedule_returning_a_bad_rate_is_reported_with_its_step():
    opt = SGD(learning_rate=lambda step: 0.1 if step < 2 else -1.0)
    w = np.zeros(1)
    opt.apply([np.ones(1)], [w])
    opt.apply([np.ones(1)], [w])
    with pytest.raises(ValueError, match="at step 2"):
        opt.apply([np.ones(1)], [w])


def test_nan_gradient_propagates_into_weights():
    # Documented behaviour: no silent filtering; TerminateOnNaN stops the training loop.
    w = np.ones(2)
    Adam(0.1).apply([np.array([np.nan, 1.0])], [w])
    assert np.isnan(w[0]) and np.isfinite(w[1])


def test_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).apply([np.ones(1)], [np.ones(1)])
