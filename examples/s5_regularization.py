"""Section 5, regularization: first make sure the network can overfit, then rein it in, and watch the validation
loss of each remedy.

The data: 80 noisy two-moons points to train on, 1,000 more to validate on. The network, 2-128-128-1 with ReLU
and a sigmoid output, has far more weights than points, so without help it memorizes the training set: its
training loss falls towards 0 while its validation loss, after a minimum, climbs. Then, one at a time:

- L2 weight decay (lambda = 1e-3 on every kernel),
- dropout (rate 0.5 after each hidden layer),
- early stopping (patience 20, restoring the best weights),
- data augmentation by noise (GaussianNoise(0.2) on the inputs: each epoch sees new fake points),
- an ensemble (lamina.models.Ensemble) of 5 overfitting networks from different seeds, their predictions averaged,

each ends with a lower validation loss than the unregularized network. The validation curves are plotted.

Run: python examples/s5_regularization.py [--quick] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import callbacks, layers, optimizers, plot, regularizers
from lamina.datasets import two_moons
from lamina.models import Ensemble
from _common import claim, heading, parse_args, save_plot, table


def network(seed: int, l2: float | None = None, dropout: float = 0.0, noise: float = 0.0) -> Any:
    """The over-sized 2-128-128-1 network, optionally with L2, dropout or input noise."""
    lamina.utils.set_random_seed(seed)
    stack: list[Any] = [layers.Input((2,))]
    if noise:
        stack.append(layers.GaussianNoise(noise))
    for _ in range(2):
        stack.append(layers.Dense(128, activation="relu",
                                  kernel_regularizer=regularizers.L2(l2) if l2 else None))
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation="sigmoid"))
    model = lamina.Sequential(stack)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def cross_entropy(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


class RecordPredictions(callbacks.Callback):
    """Keeps the model's validation predictions after every epoch (to follow the ensemble's loss over time)."""

    def __init__(self, x: np.ndarray) -> None:
        super().__init__()
        self.x = x
        self.predictions: list[np.ndarray] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.predictions.append(self.model.predict(self.x, batch_size=1024, verbose=0))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv)
    epochs = 120 if args.quick else 300
    n_members = 3 if args.quick else 5
    x, y = two_moons(80, noise=0.3, seed=args.seed)
    x_val, y_val = two_moons(500 if args.quick else 1000, noise=0.3, seed=args.seed + 1)
    fit = dict(epochs=epochs, batch_size=32, verbose=0, validation_data=(x_val, y_val),
               validation_batch_size=len(x_val))  # one forward pass per validation, not 32-sample batches

    heading(f"Overfit first: 2-128-128-1 on {len(x)} noisy points, {epochs} epochs")
    base = network(args.seed)
    histories = {"no regularization": base.fit(x, y, **fit).history}
    train_loss, train_accuracy = base.evaluate(x, y, verbose=0)
    val = histories["no regularization"]["val_loss"]
    best_epoch = int(np.argmin(val)) + 1
    print(f"training loss {train_loss:.4f}, training accuracy {train_accuracy:.3f}; validation loss: lowest "
          f"{min(val):.3f} at epoch {best_epoch}, then rises to {val[-1]:.3f}")
    overfits = claim("the network can overfit: training loss < 0.1 while the validation loss climbs to over 1.5x "
                     "its minimum", train_loss < 0.1 and val[-1] > 1.5 * min(val))

    heading("Regularized")
    remedies = {
        "L2 (1e-3)": (dict(l2=1e-3), None),
        "dropout (0.5)": (dict(dropout=0.5), None),
        "early stopping (patience 20)": ({}, [callbacks.EarlyStopping(patience=20, restore_best_weights=True)]),
        "Gaussian noise (0.2)": (dict(noise=0.2), None),
    }
    final_val = {"no regularization": float(base.evaluate(x_val, y_val, verbose=0)[0])}
    for label, (options, extra) in remedies.items():
        model = network(args.seed, **options)
        histories[label] = model.fit(x, y, callbacks=extra, **fit).history
        # Early stopping restored its best weights: evaluate the model as it ends, not its last epoch's logs.
        final_val[label] = float(model.evaluate(x_val, y_val, verbose=0)[0])

    recorders = [RecordPredictions(x_val) for _ in range(n_members)]
    members = []
    for i, recorder in enumerate(recorders):
        member = network(args.seed + 100 + i)
        member.fit(x, y, callbacks=[recorder], **fit)
        members.append(member)
    ensemble = Ensemble(members)
    ensemble_label = f"ensemble of {n_members}"
    final_val[ensemble_label] = float(ensemble.evaluate(x_val, y_val, loss="binary_crossentropy"))
    histories[ensemble_label] = {"val_loss": [cross_entropy(y_val, np.mean([r.predictions[e] for r in recorders],
                                                                         axis=0))
                                              for e in range(epochs)]}
    member_losses = [float(m.evaluate(x_val, y_val, verbose=0)[0]) for m in members]

    rows = []
    for label, history in histories.items():
        curve = history["val_loss"]
        rows.append([label, len(curve), f"{min(curve):.3f} (epoch {int(np.argmin(curve)) + 1})", final_val[label]])
    table(rows, ["", "epochs run", "lowest validation loss", "final validation loss"])
    print(f"ensemble members' own validation losses: {', '.join(f'{v:.3f}' for v in member_losses)} "
          f"(mean {np.mean(member_losses):.3f}); their average's: {final_val[ensemble_label]:.3f}")

    baseline = final_val["no regularization"]
    holds = overfits
    for label in [*remedies, ensemble_label]:
        holds &= claim(f"{label}: final validation loss {final_val[label]:.3f} < unregularized {baseline:.3f}",
                       final_val[label] < baseline)
    holds &= claim("the ensemble's average beats its average member (variance shrinks as members are averaged)",
                   final_val[ensemble_label] < np.mean(member_losses))

    def draw(path: Any) -> None:
        series = {label: history["val_loss"] for label, history in histories.items()}
        series["no regularization (training loss)"] = histories["no regularization"]["loss"]
        fig, ax = plot.figure(size=(9, 4.8))
        plot.curves(series, ax=ax, xlabel="epoch", ylabel="loss", logy=True,
                    title="Validation loss with and without regularization (two moons, 80 training points)")
        ax.lines[-1].set_linestyle(":")  # the training loss, to tell it from the validation curves
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
        plot.save(fig, path)

    save_plot(args, "s5_validation_curves.png", draw)
    return {"final_val_loss": final_val, "train_loss": float(train_loss), "member_losses": member_losses,
            "claims_hold": bool(holds)}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
