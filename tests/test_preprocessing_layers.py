"""Normalization, Discretization and CategoryEncoding against real Keras 3 (fixtures from
tests/data/keras_ops/make_layer_fixtures.py), and their configuration, errors and use in a model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina.layers.preprocessing import CategoryEncoding, Discretization, Normalization

DATA = Path(__file__).parent / "data" / "keras_ops"
sys.path.insert(0, str(DATA))
from layer_cases import SCENARIOS, data  # noqa: E402

FIXTURES = np.load(DATA / "layer_fixtures.npz")
LAYERS = type("LaminaLayers", (), {"Normalization": Normalization, "Discretization": Discretization,
                                   "CategoryEncoding": CategoryEncoding})


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_keras(name):
    results = SCENARIOS[name](LAYERS, data())
    expected_count = len([k for k in FIXTURES.files if k.startswith(f"{name}/")])
    assert len(results) == expected_count
    for i, got in enumerate(results):
        expected = FIXTURES[f"{name}/{i}"]
        assert got.shape == expected.shape, f"{name}/{i}: shape {got.shape}, Keras {expected.shape}"
        assert got.dtype.kind == expected.dtype.kind, f"{name}/{i}: dtype {got.dtype}, Keras {expected.dtype}"
        # float32 statistics accumulated in another order (Lamina sums in float64): a few float32 ulps.
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, err_msg=f"{name}/{i}")


# ----- Normalization -----------------------------------------------------------------------------------------
def test_normalization_weights_are_keras_three_non_trainable():
    layer = Normalization()
    layer.adapt(np.random.default_rng(0).normal(size=(10, 4)))
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert [w.path for w in layer.weights] == [f"{layer.name}/mean", f"{layer.name}/variance", f"{layer.name}/count"]
    assert layer.trainable_weights == [] and layer.count_params() == 9
    assert layer.count.dtype == np.int64


def test_normalization_adapts_generators_and_pairs():
    x = np.random.default_rng(1).normal(size=(30, 2)).astype(np.float32)
    from_array, from_pairs = Normalization(), Normalization()
    from_array.adapt(x)
    from_pairs.adapt((x[i:i + 7], np.zeros(len(x[i:i + 7]))) for i in range(0, 30, 7))
    np.testing.assert_allclose(from_pairs.mean.numpy(), from_array.mean.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(from_pairs.variance.numpy(), from_array.variance.numpy(), rtol=1e-5)
    plain_list = Normalization(axis=None)
    plain_list.adapt([1.0, 2.0, 3.0, 4.0])  # a list of numbers is data, not batches
    assert float(plain_list.mean.numpy()) == 2.5


def test_normalization_is_differentiable_and_inverts():
    layer = Normalization(mean=[1.0, -2.0], variance=[4.0, 0.25], dtype="float64")
    x = np.array([[3.0, -1.0], [0.0, 0.0]])
    assert lamina.gradcheck(lambda t: layer(t), x)
    inverse = Normalization(mean=[1.0, -2.0], variance=[4.0, 0.25], invert=True)
    np.testing.assert_allclose(inverse(layer(x.astype(np.float32))).numpy(), x, rtol=1e-6)


def test_normalization_in_a_model_trains():
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(128, 2)) * [100.0, 0.01] + [500.0, 0.0]).astype(np.float32)
    y = (x[:, :1] - 500.0) / 100.0 + (x[:, 1:] / 0.01)
    norm = Normalization()
    norm.adapt(x)
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.layers.Input((2,)), norm, lamina.layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.05), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.01
    np.testing.assert_array_equal(norm.mean.numpy(), x.mean(axis=0, dtype=np.float64).astype(np.float32))


def test_normalization_config_round_trip():
    layer = Normalization(axis=(1, 2), mean=None, variance=None, invert=True, name="norm")
    twin = Normalization.from_config(layer.get_config())
    assert twin.get_config() == layer.get_config() and twin.axis == (1, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: Normalization(mean=1.0), "both `mean` and `variance`"),
    (lambda: Normalization(mean=[1.0, 2.0], variance=[1.0]), "same shape"),
    (lambda: Normalization(mean=[[1.0]], variance=[[1.0]]), "only 1 axis"),
    (lambda: Normalization(mean=0.0, variance=-1.0), ">= 0"),
])
def test_normalization_bad_configuration(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_normalization_adapt_errors_change_nothing():
    layer = Normalization()
    layer.adapt(np.ones((4, 3)) * [1.0, 2.0, 3.0])
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 3\)"):
        layer.adapt(np.ones((4, 5)))
    with pytest.raises(ValueError, match="empty iterable"):
        layer.adapt(iter([]))
    with pytest.raises(ValueError, match="cannot be used with fixed"):
        Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 1)))
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)


# ----- Discretization ----------------------------------------------------------------------------------------
def test_discretization_output_shapes_match_compute_output_shape():
    x = np.array([[-2.0, 0.5, 3.0], [1.0, 1.0, -0.5]], dtype=np.float32)
    for mode in ("int", "one_hot", "multi_hot", "count"):
        layer = Discretization(bin_boundaries=[0.0, 1.0], output_mode=mode)
        out = layer(x)
        assert out.shape == layer.compute_output_shape((2, 3)), mode
    assert Discretization(bin_boundaries=[0.0])(x).dtype == np.int32


def test_discretization_config_after_adapt():
    layer = Discretization(num_bins=3)
    layer.adapt(np.arange(30.0))
    twin = Discretization.from_config(layer.get_config())
    assert twin.bin_boundaries == layer.bin_boundaries and twin.num_bins == 3


@pytest.mark.parametrize("make, message", [
    (lambda: Discretization(), "either `num_bins`"),
    (lambda: Discretization(bin_boundaries=[0.0], num_bins=2), "not both"),
    (lambda: Discretization(num_bins=0), "positive integer"),
    (lambda: Discretization(bin_boundaries=[1.0, 0.0]), "sorted"),
    (lambda: Discretization(bin_boundaries=[0.0], output_mode="binary"), "output_mode"),
    (lambda: Discretization(bin_boundaries=[0.0], sparse=True), "sparse"),
])
def test_discretization_bad_configuration(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_discretization_needs_boundaries():
    with pytest.raises(ValueError, match="call adapt"):
        Discretization(num_bins=2)(np.ones((1, 1)))
    with pytest.raises(ValueError, match="needs `num_bins`"):
        Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))


# ----- CategoryEncoding --------------------------------------------------------------------------------------
def test_category_encoding_shapes_and_config():
    layer = CategoryEncoding(num_tokens=4, output_mode="binary")
    assert layer.output_mode == "multi_hot"
    assert layer(np.array([[0, 3], [1, 1]])).shape == layer.compute_output_shape((2, 2)) == (2, 4)
    one_hot = CategoryEncoding(num_tokens=4, output_mode="one_hot")
    assert one_hot(np.array([0, 3, 2])).shape == one_hot.compute_output_shape((3,)) == (3, 4)
    assert CategoryEncoding.from_config(layer.get_config()).get_config() == layer.get_config()


def test_category_encoding_refuses_tokens_out_of_range():
    layer = CategoryEncoding(num_tokens=3)
    with pytest.raises(ValueError, match=r"integer tokens in \[0, 2\]"):
        layer(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding()
