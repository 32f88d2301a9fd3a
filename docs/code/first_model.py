import lamina
from lamina.keras import layers

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()   # 8x8 images, shipped with Lamina
x_train, x_test = x_train.reshape(-1, 64) / 16, x_test.reshape(-1, 64) / 16

model = lamina.Sequential([layers.Input((64,)), layers.Dense(64, activation="relu"),
                           layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1, verbose=0)
print(model.evaluate(x_test, y_test, verbose=0))   # [loss, accuracy]
