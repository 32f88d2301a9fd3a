import lamina
from lamina import keras
from lamina.keras import layers

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()   # 8x8 grey images, 0..16
x_train, x_test = x_train.reshape(-1, 8, 8, 1) / 16, x_test.reshape(-1, 8, 8, 1) / 16

model = keras.Sequential([                  # keras.io's "Simple MNIST convnet", "same" padding for 8x8 images
    keras.Input((8, 8, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), padding="same", activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), padding="same", activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=128, epochs=12, validation_split=0.1, verbose=0)
print(model.evaluate(x_test, y_test, verbose=0))   # [loss, accuracy]
