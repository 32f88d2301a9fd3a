"""Write tests/data/keras_datasets/keras_datasets.json for tests/test_keras_datasets.py (run with a Python that has
Keras 3; the checked-in file was written by Keras 3.15.1):

    /work/tfvenv/bin/python tests/data/keras_datasets/make_fixtures.py

- ``sources``: each keras.datasets loader's origin URL and published hash, read from Keras's own code;
- ``imdb``, ``reuters``, ``boston_housing``: tiny stand-ins for the real files (the test writes them as .npz and
  serves them), and what Keras's ``load_data`` returns for them under several argument combinations (Keras's
  ``get_file`` is pointed at the stand-in, so no network is used).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras.src.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist, reuters  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(11)


def sources() -> dict[str, dict[str, list[str]]]:
    """Every origin and hash string in each loader's source (Keras's code, not its documentation)."""
    found = {}
    for module in (mnist, fashion_mnist, cifar10, imdb, reuters, boston_housing):
        text = inspect.getsource(module)
        found[module.__name__.rsplit(".", 1)[-1]] = {
            "origins": sorted(set(re.findall(r'"(https://[^"]+)"', text))),
            "files": sorted(set(re.findall(r'origin_folder\}([\w.]+)"', text))),
            "hashes": sorted(set(re.findall(r'"([0-9a-f]{64}|[0-9a-f]{32})"', text))),
        }
    return found


def texts(count: int, vocabulary: int) -> list[list[int]]:
    return [RNG.integers(1, vocabulary, RNG.integers(1, 12)).tolist() for _ in range(count)]


def object_array(lists: list[list[int]]) -> np.ndarray:
    array = np.empty(len(lists), dtype=object)
    array[:] = [list(x) for x in lists]
    return array


def run(module, arrays: dict, cases: list[dict]) -> list[dict]:
    """Keras's load_data on ``arrays`` (written as the dataset's .npz), for each case's kwargs."""
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "data.npz")
    np.savez(path, **{k: object_array(v) if k.startswith("x") and module is not boston_housing else np.asarray(v)
                      for k, v in arrays.items()})
    module.get_file = lambda *args, **kwargs: path
    results = []
    for kwargs in cases:
        try:
            (x_train, y_train), (x_test, y_test) = module.load_data(**kwargs)
        except ValueError as error:
            results.append({"kwargs": kwargs, "error": str(error)})
            continue
        results.append({"kwargs": kwargs, "x_train": np.asarray(x_train).tolist(), "y_train": y_train.tolist(),
                        "x_test": np.asarray(x_test).tolist(), "y_test": y_test.tolist(),
                        "x_dtype": str(np.asarray(x_train).dtype), "y_dtype": str(y_train.dtype),
                        "x_shape": list(np.asarray(x_train).shape)})
    return results


TEXT_CASES = [{}, {"num_words": 20}, {"skip_top": 3, "num_words": 25, "oov_char": 2}, {"maxlen": 6},
              {"start_char": None, "index_from": 0}, {"oov_char": None, "num_words": 15, "skip_top": 5},
              {"seed": 7, "index_from": 5, "start_char": 0}, {"maxlen": 1}]


def main() -> None:
    data = {"keras_version": keras.__version__, "sources": sources()}
    imdb_arrays = {"x_train": texts(9, 30), "y_train": RNG.integers(0, 2, 9).tolist(),
                   "x_test": texts(7, 30), "y_test": RNG.integers(0, 2, 7).tolist()}
    data["imdb"] = {"arrays": imdb_arrays, "cases": run(imdb, imdb_arrays, TEXT_CASES)}
    reuters_arrays = {"x": texts(15, 30), "y": RNG.integers(0, 46, 15).tolist()}
    data["reuters"] = {"arrays": reuters_arrays,
                       "cases": run(reuters, reuters_arrays, TEXT_CASES + [{"test_split": 0.5}, {"test_split": 0.0}])}
    boston_arrays = {"x": RNG.normal(size=(21, 13)).round(3).tolist(), "y": RNG.uniform(5, 50, 21).round(2).tolist()}
    data["boston_housing"] = {"arrays": boston_arrays,
                              "cases": run(boston_housing, boston_arrays,
                                           [{}, {"test_split": 0.5, "seed": 3}, {"test_split": 0.0}])}
    with open(os.path.join(HERE, "keras_datasets.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(keras.__version__, {k: v for k, v in data["sources"].items()})


if __name__ == "__main__":
    main()
