"""The convolution, pooling, reshaping, normalization and embedding layers: output shapes and forward values equal
real Keras's (fixtures written by tests/data/conv/make_fixtures.py), gradients pass the numerical check, configs
round-trip, and bad arguments / inputs give Keras-style errors naming the layer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import gradcheck, layers
from lamina import layers as conv_layers
from lamina.layers.base import clear_session

DATA = Path(__file__).resolve().parent / "data" / "conv"
SHAPES = json.loads((DATA / "output_shapes.json").read_text())["cases"]
FORWARD = json.loads((DATA / "forward.json").read_text())["cases"]
RNG = np.random.default_rng(0)


def make(class_name: str, config: dict, **extra):
    return getattr(conv_layers, class_name)(**config, **extra)


def case_id(case: dict) -> str:
    return f"{case['layer']}-{json.dumps(case['config'], separators=(',', ':'))}-{case.get('input_shape', '')}"


# ----- against real Keras ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", SHAPES, ids=case_id)
def test_output_shape_equals_keras(case):
    layer = make(case["layer"], case["config"])
    input_shape = tuple(case["input_shape"])
    if "error" in case:   # Keras refuses: so does Lamina, naming the layer
        with pytest.raises(ValueError, match=f'"{layer.name}".*Computed output size would be zero or negative'):
            layer.build_for(input_shape)
        return
    assert tuple(layer.compute_output_shape(input_shape)) == tuple(case["output_shape"])
    sample = input_shape[1:]
    data = RNG.integers(0, 10, (2, *sample)) if case["layer"] == "Embedding" else RNG.normal(size=(2, *sample))
    assert layer(data, training=True).shape == tuple(case["call_shape"])


@pytest.mark.parametrize("case", FORWARD, ids=case_id)
def test_forward_values_equal_keras(case):
    """Keras's "same" padding (even kernels, strides), transposed-convolution sizes and pooling at the borders."""
    layer = make(case["layer"], case["config"])
    x = np.asarray(case["x"], dtype=np.float32)
    layer.build_for((None,) + x.shape[1:])
    layer.set_weights([np.asarray(w, dtype=np.float32) for w in case["weights"]])
    # Fixture outputs are rounded to 1e-5; float32 sums of a few dozen products of O(1) numbers.
    np.testing.assert_allclose(layer(x).data, np.asarray(case["y"]), rtol=1e-4, atol=1e-4)


# ----- gradients (float64) -----------------------------------------------------------------------------------
def layer_gradcheck(layer, x, training=False):
    layer(x, training=training)
    by_id = {id(value): name for name, value in vars(layer).items()}
    names = [by_id[id(w)] for w in layer.trainable_weights]

    def f(x, *weights):
        for name, w in zip(names, weights):
            setattr(layer, name, w)
        return layer(x, training=training)

    assert gradcheck(f, x, *[getattr(layer, n).data for n in names])


@pytest.mark.parametrize("make_layer, shape", [
    (lambda: conv_layers.Conv2D(3, (2, 3), strides=(2, 1), padding="same", activation="relu"), (2, 5, 6, 2)),
    (lambda: conv_layers.Conv2D(4, 3, groups=2, dilation_rate=2, activation="softmax"), (1, 6, 6, 2)),
    (lambda: conv_layers.Conv2D(2, 2, data_format="channels_first", activation="sigmoid"), (2, 3, 4, 4)),
    (lambda: conv_layers.Conv1D(3, 3, padding="causal", dilation_rate=2, use_bias=False), (2, 7, 2)),
    (lambda: conv_layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="tanh"), (1, 4, 4, 2)),
    (lambda: conv_layers.SeparableConv2D(3, 2, strides=2, padding="same"), (2, 5, 5, 2)),
    (lambda: conv_layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1), (1, 3, 2, 2)),
    (lambda: conv_layers.LayerNormalization(axis=[1, 2]), (3, 2, 4)),
    (lambda: conv_layers.GlobalMaxPooling2D(keepdims=True), (2, 3, 4, 2)),
    (lambda: conv_layers.GlobalAveragePooling1D(data_format="channels_first"), (2, 3, 4)),
    (lambda: conv_layers.AveragePooling2D(3, 2, padding="same", data_format="channels_first"), (2, 2, 5, 4)),
    (lambda: conv_layers.Cropping2D(((1, 0), (0, 2))), (2, 4, 5, 2)),
    (lambda: conv_layers.ZeroPadding2D(((1, 0), (0, 2)), data_format="channels_first"), (2, 2, 3, 3)),
    (lambda: conv_layers.UpSampling2D((2, 1)), (2, 2, 3, 2)),
])
def test_layer_gradcheck(make_layer, shape):
    clear_session()
    layer = make_layer()
    layer.dtype = np.dtype("float64")
    x = RNG.normal(size=shape) + np.arange(np.prod(shape)).reshape(shape) * 1e-2   # distinct values for max
    layer_gradcheck(layer, x)


