"""Write the Keras-made convolutional-model fixtures of tests/test_keras_conv_format.py (run with Keras 3).

    /path/to/keras-venv/bin/python tests/data/keras/make_conv_fixtures.py

For each model of tests/conv_models.py (the keras.io MNIST convnet, a ResNet block with Add and
BatchNormalization, Embedding + Conv1D + global poolings, every other convolution / pooling / padding / cropping /
upsampling layer, and the augmentation layers): ``conv_<name>.keras`` saved by Keras itself, and
``conv_<name>_io.npz`` with the inputs it was run on (``x_0``) and Keras's predictions (``y_0``).

Kernels keep Keras's (seeded) initialization; every bias, scale and embedding row is drawn away from its
initial value and BatchNormalization's moving statistics are made non-trivial, so that a loader that puts any
weight in the wrong place, or reads a layer's options wrongly, predicts differently.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

from make_graph_fixtures import tests_module  # noqa: E402 - this folder's other fixture script

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = 5


def fill(model: keras.Model, rng: np.random.Generator) -> None:
    for layer in model._flatten_layers():
        values = layer.get_weights()
        if not values:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            values = [rng.normal(1.0, 0.3, v.shape) if i == 0 else           # gamma
                      rng.uniform(0.5, 2.0, v.shape) if i == len(values) - 1 else  # moving variance > 0
                      rng.normal(0.0, 0.3, v.shape) for i, v in enumerate(values)]
        elif isinstance(layer, keras.layers.Embedding):
            values = [rng.normal(0.0, 1.0, values[0].shape)]
        else:  # kernels as Keras initialized them (scaled to the fan-in); biases and scales drawn
            values = [v if v.ndim >= 2 else rng.normal(1.0 if "gamma" in w.path else 0.0, 0.3, v.shape)
                      for v, w in zip(values, layer.weights)]
        layer.set_weights([np.asarray(v, dtype=np.float32) for v in values])


def main() -> None:
    models = tests_module("conv_models")
    rng = np.random.default_rng(15)
    for name in models.MODELS:
        keras.utils.set_random_seed(15)
        model = models.build(keras, name)
        fill(model, rng)
        if name == "mnist_convnet":  # compiled as keras.io compiles it: its compile_config is read too
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        x = models.sample_inputs(model, rng, SAMPLES)
        y = model.predict(x, verbose=0)
        model.save(os.path.join(HERE, f"conv_{name}.keras"))
        np.savez(os.path.join(HERE, f"conv_{name}_io.npz"), x_0=x, y_0=np.asarray(y))
        print(name, keras.__version__, x.shape, y.shape, float(np.abs(y).max()))


if __name__ == "__main__":
    main()
