"""Image augmentation: the warps equal TensorFlow's (fixtures from real Keras: every fill mode and interpolation),
the layers draw their parameters in Keras's ranges from their own seeded generator, act only in training, and
refuse bad arguments with Keras's messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import image_ops, layers
from lamina import layers as L
from lamina.layers.random_contrast import adjust_contrast
from lamina.tensor import Tensor

FIXTURE = json.loads((Path(__file__).resolve().parent / "data" / "conv" / "image_ops.json").read_text())
IMAGE = np.asarray(FIXTURE["image"], dtype=np.float32)          # (2, 6, 7, 2), pixel values in [0, 255]
HEIGHT, WIDTH = IMAGE.shape[1:3]
# Fixture outputs are rounded to 1e-3 (pixel values up to 255, float32 arithmetic).
TOLERANCE = dict(rtol=1e-5, atol=2e-3)


# ----- the warps against Keras / TensorFlow ------------------------------------------------------------------
@pytest.mark.parametrize("case", FIXTURE["transformed"],
                         ids=lambda c: f"{c['transform']}-{c['fill_mode']}-{c['interpolation']}")
def test_affine_transform_equals_tensorflow(case):
    matrix = np.asarray(FIXTURE["matrices"][case["transform"]], dtype=np.float32)
    out = image_ops.affine_transform(IMAGE, matrix, case["interpolation"], case["fill_mode"], fill_value=7.0)
    np.testing.assert_allclose(out, np.asarray(case["y"]), **TOLERANCE)


def test_transform_matrices_equal_keras():
    shifts = np.asarray(FIXTURE["shifts"], dtype=np.float32)
    zooms = np.asarray(FIXTURE["zooms"], dtype=np.float32)
    expected = {k: np.asarray(v) for k, v in FIXTURE["matrices"].items()}
    np.testing.assert_array_equal(image_ops.translation_matrices(shifts[:, 0], shifts[:, 1]), expected["translation"])
    np.testing.assert_array_equal(image_ops.zoom_matrices(zooms[:, 0], zooms[:, 1], HEIGHT, WIDTH), expected["zoom"])
    np.testing.assert_allclose(image_ops.rotation_matrices(np.asarray(FIXTURE["angles"]), HEIGHT, WIDTH),
                               expected["rotation"], rtol=1e-6, atol=1e-6)   # Keras computes in float32


@pytest.mark.parametrize("size, key", [((4, 5), "resized_4x5"), ((9, 11), "resized_9x11")])
def test_bilinear_resize_equals_tensorflow(size, key):
    np.testing.assert_allclose(image_ops.resize_bilinear(IMAGE, size), np.asarray(FIXTURE[key]), **TOLERANCE)


def test_contrast_adjustment_equals_keras():
    factors = np.asarray(FIXTURE["contrast_factors"], dtype=np.float32).reshape(-1, 1, 1, 1)
    np.testing.assert_allclose(adjust_contrast(IMAGE, factors, (0, 255)), np.asarray(FIXTURE["contrasted"]),
                               **TOLERANCE)


# ----- the layers --------------------------------------------------------------------------------------------
def images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, 6, 7, 2)).astype(np.float32)


ALL = [
    lambda seed: L.RandomFlip(seed=seed),
    lambda seed: L.RandomTranslation(0.2, 0.3, seed=seed),
    lambda seed: L.RandomRotation(0.1, seed=seed),
    lambda seed: L.RandomZoom(0.2, seed=seed),
    lambda seed: L.RandomContrast(0.5, seed=seed),
    lambda seed: L.RandomCrop(4, 5, seed=seed),
]


@pytest.mark.parametrize("make", ALL, ids=lambda f: type(f(0)).__name__)
def test_active_only_in_training_and_reproducible_from_the_seed(make):
    x = images()
    layer = make(5)
    trained = layer(x, training=True).data
    assert trained.dtype == np.float32
    again = make(5)(x, training=True).data
    np.testing.assert_array_equal(trained, again)                     # the same seed, the same transformations
    assert not np.array_equal(layer(x, training=True).data, trained)  # the next call draws anew
    if isinstance(layer, L.RandomCrop):
        assert layer(x).shape == trained.shape == (8, 4, 5, 2)
    else:
        np.testing.assert_array_equal(layer(x).data, x)               # inference: the identity
        assert not np.array_equal(trained, x)


def test_deterministic_ranges_reproduce_keras_transforms():
    """With a range of one point, each layer's transform is Keras's matrix applied by the TensorFlow warp."""
    x = images()
    h, w = x.shape[1:3]
    shifted = L.RandomTranslation((0.25, 0.25), (-0.5, -0.5), fill_mode="constant")(x, training=True).data
    expected = image_ops.affine_transform(x, image_ops.translation_matrices(np.full(8, -0.5 * w, np.float32),
                                                                            np.full(8, 0.25 * h, np.float32)),
                                          fill_mode="constant")
    np.testing.assert_allclose(shifted, expected, rtol=1e-6)
    rotated = L.RandomRotation((0.25, 0.25), fill_mode="nearest")(x, training=True).data
    np.testing.assert_allclose(rotated, image_ops.affine_transform(
        x, image_ops.rotation_matrices(np.full(8, 90.0), h, w), fill_mode="nearest"), rtol=1e-5)
    zoomed = L.RandomZoom((0.5, 0.5), (-0.25, -0.25))(x, training=True).data
    np.testing.assert_allclose(zoomed, image_ops.affine_transform(
        x, image_ops.zoom_matrices(np.full(8, 0.75, np.float32), np.full(8, 1.5, np.float32), h, w),
        fill_mode="reflect"), rtol=1e-6)


def test_quarter_turn_of_a_square_image_is_rot90():
    x = np.random.default_rng(1).uniform(size=(3, 5, 5, 1)).astype(np.float32)
    turned = L.RandomRotation((0.25, 0.25))(x, training=True).data
    np.testing.assert_allclose(turned, np.rot90(x, k=1, axes=(1, 2)), atol=1e-5)   # counter-clockwise


def test_flip_modes():
    x = images(64)
    horizontal = L.RandomFlip("horizontal", seed=1)(x, training=True).data
    flipped = np.array([np.array_equal(a, b[:, ::-1]) for a, b in zip(horizontal, x)])
    kept = np.array([np.array_equal(a, b) for a, b in zip(horizontal, x)])
    assert np.all(flipped ^ kept) and 16 < flipped.sum() < 48
    both = L.RandomFlip(seed=1)(x, training=True).data                  # Keras 3: both ways or not at all
    assert all(np.array_equal(a, b[::-1, ::-1]) or np.array_equal(a, b) for a, b in zip(both, x))


def test_contrast_factors_lie_in_keras_range():
    x = images(200)
    out = L.RandomContrast(0.5, value_range=(-1e9, 1e9), seed=2)(x, training=True).data
    centred_in = x - x.mean(axis=(1, 2), keepdims=True)
    centred_out = out - out.mean(axis=(1, 2), keepdims=True)
    factors = (centred_out * centred_in).sum(axis=(1, 2, 3)) / (centred_in ** 2).sum(axis=(1, 2, 3))
    assert factors.min() >= 1.0 - 1e-4 and factors.max() <= 1.5 + 1e-4    # Keras 3.15: U(1, 1 + f)
    assert factors.max() - factors.min() > 0.3
    clipped = L.RandomContrast((0.5, 0.5), seed=2)(x, training=True).data
    assert clipped.min() >= 0 and clipped.max() <= 255


def test_random_crop_windows():
    x = images(4)
    layer = L.RandomCrop(4, 5, seed=3)
    out = layer(x, training=True).data
    windows = [(top, left) for top in range(3) for left in range(3)
               if np.array_equal(out, x[:, top:top + 4, left:left + 5])]
    assert len(windows) == 1                               # one window, the same for the whole batch (as Keras)
    center = layer(x).data                                 # inference: the central window of the target's aspect
    crop_height = min(6, int(7 * 4 / 5))                   # Keras's window: each side from the other's length
    crop_width = min(7, int(6 * 5 / 4))
    assert (crop_height, crop_width) == (5, 7)
    top, left = (6 - crop_height) // 2, (7 - crop_width) // 2
    np.testing.assert_allclose(center, image_ops.resize_bilinear(
        np.ascontiguousarray(x[:, top:top + crop_height, left:left + crop_width]), (4, 5)), rtol=1e-6)
    assert layer.compute_output_shape((None, 6, 7, 2)) == (None, 4, 5, 2)


def test_channels_first_and_single_images():
    x = images(3)
    last = L.RandomTranslation(0.3, 0.3, seed=4)(x, training=True).data
    first = L.RandomTranslation(0.3, 0.3, seed=4, data_format="channels_first")(
        x.transpose(0, 3, 1, 2), training=True).data
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), last)
    single = L.RandomRotation(0.2, seed=1)(x[0], training=True)
    assert single.shape == x[0].shape


def test_rescaling_in_training_and_inference_with_gradient():
    x = Tensor(np.full((2, 3, 3, 3), 255.0, np.float32), requires_grad=True)
    layer = L.Rescaling(1 / 127.5, offset=-1)
    out = layer(x)
    np.testing.assert_allclose(out.data, 1.0, rtol=1e-6)
    np.testing.assert_array_equal(layer(x, training=True).data, out.data)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, 1 / 127.5, rtol=1e-6)
    per_channel = L.Rescaling([1.0, 2.0, 3.0])(np.ones((1, 2, 2, 3), np.float32)).data
    np.testing.assert_array_equal(per_channel[0, 0, 0], [1, 2, 3])


def test_augmentation_in_a_model_runs_in_fit_but_not_in_predict():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input((6, 7, 2)), L.RandomFlip("horizontal", seed=0), layers.Flatten(),
                               layers.Dense(3)])
    x = images(16)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not np.allclose(model(x, training=True).data, model(x).data)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, np.zeros((16, 3), np.float32), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# ----- bad arguments (Keras's messages, naming the layer) ----------------------------------------------------
@pytest.mark.parametrize("build, message", [
    (lambda: L.RandomRotation(1.5, name="r"), r'"r".*in the range \[-1, 1\]. Received: factor=1.5'),
    (lambda: L.RandomContrast(1.5, name="c"), r'"c".*in the range \[0, 1\]'),
    (lambda: L.RandomTranslation(1.5, 0.1, name="t"), r'"t".*height_factor.*\[-1.0, 1.0\]'),
    (lambda: L.RandomZoom(-1.0, name="z"), r'"z".*\(-1.0, 1.0\]'),
    (lambda: L.RandomZoom((0.1, 0.2, 0.3), name="z"), r'"z".*list of two numbers'),
    (lambda: L.RandomTranslation(0.1, 0.1, fill_mode="mirror", name="t"), r'"t": Unknown `fill_mode`'),
    (lambda: L.RandomRotation(0.1, interpolation="bicubic", name="r"), r'"r": Unknown `interpolation`'),
    (lambda: L.RandomFlip("diagonal", name="f"), r"unknown mode"),
    (lambda: L.RandomCrop(0, 3, name="c"), r'"c".*height'),
    (lambda: L.RandomFlip(seed=-1, name="f"), r'"f".*seed'),
    (lambda: L.Rescaling("x", name="s"), r'"s".*`scale`'),
])
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_refuses_to_cut_a_gradient_silently():
    x = Tensor(images(2), requires_grad=True)
    with pytest.raises(ValueError, match=r'RandomRotation layer "rot": no gradient flows through a random '
                                         r"augmentation"):
        L.RandomRotation(0.1, name="rot")(x, training=True)
    with pytest.raises(ValueError, match="rank 4"):
        L.RandomFlip()(np.zeros((2, 3), np.float32), training=True)
