import numpy as np
import lamina
from lamina import distribution, keras
from lamina.keras import layers

distribution.set_distribution(distribution.DataParallel())   # one replica per MPI process; alone: no change

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()
x_train, x_test = x_train.reshape(-1, 64) / 16, x_test.reshape(-1, 64) / 16

lamina.utils.set_random_seed(0)          # (rank 0's weights are broadcast anyway at the start of fit)
model = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=10, validation_split=0.1, verbose=0,   # 64: the global batch
          callbacks=[keras.callbacks.EarlyStopping(patience=3)])
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)      # collective: every process calls it
if distribution.rank() == 0:
    print(f"{distribution.size()} process(es): test accuracy {accuracy:.3f}")
