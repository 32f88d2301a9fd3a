import numpy as np
import lamina as tf
from lamina import keras
from lamina.keras import layers

(x_train, y_train), (x_test, y_test) = tf.datasets.digits.load_data()   # 8x8 images, integers 0..16


def scale(image, label):
    """Called on one (image, label) element at a time, on worker threads."""
    return (image.reshape(8, 8, 1) / 16).astype(np.float32), label


train = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
         .shuffle(2048, seed=0)                                 # a new order every epoch
         .map(scale, num_parallel_calls=tf.data.AUTOTUNE)
         .batch(32)
         .prefetch(tf.data.AUTOTUNE))                           # the next batches are made while the model trains
test = tf.data.Dataset.from_tensor_slices((x_test, y_test)).map(scale).batch(256)
print(train.element_spec)

model = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train, epochs=10, validation_data=test, verbose=0)
print(model.evaluate(test, verbose=0))                         # [loss, accuracy]
