"""Functional models beyond their construction: a residual model's forward pass and gradients equal PyTorch's on
the same weights; a shared layer receives the sum of its calls' gradients; functional, nested and shared-layer
models round-trip through .lamina (weights, predictions, and training resumed bit for bit); ONNX export of graphs
with merges, several inputs and outputs, nested models, ``x + y`` and slicing, checked with onnxruntime; and
Keras-style errors for graphs that do not connect and calls with the wrong inputs."""

from __future__ import annotations

import numpy as np
import pytest

import graph_models  # tests/graph_models.py
import lamina
from lamina import keras, layers
from lamina.models import load_model
from lamina.tensor import no_grad
from test_saving import assert_resuming_is_bit_identical


def outputs_of(model, xs, training=False):
    with no_grad():
        out = model(xs if len(xs) > 1 else xs[0], training=training)
    return [t.data for t in out] if isinstance(out, (list, tuple)) else [out.data]


def sample_inputs(model, n: int = 6, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [t.shape for t in model.inputs] if model.inputs else [model.input_shape]
    return [rng.normal(size=(n,) + tuple(s[1:])).astype(np.float32) for s in shapes]


# ----- the same numbers as PyTorch -----------------------------------------------------------------------------------
def residual_pair():
    """A residual MLP in Lamina (float64) and the same network in torch.nn, with the same weights."""
    torch = pytest.importorskip("torch")
    keras.backend.clear_session()
    inputs = keras.Input(shape=(6,), dtype="float64", name="x")
    h = layers.Dense(8, activation="relu", dtype="float64", name="stem")(inputs)
    y = layers.Dense(8, activation="relu", dtype="float64", name="a1")(h)
    y = layers.Dense(8, dtype="float64", name="a2")(y)
    x = layers.Activation("relu", dtype="float64")(layers.add([y, h], dtype="float64"))
    y = layers.Dense(8, activation="tanh", dtype="float64", name="b1")(x)
    y = layers.Dense(8, dtype="float64", name="b2")(y)
    x = x + y  # the guides' `x += residual`, a recorded tensor operation
    outputs = layers.Dense(3, dtype="float64", name="head")(x)
    # (the model's dtype too: data entering a Lamina model is cast to the model's dtype, not to its Inputs')
    model = keras.Model(inputs, outputs, dtype="float64")

    class TorchResidual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.a1, self.a2 = (torch.nn.Linear(6, 8), torch.nn.Linear(8, 8), torch.nn.Linear(8, 8))
            self.b1, self.b2, self.head = (torch.nn.Linear(8, 8), torch.nn.Linear(8, 8), torch.nn.Linear(8, 3))

        def forward(self, x):
            h = torch.relu(self.stem(x))
            x = torch.relu(self.a2(torch.relu(self.a1(h))) + h)
            return self.head(x + self.b2(torch.tanh(self.b1(x))))

    net = TorchResidual().double()
    with torch.no_grad():
        for name in ("stem", "a1", "a2", "b1", "b2", "head"):
            layer = model.get_layer(name)
            getattr(net, name).weight.copy_(torch.from_numpy(layer.kernel.data.T.copy()))
            getattr(net, name).bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    return model, net, torch


def test_residual_model_forward_and_every_gradient_equal_pytorch() -> None:
    model, net, torch = residual_pair()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 6))
    labels = rng.integers(0, 3, 10)

    logits = model(x, training=True)
    loss = lamina.functional.softmax_cross_entropy(logits, np.eye(3)[labels])
    loss.backward()

    torch_logits = net(torch.from_numpy(x))
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.from_numpy(labels))
    torch_loss.backward()

    np.testing.assert_allclose(logits.data, torch_logits.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(np.asarray(loss.data).mean()), torch_loss.item(), rtol=1e-12)
    for name in ("stem", "a1", "a2", "b1", "b2", "head"):
        layer, linear = model.get_layer(name), getattr(net, name)
        np.testing.assert_allclose(layer.kernel.grad, linear.weight.grad.numpy().T, rtol=1e-10, atol=1e-12,
                                   err_msg=name)
        np.testing.assert_allclose(layer.bias.grad, linear.bias.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_a_shared_layer_receives_the_sum_of_its_calls_gradients() -> None:
    keras.backend.clear_session()
    inputs = keras.Input(shape=(8,), dtype="float64")
    shared = layers.Dense(3, activation="tanh", dtype="float64", name="shared")
    model = keras.Model(inputs, layers.concatenate([shared(inputs[:, :4]), shared(inputs[:, 4:])]), dtype="float64")
    # the same computation with two separate layers holding copies of the shared weights
    first = layers.Dense(3, activation="tanh", dtype="float64")
    second = layers.Dense(3, activation="tanh", dtype="float64")
    x = np.random.default_rng(2).normal(size=(5, 8))
    first(x[:, :4]), second(x[:, 4:])
    first.set_weights(shared.get_weights())
    second.set_weights(shared.get_weights())

    weights = np.random.default_rng(3).normal(size=(5, 6))
    (model(x, training=True) * weights).sum().backward()
    unshared = ops_concat([first(x[:, :4]), second(x[:, 4:])])
    (unshared * weights).sum().backward()

    assert model.count_params() == 15 and len(model.trainable_weights) == 2
    np.testing.assert_allclose(shared.kernel.grad, first.kernel.grad + second.kernel.grad, rtol=1e-12)
    np.testing.assert_allclose(shared.bias.grad, first.bias.grad + second.bias.grad, rtol=1e-12)
    assert np.abs(first.kernel.grad - second.kernel.grad).max() > 1e-3  # both calls contribute


def ops_concat(tensors):
    from lamina import ops
    return ops.concatenate(tensors, axis=-1)


# ----- .lamina round trips -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["residual", "shared", "merges", "multi_io", "nested", "sequential_of_model",
                                  "tensor_ops", "reshaping"])