def test_channels_first_equals_channels_last_transposed():
    x = RNG.normal(size=(2, 7, 6, 3)).astype(np.float32)
    last = conv_layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")
    first = conv_layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", data_format="channels_first")
    last(x)
    first(x.transpose(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).data.transpose(0, 2, 3, 1), last(x).data, atol=1e-6)
    pool_last, pool_first = conv_layers.MaxPooling2D(3, 2, "same"), conv_layers.MaxPooling2D(3, 2, "same",
                                                                                             "channels_first")
    np.testing.assert_array_equal(pool_first(x.transpose(0, 3, 1, 2)).data.transpose(0, 2, 3, 1), pool_last(x).data)


# ----- the keras.io convnet in a Sequential model ------------------------------------------------------------
def test_mnist_convnet_structure_and_a_training_step():
    clear_session()
    model = lamina.Sequential([
        layers.Input((28, 28, 1)),
        conv_layers.Conv2D(32, kernel_size=(3, 3), activation="relu"), conv_layers.MaxPooling2D(pool_size=(2, 2)),
        conv_layers.Conv2D(64, kernel_size=(3, 3), activation="relu"), conv_layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    # The keras.io guide's summary: 320, 18,496 and 16,010 parameters, 34,826 in all.
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 0, 0, 16010]
    assert model.output_shape == (None, 10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = RNG.uniform(size=(16, 28, 28, 1)).astype(np.float32)
    y = RNG.integers(0, 10, 16)
    before = [w.copy() for w in model.get_weights()]
    first = model.train_on_batch(x, y)[0]
    for _ in range(5):
        model.train_on_batch(x, y)
    assert model.train_on_batch(x, y)[0] < first
    assert all(np.any(a != b) for a, b in zip(before, model.get_weights()))
    assert all(w.dtype == np.float32 for w in model.get_weights())


# ----- configs -----------------------------------------------------------------------------------------------
def plain(value):
    """Tuples as lists, as JSON stores them."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@pytest.mark.parametrize("class_name", sorted({case["layer"] for case in SHAPES}))
def test_config_matches_keras_and_round_trips(class_name):
    case = next(c for c in SHAPES if c["layer"] == class_name)
    layer = make(class_name, case["config"])
    config = layer.get_config()
    for key, value in case["keras_config"].items():   # every plain entry of Keras's config, same name and value
        assert key in config, f"{class_name}.get_config() lacks Keras's {key!r}"
        if isinstance(value, float):
            assert config[key] == pytest.approx(value), key
        else:
            assert plain(config[key]) == value, key
    twin = type(layer).from_config(config)
    assert twin.get_config() == config


def test_keras_defaults():
    conv = conv_layers.Conv2D(8, 3)
    config = conv.get_config()
    assert (config["strides"], config["padding"], config["data_format"], config["dilation_rate"],
            config["groups"], config["use_bias"], config["activation"]) == \
        ((1, 1), "valid", "channels_last", (1, 1), 1, True, "linear")
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    pool = conv_layers.MaxPooling2D().get_config()
    assert (pool["pool_size"], pool["strides"], pool["padding"]) == ((2, 2), (2, 2), "valid")
    assert conv_layers.LayerNormalization().get_config()["epsilon"] == 1e-3
    assert conv_layers.Embedding(5, 2).get_config()["embeddings_initializer"]["class_name"] == "RandomUniform"


# ----- bad input: Keras-style errors naming the layer --------------------------------------------------------
@pytest.mark.parametrize("build, message", [
    (lambda: conv_layers.Conv2D(4, 3, strides=0, name="c"), r'Conv2D layer "c": .*`strides`.*>= 1|> 0'),
    (lambda: conv_layers.Conv2D(4, (3, 0), name="c"), r'"c".*kernel_size'),
    (lambda: conv_layers.Conv2D(0, 3, name="c"), r'"c".*Expected a strictly positive value. Received filters=0'),
    (lambda: conv_layers.Conv2D(5, 3, groups=2, name="c"), r'"c".*filters must be evenly divisible by the number '
                                                             r'of groups. Received: groups=2, filters=5'),
    (lambda: conv_layers.Conv2D(4, 3, strides=2, dilation_rate=2, name="c"), r"`strides > 1` not supported"),
    (lambda: conv_layers.Conv2D(4, 3, padding="full", name="c"), r'"c".*`padding` argument must be one of'),
    (lambda: conv_layers.Conv2D(4, 3, padding="causal", name="c"), r"`padding` argument"),
    (lambda: conv_layers.Conv2D(4, 3, data_format="nhwc", name="c"), r'"c".*data_format'),
    (lambda: conv_layers.Conv2D(4, 3, kernel_constraint="max_norm", name="c"), r'"c".*kernel_constraint.*not '
                                                                                 r'supported'),
    (lambda: conv_layers.Conv2DTranspose(4, 3, strides=2, output_padding=2, name="t"),
     r'"t".*`output_padding` must be strictly less than `strides`'),
    (lambda: conv_layers.MaxPooling2D(2, strides=(0, 1), name="p"), r'"p".*`strides`'),
    (lambda: conv_layers.MaxPooling1D(2, padding="causal", name="p"), r'"p".*padding'),
    (lambda: conv_layers.ZeroPadding2D(((1, -1), (0, 0)), name="z"), r'"z".*padding'),
    (lambda: conv_layers.Cropping2D(-1, name="c"), r'"c".*`cropping` cannot be negative'),
    (lambda: conv_layers.UpSampling2D(interpolation="bilinear", name="u"), r"only interpolation='nearest'"),
    (lambda: conv_layers.SpatialDropout2D(1.0, name="s"), r'"s".*rate'),
    (lambda: conv_layers.Embedding(0, 3, name="e"), r'"e".*`input_dim` must be a positive integer'),
    (lambda: conv_layers.DepthwiseConv2D(3, depth_multiplier=0, name="d"), r'"d".*depth_multiplier'),
])
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_kernel_larger_than_the_padded_input_names_the_layer():
    layer = conv_layers.Conv2D(4, 5, name="big")
    with pytest.raises(ValueError, match=r'Conv2D layer "big": Computed output size would be zero or negative.*'
                                         r"inputs shape=\(None, 4, 4, 2\)"):
        layer(np.zeros((1, 4, 4, 2), np.float32))
    assert not layer.built and layer.weights == []       # nothing was created
    # Unknown spatial size at build time: the call itself is checked.
    model = lamina.Sequential([layers.Input((None, None, 1)), conv_layers.Conv2D(2, 3, name="late")])
    with pytest.raises(ValueError, match=r'"late": Computed output size would be zero or negative'):
        model(np.zeros((1, 2, 5, 1), np.float32))
    pool = conv_layers.MaxPooling2D(3, name="pool")
    with pytest.raises(ValueError, match=r'"pool".*zero or negative.*larger than the input'):
        pool(np.zeros((1, 2, 5, 1), np.float32))


def test_wrong_channel_count_names_the_layer_and_changes_nothing():
    layer = conv_layers.Conv2D(4, 3, name="conv")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    kernel = layer.kernel.data.copy()
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv" is incompatible with the layer: expected axis -1 '
                                         r"of input shape to have value 3, but received input with shape "
                                         r"\(1, 5, 5, 1\)"):
        layer(np.zeros((1, 5, 5, 1), np.float32))
    np.testing.assert_array_equal(layer.kernel.data, kernel)
    with pytest.raises(ValueError, match=r'layer "conv" is incompatible.*expected ndim=4'):
        layer(np.zeros((5, 5, 3), np.float32))
    grouped = conv_layers.Conv2D(4, 3, groups=2, name="grouped")
    with pytest.raises(ValueError, match=r'"grouped": The number of input channels must be evenly divisible by '
                                         r"the number of groups. Received groups=2, but the input has 3 channels"):
        grouped(np.zeros((1, 5, 5, 3), np.float32))


def test_embedding_indices_out_of_range_name_the_layer():
    layer = conv_layers.Embedding(4, 2, name="words")
    with pytest.raises(ValueError, match=r'Embedding layer "words": indices must lie in \[0, 3\]'):
        layer(np.array([[1, 4]]))


# ----- behaviour ---------------------------------------------------------------------------------------------
def test_spatial_dropout_drops_whole_channels_and_is_seeded():
    x = np.ones((8, 5, 5, 16), np.float32)
    layer = conv_layers.SpatialDropout2D(0.5, seed=3)
    out = layer(x, training=True).data
    per_map = out.reshape(8, 25, 16)
    assert np.all((per_map == 0).all(axis=1) | (per_map == 2.0).all(axis=1))   # kept maps scaled by 1/(1-rate)
    assert 0.2 < (per_map[:, 0] == 0).mean() < 0.8
    np.testing.assert_array_equal(conv_layers.SpatialDropout2D(0.5, seed=3)(x, training=True).data, out)
    np.testing.assert_array_equal(layer(x).data, x)                              # inference: the identity
    first = conv_layers.SpatialDropout2D(0.5, seed=3, data_format="channels_first")(
        x.transpose(0, 3, 1, 2), training=True).data.reshape(8, 16, 25)
    assert np.all((first == 0).all(axis=2) | (first == 2.0).all(axis=2))


def test_embedding_mask_and_masked_global_average():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    embedding = conv_layers.Embedding(5, 3, mask_zero=True)
    vectors = embedding(ids)
    mask = embedding.compute_mask(ids)
    np.testing.assert_array_equal(mask, ids != 0)
    assert conv_layers.Embedding(5, 3).compute_mask(ids) is None
    pooled = conv_layers.GlobalAveragePooling1D()(vectors, mask=mask).data
    table = embedding.embeddings.data
    np.testing.assert_allclose(pooled[0], (table[3] + table[1]) / 2, rtol=1e-6)
    np.testing.assert_allclose(pooled[1], table[2], rtol=1e-6)


def test_embedding_initial_weights_and_gradient_of_repeated_indices():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = conv_layers.Embedding(4, 3, weights=[table])
    ids = np.array([[1, 1, 3]])
    out = layer(ids)
    np.testing.assert_array_equal(out.data[0], table[[1, 1, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(layer.embeddings.grad[:, 0], [0, 2, 0, 1])


def test_global_pooling_values():
    x = RNG.normal(size=(2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(conv_layers.GlobalAveragePooling2D()(x).data, x.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_array_equal(conv_layers.GlobalMaxPooling2D(keepdims=True)(x).data,
                                  x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_array_equal(conv_layers.GlobalMaxPooling1D(data_format="channels_first")(x[:, 0]).data,
                                  x[:, 0].max(axis=2))


def test_separable_equals_depthwise_then_pointwise():
    x = RNG.normal(size=(2, 6, 6, 3)).astype(np.float32)
    separable = conv_layers.SeparableConv2D(4, 3, depth_multiplier=2, padding="same", activation="relu")
    separable(x)
    depthwise = conv_layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", use_bias=False)
    pointwise = conv_layers.Conv2D(4, 1, activation="relu")
    depthwise(x)
    pointwise(depthwise(x))
    depthwise.set_weights([separable.depthwise_kernel.data])
    pointwise.set_weights([separable.pointwise_kernel.data, separable.bias.data])
    np.testing.assert_allclose(separable(x).data, pointwise(depthwise(x)).data, rtol=1e-5, atol=1e-6)
