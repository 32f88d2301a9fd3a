import lamina
from lamina import keras
from lamina.keras import layers

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()
x_train, x_test = x_train.reshape(-1, 64) / 16, x_test.reshape(-1, 64) / 16

inputs = keras.Input(shape=(64,), name="pixels")
h = layers.Dense(64, activation="relu")(inputs)
x = layers.Dense(64, activation="relu")(h)
x = x + h                                    # a residual connection: Python operators record operations
x = keras.ops.relu(x)                        # and so do keras.ops functions
side = layers.Dense(32, activation="relu")(inputs)
x = layers.concatenate([x, side])            # merge layers, and their function forms
outputs = layers.Dense(10, activation="softmax", name="digit")(x)
model = keras.Model(inputs, outputs, name="residual_mlp")
model.summary()                              # Keras's table, with its "Connected to" column

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1, verbose=0)
print(model.evaluate(x_test, y_test, verbose=0))
model.save("residual_mlp.keras")             # Keras 3's format; keras.models.load_model reads it back
print(keras.models.load_model("residual_mlp.keras").predict(x_test[:2], verbose=0).argmax(axis=1))
