import numpy as np
import lamina as tf                       # was: import tensorflow as tf
from lamina.keras import layers, models   # was: from tensorflow.keras import layers, models

X = np.random.rand(1000, 20).astype(np.float32)
y = np.random.randint(2, size=(1000, 1)).astype(np.float32)

model = models.Sequential([
    layers.Input(shape=(20,)),
    layers.Dense(64, kernel_regularizer=tf.keras.regularizers.l2(0.01)),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Dropout(0.3),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), loss="binary_crossentropy",
              metrics=["accuracy"])
model.summary()
history = model.fit(X, y, epochs=3, validation_split=0.2, verbose=0,
                    callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)])
print(sorted(history.history))
