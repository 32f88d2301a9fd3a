import numpy as np
import lamina
from lamina.keras import layers

(x_train, y_train), (x_test, y_test) = lamina.datasets.digits.load_data()
x_train = (x_train.reshape(-1, 64) / 16).astype(np.float32)
x_test = (x_test.reshape(-1, 64) / 16).astype(np.float32)

lamina.utils.set_random_seed(0)
model = lamina.Sequential([layers.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
optimizer = lamina.optimizers.Adam(learning_rate=1e-3)
rng = np.random.default_rng(0)

for epoch in range(10):
    order = rng.permutation(len(x_train))
    for start in range(0, len(x_train), 32):
        batch = order[start:start + 32]
        logits = model(x_train[batch], training=True)
        loss = lamina.softmax_cross_entropy(logits, y_train[batch])
        for weight in model.trainable_weights:
            weight.grad = None
        loss.backward()
        optimizer.step(model.trainable_weights)

with lamina.no_grad():
    predicted = model(x_test).numpy().argmax(axis=1)
print(f"test accuracy: {(predicted == y_test).mean():.3f}")
