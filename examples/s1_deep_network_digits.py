"""Section 1, introduction: a deep network learns to read handwritten digits, one layer of representation after
another.

A 4-layer ReLU network (256-128-64 hidden units, softmax output) is trained with Adam on MNIST when a local copy
exists ($LAMINA_DATA, the user cache, /usr/share/datasets; this example never downloads), else on the UCI 8x8
digits shipped with Lamina. It prints:

- the test accuracy, next to a linear classifier's (softmax regression, no hidden layer) on the same data;
- how the representation improves with depth: a nearest-class-mean classifier (no training beyond averaging) on
  the raw pixels, then on each hidden layer's output; its accuracy rises layer by layer, since each layer
  re-describes the digits in features that separate the classes better ("successive layers of
  representations");
- the training curves (plot).

Run: python examples/s1_deep_network_digits.py [--quick] [--dataset auto|mnist|digits] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import layers, optimizers, plot
from _common import add_dataset_argument, claim, heading, load_images, parse_args, save_plot, table

HIDDEN = (256, 128, 64)


def deep_network(n_features: int, n_classes: int) -> Any:
    stack = [layers.Input((n_features,))]
    stack += [layers.Dense(units, activation="relu", kernel_initializer="he_normal") for units in HIDDEN]
    stack.append(layers.Dense(n_classes, activation="softmax"))
    return lamina.Sequential(stack)


def linear_classifier(n_features: int, n_classes: int) -> Any:
    return lamina.Sequential([layers.Input((n_features,)), layers.Dense(n_classes, activation="softmax")])


def representations(model: Any, x: np.ndarray) -> list[np.ndarray]:
    """The input and every hidden layer's output for ``x`` (inference mode, no graph recorded)."""
    outputs = [x]
    with lamina.no_grad():
        h: Any = x
        for layer in model.layers[:-1]:
            h = layer(h, training=False)
            outputs.append(np.asarray(h.data))
    return outputs


def nearest_mean_accuracy(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> float:
    """Classify each test point by the closest class mean of the training points (Euclidean distance)."""
    classes = np.unique(y_train)
    means = np.stack([train[y_train == c].mean(axis=0) for c in classes])
    distances = (test ** 2).sum(1)[:, None] - 2 * test @ means.T + (means ** 2).sum(1)[None, :]
    return float(np.mean(classes[np.argmin(distances, axis=1)] == y_test))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, add_dataset_argument)
    name, (x_train, y_train), (x_test, y_test) = load_images(args.dataset)
    large = len(x_train) > 10_000
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:5000], y_train[:5000], x_test[:1000], y_test[:1000]
    epochs = (3 if large else 20) if args.quick else (6 if large else 40)
    batch_size = 128 if large else 32
    n_classes = int(y_train.max()) + 1
    threshold = 0.90 if args.quick else (0.97 if large else 0.95)

    heading(f"{name}: {len(x_train)} training and {len(x_test)} test images of {x_train.shape[1]} pixels")
    model = deep_network(x_train.shape[1], n_classes)
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=0.1,
                        verbose=2)
    _, deep_accuracy = model.evaluate(x_test, y_test, batch_size=2048, verbose=0)

    lamina.utils.set_random_seed(args.seed)
    linear = linear_classifier(x_train.shape[1], n_classes)
    linear.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    linear.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    _, linear_accuracy = linear.evaluate(x_test, y_test, batch_size=2048, verbose=0)

    heading("Test accuracy")
    table([["deep network " + "-".join(map(str, (x_train.shape[1], *HIDDEN, n_classes))), deep_accuracy,
            int(round((1 - deep_accuracy) * len(x_test)))],
           ["linear classifier (softmax regression)", linear_accuracy,
            int(round((1 - linear_accuracy) * len(x_test)))]],
          ["model", "test accuracy", "test errors"])
    if large and not args.quick:
        print("(for scale: the best plain feed-forward network of 2012 made 160 MNIST test errors, 98.4%, "
              "trained far longer; Hinton et al., 2012)")
    holds = claim(f"the deep network reads the digits: test accuracy {deep_accuracy:.4f} >= {threshold}",
                  deep_accuracy >= threshold)
    holds &= claim(f"depth pays: {deep_accuracy:.4f} beats the linear classifier's {linear_accuracy:.4f}",
                   deep_accuracy > linear_accuracy)

    heading("Successive layers of representations (nearest-class-mean accuracy on each layer's output)")
    sample = slice(0, min(len(x_train), 10_000))
    train_views = representations(model, x_train[sample])
    test_views = representations(model, x_test)
    names = ["pixels", *(f"hidden {i + 1} ({units} units)" for i, units in enumerate(HIDDEN))]
    layer_accuracy = [nearest_mean_accuracy(tr, y_train[sample], te, y_test)
                      for tr, te in zip(train_views, test_views)]
    table([[n, a] for n, a in zip(names, layer_accuracy)], ["representation", "nearest-mean accuracy"])
    holds &= claim(f"the last hidden layer separates the classes better than the pixels "
                   f"({layer_accuracy[-1]:.3f} vs {layer_accuracy[0]:.3f})", layer_accuracy[-1] > layer_accuracy[0])

    save_plot(args, "s1_training.png", lambda path: plot.history(
        history, path=path, title=f"{name}: deep network, test accuracy {deep_accuracy:.4f}"))
    return {"dataset": name, "test_accuracy": float(deep_accuracy), "linear_accuracy": float(linear_accuracy),
            "layer_accuracy": layer_accuracy, "claims_hold": bool(holds)}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
