"""The keras.io guide "The Functional API" (fchollet; https://keras.io/guides/functional_api/, source
keras-team/keras, guides/functional_api.py, the Keras 3 version), its MLP parts, adapted to run as tests.

What differs from the guide, and nothing else:
- the import lines (below): ``import keras`` -> ``from lamina import keras``, ``from keras import ...`` ->
  ``from lamina.keras import ...``; Lamina has no ``keras.ops`` yet, so ``ops`` is None here and the cells that
  use it fail (tests/test_guides.py expects that);
- data: ``keras.datasets.mnist.load_data()`` -> ``guide_data.mnist_like(...)`` (MNIST from $LAMINA_DATA, else the
  packaged digits in MNIST's layout), and ``reshape(60000, 784)`` -> ``reshape(-1, 784)`` so that a subset fits;
- the ``keras.utils.plot_model`` cells are left out (they draw PNG files through pydot and graphviz);
- each section of the guide is a function returning what it printed, so that tests can run them one at a time
  and the Keras run (run_with_keras.py) can collect the numbers. Cells are otherwise copied as they are.
Left out as not MLP parts: the convolutional autoencoders, the toy ResNet (CIFAR-10), VGG19 feature extraction,
and the custom RNN of "Mix-and-match API styles".
"""

import os
import sys

import numpy as np
from lamina import keras  # the guide: import keras
from lamina.keras import layers  # the guide: from keras import layers

try:
    from lamina.keras import ops  # the guide: from keras import ops
except ImportError:  # not in Lamina yet: the cells that use ops fail, as tests/test_guides.py expects
    ops = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guide_data  # noqa: E402


def introduction():
    """## Introduction: build the MNIST MLP, look at its input and summary."""
    inputs = keras.Input(shape=(784,))
    # Just for demonstration purposes.
    img_inputs = keras.Input(shape=(32, 32, 3))
    shape, dtype = inputs.shape, inputs.dtype

    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.summary()
    return {"model": model, "shape": shape, "dtype": dtype, "img_shape": img_inputs.shape}


def training_evaluation_inference(model, n_train=None, n_test=None, epochs=2):
    """## Training, evaluation, and inference (the guide: the full MNIST sets, 2 epochs)."""
    (x_train, y_train), (x_test, y_test) = guide_data.mnist_like(n_train, n_test)

    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )

    history = model.fit(
        x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.2
    )

    test_scores = model.evaluate(x_test, y_test, verbose=2)
    print("Test loss:", test_scores[0])
    print("Test accuracy:", test_scores[1])
    return {"history": history.history, "test_loss": test_scores[0], "test_accuracy": test_scores[1],
            "x_test": x_test}


def save_and_serialize(model):
    """## Save and serialize (writes my_model.keras in the current folder, as the guide does)."""
    model.save("my_model.keras")
    del model
    # Recreate the exact same model purely from the file:
    model = keras.models.load_model("my_model.keras")
    return {"model": model}


def ensembling():
    """## All models are callable, just like layers: an ensemble averaging three models."""

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
    return {"models": (model1, model2, model3), "ensemble_model": ensemble_model}


def multiple_inputs_and_outputs():
    """### Models with multiple inputs and outputs (the ticket model: Embedding and LSTM text encoders)."""
    num_tags = 12  # Number of unique issue tags
    num_words = 10000  # Size of vocabulary obtained when preprocessing text data
    num_departments = 4  # Number of departments for predictions

    title_input = keras.Input(
        shape=(None,), name="title"
    )  # Variable-length sequence of ints
    body_input = keras.Input(
        shape=(None,), name="body"
    )  # Variable-length sequence of ints
    tags_input = keras.Input(
        shape=(num_tags,), name="tags"
    )  # Binary vectors of size `num_tags`

    # Embed each word in the title into a 64-dimensional vector
    title_features = layers.Embedding(num_words, 64)(title_input)
    # Embed each word in the text into a 64-dimensional vector
    body_features = layers.Embedding(num_words, 64)(body_input)

    # Reduce sequence of embedded words in the title into a single 128-dimensional vector
    title_features = layers.LSTM(128)(title_features)
    # Reduce sequence of embedded words in the body into a single 32-dimensional vector
    body_features = layers.LSTM(32)(body_features)

    # Merge all available features into a single large vector via concatenation
    x = layers.concatenate([title_features, body_features, tags_input])

    # Stick a logistic regression for priority prediction on top of the features
    priority_pred = layers.Dense(1, name="priority")(x)
    # Stick a department classifier on top of the features
    department_pred = layers.Dense(num_departments, name="department")(x)

    # Instantiate an end-to-end model predicting both priority and department
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs={"priority": priority_pred, "department": department_pred},
    )

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[
            keras.losses.BinaryCrossentropy(from_logits=True),
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ],
        loss_weights=[1.0, 0.2],
    )

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )

    # Dummy input data
    title_data = np.random.randint(num_words, size=(1280, 10))
    body_data = np.random.randint(num_words, size=(1280, 100))
    tags_data = np.random.randint(2, size=(1280, num_tags)).astype("float32")

    # Dummy target data
    priority_targets = np.random.random(size=(1280, 1))
    dept_targets = np.random.randint(2, size=(1280, num_departments))

    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=2,
        batch_size=32,
    )
    return {"model": model, "history": history.history}


def shared_layers():
    """## Shared layers: one Embedding encoding two text inputs."""
    # Embedding for 1000 unique words mapped to 128-dimensional vectors
    shared_embedding = layers.Embedding(1000, 128)

    # Variable-length sequence of integers
    text_input_a = keras.Input(shape=(None,), dtype="int32")

    # Variable-length sequence of integers
    text_input_b = keras.Input(shape=(None,), dtype="int32")

    # Reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    return {"encoded": (encoded_input_a, encoded_input_b)}


def custom_layers():
    """## Extend the API using custom layers: CustomDense, then again with get_config and from_config."""

    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)

    model = keras.Model(inputs, outputs)

    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)

    model = keras.Model(inputs, outputs)
    config = model.get_config()

    new_model = keras.Model.from_config(
        config, custom_objects={"CustomDense": CustomDense}
    )
    return {"model": model, "new_model": new_model}
