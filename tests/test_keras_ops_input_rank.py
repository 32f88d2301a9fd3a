"""1-D x for a model whose input is (None, 1) is expanded, as Keras 3 does (Functional._adjust_input_rank):
fit / evaluate / predict on x of shape (n,) behave exactly as on x[:, None]."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models.data_adapter import match_input_rank


def trained(x, y):
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input((1,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False, validation_data=(x[:3], y[:3]))
    return model


def test_one_dimensional_x_trains_like_a_column():
    x = np.linspace(-1, 1, 12).astype(np.float32)
    y = 3 * x + 1
    flat, column = trained(x, y), trained(x[:, None], y[:, None])
    for a, b in zip(flat.get_weights(), column.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(flat.predict(x, verbose=0), column.predict(x[:, None], verbose=0))
    assert flat.evaluate(x, y, verbose=0) == column.evaluate(x[:, None], y[:, None], verbose=0)
    assert flat.predict_on_batch(x[:2]).shape == (2, 1)


@pytest.mark.parametrize("shape, input_shape, expected", [
    ((5,), (None, 1), (5, 1)),          # one axis short, input's last axis 1: gains it
    ((5, 3, 1), (None, 3), (5, 3)),     # one axis too many, of size 1: loses it
    ((5,), (None, 3), (5,)),            # other mismatches are left for the layer's own check
    ((5, 2), (None, 2), (5, 2)),
    ((5,), None, (5,)),                 # unknown input shape: nothing to match
])
def test_match_input_rank(shape, input_shape, expected):
    assert match_input_rank(np.zeros(shape), input_shape).shape == expected


def test_other_mismatches_still_fail_clearly():
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="incompatible"):
        model.fit(np.zeros(6), np.zeros(6), verbose=0)
