"""Convolutional networks (the notes' history: since 2012 image recognition "has been dominated by deep
convolutional neural networks"): the keras.io "Simple MNIST convnet", layer for layer.

The network of keras.io/examples/vision/mnist_convnet: Conv2D 32 3x3 ReLU, MaxPooling 2x2, Conv2D 64 3x3 ReLU,
MaxPooling 2x2, Flatten, Dropout 0.5, Dense 10 softmax (34,826 parameters), trained with Adam, batch 128,
validation_split 0.1, on MNIST when a local copy exists ($LAMINA_DATA, the user cache, /usr/share/datasets;
this example never downloads). The guide trains 15 epochs and reports about 99% test accuracy; Keras 3 reaches
0.984 after 2 epochs on a 2-core machine. It prints the test accuracy, a dense network's with as many weights
for comparison, and the training curves (plot).

Without MNIST it uses the UCI 8x8 digits shipped with Lamina, with "same" padding (two valid 3x3 convolutions
and two poolings would shrink 8x8 images to nothing).

Run: python examples/s9_mnist_convnet.py [--quick] [--epochs N] [--dataset auto|mnist|digits] [--output DIR]
"""

from __future__ import annotations

import sys
import time
from typing import Any, Sequence

import lamina
from lamina import layers, plot
from lamina.layers.conv2d import Conv2D
from lamina.layers.max_pooling2d import MaxPooling2D
from _common import add_dataset_argument, as_images, claim, heading, load_images, parse_args, save_plot

BATCH_SIZE = 128
GUIDE_EPOCHS = 15
# Quick mode trains on 3,000 images. On MNIST 3 epochs reach only ~0.86 (below the 0.9 claimed); 8 reach
# 0.934-0.938 over seeds 0-2 (6: 0.913-0.929), in about 7 s on one core.
QUICK_EPOCHS_MNIST = 8
QUICK_EPOCHS_DIGITS = 12


def convnet(shape: tuple[int, int, int], n_classes: int, padding: str = "valid") -> Any:
    """keras.io's model, as written there (with keras.layers -> lamina layers)."""
    return lamina.Sequential([
        layers.Input(shape),
        Conv2D(32, kernel_size=(3, 3), activation="relu", padding=padding),
        MaxPooling2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu", padding=padding),
        MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(n_classes, activation="softmax"),
    ])


def dense_network(n_features: int, n_classes: int, parameters: int) -> Any:
    """One hidden ReLU layer sized to have about ``parameters`` weights: the convnet's budget, spent densely."""
    hidden = max(parameters // (n_features + n_classes + 1), 1)
    return lamina.Sequential([layers.Input((n_features,)), layers.Dense(hidden, activation="relu"),
                              layers.Dense(n_classes, activation="softmax")])


def add_arguments(parser) -> None:
    add_dataset_argument(parser)
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"training epochs (default: the guide's {GUIDE_EPOCHS}; with --quick "
                             f"{QUICK_EPOCHS_MNIST} on MNIST, {QUICK_EPOCHS_DIGITS} on the digits)")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, add_arguments)
    name, (x_train, y_train), (x_test, y_test) = load_images(args.dataset)
    large = len(x_train) > 10_000
    if args.quick:
        x_train, y_train = x_train[:3000], y_train[:3000]
        x_test, y_test = x_test[:1000], y_test[:1000]
    epochs = args.epochs or ((QUICK_EPOCHS_MNIST if large else QUICK_EPOCHS_DIGITS) if args.quick else GUIDE_EPOCHS)
    images_train, images_test = as_images(x_train), as_images(x_test)
    n_classes = int(y_train.max()) + 1
    padding = "valid" if images_train.shape[1] >= 12 else "same"
    heading(f"{name}: {len(x_train)} training and {len(x_test)} test images of {images_train.shape[1:3]} pixels; "
            f"Adam, batch {BATCH_SIZE}, {epochs} epochs, validation_split 0.1, padding {padding!r}")

    model = convnet(images_train.shape[1:], n_classes, padding)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.summary()
    start = time.perf_counter()
    history = model.fit(images_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, validation_split=0.1,
                        verbose=0 if args.quick else 2)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(images_test, y_test, verbose=0)
    print(f"Test loss: {test_loss:.4f}")
    print(f"Test accuracy: {test_accuracy:.4f}   ({seconds / epochs:.1f} s per epoch)")

    parameters = model.count_params()
    dense = dense_network(x_train.shape[1], n_classes, parameters)
    dense.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    dense.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, validation_split=0.1, verbose=0)
    dense_accuracy = dense.evaluate(x_test, y_test, verbose=0)[1]
    print(f"A dense network with {dense.count_params():,} weights (the convnet has {parameters:,}): test accuracy "
          f"{dense_accuracy:.4f}")

    # All of MNIST: keras.io's ~0.99 after 15 epochs, Keras 3's 0.984 after 2; a few epochs or a subset: less.
    target = (0.985 if epochs >= 10 else 0.97) if large and not args.quick else 0.9
    learned = claim(f"the convnet reads the digits: test accuracy {test_accuracy:.4f} >= {target} (keras.io: about "
                    f"0.99 after {GUIDE_EPOCHS} epochs on all of MNIST; Keras 3: 0.984 after 2)",
                    test_accuracy >= target)
    falls = claim(f"the training loss falls, {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}",
                  history.history["loss"][-1] < history.history["loss"][0])
    beats = claim(f"weights shared across the image beat the same number of dense weights: "
                  f"{test_accuracy:.4f} > {dense_accuracy:.4f}", test_accuracy > dense_accuracy)
    save_plot(args, "s9_mnist_convnet.png", lambda path: plot.history(
        history, path=path, title=f"{name}: keras.io MNIST convnet, test accuracy {test_accuracy:.4f}"))
    return {"dataset": name, "test_accuracy": test_accuracy, "dense_accuracy": dense_accuracy, "epochs": epochs,
            "history": history.history, "seconds_per_epoch": seconds / epochs,
            "claims_hold": learned and falls and beats}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
