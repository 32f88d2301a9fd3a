"""Write the Keras-made fixtures of tests/test_keras_format.py (run with a Python that has Keras 3).

    /path/to/keras-venv/bin/python tests/data/keras/make_fixtures.py

Each fixture is a small Sequential model saved by Keras itself (``<name>.keras``), the inputs it was run on
(``<name>_x.npy``) and Keras's predictions for them (``<name>_y.npy``). Weights are set from a fixed seed, and
BatchNormalization's moving statistics are made non-trivial, so that a loader which mixes up any weight gives
different predictions.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _mlp() -> tuple[keras.Model, tuple[int, ...]]:
    """Every supported layer type, in one classifier of 4x3 'images'."""
    model = keras.Sequential([
        keras.Input(shape=(4, 3)),
        layers.Flatten(),
        layers.Dense(8, activation="relu", kernel_initializer="he_normal",
                     kernel_regularizer=keras.regularizers.L2(1e-3)),
        layers.BatchNormalization(momentum=0.9, epsilon=1e-3),
        layers.Dropout(0.25),
        layers.Dense(6),
        layers.LeakyReLU(negative_slope=0.1),
        layers.Dense(5, activation="tanh"),
        layers.Activation("sigmoid"),
        layers.Dense(3, activation="softmax"),
    ], name="mlp")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model, (7, 4, 3)


def _binary() -> tuple[keras.Model, tuple[int, ...]]:
    """A Dense without bias, a bare BatchNormalization (no center/scale), a sigmoid output; not compiled."""
    model = keras.Sequential([
        keras.Input(shape=(5,)),
        layers.Dense(4, use_bias=False, activation="leaky_relu"),
        layers.BatchNormalization(center=False, scale=False),
        layers.Activation("relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="binary")
    return model, (6, 5)


def _fill(model: keras.Model, rng: np.random.Generator) -> None:
    weights = []
    for w in model.get_weights():
        weights.append(rng.normal(0, 0.6, w.shape).astype(np.float32))
    model.set_weights(weights)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            # moving_variance must stay positive
            values = layer.get_weights()
            values[-1] = rng.uniform(0.5, 2.0, values[-1].shape).astype(np.float32)
            layer.set_weights(values)


def main() -> None:
    rng = np.random.default_rng(8)
    for make in (_mlp, _binary):
        model, x_shape = make()
        _fill(model, rng)
        x = rng.normal(0, 1, x_shape).astype(np.float32)
        y = model.predict(x, verbose=0)
        name = model.name
        model.save(os.path.join(HERE, f"{name}.keras"))
        np.save(os.path.join(HERE, f"{name}_x.npy"), x)
        np.save(os.path.join(HERE, f"{name}_y.npy"), y)
        print(name, keras.__version__, y.shape)


if __name__ == "__main__":
    main()
