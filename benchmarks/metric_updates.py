"""How long one ``update_state`` of common metrics takes on a batch of 32 (what fit pays per batch and metric).

    PYTHONPATH=src python benchmarks/metric_updates.py

Prints microseconds per update, the best of 5 runs of 2000 updates on fixed arrays (so only the metric's own
work is timed). Compare two checkouts by running it with each on PYTHONPATH in the same session.
"""

from __future__ import annotations

import timeit

import numpy as np

from lamina import metrics


def main() -> None:
    rng = np.random.default_rng(0)
    labels, scores = rng.integers(0, 10, 32), rng.random((32, 10)).astype(np.float32)
    binary, probability = rng.integers(0, 2, (32, 1)), rng.random((32, 1)).astype(np.float32)
    cases = {"accuracy": (labels, scores), "sparse_categorical_accuracy": (labels, scores),
             "mae": (binary.astype(np.float32), probability), "precision": (binary, probability)}
    if "AUC" in metrics.__all__:
        cases["auc"] = (binary, probability)
    for name, (y_true, y_pred) in cases.items():
        metric = metrics.get(name)
        metric.update_state(y_true, y_pred)
        seconds = min(timeit.repeat(lambda: metric.update_state(y_true, y_pred), number=2000, repeat=5)) / 2000
        print(f"{name:30s} {seconds * 1e6:6.1f} us/update")


if __name__ == "__main__":
    main()
