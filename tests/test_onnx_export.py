"""lamina.onnx.export: the graph onnxruntime runs gives model.predict's outputs to float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

import lamina  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.models import Sequential  # noqa: E402


def trained(model: Sequential, x: np.ndarray, classes: int) -> Sequential:
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    y = np.eye(classes, dtype=np.float32)[np.arange(len(x)) % classes]
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)  # BatchNormalization gets real moving statistics
    return model


def every_layer_model() -> tuple[Sequential, np.ndarray]:
    lamina.utils.set_random_seed(11)
    model = Sequential([
        layers.Input(shape=(2, 3)), layers.Flatten(),
        layers.Dense(8), layers.BatchNormalization(),                              # folded into the Dense
        layers.Activation("relu"), layers.Dropout(0.3), layers.GaussianNoise(0.2),
        layers.Dense(6, use_bias=False, activation="leaky_relu"), layers.BatchNormalization(momentum=0.5),
        layers.LeakyReLU(negative_slope=0.1), layers.Dense(5, activation="sigmoid"), layers.Activation("tanh"),
        layers.Dense(4, activation="softmax"), layers.Dense(4), layers.Softmax(temperature=2.0)])
    x = np.random.default_rng(0).normal(size=(48, 2, 3)).astype(np.float32)
    return trained(model, x, 4), x


def run_onnx(path, x: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


@pytest.mark.parametrize("fold", [True, False])
def test_onnxruntime_matches_predict(tmp_path, fold: bool) -> None:
    model, x = every_layer_model()
    proto = lamina.onnx.export(model, tmp_path / "m.onnx", fold_batch_norm=fold)
    ops = [node.op_type for node in proto.graph.node]
    assert ops.count("BatchNormalization") == (1 if fold else 2)
    assert "Dropout" not in ops and "RandomNormalLike" not in ops
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # a batch size the graph never saw: the batch axis is symbolic
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x[:3]), model.predict(x[:3], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_batch_norm_on_higher_rank_inputs_and_log_softmax(tmp_path) -> None:
    lamina.utils.set_random_seed(2)
    model = Sequential([layers.Input(shape=(3, 4)), layers.Dense(5, activation="relu"), layers.BatchNormalization(),
                        layers.Flatten(), layers.Dense(3, activation="log_softmax")])
    x = np.random.default_rng(1).normal(size=(32, 3, 4)).astype(np.float32)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 3), np.float32), epochs=2, verbose=0)
    lamina.onnx.export(model, tmp_path / "m.onnx", opset=13)
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_graph_is_valid_onnx_with_a_symbolic_batch() -> None:
    model, _ = every_layer_model()
    proto = lamina.onnx.to_onnx(model)
    onnx.checker.check_model(proto)
    (graph_input,) = proto.graph.input
    dims = graph_input.type.tensor_type.shape.dim
    assert graph_input.name == "input" and dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [2, 3]
    assert proto.opset_import[0].version == 17


def test_what_cannot_be_exported_is_named(tmp_path) -> None:
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2, activation="step", name="stepper")])
    with pytest.raises(ValueError, match=r'layer "stepper" \(Dense\): activation \'step\' has no ONNX export'):
        lamina.onnx.export(model, tmp_path / "m.onnx")

    class Doubler(layers.Layer):
        def call(self, x, training=False):
            return x * 2

    model = Sequential([layers.Input(shape=(3,)), Doubler(name="twice")])
    with pytest.raises(ValueError, match=r'layer "twice" \(Doubler\) has no ONNX export'):
        lamina.onnx.export(model, tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset must be an integer >= 13"):
        lamina.onnx.export(Sequential([layers.Input(shape=(3,)), layers.Dense(2)]), tmp_path / "m.onnx", opset=11)
    with pytest.raises(ValueError, match="must be built"):
        lamina.onnx.export(Sequential([layers.Dense(2)]), tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())
