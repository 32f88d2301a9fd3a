"""Preprocessing-layer scenarios shared by make_layer_fixtures.py (real Keras) and
tests/test_preprocessing_layers.py (Lamina). Each scenario takes a ``layers`` module (keras.layers or
lamina.layers) and seeded data, and returns a list of arrays: adapted statistics, boundaries, outputs.
"""

from __future__ import annotations

import numpy as np


def data(seed=0):
    rng = np.random.default_rng(seed)
    features = (rng.normal(size=(60, 3)) * [1.0, 2.0, 0.5] + [0.0, 3.0, -1.0]).astype(np.float32)
    images = rng.uniform(0, 255, size=(8, 4, 5, 2)).astype(np.float32)
    values = rng.gamma(2.0, 1.5, size=400).astype(np.float32)
    tokens = rng.integers(0, 6, size=(7, 3)).astype(np.int32)
    return {"features": features, "images": images, "values": values, "tokens": tokens}


def _out(layer, x):
    return np.asarray(layer(x))


def normalization_adapt(layers, d):
    layer = layers.Normalization()
    layer.adapt(d["features"])
    return [np.asarray(w) for w in layer.get_weights()[:2]] + [_out(layer, d["features"][:5])]


def normalization_batches(layers, d):
    layer = layers.Normalization()
    layer.adapt([d["features"][:25], d["features"][25:40], d["features"][40:]])
    return [np.asarray(w) for w in layer.get_weights()[:2]] + [_out(layer, d["features"][:5])]


def normalization_axis_none(layers, d):
    layer = layers.Normalization(axis=None)
    layer.adapt(d["features"])
    return [np.asarray(w) for w in layer.get_weights()[:2]] + [_out(layer, d["features"][:4])]


def normalization_image_channels(layers, d):
    layer = layers.Normalization(axis=-1)
    layer.adapt(d["images"])
    return [np.asarray(w) for w in layer.get_weights()[:2]] + [_out(layer, d["images"][:2])]


def normalization_two_axes(layers, d):
    layer = layers.Normalization(axis=(1, 2))
    layer.adapt(d["images"][..., 0])
    return [np.asarray(w) for w in layer.get_weights()[:2]] + [_out(layer, d["images"][:2, :, :, 0])]


def normalization_fixed(layers, d):
    layer = layers.Normalization(mean=[0.5, 3.0, -1.0], variance=[1.0, 4.0, 0.25])
    return [_out(layer, d["features"][:5])]


def normalization_fixed_scalar_invert(layers, d):
    layer = layers.Normalization(mean=2.0, variance=9.0, invert=True)
    return [_out(layer, d["features"][:5])]


def discretization_boundaries(layers, d):
    x = d["features"][:6]
    outputs = []
    for mode in ("int", "one_hot", "multi_hot", "count"):
        layer = layers.Discretization(bin_boundaries=[-1.0, 0.0, 2.5], output_mode=mode)
        outputs.append(_out(layer, x[:, :1] if mode == "one_hot" else x))
    return outputs


def discretization_adapt(layers, d):
    layer = layers.Discretization(num_bins=5)
    layer.adapt(d["values"])
    return [np.array(layer.bin_boundaries), _out(layer, d["values"][:20])]


def discretization_adapt_batches(layers, d):
    layer = layers.Discretization(num_bins=4, epsilon=0.05)
    layer.adapt([d["values"][:150], d["values"][150:300], d["values"][300:]])
    return [np.array(layer.bin_boundaries)]


def discretization_adapt_small(layers, d):
    layer = layers.Discretization(num_bins=3)
    layer.adapt(d["features"][:, 1])
    return [np.array(layer.bin_boundaries)]


def category_encoding(layers, d):
    tokens = d["tokens"]
    return [
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="one_hot"), tokens[:, 0]),
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="one_hot"), tokens[:, :1]),
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="multi_hot"), tokens),
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="multi_hot"), tokens[0]),
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="count"), tokens),
        _out(layers.CategoryEncoding(num_tokens=6, output_mode="count"), tokens[1]),
    ]


SCENARIOS = {name: function for name, function in dict(globals()).items()
             if callable(function) and name.split("_")[0] in ("normalization", "discretization", "category")}
