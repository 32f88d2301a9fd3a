"""Tests of lamina.layers, initializers, activations and regularizers: gradients (float64 gradcheck), behaviour
(dropout, batch-norm statistics, initializer formulas), naming, weights and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
from lamina import gradcheck, initializers, layers, regularizers
from lamina.layers.base import clear_session, to_snake_case

RNG = np.random.default_rng(0)


def trainable_names(layer):
    """The attribute names under which the layer keeps its trainable weights, in ``trainable_weights`` order."""
    by_id = {id(value): name for name, value in vars(layer).items()}
    return [by_id[id(w)] for w in layer.trainable_weights]


def layer_gradcheck(layer, x, training=False, reset_rng=False):
    """gradcheck of layer(x) with respect to x and every trainable weight (the layer is built in float64)."""
    layer(x, training=training)  # build
    names = trainable_names(layer)
    weights = [getattr(layer, n).data for n in names]

    def f(x, *ws):
        for name, w in zip(names, ws):
            setattr(layer, name, w)
        if reset_rng:  # the same dropout mask / noise in every evaluation
            layer._rng = np.random.default_rng(7)
        return layer(x, training=training)

    assert gradcheck(f, x, *weights)


# ----- gradients ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", [None, "linear", "relu", "sigmoid", "tanh", "leaky_relu", "softmax", "step",
                                        lamina.tanh])
def test_dense_gradcheck(activation):
    layer = layers.Dense(3, activation=activation, dtype="float64")
    layer_gradcheck(layer, RNG.normal(size=(4, 5)))


def test_dense_without_bias_and_on_3d_input_gradcheck():
    layer_gradcheck(layers.Dense(2, use_bias=False, dtype="float64"), RNG.normal(size=(3, 4)))
    layer_gradcheck(layers.Dense(2, dtype="float64"), RNG.normal(size=(2, 3, 4)))


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_gradcheck(training):
    layer = layers.BatchNormalization(dtype="float64")
    x = RNG.normal(size=(6, 4)) * 3 + 1
    layer(x)
    layer.moving_mean.data[:] = RNG.normal(size=4)
    layer.moving_variance.data[:] = RNG.uniform(0.5, 2, size=4)
    layer.gamma.data[:] = RNG.uniform(0.5, 2, size=4)
    layer.beta.data[:] = RNG.normal(size=4)
    layer_gradcheck(layer, x, training=training)


def test_batch_normalization_other_axis_gradcheck():
    layer_gradcheck(layers.BatchNormalization(axis=1, dtype="float64"), RNG.normal(size=(4, 3, 2)), training=True)


@pytest.mark.parametrize("make, shape", [
    (lambda: layers.Activation("tanh", dtype="float64"), (3, 4)),
    (lambda: layers.Activation("sigmoid", dtype="float64"), (3, 4)),
    (lambda: layers.Activation("softmax", dtype="float64"), (3, 4)),
    (lambda: layers.LeakyReLU(dtype="float64"), (3, 4)),
    (lambda: layers.LeakyReLU(negative_slope=0.1, dtype="float64"), (3, 4)),
    (lambda: layers.Softmax(dtype="float64"), (3, 4)),
    (lambda: layers.Softmax(axis=0, temperature=2.5, dtype="float64"), (3, 4)),
    (lambda: layers.Flatten(dtype="float64"), (3, 4, 2)),
])
def test_weightless_layers_gradcheck(make, shape):
    layer_gradcheck(make(), RNG.normal(size=shape))


@pytest.mark.parametrize("make", [lambda: layers.Dropout(0.4, dtype="float64"),
                                  lambda: layers.Dropout(0.5, noise_shape=(None, 1), dtype="float64"),
                                  lambda: layers.GaussianNoise(0.3, dtype="float64")])
def test_random_layers_gradcheck_with_fixed_rng(make):
    layer_gradcheck(make(), RNG.normal(size=(5, 4)), training=True, reset_rng=True)


def test_regularizer_gradients():
    w = RNG.normal(size=(3, 4))
    for regularizer in (regularizers.l2(0.3), regularizers.l1(0.2), regularizers.l1_l2(0.1, 0.2)):
        assert gradcheck(regularizer, w)
    t = lamina.tensor(w, dtype=np.float64)
    assert regularizers.l2(0.5)(t).item() == pytest.approx(0.5 * np.sum(w ** 2))
    assert regularizers.L1L2(l1=0.1, l2=0.2)(t).item() == pytest.approx(0.1 * np.abs(w).sum() + 0.2 * (w ** 2).sum())


# ----- behaviour ---------------------------------------------------------------------------------------------
def test_dense_forward_matches_numpy_and_keeps_float32():
    layer = layers.Dense(3, activation="relu")
    x = RNG.normal(size=(4, 5))  # float64 data: computed in float32, never upcast
    out = layer(x)
    assert out.dtype == np.float32 and layer.kernel.dtype == np.float32
    expected = np.maximum(x.astype(np.float32) @ layer.kernel.data + layer.bias.data, 0)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    assert layer.input_shape == (None, 5) and layer.output_shape == (None, 3)
    assert layer.count_params() == 5 * 3 + 3


def test_sigmoid_and_softmax_outputs_keep_their_logits():
    x = RNG.normal(size=(4, 5))
    dense = layers.Dense(3, activation="softmax")
    out = dense(x)
    logits = lamina.activations.logits_of(out, "softmax")
    assert out._logits == ("softmax", logits)
    np.testing.assert_allclose(out.data, lamina.softmax(logits).data, rtol=1e-6)
    assert lamina.activations.logits_of(layers.Dense(1, activation="sigmoid")(x), "sigmoid") is not None
    assert lamina.activations.logits_of(layers.Activation("sigmoid")(x), "softmax") is None
    assert layers.Dense(3, activation="relu")(x)._logits is None


def test_dropout_keeps_fraction_p_in_training_and_is_identity_at_inference():
    layer = layers.Dropout(0.3, seed=1)
    x = np.ones((400, 250), dtype=np.float32)
    out = layer(x, training=True).data
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)  # inverted dropout: E[out] = x
    assert abs(out.mean() - 1) < 0.01
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_array_equal(layer(x, training=False).data, x)
    again = layers.Dropout(0.3, seed=1)(x, training=True).data
    np.testing.assert_array_equal(again, out)  # the seed decides the masks


def test_dropout_noise_shape_drops_whole_rows():
    out = layers.Dropout(0.5, noise_shape=(None, 1), seed=3)(np.ones((200, 6)), training=True).data
    assert all(len(set(row)) == 1 for row in out)
    assert 0.35 < (out[:, 0] != 0).mean() < 0.65


def test_gaussian_noise_statistics():
    layer = layers.GaussianNoise(0.5, seed=0)
    x = np.zeros((500, 200), dtype=np.float32)
    noise = layer(x, training=True).data
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.5) < 0.01
    np.testing.assert_array_equal(layer(x).data, x)


def test_batch_normalization_running_statistics_match_numpy_transcription():
    layer = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    moving_mean, moving_var = np.zeros(3, np.float32), np.ones(3, np.float32)
    rng = np.random.default_rng(5)
    for _ in range(7):
        x = (rng.normal(size=(16, 3)) * [1, 2, 3] + [0, -1, 4]).astype(np.float32)
        out = layer(x, training=True).data
        mu, var = x.mean(axis=0), x.var(axis=0)  # biased variance, as Keras
        np.testing.assert_allclose(out, (x - mu) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
        moving_mean = moving_mean * 0.9 + mu * (1 - 0.9)
        moving_var = moving_var * 0.9 + var * (1 - 0.9)
    np.testing.assert_allclose(layer.moving_mean.data, moving_mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.data, moving_var, rtol=1e-5)
    assert layer.moving_mean.dtype == np.float32
    inference = layer(x).data
    np.testing.assert_allclose(inference, (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-4, atol=1e-5)
    before = layer.moving_mean.data.copy()
    layer.trainable = False  # a frozen layer uses (and keeps) its moving statistics
    np.testing.assert_allclose(layer(x, training=True).data, inference, rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.data, before)


def test_batch_normalization_weights_and_trainability():
    layer = layers.BatchNormalization()
    layer(np.ones((2, 64)))
    names = ("gamma", "beta", "moving_mean", "moving_variance")
    assert [w.name for w in layer.weights] == list(names)
    assert [w.path for w in layer.weights] == [f"{layer.name}/{n}" for n in names]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    assert layer.count_params() == 256
    assert layer.gamma.requires_grad and not layer.moving_mean.requires_grad
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    assert not layer.gamma.requires_grad


def test_flatten_leaky_relu_softmax_forward():
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    flat = layers.Flatten()
    assert flat(x).shape == (2, 12) and flat.compute_output_shape((None, 3, 4)) == (None, 12)
    np.testing.assert_allclose(layers.LeakyReLU()(x).data, np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(layers.Activation("leaky_relu")(x).data, np.where(x > 0, x, 0.2 * x), rtol=1e-6)
    soft = layers.Softmax(temperature=2.0)(x).data
    e = np.exp(x / 2 - (x / 2).max(axis=-1, keepdims=True))
    np.testing.assert_allclose(soft, e / e.sum(axis=-1, keepdims=True), rtol=1e-5)
    assert layers.Activation("step")(np.array([[-1.0, 0.0, 2.0]])).data.tolist() == [[0, 0, 1]]


# ----- initializers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, scale, n_of, uniform", [
    ("glorot_uniform", 1, lambda i, o: (i + o) / 2, True), ("glorot_normal", 1, lambda i, o: (i + o) / 2, False),
    ("he_uniform", 2, lambda i, o: i, True), ("he_normal", 2, lambda i, o: i, False),
    ("lecun_uniform", 1, lambda i, o: i, True), ("lecun_normal", 1, lambda i, o: i, False),
    ("xavier_uniform", 1, lambda i, o: (i + o) / 2, True), ("xavier_normal", 1, lambda i, o: (i + o) / 2, False),
])
def test_variance_scaling_initializers_follow_keras_formulas(name, scale, n_of, uniform):
    fan_in, fan_out = 300, 500
    values = initializers.get(name)((fan_in, fan_out))
    assert values.dtype == np.float32 and values.shape == (fan_in, fan_out)
    std = math.sqrt(scale / n_of(fan_in, fan_out))
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)  # mean 0, within 5 standard errors
    assert values.std() == pytest.approx(std, rel=0.01)
    if uniform:
        limit = math.sqrt(3) * std
        assert values.max() <= limit and values.min() >= -limit and values.max() > 0.99 * limit
    else:  # truncated at 2 sd of the untruncated normal, whose sd is std / 0.8796...
        cut = 2 * std / 0.87962566103423978
        assert np.abs(values).max() <= cut and np.abs(values).max() > 0.98 * cut


def test_simple_initializers_and_seeds():
    assert np.all(initializers.get("zeros")((2, 3)) == 0) and np.all(initializers.Ones()((4,)) == 1)
    assert np.all(initializers.Constant(2.5)((3,)) == 2.5)
    normal = initializers.RandomNormal(mean=1.0, stddev=0.2, seed=3)((400, 300))
    assert normal.mean() == pytest.approx(1.0, abs=0.002) and normal.std() == pytest.approx(0.2, rel=0.01)
    uniform = initializers.get("random_uniform")((400, 300))
    assert uniform.min() >= -0.05 and uniform.max() <= 0.05 and uniform.std() == pytest.approx(0.1 / math.sqrt(12), rel=0.01)
    seeded = initializers.HeNormal(seed=5)
    np.testing.assert_array_equal(seeded((3, 4)), seeded((3, 4)))
    assert not np.array_equal(initializers.HeNormal()((3, 4)), initializers.HeNormal()((3, 4)))
    lamina.random.set_random_seed(11)
    first = layers.Dense(4)(np.ones((1, 3)))
    w1 = first.data.copy()
    lamina.random.set_random_seed(11)
    np.testing.assert_array_equal(layers.Dense(4)(np.ones((1, 3))).data, w1)  # reproducible after set_random_seed
    assert initializers.get(initializers.serialize(initializers.GlorotNormal(seed=2))).get_config() == {"seed": 2}


# ----- naming, weights, config -------------------------------------------------------------------------------
def test_automatic_names_like_keras():
    clear_session()
    assert [layers.Dense(1).name, layers.Dense(1).name, layers.Dense(1, name="out").name, layers.Dense(1).name] == \
        ["dense", "dense_1", "out", "dense_2"]
    assert layers.BatchNormalization().name == "batch_normalization"
    assert layers.Dropout(0.1).name == "dropout" and layers.Activation("relu").name == "activation"
    assert to_snake_case("LeakyReLU") == "leaky_re_lu" and to_snake_case("GaussianNoise") == "gaussian_noise"


def test_get_and_set_weights_write_in_place():
    layer = layers.Dense(2)
    layer(np.ones((1, 3)))
    kernel = layer.kernel.data
    new = [np.arange(6, dtype=np.float64).reshape(3, 2), np.array([1.0, -1.0])]
    layer.set_weights(new)
    assert layer.kernel.data is kernel  # optimizers' references stay valid
    np.testing.assert_array_equal(layer.get_weights()[0], new[0])
    copies = layer.get_weights()
    copies[0][:] = 0
    assert layer.kernel.data.sum() == 15


def test_losses_property_recomputes_penalties():
    layer = layers.Dense(2, kernel_regularizer=regularizers.l2(0.1), bias_regularizer="l1")
    layer(np.ones((1, 3)))
    penalties = layer.losses
    assert len(penalties) == 2 and all(p.requires_grad for p in penalties)
    assert penalties[0].item() == pytest.approx(0.1 * np.sum(layer.kernel.data ** 2), rel=1e-5)
    layer.set_weights([np.zeros((3, 2)), np.zeros(2)])
    assert [p.item() for p in layer.losses] == [0, 0]


@pytest.mark.parametrize("layer", [
    layers.Dense(3, activation="tanh", kernel_initializer="he_normal", kernel_regularizer=regularizers.l2(1e-4),
                 input_shape=(4,), name="d"),
    layers.BatchNormalization(momentum=0.9, center=False), layers.Dropout(0.25, seed=3), layers.Softmax(temperature=2.0),
    layers.LeakyReLU(0.1), layers.GaussianNoise(0.2), layers.Activation("relu"), layers.Flatten(),
])
def test_config_round_trip(layer):
    import json
    config = layer.get_config()
    twin = type(layer).from_config(json.loads(json.dumps(config)))
    assert twin.get_config() == config


# ----- bad input ---------------------------------------------------------------------------------------------
def test_wrong_input_shape_error_like_keras():
    layer = layers.Dense(2, name="dense")
    layer(np.ones((2, 4)))
    with pytest.raises(ValueError) as error:
        layer(np.ones((2, 3)))
    assert str(error.value) == ('Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input '
                                'shape to have value 4, but received input with shape (2, 3)')
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layer(np.ones(4))
    bn = layers.BatchNormalization(name="bn")
    bn(np.ones((2, 5)))
    with pytest.raises(ValueError, match='layer "bn".*expected axis 1 of input shape to have value 5'):
        bn(np.ones((2, 6)))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Dense(0), "units"), (lambda: layers.Dense(-3), "units=-3"), (lambda: layers.Dense(2.5), "units"),
    (lambda: layers.Dropout(1.0), "rate=1.0"), (lambda: layers.Dropout(-0.1), "rate"),
    (lambda: layers.Dense(2, activation="relux"), "Known activations: .*relu"),
    (lambda: layers.Activation("nope"), "Known activations: .*sigmoid"),
    (lambda: layers.Dense(2, kernel_initializer="he_nrmal"), "Known initializers: .*he_normal"),
    (lambda: layers.Dense(2, kernel_regularizer="l3"), "Known regularizers: .*l2"),
    (lambda: layers.BatchNormalization(momentum=1.5), "momentum"),
    (lambda: layers.BatchNormalization(epsilon=0), "epsilon"),
    (lambda: layers.LeakyReLU(-1), "negative_slope"), (lambda: layers.Softmax(temperature=0), "temperature"),
    (lambda: layers.GaussianNoise(-1), "stddev"), (lambda: regularizers.l2(-1), "l2"),
])
def test_bad_configuration_raises_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_layer_name_message_names_the_layer():
    with pytest.raises(ValueError, match='Dense layer "my_dense".*units=0'):
        layers.Dense(0, name="my_dense")
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.Dense(2, unitz=3)


def test_set_weights_wrong_count_or_shape():
    layer = layers.Dense(2, name="d2")
    layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match='layer "d2" with a weight list of length 1, but the layer was expecting 2'):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r'"d2" weight 0 .* has shape \(3, 2\), but set_weights received an array of '
                                         r'shape \(2, 3\)'):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()
