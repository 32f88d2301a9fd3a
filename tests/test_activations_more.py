"""Keras 3's other activations (elu, selu, gelu, silu/swish, softplus, softsign, hard_sigmoid, hard_silu,
exponential, mish, relu6, log_sigmoid, hard_tanh): by name in layers, in keras.activations and tf.nn.

Their values against real Keras and their gradient checks are in test_keras_ops_values.py (the act_* cases).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import lamina as tf
from lamina import activations, layers
from lamina.keras import ops

NEW = ["relu6", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "hard_silu",
       "hard_swish", "exponential", "mish", "log_sigmoid", "hard_tanh"]
SERIALIZED = {"swish": "silu", "hard_swish": "hard_silu"}  # Keras writes the alias under its main name


@pytest.mark.parametrize("name", NEW)
def test_dense_with_activation_by_name(name):
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    layer = layers.Dense(4, activation=name)
    out = layer(x).numpy()
    z = x @ layer.kernel.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(out, activations.get(name)(z).numpy(), rtol=1e-6, atol=1e-7)
    assert layer.get_config()["activation"] == SERIALIZED.get(name, name)
    twin = layers.Dense.from_config(layer.get_config())
    assert twin.activation is activations.get(name)


@pytest.mark.parametrize("name", NEW)
def test_activation_layer_and_gradient_through_dense(name):
    x = np.random.default_rng(1).normal(size=(3, 2))
    dense = layers.Dense(3, activation=name, dtype="float64")
    dense(x)
    assert lamina.gradcheck(lambda inputs: dense(inputs), x)
    layer = layers.Activation(name)
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), activations.get(name)(x.astype(np.float32)).numpy())


def test_unknown_activation_lists_the_new_names():
    with pytest.raises(ValueError, match="gelu.*mish"):
        layers.Dense(2, activation="gelu2")


def test_gelu_defaults_follow_each_api():
    """keras.activations.gelu and tf.nn.gelu are exact by default; keras.ops.gelu approximates."""
    x = lamina.tensor([0.5, -1.5, 3.0])
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in (0.5, -1.5, 3.0)])
    np.testing.assert_allclose(lamina.keras.activations.gelu(x).numpy(), exact, rtol=1e-6)
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(), exact, rtol=1e-6)
    assert not np.allclose(ops.gelu(x).numpy(), exact, rtol=1e-6, atol=0)
    np.testing.assert_allclose(ops.gelu(x, approximate=False).numpy(), exact, rtol=1e-6)


def test_names_in_keras_activations_and_tf_nn():
    assert lamina.keras.activations.get("swish") is lamina.keras.activations.silu
    assert activations.serialize(activations.swish) == "silu"
    for name in ("relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus", "softsign", "relu6"):
        assert callable(getattr(tf.nn, name))
    np.testing.assert_allclose(tf.nn.softmax([[1.0, 2.0]]).numpy().sum(), 1.0, rtol=1e-6)


def test_activations_keep_large_inputs_finite():
    big = lamina.tensor([-1000.0, 1000.0])
    for name in ("softplus", "mish", "silu", "elu", "selu", "gelu", "log_sigmoid", "softsign"):
        assert np.all(np.isfinite(activations.get(name)(big).numpy())), name
    np.testing.assert_allclose(activations.get("softplus")(big).numpy(), [0.0, 1000.0])


def test_a_gelu_network_trains():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)) ** 2
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Dense(16, activation="gelu", input_shape=(3,)),
                               layers.Dense(16, activation="mish"), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss="mse")
    history = model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("dtype, bound", [(np.float64, 1e-15), (np.float32, 8)])
def test_erf_accuracy_against_math_erf(dtype, bound):
    """float64: within 1e-15 relative of math.erf; float32 (the fitted rational form): within 8 float32 ulps."""
    from lamina.special import erf_array
    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-9, 0.9, 500), -np.logspace(-9, 0.9, 500)])
    x = x.astype(dtype)
    got = erf_array(x)
    assert got.dtype == dtype
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    error = np.abs(got.astype(np.float64) - expected)
    if dtype == np.float64:
        assert np.max(error / np.maximum(np.abs(expected), 1e-300)) < bound
    else:
        assert np.max(error / np.spacing(np.abs(expected).astype(dtype)).astype(np.float64)) < bound
    assert np.isnan(erf_array(np.array([np.nan], dtype=dtype))[0])
    np.testing.assert_array_equal(erf_array(np.array([-np.inf, np.inf], dtype=dtype)), [-1.0, 1.0])
