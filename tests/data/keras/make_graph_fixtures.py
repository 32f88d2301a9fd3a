"""Write the Keras-made functional-model fixtures of tests/test_keras_graph_format.py (run with Keras 3).

    /path/to/keras-venv/bin/python tests/data/keras/make_graph_fixtures.py

For each model of tests/graph_models.py (merges, ``x + y`` operations, shared layers, several inputs and
outputs, nested functional and Sequential models, shape layers, a Lambda by name): ``graph_<name>.keras`` saved by
Keras itself, and ``graph_<name>_io.npz`` with the inputs it was run on (``x_0``, ``x_1``, ...) and Keras's
predictions (``y_0``, ...). Weights are drawn from a fixed seed and BatchNormalization's moving statistics are
made non-trivial, so a loader that puts any weight in the wrong layer predicts differently.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("residual", "shared", "merges", "multi_io", "nested", "sequential_of_model", "tensor_ops", "reshaping",
          "lambda")
# 7 samples: no model here has an axis of size 7. (Keras 3.15's TensorFlow backend adds a (n, 1) tensor to an
# (n, n) one as a bias row, keras.ops.add's bias_add shortcut: a batch as large as a feature axis would hit it.)
SAMPLES = 7


def tests_module(name: str):
    """A module of the tests folder (``graph_models``, ``conv_models``), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", "..", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def graph_models():
    return tests_module("graph_models")


def fill(model: keras.Model, rng: np.random.Generator) -> None:
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            values = layer.get_weights()
            values[-1] = rng.uniform(0.5, 2.0, values[-1].shape).astype(np.float32)  # variance stays positive
            layer.set_weights(values)


def main() -> None:
    models = graph_models()
    rng = np.random.default_rng(13)
    for name in MODELS:
        model = models.build(keras, name)
        fill(model, rng)
        if name == "residual":  # one compiled model: its compile_config is read too
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        inputs = [rng.normal(0, 1, (SAMPLES,) + tuple(t.shape[1:])).astype(np.float32) for t in model.inputs]
        outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        model.save(os.path.join(HERE, f"graph_{name}.keras"))
        np.savez(os.path.join(HERE, f"graph_{name}_io.npz"), **{f"x_{i}": x for i, x in enumerate(inputs)},
                 **{f"y_{i}": np.asarray(y) for i, y in enumerate(outputs)})
        print(name, keras.__version__, [y.shape for y in outputs])


if __name__ == "__main__":
    main()
