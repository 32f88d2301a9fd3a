"""Models with several inputs and outputs: compile's structures, history keys and evaluate's order as real Keras
gives them (tests/data/multi_output/keras_results.json, written by make_fixtures.py beside it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import keras
from lamina.keras import layers

KERAS = json.loads((Path(__file__).parent / "data" / "multi_output" / "keras_results.json").read_text())["cases"]

CASES = {
    "list_loss": (dict(loss=["mse", "sparse_categorical_crossentropy"]), "list"),
    "list_loss_metrics_per_output": (dict(loss=["mse", "sparse_categorical_crossentropy"],
                                          metrics=[["mae"], ["accuracy"]]), "list"),
    "dict_loss_weights_metrics": (dict(loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                                       loss_weights={"reg": 0.5, "cls": 1.0}, metrics={"cls": ["accuracy"]}), "dict"),
    "dict_targets_list_loss": (dict(loss=["mse", "sparse_categorical_crossentropy"]), "dict"),
    "one_loss_for_all": (dict(loss="mse"), "list_onehot"),
    "flat_metrics_list": (dict(loss=["mse", "sparse_categorical_crossentropy"], metrics=["mae"]), "list"),
}


def two_headed() -> keras.Model:
    x = keras.Input((4,), name="x")
    h = layers.Dense(8, activation="relu")(x)
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    return keras.Model(x, [reg, cls])


def data():
    rng = np.random.default_rng(0)
    x = rng.random((32, 4), dtype=np.float32)
    y_reg = rng.random((32, 1), dtype=np.float32)
    y_cls = rng.integers(0, 3, 32)
    return x, {"list": [y_reg, y_cls], "dict": {"reg": y_reg, "cls": y_cls},
               "list_onehot": [y_reg, np.eye(3, dtype=np.float32)[y_cls]]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_history_keys_and_evaluate_order_match_keras(case):
    arguments, kind = CASES[case]
    expected = KERAS[case]
    x, targets = data()
    model = two_headed()
    if "error" in expected:
        assert expected["error"] == "ValueError"
        with pytest.raises(ValueError, match="Invalid `metrics`"):
            model.compile(optimizer="adam", **arguments)
            model.fit(x, targets[kind], epochs=1, verbose=0)
        return
    model.compile(optimizer="adam", **arguments)
    history = model.fit(x, targets[kind], epochs=1, verbose=0)
    assert sorted(history.history) == expected["history_keys"]
    values = model.evaluate(x, targets[kind], verbose=0)
    named = model.evaluate(x, targets[kind], verbose=0, return_dict=True)
    assert model.metrics_names == expected["evaluate_order"]
    assert values == [named[name] for name in expected["evaluate_order"]]


def test_total_loss_is_the_weighted_sum_of_the_outputs_losses():
    x, targets = data()
    model = two_headed()
    model.compile(optimizer="sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 2.0})
    logs = model.evaluate(x, targets["dict"], verbose=0, return_dict=True, batch_size=32)
    assert logs["loss"] == pytest.approx(0.5 * logs["reg_loss"] + 2.0 * logs["cls_loss"], rel=1e-6)
    reg, cls = model.predict(x, verbose=0)
    assert logs["reg_loss"] == pytest.approx(float(np.mean((reg - targets["dict"]["reg"]) ** 2)), rel=1e-5)


def test_an_output_without_loss_is_not_trained_but_still_predicted():
    x, targets = data()
    model = two_headed()
    model.compile(optimizer="sgd", loss=[None, "sparse_categorical_crossentropy"])
    reg_kernel = model.get_layer("reg").kernel.numpy().copy()
    history = model.fit(x, [None, targets["list"][1]], epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_layer("reg").kernel.numpy(), reg_kernel)
    assert "loss" in history.history


def test_several_inputs_by_list_and_by_name():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    merged = layers.Dense(4)(a) + layers.Dense(4)(b)
    model = keras.Model([a, b], layers.Dense(1)(merged))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(1)
    xa, xb, y = rng.random((20, 3)), rng.random((20, 2)), rng.random((20, 1))
    by_list = model.predict([xa, xb], verbose=0)
    np.testing.assert_array_equal(model.predict({"a": xa, "b": xb}, verbose=0), by_list)
    history = model.fit({"a": xa, "b": xb}, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    assert sorted(history.history) == ["loss", "val_loss"]
    with pytest.raises(ValueError, match="missing input"):
        model.predict({"a": xa}, verbose=0)


def test_predict_returns_one_array_per_output_and_train_on_batch_names_them():
    x, targets = data()
    model = two_headed()
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], metrics=[[], ["accuracy"]])
    reg, cls = model.predict(x, batch_size=10, verbose=0)
    assert reg.shape == (32, 1) and cls.shape == (32, 3)
    logs = model.train_on_batch(x, targets["list"], return_dict=True)
    assert sorted(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss"]


def test_bad_structures_are_named():
    model = two_headed()
    with pytest.raises(ValueError, match=r"not outputs of the model; its outputs are \['reg', 'cls'\]"):
        model.compile(optimizer="sgd", loss={"regression": "mse"})
    with pytest.raises(ValueError, match="list of 3 entries, but the model has 2 output"):
        model.compile(optimizer="sgd", loss=["mse", "mse", "mse"])
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    x, targets = data()
    with pytest.raises(ValueError, match="one per output"):
        model.fit(x, targets["list"][0], epochs=1, verbose=0)
