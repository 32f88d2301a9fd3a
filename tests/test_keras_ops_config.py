"""keras.config / keras.backend settings: defaults as Keras's, what they change, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import keras
from lamina.keras import ops


@pytest.fixture
def restore_settings():
    saved = keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()
    yield
    keras.config.set_floatx(saved[0])
    keras.config.set_epsilon(saved[1])
    keras.config.set_image_data_format(saved[2])


def test_defaults_are_keras_defaults():
    assert keras.config.floatx() == "float32"
    assert keras.config.epsilon() == 1e-7
    assert keras.config.image_data_format() == "channels_last"
    assert keras.config.backend() == keras.backend.backend() == "lamina"
    assert keras.backend.floatx is keras.config.floatx


def test_floatx_sets_the_default_float_type(restore_settings):
    keras.config.set_floatx("float64")
    assert ops.ones((2,)).dtype == np.float64
    assert ops.sqrt(np.array([4])).dtype == np.float64
    assert keras.random.normal((2,), seed=0).dtype == np.float64
    keras.config.set_floatx("float32")
    assert ops.ones((2,)).dtype == np.float32


def test_epsilon_is_the_crossentropy_clip(restore_settings):
    keras.config.set_epsilon(1e-3)
    loss = ops.binary_crossentropy(np.array([1.0]), np.array([0.0]))
    np.testing.assert_allclose(loss.numpy(), [-np.log(1e-3)], rtol=1e-5)


def test_image_data_format_round_trip(restore_settings):
    keras.config.set_image_data_format("channels_first")
    assert keras.backend.image_data_format() == "channels_first"


@pytest.mark.parametrize("call, message", [
    (lambda: keras.config.set_floatx("bfloat16"), "float16, float32, float64"),
    (lambda: keras.config.set_floatx("int32"), "unsupported floatx"),
    (lambda: keras.config.set_epsilon(0), "positive number"),
    (lambda: keras.config.set_image_data_format("nhwc"), "channels_last, channels_first"),
])
def test_bad_settings_are_refused_and_change_nothing(call, message):
    before = keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()
    with pytest.raises(ValueError, match=message):
        call()
    assert (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()) == before


def test_enable_unsafe_deserialization_is_accepted():
    assert keras.config.enable_unsafe_deserialization() is None


def test_clear_session_resets_layer_names():
    keras.backend.clear_session()
    first = keras.layers.Dense(1).name
    keras.utils.clear_session()
    assert keras.layers.Dense(1).name == first == "dense"


def test_standardize_dtype():
    assert keras.backend.standardize_dtype("float") == np.float32
    assert keras.backend.standardize_dtype("int") == np.int64
    with pytest.raises(TypeError, match="unknown dtype"):
        keras.backend.standardize_dtype("floaty")
