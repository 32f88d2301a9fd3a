"""Section 1, gradient propagation: residual connections (2015) let a deep network train where a plain one cannot.

The notes' history: "the feedback signal used to train neural networks would fade away as the number of layers
increased", and residual connections are one of the ideas that made deep stacks trainable. Two networks built with
the functional API, the same 21 hidden Dense layers of 64 sigmoid units (no batch normalization) and a softmax
output, trained the same way (Adam, batches of 64):

- plain: each layer feeds the next, x -> sigmoid(x W + b) -> ... ;
- residual: after the first (projecting) layer, every two layers add their input back,
  x_next = x + f(f(x)), written ``x = x + block(x)`` with symbolic tensors.

By the chain rule each layer multiplies the gradient by W^T diag(sigmoid'(z)), and sigmoid' <= 1/4, so through 21
layers the plain network's first-layer gradient shrinks by many orders of magnitude and its accuracy stays at
chance; the shortcut's derivative is the identity, d(x + f(x))/dx = I + df/dx, so the gradient reaches the first
layer intact. The script prints the first layer's gradient norm at initialization and both final accuracies,
and plots the validation accuracy per epoch and every layer's gradient norm.

MNIST is used when a local copy exists ($LAMINA_DATA, the user cache, /usr/share/datasets; this example never
downloads), else the UCI 8x8 digits shipped with Lamina. The quick mode trains on less data for fewer epochs.

Run: python examples/s8_residual_mlp.py [--quick] [--dataset auto|mnist|digits] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import keras, layers, plot
from _common import add_dataset_argument, claim, heading, load_images, parse_args, save_plot, table

WIDTH = 64
BLOCKS = 10  # 1 projecting layer + 10 blocks of 2 = 21 hidden layers
BATCH_SIZE = 64


def network(n_features: int, n_classes: int, residual: bool, seed: int) -> Any:
    """21 hidden Dense(64, sigmoid) layers; with ``residual``, each pair after the first layer is a block
    x -> x + f(f(x))."""
    lamina.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(n_features,), name="pixels")
    x = layers.Dense(WIDTH, activation="sigmoid", name="hidden_1")(inputs)
    for block in range(BLOCKS):
        y = layers.Dense(WIDTH, activation="sigmoid", name=f"hidden_{2 * block + 2}")(x)
        y = layers.Dense(WIDTH, activation="sigmoid", name=f"hidden_{2 * block + 3}")(y)
        x = x + y if residual else y
    outputs = layers.Dense(n_classes, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs, name="residual_mlp" if residual else "plain_mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def hidden_gradient_norms(model: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    """||dL/dW|| of each hidden layer's kernel for the loss on one batch (first layer first)."""
    for weight in model.trainable_weights:
        weight.grad = None
    loss = lamina.losses.get("sparse_categorical_crossentropy")(y, model(x, training=True))
    loss.backward()
    hidden = [layer for layer in model.layers if layer.name.startswith("hidden_")]
    return [float(np.linalg.norm(layer.kernel.grad)) for layer in hidden]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, add_dataset_argument)
    name, (x_train, y_train), (x_test, y_test) = load_images(args.dataset)
    large = len(x_train) > 10_000
    if args.quick:
        x_train, y_train = x_train[:1500], y_train[:1500]
        x_test, y_test = x_test[:1000], y_test[:1000]
        epochs = 12
    else:
        x_train, y_train = (x_train[:20000], y_train[:20000]) if large else (x_train, y_train)
        epochs = 10 if large else 30
    n_classes = int(y_train.max()) + 1
    heading(f"{name}: {len(x_train)} training and {len(x_test)} test images; 21 hidden Dense({WIDTH}, sigmoid) "
            f"layers, Adam, batches of {BATCH_SIZE}, {epochs} epochs")

    curves, gradients, final = {}, {}, {}
    for label, residual in (("plain", False), ("residual", True)):
        model = network(x_train.shape[1], n_classes, residual, args.seed)
        gradients[label] = hidden_gradient_norms(model, x_train[:256], y_train[:256])
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0,
                            validation_data=(x_test, y_test))
        curves[label] = history.history["val_accuracy"]
        final[label] = curves[label][-1]
        print(f"{label}: first layer's gradient norm at initialization {gradients[label][0]:.3e}, training loss "
              f"{history.history['loss'][-1]:.4f}, test accuracy {final[label]:.4f}")

    table([[f"hidden_{i + 1}", gradients["plain"][i], gradients["residual"][i]]
           for i in (0, 1, 5, 10, 15, 20)], ["layer", "plain ||dL/dW||", "residual ||dL/dW||"])
    chance = float(np.max(np.bincount(y_test)) / len(y_test))
    trains = claim(f"the residual network trains: test accuracy {final['residual']:.4f}, against "
                   f"{final['plain']:.4f} for the plain one (chance: {chance:.2f})",
                   final["residual"] > final["plain"] + 0.3 and final["residual"] > 2 * chance)
    ratio = gradients["residual"][0] / max(gradients["plain"][0], 1e-300)
    flows = claim(f"the shortcuts carry the gradient back: the first layer's gradient norm is {ratio:.1e} times "
                  f"the plain network's", ratio > 1e3)

    def draw(path: Any) -> None:
        fig, (left, right) = plot.figure(ncols=2, size=(11, 4.2))
        plot.curves({label: curves[label] for label in curves}, ax=left, ylabel="test accuracy",
                    title=f"{name}: 21 sigmoid layers")
        depth = np.arange(1, len(gradients["plain"]) + 1)
        plot.curves({label: (depth, np.maximum(values, 1e-30)) for label, values in gradients.items()}, ax=right,
                    xlabel="hidden layer", ylabel="||dL/dW|| at initialization", logy=True,
                    title="gradient reaching each layer")
        plot.save(fig, path)

    save_plot(args, "s8_residual_mlp.png", draw)
    return {"dataset": name, "final_accuracy": final, "first_layer_gradient": {k: v[0] for k, v in gradients.items()},
            "claims_hold": trains and flows}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
