"""Reshape, Permute, RepeatVector, Identity and Lambda: values, output shapes, gradients (float64 gradcheck), configs,
Keras's errors; and Lambda's saving by reference (its function comes back only through custom_objects)."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import gradcheck, keras, layers
from lamina.layers import registry
from lamina.models import load_model

RNG = np.random.default_rng(5)


def test_reshape_resolves_one_unknown_axis() -> None:
    x = RNG.normal(size=(2, 12))
    layer = layers.Reshape((3, -1), dtype="float64")
    np.testing.assert_array_equal(layer(x).data, x.reshape(2, 3, 4))
    assert gradcheck(layer, x)
    assert layers.Reshape((2, -1))(keras.Input((6,))).shape == (None, 2, 3)
    assert layers.Reshape((2, -1))(keras.Input((None, 4))).shape == (None, 2, None)
    assert layers.Reshape((4, 3))(keras.Input((12,))).shape == (None, 4, 3)


def test_reshape_errors() -> None:
    with pytest.raises(ValueError, match=r"The total size of the tensor must be unchanged. Received: "
                                         r"input_shape=\(6,\), target_shape=\(4, 2\)"):
        layers.Reshape((4, 2))(keras.Input((6,)))
    with pytest.raises(ValueError, match=r"the input size cannot by divided by the specified dimensions in "
                                         r"target_shape. Received: input_shape=\(6,\), target_shape=\(4, -1\)"):
        layers.Reshape((4, -1))(keras.Input((6,)))
    with pytest.raises(ValueError, match=r"There must be at most one unknown dimension \(-1\) in `target_shape`"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"`target_shape` must be a tuple of integers"):
        layers.Reshape((2.5, 2))


def test_permute_moves_axes_and_checks_rank() -> None:
    x = RNG.normal(size=(2, 3, 4, 5))
    layer = layers.Permute((3, 1, 2), dtype="float64")
    np.testing.assert_array_equal(layer(x).data, x.transpose(0, 3, 1, 2))
    assert gradcheck(layer, x)
    assert layers.Permute((2, 1))(keras.Input((3, 7))).shape == (None, 7, 3)
    with pytest.raises(ValueError, match=r"The set of indices in `dims` must be consecutive and start from 1. "
                                         r"Received dims=\(1, 3\)"):
        layers.Permute((1, 3))
    with pytest.raises(ValueError, match=r'Input 0 of layer "swap" is incompatible with the layer: expected ndim=3, '
                                         r"found ndim=2. Full shape received: \(None, 3\)"):
        layers.Permute((2, 1), name="swap")(keras.Input((3,)))


def test_repeat_vector_copies_each_sample() -> None:
    x = RNG.normal(size=(2, 3))
    layer = layers.RepeatVector(4, dtype="float64")
    out = layer(x)
    np.testing.assert_array_equal(out.data, np.repeat(x[:, None, :], 4, axis=1))
    assert gradcheck(layer, x)
    assert layers.RepeatVector(2)(keras.Input((5,))).shape == (None, 2, 5)
    with pytest.raises(ValueError, match=r"Argument `n` should be a positive integer. Received: n=0"):
        layers.RepeatVector(0)
    with pytest.raises(TypeError, match=r"Expected an integer value for `n`"):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match=r"expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(keras.Input((3, 4)))


def test_repeat_vector_input_gradient_is_the_sum_over_copies() -> None:
    from lamina.tensor import Tensor
    x = Tensor(RNG.normal(size=(2, 3)), requires_grad=True, dtype=np.float64)
    layers.RepeatVector(4, dtype="float64")(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 4.0))


def test_identity_passes_its_input_through() -> None:
    x = RNG.normal(size=(2, 3))
    layer = layers.Identity(dtype="float64")
    np.testing.assert_array_equal(layer(x).data, x)
    assert gradcheck(layer, x)
    assert layers.Identity()(keras.Input((3, 2))).shape == (None, 3, 2)


@pytest.mark.parametrize("layer", [layers.Reshape((2, -1), name="r"), layers.Permute((2, 1), name="p"),
                                   layers.RepeatVector(3, name="v"), layers.Identity(name="i")])
def test_config_round_trip(layer) -> None:
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


# ----- Lambda ------------------------------------------------------------------------------------------------------
def cube(x):
    return x * x * x


def scaled(x, factor=1.0, training=False):
    return x * (factor * (2.0 if training else 1.0))


def test_lambda_runs_its_function_with_arguments_and_training() -> None:
    x = RNG.normal(size=(3, 2))
    layer = layers.Lambda(scaled, arguments={"factor": 3.0}, dtype="float64")
    np.testing.assert_allclose(layer(x).data, 3 * x)
    np.testing.assert_allclose(layer(x, training=True).data, 6 * x)
    assert gradcheck(layers.Lambda(cube, dtype="float64"), x)


def test_lambda_output_shape_inferred_given_or_computed() -> None:
    inputs = keras.Input((4,))
    assert layers.Lambda(lambda x: x[:, :2])(inputs).shape == (None, 2)
    assert layers.Lambda(cube, output_shape=(4,))(inputs).shape == (None, 4)
    assert layers.Lambda(lambda x: x, output_shape=lambda s: (s[0], s[1] * 1))(inputs).shape == (None, 4)
    assert layers.Lambda(lambda xs: xs[0] + xs[1])([inputs, inputs]).shape == (None, 4)


def test_lambda_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"`function` must be callable"):
        layers.Lambda(3)
    with pytest.raises(ValueError, match=r"masks have no Lamina equivalent"):
        layers.Lambda(cube, mask=lambda x, m: m)
    with pytest.raises(ValueError, match=r"`output_shape` must be a tuple of integers"):
        layers.Lambda(cube, output_shape="4")


def _lambda_model():
    inputs = keras.Input((3,), name="x")
    hidden = layers.Dense(4, name="dense")(inputs)
    return keras.Model(inputs, layers.Lambda(cube, name="cubed", arguments={})(hidden))


def test_lambda_is_saved_by_name_and_found_through_custom_objects(tmp_path) -> None:
    model = _lambda_model()
    config = model.get_layer("cubed").get_config()
    assert config["function"] == "cube" and config["output_shape"] is None
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    model.save(tmp_path / "m.lamina")
    with pytest.raises(ValueError, match=r'Lambda layer "cubed": its function \'cube\' is saved by name only'):
        load_model(tmp_path / "m.lamina")
    loaded = load_model(tmp_path / "m.lamina", custom_objects={"cube": cube})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_lambda_function_registered_once_is_found(tmp_path) -> None:
    model = _lambda_model()
    model.save(tmp_path / "m.lamina")
    registry.register_custom(cube)
    try:
        assert load_model(tmp_path / "m.lamina").get_layer("cubed").function is cube
    finally:
        registry._CUSTOM.pop("cube", None)
        registry._CUSTOM.pop("Custom>cube", None)


def test_lambda_of_an_anonymous_function_cannot_be_saved() -> None:
    layer = layers.Lambda(lambda x: x + 1, name="plus_one")
    with pytest.raises(ValueError, match=r'Lambda layer "plus_one": its function .* is an anonymous lambda .* '
                                         r"Define it with `def`"):
        layer.get_config()
    with pytest.raises(ValueError, match=r"`arguments` .* cannot be saved"):
        layers.Lambda(cube, arguments={"table": object()}).get_config()
