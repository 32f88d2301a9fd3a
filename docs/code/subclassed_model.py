import numpy as np
import lamina as tf
from lamina import keras
from lamina.keras import layers

class ResidualBlock(layers.Layer):
    """Two Dense layers and a shortcut: x + f(x)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = layers.Dense(units, activation="relu")
        self.outer = layers.Dense(units)

    def call(self, x):
        return keras.ops.relu(x + self.outer(self.inner(x)))


class Classifier(keras.Model):
    def __init__(self, n_classes, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Dense(32, activation="relu")
        self.block = ResidualBlock(32)
        self.head = layers.Dense(n_classes)

    def call(self, x, training=False):
        return self.head(self.block(self.stem(x)))


(x_train, y_train), (x_test, y_test) = tf.datasets.digits.load_data()
x_train, x_test = (x_train.reshape(-1, 64) / 16).astype(np.float32), (x_test.reshape(-1, 64) / 16).astype(np.float32)

model = Classifier(10)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(1e-3)
dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(2048, seed=0).batch(32)

for epoch in range(5):                                   # the loop of "Writing a training loop from scratch"
    for x_batch, y_batch in dataset:
        with tf.GradientTape() as tape:
            loss = loss_fn(y_batch, model(x_batch, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    print(f"epoch {epoch + 1}: loss {float(loss):.4f}")

accuracy = keras.metrics.SparseCategoricalAccuracy()
accuracy.update_state(y_test, model(x_test))
print(f"test accuracy: {float(accuracy.result()):.3f}")
