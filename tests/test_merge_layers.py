"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and their function forms:
gradients (float64 gradcheck), values against NumPy with Keras's broadcasting rule, output shapes, configs, and
Keras's errors for inputs that cannot be merged. (Their agreement with real Keras on a saved model is checked in
tests/test_keras_graph_format.py, on the "merges" fixture.)"""

from __future__ import annotations

import numpy as np
import pytest

from lamina import gradcheck, keras, layers

RNG = np.random.default_rng(3)


def normal(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


# The elementwise merges on (4, 3), (4, 3) and a (4, 1) input, which broadcasts as Keras does.
ELEMENTWISE = {
    "Add": (layers.Add, lambda a, b, c: a + b + c),
    "Multiply": (layers.Multiply, lambda a, b, c: a * b * c),
    "Average": (layers.Average, lambda a, b, c: (a + b + c) / 3),
    "Maximum": (layers.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    "Minimum": (layers.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_merges_values_and_gradcheck(name: str) -> None:
    cls, reference = ELEMENTWISE[name]
    a, b, c = normal(4, 3), normal(4, 3), normal(4, 1)
    layer = cls(dtype="float64")
    np.testing.assert_allclose(layer([a, b, c]).data, reference(a, b, c), rtol=1e-12)
    assert gradcheck(lambda x, y, z: layer([x, y, z]), a, b, c)


def test_subtract_values_and_gradcheck() -> None:
    a, b = normal(4, 3), normal(4, 3)
    layer = layers.Subtract(dtype="float64")
    np.testing.assert_allclose(layer([a, b]).data, a - b)
    assert gradcheck(lambda x, y: layer([x, y]), a, b)


def test_lower_rank_inputs_gain_axes_after_the_batch_axis() -> None:
    """Keras's rule: (batch, 4) meets (batch, 3, 4) as (batch, 1, 4), not NumPy's right-aligned (1, batch, 4)."""
    low, high = normal(2, 4), normal(2, 3, 4)
    layer = layers.Add(dtype="float64")
    np.testing.assert_allclose(layer([low, high]).data, low[:, None, :] + high)
    assert gradcheck(lambda x, y: layer([x, y]), low, high)
    assert layers.Add()([keras.Input((4,)), keras.Input((3, 4))]).shape == (None, 3, 4)


@pytest.mark.parametrize("axis, shapes", [(-1, [(2, 3), (2, 4), (2, 1)]), (1, [(2, 3, 2), (2, 1, 2)]),
                                          (2, [(2, 3, 2), (2, 3, 5)])])
def test_concatenate_values_shapes_and_gradcheck(axis, shapes) -> None:
    arrays = [normal(*s) for s in shapes]
    layer = layers.Concatenate(axis=axis, dtype="float64")
    np.testing.assert_array_equal(layer(arrays).data, np.concatenate(arrays, axis=axis))
    assert gradcheck(lambda *xs: layer(list(xs)), *arrays)
    symbolic = layers.concatenate([keras.Input(s[1:]) for s in shapes], axis=axis)
    assert symbolic.shape == (None,) + np.concatenate(arrays, axis=axis).shape[1:]


@pytest.mark.parametrize("axes, shapes, equation", [
    (1, [(3, 4), (3, 4)], "bi,bi->b"),
    (-1, [(3, 2, 4), (3, 5, 4)], "bik,bjk->bij"),
    ((1, 2), [(3, 4, 2), (3, 5, 4)], "bki,bjk->bij"),
    ((2, 1), [(3, 2, 4), (3, 4)], "bik,bk->bi"),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_values_shapes_and_gradcheck(axes, shapes, equation, normalize) -> None:
    x, y = normal(*shapes[0]), normal(*shapes[1])
    layer = layers.Dot(axes=axes, normalize=normalize, dtype="float64")
    expected_x, expected_y = x, y
    if normalize:  # each sample divided by its L2 norm along the summed axis
        axis_x, axis_y = (axes, axes) if isinstance(axes, int) else axes
        axis_x, axis_y = axis_x % x.ndim, axis_y % y.ndim
        expected_x = x / np.linalg.norm(x, axis=axis_x, keepdims=True)
        expected_y = y / np.linalg.norm(y, axis=axis_y, keepdims=True)
    expected = np.einsum(equation, expected_x, expected_y)
    if expected.ndim == 1:
        expected = expected[:, None]  # Keras keeps a feature axis: (batch, 1)
    np.testing.assert_allclose(layer([x, y]).data, expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, b: layer([a, b]), x, y)
    assert layers.dot([keras.Input(shapes[0][1:]), keras.Input(shapes[1][1:])], axes=axes,
                      normalize=normalize).shape == (None,) + expected.shape[1:]


def test_cosine_similarity_of_parallel_vectors_is_one_and_zero_vectors_stay_finite() -> None:
    out = layers.Dot(axes=1, normalize=True)([np.array([[3.0, 4.0], [0.0, 0.0]]), np.array([[6.0, 8.0], [1.0, 0.0]])])
    np.testing.assert_allclose(out.data, [[1.0], [0.0]], atol=1e-6)


def test_function_forms_equal_the_layers_and_take_layer_arguments() -> None:
    a, b = normal(3, 2).astype(np.float32), normal(3, 2).astype(np.float32)
    for function, cls in [(layers.add, layers.Add), (layers.subtract, layers.Subtract),
                          (layers.multiply, layers.Multiply), (layers.average, layers.Average),
                          (layers.maximum, layers.Maximum), (layers.minimum, layers.Minimum)]:
        np.testing.assert_array_equal(function([a, b]).data, cls()([a, b]).data)
    np.testing.assert_array_equal(layers.concatenate([a, b], axis=0).data, np.concatenate([a, b], axis=0))
    np.testing.assert_allclose(layers.dot([a, b], axes=1).data, (a * b).sum(1, keepdims=True), rtol=1e-6)
    named = layers.add([keras.Input((2,)), keras.Input((2,))], name="residual_sum")
    assert named._keras_history[0].name == "residual_sum"


@pytest.mark.parametrize("layer", [layers.Add(name="a"), layers.Concatenate(axis=1, name="c"),
                                   layers.Dot(axes=(1, 2), normalize=True, name="d")])
def test_config_round_trip(layer) -> None:
    config = layer.get_config()
    twin = type(layer).from_config(config)
    assert twin.get_config() == config


# ----- errors (Keras's messages, with the layer's name) ------------------------------------------------------------
def test_mismatched_shapes_give_keras_errors_symbolically_and_eagerly() -> None:
    a, b = keras.Input((3,)), keras.Input((4,))
    with pytest.raises(ValueError, match=r'Add layer "add_bad": Inputs have incompatible shapes. Received shapes '
                                         r"\(3,\) and \(4,\)"):
        layers.Add(name="add_bad")([a, b])
    with pytest.raises(ValueError, match=r"Inputs have incompatible shapes. Received shapes \(3, 4\) and \(3,\)"):
        layers.Add()([np.ones((2, 3, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"Cannot merge tensors with different batch sizes. Received tensors with "
                                         r"shapes \[\(2, 3\), \(3, 3\)\]"):
        layers.Maximum()([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match=r"A `Concatenate` layer requires inputs with matching shapes except for the "
                                         r"concatenation axis. Received: input_shape=\[\(None, 2, 3\), \(None, 3, 3\)\]"):
        layers.concatenate([keras.Input((2, 3)), keras.Input((3, 3))], axis=2)
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 3 \(at axis 1\) != 4 \(at axis 1\). "
                                         r"Full input shapes: \(None, 3\), \(None, 4\)"):
        layers.dot([a, b], axes=1)


def test_wrong_number_of_inputs_and_non_lists_are_refused() -> None:
    a = keras.Input((3,))
    with pytest.raises(ValueError, match=r"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                                         r"input_shape=\[\(None, 3\), \(None, 3\), \(None, 3\)\]"):
        layers.subtract([a, a, a])
    with pytest.raises(ValueError, match=r"A `Dot` layer should be called on a list of 2 inputs"):
        layers.dot([a, a, a], axes=1)
    with pytest.raises(ValueError, match=r"A merge layer should be called on a list of inputs. Received: "
                                         r"input_shape=\(None, 3\) \(not a list of shapes\)"):
        layers.Add()(a)
    with pytest.raises(ValueError, match=r"Invalid format for argument `axes`: it should contain two elements"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match=r"Invalid type for argument `axes`: it should be a list or an int"):
        layers.Dot(axes="last")
    with pytest.raises(ValueError, match=r"`axis` must be an integer"):
        layers.Concatenate(axis=1.5)


def test_a_refused_call_leaves_the_layer_unbuilt_and_usable() -> None:
    layer = layers.Add()
    with pytest.raises(ValueError):
        layer([keras.Input((3,)), keras.Input((4,))])
    assert not layer.built and not layer._inbound_nodes
    assert layer([keras.Input((3,)), keras.Input((3,))]).shape == (None, 3)


def test_a_shared_merge_layer_checks_each_call() -> None:
    layer = layers.Add()
    layer([keras.Input((3,)), keras.Input((3,))])
    assert layer([keras.Input((5,)), keras.Input((1,))]).shape == (None, 5)
    with pytest.raises(ValueError, match="Inputs have incompatible shapes"):
        layer([keras.Input((3,)), keras.Input((5,))])
