"""The Sequential model's feature extraction and transfer-learning blueprints, with Dense layers in place of the
guide's Conv2D layers (written before Lamina had convolutions; the guide's second sketch needs
keras.applications, which Lamina does not have), run on Lamina. A stand-in, not counted as a guide program.

Source: https://keras.io/guides/sequential_model/ (keras-team/keras-io, guides/sequential_model.py, Keras 3
version, last modified 2023/06/25; Apache License 2.0), sections "Feature extraction with a Sequential model"
and "Transfer learning with a Sequential model" (whose code the guide shows as a sketch, with `...` for the data).
Every change from the guide's text is marked ``# changed (<kind>): ...``.
"""

# %% Setup
import numpy as np  # changed (data): the transfer-learning blueprint's data, which the guide leaves as `...`
from lamina import keras  # changed (imports): was `import keras`
from lamina.keras import layers  # changed (imports): was `from keras import layers`
from lamina.keras import ops  # changed (imports): was `from keras import ops`

# %% Feature extraction with a Sequential model
initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 3)),  # changed (lamina): was (250, 250, 3) images for Conv2D
        layers.Dense(32, activation="relu"),  # changed (lamina): was Conv2D(32, 5, strides=2, activation="relu")
        layers.Dense(32, activation="relu"),  # changed (lamina): was Conv2D(32, 3, activation="relu")
        layers.Dense(32, activation="relu"),  # changed (lamina): was Conv2D(32, 3, activation="relu")
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)

# Call feature extractor on test input.
x = ops.ones((1, 250, 3))  # changed (lamina): was (1, 250, 250, 3)
features = feature_extractor(x)

# %% Features of one layer
initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 3)),  # changed (lamina): was (250, 250, 3)
        layers.Dense(32, activation="relu"),  # changed (lamina): was Conv2D(32, 5, strides=2, activation="relu")
        layers.Dense(32, activation="relu", name="my_intermediate_layer"),  # changed (lamina): was Conv2D(32, 3, ...)
        layers.Dense(32, activation="relu"),  # changed (lamina): was Conv2D(32, 3, activation="relu")
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
# Call feature extractor on test input.
x = ops.ones((1, 250, 3))  # changed (lamina): was (1, 250, 250, 3)
features = feature_extractor(x)

# %% Transfer learning: freeze all layers except the last one
model = keras.Sequential([
    keras.Input(shape=(784,)),  # changed (guide): was shape=(784), an int, which real Keras 3 rejects
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(10),
])

# Presumably you would want to first load pre-trained weights.
pretrained = model.get_weights()  # changed (data): the guide's `model.load_weights(...)`: a round trip instead
model.save_weights("pretrained.weights.h5")  # changed (data): written here so that the next line can read it
model.load_weights("pretrained.weights.h5")  # changed (data): was model.load_weights(...)

# Freeze all layers except the last one.
for layer in model.layers[:-1]:
  layer.trainable = False

# Recompile and train (this will only update the weights of the last layer).
x_train = np.random.random((64, 784)).astype("float32")  # changed (data): the guide's `...`
y_train = np.random.randint(0, 10, size=(64,))  # changed (data): the guide's `...`
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # changed (data): was model.compile(...)
model.fit(x_train, y_train, epochs=2, verbose=0)  # changed (data): was model.fit(...)

# %% Transfer learning: a frozen base model under a new classifier
base_model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu")])  # changed (data): was keras.applications.Xception(weights='imagenet', include_top=False, pooling='avg')

# Freeze the base model
base_model.trainable = False

# Use a Sequential model to add a trainable classifier on top
model = keras.Sequential([
    base_model,
    layers.Dense(1000),
])

# Compile & train
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))  # changed (data): was model.compile(...)
model.fit(x_train, y_train, epochs=2, verbose=0)  # changed (data): was model.fit(...)
