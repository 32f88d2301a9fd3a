"""Run the adapted keras.io guides of this folder with real Keras or with Lamina, and print their accuracies.

    # Keras (its Python needs Lamina's src on the path only for the data loader):
    LAMINA_DATA=/work/shared/datasets PYTHONPATH=src /path/to/keras-python tests/guides/run_guides.py --library keras
    # Lamina:
    LAMINA_DATA=/work/shared/datasets PYTHONPATH=src python tests/guides/run_guides.py --library lamina

With Keras, the guide files run with their import lines switched back to the guides' own (``from lamina import
keras`` -> ``import keras``, ``from lamina.keras import`` -> ``from keras import``): the same cells, the other
library. ``--write`` stores Keras's accuracies on the test subset in keras_results.json, which
tests/test_guides.py compares Lamina's with. ``--full`` runs the guides' own sizes (all of MNIST) instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))


def load_guide(name: str, library: str) -> types.ModuleType:
    path = os.path.join(HERE, f"{name}.py")
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    if library == "keras":
        source = source.replace("from lamina import keras", "import keras")
        source = source.replace("from lamina.keras import", "from keras import")
    module = types.ModuleType(f"guide_{name}")
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def measure(library: str, n_train: int | None, n_test: int | None, seed: int) -> dict[str, float]:
    """Test accuracy of the two guides' MNIST MLPs, trained as the guides train them."""
    functional = load_guide("functional_api", library)
    training = load_guide("training_with_built_in_methods", library)
    results = {}
    with contextlib.redirect_stdout(io.StringIO()):
        functional.keras.utils.set_random_seed(seed)
        model = functional.introduction()["model"]
        results["functional_api"] = functional.training_evaluation_inference(model, n_train, n_test)["test_accuracy"]
        training.keras.utils.set_random_seed(seed)
        training.load_data(n_train, n_test)
        results["training_end_to_end"] = training.end_to_end()["results"][1]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", choices=("keras", "lamina"), required=True)
    parser.add_argument("--full", action="store_true", help="all of MNIST, as the guides run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=3900)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="store Keras's results in keras_results.json")
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    import guide_data
    if not guide_data.have_mnist():
        raise SystemExit("MNIST not found: set LAMINA_DATA to the folder holding mnist/")
    n_train, n_test = (None, None) if args.full else (args.n_train, args.n_test)
    per_section: dict[str, list[float]] = {}
    started = time.perf_counter()
    for seed in range(args.seeds):
        for section, accuracy in measure(args.library, n_train, n_test, seed).items():
            per_section.setdefault(section, []).append(round(float(accuracy), 4))
    elapsed = time.perf_counter() - started
    size = "all of MNIST" if args.full else f"first {args.n_train} train / {args.n_test} test images"
    print(f"{args.library}, {size}, {args.seeds} seeds, {elapsed:.0f} s")
    for section, values in per_section.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"  {section}: test accuracy {statistics.mean(values):.4f} +- {spread:.4f}  {values}")
    if args.write:
        if args.library != "keras" or args.full:
            raise SystemExit("--write stores Keras's subset results: use it with --library keras, without --full")
        import keras
        record = {"keras_version": keras.__version__, "n_train": args.n_train, "n_test": args.n_test,
                  "subset": per_section}
        with open(os.path.join(HERE, "keras_results.json"), "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")


if __name__ == "__main__":
    main()
