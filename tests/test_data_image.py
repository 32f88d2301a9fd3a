"""lamina.image (tf.image under ``import lamina as tf``) against TensorFlow's results recorded by
tests/data/tf_data/make_fixtures.py, and the seeded random augmentations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lamina
import lamina as tf

RECORDED = np.load(Path(__file__).parent / "data" / "tf_data" / "images.npz")
SIZES = [tuple(int(v) for v in size) for size in RECORDED["resize_sizes"]]
# The antialiased kernel sums its weights in another order than TensorFlow's loop: float32 rounding only.
KERNEL_TOLERANCE = 2e-5


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("index", range(len(SIZES)))
@pytest.mark.parametrize("source", ["float", "uint8"])
def test_resize_matches_tensorflow(method: str, antialias: bool, index: int, source: str) -> None:
    key = f"resize_{method}_{'aa' if antialias else 'plain'}_{index}_{source}"
    image = RECORDED["float_image" if source == "float" else "uint8_image"]
    ours = tf.image.resize(image, SIZES[index], method=method, antialias=antialias)
    expected = RECORDED[key]
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    tolerance = KERNEL_TOLERANCE * (255 if source == "uint8" else 1) if antialias and method == "bilinear" else 0
    np.testing.assert_allclose(ours, expected, rtol=0, atol=tolerance)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_batch_and_variants_match_tensorflow(method: str, antialias: bool) -> None:
    ours = tf.image.resize(RECORDED["batch"], (3, 7), method=method, antialias=antialias)
    np.testing.assert_allclose(ours, RECORDED[f"resize_{method}_{'aa' if antialias else 'plain'}_batch"], rtol=0,
                               atol=KERNEL_TOLERANCE)
    np.testing.assert_allclose(tf.image.resize(RECORDED["float_image"], (4, 4), preserve_aspect_ratio=True),
                               RECORDED["resize_preserve"], rtol=0, atol=0)
    np.testing.assert_allclose(tf.image.resize_with_pad(RECORDED["float_image"], 6, 4), RECORDED["resize_with_pad"],
                               rtol=0, atol=0)
    np.testing.assert_allclose(tf.image.resize_with_pad(RECORDED["uint8_image"], 9, 12),
                               RECORDED["resize_with_pad_wide"], rtol=0, atol=0)


def test_flips_rotations_and_dtype_conversions_match_tensorflow() -> None:
    image = RECORDED["uint8_image"]
    np.testing.assert_array_equal(tf.image.flip_left_right(image), RECORDED["flip_left_right"])
    np.testing.assert_array_equal(tf.image.flip_up_down(image), RECORDED["flip_up_down"])
    for k in range(-1, 5):
        np.testing.assert_array_equal(tf.image.rot90(image, k), RECORDED[f"rot90_{k}"])
    np.testing.assert_array_equal(tf.image.rot90(RECORDED["batch"], 1), RECORDED["rot90_batch"])
    converted = tf.image.convert_image_dtype(image, np.float32)
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted, RECORDED["convert_uint8_float32"])
    values = RECORDED["float_values"]
    np.testing.assert_array_equal(tf.image.convert_image_dtype(values.clip(0, 1), "uint8"),
                                  RECORDED["convert_float32_uint8"])
    np.testing.assert_array_equal(tf.image.convert_image_dtype(values, np.uint8, saturate=True),
                                  RECORDED["convert_float32_uint8_saturate"])
    np.testing.assert_array_equal(tf.image.convert_image_dtype(image, np.int16), RECORDED["convert_uint8_int16"])
    np.testing.assert_array_equal(tf.image.convert_image_dtype(RECORDED["convert_uint8_int16"], np.uint8),
                                  RECORDED["convert_int16_uint8"])
    np.testing.assert_array_equal(tf.image.adjust_brightness(image, 0.1), RECORDED["adjust_brightness_uint8"])
    np.testing.assert_allclose(tf.image.adjust_brightness(RECORDED["float_image"], -0.25),
                               RECORDED["adjust_brightness_float"], rtol=0, atol=0)


def test_resize_accepts_tensors_and_rejects_bad_arguments() -> None:
    tensor = lamina.tensor(np.ones((4, 4, 1), np.float32))
    assert tf.image.resize(tensor, (2, 2)).shape == (2, 2, 1)
    with pytest.raises(ValueError, match="method"):
        tf.image.resize(np.ones((4, 4, 1)), (2, 2), method="bicubic")
    with pytest.raises(ValueError, match="shape"):
        tf.image.resize(np.ones((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="size"):
        tf.image.resize(np.ones((4, 4, 1)), (0, 2))


def test_random_flip_flips_about_half_of_a_batch_each_on_its_own_and_is_seeded() -> None:
    images = np.arange(200 * 2 * 3, dtype=np.float32).reshape(200, 2, 3, 1)
    flipped = tf.image.random_flip_left_right(images, seed=1)
    mirrored = np.all(flipped == images[:, :, ::-1], axis=(1, 2, 3))
    unchanged = np.all(flipped == images, axis=(1, 2, 3))
    assert np.all(mirrored | unchanged) and 70 < mirrored.sum() < 130
    # One seed, one sequence: a second call continues it (differs), a rerun of the program repeats it.
    second = tf.image.random_flip_left_right(images, seed=1)
    assert not np.array_equal(flipped, second)
    fresh = np.random.default_rng(1)
    replay = images.copy()
    flip = fresh.random(200) < 0.5
    replay[flip] = replay[flip][:, :, ::-1]
    np.testing.assert_array_equal(flipped, replay)
    single = tf.image.random_flip_up_down(images[0], seed=np.random.default_rng(0))
    assert single.shape == (2, 3, 1)


def test_random_brightness_draws_one_delta_within_bounds() -> None:
    image = np.full((3, 3, 1), 0.5, np.float32)
    lamina.utils.set_random_seed(0)
    first = tf.image.random_brightness(image, 0.2)
    lamina.utils.set_random_seed(0)
    again = tf.image.random_brightness(image, 0.2)
    np.testing.assert_array_equal(first, again)  # seed=None follows set_random_seed
    delta = first - image
    assert np.all(delta == delta.flat[0]) and -0.2 <= delta.flat[0] < 0.2
    with pytest.raises(ValueError, match="max_delta"):
        tf.image.random_brightness(image, -1.0)
