"""Section 6, batch normalization: Ioffe & Szegedy's MNIST experiment (2015, Figure 1), with and without BN.

Three fully connected hidden layers of 100 sigmoid units, a softmax output, mini-batches of 60, plain SGD with the
same learning rate for both networks. The BN network normalizes each hidden layer's pre-activation z over the
mini-batch, then scales and shifts it (gamma z_hat + beta) before the sigmoid. The test accuracy is measured
every few steps; BN's rises faster and ends higher (the paper's claim), and the plot shows both curves.

MNIST is used when a local copy exists ($LAMINA_DATA, the user cache, /usr/share/datasets; this example never
downloads), else the UCI 8x8 digits shipped with Lamina. The quick mode trains on fewer images and steps.

Run: python examples/s6_batch_norm.py [--quick] [--dataset auto|mnist|digits] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import callbacks, layers, optimizers, plot
from _common import add_dataset_argument, claim, heading, load_images, parse_args, save_plot, table

BATCH_SIZE = 60
LEARNING_RATE = 0.1


def network(n_features: int, n_classes: int, batch_norm: bool, seed: int) -> Any:
    """784-100-100-100-10 (or 64-... for the digits) with sigmoid units, with or without BN before each sigmoid."""
    lamina.utils.set_random_seed(seed)
    stack: list[Any] = [layers.Input((n_features,))]
    for _ in range(3):
        if batch_norm:
            # BN's beta takes the place of the bias (Ioffe & Szegedy, section 3.2).
            stack += [layers.Dense(100, use_bias=False), layers.BatchNormalization(), layers.Activation("sigmoid")]
        else:
            stack.append(layers.Dense(100, activation="sigmoid"))
    stack.append(layers.Dense(n_classes, activation="softmax"))
    model = lamina.Sequential(stack)
    model.compile(optimizer=optimizers.SGD(learning_rate=LEARNING_RATE), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class TestAccuracyEvery(callbacks.Callback):
    """Measures the test accuracy (inference mode) every ``every`` training steps, counting across epochs."""

    def __init__(self, x: np.ndarray, y: np.ndarray, every: int) -> None:
        super().__init__()
        self.x, self.y, self.every = x, y, every
        self.steps: list[int] = []
        self.accuracy: list[float] = []
        self._done = 0

    def measure(self) -> None:
        predictions = self.model.predict(self.x, batch_size=2048, verbose=0)
        self.steps.append(self._done)
        self.accuracy.append(float(np.mean(np.argmax(predictions, axis=1) == self.y)))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.measure()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._done += 1
        if self._done % self.every == 0:
            self.measure()


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, add_dataset_argument)
    name, (x_train, y_train), (x_test, y_test) = load_images(args.dataset)
    large = len(x_train) > 10_000
    if args.quick:
        x_train, y_train = x_train[:3000], y_train[:3000]
        x_test, y_test = x_test[:1000], y_test[:1000]
        epochs = 4 if large else 6
    else:
        epochs = 5 if large else 50
    steps_per_epoch = -(-len(x_train) // BATCH_SIZE)
    total = epochs * steps_per_epoch
    every = max(total // 40, 1)
    n_classes = int(y_train.max()) + 1
    heading(f"{name}: {len(x_train)} training and {len(x_test)} test images; 3 x 100 sigmoid units, batches of "
            f"{BATCH_SIZE}, SGD at {LEARNING_RATE}, {total} steps")

    curves, final = {}, {}
    for label, use_bn in (("without BN", False), ("with BN", True)):
        model = network(x_train.shape[1], n_classes, use_bn, args.seed)
        tracker = TestAccuracyEvery(x_test, y_test, every)
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0, callbacks=[tracker])
        if tracker.steps[-1] != total:
            tracker.measure()
        curves[label] = (np.array(tracker.steps), np.array(tracker.accuracy))
        final[label] = tracker.accuracy[-1]
        print(f"{label}: training loss {history.history['loss'][-1]:.4f}, test accuracy {final[label]:.4f}")

    checkpoints = sorted({every, total // 10, total // 4, total // 2, total})
    rows = []
    for step in checkpoints:
        index = {label: int(np.searchsorted(steps, step)) for label, (steps, _) in curves.items()}
        rows.append([step, *(f"{curves[label][1][min(i, len(curves[label][1]) - 1)]:.4f}"
                             for label, i in index.items())])
    table(rows, ["step", *curves])
    steps_bn, accuracy_bn = curves["with BN"]
    target = final["without BN"]
    matched = int(steps_bn[np.argmax(accuracy_bn >= target)]) if (accuracy_bn >= target).any() else None
    higher = claim(f"BN's final test accuracy {final['with BN']:.4f} is higher than the plain network's "
                   f"{final['without BN']:.4f}", final["with BN"] > final["without BN"])
    faster = claim(f"BN is faster: it reaches the plain network's final accuracy after {matched} of {total} steps",
                   matched is not None and matched < total)

    save_plot(args, "s6_batch_norm.png", lambda path: plot.curves(
        curves, path=path, xlabel="training step (mini-batch of 60)", ylabel="test accuracy", size=(7.5, 4.2),
        title=f"{name}: 3 x 100 sigmoid units, with and without batch normalization"))
    return {"dataset": name, "final_accuracy": final, "steps": total, "claims_hold": higher and faster}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
