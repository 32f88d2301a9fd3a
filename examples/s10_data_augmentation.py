"""Section 5, regularization by data augmentation: random rotations, shifts and zooms of the training images
make a small training set behave like a larger one.

The notes list data augmentation among the regularizers: new training examples made by transformations that
leave the label unchanged. Here a small convnet is trained twice on the same small subset of MNIST (1,000
images), once on the images as they are and once behind Keras-style augmentation layers (RandomRotation,
RandomTranslation, RandomZoom), which transform every batch anew during training and do nothing at test time.
Same architecture, seed and number of steps. It prints both test accuracies and plots the test accuracy after
every epoch.

Without a local MNIST ($LAMINA_DATA, the user cache, /usr/share/datasets; this example never downloads) it uses
the UCI 8x8 digits shipped with Lamina, whose small images survive no rotation or zoom, for the other thing
augmentation is for, invariance: the training digits sit centred on a 16x16 canvas, the test digits anywhere on
it, and random shifts of whole pixels are the augmentation.

Run: python examples/s10_data_augmentation.py [--quick] [--train-size N] [--epochs N] [--dataset auto|mnist|digits]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import layers, plot
from lamina.layers.conv2d import Conv2D
from lamina.layers.max_pooling2d import MaxPooling2D
from lamina.layers.random_rotation import RandomRotation
from lamina.layers.random_translation import RandomTranslation
from lamina.layers.random_zoom import RandomZoom
from _common import add_dataset_argument, as_images, claim, heading, load_images, parse_args, save_plot, table

BATCH_SIZE = 64


CANVAS = 16


def augmentation(seed: int, shifts_only: bool) -> list[Any]:
    """Label-preserving changes of a handwritten digit: a slight turn, shift and zoom (no flips: a mirrored 2 is
    not a 2); or, on the canvas of 8x8 digits, shifts by whole pixels (up to a quarter of the canvas)."""
    if shifts_only:
        return [RandomTranslation(0.25, 0.25, fill_mode="constant", interpolation="nearest", seed=seed)]
    return [RandomRotation(0.04, seed=seed), RandomTranslation(0.1, 0.1, seed=seed + 1),
            RandomZoom(0.1, seed=seed + 2)]


def small_convnet(shape: tuple[int, int, int], n_classes: int, augment: bool, shifts_only: bool, seed: int) -> Any:
    lamina.utils.set_random_seed(seed)
    stack: list[Any] = [layers.Input(shape)]
    if augment:
        stack += augmentation(seed, shifts_only)
    stack += [Conv2D(16, 3, activation="relu"), MaxPooling2D(2), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
              layers.Flatten(), layers.Dropout(0.3), layers.Dense(n_classes, activation="softmax")]
    model = lamina.Sequential(stack)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def on_canvas(x: np.ndarray, rng: np.random.Generator, centred: bool) -> np.ndarray:
    """8x8 digits (flat) on a CANVAS x CANVAS black image, centred or at a random place."""
    images = as_images(x)
    side = images.shape[1]
    out = np.zeros((len(images), CANVAS, CANVAS, 1), np.float32)
    room = CANVAS - side
    offsets = np.full((len(images), 2), room // 2) if centred else rng.integers(0, room + 1, (len(images), 2))
    for image, canvas, (top, left) in zip(images, out, offsets):
        canvas[top:top + side, left:left + side] = image
    return out


def add_arguments(parser) -> None:
    add_dataset_argument(parser)
    parser.add_argument("--train-size", type=int, default=1000, help="training images used (default 1,000)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of each run (default: 60, quick: 30)")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, add_arguments)
    name, (x_train, y_train), (x_test, y_test) = load_images(args.dataset)
    rng = np.random.default_rng(args.seed)
    shifts_only = x_train.shape[1] < 28 * 28          # the 8x8 digits: the invariance task (module docstring)
    # Quick: as many MNIST images (augmentation needs them: with 500 and 30 epochs it only underfits), fewer digits.
    size = min(args.train_size if not (args.quick and shifts_only) else min(args.train_size, 500), len(x_train))
    chosen = rng.choice(len(x_train), size=size, replace=False)
    if args.quick:
        x_test, y_test = x_test[:2000], y_test[:2000]
    if shifts_only:
        x_small, images_test = on_canvas(x_train[chosen], rng, True), on_canvas(x_test, rng, False)
        name += f", on a {CANVAS}x{CANVAS} canvas: centred for training, anywhere for testing"
    else:
        x_small, images_test = as_images(x_train[chosen]), as_images(x_test)
    y_small = y_train[chosen]
    epochs = args.epochs or (30 if args.quick else 60)
    n_classes = int(y_train.max()) + 1
    heading(f"{name}: {size} training images (of {len(x_train)}), {len(x_test)} test images; {epochs} epochs, "
            f"batch {BATCH_SIZE}, Adam")

    accuracy, curves = {}, {}
    for label, augment in (("no augmentation", False), ("augmentation", True)):
        model = small_convnet(x_small.shape[1:], n_classes, augment, shifts_only, args.seed)
        history = model.fit(x_small, y_small, epochs=epochs, batch_size=BATCH_SIZE, verbose=0,
                            validation_data=(images_test, y_test))
        accuracy[label] = float(history.history["val_accuracy"][-1])
        curves[label] = (np.arange(1, epochs + 1), np.array(history.history["val_accuracy"]))
        print(f"{label}: final training loss {history.history['loss'][-1]:.4f}, test accuracy {accuracy[label]:.4f}")
    table([[label, f"{value:.4f}"] for label, value in accuracy.items()], ["training data", "test accuracy"])
    what = "teaches the invariance the training set lacks" if shifts_only else "regularizes"
    higher = claim(f"augmentation {what}: test accuracy {accuracy['augmentation']:.4f} > "
                   f"{accuracy['no augmentation']:.4f} without it", accuracy["augmentation"] > accuracy["no augmentation"])
    save_plot(args, "s10_data_augmentation.png", lambda path: plot.curves(
        curves, path=path, xlabel="epoch", ylabel="test accuracy", size=(7.5, 4.2),
        title=f"{name}, {size} training images: with and without augmentation"))
    return {"dataset": name, "train_size": size, "test_accuracy": accuracy, "epochs": epochs, "task":
            "invariance" if shifts_only else "regularization",
            "claims_hold": higher}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