def test_lamina_format_round_trip_of_graph_models(name: str, tmp_path) -> None:
    model = graph_models.build(keras, name)
    xs = sample_inputs(model)
    model.save(tmp_path / "m.lamina")
    loaded = load_model(tmp_path / "m.lamina")
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert type(loaded).__name__ == type(model).__name__
    for ours, theirs in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in zip(outputs_of(loaded, xs), outputs_of(model, xs), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def residual_dropout_model():
    """A functional residual classifier with Dropout, BatchNormalization, GaussianNoise, a shared layer and a nested
    model (all the state training carries)."""
    lamina.utils.set_random_seed(11)
    keras.backend.clear_session()
    inner_in = keras.Input(shape=(16,))
    inner = keras.Model(inner_in, layers.Dense(16, activation="relu")(layers.Dropout(0.2)(inner_in)), name="block")
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(16, activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    h = h + inner(h)
    shared = layers.Dense(16, activation="tanh", name="twice")
    h = shared(layers.GaussianNoise(0.1)(shared(h))) + h
    outputs = layers.Dense(3, activation="softmax")(layers.Dropout(0.3)(h))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def test_resumed_training_of_a_graph_model_is_bit_identical(tmp_path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 6)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 100)]
    assert_resuming_is_bit_identical(residual_dropout_model, x, y, tmp_path)


# ----- ONNX --------------------------------------------------------------------------------------------------------
def shape_and_merge_graph():
    """The layers whose ONNX forms are not covered by graph_models: Dot over 3-D inputs (normalized too),
    Concatenate on axis 1, a lower-rank merge input, RepeatVector, Permute."""
    keras.backend.clear_session()
    a, b = keras.Input(shape=(3, 4), name="seq"), keras.Input(shape=(4,), name="vec")
    repeated = layers.RepeatVector(3)(b)
    both = layers.Concatenate(axis=1)([a, repeated])
    attention = layers.Dot(axes=(2, 2))([a, both])
    cosine = layers.Dot(axes=(2, 1), normalize=True)([layers.Permute((2, 1))(a), repeated])
    widened = layers.maximum([layers.Reshape((3, 6))(attention), layers.Dense(6)(b)])
    outputs = [layers.Flatten()(widened), layers.Flatten()(cosine), layers.minimum([a, b])]
    return keras.Model([a, b], outputs, name="shapes")


