"""Write what real Keras 3 reports for models with several outputs: history keys and evaluate's order.

Run with a Python that has TensorFlow 2.21 / Keras 3 (tests do not need it; they read keras_results.json):

    python tests/data/multi_output/make_fixtures.py

Each case compiles the same two-output model (a regression head "reg" and a 3-class head "cls") in one of the
ways compile accepts, trains one epoch and evaluates. What is kept: the sorted history keys, the names of
evaluate's values in order (found by evaluating with return_dict=True as well, and matching values), and any
error Keras raises.
"""

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

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


def build():
    x = keras.Input((4,), name="x")
    h = layers.Dense(8, activation="relu")(x)
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    return keras.Model(x, [reg, cls])


def main():
    rng = np.random.default_rng(0)
    x = rng.random((32, 4), dtype=np.float32)
    y_reg = rng.random((32, 1), dtype=np.float32)
    y_cls = rng.integers(0, 3, 32)
    targets = {"list": [y_reg, y_cls], "dict": {"reg": y_reg, "cls": y_cls},
               "list_onehot": [y_reg, np.eye(3, dtype=np.float32)[y_cls]]}
    results = {}
    for name, (arguments, kind) in CASES.items():
        model = build()
        try:
            model.compile(optimizer="adam", **arguments)
            history = model.fit(x, targets[kind], epochs=1, verbose=0)
            values = model.evaluate(x, targets[kind], verbose=0)
            named = model.evaluate(x, targets[kind], verbose=0, return_dict=True)
            order = [next(key for key, value in named.items() if np.isclose(value, v)) for v in values]
            results[name] = {"history_keys": sorted(history.history), "evaluate_order": order}
        except Exception as error:  # the error itself is the expected result
            results[name] = {"error": type(error).__name__}
    with open(os.path.join(HERE, "keras_results.json"), "w") as handle:
        json.dump({"keras_version": keras.__version__, "cases": results}, handle, indent=1)


if __name__ == "__main__":
    main()
