"""callbacks.TensorBoard writes real event files: read back with TensorBoard's own EventAccumulator, the scalars
equal fit's history (and, per batch, the logs the callbacks saw), the histograms describe the weights at each
epoch's end, the graph tab gets the model's config, under Keras's run folders and tags."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

import lamina  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.callbacks import Callback, TensorBoard  # noqa: E402
from lamina.optimizers import schedules  # noqa: E402


def read(run_dir) -> event_accumulator.EventAccumulator:
    accumulator = event_accumulator.EventAccumulator(str(run_dir), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag) -> tuple[list[int], list[float]]:
    events = accumulator.Scalars(tag)
    return [e.step for e in events], [e.value for e in events]


class Recorder(Callback):
    """Keeps what TensorBoard should have written: batch logs, and each epoch's weights and learning rate."""

    def __init__(self):
        super().__init__()
        self.batch_logs, self.weights, self.rates = [], [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append({layer.name: [np.array(w.data) for w in layer.weights] for layer in self.model.layers})
        self.rates.append(self.model.optimizer.learning_rate)


def classifier() -> tuple[lamina.Sequential, np.ndarray, np.ndarray]:
    lamina.utils.set_random_seed(4)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    model = lamina.Sequential([layers.Input(shape=(4,)), layers.Dense(6, activation="tanh", name="dense"),
                               layers.Dense(1, activation="sigmoid", name="dense_1")], name="tb_model")
    rate = schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    model.compile(optimizer=lamina.optimizers.SGD(rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model, x, y


def test_epoch_scalars_equal_history_in_train_and_validation_runs(tmp_path):
    model, x, y = classifier()
    recorder = Recorder()
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0, validation_split=0.2,
                        callbacks=[TensorBoard(tmp_path, update_freq=2), recorder])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    for name in ("loss", "accuracy"):
        steps, values = scalars(train, f"epoch_{name}")
        assert steps == [0, 1, 2]
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)  # event files hold float32
        steps, values = scalars(validation, f"epoch_{name}")
        assert steps == [0, 1, 2]
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    steps, values = scalars(train, "epoch_learning_rate")
    np.testing.assert_allclose(values, recorder.rates, rtol=1e-6)
    assert values[0] > values[-1]  # the schedule decayed, and the file shows it
    # every second batch of the 4 per epoch, numbered from 1 over the whole fit
    steps, values = scalars(train, "batch_loss")
    assert steps == [2, 4, 6, 8, 10, 12]
    np.testing.assert_allclose(values, [recorder.batch_logs[s - 1]["loss"] for s in steps], rtol=1e-6)
    steps, _ = scalars(validation, "evaluation_loss_vs_iterations")
    assert steps == [4, 8, 12]  # after each epoch's validation, at the optimizer's step count
    assert not train.Tags()["histograms"]  # histogram_freq=0


def test_histograms_describe_each_weight_at_each_epoch_end(tmp_path):
    model, x, y = classifier()
    recorder = Recorder()
    model.fit(x, y, epochs=4, batch_size=25, verbose=0, callbacks=[TensorBoard(tmp_path, histogram_freq=2),
                                                                 recorder])
    train = read(tmp_path / "train")
    tags = sorted(train.Tags()["histograms"])
    assert tags == ["tb_model/dense/bias/histogram", "tb_model/dense/kernel/histogram",
                    "tb_model/dense_1/bias/histogram", "tb_model/dense_1/kernel/histogram"]
    for tag in tags:
        _, layer, weight, _ = tag.split("/")
        events = train.Histograms(tag)
        assert [e.step for e in events] == [0, 2]
        for event in events:
            values = recorder.weights[event.step][layer][0 if weight == "kernel" else 1]
            histogram = event.histogram_value
            assert histogram.num == values.size
            assert histogram.min == pytest.approx(values.min(), rel=1e-6)
            assert histogram.max == pytest.approx(values.max(), rel=1e-6)
            assert histogram.sum == pytest.approx(values.sum(), rel=1e-5, abs=1e-6)
    assert not any(tag.startswith("batch_") for tag in train.Tags()["scalars"])  # update_freq="epoch"
    assert not os.path.exists(tmp_path / "validation")  # no validation data, no validation run


def test_the_graph_tab_gets_the_model_config(tmp_path):
    model, x, y = classifier()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    train = read(tmp_path / "train")
    assert train.PluginTagToContent("graph_keras_model") == {"keras": b"1"}
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential" and config["config"]["name"] == "tb_model"
    assert [entry["config"]["name"] for entry in config["config"]["layers"]][-2:] == ["dense", "dense_1"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "no_graph", write_graph=False)])
    assert "keras" not in read(tmp_path / "no_graph" / "train").Tags()["tensors"]


def test_evaluate_alone_writes_the_evaluation_scalars(tmp_path):
    model, x, y = classifier()
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)
    result = model.evaluate(x, y, verbose=0, return_dict=True, callbacks=[TensorBoard(tmp_path)])
    validation = read(tmp_path / "validation")
    steps, values = scalars(validation, "evaluation_accuracy_vs_iterations")
    assert steps == [5] and values[0] == pytest.approx(result["accuracy"], rel=1e-6)


def test_bad_arguments_and_the_missing_extra(tmp_path, monkeypatch):
    for kwargs, message in [({"update_freq": 0}, "update_freq"), ({"update_freq": "sometimes"}, "update_freq"),
                            ({"histogram_freq": -1}, "histogram_freq"), ({"profile_batch": 2}, "profiler"),
                            ({"embeddings_freq": 1}, "embedding")]:
        with pytest.raises(ValueError, match=message):
            TensorBoard(tmp_path, **kwargs)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    model, x, y = classifier()
    with pytest.raises(ImportError, match=r"lamina\[tensorboard\]"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "x", write_graph=False)])
    assert lamina.keras.callbacks.TensorBoard is TensorBoard