@pytest.mark.parametrize("name", ["residual", "shared", "merges", "multi_io", "nested", "sequential_of_model",
                                  "tensor_ops", "reshaping", "shape_and_merge"])
def test_onnx_export_of_graphs_matches_predict(name: str) -> None:
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = shape_and_merge_graph() if name == "shape_and_merge" else graph_models.build(keras, name)
    xs = sample_inputs(model, n=5, seed=4)
    proto = lamina.onnx.to_onnx(model)
    session = ort.InferenceSession(proto.SerializeToString())
    names = [i.name for i in session.get_inputs()]
    expected_names = ["input"] if len(xs) == 1 else [layer.name for layer in model._graph.input_layers]
    assert names == expected_names
    got = session.run(None, dict(zip(names, xs)))
    expected = outputs_of(model, xs)
    assert len(got) == len(expected)
    for ours, onnx_out in zip(expected, got):
        np.testing.assert_allclose(onnx_out, ours, atol=2e-6, rtol=1e-5)  # float32 sums in another order


def test_onnx_export_refuses_a_lambda_naming_it() -> None:
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match=r'export: layer "double" \(Lambda\) runs Python code'):
        lamina.onnx.to_onnx(graph_models.build(keras, "lambda"))


# ----- errors ------------------------------------------------------------------------------------------------------
def test_a_disconnected_graph_is_refused_naming_the_missing_input() -> None:
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    out = layers.Dense(2, name="d")(layers.add([a, b], name="s"))
    with pytest.raises(ValueError, match=r'Graph disconnected: cannot obtain value for tensor .* at layer "s". The '
                                         r'tensor comes from input layer "b", which is not among the model\'s inputs'):
        keras.Model(a, out)
    with pytest.raises(ValueError, match=r"Graph disconnected: .* as an output"):
        keras.Model(a, [out, b])


def test_calls_with_the_wrong_inputs_are_refused() -> None:
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    model = keras.Model([a, b], layers.Dense(2)(layers.add([a, b])), name="pair")
    with pytest.raises(ValueError, match=r'Layer "pair" expects 2 input\(s\), but it received 3 input tensors'):
        model([np.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match=r'Input 0 of layer "pair" is incompatible with the layer: expected '
                                         r"shape=\(None, 3\), found shape=\(2, 4\)"):
        model([np.ones((2, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r'Input 1 of layer "pair" is incompatible'):
        model([keras.Input((3,)), keras.Input((5,))])
    np.testing.assert_allclose(model({"a": np.ones((2, 3)), "b": np.zeros((2, 3))}).data,
                               model([np.ones((2, 3)), np.zeros((2, 3))]).data)


def test_comparisons_and_logic_on_symbolic_tensors_record_operations() -> None:
    # As Keras's KerasTensor: `ids != 0` is a mask built inside the graph (`==` stays identity: lists look
    # tensors up with it).
    ids = keras.Input((4,), dtype="int32")
    model = keras.Model(ids, [ids != 0, (ids > 2) | ~(ids >= 1), (ids <= 1) & (ids < 5)])
    x = np.array([[0, 1, 2, 3]])
    masks = model.predict(x, verbose=0)
    np.testing.assert_array_equal(masks[0], x != 0)
    np.testing.assert_array_equal(masks[1], (x > 2) | ~(x >= 1))
    np.testing.assert_array_equal(masks[2], (x <= 1) & (x < 5))
    assert ids in [keras.Input((4,)), ids]


def test_an_embedding_mask_is_passed_by_hand_and_its_absence_is_said() -> None:
    ids = keras.Input((4,), dtype="int32")
    with pytest.warns(UserWarning, match='Embedding "padded" has mask_zero=True, but Lamina'):
        vectors = layers.Embedding(5, 1, mask_zero=True, name="padded")(ids)
    model = keras.Model(ids, layers.GlobalAveragePooling1D()(vectors, mask=ids != 0))
    model.get_layer("padded").set_weights([np.arange(5, dtype=np.float32).reshape(5, 1)])
    np.testing.assert_allclose(model.predict(np.array([[1, 2, 0, 0]]), verbose=0), [[1.5]])  # Keras's value
